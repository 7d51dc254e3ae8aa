#include "transcript.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../core/tr_swar.h"
#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "tr_format.h"
#include "tr_time.h"

#define LINE_PREFIX_LEN 3
static const char line_prefix[3][LINE_PREFIX_LEN + 1] = {">> ", "<< ", "== "};
static const char hex_digits[] = "0123456789abcdef";
/* Byte c as two hex digits at hex_pairs + 2 * c, and as hex dumps show it in their text column. */
static const char hex_pairs[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
/* A table, not `c >= 0x20 && c < 0x7f ? c : '.'`: on encrypted bytes that branch made a TLS capture's export
 * 1.7x as slow. */
static const char dump_shown[] =
    "................................"
    " !\"#$%&'()*+,-./0123456789:;<=>?"
    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
    "`abcdefghijklmnopqrstuvwxyz{|}~."
    "................................"
    "................................"
    "................................"
    "................................";

static int dir_index(int dir) { return dir == TR_C2S ? 0 : dir == TR_S2C ? 1 : 2; }

int tr_transcript_mode(const char *proto, uint8_t l4)
{
    int udp = l4 == TR_UDP ? TR_TX_UDP : 0;
    const tr_dissector *d = tr_dissector_find(proto);
    const tr_presenter *pr = d ? d->present : NULL;
    if (!pr)
        return TR_TXM_STREAM | udp;
    if (pr->transcript_mode == TR_TXM_RENDERED && pr->renderer)
        return TR_TXM_RENDERED | udp | (tr_dissector_index(d) + 1) << TR_TX_RENDERER_SHIFT;
    if (pr->transcript_mode == TR_TXM_DATAGRAMS && !udp)
        return TR_TXM_STREAM; /* over TCP the stream is shown as it is */
    if (pr->transcript_mode == TR_TXM_RENDERED)
        return TR_TXM_STREAM | udp;
    return pr->transcript_mode | udp;
}

/* The renderer a TR_TXM_RENDERED mode names. */
static const tr_tx_renderer *mode_renderer(int mode)
{
    int index = (mode >> TR_TX_RENDERER_SHIFT) - 1;
    if ((mode & TR_TX_MODE_MASK) != TR_TXM_RENDERED || index < 0)
        return NULL;
    for (int i = 0; tr_dissectors[i]; i++)
        if (i == index)
            return tr_dissectors[i]->present ? tr_dissectors[i]->present->renderer : NULL;
    return NULL;
}

void tr_transcript_init(tr_transcript *t, int mode)
{
    memset(t, 0, sizeof *t);
    t->mode = mode;
    t->last_dir = TR_TX_NONE;
    t->renderer = mode_renderer(mode);
}

/* A CR that ended a chunk is shown once it is known not to begin a CR LF. */
static void pending_cr_out(tr_transcript *t, tr_strbuf *sb)
{
    if (t->pending_cr) {
        tr_sb_add(sb, "\\r", 2);
        t->pending_cr = 0;
    }
}

static void line_end(tr_transcript *t, tr_strbuf *sb)
{
    pending_cr_out(t, sb);
    if (t->open_line) {
        tr_sb_addc(sb, '\n');
        t->open_line = 0;
    }
}

static void line_start(tr_transcript *t, int d, tr_strbuf *sb)
{
    pending_cr_out(t, sb);
    if (!t->open_line) {
        tr_sb_add(sb, line_prefix[d], LINE_PREFIX_LEN);
        t->open_line = 1;
    }
}

/* A time line when the conversation turns to another direction. */
static void turn(tr_transcript *t, int d, int64_t ts_us, tr_strbuf *sb)
{
    if (d == t->last_dir)
        return;
    line_end(t, sb);
    char ts[TR_TIME_MAX];
    int64_t day = tr_time_day(ts_us);
    if (day != t->day || t->last_dir == TR_TX_NONE) /* the date, when it changes (and on the first time line) */
        tr_time_full(ts_us, ts);
    else
        tr_time_of_day(ts_us, ts);
    t->day = day;
    tr_sb_adds(sb, "--- "); /* not printf: a turn comes with nearly every message */
    tr_sb_adds(sb, ts);
    tr_sb_adds(sb, d == 0 ? " c2s\n" : d == 1 ? " s2c\n" : "\n");
    t->last_dir = d;
}

static void add_hex_escape(tr_strbuf *sb, uint8_t c)
{
    char esc[4] = {'\\', 'x', hex_digits[c >> 4], hex_digits[c & 15]};
    tr_sb_add(sb, esc, 4);
}

/* Printable ASCII but the backslash (the escape): shown as is (core/tr_swar.h's rule; ' ' adds nothing). */
static int is_plain_ascii(uint8_t c) { return tr_ascii_plain(c, 0x7e, '\\', '\\', ' '); }

/* How many bytes at the start of p[0..n) are plain ASCII or TAB: transcripts of text are mostly such runs. */
static size_t plain_run(const uint8_t *p, size_t n) { return tr_ascii_run(p, n, 0x7e, '\\', '\\', '\t'); }

/* Length of a UTF-8 character worth showing at p (not a C1 control), or 0. */
static size_t shown_utf8(const uint8_t *p, size_t n)
{
    /* most bytes of binary data fail here, without the full decode: a lead byte outside C2..F4 or
     * no continuation byte after it is never valid UTF-8 (RFC 3629) */
    if (p[0] < 0xC2 || p[0] > 0xF4 || n < 2 || (p[1] & 0xC0) != 0x80)
        return 0;
    size_t k = tr_utf8_seq(p, n);
    if (k == 2 && p[0] == 0xC2 && p[1] < 0xA0)
        return 0;
    return k;
}

/* Bytes as text lines of direction d: LF ends a line, everything unprintable escaped. Gives up and returns 0
 * as soon as more than `escapes_max` bytes needed escaping (what is written is then the caller's to undo). */
static int text_bytes_upto(tr_transcript *t, int d, const uint8_t *p, size_t n, tr_strbuf *sb, size_t escapes_max)
{
    size_t i = 0, escapes = 0;
    if (t->pending_cr && n && p[0] == '\n')
        t->pending_cr = 0; /* the CR LF of the line, split between chunks */
    while (i < n) {
        line_start(t, d, sb);
        size_t j = i + plain_run(p + i, n - i);
        if (j > i) {
            tr_sb_add(sb, p + i, j - i);
            i = j;
            continue;
        }
        uint8_t c = p[i];
        size_t k;
        if (c == '\n') {
            tr_sb_addc(sb, '\n');
            t->open_line = 0;
            i++;
        } else if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
            i++;
        } else if (c == '\r' && i + 1 == n) {
            t->pending_cr = 1;
            i++;
        } else if (c == '\r') {
            tr_sb_add(sb, "\\r", 2);
            i++;
        } else if (c == '\\') {
            tr_sb_add(sb, "\\\\", 2);
            i++;
        } else if (c >= 0x80 && (k = shown_utf8(p + i, n - i)) > 0) {
            tr_sb_add(sb, p + i, k);
            i += k;
        } else {
            if (++escapes > escapes_max)
                return 0;
            add_hex_escape(sb, c);
            i++;
        }
    }
    return 1;
}

static void text_bytes(tr_transcript *t, int d, const uint8_t *p, size_t n, tr_strbuf *sb)
{
    (void)text_bytes_upto(t, d, p, n, sb, SIZE_MAX);
}

/* Bytes inside a bracketed marker: printable ASCII as is, the rest escaped. */
static void marker_bytes(const uint8_t *p, size_t n, tr_strbuf *sb)
{
    for (size_t i = 0; i < n; i++) {
        if (is_plain_ascii(p[i]))
            tr_sb_addc(sb, (char)p[i]);
        else if (p[i] == '\\')
            tr_sb_add(sb, "\\\\", 2);
        else
            add_hex_escape(sb, p[i]);
    }
}

/* 16 bytes a line: "<< 00000010  xx xx ... xx  xx ... xx  |ascii|", each line built whole from tables: hex
 * dumps of encrypted or compressed streams can be most of an export. */
static void hex_dump(tr_transcript *t, int d, const uint8_t *p, size_t n, tr_strbuf *sb)
{
    line_end(t, sb);
    enum {
        HEX_COLUMNS = 16 * 3 + 4,                  /* " xx xx xx xx xx xx xx xx  xx ... xx  |" */
        WHOLE_LINE = 3 + 8 + 1 + HEX_COLUMNS + 16 + 2, /* 16 bytes at an offset of 8 digits */
    };
    char line[WHOLE_LINE + 8]; /* offsets past 4 GB take up to 16 digits */
    for (size_t i = 0; i < n; i += 16) {
        size_t k = n - i < 16 ? n - i : 16, w = 3;
        memcpy(line, line_prefix[d], LINE_PREFIX_LEN);
        uint64_t off = t->off[d] + i;
        int digits = 8;
        while (digits < 16 && (off >> (4 * digits)))
            digits++;
        for (int s = digits - 1; s >= 0; s--)
            line[w++] = hex_digits[(off >> (4 * s)) & 15];
        line[w++] = ' ';
        char *hexcol = line + w, *ascii = hexcol + HEX_COLUMNS;
        memset(hexcol, ' ', HEX_COLUMNS - 1);
        hexcol[HEX_COLUMNS - 1] = '|';
        for (size_t j = 0; j < k; j++) {
            uint8_t c = p[i + j];
            memcpy(hexcol + 3 * j + (j >= 8) + 1, hex_pairs + 2 * c, 2);
            ascii[j] = dump_shown[c];
        }
        w += HEX_COLUMNS + k;
        line[w++] = '|';
        line[w++] = '\n';
        if (w == WHOLE_LINE) /* a copy of known size: the variable one compiled to `rep movs` */
            tr_sb_add(sb, line, WHOLE_LINE);
        else
            tr_sb_add(sb, line, w);
    }
}

/* A lower bound on the bytes mostly_text counts against a chunk, sixteen at a time: on encrypted or compressed
 * data it passes a quarter long before the byte-at-a-time rule below would have said so. It counts bytes that
 * are never text and never inside a UTF-8 character (controls but TAB CR LF, 0x7f, 0xc0, 0xc1, 0xf5 and up), and
 * continuation bytes (0x80..0xbf) after a byte that can neither start nor continue a UTF-8 character, which
 * therefore start a unit of their own and are counted against the chunk. Without SSE2 it finds nothing. */
static size_t surely_not_text(const uint8_t *p, size_t n)
{
    size_t bad = 0;
#ifdef __SSE2__
    const __m128i x1f = _mm_set1_epi8(0x1f), x7f = _mm_set1_epi8(0x7f), xfe = _mm_set1_epi8((char)0xfe);
    const __m128i xc0 = _mm_set1_epi8((char)0xc0), xf5 = _mm_set1_epi8((char)0xf5), x80 = _mm_set1_epi8((char)0x80);
    const __m128i xf4 = _mm_set1_epi8((char)0xf4), tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    /* from byte 1, so every byte has the one before it (byte 0 is left out: a lower bound may leave some out) */
    for (size_t i = 1; n >= 16 && i <= n - 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i before = _mm_loadu_si128((const __m128i *)(const void *)(p + i - 1));
        __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, x1f), v);
        control = _mm_andnot_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)),
                                                _mm_cmpeq_epi8(v, cr)), control);
        __m128i never = _mm_or_si128(_mm_cmpeq_epi8(v, x7f), _mm_cmpeq_epi8(_mm_and_si128(v, xfe), xc0));
        never = _mm_or_si128(never, _mm_cmpeq_epi8(_mm_max_epu8(v, xf5), v));
        __m128i continuation = _mm_cmpeq_epi8(_mm_and_si128(v, xc0), x80);
        __m128i before_in_char = /* 0x80..0xf4: every lead and continuation byte (and 0xc0, 0xc1: fewer counted) */
            _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(before, x80), before),
                          _mm_cmpeq_epi8(_mm_min_epu8(before, xf4), before));
        __m128i stray = _mm_andnot_si128(before_in_char, continuation);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(control, never), stray));
        bad += (size_t)__builtin_popcount(mask);
    }
#else
    (void)p;
    (void)n;
#endif
    return bad;
}

/* Text when at least three quarters of the bytes are printable (UTF-8 counts, so do CR LF TAB). Stops as soon
 * as more than a quarter are not. Past the bound above, a byte at a time: it is asked of chunks whose first
 * bytes were not text, binary data mostly, where runs of plain ASCII are too short for wider scanning. */
static int mostly_text(const uint8_t *p, size_t n)
{
    size_t bad = 0, bad_max = n / 4; /* good * 4 >= n * 3  <=>  bad <= n / 4 */
    if (surely_not_text(p, n) > bad_max)
        return 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if ((uint8_t)(c - 0xC2) > 0xF4 - 0xC2) { /* no UTF-8 lead byte (RFC 3629): one byte, text or not */
            /* counted without a branch on which: in binary data that would be a coin toss */
            bad += !((c >= 0x20 && c < 0x7f) | (c == '\n') | (c == '\r') | (c == '\t'));
            i++;
        } else {
            size_t k = shown_utf8(p + i, n - i);
            bad += k == 0;
            i += k ? k : 1;
        }
        if (bad > bad_max)
            return 0;
    }
    return 1;
}

/* Short runs between Telnet commands are keystrokes: text even when they are control bytes. */
#define TELNET_SHORT_RUN 8

/* A chunk whose first bytes are not mostly text is decided by mostly_text before anything is written. */
#define SNIFF_PREFIX 64

/* Text when mostly_text(p, n) says so, else a hex dump. A chunk that looks like text is rendered at once and
 * taken back if it was not (text_bytes_upto escapes exactly the bytes mostly_text counts against it), so
 * text, most of what transcripts hold, is scanned once instead of twice. */
static void show_bytes(tr_transcript *t, int d, const uint8_t *p, size_t n, int telnet, tr_strbuf *sb)
{
    if (!n)
        return;
    int text;
    if (telnet && n <= TELNET_SHORT_RUN) {
        text = 1;
        text_bytes(t, d, p, n, sb);
    } else if (n > SNIFF_PREFIX && !mostly_text(p, SNIFF_PREFIX)) {
        text = mostly_text(p, n);
        if (text)
            text_bytes(t, d, p, n, sb);
    } else {
        size_t mark = sb->len;
        int overflow = sb->overflow, open_line = t->open_line, pending_cr = t->pending_cr;
        text = text_bytes_upto(t, d, p, n, sb, n / 4);
        if (!text) {
            sb->len = mark;
            sb->overflow = overflow;
            t->open_line = open_line;
            t->pending_cr = pending_cr;
        }
    }
    if (!text)
        hex_dump(t, d, p, n, sb);
    t->off[d] += n;
}

/* ---- a dissector's renderer (TR_TXM_RENDERED): what it writes goes through tr_tx_out ---- */

typedef struct render_ctx {
    tr_transcript *t;
    int d;
    tr_strbuf *sb;
    int at_end; /* cutting at the session's end: the first marker ends the other direction's line first */
} render_ctx;

static void out_bytes(const tr_tx_out *o, const uint8_t *p, size_t n, int keystrokes)
{
    const render_ctx *r = o->self;
    show_bytes(r->t, r->d, p, n, keystrokes, r->sb);
}

static void out_text(const tr_tx_out *o, const uint8_t *p, size_t n)
{
    const render_ctx *r = o->self;
    text_bytes(r->t, r->d, p, n, r->sb);
}

static void out_skip(const tr_tx_out *o, uint64_t n)
{
    const render_ctx *r = o->self;
    r->t->off[r->d] += n;
}

static void out_marker(const tr_tx_out *o, const char *s, size_t n)
{
    render_ctx *r = o->self;
    if (r->at_end) { /* under this direction's prefix, without a time line */
        if (r->t->last_dir != r->d)
            line_end(r->t, r->sb);
        r->t->last_dir = r->d;
        r->at_end = 0;
    }
    line_start(r->t, r->d, r->sb);
    marker_bytes((const uint8_t *)s, n, r->sb);
}

static tr_tx_out render_out(render_ctx *r)
{
    tr_tx_out o = {r, out_bytes, out_text, out_skip, out_marker};
    return o;
}

static void rendered_data(tr_transcript *t, int d, const uint8_t *p, size_t n, tr_strbuf *sb)
{
    render_ctx r = {t, d, sb, 0};
    tr_tx_out o = render_out(&r);
    t->renderer->data(t->render_state[d], p, n, &o);
}

/* What the renderer has unfinished, cut short by a gap or the end. */
static void rendered_cut(tr_transcript *t, int d, int at_end, tr_strbuf *sb)
{
    if (!t->renderer || !t->renderer->cut)
        return;
    render_ctx r = {t, d, sb, at_end};
    tr_tx_out o = render_out(&r);
    t->renderer->cut(t->render_state[d], &o);
}

/* ---- chunks ---- */

static void note(tr_transcript *t, int d, const uint8_t *p, size_t n, tr_strbuf *sb)
{
    line_end(t, sb);
    text_bytes(t, d, p, n, sb);
    line_end(t, sb);
}

/* ---- objects: ranges of the stream that went to a file ---- */

enum { OBJ_NONE, OBJ_ANNOUNCED, OBJ_SHOWN, OBJ_HIDDEN };
#define OBJ_SNIFF 512 /* the first bytes of an object that decide text or binary */
#define OBJ_DECIDE_MIN 32 /* a shorter text piece (a chunk-size line) is shown and leaves the decision to the next */
/* An extracted text object is shown up to this much, then pointed at like a binary one: the transcript stays a
 * conversation to read (a page of CSS is in its file), and an export writes each byte once, not twice. */
#define OBJ_TEXT_HEAD 4096

static int objects_apply(const tr_transcript *t) { return t->mode == TR_TXM_STREAM; /* TCP, not the hex view */ }

/* A hidden object's marker, where it ends; a shown one just ends. */
static void object_finish(tr_transcript *t, int d, const char *so_far, tr_strbuf *sb)
{
    tr_tx_object *o = &t->obj[d];
    if (o->state == OBJ_HIDDEN) {
        turn(t, d, o->ts_us, sb);
        line_end(t, sb);
        line_start(t, d, sb);
        tr_sb_printf(sb, "[body %" PRIu64 " bytes", o->count);
        if (o->label[0])
            tr_sb_printf(sb, " (%s)", o->label);
        if (o->shown)
            tr_sb_printf(sb, ", the first %" PRIu64 " shown above", o->shown);
        if (so_far)
            tr_sb_adds(sb, so_far);
        else if (o->cut || !o->end || t->off[d] < o->end)
            tr_sb_adds(sb, ", incomplete");
        tr_sb_adds(sb, o->path[0] ? " -> " : ", binary, not extracted");
        marker_bytes((const uint8_t *)o->path, strlen(o->path), sb);
        tr_sb_addc(sb, ']');
        line_end(t, sb);
    }
    if (!so_far)
        o->state = OBJ_NONE;
}

/* Reads a decimal number up to `stop`; 0 when there is none. */
static uint64_t note_number(const uint8_t *p, size_t n, size_t *i, uint8_t stop)
{
    uint64_t v = 0;
    for (int digits = 0; *i < n && p[*i] != stop && digits < 20; (*i)++, digits++)
        if (p[*i] >= '0' && p[*i] <= '9')
            v = v * 10 + (uint64_t)(p[*i] - '0');
    if (*i < n)
        (*i)++;
    return v;
}

static void copy_field(const uint8_t *p, size_t n, size_t *i, char *out, size_t cap)
{
    size_t k = 0;
    for (; *i < n && p[*i] != '\n'; (*i)++)
        if (k + 1 < cap)
            out[k++] = (char)p[*i];
    out[k] = '\0';
    if (*i < n)
        (*i)++;
}

/* "start end\nlabel\npath" (tr_transcript_object_note). */
static void object_note(tr_transcript *t, int d, const tr_tx_chunk *c, tr_strbuf *sb)
{
    size_t i = 0;
    uint64_t start = note_number(c->p, c->n, &i, ' ');
    uint64_t end = note_number(c->p, c->n, &i, '\n');
    tr_tx_object *o = &t->obj[d];
    if (o->state != OBJ_NONE && o->start != start)
        object_finish(t, d, NULL, sb); /* the next object before this one's end was heard */
    if (o->state == OBJ_NONE) {
        if (start < t->off[d])
            return; /* named after its bytes went by: they were shown */
        memset(o, 0, sizeof *o);
        o->state = OBJ_ANNOUNCED;
        o->start = start;
    }
    if (end)
        o->end = end;
    char label[TR_TX_LABEL_MAX], path[TR_TX_PATH_MAX];
    copy_field(c->p, c->n, &i, label, sizeof label);
    copy_field(c->p, c->n, &i, path, sizeof path);
    if (label[0])
        memcpy(o->label, label, sizeof label);
    if (path[0])
        memcpy(o->path, path, sizeof path);
    if (o->end && t->off[d] >= o->end && o->state != OBJ_ANNOUNCED)
        object_finish(t, d, NULL, sb);
    else if (o->end && t->off[d] >= o->end)
        o->state = OBJ_NONE; /* an object none of whose bytes came */
}

int tr_transcript_object_note(uint64_t start, uint64_t end, const char *label, const char *relpath, tr_strbuf *text)
{
    tr_sb_reset(text);
    tr_sb_printf(text, "%" PRIu64 " %" PRIu64 "\n%s\n%s", start, end, label ? label : "", relpath ? relpath : "");
    return TR_TX_OBJECT;
}

static void plain_piece(tr_transcript *t, int d, int64_t ts_us, const uint8_t *p, size_t n, tr_strbuf *sb)
{
    if (!n)
        return;
    turn(t, d, ts_us, sb);
    show_bytes(t, d, p, n, 0, sb);
}

/* Bytes of d while an object of d is named: before it as usual, in it hidden when it began binary. */
static void object_data(tr_transcript *t, int d, const tr_tx_chunk *c, tr_strbuf *sb)
{
    const uint8_t *p = c->p;
    size_t n = c->n;
    while (n) {
        tr_tx_object *o = &t->obj[d];
        uint64_t off = t->off[d];
        if (o->state != OBJ_NONE && o->end && off >= o->end) {
            object_finish(t, d, NULL, sb);
            continue;
        }
        if (o->state == OBJ_NONE || off < o->start) {
            size_t k = o->state == OBJ_NONE || o->start - off > n ? n : (size_t)(o->start - off);
            plain_piece(t, d, c->ts_us, p, k, sb);
            p += k;
            n -= k;
            continue;
        }
        size_t k = o->end && o->end - off < n ? (size_t)(o->end - off) : n;
        if (o->state == OBJ_ANNOUNCED && !mostly_text(p, k < OBJ_SNIFF ? k : OBJ_SNIFF))
            o->state = OBJ_HIDDEN;
        else if (o->state == OBJ_ANNOUNCED && k >= OBJ_DECIDE_MIN)
            o->state = OBJ_SHOWN;
        if (o->state == OBJ_SHOWN && o->path[0] && o->shown + k > OBJ_TEXT_HEAD) {
            size_t head = (size_t)(OBJ_TEXT_HEAD - o->shown); /* the rest of the head, then the pointer */
            for (size_t i = head; i > 0 && head - i < 512; i--)
                if (p[i - 1] == '\n') { /* at a line's end when one is near, so no line is cut */
                    head = i;
                    break;
                }
            o->count += head;
            o->shown += head;
            plain_piece(t, d, c->ts_us, p, head, sb);
            p += head;
            n -= head;
            k -= head;
            o->state = OBJ_HIDDEN;
        }
        o->count += k;
        if (o->state == OBJ_HIDDEN) {
            o->ts_us = c->ts_us;
            t->off[d] += k;
        } else {
            if (o->state == OBJ_SHOWN)
                o->shown += k;
            plain_piece(t, d, c->ts_us, p, k, sb);
        }
        p += k;
        n -= k;
        if (o->end && t->off[d] >= o->end)
            object_finish(t, d, NULL, sb);
    }
}

static void data(tr_transcript *t, const tr_tx_chunk *c, tr_strbuf *sb)
{
    int d = c->dir == TR_S2C ? 1 : 0;
    int mode = t->mode & TR_TX_MODE_MASK;
    if (mode == TR_TXM_DATAGRAMS && t->decoded[d]) {
        t->decoded[d]--;
        if (!(t->mode & TR_TX_HEX)) { /* the hex view dumps decoded datagrams too */
            t->off[d] += c->n;
            return;
        }
    }
    if (t->to_file) {
        t->file_bytes[d] += c->n;
        t->off[d] += c->n;
        return;
    }
    if (objects_apply(t) && (t->obj[d].state != OBJ_NONE)) {
        object_data(t, d, c, sb);
        return;
    }
    turn(t, d, c->ts_us, sb);
    if (t->mode & TR_TX_UDP)
        line_end(t, sb);
    if (t->mode & TR_TX_HEX) {
        hex_dump(t, d, c->p, c->n, sb);
        t->off[d] += c->n;
    } else if (t->renderer)
        rendered_data(t, d, c->p, c->n, sb);
    else
        show_bytes(t, d, c->p, c->n, 0, sb);
    if (t->mode & TR_TX_UDP)
        line_end(t, sb);
}

void tr_transcript_add(tr_transcript *t, const tr_tx_chunk *c, tr_strbuf *sb)
{
    int d = dir_index(c->dir);
    switch (c->kind) {
    case TR_TX_DATA:
        if (d < 2)
            data(t, c, sb);
        break;
    case TR_TX_GAP:
        if (d == 2)
            break;
        turn(t, d, c->ts_us, sb);
        rendered_cut(t, d, 0, sb);
        line_end(t, sb);
        line_start(t, d, sb);
        tr_sb_printf(sb, "[gap %" PRIu64 " bytes]", c->gap);
        line_end(t, sb);
        if (t->obj[d].state != OBJ_NONE && t->off[d] + c->gap > t->obj[d].start)
            t->obj[d].cut = 1;
        t->off[d] += c->gap;
        if (t->obj[d].state != OBJ_NONE && t->obj[d].end && t->off[d] >= t->obj[d].end)
            object_finish(t, d, NULL, sb);
        break;
    case TR_TX_OBJECT:
        if (d < 2 && objects_apply(t))
            object_note(t, d, c, sb);
        break;
    case TR_TX_DECODED:
    case TR_TX_NOTE:
    case TR_TX_TO_FILE:
        turn(t, d, c->ts_us, sb);
        note(t, d, c->p, c->n, sb);
        if (c->kind == TR_TX_DECODED && d < 2)
            t->decoded[d]++;
        if (c->kind == TR_TX_TO_FILE)
            t->to_file = 1;
        break;
    default:
        break;
    }
}

void tr_transcript_section(tr_transcript *t, const char *text, size_t n, tr_strbuf *sb)
{
    for (int d = 0; d < 2; d++)
        rendered_cut(t, d, 0, sb);
    line_end(t, sb);
    tr_sb_adds(sb, "== ");
    tr_sb_add(sb, text, n);
    tr_sb_adds(sb, "\n");
    if (t->last_dir != TR_TX_NONE) /* the first time line still shows the date */
        t->last_dir = TR_TX_SECTION;
}

void tr_transcript_end(tr_transcript *t, tr_strbuf *sb)
{
    for (int d = 0; d < 2; d++)
        rendered_cut(t, d, 1, sb);
    for (int d = 0; d < 2; d++)
        if (t->obj[d].state != OBJ_NONE)
            object_finish(t, d, NULL, sb);
    line_end(t, sb);
    for (int d = 0; d < 2; d++)
        if (t->file_bytes[d]) {
            tr_sb_add(sb, line_prefix[d], LINE_PREFIX_LEN);
            tr_sb_printf(sb, "[%" PRIu64 " bytes of data, in the file]\n", t->file_bytes[d]);
        }
}

void tr_transcript_flush(tr_transcript *t, tr_strbuf *sb)
{
    line_end(t, sb);
    for (int d = 0; d < 2; d++) /* a binary object still coming: how much so far */
        if (t->obj[d].state == OBJ_HIDDEN)
            object_finish(t, d, " so far", sb);
}

void tr_transcript_render(int mode, const tr_tx_chunk *c, size_t n, tr_strbuf *sb)
{
    tr_transcript t;
    tr_transcript_init(&t, mode);
    for (size_t i = 0; i < n; i++)
        tr_transcript_add(&t, &c[i], sb);
    tr_transcript_end(&t, sb);
}

/* ---- notes from events ---- */

int tr_transcript_file_note(int mode, const char *relpath, tr_strbuf *text)
{
    tr_sb_reset(text);
    if ((mode & TR_TX_MODE_MASK) != TR_TXM_TO_FILE || !relpath || !relpath[0])
        return -1;
    tr_sb_printf(text, "[data -> %s]", relpath);
    return TR_TX_TO_FILE;
}

int tr_transcript_event_note(const tr_event *e, tr_strbuf *text)
{
    tr_sb_reset(text);
    const tr_dissector *d = tr_dissector_of_event(e);
    if (d && d->present && d->present->transcript_note) {
        int kind = d->present->transcript_note(e, text);
        if (kind >= 0)
            return kind;
        tr_sb_reset(text);
    }
    if (strcmp(e->type, "anomaly") == 0) {
        static const char *const parts[] = {"[anomaly ", "anomaly", ": ", "detail", "]", NULL};
        tr_evr_parts(e, parts, text);
        return TR_TX_NOTE;
    }
    if (strcmp(e->type, "decode_end") == 0) {
        static const char *const parts[] = {"[decode_end ", "reason", "]", NULL};
        tr_evr_parts(e, parts, text);
        return TR_TX_NOTE;
    }
    return -1;
}

/* ---- header and footer ---- */

static void add_time(int64_t ts_us, tr_strbuf *sb)
{
    char ts[32], human[TR_TIME_MAX];
    tr_format_ts(ts_us, ts);
    if (tr_time_style() == TR_TIME_EPOCH) { /* the seconds first, the day they are beside them */
        tr_time_zoned(ts_us, 1, human);
        tr_sb_printf(sb, "%s (%s)", ts, human);
        return;
    }
    tr_time_zoned(ts_us, 0, human);
    tr_sb_printf(sb, "%s (%s)", human, ts);
}

static void add_endpoint(const tr_endpoint *ep, tr_strbuf *sb)
{
    char ip[TR_IP_STRLEN];
    tr_ip_format(&ep->ip, ip);
    tr_sb_printf(sb, ep->ip.v == 6 ? "[%s]:%u" : "%s:%u", ip, ep->port);
}

static const char rule[] = "========================================================================\n";

void tr_tx_info_of(const tr_session *s, const char *end, tr_tx_info *out)
{
    memset(out, 0, sizeof *out);
    out->id = s->id;
    out->parent = s->parent;
    out->proto = tr_session_proto(s);
    out->l4 = s->l4;
    out->midstream = s->midstream;
    out->client = s->client;
    out->server = s->server;
    out->start_us = s->start_us;
    out->last_us = s->last_us;
    for (int d = 0; d < 2; d++) {
        out->packets[d] = s->packets[d];
        out->bytes[d] = s->bytes[d];
        out->gap_bytes[d] = s->gap_bytes[d];
    }
    out->end = end ? end : tr_end_name(s->end);
}

void tr_transcript_header_info(const tr_tx_info *in, tr_strbuf *sb)
{
    const char *transport = in->l4 == TR_UDP ? "udp" : "tcp";
    tr_sb_printf(sb, "trawl transcript of session %" PRIu64 ": %s", in->id, in->proto);
    if (strcmp(in->proto, transport) != 0)
        tr_sb_printf(sb, " over %s", transport);
    tr_sb_addc(sb, '\n');
    tr_sb_adds(sb, "client   ");
    add_endpoint(&in->client, sb);
    tr_sb_adds(sb, "\nserver   ");
    add_endpoint(&in->server, sb);
    tr_sb_adds(sb, "\nstart    ");
    add_time(in->start_us, sb);
    tr_sb_addc(sb, '\n');
    if (in->parent)
        tr_sb_printf(sb, "parent   session %" PRIu64 "\n", in->parent);
    tr_sb_adds(sb, "lines    \">> \" client to server, \"<< \" server to client, \"== \" the session; "
                   "[...] markers; end, counts below\n");
    tr_sb_adds(sb, rule);
}

void tr_transcript_footer_info(const tr_tx_info *in, tr_strbuf *sb)
{
    tr_sb_adds(sb, rule);
    tr_sb_printf(sb, "end      %s\n", in->end ? in->end : "open");
    tr_sb_adds(sb, "last     ");
    add_time(in->last_us, sb);
    tr_sb_addc(sb, '\n');
    if (in->midstream)
        tr_sb_adds(sb, "midstream: the start of the connection was not seen\n");
    tr_sb_printf(sb, "packets  c2s %" PRIu64 "  s2c %" PRIu64 "\n", in->packets[0], in->packets[1]);
    tr_sb_printf(sb, "bytes    c2s %" PRIu64 "  s2c %" PRIu64 "\n", in->bytes[0], in->bytes[1]);
    tr_sb_printf(sb, "gaps     c2s %" PRIu64 "  s2c %" PRIu64 " bytes\n", in->gap_bytes[0], in->gap_bytes[1]);
}

void tr_transcript_header(const tr_session *s, tr_strbuf *sb)
{
    tr_tx_info in;
    tr_tx_info_of(s, NULL, &in);
    tr_transcript_header_info(&in, sb);
}

void tr_transcript_footer(const tr_session *s, const char *end, tr_strbuf *sb)
{
    if (!s) {
        tr_sb_adds(sb, rule);
        tr_sb_adds(sb, "end      none: trawl stopped before the session ended\n");
        return;
    }
    tr_tx_info in;
    tr_tx_info_of(s, end, &in);
    tr_transcript_footer_info(&in, sb);
}
