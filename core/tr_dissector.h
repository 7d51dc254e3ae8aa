/* tr_dissector: the vtable every protocol implements and the registry that lists them (dissectors/registry.c).
 * Adding a protocol: its dis_<proto>.c (and helpers), one line in dissectors/dissectors.def, its capture recipe,
 * its tests — docs/adding-a-protocol.md walks through it. */
#ifndef TR_DISSECTOR_H
#define TR_DISSECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "tr_present.h"
#include "tr_session.h"
#include "tr_view.h"

/* A probe's answer: the bytes are this protocol's (YES), could be once more arrive (MAYBE), or are not (NO). */
enum tr_probe { TR_PROBE_NO = 0, TR_PROBE_MAYBE = 1, TR_PROBE_YES = 2 };

/* What a probe looks at: the first bytes each side of a flow sent so far (n 0: none yet), and its ports.
 * Protocols where the server speaks first (FTP and SMTP both greet with 220) can tell by the client's first
 * command. */
typedef struct tr_probe_input {
    const uint8_t *p[2]; /* [TR_C2S], [TR_S2C] */
    size_t n[2];
    uint8_t l4;
    uint16_t client_port, server_port;
} tr_probe_input;

/* A protocol that rides inside another's sessions (a BitTorrent tracker inside HTTP): `host` names that protocol,
 * `hooks` is what that protocol's dissector asks of its riders (dissectors/http_claim.h for HTTP). */
typedef struct tr_inside {
    const char *host;
    const void *hooks;
} tr_inside;

typedef struct tr_dissector {
    const char *name;            /* the protocol's name: used in events, CLI, tests */
    uint8_t l4;                  /* TR_TCP, TR_UDP, or 0 for both */
    const uint16_t *ports;       /* default ports, 0-terminated; NULL for none */
    /* Port-independent detection on a flow's first bytes. NULL: port only. How answers of several probes are
     * weighed is tr_probe_choose's (below), in one place. */
    int (*probe)(const tr_probe_input *in);
    size_t state_size;
    void (*on_open)(tr_session *s);
    /* TCP: contiguous bytes of one direction; returns bytes consumed. The engine keeps the rest and
     * hands them back with more. *need may be set to the total bytes wanted before the next call. */
    size_t (*on_data)(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need);
    void (*on_gap)(tr_session *s, int dir, uint64_t n);
    void (*on_datagram)(tr_session *s, int dir, const uint8_t *p, size_t n); /* UDP */
    void (*on_close)(tr_session *s, int reason); /* before session_end; release resources here */
    /* Optional: one direction's stream is over (its FIN reached in order, or the connection was reset);
     * no more bytes will come that way. Lets a dissector report without waiting for the session to end. */
    void (*on_end)(tr_session *s, int dir);

    /* ---- optional: state across sessions (DHCP's leases, BitTorrent's torrents) ---- */
    size_t global_size; /* bytes of per-capture state, zeroed at first use (tr_dissector_global); its own caps bound
                           what it points to */
    /* The capture is over (every session has ended): the last events (session 0, tr_ev_init_nosession), then release
     * what the state points to; the state itself is freed after. */
    void (*on_finish)(tr_ctx *ctx, void *global);

    /* ---- optional: presentation, options, statistics (core/tr_present.h) ---- */
    const tr_presenter *present;      /* summaries, transcript mode, notes, stream rendering */
    const tr_option *options;         /* command-line options, ended by a NULL name */
    const tr_stat_field *stat_fields; /* event fields --stats counts, ended by a NULL key */
    const tr_inside *inside;          /* it rides inside another protocol's sessions */
    const tr_viewer *view;            /* what it adds to the views across protocols (core/tr_view.h) */
} tr_dissector;

/* The registry: all dissectors, NULL-terminated, in dissectors.def order. */
extern const tr_dissector *const tr_dissectors[];
const tr_dissector *tr_dissector_find(const char *name);
/* The dissector whose protocol an event is (by its proto name; NULL for tcp/udp and engine events). */
const tr_dissector *tr_dissector_of_event(const tr_event *e);
int tr_dissector_has_port(const tr_dissector *d, uint16_t port);
int tr_dissector_serves(const tr_dissector *d, uint8_t l4);
/* Index in tr_dissectors[], -1 when not registered. */
int tr_dissector_index(const tr_dissector *d);

/* The protocol choice by content, written down once: every dissector serving in->l4 that has a probe is asked.
 *  - One YES: it.
 *  - Several YES: the one whose default ports include the server's port, then the client's; else the first
 *    in dissectors.def order (the order is the last tie-break, and only that).
 *  - No YES: NULL; *maybe is set when some probe said MAYBE (more bytes may decide).
 * The port fallback for a flow no probe claims is the engine's. `list` is NULL-terminated (tr_dissectors). */
const tr_dissector *tr_probe_choose(const tr_dissector *const *list, const tr_probe_input *in, int *maybe);

/* For probes that judge each direction's bytes alone: the best of one(p, n, dir) over the directions that sent
 * something. */
int tr_probe_by_direction(const tr_probe_input *in, int (*one)(const uint8_t *p, size_t n, int dir));

/* The dissector's per-capture state in ctx (made zeroed on first use); NULL without global_size or memory. */
void *tr_dissector_global(tr_ctx *ctx, const tr_dissector *d);
/* Every dissector's on_finish that has state in ctx, in registry order, and the states freed. The engine calls it
 * once every session has ended; calling it again does nothing more. */
void tr_ctx_finish(tr_ctx *ctx);

/* Emits decode_end with a reason and stops handing data to the dissector. */
void tr_decode_end(tr_session *s, int dir, const char *reason);

#endif
