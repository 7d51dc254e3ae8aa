/* test_http: the HTTP/1.x dissector — framing, pairing, content decoding, gaps, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "../../output/tr_format.h"
#include "../../dissectors/http_claim.h"
#include "harness.h"

#define C2S TR_C2S
#define S2C TR_S2C

/* Expected hashes are computed here with OpenSSL directly, not with the code under test. */
static void sha256_expected(const void *p, size_t n, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(p, n, d, &len, EVP_sha256(), NULL), 1);
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static char *needle(const char *key, const char *value)
{
    static char buf[16][256];
    static int next;
    char *b = buf[next++ % 16];
    snprintf(b, sizeof buf[0], "\"%s\":\"%s\"", key, value);
    return b;
}

/* Position of the first line containing `needle`, for ordering checks. */
static long pos_of(const char *json, const char *what)
{
    const char *p = strstr(json, what);
    return p ? (long)(p - json) : -1;
}

/* Compresses with zlib: window_bits 31 = gzip, 15 = zlib, -15 = raw deflate; `header` (gzip only) sets the
 * optional header fields. */
static size_t compress_with_header(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int window_bits,
                                   gz_header *header)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    if (header)
        assert_int_equal(deflateSetHeader(&z, header), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    deflateEnd(&z);
    return len;
}

static size_t compress_with(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int window_bits)
{
    return compress_with_header(in, n, out, cap, window_bits, NULL);
}

static void plaintext(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)("The quick brown fox jumps over the lazy dog. "[i % 45] + (i / 450) % 3);
}

static void test_simple_get(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /index.html HTTP/1.1\r\nHost: example.org\r\nUser-Agent: curl/8.0\r\n"
              "Referer: http://example.org/\r\nCookie: a=1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("method", "GET"), needle("uri", "/index.html"),
                                   needle("version", "HTTP/1.1"), needle("host", "example.org"),
                                   needle("user_agent", "curl/8.0"), "\"referer\":\"http://example.org/\"",
                                   "\"cookie\":\"a=1\"", "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "body_len", NULL), 0);
    char hex[65];
    sha256_expected("hello", 5, hex);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":200", needle("reason", "OK"),
                                   needle("content_type", "text/html"), "\"body_len\":5", needle("body_sha256", hex),
                                   "\"complete\":true", needle("method", "GET"), needle("uri", "/index.html"), NULL),
                     1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

static void test_keepalive(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nAAA", 0},
        {C2S, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n", 0},
        {S2C, "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 4);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":200", needle("uri", "/a"),
                                   "\"body_len\":3", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":404", needle("reason", "Not Found"),
                                   needle("uri", "/b"), "\"body_len\":4", NULL),
                     1);
    free(json);
}

static void test_pipelined(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
              "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
              "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nyz", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 3);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/1"), "\"body_len\":1", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/2"), needle("method", "HEAD"), NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/2"), "body_len", NULL), 0);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/3"), "\"status\":201", "\"body_len\":2",
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

static void test_chunked(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /wiki HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              "4;name=value;x\r\nWiki\r\n5 ; ext\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n"
              "Expires: never\r\nX-Trailer: 1\r\n\r\n"
              "HTTP/1.1 204 No Content\r\n\r\n", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    const char *body = "Wikipedia in\r\n\r\nchunks.";
    char hex[65];
    sha256_expected(body, strlen(body), hex);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/wiki"),
                                   needle("transfer_encoding", "chunked"), "\"body_len\":23", needle("body_sha256", hex),
                                   "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/next"), "\"status\":204", NULL), 1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

/* One compressed response (gzip, zlib-wrapped and raw deflate), CL-framed or chunked. */
static void check_compressed(int window_bits, const char *encoding, int chunked)
{
    enum { PLAIN = 3000 };
    uint8_t plain[PLAIN], packed[4096];
    plaintext(plain, PLAIN);
    size_t plen = compress_with(plain, PLAIN, packed, sizeof packed, window_bits);
    static char resp[8192];
    int h;
    if (chunked)
        h = snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n", encoding,
                     plen);
    else
        h = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
                     encoding, plen);
    memcpy(resp + h, packed, plen);
    size_t total = (size_t)h + plen;
    if (chunked) {
        memcpy(resp + total, "\r\n0\r\n\r\n", 7);
        total += 7;
    }
    harness_msg m[] = {
        {C2S, "GET /static/app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate\r\n\r\n", 0},
        {S2C, resp, total},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    char hex[65];
    sha256_expected(plain, PLAIN, hex);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("content_encoding", encoding),
                                   "\"body_len\":3000", needle("body_sha256", hex), "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

/* ---- a transaction another protocol claims (http_claim.h) ---- */

typedef struct toy_txn {
    char uri[64];
    size_t body;
    uint64_t sum; /* of the decoded body's bytes, so a wrong byte shows */
} toy_txn;

static int toy_claims(const http_request_view *r) { return r->uri_len >= 4 && memcmp(r->uri, "/toy", 4) == 0; }

static void toy_request(tr_session *s, void *txn, const http_request_view *r)
{
    toy_txn *t = txn;
    snprintf(t->uri, sizeof t->uri, "%.*s", (int)r->uri_len, (const char *)r->uri);
    tr_event e;
    tr_ev_init(&e, s, "claimed", TR_C2S);
    e.proto = "toy";
    tr_ev_str(&e, "uri", t->uri);
    tr_emit(&e);
}

static void toy_body(tr_session *s, void *txn, const uint8_t *p, size_t n)
{
    (void)s;
    toy_txn *t = txn;
    t->body += n;
    for (size_t i = 0; i < n; i++)
        t->sum += p[i];
}

static void toy_response(tr_session *s, void *txn, const http_response_view *r, int complete)
{
    toy_txn *t = txn;
    tr_event e;
    tr_ev_init(&e, s, "answered", TR_S2C);
    e.proto = "toy";
    tr_ev_str(&e, "uri", t->uri);
    tr_ev_int(&e, "status", r->status);
    tr_ev_int(&e, "body", (int64_t)t->body);
    tr_ev_int(&e, "sum", (int64_t)t->sum);
    tr_ev_bool(&e, "complete", complete);
    tr_emit(&e);
}

static int abandoned;
static void toy_abandon(tr_session *s, void *txn)
{
    (void)s, (void)txn;
    abandoned++;
}

static const http_claimer toy = {toy_claims, sizeof(toy_txn), toy_request, toy_body, toy_response, toy_abandon};

/* A claimer takes the transactions it claims: it gets the request, the decoded body (chunked and gzip undone) and
 * the response, in HTTP's order, and emits its own events; HTTP records every transaction as before. */
static void test_claimed_transactions(void **state)
{
    (void)state;
    enum { PLAIN = 3000 };
    uint8_t plain[PLAIN], packed[4096];
    plaintext(plain, PLAIN);
    size_t plen = compress_with(plain, PLAIN, packed, sizeof packed, 31);
    uint64_t sum = 0;
    for (size_t i = 0; i < PLAIN; i++)
        sum += plain[i];
    static char resp[8192];
    int h = snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n", plen);
    memcpy(resp + h, packed, plen);
    size_t total = (size_t)h + plen;
    const char *rest = "\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    memcpy(resp + total, rest, strlen(rest));
    total += strlen(rest);
    harness_msg m[] = {
        {C2S, "GET /toy?info_hash=%aa HTTP/1.1\r\nHost: t\r\n\r\nGET /other HTTP/1.1\r\n\r\n"
              "GET /toy?x=1 HTTP/1.1\r\n\r\n", 0},
        {S2C, resp, total},
    };
    http_claim_extra(&toy);
    char *json = harness_script_all_splits("http", 80, m, 2);
    char want[64];
    snprintf(want, sizeof want, "\"sum\":%llu", (unsigned long long)sum);
    assert_int_equal(harness_count(json, "\"proto\":\"toy\",\"type\":\"claimed\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"proto\":\"toy\",\"type\":\"answered\"", needle("uri", "/toy?info_hash=%aa"),
                                   "\"status\":200", "\"body\":3000", want, "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"proto\":\"toy\",\"type\":\"answered\"", needle("uri", "/toy?x=1"),
                                   "\"body\":0", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"proto\":\"toy\"", needle("uri", "/other"), NULL), 0);
    assert_int_equal(harness_count(json, "\"proto\":\"http\",\"type\":\"response\"", NULL), 3); /* HTTP's, as always */
    /* in order: HTTP's request, then the claimer's; HTTP's response, then the claimer's */
    const char *req = strstr(json, "\"type\":\"request\""), *claimed = strstr(json, "\"type\":\"claimed\"");
    const char *resp1 = strstr(json, "\"type\":\"response\""), *answered = strstr(json, "\"type\":\"answered\"");
    assert_true(req < claimed && claimed < resp1 && resp1 < answered);
    free(json);
    /* a claimed request never answered: abandoned when the session ends, its state freed */
    abandoned = 0;
    harness_msg unanswered[] = {{C2S, "GET /toy HTTP/1.1\r\n\r\n", 0}};
    json = harness_script("http", 80, unanswered, 1, 0);
    assert_int_equal(abandoned, 1);
    free(json);
    http_claim_extra(NULL);
}

static void test_gzip(void **state)
{
    (void)state;
    check_compressed(31, "gzip", 0);
    check_compressed(31, "x-gzip", 1);
}

static void test_deflate(void **state)
{
    (void)state;
    check_compressed(15, "deflate", 0);
    check_compressed(-15, "deflate", 1);
}

/* Two gzip members in one body are one object (RFC 1952 2.2); bytes after a deflate stream are ignored. */
static void test_gzip_members_and_trailing(void **state)
{
    (void)state;
    uint8_t plain[1200], packed[4096];
    plaintext(plain, sizeof plain);
    size_t a = compress_with(plain, 700, packed, sizeof packed, 31);
    size_t b = compress_with(plain + 700, 500, packed + a, sizeof packed - a, 31);
    size_t c = compress_with(plain, 300, packed + a + b, sizeof packed - a - b, 15);
    memcpy(packed + a + b + c, "tail", 4);
    static char resp[8192];
    int h1 = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", a + b);
    memcpy(resp + h1, packed, a + b);
    size_t total = (size_t)h1 + a + b;
    total += (size_t)snprintf(resp + total, sizeof resp - total,
                              "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %zu\r\n\r\n", c + 4);
    memcpy(resp + total, packed + a + b, c + 4);
    total += c + 4;
    harness_msg m[] = {
        {C2S, "GET /two HTTP/1.1\r\n\r\nGET /tail HTTP/1.1\r\n\r\n", 0},
        {S2C, resp, total},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    char hex[65], hex2[65];
    sha256_expected(plain, 1200, hex);
    sha256_expected(plain, 300, hex2);
    assert_int_equal(harness_count(json, needle("uri", "/two"), "\"body_len\":1200", needle("body_sha256", hex),
                                   "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, needle("uri", "/tail"), "\"body_len\":300", needle("body_sha256", hex2),
                                   "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

/* One gzip response of `packed`, answered to GET /g; the events of every split. */
static char *gzip_response(const uint8_t *packed, size_t plen)
{
    static char resp[16384];
    int h = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
                     plen);
    assert_true(h > 0 && (size_t)h + plen <= sizeof resp);
    memcpy(resp + h, packed, plen);
    harness_msg m[] = {
        {C2S, "GET /g HTTP/1.1\r\n\r\n", 0},
        {S2C, resp, (size_t)h + plen},
    };
    return harness_script_all_splits("http", 80, m, 2);
}

static void test_corrupt_gzip(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /z HTTP/1.1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\nnot gzip at!", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_decompress_error\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "body_sha256", NULL), 0);
    free(json);

    /* a good gzip header, then a deflate block of the reserved type (RFC 1951 3.2.3: BTYPE 11) */
    static const uint8_t bad_block[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0x00, 0x00, 0x00};
    json = gzip_response(bad_block, sizeof bad_block);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_decompress_error\"", "invalid block", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "body_len", NULL), 0); /* unknown after bad deflate data */
    free(json);

    /* the body ends before the gzip stream does */
    uint8_t plain[2000], packed[4096];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    json = gzip_response(packed, plen / 2);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_decompress_truncated\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "body_sha256", NULL), 0);
    free(json);
}

static void test_gzip_header_fields(void **state)
{
    (void)state;
    uint8_t plain[3000], packed[8192];
    plaintext(plain, sizeof plain);
    /* every optional header field (RFC 1952 2.3: FEXTRA, FNAME, FCOMMENT, FHCRC), as zlib writes them */
    static uint8_t extra[300];
    memset(extra, 'x', sizeof extra);
    gz_header h = {.extra = extra,
                   .extra_len = sizeof extra,
                   .name = (Bytef *)"report-2026.txt",
                   .comment = (Bytef *)"made by a test",
                   .hcrc = 1};
    size_t plen = compress_with_header(plain, sizeof plain, packed, sizeof packed, 31, &h);
    char *json = gzip_response(packed, plen);
    char hex[65];
    sha256_expected(plain, sizeof plain, hex);
    assert_int_equal(harness_count(json, "\"body_len\":3000", needle("body_sha256", hex), "\"complete\":true", NULL), 1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

/* The trailer is checked: a wrong CRC-32 or length makes the object incomplete, as gunzip would reject it. */
static void test_gzip_trailer_checked(void **state)
{
    (void)state;
    uint8_t plain[3000], packed[8192];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    const struct {
        size_t at;
        const char *why;
    } cases[] = {{plen - 8, "incorrect data check"}, {plen - 4, "incorrect length check"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        packed[cases[i].at] ^= 0x01;
        char *json = gzip_response(packed, plen);
        packed[cases[i].at] ^= 0x01;
        char detail[64];
        snprintf(detail, sizeof detail, "gzip body: %s", cases[i].why);
        assert_int_equal(harness_count(json, "\"anomaly\":\"http_decompress_error\"", detail, NULL), 1);
        assert_int_equal(harness_count(json, "\"body_len\":3000", "\"complete\":false", NULL), 1);
        assert_int_equal(harness_count(json, "body_sha256", NULL), 0);
        free(json);
    }
}

static void test_no_body(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "HEAD /h HTTP/1.1\r\n\r\nGET /n HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\n"
              "GET /last HTTP/1.1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"
              "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
              "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", NULL), 4);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "body_len", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/h"), "\"complete\":true", NULL), 1);
    assert_int_equal(harness_count(json, "\"status\":204", needle("uri", "/n"), NULL), 1);
    assert_int_equal(harness_count(json, "\"status\":304", needle("uri", "/c"), NULL), 1);
    assert_int_equal(harness_count(json, needle("uri", "/last"), "\"body_len\":2", NULL), 1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

static void test_100_continue(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n", 0},
        {S2C, "HTTP/1.1 100 Continue\r\n\r\n", 0},
        {C2S, "abcdef", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 4);
    char hex[65];
    sha256_expected("abcdef", 6, hex);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":100", needle("method", "POST"),
                                   needle("uri", "/upload"), NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", "\"body_len\":6", needle("body_sha256", hex), NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":200", needle("uri", "/upload"), NULL), 1);
    long interim = pos_of(json, "\"status\":100"), request = pos_of(json, "\"type\":\"request\""),
         final = pos_of(json, "\"status\":200");
    assert_true(interim >= 0 && interim < request && request < final);
    free(json);
}

static void test_post_body(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "POST /form.php HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\n"
              "a=1&b=hello", 0},
        {S2C, "HTTP/1.0 200 OK\r\n\r\nthanks, until close", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    char hex[65], hex2[65];
    sha256_expected("a=1&b=hello", 11, hex);
    sha256_expected("thanks, until close", 19, hex2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("method", "POST"), needle("version", "HTTP/1.0"),
                                   "\"body_len\":11", needle("body_sha256", hex), "\"complete\":true", NULL),
                     1);
    /* a response without length ends with the connection, and is complete then */
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"body_len\":19", needle("body_sha256", hex2),
                                   "\"complete\":true", NULL),
                     1);
    free(json);
}

static void test_basic_auth(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /admin HTTP/1.1\r\nHost: h\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
        {C2S, "GET http://x/ HTTP/1.1\r\nProxy-Authorization: basic dXNlcjo=\r\n\r\n", 0},
    };
    char *json = harness_script_all_splits("http", 3128, m, 3);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", needle("scheme", "Basic"), needle("user", "Aladdin"),
                                   needle("password", "open sesame"), NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", needle("user", "user"), "\"password\":\"\"", NULL), 1);
    char empty[65];
    sha256_expected("", 0, empty);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"body_len\":0", needle("body_sha256", empty), NULL),
                     1);
    free(json);
}

static void test_connect(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 Connection established\r\n\r\n", 0},
        {C2S, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n", 0},
        {S2C, "\x16\x03\x03\x00\x7a\x02 neither\r\n", 0},
    };
    char *json = harness_script_all_splits("http", 3128, m, 4);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("method", "CONNECT"),
                                   needle("uri", "example.org:443"), NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":200", needle("method", "CONNECT"), NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", needle("reason", "connect"), NULL), 1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);

    /* refused: the client goes on speaking HTTP */
    harness_msg r[] = {
        {C2S, "CONNECT example.org:443 HTTP/1.1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", 0},
        {C2S, "CONNECT example.org:443 HTTP/1.1\r\nProxy-Authorization: Basic YTpi\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\n\r\n", 0},
    };
    json = harness_script_all_splits("http", 3128, r, 4);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"auth\"", needle("user", "a"), needle("password", "b"), NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", NULL), 1);
    free(json);
}

static void test_upgrade(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 0},
        {S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello", 0},
        {C2S, "\x81\x85\x01\x02\x03\x04garbage", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 3);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":101", needle("uri", "/chat"), NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"decode_end\"", needle("reason", "upgrade"), NULL), 1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

static void test_gap_in_body(void **state)
{
    (void)state;
    harness *h = harness_new("http", TR_TCP, 80);
    const char *req = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n";
    harness_data(h, C2S, req, strlen(req));
    const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123";
    harness_data(h, S2C, r1, strlen(r1));
    harness_gap(h, S2C, 3); /* inside the body: its end is still known */
    const char *r2 = "789HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n01";
    harness_data(h, S2C, r2, strlen(r2));
    harness_gap(h, S2C, 30); /* past the body's end: resynchronise on the next status line */
    const char *r3 = "junk after the hole\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    harness_data(h, S2C, r3, strlen(r3));
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/a"), "\"body_len\":7",
                                   "\"complete\":false", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/b"), "\"complete\":false", NULL), 1);
    char hex[65];
    sha256_expected("abc", 3, hex);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/c"), "\"body_len\":3",
                                   needle("body_sha256", hex), "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"complete\":false", "body_sha256", NULL), 0);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    harness_free(h);
}

static void test_gap_in_headers_and_close(void **state)
{
    (void)state;
    harness *h = harness_new("http", TR_TCP, 80);
    const char *req = "GET /a HTTP/1.1\r\nHost: ";
    harness_data(h, C2S, req, strlen(req));
    harness_gap(h, C2S, 100);
    const char *req2 = "ost: h\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    harness_data(h, C2S, req2, strlen(req2));
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx" "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npart";
    harness_data(h, S2C, resp, strlen(resp));
    const char *json = harness_close(h, TR_END_RST);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("uri", "/a"), "\"complete\":false", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("uri", "/b"), "\"complete\":true", NULL), 1);
    /* the connection closed inside the second body */
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/b"), "\"body_len\":4",
                                   "\"complete\":false", NULL),
                     1);
    harness_free(h);
}

static void test_long_line(void **state)
{
    (void)state;
    static char req[20000];
    int n = snprintf(req, sizeof req, "GET /long HTTP/1.1\r\nX-Big: ");
    memset(req + n, 'A', 10000);
    n += 10000;
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\nHost: after.example\r\n\r\n");
    harness_msg m[] = {
        {C2S, req, (size_t)n},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_line_too_long\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("uri", "/long"), needle("host", "after.example"),
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/long"), NULL), 1);
    free(json);
}

static void test_fields(void **state)
{
    (void)state;
    static char req[40000];
    int n = snprintf(req, sizeof req, "GET /many HTTP/1.1\r\n");
    for (int i = 0; i < 200; i++)
        n += snprintf(req + n, sizeof req - (size_t)n, "X-Field-%d: value %d\r\n", i, i);
    n += snprintf(req + n, sizeof req - (size_t)n, "user-AGENT: Mozilla/5.0\r\n (folded)\r\nHOST: first\r\nHost: second\r\n"
                                                   "Cookie: a=1\r\nCookie: b=2\r\n\r\n");
    harness_msg m[] = {
        {C2S, req, (size_t)n},
        {S2C, "HTTP/1.1 200 OK\r\nSet-Cookie: s=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nSet-Cookie: t=2\r\n"
              "Content-Length: 0\r\n\r\n", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("user_agent", "Mozilla/5.0 (folded)"),
                                   needle("host", "first"), needle("cookie", "a=1; b=2"), NULL),
                     1);
    assert_int_equal(harness_count(json, "\"set_cookie\":\"s=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\\nt=2\"", NULL), 1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);
}

static void test_pending_overflow(void **state)
{
    (void)state;
    static char req[8192];
    int n = 0;
    for (int i = 0; i < 66; i++)
        n += snprintf(req + n, sizeof req - (size_t)n, "GET /%d HTTP/1.1\r\n\r\n", i);
    harness_msg m[] = {
        {C2S, req, (size_t)n},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
    };
    char *json = harness_script("http", 80, m, 2, 0);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 66);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_too_many_pending\"", NULL), 2);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("uri", "/0"), NULL), 1);
    free(json);
}

/* HTTP/0.9 (RFC 1945 4.1, as Zeek and Wireshark read it): "GET uri" without a version and an answer without a
 * status line, whose bytes up to the close are the body; an answer that does begin with a status line is read
 * as one. Every split of the messages, so that a response's first bytes arrive one at a time too. */
static void test_http_09(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "GET /old.html\r\n", 0},
        {S2C, "<html>Hi</html>\n", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 2);
    char hex[65];
    sha256_expected("<html>Hi</html>\n", 16, hex);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("method", "GET"), needle("uri", "/old.html"),
                                   needle("version", "HTTP/0.9"), "\"complete\":true", NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", needle("version", "HTTP/0.9"), "\"body_len\":16",
                                   needle("body_sha256", hex), "\"complete\":true", needle("uri", "/old.html"), NULL),
                     1);
    assert_int_equal(harness_count(json, "\"status\"", NULL), 0);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);

    /* a server that answers a version-less request with a status line (nginx's 400, say) */
    harness_msg m2[] = {
        {C2S, "GET /HTTP/1.1\r\n", 0},
        {S2C, "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad", 0},
    };
    json = harness_script_all_splits("http", 80, m2, 2);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("uri", "/HTTP/1.1"), needle("version", "HTTP/0.9"),
                                   NULL),
                     1);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"status\":400", "\"body_len\":3",
                                   needle("uri", "/HTTP/1.1"), NULL),
                     1);
    assert_int_equal(harness_count(json, "anomaly", NULL), 0);
    free(json);

    /* only GET, only method and target, and only as a connection's first line (one request a connection: a
     * body's line met while resynchronising could look like one) */
    static const char *const not_09[] = {"POST /x\r\n", "GET / extra\r\n", "GET\r\n"};
    for (size_t i = 0; i < sizeof not_09 / sizeof not_09[0]; i++) {
        harness_msg m3[] = {{C2S, not_09[i], 0}, {C2S, "GET /y\r\n", 0}};
        json = harness_script_all_splits("http", 80, m3, 2);
        assert_int_equal(harness_count(json, "\"anomaly\":\"http_bad_request_line\"", NULL), 1);
        assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 0);
        free(json);
    }
    harness_msg m4[] = {
        {C2S, "GET /a HTTP/1.1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
        {C2S, "GET /b\r\n", 0},
    };
    json = harness_script_all_splits("http", 80, m4, 3);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_bad_request_line\"", NULL), 1);
    free(json);
}

/* A body that runs to the close ends when the server's FIN arrives in order, so its response's event has
 * that packet's time and comes before what the client sends after it, not at the session's end. */
static void test_close_delimited_ends_at_fin(void **state)
{
    (void)state;
    harness *h = harness_new("http", TR_TCP, 80);
    static const char req[] = "GET /a HTTP/1.0\r\n\r\n", rsp[] = "HTTP/1.0 200 OK\r\n\r\nto the close";
    harness_data(h, TR_C2S, req, strlen(req));
    harness_data(h, TR_S2C, rsp, strlen(rsp));
    harness_stream_end(h, TR_S2C);
    static const char req2[] = "GET /b HTTP/1.0\r\n\r\n";
    harness_data(h, TR_C2S, req2, strlen(req2));
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"body_len\":12", "\"complete\":true", NULL), 1);
    const char *response = strstr(json, "\"type\":\"response\""), *second = strstr(json, "\"uri\":\"/b\"");
    assert_non_null(response);
    assert_non_null(second);
    assert_true(response < second);
    harness_free(h);
}

static void test_garbage(void **state)
{
    (void)state;
    harness_msg m[] = {
        {C2S, "\x00\x01\x02 hello there\r\nGET / HTTP/1.1\r\n\r\n", 35},
        {S2C, "HTTP/1.1 2x0 OK\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nrest", 0},
    };
    char *json = harness_script_all_splits("http", 80, m, 3);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_bad_request_line\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_bad_status_line\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_bad_chunk\"", NULL), 1);
    assert_int_equal(harness_count(json, "\"type\":\"request\"", needle("uri", "/"), NULL), 1);
    /* the first 200 answers GET /, the second may answer the unreadable request: neither is unexpected */
    assert_int_equal(harness_count(json, "http_response_without_request", NULL), 0);
    free(json);

    harness_msg twice[] = {
        {C2S, "GET / HTTP/1.1\r\n\r\n", 0},
        {S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
    };
    json = harness_script_all_splits("http", 80, twice, 2);
    assert_int_equal(harness_count(json, "\"anomaly\":\"http_response_without_request\"", NULL), 1);
    free(json);
}

/* Extraction: the exporter gets the decoded object under the URI's last segment, and `file` names it. */
typedef struct fake_export {
    char name[128];
    uint8_t data[8192];
    size_t len;
    int opened, closed, complete;
    tr_strbuf json;
} fake_export;

static int fx_open(void *self, tr_session *s, const char *name, char *relpath, size_t cap)
{
    fake_export *fx = self;
    (void)s;
    snprintf(fx->name, sizeof fx->name, "%s", name);
    snprintf(relpath, cap, "files/1-%s", name);
    fx->opened++;
    return 7;
}

static void fx_write(void *self, int handle, const uint8_t *p, size_t n)
{
    fake_export *fx = self;
    assert_int_equal(handle, 7);
    assert_true(fx->len + n <= sizeof fx->data);
    memcpy(fx->data + fx->len, p, n);
    fx->len += n;
}

static void fx_close(void *self, int handle, int complete)
{
    fake_export *fx = self;
    assert_int_equal(handle, 7);
    fx->closed++;
    fx->complete = complete;
}

static void fx_event(void *self, const tr_event *e)
{
    fake_export *fx = self;
    tr_format_json(e, 1, &fx->json);
}

static void test_file_export(void **state)
{
    (void)state;
    enum { PLAIN = 2000 };
    uint8_t plain[PLAIN], packed[4096];
    plaintext(plain, PLAIN);
    size_t plen = compress_with(plain, PLAIN, packed, sizeof packed, 31);
    harness *h = harness_new("http", TR_TCP, 80);
    static fake_export fx;
    memset(&fx, 0, sizeof fx);
    tr_sb_init(&fx.json, 1 << 20);
    tr_sink k = {0};
    k.self = &fx;
    k.on_event = fx_event;
    k.file_open = fx_open;
    k.file_write = fx_write;
    k.file_close = fx_close;
    assert_true(tr_ctx_add_sink(&h->ctx, &k) >= 0);
    const char *req = "GET /docs/My%20Report.txt?x=1 HTTP/1.1\r\n\r\n";
    harness_data(h, C2S, req, strlen(req));
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", plen);
    harness_data(h, S2C, head, (size_t)n);
    harness_data(h, S2C, packed, plen);
    harness_close(h, TR_END_FIN);
    assert_int_equal(fx.opened, 1);
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.complete, 1);
    assert_string_equal(fx.name, "My Report.txt");
    assert_int_equal(fx.len, PLAIN);
    assert_memory_equal(fx.data, plain, PLAIN);
    assert_int_equal(harness_count(tr_sb_cstr(&fx.json), "\"type\":\"response\"", needle("file", "files/1-My Report.txt"),
                                   NULL),
                     1);
    tr_sb_free(&fx.json);
    harness_free(h);
}

static void test_probe(void **state)
{
    (void)state;
    const tr_dissector *d = tr_dissector_find("http");
    assert_non_null(d);
    assert_true(tr_dissector_has_port(d, 80) && tr_dissector_has_port(d, 8080) && tr_dissector_has_port(d, 8000) &&
                tr_dissector_has_port(d, 3128));
    const char *yes = "GET /x HTTP/1.1\r\nHost: a\r\n";
    assert_int_equal(harness_probe(d, yes, strlen(yes), C2S), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "GE", 2, C2S), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(d, "POST /lo", 8, C2S), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(d, "HELO x\r\n", 8, C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "GET / HTTP/2.0\r\n", 16, C2S), TR_PROBE_NO);
    assert_int_equal(harness_probe(d, "HTTP/1.1 200 OK\r\n", 17, S2C), TR_PROBE_YES);
    assert_int_equal(harness_probe(d, "HTT", 3, S2C), TR_PROBE_MAYBE);
    assert_int_equal(harness_probe(d, "220 smtp ready\r\n", 16, S2C), TR_PROBE_NO);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void test_random_bytes(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n", "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n", "Content-Encoding: gzip\r\n", "Content-Encoding: deflate\r\n", "\r\n",
        "5\r\n", "0\r\n", "HEAD /x HTTP/1.0\r\n", "Authorization: Basic Zm9vOmJhcg==\r\n", " folded\r\n",
        "\x1f\x8b\x08\x00", "ffffffffffffffff\r\n", "Content-Length: 99999999999999999999\r\n",
    };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    static uint8_t buf[4096];
    for (int round = 0; round < 300; round++) {
        harness *h = harness_new("http", TR_TCP, 80);
        int chunks = 1 + (int)(rng_next(&seed) % 40);
        for (int c = 0; c < chunks; c++) {
            size_t n = 0;
            size_t want = 1 + rng_next(&seed) % sizeof buf;
            while (n < want) {
                uint64_t r = rng_next(&seed);
                if (r % 3 == 0) {
                    const char *p = pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])];
                    size_t l = strlen(p);
                    if (n + l > sizeof buf)
                        break;
                    memcpy(buf + n, p, l);
                    n += l;
                } else {
                    buf[n++] = (uint8_t)(r >> 16);
                }
            }
            int dir = (int)(rng_next(&seed) & 1);
            if (rng_next(&seed) % 16 == 0)
                harness_gap(h, dir, rng_next(&seed) % 5000);
            else
                harness_data(h, dir, buf, n);
        }
        const char *json = harness_close(h, TR_END_EOF);
        assert_non_null(json);
        harness_free(h);
    }
}

/* Between messages a keep-alive session holds no buffer (its text, the waiting URIs, zlib's window), and
 * what it holds while a message is parsed is told to the engine (state_extra) for --memcap. */
static void test_idle_session_holds_nothing(void **state)
{
    (void)state;
    harness *h = harness_new("http", TR_TCP, 80);
    assert_int_equal(h->s.state_extra, 0);
    const char *req_head = "GET /a.js HTTP/1.1\r\nHost: h\r\n";
    harness_data(h, C2S, req_head, strlen(req_head));
    assert_true(h->s.state_extra >= 8192); /* the kept text of a message being parsed */
    harness_data(h, C2S, "\r\n", 2);
    assert_true(h->s.state_extra > 0); /* the request is done; its URI waits for the response */
    uint8_t plain[20000], packed[20000];
    plaintext(plain, sizeof plain);
    size_t n = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    char head[200];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", n);
    harness_data(h, S2C, head, strlen(head));
    harness_data(h, S2C, packed, n / 2);
    assert_true(h->s.state_extra >= 8192 + 32768); /* text, the URI ring and zlib's window */
    harness_data(h, S2C, packed + n / 2, n - n / 2);
    assert_int_equal(h->s.state_extra, 0); /* all back once the response is out */
    const char *json = harness_close(h, TR_END_FIN);
    assert_int_equal(harness_count(json, "\"type\":\"response\"", "\"body_len\":20000", "\"complete\":true",
                                   needle("uri", "/a.js"), NULL),
                     1);
    harness_free(h);
}

/* What a gzip response counts against --memcap, after each piece of it, in one mode (state_extra per piece). */
static void memcap_trace(int on_worker_thread, size_t *trace, size_t pieces)
{
    harness_results_on_worker(on_worker_thread);
    harness *h = harness_new("http", TR_TCP, 80);
    harness_data(h, C2S, "GET /g HTTP/1.1\r\n\r\n", 19);
    uint8_t plain[3000], packed[4096];
    plaintext(plain, sizeof plain);
    size_t n = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    char resp[8192];
    int head = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", n);
    memcpy(resp + head, packed, n);
    size_t total = (size_t)head + n, step = (total + pieces - 1) / pieces;
    for (size_t i = 0, k = 0; k < pieces; i += step, k++) {
        if (i < total)
            harness_data(h, S2C, resp + i, i + step <= total ? step : total - i);
        trace[k] = h->s.state_extra;
    }
    harness_close(h, TR_END_FIN);
    harness_free(h);
    harness_results_on_worker(0);
}

/* The inflater counts against --memcap over the same span whichever thread inflates the body (from its first
 * compressed byte to its end), so what the cap ends does not depend on the threads' timing. */
static void test_memcap_count_same_on_either_thread(void **state)
{
    (void)state;
    enum { PIECES = 97 };
    size_t here[PIECES], there[PIECES];
    memcap_trace(0, here, PIECES);
    memcap_trace(1, there, PIECES);
    for (int k = 0; k < PIECES; k++)
        if (here[k] != there[k])
            fail_msg("after piece %d of %d: %zu bytes counted here, %zu with the worker", k, PIECES, here[k], there[k]);
    assert_true(here[PIECES / 2] > 0);
    assert_int_equal(here[PIECES - 1], 0);
}

static int on_worker(void **state)
{
    (void)state;
    harness_results_on_worker(1);
    return 0;
}

static int off_worker(void **state)
{
    (void)state;
    harness_results_on_worker(0);
    return 0;
}

/* Bodies inflated on the worker give the very lines the engine gives: a good gzip body, one that goes bad in
 * its middle (the anomaly in the same place, before the line of a request that came after it on the other
 * side), and one cut short, with lines of the same session between them. */
static void test_worker_lines_match_engine(void **state)
{
    (void)state;
    uint8_t plain[6000], packed[16384];
    plaintext(plain, sizeof plain);
    size_t plen = compress_with(plain, sizeof plain, packed, sizeof packed, 31);
    static char resp[65536];
    size_t total = 0, bad = 0;
    for (int k = 0; k < 3; k++) {
        size_t n = k == 2 ? plen / 2 : plen;
        total += (size_t)snprintf(resp + total, sizeof resp - total,
                                  "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", n);
        memcpy(resp + total, packed, n);
        if (k == 1) {
            bad = total + n / 2;
            memset(resp + bad, 0xff, 32); /* bad data in the middle of the second body */
        }
        total += n;
    }
    size_t cut = bad + 64; /* the next request's line comes after the bad bytes, before the body ends */
    harness_msg m[] = {
        {C2S, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 0},
        {S2C, resp, cut},
        {C2S, "GET /c HTTP/1.1\r\n\r\n", 0},
        {S2C, resp + cut, total - cut},
    };
    char *on = harness_script_all_splits("http", 80, m, 4);
    harness_results_on_worker(0);
    char *here = harness_script("http", 80, m, 4, 0);
    harness_results_on_worker(1);
    assert_string_equal(on, here);
    assert_int_equal(harness_count(on, "\"anomaly\":\"http_decompress_", NULL), 2);
    assert_int_equal(harness_count(on, "\"body_len\":6000", "\"complete\":true", NULL), 1);
    const char *anomaly = strstr(on, "http_decompress_error"), *third = strstr(on, "\"uri\":\"/c\"");
    assert_true(anomaly && third && anomaly < third); /* where the bad bytes came, not where the body ended */
    free(on);
    free(here);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_claimed_transactions),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_deflate),
        cmocka_unit_test(test_gzip_members_and_trailing),
        cmocka_unit_test(test_gzip_header_fields),
        cmocka_unit_test(test_gzip_trailer_checked),
        cmocka_unit_test(test_corrupt_gzip),
        /* the same, inflated on the worker thread as trawl -T json does, every split giving the same lines */
        cmocka_unit_test_setup_teardown(test_gzip, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_deflate, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_gzip_members_and_trailing, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_gzip_header_fields, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_gzip_trailer_checked, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_corrupt_gzip, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_worker_lines_match_engine, on_worker, off_worker),
        cmocka_unit_test_setup_teardown(test_idle_session_holds_nothing, on_worker, off_worker),
        cmocka_unit_test(test_memcap_count_same_on_either_thread),
        cmocka_unit_test(test_no_body),
        cmocka_unit_test(test_100_continue),
        cmocka_unit_test(test_post_body),
        cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_upgrade),
        cmocka_unit_test(test_gap_in_body),
        cmocka_unit_test(test_gap_in_headers_and_close),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_pending_overflow),
        cmocka_unit_test(test_http_09),
        cmocka_unit_test(test_close_delimited_ends_at_fin),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_file_export),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_idle_session_holds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
