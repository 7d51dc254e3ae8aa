/* tui_draw: paints the current view from the model and the UI state — nothing here changes either.
 * Text goes through put(), which cuts at a column count and, outside a UTF-8 locale, turns non-ASCII into ASCII. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "../output/tr_time.h"
#include "tui_ui.h"
#include "tui_views.h"

enum { PAIR_BAR = 1, PAIR_C2S, PAIR_S2C, PAIR_MARKER, PAIR_ALERT };

void tui_colors_init(tui_ui *ui)
{
    ui->color = !ui->opt->no_color && has_colors();
    if (!ui->color)
        return;
    start_color();
    use_default_colors();
    init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_C2S, COLOR_RED, -1);
    init_pair(PAIR_S2C, COLOR_BLUE, -1);
    init_pair(PAIR_MARKER, COLOR_YELLOW, -1);
    init_pair(PAIR_ALERT, COLOR_RED, -1);
}

static attr_t attr_bar(const tui_ui *ui) { return ui->color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE; }

static attr_t attr_line(const tui_ui *ui, int kind)
{
    if (!ui->color)
        return kind == TUI_LINE_C2S ? A_BOLD : kind == TUI_LINE_MARKER ? A_DIM : A_NORMAL;
    return COLOR_PAIR(kind == TUI_LINE_C2S ? PAIR_C2S : kind == TUI_LINE_S2C ? PAIR_S2C : PAIR_MARKER);
}

static const char *sym(const tui_ui *ui, const char *utf8, const char *ascii) { return ui->utf8 ? utf8 : ascii; }

/* Writes at most maxcols columns of s (n bytes, UTF-8) at y,x; returns the columns used. */
static int put(const tui_ui *ui, int y, int x, int maxcols, const char *s, size_t n)
{
    char out[1024];
    size_t o = 0, i = 0;
    int cols = 0;
    while (i < n && cols < maxcols && o + 8 < sizeof out) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
            cols++;
            i++;
            continue;
        }
        if (!ui->utf8) {
            size_t k = 1;
            while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
                k++;
            if (k == 3 && memcmp(s + i, "\xe2\x86\x92", 3) == 0) {
                if (cols + 2 > maxcols)
                    break;
                out[o++] = '-';
                out[o++] = '>';
                cols += 2;
            } else {
                out[o++] = '?';
                cols++;
            }
            i += k;
            continue;
        }
        mbstate_t st;
        memset(&st, 0, sizeof st);
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + i, n - i, &st);
        int w = k == (size_t)-1 || k == (size_t)-2 || k == 0 ? -1 : wcwidth(wc);
        if (w < 0) {
            out[o++] = '?';
            cols++;
            i += k == (size_t)-1 || k == (size_t)-2 || k == 0 ? 1 : k;
            continue;
        }
        if (cols + w > maxcols)
            break;
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
        cols += w;
    }
    if (o)
        mvaddnstr(y, x, out, (int)o);
    return cols;
}

static int puts_at(const tui_ui *ui, int y, int x, int maxcols, const char *s)
{
    return put(ui, y, x, maxcols, s, strlen(s));
}

/* A whole-width bar: background across the row, text on it. */
static void bar(const tui_ui *ui, int y, const char *text)
{
    attrset(attr_bar(ui));
    mvhline(y, 0, ' ', COLS);
    puts_at(ui, y, 0, COLS, text);
    attrset(A_NORMAL);
}

/* A time as --time shows it (output/tr_time.h), cut to milliseconds or to whole seconds, with its date when date
 * is set: "2019-11-12 08:40:15.982", "08:40:15", or in epoch style "1573548015.982". */
static void fmt_time(int64_t us, int millis, int date, char *out, size_t cap)
{
    char t[TR_TIME_MAX];
    if (date)
        tr_time_full(us, t);
    else
        tr_time_of_day(us, t);
    char *dot = strrchr(t, '.');
    if (dot && millis && strlen(dot) > 4)
        dot[4] = '\0';
    else if (dot && !millis)
        *dot = '\0';
    snprintf(out, cap, "%s", t);
}

static const char *plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

static void count(uint64_t v, char *out, size_t cap)
{
    if (v < 100000)
        snprintf(out, cap, "%" PRIu64, v);
    else if (v < 100000000)
        snprintf(out, cap, "%" PRIu64 "k", v / 1000);
    else
        snprintf(out, cap, "%" PRIu64 "M", v / 1000000);
}

static void header(const tui_ui *ui)
{
    char line[768], pk[32], sess[32], rate[64] = "", out[192] = "", outputs[200] = "";
    tui_stats st;
    tui_model_stats(ui->m, &st);
    count(ui->packets, pk, sizeof pk);
    count(st.sessions_seen, sess, sizeof sess);
    if (ui->src->fd >= 0 && !ui->done)
        snprintf(rate, sizeof rate, " %s %.0f pkt/s", sym(ui, "\xe2\x94\x82", "|"), ui->rate);
    const char *sep = sym(ui, "\xe2\x94\x82", "|");
    if (ui->src->outputs)
        ui->src->outputs(ui->src->arg, out, sizeof out);
    if (out[0])
        snprintf(outputs, sizeof outputs, " %s %s", sep, out);
    /* The counts first: a long input name is what a narrow screen cuts. */
    snprintf(line, sizeof line, " trawl %s %s %s %s %s %s %s %" PRIu64 " %s%s%s%s%s %s %s", sep, pk,
             plural(ui->packets, "packet", "packets"), sep, sess, plural(st.sessions_seen, "session", "sessions"), sep,
             ui->drops, plural(ui->drops, "drop", "drops"), rate, outputs, ui->done ? " " : "",
             ui->done ? sym(ui, "\xe2\x94\x82 done", "| done") : "", sep, ui->src->label ? ui->src->label : "?");
    bar(ui, 0, line);
}

static void footer(const tui_ui *ui, const char *keys)
{
    bar(ui, LINES - 1, keys);
}

/* The status line: a message or what is being typed on the left, the match count on the right. */
static void status(const tui_ui *ui)
{
    int y = LINES - 2;
    move(y, 0);
    clrtoeol();
    char right[128], where[48] = "";
    size_t rows = tui_model_nrows(ui->m);
    tui_stats st;
    tui_model_stats(ui->m, &st);
    /* In the list, where the selection is: row/rows (the rows the filter lets through). */
    if (ui->view == TUI_VIEW_LIST && rows && !ui->status[0]) /* a message (an export's) takes the room */
        snprintf(where, sizeof where, "row %zu/%zu %s ", ui->sel + 1, rows, sym(ui, "\xe2\x94\x82", "|"));
    if (ui->status[0] && !ui->typing)
        right[0] = '\0';
    else if (tui_model_filter(ui->m)[0])
        snprintf(right, sizeof right, "%s%zu of %" PRIu64 " %s %s", where, rows, st.sessions_kept,
                 plural(st.sessions_kept, "session", "sessions"), plural(rows, "matches", "match"));
    else
        snprintf(right, sizeof right, "%s%" PRIu64 " %s", where, st.sessions_kept,
                 plural(st.sessions_kept, "session", "sessions"));
    int rlen = (int)strlen(right);
    if (ui->utf8 && where[0])
        rlen -= 2; /* the rule is 3 bytes, 1 column */
    if (rlen && rlen < COLS)
        puts_at(ui, y, COLS - rlen, rlen, right);
    int room = COLS - rlen - 1;
    if (ui->typing) {
        char typed[TUI_INPUT_MAX + 16];
        snprintf(typed, sizeof typed, "%s%s_", ui->typing == TUI_TYPING_FILTER ? "filter: " : "search: ",
                 ui->input);
        attron(A_BOLD);
        puts_at(ui, y, 0, room, typed);
        attroff(A_BOLD);
    } else if (ui->status[0]) {
        puts_at(ui, y, 0, room, ui->status);
    } else if (ui->view == TUI_VIEW_LIST) {
        int col, reverse;
        tui_model_get_sort(ui->m, &col, &reverse);
        char sort[64];
        snprintf(sort, sizeof sort, "sort: %s %s", tui_col_name(col),
                 reverse ? sym(ui, "\xe2\x96\xbc", "v") : sym(ui, "\xe2\x96\xb2", "^"));
        attron(A_DIM);
        puts_at(ui, y, 0, room, sort);
        attroff(A_DIM);
    }
}

/* ---- sessions list ---- */

static const int col_width[TUI_NCOLS] = {6, 8, 8, 21, 21, 7, 7, 9, 0};

/* A column's width: the start column holds what fmt_time writes for it (epoch seconds, a date when the sessions
 * span days). */
static int col_w(const tui_ui *ui, int c)
{
    if (c != TUI_COL_START)
        return col_width[c];
    return tr_time_style() == TR_TIME_EPOCH ? 10 : tui_model_many_days(ui->m) ? 19 : 8;
}

int tui_list_rows(void) { return LINES - 6 > 1 ? LINES - 6 : 1; } /* below the tabs, the store line, the heading */

/* Which columns fit: the summary keeps at least 30 columns; start, packets, client and state give way first. */
static void list_columns(const tui_ui *ui, int shown[TUI_NCOLS])
{
    static const int order[] = {TUI_COL_STATE, TUI_COL_CLIENT, TUI_COL_PACKETS, TUI_COL_START};
    for (int c = 0; c < TUI_NCOLS; c++)
        shown[c] = c == TUI_COL_ID || c == TUI_COL_PROTO || c == TUI_COL_SERVER || c == TUI_COL_BYTES ||
                   c == TUI_COL_SUMMARY;
    int used = 0;
    for (int c = 0; c < TUI_COL_SUMMARY; c++)
        used += shown[c] ? col_w(ui, c) + 1 : 0;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (COLS - used - col_w(ui, order[k]) - 1 >= 30) {
            shown[order[k]] = 1;
            used += col_w(ui, order[k]) + 1;
        }
}

static void cell(const tui_ui *ui, const tui_session *s, int col, char *out, size_t cap)
{
    switch (col) {
    case TUI_COL_ID: snprintf(out, cap, "%" PRIu64, s->id); break;
    case TUI_COL_START: fmt_time(s->start_us, 0, tui_model_many_days(ui->m), out, cap); break;
    case TUI_COL_PROTO: snprintf(out, cap, "%s", s->proto); break;
    case TUI_COL_CLIENT: snprintf(out, cap, "%s", s->client_str); break;
    case TUI_COL_SERVER: snprintf(out, cap, "%s", s->server_str); break;
    case TUI_COL_PACKETS: count(s->packets, out, cap); break;
    case TUI_COL_BYTES: tui_format_size(s->bytes, out, cap); break;
    case TUI_COL_STATE: snprintf(out, cap, "%s", tui_state_name(s->state)); break;
    default: snprintf(out, cap, "%s", s->details_evicted ? "(details evicted) " : ""); break;
    }
}

static void draw_list(tui_ui *ui)
{
    char line[512];
    tui_model_store_line(ui->m, line, sizeof line);
    tui_views_tabbar(ui, 1);
    move(2, 0);
    clrtoeol();
    attron(A_DIM);
    puts_at(ui, 2, 0, COLS, line);
    attroff(A_DIM);

    int shown[TUI_NCOLS], sort_col, reverse;
    list_columns(ui, shown);
    tui_model_get_sort(ui->m, &sort_col, &reverse);
    attron(A_BOLD | A_UNDERLINE);
    mvhline(3, 0, ' ', COLS);
    int x = 0;
    for (int c = 0; c < TUI_NCOLS && x < COLS; c++) {
        if (!shown[c])
            continue;
        int w = c == TUI_COL_SUMMARY ? COLS - x : col_w(ui, c);
        /* The sort arrow always shows: a name as wide as its column gives up its last letters for it. */
        const char *name = tui_col_name(c);
        int len = (int)strlen(name);
        if (c == sort_col && len >= w)
            len = w > 1 ? w - 1 : 0;
        snprintf(line, sizeof line, "%.*s%s", len, name,
                 c == sort_col ? (reverse ? sym(ui, "\xe2\x96\xbc", "v") : sym(ui, "\xe2\x96\xb2", "^")) : "");
        puts_at(ui, 3, x, w, line);
        x += w + 1;
    }
    attroff(A_BOLD | A_UNDERLINE);

    int rows = tui_list_rows();
    size_t n = tui_model_nrows(ui->m);
    for (int r = 0; r < rows; r++) {
        int y = 4 + r;
        move(y, 0);
        clrtoeol();
        size_t i = ui->top + (size_t)r;
        const tui_session *s = tui_model_row(ui->m, i);
        if (i >= n || !s)
            continue;
        attr_t a = i == ui->sel ? A_REVERSE : A_NORMAL;
        if (s->state != TUI_OPEN && i != ui->sel)
            a |= A_DIM;
        attrset(a);
        mvhline(y, 0, ' ', COLS);
        x = 0;
        for (int c = 0; c < TUI_NCOLS && x < COLS; c++) {
            if (!shown[c])
                continue;
            int w = c == TUI_COL_SUMMARY ? COLS - x : col_w(ui, c);
            cell(ui, s, c, line, sizeof line);
            int used = puts_at(ui, y, x, w, line);
            if (c == TUI_COL_SUMMARY)
                puts_at(ui, y, x + used, w - used, s->sum.text);
            x += w + 1;
        }
        attrset(A_NORMAL);
    }
    if (!n) {
        attron(A_DIM);
        puts_at(ui, 5, 2, COLS - 2,
                tui_model_filter(ui->m)[0] ? "no session matches the filter (Esc clears it)"
                                           : (ui->done ? "no sessions in this input" : "waiting for sessions..."));
        attroff(A_DIM);
    }
}

/* ---- session view ---- */

int tui_events_rows(void)
{
    int r = (LINES - 5) / 3;
    return r < 3 ? 3 : r;
}

int tui_transcript_rows(void)
{
    int r = LINES - 5 - tui_events_rows();
    return r < 1 ? 1 : r;
}

size_t tui_transcript_width(void) { return COLS > 16 ? (size_t)COLS : 16; }

static void draw_session(const tui_ui *ui)
{
    const tui_session *s = tui_model_find(ui->m, ui->sess_id);
    char line[512], size[32], t[TR_TIME_MAX];
    move(1, 0);
    clrtoeol();
    if (!s) {
        snprintf(line, sizeof line, "#%" PRIu64 " is no longer kept (evicted by the session cap)", ui->sess_id);
        puts_at(ui, 1, 0, COLS, line);
        return;
    }
    tui_format_size(s->bytes, size, sizeof size);
    fmt_time(s->start_us, 1, 1, t, sizeof t);
    snprintf(line, sizeof line, "#%" PRIu64 " %s %s %s %s  %s  %" PRIu64 " %s %s  %s", s->id, s->proto,
             s->client_str, sym(ui, "\xe2\x86\x92", "->"), s->server_str, tui_state_name(s->state), s->packets,
             plural(s->packets, "packet", "packets"), size, t);
    attron(A_BOLD);
    puts_at(ui, 1, 0, COLS, line);
    attroff(A_BOLD);

    /* events (left) and the selected event's fields (right) */
    int evh = tui_events_rows(), evw = COLS * 11 / 20, y0 = 2;
    size_t nev = tui_session_nevents(s);
    tui_event_view ev;
    for (int r = 0; r < evh; r++) {
        int y = y0 + r;
        move(y, 0);
        clrtoeol();
        size_t i = ui->ev_top + (size_t)r;
        if (i >= nev || tui_session_event(s, i, &ev) != 0)
            continue;
        /* The hour always; the date when it is not the day of the event before (the first: of the session's start,
         * which the line above shows with its date). */
        tui_event_view prev;
        int64_t prev_ts = i && tui_session_event(s, i - 1, &prev) == 0 ? prev.ts_us : s->start_us;
        fmt_time(ev.ts_us, 1, tr_time_day(ev.ts_us) != tr_time_day(prev_ts), t, sizeof t);
        const char *d = ev.dir == TR_C2S ? sym(ui, "\xe2\x86\x92", ">") : ev.dir == TR_S2C ? sym(ui, "\xe2\x86\x90", "<")
                                                                                           : " ";
        char more[64] = "";
        if (ev.more) { /* a run folded in (tui_event_view.more) */
            char b[32] = "";
            if (ev.more_bytes)
                tui_format_size(ev.more_bytes, b, sizeof b);
            snprintf(more, sizeof more, " (+%" PRIu32 " more%s%s)", ev.more, b[0] ? ", " : "", b);
        }
        snprintf(line, sizeof line, "%s %s %s%s %s", t, d, ev.type, more, ev.brief);
        attrset(i == ui->ev_sel ? (ui->focus == 0 ? A_REVERSE : A_BOLD) : A_NORMAL);
        if (i == ui->ev_sel)
            mvhline(y, 0, ' ', evw - 1);
        puts_at(ui, y, 0, evw - 1, line);
        attrset(A_NORMAL);
    }
    if (!nev)
        puts_at(ui, y0, 0, evw - 1, s->details_evicted ? "(events evicted)" : "(no events)");
    mvvline(y0, evw - 1, ui->utf8 ? ACS_VLINE : (chtype)'|', evh); /* ASCII outside UTF-8: not every terminal draws ACS */
    if (nev && tui_session_event(s, ui->ev_sel, &ev) == 0) {
        snprintf(line, sizeof line, "%s %s", ev.proto, ev.type);
        if (ev.more) {
            char until[48];
            fmt_time(ev.last_us, 1, tr_time_day(ev.last_us) != tr_time_day(ev.ts_us), until, sizeof until);
            snprintf(line + strlen(line), sizeof line - strlen(line), ", and %" PRIu32 " like it until %s", ev.more,
                     until);
        }
        attron(A_BOLD);
        puts_at(ui, y0, evw + 1, COLS - evw - 1, line);
        attroff(A_BOLD);
        const char *p = ev.fields;
        for (int r = 1; r < evh && *p; r++) {
            size_t n = strcspn(p, "\n");
            put(ui, y0 + r, evw + 1, COLS - evw - 1, p, n);
            p += n + (p[n] == '\n');
        }
    }

    /* transcript */
    int sep = y0 + evh, th = tui_transcript_rows();
    attrset(A_DIM);
    mvhline(sep, 0, ui->utf8 ? ACS_HLINE : (chtype)'-', COLS);
    attrset(A_NORMAL);
    snprintf(line, sizeof line, " transcript (%s) %zu %s%s%s%s ", ui->hex ? "hex" : "text", ui->lines.n,
             plural(ui->lines.n, "line", "lines"),
             ui->search[0] ? ", search: " : "", ui->search, ui->search[0] && ui->search_hit < 0 ? " (not found)" : "");
    attron(ui->focus == 1 ? A_BOLD : A_NORMAL);
    puts_at(ui, sep, 2, COLS - 4, line);
    attroff(A_BOLD);
    for (int r = 0; r < th; r++) {
        int y = sep + 1 + r;
        move(y, 0);
        clrtoeol();
        size_t i = ui->tx_top + (size_t)r;
        if (i >= ui->lines.n)
            continue;
        const tui_line *l = &ui->lines.v[i];
        attr_t a = attr_line(ui, l->kind);
        if ((long)i == ui->search_hit && ui->search[0])
            a |= A_REVERSE;
        attrset(a);
        put(ui, y, 0, COLS, ui->lines.text.p + l->off, l->len);
        attrset(A_NORMAL);
    }
}

void tui_draw(tui_ui *ui)
{
    erase();
    header(ui);
    if (ui->help) {
        tui_views_help(ui); /* names every view */
        footer(ui, " any key: back");
    } else if (ui->tab) {
        tui_views_draw(ui);
    } else if (ui->view == TUI_VIEW_LIST) {
        draw_list(ui);
        status(ui);
        footer(ui, ui->typing ? " type to filter  Enter keep  Esc clear"
                              : " q quit  1-9 Tab tabs  / filter  s < > sort  r reverse  Enter open  e export  ? help");
    } else {
        draw_session(ui);
        status(ui);
        footer(ui, ui->typing ? " type to search  Enter find  Esc cancel"
                              : " Esc back  Tab pane  x hex  / search  n/N next  e export  ? help  q back");
    }
    refresh();
}

int tui_put(const tui_ui *ui, int y, int x, int maxcols, const char *s, size_t n) { return put(ui, y, x, maxcols, s, n); }
void tui_bar(const tui_ui *ui, int y, const char *text) { bar(ui, y, text); }
