"""Writes a pcap of N DNS exchanges (a query and its answer, each from its own client port, 5 ms apart, so UDP
conversations time out as the capture goes on) to stdout: events enough to fill trawl's Redis queue.

usage: dns_flood.py N [--hold-at K --go FILE --done FILE]
  with --hold-at, the first K exchanges are written, then it waits until FILE (--go) exists before writing the
  rest, and makes the --done file when all is written (a test stops Redis in between)."""
import argparse
import os
import struct
import sys
import time


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp


def name(qname):
    return b"".join(bytes([len(p)]) + p for p in qname.split(b".")) + b"\x00"


def exchange(i):
    client = [10, 77, (i >> 8) & 0xFF, i & 0xFF]
    server = [10, 77, 255, 1]
    port = 20000 + i % 40000
    q = name(b"host%d.example.org" % i) + struct.pack("!HH", 1, 1)
    query = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + q
    answer = (struct.pack("!HHHHHH", i & 0xFFFF, 0x8180, 1, 1, 0, 0) + q +
              b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, i % 250 + 1]))
    return packet(client, server, port, 53, query), packet(server, client, 53, port, answer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--hold-at", type=int, default=-1)
    ap.add_argument("--go")
    ap.add_argument("--done")
    a = ap.parse_args()
    out = sys.stdout.buffer
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    t0 = 1700000000.0
    for i in range(a.n):
        if i == a.hold_at:
            out.flush()
            while not os.path.exists(a.go):
                time.sleep(0.05)
        for k, p in enumerate(exchange(i)):
            ts = t0 + i * 0.005 + k * 0.001
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            out.write(struct.pack("<IIII", sec, usec, len(p), len(p)) + p)
    out.flush()
    if a.done:
        open(a.done, "w").close()


if __name__ == "__main__":
    main()
