/* tr_worker: a second thread for SHA-256 and for writing exported files.
 *
 * Hashing every HTTP and FTP object costs as much CPU as reading, reassembling and dissecting the capture
 * together, and writing an export costs as much again in system calls. With the worker running, sha256.c hands
 * each object's bytes to it and the exporter its file writes (copied into a single-producer, single-consumer
 * ring, since packet buffers are reused); the engine's thread waits only when it needs a digest now, and not
 * even then when the event can be written later (tickets, see digest_lines.h). The OpenSSL contexts and file
 * descriptors given to the worker are touched only by the worker until it is done with them.
 *
 * All calls come from one thread (the engine's). Start before the first object is hashed and stop after the
 * last context is released; in between, sha256.c routes every operation here. */
#ifndef TR_WORKER_H
#define TR_WORKER_H

#include <stddef.h>
#include <stdint.h>

#define TR_HASH_DIGEST_LEN 32

struct evp_md_ctx_st; /* OpenSSL's EVP_MD_CTX */

/* One running SHA-256: the OpenSSL context and whether a step failed (then no digest is given). While the worker
 * runs, only the worker touches it. */
typedef struct tr_hash_ctx {
    struct evp_md_ctx_st *md;
    int failed;
} tr_hash_ctx;

tr_hash_ctx *tr_hash_ctx_new(void);
void tr_hash_ctx_free(tr_hash_ctx *c);

/* Starts the worker; 0 on success, -1 when no thread could be made (hashing then stays on the caller's thread). */
int tr_worker_start(void);
/* Finishes all queued work, then ends the thread and frees the ring. Harmless when not running. */
void tr_worker_stop(void);
int tr_worker_running(void);

/* Queued operations, run by the worker in the order given. */
void tr_hash_init(tr_hash_ctx *c);
void tr_hash_update(tr_hash_ctx *c, const void *p, size_t n);
/* Waits for the digest: *ok is 1 when every step since init succeeded. */
void tr_hash_final(tr_hash_ctx *c, unsigned char digest[TR_HASH_DIGEST_LEN], int *ok);
/* Queues the FINAL without waiting: returns a ticket (never 0) for the digest, to be read with tr_hash_ticket_*
 * once the object's event is written out, or 0 when every ticket slot is still in use (then call
 * tr_hash_final instead). */
uint64_t tr_hash_final_later(tr_hash_ctx *c);
/* 1 when the ticket's digest is known (reading it will not wait). */
int tr_hash_ticket_ready(uint64_t ticket);
/* Waits for the ticket's digest; 1 with the digest, 0 when a step failed. */
int tr_hash_ticket_digest(uint64_t ticket, unsigned char digest[TR_HASH_DIGEST_LEN]);
/* Whoever keeps a ticket beyond the call that gave it holds it, so its slot is not reused, and releases it when
 * done with it. */
void tr_hash_ticket_hold(uint64_t ticket);
void tr_hash_ticket_release(uint64_t ticket);

/* The worker frees the context after the operations queued before it. */
void tr_hash_free(tr_hash_ctx *c);

/* 64 lowercase hex digits and a NUL. */
void tr_hash_hex(const unsigned char digest[TR_HASH_DIGEST_LEN], char hex[2 * TR_HASH_DIGEST_LEN + 1]);

/* Files the exporter writes: opened, written at explicit offsets with pwrite(2) and closed by the worker, in
 * the order queued; without the worker running, right away by the caller. Failures (the file could not be
 * created, a write came up short) are kept for tr_worker_sync rather than returned. */
typedef struct tr_wfile tr_wfile;
/* openat(dirfd, path, flags, 0644) queued; NULL only when out of memory. */
tr_wfile *tr_wfile_open_at(int dirfd, const char *path, int flags);
/* A descriptor the caller opened (when it needed the result at once, as for O_EXCL); path for messages. */
tr_wfile *tr_wfile_adopt(int fd, const char *path);
/* Frees an adopted handle that was never used, leaving its descriptor open. */
void tr_wfile_disown(tr_wfile *wf);
void tr_wfile_pwrite(tr_wfile *wf, const void *p, size_t n, uint64_t off);
/* Closes and frees wf after the writes queued before. */
void tr_wfile_close(tr_wfile *wf);
/* Waits until everything queued is done (for a caller about to read what was written). */
void tr_worker_flush(void);
/* Waits until everything queued is done; returns the errno of the first file operation that failed since the
 * last call (0 when none) and says in `what` which ("writing files/3-a.bin"). */
int tr_worker_sync(char *what, size_t cap);

/* How many times the caller waited for ring space because the worker was behind (for tests and --stats). */
unsigned long long tr_worker_full_waits(void);

#endif
