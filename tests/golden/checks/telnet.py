"""Telnet facts (pcaps/telnet-*.facts): the login, the command lines, the terminal type."""
from .common import expect, fail, of

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
