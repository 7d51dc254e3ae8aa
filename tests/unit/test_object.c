/* test_object: the object pipeline — every coding fed whole, cut at every offset and a byte at a time giving the
 * same bytes and digest; chunked framing and its errors; gzip members; gaps; the tee; the bomb cap; the inflater's
 * --memcap count; and objects written by offset into the exporter, read back from the file. */
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

#include <openssl/evp.h>
#include <zlib.h>

#include "../../core/tr_hash.h"
#include "../../core/tr_worker.h"
#include "../../dissectors/object.h"
#include "../../output/sink_export.h"
#include "harness.h"

static const obj_words words = {
    .decode_error = "test_decode_error",
    .truncated = "test_truncated",
    .too_large = "test_too_large",
    .noun = "part",
    .len_key = "len",
    .sha256_key = "sha256",
    .complete_key = "complete",
};

/* Expected hashes come from OpenSSL directly, not from the code under test. */
static void sha256_expected(const void *p, size_t n, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(p, n, d, &len, EVP_sha256(), NULL), 1);
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* zlib: window_bits 31 = gzip, 15 = zlib, -15 = raw deflate */
static size_t compress_with(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int window_bits)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    deflateEnd(&z);
    return len;
}

/* Words picked by a fixed pseudo-random sequence: text that compresses to a few KB, so streams span many calls. */
static void plaintext(uint8_t *p, size_t n)
{
    static const char *const w[] = {"object ", "pipeline ", "chunk ", "gzip ", "deflate ", "quoted ", "printable ",
                                    "base64 ", "torrent ", "piece ", "mail ", "part ", "trawl ", "\r\n", "0x1f8b ", "!"};
    uint32_t x = 12345;
    size_t i = 0;
    while (i < n) {
        x = x * 1103515245u + 12345u;
        const char *word = w[(x >> 16) & 15];
        for (size_t k = 0; word[k] && i < n; k++)
            p[i++] = (uint8_t)(word[k] + ((x >> 24) & 1)); /* every other word shifted a letter */
    }
}

/* What a tee saw. */
typedef struct seen {
    uint8_t *p;
    size_t n, cap;
} seen;

static void tee_collect(void *arg, const uint8_t *p, size_t n)
{
    seen *s = arg;
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
}

/* One object run: the decoded bytes (by the tee), its result, and how much of the input it took. */
typedef struct run {
    seen out;
    obj_result r;
    int complete;
    int framing;
    size_t taken;
    char hex[65];
} run;

/* Runs an object of `spec` over in[0..n): whole (split 0), cut at `split`, or a byte at a time ((size_t)-1), handing
 * back what obj_feed did not take with the next piece as the engine does. Feeding stops when the framing does. */
static void run_object(harness *h, obj_spec spec, const uint8_t *in, size_t n, size_t split, run *out)
{
    memset(out, 0, sizeof *out);
    spec.tee = tee_collect;
    spec.tee_arg = &out->out;
    static obj o;
    memset(&o, 0, sizeof o);
    obj_begin(&o, &h->s, TR_S2C, &spec);
    size_t delivered = 0; /* bytes handed to the object so far */
    while (out->taken < n && obj_framing(&o) == OBJ_FRAMING_RUNNING) {
        size_t upto = split == (size_t)-1 ? delivered + 1 : split && delivered < split ? split : n;
        if (upto > n)
            upto = n;
        delivered = upto;
        /* what is pending (taken..delivered) is offered until the object stops taking */
        for (int rounds = 0; out->taken < delivered && obj_framing(&o) == OBJ_FRAMING_RUNNING; rounds++) {
            assert_true(rounds <= (int)n);
            size_t t = obj_feed(&o, &h->s, in + out->taken, delivered - out->taken);
            out->taken += t;
            if (!t)
                break;
        }
        if (delivered == n)
            break;
    }
    out->framing = obj_framing(&o);
    out->complete = obj_end(&o, &h->s, 1, &out->r);
    if (out->r.sha256.hex[0])
        memcpy(out->hex, out->r.sha256.hex, 65);
    else if (out->r.sha256.ticket)
        assert_int_equal(tr_hash_ticket_hex(out->r.sha256.ticket, out->hex), 1);
    obj_release(&o, &h->s);
}

static void run_free(run *r) { free(r->out.p); }

/* The object decodes in to want (wn bytes, complete, with its digest) whole, cut at every offset and a byte at a
 * time; the framing and the bytes taken are the same every way. Returns the bytes taken. */
static size_t check_every_split(const obj_spec *spec, const void *in, size_t n, const void *want, size_t wn)
{
    harness *h = harness_new(NULL, TR_TCP, 80);
    char hex[65];
    sha256_expected(want, wn, hex);
    run whole;
    run_object(h, *spec, in, n, 0, &whole);
    assert_int_equal(whole.out.n, wn);
    assert_memory_equal(whole.out.p, want, wn);
    assert_int_equal(whole.r.len, wn);
    assert_true(whole.complete);
    assert_string_equal(whole.hex, hex);
    for (size_t split = 1; split <= n; split++) {
        run cut;
        run_object(h, *spec, in, n, split == n ? (size_t)-1 : split, &cut);
        if (cut.out.n != wn || memcmp(cut.out.p, want, wn) != 0 || strcmp(cut.hex, hex) != 0 ||
            cut.taken != whole.taken || cut.framing != whole.framing || cut.complete != whole.complete) {
            fprintf(stderr, "cut at %zu: %zu bytes (want %zu), taken %zu (whole %zu), digest %s\n", split, cut.out.n,
                    wn, cut.taken, whole.taken, cut.hex);
            fail();
        }
        run_free(&cut);
    }
    size_t taken = whole.taken;
    run_free(&whole);
    assert_int_equal(harness_count(harness_close(h, TR_END_FIN), "anomaly", NULL), 0);
    harness_free(h);
    return taken;
}

/* ---- the codings ---- */

static void test_identity(void **state)
{
    (void)state;
    obj_spec spec = {.transfer = OBJ_TE_IDENTITY, .words = &words};
    static const char text[] = "plain bytes\r\nas they are\0with a NUL";
    assert_int_equal(check_every_split(&spec, text, sizeof text, text, sizeof text), sizeof text);
    check_every_split(&spec, "", 0, "", 0); /* an empty object has the empty digest */
}

static void test_chunked(void **state)
{
    (void)state;
    obj_spec spec = {.transfer = OBJ_TE_CHUNKED, .words = &words};
    /* extensions with and without blanks, a size in capitals, a CRLF inside the data, trailers after the end */
    static const char in[] = "4;name=value;x\r\nWiki\r\n5 ; ext\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                             " 00A\t;x=\"q\"\r\n0123456789\r\n0\r\nExpires: never\r\n\r\n";
    const char *want = "Wikipedia in\r\n\r\nchunks.0123456789";
    size_t taken = check_every_split(&spec, in, strlen(in), want, strlen(want));
    /* it stops after the last chunk's line: the trailers are the caller's */
    assert_int_equal(taken, (size_t)(strstr(in, "Expires") - in));
    /* fifteen hex digits are a size */
    static const char fifteen[] = "000000000000003\r\nabc\r\n0;last\r\n";
    check_every_split(&spec, fifteen, strlen(fifteen), "abc", 3);
    /* bare LF line ends, as servers send */
    static const char lf[] = "3\nabc\n0\n";
    check_every_split(&spec, lf, strlen(lf), "abc", 3);
}

/* One chunked input that breaks: the framing error, and how much the object took (up to the offending line's end). */
static void check_chunked_bad(const char *in, size_t n, int error, size_t taken, const char *decoded)
{
    harness *h = harness_new(NULL, TR_TCP, 80);
    obj_spec spec = {.transfer = OBJ_TE_CHUNKED, .words = &words};
    for (size_t split = 0; split <= n; split++) {
        run r;
        run_object(h, spec, (const uint8_t *)in, n, split == n ? (size_t)-1 : split, &r);
        assert_int_equal(r.framing, OBJ_FRAMING_BAD);
        assert_int_equal(r.taken, taken);
        assert_int_equal(r.out.n, strlen(decoded));
        assert_memory_equal(r.out.p ? (const char *)r.out.p : "", decoded, strlen(decoded));
        assert_false(r.complete);
        assert_string_equal(r.hex, "");
        run_free(&r);
        static obj o;
        memset(&o, 0, sizeof o);
        obj_begin(&o, &h->s, TR_S2C, &spec);
        while (obj_framing(&o) == OBJ_FRAMING_RUNNING && obj_feed(&o, &h->s, (const uint8_t *)in, n))
            ;
        assert_int_equal(obj_framing_error(&o), error);
        obj_release(&o, &h->s);
        if (n > 64)
            break; /* long inputs: whole only */
    }
    harness_free(h);
}

static void test_chunked_errors(void **state)
{
    (void)state;
    check_chunked_bad("zz\r\n", 4, CHUNKED_BAD_SIZE, 4, "");
    check_chunked_bad("3\r\nabc\r\n4 x\r\nmore", 17, CHUNKED_BAD_SIZE, 13, "abc");
    check_chunked_bad("0x10\r\n", 6, CHUNKED_BAD_SIZE, 6, "");
    check_chunked_bad("\r\n", 2, CHUNKED_BAD_SIZE, 2, "");
    /* sixteen digits are refused (2^64 does not fit what a size may be), whatever their value */
    check_chunked_bad("0000000000000001\r\nx\r\n0\r\n", 24, CHUNKED_SIZE_TOO_LARGE, 18, ""); /* said as too large */
    check_chunked_bad("3\r\nabcX\r\n0\r\n", 12, CHUNKED_NO_CRLF, 9, "abc");
    static char longline[9000];
    memset(longline, 'a', sizeof longline);
    longline[0] = '1';
    check_chunked_bad(longline, sizeof longline, CHUNKED_LINE_TOO_LONG, CHUNKED_LINE_MAX, "");
}

static void check_compressed(int window_bits, int content, int transfer)
{
    enum { PLAIN = 5000 };
    uint8_t plain[PLAIN], packed[8192];
    plaintext(plain, PLAIN);
    size_t plen = compress_with(plain, PLAIN, packed, sizeof packed, window_bits);
    obj_spec spec = {.transfer = (uint8_t)transfer, .content = (uint8_t)content, .words = &words};
    if (transfer == OBJ_TE_IDENTITY) {
        check_every_split(&spec, packed, plen, plain, PLAIN);
        return;
    }
    /* chunked: the compressed bytes in chunks of 1000 */
    static char in[16384];
    size_t n = 0;
    for (size_t off = 0; off < plen; off += 1000) {
        size_t k = plen - off < 1000 ? plen - off : 1000;
        n += (size_t)snprintf(in + n, sizeof in - n, "%zx\r\n", k);
        memcpy(in + n, packed + off, k);
        n += k;
        memcpy(in + n, "\r\n", 2);
        n += 2;
    }
    memcpy(in + n, "0\r\n\r\n", 5);
    n += 5;
    check_every_split(&spec, in, n, plain, PLAIN);
}

static void test_gzip_and_deflate(void **state)
{
    (void)state;
    check_compressed(31, OBJ_CE_GZIP, OBJ_TE_IDENTITY);
    check_compressed(31, OBJ_CE_GZIP, OBJ_TE_CHUNKED);
    check_compressed(15, OBJ_CE_DEFLATE, OBJ_TE_IDENTITY); /* zlib-wrapped */
    check_compressed(-15, OBJ_CE_DEFLATE, OBJ_TE_CHUNKED); /* raw, as some servers send */
}

/* Members one after another are one object (RFC 1952 2.2); what follows the last that is not a member is ignored. */
static void test_gzip_members(void **state)
{
    (void)state;
    uint8_t plain[3000], packed[8192];
    plaintext(plain, sizeof plain);
    size_t a = compress_with(plain, 1000, packed, sizeof packed, 31);
    size_t b = compress_with(plain + 1000, 1500, packed + a, sizeof packed - a, 31);
    size_t c = compress_with(plain + 2500, 500, packed + a + b, sizeof packed - a - b, 31);
    obj_spec spec = {.content = OBJ_CE_GZIP, .words = &words};
    check_every_split(&spec, packed, a + b + c, plain, sizeof plain);
    memcpy(packed + a + b + c, "tail", 4);
    check_every_split(&spec, packed, a + b + c + 4, plain, sizeof plain);
}

/* Base64 then gzip: a mail part's attachment of a .gz, stacked codings. */
static void test_base64_and_qp_stages(void **state)
{
    (void)state;
    obj_spec b64 = {.transfer = OBJ_TE_BASE64, .words = &words};
    static const char enc[] = "SGVsbG8s\r\nIHdvcmxk\r\nIQ==\r\n";
    check_every_split(&b64, enc, strlen(enc), "Hello, world!", 13);
    obj_spec qp = {.transfer = OBJ_TE_QP, .words = &words};
    static const char q[] = "Caf=C3=A9 au lait, =3D 1 =\r\neuro=\r\n\r\nnext line=20\r\n";
    const char *want = "Caf\xc3\xa9 au lait, = 1 euro\r\nnext line \r\n";
    check_every_split(&qp, q, strlen(q), want, strlen(want));
    static const char lower[] = "=3d=3D";
    check_every_split(&qp, lower, 6, "==", 2);

    /* a gzip file carried in base64 */
    uint8_t plain[2000], packed[4096];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static char text[8192];
    size_t t = 0, line = 0;
    for (size_t i = 0; i < plen; i += 3) {
        uint32_t v = (uint32_t)packed[i] << 16;
        size_t have = plen - i < 3 ? plen - i : 3;
        v |= have > 1 ? (uint32_t)packed[i + 1] << 8 : 0;
        v |= have > 2 ? packed[i + 2] : 0;
        char quad[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], have > 1 ? alphabet[v >> 6 & 63] : '=',
                        have > 2 ? alphabet[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            text[t++] = quad[k];
            if (++line == 76) {
                memcpy(text + t, "\r\n", 2);
                t += 2;
                line = 0;
            }
        }
    }
    obj_spec stacked = {.transfer = OBJ_TE_BASE64, .content = OBJ_CE_GZIP, .words = &words};
    check_every_split(&stacked, text, t, plain, sizeof plain);
}

/* ---- what makes an object incomplete ---- */

static void test_gap_makes_incomplete(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 80);
    static obj o;
    seen tee = {0};
    /* identity: bytes after the hole are still counted (and extracted), but there is no digest */
    obj_spec spec = {.words = &words, .tee = tee_collect, .tee_arg = &tee};
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, (const uint8_t *)"0123", 4);
    assert_int_equal(obj_gap(&o, &h->s, 3), 1);
    obj_feed(&o, &h->s, (const uint8_t *)"789", 3);
    obj_result r;
    assert_int_equal(obj_end(&o, &h->s, 1, &r), 0);
    assert_false(r.complete);
    assert_int_equal(r.len, 7);
    assert_true(r.len_known);
    assert_string_equal(r.sha256.hex, "");
    assert_int_equal(r.sha256.ticket, 0);
    assert_int_equal(tee.n, 7);
    assert_memory_equal(tee.p, "0123789", 7);

    /* chunked: a hole inside a chunk's data keeps the framing; one past it does not */
    spec.transfer = OBJ_TE_CHUNKED;
    obj_begin(&o, &h->s, TR_S2C, &spec);
    assert_int_equal(obj_feed(&o, &h->s, (const uint8_t *)"a\r\n0123", 7), 7);
    assert_int_equal(obj_gap(&o, &h->s, 6), 1); /* exactly the rest of the chunk */
    assert_int_equal(obj_feed(&o, &h->s, (const uint8_t *)"\r\n0\r\n", 5), 5);
    assert_int_equal(obj_framing(&o), OBJ_FRAMING_ENDED);
    assert_int_equal(obj_end(&o, &h->s, 1, &r), 0);
    assert_string_equal(r.sha256.hex, "");
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, (const uint8_t *)"a\r\n0123", 7);
    assert_int_equal(obj_gap(&o, &h->s, 7), 0);
    obj_end(&o, &h->s, 0, &r);
    assert_false(r.complete);

    /* gzip: the stream cannot go on past a hole; a stream cut short is truncated */
    uint8_t plain[3000], packed[4096];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    spec.transfer = OBJ_TE_IDENTITY;
    spec.content = OBJ_CE_GZIP;
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, packed, plen / 2);
    obj_end(&o, &h->s, 1, &r);
    assert_false(r.complete);
    assert_string_equal(r.sha256.hex, "");
    obj_release(&o, &h->s);
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"anomaly\":\"test_truncated\"", "the gzip stream stopped before its end",
                                   NULL),
                     1);
    free(tee.p);
    harness_free(h);
}

/* Bad compressed data: an anomaly in the owner's words, no length (it depends on how the input was cut), no digest. */
static void test_bad_data(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 80);
    static obj o;
    obj_spec spec = {.content = OBJ_CE_GZIP, .words = &words};
    static const uint8_t bad_block[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0x00, 0x00, 0x00};
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, bad_block, sizeof bad_block);
    obj_result r;
    assert_int_equal(obj_end(&o, &h->s, 1, &r), 0);
    assert_false(r.len_known);
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, (const uint8_t *)"not gzip at all", 15);
    obj_end(&o, &h->s, 1, &r);
    assert_true(r.len_known); /* a bad header: nothing decoded, and that does not depend on the cut */
    assert_int_equal(r.len, 0);
    obj_release(&o, &h->s);
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"anomaly\":\"test_decode_error\"", "gzip part: invalid block", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"test_decode_error\"", "gzip part: incorrect header check",
                                   NULL),
                     1);
    harness_free(h);
}

/* Past max_len the object is a bomb: cut there, incomplete, said once. */
static void test_max_len(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 80);
    static obj o;
    uint8_t plain[100000], packed[4096];
    memset(plain, 'z', sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    assert_true(plen < 1000);
    seen tee = {0};
    obj_spec spec = {.content = OBJ_CE_GZIP, .max_len = 40000, .words = &words, .tee = tee_collect, .tee_arg = &tee};
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, packed, plen);
    obj_result r;
    assert_int_equal(obj_end(&o, &h->s, 1, &r), 0);
    assert_int_equal(r.len, 40000);
    assert_int_equal(tee.n, 40000);
    obj_release(&o, &h->s);
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"anomaly\":\"test_too_large\"",
                                   "decoded part passed 40000 bytes; the rest is not decoded", NULL),
                     1);
    free(tee.p);
    harness_free(h);
}

/* A decompression bomb (4 MB of one byte in a few KB of gzip, near deflate's 1032:1): decoding stops once past
 * 1 MiB at more than the context's ratio, incomplete, said once; an object that compresses less goes through; a ratio
 * of 0 in the context never stops one. */
static void test_decompression_bomb(void **state)
{
    (void)state;
    enum { BOMB = 4 << 20 };
    uint8_t *plain = calloc(1, BOMB), *packed = malloc(BOMB / 100);
    size_t plen = compress_with(plain, BOMB, packed, BOMB / 100, 31);
    assert_true(plen * 900 < BOMB);
    static const obj_words bomb_words = {.decode_error = "t_err", .too_large = "t_big", .bomb = "t_bomb", .noun = "part"};
    for (int ratio_off = 0; ratio_off < 2; ratio_off++) {
        harness *h = harness_new(NULL, TR_TCP, 80);
        if (ratio_off)
            h->ctx.inflate_max_ratio = 0;
        static obj o;
        memset(&o, 0, sizeof o);
        obj_spec spec = {.content = OBJ_CE_GZIP, .words = &bomb_words};
        obj_begin(&o, &h->s, TR_S2C, &spec);
        for (size_t i = 0; i < plen; i += 500) /* as it would stream */
            obj_feed(&o, &h->s, packed + i, plen - i < 500 ? plen - i : 500);
        obj_result r;
        int complete = obj_end(&o, &h->s, 1, &r);
        obj_release(&o, &h->s);
        const char *json = harness_close(h, TR_END_FIN);
        if (ratio_off) {
            assert_int_equal(complete, 1);
            assert_int_equal(r.len, BOMB);
            assert_int_equal(harness_count(json, "t_bomb", NULL), 0);
        } else {
            assert_int_equal(complete, 0);
            assert_true(r.len <= (uint64_t)TR_INFLATE_RATIO_FROM + 65536 && r.len >= TR_INFLATE_RATIO_FROM / 2);
            assert_int_equal(harness_count(json, "\"anomaly\":\"t_bomb\"", "a ratio past 500:1", NULL), 1);
        }
        harness_free(h);
    }
    /* text at a normal ratio, past 1 MiB: whole */
    harness *h = harness_new(NULL, TR_TCP, 80);
    enum { TEXT = 3 << 20 };
    uint8_t *text = malloc(TEXT), *tpack = malloc(TEXT);
    plaintext(text, TEXT);
    size_t tlen = compress_with(text, TEXT, tpack, TEXT, 31);
    static obj o;
    memset(&o, 0, sizeof o);
    obj_spec spec = {.content = OBJ_CE_GZIP, .words = &bomb_words};
    obj_begin(&o, &h->s, TR_S2C, &spec);
    obj_feed(&o, &h->s, tpack, tlen);
    obj_result r;
    assert_int_equal(obj_end(&o, &h->s, 1, &r), 1);
    assert_int_equal(r.len, TEXT);
    obj_release(&o, &h->s);
    harness_free(h);
    free(text);
    free(tpack);
    free(plain);
    free(packed);
}

/* ---- the tee, the threads, --memcap ---- */

/* The tee sees exactly the decoded bytes, as they come; with results left to the worker, an object with a tee is
 * still decoded here (its tee runs here), while one without is sent there. */
static void test_tee_runs_here(void **state)
{
    (void)state;
    harness_results_on_worker(1);
    harness *h = harness_new(NULL, TR_TCP, 80);
    uint8_t plain[6000], packed[8192];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    static obj o;
    seen tee = {0};
    obj_spec spec = {.content = OBJ_CE_GZIP, .words = &words, .tee = tee_collect, .tee_arg = &tee};
    obj_begin(&o, &h->s, TR_S2C, &spec);
    assert_null(o.remote);
    obj_feed(&o, &h->s, packed, plen / 2);
    assert_true(tee.n > 0 && tee.n < sizeof plain); /* as they come, not at the end */
    assert_memory_equal(tee.p, plain, tee.n);
    obj_feed(&o, &h->s, packed + plen / 2, plen - plen / 2);
    obj_result r;
    assert_int_equal(obj_end(&o, &h->s, 1, &r), 1);
    assert_int_equal(tee.n, sizeof plain);
    assert_memory_equal(tee.p, plain, sizeof plain);
    char hex[65], want[65];
    sha256_expected(plain, sizeof plain, want);
    if (r.sha256.ticket)
        assert_int_equal(tr_hash_ticket_hex(r.sha256.ticket, hex), 1);
    else
        memcpy(hex, r.sha256.hex, sizeof hex);
    assert_string_equal(hex, want);
    /* without a tee, the same object is the worker's: the event gets its fields from there */
    spec.tee = NULL;
    obj_begin(&o, &h->s, TR_S2C, &spec);
    assert_non_null(o.remote);
    obj_feed(&o, &h->s, packed, plen);
    obj_end(&o, &h->s, 1, &r);
    tr_event e;
    tr_ev_init(&e, &h->s, "message", TR_S2C);
    assert_int_equal(obj_later_fields(&o, &e), 1);
    tr_emit(&e);
    obj_done(&o, &h->s);
    obj_release(&o, &h->s);
    char line[200];
    snprintf(line, sizeof line, "\"len\":6000,\"sha256\":\"%s\",\"complete\":true", want);
    assert_int_equal(harness_count(harness_close(h, TR_END_FIN), "\"type\":\"message\"", line, NULL), 1);
    free(tee.p);
    harness_free(h);
    harness_results_on_worker(0);
}

/* The inflater counts against --memcap from the first compressed byte to the object's end. */
static void test_inflater_counted(void **state)
{
    (void)state;
    harness *h = harness_new(NULL, TR_TCP, 80);
    uint8_t plain[3000], packed[4096];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    static obj o;
    obj_spec spec = {.content = OBJ_CE_GZIP, .words = &words};
    obj_begin(&o, &h->s, TR_S2C, &spec);
    assert_int_equal(h->s.state_extra, 0);
    obj_feed(&o, &h->s, packed, 10);
    assert_int_equal(h->s.state_extra, inflater_state_bytes());
    assert_true(inflater_state_bytes() > 32768);
    obj_feed(&o, &h->s, packed + 10, plen - 10);
    obj_result r;
    obj_end(&o, &h->s, 1, &r);
    assert_true(r.complete);
    assert_int_equal(h->s.state_extra, 0);
    obj_release(&o, &h->s);
    harness_free(h);
}

/* ---- objects written by offset ---- */

typedef struct fixture {
    char dir[64];
    sink_export *x;
    tr_sink k;
    harness *h;
} fixture;

static void fixture_open(fixture *f)
{
    harness_tmpdir(f->dir, sizeof f->dir, "object");
    char err[256] = "";
    f->x = sink_export_open(f->dir, 0, 0, err, sizeof err);
    assert_non_null(f->x);
    f->k = sink_export_sink(f->x);
    f->h = harness_new(NULL, TR_TCP, 80);
    assert_true(tr_ctx_add_sink(&f->h->ctx, &f->k) >= 0);
}

static void fixture_close(fixture *f)
{
    harness_free(f->h);
    assert_int_equal(sink_export_finish(f->x, NULL, 0), 0);
}

static uint8_t *slurp(const fixture *f, const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    static uint8_t buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return buf;
}

static void test_written_by_offset(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f);
    uint8_t content[100000];
    for (size_t i = 0; i < sizeof content; i++)
        content[i] = (uint8_t)(i * 31 + 7);
    obj_at o;
    assert_int_equal(obj_at_open(&o, &f.h->ctx, "torrents/0123abcd/dir one/file.bin", sizeof content, 0), 0);
    /* pieces out of order, some touching, one overlapping, holes left */
    static const struct {
        size_t off, n;
    } w[] = {{50000, 16384}, {0, 16384}, {16384, 10000}, {90000, 10000}, {60000, 10000}};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        obj_at_write(&o, w[i].off, content + w[i].off, w[i].n);
    assert_int_equal(o.got.n, 3); /* [0, 26384) [50000, 70000) [90000, 100000) */
    assert_true(obj_at_complete(&o, 0, 26384));
    assert_true(obj_at_complete(&o, 55000, 70000));
    assert_false(obj_at_complete(&o, 0, 26385));
    assert_false(obj_at_complete(&o, 0, sizeof content));
    assert_true(obj_at_complete(&o, 5, 5));
    range miss[4];
    assert_int_equal(obj_at_missing(&o, 0, sizeof content, miss, 4), 2);
    assert_true(miss[0].start == 26384 && miss[0].end == 50000);
    assert_true(miss[1].start == 70000 && miss[1].end == 90000);
    assert_int_equal(obj_at_missing(&o, 20000, 60000, miss, 1), 1);
    assert_true(miss[0].start == 26384 && miss[0].end == 50000);
    assert_int_equal(obj_at_missing(&o, 95000, 96000, miss, 4), 0);
    /* a second file with a hole that never fills: it reads as zeros */
    obj_at o2;
    assert_int_equal(obj_at_open(&o2, &f.h->ctx, "torrents/0123abcd/holey", 0, 0), 0);
    obj_at_write(&o2, 8192, (const uint8_t *)"tail", 4);
    obj_at_write(&o2, 0, (const uint8_t *)"head", 4);
    /* the rest arrives */
    obj_at_write(&o, 26384, content + 26384, 50000 - 26384);
    obj_at_write(&o, 70000, content + 70000, 20000);
    assert_int_equal(o.got.n, 1);
    assert_true(obj_at_complete(&o, 0, sizeof content));
    assert_int_equal(obj_at_missing(&o, 0, sizeof content, miss, 4), 0);
    obj_at_close(&o, 1);
    obj_at_close(&o2, 0);
    fixture_close(&f);
    size_t len;
    uint8_t *got = slurp(&f, "torrents/0123abcd/dir one/file.bin", &len);
    assert_non_null(got);
    assert_int_equal(len, sizeof content);
    assert_memory_equal(got, content, sizeof content);
    got = slurp(&f, "torrents/0123abcd/holey", &len);
    assert_non_null(got);
    assert_int_equal(len, 8196);
    assert_memory_equal(got, "head", 4);
    for (size_t i = 4; i < 8192; i++)
        assert_int_equal(got[i], 0);
    assert_memory_equal(got + 8192, "tail", 4);
    harness_rmtree(f.dir);
}

/* The record is bounded: past its cap an arrival is not recorded (so it counts as missing) and is counted. */
static void test_ranges_cap(void **state)
{
    (void)state;
    obj_at o;
    assert_int_equal(obj_at_open(&o, NULL, NULL, 0, 4), 0);
    for (uint64_t i = 0; i < 5; i++)
        obj_at_write(&o, i * 100, (const uint8_t *)"0123456789", 10);
    assert_int_equal(obj_at_overflow(&o), 1);
    assert_int_equal(o.got.overflow_bytes, 10);
    assert_false(obj_at_complete(&o, 400, 410));
    assert_true(obj_at_complete(&o, 300, 310));
    obj_at_write(&o, 10, (const uint8_t *)"x", 90); /* fills [10, 100): merges, a slot is free again */
    assert_int_equal(o.got.n, 3);
    obj_at_write(&o, 400, (const uint8_t *)"0123456789", 10);
    assert_true(obj_at_complete(&o, 0, 110) && obj_at_complete(&o, 400, 410));
    range miss[8];
    assert_int_equal(obj_at_missing(&o, 0, 410, miss, 8), 3);
    assert_true(miss[0].start == 110 && miss[0].end == 200 && miss[1].start == 210 && miss[1].end == 300);
    assert_true(miss[2].start == 310 && miss[2].end == 400);
    obj_at_close(&o, 0);
}

/* Paths the exporter refuses: out of the folder, into its own folders, through a symbolic link. */
static void test_created_paths_refused(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f);
    static const char *const bad[] = {
        "../escape", "/etc/passwd", "torrents/../../escape", "torrents/./x", "torrents//x", "torrents/x/",
        "", "sessions/1-http.txt", "files/x", "events.jsonl", "torrents/a\\b", "torrents/\x01",
    };
    obj_at o;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(obj_at_open(&o, &f.h->ctx, bad[i], 0, 0), -1);
        obj_at_write(&o, 0, (const uint8_t *)"x", 1); /* still recorded, written nowhere */
        assert_true(obj_at_complete(&o, 0, 1));
        obj_at_close(&o, 0);
    }
    char link[128], target[128];
    snprintf(target, sizeof target, "%s/elsewhere", f.dir);
    assert_int_equal(mkdir(target, 0755), 0);
    snprintf(link, sizeof link, "%s/torrents", f.dir);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(obj_at_open(&o, &f.h->ctx, "torrents/abc/file", 0, 0), -1);
    obj_at_close(&o, 0);
    fixture_close(&f);
    struct stat st;
    char path[256];
    snprintf(path, sizeof path, "%s/abc", target);
    assert_int_not_equal(stat(path, &st), 0); /* nothing was made through the link */
    harness_rmtree(f.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_chunked_errors),
        cmocka_unit_test(test_gzip_and_deflate),
        cmocka_unit_test(test_gzip_members),
        cmocka_unit_test(test_base64_and_qp_stages),
        cmocka_unit_test(test_gap_makes_incomplete),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_max_len),
        cmocka_unit_test(test_decompression_bomb),
        cmocka_unit_test(test_tee_runs_here),
        cmocka_unit_test(test_inflater_counted),
        cmocka_unit_test(test_written_by_offset),
        cmocka_unit_test(test_ranges_cap),
        cmocka_unit_test(test_created_paths_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
