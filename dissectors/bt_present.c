/* bt_present: how BitTorrent shows itself. Summaries: a handshake names the client and the torrent
 * (`Transmission 3.00 148cf515…`), announces and DHT queries are questions their answers join (`announce started
 * 148cf515… → 1 peer`, `get_peers 148cf515… → 1 value`), the metadata names the torrent. The many per-block
 * messages (request, piece, have, ...) add nothing to a summary: the runs are folded into the torrent's view (the
 * `torrent` event's per-peer byte counts, the transcript's run notes). Transcripts: DHT and UDP tracker datagrams
 * are shown decoded; over TCP the stream, with notes for handshakes, the extension handshake, metadata and
 * announces. */
#include <stdio.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../core/tr_view.h"
#include "bt.h"

#define SHORT_HASH 8 /* hex digits of an info_hash in a summary */

static void short_hash(const tr_event *e, const char *key, tr_strbuf *sb)
{
    const char *s;
    size_t n;
    if (!tr_evr_str(e, key, &s, &n))
        return;
    tr_sb_addc(sb, ' ');
    tr_sb_add(sb, s, n < SHORT_HASH ? n : SHORT_HASH);
    tr_sb_adds(sb, "\xe2\x80\xa6");
}

static int list_count(const tr_event *e, const char *key)
{
    int i = tr_evr_find(e, 0, e->nf, key);
    if (i < 0)
        return -1;
    int end = tr_ev_field_next(e, i), n = 0;
    for (int k = i + 1; k < end - 1; k = tr_ev_field_next(e, k))
        n++;
    return n;
}

static void count_words(tr_strbuf *sb, int n, const char *one, const char *many)
{
    tr_sb_printf(sb, "%d %s", n, n == 1 ? one : many);
}

static int bt_summary(const tr_event *e, const tr_summary *s)
{
    const char *t = e->type;
    if (strcmp(t, "handshake") == 0) {
        if (!tr_evr_add(e, "client", s->ask))
            tr_sb_adds(s->ask, "peer");
        short_hash(e, "info_hash", s->ask);
        if (tr_evr_field(e, "encrypted"))
            tr_sb_adds(s->ask, " (after MSE)");
        return TR_SUM_PART;
    }
    if (strcmp(t, "message") == 0) {
        if (!tr_evr_is(e, "ext", "handshake"))
            return TR_SUM_NONE; /* folded: see the torrent event */
        tr_sb_adds(s->ask, "extensions");
        if (tr_evr_field(e, "client")) {
            tr_sb_addc(s->ask, ' ');
            tr_evr_add(e, "client", s->ask);
        }
        return TR_SUM_PART;
    }
    if (strcmp(t, "metadata") == 0) {
        tr_sb_adds(s->ask, "metadata ");
        tr_evr_add(e, "name", s->ask);
        int64_t pieces = 0;
        if (tr_evr_int(e, "pieces", &pieces))
            tr_sb_printf(s->ask, " (%lld pieces)", (long long)pieces);
        return TR_SUM_PART;
    }
    if (strcmp(t, "announce") == 0 || strcmp(t, "scrape") == 0) {
        tr_sb_adds(s->ask, t);
        if (tr_evr_field(e, "event")) {
            tr_sb_addc(s->ask, ' ');
            tr_evr_add(e, "event", s->ask);
        }
        short_hash(e, "info_hash", s->ask);
        return TR_SUM_ASK;
    }
    if (strcmp(t, "announce_reply") == 0 || strcmp(t, "scrape_reply") == 0) {
        if (tr_evr_field(e, "failure_reason"))
            tr_evr_add(e, "failure_reason", s->answer);
        else if (t[0] == 'a') {
            int n = list_count(e, "peers"), n6 = list_count(e, "peers6");
            count_words(s->answer, (n > 0 ? n : 0) + (n6 > 0 ? n6 : 0), "peer", "peers");
        } else {
            count_words(s->answer, list_count(e, "files") > 0 ? list_count(e, "files") : 0, "torrent", "torrents");
        }
        return TR_SUM_ANSWER;
    }
    if (strcmp(t, "dht") == 0) {
        if (tr_evr_is(e, "y", "q")) {
            tr_evr_add(e, "q", s->ask);
            short_hash(e, tr_evr_field(e, "info_hash") ? "info_hash" : "target", s->ask);
            return TR_SUM_ASK;
        }
        if (tr_evr_is(e, "y", "e")) {
            tr_evr_add(e, "error", s->answer);
            return TR_SUM_ANSWER;
        }
        int v = list_count(e, "values"), n = list_count(e, "nodes");
        if (v >= 0)
            count_words(s->answer, v, "value", "values");
        else if (n >= 0)
            count_words(s->answer, n, "node", "nodes");
        else
            tr_sb_adds(s->answer, "ok");
        return TR_SUM_ANSWER;
    }
    if (strcmp(t, "torrent") == 0) {
        tr_sb_adds(s->ask, "torrent");
        short_hash(e, "info_hash", s->ask);
        return TR_SUM_PART;
    }
    return TR_SUM_NONE;
}

/* "key=value" for each field of the event's protocol object, lists joined by ", ". */
static void fields_line(const tr_event *e, tr_strbuf *text, const char *skip)
{
    for (int i = 0; i < e->nf; i = tr_ev_field_next(e, i)) {
        const tr_field *f = &e->f[i];
        if (f->top || !f->key || (skip && strcmp(f->key, skip) == 0) || f->type == TR_F_FILE)
            continue;
        tr_sb_addc(text, ' ');
        tr_sb_adds(text, f->key);
        tr_sb_addc(text, '=');
        if (f->type == TR_F_LIST || f->type == TR_F_OBJ) {
            int end = tr_ev_field_next(e, i), n = 0;
            tr_sb_addc(text, f->type == TR_F_LIST ? '[' : '{');
            for (int k = i + 1; k < end - 1 && n < 16; k = tr_ev_field_next(e, k), n++) {
                if (n)
                    tr_sb_adds(text, ", ");
                if (e->f[k].key && f->type == TR_F_OBJ) {
                    tr_sb_adds(text, e->f[k].key);
                    tr_sb_addc(text, '=');
                }
                if (e->f[k].type == TR_F_OBJ || e->f[k].type == TR_F_LIST)
                    tr_sb_adds(text, "...");
                else
                    tr_evr_value(e, k, text);
            }
            if (n == 16)
                tr_sb_adds(text, ", ...");
            tr_sb_addc(text, f->type == TR_F_LIST ? ']' : '}');
        } else {
            tr_evr_value(e, i, text);
        }
    }
}

static int bt_note(const tr_event *e, tr_strbuf *text)
{
    const char *t = e->type;
    int udp = e->session && e->session->l4 == TR_UDP;
    if (strcmp(t, "message") == 0 && !tr_evr_is(e, "msg", "extended"))
        return -1; /* the stream shows them */
    if (strcmp(t, "torrent") == 0)
        return -1;
    tr_sb_addc(text, '[');
    tr_sb_adds(text, t);
    fields_line(e, text, NULL);
    tr_sb_addc(text, ']');
    if (udp && (strcmp(t, "dht") == 0 || strcmp(t, "announce") == 0 || strcmp(t, "announce_reply") == 0 ||
                strcmp(t, "scrape") == 0 || strcmp(t, "scrape_reply") == 0))
        return TR_TX_DECODED;
    return TR_TX_NOTE;
}

/* -T text folds a peer's runs of per-piece messages (requests and pieces above all: thousands per connection) into
 * their first line and one saying how many more came and how many block bytes they asked for or carried. */
static int bt_text_fold(const tr_event *e, tr_strbuf *key, uint64_t *bytes)
{
    static const char *const folded[] = {"request", "piece", "have", "cancel", "reject_request", "allowed_fast",
                                         "suggest_piece"};
    if (strcmp(e->type, "message") != 0)
        return 0;
    for (size_t i = 0; i < sizeof folded / sizeof *folded; i++) {
        if (!tr_evr_is(e, "msg", folded[i]))
            continue;
        int64_t n = 0;
        if (i < 2 && tr_evr_int(e, "length", &n) && n > 0)
            *bytes = (uint64_t)n;
        tr_sb_adds(key, "msg=");
        tr_sb_adds(key, folded[i]);
        return 1;
    }
    return 0;
}

/* ---- the views: a Torrents tab (a row per info_hash: named by its metadata as soon as it is known, whole from the
 * `torrent` event at the end), and each peer's client as a program its host runs ---- */

static const char *const torrent_columns[] = {"info_hash", "name",     "size",     "pieces",   "verified", "peers",
                                              "trackers",  "complete", "clients",  "folder",   NULL};
static const tr_view_table bt_tables[] = {
    {"Torrents", torrent_columns, "torrents.jsonl", 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5, 0},
    {NULL, NULL, NULL, 0, 0},
};
enum { TC_HASH, TC_NAME, TC_SIZE, TC_PIECES, TC_VERIFIED, TC_PEERS, TC_TRACKERS, TC_COMPLETE, TC_CLIENTS, TC_FOLDER };

#define BT_CELL 512

/* A string field as a NUL-terminated copy, or tr_view_keep when the event does not have it. */
static const char *cell_str(const tr_event *e, const char *key, char *out)
{
    const tr_field *f = tr_evr_field(e, key); /* a string, or an exported file's path */
    if (!f || (f->type != TR_F_STR && f->type != TR_F_FILE) || !f->s)
        return tr_view_keep;
    snprintf(out, BT_CELL, "%.*s", (int)(f->n < BT_CELL ? f->n : BT_CELL - 1), f->s);
    return out;
}

static const char *cell_int(const tr_event *e, const char *key, char *out)
{
    int64_t v;
    if (!tr_evr_int(e, key, &v))
        return tr_view_keep;
    snprintf(out, BT_CELL, "%lld", (long long)v);
    return out;
}

/* A list's strings (or its objects' `key` strings, each once) joined with ", "; how many items it has. */
static int cell_list(const tr_event *e, const char *list_key, const char *key, char *out)
{
    int list = tr_evr_find(e, 0, e->nf, list_key), count = 0;
    size_t o = 0;
    out[0] = '\0';
    if (list < 0 || e->f[list].type != TR_F_LIST)
        return -1;
    for (int i = list + 1, end = tr_ev_field_next(e, list); i < end - 1; i = tr_ev_field_next(e, i)) {
        count++;
        int v = i;
        if (key) {
            v = e->f[i].type == TR_F_OBJ ? tr_evr_find(e, i + 1, tr_ev_field_next(e, i), key) : -1;
            if (v < 0)
                continue;
        }
        if (e->f[v].type != TR_F_STR || !e->f[v].n)
            continue;
        char item[160];
        snprintf(item, sizeof item, "%.*s", (int)(e->f[v].n < sizeof item ? e->f[v].n : sizeof item - 1), e->f[v].s);
        if (key) { /* each once */
            const char *at = strstr(out, item);
            size_t len = strlen(item);
            if (at && (at == out || at[-1] == ' ') && (at[len] == '\0' || at[len] == ','))
                continue;
        }
        if (o + strlen(item) + 3 < BT_CELL)
            o += (size_t)snprintf(out + o, BT_CELL - o, "%s%s", o ? ", " : "", item);
    }
    return count;
}

static void bt_view_event(const tr_event *e, const tr_view_out *out)
{
    const char *t = e->type, *s;
    size_t n;
    /* a peer's client, named by its peer id (handshake) or by the tracker announce it sent */
    if ((strcmp(t, "handshake") == 0 || strcmp(t, "announce") == 0) && e->session && tr_evr_str(e, "client", &s, &n))
        out->host(out, e->dir == TR_S2C ? tr_view_server_ip(e) : tr_view_client_ip(e), TR_HOST_CLIENT, s, n,
                  "bittorrent peer id");
    char hash[BT_CELL], c[10][BT_CELL];
    if (cell_str(e, "info_hash", hash) == tr_view_keep)
        return;
    const char *cells[10];
    for (int i = 0; i < 10; i++)
        cells[i] = tr_view_keep;
    cells[TC_HASH] = hash;
    if (strcmp(t, "metadata") == 0 || strcmp(t, "torrent") == 0) {
        cells[TC_NAME] = cell_str(e, "name", c[TC_NAME]);
        cells[TC_SIZE] = cell_int(e, "length", c[TC_SIZE]);
        cells[TC_PIECES] = cell_int(e, "pieces", c[TC_PIECES]);
    }
    if (strcmp(t, "torrent") == 0) { /* the end: everything the torrent's view holds */
        cells[TC_VERIFIED] = cell_int(e, "pieces_verified", c[TC_VERIFIED]);
        int64_t done;
        cells[TC_COMPLETE] = tr_evr_int(e, "complete", &done) ? (done ? "yes" : "no") : NULL;
        int peers = cell_list(e, "peers", "client", c[TC_CLIENTS]);
        cells[TC_CLIENTS] = c[TC_CLIENTS];
        snprintf(c[TC_PEERS], BT_CELL, "%d", peers > 0 ? peers : 0);
        cells[TC_PEERS] = c[TC_PEERS];
        cell_list(e, "trackers", NULL, c[TC_TRACKERS]);
        cells[TC_TRACKERS] = c[TC_TRACKERS];
        cells[TC_FOLDER] = cell_str(e, "folder", c[TC_FOLDER]);
        /* each peer's client, on its address */
        int list = tr_evr_find(e, 0, e->nf, "peers");
        if (list >= 0 && e->f[list].type == TR_F_LIST)
            for (int i = list + 1, end = tr_ev_field_next(e, list); i < end - 1; i = tr_ev_field_next(e, i)) {
                int rec_end = tr_ev_field_next(e, i);
                int ip = tr_evr_find(e, i + 1, rec_end, "ip"), cl = tr_evr_find(e, i + 1, rec_end, "client");
                tr_ip addr;
                if (e->f[i].type == TR_F_OBJ && ip >= 0 && cl >= 0 && e->f[cl].type == TR_F_STR &&
                    e->f[ip].type == TR_F_STR && tr_view_parse_ip(e->f[ip].s, e->f[ip].n, &addr))
                    out->host(out, &addr, TR_HOST_CLIENT, e->f[cl].s, e->f[cl].n, "bittorrent peer id");
            }
    }
    out->row(out, &bt_tables[0], hash, cells);
}

const tr_viewer bt_view = {.event = bt_view_event, .tables = bt_tables};

const tr_presenter bt_present = {
    .summary = bt_summary,
    .transcript_mode = TR_TXM_DATAGRAMS,
    .transcript_note = bt_note,
    .text_fold = bt_text_fold,
};
