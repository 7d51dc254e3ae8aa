#include "redis_id.h"

int redis_id_cmp(redis_id a, redis_id b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}

void redis_id_raise(redis_id *last, redis_id id)
{
    if (redis_id_cmp(id, *last) > 0)
        *last = id;
}

int redis_id_next(redis_id *last, int64_t ts_us)
{
    uint64_t ms = ts_us > 0 ? (uint64_t)ts_us / 1000 : 0;
    if (ms > last->ms) {
        last->ms = ms;
        last->seq = 0;
        return 0;
    }
    /* the same millisecond, or time that went back (the capture's own clock, or a stream that is ahead) */
    if (last->seq < UINT64_MAX) {
        last->seq++;
        return 0;
    }
    if (last->ms == UINT64_MAX)
        return -1;
    last->ms++;
    last->seq = 0;
    return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int redis_id_parse(const char *s, size_t n, redis_id *out)
{
    size_t dash = 0;
    while (dash < n && s[dash] != '-')
        dash++;
    redis_id id = {0, 0};
    if (parse_u64(s, dash, &id.ms) < 0)
        return -1;
    if (dash < n && parse_u64(s + dash + 1, n - dash - 1, &id.seq) < 0)
        return -1;
    *out = id;
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

size_t redis_id_format(redis_id id, char *out)
{
    size_t n = put_u64(out, id.ms);
    out[n++] = '-';
    n += put_u64(out + n, id.seq);
    out[n] = '\0';
    return n;
}
