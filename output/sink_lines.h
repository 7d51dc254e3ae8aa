/* sink_lines: the stdout sink — one JSON or text line per event, buffered, flushed on demand.
 *
 * Reading a file, JSON lines may be written before their digests are known: a line with a digest still being
 * hashed (core/tr_hash.h) waits in a queue, with the lines after it, until the digest is filled in, so the hash
 * worker runs alongside decoding instead of the engine waiting at every object's end. Output order is kept. */
#ifndef SINK_LINES_H
#define SINK_LINES_H

#include <stdio.h>

#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"
#include "tr_format.h"

enum sink_lines_format { SINK_LINES_TEXT, SINK_LINES_JSON };

#define SINK_LINES_HOLES_MAX 1024         /* digests waited for at once; more makes the sink wait */
#define SINK_LINES_QUEUE_MAX (1u << 20)   /* bytes of lines held back; more makes the sink wait */

typedef struct sink_lines {
    FILE *out;
    int format;
    int with_files;
    int defer_digests;   /* JSON to a file or pipe while reading a capture: lines may wait for digests */
    tr_strbuf sb;        /* the line being formatted */
    tr_strbuf queue;     /* lines held back, from the first unknown digest on */
    int nholes;          /* holes[0..nholes): digests not yet filled in, offsets into queue, in order */
    tr_digest_hole holes[SINK_LINES_HOLES_MAX];
} sink_lines;

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files);
/* Lets JSON lines wait for their digests (for offline reading; live output is written as it happens). */
void sink_lines_defer_digests(sink_lines *l, int on);
tr_sink sink_lines_sink(sink_lines *l);
/* Waits for every held digest and writes the held lines. */
void sink_lines_drain(sink_lines *l);
void sink_lines_free(sink_lines *l);

#endif
