#include "http_body.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>

#include "../core/tr_buf.h"
#include "../core/tr_pool.h"
#include "../core/tr_worker.h"
#include "gzip_member.h"
#include "textline.h"

#define FILE_NOT_YET (-2) /* the exporter is asked on the first decoded byte, so empty bodies make no files */

/* An object decoded on the worker thread: its copy of the body there, what anomalies name, and the results the
 * message's event takes from it. Made by the engine at the object's start; after that only the worker's jobs
 * touch it, up to the one that frees it, queued after the event's line. */
typedef struct http_body_remote {
    http_body b;       /* first: a body with on_worker set is one of these */
    tr_session snap;   /* the session's id, transport, endpoints and protocol, as anomalies show them */
    int dir;
    int64_t ts;        /* of the bytes being decoded */
    int complete;      /* from the end job */
    char hex[SHA256_HEX_LEN + 1];
} http_body_remote;

static void body_anomaly(http_body *b, tr_session *s, int dir, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void body_anomaly(http_body *b, tr_session *s, int dir, const char *name, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (b->on_worker) {
        const http_body_remote *r = (const http_body_remote *)b;
        tr_anomaly_on_worker(&r->snap, r->dir, r->ts, name, "%s", detail);
    } else {
        tr_anomaly(s->ctx, s, dir, name, "%s", detail);
    }
}

int http_coding_from_header(const char *v, size_t n, int *unsupported)
{
    int coding = HTTP_CODING_IDENTITY, codings = 0;
    *unsupported = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t' && v[i] != ';')
            i++;
        size_t len = i - start;
        while (i < n && v[i] != ',') /* parameters are not used by any coding we undo */
            i++;
        if (!len)
            continue;
        const uint8_t *t = (const uint8_t *)v + start;
        if (len == 8 && textline_starts(t, len, "identity"))
            continue;
        codings++;
        if ((len == 4 && textline_starts(t, len, "gzip")) || (len == 6 && textline_starts(t, len, "x-gzip")))
            coding = HTTP_CODING_GZIP;
        else if (len == 7 && textline_starts(t, len, "deflate"))
            coding = HTTP_CODING_DEFLATE;
        else
            *unsupported = 1;
    }
    if (codings > 1) /* stacked codings are so rare that undoing only some would mislead */
        *unsupported = 1;
    return *unsupported ? HTTP_CODING_IDENTITY : coding;
}

/* The inflater's state (its tables and a 64 KB history buffer) is taken from a pool while an object is
 * decoded, and counted against --memcap on the engine's copy of the object from its first compressed byte to its
 * end: the same whichever thread decodes it, so what --memcap ends does not depend on the threads' timing. */
#define INFLATE_STATE_BYTES sizeof(struct inflate_state)

static void inflater_count(http_body *b, tr_session *s)
{
    if (!b->inflater_counted) {
        b->inflater_counted = 1;
        s->state_extra += INFLATE_STATE_BYTES;
    }
}

static void inflater_uncount(http_body *b, tr_session *s)
{
    if (b->inflater_counted) {
        b->inflater_counted = 0;
        s->state_extra -= INFLATE_STATE_BYTES;
    }
}

static void remote_let_go(http_body *b, tr_session *s);

/* The object's fields as an object begins (its hash is begun by the caller). */
static void object_reset(http_body *b, int coding, const char *name)
{
    memset(b, 0, offsetof(http_body, z));
    b->file = FILE_NOT_YET;
    b->coding = (uint8_t)coding;
    b->active = 1;
    snprintf(b->name, sizeof b->name, "%s", name ? name : "");
}

/* A compressed object goes to the worker when the ctx lets results wait for it and the worker has time. */
static http_body_remote *remote_begin(tr_session *s, int dir, int coding, const char *name)
{
    if (coding == HTTP_CODING_IDENTITY || !s->ctx || !s->ctx->results_on_worker || !tr_worker_running() ||
        tr_worker_behind())
        return NULL;
    http_body_remote *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->b.z = NULL;
    memset(&r->b.hash, 0, sizeof r->b.hash);
    object_reset(&r->b, coding, name);
    if (sha256_begin_here(&r->b.hash) != 0) /* the worker's own thread hashes it: no job per update */
        r->b.broken = 1;
    r->b.on_worker = 1;
    r->b.remote = NULL;
    memset(&r->snap, 0, sizeof r->snap);
    r->snap.id = s->id;
    r->snap.l4 = s->l4;
    r->snap.client = s->client;
    r->snap.server = s->server;
    r->snap.dis = s->dis;
    r->dir = dir;
    r->ts = 0;
    r->complete = 0;
    r->hex[0] = '\0';
    return r;
}

void http_body_begin(http_body *b, tr_session *s, int dir, int coding, const char *name)
{
    remote_let_go(b, s); /* an earlier object's, if its message ended without http_body_done */
    inflater_uncount(b, s); /* and its count, if it did not end */
    object_reset(b, coding, name);
    b->remote = remote_begin(s, dir, coding, name);
    if (!b->remote && sha256_begin(&b->hash) != 0) /* a worker's object is hashed there */
        b->broken = 1;
}

/* Decoded bytes: counted, hashed and extracted. */
static void body_output(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    if (b->capped || !n)
        return;
    if (n > HTTP_BODY_DECODED_MAX - b->len) {
        n = (size_t)(HTTP_BODY_DECODED_MAX - b->len);
        b->capped = 1;
        b->broken = 1;
        body_anomaly(b, s, dir, "http_body_too_large", "decoded body passed %llu bytes; the rest is not decoded",
                     (unsigned long long)HTTP_BODY_DECODED_MAX);
    }
    if (!b->on_worker) { /* on the worker there is no exporter (tr_ctx.results_on_worker) */
        if (b->file == FILE_NOT_YET)
            b->file = tr_file_open(s, b->name, b->relpath, sizeof b->relpath);
        tr_file_write(s, b->file, p, n);
    }
    sha256_update(&b->hash, p, n);
    b->len += n;
}

static tr_pool inflaters = TR_POOL_INIT(sizeof(struct inflate_state), 16);        /* the engine's */
static tr_pool worker_inflaters = TR_POOL_INIT(sizeof(struct inflate_state), 16); /* the worker's */

static tr_pool *inflater_pool(const http_body *b) { return b->on_worker ? &worker_inflaters : &inflaters; }

static void inflate_end(http_body *b)
{
    if (!b->z)
        return;
    tr_pool_give(inflater_pool(b), b->z);
    b->z = NULL;
}

/* format: ISAL_ZLIB or ISAL_DEFLATE (raw; also inside a gzip member, whose framing is gzip_member's). */
static int inflate_start(http_body *b, tr_session *s, int dir, uint32_t format)
{
    if (!b->z) {
        b->z = tr_pool_take(inflater_pool(b));
        if (!b->z) {
            body_anomaly(b, s, dir, "http_decompress_error", "no memory for the inflater");
            b->broken = 1;
            return -1;
        }
        isal_inflate_init(b->z);
    } else {
        isal_inflate_reset(b->z);
    }
    b->z->crc_flag = format;
    b->deflate_ended = 0;
    return 0;
}

static const char *inflate_error(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid block";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "bad data";
    }
}

static void decode_failed(http_body *b, tr_session *s, int dir, const char *why)
{
    body_anomaly(b, s, dir, "http_decompress_error", "%s body: %s", b->coding == HTTP_CODING_GZIP ? "gzip" : "deflate",
                 why);
    b->broken = 1;
}

/* Inflates from p[0..n) until the input is used up or the deflate stream ends (b->deflate_ended); returns
 * the bytes taken, so what follows the stream (a gzip trailer, another member) is left to the caller. */
static size_t inflate_some(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    static uint8_t engine_out[32768], worker_out[32768]; /* one for each thread */
    uint8_t *out = b->on_worker ? worker_out : engine_out;
    enum { OUT_BYTES = sizeof engine_out };
    struct inflate_state *z = b->z;
    uint32_t chunk = n < (1u << 30) ? (uint32_t)n : (1u << 30);
    z->next_in = (uint8_t *)(uintptr_t)p; /* ISA-L only reads input; its API is not const-qualified */
    z->avail_in = chunk;
    for (;;) {
        z->next_out = out;
        z->avail_out = OUT_BYTES;
        int rc = isal_inflate(z);
        size_t got = OUT_BYTES - z->avail_out;
        if (b->coding == HTTP_CODING_GZIP)
            gzip_member_decoded(&b->gz, out, got);
        body_output(b, s, dir, out, got);
        if (rc != ISAL_DECOMP_OK) {
            decode_failed(b, s, dir, inflate_error(rc));
            b->undecodable = 1; /* what came out before the error depends on how the input was cut */
            break;
        }
        if (z->block_state == ISAL_BLOCK_FINISH) { /* bytes it read past the end: see trailer_from_read_ahead */
            b->deflate_ended = 1;
            break;
        }
        /* it returns when the input is used up or the output is full */
        if (b->capped || z->avail_out != 0)
            break;
    }
    size_t used = chunk - z->avail_in;
    z->next_in = NULL;
    z->avail_in = 0;
    return used;
}

/* In raw deflate mode ISA-L keeps the whole bytes it read past the end of the deflate data in its bit buffer
 * (read_in, least significant bit first, after the padding bits of the data's last byte) instead of giving
 * them back in avail_in: they are the start of the gzip trailer. Returns the trailer's gzip_result so far. */
static int trailer_from_read_ahead(http_body *b)
{
    struct inflate_state *z = b->z;
    uint8_t ahead[8];
    size_t k = 0;
    if (z->read_in_length > 0) {
        unsigned pad = (unsigned)z->read_in_length % 8;
        uint64_t bits = z->read_in >> pad;
        for (int32_t left = z->read_in_length - (int32_t)pad; left >= 8 && k < sizeof ahead; left -= 8) {
            ahead[k++] = (uint8_t)(bits & 0xff);
            bits >>= 8;
        }
    }
    z->read_in = 0;
    z->read_in_length = 0;
    gzip_member_data_ended(&b->gz);
    size_t used;
    return k ? gzip_member_trailer(&b->gz, ahead, k, &used) : GZIP_MORE;
}

/* Whether the compressed stream ended: for gzip, a member's trailer was checked (and no other member began). */
static int stream_ended(const http_body *b)
{
    return b->coding == HTTP_CODING_GZIP ? gzip_member_part(&b->gz) == GZIP_PART_DONE : b->deflate_ended;
}

/* gzip: member after member (RFC 1952 2.2), each a header, deflate data and a trailer checked here. */
static void gzip_feed(http_body *b, tr_session *s, int dir, tr_buf *in)
{
    while (tr_left(in) && !b->broken && !b->capped && !b->z_trailing) {
        if (!b->z_started || stream_ended(b)) {
            if (b->z_started && tr_peek_at(in, in->off) != 0x1f) {
                b->z_trailing = 1; /* browsers ignore what follows the compressed stream */
                break;
            }
            gzip_member_begin(&b->gz);
            b->z_started = 1;
        }
        size_t n;
        const uint8_t *p = tr_rest(in, &n);
        int part = gzip_member_part(&b->gz), r = GZIP_MORE;
        size_t used = 0;
        if (part == GZIP_PART_HEADER) {
            r = gzip_member_header(&b->gz, p, n, &used);
            if (r == GZIP_DONE && inflate_start(b, s, dir, ISAL_DEFLATE) != 0)
                break;
        } else if (part == GZIP_PART_DATA) {
            used = inflate_some(b, s, dir, p, n);
            if (b->deflate_ended)
                r = trailer_from_read_ahead(b);
        } else {
            r = gzip_member_trailer(&b->gz, p, n, &used);
        }
        if (r == GZIP_BAD) {
            decode_failed(b, s, dir, b->gz.why);
            break;
        }
        tr_skip(in, used);
        if (!used && gzip_member_part(&b->gz) == part)
            break; /* no progress: the inflater wants more input, or stopped */
    }
}

/* Raw or zlib-wrapped deflate: one stream; what follows it is ignored, as browsers do. */
static void deflate_run(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    if (!n || b->broken || b->capped || b->z_trailing)
        return;
    if (b->deflate_ended) {
        b->z_trailing = 1;
        return;
    }
    size_t used = inflate_some(b, s, dir, p, n);
    b->z_trailing = b->deflate_ended && used < n;
}

/* RFC 9110 says deflate means the zlib format (RFC 1950), but servers also send raw deflate (RFC 1951),
 * as browsers accept: the first two bytes tell which. */
static void deflate_feed(http_body *b, tr_session *s, int dir, tr_buf *in)
{
    if (!b->z_started) {
        while (b->head_len < 2 && tr_left(in))
            b->head[b->head_len++] = tr_u8(in);
        if (b->head_len < 2)
            return;
        unsigned cmf = b->head[0], flg = b->head[1];
        int zlib_wrapped = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        if (inflate_start(b, s, dir, zlib_wrapped ? ISAL_ZLIB : ISAL_DEFLATE) != 0)
            return;
        b->z_started = 1;
        deflate_run(b, s, dir, b->head, 2);
    }
    size_t n;
    const uint8_t *p = tr_rest(in, &n);
    deflate_run(b, s, dir, p, n);
}

/* ---- on the worker: a remote object's jobs ---- */

static void feed_here(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n);
static int end_checks(http_body *b, tr_session *s, int dir, int transfer_complete);

static void run_feed(const tr_job *job, const uint8_t *data)
{
    http_body_remote *r = job->obj;
    r->ts = job->at;
    feed_here(&r->b, NULL, r->dir, data, job->len);
}

static void run_lost(const tr_job *job, const uint8_t *data)
{
    (void)data;
    http_body_remote *r = job->obj;
    r->b.broken = 1;
}

static void run_end(const tr_job *job, const uint8_t *data)
{
    (void)data;
    http_body_remote *r = job->obj;
    r->ts = job->at;
    http_body *b = &r->b;
    b->active = 0;
    int complete = end_checks(b, NULL, r->dir, job->iarg);
    if (complete)
        complete = sha256_finish_hex(&b->hash, r->hex) == 0;
    else
        sha256_abort(&b->hash);
    r->complete = complete;
    inflate_end(b);
}

static void run_free(const tr_job *job, const uint8_t *data)
{
    (void)data;
    http_body_remote *r = job->obj;
    inflate_end(&r->b);
    sha256_release(&r->b.hash);
    free(r);
}

/* body_len (unless undecodable), body_sha256 (when complete) and complete, as ev_body in dis_http adds them. */
static void remote_fields(const void *arg, tr_event *e)
{
    const http_body_remote *r = arg;
    if (!r->b.undecodable)
        tr_ev_int(e, "body_len", (int64_t)r->b.len);
    if (r->complete && r->hex[0])
        tr_ev_str(e, "body_sha256", r->hex);
    tr_ev_bool(e, "complete", r->complete);
}

/* ---- on the engine's thread ---- */

static void remote_job(http_body *b, tr_session *s, void (*run)(const tr_job *, const uint8_t *), int iarg)
{
    tr_job job = {.run = run, .obj = b->remote, .iarg = iarg, .at = s && s->ctx ? s->ctx->now_us : 0};
    tr_worker_push(&job, NULL);
}

static void remote_let_go(http_body *b, tr_session *s)
{
    if (!b->remote)
        return;
    remote_job(b, s, run_free, 0); /* after the jobs before it, the event's line among them */
    b->remote = NULL;
}

void http_body_feed(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    if (!b->active || !n)
        return;
    if (b->coding != HTTP_CODING_IDENTITY)
        inflater_count(b, s);
    if (b->remote) {
        tr_job job = {.run = run_feed, .obj = b->remote, .at = s->ctx ? s->ctx->now_us : 0};
        tr_worker_push_split(&job, p, n);
        return;
    }
    feed_here(b, s, dir, p, n);
}

/* Bytes of an active object, decoded on this thread (the engine's, or the worker's for its copy). */
static void feed_here(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    tr_buf in = tr_buf_make(p, n);
    if (b->coding == HTTP_CODING_IDENTITY)
        body_output(b, s, dir, p, n);
    else if (b->coding == HTTP_CODING_DEFLATE)
        deflate_feed(b, s, dir, &in);
    else
        gzip_feed(b, s, dir, &in);
}

void http_body_lost(http_body *b)
{
    /* a compressed stream cannot go on past a hole; identity bytes are still counted and extracted */
    b->broken = 1;
    if (b->remote)
        remote_job(b, NULL, run_lost, 0);
}

/* Whether the object is complete as far as its transfer and decoding tell (the digest aside); says why not. */
static int end_checks(http_body *b, tr_session *s, int dir, int transfer_complete)
{
    int complete = transfer_complete && !b->broken;
    int compressed_input = b->z_started || b->head_len > 0;
    if (complete && b->coding != HTTP_CODING_IDENTITY && compressed_input && !stream_ended(b)) {
        body_anomaly(b, s, dir, "http_decompress_truncated", "the %s stream stopped before its end",
                     b->coding == HTTP_CODING_GZIP ? "gzip" : "deflate");
        complete = 0;
    }
    return complete;
}

int http_body_end(http_body *b, tr_session *s, int dir, int transfer_complete, sha256_digest *d)
{
    d->hex[0] = '\0';
    d->ticket = 0;
    if (!b->active)
        return 0;
    b->active = 0;
    inflater_uncount(b, s); /* the inflater's ~90 KB go back now, not when the connection ends */
    if (b->remote) { /* the worker decides; the event takes it from there (http_body_later_fields) */
        remote_job(b, s, run_end, transfer_complete);
        return 0;
    }
    int complete = end_checks(b, s, dir, transfer_complete);
    if (complete)
        complete = sha256_finish_later(&b->hash, d) == 0;
    else
        sha256_abort(&b->hash);
    if (b->file >= 0)
        tr_file_close(s, b->file, complete);
    b->file = FILE_NOT_YET;
    inflate_end(b); /* idle sessions stay small */
    return complete;
}

int http_body_later_fields(const http_body *b, tr_event *e)
{
    if (!b->remote)
        return 0;
    tr_ev_later(e, remote_fields, b->remote);
    return 1;
}

void http_body_done(http_body *b, tr_session *s) { remote_let_go(b, s); }

void http_body_release(http_body *b, tr_session *s)
{
    remote_let_go(b, s);
    inflater_uncount(b, s);
    if (b->active && b->file >= 0)
        tr_file_close(s, b->file, 0);
    b->active = 0;
    inflate_end(b);
    sha256_release(&b->hash);
}
