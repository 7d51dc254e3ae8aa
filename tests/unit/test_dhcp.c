/* Tests of the DHCP dissector and its option reader. Messages are built by hand here: the real exchanges are in
 * pcaps/dhcp-*.pcap (dnsmasq with ISC dhclient and busybox udhcpc), and these are what no real client or server
 * sent there — option 52 overload, options split in several instances, lengths that run past their field, an
 * hlen past chaddr — plus the lease view fed exchange by exchange across several sessions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/dhcp_options.h"
#include "harness.h"

/* ---- building messages ---- */

enum { OFF_CIADDR = 12, OFF_YIADDR = 16, OFF_SIADDR = 20, OFF_GIADDR = 24, OFF_CHADDR = 28, OFF_SNAME = 44,
       OFF_FILE = 108, OFF_COOKIE = 236, OFF_OPTIONS = 240 };

typedef struct msg {
    uint8_t b[4096];
    size_t n;
} msg;

static const uint8_t mac_a[6] = {0x02, 0x00, 0x5e, 0x99, 0x00, 0x01};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x5e, 0x99, 0x00, 0x02};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t ip(int a, int b, int c, int d) { return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d; }

/* The header of a message of type `type` (0: none, a BOOTP message), options following the cookie. */
static void msg_init(msg *m, int op, uint32_t xid, const uint8_t mac[6], int type)
{
    memset(m, 0, sizeof *m);
    m->b[0] = (uint8_t)op;
    m->b[1] = 1;
    m->b[2] = 6;
    put32(m->b + 4, xid);
    memcpy(m->b + OFF_CHADDR, mac, 6);
    put32(m->b + OFF_COOKIE, 0x63825363);
    m->n = OFF_OPTIONS;
    if (type) {
        m->b[m->n++] = 53;
        m->b[m->n++] = 1;
        m->b[m->n++] = (uint8_t)type;
    }
}

static void addr(msg *m, int off, uint32_t a) { put32(m->b + off, a); }

static void opt(msg *m, uint8_t code, const void *v, size_t len)
{
    m->b[m->n++] = code;
    m->b[m->n++] = (uint8_t)len;
    memcpy(m->b + m->n, v, len);
    m->n += len;
}

static void opt_str(msg *m, uint8_t code, const char *s) { opt(m, code, s, strlen(s)); }

static void opt_ip(msg *m, uint8_t code, uint32_t a)
{
    uint8_t v[4];
    put32(v, a);
    opt(m, code, v, 4);
}

static void opt_u32(msg *m, uint8_t code, uint32_t x) { opt_ip(m, code, x); }

static void end(msg *m) { m->b[m->n++] = 255; }

/* An option written at a fixed offset (inside sname or file); returns the offset after it. */
static size_t at_opt(msg *m, size_t at, uint8_t code, const void *v, size_t len)
{
    m->b[at] = code;
    m->b[at + 1] = (uint8_t)len;
    memcpy(m->b + at + 2, v, len);
    return at + 2 + len;
}

enum { DISCOVER = 1, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM };

/* One message alone on a client-to-server (request) or server-to-client (reply) session; returns the JSON. */
static char *one(const msg *m)
{
    harness *h = harness_new("dhcp", TR_UDP, 67);
    harness_datagram(h, m->b[0] == 2 ? TR_S2C : TR_C2S, m->b, m->n);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    return out;
}

static void expect_has(const char *json, const char *needle)
{
    if (!strstr(json, needle)) {
        fprintf(stderr, "missing: %s\nin:\n%s", needle, json);
        fail();
    }
}

static void expect_not(const char *json, const char *needle)
{
    if (strstr(json, needle)) {
        fprintf(stderr, "unexpected: %s\nin:\n%s", needle, json);
        fail();
    }
}

/* ---- one message ---- */

static void test_discover_fields(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 1, 0x3903f326, mac_a, DISCOVER);
    m.b[10] = 0x80; /* broadcast flag */
    static const uint8_t params[] = {1, 3, 6, 15, 119, 252, 224};
    opt(&m, 55, params, sizeof params);
    opt_str(&m, 12, "laptop");
    opt_str(&m, 60, "udhcp 1.35.0");
    static const uint8_t cid[] = {1, 0x02, 0x00, 0x5e, 0x99, 0x00, 0x01};
    opt(&m, 61, cid, sizeof cid);
    static const uint8_t maxsize[] = {0x05, 0xdc};
    opt(&m, 57, maxsize, 2);
    opt_ip(&m, 50, ip(10, 99, 0, 77));
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"dhcp\":{\"msg_type\":\"DISCOVER\",\"xid\":956560166,\"client_mac\":\"02:00:5e:99:00:01\","
                    "\"broadcast\":true,\"requested_ip\":\"10.99.0.77\",\"hostname\":\"laptop\","
                    "\"vendor_class\":\"udhcp 1.35.0\",\"client_id\":\"01:02:00:5e:99:00:01\","
                    "\"params\":[\"subnet_mask\",\"routers\",\"dns_servers\",\"domain_name\",\"domain_search\","
                    "\"wpad\",\"224\"],\"params_fingerprint\":\"1,3,6,15,119,252,224\",\"max_message_size\":1500}}");
    assert_int_equal(harness_count(out, "\"anomaly\"", NULL), 0);
    free(out);
}

static void test_offer_fields(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 2, 7, mac_a, OFFER);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 50));
    addr(&m, OFF_SIADDR, ip(10, 99, 0, 1));
    memcpy(m.b + OFF_SNAME, "boot.example", 12);
    memcpy(m.b + OFF_FILE, "pxelinux.0", 10);
    opt_ip(&m, 54, ip(10, 99, 0, 1));
    opt_u32(&m, 51, 3600);
    opt_u32(&m, 58, 1800);
    opt_u32(&m, 59, 3150);
    opt_ip(&m, 1, ip(255, 255, 255, 0));
    opt_ip(&m, 28, ip(10, 99, 0, 255));
    static const uint8_t routers[] = {10, 99, 0, 1, 10, 99, 0, 254};
    opt(&m, 3, routers, sizeof routers);
    opt_ip(&m, 6, ip(10, 99, 0, 1));
    opt_ip(&m, 42, ip(10, 99, 0, 123));
    opt_str(&m, 15, "trawl.test");
    opt_str(&m, 56, "welcome");
    static const uint8_t unknown[] = {0xde, 0xad};
    opt(&m, 224, unknown, 2);
    opt_str(&m, 43, "ab");
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"dhcp\":{\"msg_type\":\"OFFER\",\"xid\":7,\"client_mac\":\"02:00:5e:99:00:01\","
                    "\"yiaddr\":\"10.99.0.50\",\"siaddr\":\"10.99.0.1\",\"broadcast\":false,\"sname\":\"boot.example\","
                    "\"file\":\"pxelinux.0\",\"server_id\":\"10.99.0.1\",\"lease_time\":3600,\"renewal_time\":1800,"
                    "\"rebinding_time\":3150,\"subnet_mask\":\"255.255.255.0\",\"broadcast_address\":\"10.99.0.255\","
                    "\"routers\":[\"10.99.0.1\",\"10.99.0.254\"],\"dns_servers\":[\"10.99.0.1\"],"
                    "\"ntp_servers\":[\"10.99.0.123\"],\"domain_name\":\"trawl.test\",\"message\":\"welcome\","
                    "\"options\":[{\"code\":224,\"hex\":\"dead\"},{\"code\":43,\"name\":\"vendor_specific\","
                    "\"hex\":\"6162\"}]}}");
    free(out);
}

/* Option 52 = 3: options go on in file, then sname (RFC 2131 4.1); an option split across all three areas is
 * joined in that order (RFC 3396); the fixed fields are then not names. */
static void test_overload_and_concatenation(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 2, 9, mac_a, ACK);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 51));
    static const uint8_t both = 3;
    opt(&m, 52, &both, 1);
    opt_str(&m, 15, "exa");
    end(&m);
    size_t at = at_opt(&m, OFF_FILE, 15, "mple.", 5);
    at = at_opt(&m, at, 6, "\x0a\x63\x00\x01", 4);
    m.b[at] = 255;
    m.b[OFF_SNAME] = 0; /* a pad byte first */
    at = at_opt(&m, OFF_SNAME + 1, 15, "org", 3);
    at = at_opt(&m, at, 54, "\x0a\x63\x00\x01", 4);
    m.b[at] = 255;
    char *out = one(&m);
    expect_has(out, "\"server_id\":\"10.99.0.1\"");
    expect_has(out, "\"dns_servers\":[\"10.99.0.1\"],\"domain_name\":\"example.org\"");
    expect_has(out, "\"overload\":\"both\"");
    expect_not(out, "\"sname\"");
    expect_not(out, "\"file\"");
    assert_int_equal(harness_count(out, "\"anomaly\"", NULL), 0);
    free(out);

    /* overload 1: file only, sname stays a name */
    msg_init(&m, 2, 10, mac_a, OFFER);
    static const uint8_t file_only = 1;
    opt(&m, 52, &file_only, 1);
    end(&m);
    memcpy(m.b + OFF_SNAME, "srv", 3);
    at = at_opt(&m, OFF_FILE, 12, "hidden-host", 11);
    m.b[at] = 255;
    out = one(&m);
    expect_has(out, "\"sname\":\"srv\"");
    expect_has(out, "\"hostname\":\"hidden-host\"");
    expect_has(out, "\"overload\":\"file\"");
    expect_not(out, "\"file\":");
    free(out);
}

/* Several instances of one option in the options field (RFC 3396) and a long value across them. */
static void test_concatenated_instances(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 1, 11, mac_a, REQUEST);
    opt_str(&m, 12, "very-long-");
    opt_str(&m, 60, "vendor");
    opt_str(&m, 12, "host");
    static const uint8_t r1[] = {10, 0, 0, 1}, r2[] = {10, 0, 0, 2};
    opt(&m, 3, r1, 4);
    opt(&m, 3, r2, 4);
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"routers\":[\"10.0.0.1\",\"10.0.0.2\"],\"hostname\":\"very-long-host\",\"vendor_class\":\"vendor\"");
    free(out);
}

/* A length that runs past the options field: an anomaly, the options before it kept, no read past the end. */
static void test_malformed_lengths(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 1, 12, mac_a, DISCOVER);
    opt_str(&m, 12, "kept");
    m.b[m.n++] = 60;
    m.b[m.n++] = 200; /* 200 bytes claimed, 3 there */
    memcpy(m.b + m.n, "abc", 3);
    m.n += 3;
    /* fed as exactly that many bytes, so ASan sees any read past them */
    uint8_t *copy = malloc(m.n);
    memcpy(copy, m.b, m.n);
    harness *h = harness_new("dhcp", TR_UDP, 67);
    harness_datagram(h, TR_C2S, copy, m.n);
    /* a length byte missing at the very end */
    copy[m.n - 5] = 61;
    harness_datagram(h, TR_C2S, copy, m.n - 4);
    /* shorter than the header: no message */
    harness_datagram(h, TR_C2S, copy, 100);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    free(copy);
    assert_int_equal(harness_count(out, "\"msg_type\":\"DISCOVER\"", "\"hostname\":\"kept\"", NULL), 2);
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_bad_option_length\"", "option 60 at offset", NULL), 1);
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_bad_option_length\"", "option 61 at offset", NULL), 1);
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_truncated\"", NULL), 1);
    expect_not(out, "vendor_class");
    free(out);

    /* a value that does not fit its option: shown as hex, with an anomaly */
    msg_init(&m, 2, 13, mac_a, OFFER);
    static const uint8_t three[] = {10, 99, 0};
    opt(&m, 54, three, 3);
    static const uint8_t routers[] = {10, 99, 0, 1, 10};
    opt(&m, 3, routers, 5);
    end(&m);
    out = one(&m);
    expect_has(out, "\"options\":[{\"code\":54,\"name\":\"server_id\",\"hex\":\"0a6300\"},{\"code\":3,\"name\":\"routers\","
                    "\"hex\":\"0a6300010a\"}]");
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_bad_option\"", "option 54", NULL), 1);
    free(out);

    /* option 52 with a bad value, and an option 52 inside file: neither makes file or sname options */
    msg_init(&m, 2, 14, mac_a, OFFER);
    static const uint8_t bad = 7;
    opt(&m, 52, &bad, 1);
    end(&m);
    size_t at = at_opt(&m, OFF_FILE, 12, "x", 1);
    m.b[at] = 255;
    out = one(&m);
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_bad_overload\"", NULL), 1);
    expect_not(out, "\"hostname\"");
    free(out);
}

static void test_hlen_past_chaddr(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 1, 15, mac_a, DISCOVER);
    m.b[2] = 200;
    memset(m.b + OFF_SNAME, 0x41, 64); /* what a trusted hlen would read next */
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"client_mac\":\"02:00:5e:99:00:01\",");
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_bad_hlen\"", "hlen 200", NULL), 1);
    free(out);

    m.b[1] = 6; /* not Ethernet: all of chaddr */
    out = one(&m);
    expect_has(out, "\"client_mac\":\"02:00:5e:99:00:01:00:00:00:00:00:00:00:00:00:00\"");
    free(out);

    m.b[2] = 0; /* no hardware address (IPoIB sends none): no client_mac */
    out = one(&m);
    expect_not(out, "client_mac");
    free(out);
}

/* Option 82 (RFC 3046, 3993): circuit, remote and subscriber ids; another sub-option as hex. */
static void test_relay_agent(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 1, 16, mac_a, DISCOVER);
    addr(&m, OFF_GIADDR, ip(10, 97, 0, 1));
    m.b[3] = 1;
    static const uint8_t agent[] = {1, 8, 't', 'r', 'a', 'w', 'l', '-', 'r', '0',  /* circuit id */
                                    2, 6, 0x02, 0x00, 0x5e, 0x99, 0x00, 0x09,        /* remote id: a MAC */
                                    5, 4, 10, 97, 0, 0,                              /* link selection */
                                    6, 4, 'c', 'u', 's', 't'};                       /* subscriber id */
    opt(&m, 82, agent, sizeof agent);
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"hops\":1,\"giaddr\":\"10.97.0.1\"");
    expect_has(out, "\"relay\":{\"circuit_id\":\"trawl-r0\",\"remote_id\":\"\\u0002\\u0000^\\u0099\\u0000\\t\","
                    "\"subscriber_id\":\"cust\",\"options\":[{\"code\":5,\"hex\":\"0a610000\"}]}");
    free(out);

    /* an id twice (the fuzzer's find: a key written twice is not JSON): the first is the field, the repeat listed */
    msg_init(&m, 1, 18, mac_a, DISCOVER);
    static const uint8_t twice[] = {1, 1, 'a', 2, 1, 'b', 1, 1, 'c'};
    opt(&m, 82, twice, sizeof twice);
    end(&m);
    out = one(&m);
    expect_has(out, "\"relay\":{\"circuit_id\":\"a\",\"remote_id\":\"b\",\"options\":[{\"code\":1,\"hex\":\"63\"}]}");
    free(out);

    /* a sub-option running past the option: all of it as hex */
    msg_init(&m, 1, 17, mac_a, DISCOVER);
    static const uint8_t broken[] = {1, 9, 'a', 'b'};
    opt(&m, 82, broken, sizeof broken);
    end(&m);
    out = one(&m);
    expect_has(out, "{\"code\":82,\"name\":\"relay\",\"hex\":\"01096162\"}");
    free(out);
}

/* Option 119 (RFC 3397 section 4's example): the second name points into the first. */
static void test_domain_search(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 2, 18, mac_a, ACK);
    static const uint8_t search[] = {3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
                                     9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 4};
    /* split in two instances, as a long list would be (RFC 3396): the pointer is into the joined bytes */
    opt(&m, 119, search, 12);
    opt(&m, 119, search + 12, sizeof search - 12);
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"domain_search\":[\"eng.apple.com\",\"marketing.apple.com\"]");
    free(out);

    /* a pointer forwards: not a name list, shown as hex */
    msg_init(&m, 2, 19, mac_a, ACK);
    static const uint8_t loop[] = {1, 'a', 0xc0, 0x05, 0, 0};
    opt(&m, 119, loop, sizeof loop);
    end(&m);
    out = one(&m);
    expect_has(out, "{\"code\":119,\"name\":\"domain_search\",\"hex\":\"0161c0050000\"}");
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_bad_option\"", NULL), 1);
    free(out);
}

/* Option 121 (RFC 3442): widths 0, 8, 24, 32 with their significant octets. */
static void test_classless_routes(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 2, 20, mac_a, ACK);
    static const uint8_t routes[] = {0, 10, 99, 0, 1,                 /* default via 10.99.0.1 */
                                     8, 10, 10, 99, 0, 2,             /* 10.0.0.0/8 */
                                     24, 192, 168, 5, 10, 99, 0, 3,   /* 192.168.5.0/24 */
                                     32, 1, 2, 3, 4, 10, 99, 0, 4};   /* a host route */
    opt(&m, 121, routes, sizeof routes);
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"classless_routes\":[{\"dest\":\"0.0.0.0/0\",\"router\":\"10.99.0.1\"},"
                    "{\"dest\":\"10.0.0.0/8\",\"router\":\"10.99.0.2\"},{\"dest\":\"192.168.5.0/24\",\"router\":\"10.99.0.3\"},"
                    "{\"dest\":\"1.2.3.4/32\",\"router\":\"10.99.0.4\"}]");
    free(out);

    msg_init(&m, 2, 21, mac_a, ACK);
    static const uint8_t wide[] = {33, 1, 2, 3, 4, 5, 10, 0, 0, 1};
    opt(&m, 121, wide, sizeof wide);
    end(&m);
    out = one(&m);
    expect_has(out, "{\"code\":121,\"name\":\"classless_routes\"");
    free(out);
}

/* Option 81 (RFC 4702): the name in DNS wire form (flag E) or in ASCII. */
static void test_client_fqdn(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 1, 22, mac_a, REQUEST);
    static const uint8_t wire[] = {0x05, 0, 0, 6, 'l', 'a', 'p', 't', 'o', 'p', 5, 't', 'r', 'a', 'w', 'l', 4, 't', 'e', 's', 't', 0};
    opt(&m, 81, wire, sizeof wire);
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"client_fqdn\":\"laptop.trawl.test\"");
    free(out);

    msg_init(&m, 1, 23, mac_a, REQUEST);
    static const uint8_t ascii[] = {0x01, 0, 0, 'p', 'c', '.', 'x', '.'};
    opt(&m, 81, ascii, sizeof ascii);
    end(&m);
    out = one(&m);
    expect_has(out, "\"client_fqdn\":\"pc.x\"");
    free(out);
}

/* A BOOTP reply (no option 53), and one without the magic cookie at all (RFC 951's vendor area). */
static void test_bootp(void **state)
{
    (void)state;
    msg m;
    msg_init(&m, 2, 24, mac_a, 0);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 60));
    opt_ip(&m, 1, ip(255, 255, 255, 0));
    end(&m);
    char *out = one(&m);
    expect_has(out, "\"msg_type\":\"BOOTP\",\"op\":\"reply\",\"xid\":24");
    expect_has(out, "\"subnet_mask\":\"255.255.255.0\"");
    free(out);

    memset(m.b + OFF_COOKIE, 0, 4);
    out = one(&m);
    expect_has(out, "\"msg_type\":\"BOOTP\",\"op\":\"reply\"");
    expect_not(out, "subnet_mask");
    free(out);
}

/* ---- the lease view ---- */

/* DISCOVER broadcast, OFFERs from two servers in their own conversations, REQUEST, ACK: one exchange across
 * three sessions. The second server's offer is an anomaly naming both; the ACK gives the lease. */
static void test_lease_across_sessions(void **state)
{
    (void)state;
    harness *h = harness_new("dhcp", TR_UDP, 67); /* 10.0.0.1:40000 -> 10.0.0.2:67, unused */
    tr_session *bc = harness_add_session(h, TR_UDP, "0.0.0.0", 68, "255.255.255.255", 67);
    tr_session *s1 = harness_add_session(h, TR_UDP, "255.255.255.255", 68, "10.99.0.1", 67);
    tr_session *s2 = harness_add_session(h, TR_UDP, "255.255.255.255", 68, "10.99.0.3", 67);
    msg m;
    msg_init(&m, 1, 0xabcd, mac_a, DISCOVER);
    opt_str(&m, 12, "laptop");
    opt_str(&m, 60, "dhcpcd-9");
    end(&m);
    harness_session_datagram(h, bc, TR_C2S, m.b, m.n);
    harness_session_datagram(h, bc, TR_C2S, m.b, m.n); /* the client asks again */

    msg_init(&m, 2, 0xabcd, mac_a, OFFER);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 50));
    opt_ip(&m, 54, ip(10, 99, 0, 1));
    opt_u32(&m, 51, 600);
    end(&m);
    harness_session_datagram(h, s1, TR_S2C, m.b, m.n);
    harness_session_datagram(h, s1, TR_S2C, m.b, m.n); /* the same server again: not a second server */

    msg_init(&m, 2, 0xabcd, mac_a, OFFER);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 200));
    opt_u32(&m, 51, 300); /* no option 54: the server is the sender */
    end(&m);
    harness_session_datagram(h, s2, TR_S2C, m.b, m.n);

    msg_init(&m, 1, 0xabcd, mac_a, REQUEST);
    opt_ip(&m, 50, ip(10, 99, 0, 50));
    opt_ip(&m, 54, ip(10, 99, 0, 1));
    opt_str(&m, 12, "laptop");
    end(&m);
    harness_session_datagram(h, bc, TR_C2S, m.b, m.n);

    msg_init(&m, 2, 0xabcd, mac_a, ACK);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 50));
    opt_ip(&m, 54, ip(10, 99, 0, 1));
    opt_u32(&m, 51, 600);
    end(&m);
    harness_session_datagram(h, s1, TR_S2C, m.b, m.n);
    harness_session_datagram(h, s1, TR_S2C, m.b, m.n); /* a second copy (relayed, or sent twice): one lease */

    /* another client, same xid: an exchange of its own */
    msg_init(&m, 2, 0xabcd, mac_b, ACK);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 51));
    opt_ip(&m, 54, ip(10, 99, 0, 1));
    end(&m);
    harness_session_datagram(h, s1, TR_S2C, m.b, m.n);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);

    assert_int_equal(harness_count(out, "\"type\":\"message\"", NULL), 9);
    assert_int_equal(harness_count(out, "\"session\":4", "\"anomaly\":\"dhcp_multiple_offers\"",
                                   "xid 0x0000abcd client 02:00:5e:99:00:01: 2 servers offered: 10.99.0.1 (offered "
                                   "10.99.0.50), 10.99.0.3 (offered 10.99.0.200)",
                                   NULL),
                     1);
    assert_int_equal(harness_count(out, "\"anomaly\"", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"lease\"", NULL), 2);
    expect_has(out, "\"session\":3,\"proto\":\"dhcp\",\"type\":\"lease\",\"transport\":\"udp\",\"client_ip\":"
                    "\"255.255.255.255\",\"client_port\":68,\"server_ip\":\"10.99.0.1\",\"server_port\":67,\"dir\":\"s2c\","
                    "\"dhcp\":{\"xid\":43981,\"client_mac\":\"02:00:5e:99:00:01\",\"ip\":\"10.99.0.50\","
                    "\"server_id\":\"10.99.0.1\",\"lease_time\":600,\"hostname\":\"laptop\",\"vendor_class\":\"dhcpcd-9\","
                    "\"offers\":[{\"server_id\":\"10.99.0.1\",\"yiaddr\":\"10.99.0.50\"},{\"server_id\":\"10.99.0.3\","
                    "\"yiaddr\":\"10.99.0.200\"}],\"exchange\":[\"DISCOVER\",\"OFFER\",\"REQUEST\",\"ACK\"]}}");
    expect_has(out, "\"dhcp\":{\"xid\":43981,\"client_mac\":\"02:00:5e:99:00:02\",\"ip\":\"10.99.0.51\","
                    "\"server_id\":\"10.99.0.1\",\"exchange\":[\"ACK\"]}}");
    free(out);
}

/* More exchanges than the table holds: the oldest are forgotten, said once, then counted. */
static void test_exchange_table_full(void **state)
{
    (void)state;
    harness *h = harness_new("dhcp", TR_UDP, 67);
    msg m;
    for (uint32_t xid = 1; xid <= 1100; xid++) {
        msg_init(&m, 1, xid, mac_a, DISCOVER);
        end(&m);
        harness_datagram(h, TR_C2S, m.b, m.n);
    }
    /* the first exchange is gone: its ACK starts a new one, without the DISCOVER */
    msg_init(&m, 2, 1, mac_a, ACK);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 50));
    end(&m);
    harness_datagram(h, TR_S2C, m.b, m.n);
    /* the last one is still known */
    msg_init(&m, 2, 1100, mac_a, ACK);
    addr(&m, OFF_YIADDR, ip(10, 99, 0, 51));
    end(&m);
    harness_datagram(h, TR_S2C, m.b, m.n);
    char *out = strdup(harness_close(h, TR_END_EOF));
    assert_int_equal(harness_count(out, "\"anomaly\":\"dhcp_exchanges_full\"", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"lease\"", "\"ip\":\"10.99.0.50\"", "\"exchange\":[\"ACK\"]", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"lease\"", "\"ip\":\"10.99.0.51\"", "\"exchange\":[\"DISCOVER\",\"ACK\"]",
                                   NULL),
                     1);
    int found = 0;
    for (int i = 0; i < TR_MAX_ANOMALY_KINDS; i++)
        if (h->ctx.anomaly_names[i] && strcmp(h->ctx.anomaly_names[i], "dhcp_exchanges_full") == 0) {
            assert_int_equal(h->ctx.anomaly_counts[i], 1100 + 1 - 1024);
            found = 1;
        }
    assert_true(found);
    harness_free(h);
    free(out);
}

/* ---- the option reader alone ---- */

static void test_option_reader(void **state)
{
    (void)state;
    static dhcp_options o;
    static const uint8_t opts[] = {0, 0, 12, 2, 'a', 'b', 52, 1, 3, 12, 1, 'c', 255, 12, 1, 'x'};
    static const uint8_t file[] = {0, 12, 1, 'd', 1, 4, 255, 255, 255, 0, 255};
    static const uint8_t sname[] = {12, 1, 'e', 52, 1, 1};
    assert_int_equal(dhcp_options_read(&o, opts, sizeof opts, file, sizeof file, sname, sizeof sname), 3);
    assert_int_equal(o.overload, 3);
    assert_int_equal(o.opt[12].instances, 4);
    assert_int_equal(o.opt[12].len, 5);
    assert_memory_equal(o.opt[12].p, "abcde", 5);
    assert_int_equal(o.opt[1].area, DHCP_AREA_FILE);
    assert_int_equal(o.problem, DHCP_OPT_BAD_OVERLOAD); /* the 52 inside sname, ignored */
    assert_int_equal(o.order[0], 12);
    assert_int_equal(o.order[1], 52);
    assert_int_equal(o.order[2], 1);
    /* read again: nothing of the first message is left */
    assert_int_equal(dhcp_options_read(&o, opts, 2, NULL, 0, NULL, 0), 0);
    assert_int_equal(o.opt[12].instances, 0);
    assert_int_equal(o.problem, DHCP_OPT_OK);
    assert_string_equal(dhcp_option_name(121), "classless_routes");
    assert_null(dhcp_option_name(224));
    assert_int_equal(dhcp_option_kind(224), DOK_HEX);
}

/* A datagram larger than a UDP length allows (the fuzzer found it: instances of one option past 64 KB overran the
 * join buffer): the instances are capped and all of them fit. */
static void test_option_reader_huge(void **state)
{
    (void)state;
    static dhcp_options o;
    size_t n = 1100 * 257;
    uint8_t *opts = malloc(n);
    for (size_t i = 0; i < 1100; i++) {
        opts[i * 257] = 12;
        opts[i * 257 + 1] = 255;
        memset(opts + i * 257 + 2, 'a' + (int)(i % 26), 255);
    }
    assert_int_equal(dhcp_options_read(&o, opts, n, NULL, 0, NULL, 0), 1);
    assert_int_equal(o.problem, DHCP_OPT_TOO_MANY);
    assert_int_equal(o.opt[12].instances, DHCP_OPTION_PARTS_MAX);
    assert_int_equal(o.opt[12].len, DHCP_OPTION_PARTS_MAX * 255);
    assert_int_equal(o.opt[12].p[DHCP_OPTION_PARTS_MAX * 255 - 1], 'a' + (DHCP_OPTION_PARTS_MAX - 1) % 26);
    free(opts);
}

/* ---- finding it by content ---- */

static void test_probe(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("dhcp");
    msg m;
    msg_init(&m, 1, 25, mac_a, DISCOVER);
    end(&m);
    tr_probe_input in = {{m.b, NULL}, {m.n, 0}, TR_UDP, 40000, 9999};
    assert_int_equal(d->probe(&in), TR_PROBE_YES);
    in.l4 = TR_TCP;
    assert_int_equal(d->probe(&in), TR_PROBE_NO);
    in.l4 = TR_UDP;
    in.n[0] = 239; /* cut before the cookie's end */
    assert_int_equal(d->probe(&in), TR_PROBE_NO);
    in.n[0] = m.n;
    m.b[0] = 3;
    assert_int_equal(d->probe(&in), TR_PROBE_NO);
}

/* ---- how it presents itself ---- */

static void test_summary_and_note(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("dhcp");
    harness *h = harness_new("dhcp", TR_UDP, 67);
    static tr_event e;
    tr_strbuf ask, answer, note;
    tr_sb_init(&ask, 1024);
    tr_sb_init(&answer, 1024);
    tr_sb_init(&note, 4096);
    tr_summary sum = {&ask, &answer};

    tr_ev_init(&e, &h->s, "message", TR_C2S);
    tr_ev_str(&e, "msg_type", "DISCOVER");
    tr_ev_int(&e, "xid", 0x3903f326);
    tr_ev_str(&e, "client_mac", "aa:bb:cc:dd:ee:ff");
    tr_ev_str(&e, "hostname", "laptop");
    assert_int_equal(d->present->summary(&e, &sum), TR_SUM_PART);
    assert_string_equal(tr_sb_cstr(&ask), "DISCOVER aa:bb:cc:dd:ee:ff (laptop)");
    assert_int_equal(d->present->transcript_note(&e, &note), TR_TX_DECODED);
    assert_string_equal(tr_sb_cstr(&note), "DISCOVER xid 0x3903f326 aa:bb:cc:dd:ee:ff\n  hostname: laptop");

    tr_sb_reset(&ask);
    tr_sb_reset(&note);
    tr_ev_init(&e, &h->s, "message", TR_S2C);
    tr_ev_str(&e, "msg_type", "OFFER");
    tr_ev_int(&e, "xid", 1);
    tr_ev_str(&e, "client_mac", "aa:bb:cc:dd:ee:ff");
    tr_ev_str(&e, "yiaddr", "10.0.0.5");
    tr_ev_list(&e, "routers");
    tr_ev_str(&e, NULL, "10.0.0.1");
    tr_ev_str(&e, NULL, "10.0.0.2");
    tr_ev_end(&e);
    assert_int_equal(d->present->summary(&e, &sum), TR_SUM_PART);
    assert_string_equal(tr_sb_cstr(&ask), "OFFER 10.0.0.5 \xe2\x86\x92 aa:bb:cc:dd:ee:ff");
    assert_int_equal(d->present->transcript_note(&e, &note), TR_TX_DECODED);
    assert_string_equal(tr_sb_cstr(&note),
                        "OFFER xid 0x00000001 aa:bb:cc:dd:ee:ff\n  yiaddr: 10.0.0.5\n  routers: 10.0.0.1, 10.0.0.2");

    /* an ACK that binds an address is left to its lease, which names the client's hostname */
    tr_sb_reset(&ask);
    tr_ev_init(&e, &h->s, "message", TR_S2C);
    tr_ev_str(&e, "msg_type", "ACK");
    tr_ev_str(&e, "yiaddr", "10.0.0.5");
    assert_int_equal(d->present->summary(&e, &sum), TR_SUM_NONE);
    tr_ev_init(&e, &h->s, "lease", TR_S2C);
    tr_ev_str(&e, "client_mac", "aa:bb:cc:dd:ee:ff");
    tr_ev_str(&e, "ip", "10.0.0.5");
    tr_ev_str(&e, "server_id", "10.0.0.1");
    tr_ev_int(&e, "lease_time", 600);
    tr_ev_str(&e, "hostname", "laptop");
    assert_int_equal(d->present->summary(&e, &sum), TR_SUM_PART);
    assert_string_equal(tr_sb_cstr(&ask), "ACK 10.0.0.5 \xe2\x86\x92 aa:bb:cc:dd:ee:ff (laptop)");
    tr_sb_reset(&note);
    assert_int_equal(d->present->transcript_note(&e, &note), TR_TX_NOTE);
    assert_string_equal(tr_sb_cstr(&note), "[lease 10.0.0.5 to aa:bb:cc:dd:ee:ff from 10.0.0.1 for 600 s]");
    tr_sb_free(&ask);
    tr_sb_free(&answer);
    tr_sb_free(&note);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_fields),
        cmocka_unit_test(test_offer_fields),
        cmocka_unit_test(test_overload_and_concatenation),
        cmocka_unit_test(test_concatenated_instances),
        cmocka_unit_test(test_malformed_lengths),
        cmocka_unit_test(test_hlen_past_chaddr),
        cmocka_unit_test(test_relay_agent),
        cmocka_unit_test(test_domain_search),
        cmocka_unit_test(test_classless_routes),
        cmocka_unit_test(test_client_fqdn),
        cmocka_unit_test(test_bootp),
        cmocka_unit_test(test_lease_across_sessions),
        cmocka_unit_test(test_exchange_table_full),
        cmocka_unit_test(test_option_reader),
        cmocka_unit_test(test_option_reader_huge),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_summary_and_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
