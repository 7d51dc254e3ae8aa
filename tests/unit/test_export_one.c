/* test_export_one: the UI's `e` key (output/export_one.h) and the transcript the UI shows, against the
 * exporter's: real Telnet and DNS dissectors and an FTP data session feed the UI's model and the --export
 * sink at once; the UI's lines must be the exported body, and a transcript written from the UI's memory
 * must be the exported file, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

/* The UI's lines are the exported body; `e` writes the exported file again from the UI's memory. */
static void assert_same_as_export(fixture *f, uint64_t id, const char *rel, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->exp, rel);
    char *file = slurp(path);
    assert_non_null(file);
    char *body = body_of(file), *lines = ui_lines(f, id, 0);
    assert_string_equal(lines, body);
    assert_contains(lines, want);

    export_one ex = {.fallback = f->ui, .lookup = tui_model_transcript_lookup, .lookup_arg = f->m};
    char msg[512], want_msg[512];
    assert_int_equal(export_one_session(&ex, id, msg, sizeof msg), 0);
    snprintf(want_msg, sizeof want_msg, "exported to %s/%s", f->ui, rel);
    assert_string_equal(msg, want_msg);
    snprintf(path, sizeof path, "%s/%s", f->ui, rel);
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

    /* With --export, `e` says where the exporter writes: an open session's transcript is flushed first. */
    export_one ex = {.dir = f->exp, .exporter = f->x, .lookup = tui_model_transcript_lookup, .lookup_arg = f->m};
    char msg[512], want[512], path[256];
    tui_model_refresh(f->m);
    assert_int_equal(export_one_session(&ex, 4, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "exported to %s/sessions/000004-ftp-data.txt (open: still being written), file %s/files/000004-report.pdf",
             f->exp, f->exp);
    assert_string_equal(msg, want);
    snprintf(path, sizeof path, "%s/sessions/000004-ftp-data.txt", f->exp);
    char *t = slurp(path);
    assert_contains(t, "== [data -> files/000004-report.pdf]\n");
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

    /* Closed: the exporter finished the file; found by its session number. */
    assert_int_equal(export_one_session(&ex, 3, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "exported to %s/sessions/000003-ftp.txt", f->exp);
    assert_string_equal(msg, want);
    assert_int_equal(export_one_session(&ex, 99, msg, sizeof msg), -1);
    snprintf(want, sizeof want, "no transcript of session 99 in %s/sessions", f->exp);
    assert_string_equal(msg, want);
    fixture_free(f);
}

static void test_never_overwrites(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    harness *h = session_new(f, NULL, NULL, TR_TCP, 80, 5);
    harness_data(h, TR_C2S, "GET / HTTP/1.1\r\nHost: a", 23);
    export_one ex = {.fallback = f->ui, .lookup = tui_model_transcript_lookup, .lookup_arg = f->m};
    char msg[512], want[512], path[256];
    tui_model_refresh(f->m);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(export_one_session(&ex, 5, msg, sizeof msg), 0);
        if (i == 1)
            snprintf(want, sizeof want, "exported to %s/sessions/000005-tcp.txt", f->ui);
        else
            snprintf(want, sizeof want, "exported to %s/sessions/000005-tcp-%d.txt", f->ui, i);
        assert_string_equal(msg, want);
    }
    snprintf(path, sizeof path, "%s/sessions/000005-tcp-3.txt", f->ui);
    char *t = slurp(path);
    /* An open session: its last line ended where it is, said so, and the footer says open. */
    assert_contains(t, ">> GET / HTTP/1.1\n>> Host: a\n== [exported while the session was open]\n=====");
    assert_contains(t, "end      open\n");
    assert_contains(t, "packets  c2s 1  s2c 0\nbytes    c2s 23  s2c 0\n");
    free(t);
    assert_int_equal(export_one_session(&ex, 77, msg, sizeof msg), -1);
    assert_string_equal(msg, "session 77 is no longer kept: nothing to export");
    /* A folder that cannot be made: the reason, nothing else. */
    ex.fallback = "/proc/trawl-no";
    assert_int_equal(export_one_session(&ex, 5, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "export failed: /proc/trawl-no/sessions: "));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telnet_as_exported),
        cmocka_unit_test(test_dns_as_exported),
        cmocka_unit_test(test_ftp_data_pointer_and_export_dir),
        cmocka_unit_test(test_never_overwrites),
        cmocka_unit_test(test_http_binary_body_marker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
