/* tr_session: a TCP connection or UDP conversation as dissectors and sinks see it, and the context
 * (sinks, current time, counters) every session belongs to. */
#ifndef TR_SESSION_H
#define TR_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tr_addr.h"
#include "tr_event.h"

struct tr_dissector;
struct tr_engine;
struct tr_ctx;

/* An expected connection (FTP PORT/PASV/EPRT/EPSV): the next flow that matches is handed to `dis`
 * with a copy of ctx, and its session's parent is the announcing session. */
typedef struct tr_expectation {
    uint8_t l4;
    tr_ip client_ip;      /* v == 0: any client address */
    uint16_t client_port; /* 0: any */
    tr_ip server_ip;      /* the side that listens */
    uint16_t server_port;
    const struct tr_dissector *dis;
    const void *ctx;      /* copied (at most TR_EXPECT_CTX_MAX bytes) */
    size_t ctx_len;
    int64_t timeout_us;   /* 0: a default of 60 s */
} tr_expectation;

#define TR_EXPECT_CTX_MAX 1024

enum tr_l4 { TR_TCP = 6, TR_UDP = 17 };

#define TR_MAX_SINKS 6

enum tr_end_reason { TR_END_NONE = 0, TR_END_FIN, TR_END_RST, TR_END_TIMEOUT, TR_END_EVICTED, TR_END_EOF };
const char *tr_end_name(int reason);

typedef struct tr_session {
    uint64_t id;
    uint8_t l4;            /* TR_TCP or TR_UDP */
    tr_endpoint client, server;
    const struct tr_dissector *dis; /* NULL: plain tcp/udp */
    void *state;           /* the dissector's state, state_size bytes, zeroed */
    size_t state_extra;    /* bytes held for the session besides the dissector's state (its buffers taken
                              while in use, a sink's record of it): the engine counts them with the state
                              against --memcap until the session ends */
    struct tr_ctx *ctx;
    int64_t start_us, last_us;
    uint64_t packets[2], bytes[2], gap_bytes[2];
    int end;               /* enum tr_end_reason once ended */
    uint8_t closing;       /* TR_END_FIN or TR_END_RST once both FINs or a RST are seen: the session lingers for
                              late packets before it ends (a live view shows it closed meanwhile) */
    uint8_t midstream;
    uint8_t decode_stopped; /* dissector gave up (decode_end): data goes on to sinks only */
    uint64_t parent;       /* control session of an expected flow, 0 otherwise */
    void *expect_ctx;      /* the expectation's context copy, owned by the engine */
    size_t expect_ctx_len;
    void *sink_data[TR_MAX_SINKS];    /* per-sink per-session slot, indexed by sink number */
    /* Stream offset (bytes of the direction before it, gaps included) of p[0] in the current on_data
     * call; between calls, of the first byte the dissector has not consumed. Kept by deliver. */
    uint64_t stream_off[2];
    /* A layered stream's session (core/tr_layer.h): the session whose bytes it was made from. Its events are that
     * session's, and sinks never see it. NULL for a session of the flow table. */
    struct tr_session *outer;
    /* The transcript group what the session carries now belongs to, when its dissector groups conversations itself
     * (DHCP: "dhcp-<client mac>", set per datagram, kept in its state); NULL: the exporter's default (a datagram
     * protocol's address pair, a TCP session's own transcript). */
    const char *tx_group;
    /* The link-layer (MAC) address of each end, as the first packet each way carried it (the sender's); has_mac
     * bit TR_C2S set: mac[TR_C2S] is the client's, bit TR_S2C: mac[TR_S2C] the server's; bit 2 + d: mac[d] is
     * the destination address of the other way's packet, until that end sends one itself. */
    uint8_t has_mac;
    uint8_t mac[2][6];
} tr_session;

/* Receives what the pipeline produces. Every member may be NULL. */
typedef struct tr_sink {
    void *self;
    void (*on_event)(void *self, const tr_event *e);
    /* The sink can write an event before its digests are known (TR_F_DIGEST fields): it holds the tickets and
     * fills them in later, so hashing overlaps with decoding. Other sinks get the digests resolved. */
    int takes_digest_tickets;
    void (*on_session_open)(void *self, tr_session *s);
    /* Bytes in stream order (TCP) or one datagram (UDP), after the dissector has seen them. */
    void (*on_stream)(void *self, tr_session *s, int dir, const uint8_t *p, size_t n);
    void (*on_stream_gap)(void *self, tr_session *s, int dir, uint64_t n);
    /* Every packet the engine takes (TCP or UDP, after IP reassembly): its session, time and payload bytes
     * (statistics). */
    void (*on_packet)(void *self, tr_session *s, int64_t ts_us, size_t payload_len);
    /* Called after the session_end event; last chance to release per-session data. */
    void (*on_session_close)(void *self, tr_session *s);
    /* File extraction: open returns a handle >= 0 and writes the path relative to the export folder. */
    int (*file_open)(void *self, tr_session *s, const char *name, char *relpath, size_t cap);
    void (*file_write)(void *self, int handle, const uint8_t *p, size_t n);
    void (*file_close)(void *self, int handle, int complete);
    /* A file of no one session, at a path under the export folder its owner chose (tr_file_create); -1 when the
     * path is refused. */
    int (*file_create)(void *self, const char *relpath);
    /* Bytes at an offset of the file (any handle); a later file_write goes on after them. */
    void (*file_write_at)(void *self, int handle, uint64_t off, const uint8_t *p, size_t n);
    /* Makes to_rel name the file from_rel (an extracted file) once every file is written (tr_file_link). */
    void (*file_link)(void *self, const char *from_rel, const char *to_rel);
    /* Told to every sink once the file sink has opened a file of s (relpath as the events carry it),
     * so transcripts can say where the session's bytes went. */
    void (*on_file_open)(void *self, tr_session *s, const char *relpath);
    /* A range of dir's stream that is an object being extracted (tr_stream_object). */
    void (*on_stream_object)(void *self, tr_session *s, int dir, uint64_t start, uint64_t end, const char *label,
                             const char *relpath);
} tr_sink;

#define TR_MAX_ANOMALY_KINDS 64
#define TR_MAX_DISSECTORS 32 /* registered dissectors (dissectors.def) */
#define TR_MAX_SHARED 8      /* states several dissectors share (tr_ctx_shared) */

struct tr_ctx;
/* State several dissectors share across the sessions of a capture (the mail protocols' one mailbox). */
typedef struct tr_shared {
    const void *key; /* the address of something of the module that owns it */
    void *state;
    void (*finish)(struct tr_ctx *ctx, void *state);
} tr_shared;

typedef struct tr_ctx {
    tr_sink sinks[TR_MAX_SINKS];
    int nsinks;
    int file_sink;        /* index of the sink that extracts files, -1 when none */
    int results_on_worker; /* the only sink formats lines on the worker thread: a dissector may leave work there
                              whose results its events carry (tr_ev_later), HTTP's inflating */
    int64_t now_us;       /* time of the packet being processed */
    struct tr_engine *engine;
    /* anomaly counts by name, for --stats */
    const char *anomaly_names[TR_MAX_ANOMALY_KINDS];
    uint64_t anomaly_counts[TR_MAX_ANOMALY_KINDS];
    uint64_t events;
    /* Services of the flow table, reached through the context so dissectors and tests need no engine. */
    tr_session *(*find_session)(struct tr_ctx *ctx, uint64_t id);
    int (*expect)(struct tr_ctx *ctx, tr_session *parent, const struct tr_expectation *x);
    /* Each dissector's state across the sessions of this capture (tr_dissector.global_size), by registry index;
     * made on first use (tr_dissector_global), ended by tr_ctx_finish. */
    void *dissector_global[TR_MAX_DISSECTORS];
    tr_shared shared[TR_MAX_SHARED];
    /* A compressed object that decodes to more than this many times its compressed bytes, once 1 MiB came out of
     * it, is a decompression bomb: decoding stops there (--inflate-max-ratio; 0 never stops). */
    uint32_t inflate_max_ratio;
} tr_ctx;

#define TR_INFLATE_MAX_RATIO_DEFAULT 500 /* deflate tops out near 1032:1; real web and mail objects stay far below */
#define TR_INFLATE_RATIO_FROM (1u << 20) /* decoded bytes before the ratio is looked at */

void tr_ctx_init(tr_ctx *ctx);
int tr_ctx_add_sink(tr_ctx *ctx, const tr_sink *sink); /* returns the sink's index, -1 when full */
void tr_ctx_count_anomaly(tr_ctx *ctx, const char *name);
void tr_ctx_add_anomalies(tr_ctx *ctx, const char *name, uint64_t n);
/* Adds n to name's count in a table of anomaly kinds (a new name takes the next free entry; past the last, it
 * is not counted). */
void tr_anomaly_counts_add(const char *names[TR_MAX_ANOMALY_KINDS], uint64_t counts[TR_MAX_ANOMALY_KINDS],
                           const char *name, uint64_t n);

/* A live session by id, or NULL (ended, evicted, or no flow table). */
tr_session *tr_session_find(tr_ctx *ctx, uint64_t id);
/* Registers an expectation; 0 on success, -1 when the table is full or there is no flow table. */
int tr_expect(tr_session *parent, const tr_expectation *x);

/* The protocol name of a session's events: its dissector's, else "tcp"/"udp". */
const char *tr_session_proto(const tr_session *s);

/* File extraction, through the context's file sink. Returns -1 when nobody extracts files
 * (relpath is then ""), so dissectors hash and count regardless. */
int tr_file_open(tr_session *s, const char *name, char *relpath, size_t cap);
void tr_file_write(tr_session *s, int handle, const uint8_t *p, size_t n);
void tr_file_close(tr_session *s, int handle, int complete);

/* A file that belongs to no one session (a torrent's content, written from many sessions' pieces), created at
 * relpath under the export folder, as its owner names it: components separated by '/', none of them empty, "." or
 * "..", nothing absolute, nothing in the folders the exporter fills itself (sessions, files, streams); the folders
 * on the way are made without following a symbolic link. Returns a handle, or -1 when nobody extracts files or the
 * path is refused. Written at offsets in any order (a hole reads as zeros), closed by tr_file_end. */
int tr_file_create(tr_ctx *ctx, const char *relpath);
void tr_file_write_at(tr_ctx *ctx, int handle, uint64_t off, const uint8_t *p, size_t n);
void tr_file_end(tr_ctx *ctx, int handle, int complete);

/* Makes to_rel (a path under the export folder, checked as tr_file_create's) a second name of the extracted file
 * from_rel, once every file is written (the export's end): a hard link, or a copy where links cannot be made.
 * Returns -1 when nobody extracts files. */
int tr_file_link(tr_ctx *ctx, const char *from_rel, const char *to_rel);

/* The state `key` names, shared by several dissectors over the sessions of ctx: made zeroed (size bytes) on first use,
 * ended by finish(ctx, state) after the dissectors' own (tr_ctx_finish) and freed. NULL when the table is full or out
 * of memory. */
void *tr_ctx_shared(tr_ctx *ctx, const void *key, size_t size, void (*finish)(tr_ctx *ctx, void *state));
/* Every shared state ended and freed (tr_ctx_finish calls it). */
void tr_ctx_finish_shared(tr_ctx *ctx);

/* Names the stream range [start, end) of dir (offsets as in s->stream_off) as an object that goes to
 * an extracted file, so transcripts can show a marker instead of its bytes. Call it when the object
 * starts (before the sinks see its bytes: a dissector sees them first), with end 0 while the end is not
 * known and relpath NULL while the file is not open; call again with the same start as either becomes
 * known. label (may be NULL) says how the bytes are coded, e.g. "gzip". Does nothing when no sink
 * extracts files. */
void tr_stream_object(tr_session *s, int dir, uint64_t start, uint64_t end, const char *label, const char *relpath);

#endif
