#include "tr_event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tr_dissector.h"
#include "tr_hash.h"
#include "tr_session.h"
#include "tr_worker.h"

static void ev_reset(tr_event *e)
{
    e->top_mode = 0;
    e->nf = 0;
    e->depth = 0;
    e->truncated = 0;
    e->arena_used = 0;
}

void tr_ev_init(tr_event *e, tr_session *s, const char *type, int dir)
{
    ev_reset(e);
    e->session = s->outer ? s->outer : s; /* a layered stream's events are its outer session's */
    e->ctx = s->ctx;
    e->ts_us = s->ctx ? s->ctx->now_us : 0;
    e->proto = tr_session_proto(s);
    e->type = type;
    e->dir = dir;
}

void tr_ev_init_nosession(tr_event *e, tr_ctx *ctx, const char *proto, const char *type)
{
    ev_reset(e);
    e->session = NULL;
    e->ctx = ctx;
    e->ts_us = ctx ? ctx->now_us : 0;
    e->proto = proto;
    e->type = type;
    e->dir = TR_NODIR;
}

/* Keeps room for the END fields that close open containers. */
static tr_field *ev_add(tr_event *e, const char *key, int type)
{
    if (e->nf + e->depth + 1 >= TR_EVENT_MAX_FIELDS) {
        e->truncated = 1;
        return NULL;
    }
    tr_field *f = &e->f[e->nf++];
    f->key = key;
    f->s = NULL;
    f->n = 0;
    f->i = 0;
    f->type = (uint8_t)type;
    f->top = (uint8_t)e->top_mode;
    return f;
}

void tr_ev_strn(tr_event *e, const char *key, const void *s, size_t n)
{
    if (!s)
        return;
    tr_field *f = ev_add(e, key, TR_F_STR);
    if (f) {
        f->s = s;
        f->n = n;
    }
}

void tr_ev_str(tr_event *e, const char *key, const char *s)
{
    if (s)
        tr_ev_strn(e, key, s, strlen(s));
}

char *tr_ev_alloc(tr_event *e, size_t n)
{
    if (n > TR_EVENT_ARENA - e->arena_used) {
        e->truncated = 1;
        return NULL;
    }
    char *p = e->arena + e->arena_used;
    e->arena_used += n;
    return p;
}

void tr_ev_strcopy(tr_event *e, const char *key, const void *s, size_t n)
{
    if (!s)
        return;
    char *p = tr_ev_alloc(e, n ? n : 1);
    if (!p)
        return;
    memcpy(p, s, n);
    tr_ev_strn(e, key, p, n);
}

void tr_ev_printf(tr_event *e, const char *key, const char *fmt, ...)
{
    size_t room = TR_EVENT_ARENA - e->arena_used;
    if (room < 2) {
        e->truncated = 1;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->arena + e->arena_used, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= room) {
        e->truncated = 1;
        n = (int)room - 1;
    }
    char *p = e->arena + e->arena_used;
    e->arena_used += (size_t)n + 1;
    tr_ev_strn(e, key, p, (size_t)n);
}

void tr_ev_int(tr_event *e, const char *key, int64_t v)
{
    tr_field *f = ev_add(e, key, TR_F_INT);
    if (f)
        f->i = v;
}

void tr_ev_ts(tr_event *e, const char *key, int64_t us)
{
    tr_field *f = ev_add(e, key, TR_F_TS);
    if (f)
        f->i = us;
}

void tr_ev_bool(tr_event *e, const char *key, int v)
{
    tr_field *f = ev_add(e, key, TR_F_BOOL);
    if (f)
        f->i = v != 0;
}

static void ev_open(tr_event *e, const char *key, int type)
{
    tr_field *f = ev_add(e, key, type);
    if (f)
        e->depth++;
    else
        e->depth += 0x10000; /* remember a dropped container so its END is dropped too */
}

void tr_ev_obj(tr_event *e, const char *key) { ev_open(e, key, TR_F_OBJ); }
void tr_ev_list(tr_event *e, const char *key) { ev_open(e, key, TR_F_LIST); }

void tr_ev_end(tr_event *e)
{
    if (e->depth >= 0x10000) {
        e->depth -= 0x10000;
        return;
    }
    if (e->depth <= 0)
        return;
    /* room was reserved by ev_add */
    tr_field *f = &e->f[e->nf++];
    memset(f, 0, sizeof *f);
    f->type = TR_F_END;
    f->top = (uint8_t)e->top_mode;
    e->depth--;
}

void tr_ev_file(tr_event *e, const char *key, const char *relpath)
{
    if (!relpath || !relpath[0])
        return;
    tr_field *f = ev_add(e, key, TR_F_FILE);
    if (f) {
        f->s = relpath;
        f->n = strlen(relpath);
    }
}

void tr_ev_digest(tr_event *e, const char *key, const char *hex, uint64_t ticket)
{
    if (!ticket) {
        if (hex && hex[0])
            tr_ev_str(e, key, hex);
        return;
    }
    size_t room = TR_EVENT_ARENA - e->arena_used;
    tr_field *f = room >= 2 * TR_HASH_DIGEST_LEN ? ev_add(e, key, TR_F_DIGEST) : NULL;
    if (!f) {
        e->truncated = 1;
        return;
    }
    f->s = e->arena + e->arena_used;
    f->n = 2 * TR_HASH_DIGEST_LEN;
    f->i = (int64_t)ticket;
    e->arena_used += 2 * TR_HASH_DIGEST_LEN;
}

void tr_ev_later(tr_event *e, tr_ev_later_fn fn, const void *arg)
{
    tr_field *f = ev_add(e, NULL, TR_F_LATER);
    if (!f)
        return;
    _Static_assert(sizeof fn <= sizeof f->i, "a function pointer fits in i");
    memcpy(&f->i, &fn, sizeof fn);
    f->s = arg;
}

void tr_ev_later_add(tr_event *e, tr_field later)
{
    tr_ev_later_fn fn;
    memcpy(&fn, &later.i, sizeof fn);
    int top_mode = e->top_mode;
    e->depth = 0; /* the fields it adds are leaves at the level `later` was at */
    e->top_mode = later.top;
    fn(later.s, e);
    e->top_mode = top_mode;
}

int tr_ev_has_digest_tickets(const tr_event *e)
{
    for (int i = 0; i < e->nf; i++)
        if (e->f[i].type == TR_F_DIGEST || e->f[i].type == TR_F_LATER)
            return 1;
    return 0;
}

/* Puts each TR_F_LATER field's fields in its place (the worker has run what they wait for). */
static void expand_later(tr_event *e)
{
    static tr_field was[TR_EVENT_MAX_FIELDS]; /* the engine's thread only */
    int n = e->nf;
    memcpy(was, e->f, (size_t)n * sizeof was[0]);
    e->nf = 0;
    for (int i = 0; i < n; i++) {
        if (was[i].type == TR_F_LATER)
            tr_ev_later_add(e, was[i]);
        else if (e->nf < TR_EVENT_MAX_FIELDS)
            e->f[e->nf++] = was[i];
    }
}

void tr_ev_resolve_digests(tr_event *e)
{
    for (int i = 0; i < e->nf; i++)
        if (e->f[i].type == TR_F_LATER) {
            tr_worker_flush();
            expand_later(e);
            break;
        }
    for (int i = 0; i < e->nf; i++) {
        tr_field *f = &e->f[i];
        if (f->type != TR_F_DIGEST)
            continue;
        char hex[2 * TR_HASH_DIGEST_LEN + 1];
        if (tr_hash_ticket_hex((uint64_t)f->i, hex)) {
            memcpy((char *)f->s, hex, 2 * TR_HASH_DIGEST_LEN); /* the arena bytes reserved for it */
            f->type = TR_F_STR;
        } else { /* no digest, as for an incomplete object: the field goes */
            memmove(f, f + 1, (size_t)(e->nf - i - 1) * sizeof *f);
            e->nf--;
            i--;
        }
    }
}

int tr_ev_field_next(const tr_event *e, int i)
{
    int depth = 0;
    do {
        if (e->f[i].type == TR_F_OBJ || e->f[i].type == TR_F_LIST)
            depth++;
        else if (e->f[i].type == TR_F_END)
            depth--;
        i++;
    } while (i < e->nf && depth > 0);
    return i;
}

void tr_emit(tr_event *e)
{
    while (e->depth > 0)
        tr_ev_end(e);
    tr_ctx *ctx = e->ctx;
    if (!ctx)
        return;
    ctx->events++;
    int tickets = tr_ev_has_digest_tickets(e);
    for (int i = 0; i < ctx->nsinks; i++) {
        if (!ctx->sinks[i].on_event)
            continue;
        if (tickets && !ctx->sinks[i].takes_digest_tickets) {
            tr_ev_resolve_digests(e); /* this sink needs the digest now */
            tickets = 0;
        }
        ctx->sinks[i].on_event(ctx->sinks[i].self, e);
    }
}

/* The top-level `anomaly` and `detail` fields (detail points at `detail`, which must last until written). */
static void anomaly_fields(tr_event *e, const char *name, char detail[512], const char *fmt, va_list ap)
{
    e->top_mode = 1;
    tr_ev_str(e, "anomaly", name);
    vsnprintf(detail, 512, fmt, ap);
    tr_ev_str(e, "detail", detail);
}

void tr_anomaly(tr_ctx *ctx, tr_session *s, int dir, const char *name, const char *fmt, ...)
{
    static tr_event e; /* anomalies are rare and never nested: one static event saves stack */
    if (s)
        tr_ev_init(&e, s, "anomaly", dir);
    else
        tr_ev_init_nosession(&e, ctx, "ip", "anomaly");
    if (!e.ctx)
        return;
    tr_ctx_count_anomaly(e.ctx, name);
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    anomaly_fields(&e, name, detail, fmt, ap);
    va_end(ap);
    tr_emit(&e);
}

/* ---- events found on the worker thread ---- */

static struct {
    tr_worker_line_fn fn;
    void *self;
    /* written on the worker only; read after tr_worker_flush */
    uint64_t events;
    const char *names[TR_MAX_ANOMALY_KINDS];
    uint64_t counts[TR_MAX_ANOMALY_KINDS];
} on_worker;

void tr_worker_lines_set(tr_worker_line_fn fn, void *self)
{
    on_worker.fn = fn;
    on_worker.self = self;
}

void tr_anomaly_on_worker(const tr_session *s, int dir, int64_t ts_us, const char *name, const char *fmt, ...)
{
    static tr_event e; /* the worker's thread only */
    ev_reset(&e);
    e.session = s;
    e.ctx = NULL;
    e.ts_us = ts_us;
    e.proto = tr_session_proto(s);
    e.type = "anomaly";
    e.dir = dir;
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    anomaly_fields(&e, name, detail, fmt, ap);
    va_end(ap);
    on_worker.events++;
    tr_anomaly_counts_add(on_worker.names, on_worker.counts, name, 1);
    if (on_worker.fn)
        on_worker.fn(on_worker.self, &e);
}

void tr_ctx_fold_worker_counts(tr_ctx *ctx)
{
    ctx->events += on_worker.events;
    on_worker.events = 0;
    for (int i = 0; i < TR_MAX_ANOMALY_KINDS && on_worker.names[i]; i++) {
        tr_ctx_add_anomalies(ctx, on_worker.names[i], on_worker.counts[i]);
        on_worker.names[i] = NULL;
        on_worker.counts[i] = 0;
    }
}
