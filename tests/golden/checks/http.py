"""HTTP facts (pcaps/http-*.facts, multi-link.facts): requests, final responses, bodies, Basic auth."""
from .common import expect, fail, numbered, of

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

def exported_http(facts):
    """The response bodies the clients saved, when not empty and not cut short by frames removed from the
    capture (http.N.expect_complete=no): --export must write each of them."""
    want = set()
    for f in numbered(facts, "http").values():
        if f.get("body_sha256") and f.get("body_len") not in (None, "", "0") and f.get("expect_complete") != "no":
            want.add(f["body_sha256"])
    return want
