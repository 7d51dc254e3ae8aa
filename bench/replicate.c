/* replicate: scales a recorded seed capture up to benchmark size — COPIES copies of every session,
 * each copy as a different client (its IPv4 address rewritten, checksums fixed) starting INTERVAL
 * microseconds after the one before, all merged into one file in timestamp order.
 *
 *   replicate SEED.pcap OUT.pcap COPIES INTERVAL_US CLIENT_IP
 *
 * CLIENT_IP is the seed's client address; copy i gets 10.128.0.0 + i (skipping .0 and .255 in the last
 * octet). Every other address (the servers) stays. Only Ethernet + IPv4 seeds are handled; other
 * packets are copied unchanged. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seed_pkt {
    struct pcap_pkthdr h;
    int64_t rel_us;      /* time since the seed's first packet */
    uint8_t *data;
    int ip_off;          /* offset of the IPv4 header, -1: not rewritable */
    int csum_off;        /* offset of the TCP/UDP checksum, -1: none (or a UDP checksum of 0) */
    uint8_t src_is_client, dst_is_client;
} seed_pkt;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* RFC 1624 incremental checksum update: HC' = ~(~HC + ~m + m') for each 16-bit word changed. */
static uint16_t csum_replace32(uint16_t hc, uint32_t from, uint32_t to)
{
    uint32_t s = (uint16_t)~hc;
    s += (uint16_t)~(from >> 16);
    s += (uint16_t)~(from & 0xffff);
    s += to >> 16;
    s += to & 0xffff;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void classify(seed_pkt *k, uint32_t client)
{
    const uint8_t *p = k->data;
    k->ip_off = k->csum_off = -1;
    if (k->h.caplen < 14 + 20 || get16(p + 12) != 0x0800)
        return;
    const uint8_t *ip = p + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || k->h.caplen < 14 + ihl)
        return;
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    k->src_is_client = ntohl(src) == client;
    k->dst_is_client = ntohl(dst) == client;
    k->ip_off = 14;
    int frag = (get16(ip + 6) & 0x1fff) != 0;
    if (frag)
        return;
    size_t l4 = 14 + ihl;
    if (ip[9] == 6 && k->h.caplen >= l4 + 18)
        k->csum_off = (int)(l4 + 16);
    else if (ip[9] == 17 && k->h.caplen >= l4 + 8 && get16(p + l4 + 6) != 0)
        k->csum_off = (int)(l4 + 6);
}

static uint32_t copy_addr(uint32_t i) { return (10u << 24 | 128u << 16) + (i / 254) * 256 + i % 254 + 1; }

/* Writes packet k of copy i into out (a buffer of k->h.caplen bytes). */
static void rewrite(const seed_pkt *k, uint32_t client, uint32_t i, uint8_t *out)
{
    memcpy(out, k->data, k->h.caplen);
    if (k->ip_off < 0 || !(k->src_is_client || k->dst_is_client))
        return;
    uint8_t *ip = out + k->ip_off;
    uint32_t to = copy_addr(i);
    uint16_t hc = get16(ip + 10), lc = k->csum_off >= 0 ? get16(out + k->csum_off) : 0;
    for (int side = 0; side < 2; side++) {
        if (!(side ? k->dst_is_client : k->src_is_client))
            continue;
        uint32_t be = htonl(to);
        memcpy(ip + 12 + 4 * side, &be, 4);
        hc = csum_replace32(hc, client, to);
        lc = csum_replace32(lc, client, to); /* the address is in the TCP/UDP pseudo-header too */
    }
    put16(ip + 10, hc);
    if (k->csum_off >= 0)
        put16(out + k->csum_off, lc ? lc : 0xffff); /* UDP: 0 means "no checksum" */
}

/* Min-heap of running copies by the time of their next packet. */
typedef struct run {
    int64_t next_us;
    uint32_t copy, idx;
} run;

static void heap_down(run *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && h[l].next_us < h[m].next_us)
            m = l;
        if (l + 1 < n && h[l + 1].next_us < h[m].next_us)
            m = l + 1;
        if (m == i)
            return;
        run t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(run *h, size_t i)
{
    while (i && h[(i - 1) / 2].next_us > h[i].next_us) {
        run t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: replicate SEED.pcap OUT.pcap COPIES INTERVAL_US CLIENT_IP\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    uint32_t copies = (uint32_t)strtoul(argv[3], NULL, 10);
    int64_t interval = strtoll(argv[4], NULL, 10);
    struct in_addr ca;
    if (!copies || copies > 254u * 32768u || interval < 0 || inet_pton(AF_INET, argv[5], &ca) != 1) {
        fprintf(stderr, "replicate: bad COPIES, INTERVAL_US or CLIENT_IP\n");
        return 2;
    }
    uint32_t client = ntohl(ca.s_addr);
    pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!in) {
        fprintf(stderr, "replicate: %s\n", err);
        return 1;
    }
    size_t n = 0, cap = 1024, maxlen = 0;
    seed_pkt *seed = malloc(cap * sizeof *seed);
    struct pcap_pkthdr *h;
    const u_char *d;
    while (seed && pcap_next_ex(in, &h, &d) == 1) {
        if (n == cap)
            seed = realloc(seed, (cap *= 2) * sizeof *seed);
        seed_pkt *k = &seed[n];
        k->h = *h;
        k->data = malloc(h->caplen ? h->caplen : 1);
        if (!seed || !k->data) {
            fprintf(stderr, "replicate: out of memory\n");
            return 1;
        }
        memcpy(k->data, d, h->caplen);
        int64_t t = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        int64_t t0 = n ? (int64_t)seed[0].h.ts.tv_sec * 1000000 + seed[0].h.ts.tv_usec : t;
        k->rel_us = t - t0;
        classify(k, client);
        if (h->caplen > maxlen)
            maxlen = h->caplen;
        n++;
    }
    if (!n) {
        fprintf(stderr, "replicate: %s has no packets\n", argv[1]);
        return 1;
    }
    int64_t base = (int64_t)seed[0].h.ts.tv_sec * 1000000 + seed[0].h.ts.tv_usec;

    FILE *fo = fopen(argv[2], "wb");
    if (!fo) {
        perror(argv[2]);
        return 1;
    }
    setvbuf(fo, NULL, _IOFBF, 1 << 20);
    pcap_dumper_t *out = pcap_dump_fopen(in, fo);
    if (!out) {
        fprintf(stderr, "replicate: %s\n", pcap_geterr(in));
        return 1;
    }
    /* Copies start in order, so a copy joins the heap once the clock reaches its start. */
    run *heap = malloc(copies * sizeof *heap);
    uint8_t *buf = malloc(maxlen ? maxlen : 1);
    if (!heap || !buf)
        return 1;
    size_t hn = 0;
    uint32_t started = 0;
    uint64_t written = 0;
    for (;;) {
        int64_t next_start = started < copies ? (int64_t)started * interval : INT64_MAX;
        if (hn == 0 && started == copies)
            break;
        if (started < copies && (hn == 0 || next_start <= heap[0].next_us)) {
            heap[hn] = (run){next_start + seed[0].rel_us, started++, 0};
            heap_up(heap, hn++);
            continue;
        }
        run *r = &heap[0];
        const seed_pkt *k = &seed[r->idx];
        struct pcap_pkthdr oh = k->h;
        int64_t t = base + r->next_us;
        oh.ts.tv_sec = (time_t)(t / 1000000);
        oh.ts.tv_usec = (suseconds_t)(t % 1000000);
        rewrite(k, client, r->copy, buf);
        pcap_dump((u_char *)out, &oh, buf);
        written++;
        if (++r->idx == n) {
            heap[0] = heap[--hn];
        } else {
            r->next_us = (int64_t)r->copy * interval + seed[r->idx].rel_us;
        }
        heap_down(heap, hn, 0);
    }
    pcap_dump_close(out);
    pcap_close(in);
    fprintf(stderr, "replicate: %s: %u copies of %zu packets = %llu packets\n", argv[2], copies, n,
            (unsigned long long)written);
    for (size_t i = 0; i < n; i++)
        free(seed[i].data);
    free(seed);
    free(heap);
    free(buf);
    return 0;
}
