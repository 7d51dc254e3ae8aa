/* tui_demo: drives the real UI with made-up sessions (http, dns, ftp, plain tcp) for checking the screen by
 * hand, e.g. in tmux at 80x24. Not built by default:
 *   cc -std=c11 -D_GNU_SOURCE -I. tests/tui_demo.c BUILD/libtrawl_lib.a $(pkg-config --libs ncursesw libpcap zlib libisal libcrypto) -o /tmp/tui_demo
 *   /tmp/tui_demo [sessions [packets_per_second]]   (0 packets/s: as fast as a file) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tr_dissector.h"
#include "reassembly/deliver.h"
#include "tui/tui.h"

static const tr_dissector demo_http = {.name = "http"}, demo_dns = {.name = "dns"}, demo_ftp = {.name = "ftp"};

typedef struct demo {
    tr_ctx ctx;
    uint64_t total, made, packets;
    long rate;
    struct timespec t0;
    tr_session s;
    tr_deliver d;
} demo;

static void emit_end(tr_session *s, int end)
{
    tr_event e;
    s->end = end;
    tr_ev_init(&e, s, "session_end", TR_NODIR);
    e.top_mode = 1;
    tr_ev_str(&e, "end", tr_end_name(end));
    tr_emit(&e);
    for (int i = 0; i < s->ctx->nsinks; i++)
        s->ctx->sinks[i].on_session_close(s->ctx->sinks[i].self, s);
}

static void data(demo *d, int dir, const char *p)
{
    size_t n = strlen(p);
    d->ctx.now_us += 700;
    d->s.packets[dir]++;
    d->s.bytes[dir] += n;
    d->s.last_us = d->ctx.now_us;
    d->packets++;
    tr_deliver_data(&d->s, &d->d, dir, (const uint8_t *)p, n);
}

static void one_session(demo *d)
{
    uint64_t id = ++d->made;
    memset(&d->s, 0, sizeof d->s);
    memset(&d->d, 0, sizeof d->d);
    tr_session *s = &d->s;
    s->id = id;
    s->ctx = &d->ctx;
    s->l4 = TR_TCP;
    uint8_t c[4] = {192, 168, (uint8_t)(id >> 8), (uint8_t)id}, v[4] = {93, 184, 216, (uint8_t)(id % 7)};
    tr_ip_set4(&s->client.ip, c);
    tr_ip_set4(&s->server.ip, v);
    s->client.port = (uint16_t)(30000 + id % 30000);
    d->ctx.now_us += 10000;
    s->start_us = s->last_us = d->ctx.now_us;
    int kind = (int)(id % 4);
    s->dis = kind == 0 ? &demo_http : kind == 1 ? &demo_dns : kind == 2 ? &demo_ftp : NULL;
    s->server.port = kind == 0 ? 80 : kind == 1 ? 53 : kind == 2 ? 21 : 5555;
    if (kind == 1)
        s->l4 = TR_UDP;
    for (int i = 0; i < d->ctx.nsinks; i++)
        d->ctx.sinks[i].on_session_open(d->ctx.sinks[i].self, s);
    tr_event e;
    char uri[64];
    switch (kind) {
    case 0:
        snprintf(uri, sizeof uri, "/page/%llu.html", (unsigned long long)id);
        data(d, TR_C2S, "GET /index.html HTTP/1.1\r\nHost: example.org\r\nUser-Agent: demo/1.0\r\n\r\n");
        tr_ev_init(&e, s, "request", TR_C2S);
        tr_ev_str(&e, "method", "GET");
        tr_ev_str(&e, "uri", id % 8 ? uri : "/index.html");
        tr_ev_str(&e, "host", "example.org");
        tr_emit(&e);
        data(d, TR_S2C, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12288\r\n\r\n<html>\n<body>hi</body>\n");
        tr_deliver_gap(s, &d->d, TR_S2C, 1460);
        data(d, TR_S2C, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xfe binary tail \x01\x02");
        tr_ev_init(&e, s, "response", TR_S2C);
        tr_ev_int(&e, "status", 200);
        tr_ev_str(&e, "content_type", "text/html");
        tr_ev_int(&e, "body_len", 12288 + (int64_t)id);
        tr_ev_str(&e, "method", "GET");
        tr_emit(&e);
        emit_end(s, TR_END_FIN);
        break;
    case 1:
        tr_deliver_datagram(s, &d->d, TR_C2S, (const uint8_t *)"\x12\x34\x01\x00\x00\x01", 6);
        tr_ev_init(&e, s, "query", TR_C2S);
        tr_ev_str(&e, "qname", "example.org");
        tr_ev_str(&e, "qtype", "A");
        tr_emit(&e);
        tr_ev_init(&e, s, "answer", TR_S2C);
        tr_ev_str(&e, "qname", "example.org");
        tr_ev_str(&e, "qtype", "A");
        tr_ev_str(&e, "rcode", "NOERROR");
        tr_ev_list(&e, "answers");
        tr_ev_obj(&e, NULL);
        tr_ev_str(&e, "name", "example.org");
        tr_ev_str(&e, "type", "A");
        tr_ev_int(&e, "ttl", 300);
        tr_ev_str(&e, "data", "93.184.216.34");
        tr_ev_end(&e);
        tr_ev_end(&e);
        tr_emit(&e);
        emit_end(s, TR_END_TIMEOUT);
        break;
    case 2:
        data(d, TR_S2C, "220 demo FTP ready\r\n");
        data(d, TR_C2S, "USER alice\r\n");
        data(d, TR_S2C, "331 Password required\r\n");
        data(d, TR_C2S, "PASS secret\r\n");
        data(d, TR_S2C, "230 Logged in\r\n");
        tr_ev_init(&e, s, "auth", TR_C2S);
        tr_ev_str(&e, "user", "alice");
        tr_ev_bool(&e, "success", 1);
        tr_emit(&e);
        data(d, TR_C2S, "RETR report.pdf\r\n");
        data(d, TR_S2C, "150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n");
        tr_ev_init(&e, s, "transfer", TR_NODIR);
        tr_ev_str(&e, "command", "RETR");
        tr_ev_str(&e, "name", "report.pdf");
        tr_ev_int(&e, "data_session", (int64_t)id + 1);
        tr_ev_int(&e, "bytes", 300 * 1024);
        tr_emit(&e);
        if (id % 3) /* some stay open */
            emit_end(s, TR_END_RST);
        break;
    default:
        data(d, TR_C2S, "hello \xc3\xa9t\xc3\xa9 \x1b[31m\n");
        data(d, TR_S2C, "world\n");
        emit_end(s, TR_END_EOF);
    }
    tr_deliver_close(s, &d->d, s->end);
}

static int pump(void *arg, int budget)
{
    demo *d = arg;
    if (d->made >= d->total)
        return -1;
    if (d->rate > 0) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double el = (double)(t.tv_sec - d->t0.tv_sec) + (double)(t.tv_nsec - d->t0.tv_nsec) / 1e9;
        if ((double)d->packets > el * (double)d->rate)
            return 0;
    }
    int n = 0;
    while (n < budget && d->made < d->total) {
        one_session(d);
        n += 5;
    }
    return n;
}

static void counters(void *arg, uint64_t *packets, uint64_t *drops)
{
    demo *d = arg;
    *packets = d->packets;
    *drops = 0;
}

static int export_stub(void *arg, uint64_t id, char *msg, size_t cap)
{
    (void)arg;
    snprintf(msg, cap, "would export session %llu to trawl-export/sessions/", (unsigned long long)id);
    return 0;
}

int main(int argc, char **argv)
{
    static demo d;
    d.total = argc > 1 ? strtoull(argv[1], NULL, 10) : 200;
    d.rate = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    clock_gettime(CLOCK_MONOTONIC, &d.t0);
    tr_ctx_init(&d.ctx);
    d.ctx.now_us = 1700000000000000LL;
    tui_model *m = tui_model_new(NULL);
    tr_sink k = tui_model_sink(m);
    tr_ctx_add_sink(&d.ctx, &k);
    tui_source src = {.arg = &d, .pump = pump, .fd = -1, .label = "demo.pcap", .counters = counters};
    tui_options opt = {.export_session = export_stub};
    int r = tui_run(&src, m, &opt);
    tui_model_free(m);
    return r == 0 ? 0 : 1;
}
