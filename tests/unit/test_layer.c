/* Layered streams (core/tr_layer.h): a dissector fed through a layer decodes exactly as on a TCP connection, in
 * whatever order and cut the bytes come; its events are the outer session's; its memory is counted there and
 * given back at close; the sinks never see its bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/tr_layer.h"
#include "harness.h"

static const char c2s[] = "USER anna\r\nPASS secret\r\nCWD /pub\r\nQUIT\r\n";
static const char s2c[] = "220 test FTP ready\r\n331 Password please\r\n230 Welcome\r\n250 OK\r\n221 Bye\r\n";

/* The events FTP gives on a plain connection, the reference. */
static char *direct(void)
{
    harness *h = harness_new("ftp", TR_TCP, 21);
    harness_data(h, TR_S2C, s2c, 20);
    harness_data(h, TR_C2S, c2s, 11);
    harness_data(h, TR_S2C, s2c + 20, 21);
    harness_data(h, TR_C2S, c2s + 11, 13);
    harness_data(h, TR_S2C, s2c + 41, sizeof s2c - 1 - 41);
    harness_data(h, TR_C2S, c2s + 24, sizeof c2s - 1 - 24);
    harness_end(h, TR_END_FIN);
    char *out = strdup(tr_sb_cstr(&h->out));
    harness_free(h);
    return out;
}

static int stream_calls;
static void count_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    (void)self, (void)s, (void)dir, (void)p, (void)n;
    stream_calls++;
}

/* An outer session without a dissector whose bytes a layer decodes as FTP: `how` says how they are handed over. */
static char *layered(int how)
{
    harness *h = harness_new(NULL, TR_TCP, 21);
    tr_sink watcher = {0};
    watcher.on_stream = count_stream;
    tr_ctx_add_sink(&h->ctx, &watcher);
    stream_calls = 0;
    tr_layer *l = tr_layer_open(&h->s, tr_dissector_find("ftp"));
    assert_non_null(l);
    assert_true(h->s.state_extra > 0); /* the layer's memory is the outer session's */
    if (how == 0) { /* in order, a byte at a time */
        size_t i = 0, j = 0;
        for (; i < 20; i++)
            tr_layer_data(l, TR_S2C, (const uint8_t *)s2c + i, 1);
        for (; j < 11; j++)
            tr_layer_data(l, TR_C2S, (const uint8_t *)c2s + j, 1);
        for (; i < 41; i++)
            tr_layer_data(l, TR_S2C, (const uint8_t *)s2c + i, 1);
        for (; j < 24; j++)
            tr_layer_data(l, TR_C2S, (const uint8_t *)c2s + j, 1);
        for (; i < sizeof s2c - 1; i++)
            tr_layer_data(l, TR_S2C, (const uint8_t *)s2c + i, 1);
        for (; j < sizeof c2s - 1; j++)
            tr_layer_data(l, TR_C2S, (const uint8_t *)c2s + j, 1);
    } else { /* by sequence number: each reply's segments reversed, one sent twice */
        tr_layer_start(l, TR_S2C, 1000);
        tr_layer_start(l, TR_C2S, 5000);
        tr_layer_segment(l, TR_S2C, 1010, (const uint8_t *)s2c + 10, 10);
        tr_layer_segment(l, TR_S2C, 1000, (const uint8_t *)s2c, 10);
        tr_layer_segment(l, TR_C2S, 5000, (const uint8_t *)c2s, 11);
        tr_layer_segment(l, TR_S2C, 1020, (const uint8_t *)s2c + 20, 21);
        tr_layer_segment(l, TR_S2C, 1020, (const uint8_t *)s2c + 20, 21); /* a retransmission */
        tr_layer_segment(l, TR_C2S, 5011, (const uint8_t *)c2s + 11, 13);
        tr_layer_segment(l, TR_S2C, 1041, (const uint8_t *)s2c + 41, sizeof s2c - 1 - 41);
        tr_layer_segment(l, TR_C2S, 5024, (const uint8_t *)c2s + 24, sizeof c2s - 1 - 24);
    }
    tr_layer_end(l, TR_C2S);
    tr_layer_end(l, TR_S2C);
    tr_layer_close(l, TR_END_FIN);
    assert_int_equal(h->s.state_extra, 0); /* all given back */
    assert_int_equal(stream_calls, 0);     /* the sinks saw the outer bytes only (none here) */
    harness_end(h, TR_END_FIN);
    char *out = strdup(tr_sb_cstr(&h->out));
    harness_free(h);
    return out;
}

/* The layered output without the outer session's session_end (the direct one has FTP's, the layered one tcp's). */
static void cut_session_end(char *json)
{
    char *end = strstr(json, "\"type\":\"session_end\"");
    assert_non_null(end);
    while (end > json && end[-1] != '\n')
        end--;
    *end = '\0';
}

static void test_same_events_in_order_and_by_sequence(void **state)
{
    (void)state;
    char *want = direct();
    cut_session_end(want);
    for (int how = 0; how < 2; how++) {
        char *got = layered(how);
        cut_session_end(got);
        assert_string_equal(got, want);
        free(got);
    }
    assert_non_null(strstr(want, "\"session\":1,\"proto\":\"ftp\",\"type\":\"auth\""));
    free(want);
}

static void test_a_gap_reaches_the_inner_dissector(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 9999);
    tr_layer *l = tr_layer_open(&h->s, tr_dissector_find("ftp"));
    tr_layer_data(l, TR_S2C, (const uint8_t *)"220 hi\r\n", 8);
    tr_layer_data(l, TR_C2S, (const uint8_t *)"USER an", 7);
    tr_layer_gap(l, TR_C2S, 100); /* the rest of USER lost: FTP resynchronises at the next command */
    tr_layer_data(l, TR_C2S, (const uint8_t *)"\r\nPASS x\r\n", 10);
    tr_layer_close(l, TR_END_EOF);
    const char *out = tr_sb_cstr(&h->out);
    assert_null(strstr(out, "\"command\":\"USER\""));
    assert_non_null(strstr(out, "\"command\":\"PASS\",\"arg\":\"x\""));
    assert_int_equal(h->s.state_extra, 0);
    harness_free(h);
}

static void test_holes_by_sequence_become_gaps(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 9999);
    tr_layer *l = tr_layer_open(&h->s, tr_dissector_find("ftp"));
    tr_layer_segment(l, TR_S2C, 1, (const uint8_t *)"220 hi\r\n", 8);
    tr_layer_segment(l, TR_S2C, 29, (const uint8_t *)"230 in\r\n", 8); /* 20 bytes never come */
    tr_layer_end(l, TR_S2C);                                           /* the hole is a gap, then the rest */
    tr_layer_close(l, TR_END_EOF);
    const char *out = tr_sb_cstr(&h->out);
    assert_non_null(strstr(out, "\"code\":220"));
    assert_non_null(strstr(out, "\"code\":230"));
    assert_int_equal(h->s.state_extra, 0);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_events_in_order_and_by_sequence),
        cmocka_unit_test(test_a_gap_reaches_the_inner_dissector),
        cmocka_unit_test(test_holes_by_sequence_become_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
