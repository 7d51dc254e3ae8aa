#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "../core/tr_strbuf.h"

#define CACHE 8
#define NAME_MAX_LEN 40

static struct {
    char name[NAME_MAX_LEN];
    iconv_t cd; /* (iconv_t)-1: known not to exist */
    uint64_t used; /* 0: the slot is free */
} cache[CACHE];
static uint64_t ticks;

static int same(const char *a, size_t n, const char *b) { return strlen(b) == n && strncasecmp(a, b, n) == 0; }

static int valid_utf8(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = tr_utf8_seq((const uint8_t *)p + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* A cached descriptor from charset to UTF-8, opened on first use; the least recently used goes when full. */
static iconv_t descriptor(const char *charset, size_t n)
{
    if (!n || n >= NAME_MAX_LEN)
        return (iconv_t)-1;
    for (size_t i = 0; i < n; i++) { /* a charset name (RFC 2978): iconv must not see "" (the locale's) or a path */
        char c = charset[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr("-_.:+()", c))))
            return (iconv_t)-1;
    }
    int victim = 0;
    for (int i = 0; i < CACHE; i++) {
        if (cache[i].used && same(charset, n, cache[i].name)) {
            cache[i].used = ++ticks;
            return cache[i].cd;
        }
        if (cache[i].used < cache[victim].used)
            victim = i;
    }
    if (cache[victim].used && cache[victim].cd != (iconv_t)-1)
        iconv_close(cache[victim].cd);
    memcpy(cache[victim].name, charset, n);
    cache[victim].name[n] = '\0';
    cache[victim].cd = iconv_open("UTF-8", cache[victim].name);
    cache[victim].used = ++ticks;
    return cache[victim].cd;
}

int charset_to_utf8(const char *charset, size_t charset_len, const char *p, size_t n, char *out, size_t cap,
                    size_t *len)
{
    if (*len >= cap)
        return -1;
    if (same(charset, charset_len, "utf-8") || same(charset, charset_len, "utf8") ||
        same(charset, charset_len, "us-ascii")) {
        if (!valid_utf8(p, n))
            return -1;
        size_t k = n < cap - 1 - *len ? n : cap - 1 - *len;
        while (k < n && k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--; /* not in the middle of a character */
        memcpy(out + *len, p, k);
        *len += k;
        out[*len] = '\0';
        return 0;
    }
    iconv_t cd = descriptor(charset, charset_len);
    if (cd == (iconv_t)-1)
        return -1;
    (void)iconv(cd, NULL, NULL, NULL, NULL); /* the initial shift state */
    char *in = (char *)(uintptr_t)p, *o = out + *len;
    size_t in_left = n, out_left = cap - 1 - *len;
    size_t r = iconv(cd, &in, &in_left, &o, &out_left);
    if (r == (size_t)-1 && errno != E2BIG)
        return -1; /* invalid or incomplete in that charset: say so rather than guess */
    *len = (size_t)(o - out);
    out[*len] = '\0';
    return 0;
}
