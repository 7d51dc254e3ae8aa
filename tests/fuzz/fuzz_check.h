/* fuzz_check: oracles the fuzz targets apply to what trawl writes — every JSON line must be one valid
 * JSON object (RFC 8259: strict grammar, valid UTF-8, no raw control characters) with no key twice at
 * its top level, and a text line must be one line. A violation aborts, so libFuzzer keeps the input. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tr_strbuf.h"

typedef struct json_cur {
    const unsigned char *p;
    size_t n, i;
} json_cur;

static int json_value(json_cur *c, int depth);

static void json_ws(json_cur *c)
{
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
        c->i++;
}

static int json_string(json_cur *c)
{
    if (c->i >= c->n || c->p[c->i] != '"')
        return 0;
    c->i++;
    while (c->i < c->n) {
        unsigned char ch = c->p[c->i];
        if (ch == '"') {
            c->i++;
            return 1;
        }
        if (ch < 0x20)
            return 0;
        if (ch == '\\') {
            if (++c->i >= c->n)
                return 0;
            ch = c->p[c->i++];
            if (ch == 'u') {
                for (int k = 0; k < 4; k++, c->i++)
                    if (c->i >= c->n || !strchr("0123456789abcdefABCDEF", c->p[c->i]) || !c->p[c->i])
                        return 0;
            } else if (!strchr("\"\\/bfnrt", ch) || !ch) {
                return 0;
            }
            continue;
        }
        if (ch < 0x80) {
            c->i++;
            continue;
        }
        size_t k = tr_utf8_seq(c->p + c->i, c->n - c->i);
        if (!k)
            return 0;
        c->i += k;
    }
    return 0;
}

static int json_number(json_cur *c)
{
    size_t start = c->i;
    if (c->i < c->n && c->p[c->i] == '-')
        c->i++;
    if (c->i >= c->n || c->p[c->i] < '0' || c->p[c->i] > '9')
        return 0;
    if (c->p[c->i] == '0')
        c->i++;
    else
        while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
            c->i++;
    if (c->i < c->n && c->p[c->i] == '.') {
        c->i++;
        size_t d = c->i;
        while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
            c->i++;
        if (c->i == d)
            return 0;
    }
    return c->i > start;
}

static int json_object(json_cur *c, int depth, int check_keys)
{
    size_t keys[128][2];
    int nkeys = 0;
    c->i++; /* { */
    json_ws(c);
    if (c->i < c->n && c->p[c->i] == '}') {
        c->i++;
        return 1;
    }
    for (;;) {
        json_ws(c);
        size_t ks = c->i;
        if (!json_string(c))
            return 0;
        if (check_keys) {
            size_t kl = c->i - ks;
            for (int k = 0; k < nkeys; k++)
                if (keys[k][1] == kl && memcmp(c->p + keys[k][0], c->p + ks, kl) == 0) {
                    fprintf(stderr, "duplicate key %.*s\n", (int)kl, (const char *)c->p + ks);
                    return 0;
                }
            if (nkeys < 128) {
                keys[nkeys][0] = ks;
                keys[nkeys][1] = kl;
                nkeys++;
            }
        }
        json_ws(c);
        if (c->i >= c->n || c->p[c->i++] != ':')
            return 0;
        if (!json_value(c, depth + 1))
            return 0;
        json_ws(c);
        if (c->i >= c->n)
            return 0;
        if (c->p[c->i] == '}') {
            c->i++;
            return 1;
        }
        if (c->p[c->i++] != ',')
            return 0;
    }
}

static int json_value(json_cur *c, int depth)
{
    if (depth > 64)
        return 0;
    json_ws(c);
    if (c->i >= c->n)
        return 0;
    unsigned char ch = c->p[c->i];
    if (ch == '{')
        return json_object(c, depth, 1);
    if (ch == '[') {
        c->i++;
        json_ws(c);
        if (c->i < c->n && c->p[c->i] == ']') {
            c->i++;
            return 1;
        }
        for (;;) {
            if (!json_value(c, depth + 1))
                return 0;
            json_ws(c);
            if (c->i >= c->n)
                return 0;
            if (c->p[c->i] == ']') {
                c->i++;
                return 1;
            }
            if (c->p[c->i++] != ',')
                return 0;
        }
    }
    if (ch == '"')
        return json_string(c);
    static const char *const words[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(words[k]);
        if (c->n - c->i >= l && memcmp(c->p + c->i, words[k], l) == 0) {
            c->i += l;
            return 1;
        }
    }
    return json_number(c);
}

/* One event's JSON line as tr_format_json wrote it (ending with '\n'). */
static inline void check_json_line(const tr_strbuf *sb)
{
    if (sb->overflow || sb->len == 0)
        return;
    json_cur c = {(const unsigned char *)sb->p, sb->len, 0};
    int ok = c.p[0] == '{' && c.p[c.n - 1] == '\n';
    if (ok) {
        c.n--; /* the newline */
        ok = json_object(&c, 0, 1);
        json_ws(&c);
        ok = ok && c.i == c.n && !memchr(c.p, '\n', c.n);
    }
    if (!ok) {
        fprintf(stderr, "invalid JSON line near byte %zu: %.*s\n", c.i, (int)sb->len, sb->p);
        abort();
    }
}

/* One event's text line: a single line. */
static inline void check_text_line(const tr_strbuf *sb)
{
    if (sb->overflow || sb->len == 0)
        return;
    const char *nl = memchr(sb->p, '\n', sb->len);
    if (!nl || (size_t)(nl - sb->p) != sb->len - 1 || memchr(sb->p, '\r', sb->len) || memchr(sb->p, 0x1b, sb->len)) {
        fprintf(stderr, "text line is not one clean line: %.*s\n", (int)sb->len, sb->p);
        abort();
    }
}

#endif
