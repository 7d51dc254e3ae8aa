# shellcheck shell=bash
# pcaps/recipes/dhcp.sh: DHCP captures, dnsmasq as the server, ISC dhclient, busybox udhcpc and dhcping as
# clients, ISC dhcrelay as a relay agent. See pcaps/lib/common.sh for the contract.
#
# The clients run in the client namespace on macvlan devices over its veth end (trawl-c0), each with a MAC of
# its own (02:00:5e:99:00:0N), so several clients share the segment and tcpdump on trawl-c0 sees every frame
# they send and get. Their scripts (-sf, -s) log what they were told and set the address on their own device
# only: /etc/resolv.conf is never touched.
#
#   dhcp-clients      (layout dhcp) dnsmasq on trawl-s0 (10.99.0.1, pool .50-.99, 2-minute leases, T1 10 s,
#                     authoritative). dhclient on trawl-dc1 starts from a lease file naming 10.99.0.240, outside
#                     the pool: its INIT-REBOOT REQUEST is NAKed, then DISCOVER/OFFER/REQUEST/ACK with a hostname
#                     and a vendor class, a renewal at T1 (REQUEST/ACK, unicast), and a RELEASE (dhclient -r).
#                     udhcpc on trawl-dc2: a lease with hostname, vendor class and FQDN (option 81), a renewal
#                     (SIGUSR1), a release (SIGUSR2). udhcpc -a on trawl-dc3, whose MAC dnsmasq gives the fixed
#                     address 10.99.0.77, which another device (trawl-dsq) already holds: udhcpc's ARP check finds
#                     it and sends a DECLINE. dhcping -i on trawl-dc4 (static 10.99.0.30): an INFORM and its ACK.
#   dhcp-two-servers  (layout dhcp) a second dnsmasq on trawl-ds2 (10.99.0.3, pool .200-.220), a macvlan over
#                     the server's veth end in the server namespace, answers the same DISCOVERs: dhclient on
#                     trawl-dc1 gets two OFFERs, takes one, and releases it; then udhcpc on trawl-dc2 does the same.
#   dhcp-relay        (layout dhcp_relay) dhcrelay -a in the client namespace relays between a veth pair
#                     trawl-rd0 (10.97.0.1, giaddr) / trawl-rc0 and trawl-c0 (10.99.0.2) to dnsmasq, adding option
#                     82 (circuit id: the interface name); udhcpc on trawl-rc0 gets a lease of 10.97.0.50-.99.
#                     dumpcap records both interfaces (pcapng): client <-> relay and relay <-> server.
#
# Facts, per exchange dhcp.N. (a client MAC and xid, in the order they started): client, client_mac, xid (the
# server's log, cross-checked with tshark), types (the message types in order, from dnsmasq's log-dhcp lines of
# that xid, relayed copies counted once), and what the client's script was handed at its lease: ip, server_id,
# lease_time, subnet_mask, routers, dns_servers, domain_name, domain_search; hostname and vendor_class the
# client was told to send; offers (two-servers: "server ip" pairs from both servers' logs); relay_circuit_id.

capture dhcp-clients dhcp
capture dhcp-two-servers dhcp
capture dhcp-relay dhcp_relay
# wireshark-common: reordercap
packages dnsmasq dnsmasq-base isc-dhcp-client busybox isc-dhcp-relay dhcping iputils-arping wireshark-common

DHCP_FILTER='udp port 67 or udp port 68'
DHCP_SRV2_IF=trawl-ds2
DHCP_SRV2=10.99.0.3
DHCP_SQUAT_IF=trawl-dsq
DHCP_RELAY_DOWN=trawl-rd0
DHCP_RELAY_CLI=trawl-rc0
DHCP_RELAY_NET=10.97.0
dhcp_mac() { printf '02:00:5e:99:00:%02x' "$1"; }

# ---------------------------------------------------------------- layouts --
# dhcp: the direct link, the client end without its IPv4 address (a DHCP client's address must be the only
# one of the subnet in its namespace, or replies to it would come in on another device: the clients run one
# after the other), four client macvlans, and the second server's macvlan.
dhcp_devices_down() {
    local d
    for d in trawl-dc1 trawl-dc2 trawl-dc3 trawl-dc4 "$DHCP_SQUAT_IF" "$DHCP_RELAY_DOWN"; do
        in_cli ip link del "$d" 2>/dev/null || true
    done
    in_srv ip link del "$DHCP_SRV2_IF" 2>/dev/null || true
    in_srv ip route del "$DHCP_RELAY_NET.0/24" 2>/dev/null || true
    in_cli ip addr replace "$CLI4/24" dev "$CLI_IF"
    in_cli sysctl -q -w net.ipv4.conf.all.arp_ignore=0 >/dev/null
}

link_dhcp() {
    link_direct
    dhcp_devices_down
    in_cli ip addr del "$CLI4/24" dev "$CLI_IF"
    # a device answers ARP only for its own address: the macvlans share one namespace, and udhcpc's ARP check
    # of its new address must not be answered by a sibling device on the kernel's behalf
    in_cli sysctl -q -w net.ipv4.conf.all.arp_ignore=1 >/dev/null
    local i
    for i in 1 2 3 4; do
        in_cli ip link add "trawl-dc$i" link "$CLI_IF" address "$(dhcp_mac "$i")" type macvlan mode bridge
        no_offloads "$CLI_NS" "trawl-dc$i"
        in_cli ip link set "trawl-dc$i" up
    done
    in_srv ip link add "$DHCP_SRV2_IF" link "$SRV_IF" address "$(dhcp_mac 16)" type macvlan mode bridge
    no_offloads "$SRV_NS" "$DHCP_SRV2_IF"
    in_srv ip addr add "$DHCP_SRV2/24" dev "$DHCP_SRV2_IF"
    in_srv ip link set "$DHCP_SRV2_IF" up
}

# dhcp_relay: the direct link, plus the relayed segment in the client namespace: a veth pair whose one end
# (10.97.0.1) the relay listens on and whose other end the relayed client uses; the server routes 10.97.0.0/24
# back through the relay host.
link_dhcp_relay() {
    link_direct
    dhcp_devices_down
    in_cli ip link add "$DHCP_RELAY_DOWN" address "$(dhcp_mac 32)" type veth peer name "$DHCP_RELAY_CLI" \
        address "$(dhcp_mac 5)"
    no_offloads "$CLI_NS" "$DHCP_RELAY_DOWN"
    no_offloads "$CLI_NS" "$DHCP_RELAY_CLI"
    in_cli ip addr add "$DHCP_RELAY_NET.1/24" dev "$DHCP_RELAY_DOWN"
    in_cli ip link set "$DHCP_RELAY_DOWN" up
    in_cli ip link set "$DHCP_RELAY_CLI" up
    in_cli sysctl -q -w net.ipv4.ip_forward=1 >/dev/null
    in_srv ip route add "$DHCP_RELAY_NET.0/24" via "$CLI4"
}

# ---------------------------------------------------------------- servers --
# start_dnsmasq_dhcp NAME IF ADDR POOL_START POOL_END [extra config lines]: dnsmasq as a DHCP server only (no
# DNS: port=0), on one interface, logging every message with its xid (log-dhcp).
start_dnsmasq_dhcp() {
    local name=$1 ifname=$2 addr=$3 from=$4 to=$5
    shift 5
    cat >"$WORK/$name.conf" <<EOF
port=0
interface=$ifname
bind-interfaces
except-interface=lo
dhcp-range=$from,$to,255.255.255.0,2m
dhcp-leasefile=$WORK/$name.leases
dhcp-option=option:router,$addr
dhcp-option=option:dns-server,$addr
dhcp-option=option:ntp-server,$addr
dhcp-option=option:domain-name,trawl.test
dhcp-option=option:domain-search,trawl.test,lab.trawl.test
dhcp-option=option:classless-static-route,10.98.0.0/24,$addr
no-ping
log-dhcp
log-facility=$WORK/$name.log
pid-file=$WORK/$name.pid
$(printf '%s\n' "$@")
EOF
    : >"$WORK/$name.leases"
    start_bg "$name" dnsmasq --no-daemon --conf-file="$WORK/$name.conf" --user=root
}

dhcp_wait_server() { # dhcp_wait_server LOGNAME: until dnsmasq has opened its DHCP socket
    local i
    for i in $(seq 1 50); do
        grep -q 'DHCP, IP range' "$WORK/$1.log" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$1 did not start: $(cat "$WORK/$1.out" "$WORK/$1.log" 2>/dev/null)"
}

# ---------------------------------------------------------------- clients --
# The clients' scripts: one line per event (the reason, then the variables handed over), the address set and
# removed on the client's own device.
dhcp_write_scripts() {
    # dhclient hands its script a clean environment: the log's path is written into the script
    printf '#!/bin/sh\nlog=%s\n' "$WORK/dhcp-events" >"$WORK/dhclient-script"
    cat >>"$WORK/dhclient-script" <<'EOF'
{ printf 'dhclient %s reason=%s' "$interface" "$reason"
  for v in new_ip_address new_dhcp_server_identifier new_dhcp_lease_time new_subnet_mask new_routers \
           new_domain_name_servers new_domain_name new_domain_search new_ntp_servers; do
      eval "val=\${$v:-}"; printf '\t%s=%s' "$v" "$val"
  done; printf '\n'; } >>"$log"
case $reason in
    PREINIT) ip link set "$interface" up ;;
    BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
    EXPIRE|FAIL|RELEASE|STOP) [ -n "$old_ip_address" ] && ip addr del "$old_ip_address/$old_subnet_mask" dev "$interface" 2>/dev/null ;;
esac
exit 0
EOF
    printf '#!/bin/sh\nlog=%s\n' "$WORK/dhcp-events" >"$WORK/udhcpc-script"
    cat >>"$WORK/udhcpc-script" <<'EOF'
{ printf 'udhcpc %s reason=%s' "$interface" "$1"
  for v in ip serverid lease subnet router dns domain search ntpsrv staticroutes; do
      eval "val=\${$v:-}"; printf '\t%s=%s' "$v" "$val"
  done; printf '\n'; } >>"$log"
case $1 in
    bound|renew) ip addr replace "$ip/$subnet" dev "$interface" ;;
    deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
    chmod 755 "$WORK/dhclient-script" "$WORK/udhcpc-script"
    : >"$WORK/dhcp-events"
}

dhcp_wait_event() { # dhcp_wait_event PATTERN SECONDS: until a client's script logged a line matching PATTERN
    local i
    for i in $(seq 1 $(($2 * 10))); do
        grep -qE "$1" "$WORK/dhcp-events" && return 0
        sleep 0.1
    done
    die "no client event /$1/ within $2 s: $(cat "$WORK/dhcp-events"; tail -n 5 "$WORK"/*.out "$WORK"/*.log)"
}

dhcp_events_count() { grep -cE "$1" "$WORK/dhcp-events" || true; }

# dhclient_conf IF HOSTNAME VENDOR: what dhclient sends
dhclient_conf() {
    cat >"$WORK/dhclient-$1.conf" <<EOF
send host-name "$2";
send vendor-class-identifier "$3";
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, domain-search,
        host-name, ntp-servers, interface-mtu, rfc3442-classless-static-routes;
EOF
}


# Clients that run on are started with ip netns exec itself (which execs them), not through in_cli (a function
# run in the background is a subshell), so their pid is theirs and a signal reaches them.
DHCP_CLIENT_PIDS=()
dhcp_stop_clients() {
    local pid
    for pid in "${DHCP_CLIENT_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${DHCP_CLIENT_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    DHCP_CLIENT_PIDS=()
}

# ---------------------------------------------------------------- facts --
# dhcp_facts SERVERS CLIENT_SPECS...: the facts of every exchange of the given clients, in the order they began.
# SERVERS: "LOGNAME=ADDR ..." of the dnsmasq instances. A spec is NAME=MAC=HOSTNAME=VENDOR=DEVICE: the client
# program, what it was told to send and its device. xid and types are tshark's reading of the capture (repeats
# in a row folded: a client asking again, a relayed copy); server_types.ADDR is what that server logged for the
# xid (log-dhcp: its own account of what it got and sent); the lease facts are what the client's script was
# handed, paired in order with the exchanges of that client that ended in an ACK of an address.
dhcp_facts() {
    local servers=$1; shift
    tshark -r "$OUT_DIR/$CUR.$CAP_EXT" -Y dhcp -T fields -E separator=/t -E occurrence=f -e dhcp.id \
        -e dhcp.hw.mac_addr -e dhcp.option.dhcp -e dhcp.ip.your -e dhcp.option.dhcp_server_id \
        >"$WORK/dhcp-tshark.tsv"
    "$PY" "$WORK/dhcp-facts.py" "$FACTS" "$WORK/dhcp-events" "$WORK/dhcp-tshark.tsv" "$WORK" "$servers" "$@"
}

dhcp_write_facts_script() {
    cat >"$WORK/dhcp-facts.py" <<'PYEOF'
import re, sys
facts, events, tsv, work, servers = sys.argv[1:6]
specs = [s.split("=") for s in sys.argv[6:]]
names = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}
# tshark, frame by frame: per (xid, mac) the types in order, the offers and the ACKed address
ex, order = {}, []
for row in open(tsv):
    c = row.rstrip("\n").split("\t") + [""] * 5
    if not c[0] or not c[1]:
        continue
    key = (int(c[0], 16), c[1])
    if key not in ex:
        ex[key] = {"types": [], "offers": [], "ack": None}
        order.append(key)
    x = ex[key]
    typ = names.get(int(c[2]), "TYPE" + c[2]) if c[2] else "BOOTP"
    if not x["types"] or x["types"][-1] != typ:
        x["types"].append(typ)
    if typ == "OFFER" and (c[4], c[3]) not in x["offers"]:
        x["offers"].append((c[4], c[3]))
    if typ == "ACK" and c[3] != "0.0.0.0":
        x["ack"] = c[3]
# each server's log-dhcp lines: "dnsmasq-dhcp[PID]: XID DHCPTYPE(IF) ..."
logged = {}
for spec in servers.split():
    logname, addr = spec.split("=")
    for line in open("%s/%s.log" % (work, logname), errors="replace"):
        m = re.search(r"dnsmasq-dhcp\[\d+\]: (\d+) DHCP([A-Z]+)\(", line)
        if m:
            logged.setdefault((int(m.group(1)), addr), []).append(m.group(2))
# the clients' script events that mean "I have this lease now", in order per device
leases = {}
for line in open(events):
    f = line.rstrip("\n").split("\t")
    prog, dev, reason = f[0].split(" ")
    reason = reason.split("=", 1)[1]
    if reason not in ("BOUND", "RENEW", "REBIND", "REBOOT", "bound", "renew"):
        continue
    kv = dict(x.split("=", 1) for x in f[1:])
    if prog == "udhcpc":
        kv = {"new_ip_address": kv["ip"], "new_dhcp_server_identifier": kv["serverid"],
              "new_dhcp_lease_time": kv["lease"], "new_subnet_mask": kv["subnet"], "new_routers": kv["router"],
              "new_domain_name_servers": kv["dns"], "new_domain_name": kv["domain"],
              "new_domain_search": kv["search"]}
    leases.setdefault(dev, []).append(kv)
out = open(facts, "a")
n = 0
used = {}
for key in order:
    xid, mac = key
    spec = [s for s in specs if s[1] == mac]
    if not spec:
        continue
    name, _, host, vendor, dev = spec[0]
    x = ex[key]
    n += 1
    def w(k, v):
        out.write("dhcp.%d.%s=%s\n" % (n, k, v))
    w("client", name)
    w("client_mac", mac)
    w("xid", xid)
    w("types", " ".join(x["types"]))
    for spec2 in servers.split():
        addr = spec2.split("=")[1]
        if (xid, addr) in logged:
            w("server_types." + addr, " ".join(logged[(xid, addr)]))
    if x["offers"]:
        w("offers", ",".join("%s %s" % o for o in x["offers"]))
    if host:
        w("hostname", host)
    if vendor:
        w("vendor_class", vendor)
    if x["ack"]:
        # the script events of this lease: from the first with the ACKed address on, as long as they name it
        # (a renewal in the same exchange); none when the client declined the address (udhcpc -a)
        got, i = leases.get(dev, []), used.get(dev, 0)
        while i < len(got) and got[i]["new_ip_address"] != x["ack"]:
            i += 1
        if i == len(got):
            later = [k for k in order[order.index(key) + 1:] if k[1] == mac and ex[k]["types"] == ["DECLINE"]]
            if not later:
                sys.exit("exchange %x of %s: ACK of %s, but the client's script never had it" % (xid, mac, x["ack"]))
            w("declined", x["ack"])
            continue
        kv = got[i]
        while i < len(got) and got[i]["new_ip_address"] == x["ack"]:
            i += 1
        used[dev] = i
        w("ip", kv["new_ip_address"])
        w("server_id", kv["new_dhcp_server_identifier"])
        w("lease_time", kv["new_dhcp_lease_time"])
        w("subnet_mask", kv["new_subnet_mask"])
        w("routers", kv["new_routers"])
        w("dns_servers", kv["new_domain_name_servers"])
        w("domain_name", kv["new_domain_name"])
        # dhclient writes the names with their trailing dots
        w("domain_search", " ".join(d.rstrip(".") for d in kv["new_domain_search"].split()))
out.write("exchanges=%d\n" % n)
PYEOF
}

# dhcp_tshark: the capture's DHCP fields as tshark 4.0 reads them
dhcp_tshark() {
    tshark_view dhcp dhcp.type dhcp.id dhcp.option.dhcp dhcp.hw.mac_addr dhcp.ip.client dhcp.ip.your \
        dhcp.ip.server dhcp.ip.relay dhcp.flags.bc dhcp.option.requested_ip_address dhcp.option.dhcp_server_id \
        dhcp.option.ip_address_lease_time dhcp.option.renewal_time_value dhcp.option.rebinding_time_value \
        dhcp.option.subnet_mask dhcp.option.router dhcp.option.domain_name_server dhcp.option.ntp_server \
        dhcp.option.domain_name dhcp.option.hostname dhcp.option.vendor_class_id dhcp.option.request_list_item \
        dhcp.option.dhcp_max_message_size dhcp.option.message dhcp.option.broadcast_address \
        dhcp.client_id dhcp.fqdn.name dhcp.option.dhcp_dns_domain_search_list_fqdn \
        dhcp.option.classless_static.route dhcp.option.agent_information_option.agent_circuit_id \
        dhcp.option.agent_information_option.agent_remote_id dhcp.option.type dhcp.option.value
}

# ---------------------------------------------------------------- captures --
cap_dhcp_clients() {
    dhcp_write_scripts
    dhcp_write_facts_script
    start_dnsmasq_dhcp dnsmasq-dhcp "$SRV_IF" "$SRV4" 10.99.0.50 10.99.0.99 dhcp-authoritative \
        "dhcp-option=option:T1,10" "dhcp-option=option:T2,15" "dhcp-host=$(dhcp_mac 3),10.99.0.77"
    dhcp_wait_server dnsmasq-dhcp
    capture_start dhcp-clients pcap "$DHCP_FILTER"
    fact description "dnsmasq as DHCP server (authoritative, 2-minute leases, T1 10 s) on 10.99.0.1. ISC dhclient on trawl-dc1: INIT-REBOOT REQUEST for a stale lease outside the pool (NAK), then DISCOVER/OFFER/REQUEST/ACK with hostname and vendor class, a renewal at T1, a RELEASE. busybox udhcpc on trawl-dc2: a lease with hostname, vendor class and FQDN, a renewal (SIGUSR1), a release (SIGUSR2). udhcpc -a on trawl-dc3: the fixed address 10.99.0.77 is held by another device, the ARP check finds it, DECLINE. dhcping -i on trawl-dc4 (10.99.0.30): INFORM and its ACK"
    fact client_version "$(pkgver isc-dhcp-client), $(pkgver busybox), $(pkgver dhcping)"
    fact server_version "$(pkgver dnsmasq-base)"

    # dhclient: a stale lease of 10.99.0.240 (outside the pool) makes it start in INIT-REBOOT
    dhclient_conf trawl-dc1 trawl-dhclient trawl-dhclient-vendor
    printf '%s\n' 'lease {' '  interface "trawl-dc1";' '  fixed-address 10.99.0.240;' \
        '  option subnet-mask 255.255.255.0;' "  option dhcp-server-identifier $SRV4;" \
        '  renew 4 2037/12/31 00:00:00;' '  rebind 4 2037/12/31 00:00:00;' '  expire 4 2037/12/31 00:00:00;' \
        '}' >"$WORK/dhclient-dc1.leases"
    ip netns exec "$CLI_NS" dhclient -d -v -cf "$WORK/dhclient-trawl-dc1.conf" -lf "$WORK/dhclient-dc1.leases" \
        -pf "$WORK/dhclient-dc1.pid" -sf "$WORK/dhclient-script" trawl-dc1 >"$WORK/dhclient-dc1.out" 2>&1 &
    DHCP_CLIENT_PIDS+=($!)
    dhcp_wait_event 'dhclient trawl-dc1 reason=BOUND' 30
    dhcp_wait_event 'dhclient trawl-dc1 reason=RENEW' 30
    in_cli dhclient -r -v -cf "$WORK/dhclient-trawl-dc1.conf" -lf "$WORK/dhclient-dc1.leases" \
        -pf "$WORK/dhclient-dc1.pid" -sf "$WORK/dhclient-script" trawl-dc1 >>"$WORK/dhclient-dc1.out" 2>&1
    dhcp_stop_clients
    grep -q 'DHCPNAK from' "$WORK/dhclient-dc1.out" || die "dhclient saw no NAK: $(cat "$WORK/dhclient-dc1.out")"
    fact dhclient.nak "$(grep -m1 'DHCPNAK from' "$WORK/dhclient-dc1.out")"
    fact dhclient.stale_lease 10.99.0.240

    # udhcpc: lease, renewal, release
    ip netns exec "$CLI_NS" busybox udhcpc -f -i trawl-dc2 -s "$WORK/udhcpc-script" -x hostname:trawl-udhcpc \
        -V trawl-udhcpc-vendor -F trawl-udhcpc.trawl.test -t 5 -T 2 >"$WORK/udhcpc-dc2.out" 2>&1 &
    local upid=$!
    DHCP_CLIENT_PIDS+=("$upid")
    dhcp_wait_event 'udhcpc trawl-dc2 reason=bound' 30
    kill -USR1 "$upid"
    dhcp_wait_event 'udhcpc trawl-dc2 reason=renew' 30
    kill -USR2 "$upid"
    sleep 1
    dhcp_stop_clients

    # udhcpc -a: the fixed address is in use (trawl-dsq holds it): DECLINE
    in_cli ip link add "$DHCP_SQUAT_IF" link "$CLI_IF" address "$(dhcp_mac 9)" type macvlan mode bridge
    in_cli ip addr add 10.99.0.77/24 dev "$DHCP_SQUAT_IF"
    in_cli ip link set "$DHCP_SQUAT_IF" up
    in_cli busybox udhcpc -f -a -n -q -i trawl-dc3 -s "$WORK/udhcpc-script" -t 3 -T 2 -A 1 \
        >"$WORK/udhcpc-dc3.out" 2>&1 || true
    grep -q 'DHCPDECLINE' "$WORK/dnsmasq-dhcp.log" || die "no DECLINE: $(cat "$WORK/udhcpc-dc3.out")"
    fact udhcpc.decline "$(grep -m1 -i 'in use\|declin' "$WORK/udhcpc-dc3.out")"
    in_cli ip link del "$DHCP_SQUAT_IF"
    in_cli ip -4 addr flush dev trawl-dc3 # udhcpc -q leaves its address: the INFORM's must be the only one

    # dhcping: INFORM from a statically configured address
    in_cli ip addr add 10.99.0.30/24 dev trawl-dc4
    in_cli dhcping -i -c 10.99.0.30 -s "$SRV4" -h "$(dhcp_mac 4)" -t 5 >"$WORK/dhcping.out" 2>&1 \
        || die "dhcping: $(cat "$WORK/dhcping.out")"
    fact dhcping.answer "$(head -1 "$WORK/dhcping.out")"
    capture_stop
    dhcp_facts "dnsmasq-dhcp=$SRV4" \
        "dhclient=$(dhcp_mac 1)=trawl-dhclient=trawl-dhclient-vendor=trawl-dc1" \
        "udhcpc=$(dhcp_mac 2)=trawl-udhcpc=trawl-udhcpc-vendor=trawl-dc2" \
        "udhcpc=$(dhcp_mac 3)===trawl-dc3" \
        "dhcping=$(dhcp_mac 4)===trawl-dc4"
    dhcp_devices_down
    dhcp_tshark
    check 'dhcp.option.dhcp == 1' 3 discover
    check 'dhcp.option.dhcp == 2' 3 offer
    check 'dhcp.option.dhcp == 6' 1 nak
    check 'dhcp.option.dhcp == 4' 1 decline
    check 'dhcp.option.dhcp == 7' 2 release
    check 'dhcp.option.dhcp == 8' 1 inform
    check 'dhcp.option.dhcp == 5 && dhcp.ip.client != 0.0.0.0' 2 renewal_or_inform_ack
    check 'dhcp.option.hostname' 2 hostname
    check 'dhcp.option.vendor_class_id' 2 vendor_class
    check 'dhcp.option.classless_static_route' 1 classless_routes
    check 'dhcp.option.dhcp_dns_domain_search_list_fqdn' 1 domain_search
    check 'dhcp.fqdn.name' 1 fqdn
}

cap_dhcp_two_servers() {
    dhcp_write_scripts
    dhcp_write_facts_script
    start_dnsmasq_dhcp dnsmasq-dhcp "$SRV_IF" "$SRV4" 10.99.0.50 10.99.0.99
    start_dnsmasq_dhcp dnsmasq-dhcp2 "$DHCP_SRV2_IF" "$DHCP_SRV2" 10.99.0.200 10.99.0.220
    dhcp_wait_server dnsmasq-dhcp
    dhcp_wait_server dnsmasq-dhcp2
    capture_start dhcp-two-servers pcap "$DHCP_FILTER"
    fact description "two dnsmasq DHCP servers on one segment, 10.99.0.1 (pool .50-.99) and 10.99.0.3 (pool .200-.220): ISC dhclient on trawl-dc1 and busybox udhcpc on trawl-dc2 each get two OFFERs for one DISCOVER, take one, and release it"
    fact client_version "$(pkgver isc-dhcp-client), $(pkgver busybox)"
    fact server_version "$(pkgver dnsmasq-base)"
    dhclient_conf trawl-dc1 trawl-dhclient trawl-dhclient-vendor
    : >"$WORK/dhclient-dc1.leases"
    in_cli dhclient -1 -v -cf "$WORK/dhclient-trawl-dc1.conf" -lf "$WORK/dhclient-dc1.leases" \
        -pf "$WORK/dhclient-dc1.pid" -sf "$WORK/dhclient-script" trawl-dc1 >"$WORK/dhclient-dc1.out" 2>&1
    sleep 1
    in_cli dhclient -r -v -cf "$WORK/dhclient-trawl-dc1.conf" -lf "$WORK/dhclient-dc1.leases" \
        -pf "$WORK/dhclient-dc1.pid" -sf "$WORK/dhclient-script" trawl-dc1 >>"$WORK/dhclient-dc1.out" 2>&1
    ip netns exec "$CLI_NS" busybox udhcpc -f -i trawl-dc2 -s "$WORK/udhcpc-script" -x hostname:trawl-udhcpc \
        -V trawl-udhcpc-vendor -t 5 -T 2 >"$WORK/udhcpc-dc2.out" 2>&1 &
    local upid=$!
    DHCP_CLIENT_PIDS+=("$upid")
    dhcp_wait_event 'udhcpc trawl-dc2 reason=bound' 30
    kill -USR2 "$upid"
    dhcp_wait_event 'udhcpc trawl-dc2 reason=deconfig.*' 10
    sleep 1
    dhcp_stop_clients
    capture_stop
    dhcp_facts "dnsmasq-dhcp=$SRV4 dnsmasq-dhcp2=$DHCP_SRV2" \
        "dhclient=$(dhcp_mac 1)=trawl-dhclient=trawl-dhclient-vendor=trawl-dc1" \
        "udhcpc=$(dhcp_mac 2)=trawl-udhcpc=trawl-udhcpc-vendor=trawl-dc2"
    dhcp_devices_down
    dhcp_tshark
    check 'dhcp.option.dhcp == 2 && ip.src == 10.99.0.1' 2 offer_server1
    check "dhcp.option.dhcp == 2 && ip.src == $DHCP_SRV2" 2 offer_server2
    check 'dhcp.option.dhcp == 5' 2 ack
    check 'dhcp.option.dhcp == 7' 2 release
}

cap_dhcp_relay() {
    dhcp_write_scripts
    dhcp_write_facts_script
    start_dnsmasq_dhcp dnsmasq-dhcp "$SRV_IF" "$SRV4" "$DHCP_RELAY_NET.50" "$DHCP_RELAY_NET.99"
    dhcp_wait_server dnsmasq-dhcp
    ip netns exec "$CLI_NS" dhcrelay -d -4 -a -pf "$WORK/dhcrelay.pid" -iu "$CLI_IF" -id "$DHCP_RELAY_DOWN" "$SRV4" \
        >"$WORK/dhcrelay.out" 2>&1 &
    DHCP_CLIENT_PIDS+=($!)
    local i
    for i in $(seq 1 50); do grep -q 'Sending on' "$WORK/dhcrelay.out" && break; sleep 0.1; done
    capture_start dhcp-relay pcapng -i "$CLI_IF" -f "$DHCP_FILTER" -i "$DHCP_RELAY_DOWN" -f "$DHCP_FILTER"
    fact description "ISC dhcrelay -a in the client namespace relays between the segment of trawl-rd0 (10.97.0.1, the giaddr) and dnsmasq at 10.99.0.1, adding option 82 with its circuit id; busybox udhcpc on trawl-rc0 gets a lease from 10.97.0.50-.99. dumpcap records trawl-c0 (relay <-> server) and trawl-rd0 (client <-> relay)"
    fact client_version "$(pkgver busybox), $(pkgver isc-dhcp-relay)"
    fact server_version "$(pkgver dnsmasq-base)"
    fact relay.giaddr "$DHCP_RELAY_NET.1"
    fact relay.circuit_id "$DHCP_RELAY_DOWN"
    in_cli busybox udhcpc -f -q -n -i "$DHCP_RELAY_CLI" -s "$WORK/udhcpc-script" -x hostname:trawl-relayed \
        -V trawl-udhcpc-vendor -t 5 -T 2 >"$WORK/udhcpc-rc0.out" 2>&1 || die "udhcpc: $(cat "$WORK/udhcpc-rc0.out")"
    capture_stop
    dhcp_stop_clients
    # dumpcap writes each interface's packets as its buffer fills: put the file in time order
    reordercap -n "$OUT_DIR/$CUR.$CAP_EXT" "$WORK/ordered.pcapng" >/dev/null
    cat "$WORK/ordered.pcapng" >"$OUT_DIR/$CUR.$CAP_EXT"
    fact note "the pcapng is put in time order with reordercap (dumpcap writes the two interfaces' packets as their buffers fill)"
    dhcp_facts "dnsmasq-dhcp=$SRV4" \
        "udhcpc=$(dhcp_mac 5)=trawl-relayed=trawl-udhcpc-vendor=$DHCP_RELAY_CLI"
    dhcp_devices_down
    in_cli sysctl -q -w net.ipv4.ip_forward=0 >/dev/null
    dhcp_tshark
    check 'dhcp.ip.relay == 10.97.0.1' 4 relayed
    check 'dhcp.option.agent_information_option.agent_circuit_id' 2 option_82
}
