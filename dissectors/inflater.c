#include "inflater.h"

#include <string.h>

#include <isa-l/igzip_lib.h>

#include "../core/tr_buf.h"
#include "../core/tr_pool.h"

static tr_pool inflaters = TR_POOL_INIT(sizeof(struct inflate_state), 16);        /* the engine's */
static tr_pool worker_inflaters = TR_POOL_INIT(sizeof(struct inflate_state), 16); /* the worker's */

size_t inflater_state_bytes(void) { return sizeof(struct inflate_state); }

static tr_pool *pool_of(const inflater *f) { return f->on_worker ? &worker_inflaters : &inflaters; }

void inflater_begin(inflater *f, int coding, int on_worker)
{
    struct inflate_state *z = f->z;
    if (z && !on_worker != !f->on_worker) { /* never handed from one thread's pool to the other's */
        tr_pool_give(pool_of(f), z);
        z = NULL;
    }
    memset(f, 0, offsetof(inflater, z));
    f->coding = (uint8_t)coding;
    f->on_worker = (uint8_t)!!on_worker;
    f->z = z;
}

void inflater_release(inflater *f)
{
    if (!f->z)
        return;
    tr_pool_give(pool_of(f), f->z);
    f->z = NULL;
}

int inflater_input_seen(const inflater *f) { return f->started || f->head_len > 0; }

static void fail(inflater *f, const inflater_sink *out, int failure, const char *why)
{
    f->failed = 1;
    out->failed(out->arg, failure, why);
}

/* format: ISAL_ZLIB or ISAL_DEFLATE (raw; also inside a gzip member, whose framing is gzip_member's). */
static int start(inflater *f, uint32_t format, const inflater_sink *out)
{
    if (!f->z) {
        f->z = tr_pool_take(pool_of(f));
        if (!f->z) {
            fail(f, out, INFLATER_NO_MEMORY, "no memory for the inflater");
            return -1;
        }
        isal_inflate_init(f->z);
    } else {
        isal_inflate_reset(f->z);
    }
    f->z->crc_flag = format;
    f->deflate_ended = 0;
    return 0;
}

static const char *error_name(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid block";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "bad data";
    }
}

/* Inflates from p[0..n) until the input is used up or the deflate stream ends (f->deflate_ended); returns the bytes
 * taken, so what follows the stream (a gzip trailer, another member) is left to the caller. */
static size_t inflate_some(inflater *f, const uint8_t *p, size_t n, const inflater_sink *out)
{
    /* on the stack, not static: a sink may decode another object (a tee parsing what it is given) */
    _Alignas(64) uint8_t buf[32768];
    struct inflate_state *z = f->z;
    uint32_t chunk = n < (1u << 30) ? (uint32_t)n : (1u << 30);
    z->next_in = (uint8_t *)(uintptr_t)p; /* ISA-L only reads input; its API is not const-qualified */
    z->avail_in = chunk;
    for (;;) {
        z->next_out = buf;
        z->avail_out = sizeof buf;
        int rc = isal_inflate(z);
        size_t got = sizeof buf - z->avail_out;
        if (f->coding == INFLATER_GZIP)
            gzip_member_decoded(&f->gz, buf, got);
        if (got && !out->bytes(out->arg, buf, got))
            f->failed = 1; /* the sink took no more: what follows is not decoded */
        if (rc != ISAL_DECOMP_OK) {
            fail(f, out, INFLATER_BAD_DATA, error_name(rc));
            break;
        }
        if (z->block_state == ISAL_BLOCK_FINISH) { /* bytes it read past the end: see trailer_from_read_ahead */
            f->deflate_ended = 1;
            break;
        }
        /* it returns when the input is used up or the output is full */
        if (f->failed || z->avail_out != 0)
            break;
    }
    size_t used = chunk - z->avail_in;
    z->next_in = NULL;
    z->avail_in = 0;
    return used;
}

/* In raw deflate mode ISA-L keeps the whole bytes it read past the end of the deflate data in its bit buffer
 * (read_in, least significant bit first, after the padding bits of the data's last byte) instead of giving them
 * back in avail_in: they are the start of the gzip trailer. Returns the trailer's gzip_result so far. */
static int trailer_from_read_ahead(inflater *f)
{
    struct inflate_state *z = f->z;
    uint8_t ahead[8];
    size_t k = 0;
    if (z->read_in_length > 0) {
        unsigned pad = (unsigned)z->read_in_length % 8;
        uint64_t bits = z->read_in >> pad;
        for (int32_t left = z->read_in_length - (int32_t)pad; left >= 8 && k < sizeof ahead; left -= 8) {
            ahead[k++] = (uint8_t)(bits & 0xff);
            bits >>= 8;
        }
    }
    z->read_in = 0;
    z->read_in_length = 0;
    gzip_member_data_ended(&f->gz);
    size_t used;
    return k ? gzip_member_trailer(&f->gz, ahead, k, &used) : GZIP_MORE;
}

int inflater_ended(const inflater *f)
{
    return f->coding == INFLATER_GZIP ? gzip_member_part(&f->gz) == GZIP_PART_DONE : f->deflate_ended;
}

/* gzip: member after member (RFC 1952 2.2), each a header, deflate data and a trailer checked here. */
static void gzip_feed(inflater *f, tr_buf *in, const inflater_sink *out)
{
    while (tr_left(in) && !f->failed && !f->trailing) {
        if (!f->started || inflater_ended(f)) {
            if (f->started && tr_peek_at(in, in->off) != 0x1f) {
                f->trailing = 1; /* browsers ignore what follows the compressed stream */
                break;
            }
            gzip_member_begin(&f->gz);
            f->started = 1;
        }
        size_t n;
        const uint8_t *p = tr_rest(in, &n);
        int part = gzip_member_part(&f->gz), r = GZIP_MORE;
        size_t used = 0;
        if (part == GZIP_PART_HEADER) {
            r = gzip_member_header(&f->gz, p, n, &used);
            if (r == GZIP_DONE && start(f, ISAL_DEFLATE, out) != 0)
                break;
        } else if (part == GZIP_PART_DATA) {
            used = inflate_some(f, p, n, out);
            if (f->deflate_ended)
                r = trailer_from_read_ahead(f);
        } else {
            r = gzip_member_trailer(&f->gz, p, n, &used);
        }
        if (r == GZIP_BAD) {
            fail(f, out, INFLATER_BAD_FRAMING, f->gz.why);
            break;
        }
        tr_skip(in, used);
        if (!used && gzip_member_part(&f->gz) == part)
            break; /* no progress: the inflater wants more input, or stopped */
    }
}

/* Raw or zlib-wrapped deflate: one stream; what follows it is ignored, as browsers do. */
static void deflate_run(inflater *f, const uint8_t *p, size_t n, const inflater_sink *out)
{
    if (!n || f->failed || f->trailing)
        return;
    if (f->deflate_ended) {
        f->trailing = 1;
        return;
    }
    size_t used = inflate_some(f, p, n, out);
    f->trailing = f->deflate_ended && used < n;
}

/* RFC 9110 says deflate means the zlib format (RFC 1950), but servers also send raw deflate (RFC 1951), as
 * browsers accept: the first two bytes tell which. */
static void deflate_feed(inflater *f, tr_buf *in, const inflater_sink *out)
{
    if (!f->started) {
        while (f->head_len < 2 && tr_left(in))
            f->head[f->head_len++] = tr_u8(in);
        if (f->head_len < 2)
            return;
        unsigned cmf = f->head[0], flg = f->head[1];
        int zlib_wrapped = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        if (start(f, zlib_wrapped ? ISAL_ZLIB : ISAL_DEFLATE, out) != 0)
            return;
        f->started = 1;
        deflate_run(f, f->head, 2, out);
    }
    size_t n;
    const uint8_t *p = tr_rest(in, &n);
    deflate_run(f, p, n, out);
}

void inflater_feed(inflater *f, const uint8_t *p, size_t n, const inflater_sink *out)
{
    if (f->failed || !n)
        return;
    tr_buf in = tr_buf_make(p, n);
    if (f->coding == INFLATER_DEFLATE)
        deflate_feed(f, &in, out);
    else
        gzip_feed(f, &in, out);
}
