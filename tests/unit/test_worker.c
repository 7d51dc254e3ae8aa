/* test_worker: SHA-256 on the worker thread (core/tr_worker.h) gives the digests OpenSSL gives on the caller's
 * thread, for interleaved objects far larger than its ring; tickets stay valid while held; the JSON and text
 * sinks write lines that waited for digests in order, digests filled in; and files written through the worker
 * (output/async_file.h) hold exactly what was written, with write errors reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "../../core/tr_hash.h"
#include "../../core/tr_wfile.h"
#include "../../core/tr_worker.h"
#include "../../dissectors/sha256.h"
#include "../../output/async_file.h"
#include "../../output/sink_lines.h"

#include <fcntl.h>

#include "harness.h"
#include <unistd.h>

/* FIPS 180-2 test vectors */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void hash_in_pieces(sha256 *h, const uint8_t *p, size_t n, size_t piece)
{
    for (size_t off = 0; off < n; off += piece)
        sha256_update(h, p + off, n - off < piece ? n - off : piece);
}

static void known_vectors(int on_worker)
{
    if (on_worker)
        assert_int_equal(tr_worker_start(), 0);
    assert_int_equal(tr_worker_running(), on_worker);
    char hex[SHA256_HEX_LEN + 1];
    assert_int_equal(sha256_hex_of("abc", 3, hex), 0);
    assert_string_equal(hex, SHA_ABC);
    assert_int_equal(sha256_hex_of("", 0, hex), 0);
    assert_string_equal(hex, SHA_EMPTY);
    size_t n = 1000000;
    uint8_t *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    sha256 h = {0};
    assert_int_equal(sha256_begin(&h), 0);
    hash_in_pieces(&h, a, n, 1448); /* as TCP segments would bring it */
    assert_int_equal(sha256_finish_hex(&h, hex), 0);
    assert_string_equal(hex, SHA_MILLION_A);
    /* the same context again, in one update larger than the worker's chunk */
    assert_int_equal(sha256_begin(&h), 0);
    sha256_update(&h, a, n);
    assert_int_equal(sha256_finish_hex(&h, hex), 0);
    assert_string_equal(hex, SHA_MILLION_A);
    sha256_release(&h);
    free(a);
    tr_worker_stop();
    assert_int_equal(tr_worker_running(), 0);
}

static void test_vectors_inline(void **state)
{
    (void)state;
    known_vectors(0);
}

static void test_vectors_on_worker(void **state)
{
    (void)state;
    known_vectors(1);
}

#define OBJECTS 24

/* Interleaved objects of many sizes (some several times the 4 MB ring), some aborted or released midway, on
 * the worker; each digest must equal the one computed on this thread. */
static void test_interleaved_objects_match_inline(void **state)
{
    (void)state;
    size_t total = 24u << 20;
    uint8_t *data = malloc(total);
    assert_non_null(data);
    uint32_t x = 12345;
    for (size_t i = 0; i < total; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    size_t len[OBJECTS];
    char want[OBJECTS][SHA256_HEX_LEN + 1];
    for (int k = 0; k < OBJECTS; k++) {
        len[k] = (size_t)(k * k * k) * 1500u + (size_t)k; /* 0 .. ~18 MB */
        if (len[k] > total)
            len[k] = total - (size_t)k;
        assert_int_equal(sha256_hex_of(data + k, len[k], want[k]), 0);
    }
    assert_int_equal(tr_worker_start(), 0);
    sha256 h[OBJECTS];
    memset(h, 0, sizeof h);
    size_t off[OBJECTS] = {0};
    for (int k = 0; k < OBJECTS; k++)
        assert_int_equal(sha256_begin(&h[k]), 0);
    sha256 dropped = {0}; /* aborted, then released with its updates still queued */
    assert_int_equal(sha256_begin(&dropped), 0);
    sha256_update(&dropped, data, 3u << 20);
    sha256_abort(&dropped);
    sha256_release(&dropped);
    for (int busy = 1; busy;) {
        busy = 0;
        for (int k = 0; k < OBJECTS; k++) {
            size_t piece = 1 + (size_t)k * 977u; /* 1 byte .. 22 KB, each object its own size */
            if (off[k] < len[k]) {
                size_t n = len[k] - off[k] < piece ? len[k] - off[k] : piece;
                sha256_update(&h[k], data + k + off[k], n);
                off[k] += n;
                busy = 1;
            }
        }
    }
    sha256_digest later[OBJECTS];
    for (int k = 0; k < OBJECTS; k++) {
        if (k % 2) { /* half through tickets, read after all others were queued */
            assert_int_equal(sha256_finish_later(&h[k], &later[k]), 0);
            assert_true(later[k].ticket != 0);
        } else {
            char hex[SHA256_HEX_LEN + 1];
            assert_int_equal(sha256_finish_hex(&h[k], hex), 0);
            assert_string_equal(hex, want[k]);
        }
    }
    for (int k = 1; k < OBJECTS; k += 2) {
        unsigned char d[TR_HASH_DIGEST_LEN];
        char hex[2 * TR_HASH_DIGEST_LEN + 1];
        assert_int_equal(tr_hash_ticket_digest(later[k].ticket, d), 1);
        tr_hash_hex(d, hex);
        assert_string_equal(hex, want[k]);
        assert_true(tr_hash_ticket_ready(later[k].ticket));
    }
    for (int k = 0; k < OBJECTS; k++)
        sha256_release(&h[k]);
    tr_worker_stop();
    free(data);
}

/* A held ticket's slot is not given to a later object (it is passed over), so the held digest stays readable
 * however many objects come after it. */
static void test_held_ticket_is_not_reused(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_start(), 0);
    sha256 h = {0};
    sha256_digest first;
    assert_int_equal(sha256_begin(&h), 0);
    sha256_update(&h, "abc", 3);
    assert_int_equal(sha256_finish_later(&h, &first), 0);
    assert_true(first.ticket != 0);
    tr_hash_ticket_hold(first.ticket);
    unsigned char d[TR_HASH_DIGEST_LEN];
    char hex[2 * TR_HASH_DIGEST_LEN + 1];
    for (int i = 0; i < 10000; i++) { /* more than twice round the ticket slots */
        sha256_digest later;
        assert_int_equal(sha256_begin(&h), 0);
        sha256_update(&h, "", 0);
        assert_int_equal(sha256_finish_later(&h, &later), 0);
        assert_true(later.ticket != first.ticket);
        if (later.ticket) {
            assert_int_equal(tr_hash_ticket_digest(later.ticket, d), 1);
            tr_hash_hex(d, hex);
            assert_string_equal(hex, SHA_EMPTY);
        } else {
            assert_string_equal(later.hex, SHA_EMPTY);
        }
    }
    assert_int_equal(tr_hash_ticket_digest(first.ticket, d), 1);
    tr_hash_hex(d, hex);
    assert_string_equal(hex, SHA_ABC);
    tr_hash_ticket_release(first.ticket);
    sha256_release(&h);
    tr_worker_stop();
}

/* The JSON sink: a line whose digest is still being computed waits, the lines after it wait behind it, and
 * all come out in order with the digest in place; a sink that takes no tickets gets the digest resolved. */
typedef struct seen {
    char text[4096];
} seen;

static void record_event(void *self, const tr_event *e)
{
    seen *s = self;
    for (int i = 0; i < e->nf; i++)
        if (e->f[i].key && strcmp(e->f[i].key, "body_sha256") == 0) {
            assert_int_equal(e->f[i].type, TR_F_STR);
            strncat(s->text, e->f[i].s, e->f[i].n);
            strcat(s->text, "\n");
        }
}

/* A sink_lines writing to memory with digests deferred, on a context of its own, the worker running; with
 * use_worker, lines are formatted and written on the worker (as trawl reads files), else here. */
typedef struct lines_fixture {
    char *out;
    size_t outlen;
    FILE *f;
    tr_ctx ctx;
    sink_lines lines;
} lines_fixture;

static void lines_fixture_open(lines_fixture *x, int format, int use_worker)
{
    assert_int_equal(tr_worker_start(), 0);
    x->out = NULL;
    x->outlen = 0;
    x->f = open_memstream(&x->out, &x->outlen);
    assert_non_null(x->f);
    tr_ctx_init(&x->ctx);
    sink_lines_init(&x->lines, x->f, format, 0);
    sink_lines_defer_digests(&x->lines, 1);
    sink_lines_use_worker(&x->lines, use_worker);
    assert_int_equal(x->lines.use_worker, use_worker);
    tr_sink ls = sink_lines_sink(&x->lines);
    assert_int_equal(ls.takes_digest_tickets, 1);
    tr_ctx_add_sink(&x->ctx, &ls);
}

/* Drains the sink and returns everything it wrote (valid until lines_fixture_close). */
static const char *lines_fixture_output(lines_fixture *x)
{
    sink_lines_drain(&x->lines);
    fflush(x->f);
    assert_int_equal(x->lines.queue.nholes, 0);
    return x->out;
}

static void lines_fixture_close(lines_fixture *x)
{
    sink_lines_free(&x->lines);
    fclose(x->f);
    free(x->out);
    tr_worker_stop();
}

/* n zero bytes (enough that the worker is still hashing when the next event comes) and their digest, computed
 * on this thread. */
static uint8_t *zeros_and_digest(size_t n, char want[SHA256_HEX_LEN + 1])
{
    uint8_t *data = calloc(1, n);
    assert_non_null(data);
    assert_int_equal(sha256_hex_of(data, n, want), 0);
    return data;
}

/* Hashes body on the worker and emits an http response numbered n whose body_sha256 waits for it; d gets the
 * digest's ticket (or hex), for other sinks. */
static void emit_hashed_response(tr_ctx *ctx, sha256 *h, int n, const void *body, size_t len, sha256_digest *d)
{
    tr_event e;
    tr_ev_init_nosession(&e, ctx, "http", "response");
    tr_ev_int(&e, "n", n);
    assert_int_equal(sha256_begin(h), 0);
    sha256_update(h, body, len);
    assert_int_equal(sha256_finish_later(h, d), 0);
    tr_ev_digest(&e, "body_sha256", d->hex, d->ticket);
    tr_emit(&e);
}

static void test_lines_wait_for_digests_in_order(void **state)
{
    int use_worker = *(int *)*state;
    lines_fixture x;
    lines_fixture_open(&x, SINK_LINES_JSON, use_worker);
    tr_ctx other_ctx; /* the same digests to a sink that takes no tickets */
    tr_ctx_init(&other_ctx);
    seen other = {{0}};
    tr_sink os = {.self = &other, .on_event = record_event};
    tr_ctx_add_sink(&other_ctx, &os);

    size_t big = 6u << 20;
    char want_big[SHA256_HEX_LEN + 1];
    uint8_t *data = zeros_and_digest(big, want_big);
    sha256 h = {0};
    for (int k = 0; k < 3; k++) {
        sha256_digest d;
        emit_hashed_response(&x.ctx, &h, k, k == 0 ? (const void *)data : "abc", k == 0 ? big : 3, &d);
        tr_event e;
        tr_ev_init_nosession(&e, &other_ctx, "http", "response");
        tr_ev_digest(&e, "body_sha256", d.hex, d.ticket);
        tr_emit(&e);
        tr_ev_init_nosession(&e, &x.ctx, "dns", "query");
        tr_ev_int(&e, "n", k);
        tr_emit(&e);
    }
    char want[2048];
    snprintf(want, sizeof want,
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"http\",\"type\":\"response\",\"http\":{\"n\":0,\"body_sha256\":\"%s\"}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"n\":0}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"http\",\"type\":\"response\",\"http\":{\"n\":1,\"body_sha256\":\"%s\"}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"n\":1}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"http\",\"type\":\"response\",\"http\":{\"n\":2,\"body_sha256\":\"%s\"}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"n\":2}}\n",
             want_big, SHA_ABC, SHA_ABC);
    assert_string_equal(lines_fixture_output(&x), want);
    char want_other[512];
    snprintf(want_other, sizeof want_other, "%s\n%s\n%s\n", want_big, SHA_ABC, SHA_ABC);
    assert_string_equal(other.text, want_other);

    sha256_release(&h);
    free(data);
    lines_fixture_close(&x);
}

/* Text lines wait the same way: ` body_sha256=<hex>` is filled in and the order kept. */
static void test_text_lines_wait_for_digests(void **state)
{
    int use_worker = *(int *)*state;
    lines_fixture x;
    lines_fixture_open(&x, SINK_LINES_TEXT, use_worker);
    size_t big = 5u << 20;
    char want_big[SHA256_HEX_LEN + 1];
    uint8_t *data = zeros_and_digest(big, want_big);
    sha256 h = {0};
    assert_int_equal(sha256_begin(&h), 0);
    sha256_update(&h, data, big);
    sha256_digest d;
    assert_int_equal(sha256_finish_later(&h, &d), 0);
    tr_event e;
    tr_ev_init_nosession(&e, &x.ctx, "ftp", "transfer");
    tr_ev_int(&e, "bytes", (int64_t)big);
    tr_ev_digest(&e, "sha256", d.hex, d.ticket);
    tr_ev_bool(&e, "complete", 1);
    tr_emit(&e);
    tr_ev_init_nosession(&e, &x.ctx, "dns", "query");
    tr_emit(&e);
    char want[1024];
    snprintf(want, sizeof want, "1970-01-01 00:00:00.000000 #0 ftp transfer bytes=%zu sha256=%s complete=true\n"
                                  "1970-01-01 00:00:00.000000 #0 dns query\n",
             big, want_big);
    assert_string_equal(lines_fixture_output(&x), want);
    sha256_release(&h);
    free(data);
    lines_fixture_close(&x);
}

/* Thousands of lines held at once, past both caps (digests waited for, bytes held): the writer waits for the
 * oldest digest, writes what it can and goes on, and every line comes out once, in order, its digest in place. */
static void test_many_lines_wait_past_the_caps(void **state)
{
    int use_worker = *(int *)*state;
    lines_fixture x;
    lines_fixture_open(&x, SINK_LINES_JSON, use_worker);
    enum { EVENTS = 3000, SLOW_EVERY = 50, PAD = 1500 };
    char pad[PAD + 1];
    memset(pad, 'p', PAD);
    pad[PAD] = '\0';
    tr_strbuf want;
    tr_sb_init(&want, 64u << 20);
    sha256 h = {0};
    for (int k = 0; k < EVENTS; k++) {
        /* the worker pauses before some digests, longer than the lines between two pauses take to format, so
         * lines pile up past the caps and come free in steps; pauses, not big objects, since an object begun
         * while the worker is behind would be hashed here with no digest to wait for */
        if (k % SLOW_EVERY == 0)
            harness_worker_queue_pause(2000);
        sha256_digest d;
        emit_hashed_response(&x.ctx, &h, k, "abc", 3, &d);
        tr_event e;
        tr_ev_init_nosession(&e, &x.ctx, "dns", "query");
        tr_ev_str(&e, "qname", pad);
        tr_emit(&e);
        char line[2048];
        snprintf(line, sizeof line,
                 "{\"ts\":0.000000,\"session\":0,\"proto\":\"http\",\"type\":\"response\",\"http\":{\"n\":%d,\"body_sha256\":\"%s\"}}\n"
                 "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"qname\":\"%s\"}}\n",
                 k, SHA_ABC, pad);
        tr_sb_adds(&want, line);
    }
    assert_false(want.overflow);
    assert_true(want.len > 4 * DIGEST_LINES_QUEUE_MAX);
    tr_sb_addc(&want, '\0');
    assert_string_equal(lines_fixture_output(&x), want.p);
    tr_sb_free(&want);
    sha256_release(&h);
    lines_fixture_close(&x);
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Interleaved writes to several files through the worker, one with a seek past its end (a raw stream's gap),
 * more bytes than the ring holds: each file must hold exactly its bytes once tr_wfile_sync returns. */
static void count_job(const tr_job *job, const uint8_t *data)
{
    (void)data;
    ++*(int *)job->obj;
}

/* Stopping runs every job queued before it. The race this guards (the worker, spinning idle, read an empty
 * ring, then `stopping`, and quit with the last jobs unrun: under load in CI, contexts freed at exit leaked)
 * needs the worker preempted between two loads, so these cycles catch it only by chance; they check the
 * ordinary case every time. */
static void test_stop_runs_every_queued_job(void **state)
{
    (void)state;
    for (int cycle = 0; cycle < 3000; cycle++) {
        int ran = 0;
        assert_int_equal(tr_worker_start(), 0);
        tr_job job = {.run = count_job, .obj = &ran};
        tr_worker_push(&job, NULL); /* not published: tr_worker_stop publishes it, then says stop */
        tr_worker_stop();
        assert_int_equal(ran, 1);
    }
}

static void test_async_files_hold_what_was_written(void **state)
{
    (void)state;
    for (int on_worker = 0; on_worker < 2; on_worker++) {
        if (on_worker)
            assert_int_equal(tr_worker_start(), 0);
        char dir[32];
        harness_tmpdir(dir, sizeof dir, "worker");
        enum { FILES = 3 };
        size_t size = 3u << 20;
        uint8_t *want[FILES], *got = malloc(size + 4096);
        assert_non_null(got);
        FILE *f[FILES];
        char path[FILES][64];
        for (int k = 0; k < FILES; k++) {
            want[k] = calloc(1, size);
            assert_non_null(want[k]);
            for (size_t i = 0; i < size; i++)
                want[k][i] = (uint8_t)(i * (size_t)(k + 3) + (i >> 9));
            snprintf(path[k], sizeof path[k], "%s/f%d", dir, k);
            if (k == 0) { /* opened here (as for O_EXCL names), the others by the worker */
                int fd = open(path[k], O_WRONLY | O_CREAT | O_TRUNC, 0644);
                assert_true(fd >= 0);
                f[k] = async_file_adopt(fd, path[k]);
            } else {
                f[k] = async_file_open_at(AT_FDCWD, path[k], O_WRONLY | O_CREAT | O_TRUNC);
            }
            assert_non_null(f[k]);
            setvbuf(f[k], NULL, _IOFBF, 8192);
        }
        size_t gap_at = 1000000, gap = 5000; /* file 1: bytes [gap_at, gap_at+gap) never written: zeros */
        for (size_t off = 0; off < size; off += 1448) {
            size_t n = size - off < 1448 ? size - off : 1448;
            for (int k = 0; k < FILES; k++) {
                if (k == 1 && off + n > gap_at && off < gap_at + gap) {
                    if (off <= gap_at) {
                        fwrite(want[k] + off, 1, gap_at - off, f[k]);
                        assert_int_equal(fseeko(f[k], (off_t)(gap_at + gap), SEEK_SET), 0);
                    }
                    size_t from = off + n > gap_at + gap ? gap_at + gap : off + n;
                    if (from > off && from < off + n && from > gap_at)
                        fwrite(want[k] + from, 1, off + n - from, f[k]);
                    continue;
                }
                assert_int_equal(fwrite(want[k] + off, 1, n, f[k]), n);
            }
        }
        memset(want[1] + gap_at, 0, gap);
        for (int k = 0; k < FILES; k++)
            assert_int_equal(fclose(f[k]), 0);
        assert_int_equal(tr_wfile_sync(NULL, 0), 0);
        for (int k = 0; k < FILES; k++) {
            assert_int_equal(slurp(path[k], got, size + 4096), size);
            assert_memory_equal(got, want[k], size);
            free(want[k]);
        }
        harness_rmtree(dir);
        free(got);
        tr_worker_stop();
    }
}

/* What the worker cannot do (write on a descriptor open for reading, create a file in a folder that does
 * not exist) is reported by tr_wfile_sync, once, naming the file; later writes go on. */
static void test_async_write_error_is_reported(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_start(), 0);
    char what[320];
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    FILE *f = async_file_adopt(fd, "dev-null");
    assert_non_null(f);
    fputs("lost", f);
    assert_int_equal(fclose(f), 0); /* the failure happens later, on the worker */
    assert_int_equal(tr_wfile_sync(what, sizeof what), EBADF);
    assert_string_equal(what, "writing dev-null");
    assert_int_equal(tr_wfile_sync(what, sizeof what), 0);
    assert_string_equal(what, "");

    f = async_file_open_at(AT_FDCWD, "/nonexistent-trawl-dir/x.txt", O_WRONLY | O_CREAT | O_TRUNC);
    assert_non_null(f);
    fputs("nowhere", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(tr_wfile_sync(what, sizeof what), ENOENT);
    assert_string_equal(what, "opening /nonexistent-trawl-dir/x.txt");
    tr_worker_stop();
}

/* The worker counts as behind while more than half its ring (4 MB) waits to run, and no longer once it ran. */
static void test_behind_while_half_the_ring_waits(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_behind(), 0); /* not running */
    assert_int_equal(tr_worker_start(), 0);
    harness_worker_hold();
    harness_worker_queue_chunks(30); /* under 2 MB, even with a skip at the ring's end */
    assert_int_equal(tr_worker_behind(), 0);
    harness_worker_queue_chunks(3);
    assert_int_equal(tr_worker_behind(), 1);
    harness_worker_release();
    tr_worker_flush();
    assert_int_equal(tr_worker_behind(), 0);
    tr_worker_stop();
}

/* Hashing goes where there is time: an object begun while the worker is behind is hashed on this thread (its
 * digest known at once, no ticket), one begun before keeps to the worker, and once the worker has caught up,
 * new objects go to it again. */
static void test_objects_begun_while_behind_are_hashed_here(void **state)
{
    (void)state;
    char want_abcdef[SHA256_HEX_LEN + 1];
    assert_int_equal(sha256_hex_of("abcdef", 6, want_abcdef), 0); /* no worker yet: here */
    assert_int_equal(tr_worker_start(), 0);
    harness_worker_hold();
    sha256 before = {0}, during = {0}, after = {0};
    assert_int_equal(sha256_begin(&before), 0);
    sha256_update(&before, "abc", 3);
    harness_worker_queue_chunks(33);
    assert_int_equal(tr_worker_behind(), 1);

    assert_int_equal(tr_worker_taken(), 0);
    assert_int_equal(sha256_begin(&during), 0);
    assert_int_equal(tr_worker_taken(), 1); /* for --stats */
    sha256_update(&during, "abc", 3);
    sha256_digest d;
    assert_int_equal(sha256_finish_later(&during, &d), 0);
    assert_true(d.ticket == 0);
    assert_string_equal(d.hex, SHA_ABC);

    sha256_update(&before, "def", 3);
    sha256_digest db;
    assert_int_equal(sha256_finish_later(&before, &db), 0);
    assert_true(db.ticket != 0);
    harness_worker_release();
    unsigned char digest[TR_HASH_DIGEST_LEN];
    char hex[2 * TR_HASH_DIGEST_LEN + 1];
    assert_int_equal(tr_hash_ticket_digest(db.ticket, digest), 1);
    tr_hash_hex(digest, hex);
    assert_string_equal(hex, want_abcdef);

    tr_worker_flush();
    assert_int_equal(sha256_begin(&after), 0);
    sha256_update(&after, "abc", 3);
    sha256_digest da;
    assert_int_equal(sha256_finish_later(&after, &da), 0);
    assert_true(da.ticket != 0);
    assert_int_equal(tr_hash_ticket_digest(da.ticket, digest), 1);
    tr_hash_hex(digest, hex);
    assert_string_equal(hex, SHA_ABC);
    /* `during` reuses its context here, `before` its context on the worker: both digests right */
    assert_int_equal(sha256_begin(&during), 0);
    sha256_update(&during, "abcdef", 6);
    assert_int_equal(sha256_finish_hex(&during, hex), 0);
    assert_string_equal(hex, want_abcdef);
    sha256_release(&before);
    sha256_release(&during);
    sha256_release(&after);
    tr_worker_stop();
}

/* Lines on the worker, while it is behind: events without digests are formatted here and queued as text, events
 * with a digest still go to the worker flattened, and every line comes out in the order emitted. */
static void test_lines_on_worker_keep_order_while_behind(void **state)
{
    (void)state;
    lines_fixture x;
    lines_fixture_open(&x, SINK_LINES_JSON, 1);
    sha256 h = {0};
    sha256_digest d;
    harness_worker_hold(); /* so the first line is still to be written when the others are formatted here */
    emit_hashed_response(&x.ctx, &h, 0, "abc", 3, &d); /* not behind yet: hashed on the worker, a ticket */
    assert_true(d.ticket != 0);
    harness_worker_queue_chunks(33);
    assert_int_equal(tr_worker_behind(), 1);
    tr_event e;
    tr_ev_init_nosession(&e, &x.ctx, "dns", "query");
    tr_ev_int(&e, "n", 1);
    tr_emit(&e); /* formatted here */
    emit_hashed_response(&x.ctx, &h, 2, "abc", 3, &d); /* begun while behind: hashed here, no ticket */
    tr_ev_init_nosession(&e, &x.ctx, "dns", "query");
    tr_ev_int(&e, "n", 3);
    tr_emit(&e);
    harness_worker_release();
    char want[2048];
    snprintf(want, sizeof want,
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"http\",\"type\":\"response\",\"http\":{\"n\":0,\"body_sha256\":\"%s\"}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"n\":1}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"http\",\"type\":\"response\",\"http\":{\"n\":2,\"body_sha256\":\"%s\"}}\n"
             "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"n\":3}}\n",
             SHA_ABC, SHA_ABC);
    assert_string_equal(lines_fixture_output(&x), want);
    sha256_release(&h);
    lines_fixture_close(&x);
}

/* An event larger than a job (a 100 KB field) is formatted here and its text queued in pieces, between the
 * lines before and after it. */
static void test_line_too_large_for_a_job(void **state)
{
    (void)state;
    lines_fixture x;
    lines_fixture_open(&x, SINK_LINES_JSON, 1);
    enum { BIG = 100000 };
    char *big = malloc(BIG + 1);
    assert_non_null(big);
    memset(big, 'q', BIG);
    big[BIG] = '\0';
    tr_event e;
    for (int k = 0; k < 3; k++) {
        tr_ev_init_nosession(&e, &x.ctx, "dns", "query");
        tr_ev_str(&e, "qname", k == 1 ? big : "x");
        tr_emit(&e);
    }
    tr_strbuf want;
    tr_sb_init(&want, 1u << 20);
    const char *head = "{\"ts\":0.000000,\"session\":0,\"proto\":\"dns\",\"type\":\"query\",\"dns\":{\"qname\":\"";
    for (int k = 0; k < 3; k++) {
        tr_sb_adds(&want, head);
        tr_sb_adds(&want, k == 1 ? big : "x");
        tr_sb_adds(&want, "\"}}\n");
    }
    tr_sb_addc(&want, '\0');
    assert_string_equal(lines_fixture_output(&x), want.p);
    tr_sb_free(&want);
    free(big);
    lines_fixture_close(&x);
}

int main(void)
{
    static int here = 0, on_worker = 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_inline),
        cmocka_unit_test(test_vectors_on_worker),
        cmocka_unit_test(test_interleaved_objects_match_inline),
        cmocka_unit_test(test_held_ticket_is_not_reused),
        cmocka_unit_test_prestate(test_lines_wait_for_digests_in_order, &here),
        cmocka_unit_test_prestate(test_lines_wait_for_digests_in_order, &on_worker),
        cmocka_unit_test_prestate(test_text_lines_wait_for_digests, &here),
        cmocka_unit_test_prestate(test_text_lines_wait_for_digests, &on_worker),
        cmocka_unit_test_prestate(test_many_lines_wait_past_the_caps, &here),
        cmocka_unit_test_prestate(test_many_lines_wait_past_the_caps, &on_worker),
        cmocka_unit_test(test_lines_on_worker_keep_order_while_behind),
        cmocka_unit_test(test_line_too_large_for_a_job),
        cmocka_unit_test(test_stop_runs_every_queued_job),
        cmocka_unit_test(test_async_files_hold_what_was_written),
        cmocka_unit_test(test_async_write_error_is_reported),
        cmocka_unit_test(test_behind_while_half_the_ring_waits),
        cmocka_unit_test(test_objects_begun_while_behind_are_hashed_here),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
