#include "tr_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *tr_alloc_huge(size_t bytes)
{
    if (!bytes || bytes % TR_HUGE_PAGE)
        return NULL;
    void *q = aligned_alloc(TR_HUGE_PAGE, bytes);
    if (q)
        madvise(q, bytes, MADV_HUGEPAGE); /* a hint: without THP the pages are ordinary ones */
    return q;
}

void *tr_calloc_resident(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (bytes >= TR_HUGE_PAGE && bytes % TR_HUGE_PAGE == 0) {
        unsigned char *q = tr_alloc_huge(bytes);
        if (q)
            memset(q, 0, bytes); /* one fault per 2 MB */
        return q;
    }
    volatile unsigned char *p = calloc(n, size);
    if (!p)
        return NULL;
    for (size_t at = 0; at < bytes; at += 4096)
        p[at] = 0; /* volatile: the compiler may not drop a store of the zero that is already there */
    return (void *)p;
}
