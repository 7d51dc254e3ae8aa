/* bt_tracker: BitTorrent trackers — over HTTP (BEP 3 announce, BEP 23 compact peers, BEP 7 peers6, BEP 48 scrape),
 * claimed from the HTTP dissector by their request (http_claim.h), and over UDP (BEP 15); and .torrent files
 * fetched over HTTP, read into the torrent view.
 *
 * HTTP: GET .../announce?info_hash=%xx..&peer_id=..&port=..&uploaded=..&downloaded=..&left=..&event=started
 *       answered by a bencoded dictionary: interval, complete, incomplete, peers (a string of 6-byte compact peers,
 *       or a list of {ip, port, peer id}), peers6 (18-byte), or failure reason.
 *       GET .../scrape?info_hash=..  answered by {files: {<info_hash>: {complete, downloaded, incomplete}}}.
 *
 * UDP (BEP 15), every integer big-endian:
 *
 *   connect   c: protocol_id 0x41727101980 (8) | action 0 (4) | transaction_id (4)
 *             s: action 0 | transaction_id | connection_id (8)
 *   announce  c: connection_id (8) | action 1 | transaction_id | info_hash (20) | peer_id (20) | downloaded (8) |
 *                left (8) | uploaded (8) | event (4: 0 none 1 completed 2 started 3 stopped) | ip (4) | key (4) |
 *                num_want (4) | port (2)
 *             s: action 1 | transaction_id | interval | leechers | seeders | peers (6 each, 18 over IPv6)
 *   scrape    c: connection_id | action 2 | transaction_id | info_hash (20) ...
 *             s: action 2 | transaction_id | (seeders, completed, leechers) per info_hash
 *   error     s: action 3 | transaction_id | message
 *
 * Answers are paired with requests by transaction id (pairing.h), shared with the DHT's in the session's queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "http_claim.h"
#include "bt.h"

#define BT_BODY_MAX (4u << 20)     /* a tracker answer or .torrent read whole, at most */
#define BT_PEERS_LISTED 200        /* peers listed from one answer */
#define BT_SCRAPE_LISTED 64        /* info_hashes listed from one scrape */
#define BT_QUERY_PARAMS_MAX 64     /* query parameters looked at */
#define UDPT_MAGIC 0x41727101980ull

static const char *const event_names[] = {"none", "completed", "started", "stopped"};

enum { K_ANNOUNCE = 1, K_SCRAPE, K_TORRENT };

/* ---- HTTP: the transaction a claimed request opens ---- */

typedef struct bt_txn {
    uint8_t kind;
    uint8_t nhashes;
    int32_t torrent; /* + 1 */
    uint8_t hashes[BT_SCRAPE_LISTED][BT_HASH_LEN];
    uint8_t *body;   /* the decoded answer, gathered (freed at the response or the abandon) */
    size_t len, cap;
    uint8_t too_long;
} bt_txn;

_Static_assert(sizeof(bt_txn) <= HTTP_CLAIM_STATE_MAX, "a claim's state is at most HTTP_CLAIM_STATE_MAX");

/* Percent-decodes p[0..n) into out (at most cap bytes); returns the length, or cap + 1 when it does not fit. */
static size_t url_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '%' && i + 2 < n && tr_hex_digit((uint8_t)p[i + 1]) >= 0 && tr_hex_digit((uint8_t)p[i + 2]) >= 0) {
            c = (uint8_t)(tr_hex_digit((uint8_t)p[i + 1]) << 4 | tr_hex_digit((uint8_t)p[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (k == cap)
            return cap + 1;
        out[k++] = c;
    }
    return k;
}

/* The URI's path (before '?') and query. */
static void uri_split(const uint8_t *uri, size_t n, size_t *path_n, const uint8_t **query, size_t *query_n)
{
    const uint8_t *q = memchr(uri, '?', n);
    *path_n = q ? (size_t)(q - uri) : n;
    *query = q ? q + 1 : uri + n;
    *query_n = q ? n - *path_n - 1 : 0;
}

/* The last component of the path. */
static const uint8_t *last_component(const uint8_t *path, size_t n, size_t *len)
{
    size_t i = n;
    while (i > 0 && path[i - 1] != '/')
        i--;
    *len = n - i;
    return path + i;
}

static int starts(const uint8_t *p, size_t n, const char *word)
{
    size_t w = strlen(word);
    return n >= w && memcmp(p, word, w) == 0;
}

static int request_kind(const http_request_view *r)
{
    if (!r->uri || !r->method || r->method_len != 3 || memcmp(r->method, "GET", 3) != 0)
        return 0;
    size_t path_n, query_n, last_n;
    const uint8_t *query;
    uri_split(r->uri, r->uri_len, &path_n, &query, &query_n);
    const uint8_t *last = last_component(r->uri, path_n, &last_n);
    /* BEP 48: the scrape URL is the announce URL with "announce" replaced in its last component */
    if (starts(last, last_n, "announce") && query_n && (memmem(query, query_n, "info_hash=", 10) != NULL))
        return K_ANNOUNCE;
    if (starts(last, last_n, "scrape"))
        return K_SCRAPE;
    if (last_n > 8 && memcmp(last + last_n - 8, ".torrent", 8) == 0)
        return K_TORRENT;
    return 0;
}

static int tracker_claims(const http_request_view *r) { return request_kind(r) != 0; }

typedef struct bt_query {
    uint8_t info_hash[BT_HASH_LEN], peer_id[BT_HASH_LEN];
    uint8_t have_hash, have_peer_id;
    int64_t port, uploaded, downloaded, left, numwant, compact, no_peer_id;
    uint8_t have[7];
    char event[16];
} bt_query;

static int parse_int(const uint8_t *p, size_t n, int64_t *out)
{
    if (!n || n > 19)
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 1;
}

static void query_read(const uint8_t *q, size_t n, bt_query *out, bt_txn *t)
{
    static const char *const ints[] = {"port", "uploaded", "downloaded", "left", "numwant", "compact", "no_peer_id"};
    memset(out, 0, sizeof *out);
    size_t i = 0;
    for (int guard = 0; i < n && guard < BT_QUERY_PARAMS_MAX; guard++) {
        const uint8_t *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        const uint8_t *eq = memchr(q + i, '=', end - i);
        if (eq) {
            const uint8_t *k = q + i, *v = eq + 1;
            size_t kn = (size_t)(eq - k), vn = (size_t)(q + end - v);
            uint8_t dec[64];
            size_t dn = url_decode(v, vn, dec, sizeof dec);
            if (kn == 9 && memcmp(k, "info_hash", 9) == 0 && dn == BT_HASH_LEN) {
                if (!out->have_hash) {
                    memcpy(out->info_hash, dec, BT_HASH_LEN);
                    out->have_hash = 1;
                }
                if (t && t->nhashes < BT_SCRAPE_LISTED)
                    memcpy(t->hashes[t->nhashes++], dec, BT_HASH_LEN);
            } else if (kn == 7 && memcmp(k, "peer_id", 7) == 0 && dn == BT_HASH_LEN) {
                memcpy(out->peer_id, dec, BT_HASH_LEN);
                out->have_peer_id = 1;
            } else if (kn == 5 && memcmp(k, "event", 5) == 0 && dn < sizeof out->event) {
                memcpy(out->event, dec, dn);
                out->event[dn] = '\0';
            } else {
                int64_t *slot[] = {&out->port, &out->uploaded, &out->downloaded, &out->left,
                                   &out->numwant, &out->compact, &out->no_peer_id};
                for (int j = 0; j < 7; j++)
                    if (kn == strlen(ints[j]) && memcmp(k, ints[j], kn) == 0 && dn <= sizeof dec &&
                        parse_int(dec, dn, slot[j]))
                        out->have[j] = 1;
            }
        }
        i = end + 1;
    }
}

static void ev_begin(tr_session *s, const char *type, int dir, const char *tracker)
{
    tr_ev_init(&bt_ev, s, type, dir);
    bt_ev.proto = dis_bittorrent.name;
    tr_ev_str(&bt_ev, "tracker", tracker);
}

static void announce_fields(tr_event *e, const bt_query *q)
{
    static const char *const ints[] = {"port", "uploaded", "downloaded", "left", "numwant", "compact", "no_peer_id"};
    const int64_t vals[] = {q->port, q->uploaded, q->downloaded, q->left, q->numwant, q->compact, q->no_peer_id};
    char hex[BT_HEX_LEN], client[64];
    if (q->have_hash) {
        bt_hex(q->info_hash, BT_HASH_LEN, hex);
        tr_ev_strcopy(e, "info_hash", hex, 40);
    }
    if (q->have_peer_id) {
        bt_hex(q->peer_id, BT_HASH_LEN, hex);
        tr_ev_strcopy(e, "peer_id", hex, 40);
        bt_client_name(q->peer_id, client, sizeof client);
        if (client[0])
            tr_ev_strcopy(e, "client", client, strlen(client));
    }
    for (int j = 0; j < 7; j++)
        if (q->have[j])
            tr_ev_int(e, ints[j], vals[j]);
    if (q->event[0])
        tr_ev_strcopy(e, "event", q->event, strlen(q->event));
}

static void tracker_request(tr_session *s, void *txn, const http_request_view *r)
{
    bt_txn *t = txn;
    t->kind = (uint8_t)request_kind(r);
    if (t->kind == K_TORRENT)
        return; /* nothing to say until its body is read */
    size_t path_n, query_n;
    const uint8_t *query;
    uri_split(r->uri, r->uri_len, &path_n, &query, &query_n);
    bt_query q;
    query_read(query, query_n, &q, t->kind == K_SCRAPE ? t : NULL);
    char url[BT_HEX_LEN + 256], host[TR_IP_STRLEN + 16];
    if (r->host && r->host_len)
        snprintf(host, sizeof host, "%.*s", (int)(r->host_len < sizeof host - 1 ? r->host_len : sizeof host - 1),
                 (const char *)r->host);
    else { /* no Host header: the address it was sent to */
        char a[TR_IP_STRLEN];
        tr_ip_format(&s->server.ip, a);
        snprintf(host, sizeof host, s->server.ip.v == 6 ? "[%s]:%u" : "%s:%u", a, s->server.port);
    }
    snprintf(url, sizeof url, "http://%s%.*s", host, (int)(path_n < 150 ? path_n : 150), (const char *)r->uri);
    if (q.have_hash) {
        int tt = bt_torrent_of(s, q.info_hash);
        t->torrent = tt >= 0 ? tt + 1 : 0;
        if (tt >= 0 && t->kind == K_ANNOUNCE)
            bt_torrent_tracker(s, tt, url);
    }
    tr_event *e = &bt_ev;
    if (t->kind == K_ANNOUNCE) {
        ev_begin(s, "announce", TR_C2S, "http");
        announce_fields(e, &q);
    } else {
        ev_begin(s, "scrape", TR_C2S, "http");
        tr_ev_list(e, "info_hashes");
        for (int i = 0; i < t->nhashes; i++) {
            char hex[BT_HEX_LEN];
            bt_hex(t->hashes[i], BT_HASH_LEN, hex);
            tr_ev_strcopy(e, NULL, hex, 40);
        }
        tr_ev_end(e);
    }
    tr_ev_strcopy(e, "url", url, strlen(url));
    tr_emit(e);
}

static void tracker_body(tr_session *s, void *txn, const uint8_t *p, size_t n)
{
    bt_txn *t = txn;
    if (t->too_long || !n)
        return;
    if (t->len + n > BT_BODY_MAX) {
        t->too_long = 1;
        return;
    }
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n)
            cap *= 2;
        uint8_t *b = realloc(t->body, cap); /* grows by doubling per answer, not per packet */
        if (!b) {
            t->too_long = 1;
            return;
        }
        s->state_extra += cap - t->cap;
        t->body = b;
        t->cap = cap;
    }
    memcpy(t->body + t->len, p, n);
    t->len += n;
}

static void body_free(tr_session *s, bt_txn *t)
{
    s->state_extra -= t->cap;
    free(t->body);
    t->body = NULL;
    t->len = t->cap = 0;
}

/* Peers as a compact string (6 or 18 bytes each) or a list of dictionaries. */
static void peers_list(tr_event *e, const char *key, const benc_value *v, size_t alen)
{
    tr_ev_list(e, key);
    if (v->type == BENC_STR) {
        size_t step = alen + 2;
        for (size_t i = 0; i + step <= v->n && i / step < BT_PEERS_LISTED; i += step) {
            char peer[64];
            bt_compact_peer(v->s + i, alen, peer, sizeof peer);
            tr_ev_strcopy(e, NULL, peer, strlen(peer));
        }
    } else if (v->type == BENC_LIST) {
        benc_iter it;
        benc_value d, ip, port;
        benc_iter_init(&it, v);
        for (int i = 0; i < BT_PEERS_LISTED && benc_list_next(&it, &d); i++) {
            if (d.type != BENC_DICT || !benc_dict_get(&d, "ip", &ip) || ip.type != BENC_STR || ip.n > 64 ||
                !benc_dict_get(&d, "port", &port) || port.type != BENC_INT)
                continue;
            int v6 = memchr(ip.s, ':', ip.n) != NULL;
            tr_ev_printf(e, NULL, v6 ? "[%.*s]:%lld" : "%.*s:%lld", (int)ip.n, (const char *)ip.s, (long long)port.i);
        }
    }
    tr_ev_end(e);
}

/* A tracker's answer begins its event (type, HTTP status) and reads its body as a bencoded dictionary into d; 0,
 * or -1 when it is not one (the event, with the error, is out). */
static int reply_begin(tr_session *s, bt_txn *t, const http_response_view *r, const char *type, benc_value *d)
{
    tr_event *e = &bt_ev;
    ev_begin(s, type, TR_S2C, "http");
    tr_ev_int(e, "status", r->status);
    tr_buf b = tr_buf_make(t->body, t->len);
    if (benc_read(&b, d) != BENC_OK || d->type != BENC_DICT) {
        tr_ev_str(e, "error", t->len ? "not a bencoded dictionary" : "no answer");
        tr_emit(e);
        return -1;
    }
    return 0;
}

static void announce_reply(tr_session *s, bt_txn *t, const http_response_view *r)
{
    tr_event *e = &bt_ev;
    benc_value d, v;
    if (reply_begin(s, t, r, "announce_reply", &d) < 0)
        return;
    static const char *const ints[] = {"interval", "min interval", "complete", "incomplete", "downloaded"};
    static const char *const keys[] = {"interval", "min_interval", "complete", "incomplete", "downloaded"};
    for (int i = 0; i < 5; i++)
        if (benc_dict_get(&d, ints[i], &v) && v.type == BENC_INT)
            tr_ev_int(e, keys[i], v.i);
    if (benc_dict_get(&d, "peers", &v))
        peers_list(e, "peers", &v, 4);
    if (benc_dict_get(&d, "peers6", &v))
        peers_list(e, "peers6", &v, 16);
    if (benc_dict_get(&d, "failure reason", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "failure_reason", v.s, v.n);
    if (benc_dict_get(&d, "warning message", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "warning_message", v.s, v.n);
    if (benc_dict_get(&d, "tracker id", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "tracker_id", v.s, v.n);
    tr_emit(e);
}

static void scrape_reply(tr_session *s, bt_txn *t, const http_response_view *r)
{
    tr_event *e = &bt_ev;
    benc_value d, files, v;
    if (reply_begin(s, t, r, "scrape_reply", &d) < 0)
        return;
    if (benc_dict_get(&d, "failure reason", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "failure_reason", v.s, v.n);
    if (benc_dict_get(&d, "files", &files) && files.type == BENC_DICT) {
        benc_iter it;
        benc_value k, f;
        benc_iter_init(&it, &files);
        tr_ev_list(e, "files");
        for (int i = 0; i < BT_SCRAPE_LISTED && benc_dict_next(&it, &k, &f); i++) {
            tr_ev_obj(e, NULL);
            if (k.n == BT_HASH_LEN) {
                char hex[BT_HEX_LEN];
                bt_hex(k.s, BT_HASH_LEN, hex);
                tr_ev_strcopy(e, "info_hash", hex, 40);
            }
            static const char *const ints[] = {"complete", "downloaded", "incomplete"};
            for (int j = 0; j < 3; j++)
                if (f.type == BENC_DICT && benc_dict_get(&f, ints[j], &v) && v.type == BENC_INT)
                    tr_ev_int(e, ints[j], v.i);
            tr_ev_end(e);
        }
        tr_ev_end(e);
    }
    tr_emit(e);
}

static void tracker_response(tr_session *s, void *txn, const http_response_view *r, int complete)
{
    bt_txn *t = txn;
    if (t->kind == K_ANNOUNCE)
        announce_reply(s, t, r);
    else if (t->kind == K_SCRAPE)
        scrape_reply(s, t, r);
    else if (t->kind == K_TORRENT && complete && !t->too_long && r->status == 200)
        bt_torrent_file(s, t->body, t->len, TR_S2C); /* reads it when it is one (an `info` dictionary) */
    body_free(s, t);
}

static void tracker_abandon(tr_session *s, void *txn) { body_free(s, txn); }

static const http_claimer bt_http_claimer = {
    tracker_claims, sizeof(bt_txn), tracker_request, tracker_body, tracker_response, tracker_abandon,
};

const tr_inside bt_inside_http = {"http", &bt_http_claimer};

/* ---- UDP trackers (BEP 15) ---- */

enum { U_CONNECT = 0, U_ANNOUNCE = 1, U_SCRAPE = 2, U_ERROR = 3 };
#define UDPT_SEEN 4 /* bt_state.udp_kind_seen */

int bt_udpt_probe(const uint8_t *p, size_t n, int dir)
{
    (void)dir;
    tr_buf b = tr_buf_make(p, n);
    uint64_t magic = (uint64_t)tr_be32(&b) << 32;
    magic |= tr_be32(&b);
    uint32_t action = tr_be32(&b);
    return n == 16 && magic == UDPT_MAGIC && action == U_CONNECT ? TR_PROBE_YES : TR_PROBE_NO;
}

static void udpt_key(uint32_t tid, uint8_t key[5])
{
    key[0] = 'u';
    key[1] = (uint8_t)(tid >> 24);
    key[2] = (uint8_t)(tid >> 16);
    key[3] = (uint8_t)(tid >> 8);
    key[4] = (uint8_t)tid;
}

static bt_pending *udpt_push(tr_session *s, int dir, uint32_t tid, int kind)
{
    bt_state *st = s->state;
    uint8_t key[5];
    udpt_key(tid, key);
    int drop = 0;
    bt_pending *pd = pair_push(&st->pending, key, sizeof key, &drop);
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, dir, "bt_pending_full", "more than %d requests wait for answers", BT_PAIR_CAP);
    if (pd)
        pd->kind = (uint8_t)(kind + 1);
    return pd;
}

static void udpt_announce(tr_session *s, int dir, tr_buf *b, uint32_t tid)
{
    bt_query q;
    memset(&q, 0, sizeof q);
    tr_copy(b, q.info_hash, BT_HASH_LEN);
    tr_copy(b, q.peer_id, BT_HASH_LEN);
    q.downloaded = (int64_t)((uint64_t)tr_be32(b) << 32 | tr_be32(b));
    q.left = (int64_t)((uint64_t)tr_be32(b) << 32 | tr_be32(b));
    q.uploaded = (int64_t)((uint64_t)tr_be32(b) << 32 | tr_be32(b));
    uint32_t event = tr_be32(b);
    tr_skip(b, 8); /* ip, key */
    int32_t numwant = (int32_t)tr_be32(b);
    q.port = tr_be16(b);
    if (b->err)
        return;
    q.have_hash = q.have_peer_id = 1;
    q.numwant = numwant;
    q.have[0] = q.have[1] = q.have[2] = q.have[3] = q.have[4] = 1;
    if (event < 4 && event != 0)
        snprintf(q.event, sizeof q.event, "%s", event_names[event]);
    int t = bt_torrent_of(s, q.info_hash);
    if (t >= 0) {
        char url[96], a[TR_IP_STRLEN];
        const tr_endpoint *srv = dir == TR_C2S ? &s->server : &s->client;
        snprintf(url, sizeof url, srv->ip.v == 6 ? "udp://[%s]:%u" : "udp://%s:%u", tr_ip_format(&srv->ip, a),
                 srv->port);
        bt_torrent_tracker(s, t, url);
    }
    bt_pending *pd = udpt_push(s, dir, tid, U_ANNOUNCE);
    if (pd) {
        memcpy(pd->info_hash, q.info_hash, BT_HASH_LEN);
        pd->have_hash = 1;
    }
    ev_begin(s, "announce", dir, "udp");
    announce_fields(&bt_ev, &q);
    tr_ev_int(&bt_ev, "transaction_id", tid);
    tr_emit(&bt_ev);
}

static void udpt_scrape(tr_session *s, int dir, tr_buf *b, uint32_t tid)
{
    bt_pending *pd = udpt_push(s, dir, tid, U_SCRAPE);
    ev_begin(s, "scrape", dir, "udp");
    tr_ev_list(&bt_ev, "info_hashes");
    for (int i = 0; i < BT_SCRAPE_LISTED && tr_left(b) >= BT_HASH_LEN; i++) {
        const uint8_t *h = tr_bytes(b, BT_HASH_LEN);
        char hex[BT_HEX_LEN];
        bt_hex(h, BT_HASH_LEN, hex);
        tr_ev_strcopy(&bt_ev, NULL, hex, 40);
        if (pd && pd->nhashes < 4)
            memcpy(pd->hashes[pd->nhashes++], h, BT_HASH_LEN);
    }
    tr_ev_end(&bt_ev);
    tr_ev_int(&bt_ev, "transaction_id", tid);
    tr_emit(&bt_ev);
}

static void udpt_answer(tr_session *s, int dir, tr_buf *b, uint32_t action, uint32_t tid, const bt_pending *pd)
{
    int asked = pd->kind - 1;
    if (asked == U_CONNECT)
        return; /* the connection id is plumbing: no event */
    tr_event *e = &bt_ev;
    ev_begin(s, asked == U_SCRAPE ? "scrape_reply" : "announce_reply", dir, "udp");
    tr_ev_int(e, "transaction_id", tid);
    if (action == U_ERROR) {
        size_t n;
        const uint8_t *m = tr_rest(b, &n);
        tr_ev_strn(e, "failure_reason", m, n);
    } else if (action == U_ANNOUNCE && asked == U_ANNOUNCE) {
        tr_ev_int(e, "interval", tr_be32(b));
        tr_ev_int(e, "incomplete", tr_be32(b));
        tr_ev_int(e, "complete", tr_be32(b));
        size_t alen = s->client.ip.v == 6 ? 16 : 4, n;
        const uint8_t *p = tr_rest(b, &n);
        benc_value v = {.type = BENC_STR, .s = p, .n = p ? n : 0};
        peers_list(e, alen == 16 ? "peers6" : "peers", &v, alen);
    } else if (action == U_SCRAPE && asked == U_SCRAPE) {
        tr_ev_list(e, "files");
        for (int i = 0; i < BT_SCRAPE_LISTED && tr_left(b) >= 12; i++) {
            tr_ev_obj(e, NULL);
            if (i < pd->nhashes) {
                char hex[BT_HEX_LEN];
                bt_hex(pd->hashes[i], BT_HASH_LEN, hex);
                tr_ev_strcopy(e, "info_hash", hex, 40);
            }
            tr_ev_int(e, "complete", tr_be32(b));
            tr_ev_int(e, "downloaded", tr_be32(b));
            tr_ev_int(e, "incomplete", tr_be32(b));
            tr_ev_end(e);
        }
        tr_ev_end(e);
    } else {
        tr_ev_str(e, "error", "an answer of another kind than the request");
    }
    tr_emit(e);
}

int bt_udpt_datagram(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    bt_state *st = s->state;
    tr_buf b = tr_buf_make(p, n);
    if (bt_udpt_probe(p, n, dir) == TR_PROBE_YES) {
        tr_skip(&b, 12);
        st->udp_kind_seen |= UDPT_SEEN;
        st->udpt_req_dir = (int8_t)dir;
        udpt_push(s, dir, tr_be32(&b), U_CONNECT);
        return 1;
    }
    if (!(st->udp_kind_seen & UDPT_SEEN))
        return 0;
    if (dir == st->udpt_req_dir) { /* a request: connection_id, action, transaction_id */
        tr_skip(&b, 8);
        uint32_t action = tr_be32(&b), tid = tr_be32(&b);
        if (b.err)
            return 1;
        if (action == U_ANNOUNCE && n >= 98)
            udpt_announce(s, dir, &b, tid);
        else if (action == U_SCRAPE)
            udpt_scrape(s, dir, &b, tid);
        return 1;
    }
    uint32_t action = tr_be32(&b), tid = tr_be32(&b);
    uint8_t key[5];
    udpt_key(tid, key);
    bt_pending pd;
    if (b.err || action > U_ERROR || !pair_take(&st->pending, key, sizeof key, NULL, NULL, &pd))
        return 1;
    udpt_answer(s, dir, &b, action, tid, &pd);
    return 1;
}
