/* test_export: the --export sink (events.jsonl, transcripts, raw streams, extracted files) and the
 * transcript renderer it shares with the UI, driven through the harness like the engine would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../core/tr_worker.h"
#include "../../output/name_set.h"
#include "../../output/safe_name.h"
#include "../../output/sink_export.h"
#include "../../output/transcript.h"
#include "harness.h"

typedef struct fixture {
    char dir[64];
    sink_export *x;
    tr_sink k;
} fixture;

static fixture *fixture_new(int raw)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    harness_tmpdir(f->dir, sizeof f->dir, "export");
    char err[256] = "";
    f->x = sink_export_open(f->dir, raw, 0, err, sizeof err);
    assert_non_null(f->x);
    f->k = sink_export_sink(f->x);
    return f;
}

static void fixture_free(fixture *f)
{
    if (f->x)
        assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    harness_rmtree(f->dir);
    free(f);
}

/* A harness session with the exporter as a second sink. dis: a stand-in dissector (only its name
 * matters to the exporter), or NULL for plain tcp/udp. */
static harness *session_new(fixture *f, const tr_dissector *dis, uint8_t l4, uint64_t id)
{
    harness *h = harness_new(NULL, l4, 80);
    h->s.id = id;
    h->s.dis = dis;
    assert_true(tr_ctx_add_sink(&h->ctx, &f->k) >= 0);
    size_t before = h->s.state_extra;
    f->k.on_session_open(f->k.self, &h->s);
    assert_true(h->s.state_extra > before); /* what the exporter keeps of it counts against --memcap */
    return h;
}


static char *slurp(const fixture *f, const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fprintf(stderr, "--- expected to find:\n%s\n--- in:\n%s\n", needle, hay);
        fail();
    }
}

/* stand-ins that decode nothing but present as the real ones do */
extern const tr_presenter dns_present;
extern const tr_presenter ftp_present;
extern const tr_presenter ftp_data_present;
extern const tr_presenter telnet_present;
static const tr_dissector fake_telnet = {.name = "telnet", .present = &telnet_present, .l4 = TR_TCP};
static const tr_dissector fake_dns = {.name = "dns", .present = &dns_present, .l4 = TR_UDP};
static const tr_dissector fake_ftp = {.name = "ftp", .present = &ftp_present, .l4 = TR_TCP};
static const tr_dissector fake_ftp_data = {.name = "ftp-data", .present = &ftp_data_present, .l4 = TR_TCP};

static void test_text_conversation(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    harness *h = session_new(f, NULL, TR_TCP, 1);
    const char req[] = "GET /a\\b HTTP/1.1\r\nHost: x\x01y\r\n\r\n";
    harness_data(h, TR_C2S, req, sizeof req - 1);
    h->ctx.now_us += 1500;
    harness_data(h, TR_S2C, "HTTP/1.1 200 OK\r\n\r\nhel", 22);
    harness_data(h, TR_S2C, "lo caf\xc3\xa9\r", 9);
    harness_data(h, TR_S2C, "\n", 1); /* CR LF split between segments */
    harness_gap(h, TR_S2C, 1460);
    h->ctx.now_us += 1500;
    harness_data(h, TR_S2C, "tail\r", 5);
    h->ctx.now_us += 1000;
    harness_data(h, TR_C2S, "bye\n", 4);
    harness_end(h, TR_END_FIN);
    char *t = slurp(f, "sessions/000001-tcp.txt", NULL);
    assert_non_null(t);
    assert_contains(t, "trawl transcript of session 1: tcp\nclient   10.0.0.1:40000\nserver   10.0.0.2:80\n"
                       "start    2023-11-14 22:13:20 UTC (1700000000.000000)\n");
    assert_contains(t, "=\n--- 2023-11-14 22:13:20.000000 c2s\n"
                       ">> GET /a\\\\b HTTP/1.1\n"
                       ">> Host: x\\x01y\n"
                       ">> \n"
                       "--- 22:13:20.001500 s2c\n"
                       "<< HTTP/1.1 200 OK\n"
                       "<< \n"
                       "<< hello café\n"
                       "<< [gap 1460 bytes]\n"
                       "<< tail\\r\n"
                       "--- 22:13:20.004000 c2s\n"
                       ">> bye\n"
                       "=====");
    assert_contains(t, "end      fin\nlast     ");
    assert_contains(t, "packets  c2s 2  s2c 4\nbytes    c2s 36  s2c 37\ngaps     c2s 0  s2c 1460 bytes\n");
    free(t);
    harness_free(h);
    fixture_free(f);
}

/* The transcript of a TCP session (id 1) in which the client sent two chunks, then the session ended. */
static char *two_chunk_transcript(const void *a, size_t an, const void *b, size_t bn, int end)
{
    fixture *f = fixture_new(0);
    harness *h = session_new(f, NULL, TR_TCP, 1);
    harness_data(h, TR_C2S, a, an);
    harness_data(h, TR_C2S, b, bn);
    harness_end(h, end);
    char *t = slurp(f, "sessions/000001-tcp.txt", NULL);
    assert_non_null(t);
    harness_free(h);
    fixture_free(f);
    return t;
}

/* Text is scanned a word (8 bytes) at a time: each byte that must be escaped or ends the line, at each
 * position of a word, is still found. */
static void test_text_escapes_at_every_position(void **state)
{
    (void)state;
    static const struct {
        uint8_t byte;
        const char *shown;
    } cases[] = {{0x1f, "\\x1f"}, {0x7f, "\\x7f"}, {0x80, "\\x80"}, {0xff, "\\xff"}, {'\\', "\\\\"}, {'\t', "\t"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int at = 0; at < 16; at++) {
            char line[40], want[64];
            memset(line, 'a', 32);
            line[at] = (char)cases[c].byte;
            line[32] = '\n';
            snprintf(want, sizeof want, ">> %.*s%s%.*s\n", at, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", cases[c].shown,
                     31 - at, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            char *t = two_chunk_transcript(line, 33, "", 0, TR_END_FIN);
            assert_contains(t, want);
            free(t);
        }
    }
}

static void test_binary_hex_dump(void **state)
{
    (void)state;
    uint8_t bin[20];
    for (int i = 0; i < 20; i++)
        bin[i] = (uint8_t)(i * 13);
    char *t = two_chunk_transcript("hi\n", 3, bin, sizeof bin, TR_END_RST);
    /* offsets count the direction's stream: the binary chunk starts at byte 3 */
    assert_contains(t, ">> hi\n"
                       ">> 00000003  00 0d 1a 27 34 41 4e 5b  68 75 82 8f 9c a9 b6 c3  |...'4AN[hu......|\n"
                       ">> 00000013  d0 dd ea f7                                       |....|\n");
    assert_contains(t, "end      rst\n");
    free(t);
}

/* A chunk whose first 64 bytes are binary is text when three quarters of all its bytes are (UTF-8 characters
 * count, each of their bytes), and a hex dump when one byte more is not: the edge of mostly_text, exactly. */
static void test_binary_start_mostly_text_rest(void **state)
{
    (void)state;
    for (int extra_bad = 0; extra_bad < 2; extra_bad++) {
        uint8_t chunk[512];
        size_t n = 0;
        for (int i = 0; i < 64; i++)
            chunk[n++] = (uint8_t)(0x80 + i); /* lone continuation bytes: not text */
        while (n < (size_t)(256 - 2 * extra_bad)) {
            static const uint8_t e_acute[] = {0xc3, 0xa9}; /* two bytes of text */
            memcpy(chunk + n, e_acute, 2);
            n += 2;
        }
        for (int i = 0; i < extra_bad; i++) {
            chunk[n++] = 0x01; /* a control byte: not text */
            chunk[n++] = 'x';
        }
        /* 256 bytes: 64 not text, so exactly a quarter; the variant trades a character for a control byte */
        char *t = two_chunk_transcript("hi\n", 3, chunk, n, TR_END_FIN);
        if (extra_bad) {
            assert_contains(t, ">> 00000003  80 81 82 83 84 85 86 87  88 89 8a 8b 8c 8d 8e 8f  |................|\n");
        } else {
            assert_contains(t, ">> \\x80\\x81\\x82");
            assert_contains(t, "\xc3\xa9\xc3\xa9");
        }
        free(t);
    }
}

/* The same edge with characters of three and four bytes after 64 control bytes: the sixteen-at-a-time count
 * that turns binary chunks away early (surely_not_text) must not count the bytes of a character against the
 * chunk, or this text would become a hex dump. */
static void test_binary_start_long_utf8_rest(void **state)
{
    (void)state;
    static const struct {
        uint8_t bytes[4];
        size_t len;
    } chars[] = {{{0xe4, 0xb8, 0xad}, 3}, {{0xf0, 0x9f, 0x98, 0x80}, 4}}; /* U+4E2D, U+1F600 */
    for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
        for (int extra_bad = 0; extra_bad < 2; extra_bad++) {
            uint8_t chunk[600];
            size_t n = 0;
            for (int i = 0; i < 64 + extra_bad; i++)
                chunk[n++] = 0x01;
            while (n + chars[c].len <= 64 + 48 * 4) { /* 256 bytes: 64 control bytes are a quarter */
                memcpy(chunk + n, chars[c].bytes, chars[c].len);
                n += chars[c].len;
            }
            while (n < 256 + (size_t)extra_bad)
                chunk[n++] = 'x';
            char *t = two_chunk_transcript("hi\n", 3, chunk, n, TR_END_FIN);
            if (extra_bad) {
                assert_contains(t, ">> 00000003  01 01 01 01 01 01 01 01  01 01 01 01 01 01 01 01  |................|\n");
            } else {
                assert_contains(t, ">> \\x01\\x01\\x01");
                char twice[9] = {0};
                memcpy(twice, chars[c].bytes, chars[c].len);
                memcpy(twice + chars[c].len, chars[c].bytes, chars[c].len);
                assert_contains(t, twice);
            }
            free(t);
        }
    }
}

/* A chunk that begins as text but is not mostly text is a hex dump, with nothing of a text rendering left
 * behind: the CR that ended the chunk before it is still shown once, before the dump. */
static void test_text_start_binary_rest(void **state)
{
    (void)state;
    uint8_t chunk[200];
    memset(chunk, 'a', 100); /* text for the first 100 bytes: a quarter of 200 escaped bytes is 50 */
    memset(chunk + 100, 0x01, 100);
    char *t = two_chunk_transcript("abc\r", 4, chunk, sizeof chunk, TR_END_FIN);
    assert_contains(t, ">> abc\\r\n"
                       ">> 00000004  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n");
    assert_contains(t, ">> 000000c4  01 01 01 01 ");
    assert_null(strstr(t, ">> aaaa"));
    free(t);
}

static void test_raw_streams_zero_filled_gap(void **state)
{
    (void)state;
    fixture *f = fixture_new(1);
    harness *h = session_new(f, NULL, TR_TCP, 3);
    harness_data(h, TR_C2S, "abc", 3);
    harness_gap(h, TR_C2S, 5);
    harness_data(h, TR_C2S, "def", 3);
    harness_data(h, TR_S2C, "xy", 2);
    harness_gap(h, TR_S2C, 10); /* trailing: nothing after it, so not in the file */
    harness_end(h, TR_END_FIN);
    size_t n;
    char *c2s = slurp(f, "streams/000003-10.0.0.1.40000-10.0.0.2.80-c2s.bin", &n);
    assert_non_null(c2s);
    assert_int_equal(n, 11);
    assert_memory_equal(c2s, "abc\0\0\0\0\0def", 11);
    char *s2c = slurp(f, "streams/000003-10.0.0.2.80-10.0.0.1.40000-s2c.bin", &n);
    assert_non_null(s2c);
    assert_int_equal(n, 2);
    assert_memory_equal(s2c, "xy", 2);
    char *t = slurp(f, "sessions/000003-tcp.txt", NULL);
    assert_contains(t, ">> abc\n>> [gap 5 bytes]\n>> def\n");
    free(t);
    free(c2s);
    free(s2c);
    harness_free(h);
    fixture_free(f);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_file_extraction_and_events(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    sink_export_set_max_open(f->x, 2); /* the file is closed and reopened between writes */
    harness *h = session_new(f, NULL, TR_TCP, 1);
    harness *other = session_new(f, NULL, TR_TCP, 2);
    char rel[256];
    int fh = tr_file_open(&h->s, "report.pdf", rel, sizeof rel);
    assert_true(fh >= 0);
    assert_string_equal(rel, "files/000001-report.pdf");
    uint8_t body[100000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 7 + (i >> 9));
    char line[3000]; /* transcripts past the 4 KB held in memory, so they have files open too */
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (size_t off = 0; off < sizeof body; off += 9999) {
        size_t k = sizeof body - off < 9999 ? sizeof body - off : 9999;
        tr_file_write(&h->s, fh, body + off, k);
        harness_data(other, TR_C2S, line, sizeof line); /* other files take the handles meanwhile */
        harness_data(h, TR_S2C, line, sizeof line);
    }
    tr_file_close(&h->s, fh, 1);
    char rel2[256], rel3[256];
    int fh2 = tr_file_open(&h->s, "report.pdf", rel2, sizeof rel2);
    int fh3 = tr_file_open(&h->s, "dir/report.pdf", rel3, sizeof rel3);
    assert_string_equal(rel2, "files/000001-report-2.pdf");
    assert_string_equal(rel3, "files/000001-report-3.pdf");
    tr_file_write(&h->s, fh2, (const uint8_t *)"second", 6);
    tr_file_close(&h->s, fh2, 0);
    tr_file_close(&h->s, fh3, 1);

    static tr_event e;
    tr_ev_init(&e, &h->s, "response", TR_S2C);
    tr_ev_int(&e, "status", 200);
    tr_ev_file(&e, "file", rel);
    tr_emit(&e);
    harness_end(h, TR_END_FIN);
    harness_end(other, TR_END_FIN);

    size_t n;
    char *got = slurp(f, rel, &n);
    assert_non_null(got);
    assert_int_equal(n, sizeof body);
    char want_hash[65], got_hash[65];
    sha256_hex(body, sizeof body, want_hash);
    sha256_hex(got, n, got_hash);
    assert_string_equal(got_hash, want_hash);
    free(got);
    got = slurp(f, rel2, &n);
    assert_int_equal(n, 6);
    assert_memory_equal(got, "second", 6);
    free(got);
    got = slurp(f, rel3, &n);
    assert_non_null(got);
    assert_int_equal(n, 0);
    free(got);
    assert_true(sink_export_stats_get(f->x)->reopens > 0);
    assert_int_equal(sink_export_stats_get(f->x)->files, 3);

    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0); /* events.jsonl is buffered until then */
    f->x = NULL;
    char *events = slurp(f, "events.jsonl", NULL);
    assert_non_null(events);
    assert_int_equal(harness_count(events, "\"session\":1", "\"type\":\"response\"",
                                   "\"tcp\":{\"status\":200,\"file\":\"files/000001-report.pdf\"}", NULL),
                     1);
    assert_int_equal(harness_count(events, "\"type\":\"session_end\"", "\"end\":\"fin\"", NULL), 2);
    /* the stdout JSON (the harness records it without files) is the same line minus `file` */
    assert_int_equal(harness_count(tr_sb_cstr(&h->out), "\"tcp\":{\"status\":200}", NULL), 1);
    free(events);
    harness_free(h);
    harness_free(other);
    fixture_free(f);
}

/* Every byte of the path after "files/" is a safe name character, and the file is a regular file
 * directly inside DIR/files. */
static void assert_inside(const fixture *f, const char *rel)
{
    assert_memory_equal(rel, "files/", 6);
    const char *name = rel + 6;
    assert_null(strchr(name, '/'));
    assert_null(strchr(name, '\\'));
    assert_true(strcmp(name, "..") != 0);
    assert_true(strlen(name) <= 24 + TR_SAFE_NAME_MAX);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7f);
    char path[512], real[PATH_MAX], realdir[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    assert_non_null(realpath(path, real));
    snprintf(path, sizeof path, "%s/files/", f->dir);
    assert_non_null(realpath(path, realdir));
    assert_memory_equal(real, realdir, strlen(realdir));
    assert_null(strchr(real + strlen(realdir) + 1, '/'));
    struct stat st;
    assert_int_equal(lstat(real, &st), 0);
    assert_true(S_ISREG(st.st_mode));
}

static void test_hostile_names(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    harness *h = session_new(f, NULL, TR_TCP, 9);
    char long_name[301];
    memset(long_name, 'a', 296);
    memcpy(long_name + 296, ".txt", 5);
    static const struct {
        const char *name;
        const char *want; /* NULL: checked separately */
    } cases[] = {
        {"../../etc/passwd", "files/000009-passwd"},
        {"/abs", "files/000009-abs"},
        {"..", "files/000009-unnamed"},
        {"a/..", "files/000009-a"},
        {"", "files/000009-unnamed-2"}, /* the same safe name as ".." */
        {"caf\xe9\xff.txt", "files/000009-caf__.txt"},
        {"a\nb\x01\x7f" "c\r.txt", "files/000009-a_b__c_.txt"},
        {"C:\\Windows\\evil.exe", "files/000009-evil.exe"},
        {"what?<x>|\"y\":*.bin", "files/000009-what__x___y___.bin"},
        {"na\xc2\x85me", "files/000009-na_me"}, /* U+0085, a C1 control */
        {"caf\xc3\xa9.txt", "files/000009-caf\xc3\xa9.txt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rel[256];
        int fh = tr_file_open(&h->s, cases[i].name, rel, sizeof rel);
        assert_true(fh >= 0);
        assert_string_equal(rel, cases[i].want);
        tr_file_write(&h->s, fh, (const uint8_t *)"z", 1);
        tr_file_close(&h->s, fh, 1);
        assert_inside(f, rel);
    }
    char rel[256];
    int fh = tr_file_open(&h->s, long_name, rel, sizeof rel);
    assert_true(fh >= 0);
    tr_file_close(&h->s, fh, 1);
    assert_inside(f, rel);
    assert_int_equal(strlen(rel), strlen("files/000009-") + TR_SAFE_NAME_MAX);
    assert_string_equal(rel + strlen(rel) - 5, "a.txt");
    /* the same long name again: still capped, the counter before the extension */
    fh = tr_file_open(&h->s, long_name, rel, sizeof rel);
    tr_file_close(&h->s, fh, 1);
    assert_inside(f, rel);
    assert_string_equal(rel + strlen(rel) - 7, "a-2.txt");
    /* a cut never splits a UTF-8 character */
    char utf[200];
    for (int i = 0; i < 100; i++)
        memcpy(utf + 2 * i, "\xc3\xa9", 2);
    char safe[TR_SAFE_NAME_MAX + 1];
    size_t n = tr_safe_name(utf, sizeof utf, safe, sizeof safe);
    assert_int_equal(n, 128);
    assert_int_equal(tr_utf8_seq((const uint8_t *)safe + 126, 2), 2);
    harness_end(h, TR_END_FIN);
    harness_free(h);
    fixture_free(f);
}

/* Found by fuzzing: with the smallest output size the header allows (16) and a 16-byte extension, the stem's
 * room (max - extension) wrapped below zero and the name was written past the end of out. */
static void test_safe_name_smallest_cap_long_extension(void **state)
{
    (void)state;
    char *out = malloc(16); /* exactly the size given, so ASan sees a write past it */
    assert_non_null(out);
    size_t n = tr_safe_name("a.0123456789abcde", 17, out, 16);
    assert_int_equal(n, 15);
    assert_string_equal(out, ".0123456789abcd");
    n = tr_safe_name("report.pdf", 10, out, 16);
    assert_string_equal(out, "report.pdf");
    free(out);
}

/* 20 sessions written in turns under a cap of 4 open files: every transcript (and with raw, stream) holds all
 * its lines in order. With raw streams the files are closed and reopened; without, each short transcript is
 * held in memory and its file created once, at the end. */
static void many_sessions(int raw)
{
    fixture *f = fixture_new(raw);
    sink_export_set_max_open(f->x, 4);
    enum { SESSIONS = 20, ROUNDS = 12 };
    harness *h[SESSIONS];
    for (int i = 0; i < SESSIONS; i++)
        h[i] = session_new(f, NULL, TR_TCP, (uint64_t)i + 1);
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < SESSIONS; i++) {
            char line[64];
            int n = snprintf(line, sizeof line, "session %d line %d\n", i + 1, r);
            harness_data(h[i], r % 3 == 2 ? TR_S2C : TR_C2S, line, (size_t)n);
        }
    for (int i = 0; i < SESSIONS; i++) {
        harness_end(h[i], TR_END_FIN);
        harness_free(h[i]);
    }
    if (raw)
        assert_true(sink_export_stats_get(f->x)->reopens > 0);
    else
        assert_int_equal(sink_export_stats_get(f->x)->reopens, 0);
    for (int i = 0; i < SESSIONS; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "sessions/%06d-tcp.txt", i + 1);
        char *t = slurp(f, rel, NULL);
        assert_non_null(t);
        /* every line, in order, with its direction */
        const char *at = t;
        for (int r = 0; r < ROUNDS; r++) {
            char want[80];
            snprintf(want, sizeof want, "%s session %d line %d\n", r % 3 == 2 ? "<<" : ">>", i + 1, r);
            const char *hit = strstr(at, want);
            assert_non_null(hit);
            at = hit + strlen(want);
        }
        assert_contains(at, "end      fin\n");
        free(t);
        if (!raw)
            continue;
        snprintf(rel, sizeof rel, "streams/%06d-10.0.0.1.40000-10.0.0.2.80-c2s.bin", i + 1);
        size_t n;
        char *bytes = slurp(f, rel, &n);
        assert_non_null(bytes);
        char want[64];
        snprintf(want, sizeof want, "session %d line 0\nsession %d line 1\n", i + 1, i + 1);
        assert_memory_equal(bytes, want, strlen(want));
        free(bytes);
    }
    fixture_free(f);
}

static void test_many_sessions_over_the_open_file_cap(void **state)
{
    (void)state;
    many_sessions(1);
}

static void test_short_transcripts_are_created_once(void **state)
{
    (void)state;
    many_sessions(0);
}

static void test_telnet_markers(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    harness *h = session_new(f, &fake_telnet, TR_TCP, 4);
    harness_data(h, TR_S2C, "\xff\xfd\x01\xff\xfb\x03login: ", 13);
    harness_data(h, TR_C2S, "\xff\xfc\x01\xff\xfa\x18\x00xterm\xff\xf0", 14);
    harness_data(h, TR_C2S, "\xff", 1); /* a command split between segments */
    harness_data(h, TR_C2S, "\xfd\xc8r", 3);
    harness_data(h, TR_C2S, "oot\r\n\xff\xff\xff\xf1", 9);
    harness_data(h, TR_S2C, "\xff\xfa\x1f", 3); /* cut short by the end */
    harness_end(h, TR_END_FIN);
    char *t = slurp(f, "sessions/000004-telnet.txt", NULL);
    assert_non_null(t);
    assert_contains(t, "<< [IAC DO ECHO][IAC WILL SUPPRESS-GO-AHEAD]login: \n");
    assert_contains(t, ">> [IAC WONT ECHO][IAC SB TERMINAL-TYPE \\x00xterm IAC SE][IAC DO 200]root\n"
                       ">> \\xff[IAC NOP]\n");
    assert_contains(t, "<< [IAC SB NAWS (cut short)]\n");
    free(t);
    harness_free(h);
    fixture_free(f);
}

static void emit_dns(harness *h, const char *type, int dir, int with_answer)
{
    static tr_event e;
    tr_ev_init(&e, &h->s, type, dir);
    tr_ev_int(&e, "id", 4660);
    tr_ev_str(&e, "qname", "example.org");
    tr_ev_str(&e, "qtype", "A");
    if (with_answer) {
        tr_ev_str(&e, "rcode", "NOERROR");
        tr_ev_list(&e, "answers");
        static const char *const data[2] = {"1.2.3.4", "5.6.7.8"};
        for (int i = 0; i < 2; i++) {
            tr_ev_obj(&e, NULL);
            tr_ev_str(&e, "name", "example.org");
            tr_ev_str(&e, "type", "A");
            tr_ev_int(&e, "ttl", 300);
            tr_ev_str(&e, "data", data[i]);
            tr_ev_end(&e);
        }
        tr_ev_end(&e);
        tr_ev_list(&e, "authorities");
        tr_ev_end(&e);
    }
    tr_emit(&e);
}

static void test_dns_decoded_lines(void **state)
{
    (void)state;
    fixture *f = fixture_new(1);
    harness *h = session_new(f, &fake_dns, TR_UDP, 5);
    static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    emit_dns(h, "query", TR_C2S, 0); /* the dissector emits while it reads the datagram */
    harness_datagram(h, TR_C2S, query, sizeof query);
    h->ctx.now_us += 20000;
    emit_dns(h, "answer", TR_S2C, 1);
    harness_datagram(h, TR_S2C, query, sizeof query);
    h->ctx.now_us += 20000;
    harness_datagram(h, TR_C2S, query, 4); /* nothing decoded: shown as it is */
    harness_datagram(h, TR_C2S, "ab", 2);
    harness_datagram(h, TR_C2S, "cd", 2); /* datagrams never run together */
    emit_dns(h, "unanswered", TR_NODIR, 0);
    harness_end(h, TR_END_TIMEOUT);
    /* another query of the same client to the same server, from another port: the same transcript; another
     * client's: its own */
    harness *h2 = session_new(f, &fake_dns, TR_UDP, 6);
    h2->s.client.port = 40001;
    h2->ctx.now_us += 60000;
    emit_dns(h2, "query", TR_C2S, 0);
    harness_datagram(h2, TR_C2S, query, sizeof query);
    harness_end(h2, TR_END_TIMEOUT);
    harness *h3 = session_new(f, &fake_dns, TR_UDP, 7);
    h3->s.client.ip.a[3] = 9;
    emit_dns(h3, "query", TR_C2S, 0);
    harness_datagram(h3, TR_C2S, query, sizeof query);
    harness_end(h3, TR_END_TIMEOUT);
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0); /* a group's transcript is complete at the end */
    f->x = NULL;
    char *t = slurp(f, "sessions/dns-10.0.0.1-10.0.0.2.txt", NULL);
    assert_non_null(t);
    assert_contains(t, "trawl transcript of dns over udp: every conversation between 10.0.0.1 (client) and 10.0.0.2 "
                       "(server)\n");
    assert_contains(t, "=\n== session 5: 10.0.0.1:40000 -> 10.0.0.2:80\n"
                       "--- 2023-11-14 22:13:20.000000 c2s\n>> query A example.org\n"
                       "--- 22:13:20.020000 s2c\n<< answer NOERROR example.org A 1.2.3.4\n"
                       "<< answer NOERROR example.org A 5.6.7.8\n"
                       "--- 22:13:20.040000 c2s\n>> 0000000c  12 34 01 00  ");
    assert_contains(t, ">> ab\n>> cd\n--- 22:13:20.040000\n== [unanswered query A example.org]\n"
                       "== session 6: 10.0.0.1:40001 -> 10.0.0.2:80\n--- 22:13:20.060000 c2s\n>> query A example.org\n"
                       "=====");
    assert_null(strstr(t, "session 7"));
    free(t);
    t = slurp(f, "sessions/dns-10.0.0.9-10.0.0.2.txt", NULL);
    assert_non_null(t);
    assert_contains(t, "== session 7: 10.0.0.9:40000 -> 10.0.0.2:80\n");
    free(t);
    struct stat st;
    char path[128];
    snprintf(path, sizeof path, "%s/sessions/000005-dns.txt", f->dir);
    assert_int_equal(stat(path, &st), -1); /* no transcript of its own */
    snprintf(path, sizeof path, "%s/streams", f->dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        assert_true(e->d_name[0] == '.'); /* raw streams are TCP only */
    closedir(d);
    harness_free(h);
    harness_free(h2);
    harness_free(h3);
    fixture_free(f);
}

static void test_ftp_data_points_to_file(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    harness *ctl = session_new(f, &fake_ftp, TR_TCP, 11);
    harness *data = session_new(f, &fake_ftp_data, TR_TCP, 12);
    data->s.parent = 11;
    harness_data(ctl, TR_C2S, "RETR report.pdf\r\n", 17);
    char rel[256];
    int fh = tr_file_open(&data->s, "report.pdf", rel, sizeof rel);
    uint8_t bytes[3000];
    memset(bytes, 0x89, sizeof bytes);
    tr_file_write(&data->s, fh, bytes, sizeof bytes);
    harness_data(data, TR_S2C, bytes, sizeof bytes);
    tr_file_close(&data->s, fh, 1);
    harness_end(data, TR_END_FIN);
    static tr_event e;
    tr_ev_init(&e, &ctl->s, "transfer", TR_NODIR);
    tr_ev_str(&e, "command", "RETR");
    tr_ev_str(&e, "name", "report.pdf");
    tr_ev_int(&e, "data_session", 12);
    tr_ev_file(&e, "file", rel);
    tr_emit(&e);
    harness_end(ctl, TR_END_FIN);
    char *t = slurp(f, "sessions/000012-ftp-data.txt", NULL);
    assert_non_null(t);
    assert_contains(t, "parent   session 11\n");
    assert_contains(t, "=\n--- 2023-11-14 22:13:20.000000\n== [data -> files/000012-report.pdf]\n<< [3000 bytes of data, in the file]\n===");
    assert_null(strstr(t, "89 89"));
    free(t);
    t = slurp(f, "sessions/000011-ftp.txt", NULL);
    assert_contains(t, ">> RETR report.pdf\n--- 22:13:20.000000\n"
                       "== [data on session 12: RETR report.pdf -> files/000012-report.pdf]\n");
    free(t);
    harness_free(ctl);
    harness_free(data);
    fixture_free(f);
}

/* The UI renders from memory with the same code: the same chunks give the same body. */
static void test_render_from_memory_matches_export(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    harness *h = session_new(f, &fake_telnet, TR_TCP, 6);
    static const uint8_t a[] = "\xff\xfb\x01Welcome\r\n\xff\xf1\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0b\x0c\x0e";
    static const uint8_t b[] = "ls -l\r\n";
    tr_tx_chunk c[4] = {
        {.kind = TR_TX_DATA, .dir = TR_S2C, .ts_us = h->ctx.now_us, .p = a, .n = sizeof a - 1},
        {.kind = TR_TX_GAP, .dir = TR_C2S, .ts_us = h->ctx.now_us + 10, .gap = 3},
        {.kind = TR_TX_DATA, .dir = TR_C2S, .ts_us = h->ctx.now_us + 10, .p = b, .n = sizeof b - 1},
        {.kind = TR_TX_NOTE, .dir = TR_C2S, .ts_us = h->ctx.now_us + 20, .p = (const uint8_t *)"[anomaly x: y]", .n = 14},
    };
    harness_data(h, TR_S2C, a, sizeof a - 1);
    h->ctx.now_us += 10;
    harness_gap(h, TR_C2S, 3);
    harness_data(h, TR_C2S, b, sizeof b - 1);
    h->ctx.now_us += 10;
    tr_anomaly(&h->ctx, &h->s, TR_C2S, "x", "y");
    harness_end(h, TR_END_EOF);
    tr_strbuf mem;
    tr_sb_init(&mem, 1 << 20);
    tr_transcript_render(tr_transcript_mode("telnet", TR_TCP), c, 4, &mem);
    char *t = slurp(f, "sessions/000006-telnet.txt", NULL);
    assert_non_null(t);
    assert_contains(t, tr_sb_cstr(&mem));
    assert_contains(tr_sb_cstr(&mem), "<< [IAC WILL ECHO]Welcome\n<< [IAC NOP]\n<< 0000000e  00 01 02");
    assert_contains(tr_sb_cstr(&mem), ">> [gap 3 bytes]\n>> ls -l\n>> [anomaly x: y]\n");
    tr_sb_free(&mem);
    free(t);
    harness_free(h);
    fixture_free(f);
}

static void test_finish_ends_open_sessions(void **state)
{
    (void)state;
    fixture *f = fixture_new(1);
    harness *h = session_new(f, NULL, TR_TCP, 8);
    harness_data(h, TR_C2S, "half a line", 11);
    char rel[256];
    int fh = tr_file_open(&h->s, "partial.bin", rel, sizeof rel);
    tr_file_write(&h->s, fh, (const uint8_t *)"abc", 3);
    char err[128] = "";
    assert_int_equal(sink_export_finish(f->x, err, sizeof err), 0); /* as at SIGINT: nothing closed */
    f->x = NULL;
    char *t = slurp(f, "sessions/000008-tcp.txt", NULL);
    assert_contains(t, ">> half a line\n=====");
    assert_contains(t, "end      none: trawl stopped before the session ended\n");
    free(t);
    size_t n;
    char *got = slurp(f, rel, &n);
    assert_int_equal(n, 3);
    free(got);
    got = slurp(f, "streams/000008-10.0.0.1.40000-10.0.0.2.80-c2s.bin", &n);
    assert_int_equal(n, 11);
    free(got);
    harness_free(h);
    fixture_free(f);
}

/* Names are unique within a run without asking the file system: an export into the folder of an earlier run
 * gives the same names and replaces those files (as it replaces transcripts and events.jsonl). */
static void test_rerun_replaces_its_own_files(void **state)
{
    (void)state;
    fixture *f = fixture_new(0);
    for (int run = 0; run < 2; run++) {
        if (run) {
            assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
            char err[256] = "";
            f->x = sink_export_open(f->dir, 0, 0, err, sizeof err);
            assert_non_null(f->x);
            f->k = sink_export_sink(f->x);
        }
        harness *h = session_new(f, NULL, TR_TCP, 3);
        const char *body = run ? "second run" : "first run, longer";
        for (int i = 0; i < 2; i++) {
            char rel[256];
            int fh = tr_file_open(&h->s, "a.txt", rel, sizeof rel);
            assert_true(fh >= 0);
            assert_string_equal(rel, i ? "files/000003-a-2.txt" : "files/000003-a.txt");
            tr_file_write(&h->s, fh, (const uint8_t *)body, strlen(body));
            tr_file_close(&h->s, fh, 1);
        }
        harness_end(h, TR_END_FIN);
        harness_free(h);
    }
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    f->x = NULL;
    for (int i = 0; i < 2; i++) {
        char *got = slurp(f, i ? "files/000003-a-2.txt" : "files/000003-a.txt", NULL);
        assert_non_null(got);
        assert_string_equal(got, "second run"); /* truncated, not the first run's tail */
        free(got);
    }
    fixture_free(f);
}

/* A session with more object names than its name set holds: past NAME_SET_MAX the file system is asked (with
 * the worker creating files meanwhile), and the names still follow on, each file with its own bytes. A name
 * that looks like a counted one (`a-3.txt`) is not reused. */
static void test_names_past_the_session_set(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_start(), 0);
    fixture *f = fixture_new(0);
    harness *h = session_new(f, NULL, TR_TCP, 5);
    char rel[256];
    int fh = tr_file_open(&h->s, "a-3.txt", rel, sizeof rel);
    assert_string_equal(rel, "files/000005-a-3.txt");
    tr_file_close(&h->s, fh, 1);
    enum { N = NAME_SET_MAX + 50 };
    for (int i = 1; i <= N; i++) {
        fh = tr_file_open(&h->s, "dir/a.txt", rel, sizeof rel);
        assert_true(fh >= 0);
        int k = i < 3 ? i : i + 1; /* 3 is taken */
        char want[64], body[32];
        if (k == 1)
            snprintf(want, sizeof want, "files/000005-a.txt");
        else
            snprintf(want, sizeof want, "files/000005-a-%d.txt", k);
        assert_string_equal(rel, want);
        int n = snprintf(body, sizeof body, "object %d", i);
        tr_file_write(&h->s, fh, (const uint8_t *)body, (size_t)n);
        tr_file_close(&h->s, fh, 1);
    }
    harness_end(h, TR_END_FIN);
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    f->x = NULL;
    tr_worker_stop();
    const int check[] = {1, 2, 3, NAME_SET_MAX - 2, NAME_SET_MAX - 1, NAME_SET_MAX, NAME_SET_MAX + 1, N};
    for (size_t c = 0; c < sizeof check / sizeof check[0]; c++) {
        int i = check[c], k = i < 3 ? i : i + 1;
        char path[64], want[32];
        if (k == 1)
            snprintf(path, sizeof path, "files/000005-a.txt");
        else
            snprintf(path, sizeof path, "files/000005-a-%d.txt", k);
        snprintf(want, sizeof want, "object %d", i);
        char *got = slurp(f, path, NULL);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
    }
    harness_free(h);
    fixture_free(f);
}

/* Files go to whichever thread has time: one begun while the worker is behind is created, written and closed
 * on the engine's thread (its bytes are on disk while the worker still waits), one begun before keeps to the
 * worker; both hold their bytes in the end. */
static void test_files_begun_while_behind_are_written_here(void **state)
{
    (void)state;
    assert_int_equal(tr_worker_start(), 0);
    fixture *f = fixture_new(0);
    harness *h = session_new(f, NULL, TR_TCP, 6);
    char rel_before[256], rel_during[256];
    int before = tr_file_open(&h->s, "before.txt", rel_before, sizeof rel_before);
    tr_file_write(&h->s, before, (const uint8_t *)"on the worker, ", 15);
    harness_worker_hold();
    harness_worker_queue_chunks(33); /* over half the ring */
    assert_int_equal(tr_worker_behind(), 1);

    unsigned long long taken = tr_worker_taken();
    int during = tr_file_open(&h->s, "during.txt", rel_during, sizeof rel_during);
    tr_file_write(&h->s, during, (const uint8_t *)"written here", 12);
    assert_int_equal(tr_worker_taken(), taken + 1); /* for --stats */
    tr_file_close(&h->s, during, 1);
    char *got = slurp(f, rel_during, NULL);
    assert_non_null(got);
    assert_string_equal(got, "written here");
    free(got);
    tr_file_write(&h->s, before, (const uint8_t *)"to its end", 10);
    tr_file_close(&h->s, before, 1);

    harness_worker_release();
    harness_end(h, TR_END_FIN);
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
    f->x = NULL;
    tr_worker_stop();
    got = slurp(f, rel_before, NULL);
    assert_non_null(got);
    assert_string_equal(got, "on the worker, to its end");
    free(got);
    harness_free(h);
    fixture_free(f);
}

static void test_open_fails_cleanly(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(sink_export_open("/proc/trawl-cannot-be-here/x", 0, 0, err, sizeof err));
    assert_non_null(strstr(err, "/proc/trawl-cannot-be-here/x"));
}

/* Object ranges in the renderer: a range may begin and end inside a chunk (pipelined messages), its end may
 * come later (chunked), and a range named after its bytes went by changes nothing. */
static void test_object_ranges(void **state)
{
    (void)state;
    static uint8_t a[64 + 300 + 6];
    memcpy(a, "HTTP/1.1 200 OK\r\nContent-Length: 300\r\nX: yyyyyyyyyyyyyyyyyyy\r\n\r\n", 64);
    for (int i = 0; i < 300; i++)
        a[64 + i] = (uint8_t)(i * 13 + 1);
    memcpy(a + 364, "next\r\n", 6);
    tr_strbuf n1, n2, n3, n4, out;
    tr_sb_init(&n1, 1024);
    tr_sb_init(&n2, 1024);
    tr_sb_init(&n3, 1024);
    tr_sb_init(&n4, 1024);
    tr_sb_init(&out, 1 << 20);
    int k = tr_transcript_object_note(64, 364, "", "files/000001-a.bin", &n1);
    tr_transcript_object_note(370, 0, "gzip", NULL, &n2); /* open-ended, no file yet */
    tr_transcript_object_note(370, 400, "", "files/000001-b.gz", &n3); /* its end and file */
    tr_transcript_object_note(0, 10, "", "files/000001-late.bin", &n4); /* after its bytes: ignored */
    tr_tx_chunk c[] = {
        {.kind = k, .dir = TR_S2C, .p = (const uint8_t *)n1.p, .n = n1.len},
        {.kind = TR_TX_DATA, .dir = TR_S2C, .p = a, .n = sizeof a},
        {.kind = k, .dir = TR_S2C, .p = (const uint8_t *)n2.p, .n = n2.len},
        {.kind = TR_TX_DATA, .dir = TR_S2C, .p = a + 64, .n = 20},
        {.kind = k, .dir = TR_S2C, .p = (const uint8_t *)n3.p, .n = n3.len},
        {.kind = TR_TX_GAP, .dir = TR_S2C, .gap = 5},
        {.kind = TR_TX_DATA, .dir = TR_S2C, .p = a + 64, .n = 5},
        {.kind = TR_TX_DATA, .dir = TR_C2S, .p = (const uint8_t *)"GET / HTTP/1.1\r\n", .n = 16},
        {.kind = k, .dir = TR_C2S, .p = (const uint8_t *)n4.p, .n = n4.len},
        {.kind = TR_TX_DATA, .dir = TR_C2S, .p = a + 64, .n = 40},
    };
    tr_transcript_render(TR_TXM_STREAM, c, sizeof c / sizeof c[0], &out);
    const char *t = tr_sb_cstr(&out);
    assert_contains(t, "<< X: yyyyyyyyyyyyyyyyyyy\n<< \n<< [body 300 bytes -> files/000001-a.bin]\n<< next\n"
                       "<< [gap 5 bytes]\n<< [body 25 bytes (gzip), incomplete -> files/000001-b.gz]\n"
                       "--- 00:00:00.000000 c2s\n>> GET / HTTP/1.1\n>> 00000010  01 0e 1b");
    assert_null(strstr(t, "<< 000000"));
    tr_sb_reset(&out); /* the hex view shows every byte */
    tr_transcript_render(TR_TXM_STREAM | TR_TX_HEX, c, 2, &out);
    assert_contains(tr_sb_cstr(&out), "<< 00000040  01 0e 1b");
    tr_sb_free(&n1);
    tr_sb_free(&n2);
    tr_sb_free(&n3);
    tr_sb_free(&n4);
    tr_sb_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_conversation),
        cmocka_unit_test(test_text_escapes_at_every_position),
        cmocka_unit_test(test_binary_hex_dump),
        cmocka_unit_test(test_binary_start_mostly_text_rest),
        cmocka_unit_test(test_binary_start_long_utf8_rest),
        cmocka_unit_test(test_text_start_binary_rest),
        cmocka_unit_test(test_raw_streams_zero_filled_gap),
        cmocka_unit_test(test_file_extraction_and_events),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_safe_name_smallest_cap_long_extension),
        cmocka_unit_test(test_many_sessions_over_the_open_file_cap),
        cmocka_unit_test(test_short_transcripts_are_created_once),
        cmocka_unit_test(test_telnet_markers),
        cmocka_unit_test(test_dns_decoded_lines),
        cmocka_unit_test(test_ftp_data_points_to_file),
        cmocka_unit_test(test_render_from_memory_matches_export),
        cmocka_unit_test(test_finish_ends_open_sessions),
        cmocka_unit_test(test_rerun_replaces_its_own_files),
        cmocka_unit_test(test_names_past_the_session_set),
        cmocka_unit_test(test_files_begun_while_behind_are_written_here),
        cmocka_unit_test(test_open_fails_cleanly),
        cmocka_unit_test(test_object_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
