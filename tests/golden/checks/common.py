"""What every protocol's checks share: the failures list, reading facts, running trawl, picking events."""
import collections, json, os, subprocess

failures = []
# Set by facts.py: the trawl being tested and the folder of the captures, for checks that run trawl again with
# options of their own (events_with).
TRAWL = None
PCAPS = None

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

def events_of(trawl, pcap, *options):
    r = subprocess.run([trawl, "-r", pcap, "-T", "json", *options], capture_output=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("trawl exited %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
    return [json.loads(l) for l in r.stdout.decode().splitlines()]

def events_with(capture, *options):
    """trawl's events for a capture of the folder being checked, run with these options (SNMP's --snmp-user)."""
    return events_of(TRAWL, os.path.join(PCAPS, capture), *options)

def of(events, proto, typ):
    return [e for e in events if e["proto"] == proto and e["type"] == typ]

def expect(capture, what, got, want):
    if str(got) != str(want):
        fail(capture, "%s: trawl says %r, the client saw %r" % (what, got, want))
