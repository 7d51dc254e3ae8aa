#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

int flow_table_init(flow_table *t, size_t max_flows)
{
    memset(t, 0, sizeof *t);
    t->max_flows = max_flows ? max_flows : 1;
    size_t n = 1024;
    while (n < t->max_flows && n < ((size_t)1 << 24))
        n <<= 1;
    t->nbuckets = n;
    t->spare = (tr_pool)TR_POOL_INIT(sizeof(flow), TR_POOL_KEEP_MAX);
    t->buckets = calloc(n, sizeof *t->buckets);
    t->ids = calloc(n, sizeof *t->ids);
    return t->buckets && t->ids ? 0 : -1;
}

void flow_table_free(flow_table *t)
{
    free(t->buckets);
    free(t->ids);
    t->buckets = t->ids = NULL;
    tr_pool_drain(&t->spare);
}

void flow_key_make(flow_key *k, uint8_t l4, const tr_ip *a, uint16_t ap, const tr_ip *b, uint16_t bp)
{
    memset(k, 0, sizeof *k); /* the key is hashed and compared as bytes */
    k->l4 = l4;
    tr_endpoint x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    x.ip = *a;
    x.port = ap;
    y.ip = *b;
    y.port = bp;
    if (tr_endpoint_cmp(&x, &y) <= 0) {
        k->lo = x;
        k->hi = y;
    } else {
        k->lo = y;
        k->hi = x;
    }
}

/* 64-bit words of the key, each multiplied in and rotated (as in xxHash/wyhash), then the murmur3
 * finaliser so every key bit reaches the low bits the buckets use. A byte-at-a-time FNV-1a took
 * 42 dependent multiplies per packet. The key is zeroed before it is filled, so padding is stable. */
static uint64_t hash_mix(uint64_t h, uint64_t w)
{
    h ^= w * 0x9E3779B97F4A7C15ull;
    h = (h << 31) | (h >> 33);
    return h * 0xC2B2AE3D27D4EB4Full;
}

uint32_t flow_key_hash(const flow_key *k)
{
    const uint8_t *p = (const uint8_t *)k;
    uint64_t h = sizeof *k, w;
    size_t i = 0;
    for (; i + 8 <= sizeof *k; i += 8) {
        memcpy(&w, p + i, 8);
        h = hash_mix(h, w);
    }
    if (i < sizeof *k) {
        w = 0;
        memcpy(&w, p + i, sizeof *k - i);
        h = hash_mix(h, w);
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

flow *flow_table_find(flow_table *t, const flow_key *k, uint32_t hash)
{
    for (flow *f = t->buckets[hash & (t->nbuckets - 1)]; f; f = f->hnext)
        if (f->hash == hash && memcmp(&f->key, k, sizeof *k) == 0)
            return f;
    return NULL;
}

static size_t id_slot(const flow_table *t, uint64_t id) { return (size_t)(id * 0x9E3779B97F4A7C15ull >> 20) & (t->nbuckets - 1); }

flow *flow_table_find_id(flow_table *t, uint64_t id)
{
    for (flow *f = t->ids[id_slot(t, id)]; f; f = f->inext)
        if (f->s.id == id)
            return f;
    return NULL;
}

static void list_unlink(flow_table *t, flow *f)
{
    int l = f->list;
    if (f->prev)
        f->prev->next = f->next;
    else
        t->head[l] = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        t->tail[l] = f->prev;
    f->prev = f->next = NULL;
}

static void list_append(flow_table *t, flow *f, int l)
{
    f->list = (uint8_t)l;
    f->prev = t->tail[l];
    f->next = NULL;
    if (t->tail[l])
        t->tail[l]->next = f;
    else
        t->head[l] = f;
    t->tail[l] = f;
}

void flow_table_touch(flow_table *t, flow *f, int l)
{
    if (f->list == l && t->tail[l] == f)
        return;
    list_unlink(t, f);
    list_append(t, f, l);
}

flow *flow_table_insert(flow_table *t, const flow_key *k, uint32_t hash, uint64_t id)
{
    flow *f = tr_pool_take(&t->spare);
    if (!f)
        return NULL;
    memset(f, 0, sizeof *f);
    f->key = *k;
    f->hash = hash;
    f->s.id = id;
    size_t b = hash & (t->nbuckets - 1);
    f->hnext = t->buckets[b];
    t->buckets[b] = f;
    size_t i = id_slot(t, id);
    f->inext = t->ids[i];
    t->ids[i] = f;
    list_append(t, f, k->l4 == TR_UDP ? FLOW_LIST_UDP : FLOW_LIST_TCP);
    t->count++;
    return f;
}

void flow_table_undecided_add(flow_table *t, flow *f)
{
    f->uprev = NULL;
    f->unext = t->undecided;
    if (t->undecided)
        t->undecided->uprev = f;
    t->undecided = f;
    t->nundecided++;
}

void flow_table_undecided_remove(flow_table *t, flow *f)
{
    if (f->uprev)
        f->uprev->unext = f->unext;
    else if (t->undecided == f)
        t->undecided = f->unext;
    else
        return; /* not on the list */
    if (f->unext)
        f->unext->uprev = f->uprev;
    f->unext = f->uprev = NULL;
    t->nundecided--;
}

void flow_table_remove(flow_table *t, flow *f)
{
    flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    pp = &t->ids[id_slot(t, f->s.id)];
    while (*pp && *pp != f)
        pp = &(*pp)->inext;
    if (*pp)
        *pp = f->inext;
    flow_table_undecided_remove(t, f);
    list_unlink(t, f);
    t->count--;
    free(f->hold);
    free(f->s.expect_ctx);
    tr_pool_give(&t->spare, f);
}
