/* Capture decode tests: link layers (Ethernet, 802.1Q/QinQ, SLL, SLL2, NULL, raw, PPP, PPPoE, Cisco HDLC,
 * 802.11 with and without radiotap, FDDI, NFLOG, ARCNET), UDP tunnels (GENEVE, GTP-U, VXLAN, Teredo), IPv4 options, IPv6
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

/* Writes an IPv4 header of ihl words (options zero-filled) for a datagram of `total` bytes. */
static void ipv4_header(uint8_t *b, int ihl, uint16_t id, uint16_t frag, uint8_t proto, size_t total,
                        const uint8_t src[4], const uint8_t dst[4])
{
    memset(b, 0, (size_t)ihl * 4);
    b[0] = (uint8_t)(0x40 | ihl);
    b[2] = (uint8_t)(total >> 8);
    b[3] = (uint8_t)total;
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    b[6] = (uint8_t)(frag >> 8);
    b[7] = (uint8_t)frag;
    b[8] = 64;
    b[9] = proto;
    memcpy(b + 12, src, 4);
    memcpy(b + 16, dst, 4);
}

/* Writes an IPv4 header (ihl words, options zero-filled) + TCP header + payload; returns length. */
static size_t ipv4_tcp(uint8_t *b, int ihl, uint16_t id, uint16_t frag, const char *payload)
{
    size_t pl = strlen(payload), hl = (size_t)ihl * 4, total = hl + 20 + pl;
    memset(b, 0, total);
    ipv4_header(b, ihl, id, frag, 6, total, (const uint8_t[]){192, 0, 2, 1}, (const uint8_t[]){192, 0, 2, 2});
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

/* Decodes one frame f[0..len) of link type lt with a decoder of its own. */
static int decode_one(int lt, const uint8_t *f, size_t len, tr_packet *p)
{
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    assert_int_equal(decoder_init(&d, lt, &ctx), 0);
    int r = decode_packet(&d, 1, f, len, p);
    decoder_free(&d);
    tr_sb_free(&anomalies);
    return r;
}

/* Decodes link header `head` (n bytes) followed by an IPv4/TCP packet carrying `payload`, on link type lt. */
static int decode_framed(int lt, const uint8_t *head, size_t n, const char *payload, tr_packet *p)
{
    static uint8_t f[512];
    memset(f, 0, sizeof f);
    memcpy(f, head, n);
    return decode_one(lt, f, n + ipv4_tcp(f + n, 5, 1, 0, payload), p);
}

/* The framings of capture/link.c, each as a real frame of its kind starts (hand-built: no tool here makes
 * them), and what each must leave alone. */
static void test_other_link_layers(void **state)
{
    (void)state;
    tr_packet p;
    static const uint8_t ppp_hdlc[] = {0xff, 0x03, 0x00, 0x21};
    assert_int_equal(decode_framed(DLT_PPP, ppp_hdlc, sizeof ppp_hdlc, "ppp", &p), DECODE_OK);
    expect_tcp(&p, "ppp");
    static const uint8_t ppp_compressed[] = {0x21}; /* no address/control, one-byte protocol */
    assert_int_equal(decode_framed(DLT_PPP, ppp_compressed, 1, "ppp1", &p), DECODE_OK);
    expect_tcp(&p, "ppp1");
    static const uint8_t ppp_lcp[] = {0xff, 0x03, 0xc0, 0x21};
    assert_int_equal(decode_framed(DLT_PPP, ppp_lcp, sizeof ppp_lcp, "lcp", &p), DECODE_SKIP);
    static const uint8_t serial_chdlc[] = {0x0f, 0x00, 0x08, 0x00};
    assert_int_equal(decode_framed(DLT_PPP_SERIAL, serial_chdlc, 4, "serial", &p), DECODE_OK);
    expect_tcp(&p, "serial");
    assert_int_equal(decode_framed(DLT_C_HDLC, serial_chdlc, 4, "chdlc", &p), DECODE_OK);
    expect_tcp(&p, "chdlc");
    static const uint8_t pppoe[] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x30, 0x00, 0x21};
    assert_int_equal(decode_framed(DLT_PPP_ETHER, pppoe, sizeof pppoe, "pppoe", &p), DECODE_OK);
    expect_tcp(&p, "pppoe");
    uint8_t eth_pppoe[22] = {[12] = 0x88, [13] = 0x64};
    memcpy(eth_pppoe + 14, pppoe, sizeof pppoe);
    assert_int_equal(decode_framed(DLT_EN10MB, eth_pppoe, sizeof eth_pppoe, "eth-pppoe", &p), DECODE_OK);
    expect_tcp(&p, "eth-pppoe");
    static const uint8_t pppoe_discovery[] = {0x11, 0x09, 0x00, 0x00, 0x00, 0x30, 0x00, 0x21}; /* PADI */
    assert_int_equal(decode_framed(DLT_PPP_ETHER, pppoe_discovery, 8, "padi", &p), DECODE_SKIP);

    /* 802.11 data to the distribution system, then LLC/SNAP */
    uint8_t wifi[40] = {0x08, 0x01};
    static const uint8_t snap_ipv4[] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00};
    memcpy(wifi + 24, snap_ipv4, 8);
    assert_int_equal(decode_framed(DLT_IEEE802_11, wifi, 32, "wifi", &p), DECODE_OK);
    expect_tcp(&p, "wifi");
    /* QoS data between two access points (four addresses, QoS control) */
    uint8_t wds[48] = {0x88, 0x03};
    memcpy(wds + 32, snap_ipv4, 8);
    assert_int_equal(decode_framed(DLT_IEEE802_11, wds, 40, "wds", &p), DECODE_OK);
    expect_tcp(&p, "wds");
    wifi[1] = 0x41; /* protected: not readable */
    assert_int_equal(decode_framed(DLT_IEEE802_11, wifi, 32, "wep", &p), DECODE_SKIP);
    wifi[1] = 0x01;
    wifi[0] = 0x80; /* a beacon */
    assert_int_equal(decode_framed(DLT_IEEE802_11, wifi, 32, "beacon", &p), DECODE_SKIP);
    wifi[0] = 0x08;
    uint8_t radiotap[44] = {0x00, 0x00, 0x0c, 0x00}; /* version 0, 12 bytes long */
    memcpy(radiotap + 12, wifi, 32);
    assert_int_equal(decode_framed(DLT_IEEE802_11_RADIO, radiotap, 44, "radiotap", &p), DECODE_OK);
    expect_tcp(&p, "radiotap");

    uint8_t fddi[21] = {0x50};
    memcpy(fddi + 13, snap_ipv4, 8);
    assert_int_equal(decode_framed(DLT_FDDI, fddi, sizeof fddi, "fddi", &p), DECODE_OK);
    expect_tcp(&p, "fddi");

    /* Linux ARCNET: RFC 1201's IP (split flag and sequence number), the old IP ID without them, ARP */
    static const uint8_t arc_ip[] = {0xbe, 0x50, 0xa8, 0xe7, 212, 0x00, 0x01, 0x66};
    assert_int_equal(decode_framed(DLT_ARCNET_LINUX, arc_ip, sizeof arc_ip, "arcnet", &p), DECODE_OK);
    expect_tcp(&p, "arcnet");
    static const uint8_t arc_ip_old[] = {0xbe, 0x50, 0xa8, 0xe7, 240};
    assert_int_equal(decode_framed(DLT_ARCNET_LINUX, arc_ip_old, sizeof arc_ip_old, "arc-old", &p), DECODE_OK);
    expect_tcp(&p, "arc-old");
    static const uint8_t arc_arp[] = {0xbe, 0x00, 0xea, 0x08, 213, 0x00, 0x01, 0x65};
    assert_int_equal(decode_framed(DLT_ARCNET_LINUX, arc_arp, sizeof arc_arp, "arp", &p), DECODE_SKIP);
    assert_int_equal(decode_one(DLT_ARCNET_LINUX, arc_ip, 6, &p), DECODE_BAD); /* header cut short */
}

/* NFLOG: attributes before the payload are passed over (padded to 4 bytes), the payload's length bounds the
 * packet; a payload attribute longer than the capture is a truncated header. */
static void test_nflog(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    assert_int_equal(decoder_init(&d, DLT_NFLOG, &ctx), 0);
    uint8_t f[256] = {2, 0, 0, 0}; /* AF_INET, version 0, resource 0 */
    uint16_t len = 4 + 5, type = 10; /* a 5-byte prefix attribute, padded to 8 */
    memcpy(f + 4, &len, 2);
    memcpy(f + 6, &type, 2);
    memcpy(f + 8, "pfx:", 5);
    size_t ip = ipv4_tcp(f + 20, 5, 1, 0, "nflog");
    len = (uint16_t)(4 + ip);
    type = 9;
    memcpy(f + 16, &len, 2);
    memcpy(f + 18, &type, 2);
    tr_packet p;
    assert_int_equal(decode_packet(&d, 1, f, 20 + ip + 3, &p), DECODE_OK); /* 3 bytes of attribute padding */
    expect_tcp(&p, "nflog");
    len = (uint16_t)(4 + ip + 40);
    memcpy(f + 16, &len, 2);
    assert_int_equal(decode_packet(&d, 1, f, 20 + ip, &p), DECODE_BAD);
    assert_int_equal(harness_count(tr_sb_cstr(&anomalies), "\"anomaly\":\"link_truncated\"", "NFLOG", NULL), 1);
    decoder_free(&d);
    tr_sb_free(&anomalies);
}

/* Writes an IPv4 header + UDP header (ports sp -> dp) + payload p[0..n) at b; returns the length. */
static size_t ipv4_udp(uint8_t *b, uint16_t sp, uint16_t dp, const uint8_t *p, size_t n)
{
    size_t total = 20 + 8 + n;
    memset(b, 0, 28);
    ipv4_header(b, 5, 0, 0, 17, total, (const uint8_t[]){198, 51, 100, 1}, (const uint8_t[]){198, 51, 100, 2});
    b[20] = (uint8_t)(sp >> 8);
    b[21] = (uint8_t)sp;
    b[22] = (uint8_t)(dp >> 8);
    b[23] = (uint8_t)dp;
    b[24] = (uint8_t)((8 + n) >> 8);
    b[25] = (uint8_t)(8 + n);
    memcpy(b + 28, p, n);
    return total;
}

/* Decodes raw IPv4: UDP sp -> dp whose payload is tunnel header `head` then the inner IPv4/TCP packet. */
static int decode_tunnelled(uint16_t sp, uint16_t dp, const uint8_t *head, size_t n, tr_packet *p)
{
    static uint8_t inner[512], outer[600];
    memcpy(inner, head, n);
    size_t len = n + ipv4_tcp(inner + n, 5, 1, 0, "inner");
    return decode_one(DLT_RAW, outer, ipv4_udp(outer, sp, dp, inner, len), p);
}

/* Tunnels whose headers check out are decoded as the packet inside (the VXLAN one comes from a real
 * capture, pcaps/http-vxlan.pcap; these are the other kinds and the headers that must not be taken). */
static void test_udp_tunnels(void **state)
{
    (void)state;
    tr_packet p;
    uint8_t eth_ipv4[14] = {[12] = 0x08};
    /* GENEVE with 8 bytes of options, carrying IPv4 (reply direction: from port 6081) */
    uint8_t geneve[16] = {0x02, 0x00, 0x08, 0x00, 0, 0, 42, 0};
    assert_int_equal(decode_tunnelled(6081, 40000, geneve, sizeof geneve, &p), DECODE_OK);
    expect_tcp(&p, "inner");
    /* GTP-U G-PDU with a sequence number and one extension header (PDU session container) */
    uint8_t gtp[20] = {0x34, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x09, 0x00};
    assert_int_equal(decode_tunnelled(2152, 2152, gtp, 16, &p), DECODE_OK);
    expect_tcp(&p, "inner");
    /* VXLAN carrying an Ethernet frame; without the I flag it is a plain datagram */
    uint8_t vxlan[22] = {0x08, 0, 0, 0, 0, 0, 42, 0};
    memcpy(vxlan + 8, eth_ipv4, sizeof eth_ipv4);
    assert_int_equal(decode_tunnelled(50000, 4789, vxlan, sizeof vxlan, &p), DECODE_OK);
    expect_tcp(&p, "inner");
    vxlan[0] = 0;
    assert_int_equal(decode_tunnelled(50000, 4789, vxlan, sizeof vxlan, &p), DECODE_OK);
    assert_int_equal(p.l4, 17);
    assert_int_equal(p.dport, 4789);
    /* GTP signalling (an echo request) is not a user packet */
    gtp[1] = 1;
    assert_int_equal(decode_tunnelled(2152, 2152, gtp, 16, &p), DECODE_OK);
    assert_int_equal(p.l4, 17);
}

/* Teredo: an IPv6 packet after an origin indication, taken only when its length accounts for the datagram. */
static void test_teredo(void **state)
{
    (void)state;
    uint8_t t[128] = {0x00, 0x00, 0x0d, 0xd8, 1, 2, 3, 4}; /* origin indication */
    uint8_t *ip6 = t + 8;
    ip6[0] = 0x60;
    ip6[5] = 8 + 4; /* UDP header and 4 bytes */
    ip6[6] = 17;
    ip6[8] = 0x20, ip6[9] = 0x01, ip6[10] = 0x0d, ip6[11] = 0xb8, ip6[23] = 1;
    ip6[24] = 0x20, ip6[25] = 0x01, ip6[26] = 0x0d, ip6[27] = 0xb8, ip6[39] = 2;
    uint8_t *udp = ip6 + 40;
    udp[0] = 0x9c, udp[1] = 0x40, udp[3] = 53, udp[5] = 12;
    memcpy(udp + 8, "abcd", 4);
    size_t n = 8 + 40 + 12;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    assert_int_equal(decoder_init(&d, DLT_RAW, &ctx), 0);
    uint8_t outer[256];
    tr_packet p;
    char a[TR_IP_STRLEN];
    assert_int_equal(decode_packet(&d, 1, outer, ipv4_udp(outer, 3544, 50000, t, n), &p), DECODE_OK);
    assert_string_equal(tr_ip_format(&p.src, a), "2001:db8::1");
    assert_int_equal(p.dport, 53);
    assert_int_equal(p.payload_len, 4);
    /* one byte more than the IPv6 header says: not Teredo, the outer datagram stays */
    assert_int_equal(decode_packet(&d, 1, outer, ipv4_udp(outer, 3544, 50000, t, n + 1), &p), DECODE_OK);
    assert_string_equal(tr_ip_format(&p.src, a), "198.51.100.1");
    assert_int_equal(p.sport, 3544);
    decoder_free(&d);
    tr_sb_free(&anomalies);
}

/* Tunnels in tunnels are followed three deep, no further: the fourth stays a datagram. */
static void test_tunnel_nesting_is_bounded(void **state)
{
    (void)state;
    static uint8_t pkt[1024];
    static const uint8_t gtp[8] = {0x30, 0xff, 0, 0, 0, 0, 0, 1};
    size_t n = ipv4_tcp(pkt, 5, 1, 0, "deep");
    for (int level = 0; level < 4; level++) { /* wrap it four times */
        static uint8_t tmp[1024];
        memcpy(tmp, gtp, 8);
        memcpy(tmp + 8, pkt, n);
        n = ipv4_udp(pkt, 2152, 2152, tmp, n + 8);
    }
    tr_packet p;
    assert_int_equal(decode_one(DLT_RAW, pkt, n, &p), DECODE_OK);
    assert_int_equal(p.l4, 17); /* the innermost GTP datagram, not the TCP inside it */
    assert_int_equal(p.dport, 2152);
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

/* A flood of first fragments that never complete (one host, then many spoofed ones) fills the table: a valid
 * datagram arriving during it is still reassembled (the oldest unfinished one makes room, the flooder's own
 * first), and the flood gives a handful of anomaly events, not one per fragment; --stats counts every one. */
static void test_fragment_flood_does_not_block_or_flood(void **state)
{
    (void)state;
    tr_ctx ctx;
    setup_ctx(&ctx);
    decoder d;
    decoder_init(&d, DLT_RAW, &ctx);
    uint8_t whole[256], f1[256], f2[256], junk[64];
    size_t n = ipv4_tcp(whole, 5, 4242, 0, "0123456789abcdefFRAGMENTED-PAYLOAD");
    memcpy(f1, whole, 44); /* bytes 0..23 of 54, MF */
    f1[2] = 0, f1[3] = 44, f1[6] = 0x20, f1[7] = 0;
    memcpy(f2, whole, 20); /* bytes 24..53, last */
    memcpy(f2 + 20, whole + 44, n - 44);
    f2[2] = 0, f2[3] = (uint8_t)(20 + n - 44), f2[6] = 0, f2[7] = 3;
    f1[12] = f2[12] = 198; /* the valid datagram comes from a host of its own */
    tr_packet p;
    enum { FLOOD = 60000 };
    int64_t ts = 1;
    int valid_ok = 0;
    for (int i = 0; i < FLOOD; i++, ts += 30) { /* 1.8 s of capture time */
        ipv4_header(junk, 5, (uint16_t)i, 0x2000, 17, 36, (const uint8_t[]){10, i >= FLOOD / 2 ? (uint8_t)(i >> 8) : 66, (uint8_t)i, 9},
                    (const uint8_t[]){192, 0, 2, 2});
        memset(junk + 20, 0xAB, 16);
        (void)decode_packet(&d, ts, junk, 36, &p);
        if (i == FLOOD / 4 || i == 3 * FLOOD / 4) { /* once from the flooding host's time, once from spoofed ones' */
            assert_int_equal(decode_packet(&d, ts, f1, 44, &p), DECODE_SKIP);
            (void)decode_packet(&d, ts + 1, junk, 36, &p); /* more flood between the two halves */
            valid_ok += decode_packet(&d, ts + 2, f2, (size_t)f2[3], &p) == DECODE_OK;
        }
    }
    assert_int_equal(valid_ok, 2);
    assert_true(d.frags.evicted >= FLOOD - 2 * IPFRAG_MAX_TRAINS);
    int events = harness_count(tr_sb_cstr(&anomalies), "\"anomaly\":\"ip_fragments_evicted\"", NULL);
    assert_true(events >= 2 && events <= 3 * IPFRAG_REPORT_BURST); /* a burst a second of capture time */
    assert_non_null(strstr(tr_sb_cstr(&anomalies), "more like it not reported one by one"));
    uint64_t counted = 0;
    for (int i = 0; i < TR_MAX_ANOMALY_KINDS && ctx.anomaly_names[i]; i++)
        if (strcmp(ctx.anomaly_names[i], "ip_fragments_evicted") == 0)
            counted = ctx.anomaly_counts[i];
    assert_int_equal(counted, d.frags.evicted);
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
    /* a SYN whose options the snap length cut (data offset 10, 6 bytes of them captured): an anomaly, and still
     * a segment, without payload, as tshark counts it; a TCP header cut inside its fixed part is not */
    static uint8_t syn[80];
    memset(syn, 0, sizeof syn);
    syn[12] = 0x08;
    size_t n = 14 + ipv4_tcp(syn + 14, 5, 1, 0, "");
    syn[14 + 20 + 12] = 10 << 4;
    syn[14 + 20 + 13] = TCP_SYN;
    assert_int_equal(decode_packet(&d, 1, syn, n + 6, &p), DECODE_OK);
    assert_int_equal(p.l4, 6);
    assert_int_equal(p.tcp_flags, TCP_SYN);
    assert_int_equal(p.seq, 0x1234);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(decode_packet(&d, 1, syn, 14 + 20 + 12, &p), DECODE_BAD);
    const char *ev = tr_sb_cstr(&anomalies);
    assert_int_equal(harness_count(ev, "\"anomaly\":\"tcp_truncated\"", "options cut short", NULL), 1);
    assert_int_equal(harness_count(ev, "\"anomaly\":\"tcp_truncated\"", "header cut short", NULL), 1);
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
        cmocka_unit_test(test_other_link_layers),
        cmocka_unit_test(test_nflog),
        cmocka_unit_test(test_udp_tunnels),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_tunnel_nesting_is_bounded),
        cmocka_unit_test(test_ipv4_fragments_out_of_order_with_overlap),
        cmocka_unit_test(test_fragment_flood_does_not_block_or_flood),
        cmocka_unit_test(test_ipv6_extension_headers_and_fragment),
        cmocka_unit_test(test_bad_headers_are_anomalies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
