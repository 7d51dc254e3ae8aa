/* engine: packets in, sessions out — the flow table, TCP reassembly, UDP demux, the choice of dissector
 * (decode-as, expectation, probe, port, hold) and every session's lifecycle up to its session_end event. */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../capture/packet.h"
#include "../core/tr_dissector.h"
#include "expect.h"
#include "flow_table.h"

#define ENGINE_MAX_DECODE_AS 32
#define ENGINE_PROTO_STATS 32
#define ENGINE_SINK_MEMORY_MAX 4

typedef struct tr_decode_as {
    uint8_t l4; /* 0: both */
    uint16_t port;
    const tr_dissector *dis;
} tr_decode_as;

typedef struct tr_engine_opts {
    size_t max_flows;       /* default 100000 */
    size_t memcap;          /* bytes sessions hold (state, buffers, queued and held data), default 32 MB */
    size_t stream_cap;      /* out-of-order bytes per direction, default 4 MB */
    int64_t tcp_timeout_us; /* default 1 h */
    int64_t udp_timeout_us; /* default 60 s */
    int64_t hold_us;        /* how long an unclaimed flow waits for an expectation, default 2 s; 0: no wait */
    tr_decode_as decode_as[ENGINE_MAX_DECODE_AS];
    int ndecode_as;
    /* what the sinks hold (the exporter's file buffers and held transcripts, the lines queued for Redis), each
     * read before every memcap check (an atomic load: a sink may update it on its own thread) and counted
     * against it; unused entries are NULL */
    const size_t *sink_memory[ENGINE_SINK_MEMORY_MAX];
} tr_engine_opts;

typedef struct tr_proto_stats {
    const char *name;
    uint64_t sessions, packets, bytes;
} tr_proto_stats;

typedef struct tr_engine_stats {
    uint64_t packets, sessions, evicted, timed_out;
    uint64_t evicted_memcap; /* of evicted: to stay under --memcap */
    uint64_t cap_gaps;        /* holes forced by the per-stream or global memory cap */
    uint64_t held, hold_claimed;
    uint64_t hold_refused;    /* flows not held because --memcap was reached */
    size_t mem, mem_peak;
    tr_proto_stats proto[ENGINE_PROTO_STATS];
    int nproto;
} tr_engine_stats;

typedef struct tr_engine tr_engine;

void tr_engine_default_opts(tr_engine_opts *o);
/* Parses "[tcp:|udp:]PORT=PROTO" into o; 0 on success, -1 with a message in err. */
int tr_engine_add_decode_as(tr_engine_opts *o, const char *spec, char *err, size_t errlen);
tr_engine *tr_engine_new(tr_ctx *ctx, const tr_engine_opts *o);
void tr_engine_packet(tr_engine *e, const tr_packet *p);
/* Ends sessions idle past their timeout (called per packet; cheap when nothing expired). */
void tr_engine_expire(tr_engine *e, int64_t now_us);
/* Ends every session with reason `eof` (input ended or trawl was stopped). */
void tr_engine_finish(tr_engine *e);
const tr_engine_stats *tr_engine_stats_get(const tr_engine *e);
void tr_engine_free(tr_engine *e);

#endif
