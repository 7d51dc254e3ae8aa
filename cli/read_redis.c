#include "read_redis.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../output/redis_conn.h"
#include "../output/redis_id.h"

#define BATCH 256          /* entries per stream and read */
#define BATCH_TEXT "256"
#define BLOCK_MS "1000"    /* how long a read waits for new entries: Ctrl-C is seen within it */
#define IO_TIMEOUT_MS 10000
#define BACKOFF_MAX_MS 2000

typedef struct reader {
    const redis_url *u;
    redisContext *c;
    const char *stream[REDIS_URL_MAX_STREAMS];
    int nstreams;
    char group[REDIS_URL_NAME_MAX], consumer[REDIS_URL_NAME_MAX];
    /* entries printed but not acknowledged yet (the ack was cut by a lost connection): acknowledged first
     * after a reconnect, so they are not delivered to this consumer again */
    char (*unacked)[REDIS_ID_TEXT_MAX];
    int unacked_stream[REDIS_URL_MAX_STREAMS * BATCH];
    int nunacked;
    const char **argv;
    size_t *lens;
    int said_down;
} reader;

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL); /* a signal ends it early: the loop looks at *stop */
}

/* Acknowledges the entries in r->unacked. 0, or -1 when the connection was lost. */
static int ack_pending(reader *r)
{
    for (int s = 0; s < r->nstreams && r->nunacked; s++) {
        int argc = 0;
        r->argv[argc++] = "XACK";
        r->argv[argc++] = r->stream[s];
        r->argv[argc++] = r->group;
        for (int i = 0; i < r->nunacked; i++)
            if (r->unacked_stream[i] == s)
                r->argv[argc++] = r->unacked[i];
        if (argc == 3)
            continue;
        for (int i = 0; i < argc; i++)
            r->lens[i] = strlen(r->argv[i]);
        int why;
        char err[256];
        redisReply *rep = redis_conn_command(r->c, argc, r->argv, r->lens, &why, err, sizeof err);
        if (!rep)
            return -1;
        freeReplyObject(rep);
    }
    r->nunacked = 0;
    return 0;
}

/* Connects and makes the group on every stream (from the start of each; an existing group is kept). */
static int open_group(reader *r, int *why, char *err, size_t errlen)
{
    r->c = redis_conn_open(r->u, IO_TIMEOUT_MS, why, err, errlen);
    if (!r->c)
        return -1;
    for (int s = 0; s < r->nstreams; s++) {
        const char *argv[] = {"XGROUP", "CREATE", r->stream[s], r->group, "0", "MKSTREAM"};
        size_t lens[6];
        for (int i = 0; i < 6; i++)
            lens[i] = strlen(argv[i]);
        redisReply *rep = redis_conn_command(r->c, 6, argv, lens, why, err, errlen);
        if (rep) {
            freeReplyObject(rep);
        } else if (*why != REDIS_CONN_FATAL || strncmp(err, "BUSYGROUP", 9) != 0) {
            redisFree(r->c);
            r->c = NULL;
            return -1;
        }
    }
    return 0;
}

/* The value of `json` in an entry's field list, or NULL. */
static const redisReply *json_field(const redisReply *fields)
{
    if (!fields || fields->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i];
        if (k->type == REDIS_REPLY_STRING && k->len == 4 && memcmp(k->str, "json", 4) == 0 &&
            fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1];
    }
    return NULL;
}

/* A consumer named after its host and pid is never seen again once it ends: when it leaves nothing pending (a
 * clean end, everything printed acknowledged), it is removed from the group so the group does not collect names. */
static void forget_consumer(reader *r)
{
    for (int s = 0; s < r->nstreams; s++) {
        const char *argv[] = {"XGROUP", "DELCONSUMER", r->stream[s], r->group, r->consumer};
        size_t lens[5];
        for (int i = 0; i < 5; i++)
            lens[i] = strlen(argv[i]);
        int why;
        char err[256];
        redisReply *rep = redis_conn_command(r->c, 5, argv, lens, &why, err, sizeof err);
        if (rep)
            freeReplyObject(rep);
    }
}

/* One XREADGROUP: from `from` (">" for new entries, else this consumer's pending ones after the ids in
 * cursor). Prints the lines, then acknowledges them. Returns entries read, -1 for a lost connection, -2 when
 * stdout failed. */
static int read_once(reader *r, int pending, char cursor[][REDIS_ID_TEXT_MAX])
{
    int argc = 0;
    r->argv[argc++] = "XREADGROUP";
    r->argv[argc++] = "GROUP";
    r->argv[argc++] = r->group;
    r->argv[argc++] = r->consumer;
    r->argv[argc++] = "COUNT";
    r->argv[argc++] = BATCH_TEXT;
    if (!pending) {
        r->argv[argc++] = "BLOCK";
        r->argv[argc++] = BLOCK_MS;
    }
    r->argv[argc++] = "STREAMS";
    for (int s = 0; s < r->nstreams; s++)
        r->argv[argc++] = r->stream[s];
    for (int s = 0; s < r->nstreams; s++)
        r->argv[argc++] = pending ? cursor[s] : ">";
    for (int i = 0; i < argc; i++)
        r->lens[i] = strlen(r->argv[i]);
    int why;
    char err[256];
    redisReply *rep = redis_conn_command(r->c, argc, r->argv, r->lens, &why, err, sizeof err);
    if (!rep) {
        if (why == REDIS_CONN_FATAL) {
            fprintf(stderr, "trawl: %s: %s\n", r->u->display, err);
            return -3;
        }
        return -1;
    }
    int n = 0;
    if (rep->type == REDIS_REPLY_ARRAY) {
        for (size_t k = 0; k < rep->elements; k++) {
            const redisReply *st = rep->element[k];
            if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 || st->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            int s = 0;
            while (s < r->nstreams && strcmp(r->stream[s], st->element[0]->str) != 0)
                s++;
            if (s == r->nstreams)
                continue;
            const redisReply *entries = st->element[1];
            for (size_t i = 0; i < entries->elements; i++) {
                const redisReply *e = entries->element[i];
                if (e->type != REDIS_REPLY_ARRAY || e->elements < 1 || e->element[0]->type != REDIS_REPLY_STRING ||
                    e->element[0]->len >= REDIS_ID_TEXT_MAX)
                    continue;
                const redisReply *json = json_field(e->elements > 1 ? e->element[1] : NULL);
                if (json) { /* a pending entry deleted since (trimmed by MAXLEN) has no fields: acknowledged only */
                    fwrite(json->str, 1, json->len, stdout);
                    putc('\n', stdout);
                }
                snprintf(r->unacked[r->nunacked], REDIS_ID_TEXT_MAX, "%s", e->element[0]->str);
                r->unacked_stream[r->nunacked++] = s;
                if (pending)
                    snprintf(cursor[s], REDIS_ID_TEXT_MAX, "%s", e->element[0]->str);
                n++;
            }
        }
    }
    freeReplyObject(rep);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        r->nunacked = 0; /* not written: they stay pending, delivered again to whoever reads next */
        return -2;
    }
    if (ack_pending(r) < 0)
        return -1;
    return n;
}

int read_redis_run(const redis_url *u, const char *sensor, volatile sig_atomic_t *stop)
{
    static reader r;
    char fallback[REDIS_URL_NAME_MAX];
    memset(&r, 0, sizeof r);
    r.u = u;
    if (u->nstreams) {
        for (int i = 0; i < u->nstreams; i++)
            r.stream[i] = u->stream[i];
        r.nstreams = u->nstreams;
    } else {
        snprintf(fallback, sizeof fallback, "trawl:%s", sensor);
        r.stream[0] = fallback;
        r.nstreams = 1;
    }
    snprintf(r.group, sizeof r.group, "%s", u->group[0] ? u->group : "trawl");
    if (u->consumer[0]) {
        snprintf(r.consumer, sizeof r.consumer, "%s", u->consumer);
    } else {
        char host[128] = "trawl";
        gethostname(host, sizeof host - 1);
        snprintf(r.consumer, sizeof r.consumer, "%s-%ld", host, (long)getpid());
    }
    int maxargs = 8 + 2 * REDIS_URL_MAX_STREAMS + REDIS_URL_MAX_STREAMS * BATCH + 4;
    r.unacked = malloc(sizeof *r.unacked * REDIS_URL_MAX_STREAMS * BATCH);
    r.argv = malloc(sizeof *r.argv * (size_t)maxargs);
    r.lens = malloc(sizeof *r.lens * (size_t)maxargs);
    char (*cursor)[REDIS_ID_TEXT_MAX] = malloc(sizeof *cursor * REDIS_URL_MAX_STREAMS);
    int status = 0;
    if (!r.unacked || !r.argv || !r.lens || !cursor) {
        fprintf(stderr, "trawl: out of memory\n");
        status = 1;
        goto out;
    }
    int why;
    char err[256];
    if (open_group(&r, &why, err, sizeof err) < 0) { /* the first connection: an error is the answer */
        fprintf(stderr, "trawl: %s: %s\n", u->display, err);
        status = 1;
        goto out;
    }
    int backoff = 100;
    for (;;) {
        /* this consumer's own pending entries first: a batch it read before dying is delivered again */
        for (int s = 0; s < r.nstreams; s++)
            snprintf(cursor[s], REDIS_ID_TEXT_MAX, "0");
        int n = 0;
        while (!*stop && (n = read_once(&r, 1, cursor)) > 0) {
        }
        while (n >= 0 && !*stop)
            n = read_once(&r, 0, cursor);
        if (n == -2 || n == -3 || (n >= 0 && *stop)) {
            status = n == -3 ? 1 : 0; /* -2: stdout's reader went away; its entries stay pending */
            if (n >= 0 && !u->consumer[0] && r.nunacked == 0)
                forget_consumer(&r);
            break;
        }
        /* the connection was lost: reconnect, acknowledge what was printed, read on */
        if (!r.said_down) {
            fprintf(stderr, "trawl: %s: %s; reconnecting\n", u->display, r.c->errstr[0] ? r.c->errstr : "connection lost");
            r.said_down = 1;
        }
        redisFree(r.c);
        r.c = NULL;
        while (!*stop) {
            sleep_ms(backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            if (open_group(&r, &why, err, sizeof err) < 0) {
                if (why == REDIS_CONN_FATAL) { /* a wrong password now: waiting changes nothing */
                    fprintf(stderr, "trawl: %s: %s\n", u->display, err);
                    status = 1;
                    goto out;
                }
                continue;
            }
            if (ack_pending(&r) == 0)
                break;
            redisFree(r.c);
            r.c = NULL;
        }
        if (*stop || !r.c)
            break;
        fprintf(stderr, "trawl: %s: connected\n", u->display);
        r.said_down = 0;
        backoff = 100;
    }
out:
    if (r.c)
        redisFree(r.c);
    free(r.unacked);
    free(r.argv);
    free(r.lens);
    free(cursor);
    return status;
}
