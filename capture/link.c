#include "link.h"

#include <string.h>

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define NFLOG_TLVS_MAX 64   /* attributes looked at before giving up on finding the payload */
#define NFULA_PAYLOAD 9
#define NFLOG_AF_INET 2
#define NFLOG_AF_INET6 10   /* Linux's AF_INET6 */

/* The PPP protocol field: one byte when compressed (an odd first byte, RFC 1661 6.5), else two. */
static uint16_t ppp_protocol(tr_buf *b)
{
    uint16_t proto = tr_u8(b);
    if (!(proto & 1))
        proto = (uint16_t)(proto << 8 | tr_u8(b));
    if (b->err)
        return 0;
    return proto == PPP_IPV4 ? LINK_ETH_IPV4 : proto == PPP_IPV6 ? LINK_ETH_IPV6 : 0;
}

uint16_t link_ppp(tr_buf *b)
{
    if (tr_left(b) >= 2 && tr_peek_at(b, b->off) == 0xff && tr_peek_at(b, b->off + 1) == 0x03)
        tr_skip(b, 2); /* HDLC-like framing's all-stations address and UI control */
    return ppp_protocol(b);
}

uint16_t link_pppoe(tr_buf *b)
{
    uint8_t ver_type = tr_u8(b), code = tr_u8(b);
    tr_skip(b, 4); /* session id, length */
    if (b->err || ver_type != 0x11 || code != 0)
        return 0;
    return ppp_protocol(b);
}

uint16_t link_chdlc(tr_buf *b)
{
    tr_skip(b, 2); /* address (0x0F unicast, 0x8F broadcast), control */
    uint16_t type = tr_be16(b);
    return b->err ? 0 : type;
}

uint16_t link_ppp_serial(tr_buf *b)
{
    uint8_t first = tr_left(b) ? tr_peek_at(b, b->off) : 0;
    return first == 0x0f || first == 0x8f ? link_chdlc(b) : link_ppp(b);
}

/* RFC 1042 LLC/SNAP: AA AA 03, an OUI of 00-00-00 (or 00-00-F8, 802.1H bridge tunnel), an Ethernet type. */
static uint16_t llc_snap(tr_buf *b)
{
    const uint8_t *h = tr_bytes(b, 6);
    uint16_t type = tr_be16(b);
    if (b->err || h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] != 0 || h[4] != 0 ||
        (h[5] != 0 && h[5] != 0xf8))
        return 0;
    return type;
}

uint16_t link_ieee80211(tr_buf *b)
{
    uint16_t fc = tr_le16(b);
    if (b->err)
        return 0;
    unsigned version = fc & 3, type = (fc >> 2) & 3, subtype = (fc >> 4) & 15, flags = fc >> 8;
    if (version != 0 || type != 2 || (subtype & 4))
        return 0; /* management, control, and data frames that carry none (null functions) */
    if (flags & 0x40)
        return 0; /* protected: WEP/WPA, nothing to read without the keys */
    size_t header = 24;                 /* frame control, duration, three addresses, sequence control */
    if ((flags & 3) == 3)
        header += 6;                    /* to and from the distribution system: a fourth address */
    if (subtype & 8) {
        header += 2;                    /* QoS control */
        if (flags & 0x80)
            header += 4;                /* HT control (the order bit, in a QoS frame) */
    }
    tr_skip(b, header - 2);
    if (b->err)
        return 0;
    return llc_snap(b);
}

uint16_t link_radiotap(tr_buf *b)
{
    size_t start = b->off;
    uint8_t version = tr_u8(b);
    tr_skip(b, 1);
    uint16_t len = tr_le16(b);
    if (b->err || version != 0 || len < 8)
        return 0;
    tr_skip(b, len - (b->off - start));
    if (b->err)
        return 0;
    return link_ieee80211(b);
}

uint16_t link_fddi(tr_buf *b)
{
    tr_skip(b, 13); /* frame control, destination, source */
    if (b->err)
        return 0;
    return llc_snap(b);
}

uint16_t link_nflog(tr_buf *b)
{
    uint8_t family = tr_u8(b);
    tr_skip(b, 3); /* version, resource id */
    if (b->err)
        return 0;
    for (int i = 0; i < NFLOG_TLVS_MAX && tr_left(b) >= 4; i++) {
        /* lengths and types are in the capturing host's byte order, which libpcap turns into the reader's */
        uint16_t tlv_len, tlv_type;
        tr_copy(b, &tlv_len, 2);
        tr_copy(b, &tlv_type, 2);
        if (tlv_len < 4)
            return 0;
        size_t value = tlv_len - 4u, padded = (tlv_len + 3u) & ~3u;
        if (tlv_type == NFULA_PAYLOAD) {
            tr_buf payload = tr_sub(b, value); /* the rest of the frame (padding, more attributes) left out */
            if (b->err)
                return 0;
            *b = payload;
            return family == NFLOG_AF_INET ? LINK_ETH_IPV4 : family == NFLOG_AF_INET6 ? LINK_ETH_IPV6 : 0;
        }
        if (padded - 4u > tr_left(b))
            break;
        tr_skip(b, padded - 4u);
    }
    return 0;
}

/* ARCNET protocol IDs (RFC 1201; the old ones, before it, have no split flag and sequence number) */
enum { ARC_IP = 212, ARC_INET6 = 196, ARC_IP_OLD = 240, ARC_ARP_OLD = 241, ARC_DIAGNOSE = 128 };

uint16_t link_arcnet_linux(tr_buf *b)
{
    tr_skip(b, 4); /* source and destination station, offset */
    uint8_t id = tr_u8(b);
    if (id != ARC_IP_OLD && id != ARC_ARP_OLD && id != ARC_DIAGNOSE)
        tr_skip(b, 3); /* split flag, sequence number */
    if (b->err)
        return 0;
    return id == ARC_IP || id == ARC_IP_OLD ? LINK_ETH_IPV4 : id == ARC_INET6 ? LINK_ETH_IPV6 : 0;
}
