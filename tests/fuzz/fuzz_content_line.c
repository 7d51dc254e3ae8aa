/* fuzz_content_line: dissectors/content_line.c fed as the delivery engine feeds it (what a call does not take is
 * kept and handed back with more; a gap loses what was kept), with a small protocol on top: a line "{N}" starts
 * N counted bytes, a line "DATA" (or a 354 reply) a dot block.
 *
 * Input: byte 0 the setup: bit 0 replies mode; bits 1-3 line_max (2 + 8 * value); bit 4 no gap predicate.
 * Byte 1: reply_max (4 * value); byte 2: reply_lines_max (value & 15); byte 3: where each run of data is cut in
 * the second pass. Then the stream; 0xff followed by k is a gap of k + 1 bytes (0xff 0xff: a lone 0xff byte).
 * Each input runs twice, the second time with every run of data between gaps cut in two: the transcripts
 * (streamed pieces joined) must be the same. Units must lie inside the bytes given, lines hold no LF, replies
 * have a code and at least one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/content_line.h"

typedef struct run {
    cl_dir d;
    uint8_t *kept;
    size_t kept_len, kept_cap;
    uint8_t *out; /* transcript */
    size_t out_len, out_cap;
    uint8_t piece;
} run;

static void out_add(run *r, const void *p, size_t n)
{
    if (!n)
        return;
    if (r->out_len + n > r->out_cap) {
        r->out_cap = (r->out_len + n) * 2 + 64;
        r->out = realloc(r->out, r->out_cap);
        if (!r->out)
            abort();
    }
    memcpy(r->out + r->out_len, p, n);
    r->out_len += n;
}

static void mark(run *r, uint8_t kind, const void *p, size_t n, int streamed)
{
    if (streamed && r->piece == kind) { /* the next piece of the same run: joined */
        out_add(r, p, n);
        return;
    }
    uint8_t head[9] = {kind};
    if (!streamed) /* a streamed run's length depends on the cuts: only its bytes are compared */
        memcpy(head + 1, &n, sizeof n < 8 ? sizeof n : 8);
    out_add(r, head, sizeof head);
    out_add(r, p, n);
    r->piece = streamed ? kind : 0;
}

static int upper_word(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && k < 5 && p[k] >= 'A' && p[k] <= 'Z')
        k++;
    if (k == n && k < 5)
        return -1;
    if (k < 3 || k == 5)
        return 0;
    return p[k] == ' ' || p[k] == '\r' || p[k] == '\n';
}

static void on_unit(run *r, const cl_unit *u, const uint8_t *p, size_t n, size_t line_max)
{
    if (u->kind == CL_NONE)
        return;
    if (u->p < p || u->len > n || u->p + u->len > p + n)
        abort();
    switch (u->kind) {
    case CL_LINE:
        if (u->len >= line_max || memchr(u->p, '\n', u->len))
            abort();
        mark(r, 'L', u->p, u->len, 0);
        if (u->len == 4 && memcmp(u->p, "DATA", 4) == 0)
            cl_expect_dot(&r->d);
        if (u->len >= 3 && u->len <= 8 && u->p[0] == '{' && u->p[u->len - 1] == '}') {
            uint64_t v = 0;
            for (size_t i = 1; i + 1 < u->len && u->p[i] >= '0' && u->p[i] <= '9'; i++)
                v = v * 10 + (uint64_t)(u->p[i] - '0');
            cl_expect_bytes(&r->d, v);
            if (cl_remaining(&r->d) != v)
                abort();
        }
        break;
    case CL_LONG_LINE:
        if (u->len != (line_max > 2 ? line_max : 2))
            abort();
        mark(r, 'X', u->p, u->len, 0);
        break;
    case CL_REPLY: {
        const uint8_t *lf = memchr(u->p, '\n', u->len);
        size_t first = lf ? (size_t)(lf - u->p) : u->len;
        if (first && u->p[first - 1] == '\r')
            first--;
        if (u->code < 100 || u->code > 999 || u->lines < 1 || cl_reply_code(u->p, first) != u->code)
            abort();
        char text[512];
        size_t tn = cl_reply_join(u, text, sizeof text);
        if (tn > sizeof text)
            abort();
        size_t pos = 0, len, count = 0;
        const uint8_t *l;
        while (cl_reply_line(u, &pos, &l, &len))
            if (++count > u->lines || l < u->p || l + len > u->p + u->len)
                abort();
        if (count != u->lines)
            abort();
        uint8_t code[3] = {(uint8_t)(u->code / 100), (uint8_t)(u->code / 10 % 10), u->cut};
        mark(r, 'R', code, sizeof code, 0);
        mark(r, 'T', text, tn, 0);
        if (u->code == 354)
            cl_expect_dot(&r->d);
        break;
    }
    case CL_BYTES:
    case CL_DOT:
        if (!u->len)
            abort();
        mark(r, u->kind == CL_BYTES ? 'B' : 'D', u->p, u->len, 1);
        break;
    case CL_DOT_END:
        mark(r, 'E', NULL, 0, 0);
        break;
    default:
        abort();
    }
}

/* What reassembly/deliver.c does with on_data's answers. */
static void feed(run *r, const uint8_t *p, size_t n, size_t line_max)
{
    if (r->kept_len + n > r->kept_cap) {
        r->kept_cap = (r->kept_len + n) * 2;
        r->kept = realloc(r->kept, r->kept_cap);
        if (!r->kept)
            abort();
    }
    memcpy(r->kept + r->kept_len, p, n);
    r->kept_len += n;
    size_t off = 0;
    for (size_t guard = 0; off < r->kept_len; guard++) {
        if (guard > 4 * (r->kept_len + 16))
            abort(); /* no progress */
        size_t left = r->kept_len - off;
        uint8_t *exact = malloc(left); /* exactly the bytes there are: reading past them is caught */
        if (!exact)
            abort();
        memcpy(exact, r->kept + off, left);
        cl_unit u;
        size_t c = cl_next(&r->d, exact, left, &u);
        if (c > left || (!c && u.kind != CL_NONE))
            abort();
        on_unit(r, &u, exact, left, line_max);
        free(exact);
        if (!c)
            break;
        off += c;
    }
    memmove(r->kept, r->kept + off, r->kept_len - off);
    r->kept_len -= off;
}

static void gap(run *r, uint64_t n)
{
    uint8_t g = (uint8_t)cl_gap(&r->d, n + r->kept_len);
    r->kept_len = 0;
    mark(r, 'G', &g, 1, 0);
}

static void one_pass(run *r, const cl_config *cfg, const uint8_t *data, size_t size, int cut_at)
{
    memset(r, 0, sizeof *r);
    cl_init(&r->d, cfg);
    uint8_t *seg = malloc(size + 1);
    if (!seg)
        abort();
    size_t sn = 0;
    for (size_t i = 0; i <= size; i++) {
        int is_gap = i + 1 < size && data[i] == 0xff && data[i + 1] != 0xff;
        if (i < size && !is_gap) {
            seg[sn++] = data[i];
            if (data[i] == 0xff && i + 1 < size)
                i++; /* 0xff 0xff: one 0xff byte */
            continue;
        }
        if (sn) {
            size_t k = cut_at < 0 ? 0 : (size_t)cut_at % sn;
            if (k)
                feed(r, seg, k, cfg->line_max);
            feed(r, seg + k, sn - k, cfg->line_max);
            sn = 0;
        }
        if (is_gap) {
            gap(r, (uint64_t)data[i + 1] + 1);
            i++;
        }
    }
    free(seg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > 65536)
        return 0;
    cl_config cfg = {
        .line_max = 2 + 8u * ((data[0] >> 1) & 7),
        .replies = data[0] & 1,
        .reply_max = 4u * data[1],
        .reply_lines_max = data[2] & 15,
        .resumes = data[0] & 16 ? NULL : upper_word,
    };
    run a, b;
    one_pass(&a, &cfg, data + 4, size - 4, -1);
    one_pass(&b, &cfg, data + 4, size - 4, data[3]);
    if (a.out_len != b.out_len || (a.out_len && memcmp(a.out, b.out, a.out_len) != 0))
        abort(); /* units must not depend on how the bytes were cut */
    free(a.out);
    free(a.kept);
    free(b.out);
    free(b.kept);
    return 0;
}
