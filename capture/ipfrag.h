/* ipfrag: IPv4 and IPv6 fragment reassembly, bounded in trains, bytes and time.
 * Overlapping fragments: the first copy wins, and differing bytes are flagged. */
#ifndef IPFRAG_H
#define IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_addr.h"
#include "../core/tr_session.h"

#define IPFRAG_MAX_TRAINS 256
#define IPFRAG_MAX_DATAGRAM 65535
#define IPFRAG_TIMEOUT_US (30LL * 1000000)

typedef struct ipfrag_train {
    int used;
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
    uint64_t reassembled, timed_out, dropped_full, overlaps;
} ipfrag_table;

void ipfrag_init(ipfrag_table *t, tr_ctx *ctx);
void ipfrag_free(ipfrag_table *t);
/* Adds one fragment (payload after the IP header and any fragment header). Returns 1 (datagram and len set)
 * when the datagram is complete, 0 while incomplete, -1 on a bad fragment. */
int ipfrag_add(ipfrag_table *t, int64_t now_us, const tr_ip *src, const tr_ip *dst, uint32_t id, uint8_t proto,
               uint32_t offset, int more, const uint8_t *p, size_t n, const uint8_t **datagram, size_t *len);

#endif
