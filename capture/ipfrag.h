/* ipfrag: IPv4 and IPv6 fragment reassembly, bounded in trains, bytes and time.
 * Overlapping fragments: the first copy wins, and differing bytes are flagged. A full table makes room by
 * evicting the oldest unfinished datagram (of the sender holding the most, first), so a flood of first
 * fragments cannot keep valid datagrams out; its reports are rate-limited (counters keep every case). */
#ifndef IPFRAG_H
#define IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_addr.h"
#include "../core/tr_session.h"

#define IPFRAG_MAX_TRAINS 256
#define IPFRAG_MAX_DATAGRAM 65535
#define IPFRAG_TIMEOUT_US (30LL * 1000000)
/* Anomalies of one kind: at most this many per second of capture time, then one line a second with the count. */
#define IPFRAG_REPORT_BURST 16

enum ipfrag_report { IPFRAG_R_INCOMPLETE, IPFRAG_R_EVICTED, IPFRAG_R_TOO_LARGE, IPFRAG_R_INCONSISTENT,
                     IPFRAG_R_OVERLAP, IPFRAG_R_OVERLAP_DIFFERS, IPFRAG_R_KINDS };

typedef struct ipfrag_reports {
    int64_t second_start; /* the second of capture time the burst counts in */
    uint32_t in_second;   /* reported in it */
    uint64_t held;        /* not reported since the last summary */
} ipfrag_reports;

typedef struct ipfrag_train {
    int used;               /* a datagram is being reassembled (buf and have may stay allocated while unused) */
    tr_ip src, dst;
    uint32_t id;
    uint8_t proto;
    int64_t first_us;
    size_t total;           /* known once the last fragment arrived, else 0 */
    int have_last;
    size_t covered;         /* bytes received so far (each counted once) */
    uint8_t *buf;           /* IPFRAG_MAX_DATAGRAM bytes, allocated when the train starts */
    uint8_t *have;          /* one bit per byte of buf: received */
} ipfrag_train;

typedef struct ipfrag_table {
    ipfrag_train trains[IPFRAG_MAX_TRAINS];
    uint8_t *out;           /* the last reassembled datagram (valid until the next call) */
    tr_ctx *ctx;
    uint64_t reassembled, timed_out, evicted, overlaps;
    ipfrag_reports reports[IPFRAG_R_KINDS];
} ipfrag_table;

void ipfrag_init(ipfrag_table *t, tr_ctx *ctx);
void ipfrag_free(ipfrag_table *t);
/* Adds one fragment (payload after the IP header and any fragment header). Returns 1 (datagram and len set)
 * when the datagram is complete, 0 while incomplete, -1 on a bad fragment. */
int ipfrag_add(ipfrag_table *t, int64_t now_us, const tr_ip *src, const tr_ip *dst, uint32_t id, uint8_t proto,
               uint32_t offset, int more, const uint8_t *p, size_t n, const uint8_t **datagram, size_t *len);

#endif
