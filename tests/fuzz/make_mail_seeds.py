#!/usr/bin/env python3
"""Writes hand-made seeds for fuzz_pop3 and fuzz_imap (tests/fuzz/corpus/{pop3,imap}/unit-*): conversations the
captures do not hold — pipelining, SASL continuations, literals of every kind, a COMPRESS=DEFLATE session (the
rest of it deflated, as RFC 4978 has it) and gaps inside messages and literals. Framing as fuzz_dissector.c reads
it. usage: make_mail_seeds.py OUTDIR"""
import os, struct, sys, zlib

def data(d, p):
    out = b""
    while p:
        piece, p = p[:65536], p[65536:]
        out += bytes([2 | d]) + struct.pack(">H", len(piece) - 1) + piece
    return out

def gap(d, n):
    return bytes([4 | d, n - 1])

def seed(*ops):
    return b"\x00" + b"".join(ops)

C, S = 0, 1
MSG = (b"From: a@example.org\r\nSubject: hi\r\nMessage-ID: <m@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
       b"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n"
       b"--b\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
       b"AAECAwQF\r\n--b--\r\n")
STUFFED = MSG.replace(b"\r\n-", b"\r\n-") + b"..dot\r\n"

def deflated(*parts):
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    return [z.compress(p) + z.flush(zlib.Z_SYNC_FLUSH) for p in parts]

seeds = {
    "pop3": {
        "unit-session": seed(data(S, b"+OK ready <1.2@h>\r\n"), data(C, b"CAPA\r\n"),
                             data(S, b"+OK\r\nTOP\r\nUIDL\r\nSASL PLAIN\r\n.\r\n"),
                             data(C, b"APOP u 0123456789abcdef0123456789abcdef\r\nUIDL\r\nRETR 1\r\nTOP 1 0\r\n"),
                             data(S, b"+OK\r\n+OK\r\n1 abc\r\n.\r\n+OK\r\n" + STUFFED + b".\r\n+OK\r\nSubject: hi\r\n\r\n.\r\n"),
                             data(C, b"DELE 1\r\nRSET\r\nQUIT\r\n"), data(S, b"+OK\r\n+OK\r\n+OK bye\r\n")),
        "unit-auth": seed(data(S, b"+OK hi\r\n"), data(C, b"AUTH PLAIN\r\n"), data(S, b"+ \r\n"),
                          data(C, b"AGEAYg==\r\n"), data(S, b"-ERR no\r\n"), data(C, b"AUTH LOGIN YQ==\r\n"),
                          data(S, b"+ UGFzc3dvcmQ6\r\n"), data(C, b"Yg==\r\n"), data(S, b"+OK\r\n"),
                          data(C, b"STLS\r\n"), data(S, b"+OK go\r\n\x16\x03\x01")),
        "unit-gap": seed(data(S, b"+OK hi\r\n"), data(C, b"RETR 1\r\nRETR 2\r\n"), data(S, b"+OK\r\n" + MSG[:60]),
                         gap(S, 40), data(S, MSG[100:] + b".\r\n+OK\r\n" + MSG + b".\r\n")),
    },
    "imap": {
        "unit-literals": seed(
            data(S, b"* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"), data(C, b"a1 LOGIN {1}\r\n"),
            data(S, b"+ go\r\n"), data(C, b"u {1+}\r\np\r\n"), data(S, b"a1 OK\r\n"),
            data(C, b"a2 SELECT INBOX\r\n"),
            data(S, b"* 3 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\na2 OK [READ-WRITE] done\r\n"),
            data(C, b"a3 FETCH 1 (UID BODYSTRUCTURE)\r\n"),
            data(S, b'* 1 FETCH (UID 5 BODYSTRUCTURE (("text" "plain" NIL NIL NIL "quoted-printable" 5 1 NIL NIL NIL)'
                    b'("application" "octet-stream" ("name" "x.bin") NIL NIL "base64" 8 NIL NIL NIL NIL) "mixed" NIL))\r\n'
                    b"a3 OK\r\n"),
            data(C, b"a4 UID FETCH 5 (BODY.PEEK[] BODY.PEEK[2] BODY.PEEK[1] BODY.PEEK[]<0.10> BODY.PEEK[HEADER])\r\n"),
            data(S, b"* 1 FETCH (UID 5 BODY[] {%d}\r\n" % len(MSG) + MSG + b" BODY[2] {8}\r\nAAECAwQF BODY[1] {5}\r\na=3Db"
                    b" BODY[]<0> {10}\r\n" + MSG[:10] + b" BODY[HEADER] {36}\r\n" + MSG[:36] + b")\r\na4 OK\r\n"),
            data(C, b"a5 APPEND Sent {%d}\r\n" % len(MSG)), data(S, b"+ ok\r\n"), data(C, MSG + b"\r\n"),
            data(S, b"a5 OK\r\n"), data(C, b"a6 IDLE\r\n"), data(S, b"+ idling\r\n* 4 EXISTS\r\n"),
            data(C, b"DONE\r\na7 SEARCH ALL\r\na8 EXPUNGE\r\n"),
            data(S, b"a6 OK\r\n* 2 EXPUNGE\r\na8 OK\r\n* SEARCH 1 2\r\na7 OK\r\n* BYE\r\n")),
        "unit-authenticate": seed(
            data(S, b"* OK hi\r\n"), data(C, b"b1 AUTHENTICATE PLAIN\r\n"), data(S, b"+ \r\n"),
            data(C, b"AGEAYg==\r\n"), data(S, b"b1 NO\r\n"), data(C, b"b2 AUTHENTICATE PLAIN AGEAYg==\r\n"),
            data(S, b"b2 OK\r\n"), data(C, b"b3 STARTTLS\r\n"), data(S, b"b3 OK\r\n\x16\x03\x01")),
        "unit-gap": seed(
            data(S, b"* OK hi\r\n"), data(C, b"f1 FETCH 1 BODY[]\r\nf2 FETCH 2 BODY[]\r\n"),
            data(S, b"* 1 FETCH (BODY[] {%d}\r\n" % len(MSG) + MSG[:50]), gap(S, 30),
            data(S, MSG[80:] + b")\r\nf1 OK\r\n* 2 FETCH (BODY[] {%d}\r\n" % len(MSG) + MSG + b")\r\nf2 OK\r\n")),
    },
}
cz = deflated(b"c2 SELECT INBOX\r\nc3 UID FETCH 5 RFC822\r\nc4 LOGOUT\r\n")
sz = deflated(b"* 1 EXISTS\r\nc2 OK done\r\n* 1 FETCH (UID 5 RFC822 {%d}\r\n" % len(MSG) + MSG + b")\r\nc3 OK\r\n",
              b"* BYE\r\nc4 OK\r\n")
seeds["imap"]["unit-compress"] = seed(
    data(S, b"* OK hi\r\n"), data(C, b"c0 LOGIN u p\r\n"), data(S, b"c0 OK\r\n"), data(C, b"c1 COMPRESS DEFLATE\r\n"),
    data(S, b"c1 OK DEFLATE active\r\n"), data(C, cz[0]), data(S, sz[0]), data(S, sz[1]))
seeds["imap"]["unit-compress-gap"] = seed(
    data(S, b"* OK hi\r\n"), data(C, b"c1 COMPRESS DEFLATE\r\n"), data(S, b"c1 OK\r\n"), data(C, cz[0]),
    data(S, sz[0][:20]), gap(S, 10), data(S, sz[0][30:]))
for target, items in seeds.items():
    d = os.path.join(sys.argv[1], target)
    os.makedirs(d, exist_ok=True)
    for name, blob in items.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(blob)
