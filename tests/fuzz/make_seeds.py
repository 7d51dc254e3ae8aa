#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ from capture files (classic pcap, Ethernet).

usage: make_seeds.py OUTDIR PCAP...

Per flow of each capture: a fuzz_pipeline/fuzz_export seed (the flow's packets in the targets' framing,
also re-framed as raw IP, SLL and NULL for a few), a per-dissector seed (the flow's payloads as delivery
operations) and, for DNS, fuzz_dns_name seeds. Seeds are kept small (at most MAX_SEED bytes)."""
import os
import struct
import sys

MAX_SEED = 12000
PORTS = {80: "http", 8080: "http", 53: "dns", 21: "ftp", 25: "smtp", 587: "smtp", 465: "smtp", 23: "telnet", 67: "dhcp", 161: "snmp", 162: "snmp",
         110: "pop3", 143: "imap"}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        yield linktype, sec * 1000000 + usec, data[off:off + caplen]
        off += caplen


def parse(frame):
    """(ip_packet, l4, src, sport, dst, dport, payload) of an Ethernet frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        l4, src, dst, l4off, end = ip[9], ip[12:16], ip[16:20], ihl, total
    elif etype == 0x86DD and len(ip) >= 40:
        l4, src, dst, l4off = ip[6], ip[8:24], ip[24:40], 40
        end = 40 + struct.unpack(">H", ip[4:6])[0]
    else:
        return None
    seg = ip[l4off:end]
    if l4 == 6 and len(seg) >= 20:
        sport, dport = struct.unpack(">HH", seg[:4])
        payload = seg[(seg[12] >> 4) * 4:]
    elif l4 == 17 and len(seg) >= 8:
        sport, dport = struct.unpack(">HH", seg[:4])
        payload = seg[8:]
    else:
        return None
    return ip[:end], l4, src, sport, dst, dport, payload


def reframe(frame, ip, kind):
    """The frame under another link type: 0 Ethernet, 1 raw, 2 SLL, 3 NULL."""
    if kind == 0:
        return frame
    if kind == 1:
        return ip
    etype = frame[12:14]
    if kind == 2:
        return b"\x00\x00\x00\x01\x00\x06" + frame[6:12] + b"\x00\x00" + etype + ip
    fam = 2 if etype == b"\x08\x00" else 30
    return struct.pack("<I", fam) + ip


def pipeline_seed(kind, packets):
    out = bytearray([kind])
    last = None
    for ts, frame, ip in packets:
        rec = reframe(frame, ip, kind)
        dt = 0 if last is None else min(199, max(0, (ts - last) // 10000))
        last = ts
        if len(out) + 3 + len(rec) > MAX_SEED:
            break
        out += struct.pack(">HB", len(rec), dt) + rec
    return bytes(out)


def dissector_seed(proto, l4, payloads):
    out = bytearray([1 if l4 == 17 else 0])
    if proto == "ftp-data":
        out += bytes([0, 1, 8]) + b"file.bin"  # command, mode, name length, name
    for d, p in payloads:
        if not p:
            continue
        p = p[:65536]
        if l4 != 17:
            op = bytes([2 | d]) + struct.pack(">H", len(p) - 1)
        elif proto in ("dhcp", "snmp"):  # messages past 256 bytes: kind 1, a two-byte length (a datagram over UDP)
            op = bytes([2 | d]) + struct.pack(">H", len(p) - 1)
        else:
            op = bytes([6 | d, min(len(p), 256) - 1])
            p = p[:256]
        if len(out) + len(op) + len(p) > MAX_SEED:
            break
        out += op + p
    return bytes(out)


def main():
    outdir = sys.argv[1]
    seeds = {}
    for path in sys.argv[2:]:
        name = os.path.splitext(os.path.basename(path))[0]
        flows = {}
        order = []
        for _, ts, frame in read_pcap(path):
            r = parse(frame)
            if not r:
                continue
            ip, l4, src, sport, dst, dport, payload = r
            a, b = (src, sport), (dst, dport)
            key = (l4,) + tuple(sorted([a, b]))
            if key not in flows:
                flows[key] = {"client": a, "server_port": dport, "pkts": [], "payloads": []}
                order.append(key)
            fl = flows[key]
            fl["pkts"].append((ts, frame, ip))
            fl["payloads"].append((0 if a == fl["client"] else 1, payload))
        ftp_control_seen = False
        for n, key in enumerate(order):
            fl = flows[key]
            l4 = key[0]
            proto = PORTS.get(fl["server_port"]) or PORTS.get(fl["client"][1])
            if proto is None and name.startswith("ftp"):
                proto = "ftp-data"
            kind = n % 4
            if n < 6:
                seeds.setdefault("pipeline", []).append((f"{name}-{n}", pipeline_seed(kind, fl["pkts"])))
            if proto and (proto != "dns" or n < 16):
                seeds.setdefault(proto.replace("-", "_"), []).append(
                    (f"{name}-{n}", dissector_seed(proto, l4, fl["payloads"])))
            if proto == "dns" and l4 == 17 and n < 12:
                for i, (_, p) in enumerate(fl["payloads"][:2]):
                    seeds.setdefault("dns_name", []).append((f"{name}-{n}-{i}", bytes([12, 0]) + p))
            ftp_control_seen |= proto == "ftp"
        # DHCP's story spans conversations (the lease view): every datagram of the capture in one seed too
        dhcp_all = [(0 if flows[k]["server_port"] == 67 else 1, p) for k in order for p in
                    [pl for _, pl in flows[k]["payloads"]] if PORTS.get(flows[k]["server_port"]) == "dhcp"
                    or PORTS.get(flows[k]["client"][1]) == "dhcp"]
        if dhcp_all:
            seeds.setdefault("dhcp", []).append((f"{name}-all", dissector_seed("dhcp", 17, dhcp_all)))
        # the whole capture for the pipeline too (FTP's expectations need control and data flows together)
        allpk = [p for key in order for p in flows[key]["pkts"]]
        allpk.sort(key=lambda t: t[0])
        seeds["pipeline"].append((f"{name}-all", pipeline_seed(0, allpk)))
    for target, items in seeds.items():
        items = items[:40]
        dirs = [target] + (["export"] if target == "pipeline" else [])
        for t in dirs:
            d = os.path.join(outdir, t)
            os.makedirs(d, exist_ok=True)
            for fname, blob in items:
                with open(os.path.join(d, fname), "wb") as f:
                    f.write(blob)


main()
