/* test_export_one: the UI's `e` key (output/export_one.h) and the transcript the UI shows, against the
 * exporter's: real Telnet and DNS dissectors and an FTP data session feed the UI's model and the --export
 * sink at once; the UI's lines must be the exported body, and a transcript written from the UI's memory
 * must be the exported file, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../output/export_one.h"
#include "../../output/sink_export.h"
#include "../../tui/tui_model.h"
#include "harness.h"

typedef struct fixture {
    char dir[64], exp[96], ui[96];
    sink_export *x;
    tui_model *m;
    harness *h[4];
    int n;
} fixture;

static fixture *fixture_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    harness_tmpdir(f->dir, sizeof f->dir, "export-one");
    snprintf(f->exp, sizeof f->exp, "%s/exp", f->dir);
    snprintf(f->ui, sizeof f->ui, "%s/ui", f->dir);
    assert_int_equal(mkdir(f->ui, 0755), 0);
    char err[256] = "";
    f->x = sink_export_open(f->exp, 0, 0, err, sizeof err);
    assert_non_null(f->x);
    f->m = tui_model_new(NULL);
    assert_non_null(f->m);
    return f;
}

static void fixture_free(fixture *f)
{
    if (f->x)
        assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    for (int i = 0; i < f->n; i++)
        harness_free(f->h[i]);
    tui_model_free(f->m);
    harness_rmtree(f->dir);
    free(f);
}

/* A session with a real dissector (or a stand-in) feeding the model and the exporter, as in `--tui --export`. */
static harness *session_new(fixture *f, const char *proto, const tr_dissector *stand_in, uint8_t l4, uint16_t port,
                            uint64_t id)
{
    assert_true(f->n < 4);
    harness *h = harness_new(proto, l4, port);
    if (stand_in)
        h->s.dis = stand_in;
    h->s.id = id;
    tr_sink ui = tui_model_sink(f->m), ex = sink_export_sink(f->x);
    assert_true(tr_ctx_add_sink(&h->ctx, &ui) >= 0);
    assert_true(tr_ctx_add_sink(&h->ctx, &ex) >= 0);
    ui.on_session_open(ui.self, &h->s);
    ex.on_session_open(ex.self, &h->s);
    f->h[f->n++] = h;
    return h;
}


static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    tr_strbuf sb;
    tr_sb_init(&sb, 16u << 20);
    char buf[4096];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, fp)) > 0)
        tr_sb_add(&sb, buf, r);
    fclose(fp);
    char *out = strdup(tr_sb_cstr(&sb));
    tr_sb_free(&sb);
    return out;
}

static const char rule[] = "========================================================================\n";

/* The body of an exported transcript: between the header's rule and the footer's. */
static char *body_of(const char *t)
{
    const char *a = strstr(t, rule);
    assert_non_null(a);
    a += sizeof rule - 1;
    const char *b = strstr(a, rule);
    assert_non_null(b);
    return strndup(a, (size_t)(b - a));
}

static char *ui_lines(fixture *f, uint64_t id, int hex)
{
    tui_model_refresh(f->m);
    const tui_session *s = tui_model_find(f->m, id);
    assert_non_null(s);
    tui_lines l;
    tui_lines_init(&l);
    tui_transcript_lines(s, hex, 100000, &l);
    tr_strbuf sb;
    tr_sb_init(&sb, 16u << 20);
    for (size_t i = 0; i < l.n; i++) {
        tr_sb_add(&sb, l.text.p + l.v[i].off, l.v[i].len);
        tr_sb_addc(&sb, '\n');
    }
    char *out = strdup(tr_sb_cstr(&sb));
    tr_sb_free(&sb);
    tui_lines_free(&l);
    return out;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fprintf(stderr, "--- expected to find:\n%s\n--- in:\n%s\n", needle, hay);
        fail();
    }
}

/* The folder an export message names: "session N exported to FOLDER/: ...". */
static void folder_of_msg(const char *msg, char *out, size_t cap)
{
    const char *a = strstr(msg, " exported to "), *b = a ? strstr(a, "/: ") : NULL;
    assert_non_null(b);
    a += strlen(" exported to ");
    snprintf(out, cap, "%.*s", (int)(b - a), a);
}

/* The UI's lines are the exported body; `e` writes the exported file again from the UI's memory, into a new folder
 * named after the session, with the session's events. */
static void assert_same_as_export(fixture *f, uint64_t id, const char *rel, const char *want)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->exp, rel);
    char *file = slurp(path);
    assert_non_null(file);
    char *body = body_of(file), *lines = ui_lines(f, id, 0);
    assert_string_equal(lines, body);
    assert_contains(lines, want);

    export_one ex = {.base = f->ui, .lookup = tui_model_transcript_lookup, .events = tui_model_events_lookup,
                     .lookup_arg = f->m};
    char msg[512], want_msg[512], folder[256];
    assert_int_equal(export_one_session(&ex, id, msg, sizeof msg), 0);
    folder_of_msg(msg, folder, sizeof folder);
    snprintf(want_msg, sizeof want_msg, "session %" PRIu64 " exported to %s/: its transcript, ", id, folder);
    assert_memory_equal(msg, want_msg, strlen(want_msg));
    snprintf(want_msg, sizeof want_msg, "%s/trawl-session-%06" PRIu64, f->ui, id);
    assert_memory_equal(folder, want_msg, strlen(want_msg));
    snprintf(path, sizeof path, "%s/.trawl-export", folder); /* marked as a trawl export, as --export marks one */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/%s", folder, rel);
    char *mine = slurp(path);
    assert_non_null(mine);
    assert_string_equal(mine, file);
    free(mine);
    free(file);
    free(body);
    free(lines);
}

static void test_telnet_as_exported(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *h = session_new(f, "telnet", NULL, TR_TCP, 23, 1);
    harness_data(h, TR_S2C, "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18", 9);
    harness_data(h, TR_C2S, "\xff\xfd\x01\xff\xfd\x03\xff\xfb\x18", 9);
    harness_data(h, TR_S2C, "\xff\xfa\x18\x01\xff\xf0login: ", 13);
    harness_data(h, TR_C2S, "\xff\xfa\x18\x00xterm\xff\xf0", 11);
    h->ctx.now_us += 1000;
    for (const char *p = "alice\r\n"; *p; p++)
        harness_data(h, TR_C2S, p, 1);
    harness_data(h, TR_S2C, "Password:", 9);
    harness_data(h, TR_C2S, "secret\r\n", 8);
    harness_data(h, TR_S2C, "\r\nWelcome\r\n$ ", 13);
    harness_end(h, TR_END_FIN);
    assert_same_as_export(f, 1, "sessions/000001-telnet.txt",
                          "<< [IAC WILL ECHO][IAC WILL SUPPRESS-GO-AHEAD][IAC DO TERMINAL-TYPE]\n"
                          "--- 22:13:20.000000 c2s\n>> [IAC DO ECHO]");
    char *l = ui_lines(f, 1, 0);
    assert_contains(l, "<< [IAC SB TERMINAL-TYPE \\x01 IAC SE]login: \n");
    assert_contains(l, ">> [IAC SB TERMINAL-TYPE \\x00xterm IAC SE]alice\n"); /* keystrokes join their line */
    assert_contains(l, "<< Password:\n--- 22:13:20.001000 c2s\n>> secret\n");
    free(l);
    l = ui_lines(f, 1, 1); /* hex: the bytes as they came, IAC and all */
    assert_contains(l, "<< 00000000  ff fb 01 ff fb 03 ff fd  18");
    free(l);
    fixture_free(f);
}

/* A DNS message: id, flags, one question (example.org A) and `answers` A records of 93.184.216.34. */
static size_t dns_message(uint8_t *out, int answers)
{
    static const uint8_t q[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 1, 0, 1};
    uint8_t hdr[12] = {0x12, 0x34, answers ? 0x81 : 0x01, answers ? 0x80 : 0x00, 0, 1, 0, (uint8_t)answers, 0, 0, 0, 0};
    size_t n = 0;
    memcpy(out, hdr, sizeof hdr);
    n += sizeof hdr;
    memcpy(out + n, q, sizeof q);
    n += sizeof q;
    for (int i = 0; i < answers; i++) {
        static const uint8_t a[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 93, 184, 216, 34};
        memcpy(out + n, a, sizeof a);
        n += sizeof a;
    }
    return n;
}

static void test_dns_as_exported(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *h = session_new(f, "dns", NULL, TR_UDP, 53, 2);
    uint8_t msg[128];
    harness_datagram(h, TR_C2S, msg, dns_message(msg, 0));
    h->ctx.now_us += 20000;
    harness_datagram(h, TR_S2C, msg, dns_message(msg, 1));
    harness_end(h, TR_END_TIMEOUT);
    /* the export has one transcript for the address pair, its part of session 2 the UI's lines */
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    f->x = NULL;
    char path[256];
    snprintf(path, sizeof path, "%s/sessions/dns-10.0.0.1-10.0.0.2.txt", f->exp);
    char *file = slurp(path), *lines = ui_lines(f, 2, 0);
    assert_non_null(file);
    assert_contains(lines, ">> query A example.org\n--- 22:13:20.020000 s2c\n"
                           "<< answer NOERROR example.org A 93.184.216.34\n");
    char part[1024];
    snprintf(part, sizeof part, "== session 2: 10.0.0.1:40000 -> 10.0.0.2:53\n%s", lines);
    assert_contains(file, part);
    free(file);
    free(lines);
    char *l = ui_lines(f, 2, 1); /* hex: the decoded datagrams are dumped too */
    assert_contains(l, ">> query A example.org\n>> 00000000  12 34 01 00");
    free(l);
    fixture_free(f);
}

/* stand-ins that decode nothing but present as the real ones do */
extern const tr_presenter ftp_present;
extern const tr_presenter ftp_data_present;
static const tr_dissector fake_ftp = {.name = "ftp", .present = &ftp_present, .l4 = TR_TCP};
static const tr_dissector fake_ftp_data = {.name = "ftp-data", .present = &ftp_data_present, .l4 = TR_TCP};

static void test_ftp_data_pointer_and_export_dir(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *ctl = session_new(f, NULL, &fake_ftp, TR_TCP, 21, 3);
    harness *data = session_new(f, NULL, &fake_ftp_data, TR_TCP, 20, 4);
    data->s.parent = 3;
    harness_data(ctl, TR_C2S, "RETR report.pdf\r\n", 17);
    char rel[256];
    int fh = tr_file_open(&data->s, "report.pdf", rel, sizeof rel);
    assert_string_equal(rel, "files/000004-report.pdf");
    uint8_t bytes[3000];
    memset(bytes, 0x89, sizeof bytes);
    tr_file_write(&data->s, fh, bytes, sizeof bytes);
    harness_data(data, TR_S2C, bytes, sizeof bytes);
    tr_file_close(&data->s, fh, 1);

    /* Live with --export: the session's files are copied from the exporter's folder into the session's own; the
     * transcript and events come from the UI's memory (the session still open). */
    export_one ex = {.base = f->ui, .dir = f->exp, .exporter = f->x, .lookup = tui_model_transcript_lookup,
                     .events = tui_model_events_lookup, .lookup_arg = f->m};
    char msg[512], want[512], path[256];
    tui_model_refresh(f->m);
    assert_int_equal(export_one_session(&ex, 4, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "session 4 exported to %s/trawl-session-000004/: its transcript, 0 events, 1 file", f->ui);
    assert_string_equal(msg, want);
    snprintf(path, sizeof path, "%s/trawl-session-000004/files/000004-report.pdf", f->ui);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 3000);
    snprintf(path, sizeof path, "%s/trawl-session-000004/sessions/000004-ftp-data.txt", f->ui);
    char *t = slurp(path);
    assert_contains(t, "== [data -> files/000004-report.pdf]\n");
    assert_contains(t, "== [exported while the session was open]\n");
    free(t);

    harness_end(data, TR_END_FIN);
    static tr_event e;
    tr_ev_init(&e, &ctl->s, "transfer", TR_NODIR);
    tr_ev_str(&e, "command", "RETR");
    tr_ev_str(&e, "name", "report.pdf");
    tr_ev_int(&e, "data_session", 4);
    tr_ev_file(&e, "file", rel);
    tr_emit(&e);
    harness_end(ctl, TR_END_FIN);
    assert_same_as_export(f, 4, "sessions/000004-ftp-data.txt",
                          "== [data -> files/000004-report.pdf]\n<< [3000 bytes of data, in the file]\n");
    assert_same_as_export(f, 3, "sessions/000003-ftp.txt",
                          "== [data on session 4: RETR report.pdf -> files/000004-report.pdf]\n");

    /* Session 3's events: its transfer event, as the exporter's events.jsonl line; a session no longer kept has
     * nothing to export. */
    assert_int_equal(export_one_session(&ex, 3, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "/trawl-session-000003-2/: its transcript, 2 events, 0 files"));
    snprintf(path, sizeof path, "%s/trawl-session-000003-2/events.jsonl", f->ui);
    t = slurp(path);
    assert_int_equal(harness_count(t, "\"session\":3,", NULL), 2);
    assert_int_equal(harness_count(t, "\"type\":\"transfer\"", "\"name\":\"report.pdf\"", "\"data_session\":4",
                                   "\"file\":\"files/000004-report.pdf\"", NULL), 1);
    assert_int_equal(harness_count(t, "\"type\":\"session_end\"", "\"end\":\"fin\"", NULL), 1);
    free(t);
    assert_int_equal(export_one_session(&ex, 99, msg, sizeof msg), -1);
    assert_string_equal(msg, "session 99 is no longer kept: nothing to export");
    fixture_free(f);
}

static void test_never_overwrites(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *h = session_new(f, NULL, NULL, TR_TCP, 80, 5);
    harness_data(h, TR_C2S, "GET / HTTP/1.1\r\nHost: a", 23);
    export_one ex = {.base = f->ui, .lookup = tui_model_transcript_lookup, .lookup_arg = f->m};
    char msg[512], want[512], path[256];
    tui_model_refresh(f->m);
    /* A folder that is there already, someone else's: never written into, the next name is taken. */
    snprintf(path, sizeof path, "%s/trawl-session-000005", f->ui);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/trawl-session-000005/mine.txt", f->ui);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("mine\n", fp);
    fclose(fp);
    for (int i = 2; i <= 4; i++) {
        assert_int_equal(export_one_session(&ex, 5, msg, sizeof msg), 0);
        snprintf(want, sizeof want,
                 "session 5 exported to %s/trawl-session-000005-%d/: its transcript, 0 events, 0 files (files: only "
                 "with --export or a capture file)",
                 f->ui, i);
        assert_string_equal(msg, want);
    }
    char *t = slurp(path);
    assert_string_equal(t, "mine\n");
    free(t);
    snprintf(path, sizeof path, "%s/trawl-session-000005/sessions", f->ui);
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
    snprintf(path, sizeof path, "%s/trawl-session-000005-4/sessions/000005-tcp.txt", f->ui);
    t = slurp(path);
    /* An open session: its last line ended where it is, said so, and the footer says open. */
    assert_contains(t, ">> GET / HTTP/1.1\n>> Host: a\n== [exported while the session was open]\n=====");
    assert_contains(t, "end      open\n");
    assert_contains(t, "packets  c2s 1  s2c 0\nbytes    c2s 23  s2c 0\n");
    free(t);
    assert_int_equal(export_one_session(&ex, 77, msg, sizeof msg), -1);
    assert_string_equal(msg, "session 77 is no longer kept: nothing to export");
    /* A folder that cannot be made: the reason, nothing else. */
    ex.base = "/proc/trawl-no";
    assert_int_equal(export_one_session(&ex, 5, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "export failed: /proc/trawl-no/trawl-session-000005: "));
    harness_end(h, TR_END_RST);
    fixture_free(f);
}

/* HTTP through the real dissector: a binary body that went to a file is one marker where it ends (a gap inside
 * it still shown), a text body stays text; the UI shows the same. */
static void test_http_binary_body_marker(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *h = session_new(f, "http", NULL, TR_TCP, 80, 5);
    static uint8_t blob[3000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7 + (i >> 8));
    static const char bin_head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 3000\r\n\r\n";
    uint8_t seg[sizeof bin_head - 1 + 1000];
    memcpy(seg, bin_head, sizeof bin_head - 1);
    memcpy(seg + sizeof bin_head - 1, blob, 1000); /* the headers and the body's start in one segment */
    harness_data(h, TR_C2S, "GET /blob.bin HTTP/1.1\r\nHost: t\r\n\r\n", 35);
    harness_data(h, TR_S2C, seg, sizeof seg);
    harness_data(h, TR_S2C, blob + 1000, 2000);
    harness_data(h, TR_C2S, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 32);
    harness_data(h, TR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n", 51);
    harness_data(h, TR_C2S, "GET /c.bin HTTP/1.1\r\nHost: t\r\n\r\n", 32);
    harness_data(h, TR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", 41);
    harness_data(h, TR_S2C, blob, 500);
    harness_gap(h, TR_S2C, 500);
    harness_data(h, TR_S2C, blob + 1000, 1000);
    harness_data(h, TR_C2S, "GET /d.bin HTTP/1.1\r\nHost: t\r\n\r\n", 32);
    harness_data(h, TR_S2C, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n", 52);
    harness_data(h, TR_S2C, blob, 1000);
    assert_int_equal(harness_count(tr_sb_cstr(&h->out), "\"type\":\"response\"", "\"body_len\":3000", NULL), 1);
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/files/000005-blob.bin", f->exp);
    assert_int_equal(stat(path, &st), 0); /* the marker's path is the extracted file */
    assert_int_equal(st.st_size, 3000);
    /* open: a body being hidden says how much came so far; the chunk-size line alone did not decide */
    char *open = ui_lines(f, 5, 0);
    assert_contains(open, "<< 3e8\n<< [body 1005 bytes (chunked) so far -> files/000005-d.bin]\n");
    free(open);
    harness_data(h, TR_S2C, "\r\n0\r\n\r\n", 7);
    harness_data(h, TR_C2S, "GET /e.bin HTTP/1.1\r\nHost: t\r\n\r\n", 32);
    harness_data(h, TR_S2C, "HTTP/1.1 200 OK\r\n\r\n", 19);
    harness_data(h, TR_S2C, blob, 700); /* until the close */
    harness_end(h, TR_END_FIN);
    assert_same_as_export(f, 5, "sessions/000005-http.txt",
                          "<< Content-Length: 3000\n<< \n<< [body 3000 bytes -> files/000005-blob.bin]\n"
                          "--- 22:13:20.000000 c2s\n>> GET /a.txt HTTP/1.1\n");
    char *l = ui_lines(f, 5, 0);
    assert_contains(l, "<< Content-Length: 12\n<< \n<< hello world\n");
    assert_contains(l, "<< Content-Length: 2000\n<< \n<< [gap 500 bytes]\n<< [body 1500 bytes, incomplete -> files/000005-c.bin]\n");
    assert_contains(l, "<< Transfer-Encoding: chunked\n<< \n<< 3e8\n<< [body 1012 bytes (chunked) -> files/000005-d.bin]\n");
    assert_contains(l, "<< HTTP/1.1 200 OK\n<< \n<< [body 700 bytes -> files/000005-e.bin]\n");
    assert_null(strstr(l, "<< 0000")); /* no hex dump */
    free(l);
    l = ui_lines(f, 5, 1); /* the hex view still dumps every byte */
    assert_contains(l, "<< 00000000  48 54 54 50");
    free(l);
    fixture_free(f);
}

/* With a capture file, `e` reads the input again into a sink_export behind a filter: session 7 and the session it
 * opened (9) pass, another (8) does not; the result is the export --export makes of those sessions, file for file. */
typedef struct replay_script {
    int mismatch; /* session 7 comes back between other endpoints */
} replay_script;

static uint8_t body2k[2000];

static void http_exchange(harness *h)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 2000\r\n\r\n";
    for (size_t i = 0; i < sizeof body2k; i++)
        body2k[i] = (uint8_t)(i * 13 + 1);
    harness_data(h, TR_C2S, "GET /blob.bin HTTP/1.1\r\nHost: t\r\n\r\n", 35);
    harness_data(h, TR_S2C, head, sizeof head - 1);
    harness_data(h, TR_S2C, body2k, sizeof body2k);
}

static int replay_script_run(void *arg, const tr_sink *sink, char *err, size_t cap)
{
    (void)err;
    (void)cap;
    const replay_script *sc = arg;
    harness *h[3] = {harness_new("http", TR_TCP, 80), harness_new("http", TR_TCP, 80), harness_new(NULL, TR_TCP, 2000)};
    h[0]->s.id = 7;
    h[1]->s.id = 8;
    h[2]->s.id = 9;
    h[2]->s.parent = 7;
    if (sc->mismatch)
        h[0]->s.client.port = 40001;
    for (int i = 0; i < 3; i++) {
        assert_true(tr_ctx_add_sink(&h[i]->ctx, sink) >= 0);
        sink->on_session_open(sink->self, &h[i]->s);
    }
    http_exchange(h[0]);
    http_exchange(h[1]);
    harness_data(h[2], TR_C2S, "child bytes\n", 12);
    for (int i = 0; i < 3; i++) {
        harness_end(h[i], TR_END_FIN);
        harness_free(h[i]);
    }
    return 0;
}

static void test_replay_is_the_export(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *h = session_new(f, "http", NULL, TR_TCP, 80, 7); /* as the UI and --export saw it */
    http_exchange(h);
    harness_end(h, TR_END_FIN);
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    f->x = NULL;
    tui_model_refresh(f->m);
    replay_script sc = {0};
    export_one ex = {.base = f->ui, .replay = replay_script_run, .replay_arg = &sc,
                     .lookup = tui_model_transcript_lookup, .events = tui_model_events_lookup, .lookup_arg = f->m};
    char msg[512], want[512], path[512];
    assert_int_equal(export_one_session(&ex, 7, msg, sizeof msg), 0);
    snprintf(want, sizeof want,
             "session 7 exported to %s/trawl-session-000007/: 2 transcripts, 1 file, 4 events (with the 1 session it "
             "opened)",
             f->ui);
    assert_string_equal(msg, want);
    /* the transcript and the file: those --export wrote */
    snprintf(path, sizeof path, "%s/sessions/000007-http.txt", f->exp);
    char *theirs = slurp(path);
    snprintf(path, sizeof path, "%s/trawl-session-000007/sessions/000007-http.txt", f->ui);
    char *mine = slurp(path);
    assert_non_null(theirs);
    assert_non_null(mine);
    assert_string_equal(mine, theirs);
    assert_contains(mine, "<< [body 2000 bytes -> files/000007-blob.bin]\n");
    free(mine);
    free(theirs);
    snprintf(path, sizeof path, "%s/trawl-session-000007/files/000007-blob.bin", f->ui);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 2000);
    snprintf(path, sizeof path, "%s/trawl-session-000007/sessions/000009-tcp.txt", f->ui);
    mine = slurp(path);
    assert_non_null(mine);
    assert_contains(mine, ">> child bytes\n");
    free(mine);
    snprintf(path, sizeof path, "%s/trawl-session-000007/sessions/000008-http.txt", f->ui);
    assert_int_equal(stat(path, &st), -1);
    snprintf(path, sizeof path, "%s/trawl-session-000007/files/000008-blob.bin", f->ui);
    assert_int_equal(stat(path, &st), -1);
    /* events.jsonl: the sessions' events only, with their `file` fields */
    snprintf(path, sizeof path, "%s/trawl-session-000007/events.jsonl", f->ui);
    char *ev = slurp(path);
    assert_int_equal(harness_count(ev, "\"session\":7,", NULL), 3);
    assert_int_equal(harness_count(ev, "\"session\":9,", NULL), 1);
    assert_int_equal(harness_count(ev, "\"session\":8,", NULL), 0);
    assert_int_equal(harness_count(ev, "\"type\":\"response\"", "\"status\":200", "\"file\":\"files/000007-blob.bin\"",
                                   NULL),
                     1);
    free(ev);
    /* The input read again does not give the same session: nothing passes, and it says so. */
    sc.mismatch = 1;
    assert_int_equal(export_one_session(&ex, 7, msg, sizeof msg), -1);
    assert_string_equal(msg, "export failed: reading the input again gave no session 7 between the same endpoints");
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telnet_as_exported),
        cmocka_unit_test(test_dns_as_exported),
        cmocka_unit_test(test_ftp_data_pointer_and_export_dir),
        cmocka_unit_test(test_never_overwrites),
        cmocka_unit_test(test_http_binary_body_marker),
        cmocka_unit_test(test_replay_is_the_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
