#include "tr_pool.h"

#include <stdlib.h>

void *tr_pool_take(tr_pool *p) { return p->n ? p->spare[--p->n] : malloc(p->size); }

void tr_pool_give(tr_pool *p, void *b)
{
    if (!b)
        return;
    if (p->n < p->keep && p->n < TR_POOL_KEEP_MAX)
        p->spare[p->n++] = b;
    else
        free(b);
}

void tr_pool_drain(tr_pool *p)
{
    while (p->n)
        free(p->spare[--p->n]);
}
