#include "name_set.h"

#include <stdlib.h>

uint64_t name_set_hash(const char *name, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a: names are short and hashed once per extracted object */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)name[i];
        h *= 0x100000001b3ull;
    }
    return h ? h : 1; /* 0 marks an empty slot */
}

static name_set_slot *find(const name_set *ns, uint64_t key)
{
    if (!ns->cap)
        return NULL;
    uint32_t mask = ns->cap - 1;
    for (uint32_t i = (uint32_t)(key ^ (key >> 32)) & mask;; i = (i + 1) & mask) {
        if (ns->slot[i].key == key)
            return &ns->slot[i];
        if (!ns->slot[i].key)
            return NULL;
    }
}

/* The slot key goes to: its own, or the empty one that ends its probe run (there is always one). */
static name_set_slot *place(name_set *ns, uint64_t key)
{
    uint32_t mask = ns->cap - 1;
    uint32_t i = (uint32_t)(key ^ (key >> 32)) & mask;
    while (ns->slot[i].key && ns->slot[i].key != key)
        i = (i + 1) & mask;
    return &ns->slot[i];
}

static int grow(name_set *ns)
{
    uint32_t cap = ns->cap ? ns->cap * 2 : 16;
    name_set_slot *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return -1;
    name_set old = *ns;
    ns->slot = slot;
    ns->cap = cap;
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.slot[i].key)
            *place(ns, old.slot[i].key) = old.slot[i];
    free(old.slot);
    return 0;
}

int name_set_has(const name_set *ns, uint64_t key) { return find(ns, key) != NULL; }

uint32_t name_set_next_k(const name_set *ns, uint64_t key)
{
    const name_set_slot *s = find(ns, key);
    return s && s->next_k ? s->next_k : 1;
}

void name_set_hint(name_set *ns, uint64_t base, uint32_t k)
{
    name_set_slot *b = find(ns, base);
    if (b && b->next_k < k + 1)
        b->next_k = k + 1;
}

int name_set_take(name_set *ns, uint64_t key, uint64_t base, uint32_t k)
{
    if (!find(ns, key)) {
        if (ns->n + 1 > NAME_SET_MAX || (2 * (ns->n + 1) > ns->cap && grow(ns) != 0))
            return -1;
        name_set_slot *s = place(ns, key);
        s->key = key;
        ns->n++;
    }
    name_set_hint(ns, base, k); /* base is in the set: key itself, or a name taken before (k > 1) */
    return 0;
}

size_t name_set_bytes(const name_set *ns) { return (size_t)ns->cap * sizeof *ns->slot; }

void name_set_free(name_set *ns)
{
    free(ns->slot);
    ns->slot = NULL;
    ns->n = ns->cap = 0;
}
