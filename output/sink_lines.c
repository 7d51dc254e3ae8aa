#include "sink_lines.h"

#include <string.h>

#include "../core/tr_hash.h"

#define LINE_MAX_BYTES (4u << 20)

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files)
{
    l->out = out;
    l->format = format;
    l->with_files = with_files;
    l->defer_digests = 0;
    l->nholes = 0;
    tr_sb_init(&l->sb, LINE_MAX_BYTES);
    tr_sb_init(&l->queue, SINK_LINES_QUEUE_MAX + LINE_MAX_BYTES);
}

void sink_lines_defer_digests(sink_lines *l, int on) { l->defer_digests = on && l->format == SINK_LINES_JSON; }

/* Fills in hole h of buffer p (its digest is known or waited for): the hex, or the field cut out when hashing
 * failed. Writes p[from, h->end) and returns h->end. */
static size_t write_through_hole(sink_lines *l, char *p, size_t from, const tr_digest_hole *h)
{
    unsigned char digest[TR_HASH_DIGEST_LEN];
    int ok = tr_hash_ticket_digest(h->ticket, digest);
    tr_hash_ticket_release(h->ticket);
    if (ok) {
        char hex[2 * TR_HASH_DIGEST_LEN + 1];
        tr_hash_hex(digest, hex);
        memcpy(p + h->hex_at, hex, 2 * TR_HASH_DIGEST_LEN);
        fwrite(p + from, 1, h->end - from, l->out);
    } else {
        fwrite(p + from, 1, h->start - from, l->out);
    }
    return h->end;
}

/* Writes held lines up to the first digest still being computed, after waiting for the first `wait` ones. */
static void flush_queue(sink_lines *l, int wait)
{
    size_t pos = 0;
    int done = 0;
    while (done < l->nholes && (done < wait || tr_hash_ticket_ready(l->holes[done].ticket)))
        pos = write_through_hole(l, l->queue.p, pos, &l->holes[done++]);
    size_t upto = done < l->nholes ? l->holes[done].start : l->queue.len;
    fwrite(l->queue.p + pos, 1, upto - pos, l->out);
    /* keep the rest at the front: it is at most a few lines, since the worker is rarely far behind */
    memmove(l->queue.p, l->queue.p + upto, l->queue.len - upto);
    l->queue.len -= upto;
    l->nholes -= done;
    memmove(l->holes, l->holes + done, (size_t)l->nholes * sizeof l->holes[0]);
    for (int i = 0; i < l->nholes; i++) {
        l->holes[i].start -= upto;
        l->holes[i].hex_at -= upto;
        l->holes[i].end -= upto;
    }
}

static void lines_on_event(void *self, const tr_event *e)
{
    sink_lines *l = self;
    tr_sb_reset(&l->sb);
    if (l->format != SINK_LINES_JSON) {
        tr_format_text(e, &l->sb);
        fwrite(l->sb.p, 1, l->sb.len, l->out);
        return;
    }
    tr_digest_holes holes = {.n = 0};
    tr_format_json_holes(e, l->with_files, &l->sb, l->defer_digests ? &holes : NULL);
    for (int i = 0; i < holes.n; i++)
        tr_hash_ticket_hold(holes.at[i].ticket); /* until its digest is written */
    if (holes.n == 0 && l->nholes == 0) {
        fwrite(l->sb.p, 1, l->sb.len, l->out);
        return;
    }
    if (l->sb.overflow) { /* cut short: the holes may lie past the end, so this line is not held */
        flush_queue(l, l->nholes);
        size_t pos = 0;
        for (int i = 0; i < holes.n; i++)
            if (holes.at[i].end <= l->sb.len)
                pos = write_through_hole(l, l->sb.p, pos, &holes.at[i]);
            else
                tr_hash_ticket_release(holes.at[i].ticket);
        fwrite(l->sb.p + pos, 1, l->sb.len - pos, l->out);
        return;
    }
    while (l->nholes && (l->nholes + holes.n > SINK_LINES_HOLES_MAX || l->queue.len + l->sb.len > SINK_LINES_QUEUE_MAX))
        flush_queue(l, 1);
    size_t base = l->queue.len;
    tr_sb_add(&l->queue, l->sb.p, l->sb.len);
    for (int i = 0; i < holes.n; i++) {
        tr_digest_hole h = holes.at[i];
        h.start += base;
        h.hex_at += base;
        h.end += base;
        l->holes[l->nholes++] = h;
    }
    flush_queue(l, 0);
}

void sink_lines_drain(sink_lines *l)
{
    if (l->nholes || l->queue.len)
        flush_queue(l, l->nholes);
}

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
    sink_lines_drain(l);
    tr_sb_free(&l->sb);
    tr_sb_free(&l->queue);
}
