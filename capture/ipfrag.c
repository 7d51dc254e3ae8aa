#include "ipfrag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const report_names[IPFRAG_R_KINDS] = {
    [IPFRAG_R_INCOMPLETE] = "ip_fragments_incomplete", [IPFRAG_R_EVICTED] = "ip_fragments_evicted",
    [IPFRAG_R_TOO_LARGE] = "ip_fragment_too_large", [IPFRAG_R_INCONSISTENT] = "ip_fragment_inconsistent",
    [IPFRAG_R_OVERLAP] = "ip_fragment_overlap", [IPFRAG_R_OVERLAP_DIFFERS] = "ip_fragment_overlap_differs",
};

void ipfrag_init(ipfrag_table *t, tr_ctx *ctx)
{
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
}

/* Frees a train's buffers (the table keeps a slot's buffers only while the slot is reused at once). */
static void train_release(ipfrag_train *tr)
{
    free(tr->buf);
    free(tr->have);
    memset(tr, 0, sizeof *tr);
}

void ipfrag_free(ipfrag_table *t)
{
    for (int i = 0; i < IPFRAG_MAX_TRAINS; i++)
        train_release(&t->trains[i]);
    free(t->out);
    t->out = NULL;
}

/* An anomaly outside any session, at most IPFRAG_REPORT_BURST of a kind per second of capture time; the rest are
 * counted (for --stats) and said in one line when the next second's first report comes. */
static void report(ipfrag_table *t, int64_t now_us, int kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(ipfrag_table *t, int64_t now_us, int kind, const char *fmt, ...)
{
    ipfrag_reports *r = &t->reports[kind];
    if (now_us - r->second_start >= 1000000 || now_us < r->second_start) {
        r->second_start = now_us;
        r->in_second = 0;
    }
    if (r->in_second >= IPFRAG_REPORT_BURST) {
        r->held++;
        tr_ctx_count_anomaly(t->ctx, report_names[kind]);
        return;
    }
    r->in_second++;
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (r->held) {
        tr_anomaly(t->ctx, NULL, TR_NODIR, report_names[kind], "%s (and %llu more like it not reported one by one)",
                   detail, (unsigned long long)r->held);
        r->held = 0;
    } else {
        tr_anomaly(t->ctx, NULL, TR_NODIR, report_names[kind], "%s", detail);
    }
}

static void expire(ipfrag_table *t, int64_t now_us)
{
    for (int i = 0; i < IPFRAG_MAX_TRAINS; i++) {
        ipfrag_train *tr = &t->trains[i];
        if (tr->used && now_us - tr->first_us > IPFRAG_TIMEOUT_US) {
            t->timed_out++;
            report(t, now_us, IPFRAG_R_INCOMPLETE, "IP datagram id %u: %zu bytes of fragments never completed", tr->id,
                   tr->covered);
            train_release(tr);
        }
    }
}

/* The slot to give a new datagram from src when every slot is taken: src's own oldest datagram when src holds more
 * than a quarter of the table (a flooding host evicts its own), else the oldest of all. One pass over the table. */
static ipfrag_train *victim(ipfrag_table *t, const tr_ip *src)
{
    ipfrag_train *oldest = &t->trains[0], *own_oldest = NULL;
    int own = 0;
    for (int i = 0; i < IPFRAG_MAX_TRAINS; i++) {
        ipfrag_train *tr = &t->trains[i];
        if (tr->first_us < oldest->first_us)
            oldest = tr;
        if (tr_ip_equal(&tr->src, src)) {
            own++;
            if (!own_oldest || tr->first_us < own_oldest->first_us)
                own_oldest = tr;
        }
    }
    return own > IPFRAG_MAX_TRAINS / 4 ? own_oldest : oldest;
}

static ipfrag_train *train_find(ipfrag_table *t, int64_t now_us, const tr_ip *src, const tr_ip *dst, uint32_t id,
                                uint8_t proto)
{
    ipfrag_train *free_slot = NULL;
    for (int i = 0; i < IPFRAG_MAX_TRAINS; i++) {
        ipfrag_train *tr = &t->trains[i];
        if (!tr->used) {
            if (!free_slot)
                free_slot = tr;
            continue;
        }
        if (tr->id == id && tr->proto == proto && tr_ip_equal(&tr->src, src) && tr_ip_equal(&tr->dst, dst))
            return tr;
    }
    if (!free_slot) { /* full: the new datagram may be the valid one; an old unfinished one makes room */
        free_slot = victim(t, src);
        char from[TR_IP_STRLEN];
        t->evicted++;
        report(t, now_us, IPFRAG_R_EVICTED,
               "more than %d IP datagrams in reassembly: datagram id %u from %s dropped unfinished (%zu bytes) to make "
               "room", IPFRAG_MAX_TRAINS, free_slot->id, tr_ip_format(&free_slot->src, from), free_slot->covered);
        /* its buffers are reused at once: a flood makes no allocation per fragment */
        uint8_t *buf = free_slot->buf, *have = free_slot->have;
        memset(free_slot, 0, sizeof *free_slot);
        free_slot->buf = buf;
        free_slot->have = have;
        if (have)
            memset(have, 0, (IPFRAG_MAX_DATAGRAM + 7) / 8);
    }
    if (!free_slot->buf)
        free_slot->buf = malloc(IPFRAG_MAX_DATAGRAM);
    if (!free_slot->have)
        free_slot->have = calloc(1, (IPFRAG_MAX_DATAGRAM + 7) / 8);
    if (!free_slot->buf || !free_slot->have) {
        train_release(free_slot);
        return NULL;
    }
    free_slot->used = 1;
    free_slot->src = *src;
    free_slot->dst = *dst;
    free_slot->id = id;
    free_slot->proto = proto;
    free_slot->first_us = now_us;
    return free_slot;
}

int ipfrag_add(ipfrag_table *t, int64_t now_us, const tr_ip *src, const tr_ip *dst, uint32_t id, uint8_t proto,
               uint32_t offset, int more, const uint8_t *p, size_t n, const uint8_t **datagram, size_t *len)
{
    expire(t, now_us);
    if ((size_t)offset + n > IPFRAG_MAX_DATAGRAM) {
        report(t, now_us, IPFRAG_R_TOO_LARGE, "fragment at offset %u + %zu bytes exceeds 65535", offset, n);
        return -1;
    }
    ipfrag_train *tr = train_find(t, now_us, src, dst, id, proto);
    if (!tr)
        return -1;
    if (!more) {
        size_t end = (size_t)offset + n;
        if (tr->have_last && tr->total != end) {
            report(t, now_us, IPFRAG_R_INCONSISTENT, "datagram id %u: two different ends", id);
            return -1;
        }
        tr->have_last = 1;
        tr->total = end;
    }
    int overlap = 0, differs = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = offset + i;
        uint8_t bit = (uint8_t)(1u << (at & 7));
        if (tr->have[at >> 3] & bit) {
            overlap = 1;
            if (tr->buf[at] != p[i])
                differs = 1; /* the first copy wins */
            continue;
        }
        tr->have[at >> 3] |= bit;
        tr->buf[at] = p[i];
        tr->covered++;
    }
    if (overlap) {
        t->overlaps++;
        report(t, now_us, differs ? IPFRAG_R_OVERLAP_DIFFERS : IPFRAG_R_OVERLAP,
               "datagram id %u: fragment at offset %u overlaps earlier fragments%s", id, offset,
               differs ? " with different bytes (first copy kept)" : "");
    }
    if (!tr->have_last || tr->covered < tr->total)
        return 0;
    for (size_t at = 0; at < tr->total; at++) /* bytes past the end may have been counted */
        if (!(tr->have[at >> 3] & (1u << (at & 7))))
            return 0;
    /* complete: hand the datagram out in a buffer that lives until the next call */
    free(t->out);
    t->out = tr->buf;
    tr->buf = NULL;
    *datagram = t->out;
    *len = tr->total;
    t->reassembled++;
    train_release(tr);
    return 1;
}
