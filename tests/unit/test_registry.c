/* The registry: names, ports, and the protocol choice by content (tr_probe_choose) with stand-in dissectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* Stand-ins: "yes" probes say YES on bytes starting "220 ", "maybe" says MAYBE on anything. */
static int probe_220(const tr_probe_input *in)
{
    return in->n[TR_S2C] >= 4 && memcmp(in->p[TR_S2C], "220 ", 4) == 0 ? TR_PROBE_YES : TR_PROBE_NO;
}
static int probe_maybe(const tr_probe_input *in) { return in->n[0] || in->n[1] ? TR_PROBE_MAYBE : TR_PROBE_NO; }

static const uint16_t ports_25[] = {25, 587, 0}, ports_21[] = {21, 0};
static const tr_dissector mail = {.name = "mailish", .l4 = TR_TCP, .ports = ports_25, .probe = probe_220};
static const tr_dissector files = {.name = "filish", .l4 = TR_TCP, .ports = ports_21, .probe = probe_220};
static const tr_dissector unsure = {.name = "unsure", .l4 = 0, .probe = probe_maybe};
static const tr_dissector udp_only = {.name = "udpish", .l4 = TR_UDP, .probe = probe_220};

static const tr_dissector *choose(const tr_dissector *const *list, uint16_t cport, uint16_t sport, int *maybe)
{
    static const char greeting[] = "220 hello\r\n";
    tr_probe_input in = {{NULL, (const uint8_t *)greeting}, {0, sizeof greeting - 1}, TR_TCP, cport, sport};
    return tr_probe_choose(list, &in, maybe);
}

static void test_two_yes_the_port_decides(void **state)
{
    (void)state;
    const tr_dissector *list[] = {&mail, &files, NULL};
    int maybe;
    assert_ptr_equal(choose(list, 40000, 21, &maybe), &files);
    assert_ptr_equal(choose(list, 40000, 587, &maybe), &mail);
    assert_ptr_equal(choose(list, 21, 40000, &maybe), &files); /* the client's port, when the server's says nothing */
    /* neither port: the order of the list, and only then */
    assert_ptr_equal(choose(list, 40000, 2525, &maybe), &mail);
    const tr_dissector *reversed[] = {&files, &mail, NULL};
    assert_ptr_equal(choose(reversed, 40000, 2525, &maybe), &files);
    assert_ptr_equal(choose(reversed, 40000, 25, &maybe), &mail);
}

static void test_yes_beats_maybe_and_transport(void **state)
{
    (void)state;
    const tr_dissector *list[] = {&unsure, &udp_only, &files, NULL};
    int maybe = 0;
    assert_ptr_equal(choose(list, 40000, 2525, &maybe), &files); /* udp_only is not asked about a TCP flow */
    assert_int_equal(maybe, 1);
    const tr_dissector *only_unsure[] = {&unsure, &udp_only, NULL};
    assert_null(choose(only_unsure, 40000, 2525, &maybe));
    assert_int_equal(maybe, 1);
}

static int one_dir(const uint8_t *p, size_t n, int dir)
{
    (void)p;
    return dir == TR_S2C ? TR_PROBE_YES : n > 3 ? TR_PROBE_MAYBE : TR_PROBE_NO;
}

static void test_probe_by_direction(void **state)
{
    (void)state;
    tr_probe_input in = {{(const uint8_t *)"abcd", NULL}, {4, 0}, TR_TCP, 1, 2};
    assert_int_equal(tr_probe_by_direction(&in, one_dir), TR_PROBE_MAYBE);
    in.p[TR_S2C] = (const uint8_t *)"x";
    in.n[TR_S2C] = 1;
    assert_int_equal(tr_probe_by_direction(&in, one_dir), TR_PROBE_YES);
    in.n[TR_C2S] = in.n[TR_S2C] = 0;
    assert_int_equal(tr_probe_by_direction(&in, one_dir), TR_PROBE_NO);
}

static void test_the_list(void **state)
{
    (void)state;
    int n = 0;
    for (int i = 0; tr_dissectors[i]; i++, n++) {
        const tr_dissector *d = tr_dissectors[i];
        assert_ptr_equal(tr_dissector_find(d->name), d); /* names are unique */
        assert_int_equal(tr_dissector_index(d), i);
        assert_true(d->l4 == 0 || d->l4 == TR_TCP || d->l4 == TR_UDP);
        assert_true(d->on_data || d->on_datagram);
        for (const tr_option *o = d->options; o && o->name; o++)
            assert_non_null(o->set);
    }
    assert_true(n >= 5);
    assert_null(tr_dissector_find("tcp"));
    assert_int_equal(tr_dissector_index(&mail), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_yes_the_port_decides),
        cmocka_unit_test(test_yes_beats_maybe_and_transport),
        cmocka_unit_test(test_probe_by_direction),
        cmocka_unit_test(test_the_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
