# shellcheck shell=bash
# pcaps/recipes/telnet.sh: the telnet capture, inetutils telnetd (launched by
# inetutils-inetd, /bin/login) with the inetutils telnet client driven by
# expect, logging in as $TEST_USER. See pcaps/lib/common.sh for the contract.

capture telnet-login
packages inetutils-telnetd inetutils-inetd inetutils-telnet expect login

# ---------------------------------------------------------------- server --
# prepare_telnet: the test user's home as the login shell sees it.
prepare_telnet() {
    # A quiet, predictable prompt for the scripted telnet session.
    printf 'PS1='"'"'trawl$ '"'"'\nexport PS1\n' >"$WORK/home/.profile"
    # no motd, no last-login line: nothing about this machine in the capture
    touch "$WORK/home/.hushlogin"
    printf 'trawl telnet test file\n' >"$WORK/home/notes.txt"
    chown "$TEST_USER:" "$WORK/home/.profile" "$WORK/home/.hushlogin" "$WORK/home/notes.txt"
}

start_telnetd() {
    cat >"$WORK/inetd.conf" <<EOF
$SRV4:telnet stream tcp nowait root /usr/sbin/telnetd telnetd --no-hostinfo
EOF
    # own UTS namespace so login's prompt shows "trawl-srv", not this host's name
    start_bg inetd unshare --uts sh -c 'hostname trawl-srv && exec "$@"' sh \
        inetutils-inetd -d --pidfile="$WORK/inetd.pid" "$WORK/inetd.conf"
    wait_port tcp 23
}

# --------------------------------------------------------------- captures --
cap_telnet_login() {
    start_telnetd
    capture_start telnet-login
    fact description "inetutils telnet client (driven by expect) logs in to inetutils telnetd (via inetutils-inetd, /bin/login) and types three commands"
    fact server_version "$(pkgver inetutils-telnetd)"
    fact client_version "$(pkgver inetutils-telnet), driven by $(pkgver expect)"
    fact user "$TEST_USER"
    fact password "$TEST_PASS"
    fact command.1 "echo hello"
    fact command.2 "ls"
    fact command.3 "exit"
    fact commands 3
    cat >"$WORK/telnet.exp" <<EOF
set timeout 20
log_user 1
spawn telnet $SRV4
expect {
    -re "login: \$" {}
    timeout { exit 2 }
}
send "$TEST_USER\r"
expect {
    -re "Password: ?\$" {}
    timeout { exit 3 }
}
send "$TEST_PASS\r"
expect {
    "trawl\$ " {}
    timeout { exit 4 }
}
send "echo hello\r"
expect {
    -re "\nhello\r\n" {}
    timeout { exit 5 }
}
expect "trawl\$ "
send "ls\r"
expect "trawl\$ "
send "exit\r"
expect eof
EOF
    in_cli env TERM=vt100 expect "$WORK/telnet.exp" >"$WORK/telnet.log" 2>&1 \
        || die "telnet session failed: $(tail -5 "$WORK/telnet.log")"
    fact login_ok yes
    fact saw_hello "$(grep -q '^hello' <(tr -d '\r' <"$WORK/telnet.log") && echo yes || echo no)"
    fact terminal_type vt100
    fact ls_output "notes.txt"
    fact hostname trawl-srv
    capture_stop
    stop_servers
    tshark_view telnet telnet.cmd telnet.subcmd telnet.data
    check 'telnet.data contains "login: "' 1 login_prompt
    check 'telnet.data contains "hello"' 2 echo_hello
    check 'telnet.cmd' 5 telnet_negotiation
}
