#include "sink_worker.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_worker.h"
#include "event_blob.h"

#define INNER_MAX 4
#define PACKETS_BATCH 256 /* packets told in one job: a job per packet would cost more than what the sinks do */

/* The sinks see the worker's copy of each session: made by the worker when a call of the session first comes,
 * freed when its close comes, found by id in this table (open addressing, kept under half full). Made by the
 * engine instead, each would be freed on the other thread, and the two threads' allocators would then lock each
 * other out. */
typedef struct shadow_table {
    tr_session **slot;
    size_t cap, n;
} shadow_table;

typedef struct packet_note {
    int64_t ts_us;
    uint64_t len, session;
} packet_note;

#define WITH_SESSION (1 << 16) /* the job's bytes start with the session (iarg: call | (dir + 1) << 8 | this) */

enum call { C_OPEN, C_EVENT, C_EVENT_NOSESSION, C_STREAM, C_STREAM_UNCOPIED, C_GAP, C_FILE_OPEN, C_OBJECT, C_CLOSE,
            C_PACKETS };

struct sink_worker {
    tr_sink inner[INNER_MAX];
    int n;
    size_t stream_cap;
    int slot; /* this sink's index in the context, for sink_data; -1 until found */
    pthread_mutex_t lock;
    _Atomic int wanted; /* the UI waits for the lock: the worker lets it have it before its next job */
    /* the engine's */
    packet_note packets[PACKETS_BATCH];
    int npackets;
    uint8_t blob[TR_JOB_DATA_MAX];
    tr_event settled; /* an event too large for a job, with its digests waited for */
    /* the worker's */
    shadow_table shadows;
    tr_ctx wctx;
    event_blob_view view;
};

sink_worker *sink_worker_new(size_t stream_cap)
{
    sink_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->stream_cap = stream_cap;
    w->slot = -1;
    pthread_mutex_init(&w->lock, NULL);
    return w;
}

int sink_worker_add(sink_worker *w, const tr_sink *inner)
{
    if (w->n == INNER_MAX)
        return -1;
    w->inner[w->n++] = *inner;
    return 0;
}

void sink_worker_hold(sink_worker *w, int on)
{
    if (!on) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    atomic_fetch_add(&w->wanted, 1);
    pthread_mutex_lock(&w->lock);
    atomic_fetch_sub(&w->wanted, 1);
}

/* The worker's way in: a mutex lets the thread that just unlocked take it again at once, and the worker, which
 * takes it for every job, would keep the UI out for as long as it has jobs. */
static void worker_lock(sink_worker *w)
{
    while (atomic_load_explicit(&w->wanted, memory_order_relaxed))
        sched_yield();
    pthread_mutex_lock(&w->lock);
}

void sink_worker_free(sink_worker *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->shadows.cap; i++)
        free(w->shadows.slot[i]); /* sessions whose close never came */
    free(w->shadows.slot);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* ---- on the worker ---- */

/* The session copy brought up to the engine's at the call: everything but what only the engine may touch. */
static void session_update(sink_worker *w, tr_session *r, const tr_session *snap)
{
    *r = *snap;
    r->state = NULL;
    r->state_extra = 0;
    r->ctx = &w->wctx;
    r->expect_ctx = NULL;
    r->expect_ctx_len = 0;
    r->outer = NULL;
    r->tx_group = NULL;
    memset(r->sink_data, 0, sizeof r->sink_data);
}

static size_t shadow_home(const shadow_table *t, uint64_t id)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (t->cap - 1);
}

/* Room for one more (doubled when half full); 0, or -1 without memory. */
static int shadow_room(shadow_table *t)
{
    if ((t->n + 1) * 2 <= t->cap)
        return 0;
    shadow_table g = {calloc(t->cap ? t->cap * 2 : 1024, sizeof *g.slot), t->cap ? t->cap * 2 : 1024, t->n};
    if (!g.slot)
        return -1;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i]) {
            size_t j = shadow_home(&g, t->slot[i]->id);
            while (g.slot[j])
                j = (j + 1) & (g.cap - 1);
            g.slot[j] = t->slot[i];
        }
    free(t->slot);
    *t = g;
    return 0;
}

/* Where id is, or the empty slot where it would go. */
static size_t shadow_find(const shadow_table *t, uint64_t id)
{
    size_t i = shadow_home(t, id);
    while (t->slot[i] && t->slot[i]->id != id)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* The copy of session id, made when missing; NULL without memory. */
static tr_session *shadow_of(shadow_table *t, uint64_t id)
{
    if (shadow_room(t) < 0)
        return NULL;
    size_t i = shadow_find(t, id);
    if (!t->slot[i]) {
        t->slot[i] = calloc(1, sizeof **t->slot);
        if (!t->slot[i])
            return NULL;
        t->slot[i]->id = id;
        t->n++;
    }
    return t->slot[i];
}

/* Frees id's copy; the entries after it in its run move back so none is left past a hole. */
static void shadow_remove(shadow_table *t, uint64_t id)
{
    if (!t->cap)
        return;
    size_t i = shadow_find(t, id);
    if (!t->slot[i])
        return;
    free(t->slot[i]);
    t->slot[i] = NULL;
    t->n--;
    for (size_t j = (i + 1) & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1)) {
        size_t home = shadow_home(t, t->slot[j]->id);
        /* j's entry may fill the hole at i when its home is not in (i, j] (cyclically) */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->slot[i] = t->slot[j];
            t->slot[j] = NULL;
            i = j;
        }
    }
}

static void run_call(const tr_job *job, const uint8_t *data)
{
    sink_worker *w = job->obj;
    tr_session *r = NULL;
    int call = job->iarg & 0xff, dir = ((job->iarg >> 8) & 0xff) - 1;
    size_t off = 0;
    worker_lock(w);
    w->wctx.now_us = job->at;
    if (call == C_PACKETS) {
        const packet_note *p = (const packet_note *)data;
        for (size_t k = 0; k < job->len / sizeof *p; k++) {
            tr_session *ps = shadow_of(&w->shadows, p[k].session); /* as of its last call: packets come in batches */
            for (int i = 0; i < w->n && ps; i++)
                if (w->inner[i].on_packet)
                    w->inner[i].on_packet(w->inner[i].self, ps, p[k].ts_us, (size_t)p[k].len);
        }
        pthread_mutex_unlock(&w->lock);
        return;
    }
    if (job->iarg & WITH_SESSION) {
        tr_session snap;
        memcpy(&snap, data, sizeof snap);
        off = sizeof snap;
        r = shadow_of(&w->shadows, snap.id);
        if (!r) {
            pthread_mutex_unlock(&w->lock);
            return;
        }
        session_update(w, r, &snap);
    }
    const uint8_t *p = data + off;
    size_t n = job->len - off;
    if (call == C_EVENT || call == C_EVENT_NOSESSION) {
        event_blob_unpack(p, n, &w->view);
        w->view.e.ctx = &w->wctx;
        if (r)
            w->view.e.session = r; /* the whole session, not the blob's few fields of it */
    }
    for (int i = 0; i < w->n; i++) {
        const tr_sink *k = &w->inner[i];
        switch (call) {
        case C_OPEN:
            if (k->on_session_open)
                k->on_session_open(k->self, r);
            break;
        case C_EVENT:
        case C_EVENT_NOSESSION:
            if (k->on_event)
                k->on_event(k->self, &w->view.e);
            break;
        case C_STREAM:
        case C_STREAM_UNCOPIED:
            if (k->on_stream)
                k->on_stream(k->self, r, dir, call == C_STREAM ? p : NULL, call == C_STREAM ? n : job->arg);
            break;
        case C_GAP:
            if (k->on_stream_gap)
                k->on_stream_gap(k->self, r, dir, job->arg);
            break;
        case C_FILE_OPEN:
            if (k->on_file_open)
                k->on_file_open(k->self, r, (const char *)p);
            break;
        case C_OBJECT: {
            uint64_t end;
            memcpy(&end, p, sizeof end);
            const char *label = (const char *)p + sizeof end, *relpath = label + strlen(label) + 1;
            if (k->on_stream_object)
                k->on_stream_object(k->self, r, dir, job->arg, end, label[0] ? label : NULL,
                                    relpath[0] ? relpath : NULL);
            break;
        }
        case C_CLOSE:
            if (k->on_session_close)
                k->on_session_close(k->self, r);
            break;
        }
    }
    if (call == C_CLOSE)
        shadow_remove(&w->shadows, r->id);
    pthread_mutex_unlock(&w->lock);
}

/* ---- on the engine's thread ---- */

/* A session's slot of sink_data holds what this sink keeps of it on the engine's side: the stream bytes copied. */
static int slot_of(sink_worker *w, const tr_session *s)
{
    if (w->slot < 0 && s->ctx)
        for (int i = 0; i < s->ctx->nsinks; i++)
            if (s->ctx->sinks[i].self == w)
                w->slot = i;
    return w->slot;
}

static void flush_packets(sink_worker *w)
{
    if (!w->npackets)
        return;
    tr_job job = {.run = run_call, .obj = w, .iarg = C_PACKETS, .len = (uint32_t)(w->npackets * sizeof(packet_note))};
    w->npackets = 0;
    tr_worker_push(&job, w->packets);
}

/* Queues a call: the session as it is now (s may be NULL), then nb bytes of payload. */
static void relay(sink_worker *w, int call, int dir, const tr_session *s, uint64_t arg, const void *b, size_t nb)
{
    flush_packets(w);
    size_t nh = s ? sizeof *s : 0;
    tr_job job = {.run = run_call, .obj = w, .arg = arg, .iarg = call | (dir + 1) << 8 | (s ? WITH_SESSION : 0),
                  .at = s && s->ctx ? s->ctx->now_us : 0, .len = (uint32_t)(nh + nb)};
    tr_worker_push2(&job, s, nh, b);
}

void sink_worker_drain(sink_worker *w, int held)
{
    flush_packets(w);
    if (held)
        pthread_mutex_unlock(&w->lock);
    tr_worker_flush();
    if (held)
        pthread_mutex_lock(&w->lock);
}

static void on_open(void *self, tr_session *s) { relay(self, C_OPEN, TR_NODIR, s, 0, NULL, 0); }

/* An event no job can carry (too large, or more digests than a blob holds): once everything before it has run,
 * the sinks get it here, under the lock, with its digests waited for. */
static void event_here(sink_worker *w, const tr_event *e)
{
    sink_worker_drain(w, 0);
    w->settled = *e;
    tr_ev_resolve_digests(&w->settled);
    pthread_mutex_lock(&w->lock);
    for (int i = 0; i < w->n; i++)
        if (w->inner[i].on_event)
            w->inner[i].on_event(w->inner[i].self, &w->settled);
    pthread_mutex_unlock(&w->lock);
}

static void on_event(void *self, const tr_event *e)
{
    sink_worker *w = self;
    const tr_session *s = e->session;
    size_t n = event_blob_pack(e, w->blob, TR_JOB_DATA_MAX - (s ? sizeof *s : 0));
    if (n)
        relay(w, s ? C_EVENT : C_EVENT_NOSESSION, TR_NODIR, s, 0, w->blob, n);
    else
        event_here(w, e);
}

static void on_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    sink_worker *w = self;
    int slot = slot_of(w, s);
    uint64_t streamed = slot >= 0 ? (uint64_t)(uintptr_t)s->sink_data[slot] : w->stream_cap;
    size_t room = TR_JOB_DATA_MAX - sizeof *s;
    while (n && streamed < w->stream_cap) {
        size_t take = n < room ? n : room;
        if (take > w->stream_cap - streamed)
            take = (size_t)(w->stream_cap - streamed);
        relay(w, C_STREAM, dir, s, 0, p, take);
        streamed += take;
        p += take;
        n -= take;
    }
    if (slot >= 0)
        s->sink_data[slot] = (void *)(uintptr_t)streamed;
    if (n)
        relay(w, C_STREAM_UNCOPIED, dir, s, n, NULL, 0);
}

static void on_gap(void *self, tr_session *s, int dir, uint64_t n) { relay(self, C_GAP, dir, s, n, NULL, 0); }

static void on_file_open(void *self, tr_session *s, const char *relpath)
{
    char path[4096]; /* paths the exporter makes are far shorter: a job stays small whatever comes */
    snprintf(path, sizeof path, "%s", relpath);
    relay(self, C_FILE_OPEN, TR_NODIR, s, 0, path, strlen(path) + 1);
}

static void on_object(void *self, tr_session *s, int dir, uint64_t start, uint64_t end, const char *label,
                      const char *relpath)
{
    /* the end, then the label and the path, each ended by a NUL ("" for none) */
    uint8_t buf[4096];
    size_t nl = label ? strnlen(label, 64) : 0, np = relpath ? strnlen(relpath, sizeof buf - 8 - nl - 2) : 0;
    memcpy(buf, &end, 8);
    memcpy(buf + 8, label ? label : "", nl);
    buf[8 + nl] = '\0';
    memcpy(buf + 9 + nl, relpath ? relpath : "", np);
    buf[9 + nl + np] = '\0';
    relay(self, C_OBJECT, dir, s, start, buf, 10 + nl + np);
}

static void on_packet(void *self, tr_session *s, int64_t ts_us, size_t payload_len)
{
    sink_worker *w = self;
    w->packets[w->npackets++] = (packet_note){ts_us, payload_len, s->id};
    if (w->npackets == PACKETS_BATCH)
        flush_packets(w);
}

static void on_close(void *self, tr_session *s) { relay(self, C_CLOSE, TR_NODIR, s, 0, NULL, 0); }

tr_sink sink_worker_sink(sink_worker *w)
{
    tr_sink k;
    memset(&k, 0, sizeof k);
    k.self = w;
    k.takes_digest_tickets = 1; /* the blob carries them; the worker reads each after its hashing ran */
    k.on_event = on_event;
    k.on_session_open = on_open;
    k.on_stream = on_stream;
    k.on_stream_gap = on_gap;
    k.on_file_open = on_file_open;
    k.on_stream_object = on_object;
    k.on_packet = on_packet;
    k.on_session_close = on_close;
    return k;
}
