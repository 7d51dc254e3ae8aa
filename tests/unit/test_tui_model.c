/* The UI's view model without a terminal: sessions fed through its sink as the pipeline would, then
 * rows, sort orders, filters, summaries, events, transcript lines and the memory caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/tr_dissector.h"
#include "../../output/tr_time.h"
#include "../../reassembly/deliver.h"
#include "../../tui/tui_model.h"

#define ARROW "\xe2\x86\x92"

/* stand-ins that decode nothing but present as the real ones do */
extern const tr_presenter dns_present;
extern const tr_presenter ftp_present;
extern const tr_presenter http_present;
static const tr_dissector fake_http = {.name = "http", .present = &http_present};
static const tr_dissector fake_dns = {.name = "dns", .present = &dns_present};
static const tr_dissector fake_ftp = {.name = "ftp", .present = &ftp_present};

#define MAX_SESS 64

typedef struct fixture {
    tr_ctx ctx;
    tui_model *m;
    tr_session s[MAX_SESS];
    tr_deliver d[MAX_SESS];
    int n;
} fixture;

static fixture *fixture_new(const tui_limits *lim)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tr_ctx_init(&f->ctx);
    f->ctx.now_us = 1700000000000000LL;
    f->m = tui_model_new(lim);
    assert_non_null(f->m);
    tr_sink k = tui_model_sink(f->m);
    assert_int_equal(tr_ctx_add_sink(&f->ctx, &k), 0);
    return f;
}

static void fixture_free(fixture *f)
{
    for (int i = 0; i < f->n; i++)
        tr_deliver_close(&f->s[i], &f->d[i], TR_END_EOF);
    tui_model_free(f->m);
    free(f);
}

/* Session i+1 from 10.0.0.<client>:40000+i to 10.0.0.<server>:port, opened now. */
static tr_session *open_session(fixture *f, const tr_dissector *dis, uint8_t l4, int client, int server, uint16_t port)
{
    assert_true(f->n < MAX_SESS);
    tr_session *s = &f->s[f->n];
    s->id = (uint64_t)++f->n;
    s->l4 = l4;
    s->dis = dis;
    s->ctx = &f->ctx;
    uint8_t c[4] = {10, 0, 0, (uint8_t)client}, v[4] = {10, 0, 0, (uint8_t)server};
    tr_ip_set4(&s->client.ip, c);
    tr_ip_set4(&s->server.ip, v);
    s->client.port = (uint16_t)(40000 + f->n);
    s->server.port = port;
    s->start_us = s->last_us = f->ctx.now_us;
    f->ctx.sinks[0].on_session_open(f->ctx.sinks[0].self, s);
    return s;
}

static void data(fixture *f, tr_session *s, int dir, const char *p, size_t n)
{
    f->ctx.now_us += 1000;
    s->last_us = f->ctx.now_us;
    s->packets[dir]++;
    s->bytes[dir] += n;
    tr_deliver_data(s, &f->d[s->id - 1], dir, (const uint8_t *)p, n);
}

static void close_session(fixture *f, tr_session *s, int end)
{
    f->ctx.now_us += 1000;
    s->end = end;
    tr_event e;
    tr_ev_init(&e, s, "session_end", TR_NODIR);
    e.top_mode = 1;
    tr_ev_str(&e, "end", tr_end_name(end));
    tr_emit(&e);
    f->ctx.sinks[0].on_session_close(f->ctx.sinks[0].self, s);
}

static void http_exchange(tr_session *s, const char *uri, int status, const char *ctype, int64_t len)
{
    tr_event e;
    tr_ev_init(&e, s, "request", TR_C2S);
    tr_ev_str(&e, "method", "GET");
    tr_ev_str(&e, "uri", uri);
    tr_ev_str(&e, "version", "HTTP/1.1");
    tr_emit(&e);
    tr_ev_init(&e, s, "response", TR_S2C);
    tr_ev_int(&e, "status", status);
    tr_ev_str(&e, "content_type", ctype);
    tr_ev_int(&e, "body_len", len);
    tr_emit(&e);
}

static void dns_exchange(tr_session *s, const char *qname, const char *addr)
{
    tr_event e;
    tr_ev_init(&e, s, "query", TR_C2S);
    tr_ev_int(&e, "id", 4660);
    tr_ev_str(&e, "qname", qname);
    tr_ev_str(&e, "qtype", "A");
    tr_emit(&e);
    tr_ev_init(&e, s, "answer", TR_S2C);
    tr_ev_int(&e, "id", 4660);
    tr_ev_str(&e, "qname", qname);
    tr_ev_str(&e, "qtype", "A");
    tr_ev_str(&e, "rcode", "NOERROR");
    tr_ev_list(&e, "answers");
    tr_ev_obj(&e, NULL); /* a CNAME first: the summary shows the A record */
    tr_ev_str(&e, "name", qname);
    tr_ev_str(&e, "type", "CNAME");
    tr_ev_int(&e, "ttl", 60);
    tr_ev_str(&e, "data", "edge.example.net");
    tr_ev_end(&e);
    tr_ev_obj(&e, NULL);
    tr_ev_str(&e, "name", "edge.example.net");
    tr_ev_str(&e, "type", "A");
    tr_ev_int(&e, "ttl", 60);
    tr_ev_str(&e, "data", addr);
    tr_ev_end(&e);
    tr_ev_end(&e);
    tr_emit(&e);
}

static void ftp_login_and_retr(tr_session *s)
{
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_C2S);
    tr_ev_str(&e, "user", "alice");
    tr_ev_str(&e, "password", "secret");
    tr_ev_bool(&e, "success", 1);
    tr_emit(&e);
    tr_ev_init(&e, s, "transfer", TR_NODIR);
    tr_ev_str(&e, "command", "RETR");
    tr_ev_str(&e, "name", "report.pdf");
    tr_ev_str(&e, "direction", "download");
    tr_ev_int(&e, "data_session", 9);
    tr_ev_int(&e, "bytes", 300 * 1024);
    tr_emit(&e);
}

/* Three sessions: 1 http (10.0.0.1 -> 10.0.0.2:80), 2 dns (10.0.0.1 -> 10.0.0.53:53), 3 ftp (10.0.0.7 -> 10.0.0.3:21). */
static fixture *three_sessions(void)
{
    fixture *f = fixture_new(NULL);
    tr_session *h = open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    data(f, h, TR_C2S, "GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n", 46);
    data(f, h, TR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 43);
    http_exchange(h, "/index.html", 200, "text/html; charset=utf-8", 12 * 1024);
    tr_session *d = open_session(f, &fake_dns, TR_UDP, 1, 53, 53);
    data(f, d, TR_C2S, "\x12\x34\x01\x00", 4);
    dns_exchange(d, "example.org", "93.184.216.34");
    tr_session *p = open_session(f, &fake_ftp, TR_TCP, 7, 3, 21);
    for (int i = 0; i < 10; i++)
        data(f, p, TR_C2S, "NOOP\r\n", 6);
    ftp_login_and_retr(p);
    close_session(f, p, TR_END_RST);
    return f;
}

static void rows_ids(tui_model *m, const uint64_t *want, size_t n)
{
    assert_int_equal(tui_model_refresh(m), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tui_model_row(m, i)->id, want[i]);
}

static void test_rows_and_summaries(void **state)
{
    (void)state;
    fixture *f = three_sessions();
    assert_int_equal(tui_model_refresh(f->m), 3);
    const tui_session *h = tui_model_row(f->m, 0), *d = tui_model_row(f->m, 1), *p = tui_model_row(f->m, 2);
    assert_string_equal(h->proto, "http");
    assert_string_equal(h->client_str, "10.0.0.1:40001");
    assert_string_equal(h->server_str, "10.0.0.2:80");
    assert_int_equal(h->packets, 2);
    assert_int_equal(h->bytes, 89);
    assert_int_equal(h->state, TUI_OPEN);
    assert_string_equal(h->sum.text, "GET /index.html " ARROW " 200 text/html 12 KB");
    assert_string_equal(d->sum.text, "A? example.org " ARROW " 93.184.216.34");
    assert_string_equal(p->sum.text, "USER alice, RETR report.pdf (300 KB)");
    assert_string_equal(tui_state_name(p->state), "reset");
    assert_int_equal(p->packets, 10);
    assert_ptr_equal(tui_model_find(f->m, 2), d);
    assert_null(tui_model_find(f->m, 99));
    fixture_free(f);
}

static void test_summary_edges(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    tr_session *h = open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    /* A response whose request was not seen still says what it answered; wire junk is replaced. */
    tr_event e;
    tr_ev_init(&e, h, "response", TR_S2C);
    tr_ev_int(&e, "status", 404);
    tr_ev_str(&e, "method", "GET");
    tr_ev_strn(&e, "uri", "/a\x1b[2J\xff", 7);
    tr_emit(&e);
    tr_session *d = open_session(f, &fake_dns, TR_UDP, 1, 53, 53);
    tr_ev_init(&e, d, "answer", TR_S2C);
    tr_ev_str(&e, "qname", "nope.example");
    tr_ev_str(&e, "qtype", "AAAA");
    tr_ev_str(&e, "rcode", "NXDOMAIN");
    tr_emit(&e);
    tr_session *t = open_session(f, NULL, TR_TCP, 1, 2, 9999);
    data(f, t, TR_C2S, "abc", 3);
    close_session(f, t, TR_END_TIMEOUT);
    tr_session *old = open_session(f, &fake_http, TR_TCP, 3, 2, 80); /* HTTP/0.9: an answer without a status */
    tr_ev_init(&e, old, "response", TR_S2C);
    tr_ev_str(&e, "version", "HTTP/0.9");
    tr_ev_int(&e, "body_len", 158);
    tr_ev_str(&e, "method", "GET");
    tr_ev_str(&e, "uri", "/index.html");
    tr_emit(&e);
    tui_model_refresh(f->m);
    assert_string_equal(tui_model_find(f->m, 4)->sum.text, "GET /index.html " ARROW " HTTP/0.9 158 B");
    assert_string_equal(tui_model_find(f->m, 1)->sum.text, "GET /a?[2J? " ARROW " 404");
    assert_string_equal(tui_model_find(f->m, 2)->sum.text, "AAAA? nope.example " ARROW " NXDOMAIN");
    assert_string_equal(tui_model_find(f->m, 3)->sum.text, "3 B sent, 0 B received");
    assert_string_equal(tui_model_find(f->m, 3)->proto, "tcp");
    assert_string_equal(tui_state_name(tui_model_find(f->m, 3)->state), "timed out");
    fixture_free(f);
}

static void test_sort(void **state)
{
    (void)state;
    fixture *f = three_sessions();
    tui_model_set_sort(f->m, TUI_COL_BYTES, 0); /* ftp 60, http 89, dns 4 */
    rows_ids(f->m, (uint64_t[]){2, 3, 1}, 3);
    tui_model_set_sort(f->m, TUI_COL_BYTES, 1);
    rows_ids(f->m, (uint64_t[]){1, 3, 2}, 3);
    tui_model_set_sort(f->m, TUI_COL_PROTO, 0);
    rows_ids(f->m, (uint64_t[]){2, 3, 1}, 3);
    tui_model_set_sort(f->m, TUI_COL_SERVER, 0); /* 10.0.0.2, 10.0.0.3, 10.0.0.53 */
    rows_ids(f->m, (uint64_t[]){1, 3, 2}, 3);
    tui_model_set_sort(f->m, TUI_COL_CLIENT, 1); /* 10.0.0.7 first, then 10.0.0.1 by port descending */
    rows_ids(f->m, (uint64_t[]){3, 2, 1}, 3);
    tui_model_set_sort(f->m, TUI_COL_STATE, 0); /* open, open, reset */
    rows_ids(f->m, (uint64_t[]){1, 2, 3}, 3);
    tui_model_set_sort(f->m, TUI_COL_SUMMARY, 0); /* "A?", "GET", "USER" */
    rows_ids(f->m, (uint64_t[]){2, 1, 3}, 3);
    tui_model_set_sort(f->m, TUI_COL_PACKETS, 1); /* ftp 10, http 2, dns 1 */
    rows_ids(f->m, (uint64_t[]){3, 1, 2}, 3);
    tui_model_set_sort(f->m, TUI_COL_ID, 1);
    rows_ids(f->m, (uint64_t[]){3, 2, 1}, 3);
    /* Rows follow the store: a later change re-sorts. */
    tui_model_set_sort(f->m, TUI_COL_BYTES, 1);
    data(f, &f->s[1], TR_S2C, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", 100);
    rows_ids(f->m, (uint64_t[]){2, 1, 3}, 3);
    assert_int_equal(tui_model_row_of(f->m, 3), 2);
    assert_int_equal(tui_model_row_of(f->m, 42), -1);
    fixture_free(f);
}

static void test_filter(void **state)
{
    (void)state;
    fixture *f = three_sessions();
    tui_model_set_filter(f->m, "proto:dns");
    rows_ids(f->m, (uint64_t[]){2}, 1);
    tui_model_set_filter(f->m, "host:10.0.0.7");
    rows_ids(f->m, (uint64_t[]){3}, 1);
    tui_model_set_filter(f->m, "host:10.0.0.1");
    rows_ids(f->m, (uint64_t[]){1, 2}, 2);
    tui_model_set_filter(f->m, "port:80");
    rows_ids(f->m, (uint64_t[]){1}, 1);
    tui_model_set_filter(f->m, "port:40003"); /* client port too */
    rows_ids(f->m, (uint64_t[]){3}, 1);
    tui_model_set_filter(f->m, "REPORT");
    rows_ids(f->m, (uint64_t[]){3}, 1);
    tui_model_set_filter(f->m, "  host:10.0.0.1   example ");
    rows_ids(f->m, (uint64_t[]){2}, 1); /* the http summary does not say "example" */
    tui_model_set_filter(f->m, "host:10.0.0.1 index");
    rows_ids(f->m, (uint64_t[]){1}, 1);
    tui_model_set_filter(f->m, "reset");
    rows_ids(f->m, (uint64_t[]){3}, 1);
    tui_model_set_filter(f->m, "proto:http port:53");
    rows_ids(f->m, NULL, 0);
    tui_model_set_filter(f->m, "port:http"); /* not a number: plain text, matches nothing */
    rows_ids(f->m, NULL, 0);
    tui_model_set_filter(f->m, "");
    rows_ids(f->m, (uint64_t[]){1, 2, 3}, 3);
    assert_string_equal(tui_model_filter(f->m), "");
    fixture_free(f);
}

static void test_events(void **state)
{
    (void)state;
    fixture *f = three_sessions();
    const tui_session *h = tui_model_find(f->m, 1);
    assert_int_equal(tui_session_nevents(h), 2);
    tui_event_view v;
    assert_int_equal(tui_session_event(h, 0, &v), 0);
    assert_string_equal(v.proto, "http");
    assert_string_equal(v.type, "request");
    assert_int_equal(v.dir, TR_C2S);
    assert_string_equal(v.brief, "method=GET uri=/index.html version=HTTP/1.1");
    assert_string_equal(v.fields, "method: GET\nuri: /index.html\nversion: HTTP/1.1\n");
    assert_int_equal(tui_session_event(h, 2, &v), -1);
    const tui_session *d = tui_model_find(f->m, 2);
    assert_int_equal(tui_session_event(d, 1, &v), 0);
    assert_non_null(strstr(v.fields, "answers:\n  -:\n    name: example.org\n    type: CNAME\n"));
    assert_non_null(strstr(v.fields, "    data: 93.184.216.34\n"));
    const tui_session *p = tui_model_find(f->m, 3);
    assert_int_equal(tui_session_nevents(p), 3);
    assert_int_equal(tui_session_event(p, 2, &v), 0);
    assert_string_equal(v.type, "session_end");
    assert_string_equal(v.brief, "end=rst");
    fixture_free(f);
}

static int line_is(const tui_lines *l, size_t i, int kind, const char *text)
{
    if (i >= l->n || l->v[i].kind != kind || l->v[i].len != strlen(text) ||
        memcmp(l->text.p + l->v[i].off, text, l->v[i].len) != 0) {
        fprintf(stderr, "line %zu: kind %d \"%.*s\", want kind %d \"%s\"\n", i, i < l->n ? l->v[i].kind : -1,
                i < l->n ? (int)l->v[i].len : 0, i < l->n ? l->text.p + l->v[i].off : "", kind, text);
        return 0;
    }
    return 1;
}

/* All lines joined with \n, for comparing a whole transcript body. */
static char *lines_joined(const tui_lines *l)
{
    tr_strbuf sb;
    tr_sb_init(&sb, 1 << 20);
    for (size_t i = 0; i < l->n; i++) {
        tr_sb_add(&sb, l->text.p + l->v[i].off, l->v[i].len);
        tr_sb_addc(&sb, '\n');
    }
    char *out = strdup(tr_sb_cstr(&sb));
    tr_sb_free(&sb);
    return out;
}

static void test_transcript(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    tr_session *s = open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    data(f, s, TR_C2S, "GET / HTTP/1.1\r\nHo", 18); /* a line split between segments is one line */
    data(f, s, TR_C2S, "st: x\r\n\r\n", 9);
    data(f, s, TR_S2C, "HTTP/1.1 200 OK\r\n", 17);
    f->ctx.now_us += 1000;
    tr_deliver_gap(s, &f->d[0], TR_S2C, 1460);
    data(f, s, TR_S2C, "\x00\x01\x02\x03\xff", 5);
    data(f, s, TR_C2S, "tab\there \x01 caf\xc3\xa9\n", 17);
    close_session(f, s, TR_END_FIN);

    const tui_session *t = tui_model_find(f->m, 1);
    tui_lines l;
    tui_lines_init(&l);
    tui_transcript_lines(t, 0, 80, &l);
    char *all = lines_joined(&l);
    assert_string_equal(all, "--- 2023-11-14 22:13:20.001000 c2s\n"
                             ">> GET / HTTP/1.1\n"
                             ">> Host: x\n"
                             ">> \n"
                             "--- 22:13:20.003000 s2c\n"
                             "<< HTTP/1.1 200 OK\n"
                             "<< [gap 1460 bytes]\n"
                             "<< 000005c5  00 01 02 03 ff                                    |.....|\n"
                             "--- 22:13:20.006000 c2s\n"
                             ">> tab  here \\x01 caf\xc3\xa9\n"); /* the tab to the next 4th column */
    free(all);
    assert_true(line_is(&l, 0, TUI_LINE_MARKER, "--- 2023-11-14 22:13:20.001000 c2s"));
    assert_true(line_is(&l, 2, TUI_LINE_C2S, ">> Host: x"));
    assert_true(line_is(&l, 5, TUI_LINE_S2C, "<< HTTP/1.1 200 OK"));
    assert_int_equal(l.v[2].ts_us, l.v[1].ts_us); /* the line begun in the first segment has its time */
    assert_true(l.v[1].ts_us < l.v[5].ts_us && l.v[5].ts_us < l.v[7].ts_us);

    assert_int_equal(tui_lines_find(&l, "host", 0, 1), 2);
    assert_int_equal(tui_lines_find(&l, "http/1.1", 0, 1), 1);
    assert_int_equal(tui_lines_find(&l, "http/1.1", 1, 1), 5);
    assert_int_equal(tui_lines_find(&l, "http/1.1", 5, 1), 1); /* wraps */
    assert_int_equal(tui_lines_find(&l, "http/1.1", 1, 0), 5); /* backwards wraps */
    assert_int_equal(tui_lines_find(&l, "absent", 0, 1), -1);
    assert_int_equal(tui_lines_at_time(&l, l.v[6].ts_us), 6);

    /* Hex for everything (whole lines, 81 columns: the screen cuts them), and text wrapped at a narrow width
     * (indented so the prefix stands alone). */
    tui_transcript_lines(t, 1, 80, &l);
    assert_true(line_is(&l, 1, TUI_LINE_C2S, ">> 00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|"));
    assert_true(line_is(&l, 2, TUI_LINE_C2S, ">> 00000010  48 6f                                             |Ho|"));
    tui_transcript_lines(t, 0, 16, &l);
    assert_true(line_is(&l, 0, TUI_LINE_MARKER, "--- 2023-11-14 2"));
    assert_true(line_is(&l, 1, TUI_LINE_MARKER, "   2:13:20.00100"));
    assert_true(line_is(&l, 2, TUI_LINE_MARKER, "   0 c2s"));
    assert_true(line_is(&l, 3, TUI_LINE_C2S, ">> GET / HTTP/1."));
    assert_true(line_is(&l, 4, TUI_LINE_C2S, "   1"));
    tui_lines_free(&l);
    fixture_free(f);
}

static void test_session_cap(void **state)
{
    (void)state;
    tui_limits lim;
    tui_limits_default(&lim);
    lim.max_sessions = 10;
    fixture *f = fixture_new(&lim);
    for (int i = 0; i < 10; i++)
        open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    close_session(f, &f->s[4], TR_END_FIN); /* session 5: the oldest closed one */
    close_session(f, &f->s[6], TR_END_FIN);
    assert_int_equal(tui_model_refresh(f->m), 10);
    open_session(f, &fake_http, TR_TCP, 1, 2, 80); /* 11th: one (1% rounded up) must go */
    tui_stats st;
    tui_model_stats(f->m, &st);
    assert_int_equal(st.sessions_seen, 11);
    assert_int_equal(st.sessions_kept, 10);
    assert_int_equal(st.sessions_evicted, 1);
    assert_null(tui_model_find(f->m, 5)); /* closed before open, oldest first */
    assert_non_null(tui_model_find(f->m, 1));
    assert_non_null(tui_model_find(f->m, 7));
    assert_int_equal(tui_model_nrows(f->m), 0); /* rows are rebuilt, never left pointing at evicted sessions */
    assert_int_equal(tui_model_refresh(f->m), 10);
    /* No closed left after two more: then the oldest open goes. */
    open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    assert_null(tui_model_find(f->m, 7));
    assert_null(tui_model_find(f->m, 1));
    assert_non_null(tui_model_find(f->m, 2));
    /* Events of an evicted session are counted, not stored, and do not bring it back. */
    tui_model_stats(f->m, &st);
    uint64_t dropped = st.events_dropped;
    http_exchange(&f->s[0], "/late", 200, "text/plain", 1);
    tui_model_stats(f->m, &st);
    assert_int_equal(st.events_dropped, dropped + 2);
    assert_null(tui_model_find(f->m, 1));
    char line[256];
    tui_model_store_line(f->m, line, sizeof line);
    assert_non_null(strstr(line, "evicted 3 sessions, 0 details (oldest, closed first); kept 10/10 sessions"));
    fixture_free(f);
}

static void test_detail_caps(void **state)
{
    (void)state;
    tui_limits lim;
    tui_limits_default(&lim);
    lim.max_events = 3;
    lim.max_transcript = 100;
    lim.max_details = 16 * 1024;
    fixture *f = fixture_new(&lim);
    tr_session *s = open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    http_exchange(s, "/1", 200, "text/plain", 1);
    http_exchange(s, "/2", 200, "text/plain", 1);
    char big[150];
    memset(big, 'a', sizeof big);
    data(f, s, TR_C2S, big, 60);
    data(f, s, TR_S2C, big, 150);
    tui_stats st;
    tui_model_stats(f->m, &st);
    assert_int_equal(st.events, 3);
    assert_int_equal(st.events_dropped, 1);
    assert_int_equal(st.transcript_dropped, 110);
    const tui_session *t = tui_model_find(f->m, 1);
    assert_int_equal(tui_session_nevents(t), 3);
    tui_lines l;
    tui_lines_init(&l);
    tui_transcript_lines(t, 0, 200, &l);
    assert_int_equal(l.n, 6); /* time line, 60 a, time line, 40 a, time line of the session, the cap */
    assert_int_equal(l.v[1].len, 3 + 60);
    assert_int_equal(l.v[3].len, 3 + 40);
    assert_true(line_is(&l, 5, TUI_LINE_MARKER, "== [transcript cap 100 B reached: later bytes not kept]"));
    /* The summary keeps counting past the caps. */
    assert_string_equal(t->sum.text, "GET /1 " ARROW " 200 text/plain 1 B, GET /2 " ARROW " 200 text/plain 1 B");

    /* Past max_details, the oldest closed sessions' details go first; their rows stay. */
    close_session(f, s, TR_END_FIN);
    for (int i = 0; i < 40; i++) {
        tr_session *o = open_session(f, &fake_http, TR_TCP, 1, 2, 80);
        data(f, o, TR_C2S, big, 100);
    }
    tui_model_stats(f->m, &st);
    assert_true(st.details_evicted >= 1);
    assert_true(st.detail_bytes <= lim.max_details);
    t = tui_model_find(f->m, 1);
    assert_non_null(t);
    assert_true(t->details_evicted);
    assert_int_equal(tui_session_nevents(t), 0);
    tui_transcript_lines(t, 0, 80, &l);
    assert_true(line_is(&l, 0, TUI_LINE_MARKER, "== [events and transcript evicted by the memory cap]"));
    assert_non_null(tui_model_find(f->m, 41)->detail);
    tui_lines_free(&l);
    fixture_free(f);
}

static void test_many_sessions(void **state)
{
    (void)state;
    /* 100,000 sessions through the sink; sorting and filtering them stays a table operation. */
    tui_model *m = tui_model_new(NULL);
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    tr_sink k = tui_model_sink(m);
    tr_ctx_add_sink(&ctx, &k);
    tr_session s;
    memset(&s, 0, sizeof s);
    s.ctx = &ctx;
    s.l4 = TR_UDP;
    s.dis = &fake_dns;
    for (uint64_t id = 1; id <= 100000; id++) {
        s.id = id;
        s.client.port = (uint16_t)(1024 + id % 50000);
        s.server.port = 53;
        s.bytes[0] = id * 7 % 1000;
        k.on_session_open(m, &s);
    }
    assert_int_equal(tui_model_refresh(m), 100000);
    tui_model_set_sort(m, TUI_COL_BYTES, 1);
    assert_int_equal(tui_model_refresh(m), 100000);
    assert_true(tui_model_row(m, 0)->bytes >= tui_model_row(m, 99999)->bytes);
    tui_model_set_filter(m, "port:1025");
    assert_int_equal(tui_model_refresh(m), 2); /* ids 1 and 50001 */
    tui_stats st;
    tui_model_stats(m, &st);
    assert_int_equal(st.sessions_evicted, 0);
    tui_model_free(m);
}

/* The flow table as the model sees it through the context: the fixture's sessions not ended yet. */
static fixture *live_fixture;
static tr_session *find_live(tr_ctx *ctx, uint64_t id)
{
    (void)ctx;
    for (int i = 0; i < live_fixture->n; i++)
        if (live_fixture->s[i].id == id && !live_fixture->s[i].end)
            return &live_fixture->s[i];
    return NULL;
}

/* Live: packets that reach no sink (ACKs, a FIN) still show in the row, and a session whose FINs or RST were seen
 * shows closed or reset while the engine lingers before ending it. */
static void test_follow_live(void **state)
{
    (void)state;
    fixture *f = three_sessions();
    live_fixture = f;
    f->ctx.find_session = find_live;
    tr_session *h = &f->s[0];
    const tui_session *t = tui_model_find(f->m, 1);
    assert_int_equal(t->packets, 2);
    assert_int_equal(tui_model_follow(f->m, 1), 0); /* nothing new */
    h->packets[TR_C2S] += 2; /* an ACK, then the client's FIN */
    h->packets[TR_S2C] += 1; /* the server's FIN */
    uint64_t gen = tui_model_generation(f->m);
    assert_int_equal(tui_model_follow(f->m, 1), 1);
    assert_true(tui_model_generation(f->m) != gen); /* the rows are rebuilt, the screen redrawn */
    assert_int_equal(t->packets, 5);
    assert_string_equal(tui_state_name(t->state), "open");
    h->closing = TR_END_FIN;
    assert_int_equal(tui_model_follow(f->m, 1), 1);
    assert_string_equal(tui_state_name(t->state), "closed");
    assert_int_equal(tui_model_follow(f->m, 1), 0);
    h->packets[TR_C2S]++; /* the last ACK, during the linger */
    assert_int_equal(tui_model_follow(f->m, 1), 1);
    assert_int_equal(t->packets, 6);
    tui_model_set_sort(f->m, TUI_COL_PACKETS, 1); /* ftp 10, http 6, dns 1 */
    rows_ids(f->m, (uint64_t[]){3, 1, 2}, 3);
    tr_session *d = &f->s[1];
    d->closing = TR_END_RST; /* a RST: reset */
    assert_int_equal(tui_model_follow(f->m, 2), 1);
    assert_string_equal(tui_state_name(tui_model_find(f->m, 2)->state), "reset");
    /* the engine ends the session: the end the event gives stands */
    close_session(f, h, TR_END_FIN);
    assert_int_equal(tui_model_follow(f->m, 1), 0);
    assert_string_equal(tui_state_name(t->state), "closed");
    assert_int_equal(tui_model_follow(f->m, 42), 0);
    fixture_free(f);
}

/* Times: whether the sessions span more than one day, in --time's zone. */
static void test_many_days(void **state)
{
    (void)state;
    tr_time_set_style(TR_TIME_UTC);
    fixture *f = fixture_new(NULL); /* 2023-11-14 22:13:20 UTC */
    open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    f->ctx.now_us += 3600LL * 1000000; /* 23:13:20 */
    open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    assert_int_equal(tui_model_many_days(f->m), 0);
    f->ctx.now_us += 3600LL * 1000000; /* 00:13:20 the next day */
    open_session(f, &fake_http, TR_TCP, 1, 2, 80);
    assert_int_equal(tui_model_many_days(f->m), 1);
    fixture_free(f);
    tr_time_set_style(TR_TIME_LOCAL);
}

/* The events kept are the exporter's events.jsonl lines when written out (the UI's `e` without a capture file). */
static void test_events_json(void **state)
{
    (void)state;
    fixture *f = three_sessions();
    char *buf = NULL;
    size_t len = 0, n = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_int_equal(tui_model_events_json(f->m, 3, fp, &n), 0);
    fclose(fp);
    assert_int_equal(n, 3);
    assert_non_null(strstr(buf, "\"session\":3,"));
    assert_non_null(strstr(buf, "\"type\":\"auth\""));
    assert_non_null(strstr(buf, "\"user\":\"alice\""));
    assert_non_null(strstr(buf, "\"type\":\"transfer\""));
    assert_non_null(strstr(buf, "\"data_session\":9"));
    assert_non_null(strstr(buf, "\"type\":\"session_end\""));
    assert_null(strstr(buf, "\"session\":1,"));
    size_t lines = 0;
    for (const char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3);
    free(buf);
    assert_int_equal(tui_model_events_json(f->m, 42, stdout, &n), -1);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_and_summaries), cmocka_unit_test(test_summary_edges),
        cmocka_unit_test(test_sort),               cmocka_unit_test(test_filter),
        cmocka_unit_test(test_events),             cmocka_unit_test(test_transcript),
        cmocka_unit_test(test_session_cap),        cmocka_unit_test(test_detail_caps),
        cmocka_unit_test(test_many_sessions),
        cmocka_unit_test(test_follow_live),        cmocka_unit_test(test_many_days),
        cmocka_unit_test(test_events_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
