/* tr_buf: the bounds-checked cursor every parser reads packet bytes through.
 * Reads past the end return 0/NULL and set a sticky error, so a parser reads straight through and checks once. */
#ifndef TR_BUF_H
#define TR_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum tr_buf_err {
    TR_OK = 0,
    TR_ETRUNC = 1,    /* the data stopped short (snaplen, lost segment, not arrived yet) */
    TR_EMALFORMED = 2 /* the data contradicts itself */
};

/* The value of a hexadecimal digit (either case), -1 for any other byte. */
static inline int tr_hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (uint8_t)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

typedef struct tr_buf {
    const uint8_t *p;
    size_t len, off;
    int err;
} tr_buf;

static inline tr_buf tr_buf_make(const uint8_t *p, size_t len)
{
    tr_buf b = {p, p ? len : 0, 0, TR_OK};
    return b;
}

static inline size_t tr_left(const tr_buf *b) { return b->err ? 0 : b->len - b->off; }

static inline int tr_need(tr_buf *b, size_t n)
{
    if (b->err)
        return 0;
    if (b->len - b->off < n) {
        b->err = TR_ETRUNC;
        return 0;
    }
    return 1;
}

static inline uint8_t tr_u8(tr_buf *b)
{
    if (!tr_need(b, 1))
        return 0;
    return b->p[b->off++];
}

static inline uint16_t tr_be16(tr_buf *b)
{
    if (!tr_need(b, 2))
        return 0;
    uint16_t v = (uint16_t)((b->p[b->off] << 8) | b->p[b->off + 1]);
    b->off += 2;
    return v;
}

static inline uint32_t tr_be24(tr_buf *b)
{
    if (!tr_need(b, 3))
        return 0;
    uint32_t v = ((uint32_t)b->p[b->off] << 16) | ((uint32_t)b->p[b->off + 1] << 8) | b->p[b->off + 2];
    b->off += 3;
    return v;
}

static inline uint32_t tr_be32(tr_buf *b)
{
    if (!tr_need(b, 4))
        return 0;
    uint32_t v = ((uint32_t)b->p[b->off] << 24) | ((uint32_t)b->p[b->off + 1] << 16) |
                 ((uint32_t)b->p[b->off + 2] << 8) | b->p[b->off + 3];
    b->off += 4;
    return v;
}

static inline uint16_t tr_le16(tr_buf *b)
{
    if (!tr_need(b, 2))
        return 0;
    uint16_t v = (uint16_t)(b->p[b->off] | (b->p[b->off + 1] << 8));
    b->off += 2;
    return v;
}

static inline uint32_t tr_le32(tr_buf *b)
{
    if (!tr_need(b, 4))
        return 0;
    uint32_t v = (uint32_t)b->p[b->off] | ((uint32_t)b->p[b->off + 1] << 8) |
                 ((uint32_t)b->p[b->off + 2] << 16) | ((uint32_t)b->p[b->off + 3] << 24);
    b->off += 4;
    return v;
}

/* A view of the next n bytes, or NULL (and err set) when fewer remain. */
static inline const uint8_t *tr_bytes(tr_buf *b, size_t n)
{
    if (!tr_need(b, n))
        return NULL;
    const uint8_t *v = b->p + b->off;
    b->off += n;
    return v;
}

static inline void tr_skip(tr_buf *b, size_t n) { (void)tr_bytes(b, n); }

/* Copy n bytes out; zero-fills dst on error. */
static inline int tr_copy(tr_buf *b, void *dst, size_t n)
{
    const uint8_t *v = tr_bytes(b, n);
    if (!v) {
        memset(dst, 0, n);
        return 0;
    }
    memcpy(dst, v, n);
    return 1;
}

/* A child cursor bounded by a length field; the parent moves past it.
 * If fewer bytes remain than declared, the child holds what is there and stays readable, and the parent is
 * marked truncated (its sticky error says the declared length was cut short). */
static inline tr_buf tr_sub(tr_buf *b, size_t declared)
{
    tr_buf c = {NULL, 0, 0, b->err};
    if (b->err)
        return c;
    size_t avail = b->len - b->off;
    c.p = b->p + b->off;
    if (declared > avail) {
        c.len = avail;
        c.err = TR_OK;
        b->off = b->len;
        b->err = TR_ETRUNC;
        return c;
    }
    c.len = declared;
    b->off += declared;
    return c;
}

/* Byte at absolute offset `at` of the buffer (not the cursor), 0 and err past the end. */
static inline uint8_t tr_peek_at(tr_buf *b, size_t at)
{
    if (at >= b->len) {
        b->err = b->err ? b->err : TR_ETRUNC;
        return 0;
    }
    return b->p[at];
}

/* Rest of the buffer as a view (may be empty). */
static inline const uint8_t *tr_rest(const tr_buf *b, size_t *n)
{
    *n = tr_left(b);
    return b->err ? NULL : b->p + b->off;
}

#endif
