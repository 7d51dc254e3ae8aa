/* Times as people read them (output/tr_time.c): the three --time styles, zones, negative times, and a transcript's
 * time lines showing the date on the first and where the day changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../output/tr_time.h"
#include "../../output/transcript.h"

#define TS 1573548015982183LL /* 2019-11-12 08:40:15.982183 UTC */

/* A POSIX TZ rule: no tzdata needed. Central European time, UTC+1 in winter. */
static void in_berlin(void)
{
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
}

static void test_local(void **state)
{
    (void)state;
    in_berlin();
    tr_time_set_style(TR_TIME_LOCAL);
    char out[TR_TIME_MAX];
    tr_time_full(TS, out);
    assert_string_equal(out, "2019-11-12 09:40:15.982183");
    tr_time_of_day(TS, out);
    assert_string_equal(out, "09:40:15.982183");
    tr_time_zoned(TS, 0, out);
    assert_string_equal(out, "2019-11-12 09:40:15 CET");
    tr_time_zoned(TS, 1, out);
    assert_string_equal(out, "2019-11-12 08:40:15 UTC");
    tr_time_full(1561800000000000LL, out); /* summer time */
    assert_string_equal(out, "2019-06-29 11:20:00.000000");
}

static void test_utc_and_epoch(void **state)
{
    (void)state;
    in_berlin();
    char out[TR_TIME_MAX];
    tr_time_set_style(TR_TIME_UTC);
    tr_time_full(TS, out);
    assert_string_equal(out, "2019-11-12 08:40:15.982183");
    tr_time_zoned(TS, 0, out);
    assert_string_equal(out, "2019-11-12 08:40:15 UTC");
    tr_time_full(-1, out); /* before the epoch: the microseconds count up from the second before */
    assert_string_equal(out, "1969-12-31 23:59:59.999999");
    tr_time_set_style(TR_TIME_EPOCH);
    tr_time_full(TS, out);
    assert_string_equal(out, "1573548015.982183");
    tr_time_of_day(TS, out);
    assert_string_equal(out, "1573548015.982183");
    tr_time_set_style(TR_TIME_LOCAL);
}

/* Seconds past the cached minute and across midnight come out right. */
static void test_day_changes(void **state)
{
    (void)state;
    in_berlin();
    tr_time_set_style(TR_TIME_UTC);
    int64_t before = 1573603199000000LL, after = before + 1500000; /* 23:59:59.0 and 00:00:00.5 UTC */
    char out[TR_TIME_MAX];
    tr_time_full(before, out);
    assert_string_equal(out, "2019-11-12 23:59:59.000000");
    tr_time_full(after, out);
    assert_string_equal(out, "2019-11-13 00:00:00.500000");
    assert_true(tr_time_day(after) != tr_time_day(before));

    tr_transcript t;
    tr_transcript_init(&t, 0);
    tr_strbuf sb;
    tr_sb_init(&sb, 1u << 16);
    const tr_tx_chunk c[] = {
        {.kind = TR_TX_DATA, .dir = TR_C2S, .ts_us = before - 1000000, .p = (const uint8_t *)"a\n", .n = 2},
        {.kind = TR_TX_DATA, .dir = TR_S2C, .ts_us = before, .p = (const uint8_t *)"b\n", .n = 2},
        {.kind = TR_TX_DATA, .dir = TR_C2S, .ts_us = after, .p = (const uint8_t *)"c\n", .n = 2},
    };
    for (size_t i = 0; i < 3; i++)
        tr_transcript_add(&t, &c[i], &sb);
    tr_transcript_end(&t, &sb);
    assert_string_equal(tr_sb_cstr(&sb), "--- 2019-11-12 23:59:58.000000 c2s\n>> a\n"
                                         "--- 23:59:59.000000 s2c\n<< b\n"
                                         "--- 2019-11-13 00:00:00.500000 c2s\n>> c\n");
    tr_sb_free(&sb);
    tr_time_set_style(TR_TIME_LOCAL);
}

/* A zone whose offset has seconds (local mean time, as Monrovia kept until 1972): its minutes do not start on UTC's,
 * and the day changes inside a UTC minute. */
static void test_offset_with_seconds(void **state)
{
    (void)state;
    setenv("TZ", "XYZ-8:10:25", 1); /* UTC+8:10:25: local midnight at 15:49:35 UTC */
    tzset();
    tr_time_set_style(TR_TIME_LOCAL);
    char out[TR_TIME_MAX];
    int64_t before = 1796572174872646LL; /* 2026-12-06 15:49:34.872646 UTC */
    tr_time_full(before, out);
    assert_string_equal(out, "2026-12-06 23:59:59.872646");
    tr_time_full(before + 4378802LL, out); /* 15:49:39.251448 UTC, in the same UTC minute */
    assert_string_equal(out, "2026-12-07 00:00:04.251448");
    assert_true(tr_time_day(before + 4378802LL) != tr_time_day(before));
    tr_time_of_day(before + 1000000LL, out);
    assert_string_equal(out, "00:00:00.872646");
    in_berlin();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local),
        cmocka_unit_test(test_offset_with_seconds),
        cmocka_unit_test(test_utc_and_epoch),
        cmocka_unit_test(test_day_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
