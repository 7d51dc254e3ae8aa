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

const tr_presenter bt_present = {
    .summary = bt_summary,
    .transcript_mode = TR_TXM_DATAGRAMS,
    .transcript_note = bt_note,
    .text_fold = bt_text_fold,
};
