/* tr_worker: a second thread that runs jobs the engine queues, in order: SHA-256 of objects (tr_hash.h) and the
 * exporter's file operations (tr_wfile.h).
 *
 * Hashing every HTTP and FTP object costs as much CPU as reading, reassembling and dissecting the capture
 * together, and writing an export costs as much again in system calls. The engine copies each job and its bytes
 * into a single-producer, single-consumer ring (packet buffers are reused) and goes on; it waits only when it
 * needs a job's result now. What a job touches (an OpenSSL context, a file descriptor) is touched only by the
 * worker until the job that releases it has run.
 *
 * All calls come from one thread (the engine's). Start before the first job and stop after the last; a module
 * with work to queue checks tr_worker_running() and does the work itself when the worker is not running. */
#ifndef TR_WORKER_H
#define TR_WORKER_H

#include <stddef.h>
#include <stdint.h>

/* Starts the worker; 0 on success, -1 when no thread could be made (the work then stays on the caller's thread). */
int tr_worker_start(void);
/* Finishes all queued jobs, then ends the thread and frees the ring. Harmless when not running. */
void tr_worker_stop(void);
int tr_worker_running(void);
/* Waits until every queued job has run (for a caller about to read what they wrote). */
void tr_worker_flush(void);
/* How many times the engine waited for ring space because the worker was behind (for --stats). */
unsigned long long tr_worker_full_waits(void);

/* ---- for modules that queue jobs (tr_hash.c, tr_wfile.c) ---- */

/* A job: `run` is called on the worker with the job and the `len` bytes queued with it. The other fields are
 * the module's to use. */
typedef struct tr_job {
    void (*run)(const struct tr_job *job, const uint8_t *data);
    void *obj;
    void *out;
    void *out2;
    uint64_t arg;
    int64_t at; /* the module's too; tr_worker_push_split leaves it as it is */
    int iarg;
    uint32_t len;
} tr_job;

#define TR_JOB_DATA_MAX (64u << 10) /* bytes one job may carry: longer runs are split by the caller */

/* Queues job and job->len bytes of data (copied); waits for room when the ring is full. */
void tr_worker_push(const tr_job *job, const void *data);
/* The same with the bytes in two pieces: na of them at a, then job->len - na at b. */
void tr_worker_push2(const tr_job *job, const void *a, size_t na, const void *b);
/* Queues n bytes of data as copies of job, each with at most TR_JOB_DATA_MAX of them (its len), and its arg
 * advanced by the bytes queued before it (so a file offset in arg stays right). */
void tr_worker_push_split(const tr_job *job, const void *data, size_t n);
/* Hands what was queued to the worker now (queued jobs otherwise go in batches). */
void tr_worker_publish(void);
/* Ring position just past the last job queued: tr_worker_done(pos) says when it has run. */
uint64_t tr_worker_position(void);
int tr_worker_done(uint64_t pos);
/* 1 when the worker has more than half the ring still to run: work the caller could do itself (hashing an
 * object, making a file) is then better done on its own thread than queued. */
int tr_worker_behind(void);
/* The caller did such a piece of work itself; counted for --stats. */
void tr_worker_note_taken(void);
unsigned long long tr_worker_taken(void);
/* Publishes and waits until the job before pos has run. */
void tr_worker_wait(uint64_t pos);

#endif
