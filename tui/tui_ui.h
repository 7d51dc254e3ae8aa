/* tui_ui: the UI's own state (view, selection, scroll, typing) shared by the main loop (tui.c, keys) and
 * the drawing code (tui_draw.c, which only draws). */
#ifndef TUI_UI_H
#define TUI_UI_H

#include "tui.h"

enum tui_view { TUI_VIEW_LIST, TUI_VIEW_SESSION };
enum tui_typing { TUI_TYPING_NONE, TUI_TYPING_FILTER, TUI_TYPING_SEARCH };

#define TUI_INPUT_MAX 128

typedef struct tui_ui {
    tui_model *m;
    const tui_source *src;
    const tui_options *opt;
    int utf8, color;
    int view, help, typing;
    int tab;                /* 0 Sessions; the others: tui_views.h */
    struct tui_views *tv;   /* the other tabs; NULL without views */
    char input[TUI_INPUT_MAX]; /* what is being typed (filter or search) */
    /* sessions list */
    size_t sel, top;
    uint64_t sel_id;
    /* session view */
    uint64_t sess_id;
    size_t ev_sel, ev_top, tx_top;
    int focus; /* 0: events, 1: transcript */
    int hex;
    tui_lines lines;
    uint64_t lines_gen;
    int lines_hex;
    size_t lines_width;
    char search[TUI_INPUT_MAX];
    long search_hit;
    /* header */
    uint64_t packets, drops;
    double rate;
    int done;
    char status[256];
} tui_ui;

/* Layout the keys need: rows of the list, of the events pane and of the transcript pane. */
int tui_list_rows(void);
int tui_events_rows(void);
int tui_transcript_rows(void);
size_t tui_transcript_width(void);

void tui_draw(tui_ui *ui);
/* Moves a selection by delta within n items, keeping it inside a window of rows starting at *top (tui.c). */
void tui_move_sel(size_t *sel, size_t *top, size_t n, long delta, int rows);
/* `e`: session id written as --export would into ./trawl-session-<id>/ (or DIR), the outcome in the status line. */
void tui_export_session(tui_ui *ui, uint64_t id);
/* Writes at most maxcols columns of s (n bytes, UTF-8) at y,x; returns the columns used (tui_draw.c). */
int tui_put(const tui_ui *ui, int y, int x, int maxcols, const char *s, size_t n);
/* A whole-width bar with text on it (tui_draw.c). */
void tui_bar(const tui_ui *ui, int y, const char *text);
void tui_colors_init(tui_ui *ui);

#endif
