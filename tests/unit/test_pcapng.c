/* pcapng reader tests (capture/pcapng.c) and the switch to it in capture/source.c when libpcap stops at an
 * interface of another link type. The files are built here, block by block: the real capture of this case is
 * pcaps/multi-link.pcapng (tests/golden); these are the edge cases no capture tool writes on purpose
 * (big-endian sections, binary time stamp resolutions, broken blocks). */
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../capture/pcapng.h"
#include "../../capture/source.h"

typedef struct ng {
    uint8_t b[1 << 16];
    size_t n;
    int big; /* the current section is big-endian */
    size_t block_at;
} ng;

static void put8(ng *g, uint8_t v) { g->b[g->n++] = v; }
static void put16(ng *g, uint16_t v)
{
    put8(g, (uint8_t)(g->big ? v >> 8 : v));
    put8(g, (uint8_t)(g->big ? v : v >> 8));
}
static void put32(ng *g, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put8(g, (uint8_t)(g->big ? v >> (24 - 8 * i) : v >> (8 * i)));
}
static void put64(ng *g, uint64_t v) /* as two 32-bit halves, high first in big-endian */
{
    if (g->big) {
        put32(g, (uint32_t)(v >> 32));
        put32(g, (uint32_t)v);
    } else {
        put32(g, (uint32_t)v);
        put32(g, (uint32_t)(v >> 32));
    }
}
static void put_bytes(ng *g, const void *p, size_t n)
{
    memcpy(g->b + g->n, p, n);
    g->n += n;
}
static void pad4(ng *g)
{
    while (g->n % 4)
        put8(g, 0);
}
static void block_begin(ng *g, uint32_t type)
{
    g->block_at = g->n;
    put32(g, type);
    put32(g, 0); /* the length, filled in by block_end */
}
static void block_end(ng *g)
{
    pad4(g);
    uint32_t total = (uint32_t)(g->n - g->block_at + 4);
    size_t end = g->n;
    g->n = g->block_at + 4;
    put32(g, total);
    g->n = end;
    put32(g, total);
}
static void section(ng *g, int big)
{
    g->big = big;
    block_begin(g, 0x0A0D0D0A);
    put32(g, 0x1A2B3C4D);
    put16(g, 1);
    put16(g, 0);
    put64(g, UINT64_MAX); /* section length not given */
    block_end(g);
}
/* An interface; tsresol < 0: none given; tsoffset 0: none given. */
static void interface(ng *g, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    block_begin(g, 1);
    put16(g, linktype);
    put16(g, 0);
    put32(g, snaplen);
    if (tsresol >= 0) {
        put16(g, 9);
        put16(g, 1);
        put8(g, (uint8_t)tsresol);
        pad4(g);
    }
    if (tsoffset) {
        put16(g, 14);
        put16(g, 8);
        put64(g, (uint64_t)tsoffset);
    }
    put16(g, 0);
    put16(g, 0);
    block_end(g);
}
static void enhanced(ng *g, uint32_t ifid, uint64_t ts, const void *data, uint32_t caplen, uint32_t len)
{
    block_begin(g, 6);
    put32(g, ifid);
    put32(g, (uint32_t)(ts >> 32));
    put32(g, (uint32_t)ts);
    put32(g, caplen);
    put32(g, len);
    put_bytes(g, data, caplen);
    block_end(g);
}

static FILE *stream_of(ng *g) { return fmemopen(g->b, g->n, "rb"); }

static void open_ng(pcapng_reader *r, ng *g) { assert_int_equal(pcapng_open_stream(r, stream_of(g)), 0); }

static void test_sections_and_time_stamps(void **state)
{
    (void)state;
    static ng g;
    memset(&g, 0, sizeof g);
    section(&g, 0);
    interface(&g, 1, 65535, -1, 0);          /* Ethernet, microseconds */
    interface(&g, 101, 0, 9, 100);           /* raw IP, nanoseconds, 100 s later */
    interface(&g, 113, 0, 0x80 | 10, 0);     /* SLL, 2^-10 s */
    enhanced(&g, 0, 1700000000123456ull, "abcdef", 6, 60);
    block_begin(&g, 0x0BAD); /* a block of a type no reader knows: skipped */
    put32(&g, 7);
    block_end(&g);
    enhanced(&g, 1, 1700000000123456789ull, "xyz", 3, 3);
    enhanced(&g, 2, (1700000000ull << 10) + 512, "q", 1, 1); /* half a second in 2^-10 units */
    section(&g, 1);                          /* big-endian: interfaces are numbered afresh */
    interface(&g, 0, 96, 3, 0);              /* BSD loopback, milliseconds, snaplen 96 */
    enhanced(&g, 0, 1700000000123ull, "hello", 5, 500);
    block_begin(&g, 3); /* a simple packet: interface 0, no time stamp, cut to the snaplen */
    put32(&g, 200);
    uint8_t big[120];
    memset(big, 'S', sizeof big);
    put_bytes(&g, big, sizeof big);
    block_end(&g);
    block_begin(&g, 2); /* the obsolete packet block */
    put16(&g, 0);
    put16(&g, 0);
    put32(&g, 0);
    put32(&g, 1000);
    put32(&g, 2);
    put32(&g, 2);
    put_bytes(&g, "op", 2);
    block_end(&g);

    pcapng_reader r;
    pcapng_packet p;
    open_ng(&r, &g);
    assert_int_equal(pcapng_next(&r, &p), 1);
    assert_int_equal(p.linktype, 1);
    assert_int_equal(p.ts_us, 1700000000123456ll);
    assert_int_equal(p.caplen, 6);
    assert_int_equal(p.len, 60);
    assert_memory_equal(p.data, "abcdef", 6);
    assert_int_equal(pcapng_next(&r, &p), 1);
    assert_int_equal(p.linktype, 101);
    assert_int_equal(p.ts_us, 1700000100123456ll); /* ns divided down, plus the offset */
    assert_memory_equal(p.data, "xyz", 3);
    assert_int_equal(pcapng_next(&r, &p), 1);
    assert_int_equal(p.linktype, 113);
    assert_int_equal(p.ts_us, 1700000000500000ll);
    assert_int_equal(pcapng_next(&r, &p), 1);
    assert_int_equal(p.linktype, 0);
    assert_int_equal(p.ts_us, 1700000000123000ll); /* ms multiplied up */
    assert_int_equal(p.len, 500);
    assert_memory_equal(p.data, "hello", 5);
    assert_int_equal(pcapng_next(&r, &p), 1);
    assert_int_equal(p.caplen, 96); /* the interface's snaplen */
    assert_int_equal(p.len, 200);
    assert_int_equal(p.ts_us, 0);
    assert_int_equal(pcapng_next(&r, &p), 1);
    assert_int_equal(p.ts_us, 1000000); /* 1000 ms in the obsolete block */
    assert_memory_equal(p.data, "op", 2);
    assert_int_equal(pcapng_next(&r, &p), 0);
    pcapng_close(&r);
}

/* The reader's verdict on a file whose last bytes are `tail` after a good section and interface. */
static int verdict(void (*tail)(ng *), char *err, size_t cap)
{
    static ng g;
    memset(&g, 0, sizeof g);
    section(&g, 0);
    interface(&g, 1, 0, -1, 0);
    tail(&g);
    pcapng_reader r;
    pcapng_packet p;
    open_ng(&r, &g);
    int rc;
    while ((rc = pcapng_next(&r, &p)) == 1)
        ;
    snprintf(err, cap, "%s", r.err);
    pcapng_close(&r);
    return rc;
}

static void cut_short(ng *g)
{
    enhanced(g, 0, 1, "abcd", 4, 4);
    g->n -= 6;
}
static void lengths_differ(ng *g)
{
    enhanced(g, 0, 1, "abcd", 4, 4);
    g->b[g->n - 4] ^= 4;
}
static void undescribed_interface(ng *g) { enhanced(g, 3, 1, "abcd", 4, 4); }
static void caplen_past_block(ng *g)
{
    enhanced(g, 0, 1, "abcd", 4, 4);
    g->b[g->n - 8 - 4 - 4] = 200; /* caplen (after type, length, interface, two time stamp halves) */
}
static void odd_length(ng *g)
{
    block_begin(g, 0x0BAD);
    put8(g, 1);
    uint32_t total = 13;
    memcpy(g->b + g->block_at + 4, &total, 4);
    put_bytes(g, &total, 4);
}
static void option_past_block(ng *g)
{
    block_begin(g, 1);
    put16(g, 101);
    put16(g, 0);
    put32(g, 0);
    put16(g, 9);
    put16(g, 40); /* longer than what is left of the block: the options end there */
    put32(g, 0);
    block_end(g);
    enhanced(g, 1, 7, "ok", 2, 2);
}
static void too_many_interfaces(ng *g)
{
    for (int i = 0; i < PCAPNG_INTERFACES_MAX; i++)
        interface(g, 1, 0, -1, 0);
}

static void test_broken_files(void **state)
{
    (void)state;
    char err[160];
    assert_int_equal(verdict(cut_short, err, sizeof err), -1);
    assert_true(strncmp(err, "truncated", 9) == 0); /* read as a cut-off capture, like libpcap's */
    assert_int_equal(verdict(lengths_differ, err, sizeof err), -1);
    assert_non_null(strstr(err, "length fields differ"));
    assert_int_equal(verdict(undescribed_interface, err, sizeof err), -1);
    assert_non_null(strstr(err, "interface 3"));
    assert_int_equal(verdict(caplen_past_block, err, sizeof err), -1);
    assert_non_null(strstr(err, "200 captured bytes"));
    assert_int_equal(verdict(odd_length, err, sizeof err), -1);
    assert_non_null(strstr(err, "impossible length 13"));
    assert_int_equal(verdict(option_past_block, err, sizeof err), 0); /* read, its packet too */
    assert_int_equal(verdict(too_many_interfaces, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 256 interfaces"));
    /* not pcapng at all */
    pcapng_reader r;
    FILE *f = fmemopen((void *)"\xd4\xc3\xb2\xa1", 4, "rb");
    assert_int_equal(pcapng_open_stream(&r, f), -1);
    assert_string_equal(r.err, "not a pcapng file");
}

/* Ethernet/IPv4/UDP or raw IPv4/UDP (or TCP) to port 53, for the source tests' filter. */
static size_t packet(uint8_t *out, int ethernet, uint8_t proto)
{
    size_t n = 0;
    if (ethernet) {
        memset(out, 0x11, 12);
        out[12] = 0x08;
        out[13] = 0x00;
        n = 14;
    }
    static const uint8_t ip[20] = {0x45, 0, 0, 36, 0, 1, 0, 0, 64, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(out + n, ip, sizeof ip);
    out[n + 9] = proto;
    n += 20;
    static const uint8_t l4[16] = {0x30, 0x39, 0, 53, 0, 16, 0, 0, 'p', 'i', 'n', 'g', 0, 0, 0, 0};
    memcpy(out + n, l4, sizeof l4);
    return n + sizeof l4;
}

typedef struct seen {
    int n;
    int linktype[8];
    int64_t ts[8];
    tr_source *src;
} seen;

static void on_packet(void *arg, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
    (void)data;
    (void)caplen;
    (void)wirelen;
    seen *s = arg;
    if (s->n < 8) {
        s->linktype[s->n] = s->src->linktype;
        s->ts[s->n] = ts_us;
    }
    s->n++;
}

/* libpcap reads the file up to the second interface (raw IP), then capture/pcapng.c from there. */
static void test_source_switches_at_another_link_type(void **state)
{
    (void)state;
    static ng g;
    memset(&g, 0, sizeof g);
    uint8_t eth_udp[64], raw_udp[64], raw_tcp[64];
    size_t neu = packet(eth_udp, 1, 17), nru = packet(raw_udp, 0, 17), nrt = packet(raw_tcp, 0, 6);
    section(&g, 0);
    interface(&g, 1, 262144, -1, 0);
    enhanced(&g, 0, 1000001, eth_udp, (uint32_t)neu, (uint32_t)neu);
    interface(&g, 101, 262144, -1, 0);
    enhanced(&g, 1, 1000002, raw_udp, (uint32_t)nru, (uint32_t)nru);
    enhanced(&g, 1, 1000003, raw_tcp, (uint32_t)nrt, (uint32_t)nrt);
    enhanced(&g, 0, 1000004, eth_udp, (uint32_t)neu, (uint32_t)neu);
    char path[] = "/tmp/test_pcapng.XXXXXX", dump[] = "/tmp/test_pcapng_w.XXXXXX";
    int fd = mkstemp(path), dfd = mkstemp(dump);
    assert_true(fd >= 0 && dfd >= 0);
    assert_int_equal(write(fd, g.b, g.n), (ssize_t)g.n);
    close(fd);
    close(dfd);

    for (int filtered = 0; filtered < 2; filtered++) {
        tr_source src;
        char err[512];
        assert_int_equal(source_open_file(&src, path, err, sizeof err), 0);
        assert_int_equal(src.linktype, 1);
        if (filtered)
            assert_int_equal(source_set_filter(&src, "udp", err, sizeof err), 0);
        else
            assert_int_equal(source_dump_open(&src, dump, err, sizeof err), 0);
        seen s = {.src = &src};
        int r;
        while ((r = source_dispatch(&src, 0, on_packet, &s, err, sizeof err)) > 0)
            ;
        assert_int_equal(r, -1);
        if (filtered) { /* the TCP packet fails the filter compiled for raw IP */
            assert_int_equal(s.n, 3);
            assert_int_equal(s.linktype[1], 101);
            assert_int_equal(s.ts[1], 1000002);
            assert_int_equal(s.linktype[2], 1);
        } else {
            assert_int_equal(s.n, 4);
            int want[4] = {1, 101, 101, 1};
            for (int i = 0; i < 4; i++) {
                assert_int_equal(s.linktype[i], want[i]);
                assert_int_equal(s.ts[i], 1000001 + i);
            }
            assert_int_equal(src.dump_skipped, 2);
        }
        source_close(&src);
    }
    /* -w kept the Ethernet packets, both */
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(dump, perr);
    assert_non_null(p);
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    struct pcap_pkthdr *h;
    const u_char *d;
    int n = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        assert_int_equal(h->caplen, neu);
        n++;
    }
    assert_int_equal(n, 2);
    pcap_close(p);
    unlink(path);
    unlink(dump);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_and_time_stamps),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_source_switches_at_another_link_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
