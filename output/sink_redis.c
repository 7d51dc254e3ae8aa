#include "sink_redis.h"

#include <errno.h>
#include <inttypes.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/tr_strbuf.h"
#include "redis_conn.h"
#include "redis_entry.h"
#include "redis_id.h"

#define BATCH_BYTES (256u << 10) /* lines taken at once: one round trip pipelines about a thousand XADDs */
#define WRITE_PIECE (64u << 10)  /* a long write goes into the queue in pieces (see SINK_REDIS_QUEUE_MIN) */
#define FILE_BUFFER (64u << 10)
#define IO_TIMEOUT_MS 10000      /* no answer for this long: the connection counts as lost */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 2000
#define ALREADY_ERR "ERR The ID specified in XADD is equal or smaller"

/* How Redis answered one XADD of a batch (reply_fns: sorted as the reply is read, nothing allocated). */
enum answer { ANSWER_ADDED, ANSWER_ALREADY, ANSWER_RETRY, ANSWER_FATAL };

struct sink_redis {
    redis_url url;
    char stream[REDIS_URL_NAME_MAX];
    size_t stream_len;
    uint64_t maxlen;
    int retry, hold_back;
    FILE *file, *tee;
    char *file_buffer;

    /* The queue: ring[pos % cap] for pos in [tail, head); [tail, committed) are whole lines. */
    pthread_mutex_t mu;
    pthread_cond_t more; /* lines to take, or stopping */
    pthread_cond_t room; /* space freed, or the sender's state changed */
    char *ring;
    size_t cap;
    uint64_t head, tail, committed;
    int stopping, thread_done;
    /* counts, under mu */
    uint64_t events, sent, resent, already, dropped, reconnects;
    int connected;
    int failed;
    char fail_msg[300];
    size_t batch_bytes; /* what the sender holds of its batch (lines and commands), set by it under mu */
    size_t held;        /* queue and batch: read by the engine without mu (__atomic) */

    /* the sender's own */
    pthread_t thread;
    int thread_started;
    redisContext *c;
    redis_id last;
    tr_strbuf lines;    /* the batch's lines, copied out of the ring, each with its '\n' */
    tr_strbuf line_off; /* uint32_t pairs: where each of the batch's lines starts and ends (before its '\n') */
    tr_strbuf cmd;      /* the XADDs of the lines not answered yet, ready to send */
    tr_strbuf cmd_off;  /* uint32_t: where each of them starts in cmd, and its end */
    tr_strbuf cmd_line; /* uint32_t: the index in `lines` of each of them */
    int ncmd, answered; /* commands in cmd; answers had for the first `answered` */
    int sent_before;    /* cmd went out once already: its next sending is a resending */
    tr_strbuf again;    /* uint32_t: lines refused for a passing reason, to send with new ids */
    int remake;         /* `again` is to become the next commands once reconnected (the stream's top read anew) */
    int outage_said, connection_lost;
    char last_err[256];
    redisReplyObjectFunctions fns;
    struct {
        enum answer kind;
        char msg[256];
    } reply;
};

/* ---- the queue ---- */

static void held_update(sink_redis *r) /* under mu */
{
    size_t n = (size_t)(r->head - r->tail) + r->batch_bytes;
    __atomic_store_n(&r->held, n, __ATOMIC_RELAXED);
}

/* The sender: its batch's size changed. */
static void batch_held(sink_redis *r, size_t bytes)
{
    pthread_mutex_lock(&r->mu);
    r->batch_bytes = bytes;
    held_update(r);
    pthread_mutex_unlock(&r->mu);
}

static void ring_copy_out(const sink_redis *r, uint64_t from, size_t n, tr_strbuf *dst)
{
    size_t at = (size_t)(from % r->cap), first = r->cap - at < n ? r->cap - at : n;
    tr_sb_add(dst, r->ring + at, first);
    tr_sb_add(dst, r->ring, n - first);
}

/* Position just past the first '\n' at or after pos (before end), or 0. */
static uint64_t ring_line_end(const sink_redis *r, uint64_t pos, uint64_t end)
{
    while (pos < end) {
        size_t at = (size_t)(pos % r->cap), run = r->cap - at;
        if (run > end - pos)
            run = (size_t)(end - pos);
        const char *nl = memchr(r->ring + at, '\n', run);
        if (nl)
            return pos + (uint64_t)(nl - (r->ring + at)) + 1;
        pos += run;
    }
    return 0;
}

/* Live: makes room for n bytes by dropping the oldest whole lines. 0, or -1 when only a line still being
 * written is left (cannot happen with the queue's minimum size). */
static int drop_oldest(sink_redis *r, size_t n)
{
    while (r->cap - (size_t)(r->head - r->tail) < n) {
        uint64_t e = ring_line_end(r, r->tail, r->committed);
        if (!e)
            return -1;
        r->tail = e;
        r->dropped++;
    }
    return 0;
}

static void ring_put(sink_redis *r, const char *p, size_t n) /* under mu, with room */
{
    size_t at = (size_t)(r->head % r->cap), first = r->cap - at < n ? r->cap - at : n;
    memcpy(r->ring + at, p, first);
    memcpy(r->ring, p + first, n - first);
    r->head += n;
    const char *last = memrchr(p, '\n', n);
    if (last) {
        uint64_t lines = 0;
        for (const char *q = p; q <= last; q++) {
            q = memchr(q, '\n', (size_t)(last - q) + 1);
            lines++;
        }
        r->events += lines;
        r->committed = r->head - (n - (size_t)(last - p) - 1);
        pthread_cond_signal(&r->more);
    }
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
    sink_redis *r = cookie;
    if (r->tee && size && fwrite(buf, 1, size, r->tee) != size)
        return -1; /* the reader of stdout went away: trawl stops, as without --output */
    size_t done = 0;
    pthread_mutex_lock(&r->mu);
    while (done < size && !r->failed) {
        size_t n = size - done < WRITE_PIECE ? size - done : WRITE_PIECE;
        if (r->cap - (size_t)(r->head - r->tail) < n) {
            if (!r->hold_back && drop_oldest(r, n) == 0) {
                held_update(r);
            } else { /* reading a file: wait for the sender (the capture is a file: nothing is lost by waiting) */
                struct timespec t;
                clock_gettime(CLOCK_REALTIME, &t);
                t.tv_nsec += 200 * 1000000L;
                if (t.tv_nsec >= 1000000000L) {
                    t.tv_sec++;
                    t.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&r->room, &r->mu, &t);
                continue;
            }
        }
        ring_put(r, buf + done, n);
        held_update(r);
        done += n;
    }
    int failed = r->failed;
    pthread_mutex_unlock(&r->mu);
    if (failed) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)size;
}

/* ---- the sender ---- */

static void *reply_string(const redisReadTask *task, char *str, size_t len)
{
    sink_redis *r = task->privdata;
    if (task->type != REDIS_REPLY_ERROR) {
        r->reply.kind = ANSWER_ADDED;
    } else if (len >= sizeof ALREADY_ERR - 1 && memcmp(str, ALREADY_ERR, sizeof ALREADY_ERR - 1) == 0) {
        r->reply.kind = ANSWER_ALREADY;
    } else {
        r->reply.kind = redis_conn_retryable(str, len) ? ANSWER_RETRY : ANSWER_FATAL;
        snprintf(r->reply.msg, sizeof r->reply.msg, "%.*s", (int)len, str);
    }
    return r;
}

static void *reply_other(sink_redis *r)
{
    r->reply.kind = ANSWER_FATAL;
    snprintf(r->reply.msg, sizeof r->reply.msg, "unexpected answer to XADD");
    return r;
}
static void *reply_array(const redisReadTask *task, int n) { (void)n; return reply_other(task->privdata); }
static void *reply_integer(const redisReadTask *task, long long v) { (void)v; return reply_other(task->privdata); }
static void *reply_nil(const redisReadTask *task) { return reply_other(task->privdata); }
static void reply_free(void *p) { (void)p; }

static void set_failed(sink_redis *r, const char *msg) /* under mu */
{
    if (!r->failed)
        snprintf(r->fail_msg, sizeof r->fail_msg, "%s", msg);
    r->failed = 1;
    pthread_cond_broadcast(&r->room);
}

/* Raises the id to the stream's last-generated-id (0-0 when there is no stream yet). */
static int read_last_id(sink_redis *r, redisContext *c, int *why, char *err, size_t errlen)
{
    const char *argv[] = {"XINFO", "STREAM", r->stream};
    size_t lens[] = {5, 6, r->stream_len};
    redisReply *rep = redis_conn_command(c, 3, argv, lens, why, err, errlen);
    if (!rep) {
        if (*why == REDIS_CONN_FATAL && strncmp(err, "ERR no such key", 15) == 0)
            return 0;
        return -1;
    }
    int found = 0;
    if (rep->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < rep->elements; i += 2) {
            redisReply *k = rep->element[i], *v = rep->element[i + 1];
            redis_id id;
            if (k->type == REDIS_REPLY_STRING && strcmp(k->str, "last-generated-id") == 0 &&
                v->type == REDIS_REPLY_STRING && redis_id_parse(v->str, v->len, &id) == 0) {
                redis_id_raise(&r->last, id);
                found = 1;
            }
        }
    freeReplyObject(rep);
    if (!found) {
        *why = REDIS_CONN_FATAL;
        snprintf(err, errlen, "XINFO STREAM %s: no last-generated-id in the answer", r->stream);
        return -1;
    }
    return 0;
}

/* Connects and reads the stream's last id; the answers to XADDs are then read without allocating. */
static redisContext *connect_stream(sink_redis *r, int *why, char *err, size_t errlen)
{
    redisContext *c = redis_conn_open(&r->url, IO_TIMEOUT_MS, why, err, errlen);
    if (!c)
        return NULL;
    if (read_last_id(r, c, why, err, errlen) < 0) {
        redisFree(c);
        return NULL;
    }
    c->reader->fn = &r->fns;
    c->reader->privdata = r; /* not redisReaderSetPrivdata: hiredis 0.14's macro casts the pointer to int */
    return c;
}

static uint32_t u32_at(const tr_strbuf *b, int i)
{
    uint32_t v;
    memcpy(&v, b->p + (size_t)i * 4, 4);
    return v;
}

static void u32_add(tr_strbuf *b, uint32_t v) { tr_sb_add(b, &v, 4); }

/* The batch's lines (by index: all, or those listed in `which`), each given the next id, as XADDs in cmd. 0, or
 * -1 when no id is left. */
static int make_commands(sink_redis *r, const tr_strbuf *which, int n)
{
    tr_sb_reset(&r->cmd);
    tr_sb_reset(&r->cmd_off);
    tr_sb_reset(&r->cmd_line);
    for (int i = 0; i < n; i++) {
        uint32_t li = which ? u32_at(which, i) : (uint32_t)i;
        uint32_t from = u32_at(&r->line_off, 2 * (int)li), to = u32_at(&r->line_off, 2 * (int)li + 1);
        const char *line = r->lines.p + from;
        redis_entry e;
        redis_entry_read(line, to - from, &e);
        if (redis_id_next(&r->last, e.ts_us) < 0)
            return -1;
        u32_add(&r->cmd_off, (uint32_t)r->cmd.len);
        u32_add(&r->cmd_line, li);
        redis_entry_xadd(&r->cmd, r->stream, r->stream_len, r->maxlen, r->last, &e, line, to - from);
    }
    u32_add(&r->cmd_off, (uint32_t)r->cmd.len);
    r->ncmd = n;
    r->answered = 0;
    r->sent_before = 0;
    return 0;
}

/* Takes up to a batch of whole lines from the queue. 0: stopping with nothing left. */
static int take_batch(sink_redis *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->committed == r->tail && !r->stopping && !r->failed)
        pthread_cond_wait(&r->more, &r->mu);
    if (r->committed == r->tail || r->failed) {
        pthread_mutex_unlock(&r->mu);
        return 0;
    }
    size_t avail = (size_t)(r->committed - r->tail), n = avail < BATCH_BYTES ? avail : BATCH_BYTES;
    tr_sb_reset(&r->lines);
    ring_copy_out(r, r->tail, n, &r->lines);
    const char *nl = memrchr(r->lines.p, '\n', n);
    if (nl) {
        n = (size_t)(nl - r->lines.p) + 1;
    } else { /* one line longer than a batch */
        uint64_t e = ring_line_end(r, r->tail + n, r->committed);
        ring_copy_out(r, r->tail + n, (size_t)(e - r->tail) - n, &r->lines);
        n = (size_t)(e - r->tail);
    }
    r->lines.len = n;
    r->tail += n;
    r->batch_bytes = n;
    held_update(r);
    pthread_cond_broadcast(&r->room);
    pthread_mutex_unlock(&r->mu);

    tr_sb_reset(&r->line_off);
    int nlines = 0;
    for (size_t at = 0; at < n;) {
        const char *e = memchr(r->lines.p + at, '\n', n - at);
        size_t next = (size_t)(e - r->lines.p) + 1;
        if (next - at > 1) { /* an empty line is no event */
            u32_add(&r->line_off, (uint32_t)at);
            u32_add(&r->line_off, (uint32_t)(next - 1));
            nlines++;
        }
        at = next;
    }
    if (make_commands(r, NULL, nlines) < 0) {
        pthread_mutex_lock(&r->mu);
        set_failed(r, "no entry id is left above the stream's last one");
        pthread_mutex_unlock(&r->mu);
        return 0;
    }
    batch_held(r, r->lines.len + r->cmd.len);
    return 1;
}

/* Sends the commands not answered yet and reads their answers. 0: all answered; -1: connection lost. */
static int send_batch(sink_redis *r)
{
    size_t from = u32_at(&r->cmd_off, r->answered);
    if (redisAppendFormattedCommand(r->c, r->cmd.p + from, r->cmd.len - from) != REDIS_OK)
        return -1;
    if (r->sent_before) {
        pthread_mutex_lock(&r->mu);
        r->resent += (uint64_t)(r->ncmd - r->answered);
        pthread_mutex_unlock(&r->mu);
    }
    int was_resent = r->sent_before;
    r->sent_before = 1;
    tr_sb_reset(&r->again);
    uint64_t added = 0, already = 0;
    int status = 0;
    while (r->answered < r->ncmd) {
        void *reply;
        if (redisGetReply(r->c, &reply) != REDIS_OK || !reply) {
            snprintf(r->last_err, sizeof r->last_err, "%s", r->c->errstr[0] ? r->c->errstr : "connection lost");
            status = -1;
            break;
        }
        switch (r->reply.kind) {
        case ANSWER_ADDED:
            added++;
            break;
        case ANSWER_ALREADY:
            if (was_resent) {
                already++;
                break;
            }
            /* refused on its first sending: something else wrote above our ids; it goes again with a new one */
            /* fall through */
        case ANSWER_RETRY:
            u32_add(&r->again, u32_at(&r->cmd_line, r->answered));
            snprintf(r->last_err, sizeof r->last_err, "%s", r->reply.kind == ANSWER_RETRY ? r->reply.msg :
                                                        "the stream's top id is above trawl's (another writer?)");
            break;
        case ANSWER_FATAL:
            pthread_mutex_lock(&r->mu);
            set_failed(r, r->reply.msg);
            pthread_mutex_unlock(&r->mu);
            break;
        }
        r->answered++;
    }
    pthread_mutex_lock(&r->mu);
    r->sent += added;
    r->already += already;
    pthread_mutex_unlock(&r->mu);
    if (status < 0)
        return -1;
    if (r->again.len) { /* refused for a passing reason: new ids once reconnected, after a pause */
        r->remake = 1;
        return -2;
    }
    r->ncmd = r->answered = 0;
    tr_sb_reset(&r->cmd);
    tr_sb_reset(&r->lines);
    batch_held(r, 0);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

/* The lines refused for a passing reason as the next commands, with ids above the stream's top as read at the
 * reconnect (another writer may have gone above ours). */
static void remake_refused(sink_redis *r)
{
    r->remake = 0;
    if (make_commands(r, &r->again, (int)(r->again.len / 4)) < 0) {
        pthread_mutex_lock(&r->mu);
        set_failed(r, "no entry id is left above the stream's last one");
        pthread_mutex_unlock(&r->mu);
    }
    /* sent again, but under ids never sent: a refusal of one of them is news, not "already there" */
    r->sent_before = 0;
    pthread_mutex_lock(&r->mu);
    r->resent += (uint64_t)r->ncmd;
    pthread_mutex_unlock(&r->mu);
    batch_held(r, r->lines.len + r->cmd.len);
}

/* One line when trouble starts (not one per retry); "connected" when it ends. */
static void say_outage(sink_redis *r, const char *why, const char *doing)
{
    if (r->outage_said)
        return;
    r->outage_said = 1;
    fprintf(stderr, "trawl: %s: %s; %s\n", r->url.display, why, doing);
}

static void *sender_main(void *arg)
{
    sink_redis *r = arg;
    int backoff = BACKOFF_FIRST_MS, ever_connected = r->c != NULL;
    for (;;) {
        if (!r->c) {
            int why;
            char err[256];
            r->c = connect_stream(r, &why, err, sizeof err);
            if (!r->c) {
                if (why == REDIS_CONN_FATAL) {
                    pthread_mutex_lock(&r->mu);
                    set_failed(r, err);
                    pthread_mutex_unlock(&r->mu);
                    break;
                }
                say_outage(r, err, ever_connected ? "reconnecting" : "waiting for it (--output-retry)");
                r->connection_lost = 1;
                sleep_ms(backoff);
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                continue;
            }
            pthread_mutex_lock(&r->mu);
            r->connected = 1;
            if (ever_connected)
                r->reconnects++;
            pthread_cond_broadcast(&r->room);
            pthread_mutex_unlock(&r->mu);
            if (r->outage_said && r->connection_lost)
                fprintf(stderr, "trawl: %s: connected%s\n", r->url.display,
                        r->ncmd > r->answered ? "; sending again what had no answer" : "");
            if (r->connection_lost)
                r->outage_said = r->connection_lost = 0;
            ever_connected = 1;
        }
        if (r->remake)
            remake_refused(r);
        if (r->failed)
            break;
        if (r->ncmd == 0 && !take_batch(r))
            break;
        int s = send_batch(r);
        if (r->failed)
            break;
        if (s == -2) { /* refused for a passing reason: after a pause, a new connection reads the stream's top */
            say_outage(r, r->last_err, "sending those entries again with new ids");
            sleep_ms(backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        } else if (s < 0) {
            say_outage(r, r->last_err, "reconnecting");
            r->connection_lost = 1;
        }
        if (s < 0) {
            redisFree(r->c);
            r->c = NULL;
            pthread_mutex_lock(&r->mu);
            r->connected = 0;
            pthread_mutex_unlock(&r->mu);
            continue;
        }
        r->outage_said = 0; /* a batch went through: the next trouble is news, and starts from a short pause */
        backoff = BACKOFF_FIRST_MS;
    }
    if (r->c) {
        redisFree(r->c);
        r->c = NULL;
    }
    pthread_mutex_lock(&r->mu);
    r->connected = 0;
    r->thread_done = 1;
    pthread_cond_broadcast(&r->room);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- the sink ---- */

sink_redis *sink_redis_open(const sink_redis_opts *o, char *err, size_t errlen)
{
    sink_redis *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->url = *o->url;
    r->stream_len = strlen(o->stream);
    if (r->stream_len >= sizeof r->stream) {
        snprintf(err, errlen, "stream name longer than %zu bytes", sizeof r->stream - 1);
        free(r);
        return NULL;
    }
    memcpy(r->stream, o->stream, r->stream_len + 1);
    r->maxlen = o->maxlen;
    r->retry = o->retry;
    r->hold_back = o->hold_back;
    r->cap = o->queue_bytes < SINK_REDIS_QUEUE_MIN ? SINK_REDIS_QUEUE_MIN : o->queue_bytes;
    redisReplyObjectFunctions fns = {reply_string, reply_array, reply_integer, reply_nil, reply_free};
    r->fns = fns;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->more, NULL);
    pthread_cond_init(&r->room, NULL);
    tr_sb_init(&r->lines, r->cap + 1);
    tr_sb_init(&r->line_off, (r->cap + 2) * 8);
    tr_sb_init(&r->cmd, 2 * r->cap + (1u << 20));
    tr_sb_init(&r->cmd_off, (r->cap + 2) * 4);
    tr_sb_init(&r->cmd_line, (r->cap + 2) * 4);
    tr_sb_init(&r->again, (r->cap + 2) * 4);
    r->ring = malloc(r->cap); /* pages are touched only as the queue fills */
    r->file_buffer = malloc(FILE_BUFFER);
    if (!r->ring || !r->file_buffer) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!o->retry) { /* Redis down at start is one clear error */
        int why;
        r->c = connect_stream(r, &why, err, errlen);
        if (!r->c)
            goto fail;
        r->connected = 1;
    }
    cookie_io_functions_t io = {.write = cookie_write};
    r->file = fopencookie(r, "w", io);
    if (!r->file) {
        snprintf(err, errlen, "fopencookie: %s", strerror(errno));
        goto fail;
    }
    setvbuf(r->file, r->file_buffer, o->line_buffered ? _IOLBF : _IOFBF, FILE_BUFFER);
    __fsetlocking(r->file, FSETLOCKING_BYCALLER); /* one writer at a time (sink_lines: engine, then worker) */
    if (pthread_create(&r->thread, NULL, sender_main, r) != 0) {
        snprintf(err, errlen, "cannot start the sender thread");
        goto fail;
    }
    r->thread_started = 1;
    return r;
fail:
    sink_redis_free(r);
    return NULL;
}

FILE *sink_redis_file(sink_redis *r) { return r->file; }
const char *sink_redis_stream(const sink_redis *r) { return r->stream; }
void sink_redis_tee(sink_redis *r, FILE *also) { r->tee = also; }
const size_t *sink_redis_memory(sink_redis *r) { return &r->held; }

int sink_redis_failed(sink_redis *r)
{
    pthread_mutex_lock(&r->mu);
    int f = r->failed;
    pthread_mutex_unlock(&r->mu);
    return f;
}

void sink_redis_counts_get(sink_redis *r, sink_redis_counts *c)
{
    pthread_mutex_lock(&r->mu);
    c->events = r->events;
    c->sent = r->sent;
    c->resent = r->resent;
    c->already = r->already;
    c->dropped = r->dropped;
    c->reconnects = r->reconnects;
    c->connected = r->connected;
    uint64_t gone = r->sent + r->already + r->dropped;
    c->queued = r->events > gone ? r->events - gone : 0;
    pthread_mutex_unlock(&r->mu);
}

int sink_redis_finish(sink_redis *r, char *err, size_t errlen)
{
    if (r->file)
        fflush(r->file);
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_broadcast(&r->more);
    int said = 0;
    while (r->thread_started && !r->thread_done) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += 2;
        if (pthread_cond_timedwait(&r->room, &r->mu, &t) == ETIMEDOUT && !r->connected && !said) {
            uint64_t gone = r->sent + r->already + r->dropped;
            fprintf(stderr, "trawl: %s: %" PRIu64 " events still to deliver; waiting for Redis (a second Ctrl-C gives up)\n",
                    r->url.display, r->events - gone);
            said = 1;
        }
    }
    int failed = r->failed;
    if (failed) { /* what was not delivered is counted as dropped */
        uint64_t gone = r->sent + r->already + r->dropped;
        r->dropped += r->events > gone ? r->events - gone : 0;
        snprintf(err, errlen, "%s", r->fail_msg);
    }
    pthread_mutex_unlock(&r->mu);
    if (r->thread_started) {
        pthread_join(r->thread, NULL);
        r->thread_started = 0;
    }
    return failed ? -1 : 0;
}

void sink_redis_free(sink_redis *r)
{
    if (!r)
        return;
    if (r->thread_started) {
        char err[8];
        sink_redis_finish(r, err, sizeof err);
    }
    if (r->file)
        fclose(r->file);
    if (r->c)
        redisFree(r->c);
    tr_sb_free(&r->lines);
    tr_sb_free(&r->line_off);
    tr_sb_free(&r->cmd);
    tr_sb_free(&r->cmd_off);
    tr_sb_free(&r->cmd_line);
    tr_sb_free(&r->again);
    free(r->ring);
    free(r->file_buffer);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->more);
    pthread_cond_destroy(&r->room);
    free(r);
}
