/* dis_bittorrent: BitTorrent's peer wire (BEP 3) with the fast extension (BEP 6), the extension protocol (BEP 10),
 * ut_metadata (BEP 9) and ut_pex (BEP 11), found by its handshake on any port; MSE/PE connections marked encrypted,
 * and read on from where a plaintext handshake follows the key exchange. The same vtable takes BitTorrent's
 * datagrams (the DHT, BEP 5: bt_dht.c; uTP, BEP 29: bt_utp.c; UDP trackers, BEP 15: bt_tracker.c) and holds the
 * torrent view across sessions (bt_torrent.c): one protocol, one registry line, one name.
 *
 * Handshake (68 bytes, each side, before anything else):
 *
 *   +----+---------------------+----------+-----------------+-----------------+
 *   | 19 | "BitTorrent protocol" | reserved |  info_hash (20) |   peer_id (20)  |
 *   +----+---------------------+----------+-----------------+-----------------+
 *          reserved[5] & 0x10: extension protocol (BEP 10); reserved[7] & 0x04: fast (BEP 6); & 0x01: DHT
 *
 * Then messages, each length-prefixed:
 *
 *   +----------------+----+---------------------------------------------+
 *   | length (4, BE) | id | payload (length - 1)                        |   length 0: keep-alive
 *   +----------------+----+---------------------------------------------+
 *     piece (7): index (4) begin (4) block;  request (6), cancel (8), reject (16): index begin length;
 *     extended (20): ext id (1), then a bencoded dictionary (and for ut_metadata data, the piece after it)
 *
 * A piece message's block is not held: its 13-byte head is read, then its bytes go by offset to the torrent view
 * as they arrive (no message needs the engine to keep more than BT_MSG_MAX bytes).
 *
 * MSE/PE (Message Stream Encryption): the initiator opens with a Diffie-Hellman key (96 bytes) and up to 512 bytes of
 * padding, the other side answers alike, and the rest is RC4 unless both chose plaintext — then the peer wire
 * follows in clear after the (encrypted) key-exchange fields. A direction that does not start with the handshake is
 * searched for one in its first BT_MSE_SCAN_MAX bytes; not found, the connection is encrypted (decode_end). One side's
 * handshake may travel encrypted as MSE's initial payload (IA) while plaintext was chosen: once the other side's
 * plaintext handshake is seen, that side is read on from the first place its messages' shape fits (BT_RESYNC). */
#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "bt.h"

#define BT_PSTR "\x13" "BitTorrent protocol"
#define BT_PSTR_LEN 20
#define BT_HANDSHAKE_LEN 68
#define BT_MSG_MAX (1u << 20)      /* a non-piece message longer than this is not BitTorrent's (bitfields of a
                                      million pieces are 128 KB; extension messages carry 16 KB of metadata) */
#define BT_BLOCK_MAX (1u << 17)    /* a block longer than 128 KB: clients refuse requests over 16 KB */
#define BT_MSE_SCAN_MAX 1400       /* Ya + PadA + the hashes + VC, crypto_provide, PadC (BEP-less MSE spec) */
#define BT_LIST_MAX 200            /* peers listed from one ut_pex message */
#define BT_RESYNC_MAX (256u << 10) /* bytes skipped looking for a message boundary before giving up */

tr_event bt_ev;

/* Message ids (BEP 3, BEP 5 port, BEP 6 fast, BEP 10 extended), names as events write them. */
static const char *const msg_names[21] = {
    [0] = "choke",          [1] = "unchoke",       [2] = "interested",   [3] = "not_interested",
    [4] = "have",           [5] = "bitfield",      [6] = "request",      [7] = "piece",
    [8] = "cancel",         [9] = "port",          [13] = "suggest_piece", [14] = "have_all",
    [15] = "have_none",     [16] = "reject_request", [17] = "allowed_fast", [20] = "extended",
};
enum { M_HAVE = 4, M_BITFIELD = 5, M_REQUEST = 6, M_PIECE = 7, M_CANCEL = 8, M_PORT = 9, M_SUGGEST = 13,
       M_REJECT = 16, M_ALLOWED_FAST = 17, M_EXTENDED = 20 };

/* ut_metadata's msg_type (BEP 9). */
static const char *const metadata_types[] = {"request", "data", "reject"};

static bt_state *state_of(tr_session *s) { return s->state; }

int bt_is_handshake(const uint8_t *p, size_t n)
{
    size_t k = n < BT_PSTR_LEN ? n : BT_PSTR_LEN;
    return k > 0 && memcmp(p, BT_PSTR, k) == 0 ? (n >= BT_PSTR_LEN ? 2 : 1) : 0;
}

/* ---- the handshake ---- */

static void wire_torrent(tr_session *s, bt_wire *w, const uint8_t ih[BT_HASH_LEN])
{
    if (w->have_hash)
        return;
    memcpy(w->info_hash, ih, BT_HASH_LEN);
    w->have_hash = 1;
    int t = bt_torrent_of(s, ih);
    w->torrent = t >= 0 ? t + 1 : 0;
}

static void handshake_read(tr_session *s, int dir, const uint8_t *p)
{
    bt_wire *w = &state_of(s)->w;
    bt_wire_dir *d = &w->d[dir];
    const uint8_t *reserved = p + BT_PSTR_LEN, *ih = p + 28, *peer_id = p + 48;
    if (w->have_hash && memcmp(w->info_hash, ih, BT_HASH_LEN) != 0)
        tr_anomaly(s->ctx, s, dir, "bt_info_hash_mismatch", "the two sides' handshakes name different torrents");
    wire_torrent(s, w, ih);
    memcpy(d->peer_id, peer_id, BT_HASH_LEN);
    d->handshake = 1;
    d->mode = BT_MESSAGES;
    if (w->torrent)
        w->peer[dir] = (int16_t)(bt_torrent_peer(s, w->torrent - 1, dir, peer_id) + 1);

    char hex[BT_HEX_LEN], idhex[BT_HEX_LEN], client[64];
    bt_hex(ih, BT_HASH_LEN, hex);
    bt_hex(peer_id, BT_HASH_LEN, idhex);
    bt_client_name(peer_id, client, sizeof client);
    tr_event *e = &bt_ev;
    tr_ev_init(e, s, "handshake", dir);
    e->proto = dis_bittorrent.name;
    tr_ev_str(e, "info_hash", hex);
    tr_ev_str(e, "peer_id", idhex);
    if (client[0])
        tr_ev_str(e, "client", client);
    tr_ev_list(e, "extensions");
    if (reserved[5] & 0x10)
        tr_ev_str(e, NULL, "extension_protocol");
    if (reserved[7] & 0x04)
        tr_ev_str(e, NULL, "fast");
    if (reserved[7] & 0x01)
        tr_ev_str(e, NULL, "dht");
    tr_ev_end(e);
    char rhex[17];
    bt_hex(reserved, 8, rhex);
    tr_ev_str(e, "reserved", rhex);
    if (d->encrypted)
        tr_ev_bool(e, "encrypted", 1);
    tr_emit(e);
}

/* ---- the extension protocol (BEP 10) ---- */

/* Extension names an event can use as keys (keys must be lasting strings: the worker formats events later). */
static const char *const known_exts[] = {
    "ut_metadata", "ut_pex", "ut_holepunch", "ut_comment", "lt_donthave", "lt_tex", "upload_only", "share_mode",
    "LT_metadata", "i2p_pex", "ut_upload_only",
};

static const char *known_ext(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof known_exts / sizeof known_exts[0]; i++)
        if (n == strlen(known_exts[i]) && memcmp(p, known_exts[i], n) == 0)
            return known_exts[i];
    return NULL;
}

/* The `m` dictionary: known names as the keys of `m`, others listed in `m_other` as {name, id}. */
static void ext_map_read(bt_ext_map *map, const benc_value *m, tr_event *e)
{
    benc_iter it;
    benc_value k, v;
    int others = 0;
    map->n = 0;
    benc_iter_init(&it, m);
    tr_ev_obj(e, "m");
    for (int guard = 0; guard < 64 && benc_dict_next(&it, &k, &v); guard++) {
        if (v.type != BENC_INT || v.i < 0 || v.i > 255)
            continue;
        const char *key = known_ext(k.s, k.n);
        if (key)
            tr_ev_int(e, key, v.i);
        else
            others++;
        if (v.i == 0 || map->n >= BT_EXT_NAMES)
            continue; /* 0 disables an extension */
        size_t len = k.n < BT_EXT_NAME_MAX - 1 ? k.n : BT_EXT_NAME_MAX - 1;
        memcpy(map->name[map->n], k.s, len);
        map->name[map->n][len] = '\0';
        map->id[map->n++] = (uint8_t)v.i;
    }
    tr_ev_end(e);
    if (!others)
        return;
    tr_ev_list(e, "m_other");
    benc_iter_init(&it, m);
    for (int guard = 0; guard < 64 && benc_dict_next(&it, &k, &v); guard++) {
        if (v.type != BENC_INT || v.i < 0 || v.i > 255 || known_ext(k.s, k.n))
            continue;
        tr_ev_obj(e, NULL);
        tr_ev_strn(e, "name", k.s, k.n < 64 ? k.n : 64);
        tr_ev_int(e, "id", v.i);
        tr_ev_end(e);
    }
    tr_ev_end(e);
}

static const char *ext_name(const bt_ext_map *map, uint8_t id)
{
    for (int i = 0; i < map->n; i++)
        if (map->id[i] == id)
            return map->name[i];
    return NULL;
}

static void ext_handshake(tr_session *s, int dir, tr_buf *b, tr_event *e)
{
    bt_wire *w = &state_of(s)->w;
    benc_value d, v;
    if (benc_read(b, &d) != BENC_OK || d.type != BENC_DICT) {
        tr_ev_str(e, "error", "unreadable dictionary");
        return;
    }
    if (benc_dict_get(&d, "v", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "client", v.s, v.n);
    if (benc_dict_get(&d, "m", &v) && v.type == BENC_DICT)
        ext_map_read(&w->d[dir].ext, &v, e);
    if (benc_dict_get(&d, "metadata_size", &v) && v.type == BENC_INT && v.i > 0) {
        tr_ev_int(e, "metadata_size", v.i);
        w->d[dir].metadata_size = v.i < UINT32_MAX ? (uint32_t)v.i : 0;
        if (w->torrent)
            bt_torrent_metadata_size(s, w->torrent - 1, (uint64_t)v.i);
    }
    if (benc_dict_get(&d, "p", &v) && v.type == BENC_INT)
        tr_ev_int(e, "port", v.i);
    if (benc_dict_get(&d, "reqq", &v) && v.type == BENC_INT)
        tr_ev_int(e, "reqq", v.i);
    if (benc_dict_get(&d, "yourip", &v) && v.type == BENC_STR && (v.n == 4 || v.n == 16)) {
        tr_ip ip;
        char a[TR_IP_STRLEN];
        if (v.n == 4)
            tr_ip_set4(&ip, v.s);
        else
            tr_ip_set6(&ip, v.s);
        tr_ip_format(&ip, a);
        tr_ev_strcopy(e, "yourip", a, strlen(a));
    }
}

static void pex_list(tr_event *e, const char *key, const benc_value *d, const char *name, size_t alen)
{
    benc_value v;
    if (!benc_dict_get(d, name, &v) || v.type != BENC_STR || v.n == 0)
        return;
    size_t step = alen + 2, n = v.n / step;
    tr_ev_list(e, key);
    for (size_t i = 0; i < n && i < BT_LIST_MAX; i++) {
        char peer[64];
        bt_compact_peer(v.s + i * step, alen, peer, sizeof peer);
        tr_ev_strcopy(e, NULL, peer, strlen(peer));
    }
    tr_ev_end(e);
}

static void ext_message(tr_session *s, int dir, tr_buf *b, tr_event *e)
{
    bt_wire *w = &state_of(s)->w;
    uint8_t id = tr_u8(b);
    if (id == 0) {
        tr_ev_str(e, "ext", "handshake");
        ext_handshake(s, dir, b, e);
        return;
    }
    /* an id is the one the receiving side asked for in its handshake */
    const char *name = ext_name(&w->d[!dir].ext, id);
    tr_ev_int(e, "ext_id", id);
    if (!name) {
        tr_ev_str(e, "ext", "unknown");
        return;
    }
    tr_ev_str(e, "ext", name); /* the state outlives the event */
    benc_value d, v;
    if (strcmp(name, "ut_metadata") == 0) {
        if (benc_read(b, &d) != BENC_OK || d.type != BENC_DICT) {
            tr_ev_str(e, "error", "unreadable dictionary");
            return;
        }
        int64_t type = -1, piece = -1;
        if (benc_dict_get(&d, "msg_type", &v) && v.type == BENC_INT)
            type = v.i;
        if (benc_dict_get(&d, "piece", &v) && v.type == BENC_INT)
            piece = v.i;
        if (type >= 0 && type <= 2)
            tr_ev_str(e, "msg_type", metadata_types[type]);
        else if (type >= 0)
            tr_ev_int(e, "msg_type", type);
        if (piece >= 0)
            tr_ev_int(e, "piece", piece);
        if (benc_dict_get(&d, "total_size", &v) && v.type == BENC_INT) {
            tr_ev_int(e, "total_size", v.i);
            if (w->torrent && v.i > 0)
                bt_torrent_metadata_size(s, w->torrent - 1, (uint64_t)v.i);
        }
        size_t rest;
        const uint8_t *data = tr_rest(b, &rest);
        if (type == 1) {
            tr_ev_int(e, "length", (int64_t)rest);
            if (w->torrent && piece >= 0 && piece < (1 << 20) && data)
                bt_torrent_metadata_piece(s, w->torrent - 1, (uint32_t)piece, data, rest, dir);
        }
        return;
    }
    if (strcmp(name, "ut_pex") == 0) {
        if (benc_read(b, &d) != BENC_OK || d.type != BENC_DICT) {
            tr_ev_str(e, "error", "unreadable dictionary");
            return;
        }
        pex_list(e, "added", &d, "added", 4);
        pex_list(e, "added6", &d, "added6", 16);
        pex_list(e, "dropped", &d, "dropped", 4);
        pex_list(e, "dropped6", &d, "dropped6", 16);
    }
}

/* ---- messages ---- */

static size_t popcount_bytes(const uint8_t *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)__builtin_popcount(p[i]);
    return c;
}

/* One whole message (not a piece's block): its event. */
static void message_read(tr_session *s, int dir, const uint8_t *p, uint32_t len)
{
    tr_buf b = tr_buf_make(p, len);
    tr_event *e = &bt_ev;
    tr_ev_init(e, s, "message", dir);
    e->proto = dis_bittorrent.name;
    if (len == 0) {
        tr_ev_str(e, "msg", "keep_alive");
        tr_emit(e);
        return;
    }
    uint8_t id = tr_u8(&b);
    const char *name = id < 21 ? msg_names[id] : NULL;
    if (name)
        tr_ev_str(e, "msg", name);
    else {
        tr_ev_str(e, "msg", "unknown");
        tr_ev_int(e, "id", id);
    }
    switch (id) {
    case M_HAVE:
    case M_SUGGEST:
    case M_ALLOWED_FAST:
        tr_ev_int(e, "index", tr_be32(&b));
        break;
    case M_REQUEST:
    case M_CANCEL:
    case M_REJECT: {
        uint32_t index = tr_be32(&b), begin = tr_be32(&b), length = tr_be32(&b);
        tr_ev_int(e, "index", index);
        tr_ev_int(e, "begin", begin);
        tr_ev_int(e, "length", length);
        break;
    }
    case M_BITFIELD:
        tr_ev_int(e, "length", len - 1);
        tr_ev_int(e, "have", (int64_t)popcount_bytes(p + 1, len - 1));
        break;
    case M_PORT:
        tr_ev_int(e, "port", tr_be16(&b));
        break;
    case M_EXTENDED:
        ext_message(s, dir, &b, e);
        break;
    default:
        break;
    }
    if (b.err == TR_ETRUNC && id != M_EXTENDED)
        tr_ev_str(e, "error", "message shorter than its fields");
    tr_emit(e);
}

/* A piece message's head; its block, the next `length` bytes at stream offset `at`, is content that goes to the
 * torrent's files: transcripts show a marker in its place. */
static void piece_head(tr_session *s, int dir, uint32_t index, uint32_t begin, uint32_t length, uint64_t at)
{
    bt_wire *w = &state_of(s)->w;
    char label[48];
    snprintf(label, sizeof label, "piece %u at %u", index, begin);
    tr_stream_object(s, dir, at, at + length, label,
                     w->torrent ? bt_torrent_block_path(s, w->torrent - 1, index, begin) : NULL);
    tr_event *e = &bt_ev;
    tr_ev_init(e, s, "message", dir);
    e->proto = dis_bittorrent.name;
    tr_ev_str(e, "msg", "piece");
    tr_ev_int(e, "index", index);
    tr_ev_int(e, "begin", begin);
    tr_ev_int(e, "length", length);
    tr_emit(e);
}

static void block_bytes(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_wire *w = &state_of(s)->w;
    bt_wire_dir *d = &w->d[dir];
    if (w->torrent)
        bt_torrent_block(s, w->torrent - 1, d->block_index, d->block_begin, d->block_at + d->block_left, d->block_at,
                         p, n);
    d->block_at += (uint32_t)n;
    d->block_left -= (uint32_t)n;
    d->piece_bytes += n;
    if (w->torrent)
        bt_torrent_peer_bytes(s, w->torrent - 1, w->peer[dir] - 1, w->peer[!dir] - 1, n);
    if (!d->block_left)
        d->in_block = 0;
}

static void lose(tr_session *s, int dir, const char *name, const char *detail)
{
    state_of(s)->w.d[dir].mode = BT_LOST;
    tr_anomaly(s->ctx, s, dir, name, "%s", detail);
}

/* MSE: looks for the plaintext handshake at each start position not looked at yet; returns what can be let go
 * (the positions looked at). It gives up after BT_MSE_SCAN_MAX positions, whatever the segments were. */
static size_t mse_scan(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_wire_dir *d = &state_of(s)->w.d[dir];
    size_t i = 0;
    for (; i + BT_PSTR_LEN <= n; i++) {
        if (d->mse_scanned + i >= BT_MSE_SCAN_MAX) {
            d->mode = BT_LOST;
            tr_decode_end(s, dir, "encrypted");
            return n;
        }
        if (p[i] == 19 && memcmp(p + i, BT_PSTR, BT_PSTR_LEN) == 0) {
            d->mode = BT_HANDSHAKE;
            break;
        }
    }
    d->mse_scanned += i;
    return i;
}

/* Whether a message header (length, id) is one BitTorrent would send: the fixed-size messages at their size, a
 * piece's block at most 128 KB, the others within BT_MSG_MAX. */
static int header_plausible(uint32_t len, uint8_t id)
{
    switch (id) {
    case 0: case 1: case 2: case 3: case 14: case 15:
        return len == 1;
    case M_HAVE: case M_SUGGEST: case M_ALLOWED_FAST:
        return len == 5;
    case M_REQUEST: case M_CANCEL: case M_REJECT:
        return len == 13;
    case M_PORT:
        return len == 3;
    case M_PIECE:
        return len > 9 && len - 9 <= BT_BLOCK_MAX;
    case M_BITFIELD: case M_EXTENDED:
        return len >= 2 && len <= BT_MSG_MAX;
    default:
        return 0;
    }
}

static uint32_t be32_at(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Picked up mid-stream (no handshake seen) or after a gap: the first offset where a plausible message header is
 * followed by another, or that is a piece's head whose block offset is a multiple of 1 KB (every client keeps to
 * it; its block may be long, so the next header is not waited for). Returns what can be let go; the mode is
 * MESSAGES once found. What it decides depends only on the bytes, not on how they were cut: a candidate whose
 * next header has not arrived is waited for. */
static size_t resync_scan(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_wire_dir *d = &state_of(s)->w.d[dir];
    size_t i = 0;
    for (; i + 5 <= n; i++) {
        if (d->mse_scanned + i >= BT_RESYNC_MAX) {
            d->mode = BT_LOST;
            return n;
        }
        if (d->encrypted) { /* after a key exchange this side's handshake may still come in clear */
            int h = bt_is_handshake(p + i, n - i);
            if (h == 2) {
                d->mode = BT_HANDSHAKE;
                break;
            }
            if (h == 1)
                break; /* wait: it may be one */
        }
        uint32_t len = be32_at(p + i);
        uint8_t id = p[i + 4];
        if (!header_plausible(len, id))
            continue;
        if (id == M_PIECE) {
            if (i + 13 > n)
                break; /* wait for the block's offset */
            if (be32_at(p + i + 9) % 1024)
                continue;
            d->mode = BT_MESSAGES;
            break;
        }
        size_t next = i + 4 + (size_t)len;
        if (next + 5 > n)
            break; /* wait for the next header */
        uint32_t next_len = be32_at(p + next);
        if (next_len != 0 && !header_plausible(next_len, p[next + 4]))
            continue;
        d->mode = BT_MESSAGES;
        break;
    }
    d->mse_scanned += i;
    return i;
}

size_t bt_wire_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    bt_wire_dir *d = &state_of(s)->w.d[dir];
    size_t used = 0;
    for (int guard = 0; used < n && guard < 100000; guard++) {
        const uint8_t *q = p + used;
        size_t left = n - used;
        if (d->mode == BT_LOST)
            return n;
        if (d->mode == BT_RESYNC) {
            used += resync_scan(s, dir, q, left);
            if (d->mode == BT_RESYNC || d->mode == BT_LOST)
                return d->mode == BT_LOST ? n : used;
            continue;
        }
        if (d->mode == BT_MSE && state_of(s)->w.d[!dir].handshake && state_of(s)->w.d[!dir].encrypted) {
            /* the other side's plaintext handshake followed its key exchange: plaintext was chosen, and this side's
             * handshake went encrypted as MSE's initial payload (IA); its messages follow in clear */
            d->mode = BT_RESYNC;
            d->mse_scanned = 0;
            continue;
        }
        if (d->mode == BT_MSE) {
            size_t k = mse_scan(s, dir, q, left);
            used += k;
            if (d->mode == BT_MSE || d->mode == BT_LOST)
                return d->mode == BT_LOST ? n : used;
            continue;
        }
        if (d->mode == BT_HANDSHAKE) {
            if (!bt_is_handshake(q, left)) {
                if (bt_outer(s)->midstream) { /* the handshake went by before the capture began */
                    d->mode = BT_RESYNC;
                    continue;
                }
                /* not the handshake: the key exchange of MSE/PE (or not BitTorrent at all) */
                d->mode = BT_MSE;
                d->encrypted = 1;
                continue;
            }
            if (left < BT_PSTR_LEN) { /* so far like the handshake: one more byte may say it is not */
                *need = left + 1;
                return used;
            }
            if (left < BT_HANDSHAKE_LEN) {
                *need = BT_HANDSHAKE_LEN;
                return used;
            }
            handshake_read(s, dir, q);
            used += BT_HANDSHAKE_LEN;
            continue;
        }
        if (d->in_block) {
            size_t k = left < d->block_left ? left : d->block_left;
            block_bytes(s, dir, q, k);
            used += k;
            continue;
        }
        if (left < 4) {
            *need = 4;
            return used;
        }
        uint32_t len = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        if (len >= 1 && left < 5) {
            *need = 5;
            return used;
        }
        if (len >= 1 && q[4] == M_PIECE) {
            if (len < 9 || len - 9 > BT_BLOCK_MAX) {
                lose(s, dir, "bt_bad_message", "a piece message whose block length is impossible");
                return n;
            }
            if (left < 13) {
                *need = 13;
                return used;
            }
            d->block_index = (uint32_t)q[5] << 24 | (uint32_t)q[6] << 16 | (uint32_t)q[7] << 8 | q[8];
            d->block_begin = (uint32_t)q[9] << 24 | (uint32_t)q[10] << 16 | (uint32_t)q[11] << 8 | q[12];
            d->block_left = len - 9;
            d->block_at = 0;
            d->in_block = d->block_left > 0;
            piece_head(s, dir, d->block_index, d->block_begin, len - 9, s->stream_off[dir] + used + 13);
            used += 13;
            continue;
        }
        if (len > BT_MSG_MAX) {
            lose(s, dir, "bt_bad_message", "a message longer than any BitTorrent sends");
            return n;
        }
        if (left < 4 + (size_t)len) {
            *need = 4 + (size_t)len;
            return used;
        }
        message_read(s, dir, q + 4, len);
        used += 4 + (size_t)len;
    }
    return used;
}

void bt_wire_gap(tr_session *s, int dir, uint64_t n)
{
    bt_wire_dir *d = &state_of(s)->w.d[dir];
    if (d->mode == BT_MESSAGES && d->in_block && n < d->block_left) {
        /* the hole is inside a block: the piece cannot be checked, the messages after it still can */
        d->block_at += (uint32_t)n;
        d->block_left -= (uint32_t)n;
        if (!d->block_left)
            d->in_block = 0;
        return;
    }
    if (d->mode == BT_MESSAGES) {
        d->in_block = 0;
        d->mode = BT_RESYNC; /* lengths are the only framing: found again by the shape of the next messages */
        d->mse_scanned = 0;
    }
}

void bt_wire_close(tr_session *s, int reason)
{
    (void)reason;
    bt_wire *w = &state_of(s)->w;
    /* a key exchange with no plaintext handshake after it, cut short before the search gave up */
    for (int dir = 0; dir < 2 && !s->decode_stopped; dir++)
        if (w->d[dir].mode == BT_MSE && !w->d[!dir].handshake)
            tr_decode_end(s, dir, "encrypted");
    bt_torrent_session_closed(s);
}

/* ---- the vtable: TCP is the peer wire, UDP is the DHT, uTP or a UDP tracker ---- */

static int bt_probe(const tr_probe_input *in)
{
    int best = TR_PROBE_NO;
    for (int dir = 0; dir < 2; dir++) {
        const uint8_t *p = in->p[dir];
        size_t n = in->n[dir];
        if (!n)
            continue;
        int r = TR_PROBE_NO;
        if (in->l4 == TR_TCP) {
            int h = bt_is_handshake(p, n);
            r = h == 2 ? TR_PROBE_YES : h == 1 ? TR_PROBE_MAYBE : TR_PROBE_NO;
        } else {
            r = bt_dht_probe(p, n);
            if (r < TR_PROBE_YES)
                r = bt_udpt_probe(p, n, dir) > r ? bt_udpt_probe(p, n, dir) : r;
            if (r < TR_PROBE_YES)
                r = bt_utp_probe(p, n) > r ? bt_utp_probe(p, n) : r;
        }
        if (r > best)
            best = r;
    }
    return best;
}

static size_t bt_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    return bt_wire_data(s, dir, p, n, need);
}

static void bt_on_datagram(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_state *st = state_of(s);
    bt_pending_ready(st);
    if (bt_dht_datagram(s, dir, p, n))
        return;
    if (bt_udpt_datagram(s, dir, p, n))
        return;
    bt_utp_datagram(s, dir, p, n);
}

static void bt_on_close(tr_session *s, int reason)
{
    if (s->l4 == TR_UDP)
        bt_utp_close(s, reason);
    bt_wire_close(s, reason);
}

/* The classic peer and DHT range (what Wireshark decodes as BitTorrent too), and the trackers' usual port: over UDP
 * it makes the tracker the conversation's server. An MSE connection has nothing to probe: only these ports find it. */
static const uint16_t bt_ports[] = {6881, 6882, 6883, 6884, 6885, 6886, 6887, 6888, 6889, 6969, 0};

static const tr_stat_field bt_stats[] = {
    {"message", "msg", "peer wire messages"},
    {"handshake", "client", "clients"},
    {"dht", "q", "DHT queries and answers"},
    {"announce", "event", "announce events"},
    {NULL, NULL, NULL},
};

extern const tr_viewer bt_view;

const tr_dissector dis_bittorrent = {
    .name = "bittorrent",
    .l4 = 0,
    .ports = bt_ports,
    .probe = bt_probe,
    .state_size = sizeof(bt_state),
    .on_data = bt_on_data,
    .on_gap = bt_wire_gap,
    .on_datagram = bt_on_datagram,
    .on_close = bt_on_close,
    .global_size = sizeof(void *), /* the view itself is allocated on first use (bt_torrent.c), its size capped there */
    .on_finish = bt_finish,
    .present = &bt_present,
    .view = &bt_view,
    .stat_fields = bt_stats,
    .inside = &bt_inside_http,
};
