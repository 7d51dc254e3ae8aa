/* layer: core/tr_layer.h's layered streams — an inner session delivered through deliver.c, put in order (when
 * given by sequence number) by tcp_stream.c, with its memory counted on the outer session. */
#include "../core/tr_layer.h"

#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "deliver.h"
#include "tcp_stream.h"

#define LAYER_STREAM_CAP (1u << 20) /* out-of-order bytes one direction may queue before a hole becomes a gap */

struct tr_layer {
    tr_session s;      /* the inner session: the outer one's identity, the inner dissector */
    tr_deliver d;
    tcp_half half[2];
    uint8_t started[2];
    size_t queued;     /* out-of-order bytes queued in half[] */
    uint64_t cap_gaps;
    size_t counted;    /* what this layer has added to the outer session's state_extra */
};

static void account(tr_layer *l)
{
    size_t now = sizeof *l + tr_deliver_held(&l->s, &l->d) + l->queued;
    l->s.outer->state_extra = l->s.outer->state_extra - l->counted + now;
    l->counted = now;
}

tr_layer *tr_layer_open(tr_session *outer, const tr_dissector *inner)
{
    tr_layer *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    tr_session *s = &l->s;
    s->id = outer->id;
    s->l4 = TR_TCP; /* the inner dissector sees a byte stream */
    s->client = outer->client;
    s->server = outer->server;
    s->dis = inner;
    s->ctx = outer->ctx;
    s->start_us = outer->start_us;
    s->last_us = outer->last_us;
    s->midstream = outer->midstream;
    s->parent = outer->parent;
    s->outer = outer->outer ? outer->outer : outer; /* layers on layers belong to the session of the flow table */
    tr_deliver_open(s, &l->d);
    account(l);
    return l;
}

tr_session *tr_layer_session(tr_layer *l) { return &l->s; }

static void ordered_data(void *arg, int dir, const uint8_t *p, size_t n)
{
    tr_layer *l = arg;
    l->s.bytes[dir] += n;
    tr_deliver_data(&l->s, &l->d, dir, p, n);
}

static void ordered_gap(void *arg, int dir, uint64_t n)
{
    tr_layer *l = arg;
    l->s.gap_bytes[dir] += n;
    tr_deliver_gap(&l->s, &l->d, dir, n);
}

static void ordered_anomaly(void *arg, int dir, const char *name, const char *detail)
{
    tr_layer *l = arg;
    tr_anomaly(l->s.ctx, &l->s, dir, name, "%s", detail);
}

static tcp_sink reassembly(tr_layer *l)
{
    tcp_sink o = {l, ordered_data, ordered_gap, ordered_anomaly, &l->queued, LAYER_STREAM_CAP, LAYER_STREAM_CAP,
                  &l->cap_gaps};
    return o;
}

static int usable(const tr_layer *l, int dir) { return l && (dir == TR_C2S || dir == TR_S2C); }

void tr_layer_data(tr_layer *l, int dir, const uint8_t *p, size_t n)
{
    if (!usable(l, dir) || !n)
        return;
    l->s.last_us = l->s.ctx ? l->s.ctx->now_us : l->s.last_us;
    ordered_data(l, dir, p, n);
    account(l);
}

void tr_layer_start(tr_layer *l, int dir, uint32_t first_seq)
{
    if (!usable(l, dir) || l->started[dir])
        return;
    l->started[dir] = 1;
    tcp_half_syn(&l->half[dir], first_seq - 1); /* as if a SYN came just before the first byte */
}

void tr_layer_segment(tr_layer *l, int dir, uint32_t seq, const uint8_t *p, size_t n)
{
    if (!usable(l, dir) || !n)
        return;
    tr_layer_start(l, dir, seq);
    tcp_sink o = reassembly(l);
    tcp_half_segment(&l->half[dir], &o, dir, seq, p, n);
    account(l);
}

void tr_layer_gap(tr_layer *l, int dir, uint64_t n)
{
    if (!usable(l, dir) || !n)
        return;
    ordered_gap(l, dir, n);
    account(l);
}

void tr_layer_end(tr_layer *l, int dir)
{
    if (!usable(l, dir))
        return;
    tcp_sink o = reassembly(l);
    tcp_half_flush(&l->half[dir], &o, dir);
    tr_deliver_end(&l->s, &l->d, dir);
    account(l);
}

void tr_layer_close(tr_layer *l, int reason)
{
    if (!l)
        return;
    tcp_sink o = reassembly(l);
    for (int dir = 0; dir < 2; dir++)
        tcp_half_flush(&l->half[dir], &o, dir);
    tr_deliver_close(&l->s, &l->d, reason);
    for (int dir = 0; dir < 2; dir++)
        tcp_half_free(&l->half[dir], &l->queued);
    l->s.outer->state_extra -= l->counted;
    free(l->s.expect_ctx);
    free(l);
}
