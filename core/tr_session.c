#include "tr_session.h"

#include <stdlib.h>
#include <string.h>

#include "tr_dissector.h"

const char *tr_end_name(int reason)
{
    static const char *const names[] = {"open", "fin", "rst", "timeout", "evicted", "eof"};
    return reason >= 0 && reason <= TR_END_EOF ? names[reason] : "eof";
}

void tr_ctx_init(tr_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->file_sink = -1;
    ctx->inflate_max_ratio = TR_INFLATE_MAX_RATIO_DEFAULT;
}

int tr_ctx_add_sink(tr_ctx *ctx, const tr_sink *sink)
{
    if (ctx->nsinks >= TR_MAX_SINKS)
        return -1;
    ctx->sinks[ctx->nsinks] = *sink;
    if (sink->file_open && ctx->file_sink < 0)
        ctx->file_sink = ctx->nsinks;
    return ctx->nsinks++;
}

void tr_ctx_count_anomaly(tr_ctx *ctx, const char *name) { tr_ctx_add_anomalies(ctx, name, 1); }

void tr_ctx_add_anomalies(tr_ctx *ctx, const char *name, uint64_t n)
{
    tr_anomaly_counts_add(ctx->anomaly_names, ctx->anomaly_counts, name, n);
}

void tr_anomaly_counts_add(const char *names[TR_MAX_ANOMALY_KINDS], uint64_t counts[TR_MAX_ANOMALY_KINDS],
                           const char *name, uint64_t n)
{
    for (int i = 0; i < TR_MAX_ANOMALY_KINDS; i++) {
        if (!names[i]) {
            names[i] = name; /* names are string literals */
            counts[i] = n;
            return;
        }
        if (strcmp(names[i], name) == 0) {
            counts[i] += n;
            return;
        }
    }
}

const char *tr_session_proto(const tr_session *s)
{
    if (s->dis)
        return s->dis->name;
    return s->l4 == TR_UDP ? "udp" : "tcp";
}

int tr_file_open(tr_session *s, const char *name, char *relpath, size_t cap)
{
    if (cap)
        relpath[0] = '\0';
    tr_ctx *ctx = s->ctx;
    if (!ctx || ctx->file_sink < 0)
        return -1;
    if (s->outer) /* a layered stream's files are its outer session's */
        s = s->outer;
    tr_sink *k = &ctx->sinks[ctx->file_sink];
    int h = k->file_open(k->self, s, name, relpath, cap);
    if (h >= 0 && cap && relpath[0])
        for (int i = 0; i < ctx->nsinks; i++)
            if (ctx->sinks[i].on_file_open)
                ctx->sinks[i].on_file_open(ctx->sinks[i].self, s, relpath);
    return h;
}

void tr_file_write(tr_session *s, int handle, const uint8_t *p, size_t n)
{
    tr_ctx *ctx = s->ctx;
    if (handle < 0 || !ctx || ctx->file_sink < 0 || !n)
        return;
    tr_sink *k = &ctx->sinks[ctx->file_sink];
    if (k->file_write)
        k->file_write(k->self, handle, p, n);
}

void tr_file_close(tr_session *s, int handle, int complete) { tr_file_end(s->ctx, handle, complete); }

int tr_file_create(tr_ctx *ctx, const char *relpath)
{
    if (!ctx || ctx->file_sink < 0 || !relpath)
        return -1;
    tr_sink *k = &ctx->sinks[ctx->file_sink];
    return k->file_create ? k->file_create(k->self, relpath) : -1;
}

void tr_file_write_at(tr_ctx *ctx, int handle, uint64_t off, const uint8_t *p, size_t n)
{
    if (handle < 0 || !ctx || ctx->file_sink < 0 || !n)
        return;
    tr_sink *k = &ctx->sinks[ctx->file_sink];
    if (k->file_write_at)
        k->file_write_at(k->self, handle, off, p, n);
}

void tr_file_end(tr_ctx *ctx, int handle, int complete)
{
    if (handle < 0 || !ctx || ctx->file_sink < 0)
        return;
    tr_sink *k = &ctx->sinks[ctx->file_sink];
    if (k->file_close)
        k->file_close(k->self, handle, complete);
}

int tr_file_link(tr_ctx *ctx, const char *from_rel, const char *to_rel)
{
    if (!ctx || ctx->file_sink < 0 || !from_rel || !from_rel[0] || !to_rel)
        return -1;
    tr_sink *k = &ctx->sinks[ctx->file_sink];
    if (!k->file_link)
        return -1;
    k->file_link(k->self, from_rel, to_rel);
    return 0;
}

void *tr_ctx_shared(tr_ctx *ctx, const void *key, size_t size, void (*finish)(tr_ctx *ctx, void *state))
{
    tr_shared *free_slot = NULL;
    for (int i = 0; i < TR_MAX_SHARED; i++) {
        if (ctx->shared[i].key == key)
            return ctx->shared[i].state;
        if (!ctx->shared[i].key && !free_slot)
            free_slot = &ctx->shared[i];
    }
    if (!free_slot || !(free_slot->state = calloc(1, size)))
        return NULL;
    free_slot->key = key;
    free_slot->finish = finish;
    return free_slot->state;
}

void tr_ctx_finish_shared(tr_ctx *ctx)
{
    for (int i = 0; i < TR_MAX_SHARED; i++) {
        tr_shared *sh = &ctx->shared[i];
        if (!sh->key)
            continue;
        if (sh->finish)
            sh->finish(ctx, sh->state);
        free(sh->state);
        memset(sh, 0, sizeof *sh);
    }
}

void tr_stream_object(tr_session *s, int dir, uint64_t start, uint64_t end, const char *label, const char *relpath)
{
    tr_ctx *ctx = s->ctx;
    if (!ctx || ctx->file_sink < 0 || s->outer) /* a layered stream's offsets are not the transcript's */
        return;
    for (int i = 0; i < ctx->nsinks; i++)
        if (ctx->sinks[i].on_stream_object)
            ctx->sinks[i].on_stream_object(ctx->sinks[i].self, s, dir, start, end, label ? label : "",
                                           relpath ? relpath : "");
}

tr_session *tr_session_find(tr_ctx *ctx, uint64_t id)
{
    return ctx && ctx->find_session ? ctx->find_session(ctx, id) : NULL;
}

int tr_expect(tr_session *parent, const tr_expectation *x)
{
    if (parent->outer)
        parent = parent->outer;
    tr_ctx *ctx = parent->ctx;
    return ctx && ctx->expect ? ctx->expect(ctx, parent, x) : -1;
}

void tr_decode_end(tr_session *s, int dir, const char *reason)
{
    tr_event e;
    tr_ev_init(&e, s, "decode_end", dir);
    e.top_mode = 1;
    tr_ev_str(&e, "reason", reason);
    tr_emit(&e);
    s->decode_stopped = 1;
}
