/* tui_transcript: a session's stored chunks rendered by the exporter's renderer (output/transcript.h) and
 * split into the lines the session view shows, each with the time of the chunk it starts in. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui_store.h"

#define TUI_LINES_TEXT_MAX (64u * 1024u * 1024u)
#define TUI_RENDER_MAX (8u * 1024u * 1024u) /* one chunk's rendering: a hex dump of the largest chunk fits */
#define TUI_TAB 4
#define TUI_WRAP_INDENT "   "

void tui_lines_init(tui_lines *l)
{
    memset(l, 0, sizeof *l);
    tr_sb_init(&l->text, TUI_LINES_TEXT_MAX);
    tr_sb_init(&l->render, TUI_RENDER_MAX);
}

void tui_lines_free(tui_lines *l)
{
    free(l->v);
    tr_sb_free(&l->text);
    tr_sb_free(&l->render);
    memset(l, 0, sizeof *l);
}

static void line_push(tui_lines *l, int kind, int64_t ts, size_t off)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        tui_line *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    tui_line *ln = &l->v[l->n++];
    ln->off = off;
    ln->len = l->text.len - off;
    ln->ts_us = ts;
    ln->kind = (uint8_t)kind;
}

/* Adds one rendered line as lines of at most width characters (UTF-8 sequences kept whole, tabs as spaces);
 * the lines it goes on in are indented so the direction prefix stands alone. */
static void add_line(tui_lines *l, int kind, int64_t ts, const char *s, size_t n, size_t width)
{
    if (width < 16)
        width = 16;
    size_t i = 0;
    int first = 1;
    do {
        size_t start = l->text.len, cols = 0;
        if (!first) {
            tr_sb_adds(&l->text, TUI_WRAP_INDENT);
            cols = sizeof TUI_WRAP_INDENT - 1;
        }
        while (i < n && cols < width) {
            if (s[i] == '\t') {
                do
                    tr_sb_addc(&l->text, ' ');
                while (++cols % TUI_TAB && cols < width);
                i++;
                continue;
            }
            size_t k = 1;
            while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
                k++;
            tr_sb_add(&l->text, s + i, k);
            i += k;
            cols++;
        }
        line_push(l, kind, ts, start);
        first = 0;
    } while (i < n);
}

/* A hex dump line of the renderer: prefix, an offset of 8+ hex digits, two spaces, a byte. */
static int is_hex_line(const char *s, size_t n)
{
    size_t i = 3, digits = 0;
    while (i < n && isxdigit((unsigned char)s[i]) && digits < 17) {
        i++;
        digits++;
    }
    return digits >= 8 && i + 4 <= n && s[i] == ' ' && s[i + 1] == ' ' && isxdigit((unsigned char)s[i + 2]);
}

static int kind_of(const char *s, size_t n)
{
    if (n >= 3 && memcmp(s, ">> ", 3) == 0)
        return TUI_LINE_C2S;
    if (n >= 3 && memcmp(s, "<< ", 3) == 0)
        return TUI_LINE_S2C;
    return TUI_LINE_MARKER;
}

/* Moves the finished lines of l->render into l; an unfinished one stays. *ts is the time of the line at the
 * start of render; lines begun later begin in the chunk of time now. */
static void take_lines(tui_lines *l, int64_t *ts, int64_t now, size_t width)
{
    tr_strbuf *r = &l->render;
    size_t start = 0;
    for (size_t i = 0; i < r->len; i++) {
        if (r->p[i] != '\n')
            continue;
        const char *p = r->p + start;
        size_t n = i - start;
        /* A hex line (81 columns with its prefix) is cut at the edge, not wrapped: at 80 columns only its
         * closing | is off screen. */
        add_line(l, kind_of(p, n), *ts, p, n, is_hex_line(p, n) ? n : width);
        start = i + 1;
        *ts = now;
    }
    if (start) {
        memmove(r->p, r->p + start, r->len - start);
        r->len -= start;
    }
}

static void note_line(tui_lines *l, int64_t ts, const char *text, size_t width)
{
    add_line(l, TUI_LINE_MARKER, ts, text, strlen(text), width);
}

void tui_transcript_lines(const tui_session *s, int hex, size_t width, tui_lines *out)
{
    out->n = 0;
    tr_sb_reset(&out->text);
    tr_sb_reset(&out->render);
    if (!s->detail || !s->detail->nch) {
        note_line(out, s->start_us,
                  s->details_evicted ? "== [events and transcript evicted by the memory cap]" : "== [no data yet]",
                  width);
        return;
    }
    const tui_detail *d = s->detail;
    tr_transcript t;
    tr_transcript_init(&t, tr_transcript_mode(s->proto, s->l4) | (hex ? TR_TX_HEX : 0));
    int64_t ts = d->ch[0].ts_us;
    for (size_t i = 0; i < d->nch; i++) {
        tr_tx_chunk c;
        tui_chunk_get(d, i, &c);
        if (!out->render.len)
            ts = c.ts_us;
        tr_transcript_add(&t, &c, &out->render);
        take_lines(out, &ts, c.ts_us, width);
    }
    /* An ended session's transcript is ended as the exporter ends it; an open one's last line as it is now. */
    int64_t last = d->ch[d->nch - 1].ts_us;
    if (s->state != TUI_OPEN)
        tr_transcript_end(&t, &out->render);
    else
        tr_transcript_flush(&t, &out->render);
    take_lines(out, &ts, last, width);
    tr_sb_reset(&out->render);
}

static int line_has(const tui_lines *l, size_t i, const char *needle, size_t nl)
{
    const char *t = l->text.p + l->v[i].off;
    size_t n = l->v[i].len;
    for (size_t k = 0; k + nl <= n; k++)
        if (strncasecmp(t + k, needle, nl) == 0)
            return 1;
    return 0;
}

long tui_lines_find(const tui_lines *l, const char *needle, size_t from, int forward)
{
    size_t nl = strlen(needle);
    if (!nl || !l->n)
        return -1;
    for (size_t step = 1; step <= l->n; step++) {
        size_t i = forward ? (from + step) % l->n : (from + l->n - step % l->n) % l->n;
        if (line_has(l, i, needle, nl))
            return (long)i;
    }
    return -1;
}

size_t tui_lines_at_time(const tui_lines *l, int64_t ts_us)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].ts_us >= ts_us)
            return i;
    return l->n ? l->n - 1 : 0;
}
