#include "gzip_member.h"

#include <string.h>
#include <zlib.h>

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

/* Gathers bytes into g->field until it holds `want`; 1 when it does. */
static int gather(gzip_member *g, size_t want, const uint8_t *p, size_t n, size_t *i)
{
    while (g->have < want && *i < n)
        g->field[g->have++] = p[(*i)++];
    return g->have == want;
}

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
    size_t i = 0;
    int result = GZIP_MORE;
    while (result == GZIP_MORE && (i < n || g->stage == ST_BODY)) {
        switch (g->stage) {
        case ST_FIXED: /* ID1 ID2 CM FLG MTIME(4) XFL OS */
            if (!gather(g, 10, p, n, &i))
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
        case ST_XLEN:
            if (!gather(g, 2, p, n, &i))
                break;
            g->skip = (uint16_t)(g->field[0] | (g->field[1] << 8));
            g->have = 0;
            g->stage = ST_EXTRA;
            break;
        case ST_EXTRA: {
            size_t take = n - i < g->skip ? n - i : g->skip;
            i += take;
            g->skip = (uint16_t)(g->skip - take);
            if (!g->skip)
                g->stage = next_stage(g, ST_EXTRA);
            break;
        }
        case ST_NAME:
        case ST_COMMENT: { /* zero-terminated strings, of any length */
            const uint8_t *nul = memchr(p + i, 0, n - i);
            if (!nul) {
                i = n;
                break;
            }
            i += (size_t)(nul - (p + i)) + 1;
            g->stage = next_stage(g, g->stage);
            break;
        }
        case ST_HCRC: /* the header's own CRC-16 is not checked, as gzip(1) does not by default */
            if (!gather(g, 2, p, n, &i))
                break;
            g->have = 0;
            g->stage = ST_BODY;
            break;
        default:
            result = GZIP_DONE;
            break;
        }
    }
    *used = i;
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

static uint32_t le32(const uint8_t *b) { return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }

int gzip_member_trailer(gzip_member *g, const uint8_t *p, size_t n, size_t *used)
{
    size_t i = 0;
    int whole = gather(g, 8, p, n, &i);
    *used = i;
    if (!whole)
        return GZIP_MORE;
    if (le32(g->field) != g->crc) {
        g->why = "incorrect data check";
        return GZIP_BAD;
    }
    if (le32(g->field + 4) != g->size) {
        g->why = "incorrect length check";
        return GZIP_BAD;
    }
    g->stage = ST_DONE;
    return GZIP_DONE;
}
