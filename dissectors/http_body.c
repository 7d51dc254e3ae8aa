#include "http_body.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "textline.h"

#define FILE_NOT_YET (-2) /* the exporter is asked on the first decoded byte, so empty bodies make no files */

int http_coding_from_header(const char *v, size_t n, int *unsupported)
{
    int coding = HTTP_CODING_IDENTITY, codings = 0;
    *unsupported = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t' && v[i] != ';')
            i++;
        size_t len = i - start;
        while (i < n && v[i] != ',') /* parameters are not used by any coding we undo */
            i++;
        if (!len)
            continue;
        const uint8_t *t = (const uint8_t *)v + start;
        if (len == 8 && textline_starts(t, len, "identity"))
            continue;
        codings++;
        if ((len == 4 && textline_starts(t, len, "gzip")) || (len == 6 && textline_starts(t, len, "x-gzip")))
            coding = HTTP_CODING_GZIP;
        else if (len == 7 && textline_starts(t, len, "deflate"))
            coding = HTTP_CODING_DEFLATE;
        else
            *unsupported = 1;
    }
    if (codings > 1) /* stacked codings are so rare that undoing only some would mislead */
        *unsupported = 1;
    return *unsupported ? HTTP_CODING_IDENTITY : coding;
}

void http_body_begin(http_body *b, tr_session *s, int dir, int coding, const char *name)
{
    (void)s;
    (void)dir;
    memset(b, 0, offsetof(http_body, z));
    b->file = FILE_NOT_YET;
    b->coding = (uint8_t)coding;
    b->active = 1;
    snprintf(b->name, sizeof b->name, "%s", name ? name : "");
    if (sha256_begin(&b->hash) != 0)
        b->broken = 1;
}

/* Decoded bytes: counted, hashed and extracted. */
static void body_output(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    if (b->capped || !n)
        return;
    if (n > HTTP_BODY_DECODED_MAX - b->len) {
        n = (size_t)(HTTP_BODY_DECODED_MAX - b->len);
        b->capped = 1;
        b->broken = 1;
        tr_anomaly(s->ctx, s, dir, "http_body_too_large", "decoded body passed %llu bytes; the rest is not decoded",
                   (unsigned long long)HTTP_BODY_DECODED_MAX);
    }
    if (b->file == FILE_NOT_YET)
        b->file = tr_file_open(s, b->name, b->relpath, sizeof b->relpath);
    sha256_update(&b->hash, p, n);
    tr_file_write(s, b->file, p, n);
    b->len += n;
}

/* What zlib allocates for inflating (its state and a 32 KB window), counted against --memcap. */
#define ZLIB_INFLATE_BYTES (7u * 1024 + 32u * 1024)

static void inflate_end(http_body *b, tr_session *s)
{
    if (!b->z_ready)
        return;
    inflateEnd(&b->z);
    b->z_ready = 0;
    s->state_extra -= ZLIB_INFLATE_BYTES;
}

static int inflate_start(http_body *b, tr_session *s, int dir, int window_bits)
{
    int rc;
    if (!b->z_ready) {
        memset(&b->z, 0, sizeof b->z);
        rc = inflateInit2(&b->z, window_bits);
        b->z_ready = rc == Z_OK;
        if (b->z_ready)
            s->state_extra += ZLIB_INFLATE_BYTES;
    } else {
        rc = inflateReset2(&b->z, window_bits);
    }
    if (rc != Z_OK) {
        tr_anomaly(s->ctx, s, dir, "http_decompress_error", "zlib could not start: %d", rc);
        b->broken = 1;
        return -1;
    }
    b->z_started = 1;
    b->z_ended = 0;
    return 0;
}

/* Runs zlib over p[0..n); a gzip member that ends may be followed by another (RFC 1952 2.2). */
static void inflate_run(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    uint8_t out[16384];
    while (n && !b->broken && !b->capped && !b->z_trailing) {
        if (b->z_ended) {
            if (b->coding != HTTP_CODING_GZIP || p[0] != 0x1f) {
                b->z_trailing = 1; /* browsers ignore what follows the compressed stream */
                break;
            }
            if (inflate_start(b, s, dir, 15 + 16) != 0)
                break;
        }
        size_t chunk = n < (1u << 30) ? n : (1u << 30);
        b->z.next_in = p;
        b->z.avail_in = (uInt)chunk;
        for (;;) {
            b->z.next_out = out;
            b->z.avail_out = sizeof out;
            int rc = inflate(&b->z, Z_NO_FLUSH);
            body_output(b, s, dir, out, sizeof out - b->z.avail_out);
            if (rc == Z_STREAM_END) {
                b->z_ended = 1;
                break;
            }
            if (rc == Z_BUF_ERROR) /* no progress possible: all input taken, or output was not the limit */
                break;
            if (rc != Z_OK) {
                tr_anomaly(s->ctx, s, dir, "http_decompress_error", "%s body: %s",
                           b->coding == HTTP_CODING_GZIP ? "gzip" : "deflate", b->z.msg ? b->z.msg : "bad data");
                b->broken = 1;
                break;
            }
            if (b->capped || (b->z.avail_in == 0 && b->z.avail_out != 0))
                break;
        }
        size_t used = chunk - b->z.avail_in;
        b->z.next_in = NULL;
        b->z.avail_in = 0;
        p += used;
        n -= used;
        if (!used && !b->z_ended)
            break;
    }
}

/* RFC 9110 says deflate means the zlib format (RFC 1950), but servers also send raw deflate (RFC 1951),
 * as browsers accept: the first two bytes tell which. */
static void deflate_feed(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    if (!b->z_started) {
        while (b->head_len < 2 && n) {
            b->head[b->head_len++] = *p++;
            n--;
        }
        if (b->head_len < 2)
            return;
        unsigned cmf = b->head[0], flg = b->head[1];
        int zlib_wrapped = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        if (inflate_start(b, s, dir, zlib_wrapped ? 15 : -15) != 0)
            return;
        inflate_run(b, s, dir, b->head, 2);
    }
    inflate_run(b, s, dir, p, n);
}

void http_body_feed(http_body *b, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    if (!b->active || !n)
        return;
    if (b->coding == HTTP_CODING_IDENTITY) {
        body_output(b, s, dir, p, n);
    } else if (b->coding == HTTP_CODING_DEFLATE) {
        deflate_feed(b, s, dir, p, n);
    } else {
        if (!b->z_started && inflate_start(b, s, dir, 15 + 16) != 0)
            return;
        inflate_run(b, s, dir, p, n);
    }
}

void http_body_lost(http_body *b)
{
    /* a compressed stream cannot go on past a hole; identity bytes are still counted and extracted */
    b->broken = 1;
}

int http_body_end(http_body *b, tr_session *s, int dir, int transfer_complete, sha256_digest *d)
{
    d->hex[0] = '\0';
    d->ticket = 0;
    if (!b->active)
        return 0;
    b->active = 0;
    int complete = transfer_complete && !b->broken;
    int compressed_input = b->z_started || b->head_len > 0;
    if (complete && b->coding != HTTP_CODING_IDENTITY && compressed_input && !b->z_ended) {
        tr_anomaly(s->ctx, s, dir, "http_decompress_truncated", "the %s stream stopped before its end",
                   b->coding == HTTP_CODING_GZIP ? "gzip" : "deflate");
        complete = 0;
    }
    if (complete)
        complete = sha256_finish_later(&b->hash, d) == 0;
    else
        sha256_abort(&b->hash);
    if (b->file >= 0)
        tr_file_close(s, b->file, complete);
    b->file = FILE_NOT_YET;
    inflate_end(b, s); /* zlib's ~40 KB go back now, not when the connection ends: idle sessions stay small */
    return complete;
}

void http_body_release(http_body *b, tr_session *s)
{
    if (b->active && b->file >= 0)
        tr_file_close(s, b->file, 0);
    b->active = 0;
    inflate_end(b, s);
    sha256_release(&b->hash);
}
