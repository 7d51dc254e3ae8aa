#include "tcp_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sequence arithmetic modulo 2^32 (RFC 793): a before b when the signed difference is negative. */
static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

void tcp_half_syn(tcp_half *h, uint32_t seq)
{
    if (h->syn_seen && h->next_valid)
        return; /* retransmitted SYN */
    h->syn_seen = 1;
    h->isn = seq;
    h->next_seq = seq + 1;
    h->next_valid = 1;
}

static void check_fin(tcp_half *h)
{
    if (h->fin_seen && !h->fin_done && h->next_valid && seq_diff(h->next_seq, h->fin_seq) >= 0)
        h->fin_done = 1;
}

static void deliver(tcp_half *h, const tcp_sink *o, int dir, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (h->fin_seen && seq_diff(h->next_seq + (uint32_t)n, h->fin_seq) > 0) {
        /* bytes past the FIN: the FIN was a lie or a new connection; keep them anyway */
        h->fin_seq = h->next_seq + (uint32_t)n;
    }
    h->next_seq += (uint32_t)n;
    o->data(o->arg, dir, p, n);
}

/* Delivers queued segments that are now in order. */
static void drain(tcp_half *h, const tcp_sink *o, int dir)
{
    while (h->ooo) {
        tcp_seg *s = h->ooo;
        int32_t d = seq_diff(s->seq, h->next_seq);
        if (d > 0)
            break;
        h->ooo = s->next;
        if (!h->ooo)
            h->ooo_tail = NULL;
        h->ooo_bytes -= s->len;
        h->ooo_segs--;
        *o->mem -= s->len;
        uint32_t skip = h->next_seq - s->seq; /* unsigned: -d overflows at d == INT32_MIN */
        if (skip < s->len)
            deliver(h, o, dir, s->data + skip, s->len - skip);
        free(s);
    }
    check_fin(h);
}

/* Gives up on the hole before the first queued segment. */
static void gap_to_first(tcp_half *h, const tcp_sink *o, int dir)
{
    if (!h->ooo)
        return;
    int32_t d = seq_diff(h->ooo->seq, h->next_seq);
    if (d > 0) {
        o->gap(o->arg, dir, (uint64_t)d);
        h->next_seq = h->ooo->seq;
    }
    drain(h, o, dir);
}

/* Queues bytes [seq, seq+n) that lie after next_seq; parts already queued keep their first copy. */
static void enqueue(tcp_half *h, const tcp_sink *o, int dir, uint32_t seq, const uint8_t *p, size_t n)
{
    tcp_seg **at = &h->ooo;
    if (h->ooo_tail && seq_diff(h->ooo_tail->seq + h->ooo_tail->len, seq) <= 0)
        at = &h->ooo_tail->next; /* after everything queued: no walk through the list */
    while (n) {
        tcp_seg *cur = *at;
        if (cur && seq_diff(cur->seq + cur->len, seq) <= 0) { /* cur ends before us */
            at = &cur->next;
            continue;
        }
        size_t take = n;
        if (cur && seq_diff(cur->seq, seq) <= 0) {
            /* we start inside cur: compare the overlap, keep cur's bytes */
            uint32_t off = seq - cur->seq;
            size_t ov = cur->len - off < n ? cur->len - off : n;
            if (memcmp(cur->data + off, p, ov) != 0 && o->anomaly)
                o->anomaly(o->arg, dir, "tcp_overlap_differs",
                           "retransmitted bytes differ from the first copy (first copy kept)");
            seq += (uint32_t)ov;
            p += ov;
            n -= ov;
            at = &cur->next;
            continue;
        }
        if (cur && seq_diff(cur->seq, seq + (uint32_t)n) < 0)
            take = cur->seq - seq; /* up to the next queued segment */
        tcp_seg *s = malloc(sizeof *s + take);
        if (!s)
            return;
        s->seq = seq;
        s->len = (uint32_t)take;
        memcpy(s->data, p, take);
        s->next = cur;
        *at = s;
        if (!cur)
            h->ooo_tail = s;
        at = &s->next;
        h->ooo_bytes += take;
        h->ooo_segs++;
        *o->mem += take;
        seq += (uint32_t)take;
        p += take;
        n -= take;
    }
}

void tcp_half_segment(tcp_half *h, const tcp_sink *o, int dir, uint32_t seq, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (!h->next_valid) { /* picked up mid-stream: start here */
        h->next_seq = seq;
        h->next_valid = 1;
    }
    int32_t d = seq_diff(seq, h->next_seq);
    if (d <= 0) {
        uint32_t old = h->next_seq - seq; /* unsigned: -d overflows at d == INT32_MIN */
        if (old >= n) {
            /* a pure retransmission (first copy already delivered) */
            return;
        }
        p += old;
        n -= old;
        seq += old;
        /* queued segments overlapping what we now deliver keep precedence: compare them */
        if (h->ooo && seq_diff(h->ooo->seq, seq + (uint32_t)n) < 0) {
            enqueue(h, o, dir, seq, p, n);
            drain(h, o, dir);
            return;
        }
        deliver(h, o, dir, p, n);
        drain(h, o, dir);
        return;
    }
    enqueue(h, o, dir, seq, p, n);
    /* a hole the receiver already acknowledged past will never be filled in this capture */
    if (h->acked_valid && h->ooo && seq_diff(h->peer_acked, h->ooo->seq) >= 0)
        gap_to_first(h, o, dir);
    while (h->ooo && (h->ooo_bytes > o->stream_cap || *o->mem > o->mem_cap)) {
        if (o->cap_gaps)
            (*o->cap_gaps)++;
        gap_to_first(h, o, dir);
    }
}

void tcp_half_fin(tcp_half *h, const tcp_sink *o, int dir, uint32_t fin_seq)
{
    (void)o;
    (void)dir;
    if (!h->fin_seen) {
        h->fin_seen = 1;
        h->fin_seq = fin_seq;
    }
    if (!h->next_valid) {
        h->next_seq = fin_seq;
        h->next_valid = 1;
    }
    check_fin(h);
}

void tcp_half_acked(tcp_half *h, const tcp_sink *o, int dir, uint32_t ack)
{
    if (!h->acked_valid || seq_diff(ack, h->peer_acked) > 0) {
        h->peer_acked = ack;
        h->acked_valid = 1;
    }
    while (h->ooo && seq_diff(h->peer_acked, h->ooo->seq) >= 0)
        gap_to_first(h, o, dir);
}

void tcp_half_flush(tcp_half *h, const tcp_sink *o, int dir)
{
    while (h->ooo)
        gap_to_first(h, o, dir);
    /* bytes the receiver acknowledged but the capture never saw */
    if (h->next_valid && h->acked_valid) {
        uint32_t end = h->peer_acked;
        if (h->fin_seen && seq_diff(end, h->fin_seq) > 0)
            end = h->fin_seq; /* the ACK of a FIN covers the FIN's sequence number, not data */
        int32_t d = seq_diff(end, h->next_seq);
        if (d > 0) {
            o->gap(o->arg, dir, (uint64_t)d);
            h->next_seq = end;
        }
    }
    check_fin(h);
}

void tcp_half_free(tcp_half *h, size_t *mem)
{
    while (h->ooo) {
        tcp_seg *s = h->ooo;
        h->ooo = s->next;
        *mem -= s->len;
        free(s);
    }
    h->ooo_tail = NULL;
    h->ooo_bytes = 0;
    h->ooo_segs = 0;
}
