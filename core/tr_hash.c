#include "tr_hash.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <openssl/evp.h>

#include "tr_worker.h"

/* A ticket's digest, written by the worker at its final; ready once the worker has passed done_at. */
typedef struct ticket_slot {
    uint64_t ticket;  /* which ticket uses the slot now; 0: never used */
    uint64_t done_at; /* worker position just past the final */
    tr_hash_result r; /* written by the worker only, at the final */
    int holds;        /* consumers that still need it: the slot is not reused meanwhile */
} ticket_slot;

#define TICKET_SLOTS 4096

/* Contexts the worker is done with go back to the engine, which made them, for its next objects. Freed on the
 * worker, each would go to the worker's allocator cache, be handed out again there (to the UI's model, which runs
 * there: output/sink_worker.h), and from then on the two threads would take each other's allocator lock. */
static _Atomic(tr_hash_ctx *) handed_back; /* pushed by the worker */
static tr_hash_ctx *spares;                /* the engine's */

static uint64_t next_ticket = 1; /* tickets count from 1, so 0 means none */
static ticket_slot slots[TICKET_SLOTS];

/* ---- on the worker ---- */

static void run_init(const tr_job *job, const uint8_t *data)
{
    (void)data;
    tr_hash_ctx *c = job->obj;
    c->failed = EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1;
}

static void run_update(const tr_job *job, const uint8_t *data)
{
    tr_hash_ctx *c = job->obj;
    if (!c->failed && EVP_DigestUpdate(c->md, data, job->len) != 1)
        c->failed = 1;
}

static void run_final(const tr_job *job, const uint8_t *data)
{
    (void)data;
    tr_hash_ctx *c = job->obj;
    unsigned int len = 0;
    unsigned char out[EVP_MAX_MD_SIZE];
    int good = !c->failed && EVP_DigestFinal_ex(c->md, out, &len) == 1 && len == TR_HASH_DIGEST_LEN;
    if (good)
        memcpy(job->out, out, TR_HASH_DIGEST_LEN);
    *(int *)job->out2 = good;
}

static void run_free(const tr_job *job, const uint8_t *data)
{
    (void)data;
    tr_hash_ctx *c = job->obj;
    EVP_MD_CTX_reset(c->md); /* what the init made here is freed here */
    c->next = atomic_load_explicit(&handed_back, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&handed_back, &c->next, c, memory_order_release,
                                                  memory_order_relaxed))
        ;
}

/* ---- queued by the engine ---- */

tr_hash_ctx *tr_hash_ctx_new(void)
{
    if (!spares) /* the whole list at once: the worker only ever pushes, so no entry can change under us */
        spares = atomic_exchange_explicit(&handed_back, NULL, memory_order_acquire);
    if (spares) {
        tr_hash_ctx *c = spares;
        spares = c->next;
        c->next = NULL;
        c->failed = 0;
        return c;
    }
    tr_hash_ctx *c = calloc(1, sizeof *c);
    if (c && !(c->md = EVP_MD_CTX_new())) {
        free(c);
        c = NULL;
    }
    return c;
}

void tr_hash_ctx_free(tr_hash_ctx *c)
{
    if (c) {
        EVP_MD_CTX_free(c->md);
        free(c);
    }
}

void tr_hash_ctx_free_spares(void)
{
    tr_hash_ctx *c = atomic_exchange(&handed_back, NULL);
    for (int list = 0; list < 2; list++) {
        while (c) {
            tr_hash_ctx *next = c->next;
            tr_hash_ctx_free(c);
            c = next;
        }
        c = spares;
        spares = NULL;
    }
}

void tr_hash_init(tr_hash_ctx *c)
{
    tr_job job = {.run = run_init, .obj = c};
    tr_worker_push(&job, NULL);
}

void tr_hash_update(tr_hash_ctx *c, const void *p, size_t n)
{
    tr_job job = {.run = run_update, .obj = c};
    tr_worker_push_split(&job, p, n);
}

void tr_hash_final(tr_hash_ctx *c, unsigned char digest[TR_HASH_DIGEST_LEN], int *ok)
{
    *ok = 0;
    tr_job job = {.run = run_final, .obj = c, .out = digest, .out2 = ok};
    tr_worker_push(&job, NULL);
    tr_worker_wait(tr_worker_position());
}

uint64_t tr_hash_final_later(tr_hash_ctx *c)
{
    /* A slot still held (or, rarely, not done) is passed over; tickets are only numbers, so one kept for long
     * costs nothing. After a few busy slots in a row, the caller waits for its digest instead. */
    uint64_t t = 0;
    ticket_slot *slot = NULL;
    for (int tries = 0; tries < 4 && !slot; tries++) {
        t = next_ticket++;
        slot = &slots[t % TICKET_SLOTS];
        if (slot->holds || (slot->ticket && !tr_worker_done(slot->done_at)))
            slot = NULL;
    }
    if (!slot)
        return 0;
    slot->ticket = t; /* r is left to run_final, which always writes r.ok: a job queued before this final may
                         still read the slot's last result on the worker (tr_hash_ticket_result) */
    tr_job job = {.run = run_final, .obj = c, .out = slot->r.digest, .out2 = &slot->r.ok};
    tr_worker_push(&job, NULL);
    tr_worker_publish(); /* the digest is wanted soon: the event waits for it */
    slot->done_at = tr_worker_position();
    return t;
}

void tr_hash_free(tr_hash_ctx *c)
{
    tr_job job = {.run = run_free, .obj = c};
    tr_worker_push(&job, NULL);
}

/* ---- tickets ---- */

static ticket_slot *slot_of(uint64_t t)
{
    ticket_slot *slot = &slots[t % TICKET_SLOTS];
    return t && slot->ticket == t ? slot : NULL;
}

int tr_hash_ticket_ready(uint64_t t)
{
    ticket_slot *slot = slot_of(t);
    return !slot || tr_worker_done(slot->done_at);
}

int tr_hash_ticket_digest(uint64_t t, unsigned char digest[TR_HASH_DIGEST_LEN])
{
    ticket_slot *slot = slot_of(t);
    if (!slot)
        return 0;
    tr_worker_wait(slot->done_at);
    if (slot->r.ok)
        memcpy(digest, slot->r.digest, TR_HASH_DIGEST_LEN);
    return slot->r.ok;
}

const tr_hash_result *tr_hash_ticket_result(uint64_t t)
{
    ticket_slot *slot = slot_of(t);
    return slot ? &slot->r : NULL;
}

int tr_hash_ticket_hex(uint64_t t, char hex[2 * TR_HASH_DIGEST_LEN + 1])
{
    unsigned char digest[TR_HASH_DIGEST_LEN];
    hex[0] = '\0';
    if (!tr_hash_ticket_digest(t, digest))
        return 0;
    tr_hash_hex(digest, hex);
    return 1;
}

void tr_hash_ticket_hold(uint64_t t)
{
    ticket_slot *slot = slot_of(t);
    if (slot)
        slot->holds++;
}

void tr_hash_ticket_release(uint64_t t)
{
    ticket_slot *slot = slot_of(t);
    if (slot && slot->holds > 0)
        slot->holds--;
}

void tr_hash_hex(const unsigned char digest[TR_HASH_DIGEST_LEN], char hex[2 * TR_HASH_DIGEST_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < TR_HASH_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * TR_HASH_DIGEST_LEN] = '\0';
}


int tr_hash_fd_hex(int fd, char hex[2 * TR_HASH_DIGEST_LEN + 1])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    unsigned char buf[1 << 16], digest[EVP_MAX_MD_SIZE];
    ssize_t n = -1;
    while (ok && ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0 && EVP_DigestUpdate(md, buf, (size_t)n) != 1)
            ok = 0;
    unsigned int len = 0;
    ok = ok && n == 0 && EVP_DigestFinal_ex(md, digest, &len) == 1 && len == TR_HASH_DIGEST_LEN;
    EVP_MD_CTX_free(md);
    if (ok)
        tr_hash_hex(digest, hex);
    return ok ? 0 : -1;
}
