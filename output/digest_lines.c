#include "digest_lines.h"

#include <string.h>

#include "../core/tr_hash.h"

#define LINE_MAX_BYTES (4u << 20)

void digest_lines_init(digest_lines *q, FILE *out)
{
    q->out = out;
    q->write_failed = 0;
    q->nholes = q->first = 0;
    q->head = 0;
    tr_sb_init(&q->queue, DIGEST_LINES_QUEUE_MAX + LINE_MAX_BYTES);
}

static void put(digest_lines *q, const char *p, size_t n)
{
    if (n && fwrite(p, 1, n, q->out) != n)
        q->write_failed = 1;
}

/* Fills in hole h of buffer p (its digest known or waited for): the hex, or the field cut out when hashing
 * failed. Writes p[from, h->end) and returns h->end. */
static size_t write_through_hole(digest_lines *q, char *p, size_t from, const tr_digest_hole *h)
{
    char hex[2 * TR_HASH_DIGEST_LEN + 1];
    int ok = tr_hash_ticket_hex(h->ticket, hex);
    tr_hash_ticket_release(h->ticket);
    if (ok) {
        memcpy(p + h->hex_at, hex, 2 * TR_HASH_DIGEST_LEN);
        put(q, p + from, h->end - from);
    } else {
        put(q, p + from, h->start - from);
    }
    return h->end;
}

/* Writes held lines up to the first digest still being computed, after waiting for the first `wait` ones.
 * What was written is only passed over (head, first): the queue is compacted when it must take more, so a
 * line is not moved again for every line written before it. */
static void flush_queue(digest_lines *q, int wait)
{
    size_t pos = q->head;
    int done = q->first;
    while (done < q->nholes && (done - q->first < wait || tr_hash_ticket_ready(q->holes[done].ticket)))
        pos = write_through_hole(q, q->queue.p, pos, &q->holes[done++]);
    size_t upto = done < q->nholes ? q->holes[done].start : q->queue.len;
    put(q, q->queue.p + pos, upto - pos);
    q->head = upto;
    q->first = done;
    if (done == q->nholes) { /* all written */
        q->queue.len = q->head = 0;
        q->nholes = q->first = 0;
    }
}

/* Moves what is still held to the front of the queue and of the holes. */
static void compact(digest_lines *q)
{
    if (!q->head && !q->first)
        return;
    memmove(q->queue.p, q->queue.p + q->head, q->queue.len - q->head);
    q->queue.len -= q->head;
    q->nholes -= q->first;
    memmove(q->holes, q->holes + q->first, (size_t)q->nholes * sizeof q->holes[0]);
    for (int i = 0; i < q->nholes; i++) {
        q->holes[i].start -= q->head;
        q->holes[i].hex_at -= q->head;
        q->holes[i].end -= q->head;
    }
    q->head = 0;
    q->first = 0;
}

/* Whether n more holes and len more bytes would pass the caps: counting what is still held (pending), or
 * everything in the arrays, written or not (stored). */
static int over_caps(const digest_lines *q, int n, size_t len, int pending)
{
    int holes = q->nholes - (pending ? q->first : 0);
    size_t bytes = q->queue.len - (pending ? q->head : 0);
    return holes + n > DIGEST_LINES_HOLES_MAX || bytes + len > DIGEST_LINES_QUEUE_MAX;
}

void digest_lines_put(digest_lines *q, const tr_strbuf *line, const tr_digest_holes *holes)
{
    int n = holes ? holes->n : 0;
    if (n == 0 && q->nholes == 0) {
        put(q, line->p, line->len);
        return;
    }
    for (int i = 0; i < n; i++)
        tr_hash_ticket_hold(holes->at[i].ticket); /* until its digest is written */
    if (line->overflow) { /* cut short: holes may lie past its end, so it is written now, not held */
        flush_queue(q, q->nholes - q->first);
        size_t pos = 0;
        for (int i = 0; i < n; i++) {
            if (holes->at[i].end <= line->len)
                pos = write_through_hole(q, line->p, pos, &holes->at[i]);
            else
                tr_hash_ticket_release(holes->at[i].ticket);
        }
        put(q, line->p + pos, line->len - pos);
        return;
    }
    while (q->nholes > q->first && over_caps(q, n, line->len, 1))
        flush_queue(q, 1); /* waits for the oldest digest still held */
    if (over_caps(q, n, line->len, 0))
        compact(q); /* at most once a line: what is held now fits */
    size_t base = q->queue.len;
    tr_sb_add(&q->queue, line->p, line->len);
    for (int i = 0; i < n; i++) {
        tr_digest_hole h = holes->at[i];
        h.start += base;
        h.hex_at += base;
        h.end += base;
        q->holes[q->nholes++] = h;
    }
    flush_queue(q, 0);
}

void digest_lines_drain(digest_lines *q)
{
    if (q->nholes || q->queue.len)
        flush_queue(q, q->nholes - q->first);
}

void digest_lines_free(digest_lines *q)
{
    digest_lines_drain(q);
    tr_sb_free(&q->queue);
}
