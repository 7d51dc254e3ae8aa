# shellcheck shell=bash
# pcaps/recipes/snmp.sh: SNMP captures, net-snmp's snmpd as the agent and snmptrapd as the notification receiver,
# driven by net-snmp's own command-line tools. See pcaps/lib/common.sh for the contract.
#
# snmpd runs in the server namespace (10.99.0.1, UDP and TCP port 161), in a UTS namespace of its own named
# trawl-srv, from a config written here (sysDescr and sysLocation set, so nothing of the recording machine is in the
# answers; sysLocation set is also what makes it read-only). It serves, besides MIB-2, a `pass` script under
# netSnmpPlaypen.7 (1.3.6.1.4.1.8072.9999.9999.7, net-snmp's subtree for local experiments) that answers one
# object of each SMI type (negative INTEGERs, a Counter64 at 2^64-1 and one at 0, Gauge32 and Counter32 at 2^32-1,
# Hex-STRING, Opaque, IpAddress, OID, TimeTicks, an empty
# string), and NET-SNMP-EXTEND-MIB `extend` commands (text-indexed tables). snmptrapd runs in the client namespace
# (10.99.0.2, UDP 162: the manager's side), so the agent's own notifications cross the link; it logs each one with
# numeric OIDs. The clients and snmptrap/snmpinform read no system configuration (SNMPCONFPATH, SNMP_PERSISTENT_DIR
# under $WORK, no MIBs loaded), and print with -On: numeric OIDs, values as net-snmp prints them without MIBs.
#
#   snmp-v1-v2c     trapd and capture started before snmpd, whose coldStart trap is the first packet. v1: get,
#                   getnext, a get of a missing object (noSuchName), a set of a read-only object (noSuchName in
#                   v1). v2c: a get with noSuchObject and noSuchInstance, a getnext past a community's view
#                   (endOfMibView), a walk of `system`, a bulk walk of the pass subtree (every value type), a
#                   bulkget (non-repeaters 1, max-repetitions 5), a walk of the extend table (text indexes), sets:
#                   with the write community (accepted), with the read one (noAccess), of sysLocation
#                   (notWritable); a get with a wrong community, retried twice with the same request-id and never
#                   answered (snmpd sends trapd an authenticationFailure trap); a get and a walk over TCP. Then
#                   from the server's side: snmptrap v1 (linkDown, enterprise net-snmp) and v2c (linkDown),
#                   snmpinform v2c (linkUp), which trapd acknowledges.
#   snmp-v3         v3 users (snmpd createUser): noauthuser (noAuthNoPriv), authuser (SHA), privuser (SHA + AES),
#                   desuser (MD5 + DES), sha256user (SHA-256 + AES); each tool run starts with engine discovery (an
#                   empty engine ID answered by a usmStatsUnknownEngineIDs report). A get per user, a walk and a set
#                   as privuser; a wrong authentication password (usmStatsWrongDigests report), an unknown user
#                   (usmStatsUnknownUserNames), a wrong privacy password (snmpd counts usmStatsDecryptionErrors but
#                   sends no report: the tool times out).
#   snmp-fragments  (layout snmp_mtu576) the veth at MTU 576 both ways: bulk requests whose answers (an extend
#                   command's 60 lines, its 3 KB of output in one string) leave snmpd as IPv4 fragments.
#
# Facts, per tool run in order snmp.N.: tool, version (1 2c 3), community or user (v3: level, auth_proto,
# auth_pass, priv_proto, priv_pass: what --snmp-user needs), transport (udp tcp), pdu (the requests' PDU), oids
# (the OIDs asked), options (the tool's other options), result (ok, timeout, error), line.M (each line the tool
# printed: a Hex-STRING's continuation lines joined with a space, a STRING's line breaks written \n), error_reason and failed_object (net-snmp's "Error in
# packet" lines), message (its other error line). Notifications, per trapd log entry in arrival order
# snmp.trap.N.: sender (snmpd, snmptrap, snmpinform), version, community, pdu, and for v1 enterprise, agent_addr,
# generic_trap, specific_trap, uptime; line.M each variable binding trapd logged. `users` lists the v3 users as
# --snmp-user takes them.

capture snmp-v1-v2c
capture snmp-v3
capture snmp-fragments snmp_mtu576
packages snmpd snmp snmptrapd

SNMP_TRAPD_PID=""
SNMP_MTU=576
SNMP_PASS_OID=.1.3.6.1.4.1.8072.9999.9999.7
# the v3 users: name level auth_proto auth_pass priv_proto priv_pass
SNMP_USERS=(
    "noauthuser noAuthNoPriv - - - -"
    "authuser authNoPriv SHA Trawl-auth-pw1 - -"
    "privuser authPriv SHA Trawl-auth-pw2 AES Trawl-priv-pw2"
    "desuser authPriv MD5 Trawl-auth-pw3 DES Trawl-priv-pw3"
    "sha256user authPriv SHA-256 Trawl-auth-pw4 AES Trawl-priv-pw4"
)

# ---------------------------------------------------------------- layouts --
# snmp_mtu576: the direct link with both veth ends at a 576-byte MTU (IPv4's minimum datagram size every host must
# take whole, RFC 791), so an answer longer than that is fragmented by the agent's kernel. IPv6 (which needs 1280)
# is gone from the link meanwhile; the next capture's layout makes the link anew.
link_snmp_mtu576() {
    LINK=""
    link_direct
    in_srv ip link set "$SRV_IF" mtu "$SNMP_MTU"
    in_cli ip link set "$CLI_IF" mtu "$SNMP_MTU"
    LINK=snmp_mtu576
}

# ---------------------------------------------------------------- servers --
snmp_env() { # the environment every net-snmp program runs with: no system config, no MIBs, state under $WORK
    echo "SNMPCONFPATH=$WORK/snmp-conf" "SNMP_PERSISTENT_DIR=$WORK/snmp-persist" "MIBS=" "MIBDIRS=$WORK/snmp-conf"
}

prepare_snmp() {
    mkdir -p "$WORK/snmp-conf" "$WORK/snmp-persist"
    # the pass script: one object of each type, answering get (-g), getnext (-n) and refusing set (-s)
    cat >"$WORK/snmp-pass.sh" <<EOF
#!/bin/sh
BASE=$SNMP_PASS_OID
EOF
    cat >>"$WORK/snmp-pass.sh" <<'EOF'
list() {
cat <<L
$BASE.1.0 integer -42
$BASE.2.0 integer 2147483647
$BASE.3.0 string hello, trawl
$BASE.4.0 octet 00 01 02 ff fe 80
$BASE.5.0 gauge 4294967295
$BASE.6.0 counter 4294967295
$BASE.7.0 counter64 18446744073709551615
$BASE.8.0 timeticks 123456789
$BASE.9.0 ipaddress 10.99.0.1
$BASE.10.0 objectid .1.3.6.1.6.3.1.1.5.3
$BASE.11.0 opaque 01 02 03 04
$BASE.12.0 integer -2147483648
$BASE.13.0 string
$BASE.14.0 counter64 0
L
}
req=$2
case $1 in
-g) list | while read -r o t v; do [ "$o" = "$req" ] && printf '%s\n%s\n%s\n' "$o" "$t" "$v"; done ;;
-n) # the first object after req: the list is in OID order, so the one after req's own line, or the first
    list | while read -r o t v; do
        if [ -n "$next" ] || [ "$req" = "$BASE" ]; then printf '%s\n%s\n%s\n' "$o" "$t" "$v"; break; fi
        [ "$o" = "$req" ] && next=1
    done ;;
-s) echo not-writable ;;
esac
EOF
    chmod 755 "$WORK/snmp-pass.sh"
    # the extend commands' output: fixed text
    "$PY" -c 'print("\n".join("line %02d of the trawl extend test, padded to sixty bytes..." % i for i in range(1, 61)))' \
        >"$WORK/snmp-lines.txt"
}

# snmp_write_conf NAME [extra lines]: snmpd's config
snmp_write_conf() {
    local name=$1; shift
    cat >"$WORK/$name.conf" <<EOF
agentAddress udp:$SRV4:161,tcp:$SRV4:161
engineID trawl-agent
sysDescr trawl test agent (net-snmp)
sysLocation lab rack 42
rocommunity public $CLI4
rwcommunity private $CLI4
rocommunity sysonly $CLI4 .1.3.6.1.2.1.1
pass $SNMP_PASS_OID /bin/sh $WORK/snmp-pass.sh
extend hello /bin/echo hello world
extend lines /bin/cat $WORK/snmp-lines.txt
$(printf '%s\n' "$@")
EOF
}

start_snmpd() { # start_snmpd CONFNAME
    # shellcheck disable=SC2046 # snmp_env's words are assignments
    start_bg snmpd env $(snmp_env) unshare --uts sh -c 'hostname trawl-srv && exec "$@"' sh \
        snmpd -f -Lo -C -c "$WORK/$1.conf" -p "$WORK/snmpd.pid"
    wait_port udp 161
    wait_port tcp 161
}

# snmptrapd in the client's namespace: the manager receiving notifications, logging them with numeric OIDs
start_snmptrapd() {
    cat >"$WORK/snmptrapd.conf" <<EOF
snmpTrapdAddr udp:$CLI4:162
authCommunity log public
format1 ==TRAP1 %P\n%N %a %w %q %T\n%V\n%v\n
format2 ==TRAP2 %P\n%V\n%v\n
EOF
    : >"$WORK/snmptrapd.log"
    # shellcheck disable=SC2046
    ip netns exec "$CLI_NS" env $(snmp_env) snmptrapd -f -On -C -c "$WORK/snmptrapd.conf" -Lf "$WORK/snmptrapd.log" \
        -p "$WORK/snmptrapd.pid" >"$WORK/snmptrapd.out" 2>&1 &
    SNMP_TRAPD_PID=$!
    local i
    for i in $(seq 1 50); do
        in_cli ss -Hlun "sport = :162" | grep -q . && return 0
        sleep 0.1
    done
    die "snmptrapd did not start: $(cat "$WORK/snmptrapd.out")"
}

stop_snmptrapd() {
    [[ -n $SNMP_TRAPD_PID ]] || return 0
    kill -TERM "$SNMP_TRAPD_PID" 2>/dev/null || true
    wait "$SNMP_TRAPD_PID" 2>/dev/null || true
    SNMP_TRAPD_PID=""
}

# ---------------------------------------------------------------- clients --
SNMP_N=0
# snmp_run WHERE TOOL FACTS... -- ARGS...: run a net-snmp tool in the client (cli) or server (srv) namespace and
# record what it printed. FACTS are key=value pairs written as snmp.N.key.
snmp_run() {
    local where=$1 tool=$2; shift 2
    local facts=()
    while (($#)) && [[ $1 != -- ]]; do facts+=("$1"); shift; done
    shift
    local out=$WORK/snmp-tool.out rc=0
    # shellcheck disable=SC2046
    ip netns exec "$([[ $where == srv ]] && echo "$SRV_NS" || echo "$CLI_NS")" env $(snmp_env) "$tool" "$@" \
        >"$out" 2>&1 || rc=$?
    SNMP_N=$((SNMP_N + 1))
    "$PY" - "$FACTS" "$SNMP_N" "$tool" "$rc" "$out" "${facts[@]}" <<'PYEOF'
import re, sys
facts, n, tool, rc, out = sys.argv[1:6]
extra = sys.argv[6:]
text = open(out, errors="replace").read().splitlines()
with open(facts, "a") as f:
    def w(k, v):
        f.write("snmp.%s.%s=%s\n" % (n, k, v))
    w("tool", tool)
    for kv in extra:
        k, _, v = kv.partition("=")
        w(k, v)
    lines, result, i = [], "ok", 0
    while i < len(text):
        l = text[i]
        if re.match(r"^\.\d[\d.]* = ", l):
            lines.append(l)
        elif l.startswith("Timeout: No Response"):
            result = "timeout"
        elif l.startswith("Error in packet"):
            result = "error"
        elif l.startswith("Reason: "):
            w("error_reason", l[8:])
        elif l.startswith("Failed object: "):
            w("failed_object", l[15:])
        elif lines and l.strip() and not l.startswith(tool):
            # a long value's next line: a STRING's own line break (written \n: a fact is one line), or where
            # net-snmp wraps a Hex-STRING (every 16 bytes)
            if re.search(r' = STRING: "', lines[-1]) and not re.search(r'[^\\]"$', lines[-1]):
                lines[-1] += "\\n" + l
            else:
                lines[-1] += " " + l.strip()
        elif l.strip():
            result = "error"
            w("message", l)
        i += 1
    if rc != "0" and result == "ok":
        result = "error"
    w("result", result)
    w("lines", len(lines))
    for k, l in enumerate(lines, 1):
        w("line.%d" % k, l)
PYEOF
}

snmp_req() { # snmp_req VERSION COMMUNITY TOOL PDU TRANSPORT "TOOL OPTIONS" OID...: a v1 or v2c tool run
    local version=$1 community=$2 tool=$3 pdu=$4 transport=$5 opts=$6; shift 6
    local target=$SRV4
    [[ $transport == tcp ]] && target=tcp:$SRV4:161
    # shellcheck disable=SC2086
    snmp_run cli "$tool" version="$version" community="$community" transport="$transport" pdu="$pdu" \
        oids="$*" options="$opts" -- -On -v "$version" -c "$community" $opts "$target" "$@"
}

snmp_user() { # snmp_user NAME: the user's line of SNMP_USERS
    local u
    for u in "${SNMP_USERS[@]}"; do [[ ${u%% *} == "$1" ]] && { echo "$u"; return; }; done
    die "no SNMP user $1"
}

snmp_req3() { # snmp_req3 USER TOOL PDU "TOOL OPTIONS" OID... (USER's passwords from SNMP_USERS, or as given in
              # SNMP_AUTH_PASS / SNMP_PRIV_PASS to run with a wrong one)
    local name level auth apass priv ppass
    read -r name level auth apass priv ppass <<<"$(snmp_user "$1")"
    apass=${SNMP_AUTH_PASS:-$apass}
    ppass=${SNMP_PRIV_PASS:-$ppass}
    local tool=$2 pdu=$3 opts=$4; shift 4
    local sec=(-l "$level" -u "$name")
    [[ $auth != - ]] && sec+=(-a "$auth" -A "$apass")
    [[ $priv != - ]] && sec+=(-x "$priv" -X "$ppass")
    # shellcheck disable=SC2086
    snmp_run cli "$tool" version=3 user="$name" level="$level" auth_proto="$auth" auth_pass="$apass" \
        priv_proto="$priv" priv_pass="$ppass" transport=udp pdu="$pdu" oids="$*" options="$opts" -- \
        -On -v 3 "${sec[@]}" $opts "$SRV4" "$@"
}

# snmp_trap_facts: what snmptrapd logged, in arrival order, as snmp.trap.N.*; SENDERS name who sent each (in order)
snmp_trap_facts() {
    "$PY" - "$FACTS" "$WORK/snmptrapd.log" "$@" <<'PYEOF'
import re, sys
facts, log = sys.argv[1:3]
senders = sys.argv[3:]
entries, cur = [], None
for line in open(log, errors="replace"):
    line = line.rstrip("\n")
    m = re.match(r"^==TRAP([12]) (.*)$", line)
    if m:
        cur = {"kind": m.group(1), "head": m.group(2), "lines": [], "v1": None}
        entries.append(cur)
        continue
    if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line) or line.startswith("NET-SNMP version"):
        cur = None  # trapd's own messages (started, stopped) between the notifications
        continue
    if cur is None or not line.strip():
        continue
    if cur["kind"] == "1" and cur["v1"] is None:
        cur["v1"] = line.split()
    elif re.match(r"^\.\d[\d.]* = ", line):
        cur["lines"].append(line)
    elif cur["lines"]:
        cur["lines"][-1] += " " + line.strip()  # a wrapped Hex-STRING
if len(entries) != len(senders):
    sys.exit("snmptrapd logged %d notifications, %d were expected (%s)" % (len(entries), len(senders), senders))
with open(facts, "a") as f:
    for n, (e, sender) in enumerate(zip(entries, senders), 1):
        def w(k, v):
            f.write("snmp.trap.%d.%s=%s\n" % (n, k, v))
        # "TRAP2, SNMP v2c, community public" / "INFORM, SNMP v2c, community public" / "TRAP, SNMP v1, ..."
        m = re.match(r"^(\w+), SNMP (v1|v2c), community (.*)$", e["head"])
        kind, version, community = m.groups()
        w("sender", sender)
        w("version", version[1:])
        w("community", community)
        w("pdu", {"TRAP": "trap", "TRAP2": "snmpV2-trap", "INFORM": "inform-request"}[kind])
        if e["v1"]:
            ent, addr, generic, specific, uptime = e["v1"][:5]
            w("enterprise", ent.lstrip("."))
            w("agent_addr", addr)
            w("generic_trap", generic)
            w("specific_trap", specific)
            w("uptime", uptime)  # %T: sysUpTime in hundredths, the v1 time-stamp
        w("lines", len(e["lines"]))
        for k, l in enumerate(e["lines"], 1):
            w("line.%d" % k, l)
    f.write("traps=%d\n" % len(entries))
PYEOF
}

snmp_common_facts() {
    fact client_version "$(pkgver snmp)"
    fact server_version "$(pkgver snmpd)"
    fact trapd_version "$(pkgver snmptrapd)"
}

snmp_users_fact() {
    local u name level auth apass priv ppass list=()
    for u in "${SNMP_USERS[@]}"; do
        read -r name level auth apass priv ppass <<<"$u"
        [[ $auth == - ]] && continue
        if [[ $priv == - ]]; then list+=("$name:$auth:$apass"); else list+=("$name:$auth:$apass:$priv:$ppass"); fi
    done
    fact users "${list[*]}"
}

snmp_tshark() {
    tshark_view snmp ip.src tcp.srcport udp.srcport snmp.version snmp.msgVersion snmp.community snmp.msgUserName \
        snmp.msgFlags snmp.data snmp.request_id snmp.error_status snmp.error_index snmp.non_repeaters \
        snmp.max_repetitions snmp.enterprise snmp.generic_trap snmp.specific_trap snmp.name snmp.value.int \
        snmp.value.octets snmp.value.oid snmp.value.ipv4 snmp.value.counter snmp.value.g32 snmp.value.timeticks snmp.value.opaque \
        snmp.value.null snmp.noSuchObject snmp.noSuchInstance snmp.endOfMibView
}

# --------------------------------------------------------------- captures --
cap_snmp_v1_v2c() {
    snmp_write_conf snmpd-v2 "trap2sink $CLI4 public" "authtrapenable 1"
    start_snmptrapd
    capture_start snmp-v1-v2c
    start_snmpd snmpd-v2 # its coldStart trap goes to trapd: the first packet
    sleep 1
    fact description "net-snmp tools against snmpd: v1 and v2c gets, getnexts, walks, bulk requests, sets accepted and refused, exceptions, a wrong community never answered, requests over TCP; snmpd's coldStart and authenticationFailure traps, snmptrap v1 and v2c, an acknowledged snmpinform"
    snmp_common_facts
    SNMP_N=0
    local sys=.1.3.6.1.2.1.1
    snmp_req 1 public snmpget get-request udp "" $sys.1.0 $sys.2.0 $sys.3.0
    snmp_req 1 public snmpgetnext get-next-request udp "" $sys.1.0
    snmp_req 1 public snmpget get-request udp "" $sys.99.0
    snmp_run cli snmpset version=1 community=private transport=udp pdu=set-request oids=$sys.6.0 options="" -- \
        -On -v 1 -c private "$SRV4" $sys.6.0 s elsewhere
    snmp_req 2c public snmpget get-request udp "" $sys.1.0 $sys.5.0 $sys.99.0 $sys.1.5
    snmp_req 2c sysonly snmpgetnext get-next-request udp "" $sys.9.1.4.10
    snmp_req 2c public snmpwalk get-next-request udp "" $sys
    snmp_req 2c public snmpbulkwalk get-bulk-request udp "-Cr5" $SNMP_PASS_OID
    snmp_req 2c public snmpbulkget get-bulk-request udp "-Cn1 -Cr5" $sys.3.0 $sys.1
    snmp_req 2c public snmpwalk get-next-request udp "" .1.3.6.1.4.1.8072.1.3.2.3.1
    snmp_run cli snmpset version=2c community=private transport=udp pdu=set-request oids=$sys.4.0 options="" -- \
        -On -v 2c -c private "$SRV4" $sys.4.0 s ops@trawl.test
    snmp_run cli snmpset version=2c community=public transport=udp pdu=set-request oids=$sys.4.0 options="" -- \
        -On -v 2c -c public "$SRV4" $sys.4.0 s intruder@trawl.test
    snmp_run cli snmpset version=2c community=private transport=udp pdu=set-request oids=$sys.6.0 options="" -- \
        -On -v 2c -c private "$SRV4" $sys.6.0 s elsewhere
    # a community the agent does not know: never answered, retried twice with the same request-id
    snmp_req 2c wrong-community snmpget get-request udp "-r 2 -t 1" $sys.5.0
    snmp_req 2c public snmpget get-request tcp "" $sys.1.0 $sys.4.0
    snmp_req 2c public snmpwalk get-next-request tcp "" $sys.9.1.3
    # notifications from the agent's side to the manager's trapd
    snmp_run srv snmptrap version=1 community=public transport=udp pdu=trap -- \
        -v 1 -c public "$CLI4" .1.3.6.1.4.1.8072.2.3 "$SRV4" 2 0 4242 \
        .1.3.6.1.2.1.2.2.1.1.2 i 2 .1.3.6.1.2.1.2.2.1.2.2 s eth0
    snmp_run srv snmptrap version=2c community=public transport=udp pdu=snmpV2-trap -- \
        -v 2c -c public "$CLI4" 4343 .1.3.6.1.6.3.1.1.5.3 \
        .1.3.6.1.2.1.2.2.1.1.2 i 2 .1.3.6.1.2.1.2.2.1.7.2 i 1 .1.3.6.1.2.1.2.2.1.8.2 i 2
    snmp_run srv snmpinform version=2c community=public transport=udp pdu=inform-request -- \
        -v 2c -c public "$CLI4" 4444 .1.3.6.1.6.3.1.1.5.4 .1.3.6.1.2.1.2.2.1.1.2 i 2 .1.3.6.1.2.1.2.2.1.8.2 i 1
    sleep 1
    fact requests "$SNMP_N"
    capture_stop
    stop_snmptrapd
    # coldStart, then an authenticationFailure for each of the wrong community's three requests
    snmp_trap_facts snmpd snmpd snmpd snmpd snmptrap snmptrap snmpinform
    snmp_tshark
    check 'snmp.data == 0' 5 get_request
    check 'snmp.data == 1' 4 get_next_request
    check 'snmp.data == 5' 2 get_bulk_request
    check 'snmp.data == 3' 4 set_request
    check 'snmp.data == 4' 1 v1_trap
    check 'snmp.data == 6' 1 inform
    check 'snmp.data == 7' 3 v2_trap
    check 'snmp.version == 0' 8 snmp_v1
    check 'snmp && tcp' 4 snmp_tcp
    check 'snmp.community == "wrong-community"' 3 wrong_community
    check 'snmp.error_status == 17' 1 not_writable
    check 'snmp.error_status == 6' 1 no_access
    check 'snmp.endOfMibView' 1 end_of_mib_view
    check 'snmp.value.counter == 18446744073709551615' 1 counter64_max
}

cap_snmp_v3() {
    local u name level auth apass priv ppass lines=()
    for u in "${SNMP_USERS[@]}"; do
        read -r name level auth apass priv ppass <<<"$u"
        if [[ $auth == - ]]; then lines+=("createUser $name")
        elif [[ $priv == - ]]; then lines+=("createUser $name $auth \"$apass\"")
        else lines+=("createUser $name $auth \"$apass\" $priv \"$ppass\""); fi
        case $level in
            noAuthNoPriv) lines+=("rouser $name noauth") ;;
            authNoPriv) lines+=("rouser $name auth") ;;
            *) lines+=("rwuser $name priv") ;;
        esac
    done
    snmp_write_conf snmpd-v3 "${lines[@]}"
    rm -rf "$WORK/snmp-persist" && mkdir -p "$WORK/snmp-persist"
    start_snmpd snmpd-v3
    capture_start snmp-v3
    fact description "net-snmp tools against snmpd as five SNMPv3 users (noAuthNoPriv; SHA; SHA+AES; MD5+DES; SHA-256+AES), each run discovering the engine first; a walk and a set under authPriv; a wrong authentication password (report), an unknown user (report) and a wrong privacy password (no answer)"
    snmp_common_facts
    snmp_users_fact
    SNMP_N=0
    local sys=.1.3.6.1.2.1.1
    snmp_req3 noauthuser snmpget get-request "" $sys.5.0
    snmp_req3 authuser snmpget get-request "" $sys.1.0 $sys.5.0
    snmp_req3 authuser snmpgetnext get-next-request "" $sys.1.0
    snmp_req3 privuser snmpget get-request "" $sys.1.0 $sys.3.0
    snmp_req3 privuser snmpwalk get-next-request "" $SNMP_PASS_OID
    snmp_run cli snmpset version=3 user=privuser level=authPriv auth_proto=SHA auth_pass=Trawl-auth-pw2 \
        priv_proto=AES priv_pass=Trawl-priv-pw2 transport=udp pdu=set-request oids=$sys.4.0 options="" -- \
        -On -v 3 -l authPriv -u privuser -a SHA -A Trawl-auth-pw2 -x AES -X Trawl-priv-pw2 "$SRV4" \
        $sys.4.0 s v3-ops@trawl.test
    snmp_req3 desuser snmpget get-request "" $sys.5.0 $sys.6.0
    snmp_req3 sha256user snmpget get-request "" $sys.5.0 $SNMP_PASS_OID.7.0
    SNMP_AUTH_PASS=Not-the-password snmp_req3 authuser snmpget get-request "-r 0" $sys.5.0
    snmp_run cli snmpget version=3 user=nosuchuser level=authNoPriv auth_proto=SHA auth_pass=Whatever-pw9 \
        priv_proto=- priv_pass=- transport=udp pdu=get-request oids=$sys.5.0 options="-r 0" -- \
        -On -v 3 -l authNoPriv -u nosuchuser -a SHA -A Whatever-pw9 -r 0 "$SRV4" $sys.5.0
    SNMP_PRIV_PASS=Not-the-priv-password snmp_req3 privuser snmpget get-request "-r 0" $sys.5.0
    fact requests "$SNMP_N"
    capture_stop
    snmp_tshark
    check 'snmp.msgVersion == 3' 40 snmp_v3
    check 'snmp.msgFlags == 0x07' 10 auth_priv
    check 'snmp.msgFlags == 0x05' 4 auth_no_priv
    check 'snmp.data == 8' 11 reports
    check 'snmp.name == 1.3.6.1.6.3.15.1.1.5.0' 1 wrong_digest_report
    check 'snmp.name == 1.3.6.1.6.3.15.1.1.3.0' 1 unknown_user_report
}

cap_snmp_fragments() {
    snmp_write_conf snmpd-frag
    start_snmpd snmpd-frag
    capture_start snmp-fragments
    fact description "snmpbulkget and snmpbulkwalk with the link at a 576-byte MTU: answers of 1-4 KB leave snmpd as IPv4 fragments"
    fact mtu "$SNMP_MTU"
    snmp_common_facts
    SNMP_N=0
    # nsExtendOutputFull."lines": the command's 3.6 KB of output in one OCTET STRING
    snmp_req 2c public snmpget get-request udp "" .1.3.6.1.4.1.8072.1.3.2.3.1.2.5.108.105.110.101.115
    snmp_req 2c public snmpbulkget get-bulk-request udp "-Cr30" .1.3.6.1.4.1.8072.1.3.2.4.1.2.5.108.105.110.101.115
    snmp_req 2c public snmpbulkwalk get-bulk-request udp "-Cr25" .1.3.6.1.4.1.8072.1.3.2.4.1.2.5.108.105.110.101.115
    fact requests "$SNMP_N"
    capture_stop
    snmp_tshark
    check 'ip.flags.mf == 1' 3 ip_fragments
    check 'snmp.data == 2' 4 responses
}
