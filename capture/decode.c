#include "decode.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "link.h"
#include "tunnel.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8
#define ETH_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT 8
#define LINKTYPE_RAW 101
#define LINKTYPE_SLL2 276
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define MAX_MPLS_LABELS 8
#define MAX_IP_NESTING 3 /* IP-in-IP / 6in4 / 4in6 tunnels */
#define IPPROTO_IPIP 4
#define IPPROTO_IPV6_IN_IP 41

/* Link layers whose header says what follows as an Ethernet type (capture/link.h). */
static const struct framing {
    int linktype;
    uint16_t (*read)(tr_buf *b);
    const char *name;
} framings[] = {
    {DLT_PPP, link_ppp, "PPP"},
    {DLT_PPP_SERIAL, link_ppp_serial, "PPP"},
    {DLT_PPP_ETHER, link_pppoe, "PPPoE"},
    {DLT_C_HDLC, link_chdlc, "Cisco HDLC"},
    {DLT_IEEE802_11, link_ieee80211, "802.11"},
    {DLT_IEEE802_11_RADIO, link_radiotap, "radiotap or 802.11"},
    {DLT_FDDI, link_fddi, "FDDI"},
    {DLT_NFLOG, link_nflog, "NFLOG"},
    {DLT_ARCNET_LINUX, link_arcnet_linux, "ARCNET"},
};

static const struct framing *framing_of(int lt)
{
    for (size_t i = 0; i < sizeof framings / sizeof framings[0]; i++)
        if (framings[i].linktype == lt)
            return &framings[i];
    return NULL;
}

int decoder_supports(int lt)
{
    if (framing_of(lt))
        return 1;
    switch (lt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case LINKTYPE_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case LINKTYPE_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
#if defined(DLT_RAW) && DLT_RAW != 14
    case 14: /* DLT_RAW on some BSDs */
#endif
        return 1;
    }
    return 0;
}

void decoder_set_linktype(decoder *d, int linktype)
{
    d->linktype = linktype;
    d->framing = framing_of(linktype);
    d->unsupported = !decoder_supports(linktype);
}

int decoder_init(decoder *d, int linktype, tr_ctx *ctx)
{
    memset(d, 0, sizeof *d);
    if (!decoder_supports(linktype))
        return -1;
    decoder_set_linktype(d, linktype);
    d->ctx = ctx;
    ipfrag_init(&d->frags, ctx);
    return 0;
}

void decoder_free(decoder *d) { ipfrag_free(&d->frags); }

static int bad(decoder *d, const char *name, const char *detail)
{
    d->bad++;
    tr_anomaly(d->ctx, NULL, TR_NODIR, name, "%s", detail);
    return DECODE_BAD;
}

static int decode_ip(decoder *d, int64_t ts, tr_buf *b, tr_packet *out, int depth);
static int decode_ethernet(decoder *d, int64_t ts, tr_buf *b, tr_packet *out, int depth);

/* TCP or UDP header over the (possibly reassembled) L4 bytes; tunnelled IP goes round again. */
static int decode_l4(decoder *d, int64_t ts, uint8_t proto, const uint8_t *p, size_t n, tr_packet *out, int depth)
{
    tr_buf b = tr_buf_make(p, n);
    if ((proto == IPPROTO_IPIP || proto == IPPROTO_IPV6_IN_IP) && depth < MAX_IP_NESTING) {
        out->has_mac = 0; /* the link addresses were the tunnel's ends, not the inner hosts' */
        return decode_ip(d, ts, &b, out, depth + 1);
    }
    if (proto == 6) {
        out->sport = tr_be16(&b);
        out->dport = tr_be16(&b);
        out->seq = tr_be32(&b);
        out->ack = tr_be32(&b);
        uint8_t off = tr_u8(&b) >> 4;
        out->tcp_flags = tr_u8(&b);
        if (b.err)
            return bad(d, "tcp_truncated", "TCP header cut short");
        if (off < 5)
            return bad(d, "tcp_malformed", "TCP data offset below 5");
        tr_buf hdr = tr_buf_make(p, n);
        tr_skip(&hdr, (size_t)off * 4);
        out->l4 = 6;
        if (hdr.err) {
            /* the fixed header is whole, so the segment still counts (as tshark counts it: a SYN whose options
             * the snap length cut is still the handshake), without options or payload */
            tr_anomaly(d->ctx, NULL, TR_NODIR, "tcp_truncated", "%s", "TCP options cut short");
            out->payload = NULL;
            out->payload_len = 0;
            return DECODE_OK;
        }
        out->payload = tr_rest(&hdr, &out->payload_len);
        return DECODE_OK;
    }
    if (proto == 17) {
        out->sport = tr_be16(&b);
        out->dport = tr_be16(&b);
        uint16_t len = tr_be16(&b);
        tr_skip(&b, 2);
        if (b.err)
            return bad(d, "udp_truncated", "UDP header cut short");
        out->l4 = 17;
        size_t avail;
        out->payload = tr_rest(&b, &avail);
        /* a zero length is legal for jumbograms and offloaded packets: trust the IP length then */
        if (len >= 8 && (size_t)len - 8 <= avail)
            avail = (size_t)len - 8;
        out->payload_len = avail;
        if (depth < MAX_IP_NESTING) { /* a tunnel's datagram is the packet it carries (capture/tunnel.h) */
            tr_buf inner = tr_buf_make(out->payload, out->payload_len);
            int kind = tunnel_udp(out->sport, out->dport, &inner);
            if (kind == TUNNEL_IP) {
                out->has_mac = 0;
                return decode_ip(d, ts, &inner, out, depth + 1);
            }
            if (kind == TUNNEL_ETHERNET)
                return decode_ethernet(d, ts, &inner, out, depth + 1);
        }
        return DECODE_OK;
    }
    d->skipped++;
    return DECODE_SKIP;
}

/* One fragment (IPv4 or IPv6, addresses already in out): held until its datagram is whole, then decoded. */
static int decode_fragment(decoder *d, int64_t ts, uint32_t id, uint8_t proto, uint32_t offset, int more,
                           const uint8_t *p, size_t n, tr_packet *out, int depth)
{
    const uint8_t *dg;
    size_t dlen;
    int r = ipfrag_add(&d->frags, ts, &out->src, &out->dst, id, proto, offset, more, p, n, &dg, &dlen);
    if (r < 0) {
        d->bad++;
        return DECODE_BAD;
    }
    if (r == 0) {
        d->skipped++;
        return DECODE_SKIP;
    }
    return decode_l4(d, ts, proto, dg, dlen, out, depth);
}

static int decode_ipv4(decoder *d, int64_t ts, tr_buf *b, tr_packet *out, int depth)
{
    size_t start = b->off;
    uint8_t vihl = tr_u8(b);
    tr_skip(b, 1);
    uint16_t total = tr_be16(b);
    uint16_t id = tr_be16(b);
    uint16_t frag = tr_be16(b);
    tr_skip(b, 1);
    uint8_t proto = tr_u8(b);
    tr_skip(b, 2);
    const uint8_t *src = tr_bytes(b, 4), *dst = tr_bytes(b, 4);
    if (b->err)
        return bad(d, "ipv4_truncated", "IPv4 header cut short");
    size_t ihl = (size_t)(vihl & 15) * 4;
    if ((vihl >> 4) != 4 || ihl < 20)
        return bad(d, "ipv4_malformed", "bad IPv4 version or header length");
    tr_buf whole = tr_buf_make(b->p + start, b->len - start);
    tr_skip(&whole, ihl); /* options */
    if (whole.err)
        return bad(d, "ipv4_truncated", "IPv4 options cut short");
    size_t avail = tr_left(&whole);
    /* total == 0 happens with TSO on the sending host: take what was captured */
    if (total != 0) {
        if (total < ihl)
            return bad(d, "ipv4_malformed", "IPv4 total length below header length");
        if ((size_t)total - ihl < avail)
            avail = (size_t)total - ihl; /* Ethernet padding */
    }
    tr_ip_set4(&out->src, src);
    tr_ip_set4(&out->dst, dst);
    const uint8_t *payload = tr_bytes(&whole, avail);
    uint32_t offset = (uint32_t)(frag & 0x1FFF) * 8;
    int more = (frag & 0x2000) != 0;
    if (offset || more)
        return decode_fragment(d, ts, id, proto, offset, more, payload, avail, out, depth);
    return decode_l4(d, ts, proto, payload, avail, out, depth);
}

static int decode_ipv6(decoder *d, int64_t ts, tr_buf *b, tr_packet *out, int depth)
{
    uint32_t vtf = tr_be32(b);
    uint16_t plen = tr_be16(b);
    uint8_t next = tr_u8(b);
    tr_skip(b, 1);
    const uint8_t *src = tr_bytes(b, 16), *dst = tr_bytes(b, 16);
    if (b->err)
        return bad(d, "ipv6_truncated", "IPv6 header cut short");
    if ((vtf >> 28) != 6)
        return bad(d, "ipv6_malformed", "bad IPv6 version");
    tr_ip_set6(&out->src, src);
    tr_ip_set6(&out->dst, dst);
    size_t avail = tr_left(b);
    if (plen != 0 && plen < avail) /* plen 0: jumbogram or offload; take what was captured */
        avail = plen;
    tr_buf pl = tr_sub(b, avail);
    int frag = 0, more = 0;
    uint32_t offset = 0, id = 0;
    for (int i = 0; i < MAX_IPV6_EXT; i++) {
        if (next == 0 || next == 43 || next == 60 || next == 51) { /* hop-by-hop, routing, dest opts, AH */
            uint8_t nh = tr_u8(&pl);
            uint8_t hl = tr_u8(&pl);
            size_t len = next == 51 ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
            tr_skip(&pl, len - 2);
            next = nh;
        } else if (next == 44) {
            uint8_t nh = tr_u8(&pl);
            tr_skip(&pl, 1);
            uint16_t fo = tr_be16(&pl);
            id = tr_be32(&pl);
            frag = 1;
            offset = fo & 0xFFF8;
            more = fo & 1;
            next = nh;
        } else
            break;
        if (pl.err)
            return bad(d, "ipv6_truncated", "IPv6 extension header cut short");
    }
    size_t n;
    const uint8_t *p = tr_rest(&pl, &n);
    if (frag && (offset || more))
        return decode_fragment(d, ts, id, next, offset, more, p, n, out, depth);
    return decode_l4(d, ts, next, p, n, out, depth);
}

static int decode_ip(decoder *d, int64_t ts, tr_buf *b, tr_packet *out, int depth)
{
    if (tr_left(b) < 1)
        return bad(d, "ip_truncated", "no IP header");
    uint8_t v = b->p[b->off] >> 4;
    if (v == 4)
        return decode_ipv4(d, ts, b, out, depth);
    if (v == 6)
        return decode_ipv6(d, ts, b, out, depth);
    d->skipped++;
    return DECODE_SKIP;
}

static int decode_ethertype(decoder *d, int64_t ts, tr_buf *b, uint16_t type, tr_packet *out, int depth)
{
    for (int tags = 0; (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD); tags++) {
        if (tags >= MAX_VLAN_TAGS)
            return bad(d, "vlan_too_deep", "more than 4 VLAN tags");
        tr_skip(b, 2);
        type = tr_be16(b);
        if (b->err)
            return bad(d, "vlan_truncated", "VLAN tag cut short");
    }
    if (type == ETH_MPLS || type == ETH_MPLS_MC) {
        /* label stack; the payload's first nibble says IPv4 or IPv6 */
        for (int i = 0;; i++) {
            uint32_t label = tr_be32(b);
            if (b->err)
                return bad(d, "mpls_truncated", "MPLS label cut short");
            if (label & 0x100)
                break; /* bottom of stack */
            if (i >= MAX_MPLS_LABELS)
                return bad(d, "mpls_too_deep", "more than 8 MPLS labels");
        }
        return decode_ip(d, ts, b, out, depth);
    }
    if (type == LINK_ETH_PPPOE_SESSION) {
        type = link_pppoe(b);
        if (b->err)
            return bad(d, "pppoe_truncated", "PPPoE header cut short");
    }
    if (type == ETH_IPV4 || type == ETH_IPV6)
        return decode_ip(d, ts, b, out, depth);
    d->skipped++;
    return DECODE_SKIP;
}

static int decode_ethernet(decoder *d, int64_t ts, tr_buf *b, tr_packet *out, int depth)
{
    const uint8_t *macs = tr_bytes(b, 12); /* destination, source */
    if (macs) { /* a tunnel's inner frame: its addresses are the inner hosts' */
        memcpy(out->dst_mac, macs, 6);
        memcpy(out->src_mac, macs + 6, 6);
        out->has_mac = 3;
    }
    uint16_t type = tr_be16(b);
    if (b->err)
        return bad(d, "ethernet_truncated", "Ethernet header cut short");
    return decode_ethertype(d, ts, b, type, out, depth);
}

static int decode_framed(decoder *d, int64_t ts, tr_buf *b, tr_packet *out)
{
    const struct framing *f = d->framing;
    uint16_t type = f->read(b);
    if (b->err) {
        char detail[64];
        snprintf(detail, sizeof detail, "%s header cut short", f->name);
        return bad(d, "link_truncated", detail);
    }
    return decode_ethertype(d, ts, b, type, out, 0);
}

int decode_packet(decoder *d, int64_t ts_us, const uint8_t *data, size_t caplen, tr_packet *out)
{
    memset(out, 0, sizeof *out);
    out->ts_us = ts_us;
    d->packets++;
    if (d->unsupported) {
        d->skipped++;
        return DECODE_SKIP;
    }
    tr_buf b = tr_buf_make(data, caplen);
    switch (d->linktype) {
    case DLT_EN10MB:
        return decode_ethernet(d, ts_us, &b, out, 0);
    case DLT_LINUX_SLL: {
        tr_skip(&b, 4); /* packet type, address type */
        uint16_t alen = tr_be16(&b);
        const uint8_t *addr = tr_bytes(&b, 8);
        if (addr && alen == 6) {
            memcpy(out->src_mac, addr, 6);
            out->has_mac = 1;
        }
        uint16_t type = tr_be16(&b);
        if (b.err)
            return bad(d, "sll_truncated", "Linux cooked header cut short");
        return decode_ethertype(d, ts_us, &b, type, out, 0);
    }
    case LINKTYPE_SLL2: {
        uint16_t type = tr_be16(&b);
        tr_skip(&b, 18);
        if (b.err)
            return bad(d, "sll2_truncated", "Linux cooked v2 header cut short");
        return decode_ethertype(d, ts_us, &b, type, out, 0);
    }
    case DLT_NULL:
    case DLT_LOOP: {
        /* the address family is in host byte order of the capturing machine: accept either order */
        tr_skip(&b, 4);
        if (b.err)
            return bad(d, "null_truncated", "loopback header cut short");
        return decode_ip(d, ts_us, &b, out, 0);
    }
    default:
        if (d->framing)
            return decode_framed(d, ts_us, &b, out);
        /* raw IPv4/IPv6 */
        return decode_ip(d, ts_us, &b, out, 0);
    }
}
