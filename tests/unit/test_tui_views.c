/* The UI's tabs besides Sessions (tui/tui_views.c): filtering with the filter language and column:value, sorting by
 * any column (numbers as numbers), and how cells are shown. Rows come from the views (output/views.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../output/tr_time.h"
#include "../../output/views.h"
#include "../../tui/tui_views.h"

static void auth(views *v, tr_ctx *ctx, const char *proto, int64_t ts, const char *user, const char *pass, int success)
{
    static tr_event e;
    tr_ev_init_nosession(&e, ctx, proto, "auth");
    e.ts_us = ts;
    tr_ev_str(&e, "user", user);
    tr_ev_str(&e, "password", pass);
    if (success >= 0)
        tr_ev_bool(&e, "success", success);
    tr_sink s = views_sink(v);
    s.on_event(v, &e);
}

static views *three_logins(tr_ctx *ctx)
{
    views *v = views_new();
    assert_non_null(v);
    tr_ctx_init(ctx);
    auth(v, ctx, "ftp", 1700000002000000, "alice", "secret", 1);
    auth(v, ctx, "http", 1700000001000000, "bob", "hunter2", 0);
    auth(v, ctx, "telnet", 1700000003000000, "carol", "letmein", -1);
    return v;
}

enum { TAB = VIEWS_CREDENTIALS + 1 }; /* the tab of the Credentials table */

static const char *user_at(tui_views *tv, size_t i)
{
    static char out[64];
    tui_views_cell_text(tv, TAB, tui_views_row(tv, TAB, i), 6, out, sizeof out);
    return out;
}

static void test_filter(void **state)
{
    (void)state;
    tr_ctx ctx;
    views *v = three_logins(&ctx);
    tui_views *tv = tui_views_new(v);
    assert_string_equal(tui_views_tab_name(tv, TAB), "Credentials");
    assert_string_equal(tui_views_tab_name(tv, tui_views_ntabs(tv) - 1), "Statistics");
    assert_int_equal(tui_views_refresh(tv, TAB), 3);
    tui_views_set_filter(tv, TAB, "success:no"); /* as the screen shows it */
    assert_int_equal(tui_views_refresh(tv, TAB), 1);
    assert_string_equal(user_at(tv, 0), "bob");
    tui_views_set_filter(tv, TAB, "proto:telnet");
    assert_int_equal(tui_views_refresh(tv, TAB), 1);
    assert_string_equal(user_at(tv, 0), "carol");
    tui_views_set_filter(tv, TAB, "user:A"); /* alice, carol: case-insensitive */
    assert_int_equal(tui_views_refresh(tv, TAB), 2);
    tui_views_set_filter(tv, TAB, "user:a secret"); /* every word */
    assert_int_equal(tui_views_refresh(tv, TAB), 1);
    assert_string_equal(user_at(tv, 0), "alice");
    tui_views_set_filter(tv, TAB, "nosuchcolumn:x"); /* not a column: a plain word */
    assert_int_equal(tui_views_refresh(tv, TAB), 0);
    tui_views_set_filter(tv, TAB, "");
    assert_int_equal(tui_views_refresh(tv, TAB), 3);
    tui_views_free(tv);
    views_free(v);
}

static void test_sort(void **state)
{
    (void)state;
    tr_ctx ctx;
    views *v = three_logins(&ctx);
    tui_views *tv = tui_views_new(v);
    tui_views_refresh(tv, TAB); /* column 0 (ts), by time, not as they came */
    assert_string_equal(user_at(tv, 0), "bob");
    assert_string_equal(user_at(tv, 1), "alice");
    tui_views_set_sort(tv, TAB, 0, 1); /* by time, latest first: a number, not the order they came */
    tui_views_refresh(tv, TAB);
    assert_string_equal(user_at(tv, 0), "carol");
    assert_string_equal(user_at(tv, 2), "bob");
    tui_views_set_sort(tv, TAB, 6, 1); /* by user, reversed */
    tui_views_refresh(tv, TAB);
    assert_string_equal(user_at(tv, 0), "carol");
    assert_string_equal(user_at(tv, 1), "bob");
    assert_string_equal(user_at(tv, 2), "alice");
    /* live: a row that comes in is sorted in at the next refresh */
    auth(v, &ctx, "ftp", 1700000004000000, "dave", "x", 1);
    assert_int_equal(tui_views_refresh(tv, TAB), 4);
    assert_string_equal(user_at(tv, 0), "dave");
    tui_views_free(tv);
    views_free(v);
}

static void test_cells(void **state)
{
    (void)state;
    tr_ctx ctx;
    views *v = three_logins(&ctx);
    tui_views *tv = tui_views_new(v);
    tr_time_set_style(TR_TIME_UTC);
    tui_views_refresh(tv, TAB);
    char out[64];
    tui_views_cell_text(tv, TAB, tui_views_row(tv, TAB, 0), 0, out, sizeof out);
    assert_string_equal(out, "22:13:21"); /* bob's, 1700000001 UTC, to the second */
    tui_views_cell_text(tv, TAB, tui_views_row(tv, TAB, 0), 9, out, sizeof out);
    assert_string_equal(out, "no");
    tui_views_cell_text(tv, TAB, tui_views_row(tv, TAB, 1), 9, out, sizeof out);
    assert_string_equal(out, "yes");
    tui_views_cell_text(tv, TAB, tui_views_row(tv, TAB, 2), 9, out, sizeof out);
    assert_string_equal(out, ""); /* not known */
    tui_views_free(tv);
    views_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
