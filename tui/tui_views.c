/* tui_views: the tabs besides Sessions. Rows are the views' table rows (output/views.h), filtered and sorted here; a
 * tab's rows are rebuilt only when the views changed (at most every redraw) or its filter or sort did. */
#include "tui_views.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../output/tr_time.h"
#include "../output/views.h"
#include "tui_model.h"

#define FILTER_MAX 128
#define WORDS_MAX 16

enum word_kind { W_TEXT, W_PROTO, W_HOST, W_PORT, W_COLUMN };

typedef struct vword {
    int kind, col;
    char text[FILTER_MAX];
} vword;

struct tui_vtab {
    char filter[FILTER_MAX];
    vword words[WORDS_MAX];
    int nwords;
    int sort_col, reverse;
    size_t *rows;
    size_t nrows, cap;
    uint64_t built_gen; /* views generation the rows were built from; 0: rebuild */
};

typedef struct sort_key {
    double num;
    uint64_t pre[2]; /* the first 16 bytes, lower case, as big-endian numbers: most comparisons end there */
    const char *s;
    size_t row;
} sort_key;

struct tui_views {
    views *v;
    int nt;             /* the views' tables */
    tui_vtab *tab;      /* [nt + 2]: 0 Sessions (unused), 1..nt tables, nt+1 Statistics */
    sort_key *keys;
    size_t keys_cap;
    tui_vscreen screen;
};

tui_vscreen *tui_views_screen(tui_views *tv) { return &tv->screen; }

tui_views *tui_views_new(views *v)
{
    if (v && views_ntables(v) + 2 > TUI_VIEWS_TABS_MAX)
        return NULL;
    tui_views *tv = calloc(1, sizeof *tv);
    if (!tv)
        return NULL;
    tv->v = v;
    tv->nt = v ? views_ntables(v) : 0;
    tv->tab = calloc((size_t)tv->nt + 2, sizeof *tv->tab);
    if (!tv->tab) {
        free(tv);
        return NULL;
    }
    tr_sb_init(&tv->screen.open_text, 1u << 20);
    tr_sb_init(&tv->screen.stats, 4u << 20);
    return tv;
}

void tui_views_free(tui_views *tv)
{
    if (!tv)
        return;
    for (int i = 0; i < tv->nt + 2; i++)
        free(tv->tab[i].rows);
    free(tv->tab);
    free(tv->keys);
    tr_sb_free(&tv->screen.open_text);
    tr_sb_free(&tv->screen.stats);
    free(tv);
}

int tui_views_ntabs(const tui_views *tv) { return tv && tv->v ? tv->nt + 2 : 1; }

const char *tui_views_tab_name(const tui_views *tv, int tab)
{
    if (tab == 0)
        return "Sessions";
    if (tv && tab <= tv->nt)
        return views_table_name(tv->v, tab - 1);
    return "Statistics";
}

static int is_table(const tui_views *tv, int tab) { return tv && tv->v && tab >= 1 && tab <= tv->nt; }

/* ---- filter ---- */

static int col_named(const tui_views *tv, int t, const char *name, size_t n)
{
    for (int c = 0; c < views_table_ncols(tv->v, t); c++) {
        const char *cn = views_table_col(tv->v, t, c);
        if (strlen(cn) == n && strncasecmp(cn, name, n) == 0)
            return c;
    }
    return -1;
}

void tui_views_set_filter(tui_views *tv, int tab, const char *filter)
{
    if (!tv || tab < 1 || tab > tv->nt + 1)
        return;
    tui_vtab *vt = &tv->tab[tab];
    snprintf(vt->filter, sizeof vt->filter, "%s", filter ? filter : "");
    vt->nwords = 0;
    vt->built_gen = 0;
    const char *p = vt->filter;
    while (*p && vt->nwords < WORDS_MAX) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        vword *w = &vt->words[vt->nwords++];
        w->kind = W_TEXT;
        w->col = -1;
        const char *colon = memchr(p, ':', n);
        size_t skip = 0;
        if (colon && colon > p && colon + 1 < p + n) {
            size_t kn = (size_t)(colon - p);
            skip = kn + 1;
            if (kn == 5 && strncasecmp(p, "proto", 5) == 0)
                w->kind = W_PROTO;
            else if (kn == 4 && strncasecmp(p, "host", 4) == 0)
                w->kind = W_HOST;
            else if (kn == 4 && strncasecmp(p, "port", 4) == 0)
                w->kind = W_PORT;
            else if (is_table(tv, tab) && (w->col = col_named(tv, tab - 1, p, kn)) >= 0)
                w->kind = W_COLUMN;
            else
                skip = 0;
        }
        snprintf(w->text, sizeof w->text, "%.*s", (int)(n - skip), p + skip);
        p += n;
    }
}

const char *tui_views_filter(const tui_views *tv, int tab)
{
    return tv && tab >= 1 && tab <= tv->nt + 1 ? tv->tab[tab].filter : "";
}

/* Whether a list cell ("80, 443") holds the port. */
static int has_port(const char *cell, const char *port)
{
    size_t n = strlen(port);
    for (const char *p = cell; (p = strstr(p, port)); p += n)
        if ((p == cell || !isdigit((unsigned char)p[-1])) && !isdigit((unsigned char)p[n]))
            return 1;
    return 0;
}

static int word_matches(const tui_views *tv, int t, const vword *w, const char *cells)
{
    int ncols = views_table_ncols(tv->v, t);
    const char *next = cells;
    for (int c = 0; c < ncols; c++) {
        const char *cell = next, *name = views_table_col(tv->v, t, c);
        next += strlen(next) + 1;
        if (views_table_kind(tv->v, t, c) == VK_BOOL && cell[0]) /* as shown: yes, no */
            cell = strcmp(cell, "true") == 0 ? "yes" : strcmp(cell, "false") == 0 ? "no" : cell;
        switch (w->kind) {
        case W_COLUMN:
            if (c == w->col && strcasestr(cell, w->text))
                return 1;
            break;
        case W_PROTO:
            if (strncmp(name, "proto", 5) == 0 && strcasestr(cell, w->text))
                return 1;
            break;
        case W_HOST: {
            size_t nl = strlen(name);
            if ((nl >= 2 && strcmp(name + nl - 2, "ip") == 0) || strcmp(name, "server_id") == 0)
                if (strcasestr(cell, w->text))
                    return 1;
            break;
        }
        case W_PORT:
            if (strstr(name, "port") && has_port(cell, w->text))
                return 1;
            break;
        default:
            if (strcasestr(cell, w->text))
                return 1;
        }
    }
    return 0;
}

/* ---- sort ---- */

void tui_views_set_sort(tui_views *tv, int tab, int col, int reverse)
{
    if (!is_table(tv, tab))
        return;
    int ncols = views_table_ncols(tv->v, tab - 1);
    if (col < 0 || col >= ncols)
        col = 0;
    tui_vtab *vt = &tv->tab[tab];
    if (col != vt->sort_col || !reverse != !vt->reverse)
        vt->built_gen = 0;
    vt->sort_col = col;
    vt->reverse = reverse != 0;
}

void tui_views_get_sort(const tui_views *tv, int tab, int *col, int *reverse)
{
    *col = is_table(tv, tab) ? tv->tab[tab].sort_col : 0;
    *reverse = is_table(tv, tab) ? tv->tab[tab].reverse : 0;
}

static int by_num(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int by_text(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    for (int i = 0; i < 2; i++)
        if (x->pre[i] != y->pre[i])
            return x->pre[i] < y->pre[i] ? -1 : 1;
    int c = x->pre[1] & 0xff ? strcasecmp(x->s + 16, y->s + 16) : 0; /* equal up to a NUL: equal */
    if (c)
        return c;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Room for n elements in *arr (*cap of elem bytes): grown by half again. 0, or -1 without memory. */
static int room(void *arr, size_t *cap, size_t n, size_t elem)
{
    void **a = arr;
    if (*cap >= n)
        return 0;
    size_t c = n + n / 2 + 64;
    void *p = realloc(*a, c * elem);
    if (!p)
        return -1;
    *a = p;
    *cap = c;
    return 0;
}

size_t tui_views_refresh(tui_views *tv, int tab)
{
    if (!is_table(tv, tab))
        return 0;
    int t = tab - 1;
    tui_vtab *vt = &tv->tab[tab];
    uint64_t gen = views_generation(tv->v);
    if (vt->built_gen == gen)
        return vt->nrows;
    size_t n = views_table_nrows(tv->v, t);
    if (room(&vt->rows, &vt->cap, n, sizeof *vt->rows) < 0 || room(&tv->keys, &tv->keys_cap, n, sizeof *tv->keys) < 0)
        return vt->nrows = 0;
    int kind = views_table_kind(tv->v, t, vt->sort_col);
    int numeric = kind == VK_INT || kind == VK_SIZE || kind == VK_TS;
    size_t m = 0;
    for (size_t r = 0; r < n; r++) {
        const char *cells = views_table_row(tv->v, t, r);
        int ok = 1;
        for (int w = 0; w < vt->nwords && ok; w++)
            ok = word_matches(tv, t, &vt->words[w], cells);
        if (!ok)
            continue;
        sort_key *k = &tv->keys[m++];
        k->row = r;
        k->s = views_cell(cells, vt->sort_col);
        k->num = numeric ? (k->s[0] ? strtod(k->s, NULL) : -1.0) : 0;
        k->pre[0] = k->pre[1] = 0;
        for (int b = 0, end = 0; b < 16; b++) {
            unsigned char ch = end ? 0 : (unsigned char)k->s[b];
            end = end || !ch;
            k->pre[b / 8] = k->pre[b / 8] << 8 | (uint64_t)tolower(ch);
        }
    }
    if (m > 1)
        qsort(tv->keys, m, sizeof *tv->keys, numeric ? by_num : by_text);
    for (size_t i = 0; i < m; i++)
        vt->rows[i] = tv->keys[vt->reverse ? m - 1 - i : i].row;
    vt->nrows = m;
    vt->built_gen = gen;
    return m;
}

size_t tui_views_nrows(const tui_views *tv, int tab) { return is_table(tv, tab) ? tv->tab[tab].nrows : 0; }
size_t tui_views_row(const tui_views *tv, int tab, size_t i)
{
    return is_table(tv, tab) && i < tv->tab[tab].nrows ? tv->tab[tab].rows[i] : 0;
}

void tui_views_cell_text(const tui_views *tv, int tab, size_t row, int col, char *out, size_t cap)
{
    out[0] = '\0';
    if (!is_table(tv, tab) || cap < 2)
        return;
    int t = tab - 1;
    const char *cell = views_cell(views_table_row(tv->v, t, row), col);
    if (!cell[0])
        return;
    switch (views_table_kind(tv->v, t, col)) {
    case VK_TS: {
        char full[TR_TIME_MAX];
        double secs = strtod(cell, NULL);
        tr_time_of_day((int64_t)(secs * 1e6 + (secs >= 0 ? 0.5 : -0.5)), full);
        if (tr_time_style() != TR_TIME_EPOCH)
            full[strcspn(full, ".")] = '\0'; /* to the second */
        snprintf(out, cap, "%s", full);
        break;
    }
    case VK_SIZE: tui_format_size(strtoull(cell, NULL, 10), out, cap); break;
    case VK_BOOL: snprintf(out, cap, "%s", strcmp(cell, "true") == 0 ? "yes" : strcmp(cell, "false") == 0 ? "no" : cell); break;
    default: snprintf(out, cap, "%s", cell);
    }
}

void tui_views_sparkline(const tui_views *tv, int utf8, size_t width, tr_strbuf *out)
{
    static const char *const bars[] = {" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                                       "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
    static const char ascii[] = " .:-=+*#@";
    if (!tv || !tv->v)
        return;
    int64_t start, w;
    const uint64_t *pk, *by;
    size_t n;
    views_series(tv->v, &start, &w, &pk, &by, &n);
    size_t from = n > width ? n - width : 0; /* the latest points that fit */
    uint64_t max = 0;
    for (size_t i = from; i < n; i++)
        if (pk[i] > max)
            max = pk[i];
    for (size_t i = from; i < n; i++) {
        int level = max ? (int)((pk[i] * 8 + max - 1) / max) : 0;
        if (utf8)
            tr_sb_adds(out, bars[level]);
        else
            tr_sb_addc(out, ascii[level]);
    }
}
