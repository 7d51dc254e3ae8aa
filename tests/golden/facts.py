#!/usr/bin/env python3
"""Checks trawl's events against the facts of what real clients sent and got (pcaps/*.facts, written by
pcaps/make-captures from the clients' own output: curl's saved bodies, dig's answers, ftplib's files,
the telnet script). usage: facts.py TRAWL PCAPS_DIR

What is checked for each protocol is in checks/PROTO.py, found here by its name (checks/__init__.py
says what such a module defines); this runner adds what holds for every capture: the exported files
and the TCP gaps."""
import hashlib, importlib, json, os, shutil, subprocess, sys, tempfile, traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
CHECKS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checks")
sys.path.insert(0, os.path.dirname(CHECKS_DIR))
import checks.common as checks_common  # noqa: E402
from checks.common import events_of, expect, fail, failures, load_facts  # noqa: E402

def file_fields(obj):
    """Every `file` field of an event's protocol object, nested ones too (a torrent's files, mail attachments)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "file" and isinstance(v, str):
                yield v
            else:
                yield from file_fields(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from file_fields(v)

def check_exported_files(capture, trawl, pcap, want):
    """--export: every object the clients saved (want: their sha256s, from the checks' exported_*
    functions) must be in DIR/files with the sha256 they saw."""
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
            for rel in file_fields(ev.get(ev["proto"]) or {}):
                path = os.path.normpath(os.path.join(out, rel))
                if not path.startswith(out + os.sep) or not os.path.isfile(path):
                    fail(capture, "file field %r does not name a file inside the export folder" % rel)
                    continue
                have[hashlib.sha256(open(path, "rb").read()).hexdigest()] = rel
        for sha in sorted(want - set(have)):
            fail(capture, "no exported file has sha256 %s (exported: %s)" % (sha, sorted(have.values())))
        # files.jsonl: each file listed with the sha256 of its bytes on disk (a torrent's too, hashed once
        # written), and every complete one with a sha256
        for row in map(json.loads, open(os.path.join(out, "files.jsonl"))):
            rel = row.get("file")
            if not rel or "sha256" not in row and not row.get("complete"):
                continue
            path = os.path.normpath(os.path.join(out, rel))
            if not path.startswith(out + os.sep) or not os.path.isfile(path):
                fail(capture, "files.jsonl names %r, not a file inside the export folder" % rel)
                continue
            expect(capture, "files.jsonl sha256 of %s" % rel, row.get("sha256"),
                   hashlib.sha256(open(path, "rb").read()).hexdigest())
    finally:
        shutil.rmtree(out)
    return len(want)

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

def load_checks():
    """Every module in checks/ (but common.py and _*.py), and the check_* and exported_* functions it
    defines itself (not the helpers it imports), in the order it defines them. A module that cannot be
    imported or has no check_ function is a failure, not a protocol silently left unchecked."""
    checks, exports = [], []
    names = sorted(n[:-3] for n in os.listdir(CHECKS_DIR)
                   if n.endswith(".py") and n != "common.py" and not n.startswith("_"))
    for name in names:
        try:
            mod = importlib.import_module("checks." + name)
        except Exception:
            fail("checks/%s.py" % name, "cannot be imported:\n%s" % traceback.format_exc())
            continue
        own = [(k, v) for k, v in vars(mod).items()
               if callable(v) and getattr(v, "__module__", None) == mod.__name__]
        found = [("checks/%s.py %s" % (name, k), v) for k, v in own if k.startswith("check_")]
        if not found:
            fail("checks/%s.py" % name, "defines no check_* function")
        checks += found
        exports += [("checks/%s.py %s" % (name, k), v) for k, v in own if k.startswith("exported_")]
    if not names:
        fail("checks/", "no check modules")
    return checks, exports

def run_checks(capture, checks, facts, events):
    """The sum of what the protocols' checks say they checked; one that raises or returns no count fails."""
    n = 0
    for name, check in checks:
        try:
            got = check(capture, facts, events)
        except Exception:
            fail(capture, "%s raised:\n%s" % (name, traceback.format_exc()))
            continue
        if type(got) is not int or got < 0:
            fail(capture, "%s returned %r, not the number of facts it checked" % (name, got))
            continue
        n += got
    return n

def exported_wanted(capture, exports, facts):
    """The sha256s of every object the protocols' facts say --export must write."""
    want = set()
    for name, exported in exports:
        try:
            got = set(exported(facts))
        except Exception:
            fail(capture, "%s raised:\n%s" % (name, traceback.format_exc()))
            continue
        bad = sorted((s for s in got if not isinstance(s, str) or len(s) != 64), key=repr)
        if bad:
            fail(capture, "%s returned %r, not sha256 hex digests" % (name, bad))
        want |= got - set(bad)
    return want

def main():
    trawl, pcaps = sys.argv[1], sys.argv[2]
    checks_common.TRAWL, checks_common.PCAPS = trawl, pcaps
    checks, exports = load_checks()
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
        n = run_checks(capture, checks, facts, events)
        n += check_exported_files(capture, trawl, os.path.join(pcaps, capture),
                                  exported_wanted(capture, exports, facts))
        if n == 0:
            fail(capture, "no facts were checked")
        checked += n + check_gaps(capture, facts, events)
    for f in failures:
        print("FACT", f)
    print("facts: %d facts groups checked, %d failed" % (checked, len(failures)))
    return 1 if failures or checked == 0 else 0

sys.exit(main())
