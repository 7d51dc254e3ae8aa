/* tr_layer: a byte stream a dissector produced — IMAP's after COMPRESS=DEFLATE, inflated; uTP's payloads put in
 * order; later TLS's plaintext — handed to another dissector (or the same one) as if it were a TCP connection:
 * the same delivery contract (contiguous bytes to on_data, on_gap, on_end, on_close) through the same delivery
 * and reassembly code (reassembly/layer.c). Its events belong to the outer session (its id, endpoints and
 * transport), with the inner dissector's protocol; its bytes are not shown to sinks again (the outer session's
 * were). Memory it holds counts against --memcap as the outer session's. The dissector that opens a layer closes
 * it, at the latest in its on_close. */
#ifndef TR_LAYER_H
#define TR_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "tr_session.h"

struct tr_dissector;
typedef struct tr_layer tr_layer;

/* A layered stream over `outer` decoded by `inner`; NULL when out of memory. */
tr_layer *tr_layer_open(tr_session *outer, const struct tr_dissector *inner);
/* Bytes of one direction in stream order. */
void tr_layer_data(tr_layer *l, int dir, const uint8_t *p, size_t n);
/* Bytes of one direction by sequence number (of their first byte), in any order, retransmitted or overlapping:
 * put in order by the TCP reassembly. The first call of a direction sets where it starts unless tr_layer_start did. */
void tr_layer_start(tr_layer *l, int dir, uint32_t first_seq);
void tr_layer_segment(tr_layer *l, int dir, uint32_t seq, const uint8_t *p, size_t n);
/* n bytes of one direction that will never come. */
void tr_layer_gap(tr_layer *l, int dir, uint64_t n);
/* One direction is over (segments still queued are delivered first, holes as gaps). */
void tr_layer_end(tr_layer *l, int dir);
/* Ends the inner dissector (its on_close) and frees the layer. NULL is ignored. */
void tr_layer_close(tr_layer *l, int reason);
/* The inner session (its dissector state is s->state), for the dissector that opened it. */
tr_session *tr_layer_session(tr_layer *l);

#endif
