/* sink_worker: other sinks run on the worker thread (core/tr_worker.h), after the engine has moved on.
 *
 * The UI's model and views cost the engine's thread about as much as formatting lines does, and -T json formats
 * its lines on the worker; this does the same for any sink. Each call is copied into a job — the session as it is
 * at that moment, the event flattened (output/event_blob.h), the stream's bytes — and replayed on the worker, in
 * order, to the sinks added here. What they see:
 *  - a copy of each session the worker keeps, with the counters of the moment of the call; no dissector state,
 *    no flow table (tr_session_find finds nothing), s->ctx a context that holds only the time (now_us);
 *  - events whose digests are known: the worker runs jobs in order, and an object's hashing was queued before
 *    the event that names it. The sinks are never handed a digest ticket;
 *  - a session's first stream_cap stream bytes (both ways together); later ones are told by their length only,
 *    with p == NULL (a sink that keeps a capped transcript needs no more).
 * File extraction is not relayed (the sinks added here must not extract files).
 *
 * The sinks' data is then written by the worker and read by whoever shows it (the UI's thread): both hold
 * the lock (sink_worker_hold) while they touch it. Calls come from the engine's thread; use it only while
 * tr_worker_running(). */
#ifndef SINK_WORKER_H
#define SINK_WORKER_H

#include <stddef.h>

#include "../core/tr_session.h"

typedef struct sink_worker sink_worker;

sink_worker *sink_worker_new(size_t stream_cap); /* NULL without memory */
/* Adds a sink to run on the worker (at most 4); 0, or -1 when full. */
int sink_worker_add(sink_worker *w, const tr_sink *inner);
/* The sink to add to the pipeline's context, once. */
tr_sink sink_worker_sink(sink_worker *w);
/* Takes (on) or releases (!on) the lock that the worker holds while a job runs the sinks. */
void sink_worker_hold(sink_worker *w, int on);
/* Returns once everything queued so far has run on the sinks. held: the caller holds the lock; it is released
 * while waiting (the worker needs it) and taken again. From the engine's thread. */
void sink_worker_drain(sink_worker *w, int held);
/* After the last call and a drain. */
void sink_worker_free(sink_worker *w);

#endif
