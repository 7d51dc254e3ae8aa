/* decode: link layer, IPv4/IPv6 (options, extension headers, fragments) and TCP/UDP headers into a tr_packet.
 * Zero or wrong checksums and packets larger than the MTU (offloaded segments) are accepted as they are. */
#ifndef DECODE_H
#define DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"
#include "ipfrag.h"
#include "packet.h"

enum decode_result {
    DECODE_OK = 0,      /* *out is a TCP or UDP packet */
    DECODE_SKIP = 1,    /* not for us (ARP, ICMP, other protocols) or a fragment held for reassembly */
    DECODE_BAD = 2      /* truncated or malformed: an anomaly was emitted */
};

typedef struct decoder {
    int linktype;       /* DLT_* from libpcap */
    int unsupported;    /* linktype is one decoder_supports refuses: its packets are skipped */
    const struct framing *framing; /* for the link types of capture/link.h, how to read theirs */
    ipfrag_table frags;
    tr_ctx *ctx;
    uint64_t packets, skipped, bad;
} decoder;

/* 0, or -1 when the link type is not supported. */
int decoder_init(decoder *d, int linktype, tr_ctx *ctx);
void decoder_free(decoder *d);
int decoder_supports(int linktype);
/* The link type of the packets from now on (a pcapng file's interfaces may differ); packets of a type not
 * supported are skipped. */
void decoder_set_linktype(decoder *d, int linktype);
int decode_packet(decoder *d, int64_t ts_us, const uint8_t *data, size_t caplen, tr_packet *out);

#endif
