#include "object.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_worker.h"

#define FILE_NOT_YET (-2) /* the exporter is asked at the first decoded byte, so empty objects make no files */
#define DECODE_SLICE 8192 /* encoded bytes base64 and quoted-printable decode at once, into a buffer on the stack */

/* An object decoded on the worker thread: its copy there, what anomalies name, and the results the owner's event
 * takes from it. Made by the engine at the object's start; after that only the worker's jobs touch it, up to the one
 * that frees it, queued after the event's line. */
typedef struct obj_remote {
    obj o;             /* first: an obj with on_worker set is one of these */
    tr_session snap;   /* the session's id, transport, endpoints and protocol, as anomalies show them */
    int64_t ts;        /* of the bytes being decoded */
    int complete;      /* from the end job */
    char hex[SHA256_HEX_LEN + 1];
} obj_remote;

static void obj_anomaly(obj *o, tr_session *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void obj_anomaly(obj *o, tr_session *s, const char *name, const char *fmt, ...)
{
    if (!name)
        return; /* the owner has no name for it */
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (o->on_worker) {
        const obj_remote *r = (const obj_remote *)o;
        tr_anomaly_on_worker(&r->snap, o->dir, r->ts, name, "%s", detail);
    } else {
        tr_anomaly(s->ctx, s, o->dir, name, "%s", detail);
    }
}

static const char *content_name(const obj *o) { return o->content == OBJ_CE_GZIP ? "gzip" : "deflate"; }
static const char *noun(const obj *o) { return o->words && o->words->noun ? o->words->noun : "object"; }
#define WORD(o, member) ((o)->words ? (o)->words->member : NULL)

/* ---- memory counted against --memcap ---- */

/* The inflater's state (its tables and a 64 KB history buffer) is counted on the engine's copy of the object from
 * its first compressed byte to its end: the same whichever thread decodes it, so what --memcap ends does not depend
 * on the threads' timing. */
static void inflater_count(obj *o, tr_session *s)
{
    if (!o->inflater_counted) {
        o->inflater_counted = 1;
        s->state_extra += inflater_state_bytes();
    }
}

static void inflater_uncount(obj *o, tr_session *s)
{
    if (o->inflater_counted) {
        o->inflater_counted = 0;
        s->state_extra -= inflater_state_bytes();
    }
}

/* ---- the running object ---- */

/* The object's fields as an object begins (its hash is begun by the caller). */
static void object_reset(obj *o, int dir, const obj_spec *spec, int on_worker)
{
    memset(o, 0, offsetof(obj, z));
    o->on_worker = (uint8_t)on_worker;
    if (spec->content != OBJ_CE_IDENTITY)
        inflater_begin(&o->z, spec->content, on_worker);
    o->file = FILE_NOT_YET;
    o->dir = (int8_t)dir;
    o->transfer = spec->transfer;
    o->content = spec->content;
    o->max_len = spec->max_len;
    o->max_ratio = spec->max_ratio;
    o->words = spec->words;
    o->tee = spec->tee;
    o->tee_arg = spec->tee_arg;
    o->active = 1;
    o->extract = spec->name != NULL;
    if (spec->name)
        snprintf(o->name, sizeof o->name, "%s", spec->name);
    switch (o->transfer) {
    case OBJ_TE_CHUNKED: chunked_begin(&o->te.chunk); break;
    case OBJ_TE_BASE64: base64_stream_begin(&o->te.b64); break;
    case OBJ_TE_QP: qp_begin(&o->te.qp); break;
    default: break;
    }
}

/* Decoded bytes: counted, hashed, extracted and teed. Returns 0 once max_len stops the object. */
static int output(obj *o, tr_session *s, const uint8_t *p, size_t n)
{
    if (o->capped)
        return 0;
    if (!n)
        return 1;
    if (o->max_len && n > o->max_len - o->len) {
        n = (size_t)(o->max_len - o->len);
        o->capped = 1;
        o->broken = 1;
        obj_anomaly(o, s, WORD(o, too_large), "decoded %s passed %llu bytes; the rest is not decoded", noun(o),
                    (unsigned long long)o->max_len);
    }
    /* a decompression bomb (libhtp's guard): past the ratio, once the output is large, inflating stops */
    if (o->content != OBJ_CE_IDENTITY && o->max_ratio && o->len + n > TR_INFLATE_RATIO_FROM &&
        (o->len + n) / o->max_ratio > (o->zin ? o->zin : 1)) {
        o->capped = 1;
        o->broken = 1;
        obj_anomaly(o, s, WORD(o, bomb) ? WORD(o, bomb) : WORD(o, too_large),
                    "%s %s: %llu compressed bytes decoded to more than %llu (a ratio past %u:1): the rest is not decoded",
                    content_name(o), noun(o), (unsigned long long)o->zin, (unsigned long long)(o->len + n),
                    o->max_ratio);
        return 0;
    }
    if (!o->on_worker && o->extract) { /* on the worker there is no exporter (tr_ctx.results_on_worker) */
        if (o->file == FILE_NOT_YET) {
            o->file = tr_file_open(s, o->name, o->relpath, sizeof o->relpath);
            o->file_new = o->relpath[0] != '\0';
        }
        tr_file_write(s, o->file, p, n);
    }
    sha256_update(&o->hash, p, n);
    o->len += n;
    if (o->tee) /* last: what it does (decoding another object) cannot disturb these bytes' way */
        o->tee(o->tee_arg, p, n);
    return !o->capped;
}

/* The inflater's sink: its bytes are the object's; its failure makes it broken. */
typedef struct sink_arg {
    obj *o;
    tr_session *s;
} sink_arg;

static int sink_bytes(void *arg, const uint8_t *p, size_t n)
{
    sink_arg *a = arg;
    return output(a->o, a->s, p, n);
}

static void sink_failed(void *arg, int failure, const char *why)
{
    sink_arg *a = arg;
    obj *o = a->o;
    if (failure == INFLATER_NO_MEMORY)
        obj_anomaly(o, a->s, WORD(o, decode_error), "%s", why);
    else
        obj_anomaly(o, a->s, WORD(o, decode_error), "%s %s: %s", content_name(o), noun(o), why);
    if (failure == INFLATER_BAD_DATA)
        o->undecodable = 1; /* what came out before the error depends on how the input was cut */
    o->broken = 1;
}

/* Bytes after transfer decoding, decoded on this thread (the engine's, or the worker's for its copy). */
static void content_here(obj *o, tr_session *s, const uint8_t *p, size_t n)
{
    if (o->content == OBJ_CE_IDENTITY) {
        output(o, s, p, n);
        return;
    }
    if (o->broken || o->capped) /* a compressed stream cannot go on past a hole */
        return;
    sink_arg a = {o, s};
    inflater_sink out = {sink_bytes, sink_failed, &a};
    o->zin += n;
    inflater_feed(&o->z, p, n, &out);
}

/* ---- on the worker: a remote object's jobs ---- */

static int end_checks(obj *o, tr_session *s, int transfer_complete);

static void run_feed(const tr_job *job, const uint8_t *data)
{
    obj_remote *r = job->obj;
    r->ts = job->at;
    content_here(&r->o, NULL, data, job->len);
}

static void run_lost(const tr_job *job, const uint8_t *data)
{
    (void)data;
    obj_remote *r = job->obj;
    r->o.broken = 1;
}

static void run_end(const tr_job *job, const uint8_t *data)
{
    (void)data;
    obj_remote *r = job->obj;
    r->ts = job->at;
    obj *o = &r->o;
    o->active = 0;
    int complete = end_checks(o, NULL, job->iarg);
    if (complete)
        complete = sha256_finish_hex(&o->hash, r->hex) == 0;
    else
        sha256_abort(&o->hash);
    r->complete = complete;
    inflater_release(&o->z);
}

static void run_free(const tr_job *job, const uint8_t *data)
{
    (void)data;
    obj_remote *r = job->obj;
    inflater_release(&r->o.z);
    sha256_release(&r->o.hash);
    free(r);
}

/* The owner's three fields, as it adds them from an obj_result. */
static void remote_fields(const void *arg, tr_event *e)
{
    const obj_remote *r = arg;
    const obj_words *w = r->o.words;
    if (!r->o.undecodable)
        tr_ev_int(e, w->len_key, (int64_t)r->o.len);
    if (r->complete && r->hex[0])
        tr_ev_str(e, w->sha256_key, r->hex);
    tr_ev_bool(e, w->complete_key, r->complete);
}

/* ---- on the engine's thread ---- */

/* A compressed object goes to the worker when the ctx lets results wait for it and the worker has time; one with a
 * tee stays here, where its tee runs. */
static obj_remote *remote_begin(tr_session *s, int dir, const obj_spec *spec)
{
    if (spec->content == OBJ_CE_IDENTITY || spec->tee || !spec->words || !s->ctx || !s->ctx->results_on_worker ||
        !tr_worker_running() || tr_worker_behind())
        return NULL;
    obj_remote *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    memset(&r->o, 0, sizeof r->o);
    obj_spec there = *spec;
    there.transfer = OBJ_TE_IDENTITY; /* the transfer coding is undone here: it frames the owner's stream */
    there.name = NULL;                /* and the exporter is not there */
    there.tee = NULL;
    object_reset(&r->o, dir, &there, 1);
    if (sha256_begin_here(&r->o.hash) != 0) /* the worker's own thread hashes it: no job per update */
        r->o.broken = 1;
    memset(&r->snap, 0, sizeof r->snap);
    r->snap.id = s->id;
    r->snap.l4 = s->l4;
    r->snap.client = s->client;
    r->snap.server = s->server;
    r->snap.dis = s->dis;
    r->ts = 0;
    r->complete = 0;
    r->hex[0] = '\0';
    return r;
}

static void remote_job(obj *o, tr_session *s, void (*run)(const tr_job *, const uint8_t *), int iarg)
{
    tr_job job = {.run = run, .obj = o->remote, .iarg = iarg, .at = s && s->ctx ? s->ctx->now_us : 0};
    tr_worker_push(&job, NULL);
}

static void remote_let_go(obj *o, tr_session *s)
{
    if (!o->remote)
        return;
    remote_job(o, s, run_free, 0); /* after the jobs before it, the event's line among them */
    o->remote = NULL;
}

void obj_begin(obj *o, tr_session *s, int dir, const obj_spec *spec)
{
    if (o->active && !o->remote) { /* an earlier object that was never ended: incomplete, its file closed */
        sha256_abort(&o->hash);
        if (o->file >= 0)
            tr_file_close(s, o->file, 0);
    }
    remote_let_go(o, s);   /* an earlier object's, if its owner's event went out without obj_done */
    inflater_uncount(o, s); /* and its count, if it did not end */
    obj_spec sp = *spec;
    if (!sp.max_ratio) /* the context's guard against decompression bombs */
        sp.max_ratio = s && s->ctx ? s->ctx->inflate_max_ratio : TR_INFLATE_MAX_RATIO_DEFAULT;
    spec = &sp;
    object_reset(o, dir, spec, 0);
    o->remote = remote_begin(s, dir, spec);
    if (!o->remote && sha256_begin(&o->hash) != 0) /* a worker's object is hashed there */
        o->broken = 1;
}

/* Bytes after transfer decoding (still content-coded). */
static void content_feed(obj *o, tr_session *s, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (o->content == OBJ_CE_IDENTITY) { /* most objects: straight out, never the worker's */
        output(o, s, p, n);
        return;
    }
    inflater_count(o, s);
    if (o->remote) {
        tr_job job = {.run = run_feed, .obj = o->remote, .at = s->ctx ? s->ctx->now_us : 0};
        tr_worker_push_split(&job, p, n);
        return;
    }
    content_here(o, s, p, n);
}

/* Chunked: data runs go on as they come; framing lines are taken whole. Not inlined, nor is the next: obj_feed stays
 * a light dispatch for the identity objects that are most of them. */
__attribute__((noinline)) static size_t chunked_feed(obj *o, tr_session *s, const uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) { /* every step but the last takes at least a byte */
        size_t used;
        int r = chunked_step(&o->te.chunk, p + done, n - done, &used);
        if (r == CHUNKED_MORE)
            break;
        done += used;
        if (r == CHUNKED_DATA) {
            content_feed(o, s, p + done - used, used);
            if (o->file_new)
                break;
        } else if (r != CHUNKED_FRAME) {
            break; /* the last chunk, or a framing error: the owner reads on */
        }
    }
    return done;
}

/* base64 and quoted-printable: decoded a slice at a time into a buffer on the stack (a tee may feed another object,
 * so nothing static). */
__attribute__((noinline)) static void text_coding_feed(obj *o, tr_session *s, const uint8_t *p, size_t n)
{
    uint8_t buf[QP_OUT_MAX(DECODE_SLICE)];
    _Static_assert(BASE64_OUT_MAX(DECODE_SLICE) <= QP_OUT_MAX(DECODE_SLICE), "the buffer holds either's output");
    for (size_t off = 0; off < n; off += DECODE_SLICE) {
        size_t k = n - off < DECODE_SLICE ? n - off : DECODE_SLICE;
        size_t w = o->transfer == OBJ_TE_BASE64 ? base64_stream_decode(&o->te.b64, p + off, k, buf)
                                                : qp_decode(&o->te.qp, p + off, k, buf);
        content_feed(o, s, buf, w);
    }
}

size_t obj_feed(obj *o, tr_session *s, const uint8_t *p, size_t n)
{
    o->file_new = 0;
    if (!o->active || !n)
        return n;
    if (o->transfer == OBJ_TE_IDENTITY) {
        content_feed(o, s, p, n);
        return n;
    }
    if (o->transfer == OBJ_TE_CHUNKED)
        return chunked_feed(o, s, p, n);
    text_coding_feed(o, s, p, n);
    return n;
}

int obj_framing(const obj *o)
{
    if (o->transfer != OBJ_TE_CHUNKED)
        return OBJ_FRAMING_RUNNING;
    if (chunked_ended(&o->te.chunk))
        return OBJ_FRAMING_ENDED;
    return o->te.chunk.error != CHUNKED_OK ? OBJ_FRAMING_BAD : OBJ_FRAMING_RUNNING;
}

int obj_framing_error(const obj *o) { return o->transfer == OBJ_TE_CHUNKED ? o->te.chunk.error : CHUNKED_OK; }

int obj_gap(obj *o, tr_session *s, uint64_t n)
{
    if (!o->active)
        return 1;
    /* a compressed stream cannot go on past a hole; identity bytes are still counted and extracted */
    o->broken = 1;
    if (o->remote)
        remote_job(o, NULL, run_lost, 0);
    (void)s;
    switch (o->transfer) {
    case OBJ_TE_CHUNKED:
        return chunked_gap(&o->te.chunk, n);
    case OBJ_TE_BASE64: /* the text after a hole begins a new quantum, a new escape */
        o->te.b64.acc = 0;
        o->te.b64.have = 0;
        return 1;
    case OBJ_TE_QP: {
        uint32_t bad = o->te.qp.bad;
        qp_begin(&o->te.qp);
        o->te.qp.bad = bad;
        return 1;
    }
    default:
        return 1;
    }
}

/* What a text coding held at the end (an unpadded last quantum, an unfinished escape). */
static void transfer_finish(obj *o, tr_session *s)
{
    uint8_t tail[QP_PAD_MAX + 3];
    size_t w = 0;
    if (o->transfer == OBJ_TE_BASE64)
        w = base64_stream_finish(&o->te.b64, tail);
    else if (o->transfer == OBJ_TE_QP)
        w = qp_finish(&o->te.qp, tail);
    content_feed(o, s, tail, w);
}

/* Whether the object is complete as far as its transfer and decoding tell (the digest aside); says why not. */
static int end_checks(obj *o, tr_session *s, int transfer_complete)
{
    int complete = transfer_complete && !o->broken;
    if (complete && o->content != OBJ_CE_IDENTITY && inflater_input_seen(&o->z) && !inflater_ended(&o->z)) {
        obj_anomaly(o, s, WORD(o, truncated), "the %s stream stopped before its end", content_name(o));
        complete = 0;
    }
    return complete;
}

int obj_end(obj *o, tr_session *s, int transfer_complete, obj_result *r)
{
    memset(r, 0, sizeof *r);
    r->len = o->len;
    r->len_known = !o->undecodable;
    if (!o->active)
        return 0;
    if (o->transfer == OBJ_TE_CHUNKED && !chunked_ended(&o->te.chunk))
        transfer_complete = 0;
    transfer_finish(o, s);
    o->active = 0;
    inflater_uncount(o, s); /* the inflater's ~90 KB go back now, not when the connection ends */
    if (o->remote) {        /* the worker decides; the event takes it from there (obj_later_fields) */
        remote_job(o, s, run_end, transfer_complete);
        return 0;
    }
    int complete = end_checks(o, s, transfer_complete);
    if (complete)
        complete = sha256_finish_later(&o->hash, &r->sha256) == 0;
    else
        sha256_abort(&o->hash);
    if (o->file >= 0)
        tr_file_close(s, o->file, complete);
    o->file = FILE_NOT_YET;
    inflater_release(&o->z); /* idle sessions stay small */
    r->len = o->len;
    r->len_known = !o->undecodable; /* the end checks may have found it bad */
    r->complete = (uint8_t)complete;
    return complete;
}

int obj_later_fields(const obj *o, tr_event *e)
{
    if (!o->remote)
        return 0;
    tr_ev_later(e, remote_fields, o->remote);
    return 1;
}

void obj_done(obj *o, tr_session *s) { remote_let_go(o, s); }

void obj_release(obj *o, tr_session *s)
{
    remote_let_go(o, s);
    inflater_uncount(o, s);
    if (o->active && o->file >= 0)
        tr_file_close(s, o->file, 0);
    o->active = 0;
    inflater_release(&o->z);
    sha256_release(&o->hash);
}
