/* Capture decode tests: link layers (Ethernet, 802.1Q/QinQ, SLL, SLL2, NULL, raw), IPv4 options, IPv6
 * extension headers, IPv4/IPv6 fragment reassembly with overlaps, and bad headers as anomalies. */
#include <pcap/dlt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../capture/decode.h"
#include "../../output/tr_format.h"
#include "harness.h"

static tr_strbuf anomalies;

static void on_event(void *self, const tr_event *e)
{
    (void)self;
    tr_format_json(e, 0, &anomalies);
}

static void setup_ctx(tr_ctx *ctx)
{
    tr_ctx_init(ctx);
    tr_sb_init(&anomalies, 1u << 20);
    tr_sink k = {0};
    k.on_event = on_event;
    tr_ctx_add_sink(ctx, &k);
}

/* Writes an IPv4 header (ihl words, options zero-filled) + TCP header + payload; returns length. */
static size_t ipv4_tcp(uint8_t *b, int ihl, uint16_t id, uint16_t frag, const char *payload)
{
    size_t pl = strlen(payload), hl = (size_t)ihl * 4, total = hl + 20 + pl;
    memset(b, 0, total);
    b[0] = (uint8_t)(0x40 | ihl);
    b[2] = (uint8_t)(total >> 8);
    b[3] = (uint8_t)total;
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    b[6] = (uint8_t)(frag >> 8);
    b[7] = (uint8_t)frag;
    b[8] = 64;
    b[9] = 6;
    memcpy(b + 12, (uint8_t[]){192, 0, 2, 1}, 4);
    memcpy(b + 16, (uint8_t[]){192, 0, 2, 2}, 4);
    if (ihl > 5)
        b[20] = 1; /* NOP options */
    uint8_t *t = b + hl;
    t[0] = 0x9c;
    t[1] = 0x40; /* 40000 */
    t[2] = 0x00;
    t[3] = 80;
    t[4] = 0;
    t[5] = 0;
    t[6] = 0x12;
    t[7] = 0x34; /* seq 0x1234 */
    t[12] = 5 << 4;
    t[13] = TCP_ACK | TCP_PSH;
    memcpy(t + 20, payload, pl);
    return total;
}

static void expect_tcp(const tr_packet *p, const char *payload)
{
    char a[TR_IP_STRLEN];
    assert_int_equal(p->l4, 6);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->dport, 80);
    assert_int_equal(p->seq, 0x1234);
    assert_int_equal(p->payload_len, strlen(payload));
    assert_memory_equal(p->payload, payload, strlen(payload));
    tr_ip_format(&p->src, a);
    assert_true(strcmp(a, "192.0.2.1") == 0 || strcmp(a, "2001:db8::1") == 0);
}

static void test_ethernet_vlan_qinq_ipv4_options(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    assert_int_equal(decoder_init(&d, DLT_EN10MB, &ctx), 0);
    uint8_t f[256] = {0};
    f[12] = 0x88;
    f[13] = 0xA8; /* QinQ outer */
    f[16] = 0x81;
    f[17] = 0x00; /* 802.1Q inner */
    f[20] = 0x08;
    f[21] = 0x00;
    size_t n = 22 + ipv4_tcp(f + 22, 7, 1, 0, "GET / HTTP/1.1\r\n");
    n += 6; /* Ethernet padding after the IP datagram must not become payload */
    tr_packet p;
    assert_int_equal(decode_packet(&d, 1, f, n, &p), DECODE_OK);
    expect_tcp(&p, "GET / HTTP/1.1\r\n");
    decoder_free(&d);
    tr_sb_free(&anomalies);
}

static void test_cooked_null_raw(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    uint8_t f[256] = {0};
    tr_packet p;
    decoder d;
    /* Linux cooked v1: protocol at bytes 14..15 */
    assert_int_equal(decoder_init(&d, DLT_LINUX_SLL, &ctx), 0);
    f[14] = 0x08;
    size_t n = 16 + ipv4_tcp(f + 16, 5, 1, 0, "sll");
    assert_int_equal(decode_packet(&d, 1, f, n, &p), DECODE_OK);
    expect_tcp(&p, "sll");
    decoder_free(&d);
    /* Linux cooked v2: protocol first, 20-byte header */
    memset(f, 0, sizeof f);
    assert_int_equal(decoder_init(&d, 276, &ctx), 0);
    f[0] = 0x08;
    n = 20 + ipv4_tcp(f + 20, 5, 1, 0, "sll2");
    assert_int_equal(decode_packet(&d, 1, f, n, &p), DECODE_OK);
    expect_tcp(&p, "sll2");
    decoder_free(&d);
    /* BSD loopback: 4-byte family */
    memset(f, 0, sizeof f);
    assert_int_equal(decoder_init(&d, DLT_NULL, &ctx), 0);
    f[0] = 2;
    n = 4 + ipv4_tcp(f + 4, 5, 1, 0, "null");
    assert_int_equal(decode_packet(&d, 1, f, n, &p), DECODE_OK);
    expect_tcp(&p, "null");
    decoder_free(&d);
    /* raw IP */
    assert_int_equal(decoder_init(&d, DLT_RAW, &ctx), 0);
    n = ipv4_tcp(f, 5, 1, 0, "raw");
    assert_int_equal(decode_packet(&d, 1, f, n, &p), DECODE_OK);
    expect_tcp(&p, "raw");
    decoder_free(&d);
    assert_int_equal(decoder_init(&d, 147, &ctx), -1); /* USER0: not supported */
    tr_sb_free(&anomalies);
}

static void test_ipv4_fragments_out_of_order_with_overlap(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    decoder_init(&d, DLT_RAW, &ctx);
    uint8_t whole[256], f1[256], f2[256], f3[256];
    size_t n = ipv4_tcp(whole, 5, 77, 0, "0123456789abcdefFRAGMENTED-PAYLOAD");
    size_t l4 = n - 20; /* 20 TCP + 34 payload = 54 bytes, cut at 24 and 40 */
    assert_int_equal(l4, 54);
    /* fragment 1: bytes 0..23 (MF), fragment 2: 24..47 (MF), fragment 3: 40..53 overlapping 40..47 */
    memcpy(f1, whole, 20);
    memcpy(f1 + 20, whole + 20, 24);
    f1[6] = 0x20;
    f1[7] = 0;
    f1[2] = 0;
    f1[3] = 44;
    memcpy(f2, whole, 20);
    memcpy(f2 + 20, whole + 44, 24);
    f2[6] = 0x20;
    f2[7] = 3; /* offset 24 */
    f2[3] = 44;
    memcpy(f3, whole, 20);
    memcpy(f3 + 20, whole + 60, 14);
    f3[20] ^= 0xFF; /* the overlapping byte differs: the first copy must win */
    f3[6] = 0;
    f3[7] = 5; /* offset 40 */
    f3[3] = 34;
    tr_packet p;
    assert_int_equal(decode_packet(&d, 1, f2, 44, &p), DECODE_SKIP); /* out of order */
    assert_int_equal(decode_packet(&d, 2, f1, 44, &p), DECODE_SKIP);
    assert_int_equal(decode_packet(&d, 3, f3, 34, &p), DECODE_OK); /* completes it; its first byte loses */
    expect_tcp(&p, "0123456789abcdefFRAGMENTED-PAYLOAD");
    assert_int_equal(harness_count(tr_sb_cstr(&anomalies), "\"anomaly\":\"ip_fragment_overlap_differs\"", NULL), 1);
    assert_int_equal(d.frags.reassembled, 1);
    decoder_free(&d);
    tr_sb_free(&anomalies);
}

static void test_ipv6_extension_headers_and_fragment(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    decoder_init(&d, DLT_RAW, &ctx);
    const char *payload = "ipv6 payload after hop-by-hop and fragment headers";
    uint8_t tcp[128];
    size_t pl = strlen(payload);
    memset(tcp, 0, 20);
    tcp[0] = 0x9c;
    tcp[1] = 0x40;
    tcp[3] = 80;
    tcp[6] = 0x12;
    tcp[7] = 0x34;
    tcp[12] = 5 << 4;
    tcp[13] = TCP_ACK;
    memcpy(tcp + 20, payload, pl);
    size_t l4 = 20 + pl;
    /* two fragments: 0..31 and 32..end; each: IPv6 + hop-by-hop (8) + fragment (8) */
    uint8_t pk[2][256];
    size_t cut = 32, len[2];
    for (int i = 0; i < 2; i++) {
        uint8_t *b = pk[i];
        memset(b, 0, 56);
        size_t part = i == 0 ? cut : l4 - cut;
        b[0] = 0x60;
        b[4] = (uint8_t)((16 + part) >> 8);
        b[5] = (uint8_t)(16 + part);
        b[6] = 0; /* hop-by-hop */
        b[8] = 0x20;
        b[9] = 0x01;
        b[10] = 0x0d;
        b[11] = 0xb8;
        b[23] = 1;
        b[24] = 0x20;
        b[25] = 0x01;
        b[26] = 0x0d;
        b[27] = 0xb8;
        b[39] = 2;
        b[40] = 44; /* next: fragment */
        b[41] = 0;  /* 8 bytes */
        b[42] = 1;  /* PadN */
        b[43] = 4;
        b[48] = 6; /* fragment header: next TCP */
        uint16_t off = (uint16_t)(i == 0 ? 0 : cut);
        b[50] = (uint8_t)(off >> 8);
        b[51] = (uint8_t)((off & 0xF8) | (i == 0 ? 1 : 0));
        b[55] = 9; /* id */
        memcpy(b + 56, tcp + (i == 0 ? 0 : cut), part);
        len[i] = 56 + part;
    }
    tr_packet p;
    assert_int_equal(decode_packet(&d, 1, pk[1], len[1], &p), DECODE_SKIP);
    assert_int_equal(decode_packet(&d, 2, pk[0], len[0], &p), DECODE_OK);
    expect_tcp(&p, payload);
    char a[TR_IP_STRLEN];
    assert_string_equal(tr_ip_format(&p.dst, a), "2001:db8::2");
    decoder_free(&d);
    tr_sb_free(&anomalies);
}

static void test_bad_headers_are_anomalies(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    decoder_init(&d, DLT_EN10MB, &ctx);
    uint8_t f[64] = {0};
    tr_packet p;
    assert_int_equal(decode_packet(&d, 1, f, 10, &p), DECODE_BAD); /* short Ethernet */
    f[12] = 0x08;
    f[14] = 0x45;
    assert_int_equal(decode_packet(&d, 1, f, 20, &p), DECODE_BAD); /* short IPv4 */
    f[14] = 0x43;                                                  /* IHL 3 */
    assert_int_equal(decode_packet(&d, 1, f, 40, &p), DECODE_BAD);
    f[12] = 0x08;
    f[13] = 0x06; /* ARP: not ours, not bad */
    assert_int_equal(decode_packet(&d, 1, f, 60, &p), DECODE_SKIP);
    const char *ev = tr_sb_cstr(&anomalies);
    assert_int_equal(harness_count(ev, "\"anomaly\":\"ethernet_truncated\"", "\"session\":0", NULL), 1);
    assert_int_equal(harness_count(ev, "\"anomaly\":\"ipv4_truncated\"", NULL), 1);
    assert_int_equal(harness_count(ev, "\"anomaly\":\"ipv4_malformed\"", NULL), 1);
    decoder_free(&d);
    tr_sb_free(&anomalies);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_vlan_qinq_ipv4_options),
        cmocka_unit_test(test_cooked_null_raw),
        cmocka_unit_test(test_ipv4_fragments_out_of_order_with_overlap),
        cmocka_unit_test(test_ipv6_extension_headers_and_fragment),
        cmocka_unit_test(test_bad_headers_are_anomalies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
