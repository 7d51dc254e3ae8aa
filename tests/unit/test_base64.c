/* test_base64: base64 decoding, whole (credentials) and streaming as MIME parts carry it — a quantum split across
 * calls, line breaks anywhere, bytes outside the alphabet skipped, padding ending a quantum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/base64.h"

/* Streams in[0..n) through the decoder cut into pieces of `piece` bytes (0: whole) and finishes it. */
static size_t stream(const char *in, size_t n, size_t piece, uint8_t *out, uint32_t *skipped)
{
    base64_stream b;
    base64_stream_begin(&b);
    size_t w = 0;
    if (!piece)
        piece = n ? n : 1;
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        w += base64_stream_decode(&b, (const uint8_t *)in + off, k, out + w);
    }
    w += base64_stream_finish(&b, out + w);
    if (skipped)
        *skipped = b.skipped;
    return w;
}

/* Every split of `in` decodes to `want` (as a C string). */
static void check(const char *in, const char *want)
{
    size_t n = strlen(in), wn = strlen(want);
    uint8_t out[512];
    assert_true(BASE64_OUT_MAX(n) + 2 <= sizeof out);
    for (size_t piece = 0; piece <= n; piece++) {
        size_t w = stream(in, n, piece, out, NULL);
        if (w != wn || memcmp(out, want, wn) != 0) {
            fprintf(stderr, "'%s' in pieces of %zu gave '%.*s', want '%s'\n", in, piece, (int)w, out, want);
            fail();
        }
        if (piece == 0)
            continue;
        /* and cut once at every offset */
        base64_stream b;
        base64_stream_begin(&b);
        size_t cut = piece < n ? piece : n;
        w = base64_stream_decode(&b, (const uint8_t *)in, cut, out);
        w += base64_stream_decode(&b, (const uint8_t *)in + cut, n - cut, out + w);
        w += base64_stream_finish(&b, out + w);
        assert_int_equal(w, wn);
        assert_memory_equal(out, want, wn);
    }
}

static void test_quanta_and_padding(void **state)
{
    (void)state;
    check("QUJD", "ABC");
    check("QUJDRA==", "ABCD");
    check("QUJDREU=", "ABCDE");
    check("QQ==", "A");
    check("QUI=", "AB");
    check("", "");
    check("====", "");
    /* unpadded last quantum, as some encoders write it */
    check("QUJDRA", "ABCD");
    check("QUJDREU", "ABCDE");
    /* padding ends a quantum; what follows begins another (concatenated base64) */
    check("QQ==QUJD", "AABC");
    check("QQ=QUI=", "AAB");
}

static void test_line_breaks_and_garbage(void **state)
{
    (void)state;
    check("SGVs\r\nbG8s\r\n IHdv\tcmxk\n", "Hello, world");
    check("S\r\nG\r\nV\r\ns\r\nb\r\nG\r\n8\r\n=", "Hello");
    /* bytes outside the alphabet are skipped (RFC 2045 6.8) and counted; '-' and '_' are not MIME's */
    check("QU*JD!", "ABC");
    uint8_t out[32];
    uint32_t skipped = 0;
    size_t w = stream("QU-J_D\x80", 7, 1, out, &skipped);
    assert_int_equal(w, 3);
    assert_memory_equal(out, "ABC", 3);
    assert_int_equal(skipped, 3);
    w = stream("QU J\r\nD", 7, 0, out, &skipped);
    assert_int_equal(skipped, 0); /* whitespace is not counted */
    /* a lone last character carries less than a byte: dropped */
    check("QUJDR", "ABC");
}

/* Binary data of every byte value, encoded here with line breaks every 76 characters, split every way. */
static void test_round_trip_all_bytes(void **state)
{
    (void)state;
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t plain[300];
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)(i * 7 + 3);
    char enc[600];
    size_t e = 0, line = 0;
    for (size_t i = 0; i < sizeof plain; i += 3) {
        uint32_t v = (uint32_t)plain[i] << 16;
        size_t have = sizeof plain - i < 3 ? sizeof plain - i : 3;
        if (have > 1)
            v |= (uint32_t)plain[i + 1] << 8;
        if (have > 2)
            v |= plain[i + 2];
        char q[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], have > 1 ? alphabet[v >> 6 & 63] : '=',
                     have > 2 ? alphabet[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            enc[e++] = q[k];
            if (++line == 76) {
                enc[e++] = '\r';
                enc[e++] = '\n';
                line = 0;
            }
        }
    }
    uint8_t out[400];
    for (size_t piece = 0; piece <= e; piece += piece < 8 ? 1 : 37) {
        size_t w = stream(enc, e, piece, out, NULL);
        assert_int_equal(w, sizeof plain);
        assert_memory_equal(out, plain, sizeof plain);
    }
}

/* The whole-buffer decoder credentials use: strict, unchanged. */
static void test_whole(void **state)
{
    (void)state;
    uint8_t out[64];
    assert_int_equal(base64_decode((const uint8_t *)"QWxhZGRpbjpvcGVuIHNlc2FtZQ==", 28, out, sizeof out), 19);
    assert_memory_equal(out, "Aladdin:open sesame", 19);
    assert_int_equal(base64_decode((const uint8_t *)"QQ==QQ", 6, out, sizeof out), -1); /* data after padding */
    assert_int_equal(base64_decode((const uint8_t *)"Q*", 2, out, sizeof out), -1);
    assert_int_equal(base64_decode((const uint8_t *)"QUJD", 4, out, 2), -1); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quanta_and_padding),
        cmocka_unit_test(test_line_breaks_and_garbage),
        cmocka_unit_test(test_round_trip_all_bytes),
        cmocka_unit_test(test_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
