/* Engine tests: TCP reassembly (order, retransmission, overlap, holes, wrap-around, mid-stream, port reuse),
 * session lifecycle and counts, caps, UDP demux, and expectations with held flows. Packets are built
 * directly as tr_packet: these are the edge cases no real client produces on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../output/tr_format.h"
#include "../../reassembly/engine.h"
#include "../../reassembly/flow_table.h"
#include "harness.h"

typedef struct rec {
    tr_ctx ctx;
    tr_engine *eng;
    tr_strbuf events;
    tr_strbuf stream[2]; /* bytes the sinks saw, per direction, gaps as '#' */
} rec;

static void rec_event(void *self, const tr_event *e)
{
    rec *r = self;
    tr_format_json(e, 0, &r->events);
}

static void rec_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    (void)s;
    rec *r = self;
    tr_sb_add(&r->stream[dir], p, n);
}

static void rec_gap(void *self, tr_session *s, int dir, uint64_t n)
{
    (void)s;
    rec *r = self;
    for (uint64_t i = 0; i < n; i++)
        tr_sb_addc(&r->stream[dir], '#');
}

static rec *rec_new(const tr_engine_opts *o)
{
    rec *r = calloc(1, sizeof *r);
    tr_ctx_init(&r->ctx);
    tr_sb_init(&r->events, 16u << 20);
    tr_sb_init(&r->stream[0], 16u << 20);
    tr_sb_init(&r->stream[1], 16u << 20);
    tr_sink k = {0};
    k.self = r;
    k.on_event = rec_event;
    k.on_stream = rec_stream;
    k.on_stream_gap = rec_gap;
    tr_ctx_add_sink(&r->ctx, &k);
    tr_engine_opts def;
    tr_engine_default_opts(&def);
    def.hold_us = 0; /* bytes reach the sinks at once; the hold has its own tests */
    r->eng = tr_engine_new(&r->ctx, o ? o : &def);
    return r;
}

static void rec_free(rec *r)
{
    tr_engine_free(r->eng);
    tr_sb_free(&r->events);
    tr_sb_free(&r->stream[0]);
    tr_sb_free(&r->stream[1]);
    free(r);
}

static const char *rec_finish(rec *r)
{
    tr_engine_finish(r->eng);
    return tr_sb_cstr(&r->events);
}

static int64_t now_us = 1700000000000000LL;

/* client 10.0.0.1:40000 <-> server 10.0.0.2:port; dir 0 = from client */
static void pkt(rec *r, uint8_t l4, uint16_t port, int dir, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
                size_t n)
{
    tr_packet p;
    memset(&p, 0, sizeof p);
    uint8_t c[4] = {10, 0, 0, 1}, s[4] = {10, 0, 0, 2};
    tr_ip_set4(dir ? &p.dst : &p.src, c);
    tr_ip_set4(dir ? &p.src : &p.dst, s);
    p.sport = dir ? port : 40000;
    p.dport = dir ? 40000 : port;
    p.l4 = l4;
    p.tcp_flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.payload = (const uint8_t *)data;
    p.payload_len = data ? (n ? n : strlen(data)) : 0;
    now_us += 1000;
    p.ts_us = now_us;
    tr_engine_packet(r->eng, &p);
}

#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST

/* Three-way handshake with ISNs 1000 (client) and 5000 (server). */
static void handshake(rec *r, uint16_t port, uint32_t cisn, uint32_t sisn)
{
    pkt(r, TR_TCP, port, 0, SYN, cisn, 0, NULL, 0);
    pkt(r, TR_TCP, port, 1, SYN | ACK, sisn, cisn + 1, NULL, 0);
    pkt(r, TR_TCP, port, 0, ACK, cisn + 1, sisn + 1, NULL, 0);
}

static void test_in_order_and_close(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "hello ", 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 1007, 5001, "world", 0);
    pkt(r, TR_TCP, 9999, 1, ACK, 5001, 1012, "ok", 0);
    pkt(r, TR_TCP, 9999, 0, FIN | ACK, 1012, 5003, NULL, 0);
    pkt(r, TR_TCP, 9999, 1, FIN | ACK, 5003, 1013, NULL, 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 1013, 5004, NULL, 0);
    const char *ev = rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "hello world");
    assert_string_equal(tr_sb_cstr(&r->stream[1]), "ok");
    assert_int_equal(harness_count(ev, "\"type\":\"session_end\"", "\"packets\":{\"c2s\":6,\"s2c\":3}",
                                   "\"bytes\":{\"c2s\":11,\"s2c\":2}", "\"end\":\"fin\"", "\"midstream\":false",
                                   "\"client_port\":40000", "\"server_port\":9999", NULL),
                     1);
    rec_free(r);
}

static void test_out_of_order_and_retransmission(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1007, 5001, "world", 0);  /* early */
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "hello ", 0); /* fills the hole */
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "hello ", 0); /* retransmission */
    pkt(r, TR_TCP, 9999, 0, ACK, 1004, 5001, "lo wor", 0); /* overlapping retransmission */
    pkt(r, TR_TCP, 9999, 0, ACK, 1012, 5001, "!", 0);
    const char *ev = rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "hello world!");
    assert_int_equal(harness_count(ev, "\"packets\":{\"c2s\":7,\"s2c\":1}", "\"bytes\":{\"c2s\":12,\"s2c\":0}",
                                   "\"end\":\"eof\"", NULL),
                     1);
    assert_int_equal(harness_count(ev, "\"anomaly\"", NULL), 0);
    rec_free(r);
}

static void test_overlap_first_copy_wins(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1005, 5001, "AAAA", 0); /* queued: bytes 4..7 */
    pkt(r, TR_TCP, 9999, 0, ACK, 1005, 5001, "BBBB", 0); /* same range, different bytes */
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "xxxx", 0);
    const char *ev = rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "xxxxAAAA");
    assert_int_equal(harness_count(ev, "\"anomaly\":\"tcp_overlap_differs\"", NULL), 1);
    rec_free(r);
}

static void test_hole_becomes_gap_when_acked(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "abc", 0);
    /* bytes 1004..1009 never captured */
    pkt(r, TR_TCP, 9999, 0, ACK, 1010, 5001, "xyz", 0);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "abc"); /* still waiting */
    pkt(r, TR_TCP, 9999, 1, ACK, 5001, 1013, NULL, 0);     /* the server got everything */
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "abc######xyz");
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"gap_bytes\":{\"c2s\":6,\"s2c\":0}", "\"bytes\":{\"c2s\":6,", NULL), 1);
    rec_free(r);
}

static void test_hole_at_close_and_unseen_tail(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "ab", 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 1005, 5001, "ef", 0);
    const char *ev = rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "ab##ef");
    assert_int_equal(harness_count(ev, "\"gap_bytes\":{\"c2s\":2,", NULL), 1);
    rec_free(r);
}

static void test_sequence_wraparound(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 0xFFFFFFFAu, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 0xFFFFFFFBu, 5001, "01234", 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 0x00000004u, 5001, "9", 0); /* out of order across the wrap */
    pkt(r, TR_TCP, 9999, 0, ACK, 0x00000000u, 5001, "5678", 0);
    rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "0123456789");
    rec_free(r);
}

/* Found by fuzzing: a segment exactly 2^31 behind the next expected byte made the old-bytes count -d
 * overflow (d == INT32_MIN, UBSan: negation not representable). It is a retransmission and is dropped. */
static void test_segment_half_the_sequence_space_behind(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "abc", 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 1004u - 0x80000000u, 5001, "zz", 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 1004, 5001, "def", 0);
    rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "abcdef");
    rec_free(r);
}

static void test_midstream_pickup(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    pkt(r, TR_TCP, 9999, 0, ACK, 300, 7000, "abc", 0);
    pkt(r, TR_TCP, 9999, 1, ACK, 7000, 303, "xy", 0);
    pkt(r, TR_TCP, 9999, 0, ACK, 303, 7002, "d", 0);
    const char *ev = rec_finish(r);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "abcd");
    assert_int_equal(harness_count(ev, "\"type\":\"session_end\"", "\"midstream\":true", "\"client_port\":40000",
                                   "\"packets\":{\"c2s\":2,\"s2c\":1}", NULL),
                     1);
    rec_free(r);
}

static void test_rst_and_port_reuse(void **state)
{
    (void)state;
    rec *r = rec_new(NULL);
    handshake(r, 9999, 1000, 5000);
    pkt(r, TR_TCP, 9999, 0, ACK, 1001, 5001, "one", 0);
    pkt(r, TR_TCP, 9999, 1, RST | ACK, 5001, 1004, NULL, 0);
    pkt(r, TR_TCP, 9999, 1, RST | ACK, 5001, 1004, NULL, 0); /* late: counted in the same session */
    handshake(r, 9999, 90000, 70000);                         /* the same ports again */
    pkt(r, TR_TCP, 9999, 0, ACK, 90001, 70001, "two", 0);
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"session\":1,", "\"end\":\"rst\"", "\"packets\":{\"c2s\":3,\"s2c\":3}", NULL),
                     1);
    assert_int_equal(harness_count(ev, "\"session\":2,", "\"end\":\"eof\"", "\"bytes\":{\"c2s\":3,", NULL), 1);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "onetwo");
    rec_free(r);
}

static void test_flow_cap_evicts_oldest(void **state)
{
    (void)state;
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    o.max_flows = 10;
    o.hold_us = 0;
    rec *r = rec_new(&o);
    for (int i = 0; i < 100; i++) /* a SYN flood from one client to 100 ports */
        pkt(r, TR_TCP, (uint16_t)(1000 + i), 0, SYN, 1, 0, NULL, 0);
    const tr_engine_stats *st = tr_engine_stats_get(r->eng);
    assert_int_equal(st->evicted, 90);
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"end\":\"evicted\"", NULL), 90);
    assert_int_equal(harness_count(ev, "\"end\":\"eof\"", NULL), 10);
    rec_free(r);
}

/* Sessions left open with a request half sent each hold an HTTP state (tens of KB): past --memcap the least
 * recently active ones end as evicted, the memory count stays near the cap, and it is back to 0 at the end. */
static void test_memcap_evicts_idle_sessions(void **state)
{
    (void)state;
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    o.memcap = 1u << 20;
    o.hold_us = 0;
    rec *r = rec_new(&o);
    const tr_engine_stats *st = tr_engine_stats_get(r->eng);
    enum { SESSIONS = 100 };
    size_t peak_after_packet = 0;
    for (int i = 0; i < SESSIONS; i++) {
        uint16_t port = (uint16_t)(2000 + i);
        handshake(r, port, 1000, 5000);
        pkt(r, TR_TCP, port, 0, ACK, 1001, 5001, "GET /a HTTP/1.1\r\nHost: x\r\n", 0); /* headers not ended */
        if (st->mem > peak_after_packet)
            peak_after_packet = st->mem;
    }
    assert_true(st->evicted_memcap > 0);
    assert_int_equal(st->evicted, st->evicted_memcap);
    assert_true(st->evicted_memcap < SESSIONS - 10); /* dozens still fit */
    assert_true(peak_after_packet <= o.memcap);
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"end\":\"evicted\"", NULL), (int)st->evicted_memcap);
    assert_int_equal(harness_count(ev, "\"end\":\"eof\"", NULL), SESSIONS - (int)st->evicted_memcap);
    assert_int_equal(st->mem, 0); /* every session's state and buffers counted out again */
    rec_free(r);
}

/* A flood of one-datagram conversations holds nothing but the sessions' records, and those count against
 * --memcap too: past it the least recently active end, so memory follows the cap even when --max-flows is far. */
static void test_memcap_counts_session_records(void **state)
{
    (void)state;
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    o.memcap = 1u << 20;
    rec *r = rec_new(&o);
    const tr_engine_stats *st = tr_engine_stats_get(r->eng);
    enum { CONVERSATIONS = 5000 };
    size_t records_fit = o.memcap / sizeof(flow);
    for (int i = 0; i < CONVERSATIONS; i++)
        pkt(r, TR_UDP, (uint16_t)(20000 + i), 0, 0, 0, 0, "x", 1);
    assert_true(st->mem <= o.memcap);
    assert_int_equal(st->evicted, st->evicted_memcap);
    assert_true(CONVERSATIONS - st->evicted_memcap <= records_fit);
    assert_true(CONVERSATIONS - st->evicted_memcap > records_fit - 10);
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"end\":\"evicted\"", NULL), (int)st->evicted_memcap);
    assert_int_equal(st->mem, 0);
    rec_free(r);
}

/* What a sink holds for sessions (the exporter's buffers) counts against --memcap too: the more it holds, the
 * fewer sessions stay. */
static void test_memcap_counts_sink_memory(void **state)
{
    (void)state;
    size_t evicted[2];
    for (int run = 0; run < 2; run++) {
        tr_engine_opts o;
        tr_engine_default_opts(&o);
        o.memcap = 1u << 20;
        o.hold_us = 0;
        size_t sink_holds = run ? 512u << 10 : 0; /* half the cap */
        o.sink_memory[0] = &sink_holds;
        rec *r = rec_new(&o);
        for (int i = 0; i < 100; i++) {
            uint16_t port = (uint16_t)(2000 + i);
            handshake(r, port, 1000, 5000);
            pkt(r, TR_TCP, port, 0, ACK, 1001, 5001, "GET /a HTTP/1.1\r\nHost: x\r\n", 0);
        }
        evicted[run] = (size_t)tr_engine_stats_get(r->eng)->evicted_memcap;
        rec_finish(r);
        rec_free(r);
    }
    assert_true(evicted[0] > 0);
    assert_true(evicted[1] > evicted[0] + 10);
}

static void test_stream_cap_forces_gap(void **state)
{
    (void)state;
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    o.stream_cap = 1000;
    o.hold_us = 0;
    rec *r = rec_new(&o);
    handshake(r, 9999, 1000, 5000);
    static char chunk[600];
    memset(chunk, 'z', sizeof chunk);
    /* a hole at 1001..1010 that nobody acknowledges; queued data exceeds the cap */
    pkt(r, TR_TCP, 9999, 0, ACK, 1011, 5001, chunk, sizeof chunk);
    pkt(r, TR_TCP, 9999, 0, ACK, 1611, 5001, chunk, sizeof chunk);
    const tr_engine_stats *st = tr_engine_stats_get(r->eng);
    assert_int_equal(st->cap_gaps, 1);
    assert_int_equal(r->stream[0].len, 10 + 1200);
    rec_free(r);
}

/* The flow key is the same from either direction and tells apart what a conversation is made of: versions,
 * addresses, ports (also between the two ends of one host), transport. */
static void test_flow_key_both_directions(void **state)
{
    (void)state;
    static const uint8_t a4[4] = {10, 0, 0, 1}, b4[4] = {10, 0, 0, 2};
    static const uint8_t a6[16] = {10, 0, 0, 1}; /* the same first bytes as a4 */
    tr_ip a, b, a_v6;
    tr_ip_set4(&a, a4);
    tr_ip_set4(&b, b4);
    tr_ip_set6(&a_v6, a6);
    flow_key k1, k2, k3;
    flow_key_make(&k1, TR_TCP, &a, 40000, &b, 80);
    flow_key_make(&k2, TR_TCP, &b, 80, &a, 40000);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_int_equal(flow_key_hash(&k1), flow_key_hash(&k2));
    /* one host talking to itself: ordered by port */
    flow_key_make(&k1, TR_UDP, &a, 5353, &a, 53);
    flow_key_make(&k2, TR_UDP, &a, 53, &a, 5353);
    assert_memory_equal(&k1, &k2, sizeof k1);
    flow_table t;
    assert_int_equal(flow_table_init(&t, 16), 0);
    flow_key_make(&k1, TR_TCP, &a, 40000, &b, 80);
    flow *f = flow_table_insert(&t, &k1, flow_key_hash(&k1), 1);
    assert_non_null(f);
    flow_key_make(&k2, TR_TCP, &b, 80, &a, 40000);
    assert_ptr_equal(flow_table_find(&t, &k2, flow_key_hash(&k2)), f);
    flow_key_make(&k3, TR_UDP, &b, 80, &a, 40000); /* another transport */
    assert_null(flow_table_find(&t, &k3, flow_key_hash(&k3)));
    flow_key_make(&k3, TR_TCP, &b, 80, &a, 40001); /* another port */
    assert_null(flow_table_find(&t, &k3, flow_key_hash(&k3)));
    flow_key_make(&k3, TR_TCP, &b, 80, &b, 40000); /* another address */
    assert_null(flow_table_find(&t, &k3, flow_key_hash(&k3)));
    flow_key_make(&k3, TR_TCP, &a_v6, 40000, &a_v6, 80); /* IPv6 with the IPv4 address's bytes */
    flow_key_make(&k2, TR_TCP, &a, 40000, &a, 80);
    assert_memory_not_equal(&k2, &k3, sizeof k2);
    flow_table_remove(&t, f);
    assert_null(flow_table_find(&t, &k1, flow_key_hash(&k1)));
    flow_table_free(&t);
}

static void test_udp_conversation_and_timeout(void **state)
{
    (void)state;
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    o.udp_timeout_us = 5 * 1000000;
    o.hold_us = 0;
    rec *r = rec_new(&o);
    pkt(r, TR_UDP, 9999, 0, 0, 0, 0, "ping", 0);
    pkt(r, TR_UDP, 9999, 1, 0, 0, 0, "pong!", 0);
    now_us += 10 * 1000000LL;
    pkt(r, TR_UDP, 9999, 0, 0, 0, 0, "again", 0); /* idle past the timeout: a new conversation */
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"session\":1,", "\"transport\":\"udp\"", "\"end\":\"timeout\"",
                                   "\"bytes\":{\"c2s\":4,\"s2c\":5}", NULL),
                     1);
    assert_int_equal(harness_count(ev, "\"session\":2,", "\"end\":\"eof\"", NULL), 1);
    rec_free(r);
}

/* Expectations: a dissector-less test announces a flow through the context, as FTP does. */
static tr_engine_opts *holding_opts(void)
{
    static tr_engine_opts o;
    tr_engine_default_opts(&o);
    return &o;
}

static void test_expectation_claims_held_flow(void **state)
{
    (void)state;
    rec *r = rec_new(holding_opts());
    handshake(r, 9999, 1000, 5000); /* session 1: the "control" connection */
    /* session 2 opens on port 30000 and sends data before anyone announced it */
    pkt(r, TR_TCP, 30000, 0, SYN, 1, 0, NULL, 0);
    pkt(r, TR_TCP, 30000, 1, SYN | ACK, 1, 2, NULL, 0);
    pkt(r, TR_TCP, 30000, 1, ACK, 2, 2, "data bytes", 0);
    tr_session *control = r->ctx.find_session(&r->ctx, 1);
    assert_non_null(control);
    tr_expectation x;
    memset(&x, 0, sizeof x);
    x.l4 = TR_TCP;
    uint8_t srv[4] = {10, 0, 0, 2};
    tr_ip_set4(&x.server_ip, srv);
    x.server_port = 30000;
    x.dis = NULL;
    const char tag[] = "RETR file";
    x.ctx = tag;
    x.ctx_len = sizeof tag;
    assert_int_equal(tr_expect(control, &x), 0);
    tr_session *data = r->ctx.find_session(&r->ctx, 2);
    assert_non_null(data);
    assert_int_equal(data->parent, 1);
    assert_string_equal((const char *)data->expect_ctx, "RETR file");
    assert_string_equal(tr_sb_cstr(&r->stream[1]), "data bytes"); /* held bytes replayed */
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"session\":2,", "\"parent\":1", NULL), 1);
    rec_free(r);
}

static void test_unclaimed_flow_falls_back_to_tcp(void **state)
{
    (void)state;
    rec *r = rec_new(holding_opts());
    pkt(r, TR_TCP, 31000, 0, SYN, 1, 0, NULL, 0);
    pkt(r, TR_TCP, 31000, 0, ACK, 2, 1, "abc", 0);
    assert_int_equal(r->stream[0].len, 0); /* held */
    now_us += 3 * 1000000LL;                /* past the hold */
    pkt(r, TR_TCP, 31000, 0, ACK, 5, 1, "def", 0);
    assert_string_equal(tr_sb_cstr(&r->stream[0]), "abcdef");
    const char *ev = rec_finish(r);
    assert_int_equal(harness_count(ev, "\"proto\":\"tcp\"", "\"bytes\":{\"c2s\":6,", NULL), 1);
    rec_free(r);
}

/* A held flow counts what its buffer has taken against --memcap, which grows with what it holds (4 KB first,
 * doubling), and nothing once the hold ends. */
static void test_hold_counts_what_it_takes(void **state)
{
    (void)state;
    rec *r = rec_new(holding_opts());
    const tr_engine_stats *st = tr_engine_stats_get(r->eng);
    pkt(r, TR_TCP, 31000, 0, SYN, 1, 0, NULL, 0);
    size_t record = st->mem;
    assert_int_equal(record, sizeof(flow));
    pkt(r, TR_TCP, 31000, 0, ACK, 2, 1, "abc", 0);
    assert_int_equal(st->mem, record + 4096);
    static char five_k[5000];
    memset(five_k, 'x', sizeof five_k);
    pkt(r, TR_TCP, 31000, 0, ACK, 5, 1, five_k, sizeof five_k);
    assert_int_equal(r->stream[0].len, 0); /* still held */
    assert_int_equal(st->mem, record + 8192);
    now_us += 3 * 1000000LL; /* past the hold */
    pkt(r, TR_TCP, 31000, 0, ACK, 5005, 1, "def", 0);
    assert_int_equal(r->stream[0].len, 3 + sizeof five_k + 3);
    assert_int_equal(st->mem, record);
    rec_finish(r);
    assert_int_equal(st->mem, 0);
    rec_free(r);
}

/* Every order of four segments (and of three overlapping ones with equal bytes, and with a duplicate)
 * gives the same stream: reassembly does not depend on arrival order. */
static void test_every_permutation(void **state)
{
    (void)state;
    static const struct {
        uint32_t off;
        const char *data;
    } sets[3][5] = {
        {{0, "ab"}, {2, "cd"}, {4, "ef"}, {6, "gh"}},
        {{0, "abcd"}, {2, "cdef"}, {4, "efgh"}, {1, "bcdefg"}},
        {{0, "abc"}, {3, "defgh"}, {3, "defgh"}, {0, "abc"}}, /* duplicates */
    };
    for (int set = 0; set < 3; set++) {
        int idx[4] = {0, 1, 2, 3};
        int perms = 0;
        for (;;) {
            rec *r = rec_new(NULL);
            handshake(r, 9999, 1000, 5000);
            for (int i = 0; i < 4; i++)
                pkt(r, TR_TCP, 9999, 0, ACK, 1001 + sets[set][idx[i]].off, 5001, sets[set][idx[i]].data, 0);
            const char *ev = rec_finish(r);
            assert_string_equal(tr_sb_cstr(&r->stream[0]), "abcdefgh");
            assert_int_equal(harness_count(ev, "\"bytes\":{\"c2s\":8,", "\"gap_bytes\":{\"c2s\":0,", NULL), 1);
            assert_int_equal(harness_count(ev, "\"anomaly\"", NULL), 0);
            rec_free(r);
            perms++;
            /* next permutation (lexicographic) */
            int i = 2;
            while (i >= 0 && idx[i] > idx[i + 1])
                i--;
            if (i < 0)
                break;
            int j = 3;
            while (idx[j] < idx[i])
                j--;
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            for (int a = i + 1, b = 3; a < b; a++, b--) {
                t = idx[a];
                idx[a] = idx[b];
                idx[b] = t;
            }
        }
        assert_int_equal(perms, 24);
    }
}

/* Every order of segments around a hole: the hole becomes exactly one gap of the right size. */
static void test_every_permutation_with_hole(void **state)
{
    (void)state;
    static const struct {
        uint32_t off;
        const char *data;
    } segs[3] = {{0, "ab"}, {4, "ef"}, {6, "gh"}}; /* "cd" never arrives */
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int o = 0; o < 6; o++) {
        rec *r = rec_new(NULL);
        handshake(r, 9999, 1000, 5000);
        for (int i = 0; i < 3; i++)
            pkt(r, TR_TCP, 9999, 0, ACK, 1001 + segs[orders[o][i]].off, 5001, segs[orders[o][i]].data, 0);
        const char *ev = rec_finish(r);
        assert_string_equal(tr_sb_cstr(&r->stream[0]), "ab##efgh");
        assert_int_equal(harness_count(ev, "\"bytes\":{\"c2s\":6,", "\"gap_bytes\":{\"c2s\":2,", NULL), 1);
        rec_free(r);
    }
}

/* ---- stream offsets seen by a dissector (deliver) ---- */

static uint64_t lines_next[2]; /* where the next on_data call must start: consumed plus lost so far */
static int lines_calls, lines_wrong;

/* Consumes whole lines only, so deliver keeps the rest and re-offers it. */
static size_t lines_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    (void)need;
    lines_calls++;
    if (s->stream_off[dir] != lines_next[dir])
        lines_wrong++;
    size_t end = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n')
            end = i + 1;
    lines_next[dir] += end;
    return end;
}

static void lines_gap(tr_session *s, int dir, uint64_t n)
{
    if (s->stream_off[dir] != lines_next[dir]) /* where the lost bytes begin */
        lines_wrong++;
    lines_next[dir] += n;
}

static const tr_dissector dis_lines = {.name = "lines", .l4 = TR_TCP, .on_data = lines_data, .on_gap = lines_gap};

static void test_stream_offset_of_on_data(void **state)
{
    (void)state;
    memset(lines_next, 0, sizeof lines_next);
    lines_calls = lines_wrong = 0;
    harness *h = harness_new(NULL, TR_TCP, 9);
    h->s.dis = &dis_lines;
    harness_data(h, TR_C2S, "one\ntw", 6);  /* "tw" waits in deliver's buffer */
    harness_data(h, TR_C2S, "o\nthr", 5);   /* offered again from the buffer at offset 4 */
    harness_data(h, TR_S2C, "x\n", 2);
    harness_gap(h, TR_C2S, 100);            /* "thr" is lost with the hole: 103 bytes from offset 8 */
    harness_data(h, TR_C2S, "four\n", 5);   /* at 111 */
    assert_int_equal(lines_next[TR_C2S], 116);
    assert_int_equal(h->s.stream_off[TR_C2S], 116);
    assert_int_equal(h->s.stream_off[TR_S2C], 2);
    assert_true(lines_calls >= 4);
    assert_int_equal(lines_wrong, 0);
    harness_close(h, TR_END_FIN);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_and_close),
        cmocka_unit_test(test_out_of_order_and_retransmission),
        cmocka_unit_test(test_overlap_first_copy_wins),
        cmocka_unit_test(test_hole_becomes_gap_when_acked),
        cmocka_unit_test(test_hole_at_close_and_unseen_tail),
        cmocka_unit_test(test_sequence_wraparound),
        cmocka_unit_test(test_segment_half_the_sequence_space_behind),
        cmocka_unit_test(test_midstream_pickup),
        cmocka_unit_test(test_rst_and_port_reuse),
        cmocka_unit_test(test_flow_cap_evicts_oldest),
        cmocka_unit_test(test_memcap_evicts_idle_sessions),
        cmocka_unit_test(test_memcap_counts_sink_memory),
        cmocka_unit_test(test_memcap_counts_session_records),
        cmocka_unit_test(test_hold_counts_what_it_takes),
        cmocka_unit_test(test_stream_cap_forces_gap),
        cmocka_unit_test(test_flow_key_both_directions),
        cmocka_unit_test(test_udp_conversation_and_timeout),
        cmocka_unit_test(test_expectation_claims_held_flow),
        cmocka_unit_test(test_unclaimed_flow_falls_back_to_tcp),
        cmocka_unit_test(test_every_permutation),
        cmocka_unit_test(test_every_permutation_with_hole),
        cmocka_unit_test(test_stream_offset_of_on_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
