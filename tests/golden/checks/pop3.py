"""POP3 facts (pcaps/pop3-*.facts, mail-*.facts): every login (USER/PASS with the password, APOP with its digest, AUTH
PLAIN) and its outcome, every RETR and TOP with its number, unique id and the sha256 of the message the client got,
every attachment decoded; an export writes them all and lists each message once in the mailbox folder."""
from . import _mail
from .common import expect, fail, numbered, of

def check_pop3(capture, facts, events):
    if not any(k.startswith("pop3.") for k in facts):
        return 0
    n = _mail.logins(capture, facts, events, "pop3")
    msgs = [e["pop3"] for e in of(events, "pop3", "message")]
    retrs = [m for m in msgs if m.get("command") == "RETR"]
    for num, f in numbered(facts, "pop3.retr").items():
        got = [m for m in retrs if m.get("number") == num and m.get("sha256") == f["sha256"]]
        if not got:
            fail(capture, "pop3.retr.%d: no RETR %d message with sha256 %s" % (num, num, f["sha256"]))
            continue
        _mail.message(capture, "pop3.retr.%d" % num, got[0], _mail.sub(facts, "pop3.retr.%d" % num))
        if "uidl" in f:
            expect(capture, "pop3.retr.%d.uidl" % num, got[0].get("uidl"), f["uidl"])
        n += 1
    if "pop3.apop.retr.2.sha256" in facts:
        if not [m for m in retrs if m.get("sha256") == facts["pop3.apop.retr.2.sha256"]]:
            fail(capture, "the APOP session's RETR 2 is missing")
        n += 1
    for num, f in numbered(facts, "pop3.top").items():
        got = [m for m in msgs if m.get("command") == "TOP" and m.get("number") == num]
        if not got:
            fail(capture, "pop3.top.%d: no TOP message" % num)
            continue
        expect(capture, "pop3.top.%d.sha256" % num, got[0].get("sha256"), f["sha256"])
        expect(capture, "pop3.top.%d.partial" % num, got[0].get("partial"), True)
        n += 1
    if "curl.pop3.retr.1.sha256" in facts:
        if not [m for m in retrs if m.get("number") == 1 and m.get("sha256") == facts["curl.pop3.retr.1.sha256"]]:
            fail(capture, "curl's RETR 1 is missing")
        n += 1
    if "pop3.dele" in facts:
        dele = [e["pop3"] for e in of(events, "pop3", "request") if e["pop3"].get("command") == "DELE"]
        expect(capture, "DELE", [d.get("arg") for d in dele], [facts["pop3.dele"]])
        rset = [e["pop3"] for e in of(events, "pop3", "reply") if e["pop3"].get("command") == "RSET"]
        expect(capture, "RSET answered", len(rset), 1)
        n += 1
    if any(k.startswith("imap.") for k in facts):
        return n  # a capture of both: imap.py runs the export for the two
    ids = {facts[k]: {"pop3"} for k in facts if k.startswith("pop3.retr.") and k.endswith(".message_id")}
    n += _mail.exported(capture, _mail.attachment_digests(facts) | _mail.message_digests(facts, ("pop3.retr.",)), ids)
    return n
