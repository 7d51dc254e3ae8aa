#!/usr/bin/env python3
"""Hostile captures no real tool produces, for tests/cli/run and the fuzz corpus: each a TCP conversation written
as a pcap (Ethernet, IPv4, TCP with a handshake, MSS-sized segments, FIN), so trawl reads them as it reads traffic.
usage: make.py OUT_DIR   (writes gzip-bomb.pcap, chunk-size-16-digits.pcap)"""
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

main()
