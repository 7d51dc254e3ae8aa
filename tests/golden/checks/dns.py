"""DNS facts (pcaps/dns-*.facts): every answer dig got, matched by id, name and type."""
from .common import fail, numbered, of

def records(f, section):
    out = []
    for k in range(1, int(f.get(section + "_count", "0")) + 1):
        name, typ, ttl, data = f[section + "." + str(k)].split("\t", 3)
        out.append((name, typ, int(ttl), data))
    return out

def check_dns(capture, facts, events):
    dns = numbered(facts, "dns")
    if not dns:
        return 0
    answers = of(events, "dns", "answer")
    for n, f in dns.items():
        cands = [a["dns"] for a in answers if str(a["dns"].get("id")) == f["id"] and a["dns"].get("qname") == f["qname"]
                 and a["dns"].get("qtype") == f["qtype"]]
        if not cands:
            fail(capture, "dns.%d: no answer id=%s %s %s (dig %s)" % (n, f["id"], f["qname"], f["qtype"], f["dig_args"]))
            continue
        def matches(a):
            problems = []
            if a.get("rcode") != f["rcode"]:
                problems.append("rcode %s != %s" % (a.get("rcode"), f["rcode"]))
            for section, key in (("answer", "answers"), ("authority", "authorities"), ("additional", "additionals")):
                got = [(r["name"], r["type"], r["ttl"], r["data"]) for r in a.get(key, [])]
                want = records(f, section)
                if sorted(got) != sorted(want):
                    problems.append("%s %s != %s" % (key, got, want))
            if f.get("edns_udp_size"):
                edns = a.get("edns") or {}
                if str(edns.get("udp_size")) != f["edns_udp_size"]:
                    problems.append("edns udp_size %s != %s" % (edns.get("udp_size"), f["edns_udp_size"]))
                if bool(edns.get("do")) != (f.get("edns_do") == "yes"):
                    problems.append("edns do %s != %s" % (edns.get("do"), f.get("edns_do")))
            return problems
        results = [matches(a) for a in cands]
        if all(results):
            fail(capture, "dns.%d (dig %s): %s" % (n, f["dig_args"], "; ".join(results[-1])))
    return len(dns)
