/* link: the framings other than Ethernet's that can stand in front of an IP packet — PPP (RFC 1661, and in
 * HDLC-like framing, RFC 1662), PPPoE sessions (RFC 2516), Cisco HDLC, IEEE 802.11 data frames with their
 * LLC/SNAP header (RFC 1042), radiotap, FDDI, Linux NFLOG, Linux ARCNET. Each reads its header from the cursor, leaves the
 * cursor at what follows, and returns that as an Ethernet type (0x0800 IPv4, 0x86DD IPv6, ...), or 0 when
 * what follows is not a packet trawl decodes (control protocols, management frames, encrypted frames). A
 * header cut short sets the cursor's error. */
#ifndef LINK_H
#define LINK_H

#include <stdint.h>

#include "../core/tr_buf.h"

#define LINK_ETH_IPV4 0x0800
#define LINK_ETH_IPV6 0x86DD
#define LINK_ETH_PPPOE_SESSION 0x8864

/* PPP: the address and control bytes (FF 03) when present, then the protocol (one byte when compressed). */
uint16_t link_ppp(tr_buf *b);
/* A PPPoE session header (6 bytes), then the PPP protocol. */
uint16_t link_pppoe(tr_buf *b);
/* Cisco HDLC: address, control, then an Ethernet type. */
uint16_t link_chdlc(tr_buf *b);
/* PPP over a serial line, which may also carry Cisco HDLC (its address byte 0x0F or 0x8F). */
uint16_t link_ppp_serial(tr_buf *b);
/* An IEEE 802.11 frame (no FCS expected; trailing bytes do no harm). */
uint16_t link_ieee80211(tr_buf *b);
/* A radiotap header, then an 802.11 frame. */
uint16_t link_radiotap(tr_buf *b);
/* FDDI: frame control, two addresses, then LLC/SNAP. */
uint16_t link_fddi(tr_buf *b);
/* Linux NFLOG: the logged packet's payload attribute, its bytes left as the cursor's whole remainder. */
uint16_t link_nflog(tr_buf *b);
/* Linux ARCNET (RFC 1201): source, destination, offset, protocol ID, and after all but the old-style IDs
 * the split flag and sequence number. */
uint16_t link_arcnet_linux(tr_buf *b);

#endif
