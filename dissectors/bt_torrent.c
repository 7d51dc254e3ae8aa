/* bt_torrent: one torrent as one thing across a capture's sessions — the trackers that were asked about it, the
 * DHT's talk of it, every peer connection with its client and the bytes each side sent, its metadata (a .torrent
 * fetched over HTTP, or ut_metadata pieces checked against the info_hash, BEP 9), and its content rebuilt: every
 * block of every peer connection written by offset into the torrent's files under torrents/<info_hash>/, each
 * piece checked against its SHA-1 (BEP 3). A `torrent` event per torrent at the end (session 0).
 *
 * Pieces are checked in memory: a piece being assembled has a buffer (at most BT_PIECEBUFS of them at once, each
 * at most BT_PIECE_LEN_MAX bytes, charged to the session whose block opened it while that session lives); once
 * every byte of it arrived its SHA-1 is compared with the metadata's. A buffer taken for a new piece when all are
 * busy is the oldest one's: that piece stays unverified (counted). Blocks seen before the metadata are counted,
 * not written: without it there is no file layout and no hash to check them by (a .torrent or ut_metadata comes
 * first in practice: a client needs the metadata before it asks for pieces). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bt.h"

#define BT_TORRENTS_MAX 64        /* torrents the view follows; more are counted, not followed */
#define BT_PEERS_MAX 64           /* peer endpoints per torrent */
#define BT_TRACKERS_MAX 8
#define BT_TRACKER_LEN 200
#define BT_FILES_MAX 10000        /* files of a torrent's layout */
#define BT_EXPORT_FILES_MAX 256   /* of which written out */
#define BT_FILES_LISTED 200       /* listed in events */
#define BT_PIECES_MAX (1u << 22)  /* pieces of a torrent (4 M pieces of 16 KB is 64 GB) */
#define BT_PIECEBUFS 8
#define BT_PIECE_LEN_MAX (4u << 20)
#define BT_METADATA_MAX (8u << 20)
#define BT_METADATA_PIECE (16u << 10) /* BEP 9 */
#define BT_MISSING_LISTED 64
#define BT_PATH_DEPTH_MAX 32
#define BT_COMPONENT_MAX 120

typedef struct bt_file {
    uint64_t off, len;
    char *path;   /* as the torrent names it, '/'-joined (for events) */
    char *rel;    /* its export path, each component made safe */
    obj_at *at;   /* opened at its first byte */
    uint8_t refused;
} bt_file;

typedef struct bt_peer {
    tr_ip ip;
    uint16_t port;
    uint8_t listening; /* port is the one it listens on (a connection to it was seen) */
    uint8_t peer_id[BT_HASH_LEN];
    char client[48];
    uint64_t up, down;
} bt_peer;

typedef struct bt_torrent {
    uint8_t ih[BT_HASH_LEN];
    char hex[BT_HEX_LEN];
    /* metadata */
    uint8_t has_meta, meta_verified;
    char *name;
    uint64_t length;
    uint32_t piece_len, npieces;
    uint8_t *hashes;
    bt_file *files;
    uint32_t nfiles;
    /* ut_metadata being gathered */
    uint64_t meta_size;
    uint8_t *meta_buf, *meta_got;
    /* pieces: bitmaps sized to the highest index seen, or to the metadata's count */
    uint8_t *seen, *verified;
    uint32_t bits;
    uint32_t pieces_seen, pieces_verified, pieces_failed, pieces_unchecked;
    uint32_t inferred_len;  /* the longest extent of any piece's blocks, before the metadata says */
    uint64_t bytes_before_meta;
    /* who talked of it */
    char trackers[BT_TRACKERS_MAX][BT_TRACKER_LEN];
    uint8_t ntrackers;
    bt_peer peers[BT_PEERS_MAX];
    uint32_t npeers, connections, peers_dropped;
    uint32_t dht_get_peers, dht_announce, dht_values;
} bt_torrent;

typedef struct bt_piecebuf {
    int32_t t;           /* -1: free */
    uint32_t index, len;
    uint64_t seq;
    uint8_t *buf;
    ranges got;
    tr_session *charged; /* the session whose account holds its bytes, NULL once that session closed */
} bt_piecebuf;

struct bt_global {
    bt_torrent t[BT_TORRENTS_MAX];
    uint32_t n;
    uint64_t dropped;  /* torrents past the cap */
    bt_piecebuf buf[BT_PIECEBUFS];
    uint64_t seq, evicted;
};

size_t bt_global_size(void) { return sizeof(bt_global); }

static bt_global *global_of(tr_ctx *ctx)
{
    bt_global **slot = tr_dissector_global(ctx, &dis_bittorrent);
    if (!slot)
        return NULL;
    if (!*slot) {
        *slot = calloc(1, sizeof **slot); /* once per capture that has BitTorrent in it */
        if (*slot)
            for (int i = 0; i < BT_PIECEBUFS; i++)
                (*slot)->buf[i].t = -1;
    }
    return *slot;
}

static bt_torrent *torrent_at(tr_session *s, int t)
{
    bt_global *g = global_of(s->ctx);
    return g && t >= 0 && (uint32_t)t < g->n ? &g->t[t] : NULL;
}

static int sha1_is(const uint8_t *p, size_t n, const uint8_t want[BT_HASH_LEN])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_Digest(p, n, md, &len, EVP_sha1(), NULL) != 1 || len != BT_HASH_LEN)
        return 0;
    return memcmp(md, want, BT_HASH_LEN) == 0;
}

static int sha1_of(const uint8_t *p, size_t n, uint8_t out[BT_HASH_LEN])
{
    unsigned len = 0;
    uint8_t md[EVP_MAX_MD_SIZE];
    if (EVP_Digest(p, n, md, &len, EVP_sha1(), NULL) != 1 || len != BT_HASH_LEN)
        return 0;
    memcpy(out, md, BT_HASH_LEN);
    return 1;
}

static int bit_get(const uint8_t *b, uint32_t bits, uint32_t i) { return b && i < bits && (b[i >> 3] >> (i & 7)) & 1; }

/* Makes the piece bitmaps hold index i (they grow by doubling, up to BT_PIECES_MAX). */
static int bits_hold(bt_torrent *t, uint32_t i)
{
    if (i >= BT_PIECES_MAX)
        return 0;
    if (i < t->bits)
        return 1;
    uint32_t bits = t->bits ? t->bits : 64;
    while (bits <= i)
        bits *= 2;
    uint8_t *seen = realloc(t->seen, bits / 8);
    if (!seen)
        return 0;
    t->seen = seen;
    uint8_t *ver = realloc(t->verified, bits / 8);
    if (!ver)
        return 0;
    t->verified = ver;
    memset(seen + t->bits / 8, 0, (bits - t->bits) / 8);
    memset(ver + t->bits / 8, 0, (bits - t->bits) / 8);
    t->bits = bits;
    return 1;
}

static void bit_set(uint8_t *b, uint32_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* ---- torrents and their peers ---- */

int bt_torrent_of(tr_session *s, const uint8_t ih[BT_HASH_LEN])
{
    bt_global *g = global_of(s->ctx);
    if (!g)
        return -1;
    for (uint32_t i = 0; i < g->n; i++)
        if (memcmp(g->t[i].ih, ih, BT_HASH_LEN) == 0)
            return (int)i;
    if (g->n == BT_TORRENTS_MAX) {
        if (!g->dropped++)
            tr_anomaly(s->ctx, s, TR_NODIR, "bt_torrents_cap", "more than %d torrents: the rest are not followed",
                       BT_TORRENTS_MAX);
        return -1;
    }
    bt_torrent *t = &g->t[g->n];
    memset(t, 0, sizeof *t);
    memcpy(t->ih, ih, BT_HASH_LEN);
    bt_hex(ih, BT_HASH_LEN, t->hex);
    return (int)g->n++;
}

int bt_torrent_has_metadata(tr_session *s, int t)
{
    bt_torrent *tt = torrent_at(s, t);
    return tt && tt->has_meta;
}

/* A peer is its address and peer id: the same client reached on its listening port and connecting from an
 * ephemeral one is one peer, listed with the port it listens on once a connection to it was seen. */
int bt_torrent_peer(tr_session *s, int t, int dir, const uint8_t peer_id[BT_HASH_LEN])
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt)
        return -1;
    const tr_session *o = bt_outer(s);
    const tr_endpoint *ep = dir == TR_C2S ? &o->client : &o->server;
    int listening = dir == TR_S2C;
    tt->connections += dir == TR_C2S;
    for (uint32_t i = 0; i < tt->npeers; i++) {
        bt_peer *p = &tt->peers[i];
        if (!tr_ip_equal(&p->ip, &ep->ip) || memcmp(p->peer_id, peer_id, BT_HASH_LEN) != 0)
            continue;
        if (listening && !p->listening) {
            p->port = ep->port;
            p->listening = 1;
        }
        return (int)i;
    }
    if (tt->npeers == BT_PEERS_MAX) {
        tt->peers_dropped++;
        return -1;
    }
    bt_peer *p = &tt->peers[tt->npeers];
    memset(p, 0, sizeof *p);
    p->ip = ep->ip;
    p->port = ep->port;
    p->listening = (uint8_t)listening;
    memcpy(p->peer_id, peer_id, BT_HASH_LEN);
    bt_client_name(peer_id, p->client, sizeof p->client);
    return (int)tt->npeers++;
}

void bt_torrent_peer_bytes(tr_session *s, int t, int from, int to, uint64_t n)
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt)
        return;
    if (from >= 0 && (uint32_t)from < tt->npeers)
        tt->peers[from].up += n;
    if (to >= 0 && (uint32_t)to < tt->npeers)
        tt->peers[to].down += n;
}

void bt_torrent_tracker(tr_session *s, int t, const char *url)
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt || !url[0])
        return;
    for (int i = 0; i < tt->ntrackers; i++)
        if (strncmp(tt->trackers[i], url, BT_TRACKER_LEN - 1) == 0)
            return;
    if (tt->ntrackers < BT_TRACKERS_MAX)
        snprintf(tt->trackers[tt->ntrackers++], BT_TRACKER_LEN, "%s", url);
}

void bt_torrent_dht(tr_session *s, int t, int what, uint32_t n)
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt)
        return;
    if (what == BT_DHT_GET_PEERS)
        tt->dht_get_peers += n;
    else if (what == BT_DHT_ANNOUNCE)
        tt->dht_announce += n;
    else
        tt->dht_values += n;
}

/* ---- the metadata: the info dictionary (BEP 3) ---- */

/* One path component made safe for the exporter: no separators, no control bytes, not "." or "..", not empty,
 * length-capped. */
static size_t safe_component(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap && k < BT_COMPONENT_MAX; i++) {
        uint8_t c = p[i];
        out[k++] = (char)(c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':' ? '_' : c);
    }
    out[k] = '\0';
    if (k == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
        snprintf(out, cap, "_");
        k = 1;
    }
    return k;
}

static void free_layout(bt_torrent *t)
{
    for (uint32_t i = 0; i < t->nfiles; i++) {
        free(t->files[i].path);
        free(t->files[i].rel);
        if (t->files[i].at) {
            obj_at_close(t->files[i].at, 0);
            free(t->files[i].at);
        }
    }
    free(t->files);
    free(t->hashes);
    free(t->name);
    t->files = NULL;
    t->hashes = NULL;
    t->name = NULL;
    t->nfiles = 0;
}

/* A file's path from its `path` list: the torrent's words joined by '/', and the export path made safe. */
static int file_paths(bt_torrent *t, bt_file *f, const benc_value *list, const char *safe_name)
{
    char path[1024], rel[1024];
    size_t pn = 0;
    int rn = snprintf(rel, sizeof rel, "torrents/%s/%s", t->hex, safe_name);
    path[0] = '\0';
    benc_iter it;
    benc_value c;
    benc_iter_init(&it, list);
    int depth = 0;
    while (benc_list_next(&it, &c)) {
        if (c.type != BENC_STR || ++depth > BT_PATH_DEPTH_MAX)
            return 0;
        char comp[BT_COMPONENT_MAX + 8];
        safe_component(c.s, c.n, comp, sizeof comp);
        int w = snprintf(path + pn, sizeof path - pn, "%s%.*s", pn ? "/" : "", (int)c.n, (const char *)c.s);
        if (w < 0 || (size_t)w >= sizeof path - pn)
            return 0;
        pn += (size_t)w;
        int r = snprintf(rel + rn, sizeof rel - (size_t)rn, "/%s", comp);
        if (r < 0 || (size_t)r >= sizeof rel - (size_t)rn)
            return 0;
        rn += r;
    }
    if (!depth)
        return 0;
    f->path = strdup(path);
    f->rel = strdup(rel);
    return f->path && f->rel;
}

/* Learns the layout from an info dictionary. 0 when it is not one. */
static int layout_read(bt_torrent *t, const benc_value *info)
{
    benc_value v, name, files, pieces;
    if (info->type != BENC_DICT)
        return 0;
    if (!(benc_dict_get(info, "name.utf-8", &name) && name.type == BENC_STR) &&
        !(benc_dict_get(info, "name", &name) && name.type == BENC_STR))
        return 0;
    if (!benc_dict_get(info, "piece length", &v) || v.type != BENC_INT || v.i <= 0 || v.i > (1 << 30))
        return 0;
    uint32_t piece_len = (uint32_t)v.i;
    if (!benc_dict_get(info, "pieces", &pieces) || pieces.type != BENC_STR || pieces.n % BT_HASH_LEN ||
        pieces.n / BT_HASH_LEN > BT_PIECES_MAX)
        return 0;
    free_layout(t);
    t->name = malloc(name.n + 1);
    t->hashes = malloc(pieces.n ? pieces.n : 1);
    if (!t->name || !t->hashes)
        return free_layout(t), 0;
    memcpy(t->name, name.s, name.n);
    t->name[name.n] = '\0';
    memcpy(t->hashes, pieces.s, pieces.n);
    t->piece_len = piece_len;
    t->npieces = (uint32_t)(pieces.n / BT_HASH_LEN);
    char safe_name[BT_COMPONENT_MAX + 8];
    safe_component(name.s, name.n, safe_name, sizeof safe_name);
    uint64_t total = 0;
    if (benc_dict_get(info, "files", &files) && files.type == BENC_LIST) {
        benc_iter it;
        benc_value f;
        size_t n = 0;
        benc_iter_init(&it, &files);
        while (n < BT_FILES_MAX && benc_list_next(&it, &f))
            n++;
        t->files = calloc(n ? n : 1, sizeof *t->files);
        if (!t->files)
            return free_layout(t), 0;
        benc_iter_init(&it, &files);
        while (t->nfiles < n && benc_list_next(&it, &f)) {
            benc_value len, path;
            if (f.type != BENC_DICT || !benc_dict_get(&f, "length", &len) || len.type != BENC_INT || len.i < 0 ||
                (!(benc_dict_get(&f, "path.utf-8", &path) && path.type == BENC_LIST) &&
                 !(benc_dict_get(&f, "path", &path) && path.type == BENC_LIST)))
                return free_layout(t), 0;
            bt_file *bf = &t->files[t->nfiles++];
            bf->off = total;
            bf->len = (uint64_t)len.i;
            if (!file_paths(t, bf, &path, safe_name))
                return free_layout(t), 0;
            if ((uint64_t)len.i > (UINT64_MAX >> 2) - total)
                return free_layout(t), 0;
            total += (uint64_t)len.i;
        }
    } else if (benc_dict_get(info, "length", &v) && v.type == BENC_INT && v.i >= 0) {
        t->files = calloc(1, sizeof *t->files);
        if (!t->files)
            return free_layout(t), 0;
        bt_file *bf = &t->files[t->nfiles++];
        bf->len = total = (uint64_t)v.i;
        char rel[1024];
        snprintf(rel, sizeof rel, "torrents/%s/%s", t->hex, safe_name);
        bf->path = strdup(t->name);
        bf->rel = strdup(rel);
        if (!bf->path || !bf->rel)
            return free_layout(t), 0;
    } else {
        return free_layout(t), 0;
    }
    /* the piece count must cover the length exactly */
    if ((total + piece_len - 1) / piece_len != t->npieces)
        return free_layout(t), 0;
    t->length = total;
    t->has_meta = 1;
    bits_hold(t, t->npieces ? t->npieces - 1 : 0);
    return 1;
}

static void metadata_event(tr_session *s, bt_torrent *t, int dir, const char *source, const benc_value *torrent)
{
    /* an event of its own: it is emitted while the message that completed the metadata fills bt_ev */
    static tr_event meta_ev;
    tr_event *e = &meta_ev;
    tr_ev_init(e, s, "metadata", dir);
    e->proto = dis_bittorrent.name;
    tr_ev_str(e, "info_hash", t->hex);
    tr_ev_str(e, "name", t->name);
    tr_ev_int(e, "piece_length", t->piece_len);
    tr_ev_int(e, "pieces", t->npieces);
    tr_ev_int(e, "length", (int64_t)t->length);
    tr_ev_list(e, "files");
    for (uint32_t i = 0; i < t->nfiles && i < BT_FILES_LISTED; i++) {
        tr_ev_obj(e, NULL);
        tr_ev_str(e, "path", t->files[i].path);
        tr_ev_int(e, "length", (int64_t)t->files[i].len);
        tr_ev_end(e);
    }
    tr_ev_end(e);
    if (t->nfiles > BT_FILES_LISTED)
        tr_ev_int(e, "files_total", t->nfiles);
    tr_ev_bool(e, "verified", t->meta_verified);
    tr_ev_str(e, "source", source);
    benc_value v;
    if (torrent && benc_dict_get(torrent, "announce", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "announce", v.s, v.n);
    if (torrent && benc_dict_get(torrent, "comment", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "comment", v.s, v.n);
    if (torrent && benc_dict_get(torrent, "created by", &v) && v.type == BENC_STR)
        tr_ev_strn(e, "created_by", v.s, v.n);
    tr_emit(e);
}

void bt_torrent_metadata_size(tr_session *s, int t, uint64_t size)
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt || tt->has_meta || tt->meta_buf || size == 0 || size > BT_METADATA_MAX)
        return;
    tt->meta_size = size;
}

void bt_torrent_metadata_piece(tr_session *s, int t, uint32_t piece, const uint8_t *p, size_t n, int dir)
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt || tt->has_meta || !tt->meta_size)
        return;
    uint32_t count = (uint32_t)((tt->meta_size + BT_METADATA_PIECE - 1) / BT_METADATA_PIECE);
    if (piece >= count)
        return;
    uint64_t at = (uint64_t)piece * BT_METADATA_PIECE;
    uint64_t want = tt->meta_size - at < BT_METADATA_PIECE ? tt->meta_size - at : BT_METADATA_PIECE;
    if (n != want) {
        tr_anomaly(s->ctx, s, dir, "bt_metadata_piece_length", "ut_metadata piece %u holds %zu bytes, not %llu",
                   piece, n, (unsigned long long)want);
        return;
    }
    if (!tt->meta_buf) {
        tt->meta_buf = malloc(tt->meta_size);
        tt->meta_got = calloc((count + 7) / 8, 1);
        if (!tt->meta_buf || !tt->meta_got) {
            free(tt->meta_buf);
            free(tt->meta_got);
            tt->meta_buf = tt->meta_got = NULL;
            return;
        }
    }
    memcpy(tt->meta_buf + at, p, n);
    bit_set(tt->meta_got, piece);
    for (uint32_t i = 0; i < count; i++)
        if (!bit_get(tt->meta_got, count, i))
            return;
    /* every piece is here: it is the info dictionary when its SHA-1 is the info_hash */
    int ok = sha1_is(tt->meta_buf, tt->meta_size, tt->ih);
    if (ok) {
        tr_buf b = tr_buf_make(tt->meta_buf, tt->meta_size);
        benc_value info;
        ok = benc_read(&b, &info) == BENC_OK && layout_read(tt, &info);
        if (ok) {
            tt->meta_verified = 1;
            metadata_event(s, tt, dir, "ut_metadata", NULL);
        } else {
            tr_anomaly(s->ctx, s, dir, "bt_bad_metadata", "the metadata matches the info_hash but is no torrent's info");
        }
    } else {
        tr_anomaly(s->ctx, s, dir, "bt_metadata_hash_mismatch", "the ut_metadata pieces' SHA-1 is not the info_hash");
    }
    free(tt->meta_buf);
    free(tt->meta_got);
    tt->meta_buf = tt->meta_got = NULL;
}

void bt_torrent_file(tr_session *s, const uint8_t *p, size_t n, int dir)
{
    tr_buf b = tr_buf_make(p, n);
    benc_value top, info;
    if (benc_read(&b, &top) != BENC_OK || top.type != BENC_DICT || !benc_dict_get(&top, "info", &info) ||
        info.type != BENC_DICT)
        return;
    uint8_t ih[BT_HASH_LEN];
    if (!sha1_of(info.raw, info.raw_n, ih))
        return;
    int t = bt_torrent_of(s, ih);
    bt_torrent *tt = torrent_at(s, t);
    if (!tt)
        return;
    if (tt->has_meta)
        return; /* known already (the same .torrent fetched again) */
    if (!layout_read(tt, &info)) {
        tr_anomaly(s->ctx, s, dir, "bt_bad_metadata", "a .torrent whose info dictionary is not one");
        return;
    }
    tt->meta_verified = 1; /* its info_hash is its own */
    metadata_event(s, tt, dir, "torrent_file", &top);
}

/* ---- pieces ---- */

static uint32_t piece_size(const bt_torrent *t, uint32_t index)
{
    uint64_t at = (uint64_t)index * t->piece_len;
    if (at >= t->length)
        return 0;
    return t->length - at < t->piece_len ? (uint32_t)(t->length - at) : t->piece_len;
}

/* The file that holds torrent offset off (files are in order); nfiles when none. */
static uint32_t file_at(const bt_torrent *t, uint64_t off)
{
    uint32_t lo = 0, hi = t->nfiles;
    while (lo + 1 < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (t->files[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    while (lo < t->nfiles && off >= t->files[lo].off + t->files[lo].len)
        lo++; /* past empty files */
    return lo;
}

const char *bt_torrent_block_path(tr_session *s, int t, uint32_t index, uint32_t begin)
{
    bt_torrent *tt = torrent_at(s, t);
    if (!tt || !tt->has_meta || !s->ctx || s->ctx->file_sink < 0)
        return NULL;
    uint32_t i = file_at(tt, (uint64_t)index * tt->piece_len + begin);
    return i < tt->nfiles && i < BT_EXPORT_FILES_MAX ? tt->files[i].rel : NULL;
}

/* Content bytes at torrent offset off, into the files they belong to. */
static void content_write(tr_session *s, bt_torrent *t, uint64_t off, const uint8_t *p, size_t n)
{
    for (uint32_t i = file_at(t, off); i < t->nfiles && n; i++) {
        bt_file *f = &t->files[i];
        if (off >= f->off + f->len)
            continue;
        uint64_t in = off - f->off;
        size_t k = f->len - in < n ? (size_t)(f->len - in) : n;
        if (!f->at && !f->refused) {
            if (i < BT_EXPORT_FILES_MAX && (f->at = calloc(1, sizeof *f->at)) != NULL) {
                if (obj_at_open(f->at, s->ctx, f->rel, f->len, 0) < 0) {
                    f->refused = 1;
                    tr_anomaly(s->ctx, s, TR_NODIR, "bt_export_refused", "the exporter refused %s", f->rel);
                }
            } else {
                f->refused = 1;
            }
        }
        if (f->at)
            obj_at_write(f->at, in, p, k);
        off += k;
        p += k;
        n -= k;
    }
}

static void piecebuf_release(bt_piecebuf *pb)
{
    if (pb->charged)
        pb->charged->state_extra -= pb->len;
    free(pb->buf);
    ranges_free(&pb->got);
    memset(pb, 0, sizeof *pb);
    pb->t = -1;
}

static bt_piecebuf *piecebuf_for(tr_session *s, bt_global *g, int t, uint32_t index, uint32_t len)
{
    bt_piecebuf *free_one = NULL, *oldest = NULL;
    for (int i = 0; i < BT_PIECEBUFS; i++) {
        bt_piecebuf *pb = &g->buf[i];
        if (pb->t == t && pb->index == index)
            return pb;
        if (pb->t < 0 && !free_one)
            free_one = pb;
        if (pb->t >= 0 && (!oldest || pb->seq < oldest->seq))
            oldest = pb;
    }
    bt_piecebuf *pb = free_one;
    if (!pb) {
        pb = oldest;
        if (pb->t >= 0 && (uint32_t)pb->t < g->n)
            g->t[pb->t].pieces_unchecked++;
        g->evicted++;
        piecebuf_release(pb);
    }
    pb->buf = malloc(len);
    if (!pb->buf)
        return NULL;
    pb->t = t;
    pb->index = index;
    pb->len = len;
    pb->seq = ++g->seq;
    ranges_init(&pb->got, 64);
    pb->charged = bt_outer(s);
    pb->charged->state_extra += len;
    return pb;
}

void bt_torrent_block(tr_session *s, int t, uint32_t index, uint32_t block_begin, uint32_t length, uint32_t at,
                      const uint8_t *p, size_t n)
{
    bt_global *g = global_of(s->ctx);
    bt_torrent *tt = torrent_at(s, t);
    if (!g || !tt || !n)
        return;
    if (bits_hold(tt, index) && !bit_get(tt->seen, tt->bits, index)) {
        bit_set(tt->seen, index);
        tt->pieces_seen++;
    }
    if (!tt->has_meta) {
        uint64_t end = (uint64_t)block_begin + at + n; /* the furthest byte of the piece seen, however it was cut */
        if (end > tt->inferred_len && end <= BT_PIECE_LEN_MAX * 4ull)
            tt->inferred_len = (uint32_t)end;
        tt->bytes_before_meta += n;
        return;
    }
    uint32_t plen = piece_size(tt, index);
    if (!plen || (uint64_t)block_begin + length > plen || (uint64_t)at + n > length) {
        if (at == 0) /* once per block, at its first bytes */
            tr_anomaly(s->ctx, s, TR_NODIR, "bt_block_outside", "a block of piece %u at %u past the piece's end",
                       index, block_begin);
        return;
    }
    uint32_t begin = block_begin + at; /* inside the piece: no wrap */
    if (bit_get(tt->verified, tt->bits, index))
        return; /* a piece already checked, sent again (endgame) */
    content_write(s, tt, (uint64_t)index * tt->piece_len + begin, p, n);
    if (plen > BT_PIECE_LEN_MAX)
        return; /* too large to check in memory: written, never verified */
    bt_piecebuf *pb = piecebuf_for(s, g, t, index, plen);
    if (!pb)
        return;
    memcpy(pb->buf + begin, p, n);
    ranges_add(&pb->got, begin, begin + n);
    if (!ranges_covers(&pb->got, 0, plen))
        return;
    if (sha1_is(pb->buf, plen, tt->hashes + (size_t)index * BT_HASH_LEN)) {
        bit_set(tt->verified, index);
        tt->pieces_verified++;
    } else {
        tt->pieces_failed++;
        tr_anomaly(s->ctx, s, TR_NODIR, "bt_piece_hash_mismatch", "piece %u of %s is not what its SHA-1 says", index,
                   tt->hex);
    }
    piecebuf_release(pb);
}

void bt_torrent_session_closed(tr_session *s)
{
    bt_global **slot = s->ctx ? tr_dissector_global(s->ctx, &dis_bittorrent) : NULL;
    bt_global *g = slot ? *slot : NULL;
    if (!g)
        return;
    for (int i = 0; i < BT_PIECEBUFS; i++)
        if (g->buf[i].charged == s) {
            s->state_extra -= g->buf[i].len;
            g->buf[i].charged = NULL;
        }
}

/* ---- the end: one `torrent` event each ---- */

static int file_verified(const bt_torrent *t, const bt_file *f)
{
    if (!t->piece_len)
        return 0;
    if (!f->len)
        return 1;
    uint32_t a = (uint32_t)(f->off / t->piece_len), b = (uint32_t)((f->off + f->len - 1) / t->piece_len);
    for (uint32_t i = a; i <= b; i++)
        if (!bit_get(t->verified, t->bits, i))
            return 0;
    return 1;
}

static void missing_list(tr_event *e, const bt_torrent *t)
{
    if (!t->has_meta)
        return;
    tr_ev_list(e, "missing");
    uint32_t listed = 0;
    for (uint32_t i = 0; i < t->npieces && listed < BT_MISSING_LISTED;) {
        if (bit_get(t->verified, t->bits, i)) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j + 1 < t->npieces && !bit_get(t->verified, t->bits, j + 1))
            j++;
        if (i == j)
            tr_ev_printf(e, NULL, "%u", i);
        else
            tr_ev_printf(e, NULL, "%u-%u", i, j);
        listed++;
        i = j + 1;
    }
    tr_ev_end(e);
}

static uint32_t pow2_at_least(uint32_t v)
{
    uint32_t p = 1;
    while (p < v && p < (1u << 30))
        p <<= 1;
    return p;
}

static void torrent_event(tr_ctx *ctx, bt_torrent *t)
{
    tr_event *e = &bt_ev;
    tr_ev_init_nosession(e, ctx, dis_bittorrent.name, "torrent");
    tr_ev_str(e, "info_hash", t->hex);
    if (t->name)
        tr_ev_str(e, "name", t->name);
    if (t->has_meta) {
        tr_ev_int(e, "piece_length", t->piece_len);
        tr_ev_int(e, "pieces", t->npieces);
        tr_ev_int(e, "length", (int64_t)t->length);
    } else if (t->inferred_len) {
        tr_ev_int(e, "piece_length", pow2_at_least(t->inferred_len));
        tr_ev_bool(e, "piece_length_inferred", 1);
    }
    tr_ev_list(e, "trackers");
    for (int i = 0; i < t->ntrackers; i++)
        tr_ev_str(e, NULL, t->trackers[i]);
    tr_ev_end(e);
    tr_ev_list(e, "peers");
    for (uint32_t i = 0; i < t->npeers; i++) {
        char a[TR_IP_STRLEN];
        const bt_peer *p = &t->peers[i];
        tr_ev_obj(e, NULL);
        tr_ip_format(&p->ip, a);
        tr_ev_strcopy(e, "ip", a, strlen(a));
        tr_ev_int(e, "port", p->port);
        if (p->client[0])
            tr_ev_str(e, "client", p->client);
        tr_ev_int(e, "up", (int64_t)p->up);
        tr_ev_int(e, "down", (int64_t)p->down);
        tr_ev_end(e);
    }
    tr_ev_end(e);
    tr_ev_int(e, "connections", t->connections);
    if (t->dht_get_peers || t->dht_announce || t->dht_values) {
        tr_ev_obj(e, "dht");
        tr_ev_int(e, "get_peers", t->dht_get_peers);
        tr_ev_int(e, "announce_peer", t->dht_announce);
        tr_ev_int(e, "values", t->dht_values);
        tr_ev_end(e);
    }
    tr_ev_int(e, "pieces_seen", t->pieces_seen);
    tr_ev_int(e, "pieces_verified", t->pieces_verified);
    if (t->pieces_failed)
        tr_ev_int(e, "pieces_failed", t->pieces_failed);
    if (t->pieces_unchecked)
        tr_ev_int(e, "pieces_unchecked", t->pieces_unchecked);
    if (t->bytes_before_meta)
        tr_ev_int(e, "bytes_before_metadata", (int64_t)t->bytes_before_meta);
    int complete = t->has_meta && t->pieces_verified == t->npieces;
    tr_ev_bool(e, "complete", complete);
    missing_list(e, t);
    int any_file = 0;
    if (t->has_meta) {
        tr_ev_list(e, "files");
        for (uint32_t i = 0; i < t->nfiles && i < BT_FILES_LISTED; i++) {
            bt_file *f = &t->files[i];
            int ok = file_verified(t, f);
            tr_ev_obj(e, NULL);
            tr_ev_str(e, "path", f->path);
            tr_ev_int(e, "length", (int64_t)f->len);
            tr_ev_bool(e, "complete", ok);
            if (f->at && f->at->relpath[0]) {
                tr_ev_file(e, "file", f->at->relpath);
                any_file = 1;
            }
            tr_ev_end(e);
        }
        tr_ev_end(e);
    }
    if (any_file && t->nfiles == 1)
        tr_ev_file(e, "file", t->files[0].at->relpath);
    char *dir = any_file ? tr_ev_alloc(e, 64) : NULL; /* the field points at it until the event is out */
    if (dir) {
        snprintf(dir, 64, "torrents/%s", t->hex);
        tr_ev_file(e, "folder", dir);
    }
    tr_emit(e);
    /* the files are done: complete when every piece they hold was checked */
    for (uint32_t i = 0; i < t->nfiles; i++) {
        bt_file *f = &t->files[i];
        if (f->at) {
            obj_at_close(f->at, file_verified(t, f));
            free(f->at);
            f->at = NULL;
        }
    }
}

void bt_finish(tr_ctx *ctx, void *global)
{
    bt_global **slot = global, *g = *slot;
    if (!g)
        return;
    for (int i = 0; i < BT_PIECEBUFS; i++)
        if (g->buf[i].t >= 0) {
            g->buf[i].charged = NULL; /* every session has ended */
            piecebuf_release(&g->buf[i]);
        }
    for (uint32_t i = 0; i < g->n; i++) {
        bt_torrent *t = &g->t[i];
        torrent_event(ctx, t);
        free_layout(t);
        free(t->meta_buf);
        free(t->meta_got);
        free(t->seen);
        free(t->verified);
    }
    free(g);
    *slot = NULL;
}
