#include "redis_entry.h"

#include <string.h>

/* The literal key at *p: advances past it, or returns -1. */
static int expect(const char **p, const char *end, const char *lit, size_t len)
{
    if ((size_t)(end - *p) < len || memcmp(*p, lit, len) != 0)
        return -1;
    *p += len;
    return 0;
}

static int digits(const char **p, const char *end, const char **start, size_t *len)
{
    const char *q = *p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    if (q == *p || q - *p > 20)
        return -1;
    *start = *p;
    *len = (size_t)(q - *p);
    *p = q;
    return 0;
}

/* A string value without escapes (protocol and type names are plain words). */
static int word(const char **p, const char *end, const char **start, size_t *len)
{
    if (*p >= end || **p != '"')
        return -1;
    const char *q = *p + 1, *s = q;
    while (q < end && *q != '"' && *q != '\\')
        q++;
    if (q >= end || *q != '"')
        return -1;
    *start = s;
    *len = (size_t)(q - s);
    *p = q + 1;
    return 0;
}

static int64_t decimal(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int redis_entry_read(const char *line, size_t n, redis_entry *e)
{
    static const char empty[] = "";
    memset(e, 0, sizeof *e);
    e->session = e->proto = e->type = empty;
    const char *p = line, *end = line + n, *sec, *usec, *session, *proto, *type;
    size_t nsec, nusec, nsession, nproto, ntype;
    int64_t sign = 1;
    if (expect(&p, end, "{\"ts\":", 6) < 0)
        return -1;
    if (p < end && *p == '-') {
        sign = -1;
        p++;
    }
    if (digits(&p, end, &sec, &nsec) < 0 || nsec > 12 || expect(&p, end, ".", 1) < 0 ||
        digits(&p, end, &usec, &nusec) < 0 || nusec != 6 || expect(&p, end, ",\"session\":", 11) < 0 ||
        digits(&p, end, &session, &nsession) < 0 || expect(&p, end, ",\"proto\":", 9) < 0 ||
        word(&p, end, &proto, &nproto) < 0 || expect(&p, end, ",\"type\":", 8) < 0 || word(&p, end, &type, &ntype) < 0)
        return -1;
    e->ts_us = sign * decimal(sec, nsec) * 1000000 + decimal(usec, nusec); /* -1.500000 is -0.5 s (tr_format_ts) */
    e->session = session, e->session_len = nsession;
    e->proto = proto, e->proto_len = nproto;
    e->type = type, e->type_len = ntype;
    return 0;
}

static size_t put_u64(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* "$<len>\r\n<bytes>\r\n" */
static void bulk(tr_strbuf *sb, const char *p, size_t n)
{
    char head[24];
    size_t h = 0;
    head[h++] = '$';
    h += put_u64(head + h, n);
    head[h++] = '\r';
    head[h++] = '\n';
    tr_sb_add(sb, head, h);
    tr_sb_add(sb, p, n);
    tr_sb_add(sb, "\r\n", 2);
}

#define LIT(s) s, sizeof s - 1

void redis_entry_xadd(tr_strbuf *sb, const char *stream, size_t stream_len, uint64_t maxlen, redis_id id,
                      const redis_entry *e, const char *line, size_t n)
{
    char idtext[REDIS_ID_TEXT_MAX], num[24];
    size_t idlen = redis_id_format(id, idtext);
    tr_sb_add(sb, maxlen ? "*14\r\n" : "*11\r\n", 5);
    bulk(sb, LIT("XADD"));
    bulk(sb, stream, stream_len);
    if (maxlen) {
        bulk(sb, LIT("MAXLEN"));
        bulk(sb, LIT("~"));
        bulk(sb, num, put_u64(num, maxlen));
    }
    bulk(sb, idtext, idlen);
    bulk(sb, LIT("session"));
    bulk(sb, e->session, e->session_len);
    bulk(sb, LIT("proto"));
    bulk(sb, e->proto, e->proto_len);
    bulk(sb, LIT("type"));
    bulk(sb, e->type, e->type_len);
    bulk(sb, LIT("json"));
    bulk(sb, line, n);
}
