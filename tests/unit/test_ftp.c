/* Tests of dis_ftp and dis_ftp_data: commands, replies (multi-line), logins, PORT/PASV/EPRT/EPSV expectations,
 * transfers with their hashes (the data session driven as the engine would), AUTH TLS, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define SHA_HELLO "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447" /* "hello world\n" */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"   /* "abc" */

/* ---- a two-session driver: the control session and one data connection, as the flow table runs them ---- */

enum { CTL = 0, DATA = 1 };
enum { OP_SEND, OP_OPEN_DATA, OP_CLOSE_DATA, OP_CLOSE_CTL };

typedef struct step {
    int op, sess, dir;
    const char *p;
    size_t n;
} step;

#define SEND(sess, dir, s) {OP_SEND, sess, dir, s, sizeof(s) - 1}
#define OPEN_DATA {OP_OPEN_DATA, DATA, 0, NULL, 0}
#define CLOSE_DATA {OP_CLOSE_DATA, DATA, 0, NULL, 0}
#define CLOSE_CTL {OP_CLOSE_CTL, CTL, 0, NULL, 0}

static struct {
    tr_expectation x[8];
    uint8_t ctx[8][TR_EXPECT_CTX_MAX];
    uint64_t parent[8];
    int n;
} rec;

static harness *hs[2];
static int alive[2];

static int stub_expect(tr_ctx *ctx, tr_session *parent, const tr_expectation *x)
{
    (void)ctx;
    assert_true(x->ctx_len <= TR_EXPECT_CTX_MAX);
    if (rec.n == 8)
        return -1;
    rec.x[rec.n] = *x;
    memcpy(rec.ctx[rec.n], x->ctx, x->ctx_len);
    rec.x[rec.n].ctx = rec.ctx[rec.n];
    rec.parent[rec.n] = parent->id;
    rec.n++;
    return 0;
}

static tr_session *stub_find(tr_ctx *ctx, uint64_t id)
{
    (void)ctx;
    for (int i = 0; i < 2; i++)
        if (hs[i] && alive[i] && hs[i]->s.id == id)
            return &hs[i]->s;
    return NULL;
}

/* What a file sink saw. */
static struct {
    char name[256];
    size_t bytes;
    int opened, closed, complete;
} file_rec;

static int rec_file_open(void *self, tr_session *s, const char *name, char *relpath, size_t cap)
{
    (void)self;
    snprintf(file_rec.name, sizeof file_rec.name, "%s", name);
    snprintf(relpath, cap, "files/%llu-%s", (unsigned long long)s->id, name);
    file_rec.opened++;
    return 7;
}

static void rec_file_write(void *self, int handle, const uint8_t *p, size_t n)
{
    (void)self;
    (void)p;
    assert_int_equal(handle, 7);
    file_rec.bytes += n;
}

static void rec_file_close(void *self, int handle, int complete)
{
    (void)self;
    assert_int_equal(handle, 7);
    file_rec.closed++;
    file_rec.complete = complete;
}

/* The engine's part when an expected flow arrives: a session with the parent id and a copy of the context. */
static harness *open_data_session(void)
{
    assert_true(rec.n > 0);
    const tr_expectation *x = &rec.x[rec.n - 1];
    harness *h = harness_new("ftp-data", TR_TCP, x->server_port);
    h->s.id = 2;
    h->s.ctx = &hs[CTL]->ctx;
    h->s.server.ip = x->server_ip;
    h->s.client.ip = tr_ip_equal(&x->server_ip, &hs[CTL]->s.server.ip) ? hs[CTL]->s.client.ip : hs[CTL]->s.server.ip;
    h->s.client.port = 40001;
    h->s.parent = rec.parent[rec.n - 1];
    h->s.expect_ctx = malloc(x->ctx_len);
    assert_non_null(h->s.expect_ctx);
    memcpy(h->s.expect_ctx, x->ctx, x->ctx_len);
    h->s.expect_ctx_len = x->ctx_len;
    return h;
}

static void close_data(void)
{
    harness_close(hs[DATA], TR_END_FIN);
    alive[DATA] = 0;
}

static void free_data(void)
{
    if (!hs[DATA])
        return;
    free(hs[DATA]->s.expect_ctx);
    hs[DATA]->s.expect_ctx = NULL;
    harness_free(hs[DATA]);
    hs[DATA] = NULL;
}

/* Runs the steps with bytes whole (split 0), cut at one offset of each stream, or one at a time ((size_t)-1). */
static char *run_steps(const step *st, int nst, size_t split, int with_files)
{
    memset(&rec, 0, sizeof rec);
    memset(&file_rec, 0, sizeof file_rec);
    hs[CTL] = harness_new("ftp", TR_TCP, 21);
    hs[CTL]->ctx.expect = stub_expect;
    hs[CTL]->ctx.find_session = stub_find;
    if (with_files) {
        tr_sink k = {0};
        k.file_open = rec_file_open;
        k.file_write = rec_file_write;
        k.file_close = rec_file_close;
        tr_ctx_add_sink(&hs[CTL]->ctx, &k);
    }
    alive[CTL] = 1;
    hs[DATA] = NULL;
    alive[DATA] = 0;
    size_t pos[2][2] = {{0, 0}, {0, 0}};
    for (int i = 0; i < nst; i++) {
        const step *s = &st[i];
        switch (s->op) {
        case OP_OPEN_DATA:
            hs[DATA] = open_data_session();
            alive[DATA] = 1;
            break;
        case OP_CLOSE_DATA:
            close_data();
            break;
        case OP_CLOSE_CTL:
            harness_close(hs[CTL], TR_END_FIN);
            alive[CTL] = 0;
            break;
        default: {
            harness *h = hs[s->sess];
            size_t *at = &pos[s->sess][s->dir];
            if (split == (size_t)-1) {
                for (size_t k = 0; k < s->n; k++)
                    harness_data(h, s->dir, s->p + k, 1);
            } else if (split > *at && split < *at + s->n) {
                size_t cut = split - *at;
                harness_data(h, s->dir, s->p, cut);
                harness_data(h, s->dir, s->p + cut, s->n - cut);
            } else {
                harness_data(h, s->dir, s->p, s->n);
            }
            *at += s->n;
        }
        }
    }
    if (alive[CTL])
        harness_close(hs[CTL], TR_END_FIN);
    alive[CTL] = 0;
    if (alive[DATA])
        close_data();
    char *out = strdup(tr_sb_cstr(&hs[CTL]->out));
    free_data();
    harness_free(hs[CTL]);
    hs[CTL] = NULL;
    return out;
}

/* Whole, at every split offset, byte at a time: all must give the same events. */
static char *run_all_splits(const step *st, int nst)
{
    char *whole = run_steps(st, nst, 0, 0);
    size_t total = 0;
    for (int i = 0; i < nst; i++)
        total += st[i].n;
    for (size_t split = 1; split < total; split++) {
        char *cut = run_steps(st, nst, split, 0);
        if (strcmp(whole, cut) != 0) {
            fprintf(stderr, "split at %zu differs:\n--- whole\n%s--- split\n%s", split, whole, cut);
            fail();
        }
        free(cut);
    }
    char *bytes = run_steps(st, nst, (size_t)-1, 0);
    if (strcmp(whole, bytes) != 0) {
        fprintf(stderr, "byte-at-a-time differs:\n--- whole\n%s--- bytes\n%s", whole, bytes);
        fail();
    }
    free(bytes);
    return whole;
}

static const char *ip_text(const tr_ip *ip)
{
    static char buf[TR_IP_STRLEN];
    return tr_ip_format(ip, buf);
}

/* ---- tests ---- */

static const step passive_retr[] = {
    SEND(CTL, TR_S2C, "220 (vsFTPd 3.0.3)\r\n"),
    SEND(CTL, TR_C2S, "USER alice\r\n"),
    SEND(CTL, TR_S2C, "331 Please specify the password.\r\n"),
    SEND(CTL, TR_C2S, "PASS s3cret\r\n"),
    SEND(CTL, TR_S2C, "230 Login successful.\r\n"),
    SEND(CTL, TR_C2S, "TYPE I\r\n"),
    SEND(CTL, TR_S2C, "200 Switching to Binary mode.\r\n"),
    SEND(CTL, TR_C2S, "PASV\r\n"),
    SEND(CTL, TR_S2C, "227 Entering Passive Mode (10,0,0,2,195,149).\r\n"),
    OPEN_DATA,
    SEND(CTL, TR_C2S, "RETR pub/hello.txt\r\n"),
    SEND(CTL, TR_S2C, "150 Opening BINARY mode data connection for pub/hello.txt (12 bytes).\r\n"),
    SEND(DATA, TR_S2C, "hello world\n"),
    CLOSE_DATA,
    SEND(CTL, TR_S2C, "226 Transfer complete.\r\n"),
    SEND(CTL, TR_C2S, "QUIT\r\n"),
    SEND(CTL, TR_S2C, "221 Goodbye.\r\n"),
};

static void test_login_pasv_retr(void **state)
{
    (void)state;
    char *json = run_all_splits(passive_retr, (int)(sizeof passive_retr / sizeof passive_retr[0]));
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"USER\"", "\"arg\":\"alice\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"PASS\"", "\"arg\":\"s3cret\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":220", "\"text\":\"(vsFTPd 3.0.3)\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"dir\":\"s2c\"", NULL), 8);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"dir\":\"c2s\"", NULL), 6);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"alice\"", "\"password\":\"s3cret\"",
                                   "\"success\":true", NULL), 1);
    assert_int_equal(harness_count(json, "\"session\":1,\"proto\":\"ftp\",\"type\":\"transfer\"",
                                   "\"command\":\"RETR\"", "\"name\":\"pub/hello.txt\"", "\"direction\":\"download\"",
                                   "\"mode\":\"passive\"", "\"type\":\"I\"", "\"data_session\":2", "\"bytes\":12",
                                   "\"sha256\":\"" SHA_HELLO "\"", "\"complete\":true", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"rest_offset\"", NULL), 0);
    /* the transfer is reported after the 226 that completed it */
    assert_true(strstr(json, "\"type\":\"transfer\"") > strstr(json, "\"code\":226"));
    free(json);

    /* the expectation: the server listens at the PASV address, for ftp-data, with the control session's id */
    json = run_steps(passive_retr, (int)(sizeof passive_retr / sizeof passive_retr[0]), 0, 1);
    assert_int_equal(rec.n, 1);
    assert_string_equal(ip_text(&rec.x[0].server_ip), "10.0.0.2");
    assert_int_equal(rec.x[0].server_port, 195 * 256 + 149);
    assert_int_equal(rec.x[0].l4, TR_TCP);
    assert_ptr_equal(rec.x[0].dis, tr_dissector_find("ftp-data"));
    assert_int_equal(rec.parent[0], 1);
    /* the file went to the exporter under its base name, whole */
    assert_string_equal(file_rec.name, "hello.txt");
    assert_int_equal(file_rec.bytes, 12);
    assert_int_equal(file_rec.opened, 1);
    assert_int_equal(file_rec.closed, 1);
    assert_int_equal(file_rec.complete, 1);
    free(json);
}

/* 226 before the data connection closes, and the control session ending before it: still one event. */
static void test_transfer_orders(void **state)
{
    (void)state;
    static const step reply_first[] = {
        SEND(CTL, TR_S2C, "220 FTP ready\r\n"),
        SEND(CTL, TR_C2S, "EPSV\r\n"),
        SEND(CTL, TR_S2C, "229 Entering Extended Passive Mode (|||6446|)\r\n"),
        OPEN_DATA,
        SEND(CTL, TR_C2S, "RETR hello.txt\r\n"),
        SEND(CTL, TR_S2C, "150 Here comes the file.\r\n"),
        SEND(DATA, TR_S2C, "hello "),
        SEND(DATA, TR_S2C, "world\n"),
        SEND(CTL, TR_S2C, "226 Transfer complete.\r\n"),
        CLOSE_DATA,
    };
    char *json = run_all_splits(reply_first, (int)(sizeof reply_first / sizeof reply_first[0]));
    assert_int_equal(harness_count(json, "\"session\":1,\"proto\":\"ftp\",\"type\":\"transfer\"", "\"bytes\":12",
                                   "\"sha256\":\"" SHA_HELLO "\"", "\"complete\":true", "\"mode\":\"passive\"", NULL),
                     1);
    free(json);

    static const step control_first[] = {
        SEND(CTL, TR_S2C, "220 FTP ready\r\n"),
        SEND(CTL, TR_C2S, "EPSV\r\n"),
        SEND(CTL, TR_S2C, "229 Entering Extended Passive Mode (|||6446|)\r\n"),
        OPEN_DATA,
        SEND(CTL, TR_C2S, "RETR hello.txt\r\n"),
        SEND(CTL, TR_S2C, "150 Here comes the file.\r\n"),
        SEND(DATA, TR_S2C, "hello world\n"),
        SEND(CTL, TR_S2C, "226 Transfer complete.\r\n"),
        CLOSE_CTL,
        CLOSE_DATA,
    };
    json = run_all_splits(control_first, (int)(sizeof control_first / sizeof control_first[0]));
    /* reported under the control session's id and endpoints, with what the control session knew */
    assert_int_equal(harness_count(json, "\"session\":1,\"proto\":\"ftp\",\"type\":\"transfer\"",
                                   "\"server_port\":21", "\"command\":\"RETR\"", "\"name\":\"hello.txt\"",
                                   "\"bytes\":12", "\"complete\":true", NULL),
                     1);
    free(json);

    /* the control session ends first: the open data connection reports then; later bytes are flagged */
    static const step late_data[] = {
        SEND(CTL, TR_S2C, "220 FTP ready\r\n"),
        SEND(CTL, TR_C2S, "EPSV\r\n"),
        SEND(CTL, TR_S2C, "229 Entering Extended Passive Mode (|||6446|)\r\n"),
        OPEN_DATA,
        SEND(CTL, TR_C2S, "RETR hello.txt\r\n"),
        SEND(DATA, TR_S2C, "hello world\n"),
        SEND(CTL, TR_S2C, "226 Transfer complete.\r\n"),
        CLOSE_CTL,
        SEND(DATA, TR_S2C, "more"),
        CLOSE_DATA,
    };
    json = run_steps(late_data, (int)(sizeof late_data / sizeof late_data[0]), 0, 0);
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", "\"bytes\":12", "\"complete\":true", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_data_after_control_end\"", NULL), 1);
    free(json);

    /* the data connection closes, the final reply never comes: reported at control close, incomplete */
    static const step no_final[] = {
        SEND(CTL, TR_S2C, "220 FTP ready\r\n"),
        SEND(CTL, TR_C2S, "PASV\r\n"),
        SEND(CTL, TR_S2C, "227 Entering Passive Mode (10,0,0,2,4,1)\r\n"),
        OPEN_DATA,
        SEND(CTL, TR_C2S, "LIST\r\n"),
        SEND(DATA, TR_S2C, "abc"),
        CLOSE_DATA,
    };
    json = run_steps(no_final, (int)(sizeof no_final / sizeof no_final[0]), 0, 1);
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", "\"command\":\"LIST\"", "\"bytes\":3",
                                   "\"sha256\":\"" SHA_ABC "\"", "\"complete\":false", NULL),
                     1);
    assert_string_equal(file_rec.name, "LIST.txt");
    free(json);
}

/* Active mode upload after TYPE A and REST. */
static void test_port_stor_rest(void **state)
{
    (void)state;
    static const step active[] = {
        SEND(CTL, TR_S2C, "220 FTP server ready\r\n"),
        SEND(CTL, TR_C2S, "USER bob\r\nPASS pw\r\n"),
        SEND(CTL, TR_S2C, "331 Password required\r\n230 User logged in\r\n"),
        SEND(CTL, TR_C2S, "TYPE A\r\n"),
        SEND(CTL, TR_S2C, "200 Type set to A\r\n"),
        SEND(CTL, TR_C2S, "PORT 10,0,0,1,195,80\r\n"),
        SEND(CTL, TR_S2C, "200 PORT command successful\r\n"),
        SEND(CTL, TR_C2S, "REST 100\r\n"),
        SEND(CTL, TR_S2C, "350 Restarting at 100\r\n"),
        SEND(CTL, TR_C2S, "STOR up.txt\r\n"),
        OPEN_DATA,
        SEND(CTL, TR_S2C, "150 Ok to send data.\r\n"),
        SEND(DATA, TR_S2C, "abc"),
        CLOSE_DATA,
        SEND(CTL, TR_S2C, "226 Transfer complete.\r\n"),
    };
    char *json = run_all_splits(active, (int)(sizeof active / sizeof active[0]));
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", "\"command\":\"STOR\"", "\"name\":\"up.txt\"",
                                   "\"direction\":\"upload\"", "\"mode\":\"active\"", "\"type\":\"A\"",
                                   "\"rest_offset\":100", "\"bytes\":3", "\"sha256\":\"" SHA_ABC "\"",
                                   "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"bob\"", "\"password\":\"pw\"",
                                   "\"success\":true", NULL),
                     1);
    free(json);
    json = run_steps(active, (int)(sizeof active / sizeof active[0]), 0, 0);
    assert_int_equal(rec.n, 1); /* the client listens: 10.0.0.1 port 195*256+80 */
    assert_string_equal(ip_text(&rec.x[0].server_ip), "10.0.0.1");
    assert_int_equal(rec.x[0].server_port, 50000);
    free(json);
}

static void expect_one(const char *const *lines, int nlines, const char *ip, uint16_t port)
{
    step st[8];
    assert_true(nlines <= 8);
    for (int i = 0; i < nlines; i++) {
        st[i] = (step){OP_SEND, CTL, i % 2 ? TR_S2C : TR_C2S, lines[i], strlen(lines[i])};
    }
    char *json = run_steps(st, nlines, 0, 0);
    assert_true(rec.n >= 1);
    assert_string_equal(ip_text(&rec.x[0].server_ip), ip);
    assert_int_equal(rec.x[0].server_port, port);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_port_forms(void **state)
{
    (void)state;
    const char *eprt6[] = {"EPRT |2|2001:db8::1|5282|\r\n", "200 EPRT command successful.\r\n"};
    expect_one(eprt6, 2, "2001:db8::1", 5282);
    const char *eprt4[] = {"EPRT |1|132.235.1.2|6275|\r\n", "200 EPRT command successful.\r\n"};
    expect_one(eprt4, 2, "132.235.1.2", 6275);
    const char *epsv[] = {"EPSV\r\n", "229 Entering Extended Passive Mode (|||6446|)\r\n"};
    expect_one(epsv, 2, "10.0.0.2", 6446); /* the server's control address */
    const char *epsv_other[] = {"EPSV 2\r\n", "229 Extended Passive (!!!65535!)\r\n"};
    expect_one(epsv_other, 2, "10.0.0.2", 65535);
    const char *pasv_bare[] = {"PASV\r\n", "227 =10,0,0,2,0,21\r\n"};
    expect_one(pasv_bare, 2, "10.0.0.2", 21);
    const char *port[] = {"PORT 192,168,0,10,4,1\r\n", "200 OK\r\n"};
    expect_one(port, 2, "192.168.0.10", 1025);

    /* a NATed server names its inside address: expect both that and the address the capture sees */
    const char *nat[] = {"PASV\r\n", "227 Entering Passive Mode (192,168,1,5,4,1).\r\n"};
    expect_one(nat, 2, "192.168.1.5", 1025);
    assert_int_equal(rec.n, 2);
    assert_string_equal(ip_text(&rec.x[1].server_ip), "10.0.0.2");
    assert_int_equal(rec.x[1].server_port, 1025);

    /* malformed forms: no expectation, an anomaly each */
    static const step bad[] = {
        SEND(CTL, TR_C2S, "PORT 10,0,0,1,300,1\r\n"),
        SEND(CTL, TR_C2S, "EPRT |1|::1|21|\r\n"),
        SEND(CTL, TR_C2S, "EPRT |3|10.0.0.1|21|\r\n"),
        SEND(CTL, TR_C2S, "PASV\r\n"),
        SEND(CTL, TR_S2C, "500 unknown\r\n500 unknown\r\n500 unknown\r\n"),
        SEND(CTL, TR_S2C, "227 Entering Passive Mode (10,0,0)\r\n"),
    };
    char *json = run_steps(bad, (int)(sizeof bad / sizeof bad[0]), 0, 0);
    assert_int_equal(rec.n, 0);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_bad_port\"", NULL), 3);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_bad_passive_reply\"", NULL), 1);
    free(json);
}

static void test_multiline_replies(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "220-Welcome to the server\r\n220-Second line\r\n   indented third\r\n220 ready.\r\n", 0},
        {TR_C2S, "FEAT\r\n", 0},
        {TR_S2C, "211-Features:\r\n MDTM\r\n 211 SIZE\r\n211-not yet\r\n211 End\r\n", 0},
        {TR_C2S, "USER anonymous\r\n", 0},
        {TR_S2C, "331 Guest login ok\r\n", 0},
        {TR_C2S, "PASS guest@\r\n", 0},
        {TR_S2C, "230-\r\n    EXPORT NOTICE\r\n230 Guest login ok.\r\n", 0},
        {TR_C2S, "SYST\n", 0},
        {TR_S2C, "215 UNIX Type: L8\n", 0},
    };
    char *json = harness_script_all_splits("ftp", 21, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"code\":220",
                                   "\"text\":\"Welcome to the server\\nSecond line\\n   indented third\\nready.\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"code\":211", "\"text\":\"Features:\\n MDTM\\n 211 SIZE\\nnot yet\\nEnd\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"code\":230", "\"text\":\"\\n    EXPORT NOTICE\\nGuest login ok.\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", NULL), 5);
    assert_int_equal(harness_count(json, "\"code\":215", "\"text\":\"UNIX Type: L8\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"anonymous\"", "\"password\":\"guest@\"",
                                   "\"success\":true", NULL),
                     1);
    free(json);
}

static void test_failed_login_and_unknown_command(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "220 ProFTPD Server\r\n", 0},
        {TR_C2S, "user root\r\n", 0},
        {TR_S2C, "331 Password required for root\r\n", 0},
        {TR_C2S, "pass toor\r\n", 0},
        {TR_S2C, "530 Login incorrect.\r\n", 0},
        {TR_C2S, "XYZZY plugh\r\n", 0},
        {TR_S2C, "500 XYZZY not understood\r\n", 0},
        {TR_C2S, "\xff\xf4\xff\xf2" "ABOR\r\n", 0},
        {TR_S2C, "226 ABOR command successful\r\n", 0},
    };
    char *json = harness_script_all_splits("ftp", 21, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", "\"user\":\"root\"", "\"password\":\"toor\"",
                                   "\"success\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"command\":\"USER\"", "\"arg\":\"root\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"XYZZY\"", "\"arg\":\"plugh\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"command\":\"ABOR\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", NULL), 0);
    free(json);
}

static void test_auth_tls(void **state)
{
    (void)state;
    static const harness_msg m[] = {
        {TR_S2C, "220 FTP ready\r\n", 0},
        {TR_C2S, "AUTH TLS\r\n", 0},
        {TR_S2C, "234 AUTH TLS successful\r\n", 0},
        {TR_C2S, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03USER x\r\n", 0},
        {TR_S2C, "\x16\x03\x03\x00\x7a\x02\x00\x00\x76\r\n220 x\r\n", 0},
    };
    char *json = harness_script_all_splits("ftp", 21, m, (int)(sizeof m / sizeof m[0]));
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", "\"reason\":\"auth_tls\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

static void test_long_line_resync(void **state)
{
    (void)state;
    char *big = malloc(9100);
    assert_non_null(big);
    memcpy(big, "USER ", 5);
    memset(big + 5, 'a', 9000);
    memcpy(big + 9005, "\r\nUSER bob\r\n", 13);
    harness *h = harness_new("ftp", TR_TCP, 21);
    harness_data(h, TR_C2S, big, strlen(big));
    harness_data(h, TR_S2C, "220 x\r\n", 7);
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_line_too_long\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"USER\"", "\"arg\":\"bob\"", NULL), 1);
    harness_free(h);
    free(big);

    /* a multi-line reply that never ends is cut, and its remaining lines do not become replies */
    h = harness_new("ftp", TR_TCP, 21);
    harness_data(h, TR_S2C, "230-start\r\n", 11);
    for (int i = 0; i < 3000; i++)
        harness_data(h, TR_S2C, " filler line\r\n", 14);
    harness_data(h, TR_S2C, "230 end\r\n200 next\r\n", 19);
    json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_reply_too_long\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":230", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":200", "\"text\":\"next\"", NULL), 1);
    harness_free(h);
}

/* After a gap, a line that begins as a command or a reply does is read (a lost segment is nearly always whole
 * lines: zeek's ftp cwd-navigation capture lost five commands' segments, and the commands after them were
 * dropped as the rest of cut lines); anything else is dropped up to its LF, as the rest of a cut line. */
static void test_gap_resync(void **state)
{
    (void)state;
    harness *h = harness_new("ftp", TR_TCP, 21);
    harness_data(h, TR_S2C, "220 x\r\n", 7);
    harness_data(h, TR_C2S, "TYPE I\r\n", 8);
    harness_gap(h, TR_C2S, 6);                      /* a lost "PASV\r\n" */
    harness_data(h, TR_C2S, "CW", 2);               /* too few bytes to tell: kept for the next ones */
    harness_data(h, TR_C2S, "D ../\r\n", 7);
    harness_gap(h, TR_C2S, 9);                      /* a hole inside "RETR notes.txt" */
    harness_data(h, TR_C2S, "es.txt\r\nQUIT\r\n", 14); /* the cut line's rest is dropped, QUIT read */
    harness_gap(h, TR_C2S, 4);
    harness_data(h, TR_C2S, "LIST of files\r\n", 15); /* 'LIST' and a space: read, even inside a cut line */
    harness_gap(h, TR_C2S, 4);
    harness_data(h, TR_C2S, "XYZW 1\r\nNOOP\r\n", 14); /* not a known command: dropped up to the LF */
    harness_gap(h, TR_S2C, 30);
    harness_data(h, TR_S2C, "250 CWD ok\r\n", 12);
    harness_gap(h, TR_S2C, 3);
    harness_data(h, TR_S2C, "0 ok\r\n221 bye\r\n", 15); /* "0 o": not a code */
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 5);
    assert_int_equal(harness_count(json, "\"command\":\"TYPE\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"CWD\"", "\"arg\":\"../\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"QUIT\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"LIST\"", "\"arg\":\"of files\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"NOOP\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"command\":\"RETR\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":250", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", "\"code\":221", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"reply\"", NULL), 3);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_bad_reply\"", NULL), 0);
    harness_free(h);
}

static void test_probe(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("ftp");
    assert_non_null(d);
    assert_int_equal(harness_probe(d, "220 ProFTPD 1.3.5 Server\r\n", 26, TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "220-FileZilla Server\r\n", 22, TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "220 (vsFTPd 3.0.3)\r\n", 20, TR_S2C), TR_PROBE_YES);
    /* a 220 greeting without FTP in it could be SMTP's: the probe does not decide; how the two weigh is
     * tr_probe_choose's (test_registry) */
    assert_int_equal(harness_probe(d, "220 mail.example.org ESMTP Postfix\r\n", 36, TR_S2C), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(d, "220 welcome\r\n", 13, TR_S2C), TR_PROBE_MAYBE);
    /* the client's first command tells, once it is whole */
    assert_int_equal(harness_probe2(d, "USER anna\r\n", 11, "220 welcome\r\n", 13), TR_PROBE_YES);
    assert_int_equal(harness_probe2(d, "FEAT\r\n", 6, "220 welcome\r\n", 13), TR_PROBE_YES);
    assert_int_equal(harness_probe2(d, "USE", 3, "220 welcome\r\n", 13), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe2(d, "EHLO client\r\n", 13, "220 welcome\r\n", 13), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe2(d, "QUIT\r\n", 6, "220 welcome\r\n", 13), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe2(d, "USER anna\r\n", 11, "+OK POP3 ready\r\n", 16), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "220 ProFTPD", 11, TR_C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "2200", 4, TR_S2C), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "22", 2, TR_S2C), TR_PROBE_NO);
    assert_int_equal(tr_dissector_has_port(d, 21), 1);
    assert_null(tr_dissector_find("ftp-data")->probe);
}

static uint32_t rng = 12345;
static uint8_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

/* Random bytes (and random FTP-ish lines) never crash, hang or leak; lines keep being decoded. */
static void test_random_bytes(void **state)
{
    (void)state;
    static const char *const words[] = {"USER ", "PASS ", "PORT ", "EPRT |", "PASV", "EPSV", "RETR ", "227 (",
                                        "229 (|||", "230-", "226 ", "\r\n", "\xff", ",", "|", "1", "255"};
    uint8_t buf[512];
    for (int round = 0; round < 300; round++) {
        memset(&rec, 0, sizeof rec);
        hs[CTL] = harness_new("ftp", TR_TCP, 21);
        hs[CTL]->ctx.expect = stub_expect;
        hs[CTL]->ctx.find_session = stub_find;
        alive[CTL] = 1;
        for (int k = 0; k < 20; k++) {
            size_t n = 0;
            while (n < sizeof buf - 16) {
                if (rnd() & 1) {
                    const char *w = words[rnd() % (sizeof words / sizeof words[0])];
                    size_t wl = strlen(w);
                    memcpy(buf + n, w, wl);
                    n += wl;
                } else {
                    buf[n++] = rnd();
                }
                if (rnd() % 32 == 0)
                    break;
            }
            harness_data(hs[CTL], rnd() & 1, buf, n);
            if (rnd() % 16 == 0)
                harness_gap(hs[CTL], rnd() & 1, 100);
        }
        /* the session keeps decoding after the noise */
        harness_data(hs[CTL], TR_C2S, "\r\nNOOP\r\n", 8);
        const char *json = harness_close(hs[CTL], TR_END_FIN);
        if (!strstr(json, "decode_end"))
            assert_true(harness_count(json, "\"command\":\"NOOP\"", NULL) >= 1);
        harness_free(hs[CTL]);
        hs[CTL] = NULL;
    }
    /* ftp-data with no control session behind it (forced decode): reported on its own session */
    harness *h = harness_new("ftp-data", TR_TCP, 20);
    for (int i = 0; i < 64; i++)
        buf[i] = rnd();
    harness_data(h, TR_S2C, buf, 64);
    harness_gap(h, TR_S2C, 10);
    harness_data(h, TR_C2S, buf, 5);
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"transfer\"", "\"bytes\":64", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "\"sha256\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"anomaly\":\"ftp_data_both_directions\"", NULL), 1);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_pasv_retr),
        cmocka_unit_test(test_transfer_orders),
        cmocka_unit_test(test_port_stor_rest),
        cmocka_unit_test(test_port_forms),
        cmocka_unit_test(test_multiline_replies),
        cmocka_unit_test(test_failed_login_and_unknown_command),
        cmocka_unit_test(test_auth_tls),
        cmocka_unit_test(test_long_line_resync),
        cmocka_unit_test(test_gap_resync),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
