# shellcheck shell=bash
# pcaps/recipes/dns.sh: DNS captures, dnsmasq (authoritative for trawl.test)
# with dig: every record type over UDP and TCP, IPv6, EDNS, truncation, IP
# fragments. See pcaps/lib/common.sh for the contract.

capture dns-udp-tcp
# dnsmasq-base: dnsmasq's binary, whose version goes into the facts
packages dnsmasq dnsmasq-base bind9-dnsutils

# ---------------------------------------------------------------- server --
start_dnsmasq() {
    # CAA 0 issue "ca.trawl.test" as RFC 3597 hex (dnsmasq has no CAA syntax).
    local caa
    caa=$("$PY" -c 'v=b"ca.trawl.test"; t=b"issue"; print((bytes([0,len(t)])+t+v).hex())')
    cat >"$WORK/dnsmasq.conf" <<EOF
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=$SRV4
listen-address=$SRV6
except-interface=lo
pid-file=$WORK/dnsmasq.pid
log-queries
log-facility=$WORK/dnsmasq.log
local=/trawl.test/
local=/0.99.10.in-addr.arpa/
auth-server=ns.trawl.test,$SRV_IF
auth-zone=trawl.test,10.99.0.0/24,fd99::/64
auth-soa=2024010101,hostmaster.trawl.test,1200,120,604800
auth-ttl=300
host-record=ns.trawl.test,$SRV4
host-record=web.trawl.test,10.99.0.80,fd99::80
host-record=mail.trawl.test,10.99.0.25
cname=www.trawl.test,web.trawl.test
mx-host=trawl.test,mail.trawl.test,10
txt-record=trawl.test,"v=spf1 mx -all","second string"
srv-host=_http._tcp.trawl.test,web.trawl.test,80,0,5
dns-rr=trawl.test,257,$caa
$(for i in $(seq 1 12); do printf 'txt-record=big.trawl.test,"record %02d %s"\n' "$i" "$(printf 'x%.0s' $(seq 1 100))"; done)
edns-packet-max=4096
$(for i in $(seq 1 30); do printf 'txt-record=huge.trawl.test,"chunk %02d %s"\n' "$i" "$(printf 'y%.0s' $(seq 1 100))"; done)
EOF
    start_bg dnsmasq dnsmasq --no-daemon --conf-file="$WORK/dnsmasq.conf" --user=nobody --group=nogroup
    wait_port udp 53
    wait_port tcp 53
}

# ---------------------------------------------------------------- clients --
DNS_N=0
# dns_query TRANSPORT_LABEL dig-args...: run dig once, record what it got.
dns_query() {
    local label=$1; shift
    local out=$WORK/dig.out
    in_cli dig "$@" +noall +comments +question +answer +authority +additional >"$out" 2>&1 || true
    "$PY" - "$out" "$label" "$*" "$FACTS" <<'PYEOF'
import json, re, sys
path, label, args, facts = sys.argv[1:5]
text = open(path).read()
out = []
# dig prints one block per query (several with +keepopen); each starts at ->>HEADER<<-
blocks = re.split(r'(?m)^(?=;; ->>HEADER<<-)', text)
blocks = [b for b in blocks if b.startswith(';; ->>HEADER<<-')]
for b in blocks:
    m = re.search(r'status: (\w+), id: (\d+)', b)
    flags = re.search(r';; flags: ([a-z ]*);', b).group(1).split()
    q = re.search(r'(?m)^;; QUESTION SECTION:\n;(\S+)\s+IN\s+(\S+)', b)
    edns = re.search(r'(?m)^; EDNS: version: \d+, flags:([a-z ]*); udp: (\d+)', b)
    sec, ans = None, {'ANSWER': [], 'AUTHORITY': [], 'ADDITIONAL': []}
    for line in b.splitlines():
        s = re.match(r';; (\w+) SECTION:', line)
        if s:
            sec = s.group(1); continue
        if not line or line.startswith(';'): continue
        if sec in ans:
            name, ttl, cls, typ, data = line.split(None, 4)
            # names without their trailing dot, as SCHEMA.md wants them
            data = ' '.join(w[:-1] if w.endswith('.') and not w.startswith('"') else w for w in data.split(' '))
            ans[sec].append((name.rstrip('.'), typ, ttl, data))
    out.append(dict(rcode=m.group(1), id=m.group(2), flags=flags, qname=q.group(1).rstrip('.'),
                    qtype=q.group(2), edns=edns, ans=ans))
for o in out:
    e = o['edns']
    o['edns'] = (e.group(2) + ('|do' if 'do' in e.group(1).split() else '')) if e else ''
print(json.dumps(out))
PYEOF
}

dns_record() { # dns_record TRANSPORT ARGS JSON
    local transport=$1 dig_args=$2 json=$3
    "$PY" - "$transport" "$dig_args" "$json" "$FACTS" "$DNS_N" <<'PYEOF'
import json, sys
transport, args, js, facts, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
with open(facts, 'a') as f:
    for o in json.loads(js):
        n += 1
        k = f'dns.{n}'
        def w(key, val): f.write(f'{k}.{key}={val}\n')
        w('transport', transport)
        w('dig_args', args)
        w('id', o['id'])
        w('qname', o['qname'])
        w('qtype', o['qtype'])
        w('rcode', o['rcode'])
        w('flags', ' '.join(o['flags']))
        udp, _, do = o['edns'].partition('|')
        w('edns_udp_size', udp)
        w('edns_do', 'yes' if do else ('no' if udp else ''))
        for sec in ('ANSWER', 'AUTHORITY', 'ADDITIONAL'):
            recs = o['ans'][sec]
            w(f'{sec.lower()}_count', len(recs))
            for i, (name, typ, ttl, data) in enumerate(recs, 1):
                w(f'{sec.lower()}.{i}', f'{name}\t{typ}\t{ttl}\t{data}')
print(n)
PYEOF
}

dig_run() { # dig_run TRANSPORT dig-args...
    local transport=$1; shift
    local json
    json=$(dns_query "$transport" "$@")
    DNS_N=$(dns_record "$transport" "$*" "$json")
}

# --------------------------------------------------------------- captures --
cap_dns_udp_tcp() {
    start_dnsmasq
    capture_start dns-udp-tcp
    DNS_N=0
    fact description "dig against dnsmasq (authoritative for trawl.test): every type over UDP, then over TCP, one TCP connection with several queries, IPv6 transport, no-EDNS and DO-bit queries, a truncated reply retried over TCP, a reply in IP fragments"
    fact client_version "$(pkgver bind9-dnsutils)"
    fact server_version "$(pkgver dnsmasq-base)"
    local queries=(
        "web.trawl.test A" "web.trawl.test AAAA" "www.trawl.test CNAME" "www.trawl.test A"
        "trawl.test MX" "trawl.test TXT" "_http._tcp.trawl.test SRV"
        "80.0.99.10.in-addr.arpa PTR" "trawl.test SOA" "trawl.test CAA"
        "nope.trawl.test A"
    )
    local q
    for q in "${queries[@]}"; do
        # shellcheck disable=SC2086
        dig_run udp "@$SRV4" $q
    done
    for q in "${queries[@]}"; do
        # shellcheck disable=SC2086
        dig_run tcp "@$SRV4" +tcp $q
    done
    # several queries on one TCP connection (RFC 7766 pipelining/reuse)
    dig_run tcp-keepopen "@$SRV4" +tcp +keepopen web.trawl.test A trawl.test MX trawl.test TXT
    dig_run udp6 "@$SRV6" web.trawl.test AAAA
    dig_run udp "@$SRV4" +noedns mail.trawl.test A
    dig_run udp "@$SRV4" +dnssec trawl.test SOA
    # 12 TXT records do not fit in 512 bytes: dnsmasq sets TC, dig retries over TCP
    dig_run udp-truncated-then-tcp "@$SRV4" +bufsize=512 big.trawl.test TXT
    fact dns.$DNS_N.note "the UDP reply had TC set (3 of 12 answers); dig retried over TCP; the facts above are the TCP reply's"
    # 30 TXT records (about 3.4 KB) in one UDP reply: larger than the MTU, so it crosses as IP fragments
    dig_run udp-fragmented "@$SRV4" +bufsize=4096 huge.trawl.test TXT
    fact dns.$DNS_N.note "the UDP reply was larger than the 1500-byte MTU and arrived as IPv4 fragments"
    fact queries "$DNS_N"
    fact note "answer.N/authority.N/additional.N = name<TAB>type<TAB>ttl<TAB>data (dig's presentation form, trailing dots removed); edns_* are from the response's OPT record"
    capture_stop
    tshark_view dns dns.id dns.flags.response dns.qry.name dns.qry.type dns.flags.rcode \
        dns.count.answers dns.a dns.aaaa dns.cname dns.mx.mail_exchange dns.txt dns.srv.target \
        dns.ptr.domain_name dns.soa.mname dns.caa.value dns.rr.udp_payload_size
    check 'dns && udp' 26 dns_udp
    check 'dns && tcp' 26 dns_tcp
    check 'dns && ipv6' 2 dns_ipv6
    check 'dns.flags.truncated == 1' 1 dns_truncated
    check 'ip.flags.mf == 1' 1 ip_fragments
    check 'dns.flags.rcode == 3' 2 nxdomain
    local t
    for t in 1 28 5 15 16 33 12 6 257; do check "dns.resp.type == $t" 2 "rr_type_$t"; done
}
