/* Tests of dis_pop3: every command and answer form, multi-line answers with their dot-unstuffing, pipelining, APOP,
 * USER/PASS, AUTH with continuations and initial responses, RETR and TOP messages through the message module (with
 * the unique ids UIDL gave), STLS, a hole inside a message, and the probe; each conversation cut at every offset. */
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

static void sha_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    SHA256(p, n, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The message as the server stores it, and as it goes on the wire (a line starting with "." sent with one more). */
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
                           ".hidden line\r\n"
                           "--zz\r\n"
                           "Content-Type: application/octet-stream; name=\"n.bin\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n"
                           "\r\n"
                           "AAECAwQF\r\n"
                           "--zz--\r\n";
static const char msg1_wire[] = "From: Anna <anna@example.org>\r\n"
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
                                "..hidden line\r\n"
                                "--zz\r\n"
                                "Content-Type: application/octet-stream; name=\"n.bin\"\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "\r\n"
                                "AAECAwQF\r\n"
                                "--zz--\r\n";

static void test_apop_uidl_retr_top(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n", 0},
        {TR_C2S, "CAPA\r\n", 0},
        {TR_S2C, "+OK Capability list follows\r\nTOP\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n", 0},
        {TR_C2S, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", 0},
        {TR_S2C, "+OK mrose's maildrop has 2 messages (320 octets)\r\n", 0},
        {TR_C2S, "STAT\r\n", 0},
        {TR_S2C, "+OK 2 320\r\n", 0},
        {TR_C2S, "LIST\r\n", 0},
        {TR_S2C, "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n", 0},
        {TR_C2S, "UIDL\r\n", 0},
        {TR_S2C, "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n", 0},
        {TR_C2S, "RETR 1\r\n", 0},
        {TR_S2C, "+OK 120 octets\r\n", 0},
        {TR_S2C, msg1_wire, 0},
        {TR_S2C, ".\r\n", 0},
        {TR_C2S, "TOP 1 0\r\n", 0},
        {TR_S2C, "+OK\r\nFrom: Anna <anna@example.org>\r\nSubject: quarterly numbers\r\n"
                 "Message-ID: <q1@example.org>\r\n\r\n.\r\n", 0},
        {TR_C2S, "DELE 1\r\n", 0},
        {TR_S2C, "+OK message 1 deleted\r\n", 0},
        {TR_C2S, "RSET\r\n", 0},
        {TR_S2C, "+OK maildrop has 2 messages\r\n", 0},
        {TR_C2S, "RETR 9\r\n", 0},
        {TR_S2C, "-ERR no such message\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
        {TR_S2C, "+OK dewey POP3 server signing off\r\n", 0},
    };
    char *json = harness_script_all_splits("pop3", 110, m, (int)(sizeof m / sizeof m[0]));
    char want[65], part[65];
    sha_hex(msg1, strlen(msg1), want);
    sha_hex("\0\1\2\3\4\5", 6, part);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"greeting\":true", "\"status\":\"+OK\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"APOP\"", "\"user\":\"mrose\"",
                                   "\"timestamp\":\"<1896.697170952@dbc.mtview.ca.us>\"",
                                   "\"digest\":\"c4c9334bac560ecc979e58001b3e22fb\"", "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"password\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"command\":\"CAPA\"", "\"lines\":3",
                                   "\"items\":[\"TOP\",\"UIDL\",\"SASL PLAIN LOGIN\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"LIST\"", "\"lines\":2", NULL), 1);
    char sha_field[80];
    snprintf(sha_field, sizeof sha_field, "\"sha256\":\"%s\"", want);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"command\":\"RETR\"", "\"number\":1",
                                   "\"uidl\":\"whqtswO00WBw418f9t5JxYwZ\"", sha_field, "\"complete\":true",
                                   "\"subject\":\"quarterly numbers\"", "\"message_id\":\"<q1@example.org>\"", NULL),
                     1);
    snprintf(sha_field, sizeof sha_field, "\"sha256\":\"%s\"", part);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"name\":\"n.bin\"", sha_field, NULL), 1);
    char size_field[32];
    snprintf(size_field, sizeof size_field, "\"size\":%zu", strlen(msg1));
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"number\":1", size_field, NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"command\":\"TOP\"", "\"partial\":true",
                                   "\"top_lines\":0", "\"subject\":\"quarterly numbers\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"DELE\"", "\"arg\":\"1\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"RSET\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"RETR\"", "\"status\":\"-ERR\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"anomaly\"", NULL), 0);
    free(json);
}

static void test_user_pass_and_pipelining(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "+OK Dovecot ready.\r\n", 0},
        {TR_C2S, "USER anna\r\n", 0},
        {TR_S2C, "+OK\r\n", 0},
        {TR_C2S, "PASS wrong\r\n", 0},
        {TR_S2C, "-ERR [AUTH] Authentication failed.\r\n", 0},
        {TR_C2S, "USER anna\r\nPASS right\r\nSTAT\r\nUIDL 2\r\nRETR 2\r\n", 0}, /* pipelined (RFC 2449) */
        {TR_S2C, "+OK\r\n+OK Logged in.\r\n+OK 2 700\r\n+OK 2 QhdPYR:00WBw1Ph7x7\r\n+OK 12 octets\r\n"
                 "Subject: x\r\n\r\nhi\r\n.\r\n", 0},
        {TR_C2S, "QUIT\r\n", 0},
        {TR_S2C, "+OK Logging out.\r\n", 0},
    };
    char *json = harness_script_all_splits("pop3", 110, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"USER\"", "\"user\":\"anna\"",
                                   "\"password\":\"wrong\"", "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"anna\"", "\"password\":\"right\"",
                                   "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"number\":2", "\"uidl\":\"QhdPYR:00WBw1Ph7x7\"",
                                   "\"subject\":\"x\"", "\"size\":18", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"command\":\"STAT\"", "\"text\":\"2 700\"", NULL), 1);
    free(json);
}

static void test_auth_sasl(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "+OK ready\r\n", 0},
        /* PLAIN after a continuation (RFC 5034 4) */
        {TR_C2S, "AUTH PLAIN\r\n", 0},
        {TR_S2C, "+ \r\n", 0},
        {TR_C2S, "AGFubmEAd3Jvbmc=\r\n", 0}, /* \0anna\0wrong */
        {TR_S2C, "-ERR [AUTH] Authentication failed.\r\n", 0},
        /* LOGIN with the user as initial response */
        {TR_C2S, "AUTH LOGIN YW5uYQ==\r\n", 0},
        {TR_S2C, "+ UGFzc3dvcmQ6\r\n", 0},
        {TR_C2S, "c2VjcmV0\r\n", 0},
        {TR_S2C, "-ERR no\r\n", 0},
        /* PLAIN with an initial response */
        {TR_C2S, "AUTH PLAIN AGFubmEAc2VjcmV0\r\n", 0},
        {TR_S2C, "+OK Logged in.\r\n", 0},
        {TR_C2S, "AUTH\r\n", 0},
        {TR_S2C, "-ERR already\r\n", 0},
    };
    char *json = harness_script_all_splits("pop3", 110, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"PLAIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"wrong\"", "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"LOGIN\"", "\"user\":\"anna\"",
                                   "\"password\":\"secret\"", "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"mechanism\":\"PLAIN\"", "\"password\":\"secret\"",
                                   "\"success\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"status\":\"+\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"anomaly\"", NULL), 0);
    free(json);
}

static void test_stls_ends_decoding(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "+OK ready\r\n", 0},
        {TR_C2S, "STLS\r\n", 0},
        {TR_S2C, "+OK Begin TLS negotiation now.\r\n", 0},
        {TR_C2S, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03USER x\r\n", 0},
        {TR_S2C, "\x16\x03\x03\x00\x7a\x02\x00\x00\x76\r\n+OK x\r\n", 0},
    };
    char *json = harness_script_all_splits("pop3", 110, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", "\"reason\":\"starttls\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 1);
    free(json);
}

static void test_gap_inside_a_message(void **state)
{
    (void)state;
    harness *h = harness_new("pop3", TR_TCP, 110);
    harness_data(h, TR_S2C, "+OK ready\r\n", 11);
    harness_data(h, TR_C2S, "RETR 1\r\nRETR 2\r\n", 16);
    const char *a = "+OK\r\nSubject: one\r\n\r\nfirst li";
    harness_data(h, TR_S2C, a, strlen(a));
    harness_gap(h, TR_S2C, 40);
    const char *b = "ne\r\nmore\r\n.\r\n+OK\r\nSubject: two\r\n\r\nbody\r\n.\r\n";
    harness_data(h, TR_S2C, b, strlen(b));
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"number\":1", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"number\":1", "\"sha256\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"number\":2", "\"subject\":\"two\"",
                                   "\"complete\":true", NULL),
                     1);
    harness_free(h);
}

static void test_cut_at_close(void **state)
{
    (void)state;
    harness *h = harness_new("pop3", TR_TCP, 110);
    harness_data(h, TR_S2C, "+OK ready\r\n", 11);
    harness_data(h, TR_C2S, "RETR 1\r\n", 8);
    harness_data(h, TR_S2C, "+OK\r\nSubject: cut\r\n\r\nbody", 25);
    const char *json = harness_close(h, TR_END_RST);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", "\"complete\":false", "\"subject\":\"cut\"", NULL), 1);
    harness_free(h);
}

static void test_probe(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("pop3");
    assert_non_null(d);
    assert_int_equal(harness_probe(d, "+OK Dovecot ready.\r\n", 20, TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "* OK IMAP4rev1\r\n", 16, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "220 smtp\r\n", 10, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe2(d, "CAPA\r\n", 6, "+OK hi\r\n", 8), TR_PROBE_YES);
    assert_int_equal(harness_probe2(d, "SET k v\r\n", 9, "+OK\r\n", 5), TR_PROBE_NO); /* Redis */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apop_uidl_retr_top),
        cmocka_unit_test(test_user_pass_and_pipelining),
        cmocka_unit_test(test_auth_sasl),
        cmocka_unit_test(test_stls_ends_decoding),
        cmocka_unit_test(test_gap_inside_a_message),
        cmocka_unit_test(test_cut_at_close),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
