#include "tr_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

void *tr_calloc_resident(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (bytes >= HUGE_PAGE && bytes % HUGE_PAGE == 0) { /* in transparent huge pages where the system has them */
        unsigned char *q = aligned_alloc(HUGE_PAGE, bytes);
        if (!q)
            return NULL;
        madvise(q, bytes, MADV_HUGEPAGE);
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
