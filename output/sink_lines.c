#include "sink_lines.h"

#include "tr_format.h"

#define LINE_MAX_BYTES (4u << 20)

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files)
{
    l->out = out;
    l->format = format;
    l->with_files = with_files;
    tr_sb_init(&l->sb, LINE_MAX_BYTES);
}

static void lines_on_event(void *self, const tr_event *e)
{
    sink_lines *l = self;
    tr_sb_reset(&l->sb);
    if (l->format == SINK_LINES_JSON)
        tr_format_json(e, l->with_files, &l->sb);
    else
        tr_format_text(e, &l->sb);
    fwrite(l->sb.p, 1, l->sb.len, l->out);
}

tr_sink sink_lines_sink(sink_lines *l)
{
    tr_sink k = {0};
    k.self = l;
    k.on_event = lines_on_event;
    return k;
}

void sink_lines_free(sink_lines *l) { tr_sb_free(&l->sb); }
