#include "safe_name.h"

#include <stdint.h>
#include <string.h>

#include "../core/tr_strbuf.h"

static int is_separator(uint8_t c) { return c == '/' || c == '\\'; }

/* Picks the last component of name that is a real name (not empty, "." or ".."). */
static void last_component(const uint8_t *p, size_t n, size_t *start, size_t *len)
{
    *start = 0;
    *len = 0;
    size_t end = n;
    while (end > 0) {
        size_t b = end;
        while (b > 0 && !is_separator(p[b - 1]))
            b--;
        size_t l = end - b;
        int dots = (l == 1 && p[b] == '.') || (l == 2 && p[b] == '.' && p[b + 1] == '.');
        if (l > 0 && !dots) {
            *start = b;
            *len = l;
            return;
        }
        end = b ? b - 1 : 0;
    }
}

static int is_reserved(uint8_t c)
{
    return c < 0x20 || c == 0x7f || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' ||
           c == '|';
}

/* Copies p[0..n) made safe into out, at most room bytes, never cutting a UTF-8 sequence; returns bytes written. */
static size_t copy_safe(const uint8_t *p, size_t n, char *out, size_t room)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : tr_utf8_seq(p + i, n - i);
        /* C1 controls (U+0080..U+009F) are control characters too */
        int c1 = k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0;
        if (k == 0 || c1 || (k == 1 && is_reserved(p[i]))) {
            if (w + 1 > room)
                break;
            out[w++] = '_';
            i += k ? k : 1;
            continue;
        }
        if (w + k > room)
            break;
        memcpy(out + w, p + i, k);
        w += k;
        i += k;
    }
    return w;
}

size_t tr_safe_name_ext(const char *name, size_t len)
{
    for (size_t i = len; i > 1 && len - (i - 1) <= TR_SAFE_EXT_MAX; i--)
        if (name[i - 1] == '.')
            return i - 1;
    return len;
}

size_t tr_safe_name(const char *name, size_t n, char *out, size_t cap)
{
    size_t max = cap - 1 < TR_SAFE_NAME_MAX ? cap - 1 : TR_SAFE_NAME_MAX;
    size_t start, len;
    last_component((const uint8_t *)name, n, &start, &len);
    const uint8_t *p = (const uint8_t *)name + start;
    size_t ext = tr_safe_name_ext((const char *)p, len);
    size_t ext_len = len - ext;
    /* the extension first, so a long stem is what gets cut */
    char ext_buf[TR_SAFE_EXT_MAX];
    /* no longer than max either: with the smallest cap a whole extension would not leave room for the NUL */
    size_t ext_out = copy_safe(p + ext, ext_len, ext_buf, max < sizeof ext_buf ? max : sizeof ext_buf);
    size_t w = copy_safe(p, ext, out, max - ext_out);
    if (w == 0 && ext_out <= 1) {
        static const char fallback[] = "unnamed";
        memcpy(out, fallback, sizeof fallback);
        return sizeof fallback - 1;
    }
    memcpy(out + w, ext_buf, ext_out);
    w += ext_out;
    out[w] = '\0';
    return w;
}
