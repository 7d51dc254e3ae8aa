/* ranges: which byte ranges of an object arrived, as sorted, merged [start, end) intervals, bounded: past `cap`
 * separate intervals a new one is not recorded (its bytes count as missing, never as arrived) and the overflow is
 * counted for its owner to report. For objects written by offset, out of order (a torrent's pieces). */
#ifndef RANGES_H
#define RANGES_H

#include <stddef.h>
#include <stdint.h>

typedef struct range {
    uint64_t start, end; /* [start, end) */
} range;

typedef struct ranges {
    range *r;          /* sorted by start, disjoint and not touching */
    uint32_t n, alloc; /* alloc grows by doubling up to cap: memory follows how scattered the arrivals are */
    uint32_t cap;
    uint64_t overflow;       /* ranges that could not be recorded */
    uint64_t overflow_bytes; /* their bytes (some may have been recorded by another range since) */
} ranges;

#define RANGES_CAP_DEFAULT 4096 /* 64 KB of intervals at most */

/* cap 0: RANGES_CAP_DEFAULT. Allocates nothing yet. */
void ranges_init(ranges *s, uint32_t cap);
void ranges_free(ranges *s);
/* Records [start, end). 0, or -1 when it could not be (cap reached or no memory: counted in overflow). */
int ranges_add(ranges *s, uint64_t start, uint64_t end);
/* Whether every byte of [start, end) arrived (an empty range has). */
int ranges_covers(const ranges *s, uint64_t start, uint64_t end);
/* The sub-ranges of [start, end) that did not arrive, in order, at most cap of them written to out; returns how
 * many there are in all (more than cap: the caller asks again with a later start). */
size_t ranges_missing(const ranges *s, uint64_t start, uint64_t end, range *out, size_t cap);
/* Bytes recorded in all. */
uint64_t ranges_bytes(const ranges *s);

#endif
