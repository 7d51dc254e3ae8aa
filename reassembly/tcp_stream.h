/* tcp_stream: one direction of a TCP connection put back in order — retransmissions trimmed,
 * out-of-order segments queued (first copy wins), holes turned into gaps instead of stalls. */
#ifndef TCP_STREAM_H
#define TCP_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct tcp_seg {
    struct tcp_seg *next;
    uint32_t seq, len;
    uint8_t data[];
} tcp_seg;

typedef struct tcp_half {
    uint8_t syn_seen, fin_seen, fin_done, next_valid, acked_valid;
    uint32_t isn;
    uint32_t next_seq;   /* next byte expected in order */
    uint32_t fin_seq;    /* sequence number of the FIN */
    uint32_t peer_acked; /* highest ACK the other side sent for this direction */
    tcp_seg *ooo;        /* queued segments, sorted by seq, not overlapping each other */
    tcp_seg *ooo_tail;   /* the last of them: segments behind a hole mostly arrive in order, and go there */
    size_t ooo_bytes;
    uint32_t ooo_segs;
} tcp_half;

/* Where ordered bytes and gaps go, plus the shared memory account. */
typedef struct tcp_sink {
    void *arg;
    void (*data)(void *arg, int dir, const uint8_t *p, size_t n);
    void (*gap)(void *arg, int dir, uint64_t n);
    void (*anomaly)(void *arg, int dir, const char *name, const char *detail);
    size_t *mem;         /* bytes queued across all streams */
    size_t stream_cap;   /* queued bytes one direction may hold before its first hole becomes a gap */
    size_t mem_cap;      /* global cap on queued bytes */
    uint64_t *cap_gaps;  /* counts holes forced by a cap */
} tcp_sink;

void tcp_half_syn(tcp_half *h, uint32_t seq);
/* A segment's payload (seq of its first byte). */
void tcp_half_segment(tcp_half *h, const tcp_sink *o, int dir, uint32_t seq, const uint8_t *p, size_t n);
void tcp_half_fin(tcp_half *h, const tcp_sink *o, int dir, uint32_t fin_seq);
/* The other side acknowledged up to ack: queued data past a hole it covers can never be filled. */
void tcp_half_acked(tcp_half *h, const tcp_sink *o, int dir, uint32_t ack);
/* End of the connection: every queued segment delivered, holes as gaps. */
void tcp_half_flush(tcp_half *h, const tcp_sink *o, int dir);
void tcp_half_free(tcp_half *h, size_t *mem);

#endif
