/* sink_lines: the stdout sink — one JSON or text line per event, buffered, flushed on demand.
 *
 * Reading a file, lines may be written before their digests are known (digest_lines.h): the worker thread
 * then runs alongside decoding instead of the engine waiting at every object's end. With sink_lines_use_worker,
 * lines are also formatted and written on the worker thread (an event is flattened into the job queue,
 * output/event_blob.h), where a digest is known by the time its line comes up; while the worker is behind,
 * events without digests are formatted here and only their text is queued. Output order is kept either way. */
#ifndef SINK_LINES_H
#define SINK_LINES_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"
#include "digest_lines.h"

enum sink_lines_format { SINK_LINES_TEXT, SINK_LINES_JSON };

struct event_blob_view;

/* -T text: a run of like events being folded (tr_presenter's text_fold): its session, direction and key, how many
 * more came after its first (written) event and their bytes, and the last one's line start for the closing line. */
#define SINK_LINES_RUNS 16
#define SINK_LINES_RUN_KEY 48
#define SINK_LINES_RUN_HEAD 256
typedef struct sink_lines_run {
    uint64_t session, more, bytes, used; /* used: 0 free, else when it was last added to (for the oldest) */
    int dir;
    uint8_t key_len;
    uint16_t head_len;
    char key[SINK_LINES_RUN_KEY];
    char head[SINK_LINES_RUN_HEAD];
} sink_lines_run;

typedef struct sink_lines {
    FILE *out;
    int format;
    int with_files;
    int defer_digests;   /* reading a capture: lines may wait for digests */
    int use_worker;      /* lines are formatted and written on the worker thread while it runs */
    tr_strbuf sb;        /* the line being formatted (on the engine's thread) */
    digest_lines queue;
    uint8_t *blob;       /* an event being flattened for the worker */
    /* the worker's own: its view of an event, its line, and whether a write failed */
    struct event_blob_view *view;
    tr_strbuf wsb;
    atomic_int worker_write_failed;
    /* -T text's folding, on the engine's thread */
    sink_lines_run runs[SINK_LINES_RUNS];
    uint64_t run_clock;
    tr_strbuf fold, fold_key;
} sink_lines;

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files);
/* Lets lines wait for their digests (for offline reading; live output is written as it happens). */
void sink_lines_defer_digests(sink_lines *l, int on);
/* Formats and writes lines on the worker thread while it runs (with defer_digests: offline reading). From then
 * on `out` is the worker's until sink_lines_drain. */
void sink_lines_use_worker(sink_lines *l, int on);
tr_sink sink_lines_sink(sink_lines *l);
/* Waits for every held digest and queued line, and writes them (and the closing lines of -T text's open runs). */
void sink_lines_drain(sink_lines *l);
/* A write to `out` failed (the reader went away); safe to ask while the worker writes. */
int sink_lines_write_failed(sink_lines *l);
void sink_lines_free(sink_lines *l);

#endif
