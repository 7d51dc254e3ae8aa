/* BER (X.690) reading: lengths short and long, tags, integers signed and unsigned, OIDs, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/ber.h"

static tr_buf buf(const uint8_t *p, size_t n) { return tr_buf_make(p, n); }

static void test_short_and_long_lengths(void **state)
{
    (void)state;
    static const uint8_t seq[] = {0x30, 0x81, 0x03, 0x02, 0x01, 0x05, 0xff};
    tr_buf b = buf(seq, sizeof seq);
    ber_tlv t;
    assert_int_equal(ber_read(&b, &t), BER_OK);
    assert_int_equal(t.cls, BER_UNIVERSAL);
    assert_int_equal(t.constructed, 1);
    assert_int_equal(t.tag, BER_SEQUENCE);
    assert_int_equal(tr_left(&t.value), 3);
    assert_int_equal(tr_left(&b), 1); /* the byte after it is left */
    tr_buf inner;
    assert_int_equal(ber_expect(&t.value, BER_UNIVERSAL, 0, BER_INTEGER, &inner), BER_OK);
    int64_t v;
    assert_int_equal(ber_int(&inner, &v), BER_OK);
    assert_int_equal(v, 5);
    /* a two-byte length of 300 */
    uint8_t big[4 + 300] = {0x04, 0x82, 0x01, 0x2c};
    b = buf(big, sizeof big);
    assert_int_equal(ber_read(&b, &t), BER_OK);
    assert_int_equal(tr_left(&t.value), 300);
}

static void test_truncated_and_malformed(void **state)
{
    (void)state;
    ber_tlv t;
    static const uint8_t cut[] = {0x04, 0x05, 'a', 'b'}; /* 5 declared, 2 there */
    tr_buf b = buf(cut, sizeof cut);
    assert_int_equal(ber_read(&b, &t), BER_TRUNCATED);
    assert_int_equal(tr_left(&t.value), 2); /* what is there stays readable */
    assert_int_equal(b.err, TR_ETRUNC);
    static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    b = buf(indefinite, sizeof indefinite);
    assert_int_equal(ber_read(&b, &t), BER_MALFORMED);
    static const uint8_t nine[] = {0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    b = buf(nine, sizeof nine);
    assert_int_equal(ber_read(&b, &t), BER_MALFORMED);
    static const uint8_t lonely[] = {0x02};
    b = buf(lonely, sizeof lonely);
    t.value.len = 99; /* cut before its length: no contents, whatever was there before (found by fuzz_ber) */
    assert_int_equal(ber_read(&b, &t), BER_TRUNCATED);
    assert_int_equal(tr_left(&t.value), 0);
    b = buf(NULL, 0);
    assert_int_equal(ber_read(&b, &t), BER_TRUNCATED);
    /* an element of another tag is not taken, and the cursor stays */
    static const uint8_t i[] = {0x02, 0x01, 0x07};
    b = buf(i, sizeof i);
    tr_buf v;
    assert_int_equal(ber_expect(&b, BER_UNIVERSAL, 0, BER_OCTET_STRING, &v), BER_UNEXPECTED);
    assert_int_equal(b.off, 0);
    assert_int_equal(b.err, TR_OK);
}

static void test_high_tag_numbers(void **state)
{
    (void)state;
    static const uint8_t high[] = {0x9f, 0x81, 0x00, 0x00}; /* context, tag 128, length 0 */
    tr_buf b = buf(high, sizeof high);
    ber_tlv t;
    assert_int_equal(ber_read(&b, &t), BER_OK);
    assert_int_equal(t.cls, BER_CONTEXT);
    assert_int_equal(t.tag, 128);
    static const uint8_t padded[] = {0x1f, 0x80, 0x01, 0x00};
    b = buf(padded, sizeof padded);
    assert_int_equal(ber_read(&b, &t), BER_MALFORMED);
}

static int64_t int_of(const uint8_t *p, size_t n)
{
    tr_buf b = buf(p, n);
    int64_t v = 12345;
    assert_int_equal(ber_int(&b, &v), BER_OK);
    return v;
}

static void test_integers(void **state)
{
    (void)state;
    assert_int_equal(int_of((const uint8_t[]){0x00}, 1), 0);
    assert_int_equal(int_of((const uint8_t[]){0x7f}, 1), 127);
    assert_int_equal(int_of((const uint8_t[]){0x00, 0x80}, 2), 128);
    assert_int_equal(int_of((const uint8_t[]){0xff}, 1), -1);
    assert_int_equal(int_of((const uint8_t[]){0x80}, 1), -128);
    assert_int_equal(int_of((const uint8_t[]){0xff, 0x7f}, 2), -129);
    assert_int_equal(int_of((const uint8_t[]){0x80, 0, 0, 0, 0, 0, 0, 0}, 8), INT64_MIN);
    tr_buf b = buf((const uint8_t[]){1, 2, 3, 4, 5, 6, 7, 8, 9}, 9);
    int64_t v;
    assert_int_equal(ber_int(&b, &v), BER_MALFORMED);
    b = buf(NULL, 0);
    assert_int_equal(ber_int(&b, &v), BER_MALFORMED);
    /* unsigned: Counter64 at its top needs the leading zero; a negative encoding is its bits */
    uint64_t u;
    b = buf((const uint8_t[]){0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9);
    assert_int_equal(ber_uint(&b, &u), BER_OK);
    assert_true(u == UINT64_MAX);
    b = buf((const uint8_t[]){0x00, 0xd2, 0x02, 0x96, 0x49}, 5);
    assert_int_equal(ber_uint(&b, &u), BER_OK);
    assert_int_equal(u, 3523384905u);
    b = buf((const uint8_t[]){0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9);
    assert_int_equal(ber_uint(&b, &u), BER_MALFORMED);
}

static void oid_is(const uint8_t *p, size_t n, const char *want)
{
    tr_buf b = buf(p, n);
    char text[BER_OID_TEXT_MAX];
    uint64_t arcs[BER_OID_ARCS_MAX];
    size_t narcs;
    assert_int_equal(ber_oid(&b, text, sizeof text, arcs, &narcs), BER_OK);
    assert_string_equal(text, want);
}

static void test_oids(void **state)
{
    (void)state;
    /* sysDescr.0 */
    oid_is((const uint8_t[]){0x2b, 6, 1, 2, 1, 1, 1, 0}, 8, "1.3.6.1.2.1.1.1.0");
    /* multi-byte sub-identifiers: 1.3.6.1.4.1.8072.3.2.10 (net-snmp's Linux agent) */
    oid_is((const uint8_t[]){0x2b, 6, 1, 4, 1, 0xbf, 0x08, 3, 2, 10}, 10, "1.3.6.1.4.1.8072.3.2.10");
    /* the first sub-identifier past 80: 2.999 */
    oid_is((const uint8_t[]){0x88, 0x37}, 2, "2.999");
    oid_is((const uint8_t[]){0x00}, 1, "0.0");
    /* a 64-bit arc */
    oid_is((const uint8_t[]){0x2b, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 11,
           "1.3.18446744073709551615");
    char text[64];
    tr_buf b = buf((const uint8_t[]){0x2b, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 11);
    assert_int_equal(ber_oid(&b, text, sizeof text, NULL, NULL), BER_MALFORMED); /* 65 bits */
    b = buf((const uint8_t[]){0x2b, 0x86}, 2);
    assert_int_equal(ber_oid(&b, text, sizeof text, NULL, NULL), BER_MALFORMED); /* cut inside an arc */
    b = buf((const uint8_t[]){0x2b, 0x80, 0x01}, 3);
    assert_int_equal(ber_oid(&b, text, sizeof text, NULL, NULL), BER_MALFORMED); /* padded */
    b = buf(NULL, 0);
    assert_int_equal(ber_oid(&b, text, sizeof text, NULL, NULL), BER_MALFORMED);
    uint8_t many[200];
    memset(many, 1, sizeof many);
    b = buf(many, sizeof many);
    assert_int_equal(ber_oid(&b, text, sizeof text, NULL, NULL), BER_MALFORMED); /* more arcs than kept */
    /* a text buffer too small is cut, not overrun */
    b = buf((const uint8_t[]){0x2b, 6, 1, 2, 1, 1, 1, 0}, 8);
    assert_int_equal(ber_oid(&b, text, 8, NULL, NULL), BER_OK);
    assert_int_equal(strlen(text), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_and_long_lengths), cmocka_unit_test(test_truncated_and_malformed),
        cmocka_unit_test(test_high_tag_numbers),       cmocka_unit_test(test_integers),
        cmocka_unit_test(test_oids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
