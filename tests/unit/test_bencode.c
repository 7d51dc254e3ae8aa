/* bencoding (BEP 3): values read whole, dictionaries walked and searched, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dissectors/bencode.h"

static int read_all(const char *text, benc_value *v)
{
    tr_buf b = tr_buf_make((const uint8_t *)text, strlen(text));
    int st = benc_read(&b, v);
    if (st == BENC_OK)
        assert_int_equal(tr_left(&b), 0);
    return st;
}

static void test_scalars(void **state)
{
    (void)state;
    benc_value v;
    assert_int_equal(read_all("i42e", &v), BENC_OK);
    assert_int_equal(v.type, BENC_INT);
    assert_int_equal(v.i, 42);
    assert_int_equal(read_all("i-3e", &v), BENC_OK);
    assert_int_equal(v.i, -3);
    assert_int_equal(read_all("i0e", &v), BENC_OK);
    assert_int_equal(v.i, 0);
    assert_int_equal(read_all("i9223372036854775807e", &v), BENC_OK);
    assert_int_equal(v.i, INT64_MAX);
    assert_int_equal(read_all("4:spam", &v), BENC_OK);
    assert_int_equal(v.type, BENC_STR);
    assert_int_equal(v.n, 4);
    assert_memory_equal(v.s, "spam", 4);
    assert_int_equal(v.raw_n, 6);
    assert_int_equal(read_all("0:", &v), BENC_OK);
    assert_int_equal(v.n, 0);
    /* refused: leading zeros, -0, no digits, 64 bits, bad bytes */
    const char *bad[] = {"i03e", "i-0e", "ie", "i-e", "i9223372036854775808e", "i12345678901234567890e", "x",
                         "e", "01:a", "4spam", ":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(read_all(bad[i], &v), BENC_MALFORMED);
    const char *cut[] = {"i42", "5:spam", "l4:spam", "d3:cow", "d3:cow3:moo", "", "l"};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
        assert_int_equal(read_all(cut[i], &v), BENC_TRUNCATED);
}

static void test_containers(void **state)
{
    (void)state;
    /* a tracker answer: interval, peers (compact), a nested list */
    static const char ans[] = "d8:completei3e10:incompletei1e8:intervali1800e5:peers6:\x0a\x00\x00\x02\x1a\xe1"
                              "4:listl1:a1:bd1:xi1eeee";
    benc_value v, x;
    tr_buf b = tr_buf_make((const uint8_t *)ans, sizeof ans - 1);
    assert_int_equal(benc_read(&b, &v), BENC_OK);
    assert_int_equal(v.type, BENC_DICT);
    assert_int_equal(v.raw_n, sizeof ans - 1);
    assert_int_equal(v.n, sizeof ans - 3); /* without the d and the e */
    assert_int_equal(benc_dict_get(&v, "interval", &x), 1);
    assert_int_equal(x.i, 1800);
    assert_int_equal(benc_dict_get(&v, "peers", &x), 1);
    assert_int_equal(x.n, 6);
    assert_int_equal(x.s[5], 0xe1);
    assert_false(benc_str_is_text(&x));
    assert_int_equal(benc_dict_get(&v, "missing", &x), 0);
    assert_int_equal(benc_dict_get(&v, "list", &x), 1);
    benc_iter it;
    benc_value e;
    benc_iter_init(&it, &x);
    int n = 0;
    while (benc_list_next(&it, &e))
        n++;
    assert_int_equal(n, 3);
    assert_int_equal(e.type, BENC_DICT);
    /* a key that is not a string, a key without a value, a stray end */
    assert_int_equal(read_all("di1e3:fooe", &v), BENC_MALFORMED);
    assert_int_equal(read_all("d3:fooe", &v), BENC_MALFORMED);
    assert_int_equal(read_all("d3:fool3:bare3:bazi1ee", &v), BENC_OK); /* a list as a value, then a key */
    assert_int_equal(read_all("d3:fooli1ee", &v), BENC_TRUNCATED);
    /* raw: the info dictionary as it was sent, for its SHA-1 */
    assert_int_equal(read_all("d4:infod4:name3:abcee", &v), BENC_OK);
    assert_int_equal(benc_dict_get(&v, "info", &x), 1);
    assert_int_equal(x.raw_n, 13);
    assert_memory_equal(x.raw, "d4:name3:abce", 13);
}

static void test_caps(void **state)
{
    (void)state;
    benc_value v;
    char deep[2 * (BENC_DEPTH_MAX + 1) + 1];
    for (int levels = BENC_DEPTH_MAX; levels <= BENC_DEPTH_MAX + 1; levels++) { /* 32 deep is fine, 33 is not */
        size_t k = 0;
        for (int i = 0; i < levels; i++)
            deep[k++] = 'l';
        for (int i = 0; i < levels; i++)
            deep[k++] = 'e';
        deep[k] = '\0';
        assert_int_equal(read_all(deep, &v), levels > BENC_DEPTH_MAX ? BENC_TOO_DEEP : BENC_OK);
    }
    size_t big = 2 + 3 * (BENC_ITEMS_MAX + 1);
    char *many = malloc(big + 1);
    many[0] = 'l';
    for (size_t i = 0; i <= BENC_ITEMS_MAX; i++)
        memcpy(many + 1 + 3 * i, "i1e", 3);
    many[big - 1] = 'e';
    many[big] = '\0';
    assert_int_equal(read_all(many, &v), BENC_TOO_MANY);
    free(many);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
