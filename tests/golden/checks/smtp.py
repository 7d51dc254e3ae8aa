"""SMTP facts (pcaps/smtp-*.facts): every login (user, password where the mechanism carries one, outcome), every
envelope (sender, accepted and refused recipients), every message (sha256 as transferred, subject, Message-ID) and
its attachments (name, decoded sha256), in the events and in an export: messages in files/ and mail/, attachments in
files/, and nothing written outside the export folder."""
import hashlib, json, os, shutil, subprocess, tempfile

from . import common
from .common import expect, fail, numbered, of

def _split(v, sep=","):
    return [x for x in (v or "").split(sep) if x]

def _auths(capture, facts, events):
    want = numbered(facts, "smtp.auth")
    got = [e["smtp"] for e in of(events, "smtp", "auth")]
    expect(capture, "number of smtp logins", len(got), len(want))
    for (n, f), a in zip(want.items(), got):
        k = "smtp.auth.%d" % n
        expect(capture, k + ".mechanism", a.get("mechanism"), f["mechanism"])
        expect(capture, k + ".user", a.get("user"), f["user"])
        expect(capture, k + ".success", a.get("success"), f["success"] == "yes")
        expect(capture, k + ".password", a.get("password"), f.get("password"))
    return len(want)

def _envelopes(capture, facts, events):
    msgs = [e["smtp"] for e in of(events, "smtp", "message")]
    replies = [e["smtp"].get("code") for e in of(events, "smtp", "reply")]
    envelopes = numbered(facts, "smtp.envelope")
    for n, f in envelopes.items():
        k = "smtp.envelope.%d" % n
        accepted = _split(f.get("rcpt_to"))
        rejected = [(r.rsplit(":", 1)[0], int(r.rsplit(":", 1)[1])) for r in _split(f.get("rcpt_rejected"))]
        if not f.get("message"):  # refused before any data: no message, the refusals among the replies
            if any(m.get("mail_from") == f["mail_from"] and set(accepted) & set(m.get("rcpt_to", [])) for m in msgs):
                fail(capture, "%s: a message event for an envelope that carried none" % k)
            for _, code in rejected:
                if code not in replies:
                    fail(capture, "%s: no reply %d" % (k, code))
            continue
        same = [m for m in msgs if m.get("mail_from") == f["mail_from"] and m.get("rcpt_to", []) == accepted]
        if not same:
            fail(capture, "%s: no message from %s to %s (messages: %s)"
                 % (k, f["mail_from"], accepted, [(m.get("mail_from"), m.get("rcpt_to")) for m in msgs]))
            continue
        m = same[0]
        got_rejected = [(r.get("rcpt"), r.get("code")) for r in m.get("rcpt_rejected", [])]
        expect(capture, k + ".rcpt_rejected", got_rejected, rejected)
        expect(capture, k + ".transfer", m.get("transfer"), f.get("transfer", "data"))
    return len(envelopes)

def _messages(capture, facts, events):
    msgs = [e["smtp"] for e in of(events, "smtp", "message")]
    want = numbered(facts, "smtp.message")
    for n, f in want.items():
        k = "smtp.message.%d" % n
        same = [m for m in msgs if m.get("message_id") == f["message_id"]]
        expect(capture, k + " events with Message-ID " + f["message_id"], len(same), f.get("count", "1"))
        for m in same:
            if f.get("expect_complete") == "no":  # bytes of it never reached the capture (smtp-lossy)
                expect(capture, k + ".complete", m.get("complete"), False)
                expect(capture, k + ".sha256 (of an incomplete message)", m.get("sha256"), None)
                expect(capture, k + ".subject", m.get("subject"), f["subject"])
                continue
            expect(capture, k + ".sha256", m.get("sha256"), f["sha256"])
            expect(capture, k + ".size", m.get("size"), f["size"])
            expect(capture, k + ".subject", m.get("subject"), f["subject"])
            expect(capture, k + ".complete", m.get("complete"), True)
            atts = {(a.get("name"), a.get("sha256"), a.get("size")) for a in m.get("attachments", [])}
            for j in range(1, int(f["attachments"]) + 1):
                a = (f["attachment.%d.name" % j], f["attachment.%d.sha256" % j], int(f["attachment.%d.size" % j]))
                if a not in atts:
                    fail(capture, "%s: no attachment %s (attachments: %s)" % (k, a, sorted(atts)))
    return len(want)

def _tls(capture, facts, events):
    n = 0
    ends = [(e.get("server_port"), e.get("reason")) for e in events if e["type"] == "decode_end" and e["proto"] == "smtp"]
    for key, reason in (("smtp.starttls.port", "starttls"), ("smtp.smtps.port", "tls")):
        if facts.get(key):
            n += 1
            if (int(facts[key]), reason) not in ends:
                fail(capture, "no smtp decode_end %s on port %s (got %s)" % (reason, facts[key], ends))
    return n

def _sha_file(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()

def _whole(facts):
    """The messages the capture holds whole (not those with bytes lost before the capture)."""
    return {n: f for n, f in numbered(facts, "smtp.message").items() if f.get("expect_complete") != "no"}

def _export(capture, facts):
    """trawl --export from an empty working folder: messages in files/ and mail/, attachments in files/ as their
    events say, and nothing anywhere but the export folder."""
    messages, want = numbered(facts, "smtp.message"), _whole(facts)
    if not messages:
        return 0
    top = tempfile.mkdtemp(prefix="trawl-smtp-")
    try:
        out, cwd = os.path.join(top, "export"), os.path.join(top, "cwd")
        os.mkdir(cwd)
        r = subprocess.run([os.path.abspath(common.TRAWL), "-r", os.path.abspath(os.path.join(common.PCAPS, capture)), "--export", out],
                           capture_output=True, timeout=120, cwd=cwd)
        if r.returncode != 0:
            fail(capture, "--export exited %d" % r.returncode)
            return 1
        if os.listdir(cwd) or sorted(os.listdir(top)) != ["cwd", "export"]:
            fail(capture, "--export wrote outside its folder: %s %s" % (os.listdir(top), os.listdir(cwd)))
        files = {}
        for sub in ("files", "mail"):
            for name in os.listdir(os.path.join(out, sub)) if os.path.isdir(os.path.join(out, sub)) else []:
                files.setdefault(sub, {})[_sha_file(os.path.join(out, sub, name))] = name
        for ev in map(json.loads, open(os.path.join(out, "events.jsonl"))):
            if ev["proto"] != "smtp" or ev["type"] != "message":
                continue
            m = ev["smtp"]
            for rel in [m.get("file")] + [a.get("file") for a in m.get("attachments", [])]:
                if not rel:
                    continue
                path = os.path.normpath(os.path.join(out, rel))
                if not path.startswith(out + os.sep + "files" + os.sep) or not os.path.isfile(path):
                    fail(capture, "file field %r does not name a file in the export's files/" % rel)
            for a in m.get("attachments", []):
                if a.get("sha256") and a.get("file") and _sha_file(os.path.join(out, a["file"])) != a["sha256"]:
                    fail(capture, "attachment %s: its file %s is not its sha256" % (a.get("name"), a["file"]))
        for n, f in want.items():
            for sub in ("files", "mail"):
                if f["sha256"] not in files.get(sub, {}):
                    fail(capture, "smtp.message.%d (%s): not in the export's %s/" % (n, f["message_id"], sub))
            for j in range(1, int(f["attachments"]) + 1):
                if f["attachment.%d.sha256" % j] not in files.get("files", {}):
                    fail(capture, "smtp.message.%d: attachment %s not in the export's files/"
                         % (n, f["attachment.%d.name" % j]))
        if len(want) < len(messages) and not any(n.endswith("message.eml") for n in files.get("files", {}).values()):
            fail(capture, "the incomplete message is not in the export's files/")  # written too, holes and all
        index = os.path.join(out, "mail", "index.jsonl")
        ids = {json.loads(l).get("message_id") for l in open(index)} if os.path.isfile(index) else set()
        for n, f in want.items():
            if f["message_id"] not in ids:
                fail(capture, "smtp.message.%d: %s not in mail/index.jsonl" % (n, f["message_id"]))
    finally:
        shutil.rmtree(top)
    return len(messages)

def check_smtp(capture, facts, events):
    if not any(k.startswith("smtp.") for k in facts):
        return 0
    return (_auths(capture, facts, events) + _envelopes(capture, facts, events) + _messages(capture, facts, events)
            + _tls(capture, facts, events) + _export(capture, facts))

def exported_smtp(facts):
    """Every message as transferred: --export must write each of them."""
    return {f["sha256"] for f in _whole(facts).values()}
