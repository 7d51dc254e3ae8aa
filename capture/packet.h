/* packet: one decoded packet as the flow table consumes it — addresses, ports, TCP header fields and a
 * view of the L4 payload. The payload points into the capture buffer or the defragmenter's buffer. */
#ifndef PACKET_H
#define PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_addr.h"

enum tcp_flag { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10, TCP_URG = 0x20 };

typedef struct tr_packet {
    int64_t ts_us;
    tr_ip src, dst;
    uint8_t l4; /* 6 TCP, 17 UDP */
    uint16_t sport, dport;
    uint32_t seq, ack; /* TCP */
    uint8_t tcp_flags;
    const uint8_t *payload;
    size_t payload_len;
    /* The link layer's addresses where it has them (Ethernet; Linux cooked: the source only): bit 0 src_mac is set,
     * bit 1 dst_mac is. */
    uint8_t has_mac;
    uint8_t src_mac[6], dst_mac[6];
} tr_packet;

#endif
