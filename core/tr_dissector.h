/* tr_dissector: the vtable every protocol implements and the registry that lists them.
 * Adding a protocol: its dis_<proto>.c, one line in dissectors/dissectors.def, its tests. */
#ifndef TR_DISSECTOR_H
#define TR_DISSECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "tr_session.h"

enum tr_probe { TR_PROBE_NO = 0, TR_PROBE_MAYBE = 1, TR_PROBE_YES = 2 };

typedef struct tr_dissector {
    const char *name;            /* "http": used in events, CLI, tests */
    uint8_t l4;                  /* TR_TCP, TR_UDP, or 0 for both */
    const uint16_t *ports;       /* default ports, 0-terminated; NULL for none */
    /* Port-independent detection on the first bytes one side sent (dir). NULL: port only. */
    int (*probe)(const uint8_t *p, size_t n, int dir);
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
} tr_dissector;

/* The registry: all dissectors, NULL-terminated, in dissectors.def order. */
extern const tr_dissector *const tr_dissectors[];
const tr_dissector *tr_dissector_find(const char *name);
int tr_dissector_has_port(const tr_dissector *d, uint16_t port);
int tr_dissector_serves(const tr_dissector *d, uint8_t l4);

/* Emits decode_end with a reason and stops handing data to the dissector. */
void tr_decode_end(tr_session *s, int dir, const char *reason);

#endif
