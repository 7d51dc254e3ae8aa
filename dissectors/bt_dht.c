/* bt_dht: the Mainline DHT's KRPC messages over UDP (BEP 5; BEP 32 nodes6; BEP 44 and 51 names), each a bencoded
 * dictionary:
 *
 *   query     {t: <transaction id>, y: "q", q: <name>, a: {id, target | info_hash, token, port, implied_port}}
 *   response  {t, y: "r", r: {id, nodes (26 bytes each: id 20, IPv4 4, port 2), nodes6 (38 each),
 *              values (list of 6- or 18-byte compact peers), token}}
 *   error     {t, y: "e", e: [code, message]}
 *
 * Answers are paired with queries by transaction id (pairing.h), so a response names the query it answers; what a
 * query or answer says of an info_hash goes to the torrent view. Every walk is capped (nodes, values, the bencode
 * reader's depth and counts): a datagram is read once, front to back, and nothing loops on what it claims
 * (Wireshark's DHT dissector once did: CVE-2021-4184). */
#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "bt.h"

#define DHT_NODES_LISTED 64
#define DHT_VALUES_LISTED 100
#define DHT_SEEN 1 /* bt_state.udp_kind_seen */

static const char *const query_names[] = {"ping", "find_node", "get_peers", "announce_peer", "get", "put",
                                          "sample_infohashes"};
#define QUERY_NAMES (sizeof query_names / sizeof query_names[0])
enum { Q_GET_PEERS = 2, Q_ANNOUNCE = 3, Q_OTHER = QUERY_NAMES };

/* A datagram that is a KRPC message: the dictionary, its t and y. */
static int krpc_read(const uint8_t *p, size_t n, benc_value *d, benc_value *t, benc_value *y)
{
    if (n < 12 || p[0] != 'd')
        return 0;
    tr_buf b = tr_buf_make(p, n);
    if (benc_read(&b, d) != BENC_OK || d->type != BENC_DICT)
        return 0;
    if (!benc_dict_get(d, "y", y) || y->type != BENC_STR || y->n != 1 || !strchr("qre", y->s[0]))
        return 0;
    /* a message without its transaction id is still KRPC (reported, never paired) */
    if (!benc_dict_get(d, "t", t) || t->type != BENC_STR)
        *t = (benc_value){.type = BENC_NONE};
    return 1;
}

int bt_dht_probe(const uint8_t *p, size_t n)
{
    benc_value d, t, y;
    return krpc_read(p, n, &d, &t, &y) ? TR_PROBE_YES : TR_PROBE_NO;
}

static void hex_field(tr_event *e, const char *key, const benc_value *v)
{
    char *out = tr_ev_alloc(e, 2 * v->n + 1);
    if (!out)
        return;
    bt_hex(v->s, v->n, out);
    tr_ev_strn(e, key, out, 2 * v->n);
}

static void hash_field(tr_event *e, const benc_value *d, const char *key)
{
    benc_value v;
    if (benc_dict_get(d, key, &v) && v.type == BENC_STR && v.n <= 64)
        hex_field(e, key, &v);
}

static void nodes_list(tr_event *e, const char *key, const benc_value *v, size_t alen)
{
    size_t step = BT_HASH_LEN + alen + 2;
    if (v->type != BENC_STR)
        return;
    tr_ev_list(e, key);
    for (size_t i = 0; i + step <= v->n && i / step < DHT_NODES_LISTED; i += step) {
        char id[BT_HEX_LEN], addr[64];
        bt_hex(v->s + i, BT_HASH_LEN, id);
        bt_compact_peer(v->s + i + BT_HASH_LEN, alen, addr, sizeof addr);
        tr_ev_obj(e, NULL);
        tr_ev_strcopy(e, "id", id, 40);
        tr_ev_strcopy(e, "addr", addr, strlen(addr));
        tr_ev_end(e);
    }
    tr_ev_end(e);
}

static uint32_t values_list(tr_event *e, const benc_value *v)
{
    uint32_t n = 0;
    if (v->type != BENC_LIST)
        return 0;
    benc_iter it;
    benc_value peer;
    benc_iter_init(&it, v);
    tr_ev_list(e, "values");
    for (int i = 0; i < DHT_VALUES_LISTED && benc_list_next(&it, &peer); i++) {
        if (peer.type != BENC_STR || (peer.n != 6 && peer.n != 18))
            continue;
        char addr[64];
        bt_compact_peer(peer.s, peer.n - 2, addr, sizeof addr);
        tr_ev_strcopy(e, NULL, addr, strlen(addr));
        n++;
    }
    tr_ev_end(e);
    return n;
}

static int query_index(const benc_value *q)
{
    for (size_t i = 0; i < QUERY_NAMES; i++)
        if (q->n == strlen(query_names[i]) && memcmp(q->s, query_names[i], q->n) == 0)
            return (int)i;
    return Q_OTHER;
}

static void pending_key(const benc_value *t, uint8_t key[BT_PAIR_KEY], size_t *len)
{
    key[0] = 'd';
    *len = 1 + (t->n < BT_PAIR_KEY - 1 ? t->n : BT_PAIR_KEY - 1);
    if (t->s && *len > 1)
        memcpy(key + 1, t->s, *len - 1);
}

static void query(tr_session *s, int dir, const benc_value *d, const benc_value *t, tr_event *e)
{
    bt_state *st = s->state;
    benc_value q, a, v;
    if (!benc_dict_get(d, "q", &q) || q.type != BENC_STR) {
        tr_ev_str(e, "error", "a query without its name");
        return;
    }
    int qi = query_index(&q);
    tr_ev_strn(e, "q", q.s, q.n);
    uint8_t key[BT_PAIR_KEY];
    size_t klen;
    pending_key(t, key, &klen);
    int drop = 0;
    bt_pending *pd = t->type == BENC_STR ? pair_push(&st->pending, key, klen, &drop) : NULL;
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, dir, "bt_pending_full", "more than %d queries wait for answers", BT_PAIR_CAP);
    if (pd)
        pd->kind = (uint8_t)qi;
    if (!benc_dict_get(d, "a", &a) || a.type != BENC_DICT)
        return;
    hash_field(e, &a, "id");
    hash_field(e, &a, "target");
    if (benc_dict_get(&a, "info_hash", &v) && v.type == BENC_STR && v.n == BT_HASH_LEN) {
        hex_field(e, "info_hash", &v);
        int tt = bt_torrent_of(s, v.s);
        if (tt >= 0 && (qi == Q_GET_PEERS || qi == Q_ANNOUNCE))
            bt_torrent_dht(s, tt, qi == Q_GET_PEERS ? BT_DHT_GET_PEERS : BT_DHT_ANNOUNCE, 1);
        if (pd) {
            memcpy(pd->info_hash, v.s, BT_HASH_LEN);
            pd->have_hash = 1;
        }
    }
    hash_field(e, &a, "token");
    if (benc_dict_get(&a, "port", &v) && v.type == BENC_INT)
        tr_ev_int(e, "port", v.i);
    if (benc_dict_get(&a, "implied_port", &v) && v.type == BENC_INT)
        tr_ev_bool(e, "implied_port", v.i != 0);
}

static void answer(tr_session *s, const benc_value *d, const benc_value *t, int error, tr_event *e)
{
    bt_state *st = s->state;
    uint8_t key[BT_PAIR_KEY];
    size_t klen;
    pending_key(t, key, &klen);
    bt_pending pd;
    int paired = t->type == BENC_STR && pair_take(&st->pending, key, klen, NULL, NULL, &pd);
    if (paired)
        tr_ev_str(e, "q", pd.kind < QUERY_NAMES ? query_names[pd.kind] : "other");
    benc_value r, v;
    if (error) {
        if (benc_dict_get(d, "e", &r) && r.type == BENC_LIST) {
            benc_iter it;
            benc_value code, msg;
            benc_iter_init(&it, &r);
            if (benc_list_next(&it, &code) && code.type == BENC_INT && benc_list_next(&it, &msg) &&
                msg.type == BENC_STR)
                tr_ev_printf(e, "error", "%lld %.*s", (long long)code.i, (int)(msg.n < 200 ? msg.n : 200),
                             (const char *)msg.s);
        }
        return;
    }
    if (!benc_dict_get(d, "r", &r) || r.type != BENC_DICT)
        return;
    hash_field(e, &r, "id");
    hash_field(e, &r, "token");
    if (benc_dict_get(&r, "nodes", &v))
        nodes_list(e, "nodes", &v, 4);
    if (benc_dict_get(&r, "nodes6", &v))
        nodes_list(e, "nodes6", &v, 16);
    if (benc_dict_get(&r, "values", &v)) {
        uint32_t n = values_list(e, &v);
        if (paired && pd.have_hash) {
            char hex[BT_HEX_LEN];
            bt_hex(pd.info_hash, BT_HASH_LEN, hex);
            tr_ev_strcopy(e, "info_hash", hex, 40);
            int tt = bt_torrent_of(s, pd.info_hash);
            if (tt >= 0)
                bt_torrent_dht(s, tt, BT_DHT_VALUES, n);
        }
    }
}

int bt_dht_datagram(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_state *st = s->state;
    benc_value d, t, y, v;
    if (!krpc_read(p, n, &d, &t, &y))
        return 0;
    st->udp_kind_seen |= DHT_SEEN;
    tr_event *e = &bt_ev;
    tr_ev_init(e, s, "dht", dir);
    e->proto = dis_bittorrent.name;
    char yy[2] = {(char)y.s[0], 0};
    tr_ev_strcopy(e, "y", yy, 1);
    if (t.type == BENC_STR && t.n <= 32)
        hex_field(e, "t", &t);
    if (y.s[0] == 'q')
        query(s, dir, &d, &t, e);
    else
        answer(s, &d, &t, y.s[0] == 'e', e);
    if (benc_dict_get(&d, "v", &v) && v.type == BENC_STR && v.n <= 8)
        hex_field(e, "v", &v);
    tr_emit(e);
    return 1;
}

void bt_pending_ready(bt_state *st)
{
    if (st->pending_ready)
        return;
    pair_init(&st->pending, BT_PAIR_CAP, sizeof(bt_pending), BT_PAIR_KEY, st->pending_store);
    st->pending_ready = 1;
}
