/* tr_strbuf: a growable byte buffer for formatting output lines, with a hard cap.
 * Allocated once and reused: the hot path appends without allocating. */
#ifndef TR_STRBUF_H
#define TR_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct tr_strbuf {
    char *p;
    size_t len, cap, max;
    int overflow; /* something was dropped because max was reached */
} tr_strbuf;

void tr_sb_init(tr_strbuf *sb, size_t max);
void tr_sb_free(tr_strbuf *sb);
void tr_sb_reset(tr_strbuf *sb);
/* Grows the buffer (up to max) and appends what fits; the inline appends below call it only when the bytes do
 * not fit as it is: formatting an event makes dozens of small appends. */
void tr_sb_add_slow(tr_strbuf *sb, const void *p, size_t n);

static inline void tr_sb_add(tr_strbuf *sb, const void *p, size_t n)
{
    if (sb->len + n < sb->cap) { /* room for the bytes and the NUL tr_sb_cstr may add */
        if (n)                    /* p may be NULL then */
            memcpy(sb->p + sb->len, p, n);
        sb->len += n;
        return;
    }
    tr_sb_add_slow(sb, p, n);
}

static inline void tr_sb_addc(tr_strbuf *sb, char c)
{
    if (sb->len + 1 < sb->cap) {
        sb->p[sb->len++] = c;
        return;
    }
    tr_sb_add_slow(sb, &c, 1);
}

static inline void tr_sb_adds(tr_strbuf *sb, const char *s) { tr_sb_add(sb, s, strlen(s)); }
/* Decimal integers without printf (the JSON hot path writes several per event). */
void tr_sb_add_u64(tr_strbuf *sb, uint64_t v);
void tr_sb_add_i64(tr_strbuf *sb, int64_t v);
void tr_sb_printf(tr_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends bytes as the inside of a JSON string: valid UTF-8 kept, other bytes as \u00XX. */
void tr_sb_json_str(tr_strbuf *sb, const uint8_t *p, size_t n);
/* Length of the valid UTF-8 sequence at p (1..4, n >= 1), or 0 when it is not one. */
size_t tr_utf8_seq(const uint8_t *p, size_t n);
/* A size as people read it: "512 B", "12 KB", "3.4 MB", "1.2 GB" (the summaries' and the UI's style). */
void tr_sb_add_size(tr_strbuf *sb, uint64_t n);
/* NUL-terminates (not counted in len) and returns the text. */
const char *tr_sb_cstr(tr_strbuf *sb);

#endif
