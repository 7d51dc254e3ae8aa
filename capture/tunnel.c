#include "tunnel.h"

#define PORT_VXLAN 4789
#define PORT_VXLAN_GPE 4790
#define PORT_GENEVE 6081
#define PORT_GTPU 2152
#define PORT_TEREDO 3544
#define ETHERTYPE_BRIDGED 0x6558 /* transparent Ethernet bridging: an Ethernet frame follows */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define GTP_G_PDU 0xff
#define GTP_EXTENSIONS_MAX 16

static int vxlan(tr_buf *b)
{
    uint8_t flags = tr_u8(b);
    tr_skip(b, 7); /* reserved, VNI, reserved */
    return !b->err && (flags & 0x08) ? TUNNEL_ETHERNET : TUNNEL_NONE; /* the I flag: a valid VNI */
}

/* VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): a next-protocol byte, read even without the P flag, as tshark does. */
static int vxlan_gpe(tr_buf *b)
{
    uint8_t flags = tr_u8(b);
    tr_skip(b, 2); /* reserved */
    uint8_t next = tr_u8(b);
    tr_skip(b, 4); /* VNI, reserved */
    if (b->err || !(flags & 0x0c))
        return TUNNEL_NONE; /* neither the I flag (a VNI) nor the P flag (a next protocol) */
    if (next == 1 || next == 2)
        return TUNNEL_IP;
    return next == 3 ? TUNNEL_ETHERNET : TUNNEL_NONE;
}

static int geneve(tr_buf *b)
{
    uint8_t first = tr_u8(b);
    tr_skip(b, 1); /* O and C flags */
    uint16_t protocol = tr_be16(b);
    tr_skip(b, 4); /* VNI, reserved */
    tr_skip(b, (size_t)(first & 0x3f) * 4); /* options */
    if (b->err || first >> 6 != 0)
        return TUNNEL_NONE;
    if (protocol == ETHERTYPE_BRIDGED)
        return TUNNEL_ETHERNET;
    return protocol == ETHERTYPE_IPV4 || protocol == ETHERTYPE_IPV6 ? TUNNEL_IP : TUNNEL_NONE;
}

static int gtpu(tr_buf *b)
{
    uint8_t flags = tr_u8(b), type = tr_u8(b);
    tr_skip(b, 6); /* length, TEID */
    if (b->err || flags >> 5 != 1 || !(flags & 0x10) || type != GTP_G_PDU)
        return TUNNEL_NONE; /* version 1, GTP (not GTP'), a user packet (not signalling) */
    if (flags & 0x07) { /* sequence number, N-PDU number, next extension header type */
        tr_skip(b, 3);
        uint8_t next = tr_u8(b);
        for (int i = 0; next && i < GTP_EXTENSIONS_MAX; i++) {
            uint8_t words = tr_u8(b); /* the extension's length in 4-byte words, this byte included */
            if (b->err || words == 0)
                return TUNNEL_NONE;
            tr_skip(b, (size_t)words * 4 - 2);
            next = tr_u8(b);
        }
        if (next)
            return TUNNEL_NONE;
    }
    return b->err ? TUNNEL_NONE : TUNNEL_IP;
}

/* Teredo: an IPv6 packet, perhaps after an authentication and an origin indication (RFC 4380 5.1.1). Taken as
 * Teredo only when the IPv6 header's payload length accounts for the rest of the datagram exactly. */
static int teredo(tr_buf *b)
{
    if (tr_left(b) >= 2 && tr_peek_at(b, b->off) == 0 && tr_peek_at(b, b->off + 1) == 1) {
        tr_skip(b, 2);
        uint8_t id_len = tr_u8(b), auth_len = tr_u8(b);
        tr_skip(b, (size_t)id_len + auth_len + 9); /* client id, authentication value, nonce, confirmation */
    }
    if (tr_left(b) >= 2 && tr_peek_at(b, b->off) == 0 && tr_peek_at(b, b->off + 1) == 0)
        tr_skip(b, 8); /* origin indication: port and address */
    if (b->err || tr_left(b) < 40 || tr_peek_at(b, b->off) >> 4 != 6)
        return TUNNEL_NONE;
    size_t payload = (size_t)tr_peek_at(b, b->off + 4) << 8 | tr_peek_at(b, b->off + 5);
    return payload + 40 == tr_left(b) ? TUNNEL_IP : TUNNEL_NONE;
}

int tunnel_udp(uint16_t sport, uint16_t dport, tr_buf *b)
{
    tr_buf t = *b; /* the readers below move it; b moves only when one says it is a tunnel */
    int inner = TUNNEL_NONE;
    /* either port, as tshark: the reply of a pair may come from the tunnel's port to an ephemeral one */
    if (sport == PORT_VXLAN || dport == PORT_VXLAN)
        inner = vxlan(&t);
    else if (sport == PORT_VXLAN_GPE || dport == PORT_VXLAN_GPE)
        inner = vxlan_gpe(&t);
    else if (sport == PORT_GENEVE || dport == PORT_GENEVE)
        inner = geneve(&t);
    else if (sport == PORT_GTPU || dport == PORT_GTPU)
        inner = gtpu(&t);
    else if (sport == PORT_TEREDO || dport == PORT_TEREDO)
        inner = teredo(&t);
    if (inner != TUNNEL_NONE && !t.err)
        *b = t;
    return t.err ? TUNNEL_NONE : inner;
}
