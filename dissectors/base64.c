#include "base64.h"

static int base64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long base64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t len = 0;
    int padding = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            padding = 1;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || padding) /* data after padding is not base64 */
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= cap)
                return -1;
            out[len++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)len;
}

/* ---- streaming ---- */

enum { PAD = 64, SPACE = 65, OTHER = 66 };

/* The MIME alphabet only (RFC 2045 table 1): the URL-safe '-' and '_' are not data in a mail part. */
static const uint8_t mime_value[] = {
#define R8(v) v, v, v, v, v, v, v, v
    R8(OTHER), OTHER, SPACE, SPACE, OTHER, OTHER, SPACE, OTHER, OTHER, /* 0x00-0x0f: HT LF CR are blanks */
    R8(OTHER), R8(OTHER),                                               /* 0x10-0x1f */
    SPACE, OTHER, OTHER, OTHER, OTHER, OTHER, OTHER, OTHER,             /* 0x20-0x27 */
    OTHER, OTHER, OTHER, 62, OTHER, OTHER, OTHER, 63,                   /* 0x28-0x2f: + / */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, OTHER, OTHER, OTHER, PAD, OTHER, OTHER, /* 0-9 = */
    OTHER, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,            /* @ A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, OTHER, OTHER, OTHER, OTHER, OTHER, /* P-Z */
    OTHER, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,  /* ` a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, OTHER, OTHER, OTHER, OTHER, OTHER, /* p-z */
    R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), /* 0x80-0xbf */
    R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), R8(OTHER), /* 0xc0-0xff */
#undef R8
};
_Static_assert(sizeof mime_value == 256, "one entry per byte value");

void base64_stream_begin(base64_stream *b)
{
    b->acc = 0;
    b->have = 0;
    b->skipped = 0;
}

/* The bytes of a quantum of `have` characters (2 or 3) ended early. */
static size_t short_quantum(base64_stream *b, uint8_t *out)
{
    size_t w = 0;
    if (b->have == 2) {
        out[w++] = (uint8_t)(b->acc >> 4);
    } else if (b->have == 3) {
        out[w++] = (uint8_t)(b->acc >> 10);
        out[w++] = (uint8_t)(b->acc >> 2);
    }
    b->acc = 0;
    b->have = 0;
    return w;
}

size_t base64_stream_decode(base64_stream *b, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t w = 0;
    uint32_t acc = b->acc;
    unsigned have = b->have;
    for (size_t i = 0; i < n; i++) {
        uint8_t v = mime_value[in[i]];
        if (v < 64) {
            acc = (acc << 6) | v;
            if (++have == 4) {
                out[w++] = (uint8_t)(acc >> 16);
                out[w++] = (uint8_t)(acc >> 8);
                out[w++] = (uint8_t)acc;
                acc = 0;
                have = 0;
            }
        } else if (v == PAD) {
            b->acc = acc;
            b->have = (uint8_t)have;
            w += short_quantum(b, out + w); /* "=" after 0 or 1 characters gives nothing */
            acc = 0;
            have = 0;
        } else if (v == OTHER) {
            b->skipped++;
        }
    }
    b->acc = acc;
    b->have = (uint8_t)have;
    return w;
}

size_t base64_stream_finish(base64_stream *b, uint8_t *out) { return short_quantum(b, out); }
