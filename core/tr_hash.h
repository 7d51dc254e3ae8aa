/* tr_hash: SHA-256 of objects, run on the worker thread (tr_worker.h) when it runs, with tickets for digests
 * an event can wait for without the engine waiting (see output/digest_lines.h).
 *
 * A context's operations are queued in order; only the worker touches a queued context until its final. */
#ifndef TR_HASH_H
#define TR_HASH_H

#include <stddef.h>
#include <stdint.h>

#define TR_HASH_DIGEST_LEN 32

struct evp_md_ctx_st; /* OpenSSL's EVP_MD_CTX */

/* One running SHA-256: the OpenSSL context and whether a step failed (then no digest is given). */
typedef struct tr_hash_ctx {
    struct evp_md_ctx_st *md;
    int failed;
    struct tr_hash_ctx *next; /* among the contexts the worker handed back */
} tr_hash_ctx;

/* A context: one the worker handed back (tr_hash_free), else a new one. */
tr_hash_ctx *tr_hash_ctx_new(void);
void tr_hash_ctx_free(tr_hash_ctx *c);
/* Frees the contexts handed back and not taken again (after tr_worker_stop). */
void tr_hash_ctx_free_spares(void);

/* Queued operations (the worker must be running; sha256.c calls OpenSSL itself otherwise). */
void tr_hash_init(tr_hash_ctx *c);
void tr_hash_update(tr_hash_ctx *c, const void *p, size_t n);
/* Waits for the digest: *ok is 1 when every step since init succeeded. */
void tr_hash_final(tr_hash_ctx *c, unsigned char digest[TR_HASH_DIGEST_LEN], int *ok);
/* Queues the final without waiting: returns a ticket (never 0) for the digest, to be read with tr_hash_ticket_*
 * once the object's event is written out, or 0 when every ticket slot is still in use (then call
 * tr_hash_final instead). */
uint64_t tr_hash_final_later(tr_hash_ctx *c);
/* The worker ends the context after the operations queued before it and hands it back for a later object. */
void tr_hash_free(tr_hash_ctx *c);

/* Where the worker puts a ticket's digest. A job queued after the ticket was given may read it on the worker
 * thread, without holding the ticket: a later final that reuses the slot runs after that job. NULL for an
 * unknown ticket. */
typedef struct tr_hash_result {
    unsigned char digest[TR_HASH_DIGEST_LEN];
    int ok; /* 1: every step since init succeeded and digest holds the SHA-256 */
} tr_hash_result;
const tr_hash_result *tr_hash_ticket_result(uint64_t ticket);

/* 1 when the ticket's digest is known (reading it will not wait). */
int tr_hash_ticket_ready(uint64_t ticket);
/* Waits for the ticket's digest; 1 with the digest, 0 when a step failed. */
int tr_hash_ticket_digest(uint64_t ticket, unsigned char digest[TR_HASH_DIGEST_LEN]);
/* The same as 64 lowercase hex digits and a NUL; 0 (hex "") when a step failed. */
int tr_hash_ticket_hex(uint64_t ticket, char hex[2 * TR_HASH_DIGEST_LEN + 1]);
/* Whoever keeps a ticket beyond the call that gave it holds it, so its slot is not reused, and releases it when
 * done with it. */
void tr_hash_ticket_hold(uint64_t ticket);
void tr_hash_ticket_release(uint64_t ticket);

/* 64 lowercase hex digits and a NUL. */
void tr_hash_hex(const unsigned char digest[TR_HASH_DIGEST_LEN], char hex[2 * TR_HASH_DIGEST_LEN + 1]);
/* The SHA-256 of what fd reads from its position to its end, on the caller's thread, as hex; 0, or -1 when reading
 * or hashing failed. */
int tr_hash_fd_hex(int fd, char hex[2 * TR_HASH_DIGEST_LEN + 1]);

#endif
