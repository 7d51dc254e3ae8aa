#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>

void ipfrag_init(ipfrag_table *t, tr_ctx *ctx)
{
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
}

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

static void expire(ipfrag_table *t, int64_t now_us)
{
    for (int i = 0; i < IPFRAG_MAX_TRAINS; i++) {
        ipfrag_train *tr = &t->trains[i];
        if (tr->used && now_us - tr->first_us > IPFRAG_TIMEOUT_US) {
            t->timed_out++;
            tr_anomaly(t->ctx, NULL, TR_NODIR, "ip_fragments_incomplete",
                       "IP datagram id %u: %zu bytes of fragments never completed", tr->id, tr->covered);
            train_release(tr);
        }
    }
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
    if (!free_slot) {
        t->dropped_full++;
        tr_anomaly(t->ctx, NULL, TR_NODIR, "ip_fragment_table_full", "more than %d IP datagrams in reassembly",
                   IPFRAG_MAX_TRAINS);
        return NULL;
    }
    free_slot->buf = malloc(IPFRAG_MAX_DATAGRAM);
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
        tr_anomaly(t->ctx, NULL, TR_NODIR, "ip_fragment_too_large", "fragment at offset %u + %zu bytes exceeds 65535",
                   offset, n);
        return -1;
    }
    ipfrag_train *tr = train_find(t, now_us, src, dst, id, proto);
    if (!tr)
        return -1;
    if (!more) {
        size_t end = (size_t)offset + n;
        if (tr->have_last && tr->total != end) {
            tr_anomaly(t->ctx, NULL, TR_NODIR, "ip_fragment_inconsistent", "datagram id %u: two different ends", id);
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
        tr_anomaly(t->ctx, NULL, TR_NODIR, differs ? "ip_fragment_overlap_differs" : "ip_fragment_overlap",
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
