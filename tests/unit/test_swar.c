/* core/tr_swar.h: the run scanners that transcripts and JSON strings copy plain text with must stop at exactly
 * the byte the one-byte rule stops at, wherever it sits in a 16-byte block (or an 8-byte word without SSE2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/tr_swar.h"

static size_t reference_run(const uint8_t *p, size_t n, uint8_t top, uint8_t x1, uint8_t x2, uint8_t also)
{
    size_t i = 0;
    while (i < n && ((p[i] >= 0x20 && p[i] <= top && p[i] != x1 && p[i] != x2) || p[i] == also))
        i++;
    return i;
}

typedef struct rule {
    uint8_t top, x1, x2, also;
} rule;

/* The two rules in use: transcript text (0x20..0x7e but '\', and TAB), JSON strings (0x20..0x7f but '"' and
 * '\'). */
static const rule rules[] = {{0x7e, '\\', '\\', '\t'}, {0x7f, '"', '\\', ' '}};

/* Every byte value at every position of runs up to 40 bytes long, after plain text. */
static void test_stops_at_every_byte_and_position(void **state)
{
    (void)state;
    uint8_t buf[48];
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        for (size_t n = 0; n <= 40; n++) {
            for (size_t pos = 0; pos < n; pos++) {
                for (unsigned c = 0; c < 256; c++) {
                    for (size_t i = 0; i < n; i++)
                        buf[i] = (uint8_t)('a' + i % 26);
                    buf[pos] = (uint8_t)c;
                    size_t want = reference_run(buf, n, rules[r].top, rules[r].x1, rules[r].x2, rules[r].also);
                    size_t got = tr_ascii_run(buf, n, rules[r].top, rules[r].x1, rules[r].x2, rules[r].also);
                    if (got != want)
                        fail_msg("rule %zu, n %zu, byte 0x%02x at %zu: run %zu, want %zu", r, n, c, pos, got, want);
                }
            }
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)('A' + i % 26);
            assert_int_equal(tr_ascii_run(buf, n, rules[r].top, rules[r].x1, rules[r].x2, rules[r].also), n);
        }
    }
}

/* Ends of the range and the bytes next to them, which signed 8-bit compares get wrong if misused. */
static void test_range_edges(void **state)
{
    (void)state;
    const uint8_t text[] = "0123456789abcdef0123456789abcdef";
    uint8_t buf[32];
    memcpy(buf, text, sizeof buf);
    buf[20] = 0x7f;
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7e, '\\', '\\', '\t'), 20);
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7f, '"', '\\', ' '), 32);
    buf[20] = 0x80;
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7f, '"', '\\', ' '), 20);
    buf[20] = 0xff;
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7e, '\\', '\\', '\t'), 20);
    buf[20] = 0x1f;
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7f, '"', '\\', ' '), 20);
    buf[20] = '\t';
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7e, '\\', '\\', '\t'), 32);
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7f, '"', '\\', ' '), 20);
    buf[20] = 0x20;
    buf[3] = '"';
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7e, '\\', '\\', '\t'), 32);
    assert_int_equal(tr_ascii_run(buf, sizeof buf, 0x7f, '"', '\\', ' '), 3);
}

/* Random bytes with the plain ones made common, against the one-byte rule. */
static void test_random_buffers(void **state)
{
    (void)state;
    uint32_t x = 2463534242u;
    uint8_t buf[300];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        for (; n < sizeof buf; n++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[n] = (x & 0xf00) ? (uint8_t)(0x20 + x % 0x5f) : (uint8_t)x;
        }
        n = x % sizeof buf;
        const rule *ru = &rules[round & 1];
        size_t off = (x >> 9) % 16; /* unaligned starts */
        if (off > n)
            off = n;
        assert_int_equal(tr_ascii_run(buf + off, n - off, ru->top, ru->x1, ru->x2, ru->also),
                         reference_run(buf + off, n - off, ru->top, ru->x1, ru->x2, ru->also));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stops_at_every_byte_and_position),
        cmocka_unit_test(test_range_edges),
        cmocka_unit_test(test_random_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
