/* sink_redis: every event's -T json line appended to a Redis stream (--output), the capture never waiting on the
 * network, nothing lost and nothing added twice.
 *
 * sink_lines writes the lines — digests, worker thread and order all as for stdout, so the entries equal the
 * -T json output byte for byte — into a FILE made with fopencookie. What it writes goes into a bounded queue (a
 * ring of whole lines whose bytes count against --memcap); a sender thread takes a batch of lines at a time,
 * gives each its entry id (redis_id.h) and pipelines their XADDs (redis_entry.h), one round trip a batch.
 *
 * A batch stays with the sender until Redis answered for every entry of it. When the connection is lost, the
 * sender reconnects with backoff and sends what had no answer again with the same ids: an entry that had arrived
 * is refused (its id is not above the stream's top) and counted as already there. An entry Redis refused for a
 * passing reason (out of memory, busy) gets a new id and is sent again. While Redis is away the queue fills; when
 * it is full the writer waits (reading a file: nothing is lost) or the oldest lines are dropped and counted
 * (live, where waiting would make the kernel drop packets instead). */
#ifndef SINK_REDIS_H
#define SINK_REDIS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "redis_url.h"

typedef struct sink_redis sink_redis;

typedef struct sink_redis_opts {
    const redis_url *url;
    const char *stream;   /* the key */
    uint64_t maxlen;      /* XADD MAXLEN ~ maxlen; 0: none */
    int retry;            /* Redis unreachable at start is waited for instead of an error */
    int hold_back;        /* a full queue makes the writer wait (reading a file); else the oldest are dropped */
    int line_buffered;    /* each line goes to the queue at once (live) instead of in 64 KB writes */
    size_t queue_bytes;   /* the queue's cap (at least SINK_REDIS_QUEUE_MIN) */
} sink_redis_opts;

#define SINK_REDIS_QUEUE_MIN ((size_t)9 << 20) /* two of the longest line (4 MB) and a write: one always fits */

typedef struct sink_redis_counts {
    uint64_t events;     /* lines written to the queue */
    uint64_t sent;       /* entries Redis added */
    uint64_t queued;     /* waiting now: in the queue, or sent without an answer yet */
    uint64_t resent;     /* sent again: after a lost connection, or refused for a passing reason */
    uint64_t already;    /* sent again and refused as already there (their first sending arrived) */
    uint64_t dropped;    /* the oldest, dropped from a full queue (live), or not delivered when trawl gave up */
    uint64_t reconnects;
    int connected;
} sink_redis_counts;

/* Without o->retry, connects and reads the stream's last id now (an error is returned with a message);
 * then starts the sender thread. NULL with a message in err. */
sink_redis *sink_redis_open(const sink_redis_opts *o, char *err, size_t errlen);
const char *sink_redis_stream(const sink_redis *r);
/* Where the lines are written. One thread at a time writes it. */
FILE *sink_redis_file(sink_redis *r);
/* What is written to the FILE goes to `also` too (the -T json lines on stdout beside --output). */
void sink_redis_tee(sink_redis *r, FILE *also);
/* Bytes held (queue and batch in flight), for tr_engine_opts.sink_memory; read with an atomic load. */
const size_t *sink_redis_memory(sink_redis *r);
void sink_redis_counts_get(sink_redis *r, sink_redis_counts *c);
/* A reply no retry changes came (wrong type, no permission): trawl should stop. */
int sink_redis_failed(sink_redis *r);
/* Flushes the FILE (after the writer's last line), waits until Redis has every queued line, ends the thread.
 * 0, or -1 with the reason in err. */
int sink_redis_finish(sink_redis *r, char *err, size_t errlen);
void sink_redis_free(sink_redis *r);

#endif
