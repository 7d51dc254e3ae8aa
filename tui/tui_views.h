/* tui_views: the UI's tabs besides Sessions — the views across protocols (output/views.h: Credentials, Files,
 * Messages, Hosts, the tables dissectors give such as Leases and Torrents) and Statistics — each a table filtered
 * with the filter language (proto: host: port: column:value and words) and sorted by any column, updated live.
 * tab 0 is Sessions (tui.c, tui_draw.c); tabs 1..n are the views' tables; the last is Statistics. */
#ifndef TUI_VIEWS_H
#define TUI_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_strbuf.h"

struct tui_ui;
struct views;

typedef struct tui_vtab tui_vtab;
typedef struct tui_views tui_views;

tui_views *tui_views_new(struct views *v);
void tui_views_free(tui_views *tv);

/* Tabs: 1 (Sessions) without views. */
int tui_views_ntabs(const tui_views *tv);
const char *tui_views_tab_name(const tui_views *tv, int tab);

/* ---- one tab's rows (no curses: the unit tests and the bench use these) ---- */

/* Filter words, all must match: proto:NAME, host:TEXT (a column holding addresses), port:N, COLUMN:TEXT (that
 * column holds TEXT), anything else in any cell; case-insensitive. */
void tui_views_set_filter(tui_views *tv, int tab, const char *filter);
const char *tui_views_filter(const tui_views *tv, int tab);
void tui_views_set_sort(tui_views *tv, int tab, int col, int reverse);
void tui_views_get_sort(const tui_views *tv, int tab, int *col, int *reverse);
/* Rebuilds the tab's rows when the views, its filter or its sort changed; returns how many match. */
size_t tui_views_refresh(tui_views *tv, int tab);
size_t tui_views_nrows(const tui_views *tv, int tab);
/* The table row index of row i of the tab (in filter and sort order). */
size_t tui_views_row(const tui_views *tv, int tab, size_t i);
/* A cell as the UI shows it: times as the time of day, sizes as "12 KB", flags as yes/no. */
void tui_views_cell_text(const tui_views *tv, int tab, size_t row, int col, char *out, size_t cap);
/* The text of the Statistics tab (views_stats_text) and its per-second sparkline of packets. */
void tui_views_sparkline(const tui_views *tv, int utf8, size_t width, tr_strbuf *out);

/* ---- the screen (tui.c, tui_draw.c) ---- */

#define TUI_VIEWS_TABS_MAX 32

/* What the screen keeps per tab: the selection (row in the tab, its table row + 1, 0 before any), the first row shown; and the record
 * open (Enter): its text, one line each, scrolled. */
typedef struct tui_vscreen {
    size_t sel[TUI_VIEWS_TABS_MAX], top[TUI_VIEWS_TABS_MAX], sel_row[TUI_VIEWS_TABS_MAX];
    int open;            /* a record is open (its tab: the current one) */
    size_t open_row, open_top;
    tr_strbuf open_text; /* its lines, '\n'-separated */
    size_t stats_top;    /* Statistics: first line shown */
    tr_strbuf stats;     /* Statistics: its text */
    uint64_t stats_gen;
} tui_vscreen;

tui_vscreen *tui_views_screen(tui_views *tv);

/* The tab in view's rows rebuilt (views changed), the selection kept on its row; nothing on Sessions. */
void tui_views_sync(struct tui_ui *ui);
/* Keys on a tab other than Sessions; 1 when the user quits. */
int tui_views_key(struct tui_ui *ui, int ch);
void tui_views_draw(struct tui_ui *ui);
/* The tab bar at row y. */
void tui_views_tabbar(struct tui_ui *ui, int y);
/* Tab switching keys (1-9, Tab, Shift-Tab) on a list: 1 when ch was one. */
int tui_views_switch_key(struct tui_ui *ui, int ch);
/* The help screen, naming every view. */
void tui_views_help(struct tui_ui *ui);

#endif
