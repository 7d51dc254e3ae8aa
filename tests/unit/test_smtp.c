/* Tests of dis_smtp: commands and replies (multi-line, EHLO's extensions), PIPELINING with a refused recipient, DATA
 * with dot-unstuffing and its final ".", BDAT chunks sent before their replies, several messages a session, every
 * AUTH mechanism with success and failure, STARTTLS, SMTPS, a hole inside DATA, the probe — each conversation also
 * cut at every offset, giving the same events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "harness.h"

extern const tr_dissector dis_smtp;

#define N(m) ((int)(sizeof(m) / sizeof((m)[0])))

static void sha_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    SHA256(p, n, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* "\"sha256\":\"<hex of s>\"" into out. */
static const char *sha_field(const char *s, size_t n, char *out, size_t cap)
{
    char hex[65];
    sha_hex(s, n, hex);
    snprintf(out, cap, "\"sha256\":\"%s\"", hex);
    return out;
}

static const char greeting[] = "220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n";
static const char ehlo_reply[] = "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN "
                                 "CRAM-MD5\r\n250-8BITMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n";

/* The message as sent on the wire (dot-stuffed), and as transferred after unstuffing, without the final dot. */
static const char body_wire[] = "From: Anna <anna@example.org>\r\n"
                                "To: bob@example.net\r\n"
                                "Subject: =?UTF-8?Q?caf=C3=A9?= plans\r\n"
                                "Message-ID: <m1@example.org>\r\n"
                                "\r\n"
                                "first line\r\n"
                                "..a line that began with a dot\r\n"
                                "...two dots\r\n"
                                ".\r\n";
static const char body_unstuffed[] = "From: Anna <anna@example.org>\r\n"
                                     "To: bob@example.net\r\n"
                                     "Subject: =?UTF-8?Q?caf=C3=A9?= plans\r\n"
                                     "Message-ID: <m1@example.org>\r\n"
                                     "\r\n"
                                     "first line\r\n"
                                     ".a line that began with a dot\r\n"
                                     "..two dots\r\n";

static void test_one_message(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "EHLO client.example.org\r\n", 0},
        {TR_S2C, ehlo_reply, 0},
        {TR_C2S, "MAIL FROM:<anna@example.org> SIZE=230 BODY=8BITMIME\r\n", 0},
        {TR_S2C, "250 2.1.0 Ok\r\n", 0},
        {TR_C2S, "RCPT TO:<bob@example.net>\r\n", 0},
        {TR_S2C, "250 2.1.5 Ok\r\n", 0},
        {TR_C2S, "DATA\r\n", 0},
        {TR_S2C, "354 End data with <CR><LF>.<CR><LF>\r\n", 0},
        {TR_C2S, body_wire, 0},
        {TR_S2C, "250 2.0.0 Ok: queued as 4F3A21234\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
        {TR_S2C, "221 2.0.0 Bye\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    char sha[128];
    sha_field(body_unstuffed, strlen(body_unstuffed), sha, sizeof sha);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"mail_from\":\"anna@example.org\"",
                                   "\"rcpt_to\":[\"bob@example.net\"]", "\"queue_id\":\"4F3A21234\"", "\"code\":250",
                                   "\"transfer\":\"data\"", "\"declared_size\":230", "\"body_type\":\"8BITMIME\"", sha,
                                   "\"complete\":true", "\"subject\":\"café plans\"",
                                   "\"message_id\":\"<m1@example.org>\"", "\"from\":\"Anna <anna@example.org>\"",
                                   NULL),
                     1);
    char size[32];
    snprintf(size, sizeof size, "\"size\":%zu,", strlen(body_unstuffed));
    assert_int_equal(harness_count(json, "\"type\":\"message\"", size, NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 5);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"MAIL\"",
                                   "\"arg\":\"FROM:<anna@example.org> SIZE=230 BODY=8BITMIME\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", NULL), 7);
    assert_int_equal(harness_count(json, "\"code\":220", "\"text\":\"mx.example.org ESMTP Postfix (Debian/GNU)\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":250",
                                   "\"text\":\"mx.example.org\\nPIPELINING\\nSIZE 10240000\\nAUTH PLAIN LOGIN "
                                   "CRAM-MD5\\n8BITMIME\\nCHUNKING\\nSMTPUTF8\"",
                                   "\"extensions\":[\"PIPELINING\",\"SIZE 10240000\",\"AUTH PLAIN LOGIN CRAM-MD5\","
                                   "\"8BITMIME\",\"CHUNKING\",\"SMTPUTF8\"]",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"extensions\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    /* the message event comes after its reply, and the body's lines are no requests */
    const char *reply = strstr(json, "queued as 4F3A21234");
    const char *msg = strstr(json, "\"type\":\"message\"");
    assert_true(reply && msg && reply < msg);
    free(json);
}

static void test_pipelining_refused_rcpt(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "EHLO c\r\n", 0},
        {TR_S2C, ehlo_reply, 0},
        {TR_C2S,
         "MAIL FROM:<anna@example.org>\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<nobody@example.net>\r\n"
         "RCPT TO:<carol@example.net>\r\nDATA\r\n",
         0},
        {TR_S2C,
         "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <nobody@example.net>: Recipient address rejected\r\n"
         "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
         0},
        {TR_C2S, "Subject: x\r\n\r\nhi\r\n.\r\n", 0},
        {TR_S2C, "250 2.0.0 Ok: queued as ABC123\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
        {TR_S2C, "221 Bye\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"rcpt_to\":[\"bob@example.net\",\"carol@example.net\"]",
                                   "\"rcpt_rejected\":[{\"rcpt\":\"nobody@example.net\",\"code\":550}]",
                                   "\"queue_id\":\"ABC123\"", "\"subject\":\"x\"", "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"RCPT\"", NULL), 3);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":550", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_bdat_chunks_before_replies(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "EHLO c\r\n", 0},
        {TR_S2C, ehlo_reply, 0},
        {TR_C2S, "MAIL FROM:<anna@example.org> BODY=BINARYMIME\r\nRCPT TO:<bob@example.net>\r\n", 0},
        /* the chunks go before any reply: a line "." inside one is content, as is "BDAT" */
        {TR_C2S, "BDAT 31\r\nSubject: chunked\r\n\r\n.\r\nBDAT 1\r\nBDAT 12 LAST\r\nlast chunk\r\n", 0},
        {TR_S2C,
         "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: 31 bytes\r\n250 2.0.0 Ok: queued as 77DDE1\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
        {TR_S2C, "221 Bye\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    static const char whole[] = "Subject: chunked\r\n\r\n.\r\nBDAT 1\r\nlast chunk\r\n";
    char sha[128];
    sha_field(whole, strlen(whole), sha, sizeof sha);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"transfer\":\"bdat\"", "\"chunks\":2",
                                   "\"queue_id\":\"77DDE1\"", "\"size\":43,", sha, "\"complete\":true",
                                   "\"subject\":\"chunked\"", "\"body_type\":\"BINARYMIME\"",
                                   "\"rcpt_to\":[\"bob@example.net\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"BDAT\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"arg\":\"12 LAST\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_bdat_zero_last_and_refused_data(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "EHLO c\r\n", 0},
        {TR_S2C, ehlo_reply, 0},
        /* no recipient accepted: DATA refused, nothing follows as a body */
        {TR_C2S, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", 0},
        {TR_S2C, "250 Ok\r\n554 5.7.1 <b@y>: Relay access denied\r\n554 5.5.1 Error: no valid recipients\r\n", 0},
        {TR_C2S, "RSET\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "MAIL FROM:<a@x>\r\nRCPT TO:<c@x>\r\nBDAT 5\r\nabcdeBDAT 0 LAST\r\n", 0},
        {TR_S2C, "250 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok: queued as Q2\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    char sha[128];
    sha_field("abcde", 5, sha, sizeof sha);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"mail_from\":\"a@x\"", "\"rcpt_to\":[\"c@x\"]",
                                   "\"chunks\":2", "\"queue_id\":\"Q2\"", sha, NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"RSET\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"QUIT\"", NULL), 1);
    free(json);
}

static void test_two_messages(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "HELO c\r\n", 0},
        {TR_S2C, "250 mx.example.org\r\n", 0},
        {TR_C2S, "MAIL FROM:<anna@example.org>\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "RCPT TO:<bob@example.net>\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "DATA\r\n", 0},
        {TR_S2C, "354 go ahead\r\n", 0},
        {TR_C2S, "Subject: one\r\nMessage-ID: <one@x>\r\n\r\nfirst\r\n.\r\n", 0},
        {TR_S2C, "250 Ok: queued as ONE\r\n", 0},
        {TR_C2S, "RSET\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "MAIL FROM:<carol@example.org>\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "RCPT TO:<dave@example.net>\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "DATA\r\n", 0},
        {TR_S2C, "354 go ahead\r\n", 0},
        {TR_C2S, "Subject: two\r\nMessage-ID: <two@x>\r\n\r\nsecond\r\n.\r\n", 0},
        {TR_S2C, "250 Ok: queued as TWO\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
        {TR_S2C, "221 Bye\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    assert_int_equal(harness_count(json, "\"type\":\"message\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"mail_from\":\"anna@example.org\"",
                                   "\"rcpt_to\":[\"bob@example.net\"]", "\"queue_id\":\"ONE\"", "\"subject\":\"one\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"mail_from\":\"carol@example.org\"",
                                   "\"rcpt_to\":[\"dave@example.net\"]", "\"queue_id\":\"TWO\"", "\"subject\":\"two\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "bob@", "dave@", NULL), 0);
    free(json);
}

/* One AUTH exchange after EHLO: the lines the client and server send. */
static char *auth_run(const char *const *lines, int n)
{
    harness_msg m[16];
    int k = 0;
    m[k++] = (harness_msg){TR_S2C, greeting, 0};
    m[k++] = (harness_msg){TR_C2S, "EHLO c\r\n", 0};
    m[k++] = (harness_msg){TR_S2C, ehlo_reply, 0};
    for (int i = 0; i < n && k < 15; i++)
        m[k++] = (harness_msg){i % 2 == 0 ? TR_C2S : TR_S2C, lines[i], 0};
    m[k++] = (harness_msg){TR_C2S, "QUIT\r\n", 0};
    return harness_script_all_splits("smtp", 587, m, k);
}

static void test_auth_plain(void **state)
{
    (void)state;
    static const char *const initial[] = {"AUTH PLAIN AGFubmEAc2VjcmV0\r\n", "235 2.7.0 Authentication successful\r\n"};
    char *json = auth_run(initial, 2);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"PLAIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"secret\"", "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"AUTH\"",
                                   "\"arg\":\"PLAIN AGFubmEAc2VjcmV0\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"QUIT\"", NULL), 1);
    free(json);
    static const char *const after[] = {"AUTH PLAIN\r\n", "334 \r\n", "AGFubmEAd3Jvbmc=\r\n",
                                        "535 5.7.8 Error: authentication failed: authentication failure\r\n"};
    json = auth_run(after, 4);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"PLAIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"wrong\"", "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 3); /* EHLO AUTH QUIT: no answer is one */
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":334", NULL), 1);
    free(json);
}

static void test_auth_login(void **state)
{
    (void)state;
    static const char *const ok[] = {"AUTH LOGIN\r\n",          "334 VXNlcm5hbWU6\r\n", "YW5uYQ==\r\n",
                                     "334 UGFzc3dvcmQ6\r\n",     "c2VjcmV0\r\n",
                                     "235 2.7.0 Authentication successful\r\n"};
    char *json = auth_run(ok, 6);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"LOGIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"secret\"", "\"success\":true", NULL),
                     1);
    free(json);
    /* the user in the initial response (RFC 4954 allows it), the password after one prompt; refused */
    static const char *const refused[] = {"AUTH LOGIN YW5uYQ==\r\n", "334 UGFzc3dvcmQ6\r\n", "c2VjcmV0\r\n",
                                          "535 5.7.8 Error: authentication failed\r\n"};
    json = auth_run(refused, 4);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"LOGIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"secret\"", "\"success\":false", NULL),
                     1);
    free(json);
}

static void test_auth_challenge_mechanisms(void **state)
{
    (void)state;
    static const char *const cram[] = {"AUTH CRAM-MD5\r\n", "334 PDEyMzQ1QGV4YW1wbGUub3JnPg==\r\n",
                                       "YW5uYSAwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==\r\n",
                                       "235 2.7.0 Authentication successful\r\n"};
    char *json = auth_run(cram, 4);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"CRAM-MD5\"", "\"user\":\"anna\"",
                                   "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"password\"", NULL), 0);
    free(json);
    static const char *const digest[] = {
        "AUTH DIGEST-MD5\r\n",
        "334 cmVhbG09ImV4YW1wbGUub3JnIixub25jZT0iYWJjIixxb3A9ImF1dGgiLGFsZ29yaXRobT1tZDUtc2VzcyxjaGFyc2V0PXV0Zi04\r\n",
        "dXNlcm5hbWU9ImFubmEiLHJlYWxtPSJleGFtcGxlLm9yZyIsbm9uY2U9ImFiYyIsY25vbmNlPSJkZWYiLG5jPTAwMDAwMDAxLHFvcD1hdXRo"
        "LGRpZ2VzdC11cmk9InNtdHAvZXhhbXBsZS5vcmciLHJlc3BvbnNlPTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm\r\n",
        "334 cnNwYXV0aD0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==\r\n",
        "\r\n",
        "535 5.7.8 Error: authentication failed\r\n"};
    json = auth_run(digest, 6);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"DIGEST-MD5\"", "\"user\":\"anna\"",
                                   "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"password\"", NULL), 0);
    free(json);
}

static void test_auth_xoauth2(void **state)
{
    (void)state;
    static const char *const ok[] = {"AUTH XOAUTH2 dXNlcj1hbm5hQGV4YW1wbGUub3JnAWF1dGg9QmVhcmVyIHlhMjkudG9rZW4BAQ==\r\n",
                                     "235 2.7.0 Accepted\r\n"};
    char *json = auth_run(ok, 2);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"XOAUTH2\"",
                                   "\"user\":\"anna@example.org\"", "\"token\":\"ya29.token\"", "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"password\"", NULL), 0);
    free(json);
    /* refused: the server's error as a 334 challenge, the client's empty answer, then 535 */
    static const char *const refused[] = {
        "AUTH XOAUTH2 dXNlcj1hbm5hQGV4YW1wbGUub3JnAWF1dGg9QmVhcmVyIHlhMjkudG9rZW4BAQ==\r\n",
        "334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==\r\n",
        "\r\n", "535 5.7.8 Username and Password not accepted\r\n"};
    json = auth_run(refused, 4);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"XOAUTH2\"",
                                   "\"user\":\"anna@example.org\"", "\"token\":\"ya29.token\"", "\"success\":false",
                                   NULL),
                     1);
    free(json);
    /* cancelled by the client */
    static const char *const cancelled[] = {"AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", "*\r\n",
                                            "501 5.7.0 Authentication aborted\r\n"};
    json = auth_run(cancelled, 4);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"LOGIN\"", "\"cancelled\":true",
                                   "\"success\":false", NULL),
                     1);
    free(json);
}

static void test_starttls(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "EHLO c\r\n", 0},
        {TR_S2C, "250-mx.example.org\r\n250-STARTTLS\r\n250 PIPELINING\r\n", 0},
        {TR_C2S, "STARTTLS\r\n", 0},
        {TR_S2C, "220 2.0.0 Ready to start TLS\r\n", 0},
        {TR_C2S, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03MAIL FROM:<x@y>\r\n", 0},
        {TR_S2C, "\x16\x03\x03\x00\x7a\x02\x00\x00\x76\r\n250 x\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", "\"reason\":\"starttls\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", NULL), 3);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
    /* refused: decoding goes on */
    static const harness_msg refused[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "STARTTLS\r\n", 0},
        {TR_S2C, "454 4.7.0 TLS not available\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
    };
    json = harness_script_all_splits("smtp", 25, refused, N(refused));
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"command\":\"QUIT\"", NULL), 1);
    free(json);
}

static void test_smtps(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_C2S, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11},
        {TR_S2C, "\x16\x03\x03\x00\x7a\x02\x00\x00\x76", 9},
    };
    char *json = harness_script_all_splits("smtp", 465, m, N(m));
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", "\"reason\":\"tls\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"proto\":\"smtp\"", NULL), 1);
    free(json);
}

static void test_gap_inside_data(void **state)
{
    (void)state;
    harness *h = harness_new("smtp", TR_TCP, 25);
    harness_data(h, TR_S2C, greeting, strlen(greeting));
    static const char c1[] = "HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n";
    harness_data(h, TR_C2S, c1, strlen(c1));
    static const char s1[] = "250 x\r\n250 Ok\r\n250 Ok\r\n354 go\r\n";
    harness_data(h, TR_S2C, s1, strlen(s1));
    static const char part1[] = "Subject: holes\r\nMessage-ID: <gap@x>\r\n\r\nbefore the hole\r\n";
    harness_data(h, TR_C2S, part1, strlen(part1));
    harness_gap(h, TR_C2S, 1460);
    static const char part2[] = "ost in the middle\r\nafter\r\n.\r\nQUIT\r\n";
    harness_data(h, TR_C2S, part2, strlen(part2));
    static const char s2[] = "250 Ok: queued as GAP1\r\n221 Bye\r\n";
    harness_data(h, TR_S2C, s2, strlen(s2));
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"complete\":false", "\"subject\":\"holes\"",
                                   "\"queue_id\":\"GAP1\"", "\"message_id\":\"<gap@x>\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"sha256\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"QUIT\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":221", NULL), 1);
    harness_free(h);
}

static void test_gap_inside_bdat(void **state)
{
    (void)state;
    harness *h = harness_new("smtp", TR_TCP, 25);
    static const char c1[] = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 20 LAST\r\nSubject: b\r\n\r\n";
    harness_data(h, TR_C2S, c1, strlen(c1));
    harness_gap(h, TR_C2S, 2);
    harness_data(h, TR_C2S, "ab\r\nQUIT\r\n", 10);
    static const char s1[] = "250 x\r\n250 Ok\r\n250 Ok\r\n250 Ok: queued as B\r\n221 Bye\r\n";
    harness_data(h, TR_S2C, s1, strlen(s1));
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"complete\":false", "\"queue_id\":\"B\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"sha256\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"command\":\"QUIT\"", NULL), 1);
    harness_free(h);
}

static void test_body_before_354_and_close_inside(void **state)
{
    (void)state;
    /* a client that does not wait for 354 (the bytes come before it in the capture) */
    harness *h = harness_new("smtp", TR_TCP, 25);
    harness_data(h, TR_C2S, "HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", 46);
    harness_data(h, TR_C2S, "Subject: eager\r\n\r\nx\r\n.\r\n", 24);
    harness_data(h, TR_S2C, "250 x\r\n250 Ok\r\n250 Ok\r\n354 go\r\n250 Ok: queued as E\r\n", 52);
    harness_data(h, TR_C2S, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", 38);
    harness_data(h, TR_S2C, "250 Ok\r\n250 Ok\r\n354 go\r\n", 24);
    harness_data(h, TR_C2S, "Subject: cut\r\n\r\nno end", 22);
    const char *json = harness_close(h, TR_END_RST);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"subject\":\"eager\"", "\"queue_id\":\"E\"",
                                   "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"subject\":\"cut\"", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "Subject", NULL), 0);
    harness_free(h);
}

static void test_attachments(void **state)
{
    (void)state;
    static const char msg[] = "From: anna@example.org\r\n"
                              "Subject: =?iso-8859-1?Q?r=E9sum=E9?=\r\n"
                              "Message-ID: <att@example.org>\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                              "\r\n"
                              "--b1\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n"
                              "\r\n"
                              "a=3Db\r\n"
                              "--b1\r\n"
                              "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                              "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
                              "Content-Transfer-Encoding: base64\r\n"
                              "\r\n"
                              "AAECAwQF\r\n"
                              "--b1--\r\n"
                              ".\r\n";
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "EHLO c\r\n", 0},
        {TR_S2C, "250 mx\r\n", 0},
        {TR_C2S, "MAIL FROM:<anna@example.org>\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "RCPT TO:<bob@example.net>\r\n", 0},
        {TR_S2C, "250 Ok\r\n", 0},
        {TR_C2S, "DATA\r\n", 0},
        {TR_S2C, "354 go\r\n", 0},
        {TR_C2S, msg, 0},
        {TR_S2C, "250 Ok: queued as ATT\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    char sha_bin[128], sha_txt[128];
    sha_field("\0\1\2\3\4\5", 6, sha_bin, sizeof sha_bin);
    sha_field("a=b", 3, sha_txt, sizeof sha_txt);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"subject\":\"résumé\"",
                                   "\"attachments\":[{\"name\":\"data.bin\"", sha_bin, "\"parts\":[{", sha_txt, NULL),
                     1);
    free(json);
}

static void test_unknown_and_bad(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, greeting, 0},
        {TR_C2S, "XYZZY plugh\r\nVRFY root\r\nMAIL bogus\r\nNOOP\r\n", 0},
        {TR_S2C, "502 5.5.2 Error: command not recognized\r\n252 2.0.0 root\r\n501 5.5.4 Syntax\r\n250 Ok\r\n", 0},
        {TR_S2C, "not a reply\r\n", 0},
        {TR_C2S, "\x16\x03\x01garbage\x80\r\n", 0},
        {TR_S2C, "500 5.5.1 Command unrecognized\r\n", 0},
    };
    char *json = harness_script_all_splits("smtp", 25, m, N(m));
    assert_int_equal(harness_count(json, "\"command\":\"XYZZY\"", "\"arg\":\"plugh\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"VRFY\"", "\"arg\":\"root\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"smtp_bad_path\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"smtp_bad_reply\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"smtp_bad_command\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 4);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", NULL), 0);
    free(json);
}

static void test_probe(void **state)
{
    (void)state;
    assert_int_equal(harness_probe(&dis_smtp, greeting, strlen(greeting), TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(&dis_smtp, "220 host Microsoft ESMTP MAIL Service ready\r\n", 45, TR_S2C),
                     TR_PROBE_YES);
    assert_int_equal(harness_probe(&dis_smtp, "220 welcome\r\n", 13, TR_S2C), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(&dis_smtp, "220 ProFTPD Server ready\r\n", 26, TR_S2C), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe2(&dis_smtp, "EHLO x\r\n", 8, "220 welcome\r\n", 13), TR_PROBE_YES);
    assert_int_equal(harness_probe2(&dis_smtp, "helo x\r\n", 8, NULL, 0), TR_PROBE_YES);
    assert_int_equal(harness_probe2(&dis_smtp, "USER x\r\n", 8, "220 welcome\r\n", 13), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe2(&dis_smtp, "EH", 2, NULL, 0), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(&dis_smtp, "GET / HTTP/1.1\r\n", 16, TR_C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(&dis_smtp, "+OK POP3 ready\r\n", 16, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe(&dis_smtp, "* OK IMAP4rev1\r\n", 16, TR_S2C), TR_PROBE_NO);
    /* with FTP's probe: a greeting naming SMTP is SMTP's alone */
    const tr_dissector *ftp = tr_dissector_find("ftp");
    assert_non_null(ftp);
    assert_int_equal(harness_probe(ftp, greeting, strlen(greeting), TR_S2C), TR_PROBE_MAYBE);
    const tr_dissector *list[] = {ftp, &dis_smtp, NULL};
    int maybe = 0;
    tr_probe_input in = {{NULL, (const uint8_t *)greeting}, {0, strlen(greeting)}, TR_TCP, 40000, 2525};
    assert_ptr_equal(tr_probe_choose(list, &in, &maybe), &dis_smtp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_message),
        cmocka_unit_test(test_pipelining_refused_rcpt),
        cmocka_unit_test(test_bdat_chunks_before_replies),
        cmocka_unit_test(test_bdat_zero_last_and_refused_data),
        cmocka_unit_test(test_two_messages),
        cmocka_unit_test(test_auth_plain),
        cmocka_unit_test(test_auth_login),
        cmocka_unit_test(test_auth_challenge_mechanisms),
        cmocka_unit_test(test_auth_xoauth2),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_smtps),
        cmocka_unit_test(test_gap_inside_data),
        cmocka_unit_test(test_gap_inside_bdat),
        cmocka_unit_test(test_body_before_354_and_close_inside),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_unknown_and_bad),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
