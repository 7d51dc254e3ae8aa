#include "mime_words.h"
#include "../core/tr_buf.h"

#include <string.h>

#include "base64.h"
#include "charset.h"

#define WORD_MAX 1024 /* encoded text of one word; RFC 2047 says 75, mail clients write longer ones */

typedef struct word {
    size_t start, end;          /* the whole =?...?= in s */
    const char *charset;
    size_t charset_len;         /* without an RFC 2231 *language */
    char enc;                   /* 'B' or 'Q' */
    const char *text;
    size_t text_len;
} word;

/* An encoded word starting at s[i]: =?charset?enc?text?= with no space inside. */
static int word_at(const char *s, size_t n, size_t i, word *w)
{
    if (i + 8 > n || s[i] != '=' || s[i + 1] != '?')
        return 0;
    size_t a = i + 2, b = a;
    while (b < n && s[b] != '?' && s[b] != ' ' && s[b] != '\t' && b - a < 64)
        b++;
    if (b >= n || s[b] != '?' || b == a || b + 2 >= n || s[b + 2] != '?')
        return 0;
    char enc = (char)(s[b + 1] & ~0x20);
    if (enc != 'B' && enc != 'Q')
        return 0;
    size_t t = b + 3, e = t;
    while (e + 1 < n && !(s[e] == '?' && s[e + 1] == '=') && s[e] != ' ' && s[e] != '\t' && e - t < WORD_MAX)
        e++;
    if (e + 1 >= n || s[e] != '?' || s[e + 1] != '=')
        return 0;
    w->start = i;
    w->end = e + 2;
    w->charset = s + a;
    w->charset_len = b - a;
    for (size_t k = 0; k < w->charset_len; k++)
        if (w->charset[k] == '*') /* charset*language (RFC 2231 5) */
            w->charset_len = k;
    w->enc = enc;
    w->text = s + t;
    w->text_len = e - t;
    return 1;
}

/* The word's bytes (before charset conversion) appended to raw; -1 when they are not B or Q. */
static int word_bytes(const word *w, char *raw, size_t cap, size_t *len)
{
    if (w->enc == 'B') {
        long k = base64_decode((const uint8_t *)w->text, w->text_len, (uint8_t *)raw + *len, cap - *len);
        if (k < 0)
            return -1;
        *len += (size_t)k;
        return 0;
    }
    for (size_t i = 0; i < w->text_len; i++) {
        if (*len >= cap)
            return -1;
        char c = w->text[i];
        if (c == '_')
            c = ' ';
        else if (c == '=' && i + 2 < w->text_len && tr_hex_digit((uint8_t)w->text[i + 1]) >= 0 && tr_hex_digit((uint8_t)w->text[i + 2]) >= 0) {
            c = (char)(tr_hex_digit((uint8_t)w->text[i + 1]) * 16 + tr_hex_digit((uint8_t)w->text[i + 2]));
            i += 2;
        }
        raw[(*len)++] = c;
    }
    return 0;
}

static void put(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
    size_t k = n < cap - 1 - *len ? n : cap - 1 - *len;
    memcpy(out + *len, p, k);
    *len += k;
    out[*len] = '\0';
}

size_t mime_words_decode(const char *s, size_t n, char *out, size_t cap, int *undecoded)
{
    size_t len = 0;
    if (!cap)
        return 0;
    out[0] = '\0';
    size_t i = 0;
    while (i < n && len + 1 < cap) {
        word w;
        if (!word_at(s, n, i, &w)) {
            size_t j = i + 1; /* plain text up to the next possible word */
            while (j < n && s[j] != '=')
                j++;
            put(out, cap, &len, s + i, j - i);
            i = j;
            continue;
        }
        /* this word and the ones right after it (whitespace between them only) in the same charset */
        char raw[4 * WORD_MAX];
        size_t raw_len = 0, end = w.end;
        int bad = word_bytes(&w, raw, sizeof raw, &raw_len) < 0;
        for (;;) {
            size_t k = end;
            while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
                k++;
            word next;
            if (bad || !word_at(s, n, k, &next) || next.charset_len != w.charset_len ||
                memcmp(next.charset, w.charset, w.charset_len) != 0)
                break;
            size_t before = raw_len;
            if (word_bytes(&next, raw, sizeof raw, &raw_len) < 0) {
                raw_len = before;
                break;
            }
            end = next.end;
        }
        if (bad || charset_to_utf8(w.charset, w.charset_len, raw, raw_len, out, cap, &len) < 0) {
            put(out, cap, &len, s + w.start, end - w.start); /* as it was, and said so */
            *undecoded = 1;
        }
        /* whitespace between this group and a following encoded word of another charset is dropped too */
        size_t k = end;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
            k++;
        word next;
        i = k < n && word_at(s, n, k, &next) ? k : end;
    }
    return len;
}
