/* tunnel: UDP datagrams that carry other packets, as Zeek and tshark decapsulate them by default — VXLAN
 * (RFC 7348, port 4789) and VXLAN-GPE (4790), GENEVE (RFC 8926, 6081), GTP-U (3GPP TS 29.281, 2152) and Teredo (RFC 4380, 3544).
 * A datagram on such a port whose header checks out (and, for Teredo, whose payload is an IPv6 packet of the
 * length it says) is decoded as the packet inside; anything else stays a plain UDP datagram. */
#ifndef TUNNEL_H
#define TUNNEL_H

#include <stdint.h>

#include "../core/tr_buf.h"

enum tunnel_inner {
    TUNNEL_NONE = 0,  /* not a tunnel (b untouched) */
    TUNNEL_ETHERNET,  /* b is at an Ethernet frame */
    TUNNEL_IP         /* b is at an IPv4 or IPv6 packet */
};

/* The UDP payload in b between ports sport and dport (either may be the tunnel's): what it carries, b moved
 * past the tunnel's header. */
int tunnel_udp(uint16_t sport, uint16_t dport, tr_buf *b);

#endif
