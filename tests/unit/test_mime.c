/* The message module's walk (dissectors/mime.c): leaves split at their boundaries, decoded (base64, quoted-
 * printable) and hashed without the CRLF before the next delimiter, nested multiparts and attached messages (their
 * headers their own), names from RFC 2231 and 2047, and the same results however the message is cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "../../dissectors/mime.h"
#include "harness.h"

static void sha_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    SHA256(p, n, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static mime *walk(harness *h, const char *msg, size_t split)
{
    mime *m = calloc(1, sizeof *m);
    assert_non_null(m);
    mime_begin(m, &h->s, TR_C2S);
    size_t n = strlen(msg);
    if (!split)
        mime_feed(m, (const uint8_t *)msg, n);
    else
        for (size_t i = 0; i < n; i += split)
            mime_feed(m, (const uint8_t *)msg + i, n - i < split ? n - i : split);
    mime_end(m, 1);
    return m;
}

static void done(mime *m)
{
    mime_release(m);
    mime_free(m);
    free(m);
}

static const mime_leaf *leaf_named(const mime *m, const char *name)
{
    for (uint32_t i = 0; i < m->nleaves; i++)
        if (strcmp(m->leaves[i].name, name) == 0)
            return &m->leaves[i];
    fail_msg("no leaf named %s", name);
    return NULL;
}

static void leaf_is(const mime_leaf *l, const void *content, size_t n, const char *ct, int attachment)
{
    char want[65];
    sha_hex(content, n, want);
    assert_int_equal(l->r.complete, 1);
    assert_int_equal(l->r.len, n);
    assert_string_equal(l->r.sha256.hex, want);
    assert_string_equal(l->content_type, ct);
    assert_int_equal(l->attachment, attachment);
}

static const char single[] = "From: Anna <anna@example.org>\r\n"
                             "Subject: hello\r\n"
                             "\r\n"
                             "line one\r\n"
                             "line two\r\n";

static const char mixed[] =
    "From: =?UTF-8?B?w4lsaXNl?= <elise@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: =?iso-8859-1?Q?r=E9sum=E9?=\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "This is the preamble.\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "a=3Db and a soft=\r\n"
    " break\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>hi</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "AAEC/w==\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: carol@example.net\r\n"
    "Subject: the forwarded one\r\n"
    "Content-Type: multipart/mixed; boundary=fwd\r\n"
    "\r\n"
    "--fwd\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "inner text\r\n"
    "--fwd\r\n"
    "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAwQF\r\n"
    "--fwd--\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

static void check_mixed(const mime *m)
{
    assert_int_equal(m->nleaves, 6);
    leaf_is(leaf_named(m, "part-1.txt"), "a=b and a soft break", 20, "text/plain", 0);
    leaf_is(leaf_named(m, "part-2.html"), "<p>hi</p>", 9, "text/html", 0);
    static const uint8_t pdf[] = {'%', 'P', 'D', 'F', '-', '1', '.', '4', '\n', 0, 1, 2, 0xff};
    leaf_is(leaf_named(m, "r\xc3\xa9sum\xc3\xa9.pdf"), pdf, sizeof pdf, "application/pdf", 1);
    leaf_is(leaf_named(m, "part-5.txt"), "inner text", 10, "text/plain", 0);
    leaf_is(leaf_named(m, "data.bin"), "\0\1\2\3\4\5", 6, "application/octet-stream", 1);
    /* the attached message whole, as it was sent, without the CRLF before --outer-- */
    const char *att = strstr(mixed, "From: carol");
    size_t att_len = (size_t)(strstr(mixed, "\r\n--outer--") - att);
    const mime_leaf *eml = leaf_named(m, "part-4.eml");
    leaf_is(eml, att, att_len, "message/rfc822", 1);
    assert_int_equal(leaf_named(m, "data.bin")->depth, 1);
    /* the outer headers are the outer message's: the attached one's Subject and From touch nothing */
    const char *v;
    size_t n;
    assert_int_equal(mail_header_get(&m->top, MF_SUBJECT, &v, &n), 1);
    assert_int_equal(n, strlen("=?iso-8859-1?Q?r=E9sum=E9?="));
    assert_int_equal(mail_header_get(&m->top, MF_FROM, &v, &n), 1);
    assert_memory_equal(v, "=?UTF-8?B?", 10);
    assert_int_equal(m->no_close, 0);
}

static void test_single_part(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 25);
    mime *m = walk(h, single, 0);
    assert_int_equal(m->nleaves, 1);
    /* a single part ends with the message: its last line end is its own */
    leaf_is(&m->leaves[0], "line one\r\nline two\r\n", 20, "text/plain", 0);
    done(m);
    harness_free(h);
}

static void test_multipart_whole_and_cut_anywhere(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 25);
    mime *m = walk(h, mixed, 0);
    check_mixed(m);
    done(m);
    for (size_t split = 1; split < 40; split++) { /* cut in every size of piece: the same leaves */
        m = walk(h, mixed, split);
        check_mixed(m);
        done(m);
    }
    harness_free(h);
}

static void test_event_fields(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 25);
    mime *m = walk(h, mixed, 0);
    static tr_event e;
    tr_ev_init(&e, &h->s, "message", TR_C2S);
    mime_add_fields(m, &e);
    tr_emit(&e);
    done(m);
    const char *out = tr_sb_cstr(&h->out);
    assert_non_null(strstr(out, "\"from\":\"\xc3\x89lise <elise@example.org>\""));
    assert_non_null(strstr(out, "\"subject\":\"r\xc3\xa9sum\xc3\xa9\""));
    assert_non_null(strstr(out, "\"message_id\":\"<m1@example.org>\""));
    assert_non_null(strstr(out, "\"attachments\":[{\"name\":\"r\xc3\xa9sum\xc3\xa9.pdf\",\"content_type\":\"application/pdf\",\"size\":13,\"sha256\":\""));
    assert_non_null(strstr(out, "\"parts\":[{\"name\":\"part-1.txt\""));
    assert_null(strstr(out, "forwarded one")); /* the attached message's subject is not the message's */
    harness_free(h);
}

static void test_damaged_structure(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 25);
    /* no close delimiter: the last leaf ends with the message, which says so */
    mime *m = walk(h, "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nonly part\r\n", 0);
    assert_int_equal(m->nleaves, 1);
    leaf_is(&m->leaves[0], "only part\r\n", 11, "text/plain", 0);
    assert_int_equal(m->no_close, 1);
    done(m);
    /* a hole inside a leaf: that leaf is incomplete, the next one is whole */
    m = calloc(1, sizeof *m);
    mime_begin(m, &h->s, TR_C2S);
    const char *a = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst part li";
    const char *b = "ne lost\r\n--b\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b--\r\n";
    mime_feed(m, (const uint8_t *)a, strlen(a));
    mime_gap(m);
    mime_feed(m, (const uint8_t *)b, strlen(b));
    mime_end(m, 0);
    assert_int_equal(m->nleaves, 2);
    assert_int_equal(m->leaves[0].r.complete, 0);
    leaf_is(&m->leaves[1], "second", 6, "text/plain", 0);
    done(m);
    /* nesting past the cap: the rest is taken as one leaf, never a crash */
    static char deep[8192];
    size_t k = 0;
    for (int i = 0; i < MIME_DEPTH_MAX + 4; i++)
        k += (size_t)snprintf(deep + k, sizeof deep - k, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i);
    snprintf(deep + k, sizeof deep - k, "\r\ndeep text\r\n");
    m = walk(h, deep, 0);
    assert_int_equal(m->too_deep, 1);
    assert_true(m->nleaves >= 1);
    done(m);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_part),
        cmocka_unit_test(test_multipart_whole_and_cut_anywhere),
        cmocka_unit_test(test_event_fields),
        cmocka_unit_test(test_damaged_structure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
