/* bt: what BitTorrent's files share inside its room — the peer wire (dis_bittorrent.c), the torrent view across
 * sessions (bt_torrent.c), trackers over HTTP and UDP (bt_tracker.c), the DHT (bt_dht.c), uTP (bt_utp.c), client
 * names (bt_client.c) and the presenter (bt_present.c). Nothing outside dissectors/bt*.c includes it. */
#ifndef BT_H
#define BT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_dissector.h"
#include "../core/tr_layer.h"
#include "bencode.h"
#include "object.h"
#include "pairing.h"

#define BT_HASH_LEN 20
#define BT_HEX_LEN 41 /* 40 hex digits and a NUL */

extern const tr_dissector dis_bittorrent;
extern const tr_presenter bt_present;

/* ---- peer wire (dis_bittorrent.c) ---- */

/* The peer wire's state of one direction. */
enum bt_mode {
    BT_HANDSHAKE = 0, /* waiting for "\x13BitTorrent protocol" */
    BT_MSE,           /* not a handshake: MSE/PE; looking for a plaintext handshake after the key exchange */
    BT_MESSAGES,      /* length-prefixed messages */
    BT_RESYNC,        /* picked up mid-stream or after a gap: looking for where a message begins */
    BT_LOST,          /* an unreadable message, or no message found to resume at: nothing more this way */
};

#define BT_EXT_NAMES 8   /* extension names remembered per side (BEP 10 `m`) */
#define BT_EXT_NAME_MAX 24

typedef struct bt_ext_map {
    uint8_t id[BT_EXT_NAMES];
    char name[BT_EXT_NAMES][BT_EXT_NAME_MAX];
    uint8_t n;
} bt_ext_map;

typedef struct bt_wire_dir {
    uint8_t mode;          /* enum bt_mode */
    uint8_t handshake;     /* its handshake was read */
    uint8_t encrypted;     /* an MSE key exchange came first */
    uint8_t in_block;      /* inside a piece message's block */
    uint32_t block_index, block_begin, block_left, block_at;
    uint64_t mse_scanned;  /* bytes of MSE looked through for a handshake, or skipped to resynchronise */
    uint8_t peer_id[BT_HASH_LEN];
    bt_ext_map ext;        /* the ids this side asked to receive extension messages by */
    uint64_t piece_bytes;  /* block bytes this side sent */
    uint32_t metadata_size;
} bt_wire_dir;

typedef struct bt_wire {
    bt_wire_dir d[2];
    int32_t torrent;       /* index in the torrent view + 1; 0: none yet */
    uint8_t info_hash[BT_HASH_LEN];
    uint8_t have_hash;
    int16_t peer[2];       /* each side's entry in the torrent's peers + 1 */
} bt_wire;

/* ---- uTP (bt_utp.c) ---- */

#define BT_UTP_CONNS 4 /* uTP connections followed per UDP conversation */

typedef struct bt_utp_conn {
    uint16_t recv_id;      /* the SYN's connection_id: the initiator receives on it, sends on recv_id + 1 */
    uint16_t id[2];        /* the connection_id each direction sends with */
    uint8_t id_known[2];
    uint8_t used, established, initiator; /* initiator: the direction that sent the SYN */
    uint8_t midstream;     /* picked up at a data packet, its SYN not seen */
    uint8_t fin_seen[2], ended[2];
    uint16_t syn_seq;
    uint16_t next_seq[2];  /* the next data packet expected each way */
    uint16_t fin_seq[2];
    uint8_t have_next[2];
    uint32_t held[2];      /* packets waiting in the reorder window */
    tr_layer *layer;
    struct bt_utp_window *win; /* reorder window, from a pool while packets wait */
} bt_utp_conn;

/* ---- per session ---- */

#define BT_PAIR_CAP 64
#define BT_PAIR_KEY 16

/* What a query or UDP tracker request leaves for its answer. */
typedef struct bt_pending {
    uint8_t kind;           /* DHT query name index, or UDP tracker action + 1 */
    uint8_t info_hash[BT_HASH_LEN];
    uint8_t have_hash;
    uint8_t nhashes;        /* UDP scrape: how many info_hashes were asked, in order */
    uint8_t hashes[4][BT_HASH_LEN];
} bt_pending;

typedef struct bt_state {
    bt_wire w;                 /* TCP (and a uTP layer's inner session): the peer wire */
    bt_utp_conn utp[BT_UTP_CONNS];
    pair_queue pending;        /* DHT transaction ids and UDP tracker transaction ids */
    _Alignas(8) uint8_t pending_store[PAIR_STORAGE_SIZE(BT_PAIR_CAP, sizeof(bt_pending), BT_PAIR_KEY)];
    uint8_t pending_ready;
    uint8_t udp_kind_seen;     /* what the datagrams of this conversation were: bit 1 DHT, 2 uTP, 4 tracker */
    int8_t udpt_req_dir;       /* the direction a UDP tracker's requests come from (its connect's) */
} bt_state;

/* The one event buffer BitTorrent's files fill (tr_event is large). Filled and emitted without calling out in
 * between, so a layered stream's events (uTP) never meet a half-built one. */
extern tr_event bt_ev;

/* The session the peers' addresses are on: the outer one for a layered (uTP) stream. */
static inline tr_session *bt_outer(tr_session *s) { return s->outer ? s->outer : s; }

/* peer wire: the TCP side of the vtable, also the inner dissector of uTP layers */
size_t bt_wire_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need);
void bt_wire_gap(tr_session *s, int dir, uint64_t n);
void bt_wire_close(tr_session *s, int reason);
int bt_is_handshake(const uint8_t *p, size_t n);

/* ---- UDP: DHT, uTP, UDP trackers ---- */

int bt_dht_probe(const uint8_t *p, size_t n);
int bt_dht_datagram(tr_session *s, int dir, const uint8_t *p, size_t n); /* 1 when it was KRPC */
int bt_utp_probe(const uint8_t *p, size_t n);
int bt_utp_datagram(tr_session *s, int dir, const uint8_t *p, size_t n); /* 1 when it was uTP */
void bt_utp_close(tr_session *s, int reason);
int bt_udpt_probe(const uint8_t *p, size_t n, int dir);
int bt_udpt_datagram(tr_session *s, int dir, const uint8_t *p, size_t n); /* 1 when it was a UDP tracker's */
void bt_pending_ready(bt_state *st);

/* ---- trackers over HTTP (bt_tracker.c) ---- */

extern const tr_inside bt_inside_http;

/* ---- the torrent view across sessions (bt_torrent.c) ---- */

typedef struct bt_global bt_global;
size_t bt_global_size(void);
void bt_finish(tr_ctx *ctx, void *global);

/* The torrent of info_hash (made when new; -1 when the view is full). */
int bt_torrent_of(tr_session *s, const uint8_t ih[BT_HASH_LEN]);
/* A peer connection of the torrent: this side's endpoint, client, and which session (for up/down). */
int bt_torrent_peer(tr_session *s, int t, int dir, const uint8_t peer_id[BT_HASH_LEN]);
/* n block bytes sent by peer `from` to peer `to` (either may be -1: not listed). */
void bt_torrent_peer_bytes(tr_session *s, int t, int from, int to, uint64_t n);
void bt_torrent_tracker(tr_session *s, int t, const char *url);
enum { BT_DHT_GET_PEERS, BT_DHT_ANNOUNCE, BT_DHT_VALUES };
void bt_torrent_dht(tr_session *s, int t, int what, uint32_t n);
/* Bytes of a block of a piece: the n bytes at `at` in the block of `length` bytes at `begin` of piece `index`,
 * written by offset into the torrent's files when the layout is known, gathered for the piece's SHA-1 check. A block
 * past its piece's end is an anomaly once (at its first bytes), however the block was cut. */
void bt_torrent_block(tr_session *s, int t, uint32_t index, uint32_t begin, uint32_t length, uint32_t at,
                      const uint8_t *p, size_t n);
/* The export path of the file where a block's first byte goes (NULL while the layout is unknown). */
const char *bt_torrent_block_path(tr_session *s, int t, uint32_t index, uint32_t begin);
/* ut_metadata: the size a peer announced, and a piece of it (BEP 9). */
void bt_torrent_metadata_size(tr_session *s, int t, uint64_t size);
void bt_torrent_metadata_piece(tr_session *s, int t, uint32_t piece, const uint8_t *p, size_t n, int dir);
/* A whole .torrent file (fetched over HTTP): read, its info dictionary hashed, its layout learnt. */
void bt_torrent_file(tr_session *s, const uint8_t *p, size_t n, int dir);
/* Whether the torrent's metadata is known. */
int bt_torrent_has_metadata(tr_session *s, int t);
/* The session is closing: buffers it was charged for stay with the view but leave its account. */
void bt_torrent_session_closed(tr_session *s);

/* ---- names (bt_client.c) ---- */

/* The client a peer id names ("Transmission 3.00"), written to out; "" when unknown. */
void bt_client_name(const uint8_t peer_id[BT_HASH_LEN], char *out, size_t cap);
void bt_hex(const uint8_t *p, size_t n, char *out); /* out: 2n + 1 bytes */
/* A compact peer (4 or 16 address bytes, then the port) as ip:port ([ip]:port for IPv6). */
void bt_compact_peer(const uint8_t *p, size_t alen, char *out, size_t cap);

#endif
