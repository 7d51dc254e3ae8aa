/* fuzz_mime: the message module's walk (dissectors/mime.c) on arbitrary messages — byte 0 says where to cut the
 * rest in two and whether a hole comes there; the same message fed whole and cut must give the same leaves (names,
 * types, sizes, digests, completeness), and nothing may be read outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tr_session.h"
#include "dissectors/mime.h"

static mime *m;

static void run(tr_session *s, const uint8_t *msg, size_t n, size_t cut, int hole, mime_leaf *out, uint32_t *nout)
{
    mime_begin(m, s, TR_C2S);
    if (cut && cut < n) {
        mime_feed(m, msg, cut);
        if (hole)
            mime_gap(m);
        mime_feed(m, msg + cut, n - cut);
    } else {
        mime_feed(m, msg, n);
    }
    mime_end(m, !hole);
    *nout = m->nleaves;
    memcpy(out, m->leaves, sizeof m->leaves[0] * m->nleaves);
    mime_release(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tr_ctx ctx;
    static tr_session s;
    static mime_leaf a[MIME_LEAVES_MAX], b[MIME_LEAVES_MAX];
    if (size < 1)
        return 0;
    if (!m) {
        m = calloc(1, sizeof *m);
        tr_ctx_init(&ctx);
        s.ctx = &ctx;
        s.id = 1;
        s.l4 = TR_TCP;
    }
    size_t n = size - 1;
    uint8_t *msg = malloc(n ? n : 1); /* exactly n bytes: ASan sees reads past them */
    memcpy(msg, data + 1, n);
    size_t cut = n ? (size_t)(data[0] & 0x7f) % (n + 1) : 0;
    int hole = data[0] >> 7;
    uint32_t na, nb;
    run(&s, msg, n, 0, 0, a, &na);
    if (!hole) { /* without a hole, where the message is cut must not matter */
        run(&s, msg, n, cut, 0, b, &nb);
        if (na != nb)
            abort();
        for (uint32_t i = 0; i < na; i++)
            if (strcmp(a[i].name, b[i].name) || strcmp(a[i].content_type, b[i].content_type) ||
                a[i].r.len != b[i].r.len || a[i].r.complete != b[i].r.complete ||
                strcmp(a[i].r.sha256.hex, b[i].r.sha256.hex))
                abort();
    } else {
        run(&s, msg, n, cut, 1, b, &nb);
    }
    free(msg);
    return 0;
}
