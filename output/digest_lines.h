/* digest_lines: writes formatted JSON lines to a FILE in order, where a line may hold digests still being
 * computed on the worker thread (holes, see tr_format_json_holes). Such a line waits, with the lines after it,
 * until its digests are known, so the engine never waits at an object's end; capped, so memory stays bounded
 * (past the caps, the writer waits for the oldest digest). */
#ifndef DIGEST_LINES_H
#define DIGEST_LINES_H

#include <stdio.h>

#include "../core/tr_strbuf.h"
#include "tr_format.h"

#define DIGEST_LINES_HOLES_MAX 1024       /* digests waited for at once */
#define DIGEST_LINES_QUEUE_MAX (1u << 20) /* bytes of lines held back */

typedef struct digest_lines {
    FILE *out;
    int write_failed;    /* a write came up short (errno tells why) */
    tr_strbuf queue;     /* lines held back: queue.p[head..len) not written yet */
    size_t head;
    int first, nholes;   /* holes[first..nholes): digests not yet filled in, offsets into queue, in order */
    tr_digest_hole holes[DIGEST_LINES_HOLES_MAX];
} digest_lines;

void digest_lines_init(digest_lines *q, FILE *out);
/* Writes line (one or more whole lines) now or once its holes are filled; the tickets are held meanwhile. */
void digest_lines_put(digest_lines *q, const tr_strbuf *line, const tr_digest_holes *holes);
/* Waits for every held digest and writes the held lines. */
void digest_lines_drain(digest_lines *q);
/* Drains, then frees the queue. */
void digest_lines_free(digest_lines *q);

#endif
