/* fuzz_pipeline: packets -> decode_packet -> tr_engine_packet with every dissector, events rendered by
 * tr_format_json and tr_format_text (or, built with -DFUZZ_EXPORT as fuzz_export.c does, written by the export
 * sink into a temporary folder, raw streams included: $TMPDIR/trawl-fuzz-XXXXXX, emptied after every input
 * and removed at exit).
 *
 * Input framing (all big-endian):
 *   byte 0          bits 0-2: link type: 0 Ethernet, 1 raw IP, 2 Linux SLL, 3 NULL/loopback, 4 SLL2 (modulo 5)
 *                   bit 3: tight limits (4 flows, small memory caps, no holding), so eviction and caps run
 *                   Port 9999 is decoded as HTTP, UDP 9953 as DNS, TCP 2323 as Telnet (--decode-as).
 *   then records    [len:2][dt:1][len bytes of packet]
 *                   dt < 200: the clock moves dt * 10 ms; dt >= 200: (dt - 199) minutes (timeouts, holds)
 * A short last record takes what is left. */
#include <ftw.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/decode.h"
#include "core/tr_strbuf.h"
#include "output/sink_export.h"
#include "output/tr_format.h"
#include "reassembly/engine.h"
#include "tests/fuzz/fuzz_check.h"

static const int linktypes[] = {DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_NULL, 276 /* LINKTYPE_SLL2 */};

static tr_strbuf out;

static void on_event(void *self, const tr_event *e)
{
    (void)self;
    tr_sb_reset(&out);
    tr_format_json(e, 1, &out);
    check_json_line(&out);
    tr_sb_reset(&out);
    tr_format_text(e, &out);
    check_text_line(&out);
}

#ifdef FUZZ_EXPORT
static char base[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_base(void)
{
    rmdir(base);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!out.max)
        tr_sb_init(&out, 1u << 20);
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    tr_sink k = {0};
    k.on_event = on_event;
    tr_ctx_add_sink(&ctx, &k);
#ifdef FUZZ_EXPORT
    if (!base[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(base, sizeof base, "%s/trawl-fuzz-XXXXXX", tmp && strlen(tmp) < 200 ? tmp : "/tmp");
        if (!mkdtemp(base))
            abort();
        atexit(rm_base);
    }
    char dir[sizeof base + 8], err[256];
    snprintf(dir, sizeof dir, "%s/run", base);
    sink_export *x = sink_export_open(dir, 1, 0, err, sizeof err);
    if (!x) {
        fprintf(stderr, "sink_export_open: %s\n", err);
        abort();
    }
    sink_export_set_max_open(x, 4); /* small, so the close-and-reopen path runs */
    tr_sink es = sink_export_sink(x);
    tr_ctx_add_sink(&ctx, &es);
#endif
    decoder dec;
    if (decoder_init(&dec, linktypes[(data[0] & 7) % 5], &ctx) != 0)
        abort();
    tr_engine_opts o;
    tr_engine_default_opts(&o);
    char err2[256];
    static const char *const decode_as[] = {"9999=http", "udp:9953=dns", "tcp:2323=telnet"};
    for (int k = 0; k < 3; k++)
        if (tr_engine_add_decode_as(&o, decode_as[k], err2, sizeof err2) != 0)
            abort();
    if (data[0] & 8) {
        o.max_flows = 4;
        o.memcap = 64u << 10;
        o.stream_cap = 16u << 10;
        o.hold_us = 0;
    } else {
        o.max_flows = 64;
        o.memcap = 4u << 20;
        o.stream_cap = 256u << 10;
    }
    tr_engine *eng = tr_engine_new(&ctx, &o);
    if (!eng)
        abort();

    int64_t now = 1700000000000000LL;
    size_t i = 1;
    while (i + 3 <= size) {
        size_t len = (size_t)data[i] << 8 | data[i + 1];
        uint8_t dt = data[i + 2];
        i += 3;
        if (len > size - i)
            len = size - i;
        now += dt < 200 ? (int64_t)dt * 10000 : (int64_t)(dt - 199) * 60000000;
        ctx.now_us = now;
        /* a copy of exactly len bytes, so ASan sees any read past the captured packet */
        uint8_t *pkt = malloc(len ? len : 1);
        memcpy(pkt, data + i, len);
        tr_packet p;
        if (decode_packet(&dec, now, pkt, len, &p) == DECODE_OK)
            tr_engine_packet(eng, &p);
        else
            tr_engine_expire(eng, now);
        free(pkt);
        i += len;
    }
    tr_engine_finish(eng);
    tr_engine_free(eng);
    decoder_free(&dec);
#ifdef FUZZ_EXPORT
    if (sink_export_finish(x, err, sizeof err) < 0)
        fprintf(stderr, "sink_export_finish: %s\n", err);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
#endif
    return 0;
}
