"""DHCP facts (pcaps/dhcp-*.facts): every exchange the clients made, found by xid and client MAC — its message
types in order, the servers that offered and what, what the client's script was handed at the ACK (address,
server, lease time, mask, routers, DNS servers, domain, search list), what the client said of itself (hostname,
vendor class), the lease event, and, through a relay, the agent's option 82."""
from .common import expect, fail, numbered, of


def folded(types):
    """Repeats in a row folded into one: a client asking again, a relayed copy."""
    out = []
    for t in types:
        if not out or out[-1] != t:
            out.append(t)
    return out


def check_dhcp(capture, facts, events):
    exchanges = numbered(facts, "dhcp")
    if not exchanges:
        return 0
    msgs = [e for e in of(events, "dhcp", "message")]
    leases = [e["dhcp"] for e in of(events, "dhcp", "lease")]
    multiple = [e for e in events if e["type"] == "anomaly" and e.get("anomaly") == "dhcp_multiple_offers"]
    for n, f in exchanges.items():
        what = "dhcp.%d (%s %s xid %s)" % (n, f["client"], f["client_mac"], f["xid"])
        xid, mac = int(f["xid"]), f["client_mac"]
        mine = [e["dhcp"] for e in msgs if e["dhcp"].get("xid") == xid and e["dhcp"].get("client_mac") == mac]
        if not mine:
            fail(capture, "%s: no message events" % what)
            continue
        types = folded(m["msg_type"] for m in mine)
        expect(capture, what + " message types", " ".join(types), f["types"])
        for k, v in f.items():
            if k.startswith("server_types."):
                for t in v.split():
                    if t not in types:
                        fail(capture, "%s: the server at %s logged a %s that trawl does not show" % (what, k[13:], t))
        if f.get("offers"):
            want = sorted(tuple(o.split(" ")) for o in f["offers"].split(","))
            got = sorted(set((m.get("server_id"), m.get("yiaddr")) for m in mine if m["msg_type"] == "OFFER"))
            expect(capture, what + " offers (server_id, yiaddr)", got, want)
            named = [a for a in multiple if "xid 0x%08x client %s:" % (xid, mac) in a["detail"]]
            if len(want) > 1 and not named:
                fail(capture, "%s: %d servers offered but no dhcp_multiple_offers anomaly" % (what, len(want)))
            if len(want) == 1 and named:
                fail(capture, "%s: one server offered, yet %s" % (what, named[0]["detail"]))
            for server, _ in want:
                if len(want) > 1 and not any(server in a["detail"] for a in named):
                    fail(capture, "%s: the anomaly does not name the server %s" % (what, server))
        asked = [m for m in mine if m["msg_type"] in ("DISCOVER", "REQUEST")]
        for key in ("hostname", "vendor_class"):
            if f.get(key) and asked:
                for m in asked:
                    expect(capture, "%s %s %s" % (what, m["msg_type"], key), m.get(key), f[key])
        if f.get("declined"):
            if "DECLINE" not in " ".join(m["msg_type"] for e in msgs for m in [e["dhcp"]] if m.get("client_mac") == mac):
                fail(capture, "%s: the client declined %s but trawl shows no DECLINE from it" % (what, f["declined"]))
        if not f.get("ip"):
            continue
        acks = [m for m in mine if m["msg_type"] == "ACK" and m.get("yiaddr")]
        if not acks:
            fail(capture, "%s: no ACK of an address" % what)
            continue
        for m in acks:
            expect(capture, what + " ACK yiaddr", m.get("yiaddr"), f["ip"])
            expect(capture, what + " ACK server_id", m.get("server_id"), f["server_id"])
            expect(capture, what + " ACK lease_time", m.get("lease_time"), f["lease_time"])
            expect(capture, what + " ACK subnet_mask", m.get("subnet_mask"), f["subnet_mask"])
            expect(capture, what + " ACK routers", " ".join(m.get("routers", [])), f["routers"])
            expect(capture, what + " ACK dns_servers", " ".join(m.get("dns_servers", [])), f["dns_servers"])
            expect(capture, what + " ACK domain_name", m.get("domain_name"), f["domain_name"])
            if f.get("domain_search"):
                expect(capture, what + " ACK domain_search", " ".join(m.get("domain_search", [])), f["domain_search"])
        mine_leases = [l for l in leases if l.get("xid") == xid and l.get("client_mac") == mac]
        if len(mine_leases) != 1:
            fail(capture, "%s: %d lease events, want 1" % (what, len(mine_leases)))
            continue
        lease = mine_leases[0]
        expect(capture, what + " lease ip", lease.get("ip"), f["ip"])
        expect(capture, what + " lease server_id", lease.get("server_id"), f["server_id"])
        expect(capture, what + " lease lease_time", lease.get("lease_time"), f["lease_time"])
        for key in ("hostname", "vendor_class"):
            if f.get(key):
                expect(capture, what + " lease " + key, lease.get(key), f[key])
        if f.get("offers"):
            # the offers seen before the ACK: a slower server's OFFER may come after it (then only the anomaly
            # names it); the one whose address was bound is always there
            got = set((o["server_id"], o["yiaddr"]) for o in lease.get("offers", []))
            want = set(tuple(o.split(" ")) for o in f["offers"].split(","))
            if not got <= want or (f["server_id"], f["ip"]) not in got:
                fail(capture, "%s: lease offers %s, the servers offered %s (bound: %s from %s)"
                     % (what, sorted(got), sorted(want), f["ip"], f["server_id"]))
    if facts.get("relay.circuit_id"):
        relayed = [e["dhcp"] for e in msgs if e["dhcp"].get("giaddr") == facts["relay.giaddr"]
                   and e["dhcp"]["msg_type"] in ("DISCOVER", "REQUEST") and e.get("client_port") == 67]
        if not relayed:
            fail(capture, "no relayed DISCOVER or REQUEST (giaddr %s)" % facts["relay.giaddr"])
        for m in relayed:
            expect(capture, "relayed %s circuit_id" % m["msg_type"], (m.get("relay") or {}).get("circuit_id"),
                   facts["relay.circuit_id"])
    return len(exchanges)
