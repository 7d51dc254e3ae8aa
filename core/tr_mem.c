#include "tr_mem.h"

#include <stdint.h>
#include <stdlib.h>

void *tr_calloc_resident(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    volatile unsigned char *p = calloc(n, size);
    if (!p)
        return NULL;
    size_t bytes = n * size;
    for (size_t at = 0; at < bytes; at += 4096)
        p[at] = 0; /* volatile: the compiler may not drop a store of the zero that is already there */
    return (void *)p;
}
