#include "tr_worker.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tr_mem.h"

/* The ring holds jobs, each followed by its bytes padded to 8. A job never wraps: when it does not fit before
 * the end, the rest of the ring is skipped (marked by a job without `run` when one fits). */
#define RING_BYTES (4u << 20) /* a multiple of TR_HUGE_PAGE: two page faults instead of 1024, where THP is on */
#define SPINS_BEFORE_YIELD 256  /* the caller's waits are short: the worker is busy on jobs queued before */
#define SPINS_BEFORE_SLEEP 4096 /* the worker's idle spin (~50 us): traffic in bursts wakes it without a syscall */
/* After a full batch (a capture file read as fast as it goes, a busy link) the next one is due soon: the worker
 * spins longer (~0.4 ms) rather than sleep and cost the engine a wake-up (~8 us of its time in this VM; 660
 * wake-ups on a 0.16 s capture of small FTP sessions). A sparse live link keeps the short spin. */
#define SPINS_IN_BULK 32768
#define PUBLISH_BATCH (64u << 10) /* jobs are handed over in batches: each hand-over moves a cache line */

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

/* Positions count bytes since the program started and never go back, so a position taken before a restart
 * reads as done after it. */
static struct {
    uint8_t *ring;
    pthread_t thread;
    int running;
    /* producer side, touched by the engine's thread only */
    uint64_t head_local;     /* bytes written */
    uint64_t head_published; /* bytes the worker may see */
    uint64_t tail_seen;      /* the worker's tail when last read: the ring has at least that much room */
    unsigned long long full_waits;
    unsigned long long taken; /* pieces of work the engine did itself while the worker was behind */
    /* shared; each on its own cache line so the two threads do not fight over one */
    _Alignas(64) _Atomic uint64_t head; /* bytes published by the producer */
    _Alignas(64) _Atomic uint64_t tail; /* bytes consumed by the worker */
    _Alignas(64) _Atomic int sleeping;
    _Atomic int stopping;
    pthread_mutex_t lock;
    pthread_cond_t wake;
} wk = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits for head to move past tail; 0 when the worker should end (stopping and nothing left). */
static int wait_for_work(uint64_t tail, uint64_t *head, int spins)
{
    for (int spin = 0; spin < spins; spin++) {
        *head = atomic_load_explicit(&wk.head, memory_order_acquire);
        if (*head != tail)
            return 1;
        if (atomic_load(&wk.stopping)) {
            /* the last jobs may have been published between the two loads: stop sets `stopping` after
             * publishing, so head read again now is final */
            *head = atomic_load(&wk.head);
            return *head != tail;
        }
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
    int spins = SPINS_BEFORE_SLEEP;
    for (;;) {
        uint64_t head;
        if (!wait_for_work(tail, &head, spins))
            return NULL;
        spins = head - tail >= PUBLISH_BATCH ? SPINS_IN_BULK : SPINS_BEFORE_SLEEP;
        while (tail != head) {
            size_t off = (size_t)(tail % RING_BYTES);
            size_t left = RING_BYTES - off;
            tr_job job;
            if (left < sizeof job) {
                tail += left;
                continue;
            }
            memcpy(&job, wk.ring + off, sizeof job);
            size_t size = !job.run ? left : sizeof job + ALIGN8(job.len);
            if (job.run)
                job.run(&job, wk.ring + off + sizeof job);
            tail += size;
            /* published job by job: a caller waiting for one sees it as soon as it has run */
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

void tr_worker_push2(const tr_job *r, const void *a, size_t na, const void *b)
{
    size_t size = sizeof *r + ALIGN8(r->len);
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
            tr_job wrap = {.run = NULL};
            memcpy(wk.ring + off, &wrap, sizeof wrap);
        }
        head += skip;
        off = 0;
    }
    memcpy(wk.ring + off, r, sizeof *r);
    if (a && na)
        memcpy(wk.ring + off + sizeof *r, a, na);
    if (b && r->len > na)
        memcpy(wk.ring + off + sizeof *r + na, b, r->len - na);
    wk.head_local = head + size;
    if (wk.head_local - wk.head_published >= PUBLISH_BATCH)
        publish();
}

void tr_worker_push(const tr_job *r, const void *data) { tr_worker_push2(r, data, r->len, NULL); }

int tr_worker_start(void)
{
    if (wk.running)
        return 0;
    wk.ring = tr_alloc_huge(RING_BYTES);
    if (!wk.ring)
        return -1;
    wk.head_published = wk.tail_seen = wk.head_local; /* positions go on from where the last run ended */
    atomic_store(&wk.head, wk.head_local);
    atomic_store(&wk.tail, wk.head_local);
    atomic_store(&wk.stopping, 0);
    atomic_store(&wk.sleeping, 0);
    wk.full_waits = 0;
    wk.taken = 0;
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

int tr_worker_running(void) { return wk.running; }

unsigned long long tr_worker_full_waits(void) { return wk.full_waits; }

void tr_worker_publish(void) { publish(); }

uint64_t tr_worker_position(void) { return wk.head_local; }

int tr_worker_done(uint64_t pos) { return atomic_load_explicit(&wk.tail, memory_order_acquire) >= pos; }

int tr_worker_behind(void)
{
    if (!wk.running || wk.head_local - wk.tail_seen <= RING_BYTES / 2)
        return 0; /* tail_seen trails the real tail: no need to read the worker's cache line (asked per event) */
    wk.tail_seen = atomic_load_explicit(&wk.tail, memory_order_acquire);
    return wk.head_local - wk.tail_seen > RING_BYTES / 2;
}

void tr_worker_note_taken(void) { wk.taken++; }

unsigned long long tr_worker_taken(void) { return wk.taken; }

void tr_worker_wait(uint64_t pos)
{
    if (!wk.running)
        return; /* stopped: everything queued has run */
    publish();
    wait_until_tail(pos, 0);
}

void tr_worker_flush(void) { tr_worker_wait(wk.head_local); }

void tr_worker_push_split(const tr_job *job, const void *data, size_t n)
{
    const uint8_t *bytes = data;
    tr_job piece = *job;
    while (n) {
        size_t chunk = n < TR_JOB_DATA_MAX ? n : TR_JOB_DATA_MAX;
        piece.len = (uint32_t)chunk;
        tr_worker_push(&piece, bytes);
        bytes += chunk;
        piece.arg += chunk;
        n -= chunk;
    }
}
