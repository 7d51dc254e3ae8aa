#include "ber.h"

#include <string.h>

static int fail(tr_buf *b, int status)
{
    if (!b->err)
        b->err = status == BER_TRUNCATED ? TR_ETRUNC : TR_EMALFORMED;
    return status;
}

int ber_read(tr_buf *b, ber_tlv *out)
{
    memset(out, 0, sizeof *out); /* an element cut before its contents has none */
    if (b->err)
        return BER_TRUNCATED;
    if (!tr_left(b))
        return fail(b, BER_TRUNCATED);
    uint8_t id = tr_u8(b);
    out->cls = id >> 6;
    out->constructed = (id >> 5) & 1;
    uint32_t tag = id & 0x1f;
    if (tag == 0x1f) { /* high tag number form: base-128, at most 4 bytes (28 bits) here */
        tag = 0;
        for (int k = 0;; k++) {
            if (!tr_left(b))
                return fail(b, BER_TRUNCATED);
            uint8_t c = tr_u8(b);
            if (k == 4 || (k == 0 && c == 0x80))
                return fail(b, BER_MALFORMED);
            tag = (tag << 7) | (c & 0x7f);
            if (!(c & 0x80))
                break;
        }
    }
    out->tag = tag;
    if (!tr_left(b))
        return fail(b, BER_TRUNCATED);
    uint8_t first = tr_u8(b);
    size_t len = first;
    if (first == 0x80) /* indefinite length: not in DER nor in SNMP's BER */
        return fail(b, BER_MALFORMED);
    if (first > 0x80) {
        unsigned k = first & 0x7f;
        if (k > 8)
            return fail(b, BER_MALFORMED);
        uint64_t v = 0;
        for (unsigned i = 0; i < k; i++) {
            if (!tr_left(b))
                return fail(b, BER_TRUNCATED);
            v = (v << 8) | tr_u8(b);
        }
        if (v > SIZE_MAX)
            return fail(b, BER_MALFORMED);
        len = (size_t)v;
    }
    if (len > tr_left(b)) {
        out->value = tr_sub(b, len); /* what is there, readable; b is marked truncated */
        return BER_TRUNCATED;
    }
    out->value = tr_sub(b, len);
    return BER_OK;
}

int ber_expect(tr_buf *b, uint8_t cls, int constructed, uint32_t tag, tr_buf *value)
{
    tr_buf peek = *b;
    ber_tlv t;
    int st = ber_read(&peek, &t);
    if (st != BER_OK) {
        *b = peek;
        return st;
    }
    if (t.cls != cls || t.constructed != (constructed != 0) || t.tag != tag)
        return BER_UNEXPECTED;
    *b = peek;
    *value = t.value;
    return BER_OK;
}

int ber_int(const tr_buf *value, int64_t *v)
{
    tr_buf c = *value;
    size_t n = tr_left(&c);
    if (n == 0 || n > 8)
        return BER_MALFORMED;
    uint64_t u = (tr_peek_at(&c, c.off) & 0x80) ? UINT64_MAX : 0; /* sign extension */
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | tr_u8(&c);
    *v = (int64_t)u;
    return BER_OK;
}

int ber_uint(const tr_buf *value, uint64_t *v)
{
    tr_buf c = *value;
    size_t n = tr_left(&c);
    if (n == 0)
        return BER_MALFORMED;
    if (n == 9 && tr_peek_at(&c, c.off) == 0) { /* the zero that keeps a 64-bit value positive */
        tr_skip(&c, 1);
        n = 8;
    }
    if (n > 8)
        return BER_MALFORMED;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | tr_u8(&c);
    *v = u;
    return BER_OK;
}

/* v in decimal at out (21 bytes of room), without printf: an OID's arcs are written one by one, many per packet. */
static size_t u64_text(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

int ber_oid(const tr_buf *value, char *text, size_t cap, uint64_t *arcs, size_t *narcs)
{
    tr_buf c = *value;
    size_t count = 0, w = 0;
    if (cap)
        text[0] = '\0';
    if (narcs)
        *narcs = 0;
    if (!tr_left(&c))
        return BER_MALFORMED;
    while (tr_left(&c)) {
        uint64_t arc = 0;
        for (int k = 0;; k++) {
            if (!tr_left(&c))
                return BER_MALFORMED; /* the last sub-identifier has its continuation bit set */
            uint8_t b = tr_u8(&c);
            if ((k == 0 && b == 0x80) || (arc >> 57))
                return BER_MALFORMED; /* a leading 0x80 pads (X.690 8.19.2); more than 64 bits */
            arc = (arc << 7) | (b & 0x7f);
            if (!(b & 0x80))
                break;
        }
        uint64_t out[2];
        int nout = 1;
        out[0] = arc;
        if (count == 0) { /* the first sub-identifier holds two arcs: 40 * X + Y, X in 0..2 */
            out[0] = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            out[1] = arc - 40 * out[0];
            nout = 2;
        }
        for (int i = 0; i < nout; i++) {
            if (count == BER_OID_ARCS_MAX)
                return BER_MALFORMED;
            if (arcs)
                arcs[count] = out[i];
            count++;
            if (cap) {
                char tmp[22];
                size_t k = 0;
                if (count > 1)
                    tmp[k++] = '.';
                k += u64_text(tmp + k, out[i]);
                if (k >= cap - w) { /* cut where it no longer fits, as snprintf would */
                    k = cap - 1 - w;
                }
                memcpy(text + w, tmp, k);
                w += k;
                text[w] = '\0';
            }
        }
    }
    if (narcs)
        *narcs = count;
    return BER_OK;
}

const char *ber_status_str(int status)
{
    switch (status) {
    case BER_OK: return "ok";
    case BER_TRUNCATED: return "truncated";
    case BER_MALFORMED: return "malformed";
    case BER_UNEXPECTED: return "unexpected element";
    default: return "?";
    }
}
