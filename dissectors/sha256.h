/* sha256: incremental SHA-256 over OpenSSL EVP for the hashes of extracted objects, run on the worker
 * thread when it is started (core/tr_hash.h) and keeping up; an object begun while the worker is behind is hashed
 * on the caller's thread instead, so the two threads share the work. Contexts are reused for many objects
 * (allocated on first use, freed once), so hashing costs no malloc per object. */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct tr_hash_ctx;

typedef struct sha256 {
    struct tr_hash_ctx *ctx;  /* for objects hashed on the worker; kept between objects */
    struct tr_hash_ctx *here; /* for objects hashed on the caller's thread; kept too */
    int active;               /* started and not finished yet */
    int on_worker;            /* the running object's steps go to the worker */
} sha256;

/* Starts a new digest; -1 when OpenSSL could not give a context (the caller then reports no hash). */
int sha256_begin(sha256 *h);
/* Starts a digest computed on the calling thread whatever the worker does (for code running on the worker). */
int sha256_begin_here(sha256 *h);
void sha256_update(sha256 *h, const void *p, size_t n);
/* Finishes the digest into 64 lowercase hex digits and a NUL; -1 (hex = "") when none was running. */
int sha256_finish_hex(sha256 *h, char hex[SHA256_HEX_LEN + 1]);
/* A finished digest: the hex now, or a ticket (core/tr_hash.h) when the worker thread is still computing it; an
 * event carries either with tr_ev_digest. */
typedef struct sha256_digest {
    char hex[SHA256_HEX_LEN + 1];
    uint64_t ticket;
} sha256_digest;
/* Finishes the digest without waiting for the worker thread when it can; -1 (hex "", no ticket) when none ran. */
int sha256_finish_later(sha256 *h, sha256_digest *d);
/* Drops a running digest without a result. */
void sha256_abort(sha256 *h);
/* Frees the context; the struct may be begun again afterwards. */
void sha256_release(sha256 *h);
/* One-shot convenience for small buffers (tests, short objects). */
int sha256_hex_of(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1]);

#endif
