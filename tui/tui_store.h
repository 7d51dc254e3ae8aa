/* tui_store: the model's private layout — per-session details (events, transcript chunks) and the helpers
 * its three files share (store, summaries, transcript lines). Not for the screen code. */
#ifndef TUI_STORE_H
#define TUI_STORE_H

#include "tui_model.h"

/* One piece of the transcript: a tr_tx_chunk (output/transcript.h) whose bytes are at off in detail->bytes. */
typedef struct tui_chunk {
    int64_t ts_us;
    uint64_t n;  /* DATA and notes: bytes at off; GAP: bytes missing */
    size_t off;  /* in detail->bytes */
    int8_t dir;  /* enum tr_dir; TR_NODIR for a note about the whole session */
    uint8_t kind; /* enum tr_tx_kind */
} tui_chunk;

/* One stored event: its strings live in detail->evtext, NUL-terminated, at these offsets; brief and fields are
 * TUI_EV_FROM_BLOB when they are made from the blob only when the event is shown (most events: formatting them
 * up front was a large part of the UI's indexing time, bench/README.md). */
#define TUI_EV_FROM_BLOB ((size_t)-2)
typedef struct tui_evrec {
    int64_t ts_us;
    int8_t dir;
    uint8_t folded_away; /* in the run an earlier record heads: kept (events.jsonl has every event), not listed */
    uint32_t more;       /* a run's head: like events after it folded into it, their bytes, the last one's time */
    uint64_t more_bytes;
    int64_t last_us;
    size_t proto, type, brief, fields;
    size_t blob, blob_len; /* the event flattened (output/event_blob.h), for its events.jsonl line; 0 bytes: none */
} tui_evrec;

typedef struct tui_detail {
    tui_evrec *ev;
    size_t nev, evcap;
    char *evtext;
    size_t evtext_len, evtext_cap;
    tui_chunk *ch;
    size_t nch, chcap;
    uint8_t *bytes; /* transcript data and note texts */
    size_t nbytes, bytes_cap;
    uint8_t tx_capped;   /* the "transcript cap" note has been written */
    size_t nlisted;      /* events not folded away */
    uint32_t run[2];     /* each way, the record heading the run that is open (its index + 1; 0: none) */
    uint64_t run_key[2]; /* and the hash of its key */
    size_t mem;          /* bytes allocated for all of the above */
} tui_detail;

/* Chunk i as the renderer takes it (its bytes point into d). */
void tui_chunk_get(const tui_detail *d, size_t i, tr_tx_chunk *out);

#endif
