/* tr_pool: spare buffers of one size, kept for the next user instead of freed, so what is taken per message
 * or per file costs no malloc in steady state. At most `keep` spares are kept; more are freed. */
#ifndef TR_POOL_H
#define TR_POOL_H

#include <stddef.h>

#define TR_POOL_KEEP_MAX 256

typedef struct tr_pool {
    size_t size;
    int keep; /* <= TR_POOL_KEEP_MAX */
    int n;
    void *spare[TR_POOL_KEEP_MAX];
} tr_pool;

#define TR_POOL_INIT(bytes, kept) {.size = (bytes), .keep = (kept), .n = 0}

/* A buffer of p->size bytes (contents undefined); NULL when out of memory. */
void *tr_pool_take(tr_pool *p);
/* Gives b back (NULL is ignored). */
void tr_pool_give(tr_pool *p, void *b);
/* Frees the spares. */
void tr_pool_drain(tr_pool *p);

#endif
