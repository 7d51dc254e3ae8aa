# shellcheck shell=bash
# pcaps/lib/common.sh: what every capture recipe shares — packages, state and
# cleanup, the namespaces and the links between them (direct, relayed through
# pcaps/relay.py, VXLAN), deterministic test data, the test user, starting and
# stopping servers, capturing, facts, tshark views and checks. Sourced by
# pcaps/make-captures, which then sources every pcaps/recipes/*.sh.
#
# ------------------------------------------------------- the recipe contract --
# One file per protocol, pcaps/recipes/RECIPE.sh (RECIPE: lower case letters,
# digits and _, e.g. http, dns, smtp). Adding a protocol's captures is adding
# that one file: make-captures finds it by its name and this library is not
# edited. When sourced, a recipe file only declares; it runs nothing. It holds:
#
#   capture NAME [LINK]   one line per capture it makes, in the order they are
#                         made when no names are given. NAME (lower case, digits,
#                         -) is the file name without extension and what
#                         `make-captures NAME` asks for. LINK is the layout
#                         between the namespaces: direct (the default), relayed
#                         (through pcaps/relay.py, impaired) or vxlan; a recipe
#                         may add a layout of its own as a function link_LAYOUT.
#   packages PKG...       Debian packages its servers and clients need; they are
#                         installed (apt-get) when one of its captures is asked for.
#   cap_NAME()            one function per capture, NAME with - as _ (http-post:
#                         cap_http_post). make-captures calls link_LINK, then
#                         cap_NAME, then stop_servers. cap_NAME starts its
#                         servers (start_bg), calls capture_start NAME, runs the
#                         clients in the client namespace (in_cli), writes facts
#                         (fact KEY VALUE), then capture_stop, tshark_view and
#                         check. It may write further files derived from its own.
#                         It runs under set -euo pipefail: a failing command, a
#                         die or a failed check fails the run (and cleans up).
#   prepare_RECIPE()      optional: run once, after the test user exists and
#                         before the namespaces, when one of its captures is
#                         asked for; writes the files its servers serve under $WORK.
#
# Everything else it defines (server configs and start functions, client
# scripts, facts helpers) is its own: all recipes share one shell, so prefix
# such names with the protocol (start_nginx, dns_query, ...), and assign none
# of the library's variables. make-captures fails when a recipe redefines a
# function of this library or of another recipe, or declares a capture
# another one already declared.
#
# From this library a recipe uses: the names and addresses below ($SRV_NS
# $CLI_NS $SRV_IF $CLI_IF $SRV4 $SRV6 $CLI4 $CLI6, $VX_*), $WORK (the run's temp
# dir), $OUT_DIR, $PY, $TEST_USER/$TEST_PASS, in_srv/in_cli, start_bg,
# stop_servers, wait_port, det_bytes/det_text, sha/fsize/pkgver,
# capture_start/capture_stop (a filter of its own, or pcapng with dumpcap: see
# capture_start), fact, tshark_view, check, relay_facts, log/die; $CUR and
# $FACTS are the capture being made and its facts file.
set -euo pipefail

SRV_NS=trawl-srv
CLI_NS=trawl-cli
SRV_IF=trawl-s0
CLI_IF=trawl-c0
# The impaired captures put a user-space relay between server and client: a
# third namespace whose two veth ends (no addresses, no kernel forwarding) are
# bridged by pcaps/relay.py's AF_PACKET sockets.
MID_NS=trawl-mid
MID_SRV_IF=trawl-ms
MID_CLI_IF=trawl-mc
RELAY_SEED=${RELAY_SEED:-20240611}
SRV4=10.99.0.1
CLI4=10.99.0.2
SRV6=fd99::1
CLI6=fd99::2
# link_vxlan: a VXLAN tunnel between the two ends' addresses (as between two hypervisors), its own
# addresses inside; on the captured veth only the outer UDP datagrams are seen.
VX_IF=trawl-vx
VX_VNI=42
VX_SRV4=10.98.0.1
VX_CLI4=10.98.0.2
CAP_EXT=pcap # the capture being made is NAME.$CAP_EXT
TEST_USER=trawltest
TEST_PASS='Trawl-pw-42'
# Debian's interpreter, not whatever python3 comes first on PATH.
PY=/usr/bin/python3
# What every capture needs whatever its protocol: capturing and checking, the
# links, the test data helpers and the test user.
COMMON_PACKAGES=(tcpdump tshark ethtool iproute2 iputils-ping python3 passwd)

log() { printf '[make-captures] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- recipes --
# Filled while the recipes are sourced (load_recipes).
ALL_CAPTURES=()            # every capture, in the recipes' order
RECIPES=()                 # every recipe, in file name order
declare -A CAPTURE_LINK=() CAPTURE_RECIPE=() RECIPE_PACKAGES=()
RECIPE=""                  # the recipe being sourced

capture() { # capture NAME [LINK]: declare a capture of the recipe being sourced
    local name=$1 link=${2:-direct}
    (($# <= 2)) || die "recipes/$RECIPE.sh: capture $*: expected NAME [LINK]"
    [[ -n $RECIPE ]] || die "capture $name: declared outside a recipe file"
    [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "recipes/$RECIPE.sh: capture name '$name': use a-z, 0-9 and -"
    [[ -z ${CAPTURE_RECIPE[$name]:-} ]] \
        || die "capture $name: declared by recipes/${CAPTURE_RECIPE[$name]}.sh and by recipes/$RECIPE.sh"
    ALL_CAPTURES+=("$name")
    CAPTURE_LINK[$name]=$link
    CAPTURE_RECIPE[$name]=$RECIPE
}

packages() { # packages PKG...: Debian packages the recipe being sourced needs
    [[ -n $RECIPE ]] || die "packages $*: declared outside a recipe file"
    RECIPE_PACKAGES[$RECIPE]+=" $*"
}

# load_recipes DIR: source DIR/*.sh (in C collation order, the same on every
# machine) and check what they declared. A recipe that redefined a function of
# the library or of another recipe would silently change it for all of them.
load_recipes() {
    local dir=$1 file fn name
    local LC_COLLATE=C
    local -A owner=() body=()
    for fn in $(compgen -A function); do owner[$fn]=lib/common.sh; body[$fn]=$(declare -f "$fn"); done
    for file in "$dir"/*.sh; do
        [[ -e $file ]] || die "no recipes in $dir"
        RECIPE=$(basename "$file" .sh)
        [[ $RECIPE =~ ^[a-z0-9_]+$ ]] || die "recipe file $file: name it with a-z, 0-9 and _ only"
        RECIPES+=("$RECIPE")
        RECIPE_PACKAGES[$RECIPE]=""
        # shellcheck source=/dev/null
        . "$file"
        for fn in $(compgen -A function); do
            if [[ -z ${owner[$fn]:-} ]]; then
                owner[$fn]=recipes/$RECIPE.sh
                body[$fn]=$(declare -f "$fn")
            elif [[ ${body[$fn]} != "$(declare -f "$fn")" ]]; then
                die "recipes/$RECIPE.sh redefines $fn, which ${owner[$fn]} defines: give it a name of its own"
            fi
        done
        RECIPE=""
    done
    for name in "${ALL_CAPTURES[@]}"; do
        declare -F "cap_${name//-/_}" >/dev/null \
            || die "recipes/${CAPTURE_RECIPE[$name]}.sh declares capture $name but defines no cap_${name//-/_}"
        declare -F "link_${CAPTURE_LINK[$name]}" >/dev/null \
            || die "recipes/${CAPTURE_RECIPE[$name]}.sh: capture $name: no link layout ${CAPTURE_LINK[$name]} (link_${CAPTURE_LINK[$name]})"
    done
}

# ---------------------------------------------------------------- packages --
install_packages() { # install_packages CAPTURE...: what these captures' recipes need
    local pkgs=("${COMMON_PACKAGES[@]}") c r
    local -A seen=()
    for c in "$@"; do
        r=${CAPTURE_RECIPE[$c]}
        [[ -n ${seen[$r]:-} ]] && continue
        seen[$r]=1
        # shellcheck disable=SC2206 # a space-separated list of package names
        pkgs+=(${RECIPE_PACKAGES[$r]})
    done
    local missing=()
    local p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    if ((${#missing[@]})); then
        log "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        # Installing nginx/dnsmasq/vsftpd may try to start their system
        # services; policy-rc.d forbids that for the duration of the install.
        local had_policy=0
        [[ -e /usr/sbin/policy-rc.d ]] && had_policy=1
        if ((!had_policy)); then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
        fi
        apt-get update -qq
        echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
            ((had_policy)) || rm -f /usr/sbin/policy-rc.d
            die "apt-get install failed"
        }
        ((had_policy)) || rm -f /usr/sbin/policy-rc.d
    fi
}

# ----------------------------------------------------------- state/cleanup --
WORK=""
PIDS=()
TCPDUMP_PID=""
RELAY_PID=""
USER_CREATED=0
NETNS_OWNED=0  # the namespaces are this run's: another run's are never deleted

cleanup() {
    local rc=$?
    set +e
    [[ -n $TCPDUMP_PID ]] && kill -TERM "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null
    [[ -n $RELAY_PID ]] && kill -TERM "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    # Forked children (vsftpd sessions, telnetd/login, nginx workers) left
    # in the server namespace are ended by their pid, namespace by namespace.
    local ns
    for ns in "$SRV_NS" "$CLI_NS" "$MID_NS"; do
        if ((NETNS_OWNED)) && ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    if ((USER_CREATED)); then
        userdel -f "$TEST_USER" 2>/dev/null
    fi
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
    if ((rc != 0)); then log "failed (exit $rc); cleaned up"; fi
    exit $rc
}

in_srv() { ip netns exec "$SRV_NS" "$@"; }
in_cli() { ip netns exec "$CLI_NS" "$@"; }

# ---------------------------------------------------------------- network --
setup_netns() {
    local ns
    for ns in "$SRV_NS" "$CLI_NS" "$MID_NS"; do
        if ip netns list | grep -qw "$ns"; then
            die "namespace $ns already exists (left over from an earlier run?): ip netns del $ns"
        fi
    done
    NETNS_OWNED=1
    ip netns add "$SRV_NS"
    ip netns add "$CLI_NS"
    for ns in "$SRV_NS" "$CLI_NS"; do
        ip netns exec "$ns" ip link set lo up
        # No router solicitations / autoconf chatter on the wire.
        ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.default.autoconf=0 >/dev/null
    done
    LINK=""
    link_direct
}

# Segments must be MTU-sized on the wire as a real NIC would send them, and
# checksums filled in (veth would otherwise leave them partial).
no_offloads() { # no_offloads NS IF
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 || true
}

# The server's and client's ends keep their names and addresses in every
# layout; only what is between them changes.
link_addresses_up() {
    in_srv ip addr add "$SRV4/24" dev "$SRV_IF"
    in_srv ip -6 addr add "$SRV6/64" dev "$SRV_IF" nodad
    in_cli ip addr add "$CLI4/24" dev "$CLI_IF"
    in_cli ip -6 addr add "$CLI6/64" dev "$CLI_IF" nodad
    no_offloads "$SRV_NS" "$SRV_IF"
    no_offloads "$CLI_NS" "$CLI_IF"
    in_srv ip link set "$SRV_IF" up
    in_cli ip link set "$CLI_IF" up
    in_cli ping -c1 -W2 "$SRV4" >/dev/null || die "link ($LINK) does not answer ping"
    in_cli ping -6 -c1 -W2 "$SRV6" >/dev/null || die "link ($LINK) does not answer ping6"
}

link_del() {
    relay_stop
    in_srv ip link del "$VX_IF" 2>/dev/null || true
    in_cli ip link del "$VX_IF" 2>/dev/null || true
    in_srv ip link del "$SRV_IF" 2>/dev/null || true   # a veth's peer goes with it
    in_cli ip link del "$CLI_IF" 2>/dev/null || true
    if ip netns list | grep -qw "$MID_NS"; then ip netns del "$MID_NS"; fi
}

# link_direct: one veth pair, server end to client end.
link_direct() {
    [[ $LINK == direct ]] && return 0
    link_del
    ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$CLI_IF" netns "$CLI_NS"
    LINK=direct
    link_addresses_up
}

# link_vxlan: the direct link, and over it a VXLAN tunnel (VNI 42, UDP port 4789) with addresses of its own.
link_vxlan() {
    [[ $LINK == vxlan ]] && return 0
    LINK=""
    link_direct
    in_srv ip link add "$VX_IF" type vxlan id "$VX_VNI" local "$SRV4" remote "$CLI4" dstport 4789 dev "$SRV_IF"
    in_cli ip link add "$VX_IF" type vxlan id "$VX_VNI" local "$CLI4" remote "$SRV4" dstport 4789 dev "$CLI_IF"
    in_srv ip addr add "$VX_SRV4/24" dev "$VX_IF"
    in_cli ip addr add "$VX_CLI4/24" dev "$VX_IF"
    no_offloads "$SRV_NS" "$VX_IF"
    no_offloads "$CLI_NS" "$VX_IF"
    in_srv ip link set "$VX_IF" up
    in_cli ip link set "$VX_IF" up
    in_cli ping -c1 -W2 "$VX_SRV4" >/dev/null || die "the VXLAN tunnel does not answer ping"
    LINK=vxlan
}

# link_relayed: server end -- trawl-ms [relay.py in trawl-mid] trawl-mc -- client end.
# The middle namespace has no addresses and IPv6 off, so its kernel neither
# forwards nor sends anything of its own; only the relay moves frames.
link_relayed() {
    [[ $LINK == relayed ]] && return 0
    link_del
    ip netns add "$MID_NS"
    ip netns exec "$MID_NS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    ip netns exec "$MID_NS" sysctl -q -w net.ipv4.ip_forward=0 >/dev/null
    ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$MID_SRV_IF" netns "$MID_NS"
    ip link add "$CLI_IF" netns "$CLI_NS" type veth peer name "$MID_CLI_IF" netns "$MID_NS"
    local i
    for i in "$MID_SRV_IF" "$MID_CLI_IF"; do
        no_offloads "$MID_NS" "$i"
        ip netns exec "$MID_NS" ip link set "$i" promisc on up
    done
    LINK=relayed
    relay_start
    link_addresses_up
}

# relay_start: pcaps/relay.py between the middle namespace's two ends, with
# the seeded PRNG; its counters go to $WORK/relay.stats when it stops.
relay_start() {
    rm -f "$WORK/relay.stats"
    ip netns exec "$MID_NS" "$PY" "$SELF_DIR/relay.py" "$MID_SRV_IF" "$MID_CLI_IF" "$RELAY_SEED" \
        "$WORK/relay.stats" 600 2>"$WORK/relay.err" &
    RELAY_PID=$!
    local i
    for i in $(seq 1 50); do
        grep -q 'relaying' "$WORK/relay.err" && return 0
        kill -0 "$RELAY_PID" 2>/dev/null || break
        sleep 0.1
    done
    die "relay did not start: $(cat "$WORK/relay.err")"
}

relay_stop() {
    [[ -n $RELAY_PID ]] || return 0
    kill -TERM "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    RELAY_PID=""
}

# relay_facts: stop the relay and write what it did during this capture as
# relay.* facts (each impaired capture gets a fresh relay, so its own counts).
relay_facts() {
    relay_stop
    [[ -s $WORK/relay.stats ]] || die "relay wrote no counters: $(cat "$WORK/relay.err")"
    local k v
    while IFS='=' read -r k v; do fact "relay.$k" "$v"; done <"$WORK/relay.stats"
    LINK=""    # the relay is gone: the next capture rebuilds its link
}

# wait_port PROTO PORT: until something in the server namespace listens there.
wait_port() {
    local proto=$1 port=$2 i
    for i in $(seq 1 100); do
        if [[ $proto == tcp ]]; then
            in_srv ss -Hltn "sport = :$port" | grep -q . && return 0
        else
            in_srv ss -Hlun "sport = :$port" | grep -q . && return 0
        fi
        sleep 0.1
    done
    die "nothing listens on $proto/$port in $SRV_NS"
}

# ------------------------------------------------------------- test data --
# Deterministic bytes: the SHA-256 chain of a seed, so every rerun serves the
# same files (their digests go into the facts either way).
det_bytes() { # det_bytes SEED SIZE > file
    "$PY" -c '
import hashlib, sys
seed, size = sys.argv[1].encode(), int(sys.argv[2])
out, i = bytearray(), 0
while len(out) < size:
    out += hashlib.sha256(seed + i.to_bytes(8, "big")).digest()
    i += 1
sys.stdout.buffer.write(bytes(out[:size]))' "$1" "$2"
}

det_text() { # det_text SEED LINES > file (compressible text)
    "$PY" -c '
import hashlib, sys
seed, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    h = hashlib.sha256(f"{seed}{i}".encode()).hexdigest()[:16]
    print(f"line {i:05d} of {seed}: the quick brown fox jumps over the lazy dog {h}")' "$1" "$2"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }
fsize() { stat -c %s "$1"; }
pkgver() { dpkg-query -W -f='${Package} ${Version}' "$1"; }

# create_user: the temporary local user $TEST_USER/$TEST_PASS for the logins
# (FTP, telnet), home $WORK/home; a recipe puts what its logins need there in
# its prepare_RECIPE.
create_user() {
    if getent passwd "$TEST_USER" >/dev/null; then
        die "user $TEST_USER already exists (left over from an earlier run?): userdel -r $TEST_USER"
    fi
    useradd -M -d "$WORK/home" -s /bin/sh -c 'trawl capture test user' "$TEST_USER"
    USER_CREATED=1
    echo "$TEST_USER:$TEST_PASS" | chpasswd
    mkdir -p "$WORK/home"
    chown "$TEST_USER:" "$WORK/home"
}

# ---------------------------------------------------------------- servers --
start_bg() { # start_bg LOGNAME cmd...: run in the server namespace, remember the pid
    local name=$1; shift
    # ip netns exec execs the server itself, so $! is the server's pid
    ip netns exec "$SRV_NS" "$@" >"$WORK/$name.out" 2>&1 &
    PIDS+=($!)
}

# stop_servers: every server start_bg started, and whatever else still runs in
# the server namespace. make-captures calls it after each capture; a recipe
# calls it itself to restart a server within one capture.
stop_servers() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    # session children (vsftpd per-login processes, telnetd) of this namespace
    for pid in $(ip netns pids "$SRV_NS" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
    for pid in $(ip netns pids "$SRV_NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
}

# ---------------------------------------------------------------- tcpdump --
CUR=""      # capture name
FACTS=""    # facts file being written

# capture_start NAME [pcap [FILTER] | pcapng [DUMPCAP_ARG...]]: start capturing
# in the client's namespace and start NAME.facts.
#   pcap (the default): tcpdump on the client's veth end into $OUT_DIR/NAME.pcap;
#     FILTER is tcpdump's, by default all TCP and UDP to and from the server's
#     addresses; a protocol whose packets carry other addresses (broadcasts,
#     several hosts) gives its own.
#   pcapng: dumpcap into $OUT_DIR/NAME.pcapng, with its interface and filter
#     arguments (-i IF -f FILTER ..., several interfaces in one file); by default
#     the veth end with the default filter.
capture_start() {
    CUR=$1
    CAP_EXT=${2:-pcap}
    local default_filter="(tcp or udp) and (host $SRV4 or host $SRV6)"
    FACTS=$OUT_DIR/$CUR.facts
    local pcap=$OUT_DIR/$CUR.$CAP_EXT started='listening on'
    rm -f "$pcap"
    # ip netns exec execs the capture program itself, so $! is its pid
    if [[ $CAP_EXT == pcapng ]]; then
        local dumpcap_args=("${@:3}")
        ((${#dumpcap_args[@]})) || dumpcap_args=(-i "$CLI_IF" -f "$default_filter")
        ip netns exec "$CLI_NS" dumpcap -q "${dumpcap_args[@]}" -w "$pcap" 2>"$WORK/tcpdump-$CUR.err" &
        started='Capturing on'
    else
        [[ $CAP_EXT == pcap ]] || die "capture_start $CUR: no capture format $CAP_EXT (pcap or pcapng)"
        ip netns exec "$CLI_NS" tcpdump -i "$CLI_IF" -Z root --immediate-mode -s 0 -U -n -w "$pcap" \
            "${3:-$default_filter}" 2>"$WORK/tcpdump-$CUR.err" &
    fi
    TCPDUMP_PID=$!
    local i
    for i in $(seq 1 100); do
        grep -q "$started" "$WORK/tcpdump-$CUR.err" && break
        sleep 0.1
    done
    grep -q "$started" "$WORK/tcpdump-$CUR.err" || die "capture did not start: $(cat "$WORK/tcpdump-$CUR.err")"
    sleep 0.5 # dumpcap says so before its second interface is open
    {
        echo "# facts for $CUR.$CAP_EXT: what the clients really sent and got (key=value; see README.md)"
        echo "capture=$CUR.$CAP_EXT"
        echo "server_addr4=$SRV4"
        echo "server_addr6=$SRV6"
        echo "client_addr4=$CLI4"
        echo "client_addr6=$CLI6"
    } >"$FACTS"
}

capture_stop() {
    sleep 1     # let the last FINs/ACKs cross
    kill -TERM "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=""
    local pcap=$OUT_DIR/$CUR.$CAP_EXT
    echo "packets=$(tshark -r "$pcap" -T fields -e frame.number | wc -l)" >>"$FACTS"
    chmod 644 "$pcap" "$FACTS"
    log "$CUR: $(stat -c %s "$pcap") bytes, $(grep -c . "$FACTS") fact lines; tcpdump: $(tail -3 "$WORK/tcpdump-$CUR.err" | paste -sd" ")"
}

fact() { printf '%s=%s\n' "$1" "$2" >>"$FACTS"; }

tshark_view() { # tshark_view DISPLAY_FILTER field...
    local filter=$1; shift
    local args=() f
    for f in frame.number tcp.stream udp.stream "$@"; do args+=(-e "$f"); done
    tshark -r "$OUT_DIR/$CUR.$CAP_EXT" -Y "$filter" -T fields -E header=y -E separator=/t \
        -E occurrence=a -E aggregator=, "${args[@]}" >"$OUT_DIR/$CUR.tshark.tsv"
    chmod 644 "$OUT_DIR/$CUR.tshark.tsv"
}

# check FILTER MIN WHAT: the capture must hold at least MIN packets matching
# the tshark display filter, or the run fails (a rerun verifies itself).
check() {
    local filter=$1 min=$2 what=$3 n
    n=$(tshark -r "$OUT_DIR/$CUR.$CAP_EXT" -Y "$filter" -T fields -e frame.number 2>/dev/null | wc -l)
    ((n >= min)) || die "$CUR: expected >= $min packets with $what ($filter), found $n"
    fact "check.$what" "$n packets match: $filter"
}
