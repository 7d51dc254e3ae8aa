"""FTP facts (pcaps/ftp-*.facts): the login and every data transfer."""
import os

from .common import expect, fail, numbered, of

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

def exported_ftp(facts):
    """The bytes of every non-empty data transfer (listings too): --export must write each of them."""
    want = set()
    for f in numbered(facts, "ftp.transfer").values():
        if f.get("sha256") and f.get("bytes") not in (None, "", "0"):
            want.add(f["sha256"])
    return want
