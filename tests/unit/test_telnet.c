/* Tests of dis_telnet: option negotiation and subnegotiation values, control commands, IAC IAC, the login
 * recognised from the server's prompts, typed lines rebuilt with erases, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define MSG(dir, s) {dir, s, sizeof(s) - 1}

/* The opening of a Linux telnetd session (bytes as a real client and server exchange them). */
static const harness_msg negotiation[] = {
    MSG(TR_C2S, "\xff\xfd\x03\xff\xfb\x18\xff\xfb\x1f\xff\xfb\x20\xff\xfb\x21\xff\xfb\x22\xff\xfb\x27\xff\xfd\x05"
                "\xff\xfb\x23"),
    MSG(TR_S2C, "\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"),
    MSG(TR_S2C, "\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x21\xff\xfe\x22\xff\xfb\x05\xff\xfa\x20\x01\xff\xf0\xff\xfa\x23\x01"
                "\xff\xf0\xff\xfa\x27\x01\xff\xf0\xff\xfa\x18\x01\xff\xf0"),
    MSG(TR_C2S, "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xfa\x20\x00" "38400,38400\xff\xf0"
                "\xff\xfa\x23\x00" "Sandbox:0.0\xff\xf0"
                "\xff\xfa\x27\x00\x00" "DISPLAY\x01" "Sandbox:0.0\x00" "USER\x01" "alice\xff\xf0"
                "\xff\xfa\x18\x00" "xterm\xff\xf0"),
    MSG(TR_S2C, "\xff\xfd\x01"),
    MSG(TR_C2S, "\xff\xfc\x01"),
    MSG(TR_S2C, "\xff\xfb\x01"),
    MSG(TR_C2S, "\xff\xfd\x01"),
};

static void test_negotiation(void **state)
{
    (void)state;
    char *json = harness_script_all_splits("telnet", 23, negotiation, (int)(sizeof negotiation / sizeof negotiation[0]));
    assert_int_equal(harness_count(json, "\"type\":\"negotiation\"", "\"dir\":\"c2s\"", "\"command\":\"DO\"",
                                   "\"option\":\"SUPPRESS-GO-AHEAD\"", "\"code\":3", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"negotiation\"", "\"command\":\"WILL\"",
                                   "\"option\":\"TERMINAL-TYPE\"", "\"code\":24", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"command\":\"WILL\"", "\"option\":\"NAWS\"", "\"code\":31", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"WILL\"", "\"option\":\"NEW-ENVIRON\"", "\"code\":39", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"WONT\"", "\"option\":\"ECHO\"", "\"dir\":\"c2s\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"DONT\"", "\"option\":\"LINEMODE\"", "\"dir\":\"s2c\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"X-DISPLAY-LOCATION\"", "\"code\":35", NULL), 2);
    assert_int_equal(harness_count(json, "\"option\":\"TOGGLE-FLOW-CONTROL\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"negotiation\"", NULL), 9 + 4 + 5 + 4);
    /* subnegotiations: the server asks (SEND), the client answers (IS) */
    assert_int_equal(harness_count(json, "\"type\":\"subnegotiation\"", "\"dir\":\"s2c\"", "\"value\":\"SEND\"", NULL), 4);
    assert_int_equal(harness_count(json, "\"type\":\"subnegotiation\"", "\"dir\":\"s2c\"",
                                   "\"option\":\"NEW-ENVIRON\"", "\"value\":\"SEND\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"option\":\"NAWS\"", "\"value\":\"80x24\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"TERMINAL-SPEED\"", "\"value\":\"38400,38400\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"X-DISPLAY-LOCATION\"", "\"value\":\"Sandbox:0.0\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"NEW-ENVIRON\"", "\"value\":\"DISPLAY=Sandbox:0.0 USER=alice\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"option\":\"TERMINAL-TYPE\"", "\"value\":\"xterm\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

/* Escaped 255 inside values, unknown options by number, other option values in hex. */
static void test_subnegotiation_values(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        MSG(TR_C2S, "\xff\xfa\x1f\x00\xff\xff\x00\x30\xff\xf0"),  /* NAWS 255x48: the 255 doubled */
        MSG(TR_C2S, "\xff\xfb\xc8"),                              /* option 200 */
        MSG(TR_S2C, "\xff\xfa\x22\x01\x03\xff\xf0"),              /* LINEMODE MODE 3 */
        MSG(TR_C2S, "\xff\xfa\x24\x00\x00" "TERM\x01" "vt100\xff\xf0"), /* ENVIRON */
        MSG(TR_C2S, "\xff\xfa\x27\x00\x03" "A\x02\x01" "B\x01" "c\xff\xf0"), /* USERVAR with ESC'd VALUE byte */
        MSG(TR_C2S, "\xff\xfa\x1f\x00\x50\xff\xf0"),              /* short NAWS: hex */
    };
    char *json = harness_script_all_splits("telnet", 23, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"option\":\"NAWS\"", "\"value\":\"255x48\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"200\"", "\"code\":200", "\"command\":\"WILL\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"LINEMODE\"", "\"value\":\"0103\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"ENVIRON\"", "\"value\":\"TERM=vt100\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"NEW-ENVIRON\"", "\"value\":\"A\\u0001B=c\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"option\":\"NAWS\"", "\"value\":\"005050\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"option\":\"NAWS\"", "\"value\":\"0050\"", NULL), 1);
    free(json);
}

/* Character-at-a-time login with erases, then commands; the server echoes what is typed. */
static const harness_msg login[] = {
    MSG(TR_S2C, "Ubuntu 22.04 LTS\r\nhost login: "),
    MSG(TR_C2S, "t"), MSG(TR_S2C, "t"),
    MSG(TR_C2S, "e"), MSG(TR_S2C, "e"),
    MSG(TR_C2S, "s"), MSG(TR_S2C, "s"),
    MSG(TR_C2S, "x"), MSG(TR_S2C, "x"),
    MSG(TR_C2S, "\x7f"), MSG(TR_S2C, "\b \b"),
    MSG(TR_C2S, "t"), MSG(TR_S2C, "t"),
    MSG(TR_C2S, "\r\0"), MSG(TR_S2C, "\r\n"),
    MSG(TR_S2C, "Password: "),
    MSG(TR_C2S, "c"), MSG(TR_C2S, "a"), MSG(TR_C2S, "p"), MSG(TR_C2S, "\b"), MSG(TR_C2S, "p"),
    MSG(TR_C2S, "t\r\0"),
    MSG(TR_S2C, "\r\nLast login: Mon Jan  1 10:00:00 2024 from 10.0.0.9\r\n"),
    MSG(TR_S2C, "alice@host:~$ "),
    MSG(TR_C2S, "l"), MSG(TR_S2C, "l"),
    MSG(TR_C2S, "s -x"), MSG(TR_S2C, "s -x"),
    MSG(TR_C2S, "\xff\xf7"),          /* IAC EC */
    MSG(TR_C2S, "l\r\n"), MSG(TR_S2C, "l\r\ntotal 0\r\nalice@host:~$ "),
    MSG(TR_C2S, "rm -rf /\xff\xf8"),  /* IAC EL: the line is gone */
    MSG(TR_C2S, "uname -a\x1b[D\x1b[C\r\0"),
    MSG(TR_C2S, "\r\0"),              /* an empty line is no command */
    MSG(TR_C2S, "echo one two\x17three\r\n"),
    MSG(TR_C2S, "exit\r\n"),
    MSG(TR_S2C, "logout\r\n"),
};

static void test_login_and_commands(void **state)
{
    (void)state;
    char *json = harness_script_all_splits("telnet", 23, login, (int)(sizeof login / sizeof login[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"test\"", "\"password\":\"capt\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"dir\":\"c2s\"", "\"line\":\"ls -l\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"line\":\"uname -a\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"line\":\"echo one three\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"line\":\"exit\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", NULL), 4);
    assert_int_equal(harness_count(json, "\"type\":\"control\"", "\"command\":\"EC\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"control\"", "\"command\":\"EL\"", NULL), 1);
    assert_int_equal(harness_count(json, "rm -rf", NULL), 0);
    free(json);
}

/* A login prompt answered, then "Login incorrect" and a second try; a password-only device. */
static void test_login_retry_and_password_only(void **state)
{
    (void)state;
    static const harness_msg retry[] = {
        MSG(TR_S2C, "login: "),   MSG(TR_C2S, "root\r\n"),  MSG(TR_S2C, "Password:"),
        MSG(TR_C2S, "wrong\r\n"), MSG(TR_S2C, "\r\nLogin incorrect\r\nlogin: "),
        MSG(TR_C2S, "admin\r\n"), MSG(TR_S2C, "Password: "), MSG(TR_C2S, "admin123\r\n"),
        MSG(TR_S2C, "# "),        MSG(TR_C2S, "id\r\n"),
    };
    char *json = harness_script_all_splits("telnet", 23, retry, (int)(sizeof retry / sizeof retry[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"root\"", "\"password\":\"wrong\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"admin\"", "\"password\":\"admin123\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"line\":\"id\"", NULL), 1);
    free(json);

    static const harness_msg router[] = {
        MSG(TR_S2C, "\r\n\r\nUser Access Verification\r\n\r\nPassword: "),
        MSG(TR_C2S, "cisco\r\n"),
        MSG(TR_S2C, "\r\nrouter>"),
        MSG(TR_C2S, "show version\r\n"),
    };
    json = harness_script_all_splits("telnet", 23, router, (int)(sizeof router / sizeof router[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"password\":\"cisco\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"user\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"line\":\"show version\"", NULL), 1);
    free(json);

    /* a login name typed, the connection gone before the password: reported at close with the name only */
    static const harness_msg cut[] = {MSG(TR_S2C, "\r\nLogin: "), MSG(TR_C2S, "bob\r\n")};
    json = harness_script_all_splits("telnet", 23, cut, 2);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"bob\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"password\"", NULL), 0);
    free(json);
}

static void test_iac_iac_and_controls(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        MSG(TR_S2C, "login: "),
        MSG(TR_C2S, "u\r\n"),
        MSG(TR_S2C, "password: "),
        MSG(TR_C2S, "p\xff\xffq\r\n"), /* IAC IAC: the byte 255 inside the password */
        MSG(TR_C2S, "\xff\xf1\xff\xf6\xff\xf4\xff\xf3\xff\xf9\xff\xf5\xff\xf2\xff\xef"),
        MSG(TR_S2C, "\xff\xf9"),
        MSG(TR_C2S, "a\xff\xff" "b\r\n"),
    };
    char *json = harness_script_all_splits("telnet", 23, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"u\"", "\"password\":\"p\\u00ffq\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", "\"line\":\"a\\u00ffb\"", NULL), 1);
    static const char *const names[] = {"NOP", "AYT", "IP", "BRK", "AO", "DM", "EOR"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "\"command\":\"%s\"", names[i]);
        assert_int_equal(harness_count(json, "\"type\":\"control\"", "\"dir\":\"c2s\"", needle, NULL), 1);
    }
    assert_int_equal(harness_count(json, "\"type\":\"control\"", "\"dir\":\"s2c\"", "\"command\":\"GA\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"control\"", "\"command\":\"GA\"", NULL), 2);
    free(json);
}

/* Over-long and broken subnegotiations are reported and skipped; decoding goes on. */
static void test_bad_subnegotiation(void **state)
{
    (void)state;
    char big[1200];
    size_t n = 0;
    memcpy(big, "\xff\xfa\x18\x00", 4);
    n = 4;
    memset(big + n, 'x', 1000);
    n += 1000;
    memcpy(big + n, "\xff\xff\xff\xf0\xff\xfb\x01\xff\xf0", 9); /* IAC IAC inside, IAC SE, WILL ECHO, stray SE */
    n += 9;
    harness_msg m[] = {
        {TR_S2C, big, n},
        {TR_S2C, "\xff\xfa\x18\x01\xff\xfb\x03", 7}, /* SB cut short by another command */
        {TR_S2C, "\xff\x10", 2},                     /* not a command */
    };
    char *json = harness_script_all_splits("telnet", 23, m, 3);
    assert_int_equal(harness_count(json, "\"anomaly\":\"telnet_subneg_too_long\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"telnet_stray_se\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"telnet_subneg_unterminated\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"telnet_unknown_command\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"WILL\"", "\"option\":\"ECHO\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"WILL\"", "\"option\":\"SUPPRESS-GO-AHEAD\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"subnegotiation\"", "\"value\":\"SEND\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"subnegotiation\"", NULL), 1);
    free(json);
}

static void test_long_line_and_gap(void **state)
{
    (void)state;
    harness *h = harness_new("telnet", TR_TCP, 23);
    h->s.midstream = 1; /* the login went by before the capture: lines are commands */
    char line[700];
    memset(line, 'y', sizeof line);
    harness_data(h, TR_C2S, line, sizeof line);
    harness_data(h, TR_C2S, "\r\n", 2);
    harness_data(h, TR_C2S, "cat /etc/sh", 11);
    harness_gap(h, TR_C2S, 5);
    harness_data(h, TR_C2S, "dow\r\nwhoami\r\n", 13);
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"anomaly\":\"telnet_line_too_long\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"command\"", NULL), 3);
    assert_int_equal(harness_count(json, "\"line\":\"whoami\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"line\":\"dow\"", NULL), 1); /* keystrokes before the hole are dropped */
    harness_free(h);
}

static uint32_t rng = 4242;
static uint8_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint8_t buf[600];
    for (int round = 0; round < 300; round++) {
        harness *h = harness_new("telnet", TR_TCP, 23);
        for (int k = 0; k < 20; k++) {
            size_t n = 1 + rnd() % sizeof buf;
            for (size_t i = 0; i < n; i++) {
                uint8_t c = rnd();
                buf[i] = (c & 3) == 0 ? 0xff : (c & 7) == 1 ? (uint8_t)(0xec + (c >> 4)) : rnd();
            }
            harness_data(h, rnd() & 1, buf, n);
            if (rnd() % 16 == 0)
                harness_gap(h, rnd() & 1, 10);
        }
        /* after the noise, negotiation still decodes */
        harness_data(h, TR_S2C, "\xff\xf0\xff\xf0\xff\xfd\x01", 7);
        const char *json = harness_close(h, TR_END_FIN);
        assert_true(harness_count(json, "\"type\":\"negotiation\"", "\"command\":\"DO\"", "\"option\":\"ECHO\"", NULL) >=
                    1);
        harness_free(h);
    }
}

static void test_probe(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("telnet");
    assert_non_null(d);
    assert_int_equal(tr_dissector_has_port(d, 23), 1);
    assert_int_equal(harness_probe(d, "\xff\xfd\x18\xff\xfd\x20", 6, TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18", 9, TR_C2S), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "\xff\xfd\x03", 3, TR_C2S), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(d, "\xff\xfd\x03login: ", 10, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "\xff\xfa\x18\x01\xff\xf0", 6, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "GET / HTTP/1.1\r\n", 16, TR_C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "\xff", 1, TR_C2S), TR_PROBE_NO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_subnegotiation_values),
        cmocka_unit_test(test_login_and_commands),
        cmocka_unit_test(test_login_retry_and_password_only),
        cmocka_unit_test(test_iac_iac_and_controls),
        cmocka_unit_test(test_bad_subnegotiation),
        cmocka_unit_test(test_long_line_and_gap),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
