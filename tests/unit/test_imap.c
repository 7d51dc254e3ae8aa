/* Tests of dis_imap: tagged commands and their completions (out of order too), untagged data kept with the command
 * it answers, literals in both directions (synchronizing and LITERAL+, several in one FETCH response, passwords as
 * literals), LOGIN and AUTHENTICATE (continuations, SASL-IR), SELECT's mailbox, FETCH of whole messages, sections
 * (decoded by the encoding a BODYSTRUCTURE or the part's MIME header gave), partials and headers, APPEND, IDLE,
 * SEARCH, EXPUNGE, STARTTLS, COMPRESS=DEFLATE through a layered stream, a hole inside a literal; each conversation
 * cut at every offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>
#include <zlib.h>

#include "harness.h"

static void sha_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    SHA256(p, n, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static char *sha_field(const char *key, const void *p, size_t n)
{
    static char buf[4][128];
    static int k;
    char hex[65];
    sha_hex(p, n, hex);
    char *out = buf[k++ % 4];
    snprintf(out, 128, "\"%s\":\"%s\"", key, hex);
    return out;
}

static const char msg1[] = "From: Anna <anna@example.org>\r\n"
                           "To: bob@example.net\r\n"
                           "Subject: quarterly numbers\r\n"
                           "Message-ID: <q1@example.org>\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: multipart/mixed; boundary=zz\r\n"
                           "\r\n"
                           "--zz\r\n"
                           "Content-Type: text/plain\r\n"
                           "\r\n"
                           "see attached\r\n"
                           "--zz\r\n"
                           "Content-Type: application/octet-stream; name=\"n.bin\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n"
                           "\r\n"
                           "AAECAwQF\r\n"
                           "--zz--\r\n";
static const char msg2[] = "From: bob@example.net\r\nSubject: sent copy\r\nMessage-ID: <s2@example.net>\r\n\r\nthanks\r\n";
static const char head1[] = "From: Anna <anna@example.org>\r\nSubject: quarterly numbers\r\n"
                            "Message-ID: <q1@example.org>\r\n\r\n";

static char conv_fetch[4096], conv_append[512], conv_head[512];

static void build(void)
{
    snprintf(conv_fetch, sizeof conv_fetch,
             "* 1 FETCH (UID 7 BODY[] {%zu}\r\n%s BODY[2] {8}\r\nAAECAwQF BODY[]<0> {20}\r\n%.20s FLAGS (\\Seen))\r\n"
             "a4 OK Fetch completed.\r\n",
             strlen(msg1), msg1, msg1);
    snprintf(conv_append, sizeof conv_append, "a6 APPEND Sent (\\Seen) {%zu+}\r\n%s\r\n", strlen(msg2), msg2);
    snprintf(conv_head, sizeof conv_head, "* 1 FETCH (BODY[HEADER] {%zu}\r\n%s UID 7)\r\na5 OK done\r\n", strlen(head1),
             head1);
}

static void test_session(void **state)
{
    (void)state;
    build();
    harness_msg m[] = {
        {TR_S2C, "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN COMPRESS=DEFLATE] Dovecot ready.\r\n", 0},
        {TR_C2S, "a1 LOGIN {4}\r\n", 0},
        {TR_S2C, "+ Ready for literal data\r\n", 0},
        {TR_C2S, "anna {6}\r\n", 0},
        {TR_S2C, "+ Ready for literal data\r\n", 0},
        {TR_C2S, "se\"c\\t\r\n", 0},
        {TR_S2C, "a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n", 0},
        {TR_C2S, "a2 SELECT INBOX\r\n", 0},
        {TR_S2C, "* FLAGS (\\Answered \\Seen)\r\n* 2 EXISTS\r\n* 0 RECENT\r\n"
                 "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 9] Predicted next UID\r\n"
                 "a2 OK [READ-WRITE] Select completed.\r\n", 0},
        {TR_C2S, "a3 UID FETCH 7 (UID BODYSTRUCTURE)\r\n", 0},
        {TR_S2C, "* 1 FETCH (UID 7 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 "
                 "NIL NIL NIL NIL)(\"application\" \"octet-stream\" (\"name\" \"n.bin\") NIL NIL \"base64\" 10 NIL "
                 "(\"attachment\" (\"filename\" \"n.bin\")) NIL NIL) \"mixed\" (\"boundary\" \"zz\") NIL NIL NIL))\r\n"
                 "a3 OK Fetch completed.\r\n", 0},
        {TR_C2S, "a4 UID FETCH 7 (BODY.PEEK[] BODY.PEEK[2] BODY.PEEK[]<0.20>)\r\n", 0},
        {TR_S2C, conv_fetch, 0},
        {TR_C2S, "a5 FETCH 1 (BODY.PEEK[HEADER] UID)\r\n", 0},
        {TR_S2C, conv_head, 0},
        {TR_C2S, conv_append, 0},
        {TR_S2C, "a6 OK [APPENDUID 1700000000 8] Append completed.\r\n", 0},
        {TR_C2S, "a7 SEARCH FROM anna\r\n", 0},
        {TR_S2C, "* SEARCH 1 2\r\na7 OK Search completed.\r\n", 0},
        {TR_C2S, "a8 IDLE\r\n", 0},
        {TR_S2C, "+ idling\r\n* 3 EXISTS\r\n", 0},
        {TR_C2S, "DONE\r\n", 0},
        {TR_S2C, "a8 OK Idle completed.\r\n", 0},
        {TR_C2S, "a9 EXPUNGE\r\na10 NOOP\r\na11 CAPABILITY\r\n", 0},
        {TR_S2C, "* 1 EXPUNGE\r\na9 OK Expunge completed.\r\n* CAPABILITY IMAP4rev1\r\na11 OK done\r\na10 OK done\r\n", 0},
        {TR_C2S, "a12 LOGOUT\r\n", 0},
        {TR_S2C, "* BYE Logging out\r\na12 OK Logout completed.\r\n", 0},
    };
    char *json = harness_script_all_splits("imap", 143, m, (int)(sizeof m / sizeof m[0]));
    if (getenv("TEST_IMAP_DUMP"))
        fputs(json, stderr);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"*\"", "\"status\":\"OK\"", "Dovecot ready", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"LOGIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"se\\\"c\\\\t\"", "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"a2\"", "\"command\":\"SELECT\"",
                                   "\"mailbox\":\"INBOX\"", "\"exists\":2", "\"uidvalidity\":1700000000", NULL),
                     1);
    /* whole */
    char size[32];
    snprintf(size, sizeof size, "\"size\":%zu", strlen(msg1));
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"mailbox\":\"INBOX\"", "\"seq\":1", "\"uid\":7",
                                   "\"section\":\"BODY[]\"", "\"partial\":false", "\"direction\":\"fetch\"", size,
                                   sha_field("sha256", msg1, strlen(msg1)), "\"subject\":\"quarterly numbers\"",
                                   "\"name\":\"n.bin\"", NULL),
                     1);
    /* a section whose encoding the BODYSTRUCTURE told */
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"uid\":7", "\"section\":\"BODY[2]\"", "\"partial\":true",
                                   sha_field("sha256", "AAECAwQF", 8),
                                   sha_field("decoded_sha256", "\0\1\2\3\4\5", 6), NULL),
                     1);
    /* a partial */
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"section\":\"BODY[]\"", "\"origin\":0",
                                   "\"partial\":true", "\"size\":20", sha_field("sha256", msg1, 20), NULL),
                     1);
    /* headers, the UID after the literal */
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"uid\":7", "\"section\":\"BODY[HEADER]\"",
                                   "\"partial\":true", "\"subject\":\"quarterly numbers\"", NULL),
                     1);
    /* APPEND with LITERAL+ */
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"direction\":\"append\"", "\"mailbox\":\"Sent\"",
                                   sha_field("sha256", msg2, strlen(msg2)), "\"subject\":\"sent copy\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"tag\":\"a6\"", "\"command\":\"APPEND\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", NULL), 5);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"SEARCH\"", "\"search\":\"1 2\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"+\"", "\"text\":\"idling\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"DONE\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"IDLE\"", "\"exists\":3", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"EXPUNGE\"", "\"expunged\":1", NULL), 1);
    /* tags answered out of order */
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"a10\"", "\"command\":\"NOOP\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"a11\"", "\"command\":\"CAPABILITY\"",
                                   "\"untagged\":1", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"*\"", "\"status\":\"BYE\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"UID FETCH\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"anomaly\"", NULL), 0);
    free(json);
}

/* The encoding from the part's MIME header fetched before it, and a quoted-printable part. */
static void test_section_encoding_from_mime_header(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "* OK ready\r\n", 0},
        {TR_C2S, "b1 FETCH 4 (BODY.PEEK[1.MIME])\r\n", 0},
        {TR_S2C, "* 4 FETCH (BODY[1.MIME] {72}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
                 "quoted-printable\r\n\r\n)\r\nb1 OK done\r\n", 0},
        {TR_C2S, "b2 FETCH 4 (BODY.PEEK[1])\r\n", 0},
        {TR_S2C, "* 4 FETCH (BODY[1] {9}\r\na=3Db=\r\nc)\r\nb2 OK done\r\n", 0},
    };
    char *json = harness_script_all_splits("imap", 143, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"section\":\"BODY[1.MIME]\"", "\"seq\":4", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"section\":\"BODY[1]\"",
                                   sha_field("decoded_sha256", "a=bc", 4), NULL),
                     1);
    free(json);
}

static void test_authenticate(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "* OK ready\r\n", 0},
        {TR_C2S, "c1 AUTHENTICATE PLAIN\r\n", 0},
        {TR_S2C, "+ \r\n", 0},
        {TR_C2S, "AGFubmEAd3Jvbmc=\r\n", 0},
        {TR_S2C, "c1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", 0},
        {TR_C2S, "c2 AUTHENTICATE PLAIN AGFubmEAc2VjcmV0\r\n", 0}, /* SASL-IR */
        {TR_S2C, "c2 OK Logged in\r\n", 0},
        {TR_C2S, "c3 AUTHENTICATE LOGIN\r\n", 0},
        {TR_S2C, "+ VXNlcm5hbWU6\r\n", 0},
        {TR_C2S, "YW5uYQ==\r\n", 0},
        {TR_S2C, "+ UGFzc3dvcmQ6\r\n", 0},
        {TR_C2S, "c2VjcmV0\r\n", 0},
        {TR_S2C, "c3 OK Logged in\r\n", 0},
    };
    char *json = harness_script_all_splits("imap", 143, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"command\":\"AUTHENTICATE\"", "\"mechanism\":\"PLAIN\"",
                                   "\"user\":\"anna\"", "\"password\":\"wrong\"", "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"PLAIN\"", "\"password\":\"secret\"",
                                   "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"LOGIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"secret\"", "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"anomaly\"", NULL), 0);
    free(json);
}

static void test_starttls(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "* OK ready\r\n", 0},
        {TR_C2S, "d1 STARTTLS\r\n", 0},
        {TR_S2C, "d1 OK Begin TLS negotiation now.\r\n", 0},
        {TR_C2S, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 x\r\n", 0},
    };
    char *json = harness_script_all_splits("imap", 143, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", "\"reason\":\"starttls\"", NULL), 1);
    free(json);
}

/* ---- COMPRESS=DEFLATE: each direction after it one raw deflate stream, flushed at each message ---- */

typedef struct zdir {
    z_stream z;
    char out[65536];
    size_t n;
} zdir;

static void zput(zdir *d, const char *p)
{
    d->z.next_in = (Bytef *)p;
    d->z.avail_in = (uInt)strlen(p);
    d->z.next_out = (Bytef *)d->out + d->n;
    d->z.avail_out = (uInt)(sizeof d->out - d->n);
    assert_int_equal(deflate(&d->z, Z_SYNC_FLUSH), Z_OK);
    d->n = sizeof d->out - d->z.avail_out;
}

static void test_compress_deflate(void **state)
{
    (void)state;
    static zdir c, sv;
    memset(&c, 0, sizeof c);
    memset(&sv, 0, sizeof sv);
    assert_int_equal(deflateInit2(&c.z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    assert_int_equal(deflateInit2(&sv.z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    static char fetch[2048];
    snprintf(fetch, sizeof fetch, "* 2 FETCH (UID 9 RFC822 {%zu}\r\n%s)\r\ne4 OK done\r\n", strlen(msg2), msg2);
    zput(&c, "e3 UID FETCH 9 RFC822\r\n");
    size_t c1 = c.n;
    zput(&c, "e5 LOGOUT\r\n");
    zput(&sv, fetch);
    size_t s1 = sv.n;
    zput(&sv, "* BYE\r\ne5 OK bye\r\n");
    deflateEnd(&c.z);
    deflateEnd(&sv.z);
    /* fetch's tag is e4 in the answer: e3 stays unanswered, e4 is unknown; the message is what matters */
    harness_msg m[] = {
        {TR_S2C, "* OK ready\r\n", 0},
        {TR_C2S, "e1 LOGIN anna secret\r\n", 0},
        {TR_S2C, "e1 OK Logged in\r\n", 0},
        {TR_C2S, "e2 SELECT Archive\r\n", 0},
        {TR_S2C, "* 5 EXISTS\r\ne2 OK [READ-ONLY] done\r\n", 0},
        {TR_C2S, "e2z COMPRESS DEFLATE\r\n", 0},
        {TR_S2C, "e2z OK DEFLATE active\r\n", 0},
        {TR_C2S, c.out, c1},
        {TR_S2C, sv.out, s1},
        {TR_C2S, c.out + c1, c.n - c1},
        {TR_S2C, sv.out + s1, sv.n - s1},
    };
    char *json = harness_script_all_splits("imap", 143, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"COMPRESS\"", "\"status\":\"OK\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"UID FETCH\"", "\"args\":\"9 RFC822\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"mailbox\":\"Archive\"", "\"uid\":9",
                                   "\"section\":\"RFC822\"", "\"partial\":false",
                                   sha_field("sha256", msg2, strlen(msg2)), "\"subject\":\"sent copy\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"LOGOUT\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"e5\"", "\"command\":\"LOGOUT\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"anomaly\"", NULL), 0);
    free(json);
}

/* Bad deflate data after good data: what is inflated before the error (and so the lines decoded from it) must not
 * depend on how the compressed bytes were cut (the fuzzer's finding: ISA-L's fast and careful paths stopped at
 * different points; zlib gives out every byte up to the bad code). */
static void test_compress_bad_data(void **state)
{
    (void)state;
    static zdir sv, far;
    memset(&sv, 0, sizeof sv);
    memset(&far, 0, sizeof far);
    assert_int_equal(deflateInit2(&sv.z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zput(&sv, "* 1 EXISTS\r\n");
    deflateEnd(&sv.z);
    /* then a block of another stream, whose dictionary the receiver never had: its lines come as literals, then a
     * copy from further back than anything inflated so far ("invalid distance too far back") */
    static char dict[16384], lines[8192];
    for (size_t i = 0; i < sizeof dict; i++)
        dict[i] = (char)('a' + (i * 7919 + i / 13) % 26);
    assert_int_equal(deflateInit2(&far.z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    assert_int_equal(deflateSetDictionary(&far.z, (const Bytef *)dict, sizeof dict), Z_OK);
    size_t k = 0;
    for (int i = 2; i <= 120; i++)
        k += (size_t)snprintf(lines + k, sizeof lines - k, "* %d FETCH (UID %d)\r\n", i, 7000 + i * 37);
    memcpy(lines + k, dict, 600);
    lines[k + 600] = 0;
    zput(&far, lines);
    deflateEnd(&far.z);
    memcpy(sv.out + sv.n, far.out, far.n);
    sv.n += far.n;
    harness_msg m[] = {
        {TR_S2C, "* OK ready\r\n", 0},
        {TR_C2S, "h1 LOGIN anna secret\r\n", 0},
        {TR_S2C, "h1 OK Logged in\r\n", 0},
        {TR_C2S, "h2 COMPRESS DEFLATE\r\n", 0},
        {TR_S2C, "h2 OK DEFLATE active\r\n", 0},
        {TR_S2C, sv.out, sv.n},
    };
    char *json = harness_script_all_splits("imap", 143, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"anomaly\"", "\"anomaly\":\"imap_bad_compressed_data\"",
                                   "too far back", NULL), 1);
    free(json);
}

static void test_gap_inside_a_literal(void **state)
{
    (void)state;
    harness *h = harness_new("imap", TR_TCP, 143);
    harness_data(h, TR_S2C, "* OK ready\r\n", 12);
    harness_data(h, TR_C2S, "f1 FETCH 1 BODY[]\r\nf2 FETCH 2 BODY[]\r\n", 38);
    const char *a = "* 1 FETCH (BODY[] {40}\r\nSubject: one\r\n\r\nfirst";
    harness_data(h, TR_S2C, a, strlen(a));
    harness_gap(h, TR_S2C, 30); /* 12 bytes of the literal and more */
    const char *b = "f1 OK done\r\n* 2 FETCH (BODY[] {19}\r\nSubject: two\r\n\r\nhi\r\n)\r\nf2 OK done\r\n";
    harness_data(h, TR_S2C, b, strlen(b));
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"seq\":1", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"seq\":2", "\"subject\":\"two\"", "\"complete\":true",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"tag\":\"f2\"", "\"command\":\"FETCH\"", NULL), 1);
    harness_free(h);
}

static void test_probe(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("imap");
    assert_non_null(d);
    assert_int_equal(harness_probe(d, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", 44, TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "+OK POP3\r\n", 10, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe2(d, "a1 CAPABILITY\r\n", 15, "* OK hi\r\n", 9), TR_PROBE_YES);
    assert_int_equal(harness_probe2(d, "GET / HTTP/1.1\r\n", 16, "* OK hi\r\n", 9), TR_PROBE_NO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_section_encoding_from_mime_header),
        cmocka_unit_test(test_authenticate),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_compress_deflate),
        cmocka_unit_test(test_compress_bad_data),
        cmocka_unit_test(test_gap_inside_a_literal),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
