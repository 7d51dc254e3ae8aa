# shellcheck shell=bash
# pcaps/recipes/bittorrent.sh: BitTorrent captures — opentracker as the tracker (HTTP and UDP on 6969), aria2c and
# Transmission as seeders and leechers — of one small multi-file torrent made with mktorrent from deterministic
# data. See pcaps/lib/common.sh for the contract.
#
# The torrent `trawl-share` (two files: data/payload.bin, 300000 bytes of det_bytes, and readme.txt, det_text;
# 32 KiB pieces; no creation date, so its info_hash is the same on every run) is seeded from the server namespace
# (10.99.0.1) and fetched into the client namespace (10.99.0.2); the leecher's saved files are hashed for the facts.
#
#   bt-tracker  opentracker over HTTP; aria2c seeds (encryption off), aria2c fetches the .torrent from the tracker's
#               machine over HTTP (a python http.server on 8000) and downloads with the tracker's peer list; its
#               announces carry started and completed.
#   bt-magnet   a magnet link with a UDP tracker (BEP 15): aria2c seeds, aria2c fetches the metadata from the seeder
#               with ut_metadata (BEP 9) over the extension protocol (BEP 10), then the content.
#   bt-dht      no tracker: the DHT (BEP 5) and a magnet link without a tracker. A second aria2c in the server namespace (port 6891) is the rendezvous
#               node; the seeder (6881) bootstraps from it and announces; the leecher bootstraps from it too, and its
#               get_peers answers carry the seeder. Only the leecher's traffic crosses the link.
#   bt-mse      aria2c on both sides with encryption required (MSE/PE, RC4 both ways): nothing readable after the
#               key exchange.
#   bt-mse-plain  aria2c on both sides with the obfuscation handshake required but plaintext allowed
#               (--bt-min-crypto-level=plain): MSE's key exchange, plaintext chosen, then the clear peer wire; the
#               .torrent over HTTP as in bt-tracker.
#   bt-utp      Transmission on both sides (transmission-daemon seeds, transmission-cli leeches), uTP (BEP 29)
#               preferred, encryption tolerated only (plaintext), the .torrent and the tracker over HTTP.
#
# Facts: info_hash, name, piece_length, pieces, total_length, file.N.path / .length / .sha256 (as the leecher
# saved them), tracker (its announce URL; empty for bt-dht), the peers' clients (seeder_client, leecher_client)
# and peer_id prefixes (seeder_peer_id_prefix, leecher_peer_id_prefix; the rest is random per run), seeder_port,
# leecher_port, transport (tcp utp), encryption (none mse mse_plaintext), magnet (yes no), dht (yes no).

capture bt-tracker
capture bt-magnet
capture bt-dht
capture bt-mse
capture bt-mse-plain
capture bt-utp
packages opentracker aria2 transmission-cli transmission-daemon mktorrent

BT_NAME=trawl-share
BT_SEED_PORT=6881
BT_LEECH_PORT=6882
BT_DHT_NODE_PORT=6891
BT_TRACKER_PORT=6969
BT_HTTP_PORT=8000
BT_PIECE_EXP=15 # 32 KiB pieces (mktorrent takes 2^15 at least)
BT_FILES=("data/payload.bin" "readme.txt")
BT_CLI_PIDS=()
BT_INFO_HASH=""
# both peers' traffic, the tracker's and the DHT's: everything to and from the server's address
BT_FILTER="(tcp or udp) and (host $SRV4 or host $SRV6)"

prepare_bittorrent() {
    local src=$WORK/bt-src/$BT_NAME
    mkdir -p "$src/data"
    det_bytes trawl-bt-payload 300000 >"$src/data/payload.bin"
    det_text trawl-bt-readme 300 >"$src/readme.txt"
    touch -d '2024-01-01 00:00:00' "$src/data/payload.bin" "$src/readme.txt"
    # -d: no creation date, -p: not private (DHT and PEX allowed); the announce URL is outside the info dictionary,
    # so every torrent made here has the same info_hash
    mktorrent -d -l "$BT_PIECE_EXP" -n "$BT_NAME" -a "http://$SRV4:$BT_TRACKER_PORT/announce" \
        -o "$WORK/bt-http.torrent" "$src" >/dev/null
    mktorrent -d -l "$BT_PIECE_EXP" -n "$BT_NAME" -o "$WORK/bt-dht.torrent" "$src" >/dev/null
    BT_INFO_HASH=$("$PY" - "$WORK/bt-http.torrent" <<'EOF'
import hashlib, sys
d = open(sys.argv[1], "rb").read()
# the info dictionary is the value of the key "4:info", the torrent's last key (keys sorted), up to the final "e"
i = d.index(b"4:infod") + 6
print(hashlib.sha1(d[i:-1]).hexdigest())
EOF
)
    [[ ${#BT_INFO_HASH} == 40 ]] || die "no info_hash from mktorrent's torrent"
    chmod -R a+rX "$WORK/bt-src" "$WORK"/bt-*.torrent
}

# ---------------------------------------------------------------- servers --
start_opentracker() {
    # Debian builds opentracker with a whitelist: only the listed info_hashes are served; it refuses to run as root
    # and drops to nobody, so the list is readable by all
    printf '%s\n' "$BT_INFO_HASH" >"$WORK/bt-whitelist"
    chmod 644 "$WORK/bt-whitelist"
    start_bg opentracker opentracker -i "$SRV4" -p "$BT_TRACKER_PORT" -P "$BT_TRACKER_PORT" -d / -w "$WORK/bt-whitelist"
    wait_port tcp "$BT_TRACKER_PORT"
}

start_bt_http() { # the .torrent served over HTTP, as a torrent site would
    mkdir -p "$WORK/bt-www"
    cp "$WORK/bt-http.torrent" "$WORK/bt-www/$BT_NAME.torrent"
    start_bg bt-http "$PY" -m http.server -b "$SRV4" -d "$WORK/bt-www" "$BT_HTTP_PORT"
    wait_port tcp "$BT_HTTP_PORT"
}

# bt_aria2_seed LOGNAME PORT TORRENT [options]: aria2c seeding the source files, in the server namespace. Every
# aria2c has a DHT routing table file of its own: with the shared default they would have one node id and ignore
# each other.
bt_aria2_seed() {
    local name=$1 port=$2 torrent=$3; shift 3
    start_bg "$name" aria2c --no-conf --quiet=false --console-log-level=notice --summary-interval=0 \
        --dir="$WORK/bt-src" --check-integrity=true --seed-ratio=0.0 --bt-seed-unverified=false \
        --listen-port="$port" --dht-listen-port="$port" --bt-enable-lpd=false --enable-peer-exchange=true \
        --bt-tracker-interval=5 --dht-file-path="$WORK/$name-dht.dat" --log="$WORK/$name.log" --log-level=info \
        "$@" "$torrent"
    wait_port tcp "$port"
}

# bt_aria2_leech LOGNAME DIR TORRENT-OR-MAGNET [options]: aria2c downloading into DIR in the client namespace; it
# exits once the download is complete (no seeding)
bt_aria2_leech() {
    local name=$1 dir=$2 what=$3; shift 3
    mkdir -p "$dir"
    in_cli timeout 120 aria2c --no-conf --summary-interval=0 --dir="$dir" --seed-time=0 \
        --listen-port="$BT_LEECH_PORT" --dht-listen-port="$BT_LEECH_PORT" --bt-enable-lpd=false \
        --enable-peer-exchange=true --dht-file-path="$WORK/$name-dht.dat" --log="$WORK/$name.log" --log-level=info \
        "$@" "$what" \
        >"$WORK/$name.out" 2>&1 || die "$name: aria2c failed: $(grep -iE 'error|exception' "$WORK/$name.log" | tail -5)"
}

# bt_facts DIR LEECHER SEEDER LEECHER_PREFIX SEEDER_PREFIX: the torrent's facts and what the leecher saved in DIR
bt_facts() {
    local dir=$1 f i=0
    fact info_hash "$BT_INFO_HASH"
    fact name "$BT_NAME"
    fact piece_length $((1 << BT_PIECE_EXP))
    local total=0
    for f in "${BT_FILES[@]}"; do
        i=$((i + 1))
        [[ -f $dir/$BT_NAME/$f ]] || die "the leecher saved no $f"
        fact "file.$i.path" "$f"
        fact "file.$i.length" "$(fsize "$dir/$BT_NAME/$f")"
        fact "file.$i.sha256" "$(sha "$dir/$BT_NAME/$f")"
        total=$((total + $(fsize "$dir/$BT_NAME/$f")))
    done
    fact files "$i"
    fact total_length "$total"
    fact pieces $(((total + (1 << BT_PIECE_EXP) - 1) >> BT_PIECE_EXP))
    fact leecher_client "$2"
    fact seeder_client "$3"
    fact leecher_peer_id_prefix "$4"
    fact seeder_peer_id_prefix "$5"
    fact leecher_port "$BT_LEECH_PORT"
}

bt_aria2_prefix() { # aria2's peer id prefix: A2-MAJOR-MINOR-PATCH-
    aria2c --version | "$PY" -c 'import re,sys; m=re.search(r"aria2 version (\d+)\.(\d+)\.(\d+)", sys.stdin.read()); print("A2-%s-%s-%s-" % m.groups())'
}

bt_stop_clients() {
    local pid
    for pid in "${BT_CLI_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${BT_CLI_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    BT_CLI_PIDS=()
}

# tshark finds uTP and BitTorrent over it only with its bt_utp_udp heuristic on: a home of its own whose
# preferences enable it (the library's tshark_view and check run tshark with their own arguments)
bt_tshark_home() {
    mkdir -p "$WORK/bt-tshark-home/.config/wireshark"
    printf 'bt_utp_udp,1\n' >"$WORK/bt-tshark-home/.config/wireshark/heuristic_protos"
    echo "$WORK/bt-tshark-home"
}

bt_tshark() {
    HOME=$(bt_tshark_home) tshark_view 'bittorrent or bt-dht or bt-utp or (http.request.uri contains "announce") or (http.request.uri contains ".torrent") or udp.port == 6969' \
        bittorrent.info_hash bittorrent.peer_id bittorrent.msg.type bittorrent.msg.length bittorrent.piece.index \
        bittorrent.piece.begin \
        bittorrent.piece.length bittorrent.extended.id bt-dht.bencoded.string http.request.uri
}

# ---------------------------------------------------------------- captures --
cap_bt_tracker() {
    start_opentracker
    start_bt_http
    bt_aria2_seed bt-seed "$BT_SEED_PORT" "$WORK/bt-http.torrent" --enable-dht=false --bt-require-crypto=false \
        --bt-min-crypto-level=plain --bt-force-encryption=false
    sleep 3 # the seeder checks its files and announces
    capture_start bt-tracker pcap "$BT_FILTER"
    fact description "opentracker (HTTP announce) on $SRV4:$BT_TRACKER_PORT; aria2c seeds on $SRV4:$BT_SEED_PORT; aria2c in the client namespace fetches $BT_NAME.torrent over HTTP from $SRV4:$BT_HTTP_PORT, announces (started), downloads every piece from the seeder over TCP, announces completed and exits"
    fact client_version "$(pkgver aria2)"
    fact server_version "$(pkgver opentracker), $(pkgver aria2)"
    fact tracker "http://$SRV4:$BT_TRACKER_PORT/announce"
    fact torrent_url "http://$SRV4:$BT_HTTP_PORT/$BT_NAME.torrent"
    fact seeder_port "$BT_SEED_PORT"
    fact transport tcp
    fact encryption none
    fact magnet no
    fact dht no
    bt_aria2_leech bt-leech "$WORK/bt-got-tracker" "http://$SRV4:$BT_HTTP_PORT/$BT_NAME.torrent" \
        --follow-torrent=mem --enable-dht=false --bt-require-crypto=false --bt-min-crypto-level=plain
    capture_stop
    local p
    p=$(bt_aria2_prefix)
    bt_facts "$WORK/bt-got-tracker" aria2c aria2c "$p" "$p"
    bt_tshark
    check 'bittorrent.info_hash' 2 handshake
    check 'bittorrent.msg.type == 7' 14 piece
    check 'http.request.uri contains "info_hash="' 2 announce
    check 'http.request.uri contains ".torrent"' 1 torrent_fetch
}

cap_bt_magnet() {
    start_opentracker
    bt_aria2_seed bt-seed "$BT_SEED_PORT" "$WORK/bt-http.torrent" --enable-dht=false --bt-require-crypto=false \
        --bt-min-crypto-level=plain
    sleep 3
    capture_start bt-magnet pcap "$BT_FILTER"
    local magnet="magnet:?xt=urn:btih:$BT_INFO_HASH&dn=$BT_NAME&tr=udp%3A%2F%2F$SRV4%3A$BT_TRACKER_PORT%2Fannounce"
    fact description "a magnet link with a UDP tracker: opentracker (UDP, BEP 15) on $SRV4:$BT_TRACKER_PORT; aria2c seeds on $SRV4:$BT_SEED_PORT; aria2c in the client namespace connects, announces over UDP, fetches the metadata with ut_metadata from the seeder, then every piece"
    fact client_version "$(pkgver aria2)"
    fact server_version "$(pkgver opentracker), $(pkgver aria2)"
    fact tracker "udp://$SRV4:$BT_TRACKER_PORT/announce"
    fact magnet_link "$magnet"
    fact seeder_port "$BT_SEED_PORT"
    fact transport tcp
    fact encryption none
    fact magnet yes
    fact dht no
    # aria2 sends UDP tracker requests from its DHT socket: DHT on, with no node to talk to
    bt_aria2_leech bt-leech "$WORK/bt-got-magnet" "$magnet" --enable-dht=true --bt-require-crypto=false \
        --bt-min-crypto-level=plain --bt-save-metadata=false
    capture_stop
    local p
    p=$(bt_aria2_prefix)
    bt_facts "$WORK/bt-got-magnet" aria2c aria2c "$p" "$p"
    bt_tshark
    check 'bittorrent.info_hash' 2 handshake
    check 'bittorrent.msg.type == 20' 2 extended
    check 'bittorrent.msg.type == 7' 14 piece
    check 'udp.port == 6969' 4 udp_tracker
}

cap_bt_dht() {
    # the rendezvous node: a second leecher of the same torrent in the server namespace, DHT only
    mkdir -p "$WORK/bt-dht-node"
    start_bg bt-dht-node aria2c --no-conf --summary-interval=0 --dir="$WORK/bt-dht-node" --seed-ratio=0.0 \
        --listen-port="$BT_DHT_NODE_PORT" --dht-listen-port="$BT_DHT_NODE_PORT" --enable-dht=true \
        --bt-enable-lpd=false --dht-file-path="$WORK/bt-dht-node-dht.dat" --log="$WORK/bt-dht-node.log" \
        --log-level=info "$WORK/bt-dht.torrent"
    wait_port udp "$BT_DHT_NODE_PORT"
    bt_aria2_seed bt-seed "$BT_SEED_PORT" "$WORK/bt-dht.torrent" --enable-dht=true \
        --dht-entry-point="$SRV4:$BT_DHT_NODE_PORT" --bt-require-crypto=false --bt-min-crypto-level=plain
    local i
    for i in $(seq 1 60); do # the seeder has announced itself to the node
        grep -q 'announce_peer' "$WORK/bt-dht-node.log" 2>/dev/null && break
        sleep 1
    done
    grep -q 'announce_peer' "$WORK/bt-dht-node.log" || die "the seeder announced nothing to the DHT node"
    sleep 1
    capture_start bt-dht pcap "$BT_FILTER"
    fact description "no tracker: the DHT. aria2c seeds on $SRV4:$BT_SEED_PORT (DHT on UDP $BT_SEED_PORT) and has announced itself to a DHT node, a second aria2c on $SRV4:$BT_DHT_NODE_PORT; aria2c in the client namespace bootstraps from that node (--dht-entry-point), asks get_peers for the magnet link's info_hash, gets the seeder, announces itself, fetches the metadata with ut_metadata and downloads every piece"
    fact client_version "$(pkgver aria2)"
    fact server_version "$(pkgver aria2)"
    fact tracker ""
    fact dht_node "$SRV4:$BT_DHT_NODE_PORT"
    fact seeder_port "$BT_SEED_PORT"
    fact transport tcp
    fact encryption none
    fact magnet no
    fact dht yes
    bt_aria2_leech bt-leech "$WORK/bt-got-dht" "magnet:?xt=urn:btih:$BT_INFO_HASH&dn=$BT_NAME" --enable-dht=true \
        --dht-entry-point="$SRV4:$BT_DHT_NODE_PORT" --bt-require-crypto=false --bt-min-crypto-level=plain
    capture_stop
    local p
    p=$(bt_aria2_prefix)
    bt_facts "$WORK/bt-got-dht" aria2c aria2c "$p" "$p"
    bt_tshark
    check 'bt-dht' 4 dht
    check 'bittorrent.info_hash' 2 handshake
    check 'bittorrent.msg.type == 7' 14 piece
}

cap_bt_mse() {
    start_opentracker
    bt_aria2_seed bt-seed "$BT_SEED_PORT" "$WORK/bt-http.torrent" --enable-dht=false --bt-require-crypto=true \
        --bt-min-crypto-level=arc4
    sleep 3
    capture_start bt-mse pcap "$BT_FILTER"
    fact description "encryption required on both sides (MSE/PE with RC4): opentracker over HTTP on $SRV4:$BT_TRACKER_PORT; aria2c seeds on $SRV4:$BT_SEED_PORT; aria2c in the client namespace downloads everything over an encrypted connection"
    fact client_version "$(pkgver aria2)"
    fact server_version "$(pkgver opentracker), $(pkgver aria2)"
    fact tracker "http://$SRV4:$BT_TRACKER_PORT/announce"
    fact seeder_port "$BT_SEED_PORT"
    fact transport tcp
    fact encryption mse
    fact magnet no
    fact dht no
    bt_aria2_leech bt-leech "$WORK/bt-got-mse" "$WORK/bt-http.torrent" --enable-dht=false \
        --bt-require-crypto=true --bt-min-crypto-level=arc4
    capture_stop
    local p
    p=$(bt_aria2_prefix)
    bt_facts "$WORK/bt-got-mse" aria2c aria2c "$p" "$p"
    bt_tshark
    check 'tcp.port == 6881 && tcp.len > 0' 20 encrypted_segments
    check 'http.request.uri contains "info_hash="' 2 announce
}

cap_bt_mse_plain() {
    start_opentracker
    start_bt_http
    bt_aria2_seed bt-seed "$BT_SEED_PORT" "$WORK/bt-http.torrent" --enable-dht=false --bt-require-crypto=true \
        --bt-min-crypto-level=plain
    sleep 3
    capture_start bt-mse-plain pcap "$BT_FILTER"
    fact description "the obfuscation handshake required, plaintext allowed: opentracker over HTTP on $SRV4:$BT_TRACKER_PORT; aria2c seeds on $SRV4:$BT_SEED_PORT; aria2c in the client namespace fetches $BT_NAME.torrent over HTTP from $SRV4:$BT_HTTP_PORT, announces, connects with MSE/PE's key exchange, both choose plaintext, and the peer wire follows in clear"
    fact client_version "$(pkgver aria2)"
    fact server_version "$(pkgver opentracker), $(pkgver aria2)"
    fact tracker "http://$SRV4:$BT_TRACKER_PORT/announce"
    fact torrent_url "http://$SRV4:$BT_HTTP_PORT/$BT_NAME.torrent"
    fact seeder_port "$BT_SEED_PORT"
    fact transport tcp
    fact encryption mse_plaintext
    fact magnet no
    fact dht no
    bt_aria2_leech bt-leech "$WORK/bt-got-mse-plain" "http://$SRV4:$BT_HTTP_PORT/$BT_NAME.torrent" \
        --follow-torrent=mem --enable-dht=false \
        --bt-require-crypto=true --bt-min-crypto-level=plain
    capture_stop
    local p
    p=$(bt_aria2_prefix)
    bt_facts "$WORK/bt-got-mse-plain" aria2c aria2c "$p" "$p"
    bt_tshark
    # the key exchange came first (the leecher's first segment is not the handshake), then the clear handshakes
    check 'tcp.dstport == 6881 && tcp.seq == 1 && tcp.len > 0 && !(tcp contains "BitTorrent protocol")' 1 mse_key_exchange
    check 'bittorrent.info_hash' 2 handshake
    check 'bittorrent.msg.type == 7' 14 piece
    check 'http.request.uri contains "info_hash="' 2 announce
}

cap_bt_utp() {
    start_opentracker
    start_bt_http
    local conf=$WORK/bt-tr-seed
    mkdir -p "$conf"
    start_bg bt-tr-seed transmission-daemon -f -g "$conf" -a 127.0.0.1 -T -p 9091 -w "$WORK/bt-src" \
        -P "$BT_SEED_PORT" -O -Y -M --utp -et
    wait_port tcp 9091
    in_srv transmission-remote 127.0.0.1:9091 -a "$WORK/bt-http.torrent" >/dev/null
    local i
    for i in $(seq 1 60); do
        in_srv transmission-remote 127.0.0.1:9091 -t 1 -i | grep -q 'Percent Done: 100%' && break
        sleep 0.5
    done
    in_srv transmission-remote 127.0.0.1:9091 -t 1 -i | grep -q 'Percent Done: 100%' \
        || die "transmission-daemon did not verify the seed data"
    sleep 3
    capture_start bt-utp pcap "$BT_FILTER"
    fact description "Transmission on both sides, uTP preferred and encryption tolerated (plaintext): opentracker over HTTP on $SRV4:$BT_TRACKER_PORT; transmission-daemon seeds on $SRV4:$BT_SEED_PORT; transmission-cli in the client namespace fetches $BT_NAME.torrent over HTTP from $SRV4:$BT_HTTP_PORT, downloads every piece and is stopped once done"
    fact client_version "$(pkgver transmission-cli)"
    fact server_version "$(pkgver opentracker), $(pkgver transmission-daemon)"
    fact tracker "http://$SRV4:$BT_TRACKER_PORT/announce"
    fact seeder_port "$BT_SEED_PORT"
    fact transport utp
    fact encryption none
    fact magnet no
    fact dht no
    local dir=$WORK/bt-got-utp
    mkdir -p "$dir" "$WORK/bt-tr-leech"
    ip netns exec "$CLI_NS" transmission-cli -g "$WORK/bt-tr-leech" -w "$dir" -p "$BT_LEECH_PORT" -et -D -U \
        "http://$SRV4:$BT_HTTP_PORT/$BT_NAME.torrent" >"$WORK/bt-tr-leech.out" 2>&1 &
    BT_CLI_PIDS+=($!)
    for i in $(seq 1 120); do
        grep -q 'Seeding' "$WORK/bt-tr-leech.out" && break
        sleep 0.5
    done
    sleep 2
    bt_stop_clients
    grep -q 'Seeding' "$WORK/bt-tr-leech.out" || die "transmission-cli did not finish: $(tail -c 300 "$WORK/bt-tr-leech.out")"
    capture_stop
    bt_facts "$dir" transmission transmission -TR3000- -TR3000-
    bt_tshark
    HOME=$(bt_tshark_home) check 'bt-utp' 20 utp
    HOME=$(bt_tshark_home) check 'bittorrent.msg.type == 7 && udp' 14 piece_over_utp
    check 'http.request.uri contains "info_hash="' 2 announce
}
