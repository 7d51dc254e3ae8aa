#include "redis_url.h"
#include "../core/tr_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Percent-decodes p[0..n) into out (cap bytes with its NUL). -1: a bad escape, a NUL byte, or too long. */
static int decode(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = tr_hex_digit((uint8_t)p[i + 1]), lo = tr_hex_digit((uint8_t)p[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            if (c == '\0')
                return -1;
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* A decimal number p[0..n) no larger than max; -1 when it is not one. */
static long number(const char *p, size_t n, long max)
{
    if (n == 0 || n > 10)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= max ? v : -1;
}

static int set_db(redis_url *u, const char *p, size_t n, char *err, size_t errlen)
{
    long db = number(p, n, 1000000);
    if (db < 0)
        return fail(err, errlen, "database '%.*s': expected a number", (int)n, p);
    u->db = (int)db;
    return 0;
}

/* Splits a stream list at its commas (a comma inside a name is written %2C). */
static int set_streams(redis_url *u, const char *p, size_t n, enum redis_url_use use, char *err, size_t errlen)
{
    const char *end = p + n;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (stop == p)
            return fail(err, errlen, "stream: an empty name");
        if (u->nstreams == REDIS_URL_MAX_STREAMS)
            return fail(err, errlen, "stream: at most %d streams", REDIS_URL_MAX_STREAMS);
        if (decode(p, (size_t)(stop - p), u->stream[u->nstreams], sizeof u->stream[0]) < 0)
            return fail(err, errlen, "stream '%.*s': a bad %% escape or longer than %d bytes", (int)(stop - p), p,
                        REDIS_URL_NAME_MAX - 1);
        u->nstreams++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (use == REDIS_URL_OUTPUT && u->nstreams > 1)
        return fail(err, errlen, "stream: --output writes one stream (a list is for --read-redis)");
    return 0;
}

static int query_option(redis_url *u, const char *k, size_t kn, const char *v, size_t vn, enum redis_url_use use,
                        char *err, size_t errlen)
{
#define KEY(name) (kn == sizeof name - 1 && memcmp(k, name, kn) == 0)
    char *dst = NULL;
    size_t cap = 0;
    if (KEY("stream")) {
        if (u->nstreams)
            return fail(err, errlen, "stream given twice");
        return set_streams(u, v, vn, use, err, errlen);
    } else if (KEY("db")) {
        return set_db(u, v, vn, err, errlen);
    } else if (KEY("password")) {
        if (u->has_password)
            return fail(err, errlen, "password given twice");
        u->has_password = 1;
        dst = u->password, cap = sizeof u->password;
    } else if (KEY("user")) {
        if (u->user[0])
            return fail(err, errlen, "user given twice");
        dst = u->user, cap = sizeof u->user;
    } else if ((KEY("group") || KEY("consumer")) && use == REDIS_URL_READ) {
        dst = KEY("group") ? u->group : u->consumer, cap = REDIS_URL_NAME_MAX;
        if (vn == 0)
            return fail(err, errlen, "%.*s: an empty name", (int)kn, k);
    } else if (KEY("group") || KEY("consumer")) {
        return fail(err, errlen, "%.*s is an option of --read-redis, not of --output", (int)kn, k);
    } else {
        return fail(err, errlen, "unknown option '%.*s' (stream, user, password, db%s)", (int)kn, k,
                    use == REDIS_URL_READ ? ", group, consumer" : "");
    }
#undef KEY
    if (decode(v, vn, dst, cap) < 0)
        return fail(err, errlen, "%.*s: a bad %% escape or too long", (int)kn, k);
    return 0;
}

static int parse_query(redis_url *u, const char *q, enum redis_url_use use, char *err, size_t errlen)
{
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (!eq)
            return fail(err, errlen, "option '%.*s': expected KEY=VALUE", (int)n, q);
        if (query_option(u, q, (size_t)(eq - q), eq + 1, n - (size_t)(eq + 1 - q), use, err, errlen) < 0)
            return -1;
        q += n;
        if (*q == '&')
            q++;
    }
    return 0;
}

/* HOST[:PORT] or [V6][:PORT], p[0..n). */
static int parse_hostport(redis_url *u, const char *p, size_t n, char *err, size_t errlen)
{
    const char *end = p + n, *host = p, *host_end, *colon;
    if (n && *p == '[') {
        const char *close = memchr(p, ']', n);
        if (!close)
            return fail(err, errlen, "an IPv6 address without its ']'");
        host = p + 1;
        host_end = close;
        colon = close + 1 < end ? close + 1 : NULL;
        if (colon && *colon != ':')
            return fail(err, errlen, "unexpected '%c' after ']'", *colon);
    } else {
        colon = memchr(p, ':', n);
        host_end = colon ? colon : end;
    }
    if (host_end == host)
        return fail(err, errlen, "no host");
    if ((size_t)(host_end - host) >= sizeof u->host)
        return fail(err, errlen, "host longer than %zu bytes", sizeof u->host - 1);
    memcpy(u->host, host, (size_t)(host_end - host));
    u->host[host_end - host] = '\0';
    if (colon) {
        long port = number(colon + 1, (size_t)(end - colon - 1), 65535);
        if (port <= 0)
            return fail(err, errlen, "port '%.*s': expected 1..65535", (int)(end - colon - 1), colon + 1);
        u->port = (int)port;
    }
    return 0;
}

/* The URL as messages show it: the password, wherever it was, masked. */
static void make_display(redis_url *u, const char *s, int userinfo_pw, const char *pw_at, size_t pw_len)
{
    if (!userinfo_pw) {
        const char *q = strchr(s, '?');
        if (q && strstr(q, "password=")) {
            snprintf(u->display, sizeof u->display, "%.*s?...", (int)(q - s), s);
            return;
        }
        snprintf(u->display, sizeof u->display, "%s", s);
        return;
    }
    snprintf(u->display, sizeof u->display, "%.*s***%s", (int)(pw_at - s), s, pw_at + pw_len);
}

int redis_url_parse(redis_url *u, const char *s, enum redis_url_use use, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->port = 6379;
    const char *q = strchr(s, '?');
    size_t main_len = q ? (size_t)(q - s) : strlen(s);
    int userinfo_pw = 0;
    const char *pw_at = NULL;
    size_t pw_len = 0;
    if (strncmp(s, "unix:", 5) == 0) {
        u->is_unix = 1;
        const char *p = s + 5;
        if (strncmp(p, "//", 2) == 0 && p + 2 <= s + main_len)
            p += 2; /* unix:///run/redis.sock, as some clients write it */
        size_t n = main_len - (size_t)(p - s);
        if (n == 0)
            return fail(err, errlen, "unix: needs the socket's path");
        if (decode(p, n, u->path, sizeof u->path) < 0)
            return fail(err, errlen, "socket path: a bad %% escape or longer than %zu bytes", sizeof u->path - 1);
    } else if (strncmp(s, "redis://", 8) == 0) {
        const char *p = s + 8, *end = s + main_len;
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *auth_end = slash ? slash : end;
        /* the last '@' before the path ends the user part: a password may hold an unescaped '@' */
        const char *at = NULL;
        for (const char *x = p; x < auth_end; x++)
            if (*x == '@')
                at = x;
        if (at) {
            const char *colon = memchr(p, ':', (size_t)(at - p));
            const char *user_end = colon ? colon : at;
            if (decode(p, (size_t)(user_end - p), u->user, sizeof u->user) < 0)
                return fail(err, errlen, "user: a bad %% escape or too long");
            if (colon) {
                u->has_password = 1;
                userinfo_pw = 1;
                pw_at = colon + 1;
                pw_len = (size_t)(at - colon - 1);
                if (decode(pw_at, pw_len, u->password, sizeof u->password) < 0)
                    return fail(err, errlen, "password: a bad %% escape or too long");
            }
            p = at + 1;
        }
        if (parse_hostport(u, p, (size_t)(auth_end - p), err, errlen) < 0)
            return -1;
        if (slash && slash + 1 < end && set_db(u, slash + 1, (size_t)(end - slash - 1), err, errlen) < 0)
            return -1;
    } else {
        return fail(err, errlen, "expected redis://[USER:PASS@]HOST[:PORT][/DB][?stream=NAME] or unix:PATH[?...]");
    }
    if (q && parse_query(u, q + 1, use, err, errlen) < 0)
        return -1;
    make_display(u, s, userinfo_pw, pw_at, pw_len);
    return 0;
}
