/* tui_transcript: a session's stored chunks turned into the lines the session view shows — both
 * directions in time order, text as text, binary as a hex dump, gaps and protocol events as [markers]. */
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui_store.h"

#define TUI_LINES_TEXT_MAX (64u * 1024u * 1024u)

void tui_lines_init(tui_lines *l)
{
    memset(l, 0, sizeof *l);
    tr_sb_init(&l->text, TUI_LINES_TEXT_MAX);
}

void tui_lines_free(tui_lines *l)
{
    free(l->v);
    tr_sb_free(&l->text);
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

/* Adds already-escaped text as one or more lines of at most width characters (UTF-8 sequences kept whole). */
static void add_line(tui_lines *l, int kind, int64_t ts, const char *s, size_t n, size_t width)
{
    if (width < 8)
        width = 8;
    size_t i = 0;
    do {
        size_t start = l->text.len, cols = 0;
        while (i < n && cols < width) {
            size_t k = 1;
            while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
                k++;
            tr_sb_add(&l->text, s + i, k);
            i += k;
            cols++;
        }
        line_push(l, kind, ts, start);
    } while (i < n);
}

static void add_marker_line(tui_lines *l, int64_t ts, size_t width, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_marker_line(tui_lines *l, int64_t ts, size_t width, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    add_line(l, TUI_LINE_MARKER, ts, buf, strlen(buf), width);
}

/* Binary when it holds a NUL or more than 1 in 10 bytes that are neither text nor UTF-8. */
static int looks_binary(const uint8_t *p, size_t n)
{
    size_t odd = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == 0)
            return 1;
        if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t' && c != 0x1b) || c == 0x7f)
            odd++;
        else if (c >= 0x80) {
            char tmp[8] = "";
            size_t k = 1;
            while (k < 4 && i + k < n && (p[i + k] & 0xc0) == 0x80)
                k++;
            if (tui_utf8_append(tmp, sizeof tmp, (const char *)p + i, k) != 0 || strchr(tmp, '?'))
                odd++;
            else
                i += k - 1;
        }
    }
    return odd * 10 > n;
}

static void hexdump(tui_lines *l, int kind, int64_t ts, const uint8_t *p, size_t n, size_t width)
{
    size_t per = width >= 76 ? 16 : 8;
    char line[128];
    for (size_t off = 0; off < n; off += per) {
        size_t k = n - off < per ? n - off : per, pos = 0;
        pos += (size_t)snprintf(line + pos, sizeof line - pos, "%04zx ", off & 0xffff);
        for (size_t i = 0; i < per; i++)
            pos += (size_t)snprintf(line + pos, sizeof line - pos, i < k ? " %02x" : "   ", p[off + (i < k ? i : 0)]);
        pos += (size_t)snprintf(line + pos, sizeof line - pos, "  ");
        for (size_t i = 0; i < k && pos + 1 < sizeof line; i++)
            line[pos++] = p[off + i] >= 0x20 && p[off + i] < 0x7f ? (char)p[off + i] : '.';
        add_line(l, kind, ts, line, pos, width);
    }
}

/* Text split at \n (a trailing \r dropped), control bytes and bytes that are not UTF-8 shown as \xNN. */
static void text_lines(tui_lines *l, int kind, int64_t ts, const uint8_t *p, size_t n, size_t width)
{
    tr_strbuf esc;
    tr_sb_init(&esc, 1u << 20);
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && p[end] != '\n')
            end++;
        size_t stop = end;
        if (stop > i && p[stop - 1] == '\r')
            stop--;
        tr_sb_reset(&esc);
        for (size_t j = i; j < stop;) {
            uint8_t c = p[j];
            if (c == '\t') {
                tr_sb_adds(&esc, "    ");
                j++;
                continue;
            }
            size_t k = 1;
            if (c >= 0x80)
                while (k < 4 && j + k < stop && (p[j + k] & 0xc0) == 0x80)
                    k++;
            char tmp[8] = "";
            if (c >= 0x20 && c != 0x7f && tui_utf8_append(tmp, sizeof tmp, (const char *)p + j, k) == 0 &&
                !strchr(tmp, '?'))
                tr_sb_add(&esc, p + j, k);
            else if (c == '?')
                tr_sb_addc(&esc, '?');
            else {
                k = 1;
                tr_sb_printf(&esc, "\\x%02x", c);
            }
            j += k;
        }
        add_line(l, kind, ts, esc.p ? esc.p : "", esc.len, width);
        i = end + 1;
    }
    tr_sb_free(&esc);
}

void tui_transcript_lines(const tui_session *s, int hex, size_t width, tui_lines *out)
{
    out->n = 0;
    tr_sb_reset(&out->text);
    const tui_detail *d = s->detail;
    if (!d) {
        add_marker_line(out, s->start_us, width, "%s",
                        s->details_evicted ? "[events and transcript evicted by the memory cap]" : "[no data yet]");
        return;
    }
    for (size_t i = 0; i < d->nch; i++) {
        const tui_chunk *c = &d->ch[i];
        int kind = c->dir == TR_S2C ? TUI_LINE_S2C : TUI_LINE_C2S;
        switch (c->kind) {
        case TUI_CHUNK_DATA:
            if (hex || looks_binary(d->bytes + c->off, (size_t)c->n))
                hexdump(out, kind, c->ts_us, d->bytes + c->off, (size_t)c->n, width);
            else
                text_lines(out, kind, c->ts_us, d->bytes + c->off, (size_t)c->n, width);
            break;
        case TUI_CHUNK_GAP:
            add_marker_line(out, c->ts_us, width, "[gap %" PRIu64 " bytes %s]", c->n,
                            c->dir == TR_S2C ? "s2c" : "c2s");
            break;
        default:
            add_line(out, TUI_LINE_MARKER, c->ts_us, (const char *)d->bytes + c->off, (size_t)c->n, width);
            break;
        }
    }
    if (!d->nch)
        add_marker_line(out, s->start_us, width, "[no data yet]");
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
