"""BitTorrent facts (pcaps/bt-*.facts): the handshakes name the torrent and both clients, every piece crosses the
wire, the metadata (a .torrent over HTTP or ut_metadata) is the torrent's, the tracker's announces and answers (or
the DHT's get_peers and announce_peer) are there, the torrent view is complete, and --export rebuilds the files as
the leecher saved them. An encrypted capture shows only that it is encrypted; one where MSE chose plaintext is read
from its clear handshakes on, which say `encrypted`."""
from .common import expect, fail, numbered, of


def _hex(s):
    return s.encode().hex()


def _files(facts):
    return [f for _, f in sorted(numbered(facts, "file").items())]


def check_bittorrent(capture, facts, events):
    if "info_hash" not in facts:
        return 0
    ih = facts["info_hash"]
    seeder = "%s:%s" % (facts["server_addr4"], facts["seeder_port"])
    checked = 0
    if facts.get("encryption") == "mse":
        ends = [e for e in events if e.get("proto") == "bittorrent" and e["type"] == "decode_end"]
        if not any(e.get("reason") == "encrypted" for e in ends):
            fail(capture, "no decode_end (encrypted) for the MSE connection")
        expect(capture, "handshakes over an encrypted connection", len(of(events, "bittorrent", "handshake")), 0)
        checked += 1
    else:
        hs = [e for e in of(events, "bittorrent", "handshake") if e["bittorrent"].get("info_hash") == ih]
        if len(hs) < 2:
            fail(capture, "expected both sides' handshakes for %s, got %d" % (ih, len(hs)))
        ids = [e["bittorrent"].get("peer_id", "") for e in hs]
        for who in ("leecher", "seeder"):
            prefix = _hex(facts["%s_peer_id_prefix" % who])
            if not any(i.startswith(prefix) for i in ids):
                fail(capture, "no handshake with the %s's peer id %s... (got %s)" % (who, prefix, ids))
            client = facts["%s_client" % who]
            if not any(e["bittorrent"].get("client", "").lower().startswith(client[:5].lower()) for e in hs):
                fail(capture, "no handshake naming the %s's client %s" % (who, client))
        if facts.get("transport") == "utp":
            expect(capture, "handshakes over uTP (udp)", all(e["transport"] == "udp" for e in hs), True)
        if facts.get("encryption") == "mse_plaintext":  # the clear handshakes that followed MSE's key exchange
            expect(capture, "handshakes marked encrypted (after MSE, plaintext chosen)",
                   [e["bittorrent"].get("encrypted", False) for e in hs], [True] * len(hs))
        pieces = {e["bittorrent"]["index"] for e in of(events, "bittorrent", "message")
                  if e["bittorrent"].get("msg") == "piece"}
        expect(capture, "pieces seen in piece messages", sorted(pieces), list(range(int(facts["pieces"]))))
        checked += 3
        meta = [e["bittorrent"] for e in of(events, "bittorrent", "metadata") if e["bittorrent"].get("info_hash") == ih]
        if not meta:
            fail(capture, "no metadata event for %s" % ih)
        else:
            m = meta[0]
            expect(capture, "metadata source", m.get("source"),
                   "ut_metadata" if facts.get("magnet") == "yes" or facts.get("dht") == "yes" else "torrent_file")
            for key in ("name", "piece_length", "pieces"):
                expect(capture, "metadata " + key, str(m.get(key)), facts[key])
            expect(capture, "metadata length", str(m.get("length")), facts["total_length"])
            expect(capture, "metadata files", [(f["path"], str(f["length"])) for f in m.get("files", [])],
                   [(f["path"], f["length"]) for f in _files(facts)])
            expect(capture, "metadata verified", m.get("verified"), True)
            checked += 1
        t = [e["bittorrent"] for e in of(events, "bittorrent", "torrent") if e["bittorrent"].get("info_hash") == ih]
        if len(t) != 1:
            fail(capture, "expected one torrent event for %s, got %d" % (ih, len(t)))
        else:
            expect(capture, "torrent complete", t[0].get("complete"), True)
            expect(capture, "torrent pieces_verified", str(t[0].get("pieces_verified")), facts["pieces"])
            # the server namespace's peers (the seeder; with the DHT, the rendezvous node is a full peer too) sent
            # every byte, the leecher received them
            up = sum(p["up"] for p in t[0].get("peers", []) if p["ip"] == facts["server_addr4"])
            down = sum(p["down"] for p in t[0].get("peers", []) if p["ip"] == facts["client_addr4"])
            if up < int(facts["total_length"]) or down < int(facts["total_length"]):
                fail(capture, "the torrent's peers do not show every byte sent from %s to %s: %s"
                     % (facts["server_addr4"], facts["client_addr4"], t[0].get("peers")))
            checked += 1
    if facts.get("tracker"):
        ann = [e["bittorrent"] for e in of(events, "bittorrent", "announce") if e["bittorrent"].get("info_hash") == ih]
        mine = [a for a in ann if a.get("peer_id", "").startswith(_hex(facts["leecher_peer_id_prefix"]))]
        if not mine:
            fail(capture, "no announce of %s by the leecher" % ih)
        else:
            expect(capture, "announce port", str(mine[0].get("port")), facts["leecher_port"])
            expect(capture, "announce tracker", mine[0].get("tracker"), facts["tracker"].split(":")[0])
            if not any(a.get("event") == "started" for a in mine):
                fail(capture, "no started announce: %s" % [a.get("event") for a in mine])
        replies = [e["bittorrent"] for e in of(events, "bittorrent", "announce_reply")]
        if not any(seeder in r.get("peers", []) for r in replies):
            fail(capture, "no tracker answer names the seeder %s" % seeder)
        checked += 2
    if facts.get("dht") == "yes":
        dht = [e["bittorrent"] for e in of(events, "bittorrent", "dht")]
        if not any(d.get("y") == "q" and d.get("q") == "get_peers" and d.get("info_hash") == ih for d in dht):
            fail(capture, "no get_peers query for %s" % ih)
        if not any(d.get("y") == "r" and d.get("q") == "get_peers" and seeder in d.get("values", []) for d in dht):
            fail(capture, "no get_peers answer with the seeder %s among its values" % seeder)
        if not any(d.get("y") == "q" and d.get("q") == "announce_peer" and d.get("info_hash") == ih for d in dht):
            fail(capture, "no announce_peer for %s" % ih)
        checked += 3
    return checked


def exported_bittorrent(facts):
    """Every file of the torrent as the leecher saved it, rebuilt under torrents/<info_hash>/ (not when encrypted)."""
    if "info_hash" not in facts or facts.get("encryption") == "mse":
        return set()
    return {f["sha256"] for f in _files(facts)}
