/* fuzz_link: the framings of capture/link.c on arbitrary bytes, then the whole decoder on the same frame with
 * that link type, and the same bytes as the payload of each UDP tunnel of capture/tunnel.c. Byte 0 picks the
 * framing. Checks the promises of capture/link.h (the cursor stays inside the frame, its end may only move
 * closer, for NFLOG's payload; an error leaves 0) and of tunnel.h (a tunnel leaves the cursor inside). */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/link.h"
#include "capture/tunnel.h"

static const struct {
    uint16_t (*framing)(tr_buf *);
    int linktype;
} framings[] = {
    {link_ppp, DLT_PPP},          {link_ppp_serial, DLT_PPP_SERIAL},   {link_pppoe, DLT_PPP_ETHER},
    {link_chdlc, DLT_C_HDLC},     {link_ieee80211, DLT_IEEE802_11},    {link_radiotap, DLT_IEEE802_11_RADIO},
    {link_fddi, DLT_FDDI},        {link_nflog, DLT_NFLOG},             {link_arcnet_linux, DLT_ARCNET_LINUX},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t k = data[0] % (sizeof framings / sizeof framings[0]), n = size - 1;
    uint8_t *frame = malloc(n ? n : 1); /* exactly n bytes, so ASan sees reads past the frame */
    memcpy(frame, data + 1, n);
    tr_buf b = tr_buf_make(frame, n);
    uint16_t type = framings[k].framing(&b);
    if (b.len > n || b.off > b.len || (b.err && type != 0))
        abort();

    static const uint16_t tunnel_ports[] = {4789, 4790, 6081, 2152, 3544};
    for (size_t i = 0; i < sizeof tunnel_ports / sizeof tunnel_ports[0]; i++) {
        tr_buf t = tr_buf_make(frame, n);
        int inner = tunnel_udp(40000, tunnel_ports[i], &t);
        if (t.err || t.len != n || t.off > n || (inner == TUNNEL_NONE && t.off != 0))
            abort();
    }

    tr_ctx ctx;
    tr_ctx_init(&ctx);
    decoder d;
    if (decoder_init(&d, framings[k].linktype, &ctx) != 0)
        abort();
    tr_packet p;
    (void)decode_packet(&d, 1, frame, n, &p);
    decoder_free(&d);
    free(frame);
    return 0;
}
