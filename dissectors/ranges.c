#include "ranges.h"

#include <stdlib.h>
#include <string.h>

void ranges_init(ranges *s, uint32_t cap)
{
    memset(s, 0, sizeof *s);
    s->cap = cap ? cap : RANGES_CAP_DEFAULT;
}

void ranges_free(ranges *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->alloc = 0;
}

/* Index of the first interval whose end is >= at (the first that touches or follows it). */
static uint32_t first_reaching(const ranges *s, uint64_t at)
{
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) { /* binary search: at most 32 rounds */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].end < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int overflowed(ranges *s, uint64_t start, uint64_t end)
{
    s->overflow++;
    s->overflow_bytes += end - start;
    return -1;
}

int ranges_add(ranges *s, uint64_t start, uint64_t end)
{
    if (end <= start)
        return 0;
    uint32_t i = first_reaching(s, start);
    /* intervals i .. j-1 touch or overlap [start, end) and merge with it */
    uint32_t j = i;
    while (j < s->n && s->r[j].start <= end)
        j++;
    if (j > i) {
        if (s->r[i].start < start)
            start = s->r[i].start;
        if (s->r[j - 1].end > end)
            end = s->r[j - 1].end;
        s->r[i].start = start;
        s->r[i].end = end;
        memmove(s->r + i + 1, s->r + j, (size_t)(s->n - j) * sizeof *s->r);
        s->n -= j - i - 1;
        return 0;
    }
    if (s->n == s->cap)
        return overflowed(s, start, end);
    if (s->n == s->alloc) {
        uint32_t alloc = s->alloc ? s->alloc * 2 : 16;
        if (alloc > s->cap)
            alloc = s->cap;
        range *nr = realloc(s->r, (size_t)alloc * sizeof *nr);
        if (!nr)
            return overflowed(s, start, end);
        s->r = nr;
        s->alloc = alloc;
    }
    memmove(s->r + i + 1, s->r + i, (size_t)(s->n - i) * sizeof *s->r);
    s->r[i].start = start;
    s->r[i].end = end;
    s->n++;
    return 0;
}

int ranges_covers(const ranges *s, uint64_t start, uint64_t end)
{
    if (end <= start)
        return 1;
    uint32_t i = first_reaching(s, start + 1); /* an interval ending at start does not cover it */
    return i < s->n && s->r[i].start <= start && s->r[i].end >= end;
}

size_t ranges_missing(const ranges *s, uint64_t start, uint64_t end, range *out, size_t cap)
{
    size_t k = 0;
    uint64_t at = start;
    for (uint32_t i = start < end ? first_reaching(s, start + 1) : s->n; i < s->n && at < end; i++) {
        if (s->r[i].start >= end)
            break;
        if (s->r[i].start > at) {
            if (k < cap)
                out[k] = (range){at, s->r[i].start};
            k++;
        }
        at = s->r[i].end;
    }
    if (at < end) {
        if (k < cap)
            out[k] = (range){at, end};
        k++;
    }
    return k;
}

uint64_t ranges_bytes(const ranges *s)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->n; i++)
        total += s->r[i].end - s->r[i].start;
    return total;
}
