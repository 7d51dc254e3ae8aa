/* bt_utp: uTP, the Micro Transport Protocol (BEP 29) — BitTorrent's peer wire over UDP. Each connection's payloads
 * are put in order and handed to the peer-wire dissector as a layered stream (core/tr_layer.h), so peer wire over
 * uTP decodes exactly as over TCP.
 *
 *   0       4       8               16              24              32
 *   +-------+-------+---------------+---------------+---------------+
 *   | type  | ver 1 | extension     | connection_id                 |
 *   +-------+-------+---------------+---------------+---------------+
 *   | timestamp_microseconds                                        |
 *   | timestamp_difference_microseconds                             |
 *   | wnd_size                                                      |
 *   | seq_nr                        | ack_nr                        |
 *   +---------------+---------------+---------------+---------------+
 *   then extensions (next type, length, bytes), then the payload.
 *   type: ST_DATA 0, ST_FIN 1, ST_STATE 2 (an ack), ST_RESET 3, ST_SYN 4.
 *
 * The SYN's sender receives on connection_id and sends on connection_id + 1; the other side the reverse. Its first
 * data packet is seq_nr(SYN) + 1; the answering side's first is the seq_nr of the STATE that accepted the SYN.
 *
 * Order: uTP numbers packets, not bytes, so byte sequence numbers (tr_layer_segment) cannot be known for a packet
 * whose predecessors are missing. Instead a packet that comes early waits in a small reorder window (BT_UTP_WINDOW
 * packets a direction, copied; the window is taken for a connection only when a packet must wait, and counted on
 * the session), and packets go to tr_layer_data in seq_nr order. A duplicate (seq_nr already passed) is dropped.
 * When the window is full or a packet is too far ahead, the missing packets are given up as a gap (tr_layer_gap,
 * their size guessed from the packets around them) and delivery goes on from the oldest waiting packet. Selective
 * acks (extension 1) say what the receiver has and change no bytes: they are skipped.
 *
 * False positives: a short datagram of another protocol can look like a uTP header. The probe takes only a bare
 * SYN (version 1, type 4, a valid extension chain, no payload), and no stream is opened until a STATE answers the
 * SYN on its connection id acknowledging its seq_nr. A conversation already BitTorrent's (its port, the DHT on it)
 * may carry a connection whose SYN the capture missed: it is picked up at a data packet with a payload, the peer
 * wire read from where its messages' shape fits. */
#include <stdlib.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "bt.h"

#define UTP_HEADER 20
#define UTP_EXT_MAX 8
#define BT_UTP_WINDOW 16
#define BT_UTP_PAYLOAD_MAX 2048 /* one datagram's payload (uTP keeps to the path MTU) */
#define UTP_SEEN 2              /* bt_state.udp_kind_seen */

enum { ST_DATA = 0, ST_FIN = 1, ST_STATE = 2, ST_RESET = 3, ST_SYN = 4 };

typedef struct utp_slot {
    uint16_t seq, len;
    uint8_t used;
    uint8_t data[BT_UTP_PAYLOAD_MAX];
} utp_slot;

struct bt_utp_window {
    utp_slot slot[2][BT_UTP_WINDOW];
};

typedef struct utp_hdr {
    uint8_t type, ver;
    uint16_t conn_id, seq, ack;
    uint32_t wnd;
    const uint8_t *payload;
    size_t payload_n;
} utp_hdr;

static int utp_read(const uint8_t *p, size_t n, utp_hdr *h)
{
    tr_buf b = tr_buf_make(p, n);
    uint8_t tv = tr_u8(&b);
    h->type = tv >> 4;
    h->ver = tv & 15;
    uint8_t ext = tr_u8(&b);
    h->conn_id = tr_be16(&b);
    tr_skip(&b, 8); /* timestamps */
    h->wnd = tr_be32(&b);
    h->seq = tr_be16(&b);
    h->ack = tr_be16(&b);
    if (b.err || h->ver != 1 || h->type > ST_SYN)
        return 0;
    for (int i = 0; ext && i < UTP_EXT_MAX; i++) {
        ext = tr_u8(&b);
        uint8_t len = tr_u8(&b);
        tr_skip(&b, len);
    }
    if (b.err || ext)
        return 0;
    h->payload = tr_rest(&b, &h->payload_n);
    return 1;
}

int bt_utp_probe(const uint8_t *p, size_t n)
{
    utp_hdr h;
    if (!utp_read(p, n, &h) || h.type != ST_SYN || h.payload_n || !h.wnd)
        return TR_PROBE_NO;
    return TR_PROBE_YES;
}

/* The connection a packet of dir with connection_id id belongs to. A connection picked up mid-way knows one
 * direction's id; the other's is one more or one less. */
static bt_utp_conn *conn_find(bt_state *st, int dir, uint16_t id)
{
    for (int i = 0; i < BT_UTP_CONNS; i++) {
        bt_utp_conn *c = &st->utp[i];
        if (!c->used)
            continue;
        if (c->id_known[dir] ? c->id[dir] == id
                             : c->id_known[!dir] && (id == (uint16_t)(c->id[!dir] + 1) || id == (uint16_t)(c->id[!dir] - 1))) {
            c->id[dir] = id;
            c->id_known[dir] = 1;
            return c;
        }
    }
    return NULL;
}

static void conn_free(tr_session *s, bt_utp_conn *c, int reason)
{
    tr_layer_close(c->layer, reason);
    if (c->win) {
        free(c->win);
        s->state_extra -= sizeof *c->win;
    }
    memset(c, 0, sizeof *c);
}

static void fin_check(bt_utp_conn *c, int dir)
{
    if (c->fin_seen[dir] && !c->ended[dir] && c->next_seq[dir] == c->fin_seq[dir]) {
        c->ended[dir] = 1;
        tr_layer_end(c->layer, dir);
    }
}

/* Hands over what waits in order after next_seq. */
static void drain(bt_utp_conn *c, int dir)
{
    for (int guard = 0; c->win && c->held[dir] && guard < BT_UTP_WINDOW; guard++) {
        utp_slot *hit = NULL;
        for (int i = 0; i < BT_UTP_WINDOW; i++) {
            utp_slot *sl = &c->win->slot[dir][i];
            if (sl->used && sl->seq == c->next_seq[dir])
                hit = sl;
        }
        if (!hit)
            break;
        tr_layer_data(c->layer, dir, hit->data, hit->len);
        hit->used = 0;
        c->held[dir]--;
        c->next_seq[dir]++;
    }
    fin_check(c, dir);
}

/* The window is full or a packet is too far ahead: the missing packets are a gap, delivery goes on from the
 * oldest waiting one. */
static void give_up(bt_utp_conn *c, int dir, size_t guess)
{
    uint16_t best = 0;
    int found = 0;
    for (int i = 0; c->win && i < BT_UTP_WINDOW; i++) {
        utp_slot *sl = &c->win->slot[dir][i];
        if (sl->used && (!found || (int16_t)(sl->seq - best) < 0)) {
            best = sl->seq;
            found = 1;
        }
    }
    uint16_t missing = found ? (uint16_t)(best - c->next_seq[dir]) : 1;
    tr_layer_gap(c->layer, dir, (uint64_t)missing * (guess ? guess : 1));
    c->next_seq[dir] = found ? best : (uint16_t)(c->next_seq[dir] + 1);
    drain(c, dir);
}

static void data_packet(tr_session *s, bt_utp_conn *c, int dir, const utp_hdr *h)
{
    if (!c->layer || c->ended[dir])
        return;
    if (!c->have_next[dir]) { /* the accepting side's first data: at its STATE's seq_nr, or just after */
        c->have_next[dir] = 1;
        if ((uint16_t)(h->seq - c->next_seq[dir]) == 1 || c->midstream)
            c->next_seq[dir] = h->seq;
    }
    for (int round = 0; round < 2; round++) {
        int16_t d = (int16_t)(h->seq - c->next_seq[dir]);
        if (d < 0)
            return; /* a duplicate */
        if (d == 0) {
            tr_layer_data(c->layer, dir, h->payload, h->payload_n);
            c->next_seq[dir]++;
            drain(c, dir);
            return;
        }
        if (d < BT_UTP_WINDOW && h->payload_n <= BT_UTP_PAYLOAD_MAX && c->held[dir] < BT_UTP_WINDOW) {
            if (!c->win) {
                c->win = calloc(1, sizeof *c->win); /* per connection, only once a packet must wait */
                if (!c->win)
                    return;
                s->state_extra += sizeof *c->win;
            }
            for (int i = 0; i < BT_UTP_WINDOW; i++) {
                utp_slot *sl = &c->win->slot[dir][i];
                if (sl->used && sl->seq == h->seq)
                    return; /* held already */
            }
            for (int i = 0; i < BT_UTP_WINDOW; i++) {
                utp_slot *sl = &c->win->slot[dir][i];
                if (!sl->used) {
                    sl->used = 1;
                    sl->seq = h->seq;
                    sl->len = (uint16_t)h->payload_n;
                    memcpy(sl->data, h->payload, h->payload_n);
                    c->held[dir]++;
                    return;
                }
            }
        }
        give_up(c, dir, h->payload_n);
    }
}

/* A connection whose SYN was not seen, picked up at a data packet of a conversation already BitTorrent's: the
 * peer wire inside starts mid-stream, at the first place its messages' shape fits. */
static bt_utp_conn *midstream_open(tr_session *s, bt_state *st, int dir, const utp_hdr *h)
{
    for (int i = 0; i < BT_UTP_CONNS; i++) {
        bt_utp_conn *c = &st->utp[i];
        if (c->used)
            continue;
        c->used = c->established = c->midstream = 1;
        c->id[dir] = h->conn_id;
        c->id_known[dir] = 1;
        c->next_seq[dir] = h->seq;
        c->have_next[dir] = 1;
        c->layer = tr_layer_open(s, &dis_bittorrent);
        tr_session *inner = c->layer ? tr_layer_session(c->layer) : NULL;
        if (inner && inner->state) {
            bt_state *is = inner->state;
            is->w.d[0].mode = is->w.d[1].mode = BT_RESYNC;
        }
        st->udp_kind_seen |= UTP_SEEN;
        return c;
    }
    return NULL;
}

int bt_utp_datagram(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_state *st = s->state;
    utp_hdr h;
    if (!utp_read(p, n, &h))
        return 0;
    if (h.type == ST_SYN) {
        if (h.payload_n)
            return 0;
        for (int i = 0; i < BT_UTP_CONNS; i++)
            if (st->utp[i].used && st->utp[i].recv_id == h.conn_id && st->utp[i].initiator == dir)
                return 1; /* sent again */
        for (int i = 0; i < BT_UTP_CONNS; i++) {
            bt_utp_conn *c = &st->utp[i];
            if (c->used)
                continue;
            c->used = 1;
            c->recv_id = h.conn_id;
            c->initiator = (uint8_t)dir;
            c->id[dir] = (uint16_t)(h.conn_id + 1);
            c->id[!dir] = h.conn_id;
            c->id_known[0] = c->id_known[1] = 1;
            c->syn_seq = h.seq;
            st->udp_kind_seen |= UTP_SEEN;
            return 1;
        }
        tr_anomaly(s->ctx, s, dir, "bt_utp_connections", "more than %d uTP connections in one conversation",
                   BT_UTP_CONNS);
        return 1;
    }
    bt_utp_conn *c = conn_find(st, dir, h.conn_id);
    if (!c) {
        if (h.type != ST_DATA || !h.payload_n)
            return 0;
        c = midstream_open(s, st, dir, &h); /* its SYN went by before the capture began */
        if (!c)
            return 0;
    }
    if (!c->established) {
        /* only a STATE from the other side acknowledging the SYN makes it a connection */
        if (h.type != ST_STATE || dir == c->initiator || h.ack != c->syn_seq)
            return 1;
        c->established = 1;
        c->next_seq[c->initiator] = (uint16_t)(c->syn_seq + 1);
        c->have_next[c->initiator] = 1;
        c->next_seq[!c->initiator] = h.seq;
        c->layer = tr_layer_open(s, &dis_bittorrent);
        return 1;
    }
    switch (h.type) {
    case ST_DATA:
        data_packet(s, c, dir, &h);
        break;
    case ST_FIN:
        if (!c->fin_seen[dir]) {
            c->fin_seen[dir] = 1;
            c->fin_seq[dir] = h.seq;
            if (!c->have_next[dir]) {
                c->have_next[dir] = 1;
                c->next_seq[dir] = h.seq;
            }
            fin_check(c, dir);
        }
        break;
    case ST_RESET:
        conn_free(s, c, TR_END_RST);
        break;
    default:
        break; /* ST_STATE: acks */
    }
    return 1;
}

void bt_utp_close(tr_session *s, int reason)
{
    bt_state *st = s->state;
    for (int i = 0; i < BT_UTP_CONNS; i++)
        if (st->utp[i].used)
            conn_free(s, &st->utp[i], reason);
}
