/* sink_lines: the stdout sink — one JSON or text line per event, buffered, flushed on demand. */
#ifndef SINK_LINES_H
#define SINK_LINES_H

#include <stdio.h>

#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"

enum sink_lines_format { SINK_LINES_TEXT, SINK_LINES_JSON };

typedef struct sink_lines {
    FILE *out;
    int format;
    int with_files;
    tr_strbuf sb;
} sink_lines;

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files);
tr_sink sink_lines_sink(sink_lines *l);
void sink_lines_free(sink_lines *l);

#endif
