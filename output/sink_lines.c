#include "sink_lines.h"

#include <stdlib.h>

#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_present.h"
#include "../core/tr_worker.h"
#include "event_blob.h"
#include "tr_format.h"

#define LINE_MAX_BYTES (4u << 20)

void sink_lines_init(sink_lines *l, FILE *out, int format, int with_files)
{
    l->out = out;
    l->format = format;
    l->with_files = with_files;
    l->defer_digests = 0;
    l->use_worker = 0;
    l->blob = NULL;
    l->view = NULL;
    atomic_init(&l->worker_write_failed, 0);
    tr_sb_init(&l->sb, LINE_MAX_BYTES);
    tr_sb_init(&l->wsb, LINE_MAX_BYTES);
    memset(l->runs, 0, sizeof l->runs);
    l->run_clock = 0;
    tr_sb_init(&l->fold, SINK_LINES_RUN_HEAD + SINK_LINES_RUN_KEY + 64);
    tr_sb_init(&l->fold_key, SINK_LINES_RUN_KEY + 1);
    digest_lines_init(&l->queue, out);
}

void sink_lines_defer_digests(sink_lines *l, int on) { l->defer_digests = on; }

static void worker_line(void *self, const tr_event *e);

void sink_lines_use_worker(sink_lines *l, int on)
{
    if (on && !l->blob) {
        l->blob = malloc(TR_JOB_DATA_MAX);
        l->view = malloc(sizeof *l->view);
        if (!l->blob || !l->view) { /* then lines stay on this thread */
            free(l->blob);
            free(l->view);
            l->blob = NULL;
            l->view = NULL;
            on = 0;
        }
    }
    l->use_worker = on;
    tr_worker_lines_set(on ? worker_line : NULL, on ? l : NULL);
}

static void format(const sink_lines *l, const tr_event *e, tr_strbuf *sb, tr_digest_holes *holes)
{
    if (l->format == SINK_LINES_JSON)
        tr_format_json_holes(e, l->with_files, sb, holes);
    else
        tr_format_text_holes(e, sb, holes);
}

/* ---- on the worker ---- */

static void worker_put(sink_lines *l, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, l->out) != n)
        atomic_store_explicit(&l->worker_write_failed, 1, memory_order_relaxed);
}

/* An event's line, formatted and written on the worker: one the engine flattened (run_format), or one found
 * there (an anomaly of a body it decodes), in its place. */
static void worker_line(void *self, const tr_event *e)
{
    sink_lines *l = self;
    tr_sb_reset(&l->wsb);
    format(l, e, &l->wsb, NULL);
    worker_put(l, l->wsb.p, l->wsb.len);
}

static void run_format(const tr_job *job, const uint8_t *data)
{
    sink_lines *l = job->obj;
    event_blob_unpack(data, job->len, l->view);
    worker_line(l, &l->view->e);
}

static void run_write(const tr_job *job, const uint8_t *data)
{
    sink_lines *l = job->obj;
    worker_put(l, data, job->len);
}

/* ---- on the engine's thread ---- */

/* e, or a copy with its TR_F_LATER fields filled in (after waiting for the worker): for formatting here. */
static const tr_event *settled(const tr_event *e)
{
    static tr_event copy;
    for (int i = 0; i < e->nf; i++)
        if (e->f[i].type == TR_F_LATER) {
            copy = *e;
            tr_ev_resolve_digests(&copy);
            return &copy;
        }
    return e;
}

/* The event to the worker: flattened, or as text formatted here while the worker is behind (when it carries no
 * digest, which here would mean waiting) or when it is too large for a job. */
static void to_worker(sink_lines *l, const tr_event *e)
{
    if (!tr_worker_behind() || tr_ev_has_digest_tickets(e)) { /* the fields are looked at only when behind */
        size_t n = event_blob_pack(e, l->blob, TR_JOB_DATA_MAX);
        if (n) {
            tr_job job = {.run = run_format, .obj = l, .len = (uint32_t)n};
            tr_worker_push(&job, l->blob);
            return;
        }
    }
    tr_sb_reset(&l->sb);
    format(l, settled(e), &l->sb, NULL); /* digests and later fields, if any, waited for */
    tr_job job = {.run = run_write, .obj = l};
    tr_worker_push_split(&job, l->sb.p, l->sb.len);
}

/* A line formatted here, written in its place among the others. */
static void put_line(sink_lines *l, const tr_strbuf *sb)
{
    if (l->use_worker && tr_worker_running()) {
        tr_job job = {.run = run_write, .obj = l};
        tr_worker_push_split(&job, sb->p, sb->len);
    } else {
        digest_lines_put(&l->queue, sb, NULL);
    }
}

/* ---- -T text: runs of like events folded (tr_presenter's text_fold) ---- */

/* A run ends: when events were counted after its first, one line says how many, and their bytes. */
static void run_close(sink_lines *l, sink_lines_run *r)
{
    if (r->more) {
        tr_strbuf *sb = &l->fold;
        tr_sb_reset(sb);
        tr_sb_add(sb, r->head, r->head_len);
        tr_sb_addc(sb, ' ');
        tr_sb_add(sb, r->key, r->key_len);
        tr_sb_adds(sb, " more=");
        tr_sb_add_u64(sb, r->more);
        if (r->bytes) {
            tr_sb_adds(sb, " bytes=");
            tr_sb_add_u64(sb, r->bytes);
        }
        tr_sb_addc(sb, '\n');
        put_line(l, sb);
    }
    r->used = 0;
}

/* Whether the event is folded into a run (and so not written); ends the runs it interrupts: its session's in its
 * direction (all of its session's when it has none), but the one it joins. */
static int fold(sink_lines *l, const tr_event *e)
{
    const tr_session *s = e->session;
    uint64_t sid = s ? s->id : 0, bytes = 0;
    const tr_dissector *d = s && e->dir != TR_NODIR && e->proto ? tr_dissector_find(e->proto) : NULL;
    tr_strbuf *key = &l->fold_key;
    tr_sb_reset(key);
    int foldable = d && d->present && d->present->text_fold && d->present->text_fold(e, key, &bytes) == 1 &&
                   key->len > 0 && key->len <= SINK_LINES_RUN_KEY;
    sink_lines_run *same = NULL, *slot = NULL;
    for (int i = 0; i < SINK_LINES_RUNS; i++) {
        sink_lines_run *r = &l->runs[i];
        if (r->used && r->session == sid && (e->dir == TR_NODIR || r->dir == e->dir)) {
            if (foldable && r->key_len == key->len && memcmp(r->key, key->p, key->len) == 0)
                same = r;
            else
                run_close(l, r);
        }
        if (r != same && (!slot || (slot->used && r->used < slot->used)))
            slot = r; /* a free one, else the one added to longest ago */
    }
    if (!foldable)
        return 0;
    if (same) {
        tr_sb_reset(&l->fold);
        tr_format_text_head(e, &l->fold);
        if (l->fold.len <= SINK_LINES_RUN_HEAD) {
            memcpy(same->head, l->fold.p, l->fold.len);
            same->head_len = (uint16_t)l->fold.len;
            same->more++;
            same->bytes += bytes;
            same->used = ++l->run_clock;
            return 1;
        }
        run_close(l, same); /* a line start too long to keep: this one is written as it is */
        return 0;
    }
    /* a new run: this event is written, the next like it are counted */
    if (slot->used) /* every run is open: the one added to longest ago ends */
        run_close(l, slot);
    memset(slot, 0, sizeof *slot);
    slot->session = sid;
    slot->dir = e->dir;
    slot->key_len = (uint8_t)key->len;
    memcpy(slot->key, key->p, key->len);
    slot->used = ++l->run_clock;
    return 0;
}

static void runs_close(sink_lines *l)
{
    for (int i = 0; i < SINK_LINES_RUNS; i++)
        if (l->runs[i].used)
            run_close(l, &l->runs[i]);
}

static void lines_on_event(void *self, const tr_event *e)
{
    sink_lines *l = self;
    if (l->format == SINK_LINES_TEXT && fold(l, e))
        return;
    if (l->use_worker && tr_worker_running()) {
        to_worker(l, e);
        return;
    }
    tr_sb_reset(&l->sb);
    tr_digest_holes holes = {.n = 0};
    format(l, settled(e), &l->sb, l->defer_digests ? &holes : NULL);
    digest_lines_put(&l->queue, &l->sb, &holes);
}

void sink_lines_drain(sink_lines *l)
{
    runs_close(l);
    if (l->use_worker && tr_worker_running())
        tr_worker_flush();
    digest_lines_drain(&l->queue);
}

int sink_lines_write_failed(sink_lines *l)
{
    if (atomic_load_explicit(&l->worker_write_failed, memory_order_relaxed))
        return 1;
    return !(l->use_worker && tr_worker_running()) && ferror(l->out);
}

tr_sink sink_lines_sink(sink_lines *l)
{
    tr_sink k = {0};
    k.self = l;
    k.on_event = lines_on_event;
    k.takes_digest_tickets = l->defer_digests;
    return k;
}

void sink_lines_free(sink_lines *l)
{
    if (l->use_worker)
        tr_worker_lines_set(NULL, NULL);
    digest_lines_free(&l->queue);
    tr_sb_free(&l->sb);
    tr_sb_free(&l->wsb);
    tr_sb_free(&l->fold);
    tr_sb_free(&l->fold_key);
    free(l->blob);
    free(l->view);
    l->blob = NULL;
    l->view = NULL;
}
