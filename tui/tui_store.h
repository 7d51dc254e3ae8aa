/* tui_store: the model's private layout — per-session details (events, transcript chunks) and the helpers
 * its three files share (store, summaries, transcript lines). Not for the screen code. */
#ifndef TUI_STORE_H
#define TUI_STORE_H

#include "tui_model.h"

enum tui_chunk_kind { TUI_CHUNK_DATA, TUI_CHUNK_GAP, TUI_CHUNK_MARKER };

/* One piece of the transcript: bytes of one direction, a gap of n bytes, or a marker text. */
typedef struct tui_chunk {
    int64_t ts_us;
    uint64_t n;   /* DATA/MARKER: bytes at off; GAP: bytes missing */
    size_t off;   /* in detail->bytes */
    uint8_t dir;  /* TR_C2S / TR_S2C; markers: TR_C2S */
    uint8_t kind;
} tui_chunk;

/* One stored event: its strings live in detail->evtext, NUL-terminated, at these offsets. */
typedef struct tui_evrec {
    int64_t ts_us;
    int8_t dir;
    size_t proto, type, brief, fields;
} tui_evrec;

typedef struct tui_detail {
    tui_evrec *ev;
    size_t nev, evcap;
    char *evtext;
    size_t evtext_len, evtext_cap;
    tui_chunk *ch;
    size_t nch, chcap;
    uint8_t *bytes; /* transcript data and marker texts */
    size_t nbytes, bytes_cap;
    size_t data_bytes;   /* stream bytes counted against max_transcript */
    uint8_t tx_capped;   /* the "transcript cap" marker has been written */
    size_t mem;          /* bytes allocated for all of the above */
} tui_detail;

/* Summary: folds one event into the session's one-line summary. */
void tui_summary_add(tui_session *s, const tr_event *e);
/* Appends n bytes to dst (NUL-terminated, cap bytes) keeping valid UTF-8 and replacing control bytes and
 * invalid sequences with '?'; stops before a character that does not fit. Returns 0 when all of it fit. */
int tui_utf8_append(char *dst, size_t cap, const char *src, size_t n);

/* Event rendering for the store: the one-line brief and the field list. */
void tui_event_brief(const tr_event *e, tr_strbuf *sb);
void tui_event_fields(const tr_event *e, tr_strbuf *sb);

#define TUI_ARROW "\xe2\x86\x92" /* U+2192 RIGHTWARDS ARROW */

#endif
