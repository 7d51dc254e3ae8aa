/* fuzz_dissector: one dissector (FUZZ_DISSECTOR, its symbol in dissectors/dissectors.def, e.g.
 * -DFUZZ_DISSECTOR=dis_http, given at build time) driven through the engine's delivery code
 * (reassembly/deliver.h) as tests/unit/harness.c does, events rendered to JSON. CMake builds one target of this
 * file per line of dissectors.def (tests/fuzz/CMakeLists.txt).
 *
 * Input: byte 0 is the setup: bit 0 UDP instead of TCP (for dissectors serving both), bits 1-3 the
 * close reason. Then, for a dissector with a setup header (below), the bytes that header reads; then a
 * sequence of operations, each an opcode byte:
 *   bit 0     direction (0 client to server, 1 server to client)
 *   bits 1-2  0: data, next byte + 1 bytes follow
 *             1: data, next 2 bytes (big-endian) + 1 bytes follow
 *             2: gap of (next byte + 1) bytes, times 4096 when bit 3 is set
 *             3: datagram (UDP) or data (TCP), the rest of the operation as in 0
 *   bit 3     on data: the bytes are delivered repeated 16 times (long lines, big bodies, caps)
 *   bit 4     on a gap: instead, the direction ends (tr_deliver_end: FIN in order or reset), no length byte
 * Every input runs twice, the second time with each TCP data operation cut in two; the events must be the
 * same (dissectors must not depend on how bytes were segmented). Every event must be valid JSON.
 *
 * A dissector that needs more than a session to start from (ftp-data is reached only through an FTP
 * expectation and reads its context) has a setup header, tests/fuzz/setup/<symbol>.h, included when it
 * exists. It defines
 *     static size_t fuzz_setup(tr_session *s, const uint8_t *p, size_t n);
 * which prepares the session from the input bytes after the setup byte (p, n) and returns how many it used. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tr_dissector.h"
#include "core/tr_strbuf.h"
#include "output/tr_format.h"
#include "reassembly/deliver.h"
#include "tests/fuzz/fuzz_check.h"

#ifndef FUZZ_DISSECTOR
#error "build with -DFUZZ_DISSECTOR=dis_<proto>, a symbol of dissectors/dissectors.def"
#endif
extern const tr_dissector FUZZ_DISSECTOR;

#define FUZZ_STR_(x) #x
#define FUZZ_STR(x) FUZZ_STR_(x)
#define FUZZ_SETUP_HEADER FUZZ_STR(setup/FUZZ_DISSECTOR.h)
#if __has_include(FUZZ_SETUP_HEADER)
#include FUZZ_SETUP_HEADER
#else
static size_t fuzz_setup(tr_session *s, const uint8_t *p, size_t n)
{
    (void)s;
    (void)p;
    (void)n;
    return 0;
}
#endif

static tr_strbuf line, all[2];
static int run_no;

static void on_event(void *self, const tr_event *e)
{
    (void)self;
    tr_sb_reset(&line);
    tr_format_json(e, 0, &line);
    check_json_line(&line);
    tr_sb_add(&all[run_no], line.p, line.len);
}

#define REPEAT 16

static void feed(tr_session *s, tr_deliver *d, int udp, int dir, const uint8_t *p, size_t n, int repeat)
{
    /* a copy of exactly what is delivered (not a byte more), so ASan sees reads past its end */
    size_t total = n * (size_t)repeat;
    uint8_t *copy = malloc(total ? total : 1);
    for (int r = 0; r < repeat; r++)
        memcpy(copy + (size_t)r * n, p, n);
    n = total;
    if (udp)
        tr_deliver_datagram(s, d, dir, copy, n);
    else
        tr_deliver_data(s, d, dir, copy, n);
    free(copy);
}

static void run(const tr_dissector *dis, const uint8_t *data, size_t size, int split)
{
    tr_ctx ctx;
    tr_ctx_init(&ctx);
    tr_sink k = {0};
    k.on_event = on_event;
    tr_ctx_add_sink(&ctx, &k);
    ctx.now_us = 1700000000000000LL;

    int udp = (data[0] & 1) && tr_dissector_serves(dis, TR_UDP);
    if (!tr_dissector_serves(dis, TR_TCP))
        udp = 1;
    int reason = 1 + (data[0] >> 1) % 5;
    tr_session s;
    memset(&s, 0, sizeof s);
    tr_deliver d;
    memset(&d, 0, sizeof d);
    s.id = 1;
    s.l4 = udp ? TR_UDP : TR_TCP;
    s.ctx = &ctx;
    s.dis = dis;
    uint8_t c[4] = {10, 0, 0, 1}, sv[4] = {10, 0, 0, 2};
    tr_ip_set4(&s.client.ip, c);
    tr_ip_set4(&s.server.ip, sv);
    s.client.port = 40000;
    s.server.port = dis->ports ? dis->ports[0] : 20;
    s.start_us = s.last_us = ctx.now_us;
    size_t i = 1;
    i += fuzz_setup(&s, data + i, size - i);
    while (i < size) {
        uint8_t op = data[i++];
        int dir = op & 1;
        int kind = (op >> 1) & 3;
        ctx.now_us += 1000;
        s.last_us = ctx.now_us;
        if (kind == 2 && (op & 0x10)) {
            if (!udp)
                tr_deliver_end(&s, &d, dir);
            continue;
        }
        if (kind == 2) {
            if (i >= size)
                break;
            uint64_t n = (uint64_t)data[i++] + 1;
            if (op & 8)
                n *= 4096;
            if (!udp) {
                s.gap_bytes[dir] += n;
                tr_deliver_gap(&s, &d, dir, n);
            }
            continue;
        }
        size_t n;
        if (kind == 1) {
            if (i + 2 > size)
                break;
            n = ((size_t)data[i] << 8 | data[i + 1]) + 1;
            i += 2;
        } else {
            if (i >= size)
                break;
            n = (size_t)data[i++] + 1;
        }
        if (n > size - i)
            n = size - i;
        int repeat = op & 8 ? REPEAT : 1;
        s.packets[dir]++;
        s.bytes[dir] += n * (size_t)repeat;
        if (split && !udp && n > 1 && repeat == 1) {
            size_t cut = 1 + (i * 7919) % (n - 1);
            feed(&s, &d, udp, dir, data + i, cut, 1);
            feed(&s, &d, udp, dir, data + i + cut, n - cut, 1);
        } else if (split && !udp && repeat > 1) {
            for (int r = 0; r < repeat; r++) /* one delivery per copy */
                feed(&s, &d, udp, dir, data + i, n, 1);
        } else {
            feed(&s, &d, udp, dir, data + i, n, repeat);
        }
        i += n;
    }
    tr_deliver_close(&s, &d, reason);
    tr_ctx_finish(&ctx); /* the capture is over: what the dissector kept across sessions (on_finish), freed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tr_dissector *dis;
    if (!dis) {
        dis = &FUZZ_DISSECTOR;
        tr_sb_init(&line, 1u << 20);
        tr_sb_init(&all[0], 16u << 20);
        tr_sb_init(&all[1], 16u << 20);
    }
    if (size < 1)
        return 0;
    for (run_no = 0; run_no < 2; run_no++) {
        tr_sb_reset(&all[run_no]);
        run(dis, data, size, run_no);
    }
    if (!all[0].overflow && !all[1].overflow &&
        (all[0].len != all[1].len || (all[0].len && memcmp(all[0].p, all[1].p, all[0].len) != 0))) {
        fprintf(stderr, "events differ when the data is cut differently:\n--- whole\n%.*s--- cut\n%.*s",
                (int)all[0].len, all[0].p, (int)all[1].len, all[1].p);
        abort();
    }
    return 0;
}
