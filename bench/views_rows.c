/* bench/views_rows: how long the UI takes to filter and sort a tab of 100,000 rows (tui/tui_views.c, the code the
 * screen runs on every change): 100,000 credentials and 100,000 files made from events, then each filter and each
 * column's sort timed (the median of 5). Built with trawl (cmake target bench_views):
 *     build/bench_views [ROWS]                                                                               */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../output/views.h"
#include "../tui/tui_views.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of 5 rebuilds of the tab's rows with this filter and sort. */
static double timed(tui_views *tv, int tab, const char *filter, int col, int reverse, size_t *rows)
{
    double t[5];
    for (int i = 0; i < 5; i++) {
        tui_views_set_filter(tv, tab, filter);
        tui_views_set_sort(tv, tab, col, reverse);
        double a = now_ms();
        *rows = tui_views_refresh(tv, tab);
        t[i] = now_ms() - a;
        tui_views_set_sort(tv, tab, col, !reverse); /* so the next round rebuilds */
    }
    qsort(t, 5, sizeof t[0], cmp_double);
    return t[2];
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    views *v = views_new();
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    tr_sink s = views_sink(v);
    static tr_event e;
    char user[32], pass[32], name[48], sha[65];
    srand(42);
    for (long i = 0; i < n; i++) {
        snprintf(user, sizeof user, "user%ld", (long)(rand() % 5000));
        snprintf(pass, sizeof pass, "pw-%08x", (unsigned)rand());
        tr_ev_init_nosession(&e, &ctx, i % 3 ? "http" : "ftp", "auth");
        e.ts_us = 1700000000000000 + i * 1000;
        tr_ev_str(&e, "user", user);
        tr_ev_str(&e, "password", pass);
        tr_ev_bool(&e, "success", rand() % 4 != 0);
        s.on_event(v, &e);
        snprintf(name, sizeof name, "object-%ld.%s", (long)(rand() % 20000), i % 2 ? "html" : "png");
        for (int k = 0; k < 64; k++)
            sha[k] = "0123456789abcdef"[rand() % 16];
        sha[64] = '\0';
        tr_ev_init_nosession(&e, &ctx, "http", "response");
        e.ts_us = 1700000000000000 + i * 1000;
        tr_ev_str(&e, "uri", name);
        tr_ev_str(&e, "content_type", i % 2 ? "text/html" : "image/png");
        tr_ev_int(&e, "body_len", rand() % 1000000);
        tr_ev_str(&e, "body_sha256", sha);
        tr_ev_bool(&e, "complete", 1);
        s.on_event(v, &e);
    }
    tui_views *tv = tui_views_new(v);
    printf("rows: %zu credentials, %zu files\n", views_table_nrows(v, VIEWS_CREDENTIALS),
           views_table_nrows(v, VIEWS_FILES));
    printf("%-12s %-24s %-14s %8s %10s\n", "tab", "filter", "sort", "rows", "ms");
    double worst = 0;
    for (int t = VIEWS_CREDENTIALS; t <= VIEWS_FILES; t++) {
        int tab = t + 1;
        static const char *const filters[2][3] = {{"", "user:user42", "success:no http"},
                                                  {"", "name:object-1", "png image"}};
        for (int f = 0; f < 3; f++)
            for (int c = 0; c < views_table_ncols(v, t); c++) {
                size_t rows;
                double ms = timed(tv, tab, filters[t][f], c, 0, &rows);
                if (ms > worst)
                    worst = ms;
                char sort[40];
                snprintf(sort, sizeof sort, "%s", views_table_col(v, t, c));
                printf("%-12s %-24s %-14s %8zu %10.1f\n", views_table_name(v, t), filters[t][f][0] ? filters[t][f] : "(none)",
                       sort, rows, ms);
            }
    }
    printf("slowest: %.1f ms (target: under 100 ms)\n", worst);
    tui_views_free(tv);
    views_free(v);
    return worst < 100 ? 0 : 1;
}
