/* output/redis_url.h: --output and --read-redis URLs — every part of redis:// and unix: forms, percent escapes,
 * the options each use takes, the password kept out of messages, and a clear refusal of what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "output/redis_url.h"

static redis_url u;
static char err[256];

static int out(const char *s) { return redis_url_parse(&u, s, REDIS_URL_OUTPUT, err, sizeof err); }
static int rd(const char *s) { return redis_url_parse(&u, s, REDIS_URL_READ, err, sizeof err); }

static void test_host_only(void **state)
{
    (void)state;
    assert_int_equal(out("redis://localhost"), 0);
    assert_int_equal(u.is_unix, 0);
    assert_string_equal(u.host, "localhost");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_int_equal(u.has_password, 0);
    assert_string_equal(u.user, "");
    assert_int_equal(u.nstreams, 0);
    assert_string_equal(u.display, "redis://localhost");
}

static void test_every_part(void **state)
{
    (void)state;
    assert_int_equal(out("redis://alice:s3cr%40t@10.1.2.3:6380/2?stream=trawl%3Aedge-1"), 0);
    assert_string_equal(u.user, "alice");
    assert_string_equal(u.password, "s3cr@t");
    assert_int_equal(u.has_password, 1);
    assert_string_equal(u.host, "10.1.2.3");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 2);
    assert_int_equal(u.nstreams, 1);
    assert_string_equal(u.stream[0], "trawl:edge-1");
    /* messages never show the password */
    assert_string_equal(u.display, "redis://alice:***@10.1.2.3:6380/2?stream=trawl%3Aedge-1");
    assert_null(strstr(u.display, "s3cr"));
}

static void test_password_only_and_at_sign(void **state)
{
    (void)state;
    assert_int_equal(out("redis://:pw@h"), 0);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.display, "redis://:***@h");
    /* an unescaped '@' in the password: the last '@' ends it */
    assert_int_equal(out("redis://:a@b@h:1/"), 0);
    assert_string_equal(u.password, "a@b");
    assert_string_equal(u.host, "h");
    assert_int_equal(u.port, 1);
    assert_int_equal(u.db, 0);
    /* an empty password is a password */
    assert_int_equal(out("redis://:@h"), 0);
    assert_int_equal(u.has_password, 1);
    assert_string_equal(u.password, "");
}

static void test_ipv6(void **state)
{
    (void)state;
    assert_int_equal(out("redis://[::1]:7000/3"), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 3);
    assert_int_equal(out("redis://[::1]"), 0);
    assert_int_equal(u.port, 6379);
    assert_int_equal(out("redis://[::1"), -1);
    assert_int_equal(out("redis://[::1]x"), -1);
}

static void test_unix(void **state)
{
    (void)state;
    assert_int_equal(out("unix:/run/redis/redis.sock"), 0);
    assert_int_equal(u.is_unix, 1);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.has_password, 0);
    assert_int_equal(out("unix:///tmp/r.sock?password=p%26w&user=bob&db=4&stream=s"), 0);
    assert_string_equal(u.path, "/tmp/r.sock");
    assert_string_equal(u.password, "p&w");
    assert_string_equal(u.user, "bob");
    assert_int_equal(u.db, 4);
    assert_string_equal(u.stream[0], "s");
    assert_string_equal(u.display, "unix:///tmp/r.sock?...");
    assert_int_equal(out("unix:"), -1);
    assert_int_equal(out("unix:?db=1"), -1);
}

static void test_read_options(void **state)
{
    (void)state;
    assert_int_equal(rd("redis://h?group=analysts&stream=trawl:a,trawl:b,x%2Cy&consumer=c1"), 0);
    assert_string_equal(u.group, "analysts");
    assert_string_equal(u.consumer, "c1");
    assert_int_equal(u.nstreams, 3);
    assert_string_equal(u.stream[0], "trawl:a");
    assert_string_equal(u.stream[1], "trawl:b");
    assert_string_equal(u.stream[2], "x,y");
    /* --output writes one stream and has no group */
    assert_int_equal(out("redis://h?stream=a,b"), -1);
    assert_non_null(strstr(err, "one stream"));
    assert_int_equal(out("redis://h?group=g"), -1);
    assert_non_null(strstr(err, "--read-redis"));
    assert_int_equal(rd("redis://h?stream=a,,b"), -1);
    assert_int_equal(rd("redis://h?group="), -1);
}

static void test_refusals(void **state)
{
    (void)state;
    assert_int_equal(out("http://h"), -1);
    assert_non_null(strstr(err, "redis://"));
    assert_int_equal(out("redis://"), -1);
    assert_int_equal(out("redis://:pw@"), -1);
    assert_int_equal(out("redis://h:0"), -1);
    assert_int_equal(out("redis://h:65536"), -1);
    assert_int_equal(out("redis://h:12x"), -1);
    assert_int_equal(out("redis://h/x"), -1);
    assert_int_equal(out("redis://h/1/2"), -1);
    assert_int_equal(out("redis://h?streem=x"), -1); /* a typo is not ignored */
    assert_non_null(strstr(err, "streem"));
    assert_int_equal(out("redis://h?stream"), -1);
    assert_int_equal(out("redis://h?stream=a&stream=b"), -1);
    assert_int_equal(out("redis://:a@h?password=b"), -1);
    assert_int_equal(out("redis://h?stream=%zz"), -1);
    assert_int_equal(out("redis://h?stream=%4"), -1);
    assert_int_equal(out("redis://h?stream=a%00b"), -1);
    char longhost[400];
    memset(longhost, 'a', sizeof longhost);
    memcpy(longhost, "redis://", 8);
    longhost[sizeof longhost - 1] = '\0';
    assert_int_equal(out(longhost), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_only),
        cmocka_unit_test(test_every_part),
        cmocka_unit_test(test_password_only_and_at_sign),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_unix),
        cmocka_unit_test(test_read_options),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
