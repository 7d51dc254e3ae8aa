"""IMAP facts (pcaps/imap-*.facts, mail-*.facts): every login (LOGIN with the password as a literal, AUTHENTICATE
PLAIN) and its outcome; the selected mailbox; every UID FETCH of a whole message with its uid and the sha256 the
client got, a fetched attachment part's sha256 and decoded sha256, a partial and a header fetch, the APPEND upload;
every attachment decoded; an export writes them all and lists each message once in the mailbox folder, with every
protocol that carried it (SMTP and IMAP for the message postfix delivered)."""
from . import _mail
from .common import expect, fail, numbered, of

def check_imap(capture, facts, events):
    if not any(k.startswith("imap.") for k in facts):
        return 0
    n = _mail.logins(capture, facts, events, "imap")
    msgs = [e["imap"] for e in of(events, "imap", "message")]
    whole = [m for m in msgs if m.get("direction") == "fetch" and not m.get("partial")]
    groups = [("imap.fetch.%d" % k, f) for k, f in numbered(facts, "imap.fetch").items()]
    groups += [("imap.bob.fetch.%d" % k, f) for k, f in numbered(facts, "imap.bob.fetch").items()]
    for what, f in groups:
        got = [m for m in whole if m.get("uid") == int(f["uid"]) and m.get("sha256") == f["sha256"]]
        if not got:
            fail(capture, "%s: no fetched message uid %s with sha256 %s" % (what, f["uid"], f["sha256"]))
            continue
        _mail.message(capture, what, got[0], f)
        if "imap.select.mailbox" in facts:
            expect(capture, what + ".mailbox", got[0].get("mailbox"), facts["imap.select.mailbox"])
        n += 1
    for k, f in numbered(facts, "imap.section").items():
        got = [m for m in msgs if m.get("uid") == int(f["uid"]) and m.get("section") == f["section"]]
        if not got:
            fail(capture, "imap.section.%d: no %s of uid %s" % (k, f["section"], f["uid"]))
            continue
        expect(capture, "imap.section.%d.sha256" % k, got[0].get("sha256"), f["sha256"])
        expect(capture, "imap.section.%d.decoded_sha256" % k, got[0].get("decoded_sha256"), f["decoded_sha256"])
        expect(capture, "imap.section.%d.partial" % k, got[0].get("partial"), True)
        n += 1
    for k, f in numbered(facts, "imap.partial").items():
        got = [m for m in msgs if m.get("uid") == int(f["uid"]) and m.get("origin") == 0]
        if not got:
            fail(capture, "imap.partial.%d: no partial fetch of uid %s" % (k, f["uid"]))
            continue
        expect(capture, "imap.partial.%d.sha256" % k, got[0].get("sha256"), f["sha256"])
        expect(capture, "imap.partial.%d.size" % k, got[0].get("size"), f["size"])
        n += 1
    for k, f in numbered(facts, "imap.header").items():
        got = [m for m in msgs if m.get("uid") == int(f["uid"]) and m.get("section") == "BODY[HEADER]"]
        if not got:
            fail(capture, "imap.header.%d: no header fetch of uid %s" % (k, f["uid"]))
            continue
        expect(capture, "imap.header.%d.sha256" % k, got[0].get("sha256"), f["sha256"])
        n += 1
    for k, f in numbered(facts, "imap.append").items():
        got = [m for m in msgs if m.get("direction") == "append" and m.get("sha256") == f["sha256"]]
        if not got:
            fail(capture, "imap.append.%d: no APPEND with sha256 %s" % (k, f["sha256"]))
            continue
        _mail.message(capture, "imap.append.%d" % k, got[0], f)
        expect(capture, "imap.append.%d.mailbox" % k, got[0].get("mailbox"), f["mailbox"])
        n += 1
    if "imap.select.exists" in facts:
        sel = [e["imap"] for e in of(events, "imap", "reply") if e["imap"].get("command") == "SELECT"
               and e["imap"].get("status") == "OK"]
        if not any(s.get("exists") == int(facts["imap.select.exists"]) and s.get("mailbox") == facts["imap.select.mailbox"]
                   for s in sel):
            fail(capture, "no SELECT %s with %s messages (got %s)" % (facts["imap.select.mailbox"],
                                                                      facts["imap.select.exists"], sel))
        if "imap.select.uidvalidity" in facts and not any(
                s.get("uidvalidity") == int(facts["imap.select.uidvalidity"]) for s in sel):
            fail(capture, "no SELECT with UIDVALIDITY %s" % facts["imap.select.uidvalidity"])
        n += 1
    if "imap.compress" in facts:
        ok = [e for e in of(events, "imap", "reply") if e["imap"].get("command") == "COMPRESS"]
        expect(capture, "COMPRESS answered", [e["imap"].get("status") for e in ok], [facts["imap.compress"]])
        n += 1
    if "curl.imap.uid.2.sha256" in facts:
        if not [m for m in whole if m.get("uid") == 2 and m.get("sha256") == facts["curl.imap.uid.2.sha256"]]:
            fail(capture, "curl's fetch of uid 2 is missing")
        n += 1
    # the export: every message (as transferred) and attachment (decoded) as a file, each message once in mail/
    ids = {}
    for k, v in facts.items():
        if k.endswith(".message_id") and (k.startswith("imap.fetch.") or k.startswith("imap.bob.fetch.")
                                          or k.startswith("imap.append.")):
            ids.setdefault(v, set()).add("imap")
        if k.endswith(".message_id") and k.startswith("pop3.retr."):
            ids.setdefault(v, set()).add("pop3")
    if "smtp.message.message_id" in facts:
        ids.setdefault(facts["smtp.message.message_id"], set())
        if of(events, "smtp", "message"):  # once the SMTP dissector is in: the message crossed both
            ids[facts["smtp.message.message_id"]].add("smtp")
    digests = _mail.attachment_digests(facts) | _mail.message_digests(
        facts, ("imap.fetch.", "imap.bob.fetch.", "imap.append.", "pop3.retr."))
    digests |= {f["decoded_sha256"] for f in numbered(facts, "imap.section").values()}
    n += _mail.exported(capture, digests, ids)
    return n

def exported_imap(facts):
    """Whole messages fetched (their .eml copies are the events' files)."""
    return {f["sha256"] for f in numbered(facts, "imap.fetch").values()}
