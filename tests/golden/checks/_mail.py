"""What the POP3 and IMAP checks share: logins, messages and their attachments against the facts, and an export
run that must write every message and attachment once and list each message once in mail/index.jsonl."""
import collections, hashlib, json, os, shutil, subprocess, tempfile

from . import common
from .common import expect, fail, numbered

def logins(capture, facts, events, proto):
    """Every login the client made (proto.login.N.*): user, password where the wire carries it, outcome."""
    want = numbered(facts, proto + ".login")
    got = [e[proto] for e in events if e["proto"] == proto and e["type"] == "auth"]
    for n, f in want.items():
        match = [a for a in got if a.get("user") == f["user"] and str(a.get("success")).lower() == f["success"]
                 and ("password" not in f or a.get("password") == f["password"])]
        if not match:
            fail(capture, "%s.login.%d (%s %s/%s %s): no such auth event (got %s)"
                 % (proto, n, f.get("mechanism"), f["user"], f.get("password", "-"), f["success"], got))
        elif f.get("mechanism") == "APOP" and not all("password" not in a and a.get("digest") for a in match):
            fail(capture, "%s.login.%d: APOP shows a digest and no password" % (proto, n))
    return len(want)

def message(capture, what, ev, f):
    """One message event against the facts of the message the client received (size, sha256, subject, ...)."""
    expect(capture, what + ".sha256", ev.get("sha256"), f["sha256"])
    expect(capture, what + ".size", ev.get("size"), f["size"])
    expect(capture, what + ".complete", ev.get("complete"), True)
    for key in ("subject", "message_id"):
        if key in f:
            expect(capture, what + "." + key, ev.get(key), f[key])
    atts = {a.get("name"): a for a in ev.get("attachments", [])}
    for n, a in numbered(f, "attachment").items():
        got = atts.get(a["name"])
        if not got:
            fail(capture, "%s: no attachment %s (got %s)" % (what, a["name"], sorted(atts)))
            continue
        expect(capture, "%s.attachment %s sha256" % (what, a["name"]), got.get("sha256"), a["sha256"])
        expect(capture, "%s.attachment %s size" % (what, a["name"]), got.get("size"), a["size"])

def sub(facts, prefix):
    """{key: value} for keys prefix.key (one level of a numbered group, for message())."""
    return {k[len(prefix) + 1:]: v for k, v in facts.items() if k.startswith(prefix + ".")}

def attachment_digests(facts):
    return {v for k, v in facts.items() if ".attachment." in k and k.endswith(".sha256")}

def message_digests(facts, prefixes):
    return {v for k, v in facts.items() if k.endswith(".sha256") and ".attachment." not in k
            and any(k.startswith(p) for p in prefixes)}

def exported(capture, want_files, want_messages):
    """trawl --export on the capture: every digest in want_files is a file somewhere in the export (messages as
    .eml, attachments as their decoded content), and mail/index.jsonl lists each message of want_messages (by
    Message-ID) exactly once, with the copy it names in mail/."""
    out = tempfile.mkdtemp(prefix="trawl-mail-")
    try:
        r = subprocess.run([common.TRAWL, "-r", os.path.join(common.PCAPS, capture), "--export", out],
                           capture_output=True, timeout=120)
        if r.returncode != 0:
            fail(capture, "--export exited %d" % r.returncode)
            return 1
        have = collections.Counter()
        for root, _, names in os.walk(out):
            for n in names:
                if root.endswith(os.sep + "mail") or root.endswith(os.sep + "sessions"):
                    continue
                have[hashlib.sha256(open(os.path.join(root, n), "rb").read()).hexdigest()] += 1
        for sha in sorted(want_files - set(have)):
            fail(capture, "no exported file has sha256 %s" % sha)
        index = os.path.join(out, "mail", "index.jsonl")
        if want_messages and not os.path.exists(index):
            fail(capture, "no mail/index.jsonl")
            return len(want_files) + 1
        entries = [json.loads(l) for l in open(index)] if os.path.exists(index) else []
        ids = collections.Counter(e.get("message_id") for e in entries)
        for mid, protos in sorted(want_messages.items()):
            if ids[mid] != 1:
                fail(capture, "mail/index.jsonl lists %s %d times" % (mid, ids[mid]))
                continue
            e = next(e for e in entries if e.get("message_id") == mid)
            seen = {s["proto"] for s in e.get("seen_in", [])}
            if not protos <= seen:
                fail(capture, "mail/index.jsonl: %s seen in %s, the capture carried it in %s" % (mid, seen, protos))
            if not e.get("file") or not os.path.isfile(os.path.join(out, e["file"])):
                fail(capture, "mail/index.jsonl: %s has no copy in mail/" % mid)
        return len(want_files) + len(want_messages)
    finally:
        shutil.rmtree(out)
