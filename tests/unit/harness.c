#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <ftw.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/tr_worker.h"
#include "../../output/sink_lines.h"
#include "../../output/tr_format.h"

static int results_on_worker;

void harness_results_on_worker(int on)
{
    results_on_worker = on;
    if (on)
        assert_int_equal(tr_worker_start(), 0);
    else
        tr_worker_stop();
}

static void record(void *self, const tr_event *e)
{
    harness *h = self;
    tr_format_json(e, 0, &h->out);
}

harness *harness_new(const char *proto, uint8_t l4, uint16_t server_port)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    tr_ctx_init(&h->ctx);
    tr_sb_init(&h->out, 64u << 20);
    tr_sink k = {0};
    k.self = h;
    k.on_event = record;
    if (results_on_worker) {
        h->lines = calloc(1, sizeof *h->lines);
        h->lines_file = open_memstream(&h->lines_buf, &h->lines_len);
        assert_true(h->lines && h->lines_file);
        sink_lines_init(h->lines, h->lines_file, SINK_LINES_JSON, 0);
        sink_lines_defer_digests(h->lines, 1);
        sink_lines_use_worker(h->lines, 1);
        k = sink_lines_sink(h->lines);
        h->ctx.results_on_worker = 1;
    }
    tr_ctx_add_sink(&h->ctx, &k);
    h->ctx.now_us = 1700000000000000LL;
    h->s.id = 1;
    h->s.l4 = l4;
    h->s.ctx = &h->ctx;
    uint8_t c[4] = {10, 0, 0, 1}, sv[4] = {10, 0, 0, 2};
    tr_ip_set4(&h->s.client.ip, c);
    tr_ip_set4(&h->s.server.ip, sv);
    h->s.client.port = 40000;
    h->s.server.port = server_port;
    h->s.start_us = h->s.last_us = h->ctx.now_us;
    if (proto) {
        h->s.dis = tr_dissector_find(proto);
        assert_non_null(h->s.dis);
    }
    return h;
}

void harness_data(harness *h, int dir, const void *p, size_t n)
{
    h->s.packets[dir]++;
    h->s.bytes[dir] += n;
    tr_deliver_data(&h->s, &h->d, dir, p, n);
}

void harness_gap(harness *h, int dir, uint64_t n)
{
    h->s.gap_bytes[dir] += n;
    tr_deliver_gap(&h->s, &h->d, dir, n);
}

void harness_datagram(harness *h, int dir, const void *p, size_t n)
{
    h->s.packets[dir]++;
    h->s.bytes[dir] += n;
    tr_deliver_datagram(&h->s, &h->d, dir, p, n);
}

tr_session *harness_add_session(harness *h, uint8_t l4, const char *client_ip, uint16_t client_port,
                                const char *server_ip, uint16_t server_port)
{
    assert_true(h->nextra < HARNESS_EXTRA_SESSIONS);
    tr_session *s = &h->extra[h->nextra++];
    memset(s, 0, sizeof *s);
    s->id = h->s.id + (uint64_t)h->nextra;
    s->l4 = l4;
    s->ctx = &h->ctx;
    s->dis = h->s.dis;
    assert_int_equal(tr_ip_parse(client_ip, &s->client.ip), 0);
    assert_int_equal(tr_ip_parse(server_ip, &s->server.ip), 0);
    s->client.port = client_port;
    s->server.port = server_port;
    s->start_us = s->last_us = h->ctx.now_us;
    return s;
}

void harness_session_datagram(harness *h, tr_session *s, int dir, const void *p, size_t n)
{
    ptrdiff_t i = s - h->extra;
    assert_true(i >= 0 && i < h->nextra);
    s->packets[dir]++;
    s->bytes[dir] += n;
    tr_deliver_datagram(s, &h->extra_d[i], dir, p, n);
}

void harness_session_data(harness *h, tr_session *s, int dir, const void *p, size_t n)
{
    ptrdiff_t i = s - h->extra;
    assert_true(i >= 0 && i < h->nextra);
    s->packets[dir]++;
    s->bytes[dir] += n;
    tr_deliver_data(s, &h->extra_d[i], dir, p, n);
}

const char *harness_close(harness *h, int reason)
{
    tr_deliver_close(&h->s, &h->d, reason);
    for (int i = 0; i < h->nextra; i++)
        tr_deliver_close(&h->extra[i], &h->extra_d[i], reason);
    if (h->lines) {
        sink_lines_drain(h->lines);
        tr_ctx_fold_worker_counts(&h->ctx);
        fflush(h->lines_file);
        tr_sb_reset(&h->out);
        tr_sb_add(&h->out, h->lines_buf, h->lines_len);
    }
    return tr_sb_cstr(&h->out);
}

void harness_stream_end(harness *h, int dir) { tr_deliver_end(&h->s, &h->d, dir); }

void harness_end(harness *h, int reason)
{
    static tr_event e; /* 40 KB: off the stack */
    harness_close(h, reason);
    h->s.end = reason;
    tr_ev_init(&e, &h->s, "session_end", TR_NODIR);
    e.top_mode = 1;
    tr_ev_str(&e, "end", tr_end_name(reason));
    tr_emit(&e);
    for (int i = 0; i < h->ctx.nsinks; i++)
        if (h->ctx.sinks[i].on_session_close)
            h->ctx.sinks[i].on_session_close(h->ctx.sinks[i].self, &h->s);
}

void harness_finish(harness *h) { tr_ctx_finish(&h->ctx); }

void harness_free(harness *h)
{
    if (h->s.state)
        tr_deliver_close(&h->s, &h->d, TR_END_EOF);
    for (int i = 0; i < h->nextra; i++)
        if (h->extra[i].state)
            tr_deliver_close(&h->extra[i], &h->extra_d[i], TR_END_EOF);
    tr_ctx_finish(&h->ctx); /* nothing left behind */
    if (h->lines) {
        sink_lines_drain(h->lines);
        sink_lines_free(h->lines);
        fclose(h->lines_file);
        free(h->lines_buf);
        free(h->lines);
    }
    tr_sb_free(&h->out);
    free(h);
}

char *harness_script(const char *proto, uint16_t port, const harness_msg *m, int nmsg, size_t split)
{
    harness *h = harness_new(proto, TR_TCP, port);
    size_t pos[2] = {0, 0};
    for (int i = 0; i < nmsg; i++) {
        size_t n = m[i].n ? m[i].n : strlen(m[i].p);
        int dir = m[i].dir;
        if (split == (size_t)-1) {
            for (size_t k = 0; k < n; k++)
                harness_data(h, dir, m[i].p + k, 1);
        } else if (split > pos[dir] && split < pos[dir] + n) {
            size_t cut = split - pos[dir];
            harness_data(h, dir, m[i].p, cut);
            harness_data(h, dir, m[i].p + cut, n - cut);
        } else {
            harness_data(h, dir, m[i].p, n);
        }
        pos[dir] += n;
    }
    char *out = strdup(harness_close(h, TR_END_FIN));
    harness_free(h);
    return out;
}

char *harness_script_all_splits(const char *proto, uint16_t port, const harness_msg *m, int nmsg)
{
    char *whole = harness_script(proto, port, m, nmsg, 0);
    size_t total = 0;
    for (int i = 0; i < nmsg; i++)
        total += m[i].n ? m[i].n : strlen(m[i].p);
    for (size_t split = 1; split < total; split++) {
        char *cut = harness_script(proto, port, m, nmsg, split);
        if (strcmp(whole, cut) != 0) {
            fprintf(stderr, "split at %zu differs:\n--- whole\n%s--- split\n%s", split, whole, cut);
            fail();
        }
        free(cut);
    }
    char *bytes = harness_script(proto, port, m, nmsg, (size_t)-1);
    if (strcmp(whole, bytes) != 0) {
        fprintf(stderr, "byte-at-a-time differs:\n--- whole\n%s--- bytes\n%s", whole, bytes);
        fail();
    }
    free(bytes);
    return whole;
}

int harness_count(const char *json, ...)
{
    int count = 0;
    const char *line = json;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int all = 1;
        va_list ap;
        va_start(ap, json);
        for (const char *needle; (needle = va_arg(ap, const char *));) {
            size_t nl = strlen(needle);
            int found = 0;
            for (size_t i = 0; i + nl <= len && !found; i++)
                found = memcmp(line + i, needle, nl) == 0;
            if (!found)
                all = 0;
        }
        va_end(ap);
        count += all;
        line = end ? end + 1 : NULL;
    }
    return count;
}

void harness_tmpdir(char *out, size_t cap, const char *tag)
{
    int n = snprintf(out, cap, "/tmp/trawl-%s-XXXXXX", tag);
    assert_true(n > 0 && (size_t)n < cap);
    assert_non_null(mkdtemp(out));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void harness_rmtree(const char *dir) { nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static _Atomic int worker_released;

static void wait_for_release(const tr_job *job, const uint8_t *data)
{
    (void)job;
    (void)data;
    while (!worker_released)
        usleep(100);
}

static void do_nothing(const tr_job *job, const uint8_t *data)
{
    (void)job;
    (void)data;
}

void harness_worker_hold(void)
{
    worker_released = 0;
    tr_job hold = {.run = wait_for_release};
    tr_worker_push(&hold, NULL);
    tr_worker_publish();
}

void harness_worker_queue_chunks(int n)
{
    static uint8_t chunk[TR_JOB_DATA_MAX];
    tr_job job = {.run = do_nothing, .len = sizeof chunk};
    for (int i = 0; i < n; i++)
        tr_worker_push(&job, chunk);
}

static void pause_job(const tr_job *job, const uint8_t *data)
{
    (void)data;
    usleep((useconds_t)job->arg);
}

void harness_worker_queue_pause(unsigned usec)
{
    tr_job job = {.run = pause_job, .arg = usec};
    tr_worker_push(&job, NULL);
}

void harness_worker_release(void) { worker_released = 1; }

int harness_probe2(const tr_dissector *d, const void *c2s, size_t nc, const void *s2c, size_t ns)
{
    tr_probe_input in = {{c2s, s2c}, {nc, ns}, TR_TCP, 40000, 2121};
    return d->probe(&in);
}

int harness_probe(const tr_dissector *d, const void *p, size_t n, int dir)
{
    return dir == TR_C2S ? harness_probe2(d, p, n, NULL, 0) : harness_probe2(d, NULL, 0, p, n);
}
