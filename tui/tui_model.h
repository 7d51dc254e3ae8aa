/* tui_model: the UI's view model — a bounded store of sessions (their events, transcripts and one-line
 * summaries) fed by a tr_sink, and the sorted/filtered rows and transcript lines the screen draws. No curses. */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"
#include "../output/transcript.h"
#include "tui_summary.h"

/* The caps that keep a long live capture in bounded memory. */
typedef struct tui_limits {
    size_t max_sessions;   /* sessions kept in the table (default 100000) */
    size_t max_events;     /* events kept per session (default 1000) */
    size_t max_transcript; /* transcript bytes kept per session (default 256 KB) */
    size_t max_details;    /* events + transcripts of all sessions together, bytes (default 24 MB) */
} tui_limits;

void tui_limits_default(tui_limits *lim);

enum tui_state { TUI_OPEN, TUI_CLOSED, TUI_RESET, TUI_TIMED_OUT, TUI_EVICTED, TUI_EOF };
const char *tui_state_name(int state); /* "open" "closed" "reset" "timed out" "evicted" "eof" */

enum tui_col { TUI_COL_ID, TUI_COL_START, TUI_COL_PROTO, TUI_COL_CLIENT, TUI_COL_SERVER, TUI_COL_PACKETS,
               TUI_COL_BYTES, TUI_COL_STATE, TUI_COL_SUMMARY, TUI_NCOLS };
const char *tui_col_name(int col);

#define TUI_EP_STRLEN (TR_IP_STRLEN + 8)

struct tui_detail;

/* One session as the table shows it. Strings are UTF-8 (the arrow is U+2192); control bytes replaced. */
typedef struct tui_session {
    uint64_t id;
    int64_t start_us, last_us;
    uint8_t l4;
    uint8_t state;          /* enum tui_state */
    uint8_t details_evicted; /* events and transcript were freed by the memory rule */
    char proto[16];
    tr_endpoint client, server;
    char client_str[TUI_EP_STRLEN], server_str[TUI_EP_STRLEN]; /* "10.0.0.1:40000", "[::1]:80" */
    uint64_t packets, bytes, dir_bytes[2];
    uint64_t dir_packets[2], gap_bytes[2], parent;
    uint8_t midstream;
    tui_summary sum;        /* the one-line summary (sum.text) */
    struct tui_detail *detail; /* NULL once evicted */
} tui_session;

typedef struct tui_stats {
    uint64_t sessions_seen;      /* every session the sink was told about */
    uint64_t sessions_kept;
    uint64_t sessions_evicted;   /* dropped from the table by max_sessions */
    uint64_t details_evicted;    /* sessions whose events/transcript were freed by max_details */
    uint64_t events;             /* events stored */
    uint64_t events_dropped;     /* over max_events, or of a session no longer kept */
    uint64_t transcript_dropped; /* bytes over max_transcript */
    uint64_t anomalies;          /* anomaly events, inside or outside sessions */
    size_t detail_bytes;         /* memory used by events and transcripts now */
} tui_stats;

typedef struct tui_model tui_model;

tui_model *tui_model_new(const tui_limits *lim); /* NULL: defaults */
void tui_model_free(tui_model *m);
const tui_limits *tui_model_limits(const tui_model *m);
/* The sink to add to the pipeline's context (tr_ctx_add_sink). */
tr_sink tui_model_sink(tui_model *m);
void tui_model_stats(const tui_model *m, tui_stats *out);
/* Changes every time the store changes; the screen redraws when it differs from what it drew. */
uint64_t tui_model_generation(const tui_model *m);
/* One line stating the eviction rule and what it has done, for the header. */
void tui_model_store_line(const tui_model *m, char *out, size_t cap);

/* A kept session by id, or NULL. Valid until the next sink call. */
const tui_session *tui_model_find(const tui_model *m, uint64_t id);

/* Brings a kept open session's row up to date with its live session (packets, bytes, and closed or reset once
 * its FINs or a RST are seen, while the engine lingers before ending it). Returns 1 when anything changed. */
int tui_model_follow(tui_model *m, uint64_t id);
/* 1 when the kept sessions started on more than one day (in --time's zone): the list then shows dates. */
int tui_model_many_days(const tui_model *m);

/* Rows: the kept sessions that match the filter, in sort order. */
void tui_model_set_sort(tui_model *m, int col, int reverse);
void tui_model_get_sort(const tui_model *m, int *col, int *reverse);
/* Filter words, all must match: proto:NAME, host:TEXT (client or server address), port:N, anything else
 * is free text matched (case-insensitively) against protocol, endpoints, state and summary. */
void tui_model_set_filter(tui_model *m, const char *filter);
const char *tui_model_filter(const tui_model *m);
/* Fills in the digests known by now (wait: every one) in stored events (tui/tui_digests.h). */
void tui_model_fill_digests(tui_model *m, int wait);
/* Rebuilds the row list if the store, sort or filter changed; returns the number of rows. */
size_t tui_model_refresh(tui_model *m);
size_t tui_model_nrows(const tui_model *m);
const tui_session *tui_model_row(const tui_model *m, size_t i); /* valid until the next sink call */
/* Row index of a session id in the current rows, or -1. */
long tui_model_row_of(const tui_model *m, uint64_t id);

/* A session's stored events. */
typedef struct tui_event_view {
    int64_t ts_us;
    int dir; /* enum tr_dir */
    const char *proto, *type;
    const char *brief;  /* one line: the scalar fields as key=value */
    const char *fields; /* one field a line, "key: value", nested values indented */
    /* like events that came after it, in a run folded into it (a peer's requests and pieces, as -T text folds them):
     * how many, the bytes they stand for, the last one's time */
    uint32_t more;
    uint64_t more_bytes;
    int64_t last_us;
} tui_event_view;

/* The events listed: runs of like events are listed once, their head counting the rest (tui_event_view.more). */
size_t tui_session_nevents(const tui_session *s);
int tui_session_event(const tui_session *s, size_t i, tui_event_view *out); /* 0, or -1 out of range */

/* Writes the session's stored events to f as the exporter's events.jsonl lines (-T json, with `file` fields when a
 * file sink named any), *written of them; an event too large to keep has no line. 0, or -1 when the session is not
 * kept or writing failed. */
int tui_model_events_json(const tui_model *m, uint64_t id, FILE *f, size_t *written);
/* The same as an export_one events callback (arg: the model). */
int tui_model_events_lookup(void *arg, uint64_t id, FILE *f, size_t *written);

/* What the UI keeps of a session's transcript, for writing it out (output/export_one.h): 0, or -1 when
 * the session is not kept. Valid until the next sink call. */
int tui_model_transcript(const tui_model *m, uint64_t id, tr_tx_memory *out);
/* The same as an export_one lookup (arg: the model). */
int tui_model_transcript_lookup(void *arg, uint64_t id, tr_tx_memory *out);

/* Transcript lines of one session, built on demand for the session in view by the renderer the exporter
 * uses (output/transcript.h): ">> " lines are C2S, "<< " S2C, "== " and the "--- " time lines MARKER. */
enum tui_line_kind { TUI_LINE_C2S, TUI_LINE_S2C, TUI_LINE_MARKER };

typedef struct tui_line {
    size_t off, len; /* in text */
    int64_t ts_us;
    uint8_t kind;
} tui_line;

typedef struct tui_lines {
    tui_line *v;
    size_t n, cap;
    tr_strbuf text;
    tr_strbuf render; /* the renderer's output not split into lines yet */
} tui_lines;

void tui_lines_init(tui_lines *l);
void tui_lines_free(tui_lines *l);
/* The session's transcript body as the exporter writes it (hex: TR_TX_HEX), one tui_line a line; a text
 * line longer than width columns goes on in lines indented by 3 (hex dump lines are left whole, for the
 * screen to cut). Tabs become spaces. */
void tui_transcript_lines(const tui_session *s, int hex, size_t width, tui_lines *out);
/* Next line (forward) or previous line (backward) after/before `from` containing needle
 * (case-insensitive), wrapping around; -1 when none. */
long tui_lines_find(const tui_lines *l, const char *needle, size_t from, int forward);
/* First line at or after time ts (for following the selected event), or the last line. */
size_t tui_lines_at_time(const tui_lines *l, int64_t ts_us);

/* "12 KB" style sizes, as the summaries use them. */
void tui_format_size(uint64_t n, char *out, size_t cap);

#endif
