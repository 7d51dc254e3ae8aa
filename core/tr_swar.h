/* tr_swar: testing eight bytes at once in a 64-bit word ("SIMD within a register", the word tests of
 * "Bit Twiddling Hacks"), for scanners that copy runs of bytes needing no escape. Each test sets the high bit
 * of the flagged bytes; a borrow from a lower flagged byte may flag a higher one too, so a nonzero result
 * means "some byte here needs a look", and the caller then checks byte by byte. */
#ifndef TR_SWAR_H
#define TR_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TR_SWAR_ONES 0x0101010101010101ull
#define TR_SWAR_HIGHS 0x8080808080808080ull

/* Bytes below c (c <= 0x80). */
static inline uint64_t tr_swar_below(uint64_t w, uint8_t c) { return (w - TR_SWAR_ONES * c) & ~w & TR_SWAR_HIGHS; }
/* Bytes equal to c. */
static inline uint64_t tr_swar_equal(uint64_t w, uint8_t c) { return tr_swar_below(w ^ (TR_SWAR_ONES * c), 1); }
/* Bytes at or above 0x80. */
static inline uint64_t tr_swar_high(uint64_t w) { return w & TR_SWAR_HIGHS; }

/* How many bytes at the start of p[0..n) are plain: eight at a time while stop(word) is 0, then plain(byte)
 * by byte. stop must flag every byte plain rejects. */
static inline size_t tr_swar_run(const uint8_t *p, size_t n, uint64_t (*stop)(uint64_t), int (*plain)(uint8_t))
{
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (stop(w))
            break;
        i += 8;
    }
    while (i < n && plain(p[i]))
        i++;
    return i;
}

#endif
