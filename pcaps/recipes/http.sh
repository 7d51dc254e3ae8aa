# shellcheck shell=bash
# pcaps/recipes/http.sh: HTTP captures, nginx with curl, wget and a python3
# socket: keep-alive, POST and Basic auth, gzip and chunked, HTTP/0.9, through
# the impairing relay (and http-lossy cut from it), through a VXLAN tunnel, and
# a pcapng file of two link types. See pcaps/lib/common.sh for the contract.

capture http-keepalive
capture http-post
capture http-gzip-chunked
capture http-impaired relayed   # also writes http-lossy, derived from it
capture http-vxlan vxlan
capture multi-link
capture http-09
# wireshark-common: dumpcap, multi-link's capture program
packages nginx curl wget wireshark-common

# ---------------------------------------------------------------- server --
# prepare_http: what nginx serves, deterministic (see det_bytes), and its
# htpasswd; the body http-post sends.
prepare_http() {
    mkdir -p "$WORK/www/gz" "$WORK/www/static-gz" "$WORK/www/ssi" "$WORK/www/private"
    cat >"$WORK/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>trawl test page</title></head>
<body><h1>trawl</h1><p>Served by nginx to curl for trawl's test captures.</p></body></html>
EOF
    det_bytes trawl-blob 20480 >"$WORK/www/blob.bin"
    det_bytes trawl-big 200000 >"$WORK/www/big.bin"
    printf '{"name":"trawl","kind":"test","items":[1,2,3]}\n' >"$WORK/www/data.json"
    det_text gzip-dynamic 600 >"$WORK/www/gz/big.txt"
    det_text gzip-static 300 >"$WORK/www/static-gz/notes.txt"
    gzip -9 -n -k "$WORK/www/static-gz/notes.txt"
    det_text ssi-part 40 >"$WORK/www/ssi/part.txt"
    cat >"$WORK/www/ssi/page.html" <<'EOF'
<html><body><h1>SSI page</h1>
<pre>
<!--# include virtual="/ssi/part.txt" -->
</pre>
<p>date: <!--# echo var="trawl_fixed" default="fixed" --></p>
</body></html>
EOF
    printf 'the secret is: trawl\n' >"$WORK/www/private/secret.txt"
    printf 'trawl:{PLAIN}%s\n' "$TEST_PASS" >"$WORK/htpasswd"
    det_bytes post-body 4000 | base64 -w 76 >"$WORK/post-body.txt"
    chmod -R a+rX "$WORK/www"
    chmod a+r "$WORK/htpasswd"
}

# start_nginx [LISTEN_DIRECTIVES]: nginx on port 80 of the server's addresses,
# from a config under $WORK; the argument adds listen directives (another
# port, the tunnel's address).
start_nginx() {
    local extra_listen=${1:-}
    mkdir -p "$WORK/nginx-tmp"
    cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log info;
user nobody nogroup;
events { worker_connections 64; }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    types {
        text/html html;
        text/plain txt;
        application/json json;
        application/octet-stream bin;
    }
    default_type application/octet-stream;
    sendfile off;
    keepalive_timeout 30;
    server {
        listen $SRV4:80;
        listen [$SRV6]:80;
        $extra_listen
        server_name trawl.test;
        root $WORK/www;
        # gzip of a response whose length is unknown: HTTP/1.1 chunked + gzip
        # small buffers so the gzip output leaves in several chunks
        location /gz/ { gzip on; gzip_types text/plain; gzip_min_length 20; gzip_buffers 2 1k; output_buffers 1 4k; }
        # precompressed file: gzip with a Content-Length
        location /static-gz/ { gzip_static on; }
        # SSI output has no known length: chunked without gzip
        location /ssi/ { ssi on; gzip off; }
        location = /submit { return 201 "created\n"; }
        location /private/ {
            auth_basic "trawl private";
            auth_basic_user_file $WORK/htpasswd;
        }
        location = /private/echo {
            auth_basic "trawl private";
            auth_basic_user_file $WORK/htpasswd;
            return 200 "hello \$remote_user\n";
        }
    }
}
EOF
    start_bg nginx nginx -c "$WORK/nginx.conf" -g 'daemon off;'
    wait_port tcp 80
}

# ---------------------------------------------------------------- clients --
# '|' separates (not a tab: read would merge empty tab-separated fields)
CURL_W='%{method}|%{url_effective}|%{response_code}|%{size_download}|%{num_connects}|%header{content-type}|%header{content-encoding}|%header{transfer-encoding}|%header{content-length}\n'

# curl_facts WFILE FILE...: one block of facts per transfer from curl -w
# output lines and the files curl saved (in the same order).
REQ_N=0
curl_facts() {
    local wfile=$1; shift
    local files=("$@") i=0 method url code size conns ctype cenc tenc clen path
    while IFS='|' read -r method url code size conns ctype cenc tenc clen; do
        REQ_N=$((REQ_N + 1))
        path=${url#http://*/}
        path=/$path
        local k=http.$REQ_N
        fact "$k.client" "curl"
        fact "$k.method" "$method"
        fact "$k.uri" "$path"
        fact "$k.status" "$code"
        fact "$k.new_connection" "$([[ $conns -gt 0 ]] && echo yes || echo no)"
        fact "$k.content_type" "$ctype"
        fact "$k.content_encoding" "$cenc"
        fact "$k.transfer_encoding" "$tenc"
        fact "$k.content_length" "$clen"
        fact "$k.wire_body_len" "$size"
        fact "$k.body_len" "$(fsize "${files[$i]}")"
        fact "$k.body_sha256" "$(sha "${files[$i]}")"
        i=$((i + 1))
    done <"$wfile"
}

# --------------------------------------------------------------- captures --
cap_http_keepalive() {
    start_nginx
    capture_start http-keepalive
    REQ_N=0
    local d=$WORK/out-ka base=http://$SRV4
    mkdir -p "$d"
    # One curl, four URLs: curl reuses the one keep-alive connection.
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" \
        -o "$d/1" "$base/index.html" \
        -o "$d/2" "$base/blob.bin" \
        -o "$d/3" "$base/missing.html" \
        -o "$d/4" "$base/data.json" >"$d/w"
    fact description "curl GETs four URLs on one keep-alive connection; the third is a 404"
    fact client_version "$(pkgver curl)"
    fact server_version "$(pkgver nginx)"
    fact host "trawl.test"
    fact connections "$(cut -d'|' -f5 "$d/w" | awk '{s+=$1} END {print s}')"
    fact blob.sha256 "$(sha "$WORK/www/blob.bin")"
    fact blob.size "$(fsize "$WORK/www/blob.bin")"
    curl_facts "$d/w" "$d/1" "$d/2" "$d/3" "$d/4"
    fact requests "$REQ_N"
    capture_stop
    tshark_view http http.request.method http.request.uri http.host http.response.code \
        http.content_type http.content_length http.connection
    check 'http.request' 4 requests
    check 'http.response.code == 404' 1 not_found
    check 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 1 syn
    local syns
    syns=$(tshark -r "$OUT_DIR/$CUR.$CAP_EXT" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
    ((syns == 1)) || die "$CUR: expected one TCP connection, saw $syns SYNs"
}

cap_http_post() {
    start_nginx
    capture_start http-post
    REQ_N=0
    local d=$WORK/out-post base=http://$SRV4
    mkdir -p "$d"
    fact description "curl POSTs a form and a 4 KB body, GETs with Basic auth (wrong then right); wget does challenge-then-Basic"
    fact client_version "$(pkgver curl)"
    fact server_version "$(pkgver nginx)"
    fact host "trawl.test"

    local form='name=trawl&comment=hello+world&n=42'
    printf '%s' "$form" >"$d/form-body"
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/1" \
        --data "$form" "$base/submit" >"$d/w1"
    curl_facts "$d/w1" "$d/1"
    fact http.$REQ_N.request_content_type "application/x-www-form-urlencoded"
    fact http.$REQ_N.request_body_len "$(fsize "$d/form-body")"
    fact http.$REQ_N.request_body_sha256 "$(sha "$d/form-body")"

    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/2" \
        -H 'Content-Type: text/plain' --data-binary "@$WORK/post-body.txt" "$base/submit" >"$d/w2"
    curl_facts "$d/w2" "$d/2"
    fact http.$REQ_N.request_content_type "text/plain"
    fact http.$REQ_N.request_body_len "$(fsize "$WORK/post-body.txt")"
    fact http.$REQ_N.request_body_sha256 "$(sha "$WORK/post-body.txt")"

    # Basic auth: a wrong password (401), then the right one, then a POST with auth.
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/3" \
        -u "trawl:wrong-password" "$base/private/secret.txt" >"$d/w3"
    curl_facts "$d/w3" "$d/3"
    fact http.$REQ_N.auth_scheme Basic
    fact http.$REQ_N.auth_user trawl
    fact http.$REQ_N.auth_password wrong-password
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/4" \
        -u "trawl:$TEST_PASS" "$base/private/secret.txt" >"$d/w4"
    curl_facts "$d/w4" "$d/4"
    fact http.$REQ_N.auth_scheme Basic
    fact http.$REQ_N.auth_user trawl
    fact http.$REQ_N.auth_password "$TEST_PASS"
    printf 'x=1' >"$d/auth-body"
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/5" \
        -u "trawl:$TEST_PASS" --data 'x=1' "$base/private/echo" >"$d/w5"
    curl_facts "$d/w5" "$d/5"
    fact http.$REQ_N.auth_scheme Basic
    fact http.$REQ_N.auth_user trawl
    fact http.$REQ_N.auth_password "$TEST_PASS"
    fact http.$REQ_N.request_body_len "$(fsize "$d/auth-body")"
    fact http.$REQ_N.request_body_sha256 "$(sha "$d/auth-body")"

    # wget asks without credentials first, gets 401, then sends Basic auth.
    in_cli wget -S -O "$d/6" --header 'Host: trawl.test' --user trawl --password "$TEST_PASS" \
        "$base/private/secret.txt" 2>"$d/wget.err" || true
    local codes st
    codes=$(grep -E '^ +HTTP/1\.[01] [0-9]{3}' "$d/wget.err" | awk '{print $2}')
    for st in $codes; do
        REQ_N=$((REQ_N + 1))
        fact http.$REQ_N.client wget
        fact http.$REQ_N.method GET
        fact http.$REQ_N.uri /private/secret.txt
        fact http.$REQ_N.status "$st"
        if [[ $st == 200 ]]; then
            fact http.$REQ_N.auth_scheme Basic
            fact http.$REQ_N.auth_user trawl
            fact http.$REQ_N.auth_password "$TEST_PASS"
            fact http.$REQ_N.body_len "$(fsize "$d/6")"
            fact http.$REQ_N.body_sha256 "$(sha "$d/6")"
        fi
    done
    fact wget_version "$(pkgver wget)"
    fact requests "$REQ_N"
    capture_stop
    tshark_view http http.request.method http.request.uri http.response.code \
        http.content_type http.content_length http.authorization http.authbasic \
        http.www_authenticate http.user_agent
    check 'http.request.method == "POST"' 3 post
    check 'http.authbasic' 4 basic_auth
    check 'http.response.code == 401' 2 unauthorized
}

cap_http_gzip_chunked() {
    start_nginx
    capture_start http-gzip-chunked
    REQ_N=0
    local d=$WORK/out-gz base=http://$SRV4
    mkdir -p "$d"
    fact description "one keep-alive connection: nginx gzip of a text file (gzip + chunked), SSI page (chunked, no gzip), gzip_static file (gzip + Content-Length)"
    fact client_version "$(pkgver curl)"
    fact server_version "$(pkgver nginx)"
    fact host "trawl.test"
    in_cli curl --http1.1 -sS --compressed -H 'Host: trawl.test' -w "$CURL_W" \
        -o "$d/1" "$base/gz/big.txt" \
        -o "$d/2" "$base/ssi/page.html" \
        -o "$d/3" "$base/static-gz/notes.txt" >"$d/w"
    curl_facts "$d/w" "$d/1" "$d/2" "$d/3"
    fact http.1.how "nginx gzip on, HTTP/1.1: length unknown so chunked"
    fact http.1.source_sha256 "$(sha "$WORK/www/gz/big.txt")"
    fact http.2.how "nginx ssi on: length unknown so chunked; gzip off here"
    fact http.3.how "nginx gzip_static on: notes.txt.gz sent as is with Content-Length"
    fact http.3.source_sha256 "$(sha "$WORK/www/static-gz/notes.txt")"
    fact http.3.wire_body_sha256 "$(sha "$WORK/www/static-gz/notes.txt.gz")"
    fact connections "$(cut -d'|' -f5 "$d/w" | awk '{s+=$1} END {print s}')"
    fact requests "$REQ_N"
    capture_stop
    tshark_view http http.request.method http.request.uri http.response.code \
        http.content_type http.content_encoding http.transfer_encoding http.content_length \
        http.accept_encoding
    check 'http.content_encoding == "gzip" && http.transfer_encoding == "chunked"' 1 gzip_chunked
    check '!http.content_encoding && http.transfer_encoding == "chunked"' 1 plain_chunked
    check 'http.content_encoding == "gzip" && http.content_length' 1 gzip_length
}

# Through the relay (link_relayed): data segments dropped, duplicated, delayed
# and reordered between server and client; the capture on the client's end
# sees server->client segments out of order and twice, and TCP's
# retransmissions of what the relay dropped.
cap_http_impaired() {
    start_nginx
    capture_start http-impaired
    REQ_N=0
    local d=$WORK/out-imp base=http://$SRV4
    mkdir -p "$d"
    fact description "curl through a lossy, reordering, duplicating user-space relay: five objects on one IPv4 keep-alive connection (a 200000-byte binary, a gzip+chunked text, a gzip_static file), then two over IPv6 on another"
    fact client_version "$(pkgver curl)"
    fact server_version "$(pkgver nginx)"
    fact host "trawl.test"
    fact big.sha256 "$(sha "$WORK/www/big.bin")"
    fact big.size "$(fsize "$WORK/www/big.bin")"
    in_cli curl --http1.1 -sS --compressed -H 'Host: trawl.test' -w "$CURL_W" \
        -o "$d/1" "$base/index.html" \
        -o "$d/2" "$base/big.bin" \
        -o "$d/3" "$base/gz/big.txt" \
        -o "$d/4" "$base/static-gz/notes.txt" \
        -o "$d/5" "$base/data.json" >"$d/w4"
    curl_facts "$d/w4" "$d/1" "$d/2" "$d/3" "$d/4" "$d/5"
    # -g: the brackets of the IPv6 literal are not a curl URL glob
    in_cli curl --http1.1 -sS -g -H 'Host: trawl.test' -w "$CURL_W" \
        -o "$d/6" "http://[$SRV6]/blob.bin" \
        -o "$d/7" "http://[$SRV6]/index.html" >"$d/w6"
    curl_facts "$d/w6" "$d/6" "$d/7"
    local n
    for n in 1 2 3 4 5; do fact "http.$n.ipv" 4; done
    for n in 6 7; do fact "http.$n.ipv" 6; done
    fact connections "$(cat "$d/w4" "$d/w6" | cut -d'|' -f5 | awk '{s+=$1} END {print s}')"
    fact requests "$REQ_N"
    capture_stop
    relay_facts
    tshark_view http http.request.method http.request.uri http.host http.response.code \
        http.content_type http.content_encoding http.transfer_encoding http.content_length
    check 'http.request' 7 requests
    check 'ipv6 && http.request' 2 http_ipv6
    check 'http.content_encoding == "gzip" && http.transfer_encoding == "chunked"' 1 gzip_chunked
    check 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 1 retransmissions
    check 'tcp.analysis.out_of_order' 1 out_of_order
    check 'tcp.analysis.duplicate_ack' 1 duplicate_acks
    derive_http_lossy "$WORK/www/big.bin"
}

# derive_http_lossy BIG_FILE: http-lossy.pcap is http-impaired.pcap without
# three server->client segments from the middle of BIG_FILE's body - loss the
# capture itself never saw. Only segments whose sequence range no other frame
# in the capture covers are taken, so nothing later fills the holes.
derive_http_lossy() {
    local big=$1 src=$OUT_DIR/http-impaired.pcap src_facts=$OUT_DIR/http-impaired.facts
    local plan=$WORK/lossy.plan
    tshark -r "$src" -Y "ip.src == $SRV4 && tcp.srcport == 80 && tcp.len > 0" \
        -T fields -e frame.number -e tcp.stream -e tcp.dstport -e tcp.seq -e tcp.len -e tcp.payload \
        >"$WORK/lossy.segments"
    "$PY" - "$WORK/lossy.segments" "$big" "$src_facts" >"$plan" <<'PYEOF'
import collections, sys
segs_path, big_path, facts_path = sys.argv[1:4]
big = open(big_path, 'rb').read()
facts = dict(l.rstrip('\n').split('=', 1) for l in open(facts_path) if '=' in l and not l.startswith('#'))
streams = collections.defaultdict(list)          # tcp.stream -> [(frame, off, len, port)]
data = collections.defaultdict(bytearray)
for line in open(segs_path):
    frame, stream, port, seq, ln, payload = line.rstrip('\n').split('\t')
    off, ln = int(seq) - 1, int(ln)               # relative seq 1 = first data byte
    streams[stream].append((int(frame), off, ln, port))
    buf = data[stream]
    if len(buf) < off + ln:
        buf.extend(b'\0' * (off + ln - len(buf)))
    buf[off:off + ln] = bytes.fromhex(payload)
# which response is the big file: its number in the facts
resp = next(k.split('.')[1] for k, v in facts.items() if k.endswith('.body_sha256') and k.startswith('http.')
            and facts.get('http.%s.uri' % k.split('.')[1]) == '/' + big_path.rsplit('/', 1)[1])
stream = next(s for s, b in data.items() if big in b)
start = bytes(data[stream]).find(big)
segs = streams[stream]
def covered_once(f, off, ln):
    return not any(g != f and o < off + ln and off < o + l for g, o, l, _ in segs)
cands = [(f, off, ln) for f, off, ln, _ in segs
         if start + len(big) * 15 // 100 <= off and off + ln <= start + len(big) * 85 // 100 and covered_once(f, off, ln)]
cands.sort(key=lambda c: c[1])
picked = []
for pct in (30, 50, 70):
    target = start + len(big) * pct // 100
    best = min((c for c in cands if c not in picked), key=lambda c: abs(c[1] - target))
    picked.append(best)
port = segs[0][3]
print('resp', resp)
print('port', port)
print('body_start', start)
for f, off, ln in sorted(picked):
    print('frame', f, off - start, ln)
PYEOF
    local frames
    frames=$(awk '$1 == "frame" {print $2}' "$plan" | paste -sd' ')
    [[ $(wc -w <<<"$frames") -eq 3 ]] || die "http-lossy: could not pick three segments: $(cat "$plan")"
    # shellcheck disable=SC2086
    editcap -F pcap "$src" "$OUT_DIR/http-lossy.pcap" $frames
    CUR=http-lossy
    FACTS=$OUT_DIR/http-lossy.facts
    local resp port lost
    resp=$(awk '$1 == "resp" {print $2}' "$plan")
    port=$(awk '$1 == "port" {print $2}' "$plan")
    lost=$(awk '$1 == "frame" {s += $4} END {print s}' "$plan")
    {
        echo "# facts for http-lossy.pcap: http-impaired.pcap with three frames removed (key=value; see README.md)"
        echo "capture=http-lossy.pcap"
        echo "description=http-impaired.pcap without three server->client segments from the middle of the 200000-byte body: loss the capture never saw, so that response cannot be complete; the others are whole"
        echo "derived_from=http-impaired.pcap"
        grep -Ev '^(#|capture=|description=|packets=|check\.)' "$src_facts"
        echo "removed_frames=$frames"
        awk '$1 == "frame" {n++; printf "removed.%d.frame=%s\nremoved.%d.body_offset=%s\nremoved.%d.len=%s\n", n, $2, n, $3, n, $4}' "$plan"
        echo "http.$resp.lost_bytes=$lost"
        echo "http.$resp.expect_complete=no"
        echo "lost.client_port=$port"
        echo "lost.server_port=80"
        echo "lost.gap_bytes_s2c=$lost"
        echo "lost.gap_bytes_c2s=0"
        echo "packets=$(tshark -r "$OUT_DIR/http-lossy.pcap" -T fields -e frame.number | wc -l)"
    } >"$FACTS"
    chmod 644 "$OUT_DIR/http-lossy.pcap" "$FACTS"
    tshark_view http http.request.method http.request.uri http.host http.response.code \
        http.content_type http.content_encoding http.transfer_encoding http.content_length
    check 'tcp.analysis.lost_segment' 3 lost_segments
    log "http-lossy: removed frames $frames ($lost bytes of http.$resp's body)"
}

cap_http_vxlan() {
    # nginx listens on the tunnel's address too
    start_nginx "listen $VX_SRV4:80;"
    capture_start http-vxlan
    REQ_N=0
    local d=$WORK/out-vx base=http://$VX_SRV4
    mkdir -p "$d"
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" \
        -o "$d/1" "$base/index.html" \
        -o "$d/2" "$base/data.json" >"$d/w"
    fact description "curl GETs two URLs from nginx through a VXLAN tunnel (VNI $VX_VNI, UDP 4789) between the two ends: only the outer datagrams are on the wire"
    fact client_version "$(pkgver curl)"
    fact server_version "$(pkgver nginx)"
    fact host "trawl.test"
    fact tunnel "vxlan"
    fact tunnel.vni "$VX_VNI"
    fact tunnel.server_addr4 "$VX_SRV4"
    fact tunnel.client_addr4 "$VX_CLI4"
    fact connections "$(cut -d'|' -f5 "$d/w" | awk '{s+=$1} END {print s}')"
    curl_facts "$d/w" "$d/1" "$d/2"
    fact requests "$REQ_N"
    capture_stop
    tshark_view http vxlan.vni ip.src ip.dst http.request.method http.request.uri http.host http.response.code \
        http.content_type http.content_length
    check "vxlan.vni == $VX_VNI && http.request" 2 requests
    check 'udp.dstport == 4789 && tcp' 10 tunnelled_tcp
}

cap_multi_link() {
    start_nginx "listen $SRV4:8080;"
    # dumpcap on two interfaces of different link types, as on a host capturing its NIC and "any":
    # Ethernet (the veth end: port 80) and Linux cooked capture (all interfaces: port 8080 only, so no
    # packet is captured twice)
    capture_start multi-link pcapng -i "$CLI_IF" -f "tcp port 80 and host $SRV4" \
        -i any -f "tcp port 8080 and host $SRV4"
    REQ_N=0
    local d=$WORK/out-ml
    mkdir -p "$d"
    # two connections, one captured on each interface
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/1" "http://$SRV4/index.html" >"$d/w"
    in_cli curl --http1.1 -sS -H 'Host: trawl.test' -w "$CURL_W" -o "$d/2" "http://$SRV4:8080/data.json" >>"$d/w"
    fact description "curl GETs one URL from port 80 and one from port 8080; dumpcap captures port 80 on the veth end (Ethernet) and port 8080 on any (Linux cooked) into one pcapng file"
    fact client_version "$(pkgver curl)"
    fact server_version "$(pkgver nginx)"
    fact capture_version "$(pkgver wireshark-common)"
    fact host "trawl.test"
    fact link_types "EN10MB LINUX_SLL"
    fact connections "$(cut -d'|' -f5 "$d/w" | awk '{s+=$1} END {print s}')"
    curl_facts "$d/w" "$d/1" "$d/2"
    fact requests "$REQ_N"
    capture_stop
    tshark_view http frame.interface_id frame.protocols ip.src ip.dst http.request.method http.request.uri \
        http.response.code http.content_length
    check 'frame.interface_id == 0 && http.request' 1 ethernet_request
    check 'frame.interface_id == 1 && sll && http.request' 1 cooked_request
    CAP_EXT=pcap
}

# HTTP/0.9: a simple request ("GET path", no version, no fields) from a python3 socket, which nginx answers
# with the file's bytes alone (no status line, no fields) and closes.
cap_http_09() {
    start_nginx
    capture_start http-09
    local d=$WORK/out-09
    mkdir -p "$d"
    in_cli "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 80))
s.sendall(b"GET /index.html\r\n")
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
s.close()
open(sys.argv[2], "wb").write(got)
' "$SRV4" "$d/1"
    [[ $(head -c 5 "$d/1") != HTTP/ ]] || die "$CUR: nginx answered with a status line, not HTTP/0.9"
    cmp -s "$d/1" "$WORK/www/index.html" || die "$CUR: the answer is not index.html"
    fact description "a python3 socket sends the HTTP/0.9 request 'GET /index.html' (no version, no fields); nginx answers with the file's bytes alone and closes"
    fact client_version "python3 socket, $(pkgver python3)"
    fact server_version "$(pkgver nginx)"
    fact connections 1
    fact http.1.client "python3"
    fact http.1.method "GET"
    fact http.1.uri "/index.html"
    fact http.1.version "HTTP/0.9"
    fact http.1.body_len "$(fsize "$d/1")"
    fact http.1.body_sha256 "$(sha "$d/1")"
    fact requests 1
    capture_stop
    # tshark 4.0 reads no HTTP/0.9: it waits for the request's fields, which never come
    tshark_view 'tcp.len > 0' tcp.srcport tcp.dstport tcp.len http.request.method http.request.uri
    check 'tcp.dstport == 80 && tcp contains "GET /index.html"' 1 request
    check 'tcp.srcport == 80 && tcp.len > 0' 1 answer
}
