/* tr_swar: testing eight bytes at once in a 64-bit word ("SIMD within a register", the word tests of
 * "Bit Twiddling Hacks"), for scanners that copy runs of bytes needing no escape. Each test sets the high bit
 * of the flagged bytes; a borrow from a lower flagged byte may flag a higher one too, so a nonzero result
 * means "some byte here needs a look", and the caller then checks byte by byte. */
#ifndef TR_SWAR_H
#define TR_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define TR_SWAR_ONES 0x0101010101010101ull
#define TR_SWAR_HIGHS 0x8080808080808080ull

/* Bytes below c (c <= 0x80). */
static inline uint64_t tr_swar_below(uint64_t w, uint8_t c) { return (w - TR_SWAR_ONES * c) & ~w & TR_SWAR_HIGHS; }
/* Bytes equal to c. */
static inline uint64_t tr_swar_equal(uint64_t w, uint8_t c) { return tr_swar_below(w ^ (TR_SWAR_ONES * c), 1); }
/* Bytes at or above 0x80. */
static inline uint64_t tr_swar_high(uint64_t w) { return w & TR_SWAR_HIGHS; }

/* How many bytes at the start of p[0..n) are printable ASCII text that needs no escape: bytes from 0x20 up to
 * `top` (0x7e or 0x7f) other than x1 and x2, and the control byte `also` (TAB where it is shown as is; 0x20
 * adds nothing). With SSE2 (every x86-64) sixteen bytes are tested at once and the
 * first stopping byte is found exactly; elsewhere the word tests above serve. */
static inline int tr_ascii_plain(uint8_t c, uint8_t top, uint8_t x1, uint8_t x2, uint8_t also)
{
    return (c >= 0x20 && c <= top && c != x1 && c != x2) || c == also;
}
static inline size_t tr_ascii_run(const uint8_t *p, size_t n, uint8_t top, uint8_t x1, uint8_t x2, uint8_t also)
{
    size_t i = 0;
#ifdef __SSE2__
    /* as signed bytes, 0x80..0xff are negative: "> 0x1f" rejects them too, so "< top + 1" is needed only
     * when top is 0x7e */
    const __m128i above = _mm_set1_epi8(0x1f), below = _mm_set1_epi8((char)(top == 0x7f ? 0x7f : top + 1));
    const __m128i e1 = _mm_set1_epi8((char)x1), e2 = _mm_set1_epi8((char)x2), ea = _mm_set1_epi8((char)also);
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i ok = _mm_cmpgt_epi8(v, above);
        if (top != 0x7f)
            ok = _mm_and_si128(ok, _mm_cmplt_epi8(v, below));
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, e1), _mm_cmpeq_epi8(v, e2));
        __m128i plain = _mm_or_si128(_mm_andnot_si128(stop, ok), _mm_cmpeq_epi8(v, ea));
        unsigned mask = (unsigned)_mm_movemask_epi8(plain);
        if (mask != 0xffff)
            return i + (size_t)__builtin_ctz(~mask);
        i += 16;
    }
#else
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t stop = tr_swar_below(w, 0x20) | tr_swar_high(w) | tr_swar_equal(w, x1) | tr_swar_equal(w, x2);
        /* a byte `also` stops the word here too: the loop below takes it */
        if (top != 0x7f)
            stop |= tr_swar_high(w + TR_SWAR_ONES);
        if (stop)
            break;
        i += 8;
    }
#endif
    while (i < n && tr_ascii_plain(p[i], top, x1, x2, also))
        i++;
    return i;
}

#endif
