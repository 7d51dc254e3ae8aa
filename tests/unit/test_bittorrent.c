/* BitTorrent: the peer wire's handshake and every message at every split, the extension protocol, metadata
 * assembled from ut_metadata and checked against the info_hash, pieces from two connections written by offset and
 * checked by SHA-1 into the exported files, trackers over HTTP (compact, dictionary, peers6, failure, scrape) and
 * UDP (paired by transaction id), the DHT's queries and answers paired, hostile bencode, uTP put in order through
 * reordering, duplicates and loss, and a datagram that only looks like uTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "../../dissectors/bt.h"
#include "../../dissectors/http_claim.h"
#include "../../output/sink_export.h"
#include "../../output/sink_lines.h"
#include "harness.h"

/* ---- building wire bytes ---- */

typedef struct wbuf {
    uint8_t b[1 << 17];
    size_t n;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void put8(wbuf *w, uint8_t v) { put(w, &v, 1); }
static void put16(wbuf *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}
static void put32(wbuf *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 4);
}
static void put64(wbuf *w, uint64_t v)
{
    put32(w, (uint32_t)(v >> 32));
    put32(w, (uint32_t)v);
}
static void puts_(wbuf *w, const char *s) { put(w, s, strlen(s)); }

static void sha1(const void *p, size_t n, uint8_t out[20])
{
    unsigned len = 0;
    assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha1(), NULL), 1);
}

static const uint8_t IH[20] = {0x14, 0x8c, 0xf5, 0x15, 0xf6, 0x58, 0xa3, 0x94, 0xcb, 0xda,
                               0x53, 0xe6, 0x06, 0x0b, 0x34, 0x1c, 0x87, 0xbd, 0x6a, 0xbb};

static void handshake(wbuf *w, const uint8_t ih[20], const char *peer_id, uint8_t r5, uint8_t r7)
{
    put8(w, 19);
    puts_(w, "BitTorrent protocol");
    uint8_t reserved[8] = {0, 0, 0, 0, 0, r5, 0, r7};
    put(w, reserved, 8);
    put(w, ih, 20);
    put(w, peer_id, 20);
}

static void msg(wbuf *w, uint8_t id, const void *payload, size_t n)
{
    put32(w, (uint32_t)(1 + n));
    put8(w, id);
    if (n)
        put(w, payload, n);
}

static void msg3(wbuf *w, uint8_t id, uint32_t a, uint32_t b, uint32_t c)
{
    put32(w, 13);
    put8(w, id);
    put32(w, a);
    put32(w, b);
    put32(w, c);
}

static void msg1(wbuf *w, uint8_t id, uint32_t a)
{
    put32(w, 5);
    put8(w, id);
    put32(w, a);
}

static void piece(wbuf *w, uint32_t index, uint32_t begin, const uint8_t *p, size_t n)
{
    put32(w, (uint32_t)(9 + n));
    put8(w, 7);
    put32(w, index);
    put32(w, begin);
    put(w, p, n);
}

static void ext_n(wbuf *w, uint8_t ext_id, const char *dict, size_t dict_n, const void *tail, size_t tail_n)
{
    put32(w, (uint32_t)(2 + dict_n + tail_n));
    put8(w, 20);
    put8(w, ext_id);
    put(w, dict, dict_n);
    if (tail_n)
        put(w, tail, tail_n);
}

static void ext(wbuf *w, uint8_t ext_id, const char *dict, const void *tail, size_t tail_n)
{
    ext_n(w, ext_id, dict, strlen(dict), tail, tail_n);
}

/* BT_TEST_SHOW=1 shows the events a test looks at. */
static void show(const char *json)
{
    if (getenv("BT_TEST_SHOW"))
        fputs(json, stderr);
}

/* The probe on a UDP conversation's first datagram. */
static int udp_probe(const void *p, size_t n)
{
    tr_probe_input in = {{p, NULL}, {n, 0}, TR_UDP, 40000, 6881};
    return dis_bittorrent.probe(&in);
}

/* ---- handshake and every message, at every split ---- */

static void test_messages_every_split(void **state)
{
    (void)state;
    static wbuf c, s;
    c.n = s.n = 0;
    handshake(&c, IH, "-TR3000-abcdefghijkl", 0x10, 0x05);
    handshake(&s, IH, "A2-1-36-0-0123456789", 0x10, 0x04);
    uint8_t bits[2] = {0xff, 0xc0};
    msg(&s, 5, bits, 2);
    msg(&c, 2, NULL, 0);
    msg(&s, 1, NULL, 0);
    msg(&s, 0, NULL, 0);
    msg(&c, 3, NULL, 0);
    msg1(&s, 4, 9);
    msg3(&c, 6, 1, 16384, 16384);
    msg3(&c, 8, 1, 16384, 16384);
    uint8_t block[100];
    for (size_t i = 0; i < sizeof block; i++)
        block[i] = (uint8_t)i;
    piece(&s, 3, 200, block, sizeof block);
    uint8_t port[2] = {0x1a, 0xe1};
    msg(&c, 9, port, 2);
    msg1(&s, 13, 4);
    msg(&s, 14, NULL, 0);
    msg(&s, 15, NULL, 0);
    msg3(&s, 16, 2, 0, 16384);
    msg1(&s, 17, 7);
    put32(&c, 0); /* keep-alive */
    msg(&c, 99, "xy", 2);
    harness_msg m[] = {{TR_C2S, (const char *)c.b, 68}, {TR_S2C, (const char *)s.b, s.n},
                       {TR_C2S, (const char *)c.b + 68, c.n - 68}};
    char *json = harness_script_all_splits("bittorrent", 6881, m, 3);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"handshake\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"handshake\"", "\"dir\":\"c2s\"",
                                   "\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\"",
                                   "\"client\":\"Transmission 3.00\"",
                                   "\"extensions\":[\"extension_protocol\",\"fast\",\"dht\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"handshake\"", "\"client\":\"aria2 1.36.0\"",
                                   "\"peer_id\":\"41322d312d33362d302d30313233343536373839\"", NULL),
                     1);
    static const char *const names[] = {"bitfield", "interested", "unchoke", "choke", "not_interested", "have",
                                        "request", "cancel", "piece", "port", "suggest_piece", "have_all",
                                        "have_none", "reject_request", "allowed_fast", "keep_alive", "unknown"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "\"msg\":\"%s\"", names[i]);
        assert_int_equal(harness_count(json, needle, NULL), 1);
    }
    assert_int_equal(harness_count(json, "\"msg\":\"bitfield\",\"length\":2,\"have\":10", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"request\",\"index\":1,\"begin\":16384,\"length\":16384", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"piece\",\"index\":3,\"begin\":200,\"length\":100", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"port\",\"port\":6881", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"reject_request\",\"index\":2,\"begin\":0,\"length\":16384", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"unknown\",\"id\":99", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    free(json);
}

/* -T text folds a peer's runs of requests and pieces: the first of a run is written, then, when the session says
 * something else that way (or ends), one line with how many more and their bytes; JSON keeps every message. */
static void test_text_folds_runs(void **state)
{
    (void)state;
    static wbuf c, s;
    c.n = s.n = 0;
    handshake(&c, IH, "-TR3000-abcdefghijkl", 0x10, 0x04);
    handshake(&s, IH, "-qB4250-mnopqrstuvwx", 0x10, 0x04);
    for (uint32_t i = 0; i < 5; i++)
        msg3(&c, 6, i, 0, 16384);
    msg(&c, 2, NULL, 0); /* interested: the run of five ends */
    for (uint32_t i = 5; i < 8; i++)
        msg3(&c, 6, i, 0, 16384); /* a run that ends with the session */
    uint8_t block[100] = {0};
    for (uint32_t i = 0; i < 4; i++)
        piece(&s, i, 0, block, sizeof block);
    msg1(&s, 4, 1); /* have: another run, the pieces' ends */
    msg1(&s, 4, 2);
    msg(&s, 0, NULL, 0); /* choke */
    char *text = NULL;
    size_t text_n = 0;
    FILE *f = open_memstream(&text, &text_n);
    assert_non_null(f);
    static sink_lines lines;
    sink_lines_init(&lines, f, SINK_LINES_TEXT, 0);
    tr_sink k = sink_lines_sink(&lines);
    harness *h = harness_new("bittorrent", TR_TCP, 6881);
    assert_true(tr_ctx_add_sink(&h->ctx, &k) >= 0);
    harness_data(h, TR_C2S, c.b, c.n);
    harness_data(h, TR_S2C, s.b, s.n);
    harness_end(h, TR_END_FIN);
    harness_finish(h);
    sink_lines_drain(&lines);
    fclose(f);
    show(text);
    const char *json = tr_sb_cstr(&h->out);
    assert_int_equal(harness_count(json, "\"msg\":\"request\"", NULL), 8);
    assert_int_equal(harness_count(text, " msg=request index=", NULL), 2);
    assert_int_equal(harness_count(text, " msg=request index=0 begin=0 length=16384", NULL), 1);
    assert_int_equal(harness_count(text, "10.0.0.1:40000 -> 10.0.0.2:6881 msg=request more=4 bytes=65536", NULL), 1);
    assert_int_equal(harness_count(text, " msg=request more=2 bytes=32768", NULL), 1);
    assert_int_equal(harness_count(text, " msg=piece index=0 begin=0 length=100", NULL), 1);
    assert_int_equal(harness_count(text, "10.0.0.2:6881 -> 10.0.0.1:40000 msg=piece more=3 bytes=300", NULL), 1);
    assert_int_equal(harness_count(text, " msg=have index=1", NULL), 1);
    assert_int_equal(harness_count(text, " msg=have more=1", NULL), 1);
    assert_int_equal(harness_count(text, " msg=have more=1 bytes", NULL), 0);
    assert_int_equal(harness_count(text, " msg=piece", NULL), 2);
    /* in order: each run's closing line before the message that ended it, the last ones before the session's end */
    const char *more4 = strstr(text, "msg=request more=4"), *interested = strstr(text, "msg=interested");
    const char *more3 = strstr(text, "msg=piece more=3"), *have = strstr(text, "msg=have index=1");
    const char *more2 = strstr(text, "msg=request more=2"), *end = strstr(text, " session_end ");
    assert_true(more4 && interested && more4 < interested);
    assert_true(more3 && have && more3 < have);
    assert_true(more2 && end && more2 < end);
    harness_free(h);
    sink_lines_free(&lines);
    free(text);
}

/* A message longer than any BitTorrent sends: an anomaly, and that direction is not read further. */
static void test_message_too_long(void **state)
{
    (void)state;
    static wbuf c;
    c.n = 0;
    handshake(&c, IH, "-TR3000-abcdefghijkl", 0, 0);
    put32(&c, 0x7fffffff);
    put8(&c, 5);
    harness *h = harness_new("bittorrent", TR_TCP, 6881);
    harness_data(h, TR_C2S, c.b, c.n);
    const char *json = harness_close(h, TR_END_EOF);
    show(json);
    assert_int_equal(harness_count(json, "\"anomaly\":\"bt_bad_message\"", NULL), 1);
    harness_free(h);
}

/* ---- the extension protocol ---- */

static void test_extension_handshake_and_pex(void **state)
{
    (void)state;
    static wbuf c, s;
    c.n = s.n = 0;
    handshake(&c, IH, "-qB4250-abcdefghijkl", 0x10, 0);
    handshake(&s, IH, "-TR3000-abcdefghijkl", 0x10, 0);
    static const char hs[] = "d1:md6:my_exti9e11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei31235e1:pi6881e"
                             "1:v13:qBittorrent/46:yourip4:\x0a\x63\x00\x01" "e";
    ext_n(&c, 0, hs, sizeof hs - 1, NULL, 0);
    ext(&s, 0, "d1:md11:ut_metadatai2e6:ut_pexi4ee1:v18:Transmission 3.00 e", NULL, 0);
    /* the server's pex goes with the id the client asked for (1); the client's with the server's (4) */
    static const char pex[] = "d5:added12:\x0a\x00\x00\x05\x1a\xe1\x0a\x00\x00\x06\x1a\xe2" "7:added.f2:\x00\x00"
                              "7:dropped6:\x0a\x00\x00\x07\x00\x50" "e";
    ext_n(&s, 1, pex, sizeof pex - 1, NULL, 0);
    size_t first = c.n; /* what the client sends after the server's extension handshake */
    ext(&c, 4, "d5:added0:e", NULL, 0);
    ext(&c, 77, "de", NULL, 0);
    harness_msg m[] = {{TR_C2S, (const char *)c.b, first}, {TR_S2C, (const char *)s.b, s.n},
                       {TR_C2S, (const char *)c.b + first, c.n - first}};
    char *json = harness_script_all_splits("bittorrent", 6881, m, 3);
    show(json);
    assert_int_equal(harness_count(json, "\"ext\":\"handshake\",\"client\":\"qBittorrent/4\"",
                                   "\"m\":{\"ut_metadata\":3,\"ut_pex\":1}", "\"m_other\":[{\"name\":\"my_ext\",\"id\":9}]",
                                   "\"metadata_size\":31235", "\"port\":6881", "\"yourip\":\"10.99.0.1\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"dir\":\"s2c\"", "\"ext_id\":1,\"ext\":\"ut_pex\"",
                                   "\"added\":[\"10.0.0.5:6881\",\"10.0.0.6:6882\"]", "\"dropped\":[\"10.0.0.7:80\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"dir\":\"c2s\"", "\"ext_id\":4,\"ext\":\"ut_pex\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"ext_id\":77,\"ext\":\"unknown\"", NULL), 1);
    free(json);
}

/* ---- a small torrent ---- */

enum { PIECE_LEN = 16384, LEN_A = 25000, LEN_B = 15000, TOTAL = LEN_A + LEN_B, NPIECES = 3 };

typedef struct torrent {
    uint8_t content[TOTAL];
    uint8_t info[4096];
    size_t info_n;
    uint8_t ih[20];
} torrent;

static void torrent_make(torrent *t)
{
    for (size_t i = 0; i < TOTAL; i++)
        t->content[i] = (uint8_t)(i * 7 + (i >> 8));
    wbuf *w = calloc(1, sizeof *w);
    assert_non_null(w);
    puts_(w, "d5:filesld6:lengthi25000e4:pathl4:data5:a.bineed6:lengthi15000e4:pathl5:b.txteee"
             "4:name7:tortest12:piece lengthi16384e6:pieces60:");
    for (int i = 0; i < NPIECES; i++) {
        uint8_t h[20];
        size_t len = i == NPIECES - 1 ? TOTAL - (size_t)i * PIECE_LEN : PIECE_LEN;
        sha1(t->content + (size_t)i * PIECE_LEN, len, h);
        put(w, h, 20);
    }
    puts_(w, "e");
    memcpy(t->info, w->b, w->n);
    t->info_n = w->n;
    sha1(t->info, t->info_n, t->ih);
    free(w);
}

/* The metadata over ut_metadata: the client asks, the server answers in one piece. */
static void metadata_exchange(wbuf *c, wbuf *s, const torrent *t, int corrupt, size_t mark[2])
{
    char d[128];
    ext(c, 0, "d1:md11:ut_metadatai3eee", NULL, 0);
    snprintf(d, sizeof d, "d1:md11:ut_metadatai2ee13:metadata_sizei%zuee", t->info_n);
    ext(s, 0, d, NULL, 0);
    mark[0] = c->n; /* the extension handshakes: before this, each side's */
    mark[1] = s->n;
    ext(c, 2, "d8:msg_typei0e5:piecei0ee", NULL, 0);
    snprintf(d, sizeof d, "d8:msg_typei1e5:piecei0e10:total_sizei%zuee", t->info_n);
    uint8_t info[4096];
    memcpy(info, t->info, t->info_n);
    if (corrupt)
        info[10] ^= 1;
    ext(s, 3, d, info, t->info_n);
}

static void test_metadata_assembly(void **state)
{
    (void)state;
    torrent *t = calloc(1, sizeof *t);
    torrent_make(t);
    for (int corrupt = 0; corrupt < 2; corrupt++) {
        static wbuf c, s;
        c.n = s.n = 0;
        handshake(&c, t->ih, "-TR3000-abcdefghijkl", 0x10, 0);
        handshake(&s, t->ih, "-TR3000-mnopqrstuvwx", 0x10, 0);
        size_t mark[2];
        metadata_exchange(&c, &s, t, corrupt, mark);
        harness_msg m[] = {{TR_C2S, (const char *)c.b, mark[0]}, {TR_S2C, (const char *)s.b, mark[1]},
                           {TR_C2S, (const char *)c.b + mark[0], c.n - mark[0]},
                           {TR_S2C, (const char *)s.b + mark[1], s.n - mark[1]}};
        char *json = harness_script_all_splits("bittorrent", 6881, m, 4);
        show(json);
        if (!corrupt) {
            assert_int_equal(harness_count(json, "\"type\":\"metadata\"", "\"name\":\"tortest\"",
                                           "\"piece_length\":16384,\"pieces\":3,\"length\":40000",
                                           "\"files\":[{\"path\":\"data/a.bin\",\"length\":25000},{\"path\":\"b.txt\","
                                           "\"length\":15000}]",
                                           "\"verified\":true,\"source\":\"ut_metadata\"", NULL),
                             1);
            assert_int_equal(harness_count(json, "\"msg_type\":\"data\",\"piece\":0", NULL), 1);
        } else {
            assert_int_equal(harness_count(json, "\"type\":\"metadata\"", NULL), 0);
            assert_int_equal(harness_count(json, "\"anomaly\":\"bt_metadata_hash_mismatch\"", NULL), 1);
        }
        free(json);
    }
    free(t);
}

/* ---- pieces from two connections, out of order, written by offset and checked ---- */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static void pieces_run(int corrupt_piece)
{
    torrent *t = calloc(1, sizeof *t);
    torrent_make(t);
    char dir[128];
    harness_tmpdir(dir, sizeof dir, "bt");
    char err[256];
    sink_export *x = sink_export_open(dir, 0, 0, err, sizeof err);
    assert_non_null(x);
    tr_sink k = sink_export_sink(x);
    harness *h = harness_new("bittorrent", TR_TCP, 6881);
    assert_true(tr_ctx_add_sink(&h->ctx, &k) >= 0);
    tr_session *s2 = harness_add_session(h, TR_TCP, "10.0.0.3", 50000, "10.0.0.2", 6881);

    static wbuf c, s, c2, sv2;
    c.n = s.n = c2.n = sv2.n = 0;
    handshake(&c, t->ih, "-TR3000-abcdefghijkl", 0x10, 0);
    handshake(&s, t->ih, "-qB4250-mnopqrstuvwx", 0x10, 0);
    size_t mark[2];
    metadata_exchange(&c, &s, t, 0, mark);
    /* the first connection: piece 2 whole, the second half of piece 0 */
    uint8_t bad[PIECE_LEN];
    memcpy(bad, t->content + PIECE_LEN, PIECE_LEN);
    bad[5] ^= 0xff;
    piece(&s, 2, 0, t->content + 2 * PIECE_LEN, TOTAL - 2 * PIECE_LEN);
    piece(&s, 0, 8192, t->content + 8192, 8192);
    /* the second: piece 1 in two blocks, backwards, then the first half of piece 0 */
    handshake(&c2, t->ih, "-DE2000-abcdefghijkl", 0, 0);
    handshake(&sv2, t->ih, "-qB4250-mnopqrstuvwx", 0, 0);
    const uint8_t *p1 = corrupt_piece ? bad : t->content + PIECE_LEN;
    piece(&sv2, 1, 8192, p1 + 8192, 8192);
    piece(&sv2, 1, 0, p1, 8192);
    piece(&sv2, 0, 0, t->content, 8192);

    harness_data(h, TR_C2S, c.b, mark[0]);
    harness_data(h, TR_S2C, s.b, mark[1]);
    harness_data(h, TR_C2S, c.b + mark[0], c.n - mark[0]);
    harness_data(h, TR_S2C, s.b + mark[1], s.n - mark[1]);
    harness_session_data(h, s2, TR_C2S, c2.b, c2.n);
    harness_session_data(h, s2, TR_S2C, sv2.b, sv2.n);
    harness_close(h, TR_END_FIN);
    harness_finish(h);
    const char *json = tr_sb_cstr(&h->out);
    show(json);
    if (!corrupt_piece) {
        assert_int_equal(harness_count(json, "\"type\":\"torrent\"", "\"session\":0", "\"pieces_seen\":3",
                                       "\"pieces_verified\":3", "\"complete\":true", "\"missing\":[]",
                                       "\"connections\":2", NULL),
                         1);
        assert_int_equal(harness_count(json, "\"type\":\"torrent\"", "{\"ip\":\"10.0.0.2\",\"port\":6881,\"client\":"
                                                                      "\"qBittorrent 4.2.5\",\"up\":40000,\"down\":0}",
                                       "{\"ip\":\"10.0.0.1\",\"port\":40000,\"client\":\"Transmission 3.00\",\"up\":0,"
                                       "\"down\":15424}",
                                       "{\"ip\":\"10.0.0.3\",\"port\":50000,\"client\":\"Deluge 2.0.0\",\"up\":0,"
                                       "\"down\":24576}",
                                       NULL),
                         1);
    } else {
        assert_int_equal(harness_count(json, "\"anomaly\":\"bt_piece_hash_mismatch\"", NULL), 1);
        assert_int_equal(harness_count(json, "\"type\":\"torrent\"", "\"pieces_verified\":2", "\"complete\":false",
                                       "\"missing\":[\"1\"]", "\"pieces_failed\":1",
                                       "{\"path\":\"data/a.bin\",\"length\":25000,\"complete\":false}",
                                       "{\"path\":\"b.txt\",\"length\":15000,\"complete\":false}", NULL),
                         1);
    }
    harness_free(h);
    assert_int_equal(sink_export_finish(x, err, sizeof err), 0);
    /* the files, under their paths in the torrent */
    char path[512];
    size_t n = 0;
    char hex[41];
    bt_hex(t->ih, 20, hex);
    snprintf(path, sizeof path, "%s/torrents/%s/tortest/data/a.bin", dir, hex);
    char *a = slurp(path, &n);
    assert_non_null(a);
    assert_int_equal(n, LEN_A);
    if (!corrupt_piece)
        assert_memory_equal(a, t->content, LEN_A);
    free(a);
    snprintf(path, sizeof path, "%s/torrents/%s/tortest/b.txt", dir, hex);
    char *b = slurp(path, &n);
    assert_non_null(b);
    assert_int_equal(n, LEN_B);
    assert_memory_equal(b, t->content + LEN_A, LEN_B);
    free(b);
    harness_rmtree(dir);
    free(t);
}

static void test_pieces_two_sessions_export(void **state)
{
    (void)state;
    pieces_run(0);
}

static void test_piece_failing_its_hash(void **state)
{
    (void)state;
    pieces_run(1);
}

/* Path components from the metadata are made safe: "..", "/" inside a name, an absolute-looking name. */
static void test_unsafe_paths(void **state)
{
    (void)state;
    static torrent t;
    memset(t.content, 'x', 100);
    wbuf *w = calloc(1, sizeof *w);
    puts_(w, "d5:filesld6:lengthi100e4:pathl2:..5:a/b\\c7:.hiddeneee4:name4:/etc12:piece lengthi16384e6:pieces20:");
    uint8_t ph[20];
    sha1(t.content, 100, ph);
    put(w, ph, 20);
    puts_(w, "e");
    memcpy(t.info, w->b, w->n);
    t.info_n = w->n;
    sha1(t.info, t.info_n, t.ih);
    free(w);
    char dir[128];
    harness_tmpdir(dir, sizeof dir, "btpath");
    char err[256];
    sink_export *x = sink_export_open(dir, 0, 0, err, sizeof err);
    tr_sink k = sink_export_sink(x);
    harness *h = harness_new("bittorrent", TR_TCP, 6881);
    assert_true(tr_ctx_add_sink(&h->ctx, &k) >= 0);
    static wbuf c, s;
    c.n = s.n = 0;
    handshake(&c, t.ih, "-TR3000-abcdefghijkl", 0x10, 0);
    handshake(&s, t.ih, "-TR3000-mnopqrstuvwx", 0x10, 0);
    size_t mark[2];
    metadata_exchange(&c, &s, &t, 0, mark);
    piece(&s, 0, 0, t.content, 100);
    harness_data(h, TR_C2S, c.b, mark[0]);
    harness_data(h, TR_S2C, s.b, mark[1]);
    harness_data(h, TR_C2S, c.b + mark[0], c.n - mark[0]);
    harness_data(h, TR_S2C, s.b + mark[1], s.n - mark[1]);
    harness_close(h, TR_END_FIN);
    harness_finish(h);
    show(tr_sb_cstr(&h->out));
    assert_int_equal(harness_count(tr_sb_cstr(&h->out), "\"type\":\"torrent\"", "\"complete\":true", NULL), 1);
    harness_free(h);
    assert_int_equal(sink_export_finish(x, err, sizeof err), 0);
    char hex[41], path[512];
    bt_hex(t.ih, 20, hex);
    snprintf(path, sizeof path, "%s/torrents/%s/_etc/_/a_b_c/.hidden", dir, hex);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 100);
    harness_rmtree(dir);
}

/* ---- trackers over HTTP ---- */

static void test_http_tracker(void **state)
{
    (void)state;
    static char resp[4096];
    size_t n = 0;
#define LIT(x) {x, sizeof x - 1}
    static const struct {
        const char *p;
        size_t n;
    } bodies[] = {
        LIT("d8:completei3e10:incompletei1e8:intervali1800e5:peers12:\x0a\x63\x00\x01\x1a\xe1\x0a\x63\x00\x02\x1a\xe2"
            "6:peers618:\xfd\x99\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x1a\xe1" "e"),
        LIT("d8:intervali900e5:peersld2:ip8:10.0.0.97:peer id20:AAAAAAAAAAAAAAAAAAAA4:porti6881eed2:ip7:fd99::2"
            "4:porti6882eeee"),
        LIT("d14:failure reason20:unregistered torrente"),
        LIT("d5:filesd20:\x14\x8c\xf5\x15\xf6\x58\xa3\x94\xcb\xda\x53\xe6\x06\x0b\x34\x1c\x87\xbd\x6a\xbb"
            "d8:completei5e10:downloadedi50e10:incompletei10eeee"),
    };
#undef LIT
    for (int i = 0; i < 4; i++) {
        n += (size_t)snprintf(resp + n, sizeof resp - n, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", bodies[i].n);
        memcpy(resp + n, bodies[i].p, bodies[i].n);
        n += bodies[i].n;
    }
    harness_msg m[] = {
        {TR_C2S, "GET /announce?info_hash=%14%8C%F5%15%F6X%A3%94%CB%DAS%E6%06%0B4%1C%87%BDj%BB&peer_id=-TR3000-abcdefghijkl"
                 "&port=51413&uploaded=0&downloaded=0&left=327600&numwant=80&compact=1&event=started HTTP/1.1\r\n"
                 "Host: tracker.example:6969\r\n\r\n"
                 "GET /announce?info_hash=%14%8C%F5%15%F6X%A3%94%CB%DAS%E6%06%0B4%1C%87%BDj%BB&port=6881&compact=0 HTTP/1.1\r\n\r\n"
                 "GET /announce?info_hash=%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%01 HTTP/1.1\r\n\r\n"
                 "GET /scrape?info_hash=%14%8C%F5%15%F6X%A3%94%CB%DAS%E6%06%0B4%1C%87%BDj%BB HTTP/1.1\r\n\r\n",
         0},
        {TR_S2C, resp, n},
    };
    char *json = harness_script_all_splits("http", 6969, m, 2);
    show(json);
    assert_int_equal(harness_count(json, "\"proto\":\"bittorrent\",\"type\":\"announce\"", "\"tracker\":\"http\"",
                                   "\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\"",
                                   "\"peer_id\":\"2d5452333030302d6162636465666768696a6b6c\"",
                                   "\"client\":\"Transmission 3.00\"", "\"port\":51413", "\"uploaded\":0",
                                   "\"downloaded\":0", "\"left\":327600", "\"numwant\":80", "\"compact\":1",
                                   "\"event\":\"started\"", "\"url\":\"http://tracker.example:6969/announce\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"announce_reply\"", "\"interval\":1800", "\"complete\":3",
                                   "\"incomplete\":1", "\"peers\":[\"10.99.0.1:6881\",\"10.99.0.2:6882\"]",
                                   "\"peers6\":[\"[fd99::1]:6881\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"announce_reply\"", "\"interval\":900",
                                   "\"peers\":[\"10.0.0.9:6881\",\"[fd99::2]:6882\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"announce_reply\"", "\"failure_reason\":\"unregistered torrent\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"scrape\"",
                                   "\"info_hashes\":[\"148cf515f658a394cbda53e6060b341c87bd6abb\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"scrape_reply\"",
                                   "\"files\":[{\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\",\"complete\":5,"
                                   "\"downloaded\":50,\"incomplete\":10}]",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"proto\":\"http\",\"type\":\"response\"", NULL), 4);
    free(json);
}

/* ---- UDP trackers ---- */

static void test_udp_tracker(void **state)
{
    (void)state;
    harness *h = harness_new("bittorrent", TR_UDP, 6969);
    static wbuf w;
    w.n = 0; /* connect */
    put64(&w, 0x41727101980ull);
    put32(&w, 0);
    put32(&w, 0x1111);
    assert_int_equal(udp_probe(w.b, w.n), TR_PROBE_YES);
    harness_datagram(h, TR_C2S, w.b, w.n);
    w.n = 0;
    put32(&w, 0);
    put32(&w, 0x1111);
    put64(&w, 0xc0ffee);
    harness_datagram(h, TR_S2C, w.b, w.n);
    w.n = 0; /* announce */
    put64(&w, 0xc0ffee);
    put32(&w, 1);
    put32(&w, 0x2222);
    put(&w, IH, 20);
    put(&w, "-TR3000-abcdefghijkl", 20);
    put64(&w, 0);
    put64(&w, 327600);
    put64(&w, 0);
    put32(&w, 2);
    put32(&w, 0);
    put32(&w, 0x1234);
    put32(&w, 0xffffffff);
    put16(&w, 51413);
    harness_datagram(h, TR_C2S, w.b, w.n);
    w.n = 0; /* a scrape, then answers in the other order, and one nobody asked for */
    put64(&w, 0xc0ffee);
    put32(&w, 2);
    put32(&w, 0x3333);
    put(&w, IH, 20);
    harness_datagram(h, TR_C2S, w.b, w.n);
    w.n = 0;
    put32(&w, 2);
    put32(&w, 0x3333);
    put32(&w, 5);
    put32(&w, 50);
    put32(&w, 10);
    harness_datagram(h, TR_S2C, w.b, w.n);
    w.n = 0;
    put32(&w, 1);
    put32(&w, 0x2222);
    put32(&w, 1800);
    put32(&w, 1);
    put32(&w, 2);
    put(&w, "\x0a\x63\x00\x01\x1a\xe1", 6);
    harness_datagram(h, TR_S2C, w.b, w.n);
    w.n = 0;
    put32(&w, 1);
    put32(&w, 0x9999);
    put32(&w, 1800);
    harness_datagram(h, TR_S2C, w.b, w.n);
    w.n = 0; /* an error for a second announce */
    put64(&w, 0xc0ffee);
    put32(&w, 1);
    put32(&w, 0x4444);
    put(&w, IH, 20);
    put(&w, "-TR3000-abcdefghijkl", 20);
    for (int i = 0; i < 3; i++)
        put64(&w, 0);
    put32(&w, 0);
    put32(&w, 0);
    put32(&w, 0);
    put32(&w, 50);
    put16(&w, 51413);
    harness_datagram(h, TR_C2S, w.b, w.n);
    w.n = 0;
    put32(&w, 3);
    put32(&w, 0x4444);
    puts_(&w, "torrent not registered");
    harness_datagram(h, TR_S2C, w.b, w.n);
    const char *json = harness_close(h, TR_END_EOF);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"announce\"", "\"tracker\":\"udp\"", "\"event\":\"started\"",
                                   "\"left\":327600", "\"port\":51413", "\"numwant\":-1", "\"transaction_id\":8738", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"announce_reply\"", "\"transaction_id\":8738", "\"interval\":1800",
                                   "\"incomplete\":1,\"complete\":2", "\"peers\":[\"10.99.0.1:6881\"]", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"scrape_reply\"",
                                   "\"files\":[{\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\",\"complete\":5,"
                                   "\"downloaded\":50,\"incomplete\":10}]",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"announce_reply\"", "\"failure_reason\":\"torrent not registered\"",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"transaction_id\":39321", NULL), 0); /* unasked */
    assert_int_equal(harness_count(json, "\"type\":\"announce_reply\"", NULL), 2);
    harness_free(h);
}

/* ---- the DHT ---- */

static void krpc(harness *h, int dir, const char *s, size_t n) { harness_datagram(h, dir, s, n ? n : strlen(s)); }

static void test_dht_pairing(void **state)
{
    (void)state;
    harness *h = harness_new("bittorrent", TR_UDP, 6881);
    const char *ping = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    assert_int_equal(udp_probe(ping, strlen(ping)), TR_PROBE_YES);
    krpc(h, TR_C2S, ping, 0);
    krpc(h, TR_C2S,
         "d1:ad2:id20:abcdefghij01234567899:info_hash20:\x14\x8c\xf5\x15\xf6\x58\xa3\x94\xcb\xda\x53\xe6\x06\x0b\x34"
         "\x1c\x87\xbd\x6a\xbb" "e1:q9:get_peers1:t2:bb1:y1:qe",
         0);
    krpc(h, TR_C2S, "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:cc1:y1:qe", 0);
    krpc(h, TR_C2S,
         "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:\x14\x8c\xf5\x15\xf6\x58\xa3\x94\xcb\xda\x53"
         "\xe6\x06\x0b\x34\x1c\x87\xbd\x6a\xbb" "4:porti6881e5:token4:tokne1:q13:announce_peer1:t2:dd1:y1:qe",
         0);
    /* answers, out of order */
    static const char nodes[] = "d1:rd2:id20:zzzzzzzzzzzzzzzzzzzz5:nodes26:mnopqrstuvwxyz123456\x0a\x63\x00\x01\x1a\xe1"
                                "e1:t2:cc1:y1:re";
    krpc(h, TR_S2C, nodes, sizeof nodes - 1);
    static const char values[] = "d1:rd2:id20:zzzzzzzzzzzzzzzzzzzz5:token4:tokn6:valuesl6:\x0a\x63\x00\x01\x1a\xe1"
                                 "6:\x0a\x63\x00\x02\x1a\xe2" "ee1:t2:bb1:y1:re";
    krpc(h, TR_S2C, values, sizeof values - 1);
    krpc(h, TR_S2C, "d1:rd2:id20:zzzzzzzzzzzzzzzzzzzze1:t2:aa1:y1:re", 0);
    krpc(h, TR_S2C, "d1:eli203e14:Protocol Errore1:t2:dd1:y1:ee", 0);
    krpc(h, TR_S2C, "d1:rd2:id20:zzzzzzzzzzzzzzzzzzzze1:t2:zz1:y1:re", 0); /* unasked */
    harness_close(h, TR_END_EOF);
    harness_finish(h);
    const char *json = tr_sb_cstr(&h->out);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"dht\"", NULL), 9);
    assert_int_equal(harness_count(json, "\"y\":\"q\",\"t\":\"6161\",\"q\":\"ping\"",
                                   "\"id\":\"6162636465666768696a30313233343536373839\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"y\":\"q\"", "\"q\":\"get_peers\"",
                                   "\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"q\":\"announce_peer\"", "\"token\":\"746f6b6e\"", "\"port\":6881",
                                   "\"implied_port\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"y\":\"r\",\"t\":\"6363\",\"q\":\"find_node\"",
                                   "\"nodes\":[{\"id\":\"6d6e6f707172737475767778797a313233343536\",\"addr\":\"10.99.0.1:6881\"}]",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"y\":\"r\",\"t\":\"6262\",\"q\":\"get_peers\"",
                                   "\"values\":[\"10.99.0.1:6881\",\"10.99.0.2:6882\"]",
                                   "\"info_hash\":\"148cf515f658a394cbda53e6060b341c87bd6abb\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"y\":\"r\",\"t\":\"6161\",\"q\":\"ping\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"y\":\"e\",\"t\":\"6464\",\"q\":\"announce_peer\"",
                                   "\"error\":\"203 Protocol Error\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"y\":\"r\",\"t\":\"7a7a\",\"id\"", NULL), 1); /* no q: nobody asked */
    assert_int_equal(harness_count(json, "\"type\":\"torrent\"", "\"dht\":{\"get_peers\":1,\"announce_peer\":1,\"values\":2}",
                                   NULL),
                     1);
    harness_free(h);
}

/* Hostile and malformed bencode: deep nesting, huge counts and lengths, truncation at every byte — never a crash,
 * never a loop, never an event for what is not KRPC. */
static void test_dht_hostile(void **state)
{
    (void)state;
    harness *h = harness_new("bittorrent", TR_UDP, 6881);
    static char deep[20000];
    memset(deep, 'l', sizeof deep);
    deep[0] = 'd';
    krpc(h, TR_C2S, deep, sizeof deep);
    krpc(h, TR_C2S, "d1:ad2:id999999999999:xe1:q4:ping1:t2:aa1:y1:qe", 0);
    krpc(h, TR_C2S, "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:xe", 0);
    static char many[60000];
    size_t n = 0;
    n += (size_t)snprintf(many, sizeof many, "d1:rd2:id20:zzzzzzzzzzzzzzzzzzzz6:valuesl");
    while (n + 10 < sizeof many - 40)
        n += (size_t)snprintf(many + n, sizeof many - n, "6:abcdef");
    n += (size_t)snprintf(many + n, sizeof many - n, "ee1:t2:aa1:y1:re");
    krpc(h, TR_S2C, many, n); /* thousands of values: listed up to the cap */
    const char *good = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    for (size_t cut = 0; cut < strlen(good); cut++)
        krpc(h, TR_C2S, good, cut ? cut : 1);
    const char *json = harness_close(h, TR_END_EOF);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"dht\"", NULL), 1);
    assert_true(strlen(json) < 64 * 1024);
    harness_free(h);
}

/* ---- uTP ---- */

enum { ST_DATA = 0, ST_FIN = 1, ST_STATE = 2, ST_SYN = 4 };

static size_t utp(uint8_t *out, int type, uint16_t conn, uint16_t seq, uint16_t ack, const void *p, size_t n)
{
    wbuf *w = calloc(1, sizeof *w);
    put8(w, (uint8_t)(type << 4 | 1));
    put8(w, 0);
    put16(w, conn);
    put32(w, 1000);
    put32(w, 0);
    put32(w, 65536);
    put16(w, seq);
    put16(w, ack);
    if (n)
        put(w, p, n);
    memcpy(out, w->b, w->n);
    size_t len = w->n;
    free(w);
    return len;
}

/* The peer-wire bytes of a short exchange, and the events they give over TCP, the reference. */
static wbuf utp_c, utp_s;
static void utp_streams(void)
{
    utp_c.n = utp_s.n = 0;
    handshake(&utp_c, IH, "-TR3000-abcdefghijkl", 0x10, 0x04);
    handshake(&utp_s, IH, "-TR3000-mnopqrstuvwx", 0x10, 0x04);
    msg(&utp_s, 14, NULL, 0);
    msg(&utp_c, 2, NULL, 0);
    msg(&utp_s, 1, NULL, 0);
    for (uint32_t i = 0; i < 6; i++)
        msg3(&utp_c, 6, i, 0, 16384);
}

static int count_messages(const char *json) { return harness_count(json, "\"proto\":\"bittorrent\",\"type\":\"message\"", NULL); }

/* Feeds the two streams over uTP, cut in packets of `size` bytes; `order` permutes the client's data packets
 * (-1: drop that one). */
static char *utp_run(size_t size, const int *order, int norder, int dup)
{
    harness *h = harness_new("bittorrent", TR_UDP, 51413);
    uint8_t pkt[4096];
    const uint16_t conn = 0x5000, cseq = 100, sseq = 7000;
    harness_datagram(h, TR_C2S, pkt, utp(pkt, ST_SYN, conn, cseq, 0, NULL, 0));
    harness_datagram(h, TR_S2C, pkt, utp(pkt, ST_STATE, conn, sseq, cseq, NULL, 0));
    /* the server's handshake first, in order */
    uint16_t s = sseq;
    for (size_t off = 0; off < utp_s.n; off += size) {
        size_t k = utp_s.n - off < size ? utp_s.n - off : size;
        harness_datagram(h, TR_S2C, pkt, utp(pkt, ST_DATA, conn, s++, cseq, utp_s.b + off, k));
    }
    size_t npk = (utp_c.n + size - 1) / size;
    for (int i = 0; i < (order ? norder : (int)npk); i++) {
        int j = order ? order[i] : i;
        if (j < 0)
            continue;
        size_t off = (size_t)j * size, k = utp_c.n - off < size ? utp_c.n - off : size;
        size_t len = utp(pkt, ST_DATA, (uint16_t)(conn + 1), (uint16_t)(cseq + 1 + j), s, utp_c.b + off, k);
        harness_datagram(h, TR_C2S, pkt, len);
        if (dup)
            harness_datagram(h, TR_C2S, pkt, len);
    }
    harness_datagram(h, TR_C2S, pkt, utp(pkt, ST_FIN, (uint16_t)(conn + 1), (uint16_t)(cseq + 1 + npk), s, NULL, 0));
    char *out = strdup(harness_close(h, TR_END_EOF));
    harness_free(h);
    return out;
}

static void test_utp_in_order_reordered_duplicated(void **state)
{
    (void)state;
    utp_streams();
    char *plain = utp_run(40, NULL, 0, 0);
    assert_int_equal(harness_count(plain, "\"type\":\"handshake\"", "\"transport\":\"udp\"", NULL), 2);
    int want = count_messages(plain);
    assert_int_equal(want, 9);
    size_t npk = (utp_c.n + 39) / 40;
    int rev[64], n = 0;
    for (int i = (int)npk - 1; i >= 0; i--)
        rev[n++] = i;
    char *reversed = utp_run(40, rev, n, 0);
    assert_int_equal(count_messages(reversed), want);
    assert_int_equal(harness_count(reversed, "\"msg\":\"request\",\"index\":5", NULL), 1);
    char *dups = utp_run(40, NULL, 0, 1);
    assert_int_equal(count_messages(dups), want);
    /* the same bytes in one packet each: the same events */
    char *whole = utp_run(2000, NULL, 0, 0);
    assert_int_equal(count_messages(whole), want);
    free(plain);
    free(reversed);
    free(dups);
    free(whole);
}

static void test_utp_loss(void **state)
{
    (void)state;
    utp_streams();
    size_t npk = (utp_c.n + 9) / 10;
    int order[64], n = 0;
    for (int i = 0; i < (int)npk; i++)
        order[n++] = i == 8 ? -1 : i; /* a packet inside the requests never comes */
    char *lost = utp_run(10, order, n, 0);
    /* the handshake and what came before the hole decode; the hole is a gap; nothing crashes */
    assert_int_equal(harness_count(lost, "\"type\":\"handshake\"", NULL), 2);
    assert_true(count_messages(lost) < 9);
    free(lost);
}

/* A datagram that looks like a uTP SYN but is never answered opens nothing; other headers are not taken. */
static void test_utp_false_positive(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t n = utp(pkt, ST_SYN, 0x1234, 1, 0, NULL, 0);
    assert_int_equal(udp_probe(pkt, n), TR_PROBE_YES);
    pkt[0] = 0x42; /* version 2 */
    assert_int_equal(udp_probe(pkt, n), TR_PROBE_NO);
    pkt[0] = 0x01; /* a data packet: not taken on its own */
    assert_int_equal(udp_probe(pkt, n), TR_PROBE_NO);
    pkt[0] = 0x41;
    pkt[1] = 7; /* an extension chain running past the datagram */
    assert_int_equal(udp_probe(pkt, n), TR_PROBE_NO);
    pkt[1] = 0;
    harness *h = harness_new("bittorrent", TR_UDP, 5000);
    harness_datagram(h, TR_C2S, pkt, n);
    /* data on the connection id before any STATE accepted the SYN: ignored */
    uint8_t data[128];
    static wbuf c;
    c.n = 0;
    handshake(&c, IH, "-TR3000-abcdefghijkl", 0, 0);
    size_t m = utp(data, ST_DATA, 0x1235, 2, 0, c.b, c.n);
    harness_datagram(h, TR_C2S, data, m);
    /* a STATE that acknowledges another seq_nr: not an answer */
    harness_datagram(h, TR_S2C, pkt, utp(pkt, ST_STATE, 0x1234, 9, 77, NULL, 0));
    harness_datagram(h, TR_C2S, data, m);
    const char *json = harness_close(h, TR_END_EOF);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"handshake\"", NULL), 0);
    assert_int_equal(harness_count(json, "\"anomaly\"", NULL), 0);
    harness_free(h);
}


/* ---- MSE/PE and connections picked up mid-way ---- */

static void random_bytes(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* Both sides chose plaintext after the key exchange: decoded from the handshakes on, marked encrypted; one side's
 * handshake sent encrypted (as the initial payload) leaves that side's messages to be found by their shape. RC4 all
 * the way: decode_end. Every split gives the same events. */
static void test_mse(void **state)
{
    (void)state;
    static wbuf c, s;
    uint8_t key[300];
    c.n = s.n = 0;
    random_bytes(key, sizeof key, 1);
    put(&c, key, 96 + 60); /* Ya, PadA */
    random_bytes(key, sizeof key, 2);
    put(&s, key, 96 + 100); /* Yb, PadB */
    random_bytes(key, sizeof key, 3);
    put(&c, key, 20 + 20 + 8 + 4 + 2 + 2); /* the hashes, VC, crypto_provide, len(PadC), len(IA) */
    random_bytes(key, sizeof key, 4);
    put(&s, key, 8 + 4 + 2);               /* VC, crypto_select, len(PadD) */
    handshake(&c, IH, "-TR3000-abcdefghijkl", 0x10, 0);
    handshake(&s, IH, "-qB4250-mnopqrstuvwx", 0x10, 0);
    msg(&c, 2, NULL, 0);
    msg3(&c, 6, 0, 0, 16384);
    harness_msg m[] = {{TR_C2S, (const char *)c.b, c.n}, {TR_S2C, (const char *)s.b, s.n}};
    char *json = harness_script_all_splits("bittorrent", 6881, m, 2);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"handshake\"", "\"encrypted\":true", NULL), 2);
    assert_int_equal(harness_count(json, "\"msg\":\"request\",\"index\":0", NULL), 1);
    free(json);

    /* the client's handshake went encrypted: its messages are found after the server's plaintext handshake */
    c.n = s.n = 0;
    random_bytes(key, sizeof key, 5);
    put(&c, key, 96 + 40 + 20 + 20 + 16 + 68);
    random_bytes(key, sizeof key, 6);
    put(&s, key, 96 + 14);
    handshake(&s, IH, "-qB4250-mnopqrstuvwx", 0x10, 0);
    wbuf *later = calloc(1, sizeof *later);
    msg(later, 2, NULL, 0);
    msg3(later, 6, 3, 16384, 16384);
    harness_msg m2[] = {{TR_C2S, (const char *)c.b, c.n}, {TR_S2C, (const char *)s.b, s.n},
                        {TR_C2S, (const char *)later->b, later->n}};
    json = harness_script_all_splits("bittorrent", 6881, m2, 3);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"handshake\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"dir\":\"c2s\"", "\"msg\":\"request\",\"index\":3,\"begin\":16384", NULL), 1);
    free(json);
    free(later);

    /* RC4 both ways: nothing readable, decode_end once the search gives up */
    c.n = s.n = 0;
    random_bytes(key, sizeof key, 7);
    for (int i = 0; i < 6; i++)
        put(&c, key, sizeof key);
    random_bytes(key, sizeof key, 8);
    put(&s, key, 200);
    harness_msg m3[] = {{TR_C2S, (const char *)c.b, c.n}, {TR_S2C, (const char *)s.b, s.n}};
    json = harness_script_all_splits("bittorrent", 6881, m3, 2);
    show(json);
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", "\"reason\":\"encrypted\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"message\"", NULL), 0);
    free(json);
}

/* A connection whose start the capture missed: read from the first place the messages' shape fits; after a gap
 * inside the messages, found again the same way. */
static void test_midstream_and_gap(void **state)
{
    (void)state;
    static wbuf s;
    s.n = 0;
    uint8_t block[3000];
    random_bytes(block, sizeof block, 9);
    put(&s, block + 100, 1000); /* the tail of a block in flight */
    msg1(&s, 4, 7);
    msg1(&s, 4, 8);
    piece(&s, 2, 16384, block, 2000);
    harness *h = harness_new("bittorrent", TR_TCP, 6881);
    h->s.midstream = 1;
    harness_data(h, TR_S2C, s.b, s.n);
    harness_gap(h, TR_S2C, 777);
    static wbuf t;
    t.n = 0;
    put(&t, block, 333);
    msg3(&t, 16, 5, 0, 16384);
    msg(&t, 1, NULL, 0);
    harness_data(h, TR_S2C, t.b, t.n);
    const char *json = harness_close(h, TR_END_EOF);
    show(json);
    assert_int_equal(harness_count(json, "\"msg\":\"have\",\"index\":7", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"piece\",\"index\":2,\"begin\":16384,\"length\":2000", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"reject_request\",\"index\":5", NULL), 1);
    assert_int_equal(harness_count(json, "\"msg\":\"unchoke\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", NULL), 0);
    harness_free(h);
}

/* A .torrent fetched over HTTP is the torrent's metadata. */
static void test_torrent_over_http(void **state)
{
    (void)state;
    torrent *t = calloc(1, sizeof *t);
    torrent_make(t);
    static char resp[8192];
    static uint8_t body[4096];
    size_t bn = 0;
    const char *head = "d8:announce31:http://tracker.example/announce10:created by4:test4:info";
    memcpy(body, head, strlen(head));
    bn = strlen(head);
    memcpy(body + bn, t->info, t->info_n);
    bn += t->info_n;
    body[bn++] = 'e';
    int h = snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/x-bittorrent\r\nContent-Length: %zu\r\n\r\n", bn);
    memcpy(resp + h, body, bn);
    harness_msg m[] = {{TR_C2S, "GET /files/tortest.torrent HTTP/1.1\r\nHost: www.example\r\n\r\n", 0},
                       {TR_S2C, resp, (size_t)h + bn}};
    char *json = harness_script_all_splits("http", 80, m, 2);
    show(json);
    char want[80];
    char hex[41];
    bt_hex(t->ih, 20, hex);
    snprintf(want, sizeof want, "\"info_hash\":\"%s\"", hex);
    assert_int_equal(harness_count(json, "\"proto\":\"bittorrent\",\"type\":\"metadata\"", want, "\"name\":\"tortest\"",
                                   "\"source\":\"torrent_file\"", "\"announce\":\"http://tracker.example/announce\"",
                                   "\"created_by\":\"test\"", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"proto\":\"http\",\"type\":\"response\"", NULL), 1);
    free(json);
    free(t);
}

/* ---- probing, names ---- */

static void test_probe(void **state)
{
    (void)state;
    static wbuf c;
    c.n = 0;
    handshake(&c, IH, "-TR3000-abcdefghijkl", 0, 0);
    assert_int_equal(harness_probe(&dis_bittorrent, c.b, c.n, TR_C2S), TR_PROBE_YES);
    assert_int_equal(harness_probe(&dis_bittorrent, c.b, 20, TR_S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(&dis_bittorrent, c.b, 7, TR_C2S), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(&dis_bittorrent, "GET / HTTP/1.1\r\n", 16, TR_C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(&dis_bittorrent, "\x13" "BitTorrent protocoX", 20, TR_C2S), TR_PROBE_NO);
}

static void test_client_names(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"-TR3000-abcdefghijkl", "Transmission 3.00"}, {"-TR2940-abcdefghijkl", "Transmission 2.94"},
        {"A2-1-36-0-0123456789", "aria2 1.36.0"},      {"-qB4250-abcdefghijkl", "qBittorrent 4.2.5"},
        {"-UT355W-abcdefghijkl", "uTorrent 3.5.5.W"},  {"M4-3-6--abcdefghijkl", "BitTorrent 4.3.6"},
        {"S58B-----abcdefghijk", "Shadow's client 5.8.11"}, {"T03I-----abcdefghijk", "BitTornado 0.3.18"},
        {"-ZZ1000-abcdefghijkl", "unknown -ZZ- client 1.0.0.0"}, {"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        bt_client_name((const uint8_t *)cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages_every_split),
        cmocka_unit_test(test_message_too_long),
        cmocka_unit_test(test_text_folds_runs),
        cmocka_unit_test(test_extension_handshake_and_pex),
        cmocka_unit_test(test_metadata_assembly),
        cmocka_unit_test(test_pieces_two_sessions_export),
        cmocka_unit_test(test_piece_failing_its_hash),
        cmocka_unit_test(test_unsafe_paths),
        cmocka_unit_test(test_http_tracker),
        cmocka_unit_test(test_udp_tracker),
        cmocka_unit_test(test_dht_pairing),
        cmocka_unit_test(test_dht_hostile),
        cmocka_unit_test(test_utp_in_order_reordered_duplicated),
        cmocka_unit_test(test_utp_loss),
        cmocka_unit_test(test_utp_false_positive),
        cmocka_unit_test(test_mse),
        cmocka_unit_test(test_midstream_and_gap),
        cmocka_unit_test(test_torrent_over_http),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_client_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
