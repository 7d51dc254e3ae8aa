/* Tests of the SNMP dissector, its MIB names and its USM module. Messages are encoded by hand here (a small BER
 * writer below): the real traffic is in pcaps/snmp-*.pcap (net-snmp's tools, snmpd and snmptrapd), and these are
 * what no capture there holds — every PDU and value type in one place, values at their limits, retries and answers
 * repeated, an agent that refuses with authorizationError, v3 messages authenticated and encrypted with keys made
 * here, the RFC 3414 A.3 key vectors, NIST and FIPS cipher vectors, and malformed BER at every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "../../dissectors/snmp_mib.h"
#include "../../dissectors/snmp_usm.h"
#include "harness.h"

/* ---- a BER writer ---- */

typedef struct ber {
    uint8_t b[4096];
    size_t n;
} ber;

static void put_len(ber *o, size_t len)
{
    if (len < 128) {
        o->b[o->n++] = (uint8_t)len;
    } else if (len < 256) {
        o->b[o->n++] = 0x81;
        o->b[o->n++] = (uint8_t)len;
    } else {
        o->b[o->n++] = 0x82;
        o->b[o->n++] = (uint8_t)(len >> 8);
        o->b[o->n++] = (uint8_t)len;
    }
}

static void tlv(ber *o, uint8_t tag, const void *v, size_t n)
{
    o->b[o->n++] = tag;
    put_len(o, n);
    if (n)
        memcpy(o->b + o->n, v, n);
    o->n += n;
}

static void wrap(ber *o, uint8_t tag, const ber *in) { tlv(o, tag, in->b, in->n); }

static void integer(ber *o, uint8_t tag, int64_t v)
{
    uint8_t tmp[9];
    int n = 8;
    for (int i = 0; i < 8; i++)
        tmp[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    int start = 0;
    while (start < 7 && ((tmp[start] == 0x00 && !(tmp[start + 1] & 0x80)) ||
                         (tmp[start] == 0xff && (tmp[start + 1] & 0x80))))
        start++;
    tlv(o, tag, tmp + start, (size_t)(n - start));
}

static void uinteger(ber *o, uint8_t tag, uint64_t v)
{
    uint8_t tmp[9];
    tmp[0] = 0;
    for (int i = 0; i < 8; i++)
        tmp[1 + i] = (uint8_t)(v >> (56 - 8 * i));
    int start = 1;
    while (start < 8 && tmp[start] == 0)
        start++;
    if (tmp[start] & 0x80)
        start--;
    tlv(o, tag, tmp + start, (size_t)(9 - start));
}

static void oid(ber *o, const char *dotted)
{
    uint64_t arcs[64];
    size_t n = 0;
    for (const char *p = dotted; *p;) {
        arcs[n++] = strtoull(p, (char **)&p, 10);
        if (*p == '.')
            p++;
    }
    uint8_t v[512];
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t a = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
        uint8_t tmp[10];
        int t = 0;
        do {
            tmp[t++] = (uint8_t)(a & 0x7f);
            a >>= 7;
        } while (a);
        while (t--)
            v[k++] = (uint8_t)(tmp[t] | (t ? 0x80 : 0));
        if (i == 1)
            continue;
    }
    tlv(o, 0x06, v, k);
}

static void octets(ber *o, const char *s) { tlv(o, 0x04, s, strlen(s)); }

/* A variable binding: an OID and its value (already encoded in `value`; NULL: a NULL). */
static void vb(ber *list, const char *name, const ber *value)
{
    ber v = {.n = 0};
    oid(&v, name);
    if (value) {
        memcpy(v.b + v.n, value->b, value->n);
        v.n += value->n;
    } else {
        tlv(&v, 0x05, NULL, 0);
    }
    wrap(list, 0x30, &v);
}

/* A v1 (0) or v2c (1) message. */
static ber msg(int version, const char *community, uint8_t pdu_tag, int64_t reqid, int64_t es, int64_t ei,
               const ber *vbl)
{
    ber pdu = {.n = 0}, body = {.n = 0}, out = {.n = 0};
    integer(&pdu, 0x02, reqid);
    integer(&pdu, 0x02, es);
    integer(&pdu, 0x02, ei);
    wrap(&pdu, 0x30, vbl);
    integer(&body, 0x02, version);
    octets(&body, community);
    wrap(&body, pdu_tag, &pdu);
    wrap(&out, 0x30, &body);
    return out;
}

static char *run(const ber *msgs, const int *dirs, int n)
{
    harness *h = harness_new("snmp", TR_UDP, 161);
    for (int i = 0; i < n; i++)
        harness_datagram(h, dirs[i], msgs[i].b, msgs[i].n);
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    return out;
}

static char *one(const ber *m, int dir) { return run(m, &dir, 1); }

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

static ber vbl_null(const char *name)
{
    ber l = {.n = 0};
    vb(&l, name, NULL);
    return l;
}

/* ---- PDUs ---- */

static void test_get_and_response(void **state)
{
    (void)state;
    ber l = vbl_null("1.3.6.1.2.1.1.1.0"), v = {.n = 0}, r = {.n = 0};
    octets(&v, "Linux trawl 6.1");
    vb(&r, "1.3.6.1.2.1.1.1.0", &v);
    ber m[2] = {msg(1, "public", 0xa0, 1234, 0, 0, &l), msg(1, "public", 0xa2, 1234, 0, 0, &r)};
    int dirs[2] = {TR_C2S, TR_S2C};
    char *out = run(m, dirs, 2);
    expect_has(out, "\"type\":\"request\"");
    expect_has(out, "\"version\":\"2c\",\"community\":\"public\",\"pdu\":\"get-request\",\"request_id\":1234,"
                    "\"varbinds\":[{\"oid\":\"1.3.6.1.2.1.1.1.0\",\"name\":\"sysDescr.0\",\"type\":\"NULL\"}]");
    expect_has(out, "\"pdu\":\"get-response\",\"request_id\":1234,\"error_status\":\"noError\",\"varbinds\":[{\"oid\":"
                    "\"1.3.6.1.2.1.1.1.0\",\"name\":\"sysDescr.0\",\"type\":\"STRING\",\"value\":\"Linux trawl 6.1\"}],"
                    "\"request_pdu\":\"get-request\"");
    expect_has(out, "\"type\":\"auth\"");
    expect_has(out, "\"community\":\"public\",\"success\":true");
    expect_not(out, "unanswered");
    expect_not(out, "anomaly");
    free(out);
}

static void test_every_pdu(void **state)
{
    (void)state;
    static const struct { uint8_t tag; const char *name, *type; } pdus[] = {
        {0xa0, "get-request", "request"}, {0xa1, "get-next-request", "request"}, {0xa3, "set-request", "request"},
        {0xa5, "get-bulk-request", "request"}, {0xa6, "inform-request", "request"}, {0xa2, "get-response", "response"},
        {0xa7, "snmpV2-trap", "trap"}, {0xa8, "report", "response"},
    };
    for (size_t i = 0; i < sizeof pdus / sizeof pdus[0]; i++) {
        ber l = vbl_null("1.3.6.1.2.1.1.5.0");
        ber m = msg(1, "c", pdus[i].tag, 7, pdus[i].tag == 0xa5 ? 1 : 0, pdus[i].tag == 0xa5 ? 10 : 0, &l);
        char *out = one(&m, pdus[i].tag == 0xa2 || pdus[i].tag == 0xa8 ? TR_S2C : TR_C2S);
        char want[96];
        snprintf(want, sizeof want, "\"type\":\"%s\"", pdus[i].type);
        expect_has(out, want);
        snprintf(want, sizeof want, "\"pdu\":\"%s\"", pdus[i].name);
        expect_has(out, want);
        if (pdus[i].tag == 0xa5)
            expect_has(out, "\"non_repeaters\":1,\"max_repetitions\":10");
        expect_not(out, "anomaly");
        free(out);
    }
}

static void test_v1_trap(void **state)
{
    (void)state;
    ber pdu = {.n = 0}, body = {.n = 0}, m = {.n = 0}, l = {.n = 0}, v = {.n = 0};
    integer(&v, 0x02, 2);
    vb(&l, "1.3.6.1.2.1.2.2.1.1.2", &v);
    oid(&pdu, "1.3.6.1.4.1.8072.2.3");
    tlv(&pdu, 0x40, "\x0a\x63\x00\x01", 4);
    integer(&pdu, 0x02, 2);
    integer(&pdu, 0x02, 0);
    uinteger(&pdu, 0x43, 4242);
    wrap(&pdu, 0x30, &l);
    integer(&body, 0x02, 0);
    octets(&body, "public");
    wrap(&body, 0xa4, &pdu);
    wrap(&m, 0x30, &body);
    char *out = one(&m, TR_C2S);
    expect_has(out, "\"type\":\"trap\"");
    expect_has(out, "\"version\":\"1\",\"community\":\"public\",\"pdu\":\"trap\",\"enterprise\":\"1.3.6.1.4.1.8072.2.3\","
                    "\"agent_addr\":\"10.99.0.1\",\"generic_trap\":\"linkDown\",\"specific_trap\":0,\"uptime\":4242,"
                    "\"trap_oid\":\"1.3.6.1.6.3.1.1.5.3\",\"trap_name\":\"linkDown\"");
    expect_has(out, "\"name\":\"ifIndex.2\",\"type\":\"INTEGER\",\"value\":2");
    expect_not(out, "\"type\":\"auth\""); /* nobody answers a trap */
    free(out);
    /* enterpriseSpecific: enterprise.0.specific (RFC 3584 3.1) */
    m.n = body.n = pdu.n = 0;
    oid(&pdu, "1.3.6.1.4.1.99999");
    tlv(&pdu, 0x40, "\x0a\x00\x00\x01", 4);
    integer(&pdu, 0x02, 6);
    integer(&pdu, 0x02, 17);
    uinteger(&pdu, 0x43, 0);
    wrap(&pdu, 0x30, &l);
    integer(&body, 0x02, 0);
    octets(&body, "public");
    wrap(&body, 0xa4, &pdu);
    wrap(&m, 0x30, &body);
    out = one(&m, TR_C2S);
    expect_has(out, "\"generic_trap\":\"enterpriseSpecific\",\"specific_trap\":17");
    expect_has(out, "\"trap_oid\":\"1.3.6.1.4.1.99999.0.17\"");
    free(out);
}

static void test_v2_trap_and_inform(void **state)
{
    (void)state;
    ber l = {.n = 0}, up = {.n = 0}, to = {.n = 0};
    uinteger(&up, 0x43, 4343);
    oid(&to, "1.3.6.1.6.3.1.1.5.4");
    vb(&l, "1.3.6.1.2.1.1.3.0", &up);
    vb(&l, "1.3.6.1.6.3.1.1.4.1.0", &to);
    ber m[2] = {msg(1, "public", 0xa6, 99, 0, 0, &l), msg(1, "public", 0xa2, 99, 0, 0, &l)};
    int dirs[2] = {TR_C2S, TR_S2C};
    char *out = run(m, dirs, 2);
    expect_has(out, "\"pdu\":\"inform-request\",\"request_id\":99,\"uptime\":4343,\"trap_oid\":\"1.3.6.1.6.3.1.1.5.4\","
                    "\"trap_name\":\"linkUp\"");
    expect_has(out, "\"request_pdu\":\"inform-request\"");
    expect_has(out, "\"name\":\"snmpTrapOID.0\",\"type\":\"OID\",\"value\":\"1.3.6.1.6.3.1.1.5.4\",\"value_name\":\"linkUp\"");
    free(out);
    ber t = msg(1, "public", 0xa7, 5, 0, 0, &l);
    out = one(&t, TR_C2S);
    expect_has(out, "\"type\":\"trap\"");
    expect_has(out, "\"pdu\":\"snmpV2-trap\",\"request_id\":5,\"uptime\":4343");
    expect_not(out, "unanswered");
    free(out);
}

/* ---- values ---- */

static void test_value_types(void **state)
{
    (void)state;
    ber l = {.n = 0}, v;
#define VALUE(name, ...)                                                                                             \
    do {                                                                                                             \
        v.n = 0;                                                                                                     \
        __VA_ARGS__;                                                                                                 \
        vb(&l, name, &v);                                                                                            \
    } while (0)
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.1.0", integer(&v, 0x02, -42));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.2.0", integer(&v, 0x02, INT32_MIN));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.3.0", octets(&v, "hello, trawl"));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.4.0", tlv(&v, 0x04, "\x00\x01\xff\x80", 4));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.5.0", uinteger(&v, 0x42, UINT32_MAX));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.6.0", uinteger(&v, 0x41, UINT32_MAX));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.7.0", uinteger(&v, 0x46, UINT64_MAX));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.8.0", uinteger(&v, 0x43, 123456789));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.9.0", tlv(&v, 0x40, "\x0a\x63\x00\x01", 4));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.10.0", oid(&v, "1.3.6.1.4.1.8072.3.2.10"));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.11.0", tlv(&v, 0x44, "\x01\x02", 2));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.12.0", tlv(&v, 0x80, NULL, 0));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.13.0", tlv(&v, 0x81, NULL, 0));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.14.0", tlv(&v, 0x82, NULL, 0));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.15.0", octets(&v, ""));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.16.0", octets(&v, "caf\xc3\xa9 \xe2\x86\x92 ok"));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.17.0", uinteger(&v, 0x46, 0));
    VALUE("1.3.6.1.4.1.8072.9999.9999.7.18.0", integer(&v, 0x02, INT64_MIN));
#undef VALUE
    ber m = msg(1, "public", 0xa2, 1, 0, 0, &l);
    char *out = one(&m, TR_S2C);
    expect_has(out, "\"type\":\"INTEGER\",\"value\":-42}");
    expect_has(out, "\"type\":\"INTEGER\",\"value\":-2147483648}");
    expect_has(out, "\"type\":\"STRING\",\"value\":\"hello, trawl\"}");
    expect_has(out, "\"type\":\"Hex-STRING\",\"value\":\"0001ff80\"}");
    expect_has(out, "\"type\":\"Gauge32\",\"value\":4294967295}");
    expect_has(out, "\"type\":\"Counter32\",\"value\":4294967295}");
    expect_has(out, "\"type\":\"Counter64\",\"value\":\"18446744073709551615\"}");
    expect_has(out, "\"type\":\"Timeticks\",\"value\":123456789}");
    expect_has(out, "\"type\":\"IpAddress\",\"value\":\"10.99.0.1\"}");
    expect_has(out, "\"type\":\"OID\",\"value\":\"1.3.6.1.4.1.8072.3.2.10\",\"value_name\":\"linux\"}");
    expect_has(out, "\"type\":\"Opaque\",\"value\":\"0102\"}");
    expect_has(out, "\"type\":\"noSuchObject\"}");
    expect_has(out, "\"type\":\"noSuchInstance\"}");
    expect_has(out, "\"type\":\"endOfMibView\"}");
    expect_has(out, "\"type\":\"STRING\",\"value\":\"\"}");
    expect_has(out, "\"type\":\"STRING\",\"value\":\"caf\xc3\xa9 \xe2\x86\x92 ok\"}");
    expect_has(out, "\"type\":\"Counter64\",\"value\":\"0\"}");
    expect_has(out, "\"type\":\"INTEGER\",\"value\":-9223372036854775808}");
    expect_has(out, "\"name\":\"netSnmpPlaypen.7.1.0\"");
    expect_not(out, "anomaly");
    free(out);
}

static void test_bad_values(void **state)
{
    (void)state;
    ber l = {.n = 0}, v = {.n = 0};
    tlv(&v, 0x40, "\x0a\x63\x00", 3); /* an IpAddress of 3 bytes */
    vb(&l, "1.3.6.1.2.1.4.20.1.1.10.99.0.1", &v);
    v.n = 0;
    tlv(&v, 0x41, "\x01\x00\x00\x00\x00", 5); /* a Counter32 past 32 bits */
    vb(&l, "1.3.6.1.2.1.2.2.1.10.1", &v);
    ber m = msg(1, "public", 0xa2, 1, 0, 0, &l);
    char *out = one(&m, TR_S2C);
    expect_has(out, "\"name\":\"ipAdEntAddr.10.99.0.1\",\"type\":\"IpAddress\",\"value\":\"0a6300\"");
    expect_has(out, "\"name\":\"ifInOctets.1\",\"type\":\"Counter32\",\"value\":\"0100000000\"");
    expect_has(out, "\"anomaly\":\"snmp_bad_value\"");
    free(out);
}

/* ---- pairing ---- */

static void test_retries_and_unanswered(void **state)
{
    (void)state;
    ber l = vbl_null("1.3.6.1.2.1.1.5.0"), v = {.n = 0}, r = {.n = 0};
    octets(&v, "trawl-srv");
    vb(&r, "1.3.6.1.2.1.1.5.0", &v);
    ber req = msg(1, "public", 0xa0, 77, 0, 0, &l), ans = msg(1, "public", 0xa2, 77, 0, 0, &r);
    ber other = msg(1, "public", 0xa0, 78, 0, 0, &l);
    /* net-snmp retries with the same request-id; the agent answers both copies */
    ber m[5] = {req, req, ans, ans, other};
    int dirs[5] = {TR_C2S, TR_C2S, TR_S2C, TR_S2C, TR_C2S};
    char *out = run(m, dirs, 5);
    assert_int_equal(harness_count(out, "\"type\":\"request\"", "\"request_id\":77", NULL), 2);
    assert_int_equal(harness_count(out, "\"type\":\"request\"", "\"request_id\":77", "\"retry\":true", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"response\"", "\"request_pdu\":\"get-request\"", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"response\"", "\"retry\":true", NULL), 1);
    assert_int_equal(harness_count(out, "\"type\":\"unanswered\"", NULL), 1);
    expect_has(out, "\"type\":\"unanswered\"");
    expect_has(out, "\"pdu\":\"get-request\",\"request_id\":78,\"oid\":\"1.3.6.1.2.1.1.5.0\",\"name\":\"sysName.0\"");
    assert_int_equal(harness_count(out, "\"type\":\"auth\"", NULL), 1); /* answered: accepted, once */
    free(out);
}

static void test_community_silence_and_refusal(void **state)
{
    (void)state;
    ber l = vbl_null("1.3.6.1.2.1.1.5.0");
    ber req = msg(0, "wrong", 0xa0, 5, 0, 0, &l);
    ber m[3] = {req, req, req};
    int dirs[3] = {TR_C2S, TR_C2S, TR_C2S};
    char *out = run(m, dirs, 3);
    expect_has(out, "\"type\":\"unanswered\"");
    expect_has(out, "\"version\":\"1\",\"community\":\"wrong\",\"success\":false");
    assert_int_equal(harness_count(out, "\"retry\":true", NULL), 2);
    free(out);
    /* authorizationError (16): the community was not accepted for this */
    ber refused[2] = {msg(1, "ro", 0xa3, 6, 0, 0, &l), msg(1, "ro", 0xa2, 6, 16, 1, &l)};
    int d2[2] = {TR_C2S, TR_S2C};
    out = run(refused, d2, 2);
    expect_has(out, "\"error_status\":\"authorizationError\",\"error_index\":1");
    expect_has(out, "\"community\":\"ro\",\"success\":false");
    free(out);
    /* notWritable is the agent's answer to an accepted community */
    ber nw[2] = {msg(1, "rw", 0xa3, 6, 0, 0, &l), msg(1, "rw", 0xa2, 6, 17, 1, &l)};
    out = run(nw, d2, 2);
    expect_has(out, "\"error_status\":\"notWritable\",\"error_index\":1");
    expect_has(out, "\"community\":\"rw\",\"success\":true");
    free(out);
    /* an error-status past the table */
    ber odd[1] = {msg(1, "rw", 0xa2, 6, 99, 0, &l)};
    out = run(odd, d2 + 1, 1);
    expect_has(out, "\"error_status\":\"ERROR99\"");
    free(out);
}

/* ---- SNMPv3 ---- */

typedef struct v3 {
    int64_t msg_id;
    uint8_t flags;
    const char *engine;   /* hex */
    int64_t boots, time;
    const char *user;
    size_t digest_len;    /* 0: none */
    const char *salt;     /* 8 bytes, priv */
} v3;

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2)
        out[n++] = (uint8_t)strtoul((char[]){h[0], h[1], 0}, NULL, 16);
    return n;
}

/* A v3 message around msg_data (a ScopedPDU SEQUENCE or an encryptedPDU OCTET STRING); *digest_off: where the
 * digest's bytes are in it. */
static ber v3_msg(const v3 *p, const ber *msg_data, size_t *digest_off)
{
    ber global = {.n = 0}, usm = {.n = 0}, usm_seq = {.n = 0}, body = {.n = 0}, out = {.n = 0};
    integer(&global, 0x02, p->msg_id);
    integer(&global, 0x02, 65507);
    tlv(&global, 0x04, &p->flags, 1);
    integer(&global, 0x02, 3);
    uint8_t eng[64];
    size_t elen = p->engine ? unhex(p->engine, eng) : 0;
    tlv(&usm, 0x04, eng, elen);
    integer(&usm, 0x02, p->boots);
    integer(&usm, 0x02, p->time);
    octets(&usm, p->user);
    uint8_t marker[48];
    memset(marker, 0xa5, sizeof marker);
    tlv(&usm, 0x04, marker, p->digest_len);
    tlv(&usm, 0x04, p->salt, p->salt ? 8 : 0);
    wrap(&usm_seq, 0x30, &usm);
    integer(&body, 0x02, 3);
    wrap(&body, 0x30, &global);
    wrap(&body, 0x04, &usm_seq);
    memcpy(body.b + body.n, msg_data->b, msg_data->n);
    body.n += msg_data->n;
    wrap(&out, 0x30, &body);
    *digest_off = 0;
    for (size_t i = 0; p->digest_len && i + p->digest_len <= out.n; i++)
        if (memcmp(out.b + i, marker, p->digest_len) == 0) {
            *digest_off = i;
            memset(out.b + i, 0, p->digest_len);
            break;
        }
    return out;
}

static void sign(ber *m, size_t off, const char *md, const uint8_t *key, size_t klen, size_t dlen)
{
    uint8_t mac[64];
    size_t len = 0;
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, m->b, m->n, mac, sizeof mac, &len));
    memcpy(m->b + off, mac, dlen);
}

static ber scoped(uint8_t pdu_tag, int64_t reqid, const ber *vbl, const char *engine)
{
    ber pdu = {.n = 0}, s = {.n = 0}, out = {.n = 0};
    integer(&pdu, 0x02, reqid);
    integer(&pdu, 0x02, 0);
    integer(&pdu, 0x02, 0);
    wrap(&pdu, 0x30, vbl);
    uint8_t eng[64];
    tlv(&s, 0x04, eng, engine ? unhex(engine, eng) : 0);
    octets(&s, "");
    wrap(&s, pdu_tag, &pdu);
    wrap(&out, 0x30, &s);
    return out;
}

static void test_v3_discovery(void **state)
{
    (void)state;
    ber empty = {.n = 0}, l = {.n = 0}, c = {.n = 0};
    uinteger(&c, 0x41, 3);
    vb(&l, "1.3.6.1.6.3.15.1.1.4.0", &c);
    v3 q = {.msg_id = 100, .flags = 4, .user = ""};
    v3 r = {.msg_id = 100, .flags = 0, .engine = "80001f8804747261776c", .boots = 1, .time = 30, .user = ""};
    size_t off;
    ber sq = scoped(0xa0, 555, &empty, NULL), sr = scoped(0xa8, 555, &l, "80001f8804747261776c");
    ber m[2] = {v3_msg(&q, &sq, &off), v3_msg(&r, &sr, &off)};
    int dirs[2] = {TR_C2S, TR_S2C};
    char *out = run(m, dirs, 2);
    expect_has(out, "\"version\":\"3\",\"msg_id\":100,\"flags\":{\"auth\":false,\"priv\":false,\"reportable\":true},"
                    "\"engine_boots\":0,\"engine_time\":0,\"user\":\"\",\"discovery\":true,\"pdu\":\"get-request\"");
    expect_has(out, "\"engine_id\":\"80001f8804747261776c\",\"engine_boots\":1,\"engine_time\":30,\"user\":\"\","
                    "\"discovery\":true,\"pdu\":\"report\"");
    expect_has(out, "\"name\":\"usmStatsUnknownEngineIDs.0\",\"type\":\"Counter32\",\"value\":3");
    expect_has(out, "\"request_pdu\":\"get-request\"");
    expect_not(out, "\"type\":\"auth\""); /* discovery is no login */
    expect_not(out, "unanswered");
    free(out);
}

/* RFC 3414 A.3.1 and A.3.2: "maplesyrup" and engine 00..02. */
static void test_key_localization_rfc3414(void **state)
{
    (void)state;
    static const uint8_t engine[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    static const struct { int auth; const char *ku, *kul; } vectors[] = {
        {SNMP_AUTH_MD5, "9faf3283884e92834ebc9847d8edd963", "526f5eed9fcce26f8964c2930787d82b"},
        {SNMP_AUTH_SHA1, "9fb5cc0381497b3793528939ff788d5d79145211", "6695febc9288e36282235fc7151f128497b38f3f"},
    };
    for (size_t i = 0; i < 2; i++) {
        uint8_t ku[64], kul[64], want[64];
        assert_int_equal(snmp_usm_password_to_key(vectors[i].auth, (const uint8_t *)"maplesyrup", 10, ku), 0);
        size_t n = unhex(vectors[i].ku, want);
        assert_int_equal(n, snmp_usm_key_len(vectors[i].auth));
        assert_memory_equal(ku, want, n);
        assert_int_equal(snmp_usm_localize(vectors[i].auth, ku, engine, sizeof engine, kul), 0);
        unhex(vectors[i].kul, want);
        assert_memory_equal(kul, want, n);
    }
    assert_int_equal(snmp_usm_digest_len(SNMP_AUTH_MD5), 12);
    assert_int_equal(snmp_usm_digest_len(SNMP_AUTH_SHA512), 48);
}

/* NIST SP 800-38A F.3.14 (CFB128-AES128.Decrypt): key 2b7e..., IV 0001..0f, as boots 0x00010203, time 0x04050607 and
 * the salt 08..0f (RFC 3826's IV layout). FIPS 81 Appendix C (CBC): key 0123456789abcdef, IV 1234567890abcdef. */
static void test_cipher_vectors(void **state)
{
    (void)state;
    uint8_t key[64] = {0}, salt[8], ct[64], pt[64], want[64];
    unhex("2b7e151628aed2a6abf7158809cf4f3c", key);
    unhex("08090a0b0c0d0e0f", salt);
    size_t n = unhex("3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b", ct);
    unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51", want);
    assert_int_equal(snmp_usm_decrypt(SNMP_PRIV_AES, key, 0x00010203, 0x04050607, salt, 8, ct, n, pt), 0);
    assert_memory_equal(pt, want, n);
    assert_int_equal(snmp_usm_decrypt(SNMP_PRIV_AES, key, 0, 0, salt, 7, ct, n, pt), -1); /* a salt not 8 bytes */
    if (!snmp_usm_des_available()) {
        fprintf(stderr, "DES not available here (OpenSSL's legacy provider): its vector skipped\n");
        return;
    }
    memset(key, 0, sizeof key);
    unhex("0123456789abcdef", key); /* key; the pre-IV (bytes 8-15) zero, so the IV is the salt */
    unhex("1234567890abcdef", salt);
    n = unhex("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6", ct);
    assert_int_equal(snmp_usm_decrypt(SNMP_PRIV_DES, key, 0, 0, salt, 8, ct, n, pt), 0);
    assert_memory_equal(pt, "Now is the time for all ", 24);
    assert_int_equal(snmp_usm_decrypt(SNMP_PRIV_DES, key, 0, 0, salt, 8, ct, n - 1, pt), -1); /* not whole blocks */
}

static void test_user_option(void **state)
{
    (void)state;
    char err[256];
    snmp_users_clear();
    assert_int_equal(snmp_user_add("alice:SHA-256:pw-alice-1", err, sizeof err), 0);
    assert_int_equal(snmp_user_add("bob:md5:pw-bob-1:AES:pw-bob-2", err, sizeof err), 0);
    assert_int_equal(snmp_users_count(), 2);
    assert_int_equal(snmp_user_at(0)->auth, SNMP_AUTH_SHA256);
    assert_int_equal(snmp_user_at(1)->priv, SNMP_PRIV_AES);
    assert_int_equal(snmp_user_add("carol:SHA", err, sizeof err), -1);
    assert_int_equal(snmp_user_add("carol:SHA3:pw", err, sizeof err), -1);
    assert_non_null(strstr(err, "SHA3"));
    assert_int_equal(snmp_user_add("carol:SHA:pw:3DES:pw", err, sizeof err), -1);
    assert_int_equal(snmp_user_add("carol:SHA::AES:pw", err, sizeof err), -1);
    assert_int_equal(snmp_user_add(":SHA:pw", err, sizeof err), -1);
    assert_int_equal(snmp_user_add("carol:SHA:a:b:c:d", err, sizeof err), -1);
    /* the option as the command line hands it over */
    extern const tr_dissector dis_snmp;
    assert_string_equal(dis_snmp.options[0].name, "snmp-user");
    assert_int_equal(dis_snmp.options[0].set("dave:SHA-512:pw-dave-1", err, sizeof err), 0);
    assert_int_equal(snmp_users_count(), 3);
    snmp_users_clear();
}

/* An authPriv exchange encrypted here (SHA + AES), read with the right keys, a wrong privacy password and a wrong
 * authentication password. */
static const char *const engine_hex = "80001f8804747261776c2d6167656e74";

static ber authpriv_message(const char *auth_pw, const char *priv_pw, uint8_t pdu_tag, uint8_t flags, int64_t msg_id,
                            const ber *vbl)
{
    uint8_t engine[32], ku[64], kul[64], pku[64], pkul[64];
    size_t elen = unhex(engine_hex, engine);
    assert_int_equal(snmp_usm_password_to_key(SNMP_AUTH_SHA1, (const uint8_t *)auth_pw, strlen(auth_pw), ku), 0);
    assert_int_equal(snmp_usm_localize(SNMP_AUTH_SHA1, ku, engine, elen, kul), 0);
    assert_int_equal(snmp_usm_password_to_key(SNMP_AUTH_SHA1, (const uint8_t *)priv_pw, strlen(priv_pw), pku), 0);
    assert_int_equal(snmp_usm_localize(SNMP_AUTH_SHA1, pku, engine, elen, pkul), 0);
    ber plain = scoped(pdu_tag, 4242, vbl, engine_hex), enc = {.n = 0}, ct = {.n = 0};
    /* RFC 3826: AES-128-CFB, IV = boots | time | salt */
    static const uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t iv[16] = {0, 0, 0, 3, 0, 0, 0, 0x77, 1, 2, 3, 4, 5, 6, 7, 8};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_aes_128_cfb128(), pkul, iv, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(c, ct.b, &len, plain.b, (int)plain.n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, ct.b + len, &fin), 1);
    EVP_CIPHER_CTX_free(c);
    ct.n = (size_t)(len + fin);
    wrap(&enc, 0x04, &ct);
    v3 p = {.msg_id = msg_id, .flags = flags, .engine = engine_hex, .boots = 3, .time = 0x77, .user = "privuser",
            .digest_len = 12, .salt = (const char *)salt};
    size_t off;
    ber m = v3_msg(&p, &enc, &off);
    assert_true(off > 0);
    sign(&m, off, "SHA1", kul, 20, 12);
    return m;
}

static char *v3_exchange(const char *user_option, const char *client_priv)
{
    char err[256];
    snmp_users_clear();
    if (user_option)
        assert_int_equal(snmp_user_add(user_option, err, sizeof err), 0);
    ber l = vbl_null("1.3.6.1.2.1.1.5.0"), r = {.n = 0}, v = {.n = 0};
    octets(&v, "trawl-srv");
    vb(&r, "1.3.6.1.2.1.1.5.0", &v);
    ber m[2] = {authpriv_message("Trawl-auth-pw2", client_priv, 0xa0, 7, 31, &l),
                authpriv_message("Trawl-auth-pw2", client_priv, 0xa2, 3, 31, &r)};
    int dirs[2] = {TR_C2S, TR_S2C};
    char *out = run(m, dirs, 2);
    snmp_users_clear();
    return out;
}

static void test_v3_authpriv(void **state)
{
    (void)state;
    /* no keys: marked encrypted, nothing guessed */
    char *out = v3_exchange(NULL, "Trawl-priv-pw2");
    expect_has(out, "\"user\":\"privuser\",\"encrypted\":true}");
    expect_not(out, "varbinds");
    expect_has(out, "\"type\":\"response\"");
    expect_has(out, "\"user\":\"privuser\",\"success\":true");
    expect_not(out, "anomaly");
    free(out);
    /* the right keys: the digest checked, the PDUs decrypted */
    out = v3_exchange("privuser:SHA:Trawl-auth-pw2:AES:Trawl-priv-pw2", "Trawl-priv-pw2");
    expect_has(out, "\"user\":\"privuser\",\"digest_valid\":true,\"decrypted\":true,\"pdu\":\"get-request\","
                    "\"request_id\":4242");
    expect_has(out, "\"name\":\"sysName.0\",\"type\":\"STRING\",\"value\":\"trawl-srv\"");
    expect_has(out, "\"user\":\"privuser\",\"success\":true,\"digest_valid\":true");
    expect_not(out, "anomaly");
    free(out);
    /* the client's privacy password is not the one given: right digest, no values, an anomaly */
    out = v3_exchange("privuser:SHA:Trawl-auth-pw2:AES:Trawl-priv-pw2", "Another-priv-pw");
    expect_has(out, "\"digest_valid\":true,\"encrypted\":true}");
    expect_not(out, "varbinds");
    expect_has(out, "\"anomaly\":\"snmp_usm_decrypt_failed\"");
    free(out);
    /* a wrong authentication password given to trawl: the digest does not match, nothing decrypted */
    out = v3_exchange("privuser:SHA:Not-the-password:AES:Trawl-priv-pw2", "Trawl-priv-pw2");
    expect_has(out, "\"digest_valid\":false,\"encrypted\":true}");
    expect_has(out, "\"anomaly\":\"snmp_usm_wrong_digest\"");
    expect_not(out, "varbinds");
    free(out);
    /* two users of one name: the one whose digest matches is taken */
    char err[256];
    snmp_users_clear();
    assert_int_equal(snmp_user_add("privuser:SHA:Other-agent-pw:AES:x-priv-pw", err, sizeof err), 0);
    free(v3_exchange(NULL, "Trawl-priv-pw2"));
}

static void test_v3_digest(void **state)
{
    (void)state;
    uint8_t engine[32], ku[64], kul[64];
    size_t elen = unhex(engine_hex, engine);
    snmp_usm_password_to_key(SNMP_AUTH_SHA256, (const uint8_t *)"Trawl-auth-pw4", 14, ku);
    snmp_usm_localize(SNMP_AUTH_SHA256, ku, engine, elen, kul);
    ber l = vbl_null("1.3.6.1.2.1.1.5.0");
    ber s = scoped(0xa0, 9, &l, engine_hex);
    v3 p = {.msg_id = 8, .flags = 5, .engine = engine_hex, .boots = 1, .time = 2, .user = "sha256user",
            .digest_len = 24};
    size_t off;
    ber m = v3_msg(&p, &s, &off);
    sign(&m, off, "SHA256", kul, 32, 24);
    assert_int_equal(snmp_usm_digest_ok(SNMP_AUTH_SHA256, kul, m.b, m.n, off), 1);
    m.b[m.n - 1] ^= 1;
    assert_int_equal(snmp_usm_digest_ok(SNMP_AUTH_SHA256, kul, m.b, m.n, off), 0);
    assert_int_equal(snmp_usm_digest_ok(SNMP_AUTH_SHA256, kul, m.b, off + 3, off), -1);
}

/* ---- MIB names ---- */

static void name_of(const char *dotted, char *out, size_t cap)
{
    uint64_t arcs[64];
    size_t n = 0;
    for (const char *p = dotted; *p;) {
        arcs[n++] = strtoull(p, (char **)&p, 10);
        if (*p == '.')
            p++;
    }
    snmp_mib_name(arcs, n, out, cap);
}

static void test_mib_names(void **state)
{
    (void)state;
    static const struct { const char *oid, *name; } names[] = {
        {"1.3.6.1.2.1.1.1.0", "sysDescr.0"},
        {"1.3.6.1.2.1.2.2.1.2.2", "ifDescr.2"},
        {"1.3.6.1.2.1.31.1.1.1.1.3", "ifName.3"},
        {"1.3.6.1.2.1.25.4.2.1.2.1234", "hrSWRunName.1234"},
        {"1.3.6.1.2.1.4.20.1.2.10.99.0.1", "ipAdEntIfIndex.10.99.0.1"},
        {"1.3.6.1.6.3.1.1.5.5", "authenticationFailure"},
        {"1.3.6.1.6.3.15.1.1.2.0", "usmStatsNotInTimeWindows.0"},
        {"1.3.6.1.6.3.10.2.1.1.0", "snmpEngineID.0"},
        {"1.3.6.1.4.1.8072.1.3.2.3.1.1.5.104.101.108.108.111", "nsExtendOutput1Line.\"hello\""},
        {"1.3.6.1.4.1.8072.1.3.2.4.1.2.5.108.105.110.101.115.7", "nsExtendOutLine.\"lines\".7"},
        {"1.3.6.1.4.1.8072.1.3.2.4.1.2.3.1.2.300.7", "nsExtendOutLine.3.1.2.300.7"}, /* not text: as numbers */
        {"1.3.6.1.4.1.8072.3.2.10", "linux"},
        {"1.3.6.1.4.1.99999.1", "enterprises.99999.1"},
        {"1.3.6.1.4.1.2021.10.1.3.1", "laLoad.1"},
        {"0.0", "zeroDotZero"},
        {"1.0.8802.1.1", ""},
        {"1.3.6", ""},
    };
    char out[SNMP_MIB_NAME_MAX];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        name_of(names[i].oid, out, sizeof out);
        assert_string_equal(out, names[i].name);
    }
    assert_true(snmp_mib_size() > 1000);
    name_of("1.3.6.1.2.1.1.1.0", out, 6); /* too small a buffer: nothing, not half a name */
    assert_string_equal(out, "");
}

/* ---- transport and malformed input ---- */

static void test_tcp_framing(void **state)
{
    (void)state;
    ber l = vbl_null("1.3.6.1.2.1.1.5.0"), v = {.n = 0}, r = {.n = 0};
    octets(&v, "trawl-srv");
    vb(&r, "1.3.6.1.2.1.1.5.0", &v);
    ber q1 = msg(1, "public", 0xa0, 1, 0, 0, &l), q2 = msg(1, "public", 0xa1, 2, 0, 0, &l);
    ber a1 = msg(1, "public", 0xa2, 1, 0, 0, &r), a2 = msg(1, "public", 0xa2, 2, 0, 0, &r);
    uint8_t c2s[512], s2c[512];
    memcpy(c2s, q1.b, q1.n);
    memcpy(c2s + q1.n, q2.b, q2.n);
    memcpy(s2c, a1.b, a1.n);
    memcpy(s2c + a1.n, a2.b, a2.n);
    harness_msg script[] = {
        {TR_C2S, (const char *)c2s, q1.n + q2.n},
        {TR_S2C, (const char *)s2c, a1.n + a2.n},
    };
    char *out = harness_script_all_splits("snmp", 161, script, 2);
    assert_int_equal(harness_count(out, "\"type\":\"request\"", "\"transport\":\"tcp\"", NULL), 2);
    assert_int_equal(harness_count(out, "\"type\":\"response\"", "\"request_pdu\"", NULL), 2);
    expect_not(out, "anomaly");
    free(out);
}

static void test_malformed_everywhere(void **state)
{
    (void)state;
    ber l = {.n = 0}, v = {.n = 0};
    octets(&v, "value");
    vb(&l, "1.3.6.1.2.1.1.1.0", &v);
    v.n = 0;
    uinteger(&v, 0x46, 12345);
    vb(&l, "1.3.6.1.2.1.31.1.1.1.6.1", &v);
    ber m = msg(1, "public", 0xa2, 1, 0, 0, &l);
    /* cut at every length: each is an anomaly (or nothing at 0), never a crash */
    for (size_t cut = 1; cut < m.n; cut++) {
        harness *h = harness_new("snmp", TR_UDP, 161);
        harness_datagram(h, TR_S2C, m.b, cut);
        const char *out = harness_close(h, TR_END_EOF);
        if (!strstr(out, "\"type\":\"anomaly\"")) {
            fprintf(stderr, "cut at %zu: no anomaly\n%s", cut, out);
            fail();
        }
        harness_free(h);
    }
    /* every byte changed to every interesting value: whatever it reads as, no crash */
    static const uint8_t values[] = {0x00, 0x01, 0x30, 0x7f, 0x80, 0x81, 0x84, 0x89, 0xa0, 0xff};
    for (size_t at = 0; at < m.n; at++)
        for (size_t k = 0; k < sizeof values; k++) {
            ber x = m;
            x.b[at] = values[k];
            harness *h = harness_new("snmp", TR_UDP, 161);
            harness_datagram(h, TR_S2C, x.b, x.n);
            harness_close(h, TR_END_EOF);
            harness_free(h);
        }
    /* not SNMP at all */
    char *out = one(&(ber){.b = "GET / HTTP/1.0\r\n", .n = 16}, TR_C2S);
    expect_has(out, "\"anomaly\":\"snmp_malformed\""); /* read as BER: not a SEQUENCE */
    expect_not(out, "\"type\":\"request\"");
    free(out);
    /* an unknown version */
    ber b = {.n = 0}, w = {.n = 0};
    integer(&b, 0x02, 2);
    octets(&b, "x");
    wrap(&w, 0x30, &b);
    out = one(&w, TR_C2S);
    expect_has(out, "\"anomaly\":\"snmp_unsupported_version\"");
    free(out);
}

static void test_many_varbinds(void **state)
{
    (void)state;
    ber l = {.n = 0};
    for (int i = 0; i < 200; i++) {
        char name[64];
        snprintf(name, sizeof name, "1.3.6.1.2.1.2.2.1.2.%d", i + 1);
        vb(&l, name, NULL);
    }
    ber m = msg(1, "public", 0xa2, 1, 0, 0, &l);
    char *out = one(&m, TR_S2C);
    expect_has(out, "\"varbinds_omitted\":");
    expect_has(out, "\"name\":\"ifDescr.1\"");
    expect_not(out, "anomaly");
    free(out);
}

static void test_probe(void **state)
{
    (void)state;
    extern const tr_dissector dis_snmp;
    ber l = vbl_null("1.3.6.1.2.1.1.5.0");
    ber m = msg(1, "public", 0xa0, 1, 0, 0, &l);
    assert_int_equal(harness_probe(&dis_snmp, m.b, m.n, TR_C2S), TR_PROBE_YES);
    assert_int_equal(harness_probe(&dis_snmp, m.b, m.n - 1, TR_C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(&dis_snmp, "\x30\x03\x02\x01\x05", 5, TR_C2S), TR_PROBE_NO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_response),
        cmocka_unit_test(test_every_pdu),
        cmocka_unit_test(test_v1_trap),
        cmocka_unit_test(test_v2_trap_and_inform),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_retries_and_unanswered),
        cmocka_unit_test(test_community_silence_and_refusal),
        cmocka_unit_test(test_v3_discovery),
        cmocka_unit_test(test_key_localization_rfc3414),
        cmocka_unit_test(test_cipher_vectors),
        cmocka_unit_test(test_user_option),
        cmocka_unit_test(test_v3_authpriv),
        cmocka_unit_test(test_v3_digest),
        cmocka_unit_test(test_mib_names),
        cmocka_unit_test(test_tcp_framing),
        cmocka_unit_test(test_malformed_everywhere),
        cmocka_unit_test(test_many_varbinds),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
