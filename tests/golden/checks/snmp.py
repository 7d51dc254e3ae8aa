"""SNMP facts (pcaps/snmp-*.facts): every run of a net-snmp tool — its version, community or user, the PDU it sent
and the OIDs it asked, each value it printed (OID, type and value, as net-snmp prints them without MIBs), the error
an agent answered with (noAccess, notWritable, v1's noSuchName), a wrong community never answered (retries,
`unanswered`, a failed `auth`), v3 users (discovery, digests, the encrypted PDUs marked, and with --snmp-user the
decrypted values equal to what the tool printed; a wrong password seen as such), and every notification snmptrapd
logged (v1 and v2c traps, the inform and its acknowledgement)."""
import re

from .common import events_with, expect, fail, numbered

NOTIFIERS = ("snmptrap", "snmpinform")
EXCEPTIONS = {
    "No Such Object available on this agent at this OID": "noSuchObject",
    "No Such Instance currently exists at this OID": "noSuchInstance",
    "No more variables left in this MIB View (It is past the end of the MIB tree)": "endOfMibView",
}
GENERIC = ["coldStart", "warmStart", "linkDown", "linkUp", "authenticationFailure", "egpNeighborLoss",
           "enterpriseSpecific"]


def printed(line):
    """(oid, type, value) of a line net-snmp printed with -On: `.1.3.6.1.2.1.1.5.0 = STRING: "x"`."""
    oid, _, rest = line.partition(" = ")
    oid = oid.lstrip(".")
    if rest in EXCEPTIONS:
        return oid, EXCEPTIONS[rest], ""
    if rest == '""':
        return oid, "STRING", ""
    typ, _, val = rest.partition(": ")
    if typ == "STRING":
        # a value's line breaks are written \n in the facts (a fact is one line)
        val = val[1:-1].replace('\\"', '"').replace("\\n", "\n") if val.startswith('"') else val
    elif typ in ("Hex-STRING", "OPAQUE"):
        typ = "Opaque" if typ == "OPAQUE" else typ
        val = val.replace(" ", "").lower()
    elif typ == "OID":
        val = val.lstrip(".")
    elif typ == "Timeticks":
        val = re.match(r"\((\d+)\)", val).group(1)
    return oid, typ, val


def ours(vb):
    return vb["oid"], vb["type"], str(vb.get("value", ""))


def varbinds(e):
    return [ours(v) for v in e["snmp"].get("varbinds", [])]


def requests_by_run(events):
    """The sessions to an agent (server port 161), in order: one per tool run."""
    sessions = {}
    for e in events:
        if e["proto"] == "snmp" and e.get("server_port") == 161:
            sessions.setdefault(e["session"], []).append(e)
    return [sessions[k] for k in sorted(sessions)]


def notifications(events):
    return [e for e in events if e["proto"] == "snmp" and
            (e["type"] == "trap" or (e["type"] == "request" and e["snmp"].get("pdu") == "inform-request"))]


def run_matches(capture, n, f, evs, keyed):
    what = "snmp.%d (%s %s %s)" % (n, f["tool"], f.get("community", f.get("user")), f["oids"])
    reqs = [e for e in evs if e["type"] == "request" and not e["snmp"].get("discovery")]
    resps = [e for e in evs if e["type"] == "response" and not e["snmp"].get("discovery")]
    if not reqs:
        fail(capture, "%s: no request" % what)
        return
    for e in reqs + resps:
        expect(capture, what + " version", e["snmp"].get("version"), f["version"])
        key = "user" if f["version"] == "3" else "community"
        if not (f["version"] == "3" and e["type"] == "response" and e["snmp"].get("pdu") == "report"):
            expect(capture, what + " " + key, e["snmp"].get(key), f[key])
        expect(capture, what + " transport", e["transport"], f["transport"])
    encrypted = f["version"] == "3" and f.get("level") == "authPriv"
    if encrypted and not keyed:
        for e in reqs:
            if not e["snmp"].get("encrypted") or "varbinds" in e["snmp"]:
                fail(capture, "%s: an authPriv request without keys is not marked encrypted: %s" % (what, e["snmp"]))
        return
    right_keys = f["version"] != "3" or f.get("auth_pass") in keyed.get(f.get("user"), ("-",))
    if encrypted and f["result"] == "timeout" and f.get("priv_pass") not in keyed.get(f["user"], ()):
        # the tool used a wrong privacy password: right digest, and a PDU no key here decrypts
        for e in reqs:
            expect(capture, what + " digest_valid", e["snmp"].get("digest_valid"), True)
            expect(capture, what + " encrypted", e["snmp"].get("encrypted"), True)
        if not any(a.get("anomaly") == "snmp_usm_decrypt_failed" for a in evs if a["type"] == "anomaly"):
            fail(capture, "%s: a wrong privacy password without snmp_usm_decrypt_failed" % what)
        return
    first = reqs[0]["snmp"]
    expect(capture, what + " pdu", first.get("pdu"), f["pdu"])
    asked = [o.lstrip(".") for o in f["oids"].split()]
    got = [v[0] for v in varbinds(reqs[0])]
    if f["tool"] in ("snmpwalk", "snmpbulkwalk"):
        expect(capture, what + " first OID asked", got[:1], asked[:1])
    else:
        expect(capture, what + " OIDs asked", got, asked)
    if f["version"] == "3" and f.get("level") != "noAuthNoPriv" and f.get("user") in keyed:
        for e in reqs:
            expect(capture, what + " request digest_valid", e["snmp"].get("digest_valid"), right_keys)
    if f["result"] == "timeout":
        if resps:
            fail(capture, "%s: timed out, yet trawl shows %d answers" % (what, len(resps)))
        retries = re.search(r"-r (\d+)", f["options"])
        want = 1 + (int(retries.group(1)) if retries else 5)
        expect(capture, what + " copies of the request", len(reqs), want)
        expect(capture, what + " copies marked retry", sum(1 for e in reqs if e["snmp"].get("retry")), want - 1)
        un = [e for e in evs if e["type"] == "unanswered"]
        expect(capture, what + " unanswered request_ids", [e["snmp"].get("request_id") for e in un],
               [first.get("request_id")])
        return
    if f["result"] == "error" and "error_reason" not in f:
        # v3: the agent's report (wrong digest, unknown user) and the user not accepted
        reports = [e for e in evs if e["type"] == "response" and e["snmp"].get("pdu") == "report"
                   and not e["snmp"].get("discovery")]
        names = [v.get("name", "") for e in reports for v in e["snmp"].get("varbinds", [])]
        want = "usmStatsWrongDigests.0" if "Authentication failure" in f.get("message", "") else \
            "usmStatsUnknownUserNames.0" if "Unknown user" in f.get("message", "") else None
        if want and want not in names:
            fail(capture, "%s: %r, but no %s report (reports: %s)" % (what, f.get("message"), want, names))
        return
    if not resps:
        fail(capture, "%s: no answer" % what)
        return
    if f["result"] == "error":
        reason = f["error_reason"]
        m = re.match(r"^\((\w+)\)|^(\w+)", reason)
        status = m.group(1) or m.group(2)
        expect(capture, what + " error_status", resps[-1]["snmp"].get("error_status"), status)
        idx = resps[-1]["snmp"].get("error_index", 0)
        vbs = varbinds(resps[-1])
        if f.get("failed_object") and 0 < idx <= len(vbs):
            expect(capture, what + " failed object", vbs[idx - 1][0], f["failed_object"].lstrip("."))
        return
    lines = [printed(f["line.%d" % i]) for i in range(1, int(f["lines"]) + 1)]
    for e in resps:
        expect(capture, what + " error_status", e["snmp"].get("error_status"), "noError")
    answered = [v for e in resps for v in varbinds(e)]
    if f["tool"] in ("snmpwalk", "snmpbulkwalk"):
        root = asked[0] + "."
        answered = [v for v in answered if v[0].startswith(root) and v[1] != "endOfMibView"]
    expect(capture, what + " values", answered, lines)


def auth_matches(capture, runs, events):
    """A community or user a run got answers with was accepted; a run that timed out, not."""
    auth = [e["snmp"] for e in events if e["proto"] == "snmp" and e["type"] == "auth"]
    for n, f in runs:
        key = "user" if f["version"] == "3" else "community"
        name = f.get(key)
        ok = f["result"] == "ok" or "error_reason" in f
        if f["result"] == "error" and "error_reason" not in f and "Unknown user" not in f.get("message", "") and \
                "Authentication failure" not in f.get("message", ""):
            continue
        if f["version"] == "3" and f["result"] == "timeout":
            ok = False
        got = [a["success"] for a in auth if a.get(key) == name and a.get("version") == f["version"]]
        if ok not in got:
            fail(capture, "snmp.%d: %s %s %s, but the auth events for it say %s" % (
                n, key, name, "was accepted" if ok else "was not", got))


def notifications_match(capture, traps, events):
    got = notifications(events)
    expect(capture, "notifications (traps and informs)", len(got), len(traps))
    for (n, f), e in zip(traps.items(), got):
        s = e["snmp"]
        what = "snmp.trap.%d (%s %s)" % (n, f["sender"], f["pdu"])
        expect(capture, what + " version", s.get("version"), f["version"])
        expect(capture, what + " community", s.get("community"), f["community"])
        expect(capture, what + " pdu", s.get("pdu"), f["pdu"])
        if f["pdu"] == "trap":
            expect(capture, what + " enterprise", s.get("enterprise"), f["enterprise"])
            expect(capture, what + " agent_addr", s.get("agent_addr"), f["agent_addr"])
            expect(capture, what + " generic_trap", s.get("generic_trap"), GENERIC[int(f["generic_trap"])])
            expect(capture, what + " specific_trap", s.get("specific_trap"), f["specific_trap"])
            expect(capture, what + " uptime", s.get("uptime"), f["uptime"])
        else:
            lines = [printed(f["line.%d" % i]) for i in range(1, int(f["lines"]) + 1)]
            expect(capture, what + " uptime", s.get("uptime"), lines[0][2])
            expect(capture, what + " trap_oid", s.get("trap_oid"), lines[1][2])
        want = [printed(f["line.%d" % i]) for i in range(1, int(f["lines"]) + 1)]
        expect(capture, what + " varbinds", varbinds(e), want)
        if f["pdu"] == "inform-request":
            acks = [a for a in events if a["session"] == e["session"] and a["type"] == "response"
                    and a["snmp"].get("request_id") == s.get("request_id")]
            if len(acks) != 1 or acks[0]["snmp"].get("request_pdu") != "inform-request":
                fail(capture, "%s: the inform's acknowledgement is not paired with it (%d answers)" % (what, len(acks)))


def check_snmp(capture, facts, events):
    runs = numbered(facts, "snmp")
    traps = numbered(facts, "snmp.trap")
    if not runs and not traps:
        return 0
    keyed = {}
    options = []
    for u in facts.get("users", "").split():
        parts = u.split(":")
        keyed.setdefault(parts[0], set()).update(p for p in (parts[2], parts[4] if len(parts) > 4 else None) if p)
        options += ["--snmp-user", u]
    requests = [(n, f) for n, f in runs.items() if f["tool"] not in NOTIFIERS]
    with_keys = events_with(capture, *options) if options else None
    for label, evs, keys in (("", events, {}), (" with --snmp-user", with_keys, keyed)):
        if evs is None:
            continue
        sessions = requests_by_run(evs)
        if len(sessions) != len(requests):
            fail(capture, "%d tool runs, %d SNMP sessions to the agent%s" % (len(requests), len(sessions), label))
            continue
        for (n, f), evs_of_run in zip(requests, sessions):
            run_matches(capture, n, f, evs_of_run, keys)
    auth_matches(capture, requests, with_keys or events)
    if traps:
        notifications_match(capture, traps, events)
    return len(runs) + len(traps)
