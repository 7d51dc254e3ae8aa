#include "sink_lines.h"

#include "tr_format.h"

#define LINE_MAX_BYTES (4u << 20)

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files)
{
    l->out = out;
    l->format = format;
    l->with_files = with_files;
    l->defer_digests = 0;
    tr_sb_init(&l->sb, LINE_MAX_BYTES);
    digest_lines_init(&l->queue, out);
}

void sink_lines_defer_digests(sink_lines *l, int on) { l->defer_digests = on; }

static void lines_on_event(void *self, const tr_event *e)
{
    sink_lines *l = self;
    tr_sb_reset(&l->sb);
    tr_digest_holes holes = {.n = 0};
    if (l->format == SINK_LINES_JSON)
        tr_format_json_holes(e, l->with_files, &l->sb, l->defer_digests ? &holes : NULL);
    else
        tr_format_text_holes(e, &l->sb, l->defer_digests ? &holes : NULL);
    digest_lines_put(&l->queue, &l->sb, &holes);
}

void sink_lines_drain(sink_lines *l) { digest_lines_drain(&l->queue); }

tr_sink sink_lines_sink(sink_lines *l)
{
    tr_sink k = {0};
    k.self = l;
    k.on_event = lines_on_event;
    k.takes_digest_tickets = l->defer_digests;
    return k;
}

void sink_lines_free(sink_lines *l)
{
    digest_lines_free(&l->queue);
    tr_sb_free(&l->sb);
}
