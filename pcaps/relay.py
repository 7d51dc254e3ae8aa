"""Layer-2 relay between two interfaces with AF_PACKET raw sockets: every frame
that arrives on one side leaves on the other (no kernel forwarding, no
addresses here), but TCP segments that carry data are impaired with a seeded
PRNG: a few are dropped, duplicated, delayed or held back and sent after the
next one (reordered). Handshakes, pure ACKs, FINs, ARP and NDP pass at once,
so connections always open and close and TCP itself repairs the losses.
usage: relay.py IF_A IF_B SEED STATS_FILE MAX_SECONDS
Stops on SIGTERM/SIGINT (or after MAX_SECONDS): sends what it still holds,
writes its counters to STATS_FILE as key=value lines and exits."""
import heapq, random, select, signal, socket, struct, sys, time

ETH_P_ALL = 0x0003
DROP, DUP, HOLD, DELAY = 0.03, 0.03, 0.05, 0.04   # per data segment
DELAY_S = (0.002, 0.012)      # a delayed segment waits this long (others overtake it)
DUP_GAP_S = 0.001             # the copy of a duplicated segment follows after this
HOLD_MAX_S = 0.05             # a held segment leaves after the next one, or after this
QUEUE_MAX = 512               # frames scheduled at once; beyond that frames pass unimpaired

if_a, if_b, seed, stats_path, max_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
rng = random.Random(seed)
stats = dict(frames=0, data_segments=0, dropped=0, duplicated=0, reordered=0, delayed=0, queue_full=0)

socks = []
for name in (if_a, if_b):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    socks.append(s)

running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

def tcp_payload_len(frame):
    """Bytes of TCP payload in an Ethernet frame (0 when not TCP or no data)."""
    if len(frame) < 14:
        return 0
    etype = struct.unpack_from('!H', frame, 12)[0]
    if etype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0f) * 4
        total = struct.unpack_from('!H', frame, 16)[0]
        frag = struct.unpack_from('!H', frame, 20)[0] & 0x3fff
        if frame[23] != 6 or frag or len(frame) < 14 + ihl + 13:
            return 0
        return max(0, total - ihl - (frame[14 + ihl + 12] >> 4) * 4)
    if etype == 0x86dd and len(frame) >= 54 + 13:
        if frame[20] != 6:          # TCP right after the fixed header (no extension headers here)
            return 0
        plen = struct.unpack_from('!H', frame, 18)[0]
        return max(0, plen - (frame[54 + 12] >> 4) * 4)
    return 0

queue = []      # (due, order, out_index, frame)
order = 0
held = [None, None]   # per output side: (since, frame) held back until the next data segment passes it

def schedule(out, frame, due):
    global order
    order += 1
    heapq.heappush(queue, (due, order, out, frame))

def send(out, frame):
    try:
        socks[out].send(frame)
    except OSError:
        pass  # link gone while stopping: nothing to deliver to

def on_frame(out, frame, now):
    stats['frames'] += 1
    if tcp_payload_len(frame) == 0 or len(queue) >= QUEUE_MAX:
        if len(queue) >= QUEUE_MAX:
            stats['queue_full'] += 1
        send(out, frame)
        return
    stats['data_segments'] += 1
    r = rng.random()
    if r < DROP:
        stats['dropped'] += 1
        return
    if r < DROP + DUP:
        stats['duplicated'] += 1
        send(out, frame)
        schedule(out, frame, now + DUP_GAP_S)
    elif r < DROP + DUP + HOLD and held[out] is None:
        stats['reordered'] += 1
        held[out] = (now, frame)
        return
    elif r >= DROP + DUP + HOLD and r < DROP + DUP + HOLD + DELAY:
        stats['delayed'] += 1
        schedule(out, frame, now + rng.uniform(*DELAY_S))
    else:
        send(out, frame)
    if held[out] is not None:       # the segment after a held one has left: now the held one
        send(out, held[out][1])
        held[out] = None

def flush_due(now, everything=False):
    while queue and (everything or queue[0][0] <= now):
        _, _, out, frame = heapq.heappop(queue)
        send(out, frame)
    for out in (0, 1):
        if held[out] is not None and (everything or now - held[out][0] >= HOLD_MAX_S):
            send(out, held[out][1])
            held[out] = None

deadline = time.monotonic() + max_s
print('relaying %s <-> %s, seed %d' % (if_a, if_b, seed), file=sys.stderr, flush=True)
while running and time.monotonic() < deadline:
    now = time.monotonic()
    timeout = 0.01
    if queue:
        timeout = min(timeout, max(0.0, queue[0][0] - now))
    try:
        ready, _, _ = select.select(socks, [], [], timeout)
    except InterruptedError:
        continue
    for s in ready:
        i = socks.index(s)
        try:
            frame, addr = s.recvfrom(65536)
        except BlockingIOError:
            continue
        if addr[2] == socket.PACKET_OUTGOING:   # our own transmission, seen by the tap
            continue
        on_frame(1 - i, frame, time.monotonic())
    flush_due(time.monotonic())
flush_due(time.monotonic(), everything=True)
with open(stats_path, 'w') as f:
    f.write('seed=%d\n' % seed)
    for k, v in stats.items():
        f.write('%s=%d\n' % (k, v))
for s in socks:
    s.close()
