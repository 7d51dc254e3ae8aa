#include "tr_worker.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

/* The ring holds records: a header, then for updates, writes and opens the bytes (data, path), padded to 8. A
 * record never wraps: when it does not fit before the end, the rest of the ring is skipped (marked by a WRAP
 * header when one fits). */
#define RING_BYTES (4u << 20)
#define CHUNK_MAX (64u << 10)   /* longer updates are split, so a record is always far smaller than the ring */
#define SPINS_BEFORE_YIELD 256  /* the caller's waits are short: the worker is busy on work queued before */
#define SPINS_BEFORE_SLEEP 4096 /* the worker's idle spin: traffic in bursts wakes it without a syscall */
#define PUBLISH_BATCH (64u << 10) /* records are handed over in batches: each hand-over moves a cache line */

enum op { OP_INIT = 1, OP_UPDATE, OP_FINAL, OP_FREE, OP_OPEN, OP_PWRITE, OP_CLOSE, OP_WRAP };

typedef struct record {
    uint32_t op;
    uint32_t len;            /* OP_UPDATE, OP_PWRITE: bytes that follow the header; OP_OPEN: the path's */
    tr_hash_ctx *ctx;
    unsigned char *digest;   /* OP_FINAL: where the worker writes the digest */
    int *ok;                 /* OP_FINAL: 1 when every step since OP_INIT succeeded */
    tr_wfile *wf;            /* OP_OPEN, OP_PWRITE, OP_CLOSE */
    uint64_t off;            /* OP_PWRITE: file offset; OP_OPEN: open flags */
    int dirfd;               /* OP_OPEN */
} record;

static int carries_bytes(const record *r) { return r->op == OP_UPDATE || r->op == OP_PWRITE || r->op == OP_OPEN; }

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

/* A ticket's digest, written by the worker at its FINAL; ready once the worker's tail passes done_at. */
typedef struct ticket_slot {
    uint64_t ticket;  /* which ticket uses the slot now; 0: never used */
    uint64_t done_at; /* ring position just past the FINAL record */
    unsigned char digest[TR_HASH_DIGEST_LEN];
    int ok;
    int holds;        /* consumers that still need it: the slot is not reused meanwhile */
} ticket_slot;

#define TICKET_SLOTS 4096

static struct {
    uint8_t *ring;
    pthread_t thread;
    int running;
    /* producer side, touched by the engine's thread only */
    uint64_t head_local;     /* bytes written */
    uint64_t head_published; /* bytes the worker may see */
    uint64_t tail_seen;      /* the worker's tail when last read: the ring has at least that much room */
    unsigned long long full_waits;
    /* shared; each on its own cache line so the two threads do not fight over one */
    _Alignas(64) _Atomic uint64_t head; /* bytes published by the producer */
    _Alignas(64) _Atomic uint64_t tail; /* bytes consumed by the worker */
    _Alignas(64) _Atomic int sleeping;
    _Atomic int stopping;
    _Atomic int write_errno; /* the first failed open, write or close, for tr_worker_sync */
    char write_failure[280]; /* what failed, written by whoever set write_errno */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    uint64_t next_ticket; /* tickets count from 1, so 0 means none */
    ticket_slot slots[TICKET_SLOTS];
} wk = {.next_ticket = 1, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---- file operations, run by the worker (or by the caller when no worker runs) ---- */

/* A file the exporter writes: path kept for error messages, fd owned by whoever runs its operations. */
struct tr_wfile {
    int fd; /* -1 when the open failed: its writes are dropped, the failure was reported */
    char path[256]; /* for messages only */
};

static void wfile_failed(const tr_wfile *wf, const char *what, int err)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&wk.write_errno, &expected, err ? err : EIO))
        snprintf(wk.write_failure, sizeof wk.write_failure, "%s %s", what, wf->path);
}

static void wfile_do_open(tr_wfile *wf, int dirfd, const char *path, int flags)
{
    wf->fd = openat(dirfd, path, flags, 0644);
    if (wf->fd < 0)
        wfile_failed(wf, "opening", errno);
}

static void wfile_do_pwrite(tr_wfile *wf, const uint8_t *p, size_t n, uint64_t off)
{
    size_t done = 0;
    while (wf->fd >= 0 && done < n) {
        ssize_t w = pwrite(wf->fd, p + done, n - done, (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            wfile_failed(wf, "writing", w < 0 ? errno : EIO);
            return;
        }
        done += (size_t)w;
    }
}

static void wfile_do_close(tr_wfile *wf)
{
    if (wf->fd >= 0 && close(wf->fd) != 0)
        wfile_failed(wf, "closing", errno);
    free(wf);
}

static void run_record(const record *r, const uint8_t *data)
{
    tr_hash_ctx *c = r->ctx;
    switch (r->op) {
    case OP_INIT:
        c->failed = EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1;
        break;
    case OP_UPDATE:
        if (!c->failed && EVP_DigestUpdate(c->md, data, r->len) != 1)
            c->failed = 1;
        break;
    case OP_FINAL: {
        unsigned int len = 0;
        unsigned char out[EVP_MAX_MD_SIZE];
        int good = !c->failed && EVP_DigestFinal_ex(c->md, out, &len) == 1 && len == TR_HASH_DIGEST_LEN;
        if (good)
            memcpy(r->digest, out, TR_HASH_DIGEST_LEN);
        *r->ok = good;
        break;
    }
    case OP_FREE:
        tr_hash_ctx_free(c);
        break;
    case OP_OPEN:
        wfile_do_open(r->wf, r->dirfd, (const char *)data, (int)r->off);
        break;
    case OP_PWRITE:
        wfile_do_pwrite(r->wf, data, r->len, r->off);
        break;
    case OP_CLOSE:
        wfile_do_close(r->wf);
        break;
    default:
        break;
    }
}

/* Waits for head to move past tail; 0 when the worker should end (stopping and nothing left). */
static int wait_for_work(uint64_t tail, uint64_t *head)
{
    for (int spin = 0; spin < SPINS_BEFORE_SLEEP; spin++) {
        *head = atomic_load_explicit(&wk.head, memory_order_acquire);
        if (*head != tail)
            return 1;
        if (atomic_load_explicit(&wk.stopping, memory_order_acquire))
            return 0;
        cpu_relax();
    }
    pthread_mutex_lock(&wk.lock);
    atomic_store(&wk.sleeping, 1); /* seq_cst with the producer's head store, so a wake-up cannot be missed */
    for (;;) {
        *head = atomic_load(&wk.head);
        if (*head != tail || atomic_load(&wk.stopping))
            break;
        pthread_cond_wait(&wk.wake, &wk.lock);
    }
    atomic_store(&wk.sleeping, 0);
    pthread_mutex_unlock(&wk.lock);
    return *head != tail;
}

static void *worker_main(void *arg)
{
    (void)arg;
    uint64_t tail = atomic_load_explicit(&wk.tail, memory_order_relaxed);
    for (;;) {
        uint64_t head;
        if (!wait_for_work(tail, &head))
            return NULL;
        while (tail != head) {
            size_t off = (size_t)(tail % RING_BYTES);
            size_t left = RING_BYTES - off;
            record r;
            if (left < sizeof r) {
                tail += left;
                continue;
            }
            memcpy(&r, wk.ring + off, sizeof r);
            size_t size = r.op == OP_WRAP ? left : sizeof r + (carries_bytes(&r) ? ALIGN8(r.len) : 0);
            run_record(&r, wk.ring + off + sizeof r);
            tail += size;
            /* published record by record: a caller waiting on a FINAL sees it as soon as it is done */
            atomic_store_explicit(&wk.tail, tail, memory_order_release);
        }
    }
}

static void wait_until_tail(uint64_t target, int counts_as_full)
{
    unsigned spins = 0;
    while (atomic_load_explicit(&wk.tail, memory_order_acquire) < target) {
        if (spins == 0 && counts_as_full)
            wk.full_waits++;
        if (++spins < SPINS_BEFORE_YIELD)
            cpu_relax();
        else
            sched_yield(); /* the worker has work (we published it), so it is awake or being woken */
    }
}

/* Lets the worker see everything written so far. */
static void publish(void)
{
    if (wk.head_published == wk.head_local)
        return;
    wk.head_published = wk.head_local;
    atomic_store(&wk.head, wk.head_local); /* seq_cst: pairs with the worker's `sleeping` store */
    if (atomic_load(&wk.sleeping)) {
        pthread_mutex_lock(&wk.lock);
        pthread_cond_signal(&wk.wake);
        pthread_mutex_unlock(&wk.lock);
    }
}

static void push(const record *r, const void *data)
{
    size_t size = sizeof *r + (carries_bytes(r) ? ALIGN8(r->len) : 0);
    uint64_t head = wk.head_local;
    size_t off = (size_t)(head % RING_BYTES);
    size_t skip = RING_BYTES - off < size ? RING_BYTES - off : 0;
    if (head + skip + size - wk.tail_seen > RING_BYTES) {
        wk.tail_seen = atomic_load_explicit(&wk.tail, memory_order_acquire);
        if (head + skip + size - wk.tail_seen > RING_BYTES) {
            publish();
            wait_until_tail(head + skip + size - RING_BYTES, 1);
            wk.tail_seen = atomic_load_explicit(&wk.tail, memory_order_acquire);
        }
    }
    if (skip) {
        if (skip >= sizeof *r) {
            record wrap = {.op = OP_WRAP};
            memcpy(wk.ring + off, &wrap, sizeof wrap);
        }
        head += skip;
        off = 0;
    }
    memcpy(wk.ring + off, r, sizeof *r);
    if (data)
        memcpy(wk.ring + off + sizeof *r, data, r->len);
    wk.head_local = head + size;
    if (wk.head_local - wk.head_published >= PUBLISH_BATCH)
        publish();
}

int tr_worker_start(void)
{
    if (wk.running)
        return 0;
    wk.ring = aligned_alloc(64, RING_BYTES);
    if (!wk.ring)
        return -1;
    wk.head_local = 0;
    wk.head_published = 0;
    wk.tail_seen = 0;
    atomic_store(&wk.head, 0);
    atomic_store(&wk.tail, 0);
    atomic_store(&wk.stopping, 0);
    atomic_store(&wk.sleeping, 0);
    atomic_store(&wk.write_errno, 0);
    wk.full_waits = 0;
    memset(wk.slots, 0, sizeof wk.slots); /* tickets of an earlier run read as failed, never as someone's digest */
    /* The worker inherits a mask with every signal blocked, so SIGINT and friends reach the engine's thread,
     * whose poll they must interrupt. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&wk.thread, NULL, worker_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free(wk.ring);
        wk.ring = NULL;
        return -1;
    }
    wk.running = 1;
    return 0;
}

void tr_worker_stop(void)
{
    if (!wk.running)
        return;
    publish();
    pthread_mutex_lock(&wk.lock);
    atomic_store(&wk.stopping, 1);
    pthread_cond_signal(&wk.wake);
    pthread_mutex_unlock(&wk.lock);
    pthread_join(wk.thread, NULL); /* the worker drains the ring before it sees `stopping` with nothing left */
    free(wk.ring);
    wk.ring = NULL;
    wk.running = 0;
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

int tr_worker_running(void) { return wk.running; }

unsigned long long tr_worker_full_waits(void) { return wk.full_waits; }

tr_hash_ctx *tr_hash_ctx_new(void)
{
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

void tr_hash_init(tr_hash_ctx *c)
{
    record r = {.op = OP_INIT, .ctx = c};
    push(&r, NULL);
}

void tr_hash_update(tr_hash_ctx *c, const void *p, size_t n)
{
    const uint8_t *bytes = p;
    while (n) {
        size_t chunk = n < CHUNK_MAX ? n : CHUNK_MAX;
        record r = {.op = OP_UPDATE, .len = (uint32_t)chunk, .ctx = c};
        push(&r, bytes);
        bytes += chunk;
        n -= chunk;
    }
}

void tr_hash_final(tr_hash_ctx *c, unsigned char digest[TR_HASH_DIGEST_LEN], int *ok)
{
    record r = {.op = OP_FINAL, .ctx = c, .digest = digest, .ok = ok};
    *ok = 0;
    push(&r, NULL);
    publish();
    wait_until_tail(wk.head_local, 0);
}

uint64_t tr_hash_final_later(tr_hash_ctx *c)
{
    /* A slot still held (or, rarely, not done) is passed over; tickets are only numbers, so one kept for long
     * costs nothing. After a few busy slots in a row, the caller waits for its digest instead. */
    uint64_t t = 0;
    ticket_slot *slot = NULL;
    for (int tries = 0; tries < 4 && !slot; tries++) {
        t = wk.next_ticket++;
        slot = &wk.slots[t % TICKET_SLOTS];
        if (slot->holds || (slot->ticket && atomic_load_explicit(&wk.tail, memory_order_acquire) < slot->done_at))
            slot = NULL;
    }
    if (!slot)
        return 0;
    slot->ticket = t;
    slot->ok = 0;
    record r = {.op = OP_FINAL, .ctx = c, .digest = slot->digest, .ok = &slot->ok};
    push(&r, NULL);
    publish(); /* the digest is wanted soon: the event waits for it */
    slot->done_at = wk.head_local;
    return t;
}

static ticket_slot *slot_of(uint64_t t)
{
    ticket_slot *slot = &wk.slots[t % TICKET_SLOTS];
    return t && slot->ticket == t ? slot : NULL;
}

int tr_hash_ticket_ready(uint64_t t)
{
    ticket_slot *slot = slot_of(t);
    return !slot || atomic_load_explicit(&wk.tail, memory_order_acquire) >= slot->done_at;
}

int tr_hash_ticket_digest(uint64_t t, unsigned char digest[TR_HASH_DIGEST_LEN])
{
    ticket_slot *slot = slot_of(t);
    if (!slot)
        return 0;
    wait_until_tail(slot->done_at, 0);
    if (slot->ok)
        memcpy(digest, slot->digest, TR_HASH_DIGEST_LEN);
    return slot->ok;
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

void tr_hash_free(tr_hash_ctx *c)
{
    record r = {.op = OP_FREE, .ctx = c};
    push(&r, NULL);
}

static tr_wfile *wfile_new(const char *path)
{
    tr_wfile *wf = calloc(1, sizeof *wf);
    if (wf) {
        wf->fd = -1;
        snprintf(wf->path, sizeof wf->path, "%s", path ? path : "");
    }
    return wf;
}

tr_wfile *tr_wfile_open_at(int dirfd, const char *path, int flags)
{
    tr_wfile *wf = wfile_new(path);
    if (!wf)
        return NULL;
    size_t len = strlen(path) + 1;
    if (wk.running && len <= CHUNK_MAX) {
        record r = {.op = OP_OPEN, .len = (uint32_t)len, .wf = wf, .dirfd = dirfd, .off = (uint64_t)flags};
        push(&r, path);
    } else {
        wfile_do_open(wf, dirfd, path, flags);
    }
    return wf;
}

tr_wfile *tr_wfile_adopt(int fd, const char *path)
{
    tr_wfile *wf = wfile_new(path);
    if (wf)
        wf->fd = fd; /* published to the worker with the first record that names wf */
    return wf;
}

void tr_wfile_disown(tr_wfile *wf) { free(wf); }

void tr_wfile_pwrite(tr_wfile *wf, const void *p, size_t n, uint64_t off)
{
    if (!wk.running) {
        wfile_do_pwrite(wf, p, n, off);
        return;
    }
    const uint8_t *bytes = p;
    while (n) {
        size_t chunk = n < CHUNK_MAX ? n : CHUNK_MAX;
        record r = {.op = OP_PWRITE, .len = (uint32_t)chunk, .wf = wf, .off = off};
        push(&r, bytes);
        bytes += chunk;
        off += chunk;
        n -= chunk;
    }
}

void tr_wfile_close(tr_wfile *wf)
{
    if (!wk.running) {
        wfile_do_close(wf);
        return;
    }
    record r = {.op = OP_CLOSE, .wf = wf};
    push(&r, NULL);
}

void tr_worker_flush(void)
{
    if (wk.running) {
        publish();
        wait_until_tail(wk.head_local, 0);
    }
}

int tr_worker_sync(char *what, size_t cap)
{
    tr_worker_flush();
    int err = atomic_exchange(&wk.write_errno, 0);
    if (what && cap)
        snprintf(what, cap, "%s", err ? wk.write_failure : "");
    return err;
}
