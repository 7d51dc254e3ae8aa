/* content_line: lines, counted blocks, dot-terminated blocks (RFC 5321 4.5.2, RFC 1939 3) and multi-line
 * replies (RFC 959 4.2, RFC 5321 4.2.1) of one direction, on the bytes on_data receives.
 *
 * Nothing is copied or kept here: a unit that is not whole yet takes 0 bytes, so the delivery engine keeps them
 * and hands them back with more. The exception is what must stream: counted blocks, and dot-block lines longer
 * than the line cap, are handed over as they come, so a literal or a message never waits there whole. */
#include "content_line.h"

#include <string.h>

#include "../core/tr_buf.h"
#include "textline.h"

enum { BLOCK_NONE = 0, BLOCK_BYTES, BLOCK_DOT };

enum {
    SKIP_NONE = 0,
    SKIP_TO_LF,     /* the rest of an over-long or cut line: dropped up to its LF */
    SKIP_AFTER_GAP, /* the bytes after a hole: cfg->resumes says whether they begin a line */
    SKIP_HUNT,      /* after a hole in a dot block: each line is dropped until one is its end or resumes */
};

void cl_init(cl_dir *d, const cl_config *cfg)
{
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
}

void cl_expect_bytes(cl_dir *d, uint64_t n)
{
    d->block = n ? BLOCK_BYTES : BLOCK_NONE;
    d->remaining = n;
    d->skip = SKIP_NONE; /* the caller knows where the block begins: right after the unit it was given */
}

void cl_expect_dot(cl_dir *d)
{
    d->block = BLOCK_DOT;
    d->remaining = 0;
    d->mid_line = 0;
    d->skip = SKIP_NONE;
}

uint64_t cl_remaining(const cl_dir *d) { return d->block == BLOCK_BYTES ? d->remaining : 0; }

int cl_reply_code(const uint8_t *p, size_t n)
{
    tr_buf b = tr_buf_make(p, n);
    int v = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t c = tr_u8(&b);
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    if (tr_left(&b)) {
        uint8_t c = tr_u8(&b);
        if (c != ' ' && c != '-')
            return -1;
    }
    return v < 100 ? -1 : v;
}

int cl_reply_is_end(const uint8_t *p, size_t n, int code)
{
    tr_buf b = tr_buf_make(p, n);
    return cl_reply_code(p, n) == code && (n == 3 || tr_peek_at(&b, 3) == ' ');
}

/* ---- dropping bytes ---- */

/* Drops up to and including the next LF; *found says whether it was there. */
static size_t drop_to_lf(const uint8_t *p, size_t n, int *found)
{
    const uint8_t *lf = memchr(p, '\n', n);
    *found = lf != NULL;
    return lf ? (size_t)(lf - p) + 1 : n;
}

static int resumes(const cl_dir *d, const uint8_t *p, size_t n)
{
    return d->cfg->resumes ? d->cfg->resumes(p, n) : 0;
}

/* A dot block's end at p: ".\r\n" or ".\n". Its length, 0 when p is not one, -1 when too few bytes tell. */
static int dot_end_at(const uint8_t *p, size_t n)
{
    tr_buf b = tr_buf_make(p, n);
    if (tr_peek_at(&b, 0) != '.')
        return 0;
    uint8_t c = tr_peek_at(&b, 1);
    if (b.err)
        return -1;
    if (c == '\n')
        return 2;
    if (c != '\r')
        return 0;
    c = tr_peek_at(&b, 2);
    if (b.err)
        return -1;
    return c == '\n' ? 3 : 0;
}

/* SKIP_HUNT at p: bytes dropped (> 0), 0 to wait, or (size_t)-1 when p begins a line to read. */
static size_t hunt(cl_dir *d, const uint8_t *p, size_t n)
{
    int found;
    if (d->mid_line) {
        size_t c = drop_to_lf(p, n, &found);
        d->mid_line = !found;
        return c;
    }
    int end = dot_end_at(p, n);
    if (end < 0)
        return 0;
    if (end > 0) { /* the block's own end: what follows are lines */
        d->skip = SKIP_NONE;
        return (size_t)end;
    }
    int r = resumes(d, p, n);
    if (r < 0)
        return 0;
    if (r > 0) {
        d->skip = SKIP_NONE;
        return (size_t)-1;
    }
    size_t c = drop_to_lf(p, n, &found);
    d->mid_line = !found;
    return c;
}

/* ---- units ---- */

/* Under 2 no line (not even an empty CRLF one) fits, and a cap of 0 would make an over-long line take no bytes. */
static size_t line_max(const cl_dir *d) { return d->cfg->line_max > 2 ? d->cfg->line_max : 2; }

static size_t bytes_piece(cl_dir *d, const uint8_t *p, size_t n, cl_unit *u)
{
    size_t take = d->remaining < n ? (size_t)d->remaining : n;
    d->remaining -= take;
    u->kind = CL_BYTES;
    u->p = p;
    u->len = take;
    u->end = d->remaining == 0;
    if (u->end)
        d->block = BLOCK_NONE;
    return take;
}

/* One line of a dot block with its end, or what has come of a long one. A line shorter than line_max waits whole
 * in the engine, so the caller reads header lines (mail_header_line) without a buffer of its own; one that
 * reaches line_max without its end is not the block's end, and streams from there as it arrives. */
static size_t dot_piece(cl_dir *d, const uint8_t *p, size_t n, cl_unit *u)
{
    size_t start = 0;
    if (!d->mid_line) {
        int end = dot_end_at(p, n);
        if (end < 0)
            return 0;
        if (end > 0) {
            d->block = BLOCK_NONE;
            u->kind = CL_DOT_END;
            u->p = p;
            return (size_t)end;
        }
        tr_buf b = tr_buf_make(p, n);
        if (tr_peek_at(&b, 0) == '.' && tr_peek_at(&b, 1) == '.')
            start = 1; /* dot-stuffed: the first dot is not content */
    }
    const uint8_t *lf = memchr(p + start, '\n', n - start);
    if (!lf && !d->mid_line && n < line_max(d))
        return 0;
    size_t end = lf ? (size_t)(lf - p) + 1 : n;
    d->mid_line = lf == NULL;
    u->kind = CL_DOT;
    u->p = p + start;
    u->len = end - start;
    u->eol = lf != NULL;
    return end;
}

static size_t line_unit(cl_dir *d, const uint8_t *p, size_t n, cl_unit *u)
{
    size_t len, cons;
    int r = textline_next(p, n, line_max(d), &len, &cons);
    if (r == TEXTLINE_NEED_MORE)
        return 0;
    u->p = p;
    if (r == TEXTLINE_TOO_LONG) {
        d->skip = SKIP_TO_LF;
        u->kind = CL_LONG_LINE;
        u->len = cons;
        return cons;
    }
    u->kind = CL_LINE;
    u->len = len;
    return cons;
}

/* The lines of a multi-line reply after its first (which took first_cons bytes), up to its end line: the scan
 * resumes where the last call stopped, since the engine hands the same bytes back with more. */
static size_t reply_gather(cl_dir *d, const uint8_t *p, size_t n, size_t first_cons, int code, cl_unit *u)
{
    const cl_config *c = d->cfg;
    size_t off = d->scanned && d->scanned <= n ? d->scanned : first_cons;
    uint32_t lines = d->scanned && d->scanned <= n ? d->reply_lines : 0;
    size_t text_end;
    int cut = 0;
    for (;;) {
        if (off >= c->reply_max || lines >= c->reply_lines_max) {
            cut = 1;
            text_end = off;
            break;
        }
        size_t len, cons;
        int r = textline_next(p + off, n - off, line_max(d), &len, &cons);
        if (r == TEXTLINE_NEED_MORE) {
            d->scanned = (uint32_t)off;
            d->reply_lines = lines;
            return 0;
        }
        if (r == TEXTLINE_TOO_LONG) { /* the reply is cut there; the long line's rest is dropped */
            d->skip = SKIP_TO_LF;
            text_end = off;
            off += cons;
            cut = 1;
            break;
        }
        off += cons;
        lines++;
        if (cl_reply_is_end(p + off - cons, len, code)) {
            text_end = off;
            break;
        }
    }
    d->scanned = 0;
    d->reply_lines = 0;
    if (cut)
        d->swallow = (uint16_t)code;
    u->kind = CL_REPLY;
    u->code = code;
    u->cut = (uint8_t)cut;
    u->lines = 1 + lines;
    u->p = p;
    u->len = text_end;
    return off;
}

static size_t reply_unit(cl_dir *d, const uint8_t *p, size_t n, cl_unit *u)
{
    size_t cons = line_unit(d, p, n, u);
    if (u->kind != CL_LINE)
        return cons;
    if (d->swallow) { /* the rest of a cut reply */
        if (cl_reply_is_end(u->p, u->len, d->swallow))
            d->swallow = 0;
        u->kind = CL_NONE;
        return cons;
    }
    int code = cl_reply_code(u->p, u->len);
    if (code < 0)
        return cons; /* a CL_LINE: not a reply */
    tr_buf b = tr_buf_make(p, n);
    if (u->len == 3 || tr_peek_at(&b, 3) == ' ') {
        u->kind = CL_REPLY;
        u->code = code;
        u->lines = 1;
        u->len = cons;
        return cons;
    }
    return reply_gather(d, p, n, cons, code, u);
}

size_t cl_next(cl_dir *d, const uint8_t *p, size_t n, cl_unit *u)
{
    memset(u, 0, sizeof *u);
    if (!n || !d->cfg)
        return 0;
    if (d->block == BLOCK_BYTES)
        return bytes_piece(d, p, n, u);
    int found;
    switch (d->skip) {
    case SKIP_TO_LF: {
        size_t c = drop_to_lf(p, n, &found);
        if (found)
            d->skip = SKIP_NONE;
        return c;
    }
    case SKIP_AFTER_GAP: {
        int r = resumes(d, p, n);
        if (r < 0)
            return 0;
        if (r == 0) {
            size_t c = drop_to_lf(p, n, &found);
            d->skip = found ? SKIP_NONE : SKIP_TO_LF;
            return c;
        }
        d->skip = SKIP_NONE;
        break;
    }
    case SKIP_HUNT: {
        size_t c = hunt(d, p, n);
        if (c != (size_t)-1)
            return c;
        break;
    }
    default:
        break;
    }
    size_t c;
    if (d->block == BLOCK_DOT)
        c = dot_piece(d, p, n, u);
    else
        c = d->cfg->replies ? reply_unit(d, p, n, u) : line_unit(d, p, n, u);
    if (!c)
        u->kind = CL_NONE; /* nothing taken is nothing handed over */
    return c;
}

int cl_gap(cl_dir *d, uint64_t n)
{
    d->scanned = 0;
    d->reply_lines = 0;
    d->mid_line = 0;
    if (d->block == BLOCK_BYTES) {
        if (n < d->remaining) {
            d->remaining -= n;
            return CL_GAP_BYTES;
        }
        /* a hole that ends exactly where the block did leaves the next line whole */
        d->skip = n > d->remaining ? SKIP_AFTER_GAP : SKIP_NONE;
        d->block = BLOCK_NONE;
        d->remaining = 0;
        return CL_GAP_BYTES_END;
    }
    if (d->block == BLOCK_DOT) {
        d->block = BLOCK_NONE;
        d->skip = SKIP_HUNT;
        return CL_GAP_DOT;
    }
    if (d->skip != SKIP_HUNT) /* still looking for a dot block's end: keep looking */
        d->skip = SKIP_AFTER_GAP;
    return CL_GAP_LINES;
}

/* ---- reading a reply ---- */

int cl_reply_line(const cl_unit *u, size_t *pos, const uint8_t **line, size_t *len)
{
    if (u->kind != CL_REPLY || *pos >= u->len)
        return 0;
    const uint8_t *l = u->p + *pos;
    size_t left = u->len - *pos;
    const uint8_t *lf = memchr(l, '\n', left);
    size_t n = lf ? (size_t)(lf - l) : left;
    *pos += lf ? n + 1 : n;
    tr_buf b = tr_buf_make(l, n);
    if (n && tr_peek_at(&b, n - 1) == '\r')
        n--;
    if (cl_reply_code(l, n) == u->code) {
        size_t prefix = n > 3 ? 4 : 3;
        l += prefix;
        n -= prefix;
    }
    *line = l;
    *len = n;
    return 1;
}

size_t cl_reply_join(const cl_unit *u, char *out, size_t cap)
{
    size_t w = 0, pos = 0, len;
    const uint8_t *l;
    for (uint32_t i = 0; i < u->lines && cl_reply_line(u, &pos, &l, &len); i++) {
        if (i && w < cap)
            out[w++] = '\n';
        size_t take = len < cap - w ? len : cap - w;
        memcpy(out + w, l, take);
        w += take;
    }
    return w;
}

int cl_reply_code_at(const uint8_t *p, size_t n, uint8_t lowest)
{
    tr_buf b = tr_buf_make(p, n);
    size_t k = 0;
    while (k < 3 && tr_peek_at(&b, k) >= '0' && tr_peek_at(&b, k) <= '9')
        k++;
    uint8_t after = tr_peek_at(&b, k), first = tr_peek_at(&b, 0);
    if (b.err)
        return -1;
    return k == 3 && (after == ' ' || after == '-' || after == '\r' || after == '\n') && first >= lowest && first <= '5';
}
