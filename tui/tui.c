/* tui: the main loop — keys from /dev/tty, packets pumped in small budgets between them, a redraw at
 * most every 100 ms when the model changed (at once after a key). Keys change the UI state; tui_draw paints it. */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui_ui.h"
#include "tui_views.h"
#include "../output/views.h"

#define PUMP_BUDGET 64     /* packets per pump call */
#define PUMP_SLICE_MS 20   /* longest stretch of packet work before looking at the keyboard */
#define REDRAW_MS 100      /* at most ~10 redraws a second for model changes */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hold(const tui_source *src, int on)
{
    if (src->hold)
        src->hold(src->arg, on);
}

static int key_pending(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* Moves a selection by delta within n items, keeping it inside a window of rows starting at *top. */
void tui_move_sel(size_t *sel, size_t *top, size_t n, long delta, int rows)
{
    if (!n) {
        *sel = *top = 0;
        return;
    }
    long s = (long)*sel + delta;
    if (s < 0)
        s = 0;
    if (s >= (long)n)
        s = (long)n - 1;
    *sel = (size_t)s;
    if (*sel < *top)
        *top = *sel;
    if (rows > 0 && *sel >= *top + (size_t)rows)
        *top = *sel - (size_t)rows + 1;
    if (*top + (size_t)rows > n)
        *top = n > (size_t)rows ? n - (size_t)rows : 0;
}

/* Scrolls a view of rows lines over n lines. */
static void scroll_by(size_t *top, size_t n, long delta, int rows)
{
    long t = (long)*top + delta, max = (long)n - rows;
    if (t > max)
        t = max;
    if (t < 0)
        t = 0;
    *top = (size_t)t;
}

/* Rows rebuilt from the model; the selection stays on the same session when it is still listed. */
static void sync_list(tui_ui *ui)
{
    size_t n = tui_model_refresh(ui->m);
    if (ui->sel_id) {
        long i = tui_model_row_of(ui->m, ui->sel_id);
        if (i >= 0)
            ui->sel = (size_t)i;
    }
    tui_move_sel(&ui->sel, &ui->top, n, 0, tui_list_rows());
    const tui_session *s = tui_model_row(ui->m, ui->sel);
    ui->sel_id = s ? s->id : 0;
}

static void sync_session(tui_ui *ui)
{
    tui_model_fill_digests(ui->m, ui->done); /* at the end of input, every digest: they come soon */
    const tui_session *s = tui_model_find(ui->m, ui->sess_id);
    size_t width = tui_transcript_width();
    uint64_t gen = tui_model_generation(ui->m);
    if (gen != ui->lines_gen || ui->hex != ui->lines_hex || width != ui->lines_width) {
        if (s)
            tui_transcript_lines(s, ui->hex, width, &ui->lines);
        else
            ui->lines.n = 0;
        ui->lines_gen = gen;
        ui->lines_hex = ui->hex;
        ui->lines_width = width;
        if (ui->search_hit >= (long)ui->lines.n)
            ui->search_hit = -1;
    }
    size_t nev = s ? tui_session_nevents(s) : 0;
    tui_move_sel(&ui->ev_sel, &ui->ev_top, nev, 0, tui_events_rows());
    scroll_by(&ui->tx_top, ui->lines.n, 0, tui_transcript_rows());
}

void tui_export_session(tui_ui *ui, uint64_t id)
{
    if (!id) {
        snprintf(ui->status, sizeof ui->status, "no session selected");
        return;
    }
    if (!ui->opt->export_session) {
        snprintf(ui->status, sizeof ui->status, "export is not available here");
        return;
    }
    /* Reading a capture file again takes a moment: say so first. */
    snprintf(ui->status, sizeof ui->status, "exporting session %" PRIu64 "...", id);
    tui_draw(ui);
    char msg[sizeof ui->status] = "";
    int r = ui->opt->export_session(ui->opt->export_arg, id, msg, sizeof msg);
    if (msg[0])
        snprintf(ui->status, sizeof ui->status, "%s", msg);
    else
        snprintf(ui->status, sizeof ui->status, r == 0 ? "session %" PRIu64 " exported" : "export of %" PRIu64 " failed",
                 id);
}

static void search_go(tui_ui *ui, int forward)
{
    if (!ui->search[0])
        return;
    /* A new search starts at the top line in view; n/N go on from the last hit. */
    size_t n = ui->lines.n, from = ui->tx_top;
    if (ui->search_hit >= 0)
        from = (size_t)ui->search_hit;
    else if (forward)
        from = ui->tx_top ? ui->tx_top - 1 : (n ? n - 1 : 0);
    ui->search_hit = tui_lines_find(&ui->lines, ui->search, from, forward);
    if (ui->search_hit >= 0) {
        int rows = tui_transcript_rows();
        size_t hit = (size_t)ui->search_hit;
        if (hit < ui->tx_top || hit >= ui->tx_top + (size_t)rows)
            scroll_by(&ui->tx_top, ui->lines.n, (long)hit - (long)ui->tx_top - rows / 3, rows);
        ui->focus = 1;
    } else {
        snprintf(ui->status, sizeof ui->status, "not found: %s", ui->search);
    }
}

/* The filter of the tab in view. */
static void set_filter(tui_ui *ui, const char *text)
{
    if (ui->tab)
        tui_views_set_filter(ui->tv, ui->tab, text);
    else
        tui_model_set_filter(ui->m, text);
}

/* Typing a filter or a search: Enter keeps it, Esc drops it. The filter applies as it is typed. */
static void key_typing(tui_ui *ui, int ch)
{
    size_t n = strlen(ui->input);
    int filter = ui->typing == TUI_TYPING_FILTER;
    if (ch == 27) {
        ui->input[0] = '\0';
        ui->typing = TUI_TYPING_NONE;
        if (filter)
            set_filter(ui, "");
        return;
    }
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        ui->typing = TUI_TYPING_NONE;
        if (!filter) {
            snprintf(ui->search, sizeof ui->search, "%s", ui->input);
            ui->search_hit = -1;
            search_go(ui, 1);
        }
        return;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (n)
            ui->input[n - 1] = '\0';
    } else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof ui->input) {
        ui->input[n] = (char)ch;
        ui->input[n + 1] = '\0';
    } else {
        return;
    }
    if (filter)
        set_filter(ui, ui->input);
}

/* A new sort order starts at the top of the list: its first row selected, in view. */
static void resort(tui_ui *ui, int col, int reverse)
{
    tui_model_set_sort(ui->m, col, reverse);
    tui_model_refresh(ui->m);
    ui->sel = ui->top = 0;
}

/* Rows follow their live sessions (packets, bytes, closed once the FINs are seen): the rows on screen, and the
 * session in view. */
static void follow_live(tui_ui *ui)
{
    if (ui->view == TUI_VIEW_SESSION) {
        tui_model_follow(ui->m, ui->sess_id);
        return;
    }
    uint64_t ids[512];
    size_t n = 0, rows = (size_t)tui_list_rows();
    for (size_t i = ui->top; i < ui->top + rows && n < sizeof ids / sizeof ids[0]; i++) {
        const tui_session *s = tui_model_row(ui->m, i);
        if (!s)
            break;
        ids[n++] = s->id;
    }
    for (size_t i = 0; i < n; i++)
        tui_model_follow(ui->m, ids[i]);
}

/* Returns 1 when the user quits. */
static int key_list(tui_ui *ui, int ch)
{
    int rows = tui_list_rows(), col, reverse;
    size_t n = tui_model_nrows(ui->m);
    tui_model_get_sort(ui->m, &col, &reverse);
    switch (ch) {
    case 'q': return 1;
    case KEY_UP: case 'k': tui_move_sel(&ui->sel, &ui->top, n, -1, rows); break;
    case KEY_DOWN: case 'j': tui_move_sel(&ui->sel, &ui->top, n, 1, rows); break;
    case KEY_PPAGE: tui_move_sel(&ui->sel, &ui->top, n, -rows, rows); break;
    case KEY_NPAGE: case ' ': tui_move_sel(&ui->sel, &ui->top, n, rows, rows); break;
    case 'g': case KEY_HOME: tui_move_sel(&ui->sel, &ui->top, n, -(long)n, rows); break;
    case 'G': case KEY_END: tui_move_sel(&ui->sel, &ui->top, n, (long)n, rows); break;
    case 's': case '>': resort(ui, (col + 1) % TUI_NCOLS, reverse); break;
    case '<': resort(ui, (col + TUI_NCOLS - 1) % TUI_NCOLS, reverse); break;
    case 'r': resort(ui, col, !reverse); break;
    case '/':
        ui->typing = TUI_TYPING_FILTER;
        snprintf(ui->input, sizeof ui->input, "%s", tui_model_filter(ui->m));
        break;
    case 27: tui_model_set_filter(ui->m, ""); break;
    case 'e': tui_export_session(ui, ui->sel_id); break;
    case '\n': case '\r': case KEY_ENTER:
        if (!ui->sel_id)
            break;
        ui->view = TUI_VIEW_SESSION;
        ui->sess_id = ui->sel_id;
        ui->ev_sel = ui->ev_top = ui->tx_top = 0;
        ui->focus = 0;
        ui->search[0] = '\0';
        ui->search_hit = -1;
        ui->lines_gen = 0;
        break;
    default: return 0;
    }
    const tui_session *s = tui_model_row(ui->m, ui->sel);
    if (ch != '\n' && ch != '\r' && ch != KEY_ENTER)
        ui->sel_id = s ? s->id : 0;
    return 0;
}

static void key_session(tui_ui *ui, int ch)
{
    const tui_session *s = tui_model_find(ui->m, ui->sess_id);
    size_t nev = s ? tui_session_nevents(s) : 0;
    int evrows = tui_events_rows(), txrows = tui_transcript_rows();
    long step = 0, page = ui->focus ? txrows : evrows;
    switch (ch) {
    case 'q': case 27: ui->view = TUI_VIEW_LIST; return;
    case '\t': ui->focus = !ui->focus; return;
    case 'x': ui->hex = !ui->hex; return;
    case '/':
        ui->typing = TUI_TYPING_SEARCH;
        ui->input[0] = '\0';
        return;
    case 'n': search_go(ui, 1); return;
    case 'N': search_go(ui, 0); return;
    case 'e': tui_export_session(ui, ui->sess_id); return;
    case KEY_UP: case 'k': step = -1; break;
    case KEY_DOWN: case 'j': step = 1; break;
    case KEY_PPAGE: step = -page; break;
    case KEY_NPAGE: case ' ': step = page; break;
    case 'g': case KEY_HOME: step = -(long)(nev + ui->lines.n); break;
    case 'G': case KEY_END: step = (long)(nev + ui->lines.n); break;
    default: return;
    }
    if (ui->focus == 0) {
        tui_move_sel(&ui->ev_sel, &ui->ev_top, nev, step, evrows);
        tui_event_view ev;
        if (s && tui_session_event(s, ui->ev_sel, &ev) == 0) /* the transcript follows the selected event */
            scroll_by(&ui->tx_top, ui->lines.n, (long)tui_lines_at_time(&ui->lines, ev.ts_us) - (long)ui->tx_top,
                      txrows);
    } else {
        scroll_by(&ui->tx_top, ui->lines.n, step, txrows);
    }
}

/* Returns 1 when the user quits. */
static int handle_key(tui_ui *ui, int ch)
{
    if (ch == KEY_RESIZE)
        return 0;
    if (ch != ERR && ui->status[0] && !ui->typing)
        ui->status[0] = '\0';
    if (ui->help) {
        ui->help = 0;
        return 0;
    }
    if (ui->typing) {
        key_typing(ui, ch);
        return 0;
    }
    if (ch == '?') {
        ui->help = 1;
        return 0;
    }
    if (ui->tab)
        return tui_views_key(ui, ch);
    if (ui->view == TUI_VIEW_SESSION) {
        key_session(ui, ch);
        return 0;
    }
    if (tui_views_switch_key(ui, ch))
        return 0;
    return key_list(ui, ch);
}

static void update_counters(tui_ui *ui, int64_t now, int64_t *rate_at, uint64_t *rate_packets)
{
    if (ui->src->counters)
        ui->src->counters(ui->src->arg, &ui->packets, &ui->drops);
    if (now - *rate_at >= 1000) {
        ui->rate = (double)(ui->packets - *rate_packets) * 1000.0 / (double)(now - *rate_at);
        *rate_at = now;
        *rate_packets = ui->packets;
    }
}

int tui_run(const tui_source *src, tui_model *model, const tui_options *opt)
{
    static const tui_options no_options;
    tui_ui ui;
    memset(&ui, 0, sizeof ui);
    ui.m = model;
    ui.src = src;
    ui.opt = opt ? opt : &no_options;
    ui.search_hit = -1;
    tui_lines_init(&ui.lines);
    ui.tv = ui.opt->views ? tui_views_new(ui.opt->views) : NULL;

    setlocale(LC_ALL, "");
    ui.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    /* Keys come from the terminal, not stdin: `--tui -r -` reads the capture from stdin. */
    FILE *in = fopen("/dev/tty", "r"), *out = fopen("/dev/tty", "w");
    SCREEN *scr = in && out ? newterm(NULL, out, in) : NULL;
    if (!scr) {
        fprintf(stderr, "trawl: /dev/tty: %s\n", in && out ? "cannot start the terminal UI (is TERM set?)"
                                                         : strerror(errno));
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        tui_lines_free(&ui.lines);
        tui_views_free(ui.tv);
        return -1;
    }
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    tui_colors_init(&ui);
    int ttyfd = fileno(in);

    int64_t last_draw = 0, last_follow = 0, rate_at = now_ms();
    uint64_t drawn_gen = 0, rate_packets = 0;
    int quit = 0, keyed = 1;
    while (!quit) {
        int ch, first = 1;
        hold(src, 1);
        while ((ch = getch()) != ERR) {
            if (first && ui.view == TUI_VIEW_LIST && !ui.tab)
                sync_list(&ui); /* keys act on the rows as they are now, after the last pump (not rebuilt while
                                   no key comes: the redraw does it) */
            if (first)
                tui_views_sync(&ui);
            first = 0;
            quit = handle_key(&ui, ch);
            keyed = 1;
            if (quit)
                break;
            if (ui.view == TUI_VIEW_LIST && !ui.tab)
                sync_list(&ui);
            tui_views_sync(&ui); /* the next key acts on the rows as they are now */
        }
        if (quit) {
            hold(src, 0);
            break;
        }

        int busy = 0;
        hold(src, 0);
        if (!ui.done) {
            int64_t until = now_ms() + PUMP_SLICE_MS;
            do {
                int r = src->pump(src->arg, PUMP_BUDGET);
                if (r < 0) {
                    ui.done = 1;
                    keyed = 1; /* show "done" now */
                    break;
                }
                if (r == 0)
                    break;
                busy = 1;
            } while (now_ms() < until && !key_pending(ttyfd));
        }

        hold(src, 1);
        int64_t now = now_ms();
        if (!ui.done && now - last_follow >= REDRAW_MS) {
            follow_live(&ui);
            last_follow = now;
        }
        uint64_t gen = tui_model_generation(model) + (ui.opt->views ? views_generation(ui.opt->views) : 0);
        if (keyed || (gen != drawn_gen && now - last_draw >= REDRAW_MS) || now - last_draw >= 1000) {
            update_counters(&ui, now, &rate_at, &rate_packets);
            if (ui.view == TUI_VIEW_LIST)
                sync_list(&ui);
            else
                sync_session(&ui);
            tui_draw(&ui);
            last_draw = now;
            drawn_gen = gen;
            keyed = 0;
        }
        hold(src, 0);

        /* Wait for a key, packets (live) or the next redraw; files are pumped while no key is pending. */
        if (busy && src->fd < 0)
            continue;
        struct pollfd p[2] = {{.fd = ttyfd, .events = POLLIN}, {.fd = src->fd, .events = POLLIN}};
        int nfds = !ui.done && src->fd >= 0 ? 2 : 1;
        int timeout = busy ? 0 : (int)(REDRAW_MS - (now_ms() - last_draw));
        if (timeout < 0)
            timeout = 0;
        if (ui.done && timeout < REDRAW_MS)
            timeout = gen != drawn_gen ? timeout : 1000;
        if (poll(p, (nfds_t)nfds, timeout) < 0 && errno == EINTR)
            keyed = 1; /* SIGWINCH: getch() returns KEY_RESIZE next */
    }

    endwin();
    delscreen(scr);
    fclose(in);
    fclose(out);
    tui_lines_free(&ui.lines);
    tui_views_free(ui.tv);
    return 0;
}
