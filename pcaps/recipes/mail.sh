# shellcheck shell=bash
# pcaps/recipes/mail.sh: mail fetched with POP3 and IMAP from dovecot, and one
# message that crosses SMTP (postfix) and IMAP: python3's poplib, imaplib and
# smtplib, and curl. Dovecot and postfix run in the server namespace from
# configs written under $WORK (the system's /etc/dovecot, /etc/postfix and
# mail spools are never touched). See pcaps/lib/common.sh for the contract.
#
# Facts (every key as the python client or curl saw it; N counts from 1 in the
# client's order): PROTO.login.N.{mechanism,user,password,success} per login
# (PROTO pop3 or imap; APOP has no password); a message the client received,
# under pop3.retr.N (N the message number), pop3.apop.retr.N, imap.fetch.N and
# imap.bob.fetch.N (with .uid): .size and .sha256 of its bytes as received
# (POP3: after unstuffing), .subject, .message_id, and per attachment
# .attachment.M.{name,size,sha256} (decoded); pop3.retr.N.uidl, pop3.top.1.*
# (TOP 1 3), pop3.dele, pop3.rset, pop3.stat; imap.select.{mailbox,exists,
# uidvalidity}, imap.search.*, imap.section.N.{uid,section,sha256,
# decoded_sha256} (a part fetched alone, its transfer encoding undone by the
# client), imap.partial.N and imap.header.N (uid, size, sha256),
# imap.append.N.* (the uploaded message), imap.idle.continuation,
# imap.expunge, imap.compress (the tagged status); curl.pop3.retr.1.sha256 and
# curl.imap.uid.2.sha256 (curl's saved message); smtp.message.* (what smtplib
# sent through postfix). Checked by tests/golden/checks/pop3.py and imap.py.

capture pop3-dovecot
capture imap-dovecot
capture imap-compress
capture mail-smtp-imap
capture mail-impaired relayed
packages dovecot-imapd dovecot-pop3d postfix curl

# The mail users (a passwd-file of dovecot's; their mail belongs to $TEST_USER).
declare -ga MAIL_USERS=(anna bob)
declare -gA MAIL_PASS=([anna]='Anna-pw-1' [bob]='Bob-pw-2')

# ------------------------------------------------------------------ mail --
# mail_messages DIR: the test messages, deterministic, as Maildir files in
# DIR/cur (names fix their order and so their UIDs): a report with a base64
# PDF-like attachment, a note with a quoted-printable text part and a base64
# image, a plain one with lines starting with "." (POP3 stuffs them), and a
# large one (the impaired capture's).
mail_messages() {
    local dir=$1
    mkdir -p "$dir/cur" "$dir/new" "$dir/tmp"
    "$PY" - "$dir" <<'PYEOF'
import base64, hashlib, sys
out = sys.argv[1]
def det(seed, size):
    b, i = bytearray(), 0
    while len(b) < size:
        b += hashlib.sha256(seed.encode() + i.to_bytes(8, 'big')).digest(); i += 1
    return bytes(b[:size])
def b64(data):
    s = base64.b64encode(data).decode()
    return '\r\n'.join(s[i:i + 76] for i in range(0, len(s), 76))
def msg(name, text):
    with open(f'{out}/cur/{name}:2,', 'wb') as f:
        f.write(text.replace('\r\n', '\n').replace('\n', '\r\n').encode())
msg('1700000001.M1P1.trawl', f'''From: Carol Sender <carol@example.org>
To: Anna <anna@trawl.test>
Subject: Quarterly report
Date: Tue, 14 Nov 2023 22:13:21 +0000
Message-ID: <report-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

Hello Anna,
the report is attached.
--b1
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

{b64(det('mail-report.pdf', 6000))}
--b1--
''')
msg('1700000002.M2P1.trawl', f'''From: Dave <dave@example.net>
To: anna@trawl.test
Subject: =?utf-8?q?Caf=C3=A9_photos?=
Date: Wed, 15 Nov 2023 08:00:00 +0000
Message-ID: <photos-2@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 au lait =E2=80=94 see the picture.=0AA soft=
 break.
--b2
Content-Type: image/png; name="cafe.png"
Content-Disposition: attachment; filename="cafe.png"
Content-Transfer-Encoding: base64

{b64(det('mail-cafe.png', 2500))}
--b2--
''')
msg('1700000003.M3P1.trawl', '''From: Erin <erin@example.com>
To: anna@trawl.test
Subject: dots
Date: Thu, 16 Nov 2023 09:30:00 +0000
Message-ID: <dots-3@example.com>

A line that starts with a dot follows.
.hidden by stuffing
..two dots
.
end
''')
msg('1700000004.M4P1.trawl', f'''From: Frank <frank@example.com>
To: anna@trawl.test
Subject: Large archive
Date: Fri, 17 Nov 2023 10:00:00 +0000
Message-ID: <large-4@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b4"

--b4
Content-Type: text/plain

The archive.
--b4
Content-Type: application/octet-stream; name="archive.bin"
Content-Disposition: attachment; filename="archive.bin"
Content-Transfer-Encoding: base64

{b64(det('mail-archive.bin', 150000))}
--b4--
''')
PYEOF
}

# prepare_mail: dovecot's users and their mailboxes under $WORK/mail, owned by
# the test user (dovecot serves them as that user).
prepare_mail() {
    mkdir -p "$WORK/dovecot" "$WORK/mail"
    local u
    : >"$WORK/dovecot/passwd"
    for u in "${MAIL_USERS[@]}"; do
        echo "$u:{PLAIN}${MAIL_PASS[$u]}::::::" >>"$WORK/dovecot/passwd"
        mkdir -p "$WORK/mail/$u"
    done
    mail_messages "$WORK/mail/anna/Maildir"
    mail_messages "$WORK/mail/bob/Maildir"
    chown -R "$TEST_USER:" "$WORK/mail"
    chmod 755 "$WORK/mail"
}

# mail_reset_mailboxes: every capture starts from the same mailboxes (a DELE,
# APPEND or EXPUNGE of one capture does not change the next one's).
mail_reset_mailboxes() {
    rm -rf "$WORK/mail/anna" "$WORK/mail/bob"
    local u
    for u in "${MAIL_USERS[@]}"; do
        mkdir -p "$WORK/mail/$u"
        mail_messages "$WORK/mail/$u/Maildir"
    done
    chown -R "$TEST_USER:" "$WORK/mail"
}

# ---------------------------------------------------------------- dovecot --
start_dovecot() {
    local d=$WORK/dovecot uid gid
    uid=$(id -u "$TEST_USER")
    gid=$(id -g "$TEST_USER")
    mkdir -p "$d/run" "$d/state"
    cat >"$d/dovecot.conf" <<EOF
# trawl capture config: dovecot $(dovecot --version | cut -d' ' -f1) in the server namespace
instance_name = trawl-dovecot
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = imap pop3
listen = $SRV4
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login apop
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = $uid
last_valid_uid = $uid
mail_location = maildir:~/Maildir
mail_plugins = \$mail_plugins zlib
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $d/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$WORK/mail/%n
}
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib
}
service imap-login {
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3s {
    port = 0
  }
}
EOF
    start_bg dovecot dovecot -F -c "$d/dovecot.conf"
    wait_port tcp 143
    wait_port tcp 110
}

# ---------------------------------------------------------------- postfix --
# start_postfix: postfix's master in the foreground with a config of its own
# (queue under $WORK), accepting mail for trawl.test on port 25 and delivering
# it with the virtual agent into the users' Maildirs, which dovecot serves.
start_postfix() {
    local p=$WORK/postfix uid gid
    uid=$(id -u "$TEST_USER")
    gid=$(id -g "$TEST_USER")
    mkdir -p "$p/conf" "$p/queue" "$p/data"
    chown postfix: "$p/data"
    : >"$p/conf/vmailbox"
    local u
    for u in "${MAIL_USERS[@]}"; do echo "$u@trawl.test $u/Maildir/" >>"$p/conf/vmailbox"; done
    cat >"$p/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $p/queue
data_directory = $p/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.trawl.test
mydomain = trawl.test
myorigin = trawl.test
mydestination =
inet_interfaces = $SRV4
inet_protocols = ipv4
mynetworks = 10.99.0.0/24 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP trawl test
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = trawl.test
virtual_mailbox_base = $WORK/mail
virtual_mailbox_maps = texthash:$p/conf/vmailbox
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1
maillog_file = $p/maillog
maillog_file_prefixes = $p
smtputf8_enable = no
biff = no
EOF
    cat >"$p/conf/master.cf" <<'EOF'
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
virtual   unix  -       n       n       -       -       virtual
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    in_srv postfix -c "$p/conf" check >"$WORK/postfix-check.out" 2>&1 || true
    start_bg postfix postfix -c "$p/conf" start-fg
    local i
    for i in $(seq 1 100); do
        in_srv ss -Hltn "sport = :25" | grep -q . && return 0
        sleep 0.1
    done
    cat "$WORK/postfix-check.out" "$WORK/postfix.out" "$p/maillog" >&2 2>/dev/null || true
    die "postfix does not listen on tcp/25"
}

# ---------------------------------------------------------------- clients --
# write_mailclient: $WORK/mailclient.py HOST FACTS PLAN: the python clients
# (poplib, imaplib, smtplib). Every message a client receives is written as a
# fact with the sha256 of its bytes as received; attachments as decoded.
write_mailclient() {
    cat >"$WORK/mailclient.py" <<'PYEOF'
import base64, email, email.message, email.policy, hashlib, imaplib, poplib, smtplib, socket, sys, time, zlib
host, facts, plan = sys.argv[1:4]
imaplib.Commands.setdefault('COMPRESS', ('AUTH', 'SELECTED'))
users = dict(a.split(':', 1) for a in sys.argv[4:])
def fact(k, v):
    with open(facts, 'a') as f: f.write(f'{k}={v}\n')
def sha(b): return hashlib.sha256(b).hexdigest()
def count(prefix):
    return sum(1 for l in open(facts) if l.startswith(prefix) and l.split('=', 1)[0].endswith('.user'))
def login_fact(proto, mech, user, pw, ok):
    n = count(f'{proto}.login.') + 1
    k = f'{proto}.login.{n}'
    fact(f'{k}.mechanism', mech); fact(f'{k}.user', user)
    if pw is not None: fact(f'{k}.password', pw)
    fact(f'{k}.success', 'true' if ok else 'false')
def message_facts(k, data):
    fact(f'{k}.size', len(data)); fact(f'{k}.sha256', sha(data))
    m = email.message_from_bytes(data, policy=email.policy.default)
    if m['Subject']: fact(f'{k}.subject', str(m['Subject']))
    if m['Message-ID']: fact(f'{k}.message_id', m['Message-ID'])
    for i, part in enumerate(p for p in m.walk() if p.get_filename()):
        body = part.get_payload(decode=True)
        fact(f'{k}.attachment.{i + 1}.name', part.get_filename())
        fact(f'{k}.attachment.{i + 1}.sha256', sha(body))
        fact(f'{k}.attachment.{i + 1}.size', len(body))

def pop3_session():
    anna = users['anna']
    # a wrong password, then USER/PASS
    p = poplib.POP3(host, 110, timeout=10)
    fact('pop3.greeting', p.getwelcome().decode())
    p.user('anna')
    try:
        p.pass_('not-the-password'); ok = True
    except poplib.error_proto:
        ok = False
    login_fact('pop3', 'USER', 'anna', 'not-the-password', ok)
    p.quit()
    time.sleep(0.2)
    p = poplib.POP3(host, 110, timeout=10)
    p.capa()
    p.user('anna'); p.pass_(anna); login_fact('pop3', 'USER', 'anna', anna, True)
    count_, size = p.stat()
    fact('pop3.stat', f'{count_} {size}')
    uidl = dict(l.decode().split(' ', 1) for l in p.uidl()[1])
    p.list()
    for n in range(1, count_ + 1):
        resp, lines, octets = p.retr(n)
        data = b'\r\n'.join(lines) + b'\r\n'   # poplib unstuffs and strips the line ends
        k = f'pop3.retr.{n}'
        fact(f'{k}.number', n); fact(f'{k}.uidl', uidl[str(n)])
        message_facts(k, data)
    resp, lines, octets = p.top(1, 3)
    fact('pop3.top.1.number', 1); fact('pop3.top.1.lines', 3)
    fact('pop3.top.1.sha256', sha(b'\r\n'.join(lines) + b'\r\n'))
    p.dele(3); fact('pop3.dele', 3)
    p.rset(); fact('pop3.rset', 1)
    p.quit()
    time.sleep(0.2)
    # APOP: the greeting's timestamp and the digest, no password on the wire
    p = poplib.POP3(host, 110, timeout=10)
    p.apop('bob', users['bob']); login_fact('pop3', 'APOP', 'bob', None, True)
    resp, lines, octets = p.retr(2)
    message_facts('pop3.apop.retr.2', b'\r\n'.join(lines) + b'\r\n')
    p.quit()
    time.sleep(0.2)
    # AUTH PLAIN with an initial response (RFC 5034)
    p = poplib.POP3(host, 110, timeout=10)
    ir = base64.b64encode(b'\0anna\0' + anna.encode()).decode()
    p._shortcmd('AUTH PLAIN ' + ir); login_fact('pop3', 'PLAIN', 'anna', anna, True)
    p.stat()
    p.quit()

class Deflated:
    """COMPRESS=DEFLATE (RFC 4978) under imaplib: raw deflate both ways, flushed at each write."""
    def __init__(self, sock):
        self.sock, self.c, self.d, self.buf = sock, zlib.compressobj(6, zlib.DEFLATED, -15), zlib.decompressobj(-15), b''
    def sendall(self, data):
        self.sock.sendall(self.c.compress(data) + self.c.flush(zlib.Z_SYNC_FLUSH))
    def read_more(self):
        n = len(self.buf)
        while len(self.buf) == n:
            chunk = self.sock.recv(65536)
            if not chunk: return False
            self.buf += self.d.decompress(chunk)
        return True

def imap_fetch_whole(M, k, uid):
    typ, data = M.uid('FETCH', str(uid), '(BODY.PEEK[])')
    body = data[0][1]
    fact(f'{k}.uid', uid)
    message_facts(k, body)
    return body

def imap_session():
    anna = users['anna']
    M = imaplib.IMAP4(host, 143, timeout=10)
    fact('imap.greeting', M.welcome.decode())
    try:
        M.login('anna', 'not-the-password'); ok = True
    except imaplib.IMAP4.error:
        ok = False
    login_fact('imap', 'LOGIN', 'anna', 'not-the-password', ok)
    # the password as a synchronizing literal
    M.literal = anna.encode()
    typ, data = M._simple_command('LOGIN', 'anna')
    M.state = 'AUTH'
    login_fact('imap', 'LOGIN', 'anna', anna, typ == 'OK')
    typ, data = M.select('INBOX')
    fact('imap.select.mailbox', 'INBOX'); fact('imap.select.exists', int(data[0]))
    typ, data = M.response('UIDVALIDITY'); fact('imap.select.uidvalidity', int(data[0]))
    typ, data = M.uid('SEARCH', None, 'ALL')
    uids = [int(u) for u in data[0].split()]
    fact('imap.search.all', ' '.join(map(str, uids)))
    M.fetch('1:*', '(UID FLAGS RFC822.SIZE BODYSTRUCTURE)')
    for i, uid in enumerate(uids[:3]):
        imap_fetch_whole(M, f'imap.fetch.{i + 1}', uid)
    # the attachment part of message 1 (base64, as BODYSTRUCTURE said), and its part 1 with it: two literals in one response
    typ, data = M.uid('FETCH', str(uids[0]), '(BODY.PEEK[1] BODY.PEEK[2])')
    for item in data:
        if isinstance(item, tuple) and b'BODY[2]' in item[0]:
            fact('imap.section.1.uid', uids[0]); fact('imap.section.1.section', 'BODY[2]')
            fact('imap.section.1.sha256', sha(item[1]))
            fact('imap.section.1.decoded_sha256', sha(base64.b64decode(item[1])))
    # the quoted-printable text of message 2, its MIME header first
    typ, data = M.uid('FETCH', str(uids[1]), '(BODY.PEEK[1.MIME])')
    typ, data = M.uid('FETCH', str(uids[1]), '(BODY.PEEK[1])')
    import quopri
    fact('imap.section.2.uid', uids[1]); fact('imap.section.2.section', 'BODY[1]')
    fact('imap.section.2.sha256', sha(data[0][1])); fact('imap.section.2.decoded_sha256', sha(quopri.decodestring(data[0][1])))
    # a partial fetch and a header fetch
    typ, data = M.uid('FETCH', str(uids[0]), '(BODY.PEEK[]<0.1024>)')
    fact('imap.partial.1.uid', uids[0]); fact('imap.partial.1.size', len(data[0][1])); fact('imap.partial.1.sha256', sha(data[0][1]))
    typ, data = M.uid('FETCH', str(uids[2]), '(BODY.PEEK[HEADER])')
    fact('imap.header.1.uid', uids[2]); fact('imap.header.1.sha256', sha(data[0][1]))
    # APPEND a message to Sent (synchronizing literal), then look for it and expunge it
    sent = (b'From: Anna <anna@trawl.test>\r\nTo: carol@example.org\r\nSubject: Re: Quarterly report\r\n'
            b'Message-ID: <reply-9@trawl.test>\r\nDate: Sat, 18 Nov 2023 12:00:00 +0000\r\n\r\nThanks, got it.\r\n')
    M.create('Sent')
    M.append('Sent', '(\\Seen)', None, sent)
    fact('imap.append.1.mailbox', 'Sent'); message_facts('imap.append.1', sent)
    typ, data = M.search(None, 'FROM', 'carol')
    fact('imap.search.from_carol', data[0].decode())
    # IDLE (RFC 2177), ended by DONE
    tag = M._new_tag()
    M.send(tag + b' IDLE\r\n')
    fact('imap.idle.continuation', M.readline().decode().strip())
    M.send(b'DONE\r\n')
    while not M.readline().startswith(tag): pass
    M.store('3', '+FLAGS', '\\Deleted')
    typ, data = M.expunge(); fact('imap.expunge', data[0].decode() if data[0] else '')
    M.logout()
    time.sleep(0.2)
    # AUTHENTICATE PLAIN after a continuation
    M = imaplib.IMAP4(host, 143, timeout=10)
    typ, data = M.authenticate('PLAIN', lambda x: b'\0bob\0' + users['bob'].encode())
    login_fact('imap', 'PLAIN', 'bob', users['bob'], typ == 'OK')
    M.select('INBOX', readonly=True)
    fact('imap.examine.mailbox', 'INBOX')
    typ, data = M.uid('SEARCH', None, 'ALL')
    uid = int(data[0].split()[0])
    imap_fetch_whole(M, 'imap.bob.fetch.1', uid)
    M.logout()

def imap_compress():
    anna = users['anna']
    M = imaplib.IMAP4(host, 143, timeout=10)
    M.login('anna', anna); login_fact('imap', 'LOGIN', 'anna', anna, True)
    typ, data = M._simple_command('COMPRESS', 'DEFLATE')
    fact('imap.compress', typ)
    z = Deflated(M.sock)
    def readline():
        while b'\n' not in z.buf:
            if not z.read_more(): break
        i = z.buf.find(b'\n') + 1 if b'\n' in z.buf else len(z.buf)
        line, z.buf = z.buf[:i], z.buf[i:]
        return line
    def read(n):
        while len(z.buf) < n:
            if not z.read_more(): break
        data, z.buf = z.buf[:n], z.buf[n:]
        return data
    M.send = z.sendall
    M.readline = readline
    M.read = read
    typ, data = M.select('INBOX')
    fact('imap.select.mailbox', 'INBOX'); fact('imap.select.exists', int(data[0]))
    typ, data = M.uid('SEARCH', None, 'ALL')
    uids = [int(u) for u in data[0].split()]
    M.fetch('1:*', '(UID BODYSTRUCTURE)')
    for i, uid in enumerate(uids[:2]):
        imap_fetch_whole(M, f'imap.fetch.{i + 1}', uid)
    typ, data = M.uid('FETCH', str(uids[0]), '(BODY.PEEK[2])')
    fact('imap.section.1.uid', uids[0]); fact('imap.section.1.section', 'BODY[2]')
    fact('imap.section.1.sha256', sha(data[0][1])); fact('imap.section.1.decoded_sha256', sha(base64.b64decode(data[0][1])))
    M.logout()

def smtp_then_imap():
    anna = users['anna']
    att = hashlib.sha256(b'smtp-attachment').digest() * 200
    msg = email.message.EmailMessage()
    msg['From'] = 'Grace <grace@example.org>'; msg['To'] = 'anna@trawl.test'
    msg['Subject'] = 'Sent through postfix'; msg['Message-ID'] = '<postfix-1@example.org>'
    msg['Date'] = 'Sun, 19 Nov 2023 09:00:00 +0000'
    msg.set_content('This one went through SMTP first.\n')
    msg.add_attachment(att, maintype='application', subtype='octet-stream', filename='smtp.bin')
    raw = msg.as_bytes(policy=email.policy.SMTP)
    with smtplib.SMTP(host, 25, timeout=10) as s:
        s.sendmail('grace@example.org', ['anna@trawl.test'], raw)
    fact('smtp.message.message_id', '<postfix-1@example.org>')
    fact('smtp.message.attachment.1.sha256', sha(att))
    for i in range(100):  # until postfix has delivered it
        M = imaplib.IMAP4(host, 143, timeout=10)
        M.login('anna', anna)
        M.select('INBOX', readonly=True)
        typ, data = M.uid('SEARCH', None, 'HEADER', 'Message-ID', '<postfix-1@example.org>')
        if data[0]: break
        M.logout(); time.sleep(0.2)
    login_fact('imap', 'LOGIN', 'anna', anna, True)
    uid = int(data[0].split()[0])
    body = imap_fetch_whole(M, 'imap.fetch.1', uid)
    M.logout()

def impaired():
    anna = users['anna']
    p = poplib.POP3(host, 110, timeout=30)
    p.user('anna'); p.pass_(anna); login_fact('pop3', 'USER', 'anna', anna, True)
    resp, lines, octets = p.retr(4)
    fact('pop3.retr.4.number', 4); message_facts('pop3.retr.4', b'\r\n'.join(lines) + b'\r\n')
    p.quit()
    M = imaplib.IMAP4(host, 143, timeout=30)
    M.login('anna', anna); login_fact('imap', 'LOGIN', 'anna', anna, True)
    M.select('INBOX', readonly=True)
    typ, data = M.uid('SEARCH', None, 'ALL')
    uids = [int(u) for u in data[0].split()]
    imap_fetch_whole(M, 'imap.fetch.1', uids[3])
    imap_fetch_whole(M, 'imap.fetch.2', uids[0])
    M.logout()

{'pop3': pop3_session, 'imap': imap_session, 'compress': imap_compress, 'smtp-imap': smtp_then_imap,
 'impaired': impaired}[plan]()
PYEOF
}

mail_users_args() { local u; for u in "${MAIL_USERS[@]}"; do printf '%s:%s\n' "$u" "${MAIL_PASS[$u]}"; done; }

mail_common_facts() {
    fact client_version "python3 poplib/imaplib/smtplib, $(pkgver python3)"
    fact server_version "$(pkgver dovecot-core)"
    local u
    for u in "${MAIL_USERS[@]}"; do fact "user.$u.password" "${MAIL_PASS[$u]}"; done
}

# mail_begin NAME DESCRIPTION [postfix]: fresh mailboxes, the client script, dovecot (and postfix), then the
# capture and its first facts.
mail_begin() {
    mail_reset_mailboxes
    write_mailclient
    start_dovecot
    [[ ${3:-} != postfix ]] || start_postfix
    capture_start "$1"
    fact description "$2"
    mail_common_facts
}

# --------------------------------------------------------------- captures --
cap_pop3_dovecot() {
    mail_begin pop3-dovecot "python3 poplib and curl against dovecot: a wrong password, USER/PASS, CAPA, STAT, LIST, UIDL, RETR of four messages (attachments base64 and quoted-printable, dot-stuffed lines), TOP, DELE, RSET; APOP; AUTH PLAIN with an initial response; curl's RETR"
    # shellcheck disable=SC2046
    in_cli "$PY" "$WORK/mailclient.py" "$SRV4" "$FACTS" pop3 $(mail_users_args)
    in_cli curl -s --max-time 10 -u "anna:${MAIL_PASS[anna]}" "pop3://$SRV4/1" -o "$WORK/curl-pop3-1.eml"
    fact curl.pop3.retr.1.sha256 "$(sha "$WORK/curl-pop3-1.eml")"
    fact curl_version "$(pkgver curl)"
    capture_stop
    tshark_view pop pop.request.command pop.request.parameter pop.response.indicator pop.response.description \
        imf.subject imf.message_id
    check 'pop.request.command == "RETR"' 5 pop3_RETR
    check 'pop.request.command == "APOP"' 1 pop3_APOP
    check 'pop.request.command == "TOP"' 1 pop3_TOP
    check 'pop.request.command == "UIDL"' 1 pop3_UIDL
    check 'pop.response.indicator == "-ERR"' 1 pop3_ERR
}

cap_imap_dovecot() {
    mail_begin imap-dovecot "python3 imaplib and curl against dovecot: a wrong password, LOGIN with the password as a literal, SELECT, SEARCH, FETCH of BODYSTRUCTUREs, UID FETCH of whole messages, of two sections in one response (base64 attachment), of a quoted-printable part after its MIME header, a partial and a header fetch; CREATE and APPEND to Sent, IDLE/DONE, STORE and EXPUNGE; AUTHENTICATE PLAIN; curl's FETCH"
    # shellcheck disable=SC2046
    in_cli "$PY" "$WORK/mailclient.py" "$SRV4" "$FACTS" imap $(mail_users_args)
    in_cli curl -s --max-time 10 -u "bob:${MAIL_PASS[bob]}" "imap://$SRV4/INBOX;UID=2" -o "$WORK/curl-imap-2.eml"
    fact curl.imap.uid.2.sha256 "$(sha "$WORK/curl-imap-2.eml")"
    fact curl_version "$(pkgver curl)"
    capture_stop
    tshark_view imap imap.request_tag imap.request.command imap.response_tag imap.response.status imap.request.username \
        imap.request.password imap.request.folder imf.subject imf.message_id
    check 'imap.request.command == "LOGIN" || imap.request.command == "login"' 2 imap_LOGIN
    check 'imap.request.command == "AUTHENTICATE"' 1 imap_AUTHENTICATE
    check 'imap.request.command == "APPEND"' 1 imap_APPEND
    check 'imap.request.command == "IDLE"' 1 imap_IDLE
}

cap_imap_compress() {
    mail_begin imap-compress "python3 imaplib against dovecot with COMPRESS=DEFLATE (RFC 4978; the client wraps its socket in raw deflate after the tagged OK, dovecot's imap_zlib plugin the server's side): SELECT, FETCH of BODYSTRUCTUREs, UID FETCH of two whole messages and of a base64 attachment part, all inside the compressed streams"
    # shellcheck disable=SC2046
    in_cli "$PY" "$WORK/mailclient.py" "$SRV4" "$FACTS" compress $(mail_users_args)
    capture_stop
    tshark_view imap imap.request_tag imap.request.command imap.response_tag imap.response.status
    check 'imap.request.command == "COMPRESS"' 1 imap_COMPRESS
}

cap_mail_smtp_imap() {
    mail_begin mail-smtp-imap "python3 smtplib sends a message with an attachment to postfix, which delivers it into anna's Maildir; imaplib then fetches it from dovecot: one message in an SMTP and an IMAP session" postfix
    fact postfix_version "$(pkgver postfix)"
    # shellcheck disable=SC2046
    in_cli "$PY" "$WORK/mailclient.py" "$SRV4" "$FACTS" smtp-imap $(mail_users_args)
    capture_stop
    tshark_view 'smtp or imap' smtp.req.command smtp.response.code imap.request_tag imap.request.command \
        imap.response_tag imap.response.status imap.request.username imap.request.password imf.message_id
    check 'smtp.req.command == "DATA" || smtp.req.command == "data"' 1 smtp_DATA
    check 'imap.request.command == "FETCH"' 1 imap_UID_FETCH
}

cap_mail_impaired() {
    mail_begin mail-impaired "python3 poplib and imaplib through a lossy, reordering, duplicating user-space relay to dovecot: POP3 RETR and IMAP UID FETCH of a message with a 150000-byte attachment, and of a smaller one"
    # shellcheck disable=SC2046
    in_cli "$PY" "$WORK/mailclient.py" "$SRV4" "$FACTS" impaired $(mail_users_args)
    capture_stop
    relay_facts
    tshark_view 'pop or imap' pop.request.command pop.response.indicator imap.request_tag imap.request.command \
        imap.response_tag imap.response.status imap.request.username imap.request.password imf.message_id
    check 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 1 retransmissions
    check 'tcp.analysis.out_of_order' 1 out_of_order
}
