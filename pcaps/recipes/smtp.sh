# shellcheck shell=bash
# pcaps/recipes/smtp.sh: SMTP captures, Postfix (with Dovecot's SASL for the
# logins) receiving from swaks and python3's smtplib: messages with nested
# multiparts, a forwarded message/rfc822, RFC 2047 subjects, quoted-printable
# and base64 attachments, two messages a session, PIPELINING with a refused
# recipient, a refused relay; AUTH PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5 and a
# wrong password on the submission port, STARTTLS, SMTPS; BDAT chunks sent
# before their replies; and a big message through the impairing relay (and
# smtp-lossy cut from it). See pcaps/lib/common.sh for the contract.

capture smtp-messages
capture smtp-auth
capture smtp-bdat
capture smtp-impaired relayed   # also writes smtp-lossy, derived from it
# libauthen-sasl-perl and libdigest-hmac-perl: swaks's DIGEST-MD5; libnet-ssleay-perl: its STARTTLS and SMTPS
packages postfix dovecot-core swaks libauthen-sasl-perl libdigest-hmac-perl libnet-ssleay-perl openssl

SMTP_DOMAIN=trawl.test

# ---------------------------------------------------------------- servers --
# prepare_smtp: the messages the clients send (smtp_messages.py, deterministic),
# the clients, Postfix's and Dovecot's configs, the TLS key and certificate.
prepare_smtp() {
    local d=$WORK/smtp
    mkdir -p "$d/msg" "$d/pf/spool" "$d/pf/data" "$d/dovecot/run" "$d/dovecot/state"
    smtp_write_messages
    smtp_write_client
    "$PY" "$d/messages.py" "$d/msg"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mx.$SMTP_DOMAIN" \
        -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
    chmod 600 "$d/key.pem"
    # the test user's login, its password in plain text (CRAM-MD5 and DIGEST-MD5 need it)
    printf '%s:{PLAIN}%s::::::\n' "$TEST_USER" "$TEST_PASS" >"$d/dovecot/users"
    chmod 644 "$d/dovecot/users"
    # the mailboxes Postfix accepts mail for (delivered to the discard transport)
    printf '%s OK\n' "anna@$SMTP_DOMAIN" "bob@$SMTP_DOMAIN" "carol@$SMTP_DOMAIN" "dave@$SMTP_DOMAIN" \
        "$TEST_USER@$SMTP_DOMAIN" >"$d/pf/vmailbox"
    smtp_write_configs
    chown postfix "$d/pf/data"
}

smtp_write_configs() {
    local d=$WORK/smtp
    cat >"$d/pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/pf/spool
data_directory = $d/pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.$SMTP_DOMAIN
mydomain = $SMTP_DOMAIN
myorigin = \$mydomain
mydestination =
relay_domains =
inet_interfaces = all
inet_protocols = all
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP Postfix (trawl test)
alias_maps =
alias_database =
local_recipient_maps =
biff = no
# mail for the test domain is accepted for the listed mailboxes and discarded
virtual_mailbox_domains = $SMTP_DOMAIN
virtual_mailbox_maps = texthash:$d/pf/vmailbox
virtual_transport = discard
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
# logins through Dovecot's auth socket; plain text allowed without TLS (this is a test)
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $d/dovecot/run/auth-postfix
smtpd_sasl_security_options = noanonymous
smtpd_tls_cert_file = $d/cert.pem
smtpd_tls_key_file = $d/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
message_size_limit = 10240000
# with start-fg, Postfix logs to its standard output (start_bg keeps it as postfix.out)
maillog_file = /dev/stdout
EOF
    cat >"$d/pf/master.cf" <<'EOF'
25        inet  n       -       n       -       -       smtpd
587       inet  n       -       n       -       -       smtpd
465       inet  n       -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    cat >"$d/dovecot/dovecot.conf" <<EOF
base_dir = $d/dovecot/run
state_dir = $d/dovecot/state
log_path = /dev/stderr
protocols =
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 digest-md5
auth_realms = $SMTP_DOMAIN
auth_default_realm = $SMTP_DOMAIN
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $d/dovecot/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
service anvil {
  chroot =
}
EOF
}

# start_smtp_servers: Dovecot's auth service, then Postfix in the foreground
# (postfix start-fg: master without detaching, its log on stdout), both from
# the configs under $WORK; the system's own /etc/postfix and queue are not used.
start_smtp_servers() {
    local d=$WORK/smtp
    start_bg dovecot dovecot -F -c "$d/dovecot/dovecot.conf"
    for _ in $(seq 1 50); do
        [[ -S $d/dovecot/run/auth-postfix ]] && break
        sleep 0.1
    done
    [[ -S $d/dovecot/run/auth-postfix ]] || die "dovecot's auth socket did not appear: $(cat "$WORK/dovecot.out")"
    in_srv postfix -c "$d/pf" check >"$WORK/postfix-check.out" 2>&1 || die "postfix check: $(cat "$WORK/postfix-check.out")"
    start_bg postfix postfix -c "$d/pf" start-fg
    local port
    for port in 25 587 465; do
        for _ in $(seq 1 100); do
            in_srv ss -Hltn "sport = :$port" | grep -q . && break
            sleep 0.1
        done
    done
    in_srv ss -Hltn "sport = :465" | grep -q . || die "postfix does not listen: $(cat "$WORK/postfix.out")"
    wait_port tcp 25
    wait_port tcp 587
    wait_port tcp 465
}

# ---------------------------------------------------------------- clients --
# smtp_write_messages: messages.py DIR writes the messages (CRLF line ends) and,
# for each, DIR/NAME.facts: its sha256 as transferred, subject, Message-ID and
# every attachment's name and decoded sha256 (what the client built, so what
# trawl must find).
smtp_write_messages() {
    cat >"$WORK/smtp/messages.py" <<'PYEOF'
import base64, hashlib, os, quopri, sys

out = sys.argv[1]

def det(seed, size):
    b, i = bytearray(), 0
    while len(b) < size:
        b += hashlib.sha256(seed.encode() + i.to_bytes(8, "big")).digest()
        i += 1
    return bytes(b[:size])

def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))

def qp(data):
    return quopri.encodestring(data).decode().replace("\r\n", "\n").replace("\n", "\r\n").rstrip("\r\n")

def qp_lines(data):
    """Quoted-printable of CRLF text: each line encoded alone (soft breaks inside it), the line breaks hard ones, so
    what a decoder gives back is the text as it was, CRLF and all (RFC 2045 6.7)."""
    return "\r\n".join(quopri.encodestring(line).decode().replace("=\n", "=\r\n") for line in data.split(b"\r\n"))

def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")

messages = {}
attachments = {}

def add(name, text, atts, subject, msgid):
    data = crlf(text).encode("utf-8")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    messages[name] = (data, subject, msgid)
    attachments[name] = atts

DATE = "Date: Tue, 01 Dec 2026 10:00:00 +0000"

# 1: plain text, lines that begin with dots (the client doubles them)
add("plain", f"""From: Anna <anna@trawl.test>
To: Bob <bob@trawl.test>
Subject: Plain hello
{DATE}
Message-ID: <plain-1@trawl.test>

Hello Bob,
.a line that begins with a dot
..and one with two
.
the line above is a lone dot, which is not the end.
""", [], "Plain hello", "<plain-1@trawl.test>")

# 2: nested multipart, RFC 2047 subject, a quoted-printable text, base64 attachments (one named by RFC 2231)
pdf = det("smtp-pdf", 30000)
png = det("smtp-png", 5000)
text = "Caf\u00e9 \u00e0 10h: the plan is a=b and x=y.\nA long line " + "xyz " * 30 + "end.\n"
qp_text = qp(text.encode("utf-8"))
html = "<p>Caf\u00e9 \u00e0 10h</p>"
add("nested", f"""From: =?UTF-8?B?w4lsaXNl?= <elise@trawl.test>
To: bob@trawl.test, carol@trawl.test
Subject: =?UTF-8?Q?Caf=C3=A9_plans_=E2=80=94_Q4_r=C3=A9sum=C3=A9?=
{DATE}
Message-ID: <nested-2@trawl.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-b"

This is a multi-part message in MIME format.
--outer-b
Content-Type: multipart/alternative; boundary="alt-b"

--alt-b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

{qp_text}
--alt-b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

{b64(html.encode())}
--alt-b--

--outer-b
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9%202026.pdf
Content-Transfer-Encoding: base64

{b64(pdf)}
--outer-b
Content-Type: image/png; name="chart.png"
Content-Disposition: attachment; filename="chart.png"
Content-Transfer-Encoding: base64

{b64(png)}
--outer-b--
""", [("r\u00e9sum\u00e9 2026.pdf", pdf), ("chart.png", png)],
    "Caf\u00e9 plans \u2014 Q4 r\u00e9sum\u00e9", "<nested-2@trawl.test>")

# 3: a forwarded message (message/rfc822) with an attachment of its own; the outer subject in ISO-8859-1
inner_bin = det("smtp-inner", 3000)
add("forward", f"""From: Carol <carol@trawl.test>
To: dave@trawl.test, nobody@trawl.test
Subject: =?ISO-8859-1?Q?Fwd:_r=E9union?=
{DATE}
Message-ID: <forward-3@trawl.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-outer"

--fwd-outer
Content-Type: text/plain; charset=us-ascii

See the message below.
--fwd-outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="original.eml"

From: Anna <anna@trawl.test>
To: carol@trawl.test
Subject: the inner subject
Message-ID: <inner-3@trawl.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-inner"

--fwd-inner
Content-Type: text/plain

inner text
--fwd-inner
Content-Type: application/octet-stream; name="inner.bin"
Content-Transfer-Encoding: base64

{b64(inner_bin)}
--fwd-inner--
--fwd-outer--
""", [("inner.bin", inner_bin)], "Fwd: r\u00e9union", "<forward-3@trawl.test>")

# 4: a quoted-printable attachment whose escapes (=3D) fall anywhere in the lines
csv = ("id;formula;note\r\n" + "".join(f"{i};a{i}=b{i}+c;caf\u00e9 r\u00e9sum\u00e9 {i}\r\n" for i in range(400))).encode()
add("qp", f"""From: dave@trawl.test
To: anna@trawl.test
Subject: =?UTF-8?B?UXVvdGVkLXByaW50YWJsZSDinJQ=?=
{DATE}
Message-ID: <qp-4@trawl.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="qp-b"

--qp-b
Content-Type: text/plain

A table attached.
--qp-b
Content-Type: text/csv; charset=utf-8
Content-Disposition: attachment; filename="table.csv"
Content-Transfer-Encoding: quoted-printable

{qp_lines(csv)}
--qp-b--
""", [("table.csv", csv)], "Quoted-printable \u2714", "<qp-4@trawl.test>")

# 5, 6: small messages for the login and STARTTLS sessions, 7 for BDAT, 8 a big one through the relay
for n, name in ((5, "login"), (6, "tls"), (9, "second")):
    add(name, f"""From: {os.environ.get("TEST_USER", "trawltest")}@trawl.test
To: bob@trawl.test
Subject: message {n}: {name}
{DATE}
Message-ID: <{name}-{n}@trawl.test>

body of message {n}
""", [], f"message {n}: {name}", f"<{name}-{n}@trawl.test>")
zip_data = det("smtp-bdat", 20000)
add("bdat", f"""From: anna@trawl.test
To: bob@trawl.test
Subject: =?UTF-8?Q?chunked_=C3=BCber_BDAT?=
{DATE}
Message-ID: <bdat-7@trawl.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="bd"

--bd
Content-Type: text/plain

sent in BDAT chunks
.a dot line that no one stuffs
--bd
Content-Type: application/zip; name="archive.zip"
Content-Transfer-Encoding: base64

{b64(zip_data)}
--bd--
""", [("archive.zip", zip_data)], "chunked \u00fcber BDAT", "<bdat-7@trawl.test>")
big = det("smtp-big", 200000)
add("big", f"""From: anna@trawl.test
To: bob@trawl.test
Subject: a big attachment
{DATE}
Message-ID: <big-8@trawl.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="big-b"

--big-b
Content-Type: text/plain

Two hundred thousand bytes attached.
--big-b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="big.bin"
Content-Transfer-Encoding: base64

{b64(big)}
--big-b--
""", [("big.bin", big)], "a big attachment", "<big-8@trawl.test>")

for name, (data, subject, msgid) in messages.items():
    with open(os.path.join(out, name + ".eml"), "wb") as f:
        f.write(data)
    # swaks ends what it is given with CRLF "." CRLF: its copy has no last line end
    with open(os.path.join(out, name + ".swaks"), "wb") as f:
        f.write(data[:-2])
    with open(os.path.join(out, name + ".facts"), "w", encoding="utf-8") as f:
        f.write("sha256=%s\n" % hashlib.sha256(data).hexdigest())
        f.write("size=%d\n" % len(data))
        f.write("subject=%s\n" % subject)
        f.write("message_id=%s\n" % msgid)
        f.write("attachments=%d\n" % len(attachments[name]))
        for k, (aname, content) in enumerate(attachments[name], 1):
            f.write("attachment.%d.name=%s\n" % (k, aname))
            f.write("attachment.%d.sha256=%s\n" % (k, hashlib.sha256(content).hexdigest()))
            f.write("attachment.%d.size=%d\n" % (k, len(content)))
PYEOF
}

# smtp_write_client: client.py, python3's smtplib sending messages (two on one
# connection), BDAT chunks (pipelined before their replies, as RFC 3030 lets a
# client), and a login; it prints what it did as facts.
smtp_write_client() {
    cat >"$WORK/smtp/client.py" <<'PYEOF'
import smtplib, sys

mode, host, msgdir = sys.argv[1], sys.argv[2], sys.argv[3]
env = {}

def msg(name):
    return open("%s/%s.eml" % (msgdir, name), "rb").read()

def fact(k, v):
    print("%s=%s" % (k, v))

def envelope(n, port, client, mail_from, accepted, rejected, message, transfer="data", login=None):
    k = "smtp.envelope.%d" % n
    fact(k + ".port", port)
    fact(k + ".client", client)
    fact(k + ".mail_from", mail_from)
    fact(k + ".rcpt_to", ",".join(accepted))
    fact(k + ".rcpt_rejected", ",".join("%s:%d" % r for r in rejected))
    fact(k + ".message", message)
    fact(k + ".transfer", transfer)

def bdat(s, mail_from, rcpts, data, sizes):
    """MAIL, RCPT and every BDAT chunk in one write, then the replies in order."""
    assert s.has_extn("chunking") and s.has_extn("pipelining")
    out = b"MAIL FROM:<%s> BODY=8BITMIME\r\n" % mail_from.encode()
    for r in rcpts:
        out += b"RCPT TO:<%s>\r\n" % r.encode()
    at = 0
    for i, n in enumerate(sizes):
        last = b" LAST" if i == len(sizes) - 1 else b""
        out += b"BDAT %d%s\r\n" % (n, last) + data[at:at + n]
        at += n
    assert at == len(data)
    s.send(out)
    replies = [s.getreply() for _ in range(1 + len(rcpts) + len(sizes))]
    for code, text in replies:
        assert code == 250, (code, text)
    return replies[-1]

if mode == "messages":
    # two messages on one connection, the second after RSET
    s = smtplib.SMTP(host, 25, local_hostname="client.trawl.test")
    s.ehlo()
    s.sendmail("anna@trawl.test", ["bob@trawl.test"], msg("plain"))
    envelope(1, 25, "smtplib", "anna@trawl.test", ["bob@trawl.test"], [], "plain")
    s.rset()
    s.sendmail("elise@trawl.test", ["bob@trawl.test", "carol@trawl.test"], msg("nested"))
    envelope(2, 25, "smtplib", "elise@trawl.test", ["bob@trawl.test", "carol@trawl.test"], [], "nested")
    s.quit()
    # over IPv6, a quoted-printable attachment
    s = smtplib.SMTP(sys.argv[4], 25, local_hostname="client.trawl.test")
    s.sendmail("dave@trawl.test", ["anna@trawl.test"], msg("qp"))
    envelope(3, 25, "smtplib", "dave@trawl.test", ["anna@trawl.test"], [], "qp")
    s.quit()
elif mode == "bdat":
    s = smtplib.SMTP(host, 25, local_hostname="client.trawl.test")
    s.ehlo()
    data = msg("bdat")
    code, text = bdat(s, "anna@trawl.test", ["bob@trawl.test"], data, [1000, 12000, len(data) - 13000])
    envelope(1, 25, "smtplib", "anna@trawl.test", ["bob@trawl.test"], [], "bdat", "bdat")
    fact("smtp.envelope.1.reply", text.decode())
    # a second message on the same connection, one LAST chunk
    data = msg("second")
    code, text = bdat(s, "carol@trawl.test", ["dave@trawl.test"], data, [len(data)])
    envelope(2, 25, "smtplib", "carol@trawl.test", ["dave@trawl.test"], [], "second", "bdat")
    s.quit()
elif mode == "impaired":
    user, password = sys.argv[4], sys.argv[5]
    s = smtplib.SMTP(host, 587, local_hostname="client.trawl.test")
    s.ehlo()
    s.login(user, password)  # smtplib picks CRAM-MD5 when offered
    s.sendmail("anna@trawl.test", ["bob@trawl.test"], msg("big"))
    envelope(1, 587, "smtplib", "anna@trawl.test", ["bob@trawl.test"], [], "big")
    s.quit()
PYEOF
}

# smtp_swaks NAME: swaks in the client namespace, its transcript kept as NAME.log; the exit status is returned
smtp_swaks() {
    local name=$1; shift
    local rc=0
    in_cli swaks --server "$SRV4" --helo client.trawl.test "$@" >"$WORK/smtp/$name.log" 2>&1 || rc=$?
    return $rc
}

# smtp_message_facts N NAME: the facts of message N, the one written as NAME.eml
smtp_message_facts() {
    local n=$1 name=$2 k v
    while IFS='=' read -r k v; do fact "smtp.message.$n.$k" "$v"; done <"$WORK/smtp/msg/$name.facts"
    fact "smtp.message.$n.name" "$name"
}

# smtp_auth_fact N MECH PORT OUTCOME [PASSWORD]: a login the client made
smtp_auth_fact() {
    local k=smtp.auth.$1
    fact "$k.mechanism" "$2"
    fact "$k.port" "$3"
    fact "$k.user" "$TEST_USER"
    fact "$k.success" "$4"
    [[ -z ${5:-} ]] || fact "$k.password" "$5"
}

smtp_common_facts() {
    fact server_version "$(pkgver postfix), $(pkgver dovecot-core)"
    fact domain "$SMTP_DOMAIN"
}

# --------------------------------------------------------------- captures --
cap_smtp_messages() {
    start_smtp_servers
    capture_start smtp-messages
    fact description "python3 smtplib and swaks to Postfix on port 25: two messages on one connection (plain text with dot lines, then after RSET a nested multipart with an RFC 2047 subject, a quoted-printable text and base64 attachments), one over IPv6 with a quoted-printable attachment, one with PIPELINING (swaks) whose second recipient is refused, carrying a forwarded message/rfc822, and a relay refused"
    fact client_version "python3 smtplib, $(pkgver python3); $(pkgver swaks)"
    smtp_common_facts
    in_cli "$PY" "$WORK/smtp/client.py" messages "$SRV4" "$WORK/smtp/msg" "$SRV6" >>"$FACTS"
    smtp_swaks pipelining --pipeline --from carol@trawl.test --to dave@trawl.test,nobody@trawl.test \
        --data "@$WORK/smtp/msg/forward.swaks" || true
    grep -q '^<\*\* 550' "$WORK/smtp/pipelining.log" || die "swaks --pipeline: no refused recipient: $(cat "$WORK/smtp/pipelining.log")"
    fact smtp.envelope.4.port 25
    fact smtp.envelope.4.client swaks
    fact smtp.envelope.4.mail_from carol@trawl.test
    fact smtp.envelope.4.rcpt_to dave@trawl.test
    fact smtp.envelope.4.rcpt_rejected "nobody@trawl.test:550"
    fact smtp.envelope.4.message forward
    fact smtp.envelope.4.transfer data
    fact smtp.envelope.4.pipelining yes
    # a relay refused: not logged in, a recipient outside the test domain
    if smtp_swaks relay --from anna@trawl.test --to someone@example.com; then
        die "the relay was not refused: $(cat "$WORK/smtp/relay.log")"
    fi
    grep -q '^<\*\* 554 5.7.1' "$WORK/smtp/relay.log" || die "swaks: no 554 relay refusal: $(cat "$WORK/smtp/relay.log")"
    fact smtp.envelope.5.port 25
    fact smtp.envelope.5.client swaks
    fact smtp.envelope.5.mail_from anna@trawl.test
    fact smtp.envelope.5.rcpt_to ""
    fact smtp.envelope.5.rcpt_rejected "someone@example.com:554"
    fact smtp.envelope.5.message ""
    smtp_message_facts 1 plain
    smtp_message_facts 2 nested
    smtp_message_facts 3 qp
    smtp_message_facts 4 forward
    capture_stop
    tshark_view smtp smtp.req.command smtp.req.parameter smtp.response.code imf.subject imf.message_id
    # smtplib sends its commands in lower case; tshark does not read the commands of a pipelined batch
    check 'smtp.req.command matches "(?i)^mail$"' 4 mail_commands
    check 'smtp.response.code == 550' 1 refused_recipient
    check 'smtp.response.code == 554' 1 relay_refused
    check 'imf' 4 messages
    check 'ipv6 && smtp' 1 smtp_ipv6
}

cap_smtp_auth() {
    start_smtp_servers
    capture_start smtp-auth
    fact description "swaks to Postfix's submission port 587 with Dovecot's SASL: AUTH PLAIN, LOGIN, CRAM-MD5 and DIGEST-MD5 logins that succeed, a PLAIN login with a wrong password, each but the refused one sending a message; then STARTTLS on port 25 and SMTPS on port 465, whose contents are TLS"
    fact client_version "$(pkgver swaks)"
    smtp_common_facts
    local mech n=0
    for mech in PLAIN LOGIN CRAM-MD5 DIGEST-MD5; do
        n=$((n + 1))
        smtp_swaks "auth-$mech" --port 587 --auth "$mech" --auth-user "$TEST_USER" --auth-password "$TEST_PASS" \
            --from "$TEST_USER@trawl.test" --to bob@trawl.test --data "@$WORK/smtp/msg/login.swaks" \
            || die "swaks AUTH $mech failed: $(cat "$WORK/smtp/auth-$mech.log")"
        grep -qE '^<[-~*]+ +235 ' "$WORK/smtp/auth-$mech.log" || die "swaks AUTH $mech: no 235"
        case $mech in
        PLAIN | LOGIN) smtp_auth_fact "$n" "$mech" 587 yes "$TEST_PASS" ;;
        *) smtp_auth_fact "$n" "$mech" 587 yes ;;
        esac
        fact "smtp.envelope.$n.port" 587
        fact "smtp.envelope.$n.client" swaks
        fact "smtp.envelope.$n.mail_from" "$TEST_USER@trawl.test"
        fact "smtp.envelope.$n.rcpt_to" bob@trawl.test
        fact "smtp.envelope.$n.rcpt_rejected" ""
        fact "smtp.envelope.$n.message" login
    done
    n=$((n + 1))
    if smtp_swaks auth-wrong --port 587 --auth PLAIN --auth-user "$TEST_USER" --auth-password wrong-password \
        --from "$TEST_USER@trawl.test" --to bob@trawl.test; then
        die "a wrong password was accepted"
    fi
    grep -qE '^<[-~*]+ +535 ' "$WORK/smtp/auth-wrong.log" || die "swaks wrong password: no 535: $(cat "$WORK/smtp/auth-wrong.log")"
    smtp_auth_fact "$n" PLAIN 587 no wrong-password
    smtp_swaks starttls --port 25 --tls --from anna@trawl.test --to bob@trawl.test \
        --data "@$WORK/smtp/msg/tls.swaks" || die "swaks STARTTLS failed: $(cat "$WORK/smtp/starttls.log")"
    fact smtp.starttls.port 25
    smtp_swaks smtps --port 465 --tls-on-connect --from anna@trawl.test --to bob@trawl.test \
        --data "@$WORK/smtp/msg/tls.swaks" || die "swaks SMTPS failed: $(cat "$WORK/smtp/smtps.log")"
    fact smtp.smtps.port 465
    # every message sent in the clear was the same file: one message fact for it
    smtp_message_facts 1 login
    fact smtp.message.1.count 4
    capture_stop
    tshark_view 'smtp || tls.handshake.type == 1' smtp.req.command smtp.req.parameter smtp.response.code \
        smtp.auth.username smtp.auth.password imf.subject imf.message_id
    check 'smtp.req.command matches "(?i)^auth$"' 5 auth_commands
    check 'smtp.response.code == 235' 4 logins_accepted
    check 'smtp.response.code == 535' 1 login_refused
    # tshark names a command by its first four letters: STARTTLS is "STAR" with the parameter "TLS"
    check 'smtp.req.command matches "(?i)^star$" && smtp.req.parameter matches "(?i)^tls$"' 1 starttls
    check 'tls.handshake.type == 1 && tcp.port == 465' 1 smtps_client_hello
}

cap_smtp_bdat() {
    start_smtp_servers
    capture_start smtp-bdat
    fact description "python3 smtplib's connection used by hand for CHUNKING (RFC 3030): MAIL, RCPT and three BDAT chunks (the last with LAST) in one write before any reply, then a second message in one LAST chunk on the same connection"
    fact client_version "python3 smtplib, $(pkgver python3)"
    smtp_common_facts
    in_cli "$PY" "$WORK/smtp/client.py" bdat "$SRV4" "$WORK/smtp/msg" >>"$FACTS"
    smtp_message_facts 1 bdat
    smtp_message_facts 2 second
    capture_stop
    tshark_view smtp smtp.req.command smtp.req.parameter smtp.response.code
    # tshark reads a batch sent before its replies as one DATA fragment: the chunks are found in the bytes
    check 'tcp.dstport == 25 && tcp.payload contains "BDAT 1000\r\n"' 1 bdat
    check 'tcp.dstport == 25 && tcp.payload contains " LAST\r\n"' 1 bdat_last
}

# Through the relay (link_relayed): a 270 KB message, dropped, duplicated and reordered segments between them.
cap_smtp_impaired() {
    start_smtp_servers
    capture_start smtp-impaired
    fact description "python3 smtplib through a lossy, reordering, duplicating user-space relay to Postfix's port 587: a CRAM-MD5 login, then a message with a 200000-byte base64 attachment"
    fact client_version "python3 smtplib, $(pkgver python3)"
    smtp_common_facts
    in_cli "$PY" "$WORK/smtp/client.py" impaired "$SRV4" "$WORK/smtp/msg" "$TEST_USER" "$TEST_PASS" >>"$FACTS"
    smtp_auth_fact 1 CRAM-MD5 587 yes
    smtp_message_facts 1 big
    capture_stop
    relay_facts
    tshark_view smtp smtp.req.command smtp.req.parameter smtp.response.code imf.subject
    check 'smtp.req.command matches "(?i)^auth$"' 1 auth
    check 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 1 retransmissions
    check 'tcp.analysis.out_of_order' 1 out_of_order
    derive_smtp_lossy "$WORK/smtp/msg/big.eml"
}

# derive_smtp_lossy MESSAGE: smtp-lossy.pcap is smtp-impaired.pcap without one client->server segment from the
# middle of MESSAGE's DATA body - loss the capture itself never saw (a segment no other frame covers, so no
# retransmission fills the hole): the message cannot be complete, and what follows it must still be read.
derive_smtp_lossy() {
    local msg=$1 src=$OUT_DIR/smtp-impaired.pcap src_facts=$OUT_DIR/smtp-impaired.facts plan=$WORK/smtp/lossy.plan
    tshark -r "$src" -Y "ip.dst == $SRV4 && tcp.dstport == 587 && tcp.len > 0" \
        -T fields -e frame.number -e tcp.srcport -e tcp.seq -e tcp.len -e tcp.payload >"$WORK/smtp/lossy.segments"
    "$PY" - "$WORK/smtp/lossy.segments" "$msg" >"$plan" <<'PYEOF'
import sys
segs_path, msg_path = sys.argv[1:3]
msg = open(msg_path, "rb").read()  # no line of it begins with a dot: as sent, unstuffed
segs, stream = [], bytearray()
for line in open(segs_path):
    frame, port, seq, ln, payload = line.rstrip("\n").split("\t")
    off, ln = int(seq) - 1, int(ln)
    segs.append((int(frame), off, ln))
    stream.extend(b"\0" * max(0, off + ln - len(stream)))
    stream[off:off + ln] = bytes.fromhex(payload)
start = bytes(stream).find(msg)
assert start > 0, "the message is not in the client's stream"
alone = [(f, o, n) for f, o, n in segs
         if start + len(msg) // 4 <= o and o + n <= start + len(msg) * 3 // 4
         and not any(g != f and go < o + n and o < go + gn for g, go, gn in segs)]
f, o, n = min(alone, key=lambda c: abs(c[1] - (start + len(msg) // 2)))
print(port, f, o - start, n)
PYEOF
    local port frame at lost
    read -r port frame at lost <"$plan" || die "smtp-lossy: no segment to remove: $(cat "$plan")"
    editcap -F pcap "$src" "$OUT_DIR/smtp-lossy.pcap" "$frame"
    # shellcheck disable=SC2034 # the library's: tshark_view and check read the capture being made
    CUR=smtp-lossy
    FACTS=$OUT_DIR/smtp-lossy.facts
    {
        echo "# facts for smtp-lossy.pcap: smtp-impaired.pcap with one frame removed (key=value; see README.md)"
        echo "capture=smtp-lossy.pcap"
        echo "description=smtp-impaired.pcap without one client->server segment from the middle of the message's DATA body: loss the capture never saw, so the message cannot be complete; the login, the envelope, the reply that queued it and the QUIT after it are still read"
        echo "derived_from=smtp-impaired.pcap"
        grep -Ev '^(#|capture=|description=|packets=|check\.)' "$src_facts"
        echo "removed_frames=$frame"
        echo "removed.1.frame=$frame"
        echo "removed.1.message_offset=$at"
        echo "removed.1.len=$lost"
        echo "smtp.message.1.lost_bytes=$lost"
        echo "smtp.message.1.expect_complete=no"
        echo "lost.client_port=$port"
        echo "lost.server_port=587"
        echo "lost.gap_bytes_c2s=$lost"
        echo "lost.gap_bytes_s2c=0"
        echo "packets=$(tshark -r "$OUT_DIR/smtp-lossy.pcap" -T fields -e frame.number | wc -l)"
    } >"$FACTS"
    chmod 644 "$OUT_DIR/smtp-lossy.pcap" "$FACTS"
    tshark_view smtp smtp.req.command smtp.req.parameter smtp.response.code imf.subject
    check 'tcp.analysis.lost_segment' 1 lost_segment
    check 'smtp.req.command matches "(?i)^quit$"' 1 quit
    log "smtp-lossy: removed frame $frame ($lost bytes at $at in the message)"
}
