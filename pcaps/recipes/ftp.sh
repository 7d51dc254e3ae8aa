# shellcheck shell=bash
# pcaps/recipes/ftp.sh: FTP captures, vsftpd with python3's ftplib as the local
# user $TEST_USER: passive and active, IPv4 and IPv6, and through the impairing
# relay. See pcaps/lib/common.sh for the contract.

capture ftp-passive-active
capture ftp-impaired relayed
packages vsftpd

# ---------------------------------------------------------------- server --
# prepare_ftp: the FTP root the test user logs in to (deterministic files, see
# det_bytes), the files the client uploads, vsftpd's empty secure_chroot_dir.
prepare_ftp() {
    mkdir -p "$WORK/ftp/pub" "$WORK/empty"
    det_bytes ftp-download 50000 >"$WORK/ftp/pub/download.bin"
    det_text ftp-readme 20 >"$WORK/ftp/readme.txt"
    det_bytes ftp-upload 30000 >"$WORK/ftp-upload.bin"
    det_bytes ftp-upload6 12000 >"$WORK/ftp-upload6.bin"
    chown -R "$TEST_USER:" "$WORK/ftp"
}

start_vsftpd() { # start_vsftpd ipv4|ipv6
    local conf=$WORK/vsftpd-$1.conf
    cat >"$conf" <<EOF
background=NO
listen=$([[ $1 == ipv4 ]] && echo YES || echo NO)
listen_ipv6=$([[ $1 == ipv6 ]] && echo YES || echo NO)
listen_address=$([[ $1 == ipv4 ]] && echo "$SRV4" || echo "")
listen_address6=$([[ $1 == ipv6 ]] && echo "$SRV6" || echo "")
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$WORK/ftp
secure_chroot_dir=$WORK/empty
pam_service_name=vsftpd
connect_from_port_20=YES
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40099
port_enable=YES
ftpd_banner=trawl test FTP server
dirmessage_enable=NO
xferlog_enable=YES
vsftpd_log_file=$WORK/vsftpd-$1.log
seccomp_sandbox=NO
use_localtime=NO
EOF
    # vsftpd rejects empty listen_address values: drop them.
    sed -i '/^listen_address6\?=$/d' "$conf"
    start_bg "vsftpd-$1" vsftpd "$conf"
    wait_port tcp 21
}

# ---------------------------------------------------------------- clients --
# write_ftpclient: the ftplib client, $WORK/ftpclient.py HOST USER PASS WORK FACTS 4|6 [full|impaired]
write_ftpclient() {
    cat >"$WORK/ftpclient.py" <<'PYEOF'
import ftplib, hashlib, sys
host, user, pw, work, facts, fam = sys.argv[1:7]
# plan: 'full' (the passive/active session of ftp-passive-active) or 'impaired'
plan = sys.argv[7] if len(sys.argv) > 7 else 'full'
# transfers are numbered across both sessions in one facts file
n = sum(1 for l in open(facts) if l.startswith('ftp.transfer.') and '.command=' in l)
def fact(k, v):
    with open(facts, 'a') as f: f.write(f'{k}={v}\n')
def transfer(ftp, cmd, name, direction, mode, typ, data):
    global n
    n += 1
    k = f'ftp.transfer.{n}'
    fact(f'{k}.command', cmd); fact(f'{k}.name', name); fact(f'{k}.direction', direction)
    fact(f'{k}.mode', mode); fact(f'{k}.type', typ); fact(f'{k}.ipv', fam)
    fact(f'{k}.bytes', len(data)); fact(f'{k}.sha256', hashlib.sha256(data).hexdigest())
def raw_list(ftp):
    # raw bytes of the listing as sent (TYPE A, CRLF line ends kept)
    ftp.voidcmd('TYPE A')
    buf = bytearray()
    with ftp.transfercmd('LIST') as c:
        while True:
            b = c.recv(8192)
            if not b: break
            buf += b
    ftp.voidresp()
    return bytes(buf)
def retr(ftp, name):
    buf = bytearray()
    ftp.retrbinary('RETR ' + name, buf.extend)
    return bytes(buf)
def stor(ftp, name, path):
    with open(path, 'rb') as f: ftp.storbinary('STOR ' + name, f)
    return open(path, 'rb').read()

ftp = ftplib.FTP()
ftp.connect(host, 21, timeout=10)
fact(f'ftp.ipv{fam}.welcome', ftp.getwelcome())
ftp.login(user, pw)
fact(f'ftp.ipv{fam}.pwd', ftp.pwd())
if plan == 'impaired':
    # through the relay: a large passive download and a passive upload
    ftp.set_pasv(True)
    ftp.cwd('pub')
    data = retr(ftp, 'big.bin'); transfer(ftp, 'RETR', 'big.bin', 'download', 'passive', 'I', data)
    data = stor(ftp, 'upload-big.bin', work + '/ftp-upload-big.bin'); transfer(ftp, 'STOR', 'upload-big.bin', 'upload', 'passive', 'I', data)
elif fam == '4':
    ftp.set_pasv(True)
    data = raw_list(ftp); transfer(ftp, 'LIST', '', 'download', 'passive', 'A', data)
    ftp.cwd('pub')
    data = retr(ftp, 'download.bin'); transfer(ftp, 'RETR', 'download.bin', 'download', 'passive', 'I', data)
    data = stor(ftp, 'upload.bin', work + '/ftp-upload.bin'); transfer(ftp, 'STOR', 'upload.bin', 'upload', 'passive', 'I', data)
    fact('ftp.upload.bin.server_size', ftp.size('upload.bin'))
    ftp.set_pasv(False)   # PORT
    data = raw_list(ftp); transfer(ftp, 'LIST', '', 'download', 'active', 'A', data)
    data = retr(ftp, 'download.bin'); transfer(ftp, 'RETR', 'download.bin', 'download', 'active', 'I', data)
    ftp.cwd('/')
    data = retr(ftp, 'readme.txt'); transfer(ftp, 'RETR', 'readme.txt', 'download', 'active', 'I', data)
    try:
        ftp.retrbinary('RETR no-such-file.bin', lambda b: None)
    except ftplib.error_perm as e:
        fact('ftp.missing_file.reply', str(e))
else:
    ftp.set_pasv(True)    # EPSV on IPv6
    ftp.cwd('pub')
    data = retr(ftp, 'download.bin'); transfer(ftp, 'RETR', 'download.bin', 'download', 'passive', 'I', data)
    ftp.set_pasv(False)   # EPRT on IPv6
    data = raw_list(ftp); transfer(ftp, 'LIST', '', 'download', 'active', 'A', data)
    data = stor(ftp, 'upload6.bin', work + '/ftp-upload6.bin'); transfer(ftp, 'STOR', 'upload6.bin', 'upload', 'active', 'I', data)
fact(f'ftp.ipv{fam}.quit', ftp.quit())
PYEOF
}

# --------------------------------------------------------------- captures --
cap_ftp_passive_active() {
    capture_start ftp-passive-active
    fact description "python3 ftplib as a local user against vsftpd: IPv4 passive (PASV) LIST/RETR/STOR, active (PORT) LIST/RETR/STOR; IPv6 EPSV RETR and EPRT LIST/STOR"
    fact client_version "python3 ftplib, $(pkgver python3)"
    fact server_version "$(pkgver vsftpd)"
    fact user "$TEST_USER"
    fact password "$TEST_PASS"
    write_ftpclient
    start_vsftpd ipv4
    in_cli "$PY" "$WORK/ftpclient.py" "$SRV4" "$TEST_USER" "$TEST_PASS" "$WORK" "$FACTS" 4
    stop_servers
    start_vsftpd ipv6
    in_cli "$PY" "$WORK/ftpclient.py" "$SRV6" "$TEST_USER" "$TEST_PASS" "$WORK" "$FACTS" 6
    stop_servers
    fact ftp.transfers "$(grep -c '^ftp\.transfer\.[0-9]*\.command=' "$FACTS")"
    fact upload.bin.sha256 "$(sha "$WORK/ftp-upload.bin")"
    fact upload.bin.server_sha256 "$(sha "$WORK/ftp/pub/upload.bin")"
    fact upload6.bin.sha256 "$(sha "$WORK/ftp-upload6.bin")"
    fact upload6.bin.server_sha256 "$(sha "$WORK/ftp/pub/upload6.bin")"
    fact download.bin.sha256 "$(sha "$WORK/ftp/pub/download.bin")"
    fact download.bin.size "$(fsize "$WORK/ftp/pub/download.bin")"
    capture_stop
    tshark_view 'ftp or ftp-data' ftp.request.command ftp.request.arg ftp.response.code \
        ftp.active.cip ftp.active.port ftp.passive.ip ftp.passive.port ftp.eprt.ip ftp.epsv.port \
        ftp-data.command ftp-data.setup-method
    local c
    for c in PASV PORT EPSV EPRT LIST RETR STOR; do check "ftp.request.command == \"$c\"" 1 "ftp_$c"; done
    check 'tcp.srcport == 20 && tcp.flags.syn == 1 && tcp.flags.ack == 0' 3 active_data_connects
}

# Through the relay (link_relayed): data segments dropped, duplicated, delayed
# and reordered between server and client; the capture on the client's end
# sees server->client segments out of order and twice, and TCP's
# retransmissions of what the relay dropped.
cap_ftp_impaired() {
    capture_start ftp-impaired
    # made here and removed again, so ftp-passive-active's listings stay as they were
    det_bytes ftp-big 200000 >"$WORK/ftp/pub/big.bin"
    chown "$TEST_USER:" "$WORK/ftp/pub/big.bin"
    det_bytes ftp-upload-big 100000 >"$WORK/ftp-upload-big.bin"
    fact description "python3 ftplib through a lossy, reordering, duplicating user-space relay to vsftpd: passive RETR of a 200000-byte binary, passive STOR of a 100000-byte binary"
    fact client_version "python3 ftplib, $(pkgver python3)"
    fact server_version "$(pkgver vsftpd)"
    fact user "$TEST_USER"
    fact password "$TEST_PASS"
    write_ftpclient
    start_vsftpd ipv4
    in_cli "$PY" "$WORK/ftpclient.py" "$SRV4" "$TEST_USER" "$TEST_PASS" "$WORK" "$FACTS" 4 impaired
    stop_servers
    fact ftp.transfers "$(grep -c '^ftp\.transfer\.[0-9]*\.command=' "$FACTS")"
    fact big.bin.sha256 "$(sha "$WORK/ftp/pub/big.bin")"
    fact big.bin.size "$(fsize "$WORK/ftp/pub/big.bin")"
    fact upload-big.bin.sha256 "$(sha "$WORK/ftp-upload-big.bin")"
    fact upload-big.bin.server_sha256 "$(sha "$WORK/ftp/pub/upload-big.bin")"
    rm -f "$WORK/ftp/pub/big.bin" "$WORK/ftp/pub/upload-big.bin"
    capture_stop
    relay_facts
    tshark_view 'ftp or ftp-data' ftp.request.command ftp.request.arg ftp.response.code \
        ftp.passive.ip ftp.passive.port ftp-data.command ftp-data.setup-method
    local c
    for c in PASV RETR STOR; do check "ftp.request.command == \"$c\"" 1 "ftp_$c"; done
    check 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 1 retransmissions
    check 'tcp.analysis.out_of_order' 1 out_of_order
}
