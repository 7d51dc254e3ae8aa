#include "chunked.h"
#include "../core/tr_buf.h"

#include "textline.h"

enum state { ST_SIZE = 0, ST_DATA, ST_DATA_END, ST_ENDED, ST_FAILED };

void chunked_begin(chunked *c)
{
    c->remaining = 0;
    c->state = ST_SIZE;
    c->error = CHUNKED_OK;
}

int chunked_ended(const chunked *c) { return c->state == ST_ENDED; }

int64_t chunked_size(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    size_t start = i;
    for (; i < n && i - start < CHUNKED_DIGITS_MAX + 1; i++) {
        int digit = tr_hex_digit((uint8_t)p[i]);
        if (digit < 0)
            break;
        v = v * 16 + (uint64_t)digit; /* at most 16 digits: fits; more than 15 are refused below */
    }
    size_t digits = i - start;
    if (digits > CHUNKED_DIGITS_MAX)
        return -2; /* hex, but too large to be a size anyone sends */
    if (!digits)
        return -1;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i < n && p[i] != ';') /* chunk-ext: whatever follows the ';' is not needed to find the data */
        return -1;
    return (int64_t)v;
}

static int fail(chunked *c, int error)
{
    c->state = ST_FAILED;
    c->error = (uint8_t)error;
    return CHUNKED_BAD;
}

int chunked_step(chunked *c, const uint8_t *p, size_t n, size_t *used)
{
    *used = 0;
    if (c->state == ST_ENDED || c->state == ST_FAILED || !n)
        return CHUNKED_MORE;
    if (c->state == ST_DATA) {
        size_t take = c->remaining < n ? (size_t)c->remaining : n;
        c->remaining -= take;
        if (!c->remaining)
            c->state = ST_DATA_END;
        *used = take;
        return CHUNKED_DATA;
    }
    size_t len, consumed;
    int r = textline_next(p, n, CHUNKED_LINE_MAX, &len, &consumed);
    if (r == TEXTLINE_NEED_MORE)
        return CHUNKED_MORE;
    *used = consumed;
    if (r == TEXTLINE_TOO_LONG)
        return fail(c, CHUNKED_LINE_TOO_LONG);
    if (c->state == ST_DATA_END) {
        if (len)
            return fail(c, CHUNKED_NO_CRLF);
        c->state = ST_SIZE;
        return CHUNKED_FRAME;
    }
    int64_t size = chunked_size(p, len);
    if (size < 0)
        return fail(c, size == -2 ? CHUNKED_SIZE_TOO_LARGE : CHUNKED_BAD_SIZE);
    if (size == 0) {
        c->state = ST_ENDED;
        return CHUNKED_END;
    }
    c->remaining = (uint64_t)size;
    c->state = ST_DATA;
    return CHUNKED_FRAME;
}

int chunked_gap(chunked *c, uint64_t n)
{
    if (c->state == ST_DATA && n <= c->remaining) {
        c->remaining -= n;
        if (!c->remaining)
            c->state = ST_DATA_END;
        return 1;
    }
    c->state = ST_FAILED;
    return 0;
}
