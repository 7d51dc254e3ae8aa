/* output/redis_id.h: the entry ids of a sensor stream — the event's millisecond while time goes forward, the
 * next sequence number within the last id's millisecond when it does not, never an id at or below one given
 * before, and the stream's last id taken over at start. Also output/redis_entry.h: the fields of an entry read
 * off a -T json line, and its XADD as sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "output/redis_entry.h"
#include "output/redis_id.h"

static void assert_id(redis_id id, uint64_t ms, uint64_t seq)
{
    assert_true(id.ms == ms);
    assert_true(id.seq == seq);
}

static void test_event_time_then_sequence(void **state)
{
    (void)state;
    redis_id last = {0, 0};
    /* 1700000000.123456 s: millisecond 1700000000123, the first in it */
    assert_int_equal(redis_id_next(&last, 1700000000123456LL), 0);
    assert_id(last, 1700000000123ULL, 0);
    /* the same millisecond: the next sequence number */
    assert_int_equal(redis_id_next(&last, 1700000000123999LL), 0);
    assert_id(last, 1700000000123ULL, 1);
    /* later: that millisecond, from 0 */
    assert_int_equal(redis_id_next(&last, 1700000000200000LL), 0);
    assert_id(last, 1700000000200ULL, 0);
    /* time going back (the capture's clock): stays at the last millisecond */
    assert_int_equal(redis_id_next(&last, 1600000000000000LL), 0);
    assert_id(last, 1700000000200ULL, 1);
    assert_int_equal(redis_id_next(&last, 1700000000200500LL), 0);
    assert_id(last, 1700000000200ULL, 2);
}

static void test_zero_and_negative_times(void **state)
{
    (void)state;
    redis_id last = {0, 0};
    /* 0-0 is not an id Redis takes: an event at time 0 gets 0-1 */
    assert_int_equal(redis_id_next(&last, 0), 0);
    assert_id(last, 0, 1);
    assert_int_equal(redis_id_next(&last, -5000000), 0); /* before 1970 counts as 0 */
    assert_id(last, 0, 2);
    assert_int_equal(redis_id_next(&last, 999), 0); /* 0.000999 s is still millisecond 0 */
    assert_id(last, 0, 3);
    assert_int_equal(redis_id_next(&last, 1000), 0);
    assert_id(last, 1, 0);
}

static void test_resume_after_stream(void **state)
{
    (void)state;
    /* a rerun over a stream whose last id is above the capture's times appends after it */
    redis_id last = {0, 0}, top;
    assert_int_equal(redis_id_parse("1795620493664-7", 15, &top), 0);
    redis_id_raise(&last, top);
    assert_id(last, 1795620493664ULL, 7);
    assert_int_equal(redis_id_next(&last, 1700000000000000LL), 0);
    assert_id(last, 1795620493664ULL, 8);
    /* raising never lowers */
    redis_id low = {5, 5};
    redis_id_raise(&last, low);
    assert_id(last, 1795620493664ULL, 8);
    /* a stream ahead by time alone */
    redis_id behind = {100, 0};
    redis_id_raise(&behind, (redis_id){200, 0});
    assert_int_equal(redis_id_next(&behind, 150000), 0);
    assert_id(behind, 200, 1);
}

static void test_overflow(void **state)
{
    (void)state;
    redis_id last = {42, UINT64_MAX};
    assert_int_equal(redis_id_next(&last, 0), 0); /* the sequence is used up: the next millisecond */
    assert_id(last, 43, 0);
    last = (redis_id){UINT64_MAX, UINT64_MAX};
    assert_int_equal(redis_id_next(&last, 0), -1); /* nothing above the largest id */
    assert_id(last, UINT64_MAX, UINT64_MAX);
}

static void test_parse_and_format(void **state)
{
    (void)state;
    char text[REDIS_ID_TEXT_MAX];
    redis_id id;
    assert_int_equal(redis_id_format((redis_id){1700000000123ULL, 45}, text), 16);
    assert_string_equal(text, "1700000000123-45");
    assert_int_equal(redis_id_format((redis_id){UINT64_MAX, UINT64_MAX}, text), 41);
    assert_string_equal(text, "18446744073709551615-18446744073709551615");
    assert_int_equal(redis_id_parse(text, strlen(text), &id), 0);
    assert_id(id, UINT64_MAX, UINT64_MAX);
    assert_int_equal(redis_id_parse("12", 2, &id), 0);
    assert_id(id, 12, 0);
    assert_int_equal(redis_id_parse("18446744073709551616-0", 22, &id), -1); /* past 64 bits */
    assert_int_equal(redis_id_parse("1-", 2, &id), -1);
    assert_int_equal(redis_id_parse("-1", 2, &id), -1);
    assert_int_equal(redis_id_parse("1-2-3", 5, &id), -1);
    assert_int_equal(redis_id_parse("", 0, &id), -1);
    assert_true(redis_id_cmp((redis_id){1, 9}, (redis_id){2, 0}) < 0);
    assert_true(redis_id_cmp((redis_id){2, 1}, (redis_id){2, 0}) > 0);
    assert_int_equal(redis_id_cmp((redis_id){2, 1}, (redis_id){2, 1}), 0);
}

static void test_entry_fields(void **state)
{
    (void)state;
    const char *line = "{\"ts\":1700000000.123456,\"session\":42,\"proto\":\"ftp-data\",\"type\":\"session_end\","
                       "\"transport\":\"tcp\"}";
    redis_entry e;
    assert_int_equal(redis_entry_read(line, strlen(line), &e), 0);
    assert_true(e.ts_us == 1700000000123456LL);
    assert_int_equal(e.session_len, 2);
    assert_memory_equal(e.session, "42", 2);
    assert_int_equal(e.proto_len, 8);
    assert_memory_equal(e.proto, "ftp-data", 8);
    assert_int_equal(e.type_len, 11);
    assert_memory_equal(e.type, "session_end", 11);
    /* before 1970, as tr_format_ts writes it: -1.500000 is -0.5 s */
    const char *old = "{\"ts\":-1.500000,\"session\":0,\"proto\":\"tcp\",\"type\":\"anomaly\"}";
    assert_int_equal(redis_entry_read(old, strlen(old), &e), 0);
    assert_true(e.ts_us == -500000);
    /* not a -T json line: empty fields, time 0, still sendable */
    assert_int_equal(redis_entry_read("{\"x\":1}", 7, &e), -1);
    assert_int_equal(e.proto_len, 0);
    assert_true(e.ts_us == 0);
    /* cut inside the fields */
    assert_int_equal(redis_entry_read(line, 40, &e), -1);
}

static void test_xadd_command(void **state)
{
    (void)state;
    const char *line = "{\"ts\":1.000002,\"session\":3,\"proto\":\"dns\",\"type\":\"query\"}";
    redis_entry e;
    assert_int_equal(redis_entry_read(line, strlen(line), &e), 0);
    tr_strbuf sb;
    tr_sb_init(&sb, 1 << 16);
    redis_entry_xadd(&sb, "trawl:s1", 8, 0, (redis_id){1000, 0}, &e, line, strlen(line));
    const char *want = "*11\r\n$4\r\nXADD\r\n$8\r\ntrawl:s1\r\n$6\r\n1000-0\r\n$7\r\nsession\r\n$1\r\n3\r\n"
                       "$5\r\nproto\r\n$3\r\ndns\r\n$4\r\ntype\r\n$5\r\nquery\r\n$4\r\njson\r\n$56\r\n";
    assert_true(sb.len == strlen(want) + strlen(line) + 2);
    assert_memory_equal(sb.p, want, strlen(want));
    assert_memory_equal(sb.p + strlen(want), line, strlen(line));
    tr_sb_reset(&sb);
    redis_entry_xadd(&sb, "k", 1, 100000, (redis_id){5, 6}, &e, line, strlen(line));
    const char *capped = "*14\r\n$4\r\nXADD\r\n$1\r\nk\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$6\r\n100000\r\n$3\r\n5-6\r\n";
    assert_memory_equal(sb.p, capped, strlen(capped));
    tr_sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_time_then_sequence),
        cmocka_unit_test(test_zero_and_negative_times),
        cmocka_unit_test(test_resume_after_stream),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_entry_fields),
        cmocka_unit_test(test_xadd_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
