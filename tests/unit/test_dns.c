/* Tests of the DNS dissector and the shared name reader. Most messages are real: taken from dig
 * talking to dnsmasq on 127.0.0.1 (captured with tcpdump -i lo); a few are built by hand where a
 * server would not send them (loops, forward pointers, odd bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/dns_name.h"
#include "harness.h"

/* ---- real exchanges (dig 9.18 -> dnsmasq 2.90), UDP payloads as hex ---- */

/* dig a.example.org A: query (EDNS, COOKIE option) and answer 192.0.2.10 */
static const char q_a[] = "adeb012000010000000000010161076578616d706c65036f7267000001000100002904d000000000000c000a0008b1c28b3cb690c53d";
static const char r_a[] = "adeb858000010001000000010161076578616d706c65036f72670000010001c00c00010001000000000004c000020a00002904d0000000000000";
static const char r_aaaa[] = "284e85800001000100000001027636076578616d706c65036f726700001c0001c00c001c000100000000001020010db800000000000000000000000100002904d0000000000000";
static const char r_cname[] = "2ee98580000100010000000105616c696173076578616d706c65036f72670000010001c00c0005000100000000000f0161076578616d706c65036f72670000002904d0000000000000";
static const char r_mx[] = "c2cc85800001000100000001076578616d706c65036f726700000f0001c00c000f0001000000000014000a046d61696c076578616d706c65036f72670000002904d0000000000000";
static const char r_txt[] = "08f28580000100010000000103747874076578616d706c65036f72670000100001c00c001000010000000000230e763d73706631206d78202d616c6c137365636f6e64202271756f746564222073747200002904d0000000000000";
static const char r_srv[] = "bf2585800001000100000001045f736970045f746370076578616d706c65036f72670000210001c00c002100010000000000170001000213c403736970076578616d706c65036f72670000002904d0000000000000";
static const char r_ptr[] = "50d185800001000100000001023130013201300331393207696e2d61646472046172706100000c0001c00c000c000100000000000f0161076578616d706c65036f72670000002904d0000000000000";
static const char r_caa[] = "181a8580000100010000000103636161076578616d706c65036f72670001010001c00c010100010000000000150005697373756563612e6578616d706c652e6f726700002904d0000000000000";
static const char r_https[] = "a1c08580000100010000000103737663076578616d706c65036f72670000410001c00c0041000100000000001f000100000100060268320268330003000201bb000400080c00020a0c00020b00002904d0000000000000";
static const char r_unknown[] = "1d7b8580000100010000000103756e6b076578616d706c65036f726700ff000001c00cff000001000000000004deadbeef00002904d0000000000000";
/* dig +dnssec +nsid nx.example.org: DO bit, NSID and COOKIE options; REFUSED with an EDE option */
static const char q_do[] = "9c1e01200001000000000001026e78076578616d706c65036f7267000001000100002904d000008000001000030000000a000815d48a64d4dda6dc";
static const char r_do[] = "9c1e81850001000000000001026e78076578616d706c65036f7267000001000100002904d0000080000006000f0002000e";
/* dig +tcp a.example.org: the two TCP payloads, length prefix included */
static const char tq_a[] = "00366c35012000010000000000010161076578616d706c65036f7267000001000100002904d000000000000c000a00080481bcc8e3ec9387";
static const char tr_a[] = "003a6c35858000010001000000010161076578616d706c65036f72670000010001c00c00010001000000000004c000020a00002904d0000000000000";

/* ---- built by hand ---- */

/* example.org NS ns1.example.org (compressed) and an SOA whose mname points into the NS RDATA */
static const char r_soa[] = "123485800001000100010000076578616d706c65036f72670000020001c00c0002000100000e100006036e7331c00cc00c000600010000012c0023c0290a686f73746d6173746572c00c78a3f17500001c2000000e10001275000000012c";
/* qname labels "a b" "x.y" "q\"", TXT string t \001 \\ \255 \" */
static const char r_escape[] = "0007818000010001000000000361206203782e790271220000100001c00c001000010000003c00060574015cff22";
/* rcode 7 in the header plus extended rcode 1 in OPT: 23, BADCOOKIE */
static const char r_badcookie[] = "000981870001000000000001076578616d706c65036f7267000001000100002904d001008000000c000a00080001020304050607";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void feed_hex(harness *h, int dir, const char *hex)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof b);
    harness_datagram(h, dir, b, n);
}

/* Runs one UDP conversation of hex messages (alternating c2s/s2c from c2s) and returns its JSON. */
static char *udp_run(const char *const *hex, int n)
{
    harness *h = harness_new("dns", TR_UDP, 53);
    for (int i = 0; i < n; i++)
        feed_hex(h, i % 2 ? TR_S2C : TR_C2S, hex[i]);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    return out;
}

static char *one_answer(const char *hex)
{
    const char *m[1] = {hex};
    harness *h = harness_new("dns", TR_UDP, 53);
    feed_hex(h, TR_S2C, m[0]);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    return out;
}

static void expect_data(const char *hex, const char *qtype, const char *type, const char *data)
{
    char *json = one_answer(hex);
    char t[64];
    snprintf(t, sizeof t, "\"type\":\"%s\"", type);
    char q[64];
    snprintf(q, sizeof q, "\"qtype\":\"%s\"", qtype);
    if (harness_count(json, "\"type\":\"answer\"", q, t, data, NULL) != 1) {
        fprintf(stderr, "want %s %s in:\n%s", t, data, json);
        fail();
    }
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_record_types(void **state)
{
    (void)state;
    expect_data(r_a, "A", "A", "\"data\":\"192.0.2.10\"");
    expect_data(r_aaaa, "AAAA", "AAAA", "\"data\":\"2001:db8::1\"");
    expect_data(r_cname, "A", "CNAME", "\"data\":\"a.example.org\"");
    expect_data(r_mx, "MX", "MX", "\"data\":\"10 mail.example.org\"");
    expect_data(r_txt, "TXT", "TXT", "\"data\":\"\\\"v=spf1 mx -all\\\" \\\"second \\\\\\\"quoted\\\\\\\" str\\\"\"");
    expect_data(r_srv, "SRV", "SRV", "\"data\":\"1 2 5060 sip.example.org\"");
    expect_data(r_ptr, "PTR", "PTR", "\"data\":\"a.example.org\"");
    expect_data(r_caa, "CAA", "CAA", "\"data\":\"0 issue \\\"ca.example.org\\\"\"");
    expect_data(r_https, "HTTPS", "HTTPS",
                "\"data\":\"1 . alpn=\\\"h2,h3\\\" port=443 ipv4hint=12.0.2.10,12.0.2.11\"");
    expect_data(r_unknown, "TYPE65280", "TYPE65280", "\"data\":\"\\\\# 4 DEADBEEF\"");
    expect_data(r_soa, "NS", "NS", "\"data\":\"ns1.example.org\"");
    expect_data(r_soa, "NS", "SOA",
                "\"data\":\"ns1.example.org hostmaster.example.org 2024010101 7200 3600 1209600 300\"");

    char *json = one_answer(r_soa);
    assert_int_equal(harness_count(json, "\"answers\":[{\"name\":\"example.org\",\"type\":\"NS\",\"ttl\":3600",
                                   "\"authorities\":[{\"name\":\"example.org\",\"type\":\"SOA\",\"ttl\":300",
                                   "\"additionals\":[]", "\"aa\":true", "\"rcode\":\"NOERROR\"", NULL),
                     1);
    free(json);
}

/* A response to "x" of `type` whose one answer carries rdata (hex), as dnsmasq's dns-rr= sends it. */
static char *answer_with(uint16_t type, const char *rdata_hex)
{
    uint8_t m[1024];
    uint8_t head[] = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'x', 0, (uint8_t)(type >> 8), (uint8_t)type, 0, 1,
                      0xc0, 12, (uint8_t)(type >> 8), (uint8_t)type, 0, 1, 0, 0, 0, 60, 0, 0};
    memcpy(m, head, sizeof head);
    size_t rdlen = unhex(rdata_hex, m + sizeof head, sizeof m - sizeof head);
    m[sizeof head - 2] = (uint8_t)(rdlen >> 8);
    m[sizeof head - 1] = (uint8_t)rdlen;
    harness *h = harness_new("dns", TR_UDP, 53);
    harness_datagram(h, TR_S2C, m, sizeof head + rdlen);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    return out;
}

/* What dig 9.18 printed for the same RDATA (trailing dots removed): long fields in 56-character words. */
static void test_dig_presentation(void **state)
{
    (void)state;
    static const struct { uint16_t type; const char *rdata, *dig; } cases[] = {
        {48, "0101030803010001a80020a95566ba42e886bb804cda84e47ef56dbd7aec612615552cec906d2116d0ef207028c51554144dfeafe7c7cb8f005dd18234133ac0710a81182ce1fd14ad2283bc83435f9df2f6313251931a176df0da51e54f42e604860dfb359580250f559cc543c4ffd51cbe3de8cfd06719233f9c9e1ccc8c1b4f2ea0b2a39d3ad0e0a1f16f2c0a4e41d5d9d1f5e0e9b8b1f40c",
         "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF FVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoX bfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjP5yeHMyMG08u oLKjnTrQ4KHxbywKTkHV2dH14Om4sfQM"},
        {43, "4f660802e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d",
         "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D"},
        {46, "0001080300000e105753116c572b7a8be235087765626572646e7302646500b59f6b7e361ea2df4f4f27571811a4cd2d168534fc942205e59282816def39fbfb96ec2f8a16bded3c2e70c7e9916cd7007f3be0922ee2a2a91f9c98bbcd751b78a4973171679beacf4e8d60025e672e3033429a6e72d8ea4df127ef24554b99d4ea4cba83212d80ce3bc9bd125eaa65f14cdaa6a2c6fd31b592ce4d54bd6249",
         "A 8 3 3600 20160604173540 20160505165331 57909 weberdns.de tZ9rfjYeot9PTydXGBGkzS0WhTT8lCIF5ZKCgW3vOfv7luwviha97Twu cMfpkWzXAH874JIu4qKpH5yYu811G3iklzFxZ5vqz06NYAJeZy4wM0Ka bnLY6k3xJ+8kVUuZ1OpMuoMhLYDOO8m9El6qZfFM2qaixv0xtZLOTVS9 Ykk="},
        {47, "04686f7374076578616d706c6503636f6d000006400000000003", "host.example.com A RRSIG NSEC"},
        {256, "000a0005687474703a2f2f7777772e646e732e746573743a38303030", "10 5 \\\"http://www.dns.test:8000\\\""},
        {52, "030101d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
         "3 1 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB10 6618E971"},
        {65281, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f",
         "\\\\# 48 000102030405060708090A0B0C0D0E0F101112131415161718191A1B 1C1D1E1F202122232425262728292A2B2C2D2E2F"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = answer_with(cases[i].type, cases[i].rdata);
        char want[1024];
        snprintf(want, sizeof want, "\"data\":\"%s\"", cases[i].dig);
        if (harness_count(json, want, NULL) != 1) {
            fprintf(stderr, "type %u: want %s in\n%s", cases[i].type, want, json);
            fail();
        }
        assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
        free(json);
    }
}

static void test_svcb_params(void **state)
{
    (void)state;
    /* SVCB 1 svc.example.org with ech, ipv6hint, no-default-alpn, mandatory, and an unknown key */
    static const char svcb[] =
        "00018580000100010000000003737663000040" "0001c00c0040000100000e100042"
        "0001" "0373766300"                          /* priority 1, target svc */
        "0000000400010003"                           /* mandatory=alpn,port */
        "000100030268330002000000030002" "0035"      /* alpn=h3 no-default-alpn port=53 */
        "000500040102030400060010" "20010db8000000000000000000000001" /* ech ipv6hint */
        "fde8000201ff";                              /* key65000="\001\255" */
    char *json = one_answer(svcb);
    assert_int_equal(harness_count(json, "\"type\":\"SVCB\"",
                                   "\"data\":\"1 svc mandatory=alpn,port alpn=\\\"h3\\\" no-default-alpn port=53 "
                                   "ech=AQIDBA== ipv6hint=2001:db8::1 key65000=\\\"\\\\001\\\\255\\\"\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_escaping(void **state)
{
    (void)state;
    char *json = one_answer(r_escape);
    /* dig: a\032b.x\.y.q\" and "t\001\\\255\"" */
    assert_int_equal(harness_count(json, "\"qname\":\"a\\\\032b.x\\\\.y.q\\\\\\\"\"",
                                   "\"data\":\"\\\"t\\\\001\\\\\\\\\\\\255\\\\\\\"\\\"\"", NULL),
                     1);
    free(json);
}

static void test_query_answer_pairing(void **state)
{
    (void)state;
    /* A asked and answered; MX asked twice (retransmitted) and never answered; TXT answered
     * first with a 0x20-randomised qname (TXT.Example.ORG) */
    static const char q_mx[] = "c2cc01200001000000000001076578616d706c65036f726700000f000100002904d000000000000c000a00087b0a1705b8f42255";
    static const char q_txt[] = "08f20120000100000000000103747874076578616d706c65036f7267000010000100002904d000000000000c000a0008a6d5afd4a066aa8e";
    static const char r_txt_case[] = "08f28580000100010000000103545854074578616d706c65034f52470000100001c00c001000010000000000040374787400002904d0000000000000";
    harness *h = harness_new("dns", TR_UDP, 53);
    feed_hex(h, TR_C2S, q_a);
    feed_hex(h, TR_C2S, q_mx);
    feed_hex(h, TR_C2S, q_mx);
    feed_hex(h, TR_C2S, q_txt);
    feed_hex(h, TR_S2C, r_txt_case);
    feed_hex(h, TR_S2C, r_a);
    const char *json = harness_close(h, TR_END_EOF);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"dir\":\"c2s\"", NULL), 4);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"id\":44523", "\"qname\":\"a.example.org\"",
                                   "\"qtype\":\"A\"", "\"rd\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"dir\":\"s2c\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"id\":49868", "\"qname\":\"example.org\"",
                                   "\"qtype\":\"MX\"", NULL),
                     1);
    /* a query whose answer has a different qname is not paired */
    harness_free(h);
    h = harness_new("dns", TR_UDP, 53);
    feed_hex(h, TR_C2S, q_txt);
    feed_hex(h, TR_S2C, r_a);
    json = harness_close(h, TR_END_EOF);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"qname\":\"txt.example.org\"", NULL), 1);
    harness_free(h);
}

static void test_outstanding_cap(void **state)
{
    (void)state;
    uint8_t q[64];
    size_t n = unhex(q_a, q, sizeof q);
    harness *h = harness_new("dns", TR_UDP, 53);
    for (int i = 0; i < 22; i++) {
        q[0] = (uint8_t)(i >> 8);
        q[1] = (uint8_t)i;
        harness_datagram(h, TR_C2S, q, n);
    }
    const char *json = harness_close(h, TR_END_EOF);
    assert_int_equal(harness_count(json, "\"anomaly\":\"dns_outstanding_full\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", NULL), 16);
    /* the oldest six were forgotten, the newest kept */
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"id\":5,", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"id\":6,", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"id\":21,", NULL), 1);
    assert_int_equal(h->ctx.anomaly_counts[0], 6);
    harness_free(h);
}

static void test_edns(void **state)
{
    (void)state;
    const char *m[] = {q_do, r_do};
    char *json = udp_run(m, 2);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"edns\":{\"udp_size\":1232,\"do\":true",
                                   "{\"code\":3,\"name\":\"NSID\",\"data\":\"\"}",
                                   "{\"code\":10,\"name\":\"COOKIE\",\"data\":\"15D48A64D4DDA6DC\"}", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"rcode\":\"REFUSED\"",
                                   "\"edns\":{\"udp_size\":1232,\"do\":true,\"options\":[{\"code\":15,\"name\":\"EDE\","
                                   "\"data\":\"000E\"}]}",
                                   "\"answers\":[]", NULL),
                     1);
    /* a query whose only extra record is the OPT lists no sections */
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"additionals\"", NULL), 0);
    /* OPT is reported in edns, never as a record */
    assert_int_equal(harness_count(json, "\"OPT\"", NULL), 0);
    free(json);

    json = one_answer(r_badcookie);
    assert_int_equal(harness_count(json, "\"rcode\":\"BADCOOKIE\"", "\"do\":true", "\"data\":\"0001020304050607\"", NULL), 1);
    free(json);
}

static void test_tcp_framing(void **state)
{
    (void)state;
    uint8_t q[128], r[128], two[256];
    size_t qn = unhex(tq_a, q, sizeof q), rn = unhex(tr_a, r, sizeof r);
    /* the client pipelines two queries in one segment (second with id 0x6c36) */
    memcpy(two, q, qn);
    memcpy(two + qn, q, qn);
    two[qn + 3] = 0x36;
    uint8_t r2[128];
    memcpy(r2, r, rn);
    r2[3] = 0x36;
    harness_msg script[] = {
        {TR_C2S, (const char *)two, 2 * qn},
        {TR_S2C, (const char *)r, rn},
        {TR_S2C, (const char *)r2, rn},
    };
    char *json = harness_script_all_splits("dns", 53, script, 3);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"qname\":\"a.example.org\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"id\":27701,", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"id\":27702,", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"data\":\"192.0.2.10\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"unanswered\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);

    /* a gap inside a message: the rest of it is skipped and the next message decoded */
    harness *h = harness_new("dns", TR_TCP, 53);
    harness_data(h, TR_C2S, q, 20);
    harness_gap(h, TR_C2S, 10);
    harness_data(h, TR_C2S, q + 30, qn - 30);
    harness_data(h, TR_C2S, two + qn, qn);
    const char *out = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(out, "\"type\":\"query\"", "\"id\":27702,", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"query\"", NULL), 1);
    assert_int_equal(harness_count(out, "\"anomaly\":\"dns_tcp_resync\"", NULL), 1);
    harness_free(h);
}

/* ---- the name reader ---- */

/* Reads the name at `at`; skipping it (dns_name_skip) must give the same status, end and error. */
static int read_at(const uint8_t *msg, size_t n, size_t at, dns_name *out, size_t *end)
{
    tr_buf b = tr_buf_make(msg, n);
    tr_buf cur = b;
    cur.off = at;
    tr_buf skipped = cur;
    int st = dns_name_read(&b, &cur, out);
    assert_int_equal(dns_name_skip(&b, &skipped), st);
    assert_int_equal(skipped.off, cur.off);
    assert_int_equal(skipped.err, cur.err);
    *end = cur.off;
    return st;
}

static void test_name_compression(void **state)
{
    (void)state;
    dns_name nm;
    size_t end;
    /* 0: "org"; 5: "example" + ptr 0; 15: "www" + ptr 5 (a chain of backward pointers) */
    static const uint8_t chain[] = {3, 'o', 'r', 'g', 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0xc0, 0,
                                    3, 'w', 'w', 'w', 0xc0, 5};
    assert_int_equal(read_at(chain, sizeof chain, 15, &nm, &end), DNS_NAME_OK);
    assert_string_equal(nm.text, "www.example.org");
    assert_int_equal(end, sizeof chain); /* past the first pointer only */
    assert_int_equal(nm.wire_len, 17);
    /* a pointer to itself, two pointers pointing at each other, a forward pointer, a pointer past the end */
    static const uint8_t self[] = {0xc0, 0};
    assert_int_equal(read_at(self, sizeof self, 0, &nm, &end), DNS_NAME_LOOP);
    static const uint8_t pair[] = {1, 'a', 0xc0, 4, 1, 'b', 0xc0, 0};
    assert_int_equal(read_at(pair, sizeof pair, 4, &nm, &end), DNS_NAME_LOOP);
    static const uint8_t fwd[] = {1, 'a', 0xc0, 4, 1, 'b', 0};
    assert_int_equal(read_at(fwd, sizeof fwd, 0, &nm, &end), DNS_NAME_LOOP);
    static const uint8_t beyond[] = {0xff, 0xff};
    assert_int_equal(read_at(beyond, sizeof beyond, 0, &nm, &end), DNS_NAME_LOOP);
    /* labels past 255 octets, a reserved label type, a name cut short, the root */
    uint8_t lng[300];
    for (size_t i = 0; i < sizeof lng; i++)
        lng[i] = i % 64 == 0 ? 63 : 'x';
    assert_int_equal(read_at(lng, sizeof lng, 0, &nm, &end), DNS_NAME_TOO_LONG);
    /* a name too long but ended in place is skipped over (the message can go on), its start kept */
    uint8_t lng_end[301];
    memcpy(lng_end, lng, sizeof lng);
    lng_end[256] = 0;
    tr_buf whole = tr_buf_make(lng_end, sizeof lng_end), at0 = whole;
    assert_int_equal(dns_name_read(&whole, &at0, &nm), DNS_NAME_TOO_LONG);
    assert_int_equal(at0.err, 0);
    assert_int_equal(at0.off, 257);
    assert_int_equal(nm.wire_len, 192);
    static const uint8_t ext[] = {0x41, 0};
    assert_int_equal(read_at(ext, sizeof ext, 0, &nm, &end), DNS_NAME_BAD_LABEL);
    static const uint8_t cut[] = {5, 'a', 'b'};
    assert_int_equal(read_at(cut, sizeof cut, 0, &nm, &end), DNS_NAME_TRUNC);
    static const uint8_t root[] = {0};
    assert_int_equal(read_at(root, sizeof root, 0, &nm, &end), DNS_NAME_OK);
    assert_string_equal(nm.text, ".");
    /* 127 one-byte labels are 255 octets: the longest legal name */
    uint8_t many[255];
    for (size_t i = 0; i < 254; i += 2) {
        many[i] = 1;
        many[i + 1] = 'z';
    }
    many[254] = 0;
    assert_int_equal(read_at(many, sizeof many, 0, &nm, &end), DNS_NAME_OK);
    assert_int_equal(nm.text_len, 253);
}

/* Answers name their owner by a pointer: to the question's name (copied from the question, not read again)
 * or to another name (read); each must come out as its own name, escaped as dig writes it. */
static void test_owner_pointers(void **state)
{
    (void)state;
    static const char r[] = "111181800001000300000000" /* id, flags, 1 question, 3 answers */
                            "03772077076578616d706c65036f72670000010001" /* 12: w\032w.example.org A IN */
                            "c00c000500010000003c00060363646ec010"     /* 33: CNAME cdn + ptr 16 (45) */
                            "c02d000100010000003c0004c0000201"         /* 51: owner ptr 45: cdn.example.org */
                            "c00c000100010000003c0004c0000202";        /* 67: owner ptr 12 again */
    char *json = one_answer(r);
    assert_int_equal(harness_count(json, "\"qname\":\"w\\\\032w.example.org\"",
                                   "{\"name\":\"w\\\\032w.example.org\",\"type\":\"CNAME\",\"ttl\":60,"
                                   "\"data\":\"cdn.example.org\"}",
                                   "{\"name\":\"cdn.example.org\",\"type\":\"A\",\"ttl\":60,\"data\":\"192.0.2.1\"}",
                                   "{\"name\":\"w\\\\032w.example.org\",\"type\":\"A\",\"ttl\":60,"
                                   "\"data\":\"192.0.2.2\"}",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_malformed_messages(void **state)
{
    (void)state;
    /* an answer whose record points at itself: anomaly, the answer still reported with its question */
    static const char loop[] = "00018180000100010000000001610000010001c01300010001000000050004c0000201";
    char *json = one_answer(loop);
    assert_int_equal(harness_count(json, "\"anomaly\":\"dns_name_loop\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"qname\":\"a\"", "\"answers\":[]", NULL), 1);
    free(json);
    /* a question name with a forward pointer: anomaly only */
    static const char fwdq[] = "000201000001000000000000c00e00010001";
    json = one_answer(fwdq);
    assert_int_equal(harness_count(json, "\"anomaly\":\"dns_name_loop\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", NULL), 0);
    free(json);
    /* a record cut short (ANCOUNT says 2, one is there); a header cut short; an A of 3 bytes */
    static const char cut[] = "00038180000100020000000001610000010001c00c00010001000000050004c0000201";
    json = one_answer(cut);
    assert_int_equal(harness_count(json, "\"anomaly\":\"dns_truncated\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"data\":\"192.0.2.1\"", NULL), 1);
    free(json);
    json = one_answer("00048180");
    assert_int_equal(harness_count(json, "\"anomaly\":\"dns_truncated\"", NULL), 1);
    free(json);
    static const char short_a[] = "0005818000010001000000000161000001000101610000010001000000050003010203";
    json = one_answer(short_a);
    assert_int_equal(harness_count(json, "\"anomaly\":\"dns_malformed\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"data\":\"\\\\# 3 010203\"", NULL), 1);
    free(json);
}

static void test_dynamic_update(void **state)
{
    (void)state;
    /* RFC 2136 update of zone example.org: prerequisite "a CNAME does not exist" (class NONE), delete
     * all A of a (class ANY), add a A 192.0.2.7; both without RDATA where deleting */
    static const char upd[] = "00422800000100010002000007" "6578616d706c65036f7267000006" "0001"
                              "0161c00c000500fe000000000000"
                              "c01d000100ff000000000000"
                              "c01d0001000100000e100004c0000207";
    char *json = one_answer(upd);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"opcode\":\"UPDATE\"", "\"qname\":\"example.org\"",
                                   "\"qtype\":\"SOA\"",
                                   "\"answers\":[{\"name\":\"a.example.org\",\"type\":\"CNAME\",\"class\":\"NONE\",\"ttl\":0,"
                                   "\"data\":\"\"}]",
                                   "{\"name\":\"a.example.org\",\"type\":\"A\",\"class\":\"ANY\",\"ttl\":0,\"data\":\"\"}",
                                   "{\"name\":\"a.example.org\",\"type\":\"A\",\"ttl\":3600,\"data\":\"192.0.2.7\"}", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    /* an update waits for its response like a query */
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"id\":66,", "\"qname\":\"example.org\"", NULL), 1);
    free(json);
}

static void test_mdns_cache_flush(void **state)
{
    (void)state;
    /* mDNS announcement (no question): class IN with the cache-flush bit, RFC 6762 10.2 */
    static const char ann[] = "000084000000000100000000" "04686f7374056c6f63616c00" "00018001000000780004c0a80105";
    uint8_t b[64];
    size_t n = unhex(ann, b, sizeof b);
    harness *h = harness_new("dns", TR_UDP, 5353);
    harness_datagram(h, TR_C2S, b, n);
    /* a query for it (one-shot, no EDNS) is reported but never waits for a unicast answer */
    static const char query[] = "000000000001000000000000" "04686f7374056c6f63616c00" "00010001";
    n = unhex(query, b, sizeof b);
    harness_datagram(h, TR_C2S, b, n);
    const char *json = harness_close(h, TR_END_EOF);
    assert_int_equal(harness_count(json, "\"type\":\"query\"", "\"qname\":\"host.local\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"unanswered\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"aa\":true",
                                   "{\"name\":\"host.local\",\"type\":\"A\",\"cache_flush\":true,\"ttl\":120,"
                                   "\"data\":\"192.168.1.5\"}",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"qname\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"class\"", NULL), 0);
    harness_free(h);
}

static void test_section_cap(void **state)
{
    (void)state;
    static uint8_t m[64 + 300 * 16];
    size_t n = unhex("000b81800001012c00000000046d616e79076578616d706c65036f72670000010001", m, sizeof m);
    for (int i = 0; i < 300; i++) {
        uint8_t rr[16] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, (uint8_t)(i >> 8), (uint8_t)i};
        memcpy(m + n, rr, sizeof rr);
        n += sizeof rr;
    }
    harness *h = harness_new("dns", TR_UDP, 53);
    harness_datagram(h, TR_S2C, m, n);
    const char *json = harness_close(h, TR_END_EOF);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", "\"data\":\"10.0.0.0\"", "\"records_omitted\":", NULL), 1);
    assert_int_equal(harness_count(json, "\"data\":\"10.0.1.43\"", NULL), 0); /* record 300 is not listed */
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    harness_free(h);
}

/* xorshift64*: the same bytes on every run */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    const char *real[] = {r_a, r_aaaa, r_cname, r_mx, r_txt, r_srv, r_ptr, r_caa, r_https, r_unknown, r_do, r_soa, r_escape};
    uint8_t b[600];
    for (int round = 0; round < 20000; round++) {
        size_t n;
        if (round % 2) { /* a real message with a few bytes changed: deeper into the parser */
            n = unhex(real[round / 2 % (sizeof real / sizeof real[0])], b, sizeof b);
            int flips = 1 + (int)(rng_next(&seed) % 4);
            for (int k = 0; k < flips; k++)
                b[rng_next(&seed) % n] = (uint8_t)rng_next(&seed);
            if (rng_next(&seed) % 4 == 0)
                n = rng_next(&seed) % (n + 1);
        } else {
            n = rng_next(&seed) % sizeof b;
            for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)rng_next(&seed);
            if (n >= 12) { /* small counts so records get parsed */
                for (int k = 4; k < 12; k += 2) {
                    b[k] = 0;
                    b[k + 1] &= 3;
                }
            }
        }
        harness *h = harness_new("dns", round % 3 ? TR_UDP : TR_TCP, 53);
        if (round % 3)
            harness_datagram(h, round % 5 ? TR_S2C : TR_C2S, b, n);
        else
            harness_data(h, TR_C2S, b, n);
        const char *json = harness_close(h, TR_END_EOF);
        assert_non_null(json);
        harness_free(h);
    }
}

/* A conversation whose queries are answered holds no query table (it waits out the UDP timeout cheaply); one
 * with a query waiting does, and tells the engine (state_extra) for --memcap. */
static void test_answered_conversation_holds_nothing(void **state)
{
    (void)state;
    harness *h = harness_new("dns", TR_UDP, 53);
    assert_int_equal(h->s.state_extra, 0);
    feed_hex(h, TR_C2S, q_a);
    assert_true(h->s.state_extra > 0);
    feed_hex(h, TR_S2C, r_a);
    assert_int_equal(h->s.state_extra, 0);
    feed_hex(h, TR_C2S, q_a); /* asked again and never answered: reported at the end, table given back */
    assert_true(h->s.state_extra > 0);
    const char *json = harness_close(h, TR_END_EOF);
    assert_int_equal(harness_count(json, "\"type\":\"unanswered\"", "\"qname\":\"a.example.org\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"answer\"", NULL), 1);
    assert_int_equal(h->s.state_extra, 0);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_types),       cmocka_unit_test(test_svcb_params),
        cmocka_unit_test(test_dig_presentation),   cmocka_unit_test(test_mdns_cache_flush),
        cmocka_unit_test(test_escaping),           cmocka_unit_test(test_query_answer_pairing),
        cmocka_unit_test(test_outstanding_cap),    cmocka_unit_test(test_edns),
        cmocka_unit_test(test_tcp_framing),        cmocka_unit_test(test_name_compression),
        cmocka_unit_test(test_malformed_messages), cmocka_unit_test(test_section_cap),
        cmocka_unit_test(test_dynamic_update),     cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_answered_conversation_holds_nothing), cmocka_unit_test(test_owner_pointers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
