/* gzip_member: the framing around a gzip member's deflate data (RFC 1952): its header before, its CRC-32 and
 * length after, read as the bytes stream in. The deflate data between is the inflater's.
 *
 * Why not let ISA-L read the wrapper: its gzip mode checks the CRC with AVX-512 code that lowers this class of
 * Xeon's clock for everything else the engine does (measured: 0.74 s against 0.94 s on the benchmark
 * capture), while zlib's table-driven crc32 costs little. */
#ifndef GZIP_MEMBER_H
#define GZIP_MEMBER_H

#include <stddef.h>
#include <stdint.h>

enum gzip_result { GZIP_MORE = 0, GZIP_DONE = 1, GZIP_BAD = -1 };
/* Where the member's next byte belongs. */
enum gzip_part { GZIP_PART_HEADER, GZIP_PART_DATA, GZIP_PART_TRAILER, GZIP_PART_DONE };

typedef struct gzip_member {
    uint8_t stage;   /* where in the member the next byte belongs */
    uint8_t flags;   /* FLG of the header */
    uint8_t have;    /* bytes gathered in `field` */
    uint8_t field[10];
    uint16_t skip;   /* FEXTRA bytes still to pass */
    uint32_t crc;    /* CRC-32 of the decoded bytes so far */
    uint32_t size;   /* decoded bytes so far, modulo 2^32 (ISIZE) */
    const char *why; /* for GZIP_BAD: what was wrong */
} gzip_member;

/* A member begins (a zeroed gzip_member is one that begins too). */
void gzip_member_begin(gzip_member *g);
int gzip_member_part(const gzip_member *g);
/* Reads header bytes from p[0..n); *used says how many were taken. GZIP_DONE once the header is whole. */
int gzip_member_header(gzip_member *g, const uint8_t *p, size_t n, size_t *used);
/* Counts decoded bytes into the CRC and length the trailer will be checked against. */
void gzip_member_decoded(gzip_member *g, const uint8_t *p, size_t n);
/* The deflate data ended (the inflater says so): the trailer follows. */
void gzip_member_data_ended(gzip_member *g);
/* Reads trailer bytes; GZIP_DONE when the CRC and length match, GZIP_BAD (why set) when not. */
int gzip_member_trailer(gzip_member *g, const uint8_t *p, size_t n, size_t *used);

#endif
