/* test_sink_worker: sinks run on the worker thread (output/sink_worker.h) get every call in order, with the
 * session as it was at each call (a copy the worker keeps: no dissector state, time in its ctx), events with
 * their digests known, stream bytes up to the cap and only the length after it, an event too large for a job
 * in its place, and thousands of sessions opened and closed in any order without a leak. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/tr_strbuf.h"
#include "../../core/tr_worker.h"
#include "../../dissectors/sha256.h"
#include "../../output/sink_worker.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* The sink run on the worker: writes down each call as a line. */
typedef struct recorder {
    tr_strbuf log;
    const tr_session *seen[4]; /* the session pointers it was given, for sessions 1..3 */
    int opens, closes;
    uint64_t packets, packet_bytes;
    int bad_state; /* a call saw dissector state or no ctx */
} recorder;

static void note(recorder *r, const tr_session *s, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tr_sb_adds(&r->log, line);
    tr_sb_addc(&r->log, '\n');
    if (s) {
        if (s->state || !s->ctx)
            r->bad_state = 1;
        if (s->id < 4) {
            if (!r->seen[s->id])
                r->seen[s->id] = s;
            else if (r->seen[s->id] != s)
                r->bad_state = 1; /* one copy per session, the same at every call */
        }
    }
}

static void rec_open(void *self, tr_session *s)
{
    recorder *r = self;
    r->opens++;
    if (s->id < 100)
        note(r, s, "open %" PRIu64 " packets=%" PRIu64, s->id, s->packets[0] + s->packets[1]);
}

static void rec_event(void *self, const tr_event *e)
{
    recorder *r = self;
    char fields[1024] = "";
    size_t n = 0;
    for (int i = 0; i < e->nf && n < sizeof fields - 1; i++)
        n += (size_t)snprintf(fields + n, sizeof fields - n, " %s=%.*s", e->f[i].key ? e->f[i].key : "-",
                              e->f[i].type == TR_F_STR ? (int)(e->f[i].n > 70 ? 70 : e->f[i].n) : 1,
                              e->f[i].type == TR_F_STR ? e->f[i].s : "#");
    note(r, e->session, "event %" PRIu64 " %s/%s t=%" PRId64 " bytes=%" PRIu64 "%s",
         e->session ? e->session->id : 0, e->proto, e->type, e->ts_us,
         e->session ? e->session->bytes[0] + e->session->bytes[1] : 0, fields);
}

static void rec_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    recorder *r = self;
    if (p)
        note(r, s, "stream %" PRIu64 " dir=%d t=%" PRId64 " %zu:%.*s", s->id, dir, s->ctx->now_us, n,
             (int)(n > 20 ? 20 : n), (const char *)p);
    else
        note(r, s, "stream %" PRIu64 " dir=%d uncopied %zu", s->id, dir, n);
}

static void rec_gap(void *self, tr_session *s, int dir, uint64_t n)
{
    note(self, s, "gap %" PRIu64 " dir=%d %" PRIu64, s->id, dir, n);
}

static void rec_file(void *self, tr_session *s, const char *relpath) { note(self, s, "file %" PRIu64 " %s", s->id, relpath); }

static void rec_object(void *self, tr_session *s, int dir, uint64_t start, uint64_t end, const char *label,
                       const char *relpath)
{
    note(self, s, "object %" PRIu64 " dir=%d %" PRIu64 "-%" PRIu64 " %s %s", s->id, dir, start, end,
         label ? label : "(none)", relpath ? relpath : "(none)");
}

static void rec_packet(void *self, tr_session *s, int64_t ts_us, size_t len)
{
    recorder *r = self;
    (void)ts_us;
    if (s->id != 1)
        r->bad_state = 1; /* the packet's session, the worker's copy */
    r->packets++;
    r->packet_bytes += len;
}

static void rec_close(void *self, tr_session *s)
{
    recorder *r = self;
    r->closes++;
    if (s->id >= 100 && s->id < 100000 && s->packets[0] != s->id - 100)
        r->bad_state = 1; /* the close of another session's copy */
    if (s->id < 100)
        note(r, s, "close %" PRIu64 " end=%d packets=%" PRIu64, s->id, s->end, s->packets[0] + s->packets[1]);
}

static tr_sink recorder_sink(recorder *r)
{
    tr_sink k;
    memset(&k, 0, sizeof k);
    k.self = r;
    k.on_session_open = rec_open;
    k.on_event = rec_event;
    k.on_stream = rec_stream;
    k.on_stream_gap = rec_gap;
    k.on_file_open = rec_file;
    k.on_stream_object = rec_object;
    k.on_packet = rec_packet;
    k.on_session_close = rec_close;
    return k;
}

typedef struct rig {
    tr_ctx ctx;
    sink_worker *w;
    recorder rec;
    int state_byte; /* what the engine's sessions point at as their state */
} rig;

static void rig_init(rig *g, size_t stream_cap)
{
    memset(g, 0, sizeof *g);
    tr_sb_init(&g->rec.log, 1 << 20);
    assert_int_equal(tr_worker_start(), 0);
    tr_ctx_init(&g->ctx);
    g->w = sink_worker_new(stream_cap);
    assert_non_null(g->w);
    tr_sink inner = recorder_sink(&g->rec);
    assert_int_equal(sink_worker_add(g->w, &inner), 0);
    tr_sink outer = sink_worker_sink(g->w);
    assert_true(tr_ctx_add_sink(&g->ctx, &outer) >= 0);
}

static void rig_session(rig *g, tr_session *s, uint64_t id)
{
    memset(s, 0, sizeof *s);
    s->id = id;
    s->l4 = TR_TCP;
    s->ctx = &g->ctx;
    s->state = &g->state_byte;
    s->client.port = 40000;
    s->server.port = 80;
}

static const tr_sink *relay_of(rig *g) { return &g->ctx.sinks[0]; }

static void rig_done(rig *g)
{
    sink_worker_drain(g->w, 0);
    tr_worker_stop();
    sink_worker_free(g->w);
    tr_sb_free(&g->rec.log);
}

/* Every kind of call, replayed in order with the session as it was then. */
static void calls_in_order(void **state)
{
    (void)state;
    static rig g;
    rig_init(&g, 1000);
    const tr_sink *k = relay_of(&g);
    tr_session s;
    rig_session(&g, &s, 1);
    s.packets[0] = 1;
    g.ctx.now_us = 1000;
    k->on_session_open(k->self, &s);
    s.packets[0] = 2;
    s.bytes[0] = 5;
    g.ctx.now_us = 2000;
    k->on_stream(k->self, &s, TR_C2S, (const uint8_t *)"hello", 5);
    k->on_packet(k->self, &s, 2000, 5);
    static tr_event e;
    tr_ev_init(&e, &s, "request", TR_C2S);
    e.proto = "http";
    tr_ev_str(&e, "method", "GET");
    tr_ev_str(&e, "uri", "/index.html");
    tr_emit(&e);
    k->on_stream_object(k->self, &s, TR_S2C, 10, 0, "gzip", NULL);
    k->on_file_open(k->self, &s, "files/0001-index.html");
    k->on_stream_object(k->self, &s, TR_S2C, 10, 99, NULL, "files/0001-index.html");
    k->on_stream_gap(k->self, &s, TR_S2C, 42);
    s.packets[1] = 3;
    s.end = TR_END_FIN;
    g.ctx.now_us = 3000;
    k->on_session_close(k->self, &s);
    sink_worker_drain(g.w, 0);
    sink_worker_hold(g.w, 1); /* as the UI reads what the worker wrote */
    assert_string_equal(tr_sb_cstr(&g.rec.log), "open 1 packets=1\n"
                                     "stream 1 dir=0 t=2000 5:hello\n"
                                     "event 1 http/request t=2000 bytes=5 method=GET uri=/index.html\n"
                                     "object 1 dir=1 10-0 gzip (none)\n"
                                     "file 1 files/0001-index.html\n"
                                     "object 1 dir=1 10-99 (none) files/0001-index.html\n"
                                     "gap 1 dir=1 42\n"
                                     "close 1 end=1 packets=5\n");
    assert_int_equal(g.rec.packets, 1);
    assert_int_equal(g.rec.packet_bytes, 5);
    assert_false(g.rec.bad_state);
    sink_worker_hold(g.w, 0);
    rig_done(&g);
}

/* A session's stream bytes pass up to the cap (both ways together), then only their count. */
static void stream_cap(void **state)
{
    (void)state;
    static rig g;
    rig_init(&g, 8);
    const tr_sink *k = relay_of(&g);
    tr_session s;
    rig_session(&g, &s, 2);
    k->on_session_open(k->self, &s);
    k->on_stream(k->self, &s, TR_C2S, (const uint8_t *)"abcde", 5);
    k->on_stream(k->self, &s, TR_S2C, (const uint8_t *)"fghij", 5);
    k->on_stream(k->self, &s, TR_S2C, (const uint8_t *)"klm", 3);
    k->on_session_close(k->self, &s);
    sink_worker_drain(g.w, 0);
    assert_string_equal(tr_sb_cstr(&g.rec.log), "open 2 packets=0\n"
                                     "stream 2 dir=0 t=0 5:abcde\n"
                                     "stream 2 dir=1 t=0 3:fgh\n"
                                     "stream 2 dir=1 uncopied 2\n"
                                     "stream 2 dir=1 uncopied 3\n"
                                     "close 2 end=0 packets=0\n");
    rig_done(&g);
}

/* A digest still being computed when the event is made arrives known; an event with more digests than a job
 * carries is given to the sinks in its place, after the calls before it. */
static void digests_known(void **state)
{
    (void)state;
    static rig g;
    rig_init(&g, 1000);
    const tr_sink *k = relay_of(&g);
    tr_session s;
    rig_session(&g, &s, 3);
    k->on_session_open(k->self, &s);
    k->on_stream(k->self, &s, TR_S2C, (const uint8_t *)"before", 6);
    sha256 h = {0};
    sha256_digest d;
    static tr_event e;
    tr_ev_init(&e, &s, "object", TR_S2C);
    e.proto = "http";
    for (int i = 0; i < 9; i++) { /* one past what a job carries */
        assert_int_equal(sha256_begin(&h), 0);
        sha256_update(&h, "abc", 3);
        assert_int_equal(sha256_finish_later(&h, &d), 0);
        assert_true(d.ticket != 0);
        tr_ev_digest(&e, "sha256", d.hex, d.ticket);
        if (i == 0) {
            static tr_event one;
            tr_ev_init(&one, &s, "object", TR_S2C);
            one.proto = "http";
            tr_ev_digest(&one, "sha256", d.hex, d.ticket);
            tr_emit(&one);
        }
    }
    tr_emit(&e);
    k->on_session_close(k->self, &s);
    sink_worker_drain(g.w, 0);
    const char *log = tr_sb_cstr(&g.rec.log);
    const char *one = strstr(log, "event 3 http/object");
    assert_non_null(one);
    assert_non_null(strstr(one, "sha256=" SHA_ABC "\n"));
    const char *nine = strstr(one + 1, "event 3 http/object");
    assert_non_null(nine);
    assert_true(strstr(log, "stream 3 dir=1 t=0 6:before") < one);
    int digests = 0;
    for (const char *p = nine; (p = strstr(p, "sha256=" SHA_ABC)); p++)
        digests++;
    assert_int_equal(digests, 9);
    assert_true(strstr(log, "close 3") > nine);
    sha256_release(&h);
    rig_done(&g);
}

/* Thousands of sessions, closed in another order than opened: each close reaches its own session, and every
 * copy the worker made is freed (the sanitizers' leak check). */
static void many_sessions(void **state)
{
    (void)state;
    static rig g;
    rig_init(&g, 64);
    const tr_sink *k = relay_of(&g);
    enum { N = 5000 };
    tr_session *s = calloc(N, sizeof *s);
    assert_non_null(s);
    for (int i = 0; i < N; i++) {
        rig_session(&g, &s[i], 100 + (uint64_t)i);
        k->on_session_open(k->self, &s[i]);
        k->on_stream(k->self, &s[i], TR_C2S, (const uint8_t *)"x", 1);
    }
    for (int i = 0; i < N; i++) {
        int j = (int)(((uint64_t)i * 2654435761u) % N); /* a permutation: 2654435761 and 5000 share no factor */
        s[j].packets[0] = (uint64_t)j;
        k->on_session_close(k->self, &s[j]);
    }
    tr_session late;
    rig_session(&g, &late, 99999);
    k->on_stream(k->self, &late, TR_C2S, (const uint8_t *)"y", 1); /* never opened nor closed: freed at the end */
    sink_worker_drain(g.w, 0);
    assert_int_equal(g.rec.opens, N);
    assert_int_equal(g.rec.closes, N);
    assert_false(g.rec.bad_state);
    free(s);
    rig_done(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calls_in_order),
        cmocka_unit_test(stream_cap),
        cmocka_unit_test(digests_known),
        cmocka_unit_test(many_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
