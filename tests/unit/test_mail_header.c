/* The header side of the message module: header sections gathered line by line (folding, repeated fields, the
 * Received chain, caps), RFC 2047 encoded words, RFC 2045/2231 parameters, charsets through iconv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/charset.h"
#include "../../dissectors/mail_header.h"
#include "../../dissectors/mime_params.h"
#include "../../dissectors/mime_words.h"

static void lines(mail_header *h, const char *text)
{
    mail_header_init(h);
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t k = n && p[n - 1] == '\r' ? n - 1 : n;
        mail_header_line(h, (const uint8_t *)p, k);
        p += n + (e ? 1 : 0);
    }
}

static void field_is(const mail_header *h, int f, const char *want)
{
    const char *s;
    size_t n;
    assert_int_equal(mail_header_get(h, f, &s, &n), 1);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(s, want, n);
}

static void test_sections(void **state)
{
    (void)state;
    static mail_header h;
    lines(&h, "Received: from relay.example.org by mx.example.net; Tue, 1 Dec 2026 10:00:02 +0000\r\n"
              "Received: from mid.example.org by relay.example.org;\r\n\tTue, 1 Dec 2026 10:00:01 +0000\r\n"
              "Received: from client.example.org by mid.example.org; Tue, 1 Dec 2026 10:00:00 +0000\r\n"
              "From: Anna <anna@example.org>\r\n"
              "To: bob@example.net,\r\n  carol@example.net\r\n"
              "subject:   the plan  \r\n"
              "X-Mailer: old\r\n"
              "User-Agent: Thunderbird\r\n"
              "Message-ID: <1@example.org>\r\n"
              "Subject: a second subject is ignored\r\n"
              "Content-Type: multipart/mixed;\r\n boundary=\"b1\"\r\n");
    field_is(&h, MF_FROM, "Anna <anna@example.org>");
    field_is(&h, MF_TO, "bob@example.net,  carol@example.net"); /* unfolded: the CR LF goes, the space stays */
    field_is(&h, MF_SUBJECT, "the plan");
    field_is(&h, MF_USER_AGENT, "Thunderbird");
    field_is(&h, MF_MESSAGE_ID, "<1@example.org>");
    field_is(&h, MF_RECEIVED_LAST_HOP, "from relay.example.org by mx.example.net; Tue, 1 Dec 2026 10:00:02 +0000");
    field_is(&h, MF_RECEIVED_FIRST_HOP, "from client.example.org by mid.example.org; Tue, 1 Dec 2026 10:00:00 +0000");
    field_is(&h, MF_CONTENT_TYPE, "multipart/mixed; boundary=\"b1\"");
    assert_int_equal(h.received, 3);
    const char *s;
    size_t n;
    assert_int_equal(mail_header_get(&h, MF_CC, &s, &n), 0);
    /* a folded line after a field that is not kept is dropped with it */
    lines(&h, "X-Other: a\r\n b\r\nDate: Tue, 1 Dec 2026\r\n");
    field_is(&h, MF_DATE, "Tue, 1 Dec 2026");
    /* caps: a huge value is cut, the section goes on */
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "Subject: ", 9);
    mail_header_init(&h);
    mail_header_line(&h, (const uint8_t *)big, sizeof big - 1);
    mail_header_line(&h, (const uint8_t *)"From: z", 7);
    assert_int_equal(h.cut, 1);
    assert_int_equal(mail_header_get(&h, MF_FROM, &s, &n), 1); /* no room left: present, empty */
    mail_header_init(&h);
    for (int i = 0; i < MAIL_HEADER_LINES_MAX + 5; i++)
        mail_header_line(&h, (const uint8_t *)"X-A: 1", 6);
    mail_header_line(&h, (const uint8_t *)"From: late", 10);
    assert_int_equal(h.too_long, 1);
    assert_int_equal(mail_header_get(&h, MF_FROM, &s, &n), 0);
}

static void decoded_is(const char *in, const char *want, int want_undecoded)
{
    char out[512];
    int undecoded = 0;
    mime_words_decode(in, strlen(in), out, sizeof out, &undecoded);
    assert_string_equal(out, want);
    assert_int_equal(undecoded, want_undecoded);
}

/* A To: of hundreds of addresses (a mailing of 1999, folded over 300 lines) is cut at MAIL_HEADER_FIELD_MAX and the
 * fields after it are still kept. */
static void test_long_field_leaves_room(void **state)
{
    (void)state;
    static char text[16384];
    size_t k = (size_t)snprintf(text, sizeof text, "To: first@example.org,\r\n");
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, " user%03d@eagle.example.mil,\r\n", i);
    snprintf(text + k, sizeof text - k, "Subject: Take into The would, for\r\nMessage-Id: <19990807082010.CAA3135>\r\n");
    mail_header h;
    lines(&h, text);
    field_is(&h, MF_SUBJECT, "Take into The would, for");
    field_is(&h, MF_MESSAGE_ID, "<19990807082010.CAA3135>");
    const char *v;
    size_t n;
    assert_int_equal(mail_header_get(&h, MF_TO, &v, &n), 1);
    assert_true(n <= MAIL_HEADER_FIELD_MAX && n > MAIL_HEADER_FIELD_MAX - 40);
    assert_int_equal(h.cut, 1);
}

static void test_encoded_words(void **state)
{
    (void)state;
    decoded_is("plain text", "plain text", 0);
    decoded_is("=?UTF-8?B?w6l0w6k=?=", "\xc3\xa9t\xc3\xa9", 0);                     /* été */
    decoded_is("=?iso-8859-1?Q?caf=E9_cr=E8me?=", "caf\xc3\xa9 cr\xc3\xa8me", 0);   /* café crème */
    decoded_is("Re: =?utf-8?q?=C3=A9t=C3=A9?= plans", "Re: \xc3\xa9t\xc3\xa9 plans", 0);
    /* whitespace between words goes; a character split across two words comes out whole */
    decoded_is("=?UTF-8?B?w6k=?= =?UTF-8?B?dA==?=", "\xc3\xa9t", 0);
    decoded_is("=?UTF-8?Q?=E2=82?=\r\n =?UTF-8?Q?=AC_100?=", "\xe2\x82\xac 100", 0);    /* € 100 */
    decoded_is("=?koi8-r?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0); /* Привет */
    decoded_is("=?ISO-2022-JP?B?GyRCJEskWyRzGyhC?=", "\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93", 0); /* にほん */
    decoded_is("=?utf-8*en?q?hello?=", "hello", 0); /* RFC 2231 language */
    /* an unknown charset, or bytes not valid in it: left as written, and said so */
    decoded_is("=?x-unknown?B?YWJj?= ok", "=?x-unknown?B?YWJj?= ok", 1);
    decoded_is("=?utf-8?B?/w==?=", "=?utf-8?B?/w==?=", 1);
    /* not words: a space inside, no end, a bad encoding letter */
    decoded_is("=?utf-8?Q?a b?=", "=?utf-8?Q?a b?=", 0);
    decoded_is("=?utf-8?B?YWJj", "=?utf-8?B?YWJj", 0);
    decoded_is("=?utf-8?X?YWJj?=", "=?utf-8?X?YWJj?=", 0);
    /* a small output is cut, not overrun */
    char tiny[4];
    int u = 0;
    mime_words_decode("=?UTF-8?B?w6l0w6k=?=", 20, tiny, sizeof tiny, &u);
    assert_true(strlen(tiny) < sizeof tiny);
}

static void param_is(const char *v, const char *name, const char *want)
{
    char out[256];
    int undecoded = 0;
    int found = mime_param(v, strlen(v), name, out, sizeof out, &undecoded);
    if (!want) {
        assert_int_equal(found, 0);
        return;
    }
    assert_int_equal(found, 1);
    assert_string_equal(out, want);
}

static void test_parameters(void **state)
{
    (void)state;
    char value[64];
    const char *ct = "Multipart/Mixed; boundary=\"----=_Part_0_1.2\"; charset=utf-8";
    assert_int_equal(mime_value(ct, strlen(ct), value, sizeof value), 15);
    assert_string_equal(value, "multipart/mixed");
    param_is(ct, "boundary", "----=_Part_0_1.2");
    param_is(ct, "CHARSET", "utf-8");
    param_is(ct, "name", NULL);
    param_is("attachment; filename=\"a \\\"quoted\\\" name.txt\"", "filename", "a \"quoted\" name.txt");
    param_is("attachment; filename=report.pdf", "filename", "report.pdf");
    /* RFC 2231: charset and percent-encoding, continuations in any order, the extended form winning */
    param_is("attachment; filename*=utf-8''%E2%82%AC%20rates.pdf", "filename", "\xe2\x82\xac rates.pdf");
    param_is("attachment; filename*1=\"part2.txt\"; filename*0=\"long-name-\"", "filename", "long-name-part2.txt");
    param_is("attachment; filename*0*=iso-8859-1'fr'caf%E9; filename*1=\"-menu.txt\"", "filename",
             "caf\xc3\xa9-menu.txt");
    param_is("attachment; filename=\"old.txt\"; filename*=utf-8''new.txt", "filename", "new.txt");
    /* RFC 2047 in a quoted name, as mail clients write it */
    param_is("attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"", "filename", "\xc3\xa9t\xc3\xa9.pdf");
    /* a section missing: what comes before it */
    param_is("a; n*0=one; n*2=three", "n", "one");
    /* junk */
    param_is(";;;=;a", "a", NULL);
    param_is("text/plain; charset", "charset", NULL);
}

static void test_charsets(void **state)
{
    (void)state;
    char out[64];
    size_t len = 0;
    assert_int_equal(charset_to_utf8("windows-1252", 12, "\x80", 1, out, sizeof out, &len), 0);
    assert_string_equal(out, "\xe2\x82\xac");
    len = 0;
    assert_int_equal(charset_to_utf8("no-such-charset", 15, "a", 1, out, sizeof out, &len), -1);
    assert_int_equal(len, 0);
    len = 0;
    assert_int_equal(charset_to_utf8("UTF-8", 5, "\xc3", 1, out, sizeof out, &len), -1); /* cut character */
    /* names iconv must never see: empty (the locale's), with a NUL or a path in them (found by fuzz_mail_header) */
    assert_int_equal(charset_to_utf8("\0latin1", 7, "a", 1, out, sizeof out, &len), -1);
    assert_int_equal(charset_to_utf8("../x", 4, "a", 1, out, sizeof out, &len), -1);
    assert_int_equal(charset_to_utf8("", 0, "a", 1, out, sizeof out, &len), -1);
    /* more charsets than the cache holds, each still right */
    const char *names[] = {"iso-8859-1", "iso-8859-2", "iso-8859-5", "iso-8859-7", "koi8-r", "koi8-u",
                           "windows-1250", "windows-1251", "windows-1253", "cp850", "iso-8859-1"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        len = 0;
        assert_int_equal(charset_to_utf8(names[i], strlen(names[i]), "abc", 3, out, sizeof out, &len), 0);
        assert_string_equal(out, "abc");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_long_field_leaves_room),
        cmocka_unit_test(test_encoded_words),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_charsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
