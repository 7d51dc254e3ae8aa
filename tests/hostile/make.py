#!/usr/bin/env python3
"""Hostile captures no real tool produces, for tests/cli/run and the fuzz corpus: each a TCP conversation written
as a pcap (Ethernet, IPv4, TCP with a handshake, MSS-sized segments, FIN), so trawl reads them as it reads traffic.
usage: make.py OUT_DIR   (writes gzip-bomb.pcap, chunk-size-16-digits.pcap, hostile-names.pcap: names out of the export folder from HTTP, FTP, SMTP, POP3, IMAP)"""
import gzip, os, struct, sys, zlib

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp

def conversation(request, response):
    c, s = bytes([10, 66, 0, 2]), bytes([10, 66, 0, 1])
    cp, sp, t = 40000, 80, 1700000000.0
    out = []
    def add(f):
        nonlocal t
        t += 0.001
        out.append((t, f))
    cs, ss = 1000, 5000
    add(frame(c, s, cp, sp, cs, 0, 0x02)); add(frame(s, c, sp, cp, ss, cs + 1, 0x12)); add(frame(c, s, cp, sp, cs + 1, ss + 1, 0x10))
    cs += 1; ss += 1
    add(frame(c, s, cp, sp, cs, ss, 0x18, request)); cs += len(request)
    for i in range(0, len(response), 1448):
        seg = response[i:i + 1448]
        add(frame(s, c, sp, cp, ss, cs, 0x18, seg)); ss += len(seg)
    add(frame(s, c, sp, cp, ss, cs, 0x11)); add(frame(c, s, cp, sp, cs, ss + 1, 0x11))
    return out

def dialogue(turns, cp, sp, c=bytes([10, 66, 0, 2]), s=bytes([10, 66, 0, 1]), t=1700000100.0, step=0.001):
    """A TCP connection whose sides take turns: turns is a list of (0 client / 1 server, bytes)."""
    out = []
    def add(f):
        nonlocal t
        t += step
        out.append((t, f))
    seq = [1000, 5000]
    add(frame(c, s, cp, sp, seq[0], 0, 0x02)); add(frame(s, c, sp, cp, seq[1], seq[0] + 1, 0x12))
    seq = [seq[0] + 1, seq[1] + 1]
    add(frame(c, s, cp, sp, seq[0], seq[1], 0x10))
    for side, data in turns:
        for i in range(0, len(data), 1448):
            seg = data[i:i + 1448]
            if side == 0:
                add(frame(c, s, cp, sp, seq[0], seq[1], 0x18, seg))
            else:
                add(frame(s, c, sp, cp, seq[1], seq[0], 0x18, seg))
            seq[side] += len(seg)
    add(frame(c, s, cp, sp, seq[0], seq[1], 0x11)); add(frame(s, c, sp, cp, seq[1], seq[0] + 1, 0x11))
    add(frame(c, s, cp, sp, seq[0] + 1, seq[1] + 1, 0x10))
    return out

def mail_with_attachment(name):
    return (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: names\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            b"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name +
            b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--XX--\r\n")

def hostile_names():
    """Every protocol that names extracted files, each naming one to climb out of the export folder."""
    t = 1700000100.0
    frames = []
    # HTTP: a name from the URI and one from Content-Disposition
    frames += dialogue([(0, b"GET /../../../../tmp/evil-uri HTTP/1.1\r\nHost: h\r\n\r\n"),
                        (1, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
                        (0, b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"),
                        (1, b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"../../evil-cd\"\r\n"
                            b"Content-Length: 5\r\n\r\nhello")], 40001, 80, t=t)
    # FTP: RETR of a climbing name over a passive data connection
    frames += dialogue([(1, b"220 ftp\r\n"), (0, b"USER anonymous\r\n"), (1, b"331 ok\r\n"), (0, b"PASS x\r\n"),
                        (1, b"230 ok\r\n"), (0, b"PASV\r\n"), (1, b"227 Entering Passive Mode (10,66,0,1,200,10)\r\n"),
                        (0, b"RETR ../../../evil-ftp\r\n"), (1, b"150 here\r\n"), (1, b"226 done\r\n"),
                        (0, b"QUIT\r\n"), (1, b"221 bye\r\n")], 40002, 21, t=t + 1)
    # the data connection between the 150 (13th frame) and the 226 (14th)
    frames += dialogue([(1, b"hello")], 40003, 200 * 256 + 10, t=t + 1.0131, step=0.00001)
    # SMTP: an attachment named to climb
    frames += dialogue([(1, b"220 mx ESMTP\r\n"), (0, b"HELO c\r\n"), (1, b"250 mx\r\n"),
                        (0, b"MAIL FROM:<a@example.org>\r\n"), (1, b"250 ok\r\n"), (0, b"RCPT TO:<b@example.org>\r\n"),
                        (1, b"250 ok\r\n"), (0, b"DATA\r\n"), (1, b"354 go\r\n"),
                        (0, mail_with_attachment(b"../../../evil-smtp") + b".\r\n"), (1, b"250 queued\r\n"),
                        (0, b"QUIT\r\n"), (1, b"221 bye\r\n")], 40005, 25, t=t + 2)
    # POP3: a retrieved message whose attachment is named to climb
    frames += dialogue([(1, b"+OK ready\r\n"), (0, b"USER u\r\n"), (1, b"+OK\r\n"), (0, b"PASS p\r\n"), (1, b"+OK\r\n"),
                        (0, b"RETR 1\r\n"), (1, b"+OK message follows\r\n" + mail_with_attachment(b"/etc/evil-pop3") + b".\r\n"),
                        (0, b"QUIT\r\n"), (1, b"+OK bye\r\n")], 40006, 110, t=t + 3)
    # IMAP: a fetched message whose attachment is named to climb
    m = mail_with_attachment(b"C:/Users/x/../../evil-imap")
    frames += dialogue([(1, b"* OK IMAP ready\r\n"), (0, b"a1 LOGIN u p\r\n"), (1, b"a1 OK done\r\n"),
                        (0, b"a2 SELECT INBOX\r\n"), (1, b"* 1 EXISTS\r\na2 OK [READ-WRITE] done\r\n"),
                        (0, b"a3 FETCH 1 BODY[]\r\n"),
                        (1, b"* 1 FETCH (BODY[] {%d}\r\n" % len(m) + m + b")\r\na3 OK done\r\n"),
                        (0, b"a4 LOGOUT\r\n"), (1, b"* BYE\r\na4 OK done\r\n")], 40007, 143, t=t + 4)
    return sorted(frames, key=lambda f: f[0])

def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, fr in frames:
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(fr), len(fr)) + fr)

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    req = b"GET /bomb.txt HTTP/1.1\r\nHost: bomb.example\r\n\r\n"
    bomb = gzip.compress(b"\0" * (64 << 20), 9)  # 64 MiB of zeros in ~64 KB
    resp = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb) + bomb
    write(os.path.join(out, "gzip-bomb.pcap"), conversation(req, resp))
    resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\nabc\r\n0\r\n\r\n"
    write(os.path.join(out, "chunk-size-16-digits.pcap"), conversation(b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n", resp))
    write(os.path.join(out, "hostile-names.pcap"), hostile_names())

    write(os.path.join(out, "hostile-names.pcap"), hostile_names())

main()
