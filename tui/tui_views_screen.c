/* tui_views_screen: the tabs besides Sessions on the screen — the tab bar, a table with its columns, a record
 * opened with Enter (a message with its headers and text), Statistics with its sparkline, saving files, and the
 * help screen naming every view. Keys change the state, drawing only draws. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/tr_view.h"
#include "../output/views.h"
#include "tui_ui.h"
#include "tui_views.h"

#define COL_WIDTH_MAX 40
#define WIDTH_SAMPLE 200     /* rows looked at to size the columns */
#define OPEN_FILE_MAX (256u << 10) /* bytes of a message's file shown */
#define SAVE_DIR "trawl-saved"

static int list_top(void) { return 3; } /* tab bar, store line or heading, column names */
static int list_rows(void) { return LINES - 5 > 1 ? LINES - 5 : 1; }

static int table_of(const tui_ui *ui) { return ui->tab - 1; }
static int is_stats(const tui_ui *ui) { return ui->tab == tui_views_ntabs(ui->tv) - 1; }

/* ---- moving ---- */

static size_t count_lines(const tr_strbuf *sb)
{
    size_t n = 0;
    for (size_t i = 0; i < sb->len; i++)
        n += sb->p[i] == '\n';
    return n + (sb->len && sb->p[sb->len - 1] != '\n');
}

/* Keeps the selection on the same table row as the rows are rebuilt. */
void tui_views_sync(tui_ui *ui)
{
    if (!ui->tab || !ui->tv || is_stats(ui))
        return;
    tui_vscreen *sc = tui_views_screen(ui->tv);
    int tab = ui->tab;
    views_sync(ui->opt->views);
    size_t n = tui_views_refresh(ui->tv, tab);
    for (size_t i = 0; i < n; i++)
        if (tui_views_row(ui->tv, tab, i) + 1 == sc->sel_row[tab] && i != sc->sel[tab]) {
            sc->sel[tab] = i;
            break;
        }
    tui_move_sel(&sc->sel[tab], &sc->top[tab], n, 0, list_rows());
    sc->sel_row[tab] = n ? tui_views_row(ui->tv, tab, sc->sel[tab]) + 1 : 0;
}

/* ---- a record opened ---- */

static void open_record(tui_ui *ui)
{
    tui_vscreen *sc = tui_views_screen(ui->tv);
    const views *v = ui->opt->views;
    int t = table_of(ui), tab = ui->tab;
    if (!tui_views_nrows(ui->tv, tab))
        return;
    if (!sc->sel_row[tab])
        return;
    size_t row = sc->sel_row[tab] - 1;
    tr_strbuf *sb = &sc->open_text;
    tr_sb_reset(sb);
    char text[1024];
    const char *file = NULL;
    for (int c = 0; c < views_table_ncols(v, t); c++) {
        tui_views_cell_text(ui->tv, tab, row, c, text, sizeof text);
        if (!text[0])
            continue;
        const char *name = views_table_col(v, t, c);
        if (strcmp(name, "file") == 0)
            file = views_cell(views_table_row(v, t, row), c);
        tr_sb_printf(sb, "%-13s %s\n", name, text);
    }
    if (t == VIEWS_MESSAGES) {
        /* the message itself: its headers, then its text, from the copy the export kept */
        tr_sb_adds(sb, "\n");
        char path[4096];
        int fd = -1;
        if (file && file[0] && ui->opt->export_dir) {
            snprintf(path, sizeof path, "%s/%s", ui->opt->export_dir, file);
            fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            tr_sb_adds(sb, ui->opt->export_dir ? "(no copy of this message was kept)\n"
                                               : "(the message's text is kept with --export DIR)\n");
        } else {
            char *buf = malloc(OPEN_FILE_MAX);
            ssize_t n = buf ? read(fd, buf, OPEN_FILE_MAX) : -1;
            for (ssize_t i = 0; i < n; i++)
                if (buf[i] != '\r')
                    tr_sb_addc(sb, buf[i] == '\t' ? ' ' : buf[i]);
            if (n == (ssize_t)OPEN_FILE_MAX)
                tr_sb_adds(sb, "\n[... the rest not shown]\n");
            free(buf);
            close(fd);
        }
    }
    sc->open = 1;
    sc->open_row = row;
    sc->open_top = 0;
}

/* ---- saving files ---- */

/* Copies DIR/rel to ./trawl-saved/<its file name>; 0, or -1 with errno. */
static int save_one(const tui_ui *ui, const char *rel, char *saved, size_t cap)
{
    char from[4096];
    snprintf(from, sizeof from, "%s/%s", ui->opt->export_dir, rel);
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (mkdir(SAVE_DIR, 0755) < 0 && errno != EEXIST)
        return -1;
    snprintf(saved, cap, SAVE_DIR "/%s", base);
    int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(saved, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
    if (n < 0 || close(out) != 0)
        rc = -1;
    close(in);
    return rc;
}

static void save_files(tui_ui *ui, int all)
{
    const views *v = ui->opt->views;
    int t = table_of(ui), tab = ui->tab, col = -1;
    for (int c = 0; c < views_table_ncols(v, t); c++)
        if (strcmp(views_table_col(v, t, c), "file") == 0)
            col = c;
    if (col < 0)
        return;
    tui_vscreen *sc = tui_views_screen(ui->tv);
    if (!ui->opt->export_dir) {
        /* No export keeps a copy: the file's session is written out as `e` on the session would, its files in
         * files/ (read from the capture again; live, only its transcript and events can be) */
        int scol = -1;
        for (int c = 0; c < views_table_ncols(v, t); c++)
            if (strcmp(views_table_col(v, t, c), "session") == 0)
                scol = c;
        size_t n = tui_views_nrows(ui->tv, tab);
        if (all || scol < 0 || sc->sel[tab] >= n)
            snprintf(ui->status, sizeof ui->status,
                     all ? "E saves every file with --export DIR; e writes the selected file's session with its files"
                         : "no file selected");
        else
            tui_export_session(ui, strtoull(views_cell(views_table_row(v, t, tui_views_row(ui->tv, tab, sc->sel[tab])),
                                                       scol), NULL, 10));
        return;
    }
    size_t n = tui_views_nrows(ui->tv, tab), saved = 0, failed = 0, none = 0;
    char last[512] = "";
    for (size_t i = all ? 0 : sc->sel[tab]; i < n && (all || i == sc->sel[tab]); i++) {
        const char *rel = views_cell(views_table_row(v, t, tui_views_row(ui->tv, tab, i)), col);
        if (!rel[0]) {
            none++;
            continue;
        }
        if (save_one(ui, rel, last, sizeof last) == 0)
            saved++;
        else
            failed++;
    }
    if (!all && saved)
        snprintf(ui->status, sizeof ui->status, "saved %.200s", last);
    else if (!all && none)
        snprintf(ui->status, sizeof ui->status, "this object was not extracted (no file)");
    else
        snprintf(ui->status, sizeof ui->status, "saved %zu file%s to " SAVE_DIR "/%s", saved, saved == 1 ? "" : "s",
                 failed ? " (some could not be copied)" : "");
}

/* ---- keys ---- */

int tui_views_switch_key(tui_ui *ui, int ch)
{
    int n = tui_views_ntabs(ui->tv), to = -1;
    if (n < 2)
        return 0;
    if (ch >= '1' && ch <= '9' && ch - '1' < n)
        to = ch - '1';
    else if (ch == '\t')
        to = (ui->tab + 1) % n;
    else if (ch == KEY_BTAB)
        to = (ui->tab + n - 1) % n;
    if (to < 0)
        return 0;
    ui->tab = to;
    tui_views_screen(ui->tv)->open = 0;
    return 1;
}

/* A new sort order starts at the top of the list, as the sessions list does: its first row selected, in view. */
static void resort(tui_ui *ui, int tab, int col, int reverse)
{
    tui_vscreen *sc = tui_views_screen(ui->tv);
    tui_views_set_sort(ui->tv, tab, col, reverse);
    sc->sel[tab] = sc->top[tab] = 0;
}

int tui_views_key(tui_ui *ui, int ch)
{
    tui_vscreen *sc = tui_views_screen(ui->tv);
    int rows = list_rows(), tab = ui->tab;
    if (sc->open || is_stats(ui)) { /* a text: scroll it */
        size_t *top = sc->open ? &sc->open_top : &sc->stats_top;
        size_t n = count_lines(sc->open ? &sc->open_text : &sc->stats);
        long step = 0, max = (long)n - rows;
        switch (ch) {
        case 'q':
            if (!sc->open)
                return 1;
            /* fall through */
        case 27:
            if (sc->open)
                sc->open = 0;
            else if (tui_views_filter(ui->tv, tab)[0])
                tui_views_set_filter(ui->tv, tab, "");
            return 0;
        case '/':
            if (sc->open)
                return 0;
            ui->typing = TUI_TYPING_FILTER;
            snprintf(ui->input, sizeof ui->input, "%s", tui_views_filter(ui->tv, tab));
            return 0;
        case KEY_UP: case 'k': step = -1; break;
        case KEY_DOWN: case 'j': step = 1; break;
        case KEY_PPAGE: step = -rows; break;
        case KEY_NPAGE: case ' ': step = rows; break;
        case 'g': case KEY_HOME: step = -(long)n; break;
        case 'G': case KEY_END: step = (long)n; break;
        default: return tui_views_switch_key(ui, ch), 0;
        }
        long t = (long)*top + step;
        *top = (size_t)(t > max ? (max > 0 ? max : 0) : t < 0 ? 0 : t);
        return 0;
    }
    size_t n = tui_views_nrows(ui->tv, tab);
    int col, reverse, ncols = views_table_ncols(ui->opt->views, table_of(ui));
    tui_views_get_sort(ui->tv, tab, &col, &reverse);
    switch (ch) {
    case 'q': return 1;
    case KEY_UP: case 'k': tui_move_sel(&sc->sel[tab], &sc->top[tab], n, -1, rows); break;
    case KEY_DOWN: case 'j': tui_move_sel(&sc->sel[tab], &sc->top[tab], n, 1, rows); break;
    case KEY_PPAGE: tui_move_sel(&sc->sel[tab], &sc->top[tab], n, -rows, rows); break;
    case KEY_NPAGE: case ' ': tui_move_sel(&sc->sel[tab], &sc->top[tab], n, rows, rows); break;
    case 'g': case KEY_HOME: tui_move_sel(&sc->sel[tab], &sc->top[tab], n, -(long)n, rows); break;
    case 'G': case KEY_END: tui_move_sel(&sc->sel[tab], &sc->top[tab], n, (long)n, rows); break;
    case 's': case '>': resort(ui, tab, (col + 1) % ncols, reverse); break;
    case '<': resort(ui, tab, (col + ncols - 1) % ncols, reverse); break;
    case 'r': resort(ui, tab, col, !reverse); break;
    case '/':
        ui->typing = TUI_TYPING_FILTER;
        snprintf(ui->input, sizeof ui->input, "%s", tui_views_filter(ui->tv, tab));
        break;
    case 27: tui_views_set_filter(ui->tv, tab, ""); break;
    case '\n': case '\r': case KEY_ENTER: open_record(ui); break;
    case 'e': save_files(ui, 0); break;
    case 'E': save_files(ui, 1); break;
    default: tui_views_switch_key(ui, ch); return 0;
    }
    sc->sel_row[tab] = n ? tui_views_row(ui->tv, tab, sc->sel[tab]) + 1 : 0;
    return 0;
}

/* ---- drawing ---- */

void tui_views_tabbar(tui_ui *ui, int y)
{
    move(y, 0);
    clrtoeol();
    int x = 0, n = tui_views_ntabs(ui->tv), width = 0;
    for (int t = 0; t < n; t++)
        width += (int)strlen(tui_views_tab_name(ui->tv, t)) + 4;
    int cut = width > COLS ? 5 : 64; /* narrow: the other tabs' names cut short */
    for (int t = 0; t < n && x < COLS; t++) {
        char label[80];
        snprintf(label, sizeof label, " %d %.*s ", t + 1, t == ui->tab ? 64 : cut, tui_views_tab_name(ui->tv, t));
        attrset(t == ui->tab ? A_REVERSE | A_BOLD : A_DIM);
        x += tui_put(ui, y, x, COLS - x, label, strlen(label));
        attrset(A_NORMAL);
    }
}

static void status_line(tui_ui *ui, const char *right)
{
    int y = LINES - 2;
    move(y, 0);
    clrtoeol();
    int rlen = 0;
    for (const char *c = right; *c; c++)
        rlen += ((unsigned char)*c & 0xc0) != 0x80; /* columns: UTF-8 continuation bytes take none */
    if (rlen < COLS)
        tui_put(ui, y, COLS - rlen, rlen, right, strlen(right));
    int room = COLS - rlen - 1;
    if (ui->typing) {
        char typed[TUI_INPUT_MAX + 16];
        snprintf(typed, sizeof typed, "filter: %s_", ui->input);
        attron(A_BOLD);
        tui_put(ui, y, 0, room, typed, strlen(typed));
        attroff(A_BOLD);
    } else if (ui->status[0]) {
        tui_put(ui, y, 0, room, ui->status, strlen(ui->status));
    } else if (!is_stats(ui) && !tui_views_screen(ui->tv)->open) {
        int col, reverse;
        tui_views_get_sort(ui->tv, ui->tab, &col, &reverse);
        char sort[96];
        snprintf(sort, sizeof sort, "sort: %s %s", views_table_col(ui->opt->views, table_of(ui), col),
                 reverse ? (ui->utf8 ? "\xe2\x96\xbc" : "v") : (ui->utf8 ? "\xe2\x96\xb2" : "^"));
        attron(A_DIM);
        tui_put(ui, y, 0, room, sort, strlen(sort));
        attroff(A_DIM);
    }
}

/* Lines of a text from line `top`, rows of them from row y0. */
static void draw_text(tui_ui *ui, const tr_strbuf *sb, size_t top, int y0, int rows)
{
    const char *p = sb->p ? sb->p : "", *end = p + sb->len;
    for (size_t skip = top; skip && p < end; skip--) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    for (int r = 0; r < rows; r++) {
        move(y0 + r, 0);
        clrtoeol();
        if (p >= end)
            continue;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        tui_put(ui, y0 + r, 0, COLS, p, n);
        p += n + (nl != NULL);
    }
}

static void draw_stats(tui_ui *ui)
{
    tui_vscreen *sc = tui_views_screen(ui->tv);
    views *v = ui->opt->views;
    if (sc->stats_gen != views_generation(v)) {
        views_sync(v);
        tr_strbuf all;
        tr_sb_init(&all, 4u << 20);
        views_stats_text(v, &all);
        tr_sb_reset(&sc->stats);
        /* the filter keeps the lines holding every word (headings stay) */
        const char *f = tui_views_filter(ui->tv, ui->tab);
        const char *p = all.p ? all.p : "", *end = p + all.len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
            int keep = !f[0] || line[0] != ' ' || n <= 1;
            if (!keep) {
                keep = 1;
                char words[TUI_INPUT_MAX];
                snprintf(words, sizeof words, "%s", f);
                for (char *w = strtok(words, " "); w && keep; w = strtok(NULL, " "))
                    keep = strcasestr(line, w) != NULL;
            }
            if (keep)
                tr_sb_add(&sc->stats, p, n);
            p += n;
        }
        tr_sb_free(&all);
        sc->stats_gen = views_generation(v);
    }
    /* the per-second sparkline of packets, the latest seconds that fit */
    tr_strbuf spark;
    tr_sb_init(&spark, 64u << 10);
    int64_t start, width;
    const uint64_t *pk, *by;
    size_t n;
    views_series(v, &start, &width, &pk, &by, &n);
    char head[96];
    snprintf(head, sizeof head, "packets per %s%s ", width == 1 ? "second" : "interval",
             width == 1 ? "" : " (wider: a long capture)");
    int hl = (int)strlen(head);
    tui_views_sparkline(ui->tv, ui->utf8, COLS > hl + 1 ? (size_t)(COLS - hl - 1) : 1, &spark);
    move(2, 0);
    clrtoeol();
    attron(A_BOLD);
    tui_put(ui, 2, 0, COLS, head, (size_t)hl);
    attroff(A_BOLD);
    tui_put(ui, 2, hl, COLS - hl, spark.p ? spark.p : "", spark.len);
    tr_sb_free(&spark);
    draw_text(ui, &sc->stats, sc->stats_top, 3, LINES - 5);
    char right[64];
    snprintf(right, sizeof right, "%zu lines", count_lines(&sc->stats));
    status_line(ui, right);
}

static void draw_table(tui_ui *ui)
{
    tui_vscreen *sc = tui_views_screen(ui->tv);
    views *v = ui->opt->views;
    int t = table_of(ui), tab = ui->tab, ncols = views_table_ncols(v, t);
    tui_views_sync(ui);
    size_t n = tui_views_nrows(ui->tv, tab), total = views_table_nrows(v, t);
    /* widths from the header and the rows near the selection; the last column takes the rest */
    int w[TR_VIEW_COLS_MAX], content[TR_VIEW_COLS_MAX];
    char cell[1024];
    for (int c = 0; c < ncols; c++)
        content[c] = 1;
    size_t from = sc->top[tab];
    for (size_t i = from; i < n && i < from + WIDTH_SAMPLE; i++)
        for (int c = 0; c < ncols; c++) {
            tui_views_cell_text(ui->tv, tab, tui_views_row(ui->tv, tab, i), c, cell, sizeof cell);
            int len = (int)strlen(cell); /* bytes: a little wide for UTF-8 text, never narrow */
            if (len > content[c])
                content[c] = len > COL_WIDTH_MAX ? COL_WIDTH_MAX : len;
        }
    /* Widths: a column's heading and content; too wide for the screen, a heading longer than its content is cut
     * (to 4), then the widest columns give way down to 18 (a MAC address); what still does not fit is cut at the right. */
    int sum = ncols - 1;
    for (int c = 0; c < ncols; c++) {
        int head = (int)strlen(views_table_col(v, t, c)) + 1;
        w[c] = head > content[c] ? head : content[c];
        sum += w[c];
    }
    for (int c = 0; c < ncols && sum > COLS; c++) {
        int want = content[c] > 4 ? content[c] : 4;
        if (w[c] > want) {
            sum -= w[c] - want;
            w[c] = want;
        }
    }
    while (sum > COLS) {
        int wi = 0;
        for (int c = 1; c < ncols; c++)
            if (w[c] > w[wi])
                wi = c;
        if (w[wi] <= 18)
            break;
        w[wi]--;
        sum--;
    }
    int col, reverse;
    tui_views_get_sort(ui->tv, tab, &col, &reverse);
    move(2, 0);
    clrtoeol();
    attron(A_BOLD | A_UNDERLINE);
    mvhline(2, 0, ' ', COLS);
    for (int c = 0, x = 0; c < ncols && x < COLS; c++) {
        char head[64];
        snprintf(head, sizeof head, "%s%s", views_table_col(v, t, c),
                 c == col ? (reverse ? (ui->utf8 ? "\xe2\x96\xbc" : "v") : (ui->utf8 ? "\xe2\x96\xb2" : "^")) : "");
        int cw = c == ncols - 1 ? COLS - x : w[c];
        tui_put(ui, 2, x, cw, head, strlen(head));
        x += cw + 1;
    }
    attroff(A_BOLD | A_UNDERLINE);
    int rows = list_rows();
    for (int r = 0; r < rows; r++) {
        int y = list_top() + r;
        move(y, 0);
        clrtoeol();
        size_t i = sc->top[tab] + (size_t)r;
        if (i >= n)
            continue;
        size_t row = tui_views_row(ui->tv, tab, i);
        attrset(i == sc->sel[tab] ? A_REVERSE : A_NORMAL);
        mvhline(y, 0, ' ', COLS);
        for (int c = 0, x = 0; c < ncols && x < COLS; c++) {
            int cw = c == ncols - 1 ? COLS - x : w[c];
            tui_views_cell_text(ui->tv, tab, row, c, cell, sizeof cell);
            tui_put(ui, y, x, cw, cell, strlen(cell));
            x += cw + 1;
        }
        attrset(A_NORMAL);
    }
    if (!n) {
        attron(A_DIM);
        const char *why = tui_views_filter(ui->tv, tab)[0] ? "nothing matches the filter (Esc clears it)"
                          : ui->done                      ? "nothing of this kind in this input"
                                                          : "waiting...";
        tui_put(ui, list_top() + 1, 2, COLS - 2, why, strlen(why));
        attroff(A_DIM);
    }
    char right[128], kept[64] = "";
    uint64_t dropped = views_table_dropped(v, t);
    if (dropped)
        snprintf(kept, sizeof kept, " (%llu more past the cap)", (unsigned long long)dropped);
    char where[48] = ""; /* where the selection is, as in the sessions list: row/rows (those the filter lets through) */
    if (n && !ui->status[0])
        snprintf(where, sizeof where, "row %zu/%zu %s ", sc->sel[tab] + 1, n, ui->utf8 ? "\xe2\x94\x82" : "|");
    if (tui_views_filter(ui->tv, tab)[0])
        snprintf(right, sizeof right, "%s%zu of %zu rows match%s", where, n, total, kept);
    else
        snprintf(right, sizeof right, "%s%zu row%s%s", where, total, total == 1 ? "" : "s", kept);
    status_line(ui, right);
}

static void draw_open(tui_ui *ui)
{
    tui_vscreen *sc = tui_views_screen(ui->tv);
    char head[128];
    snprintf(head, sizeof head, "%s: row %zu", tui_views_tab_name(ui->tv, ui->tab), sc->open_row + 1);
    move(2, 0);
    clrtoeol();
    attron(A_BOLD);
    tui_put(ui, 2, 0, COLS, head, strlen(head));
    attroff(A_BOLD);
    draw_text(ui, &sc->open_text, sc->open_top, 3, LINES - 5);
    char right[64];
    snprintf(right, sizeof right, "%zu lines", count_lines(&sc->open_text));
    status_line(ui, right);
}

void tui_views_draw(tui_ui *ui)
{
    tui_views_tabbar(ui, 1);
    const char *keys;
    if (tui_views_screen(ui->tv)->open) {
        draw_open(ui);
        keys = " Esc back  Up/Down scroll  ? help  q back";
    } else if (is_stats(ui)) {
        draw_stats(ui);
        keys = ui->typing ? " type to filter  Enter keep  Esc clear"
                          : " q quit  1-9 Tab tabs  / filter lines  Up/Down scroll  ? help";
    } else {
        draw_table(ui);
        keys = ui->typing ? " type to filter  Enter keep  Esc clear"
               : table_of(ui) == VIEWS_FILES
                   ? " q quit  1-9 Tab tabs  / filter  s < > sort  r reverse  Enter open  e save  E save all  ? help"
                   : " q quit  1-9 Tab tabs  / filter  s < > sort  r reverse  Enter open  ? help";
    }
    tui_bar(ui, LINES - 1, keys);
}

void tui_views_help(tui_ui *ui)
{
    static const char *const lines[] = {
        "Tabs: 1-9, or Tab and Shift-Tab in a list       ?  this help     q  quit",
        "Lists: Up/Down j/k PgUp/PgDn g/G move  Enter open  s < > sort  r reverse",
        "  /  filter as you type (Esc clears), all words must match:",
        "     proto:http  host:10.0.0.1  port:53  COLUMN:TEXT for a column of the",
        "     tab (user:alice, success:no, names:example), other words anywhere",
        "Sessions: Enter opens one (events and transcript: Tab pane, x hex,",
        "  / search, n/N next); e exports it as --export would (sessions/, files/,",
        "  events.jsonl) into a new ./trawl-session-<id>/ (-2, -3... when taken);",
        "  live: its transcript and events (files only with --export)",
        "Files: e saves the selected file, E every file listed, to ./trawl-saved/",
        "  (copies of what --export DIR extracts; without it, e writes the file's session",
        "  as e on the session does, its files in files/)",
        "Messages: Enter shows a message's headers and text; any row: its fields",
        "Memory is bounded: each view has a cap, and the status line says what it",
        "kept out; Sessions' second line, what was evicted (oldest, closed first).",
    };
    for (int y = 1; y < LINES - 1; y++) {
        move(y, 0);
        clrtoeol();
    }
    int y = 2, x = 2;
    attron(A_BOLD);
    x += tui_put(ui, y, x, COLS - x, "Views:", 6);
    for (int t = 0; t < tui_views_ntabs(ui->tv); t++) { /* every view, wrapped */
        char name[64];
        snprintf(name, sizeof name, " %d %s", t + 1, tui_views_tab_name(ui->tv, t));
        if (x + (int)strlen(name) > COLS - 1 && x > 8) {
            y++;
            x = 8;
        }
        x += tui_put(ui, y, x, COLS - x, name, strlen(name));
    }
    attroff(A_BOLD);
    y++;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && y < LINES - 1; i++, y++)
        tui_put(ui, y, 2, COLS - 2, lines[i], strlen(lines[i]));
}
