/* tr_mem: allocations whose pages are made resident and writable at once. */
#ifndef TR_MEM_H
#define TR_MEM_H

#include <stddef.h>

#define TR_HUGE_PAGE (2u << 20) /* a transparent huge page on x86-64 */

/* `bytes` (a multiple of TR_HUGE_PAGE) aligned to a huge page and advised into huge pages where the system
 * allows them (madvise mode): one page fault per 2 MB instead of 512. Contents undefined; freed with free;
 * NULL when out of memory or bytes is not such a multiple. */
void *tr_alloc_huge(size_t bytes);

/* Like calloc(n, size), with every page written once before it returns. For a table that is read before it
 * is written (a hash table's buckets): calloc's fresh pages are first mapped to the shared zero page by the
 * read, and the first write to each then replaces it, which flushes the TLB of every CPU running one of the
 * process's threads (an interrupt to the worker's CPU). Written up front, each page costs one ordinary
 * fault: on a 4,631-packet capture the bucket arrays' 512 pages took 17% of trawl's time the other way. A
 * multiple of 2 MB goes in transparent huge pages where the system allows them (madvise mode). Freed with free. */
void *tr_calloc_resident(size_t n, size_t size);

#endif
