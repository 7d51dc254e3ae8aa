/* sink_lines: the stdout sink — one JSON or text line per event, buffered, flushed on demand.
 *
 * Reading a file, lines may be written before their digests are known (digest_lines.h): the worker thread
 * then runs alongside decoding instead of the engine waiting at every object's end. Output order is kept. */
#ifndef SINK_LINES_H
#define SINK_LINES_H

#include <stdio.h>

#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"
#include "digest_lines.h"

enum sink_lines_format { SINK_LINES_TEXT, SINK_LINES_JSON };

typedef struct sink_lines {
    FILE *out;
    int format;
    int with_files;
    int defer_digests;   /* reading a capture: lines may wait for digests */
    tr_strbuf sb;        /* the line being formatted */
    digest_lines queue;
} sink_lines;

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files);
/* Lets lines wait for their digests (for offline reading; live output is written as it happens). */
void sink_lines_defer_digests(sink_lines *l, int on);
tr_sink sink_lines_sink(sink_lines *l);
/* Waits for every held digest and writes the held lines. */
void sink_lines_drain(sink_lines *l);
void sink_lines_free(sink_lines *l);

#endif
