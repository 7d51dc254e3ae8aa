#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "../core/tr_mem.h"

int flow_table_init(flow_table *t, size_t max_flows)
{
    memset(t, 0, sizeof *t);
    t->max_flows = max_flows ? max_flows : 1;
    size_t n = 1024;
    while (n < t->max_flows && n < ((size_t)1 << 24))
        n <<= 1;
    t->nbuckets = n;
    t->spare = (tr_pool)TR_POOL_INIT(sizeof(flow), TR_POOL_KEEP_MAX);
    t->buckets = tr_calloc_resident(2 * n, sizeof *t->buckets); /* read before written: see tr_mem.h */
    t->ids = t->buckets ? t->buckets + n : NULL; /* one block: 2 MB for the default --max-flows */
    return t->buckets ? 0 : -1;
}

void flow_table_free(flow_table *t)
{
    free(t->buckets); /* the ids' half too */
    t->buckets = t->ids = NULL;
    tr_pool_drain(&t->spare);
}

_Static_assert(sizeof(flow_key) == 40, "flow_key is five words");

void flow_key_make(flow_key *k, uint8_t l4, const tr_ip *a, uint16_t ap, const tr_ip *b, uint16_t bp)
{
    /* tr_ip zeroes the bytes past an IPv4 address, so both versions compare as 16 bytes */
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a->a, 8);
    memcpy(&a1, a->a + 8, 8);
    memcpy(&b0, b->a, 8);
    memcpy(&b1, b->a + 8, 8);
    int a_first = a0 != b0 ? a0 < b0 : a1 != b1 ? a1 < b1 : ap <= bp;
    const tr_ip *lo = a_first ? a : b, *hi = a_first ? b : a;
    memcpy(k->addr_lo, lo->a, 16);
    memcpy(k->addr_hi, hi->a, 16);
    k->port_lo = a_first ? ap : bp;
    k->port_hi = a_first ? bp : ap;
    k->l4 = l4;
    k->v = a->v;
    k->zero[0] = k->zero[1] = 0;
}

/* Each 64-bit word multiplied in and rotated (as in xxHash/wyhash), then the murmur3 finaliser so every key
 * bit reaches the low bits the buckets use. A byte-at-a-time FNV-1a took 42 dependent multiplies per packet. */
static uint64_t hash_mix(uint64_t h, uint64_t w)
{
    h ^= w * 0x9E3779B97F4A7C15ull;
    h = (h << 31) | (h >> 33);
    return h * 0xC2B2AE3D27D4EB4Full;
}

static uint64_t key_word(const flow_key *k, size_t i)
{
    uint64_t w;
    memcpy(&w, (const uint8_t *)k + 8 * i, 8);
    return w;
}

uint32_t flow_key_hash(const flow_key *k)
{
    uint64_t h = sizeof *k;
    for (size_t i = 0; i < sizeof *k / 8; i++)
        h = hash_mix(h, key_word(k, i));
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static int key_equal(const flow_key *x, const flow_key *y)
{
    uint64_t d = 0;
    for (size_t i = 0; i < sizeof *x / 8; i++)
        d |= key_word(x, i) ^ key_word(y, i);
    return d == 0;
}

flow *flow_table_find(flow_table *t, const flow_key *k, uint32_t hash)
{
    for (flow *f = t->buckets[hash & (t->nbuckets - 1)]; f; f = f->hnext)
        if (f->hash == hash && key_equal(&f->key, k))
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
