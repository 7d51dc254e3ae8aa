/* test_qp: quoted-printable decoding (RFC 2045 6.7) as the bytes stream in — escapes and soft line breaks split
 * anywhere, lowercase hex, line breaks kept, bad escapes passed through as they stand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/qp.h"

/* Decodes in, cut at `cut` (0: whole; (size_t)-1: a byte at a time), and finishes. */
static size_t decode(const char *in, size_t n, size_t cut, uint8_t *out, uint32_t *bad)
{
    qp q;
    qp_begin(&q);
    size_t w = 0;
    if (cut == (size_t)-1) {
        for (size_t i = 0; i < n; i++)
            w += qp_decode(&q, (const uint8_t *)in + i, 1, out + w);
    } else {
        w += qp_decode(&q, (const uint8_t *)in, cut, out + w);
        w += qp_decode(&q, (const uint8_t *)in + cut, n - cut, out + w);
    }
    w += qp_finish(&q, out + w);
    if (bad)
        *bad = q.bad;
    return w;
}

/* in decodes to want (n bytes) whole, cut at every offset and a byte at a time, with `bad` bad escapes. */
static void check_n(const char *in, const char *want, size_t wn, uint32_t bad_want)
{
    size_t n = strlen(in);
    uint8_t out[1024];
    assert_true(QP_OUT_MAX(n) + QP_PAD_MAX + 3 <= sizeof out);
    for (size_t cut = 0; cut <= n + 1; cut++) {
        size_t c = cut == n + 1 ? (size_t)-1 : cut;
        uint32_t bad;
        size_t w = decode(in, n, c, out, &bad);
        if (w != wn || memcmp(out, want, wn) != 0 || bad != bad_want) {
            fprintf(stderr, "'%s' cut at %zu gave '%.*s' (%u bad), want '%.*s' (%u bad)\n", in, cut, (int)w, out, bad,
                    (int)wn, want, bad_want);
            fail();
        }
    }
}

static void check(const char *in, const char *want, uint32_t bad) { check_n(in, want, strlen(want), bad); }

static void test_escapes(void **state)
{
    (void)state;
    check("a=3D b", "a= b", 0);
    check("=3D", "=", 0); /* "=3" | "D" in two packets: every cut is tried */
    check("caf=C3=A9", "caf\xc3\xa9", 0);
    check("=3d=c3=a9", "=\xc3\xa9", 0); /* lowercase hex, as encoders write it */
    check_n("=00=FF", "\x00\xff", 2, 0);
    check("plain text, nothing to do", "plain text, nothing to do", 0);
}

static void test_line_breaks(void **state)
{
    (void)state;
    check("abc=\r\ndef", "abcdef", 0);              /* soft line break */
    check("abc=\ndef", "abcdef", 0);                /* with a bare LF */
    check("abc= \t \r\ndef", "abcdef", 0);          /* transport padding before it */
    check("line one\r\nline two\r\n", "line one\r\nline two\r\n", 0); /* hard breaks stay */
    check("a \r\nb", "a \r\nb", 0);                 /* trailing blanks are kept, as Suricata keeps them */
    check("end=", "end", 0);                        /* a soft break whose CRLF was the container's (a boundary's) */
    check("end= ", "end", 0);
}

static void test_bad_escapes_pass_through(void **state)
{
    (void)state;
    check("=ZZ", "=ZZ", 1);
    check("=4Z", "=4Z", 1);
    check("=4=41", "=4A", 1);  /* the second "=" is an escape of its own */
    check("= x", "= x", 1);    /* blanks not followed by a line end are text */
    check("=\rX", "=\rX", 1);  /* a CR without LF */
    check("x=4", "x=4", 1);    /* cut short at the end */
    check("a==41", "a=A", 1);
    /* more blanks than are ever held after "=": text */
    check("=                    x", "=                    x", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_line_breaks),
        cmocka_unit_test(test_bad_escapes_pass_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
