/* tui: the ncurses UI (`trawl --tui`) — sessions table, session view (events, fields, transcript), filter,
 * sort, export. The only module that includes <curses.h>; it draws what tui_model holds. */
#ifndef TUI_H
#define TUI_H

#include <stddef.h>
#include <stdint.h>

#include "tui_model.h"

/* Where packets come from; the UI pumps it between keystrokes. */
typedef struct tui_source {
    void *arg;
    /* Dispatches up to budget packets; returns >0 processed, 0 nothing available now, -1 input finished. */
    int (*pump)(void *arg, int budget);
    int fd;            /* pollable fd for live capture, -1 for files */
    const char *label; /* "file.pcap", "eth0 (tcp port 80)" */
    void (*counters)(void *arg, uint64_t *packets, uint64_t *drops); /* may be NULL */
    /* a short word on where events are sent besides the UI (--output), for the header; may be NULL */
    void (*outputs)(void *arg, char *out, size_t cap);
    /* Takes (on) or releases (!on) what lets the UI read the model and views while another thread writes them
     * (output/sink_worker.h); held whenever the UI touches them, released while it pumps or waits. May be NULL. */
    void (*hold)(void *arg, int on);
} tui_source;

typedef struct tui_options {
    /* `e` on a session: exports it (output/export_one.h); msg (cap bytes) is shown in the status line.
     * Returns 0 on success, -1 on failure. NULL: export is unavailable. */
    int (*export_session)(void *arg, uint64_t session_id, char *msg, size_t cap);
    void *export_arg;
    int no_color; /* monochrome even when the terminal has colours */
    struct views *views;    /* the views across protocols (output/views.h) for the other tabs; NULL: sessions only */
    const char *export_dir; /* --export DIR (extracted files are there), NULL without */
} tui_options;

/* Runs the UI on /dev/tty until the user quits (the input may end before: the UI stays up).
 * Returns 0, or -1 when the terminal cannot be used (one line on stderr says why). */
int tui_run(const tui_source *src, tui_model *model, const tui_options *opt);

#endif
