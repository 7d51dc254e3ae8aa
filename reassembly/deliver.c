#include "deliver.h"

#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_pool.h"

static int dissector_active(const tr_session *s) { return s->dis && !s->decode_stopped; }

void tr_deliver_open(tr_session *s, tr_deliver *d)
{
    if (d->opened)
        return;
    d->opened = 1;
    if (s->dis && s->dis->state_size && !s->state) {
        s->state = calloc(1, s->dis->state_size);
        if (!s->state) {
            s->decode_stopped = 1;
            return;
        }
    }
    if (s->dis && s->dis->on_open)
        s->dis->on_open(s);
}

/* A layered stream's bytes are not the sinks': they saw the outer session's. */
static int sinks_see(const tr_session *s) { return s->ctx && !s->outer; }

static void sinks_stream(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    tr_ctx *ctx = s->ctx;
    for (int i = 0; sinks_see(s) && i < ctx->nsinks; i++)
        if (ctx->sinks[i].on_stream)
            ctx->sinks[i].on_stream(ctx->sinks[i].self, s, dir, p, n);
}

/* Calls on_data until it stops making progress; returns bytes consumed. base: stream offset of p[0]. */
static size_t feed(tr_session *s, tr_pending *pd, int dir, const uint8_t *p, size_t n, uint64_t base)
{
    size_t done = 0;
    pd->need = 0;
    while (done < n && dissector_active(s)) {
        size_t need = 0;
        s->stream_off[dir] = base + done;
        size_t c = s->dis->on_data(s, dir, p + done, n - done, &need);
        if (c > n - done)
            c = n - done; /* a dissector bug must not walk us off the buffer */
        done += c;
        if (c == 0) {
            pd->need = need;
            break;
        }
    }
    if (!dissector_active(s))
        done = n;
    s->stream_off[dir] = base + done;
    return done;
}

/* A buffer is held only while a unit is incomplete: a session that waits for nothing holds no memory, so
 * memory follows what is in flight, not how many sessions are open. Emptied small buffers wait in a
 * little pool for the next direction that needs one, so splitting lines and headers across segments does
 * not make a malloc per segment. */
#define PENDING_SMALL 4096

static tr_pool spare = TR_POOL_INIT(PENDING_SMALL, 256);

/* Under AddressSanitizer the part of a held buffer past its bytes is made unreadable, so a dissector reading past
 * what it was given is caught there too (the buffer is larger than its bytes). */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
static void held_bytes_only(const tr_pending *pd)
{
    if (pd->buf) {
        ASAN_UNPOISON_MEMORY_REGION(pd->buf, pd->len);
        ASAN_POISON_MEMORY_REGION(pd->buf + pd->len, pd->cap - pd->len);
    }
}
static void held_all(const tr_pending *pd)
{
    if (pd->buf)
        ASAN_UNPOISON_MEMORY_REGION(pd->buf, pd->cap);
}
#else
static void held_bytes_only(const tr_pending *pd) { (void)pd; }
static void held_all(const tr_pending *pd) { (void)pd; }
#endif

static void pending_release(tr_pending *pd)
{
    held_all(pd); /* readable again for whoever takes it next */
    if (pd->cap == PENDING_SMALL)
        tr_pool_give(&spare, pd->buf);
    else
        free(pd->buf);
    pd->buf = NULL;
    pd->cap = 0;
}

static int pending_grow(tr_pending *pd, size_t want)
{
    if (want <= pd->cap)
        return 1;
    if (!pd->buf && want <= PENDING_SMALL) {
        pd->buf = tr_pool_take(&spare);
        pd->cap = pd->buf ? PENDING_SMALL : 0;
        return pd->buf != NULL;
    }
    size_t cap = pd->cap ? pd->cap : PENDING_SMALL;
    while (cap < want)
        cap *= 2;
    if (cap > TR_PENDING_MAX)
        cap = TR_PENDING_MAX;
    if (cap < want)
        return 0;
    held_all(pd); /* realloc copies the old buffer whole */
    uint8_t *nb = realloc(pd->buf, cap);
    if (!nb)
        return 0;
    pd->buf = nb;
    pd->cap = cap;
    return 1;
}

/* The dissector would not take a full buffer: drop it and tell the dissector it was lost. */
static void pending_overflow(tr_session *s, tr_pending *pd, int dir)
{
    tr_anomaly(s->ctx, s, dir, "unit_too_long", "dissector waited for more than %u buffered bytes; %zu bytes skipped",
               TR_PENDING_MAX, pd->len);
    uint64_t lost = pd->len;
    pd->len = 0;
    pd->need = 0;
    if (dissector_active(s) && s->dis->on_gap)
        s->dis->on_gap(s, dir, lost); /* stream_off is where the lost bytes began */
    s->stream_off[dir] += lost;
}

void tr_deliver_data(tr_session *s, tr_deliver *d, int dir, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    tr_deliver_open(s, d);
    tr_pending *pd = &d->dir[dir];
    if (dissector_active(s) && s->dis->on_data) {
        const uint8_t *q = p;
        size_t left = n;
        while (left && dissector_active(s)) {
            if (pd->len == 0) {
                size_t c = feed(s, pd, dir, q, left, pd->seen + (uint64_t)(q - p));
                q += c;
                left -= c;
                if (!left)
                    break;
                if (!pending_grow(pd, left < TR_PENDING_MAX ? left : TR_PENDING_MAX)) {
                    pending_overflow(s, pd, dir);
                    break;
                }
            }
            size_t room = TR_PENDING_MAX - pd->len;
            size_t take = left < room ? left : room;
            if (!pending_grow(pd, pd->len + take)) {
                pending_overflow(s, pd, dir);
                continue;
            }
            held_all(pd);
            memcpy(pd->buf + pd->len, q, take);
            pd->len += take;
            q += take;
            left -= take;
            held_bytes_only(pd);
            if (pd->need && pd->len < pd->need && pd->len < TR_PENDING_MAX)
                continue;
            size_t c = feed(s, pd, dir, pd->buf, pd->len, pd->seen + (uint64_t)(q - p) - pd->len);
            memmove(pd->buf, pd->buf + c, pd->len - c);
            pd->len -= c;
            held_bytes_only(pd);
            if (pd->len == TR_PENDING_MAX)
                pending_overflow(s, pd, dir);
        }
        if (!dissector_active(s))
            pd->len = 0;
    }
    pd->seen += n;
    if (!pd->len) {
        s->stream_off[dir] = pd->seen;
        pending_release(pd);
    }
    sinks_stream(s, dir, p, n);
}

void tr_deliver_gap(tr_session *s, tr_deliver *d, int dir, uint64_t n)
{
    tr_deliver_open(s, d);
    tr_pending *pd = &d->dir[dir];
    uint64_t lost = n + pd->len; /* a half-received unit before the hole is lost with it */
    s->stream_off[dir] = pd->seen - pd->len; /* where the lost bytes begin */
    pd->len = 0;
    pd->need = 0;
    pending_release(pd);
    if (dissector_active(s) && s->dis->on_gap)
        s->dis->on_gap(s, dir, lost);
    pd->seen += n;
    s->stream_off[dir] = pd->seen;
    tr_ctx *ctx = s->ctx;
    for (int i = 0; sinks_see(s) && i < ctx->nsinks; i++)
        if (ctx->sinks[i].on_stream_gap)
            ctx->sinks[i].on_stream_gap(ctx->sinks[i].self, s, dir, n);
}

void tr_deliver_datagram(tr_session *s, tr_deliver *d, int dir, const uint8_t *p, size_t n)
{
    tr_deliver_open(s, d);
    if (dissector_active(s) && s->dis->on_datagram)
        s->dis->on_datagram(s, dir, p, n);
    sinks_stream(s, dir, p, n);
}

void tr_deliver_end(tr_session *s, tr_deliver *d, int dir)
{
    if (d->ended[dir])
        return;
    d->ended[dir] = 1;
    tr_deliver_open(s, d);
    if (dissector_active(s) && s->dis->on_end)
        s->dis->on_end(s, dir);
}

void tr_deliver_close(tr_session *s, tr_deliver *d, int reason)
{
    tr_deliver_open(s, d);
    if (s->dis && s->dis->on_close)
        s->dis->on_close(s, reason);
    for (int i = 0; i < 2; i++) {
        pending_release(&d->dir[i]);
        memset(&d->dir[i], 0, sizeof d->dir[i]);
    }
    free(s->state);
    s->state = NULL;
}

size_t tr_deliver_held(const tr_session *s, const tr_deliver *d)
{
    return d->dir[0].cap + d->dir[1].cap + (s->state && s->dis ? s->dis->state_size : 0) + s->state_extra;
}
