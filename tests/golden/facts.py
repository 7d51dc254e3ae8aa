#!/usr/bin/env python3
"""Checks trawl's events against the facts of what real clients sent and got (pcaps/*.facts, written by
pcaps/make-captures from the clients' own output: curl's saved bodies, dig's answers, ftplib's files,
the telnet script). usage: facts.py TRAWL PCAPS_DIR"""
import collections, hashlib, json, os, shutil, subprocess, sys, tempfile

failures = []

def fail(capture, msg):
    failures.append("%s: %s" % (capture, msg))

def load_facts(path):
    facts = collections.OrderedDict()
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        facts[k] = v
    return facts

def numbered(facts, prefix):
    """{N: {key: value}} for keys prefix.N.key"""
    out = collections.defaultdict(dict)
    for k, v in facts.items():
        if k.startswith(prefix + "."):
            rest = k[len(prefix) + 1:]
            n, _, key = rest.partition(".")
            if n.isdigit() and key:
                out[int(n)][key] = v
    return dict(sorted(out.items()))

def events_of(trawl, pcap):
    r = subprocess.run([trawl, "-r", pcap, "-T", "json"], capture_output=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("trawl exited %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
    return [json.loads(l) for l in r.stdout.decode().splitlines()]

def check_exported_files(capture, trawl, pcap, facts):
    """--export: every object the clients saved must be in DIR/files with the sha256 they saw."""
    want = set()
    for f in numbered(facts, "http").values():
        if f.get("body_sha256") and f.get("body_len") not in (None, "", "0") and f.get("expect_complete") != "no":
            want.add(f["body_sha256"])
    for f in numbered(facts, "ftp.transfer").values():
        if f.get("sha256") and f.get("bytes") not in (None, "", "0"):
            want.add(f["sha256"])
    if not want:
        return 0
    out = tempfile.mkdtemp(prefix="trawl-facts-")
    try:
        r = subprocess.run([trawl, "-r", pcap, "--export", out], capture_output=True, timeout=120)
        if r.returncode != 0:
            fail(capture, "--export exited %d" % r.returncode)
            return 1
        have = {}
        for ev in map(json.loads, open(os.path.join(out, "events.jsonl"))):
            rel = (ev.get(ev["proto"]) or {}).get("file")
            if rel:
                path = os.path.normpath(os.path.join(out, rel))
                if not path.startswith(out + os.sep) or not os.path.isfile(path):
                    fail(capture, "file field %r does not name a file inside the export folder" % rel)
                    continue
                have[hashlib.sha256(open(path, "rb").read()).hexdigest()] = rel
        for sha in sorted(want - set(have)):
            fail(capture, "no exported file has sha256 %s (exported: %s)" % (sha, sorted(have.values())))
    finally:
        shutil.rmtree(out)
    return len(want)

def of(events, proto, typ):
    return [e for e in events if e["proto"] == proto and e["type"] == typ]

def expect(capture, what, got, want):
    if str(got) != str(want):
        fail(capture, "%s: trawl says %r, the client saw %r" % (what, got, want))

def check_http(capture, facts, events):
    http = numbered(facts, "http")
    if not http:
        return 0
    # final responses: a status of 200 or more, or an HTTP/0.9 answer, which has no status line
    responses = [e for e in of(events, "http", "response")
                 if e["http"].get("status", 0) >= 200 or e["http"].get("version") == "HTTP/0.9"]
    requests = of(events, "http", "request")
    auths = of(events, "http", "auth")
    expect(capture, "number of final responses", len(responses), len(http))
    expect(capture, "number of requests", len(requests), len(http))
    want_auths = [f for f in http.values() if f.get("auth_user")]
    expect(capture, "number of Basic auth events", len(auths), len(want_auths))
    for i, (n, f) in enumerate(http.items()):
        if i >= len(responses) or i >= len(requests):
            break
        rsp, req = responses[i]["http"], requests[i]["http"]
        for key in ("method", "uri"):
            expect(capture, "http.%d.%s" % (n, key), rsp.get(key), f[key])
            expect(capture, "http.%d request %s" % (n, key), req.get(key), f[key])
        expect(capture, "http.%d.status" % n, rsp.get("status"), f.get("status"))  # none in HTTP/0.9
        if "version" in f:
            expect(capture, "http.%d request version" % n, req.get("version"), f["version"])
            expect(capture, "http.%d.version" % n, rsp.get("version"), f["version"])
        for key in ("content_type", "content_encoding", "transfer_encoding"):
            if key in f:
                got = rsp.get(key, "")
                if key == "content_type":
                    got = got.split(";")[0]
                expect(capture, "http.%d.%s" % (n, key), got, f[key])
        if f.get("expect_complete") == "no":
            # bytes of this body were removed from the capture (http.N.lost_bytes): trawl cannot have it whole
            expect(capture, "http.%d.complete" % n, rsp.get("complete"), False)
            expect(capture, "http.%d.body_sha256 (body incomplete)" % n, rsp.get("body_sha256"), None)
        elif f.get("body_sha256"):
            expect(capture, "http.%d.body_len" % n, rsp.get("body_len"), f["body_len"])
            expect(capture, "http.%d.body_sha256" % n, rsp.get("body_sha256"), f["body_sha256"])
            expect(capture, "http.%d.complete" % n, rsp.get("complete"), True)
        if f.get("request_body_sha256"):
            expect(capture, "http.%d.request body_len" % n, req.get("body_len"), f["request_body_len"])
            expect(capture, "http.%d.request body_sha256" % n, req.get("body_sha256"), f["request_body_sha256"])
    inner = facts.get("tunnel.server_addr4")
    if inner:  # a tunnelled capture: the sessions are the tunnel's inner ones
        for e in requests + responses:
            expect(capture, "server address inside the %s tunnel" % facts.get("tunnel"), e.get("server_ip"), inner)
    for i, f in enumerate(want_auths):
        if i < len(auths):
            a = auths[i]["http"]
            expect(capture, "auth %d scheme" % (i + 1), a.get("scheme"), f["auth_scheme"])
            expect(capture, "auth %d user" % (i + 1), a.get("user"), f["auth_user"])
            expect(capture, "auth %d password" % (i + 1), a.get("password"), f["auth_password"])
    return len(http)

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

def check_ftp(capture, facts, events):
    transfers = numbered(facts, "ftp.transfer")
    if not transfers and "user" not in facts:
        return 0
    if not of(events, "ftp", "reply"):
        return 0
    auths = [e["ftp"] for e in of(events, "ftp", "auth") if e["ftp"].get("success")]
    if not any(a.get("user") == facts["user"] and a.get("password") == facts["password"] for a in auths):
        fail(capture, "no successful ftp auth for %s/%s (got %s)" % (facts["user"], facts["password"], auths))
    got = [e["ftp"] for e in of(events, "ftp", "transfer")]
    expect(capture, "number of ftp transfers", len(got), len(transfers))
    for i, (n, f) in enumerate(transfers.items()):
        if i >= len(got):
            break
        t = got[i]
        for key in ("command", "direction", "mode", "type", "bytes", "sha256"):
            expect(capture, "ftp.transfer.%d.%s" % (n, key), t.get(key), f[key])
        if f.get("name"):
            expect(capture, "ftp.transfer.%d.name" % n, os.path.basename(t.get("name", "")), f["name"])
        expect(capture, "ftp.transfer.%d.complete" % n, t.get("complete"), True)
    return len(transfers) + 1

def check_telnet(capture, facts, events):
    if not facts.get("capture", "").startswith("telnet"):
        return 0
    auths = [e["telnet"] for e in of(events, "telnet", "auth")]
    if not any(a.get("user") == facts["user"] and a.get("password") == facts["password"] for a in auths):
        fail(capture, "no telnet auth for %s/%s (got %s)" % (facts["user"], facts["password"], auths))
    lines = [e["telnet"].get("line") for e in of(events, "telnet", "command")]
    want = [facts["command.%d" % k] for k in range(1, int(facts.get("commands", "0")) + 1)]
    expect(capture, "telnet commands", lines, want)
    subs = [e["telnet"] for e in of(events, "telnet", "subnegotiation")]
    # RFC 1091: terminal types are case-insensitive (clients send them upper-case)
    if facts.get("terminal_type") and not any(s.get("value", "").lower() == facts["terminal_type"].lower() for s in subs):
        fail(capture, "terminal type %s not reported (got %s)" % (facts["terminal_type"], subs))
    return 1 + len(want)

def check_gaps(capture, facts, events):
    """Bytes never seen inside TCP streams: exactly the lost.* facts of a capture with frames removed
    (lost.client_port, lost.server_port, lost.gap_bytes_c2s/_s2c); none at all in every other capture,
    impaired or not, since TCP retransmitted whatever the relay dropped before the capture saw it."""
    want = {}
    if facts.get("lost.client_port"):
        key = (int(facts["lost.client_port"]), int(facts["lost.server_port"]))
        want[key] = {"c2s": int(facts["lost.gap_bytes_c2s"]), "s2c": int(facts["lost.gap_bytes_s2c"])}
        if want[key]["c2s"] + want[key]["s2c"] <= 0:
            fail(capture, "lost.* facts name no lost bytes")
    ends = [e for e in events if e["type"] == "session_end" and e.get("transport") == "tcp"]
    seen = set()
    for e in ends:
        key = (e.get("client_port"), e.get("server_port"))
        got = {d: (e.get("gap_bytes") or {}).get(d, 0) for d in ("c2s", "s2c")}
        expect(capture, "gap_bytes of tcp session %s -> %s" % key, got, want.get(key, {"c2s": 0, "s2c": 0}))
        seen.add(key)
    for key in set(want) - seen:
        fail(capture, "no tcp session %s -> %s, whose bytes the facts say were lost" % key)
    return len(ends)

def main():
    trawl, pcaps = sys.argv[1], sys.argv[2]
    checked = 0
    for name in sorted(os.listdir(pcaps)):
        if not name.endswith(".facts"):
            continue
        facts = load_facts(os.path.join(pcaps, name))
        capture = facts.get("capture", name[:-6] + ".pcap")
        try:
            events = events_of(trawl, os.path.join(pcaps, capture))
        except Exception as exc:  # a failed run is a failed check
            fail(capture, str(exc))
            continue
        n = sum(check(capture, facts, events) for check in (check_http, check_dns, check_ftp, check_telnet))
        n += check_exported_files(capture, trawl, os.path.join(pcaps, capture), facts)
        if n == 0:
            fail(capture, "no facts were checked")
        checked += n + check_gaps(capture, facts, events)
    for f in failures:
        print("FACT", f)
    print("facts: %d facts groups checked, %d failed" % (checked, len(failures)))
    return 1 if failures or checked == 0 else 0

sys.exit(main())
