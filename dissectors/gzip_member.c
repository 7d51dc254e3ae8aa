#include "gzip_member.h"

#include <string.h>
#include <zlib.h>

#include "../core/tr_buf.h"

enum { FTEXT = 1, FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16 };
enum stage { ST_FIXED, ST_XLEN, ST_EXTRA, ST_NAME, ST_COMMENT, ST_HCRC, ST_BODY, ST_TRAILER, ST_DONE };

void gzip_member_begin(gzip_member *g)
{
    memset(g, 0, sizeof *g); /* the CRC-32 of nothing is 0 */
}

int gzip_member_part(const gzip_member *g)
{
    return g->stage < ST_BODY ? GZIP_PART_HEADER
           : g->stage == ST_BODY ? GZIP_PART_DATA
           : g->stage == ST_TRAILER ? GZIP_PART_TRAILER
                                    : GZIP_PART_DONE;
}

void gzip_member_data_ended(gzip_member *g)
{
    g->stage = ST_TRAILER;
    g->have = 0;
}

/* Gathers bytes from b into g->field until it holds `want`; 1 when it does. */
static int gather(gzip_member *g, size_t want, tr_buf *b)
{
    while (g->have < want && tr_left(b))
        g->field[g->have++] = tr_u8(b);
    return g->have == want;
}

/* The gathered field as a cursor, for its little-endian numbers. */
static tr_buf field_of(const gzip_member *g) { return tr_buf_make(g->field, g->have); }

/* The stage after `from` that the header's flags call for. */
static uint8_t next_stage(const gzip_member *g, int from)
{
    if (from < ST_XLEN && (g->flags & FEXTRA))
        return ST_XLEN;
    if (from < ST_NAME && (g->flags & FNAME))
        return ST_NAME;
    if (from < ST_COMMENT && (g->flags & FCOMMENT))
        return ST_COMMENT;
    if (from < ST_HCRC && (g->flags & FHCRC))
        return ST_HCRC;
    return ST_BODY;
}

int gzip_member_header(gzip_member *g, const uint8_t *p, size_t n, size_t *used)
{
    tr_buf b = tr_buf_make(p, n);
    int result = GZIP_MORE;
    while (result == GZIP_MORE && g->stage < ST_BODY && tr_left(&b)) {
        switch (g->stage) {
        case ST_FIXED: /* ID1 ID2 CM FLG MTIME(4) XFL OS */
            if (!gather(g, 10, &b))
                break;
            if (g->field[0] != 0x1f || g->field[1] != 0x8b) {
                g->why = "incorrect header check";
                result = GZIP_BAD;
            } else if (g->field[2] != 8) {
                g->why = "unknown compression method";
                result = GZIP_BAD;
            } else if (g->field[3] & 0xe0) {
                g->why = "unknown header flags set";
                result = GZIP_BAD;
            } else {
                g->flags = g->field[3];
                g->have = 0;
                g->stage = next_stage(g, ST_FIXED);
            }
            break;
        case ST_XLEN: {
            if (!gather(g, 2, &b))
                break;
            tr_buf f = field_of(g);
            g->skip = tr_le16(&f);
            g->have = 0;
            g->stage = ST_EXTRA;
            break;
        }
        case ST_EXTRA: {
            size_t take = tr_left(&b) < g->skip ? tr_left(&b) : g->skip;
            tr_skip(&b, take);
            g->skip = (uint16_t)(g->skip - take);
            if (!g->skip)
                g->stage = next_stage(g, ST_EXTRA);
            break;
        }
        case ST_NAME:
        case ST_COMMENT: { /* zero-terminated strings, of any length */
            size_t left;
            const uint8_t *rest = tr_rest(&b, &left);
            const uint8_t *nul = memchr(rest, 0, left);
            tr_skip(&b, nul ? (size_t)(nul - rest) + 1 : left);
            if (nul)
                g->stage = next_stage(g, g->stage);
            break;
        }
        case ST_HCRC: /* the header's own CRC-16 is not checked, as gzip(1) does not by default */
            if (!gather(g, 2, &b))
                break;
            g->have = 0;
            g->stage = ST_BODY;
            break;
        }
    }
    if (result == GZIP_MORE && g->stage >= ST_BODY)
        result = GZIP_DONE;
    *used = b.off;
    return result;
}

void gzip_member_decoded(gzip_member *g, const uint8_t *p, size_t n)
{
    while (n) {
        uInt k = n < (1u << 30) ? (uInt)n : (1u << 30);
        g->crc = (uint32_t)crc32(g->crc, p, k);
        g->size += (uint32_t)k;
        p += k;
        n -= k;
    }
}

int gzip_member_trailer(gzip_member *g, const uint8_t *p, size_t n, size_t *used)
{
    tr_buf b = tr_buf_make(p, n);
    int whole = gather(g, 8, &b);
    *used = b.off;
    if (!whole)
        return GZIP_MORE;
    tr_buf f = field_of(g); /* CRC32 ISIZE */
    if (tr_le32(&f) != g->crc) {
        g->why = "incorrect data check";
        return GZIP_BAD;
    }
    if (tr_le32(&f) != g->size) {
        g->why = "incorrect length check";
        return GZIP_BAD;
    }
    g->stage = ST_DONE;
    return GZIP_DONE;
}
