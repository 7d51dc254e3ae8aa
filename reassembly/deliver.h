/* deliver: hands a session's bytes to its dissector and to the sinks, keeping what the dissector
 * has not consumed yet (capped) so dissectors always see contiguous bytes and never buffer themselves. */
#ifndef DELIVER_H
#define DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"

#define TR_PENDING_MAX (256u * 1024u) /* per direction: longest unit a dissector may wait for */

typedef struct tr_pending {
    uint8_t *buf; /* held only while a unit is incomplete (NULL otherwise) */
    size_t len, cap;
    size_t need;  /* dissector asked for this many bytes before the next call */
    uint64_t seen; /* bytes of the direction delivered so far, gaps included */
} tr_pending;

typedef struct tr_deliver {
    tr_pending dir[2];
    uint8_t opened; /* on_open has run */
    uint8_t ended[2]; /* on_end has run for the direction */
} tr_deliver;

/* Runs the dissector's on_open once (also done lazily by the calls below). */
void tr_deliver_open(tr_session *s, tr_deliver *d);
/* TCP bytes of one direction, in stream order. */
void tr_deliver_data(tr_session *s, tr_deliver *d, int dir, const uint8_t *p, size_t n);
/* n bytes of one direction will never arrive. */
void tr_deliver_gap(tr_session *s, tr_deliver *d, int dir, uint64_t n);
/* One UDP datagram. */
void tr_deliver_datagram(tr_session *s, tr_deliver *d, int dir, const uint8_t *p, size_t n);
/* One direction is over (FIN reached in order, or reset): the dissector's on_end, once per direction. */
void tr_deliver_end(tr_session *s, tr_deliver *d, int dir);
/* Dissector's on_close, then frees the pending buffers and the dissector state. */
void tr_deliver_close(tr_session *s, tr_deliver *d, int reason);
/* Memory held for the session's dissector: buffered bytes of both directions and its state (for --memcap). */
size_t tr_deliver_held(const tr_session *s, const tr_deliver *d);

#endif
