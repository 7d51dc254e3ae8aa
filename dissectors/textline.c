#include "textline.h"

#include <ctype.h>
#include <string.h>

int textline_next(const uint8_t *p, size_t n, size_t max, size_t *len, size_t *consumed)
{
    size_t scan = n < max ? n : max;
    const uint8_t *lf = scan ? memchr(p, '\n', scan) : NULL;
    if (!lf) {
        if (n >= max) {
            *len = max;
            *consumed = max;
            return TEXTLINE_TOO_LONG;
        }
        return TEXTLINE_NEED_MORE;
    }
    size_t l = (size_t)(lf - p);
    *consumed = l + 1;
    if (l && p[l - 1] == '\r')
        l--;
    *len = l;
    return TEXTLINE_OK;
}

int textline_starts(const uint8_t *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (tolower(p[i]) != tolower((unsigned char)prefix[i]))
            return 0;
    return 1;
}

void textline_word(const uint8_t *p, size_t n, size_t *word_len, const uint8_t **rest, size_t *rest_len)
{
    size_t i = 0;
    while (i < n && p[i] != ' ' && p[i] != '\t')
        i++;
    *word_len = i;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    *rest = p + i;
    *rest_len = n - i;
}

int64_t textline_number(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}
