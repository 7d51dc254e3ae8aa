#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../output/tr_format.h"
#include "../output/tr_time.h"
#include "tui_summary.h"

#include "../core/tr_hash.h"
#include "tui_digests.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned v = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return len;
}

int tui_utf8_append(char *dst, size_t cap, const char *src, size_t n)
{
    size_t len = strnlen(dst, cap);
    const unsigned char *p = (const unsigned char *)src;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_len(p + i, n - i);
        const char *put = (const char *)p + i;
        size_t putn = k;
        if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
            put = "?";
            putn = 1;
            k = 1;
        }
        if (len + putn + 1 > cap) {
            if (cap)
                dst[len] = '\0';
            return -1;
        }
        memcpy(dst + len, put, putn);
        len += putn;
        i += k;
    }
    if (cap)
        dst[len] = '\0';
    return 0;
}

/* ---- building the summary ---- */

static void sum_text(tui_summary *s, const char *text, size_t n)
{
    if (s->full)
        return;
    if (tui_utf8_append(s->text, sizeof s->text, text, n) != 0)
        s->full = 1;
}

/* Starts a new part of the summary, ", " after the previous one. */
static void sum_part(tui_summary *s, const char *text, size_t n)
{
    if (s->text[0])
        sum_text(s, ", ", 2);
    sum_text(s, text, n);
}

/* The parts engine events have whatever their protocol: "[anomaly_name]", "[decode_end reason]". */
static int generic_part(const tr_event *e, tr_strbuf *part)
{
    const char *key = strcmp(e->type, "anomaly") == 0 ? "anomaly" : strcmp(e->type, "decode_end") == 0 ? "reason" : NULL;
    if (!key)
        return 0;
    tr_sb_addc(part, '[');
    if (!tr_evr_add(e, key, part))
        tr_sb_adds(part, key[0] == 'a' ? "anomaly" : "decode end");
    tr_sb_addc(part, ']');
    return 1;
}

void tui_summary_add(tui_summary *s, const tr_event *e)
{
    static tr_strbuf ask, answer; /* reused: the UI folds events on one thread */
    if (!ask.max) {
        tr_sb_init(&ask, 4 * TUI_SUMMARY_MAX);
        tr_sb_init(&answer, 4 * TUI_SUMMARY_MAX);
    }
    tr_sb_reset(&ask);
    tr_sb_reset(&answer);
    if (generic_part(e, &ask)) {
        sum_part(s, ask.p, ask.len);
        return;
    }
    const tr_dissector *d = tr_dissector_of_event(e);
    if (!d || !d->present || !d->present->summary)
        return;
    tr_summary out = {&ask, &answer};
    switch (d->present->summary(e, &out)) {
    case TR_SUM_PART:
        sum_part(s, ask.p, ask.len);
        break;
    case TR_SUM_ASK:
        sum_part(s, ask.p, ask.len);
        s->pending = 1;
        break;
    case TR_SUM_ANSWER:
        if (s->pending) {
            sum_text(s, " " TUI_ARROW " ", sizeof " " TUI_ARROW " " - 1);
            sum_text(s, answer.p, answer.len);
        } else {
            tr_sb_adds(&ask, ask.len ? " " TUI_ARROW " " : TUI_ARROW " ");
            tr_sb_add(&ask, answer.p, answer.len);
            sum_part(s, ask.p, ask.len);
        }
        s->pending = 0;
        break;
    default:
        break;
    }
}

/* ---- event renderings ---- */

static void value(const tr_field *f, tr_strbuf *sb)
{
    char tmp[TR_TIME_MAX];
    switch (f->type) {
    case TR_F_STR: {
        char v[TUI_SUMMARY_MAX * 4] = "";
        int cut = tui_utf8_append(v, sizeof v, f->s, f->n);
        tr_sb_adds(sb, v);
        if (cut)
            tr_sb_adds(sb, "...");
        break;
    }
    case TR_F_INT: tr_sb_printf(sb, "%" PRId64, f->i); break;
    case TR_F_BOOL: tr_sb_adds(sb, f->i ? "true" : "false"); break;
    case TR_F_TS: tr_time_full(f->i, tmp); tr_sb_adds(sb, tmp); break;
    case TR_F_FILE: tr_sb_adds(sb, f->s ? f->s : ""); break;
    case TR_F_DIGEST: { /* known: its hex; still being computed: a hole the model fills in (tui_digests.h) */
        char hex[2 * TR_HASH_DIGEST_LEN + 1];
        if (tr_hash_ticket_ready((uint64_t)f->i) && tr_hash_ticket_hex((uint64_t)f->i, hex))
            tr_sb_adds(sb, hex);
        else
            for (int k = 0; k < 2 * TR_HASH_DIGEST_LEN; k++)
                tr_sb_addc(sb, TUI_DIGEST_HOLE_CHAR);
        break;
    }
    default: break;
    }
}

void tui_event_brief(const tr_event *e, tr_strbuf *sb)
{
    int depth = 0, first = 1;
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            depth--;
            continue;
        }
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST) {
            depth++;
            continue;
        }
        if (depth || !f->key || f->type == TR_F_FILE)
            continue;
        if (!first)
            tr_sb_addc(sb, ' ');
        first = 0;
        tr_sb_adds(sb, f->key);
        tr_sb_addc(sb, '=');
        value(f, sb);
    }
}

void tui_event_fields(const tr_event *e, tr_strbuf *sb)
{
    int depth = 0;
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            if (depth > 0)
                depth--;
            continue;
        }
        for (int d = 0; d < depth && d < 8; d++)
            tr_sb_add(sb, "  ", 2);
        tr_sb_adds(sb, f->key ? f->key : "-");
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST) {
            tr_sb_adds(sb, ":\n");
            depth++;
            continue;
        }
        tr_sb_adds(sb, ": ");
        value(f, sb);
        tr_sb_addc(sb, '\n');
    }
}
