/* fuzz_object: the object pipeline (dissectors/object.h) on hostile bytes — every coding, stacked, and the record
 * of ranges of objects written by offset.
 *
 * Input: byte 0 chooses what runs:
 *   bits 0-1  the transfer coding: identity, chunked, base64, quoted-printable
 *   bits 2-3  the content coding: identity, gzip, deflate (3: identity with a cap of 4096 decoded bytes)
 *   bits 5-7  7: the ranges of an object written by offset instead (below)
 * byte 1 places the cut (at byte1 * len / 256, and a second run cuts at len - that); the rest is the object as
 * transferred. The object runs whole and cut those two ways, the unconsumed bytes handed back as the engine does;
 * the runs must agree on the digest, completeness, framing and bytes taken, and the bytes a tee saw must hash to
 * the digest. Anomalies are rendered and must be valid JSON.
 *
 * Ranges: after byte 0, records of 4 bytes, offset (2, big-endian) and length (1) of a write into a 64 KB object
 * and a byte to probe with; the record (capped at 8 intervals) is checked against a bitmap of what was written: it
 * never claims a byte that did not come, and, while nothing overflowed, it claims every byte that did. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/tr_session.h"
#include "core/tr_strbuf.h"
#include "dissectors/object.h"
#include "output/tr_format.h"
#include "tests/fuzz/fuzz_check.h"

static tr_strbuf line;

static void on_event(void *self, const tr_event *e)
{
    (void)self;
    tr_sb_reset(&line);
    tr_format_json(e, 0, &line);
    check_json_line(&line);
}

static const obj_words words = {
    .decode_error = "fuzz_decode_error", .truncated = "fuzz_truncated", .too_large = "fuzz_too_large",
    .noun = "object", .len_key = "len", .sha256_key = "sha256", .complete_key = "complete",
};

typedef struct outcome {
    EVP_MD_CTX *tee;   /* SHA-256 of what the tee saw */
    uint64_t tee_len;
    obj_result r;
    int complete, framing;
    size_t taken;
} outcome;

static void tee(void *arg, const uint8_t *p, size_t n)
{
    outcome *o = arg;
    EVP_DigestUpdate(o->tee, p, n);
    o->tee_len += n;
}

/* One run, cut at `cut` (0: whole), fed as the engine feeds a dissector: what obj_feed leaves is offered again with
 * the next piece; nothing more is offered once the framing stops. */
static void run(tr_session *s, const obj_spec *spec0, const uint8_t *p, size_t n, size_t cut, outcome *out)
{
    static obj o; /* zeroed once: objects are begun again and again, as a session's are */
    obj_spec spec = *spec0;
    spec.tee = tee;
    spec.tee_arg = out;
    out->tee_len = 0;
    out->taken = 0;
    EVP_DigestInit_ex(out->tee, EVP_sha256(), NULL);
    obj_begin(&o, s, TR_S2C, &spec);
    size_t bounds[2] = {cut && cut < n ? cut : n, n};
    for (int k = 0; k < 2 && obj_framing(&o) == OBJ_FRAMING_RUNNING; k++) {
        /* a copy of exactly what is offered, so ASan sees reads past its end */
        size_t len = bounds[k] - out->taken;
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, p + out->taken, len);
        size_t off = 0;
        while (off < len && obj_framing(&o) == OBJ_FRAMING_RUNNING) { /* each round takes a byte or stops */
            size_t t = obj_feed(&o, s, copy + off, len - off);
            if (!t)
                break;
            off += t;
        }
        free(copy);
        out->taken += off;
    }
    out->framing = obj_framing(&o);
    out->complete = obj_end(&o, s, 1, &out->r);
    obj_release(&o, s);
}

static void check_digest(const outcome *o)
{
    if (!o->complete)
        return;
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(o->tee, d, &dl);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    if (strcmp(hex, o->r.sha256.hex) != 0 || o->tee_len != o->r.len) {
        fprintf(stderr, "digest %s of %llu bytes, the tee saw %s of %llu\n", o->r.sha256.hex,
                (unsigned long long)o->r.len, hex, (unsigned long long)o->tee_len);
        abort();
    }
}

static void same(const outcome *a, const outcome *b, size_t cut)
{
    int ok = a->complete == b->complete && a->framing == b->framing && a->taken == b->taken &&
             strcmp(a->r.sha256.hex, b->r.sha256.hex) == 0 && a->r.len_known == b->r.len_known &&
             (!a->r.len_known || a->r.len == b->r.len);
    if (!ok) {
        fprintf(stderr, "cut at %zu: complete %d/%d framing %d/%d taken %zu/%zu len %llu/%llu digest %s/%s\n", cut,
                a->complete, b->complete, a->framing, b->framing, a->taken, b->taken, (unsigned long long)a->r.len,
                (unsigned long long)b->r.len, a->r.sha256.hex, b->r.sha256.hex);
        abort();
    }
}

static void fuzz_coding(tr_session *s, uint8_t setup, const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    obj_spec spec = {.transfer = setup & 3, .words = &words};
    int content = (setup >> 2) & 3;
    if (content == 3)
        spec.max_len = 4096;
    else
        spec.content = (uint8_t)content;
    size_t n = size - 1, cut = (size_t)data[0] * n / 256;
    const uint8_t *p = data + 1;
    static outcome whole, a, b;
    if (!whole.tee) {
        whole.tee = EVP_MD_CTX_new();
        a.tee = EVP_MD_CTX_new();
        b.tee = EVP_MD_CTX_new();
    }
    run(s, &spec, p, n, 0, &whole);
    run(s, &spec, p, n, cut, &a);
    run(s, &spec, p, n, n - cut, &b);
    check_digest(&whole);
    check_digest(&a);
    check_digest(&b);
    same(&whole, &a, cut);
    same(&whole, &b, n - cut);
}

enum { SPACE = 65536, CAP = 8 };

static void fuzz_ranges(const uint8_t *data, size_t size)
{
    static uint8_t had[SPACE + 1024]; /* writes end before SPACE + 256, probes before SPACE + 1024 */
    memset(had, 0, sizeof had);
    obj_at o;
    obj_at_open(&o, NULL, NULL, 0, CAP);
    for (size_t i = 0; i + 4 <= size; i += 4) {
        size_t off = (size_t)data[i] << 8 | data[i + 1], len = data[i + 2];
        static const uint8_t bytes[256];
        obj_at_write(&o, off, bytes, len);
        memset(had + off, 1, len);
        size_t a = (size_t)data[i + 3] << 8, b = a + data[i + 2] * 3u + 1;
        int all = 1;
        for (size_t k = a; k < b && all; k++)
            all = had[k];
        int claims = obj_at_complete(&o, a, b);
        if (claims && !all) {
            fprintf(stderr, "[%zu, %zu) claimed complete with bytes missing\n", a, b);
            abort();
        }
        if (!obj_at_overflow(&o) && all != claims) {
            fprintf(stderr, "[%zu, %zu): claimed %d, arrived %d\n", a, b, claims, all);
            abort();
        }
        /* the missing ranges and the arrived bytes cover [a, b) exactly, in order, disjoint */
        range miss[CAP + 2];
        size_t nm = obj_at_missing(&o, a, b, miss, CAP + 2);
        if (nm > CAP + 1 || (claims && nm)) {
            fprintf(stderr, "[%zu, %zu): %zu missing ranges\n", a, b, nm);
            abort();
        }
        uint64_t at = a;
        for (size_t m = 0; m < nm; m++) {
            if (miss[m].start < at || miss[m].end <= miss[m].start || miss[m].end > b)
                abort();
            for (uint64_t k = at; k < miss[m].start; k++)
                if (!had[k])
                    abort(); /* between missing ranges every byte arrived */
            at = miss[m].end;
        }
    }
    obj_at_close(&o, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!line.cap)
        tr_sb_init(&line, 1u << 20);
    static tr_ctx ctx;
    static tr_session s;
    tr_ctx_init(&ctx);
    tr_sink k = {0};
    k.on_event = on_event;
    tr_ctx_add_sink(&ctx, &k);
    memset(&s, 0, sizeof s);
    s.id = 1;
    s.l4 = TR_TCP;
    s.ctx = &ctx;
    if ((data[0] >> 5) == 7)
        fuzz_ranges(data + 1, size - 1);
    else
        fuzz_coding(&s, data[0], data + 1, size - 1);
    if (s.state_extra != 0) { /* every inflater counted against --memcap was given back */
        fprintf(stderr, "%zu bytes still counted\n", s.state_extra);
        abort();
    }
    return 0;
}
