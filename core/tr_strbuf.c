#include "tr_strbuf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tr_swar.h"

void tr_sb_init(tr_strbuf *sb, size_t max)
{
    memset(sb, 0, sizeof *sb);
    sb->max = max;
}

void tr_sb_free(tr_strbuf *sb)
{
    free(sb->p);
    memset(sb, 0, sizeof *sb);
}

void tr_sb_reset(tr_strbuf *sb)
{
    sb->len = 0;
    sb->overflow = 0;
}

/* Makes room for n more bytes plus a NUL; returns how many fit. */
static size_t sb_room(tr_strbuf *sb, size_t n)
{
    if (sb->len + n + 1 > sb->cap) {
        size_t want = sb->cap ? sb->cap : 256;
        while (want < sb->len + n + 1 && want < sb->max + 1)
            want *= 2;
        if (want > sb->max + 1)
            want = sb->max + 1;
        if (want > sb->cap) {
            char *np = realloc(sb->p, want);
            if (!np)
                return 0;
            sb->p = np;
            sb->cap = want;
        }
    }
    size_t avail = sb->cap - sb->len - 1;
    if (n > avail) {
        sb->overflow = 1;
        return avail;
    }
    return n;
}

void tr_sb_add_slow(tr_strbuf *sb, const void *p, size_t n)
{
    size_t k = sb_room(sb, n);
    if (k) {
        memcpy(sb->p + sb->len, p, k);
        sb->len += k;
    }
}

void tr_sb_add_u64(tr_strbuf *sb, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tr_sb_add(sb, tmp + i, sizeof tmp - i);
}

void tr_sb_add_i64(tr_strbuf *sb, int64_t v)
{
    if (v < 0) {
        tr_sb_addc(sb, '-');
        tr_sb_add_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else
        tr_sb_add_u64(sb, (uint64_t)v);
}

void tr_sb_printf(tr_strbuf *sb, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        tr_sb_add(sb, tmp, (size_t)n);
        return;
    }
    size_t k = sb_room(sb, (size_t)n);
    if (k < (size_t)n) {
        tr_sb_add(sb, tmp, sizeof tmp - 1);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

size_t tr_utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        min = 0x10000;
    } else
        return 0;
    if (len > n)
        return 0;
    uint32_t cp = c & (0xFF >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void tr_sb_json_str(tr_strbuf *sb, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
        /* copy a run of plain ASCII at once */
        size_t j = i + tr_ascii_run(p + i, n - i, 0x7f, '"', '\\', ' ');
        if (j > i) {
            tr_sb_add(sb, p + i, j - i);
            i = j;
            continue;
        }
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            tr_sb_add(sb, esc, 2);
            i++;
            continue;
        }
        if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (c == '\n')
                tr_sb_add(sb, "\\n", 2);
            else if (c == '\r')
                tr_sb_add(sb, "\\r", 2);
            else if (c == '\t')
                tr_sb_add(sb, "\\t", 2);
            else
                tr_sb_add(sb, esc, 6);
            i++;
            continue;
        }
        size_t k = tr_utf8_seq(p + i, n - i);
        if (k) {
            tr_sb_add(sb, p + i, k);
            i += k;
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            tr_sb_add(sb, esc, 6);
            i++;
        }
    }
}

const char *tr_sb_cstr(tr_strbuf *sb)
{
    if (!sb->p) {
        sb_room(sb, 0);
        if (!sb->p)
            return "";
    }
    sb->p[sb->len] = '\0';
    return sb->p;
}

void tr_sb_add_size(tr_strbuf *sb, uint64_t n)
{
    if (n < 1024)
        tr_sb_printf(sb, "%" PRIu64 " B", n);
    else if (n < 1024u * 1024u)
        tr_sb_printf(sb, "%" PRIu64 " KB", (n + 512) / 1024);
    else if (n < 1024ull * 1024u * 1024u)
        tr_sb_printf(sb, "%.1f MB", (double)n / (1024.0 * 1024.0));
    else
        tr_sb_printf(sb, "%.1f GB", (double)n / (1024.0 * 1024.0 * 1024.0));
}
