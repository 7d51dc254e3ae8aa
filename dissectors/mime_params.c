#include "mime_params.h"
#include "../core/tr_buf.h"

#include <string.h>
#include <strings.h>

#include "charset.h"
#include "mime_words.h"

#define SEGMENTS_MAX 64 /* RFC 2231 continuations of one parameter */
#define PARAM_BYTES 2048

static int space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t mime_value(const char *v, size_t n, char *out, size_t cap)
{
    size_t a = 0, b = 0, k = 0;
    while (a < n && space(v[a]))
        a++;
    b = a;
    while (b < n && v[b] != ';')
        b++;
    while (b > a && space(v[b - 1]))
        b--;
    for (size_t i = a; i < b && k + 1 < cap; i++)
        out[k++] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] | 0x20 : v[i]);
    if (cap)
        out[k] = '\0';
    return k;
}

/* One parameter as written: its name (before any '*'), its section number (-1: none), whether it is
 * percent-encoded (a trailing '*'), and its value (a token, or a quoted string unquoted into buf). */
typedef struct param {
    const char *name;
    size_t name_len;
    int section;
    int extended;
    char value[PARAM_BYTES];
    size_t value_len;
} param;

/* The parameter at v[*i] (just after a ';'); 0 at the end or when it cannot be read (the rest is skipped). */
static int next_param(const char *v, size_t n, size_t *i, param *p)
{
    size_t k = *i;
    while (k < n && (space(v[k]) || v[k] == ';'))
        k++;
    size_t a = k;
    while (k < n && v[k] != '=' && v[k] != ';' && !space(v[k]))
        k++;
    if (k == a) {
        *i = n;
        return 0;
    }
    size_t name_end = k;
    while (k < n && space(v[k]))
        k++;
    if (k >= n || v[k] != '=') { /* a parameter without a value: skip it */
        while (k < n && v[k] != ';')
            k++;
        *i = k;
        p->name_len = 0;
        return 1;
    }
    k++;
    while (k < n && space(v[k]))
        k++;
    /* name, name*, name*N, name*N* */
    p->name = v + a;
    p->extended = name_end > a && v[name_end - 1] == '*';
    size_t e = p->extended ? name_end - 1 : name_end;
    p->section = -1;
    size_t star = a;
    while (star < e && v[star] != '*')
        star++;
    p->name_len = star - a;
    if (star < e) {
        int sec = 0, digits = 0;
        for (size_t d = star + 1; d < e && digits < 4; d++, digits++) {
            if (v[d] < '0' || v[d] > '9') {
                sec = -2;
                break;
            }
            sec = sec * 10 + (v[d] - '0');
        }
        p->section = digits && sec >= 0 ? sec : -2;
    }
    p->value_len = 0;
    if (k < n && v[k] == '"') { /* quoted string: backslash quotes the next character */
        k++;
        while (k < n && v[k] != '"') {
            if (v[k] == '\\' && k + 1 < n)
                k++;
            if (p->value_len + 1 < sizeof p->value)
                p->value[p->value_len++] = v[k];
            k++;
        }
        if (k < n)
            k++;
    } else {
        while (k < n && v[k] != ';' && !space(v[k])) {
            if (p->value_len + 1 < sizeof p->value)
                p->value[p->value_len++] = v[k];
            k++;
        }
    }
    p->value[p->value_len] = '\0';
    while (k < n && v[k] != ';')
        k++;
    *i = k;
    return 1;
}

/* %XX decoding of an extended value, appended to raw. */
static void percent_decode(const char *s, size_t n, char *raw, size_t cap, size_t *len)
{
    for (size_t i = 0; i < n && *len < cap; i++) {
        if (s[i] == '%' && i + 2 < n && tr_hex_digit((uint8_t)s[i + 1]) >= 0 && tr_hex_digit((uint8_t)s[i + 2]) >= 0) {
            raw[(*len)++] = (char)(tr_hex_digit((uint8_t)s[i + 1]) * 16 + tr_hex_digit((uint8_t)s[i + 2]));
            i += 2;
        } else {
            raw[(*len)++] = s[i];
        }
    }
}

int mime_param(const char *v, size_t n, const char *name, char *out, size_t cap, int *undecoded)
{
    if (!cap)
        return 0;
    out[0] = '\0';
    size_t i = 0, want = strlen(name);
    while (i < n && v[i] != ';') /* past the value */
        i++;
    /* the plain form, and the sections of the RFC 2231 form, which wins when both are there */
    static char plain[PARAM_BYTES], seg[SEGMENTS_MAX][PARAM_BYTES];
    static size_t seg_len[SEGMENTS_MAX];
    static int seg_ext[SEGMENTS_MAX];
    int have_plain = 0, nseg = 0, have_seg[SEGMENTS_MAX] = {0};
    size_t plain_len = 0;
    param p;
    for (int guard = 0; i < n && guard < 256 && next_param(v, n, &i, &p); guard++) {
        if (p.name_len != want || strncasecmp(p.name, name, want) != 0)
            continue;
        if (p.section == -1 && !p.extended) {
            memcpy(plain, p.value, p.value_len + 1);
            plain_len = p.value_len;
            have_plain = 1;
        } else {
            int s = p.section == -1 ? 0 : p.section; /* name*=... is section 0 alone */
            if (s < 0 || s >= SEGMENTS_MAX || have_seg[s])
                continue;
            memcpy(seg[s], p.value, p.value_len + 1);
            seg_len[s] = p.value_len;
            seg_ext[s] = p.extended;
            have_seg[s] = 1;
            if (s + 1 > nseg)
                nseg = s + 1;
        }
    }
    if (nseg && have_seg[0]) {
        /* section 0 of an extended value starts with charset'language' */
        char raw[PARAM_BYTES];
        size_t raw_len = 0;
        const char *charset = NULL;
        size_t charset_len = 0;
        for (int s = 0; s < nseg && have_seg[s]; s++) { /* up to the first missing section */
            const char *t = seg[s];
            size_t tn = seg_len[s];
            if (s == 0 && seg_ext[0]) {
                const char *q1 = memchr(t, '\'', tn);
                const char *q2 = q1 ? memchr(q1 + 1, '\'', tn - (size_t)(q1 + 1 - t)) : NULL;
                if (q2) {
                    charset = t;
                    charset_len = (size_t)(q1 - t);
                    tn -= (size_t)(q2 + 1 - t);
                    t = q2 + 1;
                }
            }
            if (seg_ext[s])
                percent_decode(t, tn, raw, sizeof raw, &raw_len);
            else
                for (size_t k = 0; k < tn && raw_len < sizeof raw; k++)
                    raw[raw_len++] = t[k];
        }
        size_t len = 0;
        if (charset && charset_len) {
            if (charset_to_utf8(charset, charset_len, raw, raw_len, out, cap, &len) == 0)
                return 1;
            *undecoded = 1;
        }
        len = raw_len < cap - 1 ? raw_len : cap - 1;
        memcpy(out, raw, len);
        out[len] = '\0';
        return 1;
    }
    if (have_plain) { /* Outlook and others put RFC 2047 words in quoted names */
        mime_words_decode(plain, plain_len, out, cap, undecoded);
        return 1;
    }
    return 0;
}
