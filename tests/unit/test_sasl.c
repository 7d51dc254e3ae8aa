/* SASL exchanges (dissectors/sasl.c): what each mechanism shows of the credentials, from real-looking exchanges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/sasl.h"

static void begin(sasl *x, const char *mech) { sasl_begin(x, (const uint8_t *)mech, strlen(mech)); }
static void client(sasl *x, const char *b64) { sasl_client(x, (const uint8_t *)b64, strlen(b64)); }
static void server(sasl *x, const char *b64) { sasl_server(x, (const uint8_t *)b64, strlen(b64)); }

static void is(const char *got, uint16_t len, const char *want)
{
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
}

static void test_plain(void **state)
{
    (void)state;
    sasl x;
    begin(&x, "plain");
    assert_int_equal(x.mech, SASL_PLAIN);
    assert_string_equal(x.mech_name, "PLAIN");
    client(&x, "AGFubmEAc2VjcmV0"); /* \0anna\0secret */
    is(x.user, x.user_len, "anna");
    is(x.password, x.password_len, "secret");
    assert_int_equal(x.has_authzid, 0);
    assert_true(sasl_complete(&x));
    begin(&x, "PLAIN");
    client(&x, "YWRtaW4AYW5uYQBzZWNyZXQ="); /* admin\0anna\0secret: acting as admin */
    is(x.authzid, x.authzid_len, "admin");
    is(x.user, x.user_len, "anna");
    begin(&x, "PLAIN");
    client(&x, "YW5uYQ=="); /* no NULs: not PLAIN's */
    assert_int_equal(x.bad, 1);
    assert_false(sasl_complete(&x));
}

static void test_login(void **state)
{
    (void)state;
    sasl x;
    begin(&x, "LOGIN");
    server(&x, "VXNlcm5hbWU6"); /* Username: */
    client(&x, "YW5uYQ==");
    server(&x, "UGFzc3dvcmQ6"); /* Password: */
    client(&x, "c2VjcmV0");
    is(x.user, x.user_len, "anna");
    is(x.password, x.password_len, "secret");
    assert_true(sasl_complete(&x));
    /* the user as an initial response (AUTH LOGIN YW5uYQ==), then the password prompt */
    begin(&x, "LOGIN");
    client(&x, "YW5uYQ==");
    server(&x, "UGFzc3dvcmQ6");
    client(&x, "c2VjcmV0");
    is(x.user, x.user_len, "anna");
    is(x.password, x.password_len, "secret");
    /* cancelled */
    begin(&x, "LOGIN");
    client(&x, "*");
    assert_int_equal(x.cancelled, 1);
    assert_false(sasl_complete(&x));
}

static void test_challenge_response(void **state)
{
    (void)state;
    sasl x;
    begin(&x, "CRAM-MD5");
    server(&x, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    client(&x, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"); /* RFC 2195's example: tim */
    is(x.user, x.user_len, "tim");
    assert_int_equal(x.has_password, 0);
    assert_true(sasl_complete(&x));
    begin(&x, "DIGEST-MD5");
    /* username="chris",realm="elwood.innosoft.com",... (RFC 2831 4) */
    client(&x, "dXNlcm5hbWU9ImNocmlzIixyZWFsbT0iZWx3b29kLmlubm9zb2Z0LmNvbSIsbm9uY2U9Ik9BNk1HOXRFUUdtMmhoIg==");
    is(x.user, x.user_len, "chris");
    assert_int_equal(x.has_password, 0);
}

static void test_oauth(void **state)
{
    (void)state;
    sasl x;
    begin(&x, "XOAUTH2");
    /* user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01 */
    client(&x, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
    is(x.user, x.user_len, "someuser@example.com");
    is(x.token, x.token_len, "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    assert_int_equal(x.has_password, 0);
    assert_true(sasl_complete(&x));
    begin(&x, "OAUTHBEARER"); /* n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01 */
    client(&x, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
    is(x.user, x.user_len, "user@example.com");
    is(x.token, x.token_len, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    begin(&x, "SCRAM-SHA-256"); /* named, nothing guessed */
    assert_int_equal(x.mech, SASL_OTHER);
    assert_string_equal(x.mech_name, "SCRAM-SHA-256");
    client(&x, "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM");
    assert_int_equal(x.has_user, 0);
    client(&x, "not base64 !");
    assert_int_equal(x.bad, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_challenge_response),
        cmocka_unit_test(test_oauth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
