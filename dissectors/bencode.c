#include "bencode.h"

#include <string.h>

#include "../core/tr_strbuf.h"

static int fail(tr_buf *b, int status)
{
    if (!b->err)
        b->err = status == BENC_TRUNCATED ? TR_ETRUNC : TR_EMALFORMED;
    return status;
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Digits up to `end` (':' for a string's length, 'e' for an integer), at most BENC_INT_DIGITS_MAX. */
static int read_number(tr_buf *b, uint8_t end, int sign_ok, int64_t *out)
{
    int neg = 0, digits = 0;
    uint64_t v = 0;
    if (sign_ok && tr_left(b) && tr_peek_at(b, b->off) == '-') {
        tr_skip(b, 1);
        neg = 1;
    }
    for (;;) {
        if (!tr_left(b))
            return BENC_TRUNCATED;
        uint8_t c = tr_u8(b);
        if (c == end)
            break;
        if (!is_digit(c) || digits == BENC_INT_DIGITS_MAX)
            return BENC_MALFORMED;
        if (digits == 1 && v == 0)
            return BENC_MALFORMED; /* a leading zero (BEP 3: "i03e" is invalid) */
        v = v * 10 + (uint64_t)(c - '0');
        digits++;
    }
    if (!digits || (neg && v == 0) || v > (uint64_t)INT64_MAX)
        return BENC_MALFORMED; /* "ie", "i-0e", "i-e", past 63 bits */
    *out = neg ? -(int64_t)v : (int64_t)v;
    return BENC_OK;
}

/* A scalar at the cursor (an integer or a string), or the opening of a container (its type, cursor past the
 * marker). */
static int read_item(tr_buf *b, benc_value *v)
{
    if (!tr_left(b))
        return BENC_TRUNCATED;
    const uint8_t *at = b->p + b->off;
    uint8_t c = tr_peek_at(b, b->off);
    v->raw = at;
    if (c == 'i') {
        tr_skip(b, 1);
        int st = read_number(b, 'e', 1, &v->i);
        if (st != BENC_OK)
            return st;
        v->type = BENC_INT;
    } else if (is_digit(c)) {
        int64_t len;
        int st = read_number(b, ':', 0, &len);
        if (st != BENC_OK)
            return st;
        if ((uint64_t)len > tr_left(b))
            return BENC_TRUNCATED;
        v->s = tr_bytes(b, (size_t)len);
        v->n = (size_t)len;
        v->type = BENC_STR;
    } else if (c == 'l' || c == 'd') {
        tr_skip(b, 1);
        v->type = c == 'l' ? BENC_LIST : BENC_DICT;
        v->s = b->p + b->off;
        return BENC_OK;
    } else {
        return BENC_MALFORMED;
    }
    v->raw_n = (size_t)(b->p + b->off - at);
    return BENC_OK;
}

int benc_read(tr_buf *b, benc_value *v)
{
    memset(v, 0, sizeof *v);
    if (b->err)
        return BENC_TRUNCATED;
    /* one pass, without recursion: per open container whether it is a dictionary and, if so, whether a key or a
     * value comes next (a container that is a value flips it when it opens: a key comes after it closes) */
    uint8_t is_dict[BENC_DEPTH_MAX + 1], want_key[BENC_DEPTH_MAX + 1];
    benc_value top;
    int depth = 0;
    size_t items = 0;
    memset(&top, 0, sizeof top);
    for (;;) {
        if (depth > 0 && tr_left(b) && tr_peek_at(b, b->off) == 'e') {
            tr_skip(b, 1);
            if (is_dict[depth] && !want_key[depth])
                return fail(b, BENC_MALFORMED); /* a key without its value */
            depth--;
            if (depth == 0) {
                top.n = (size_t)(b->p + b->off - 1 - top.s);
                top.raw_n = (size_t)(b->p + b->off - top.raw);
                *v = top;
                return BENC_OK;
            }
            continue;
        }
        if (++items > BENC_ITEMS_MAX)
            return fail(b, BENC_TOO_MANY);
        benc_value item;
        memset(&item, 0, sizeof item);
        int st = read_item(b, &item);
        if (st != BENC_OK)
            return fail(b, st);
        if (depth > 0 && is_dict[depth]) {
            if (want_key[depth] && item.type != BENC_STR)
                return fail(b, BENC_MALFORMED);
            want_key[depth] = !want_key[depth];
        }
        if (depth == 0)
            top = item;
        if (item.type == BENC_LIST || item.type == BENC_DICT) {
            if (depth == BENC_DEPTH_MAX)
                return fail(b, BENC_TOO_DEEP);
            depth++;
            is_dict[depth] = item.type == BENC_DICT;
            want_key[depth] = 1;
        } else if (depth == 0) {
            *v = top;
            return BENC_OK;
        }
    }
}

void benc_iter_init(benc_iter *it, const benc_value *container)
{
    int ok = container->type == BENC_LIST || container->type == BENC_DICT;
    it->b = tr_buf_make(ok ? container->s : NULL, ok ? container->n : 0);
    it->dict = container->type == BENC_DICT;
}

int benc_list_next(benc_iter *it, benc_value *v)
{
    if (!tr_left(&it->b))
        return 0;
    return benc_read(&it->b, v) == BENC_OK;
}

int benc_dict_next(benc_iter *it, benc_value *key, benc_value *v)
{
    if (!it->dict || !tr_left(&it->b))
        return 0;
    return benc_read(&it->b, key) == BENC_OK && key->type == BENC_STR && benc_read(&it->b, v) == BENC_OK;
}

int benc_dict_get(const benc_value *dict, const char *key, benc_value *v)
{
    benc_iter it;
    benc_value k;
    size_t klen = strlen(key);
    benc_iter_init(&it, dict);
    while (benc_dict_next(&it, &k, v))
        if (k.n == klen && memcmp(k.s, key, klen) == 0)
            return 1;
    memset(v, 0, sizeof *v);
    return 0;
}

int benc_str_is_text(const benc_value *v)
{
    if (v->type != BENC_STR)
        return 0;
    for (size_t i = 0; i < v->n;) {
        uint8_t c = v->s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        size_t k = tr_utf8_seq(v->s + i, v->n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

const char *benc_status_str(int status)
{
    switch (status) {
    case BENC_OK: return "ok";
    case BENC_TRUNCATED: return "truncated";
    case BENC_MALFORMED: return "malformed";
    case BENC_TOO_DEEP: return "nested too deep";
    case BENC_TOO_MANY: return "too many elements";
    default: return "?";
    }
}
