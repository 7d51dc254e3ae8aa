/* tui_model: the bounded session store behind the UI, and its sorted, filtered rows.
 * Eviction rule (shown in the header): when max_sessions is reached, the oldest 1% of sessions leave the
 * table, closed ones before open ones; when events+transcripts pass max_details, the oldest sessions'
 * details are freed (closed first) down to 90% of it, and the session row stays, marked. */
#include "tui_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/tr_dissector.h"
#include "../core/tr_present.h"
#include "../output/event_blob.h"
#include "../output/tr_format.h"
#include "tui_digests.h"
#include "../output/tr_time.h"

#define TUI_FILTER_MAX 256
#define TUI_FILTER_WORDS 16
#define TUI_EVENT_FIELDS_MAX 4096
#define TUI_EVENT_BRIEF_MAX 256
#define TUI_EVENT_BLOB_MAX (64u * 1024u) /* an event kept for its events.jsonl line; a larger one keeps no line */
#define TUI_HIT_SLOTS 4096
#define TUI_NOTE_MAX (64u * 1024u) /* one transcript note (a DNS answer's records); longer ones are cut */

enum filter_kind { FILTER_TEXT, FILTER_PROTO, FILTER_HOST, FILTER_PORT };

typedef struct filter_word {
    int kind;
    unsigned port;
    char text[TUI_FILTER_MAX];
} filter_word;

struct tui_model {
    tui_limits lim;
    tui_session **ss; /* kept sessions, ascending id */
    size_t n, cap;
    uint64_t max_id;
    size_t last_hit; /* lookup cache: index of the last session found */
    uint32_t hit[TUI_HIT_SLOTS]; /* by id: 1 + the index a session was last found at (checked on use: evictions
                                    move sessions); events of many sessions interleave, and a binary search
                                    over 100,000 sessions was a few percent of the UI's indexing time */
    tui_stats st;
    uint64_t gen;
    /* rows */
    tui_session **rows;
    size_t nrows, rows_cap;
    uint64_t rows_gen; /* generation the rows were built from; 0: never */
    int sort_col, sort_reverse;
    char filter[TUI_FILTER_MAX];
    filter_word words[TUI_FILTER_WORDS];
    int nwords;
    tr_strbuf scratch; /* event rendering, reused */
    tr_strbuf note;    /* transcript notes (output/transcript.h), reused */
    tui_digests digests; /* digests shown before they are known */
    size_t detail_lo;    /* no session below this index holds details: eviction scans start here */
    uint8_t *blob;     /* an event being flattened (TUI_EVENT_BLOB_MAX), reused */
    tr_ctx *ctx;       /* the sessions' context: live sessions are looked up there (tui_model_follow) */
    int64_t first_day; /* the day the first session started on (tr_time_day) */
    int days;          /* 0: no session yet, 1: all started on first_day, 2: on more than one day */
};

void tui_limits_default(tui_limits *lim)
{
    lim->max_sessions = 100000;
    lim->max_events = 1000;
    lim->max_transcript = 256u * 1024u;
    lim->max_details = 16u * 1024u * 1024u; /* with 100000 sessions the UI stays under 96 MB (bench/README.md) */
}

const char *tui_state_name(int state)
{
    static const char *const names[] = {"open", "closed", "reset", "timed out", "evicted", "eof"};
    return state >= 0 && state <= TUI_EOF ? names[state] : "?";
}

const char *tui_col_name(int col)
{
    static const char *const names[] = {"id",      "start", "proto", "client", "server",
                                        "packets", "bytes", "state", "summary"};
    return col >= 0 && col < TUI_NCOLS ? names[col] : "?";
}

tui_model *tui_model_new(const tui_limits *lim)
{
    tui_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (lim)
        m->lim = *lim;
    else
        tui_limits_default(&m->lim);
    if (m->lim.max_sessions < 1)
        m->lim.max_sessions = 1;
    tr_sb_init(&m->scratch, TUI_EVENT_FIELDS_MAX);
    tr_sb_init(&m->note, TUI_NOTE_MAX);
    m->blob = malloc(TUI_EVENT_BLOB_MAX);
    if (!m->blob) {
        tr_sb_free(&m->scratch);
        tr_sb_free(&m->note);
        free(m);
        return NULL;
    }
    m->gen = 1;
    return m;
}

static void detail_free(tui_model *m, tui_session *s)
{
    tui_detail *d = s->detail;
    if (!d)
        return;
    m->st.detail_bytes -= d->mem;
    free(d->ev);
    free(d->evtext);
    free(d->ch);
    free(d->bytes);
    free(d);
    s->detail = NULL;
}

void tui_model_free(tui_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        detail_free(m, m->ss[i]);
        free(m->ss[i]);
    }
    free(m->ss);
    free(m->rows);
    tr_sb_free(&m->scratch);
    tr_sb_free(&m->note);
    tui_digests_free(&m->digests);
    free(m->blob);
    free(m);
}

const tui_limits *tui_model_limits(const tui_model *m) { return &m->lim; }
void tui_model_stats(const tui_model *m, tui_stats *out)
{
    *out = m->st;
    out->sessions_kept = m->n;
}
uint64_t tui_model_generation(const tui_model *m) { return m->gen; }

void tui_model_store_line(const tui_model *m, char *out, size_t cap)
{
    char used[32], max[32];
    tui_format_size(m->st.detail_bytes, used, sizeof used);
    tui_format_size(m->lim.max_details, max, sizeof max);
    /* What was evicted comes first: on a narrow screen the line is cut from the right. */
    snprintf(out, cap,
             "evicted %" PRIu64 " %s, %" PRIu64 " %s (oldest, closed first); kept %zu/%zu sessions, details %s/%s",
             m->st.sessions_evicted, m->st.sessions_evicted == 1 ? "session" : "sessions", m->st.details_evicted,
             m->st.details_evicted == 1 ? "detail" : "details", m->n, m->lim.max_sessions, used, max);
}

/* ---- lookup ---- */

static long find_index(const tui_model *m, uint64_t id)
{
    if (m->last_hit < m->n && m->ss[m->last_hit]->id == id)
        return (long)m->last_hit;
    size_t h = m->hit[id % TUI_HIT_SLOTS];
    if (h && h - 1 < m->n && m->ss[h - 1]->id == id)
        return (long)(h - 1);
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->ss[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->ss[lo]->id == id ? (long)lo : -1;
}

static tui_session *lookup(tui_model *m, uint64_t id)
{
    long i = find_index(m, id);
    if (i < 0)
        return NULL;
    m->last_hit = (size_t)i;
    if ((size_t)i < UINT32_MAX)
        m->hit[id % TUI_HIT_SLOTS] = (uint32_t)i + 1;
    return m->ss[i];
}

const tui_session *tui_model_find(const tui_model *m, uint64_t id)
{
    long i = find_index(m, id);
    return i < 0 ? NULL : m->ss[i];
}

/* ---- eviction ---- */

/* Removes `want` sessions: the lowest ids among closed ones, then the lowest among open ones. */
static void evict_sessions(tui_model *m, size_t want)
{
    uint8_t *doomed = calloc(m->n ? m->n : 1, 1);
    if (!doomed)
        return;
    size_t got = 0;
    for (int pass = 0; pass < 2 && got < want; pass++)
        for (size_t i = 0; i < m->n && got < want; i++)
            if (!doomed[i] && (pass == 1 || m->ss[i]->state != TUI_OPEN)) {
                doomed[i] = 1;
                got++;
            }
    size_t j = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (doomed[i]) {
            detail_free(m, m->ss[i]);
            free(m->ss[i]);
        } else {
            m->ss[j++] = m->ss[i];
        }
    }
    free(doomed);
    m->st.sessions_evicted += m->n - j;
    m->n = j;
    m->last_hit = 0;
    m->detail_lo = 0;
    m->rows_gen = 0; /* rows pointed at freed sessions: none until the next refresh */
    m->nrows = 0;
    m->gen++;
}

static void evict_details(tui_model *m)
{
    size_t target = m->lim.max_details / 10 * 9;
    while (m->detail_lo < m->n && !m->ss[m->detail_lo]->detail)
        m->detail_lo++;
    for (int pass = 0; pass < 2 && m->st.detail_bytes > target; pass++)
        for (size_t i = m->detail_lo; i < m->n && m->st.detail_bytes > target; i++) {
            tui_session *s = m->ss[i];
            if (s->detail && (pass == 1 || s->state != TUI_OPEN)) {
                detail_free(m, s);
                s->details_evicted = 1;
                m->st.details_evicted++;
            }
        }
    m->gen++;
}

/* ---- sessions ---- */

static void session_counters(tui_session *t, const tr_session *s)
{
    /* The engine may pick the dissector after on_session_open (a held flow claimed later). */
    const char *proto = tr_session_proto(s);
    if (strcmp(t->proto, proto) != 0)
        snprintf(t->proto, sizeof t->proto, "%s", proto);
    t->packets = s->packets[0] + s->packets[1];
    t->dir_bytes[0] = s->bytes[0];
    t->dir_bytes[1] = s->bytes[1];
    t->bytes = s->bytes[0] + s->bytes[1];
    for (int d = 0; d < 2; d++) {
        t->dir_packets[d] = s->packets[d];
        t->gap_bytes[d] = s->gap_bytes[d];
    }
    t->parent = s->parent;
    t->midstream = s->midstream;
    if (t->state == TUI_OPEN && s->closing && !s->end) /* lingering after its FINs or a RST */
        t->state = (uint8_t)(s->closing == TR_END_RST ? TUI_RESET : TUI_CLOSED);
    if (s->last_us > t->last_us)
        t->last_us = s->last_us;
}

static void endpoint_str(const tr_endpoint *ep, char *out, size_t cap)
{
    char ip[TR_IP_STRLEN];
    tr_ip_format(&ep->ip, ip);
    snprintf(out, cap, ep->ip.v == 6 ? "[%s]:%u" : "%s:%u", ip, ep->port);
}

static int state_of_end(int end)
{
    switch (end) {
    case TR_END_NONE: return TUI_OPEN;
    case TR_END_FIN: return TUI_CLOSED;
    case TR_END_RST: return TUI_RESET;
    case TR_END_TIMEOUT: return TUI_TIMED_OUT;
    case TR_END_EVICTED: return TUI_EVICTED;
    default: return TUI_EOF;
    }
}

/* The session for s: kept, newly created (ids only grow, so an unknown id above the highest seen is new),
 * or NULL when it was evicted. */
static tui_session *session_for(tui_model *m, const tr_session *s)
{
    tui_session *t = lookup(m, s->id);
    if (t || s->id <= m->max_id)
        return t;
    if (m->n >= m->lim.max_sessions) {
        size_t batch = m->lim.max_sessions / 100;
        evict_sessions(m, batch ? batch : 1);
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        tui_session **ns = realloc(m->ss, cap * sizeof *ns);
        if (!ns)
            return NULL;
        m->ss = ns;
        m->cap = cap;
    }
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->id = s->id;
    t->start_us = t->last_us = s->start_us;
    t->l4 = s->l4;
    t->state = (uint8_t)state_of_end(s->end);
    snprintf(t->proto, sizeof t->proto, "%s", tr_session_proto(s));
    t->client = s->client;
    t->server = s->server;
    if (s->ctx)
        m->ctx = s->ctx;
    int64_t day = tr_time_day(s->start_us);
    if (!m->days) {
        m->first_day = day;
        m->days = 1;
    } else if (day != m->first_day) {
        m->days = 2;
    }
    endpoint_str(&s->client, t->client_str, sizeof t->client_str);
    endpoint_str(&s->server, t->server_str, sizeof t->server_str);
    session_counters(t, s);
    m->ss[m->n] = t;
    m->last_hit = m->n++;
    if (m->n <= UINT32_MAX)
        m->hit[s->id % TUI_HIT_SLOTS] = (uint32_t)m->n;
    m->max_id = s->id;
    m->st.sessions_seen++;
    m->gen++;
    return t;
}

int tui_model_many_days(const tui_model *m) { return m->days > 1; }

int tui_model_follow(tui_model *m, uint64_t id)
{
    tui_session *t = lookup(m, id);
    const tr_session *s = t ? tr_session_find(m->ctx, id) : NULL; /* NULL once the engine ended it */
    if (!s || s->id != id)
        return 0;
    uint64_t packets = t->packets, bytes = t->bytes;
    uint8_t state = t->state;
    session_counters(t, s);
    int changed = t->packets != packets || t->bytes != bytes || t->state != state;
    if (changed)
        m->gen++;
    return changed;
}

/* ---- details ---- */

static tui_detail *detail_of(tui_model *m, tui_session *t)
{
    if (t->detail || t->details_evicted)
        return t->detail;
    t->detail = calloc(1, sizeof *t->detail);
    if (m->detail_lo < m->n && t->id < m->ss[m->detail_lo]->id)
        m->detail_lo = 0; /* an older session's first details: the scans start from the beginning again */
    if (t->detail) {
        t->detail->mem = sizeof *t->detail;
        m->st.detail_bytes += t->detail->mem;
    }
    return t->detail;
}

/* Grows *arr (elem bytes each, *cap of them) to hold want elements, at most max; 0 on failure. */
static int grow(tui_model *m, tui_detail *d, void **arr, size_t *cap, size_t elem, size_t want, size_t max)
{
    if (want <= *cap)
        return 1;
    if (want > max)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < want)
        nc *= 2;
    if (nc > max)
        nc = max;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return 0;
    d->mem += (nc - *cap) * elem;
    m->st.detail_bytes += (nc - *cap) * elem;
    *arr = p;
    *cap = nc;
    return 1;
}

/* max_transcript bounds the data and notes kept; the chunk count is bounded with it (tiny Telnet segments).
 * The one "transcript cap" note has room beyond both. */
static size_t chunk_max(const tui_model *m) { return m->lim.max_transcript / 8 + 64; }
#define CAP_NOTE_ROOM 256

static int add_chunk(tui_model *m, tui_detail *d, int64_t ts, int dir, int kind, const void *p, uint64_t n)
{
    size_t stored = kind == TR_TX_GAP ? 0 : (size_t)n;
    if (!grow(m, d, (void **)&d->ch, &d->chcap, sizeof *d->ch, d->nch + 1, chunk_max(m) + 1) ||
        !grow(m, d, (void **)&d->bytes, &d->bytes_cap, 1, d->nbytes + stored, m->lim.max_transcript + CAP_NOTE_ROOM))
        return -1;
    if (stored)
        memcpy(d->bytes + d->nbytes, p, stored);
    tui_chunk *c = &d->ch[d->nch++];
    c->ts_us = ts;
    c->n = n;
    c->off = d->nbytes;
    c->dir = (int8_t)dir;
    c->kind = (uint8_t)kind;
    d->nbytes += stored;
    return 0;
}

static void transcript_capped(tui_model *m, tui_detail *d, int64_t ts, uint64_t lost)
{
    m->st.transcript_dropped += lost;
    if (d->tx_capped)
        return;
    d->tx_capped = 1;
    char cap[32], text[128];
    tui_format_size(m->lim.max_transcript, cap, sizeof cap);
    int n = snprintf(text, sizeof text, "[transcript cap %s reached: later bytes not kept]", cap);
    add_chunk(m, d, ts, TR_NODIR, TR_TX_NOTE, text, (uint64_t)n);
}

/* Adds a piece of the transcript while the cap leaves room for it: data and notes count alike. */
static void store_chunk(tui_model *m, tui_session *t, int64_t ts, int dir, int kind, const void *p, size_t n)
{
    tui_detail *d = detail_of(m, t);
    if (!d || !n)
        return;
    size_t room = d->nbytes < m->lim.max_transcript ? m->lim.max_transcript - d->nbytes : 0;
    size_t take = kind == TR_TX_DATA && n > room ? room : n; /* data up to the cap; a note whole or not */
    if (!take || d->tx_capped || take > room || d->nch >= chunk_max(m) || add_chunk(m, d, ts, dir, kind, p, take) != 0)
        take = 0;
    if (take < n)
        transcript_capped(m, d, ts, n - take);
}

/* A note (TR_TX_NOTE, _DECODED, _TO_FILE) in m->note. */
static void store_note(tui_model *m, tui_session *t, int64_t ts, int dir, int kind)
{
    store_chunk(m, t, ts, dir, kind, m->note.p, m->note.len);
}

static size_t evtext_add(tui_model *m, tui_detail *d, const char *s, size_t n)
{
    size_t off = d->evtext_len;
    if (!grow(m, d, (void **)&d->evtext, &d->evtext_cap, 1, d->evtext_len + n + 1, (size_t)-1))
        return (size_t)-1;
    memcpy(d->evtext + off, s, n);
    d->evtext[off + n] = '\0';
    d->evtext_len += n + 1;
    return off;
}

/* The event flattened for a later export (`e` live) into m->blob; its length, 0 when it does not fit. A digest
 * ticket is not kept there (its result's slot is reused 4096 objects later): a known digest goes in as its hex, one
 * still being computed as a hole the model fills in like the brief's (tui_digests.h). */
static size_t pack_blob(tui_model *m, const tr_event *e)
{
    if (!tr_ev_has_digest_tickets(e))
        return event_blob_pack(e, m->blob, TUI_EVENT_BLOB_MAX);
    static tr_event c; /* the UI's thread only; too large for the stack */
    static char hex[TR_EVENT_MAX_FIELDS][2 * TR_HASH_DIGEST_LEN + 1];
    c = *e;
    for (int i = 0; i < c.nf; i++) {
        tr_field *f = &c.f[i];
        if (f->type != TR_F_DIGEST)
            continue;
        if (!tr_hash_ticket_ready((uint64_t)f->i) || !tr_hash_ticket_hex((uint64_t)f->i, hex[i]))
            memset(hex[i], TUI_DIGEST_HOLE_CHAR, 2 * TR_HASH_DIGEST_LEN);
        f->type = TR_F_STR;
        f->s = hex[i];
        f->n = 2 * TR_HASH_DIGEST_LEN;
        f->i = 0;
    }
    return event_blob_pack(&c, m->blob, TUI_EVENT_BLOB_MAX);
}

/* Whether the event's brief and field listing, made from its blob, read as they would from the event: not when a
 * field is a digest (the blob holds it as a string, or leaves out an unknown ticket), a file path (a C string the
 * blob need not end) or fields the worker adds later. */
static int renders_from_blob(const tr_event *e)
{
    for (int i = 0; i < e->nf; i++) {
        int type = e->f[i].type;
        if (type == TR_F_DIGEST || type == TR_F_FILE || type == TR_F_LATER)
            return 0;
    }
    return 1;
}

/* Runs of like events, folded as -T text folds them (tr_presenter's text_fold): the first is listed, the next ones
 * of the same key, way and session count in it, until the session says something else that way (or anything
 * without a way). r is about to be stored as record d->nev. */
static void fold_event(tui_model *m, tui_detail *d, const tr_event *e, tui_evrec *r)
{
    if (e->dir != TR_C2S && e->dir != TR_S2C) {
        d->run[0] = d->run[1] = 0;
        return;
    }
    const tr_dissector *dis = tr_dissector_of_event(e);
    uint64_t bytes = 0, key = 0;
    tr_sb_reset(&m->scratch);
    m->scratch.max = TUI_EVENT_BRIEF_MAX;
    if (dis && dis->present && dis->present->text_fold && dis->present->text_fold(e, &m->scratch, &bytes) == 1 &&
        m->scratch.len) {
        key = 1469598103934665603ull; /* FNV-1a */
        for (size_t i = 0; i < m->scratch.len; i++)
            key = (key ^ (uint8_t)m->scratch.p[i]) * 1099511628211ull;
        key |= 1; /* never 0, which means none */
    }
    int dir = e->dir;
    if (key && d->run[dir] && d->run_key[dir] == key) {
        tui_evrec *head = &d->ev[d->run[dir] - 1];
        head->more++;
        head->more_bytes += bytes;
        head->last_us = e->ts_us;
        r->folded_away = 1;
        return;
    }
    d->run[dir] = key ? (uint32_t)d->nev + 1 : 0;
    d->run_key[dir] = key;
}

static void store_event(tui_model *m, tui_session *t, const tr_event *e)
{
    tui_detail *d = detail_of(m, t);
    if (!d) {
        m->st.events_dropped++;
        return;
    }
    if (d->nev >= m->lim.max_events ||
        !grow(m, d, (void **)&d->ev, &d->evcap, sizeof *d->ev, d->nev + 1, m->lim.max_events)) {
        m->st.events_dropped++;
        return;
    }
    tui_evrec r = {.ts_us = e->ts_us, .dir = (int8_t)e->dir};
    r.proto = evtext_add(m, d, e->proto, strlen(e->proto));
    r.type = evtext_add(m, d, e->type, strlen(e->type));
    uint64_t tickets[8];
    int nt = tui_digests_of_event(e, tickets, 8);
    size_t blob_len = pack_blob(m, e);
    if (blob_len) {
        r.blob = evtext_add(m, d, (const char *)m->blob, blob_len);
        r.blob_len = r.blob == (size_t)-1 ? 0 : blob_len;
    }
    if (r.blob_len && renders_from_blob(e)) {
        r.brief = r.fields = TUI_EV_FROM_BLOB; /* made when the event is shown (tui_session_event) */
    } else {
        tr_sb_reset(&m->scratch);
        m->scratch.max = TUI_EVENT_BRIEF_MAX;
        tui_event_brief(e, &m->scratch);
        r.brief = evtext_add(m, d, m->scratch.p ? m->scratch.p : "", m->scratch.len);
        tr_sb_reset(&m->scratch);
        m->scratch.max = TUI_EVENT_FIELDS_MAX;
        tui_event_fields(e, &m->scratch);
        r.fields = evtext_add(m, d, m->scratch.p ? m->scratch.p : "", m->scratch.len);
    }
    if (r.proto == (size_t)-1 || r.type == (size_t)-1 || r.brief == (size_t)-1 || r.fields == (size_t)-1) {
        m->st.events_dropped++;
        return;
    }
    if (nt) { /* holes for the digests still being computed, in the brief, the fields and the blob */
        if (r.brief != TUI_EV_FROM_BLOB) {
            tui_digests_note(m, &m->digests, t->id, r.brief, d->evtext + r.brief, strlen(d->evtext + r.brief), tickets,
                             nt);
            tui_digests_note(m, &m->digests, t->id, r.fields, d->evtext + r.fields, strlen(d->evtext + r.fields),
                             tickets, nt);
        }
        if (r.blob_len)
            tui_digests_note(m, &m->digests, t->id, r.blob, d->evtext + r.blob, r.blob_len, tickets, nt);
    }
    fold_event(m, d, e, &r);
    if (!r.folded_away)
        d->nlisted++;
    d->ev[d->nev++] = r;
    m->st.events++;
}

/* ---- the sink ---- */

static void sink_open(void *self, tr_session *s)
{
    tui_model *m = self;
    if (session_for(m, s))
        m->gen++;
}

static void sink_event(void *self, const tr_event *e)
{
    tui_model *m = self;
    tui_digests_fill(m, &m->digests, 0);
    if (strcmp(e->type, "anomaly") == 0)
        m->st.anomalies++;
    if (!e->session)
        return;
    tui_session *t = session_for(m, e->session);
    if (!t) {
        m->st.events_dropped++;
        return;
    }
    session_counters(t, e->session);
    if (strcmp(e->type, "session_end") == 0)
        t->state = (uint8_t)state_of_end(e->session->end ? e->session->end : TR_END_EOF);
    store_event(m, t, e);
    int kind = tr_transcript_event_note(e, &m->note); /* what the exporter's transcript adds for it */
    if (kind >= 0)
        store_note(m, t, e->ts_us, e->dir, kind);
    tui_summary_add(&t->sum, e);
    if (m->st.detail_bytes > m->lim.max_details)
        evict_details(m);
    m->gen++;
}

static void sink_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    tui_model *m = self;
    tui_session *t = session_for(m, s);
    if (!t)
        return;
    session_counters(t, s);
    int64_t ts = s->ctx ? s->ctx->now_us : s->last_us;
    tui_detail *d = p ? NULL : detail_of(m, t);
    if (p)
        store_chunk(m, t, ts, dir, TR_TX_DATA, p, n); /* as it came, not joined */
    else if (d) /* bytes past the cap of a sink run on the worker (output/sink_worker.h): only their count came */
        transcript_capped(m, d, ts, n);
    if (m->st.detail_bytes > m->lim.max_details)
        evict_details(m);
    m->gen++;
}

static void sink_gap(void *self, tr_session *s, int dir, uint64_t n)
{
    tui_model *m = self;
    tui_session *t = session_for(m, s);
    tui_detail *d = t ? detail_of(m, t) : NULL;
    if (!d)
        return;
    add_chunk(m, d, s->ctx ? s->ctx->now_us : s->last_us, dir, TR_TX_GAP, NULL, n);
    m->gen++;
}

/* A file the exporter extracts: FTP data then goes to it, and the transcript says so as the exporter's does. */
static void sink_file_open(void *self, tr_session *s, const char *relpath)
{
    tui_model *m = self;
    tui_session *t = lookup(m, s->id);
    if (!t || tr_transcript_file_note(tr_transcript_mode(t->proto, t->l4), relpath, &m->note) < 0)
        return;
    store_note(m, t, s->ctx ? s->ctx->now_us : s->last_us, TR_NODIR, TR_TX_TO_FILE);
    m->gen++;
}

/* An object in the stream (an HTTP body going to a file), kept as the exporter's transcript keeps it. */
static void sink_stream_object(void *self, tr_session *s, int dir, uint64_t start, uint64_t end, const char *label,
                               const char *relpath)
{
    tui_model *m = self;
    tui_session *t = session_for(m, s);
    if (!t || (dir != TR_C2S && dir != TR_S2C))
        return;
    int kind = tr_transcript_object_note(start, end, label, relpath, &m->note);
    store_note(m, t, s->ctx ? s->ctx->now_us : s->last_us, dir, kind);
    m->gen++;
}

static void sink_close(void *self, tr_session *s)
{
    tui_model *m = self;
    tui_session *t = lookup(m, s->id);
    if (!t)
        return;
    session_counters(t, s);
    t->state = (uint8_t)state_of_end(s->end ? s->end : TR_END_EOF);
    if (!t->sum.text[0] && (t->dir_bytes[0] || t->dir_bytes[1])) {
        char a[32], b[32];
        tui_format_size(t->dir_bytes[0], a, sizeof a);
        tui_format_size(t->dir_bytes[1], b, sizeof b);
        snprintf(t->sum.text, sizeof t->sum.text, "%s sent, %s received", a, b);
    }
    m->gen++;
}

tr_sink tui_model_sink(tui_model *m)
{
    tr_sink k;
    memset(&k, 0, sizeof k);
    k.self = m;
    k.on_event = sink_event;
    k.on_session_open = sink_open;
    k.on_stream = sink_stream;
    k.on_stream_gap = sink_gap;
    k.on_session_close = sink_close;
    k.on_file_open = sink_file_open;
    k.on_stream_object = sink_stream_object;
    k.takes_digest_tickets = 1; /* a digest still being computed is filled in later (tui_digests.h) */
    return k;
}

/* ---- events of a session ---- */

size_t tui_session_nevents(const tui_session *s) { return s->detail ? s->detail->nlisted : 0; }

int tui_session_event(const tui_session *s, size_t i, tui_event_view *out)
{
    const tui_detail *d = s->detail;
    if (!d || i >= d->nlisted)
        return -1;
    if (d->nlisted < d->nev) /* the i-th listed: a walk over at most max_events records */
        for (size_t k = 0, listed = 0; k < d->nev; k++)
            if (!d->ev[k].folded_away && listed++ == i) {
                i = k;
                break;
            }
    const tui_evrec *r = &d->ev[i];
    out->more = r->more;
    out->more_bytes = r->more_bytes;
    out->last_us = r->last_us;
    out->ts_us = r->ts_us;
    out->dir = r->dir;
    out->proto = d->evtext + r->proto;
    out->type = d->evtext + r->type;
    if (r->brief != TUI_EV_FROM_BLOB) {
        out->brief = d->evtext + r->brief;
        out->fields = d->evtext + r->fields;
        return 0;
    }
    /* Made from the blob now, as store_event would have made them. A few renderings live at once (the screen
     * holds an event and the one before it), each in its own slot. */
    static struct {
        tr_strbuf brief, fields;
    } slot[4];
    static unsigned next;
    static event_blob_view *v;
    if (!v && !(v = malloc(sizeof *v))) {
        out->brief = out->fields = "";
        return 0;
    }
    tr_strbuf *b = &slot[next % 4].brief, *f = &slot[next % 4].fields;
    next++;
    if (!b->max) {
        tr_sb_init(b, TUI_EVENT_BRIEF_MAX);
        tr_sb_init(f, TUI_EVENT_FIELDS_MAX);
    }
    event_blob_unpack((const uint8_t *)d->evtext + r->blob, r->blob_len, v);
    tr_sb_reset(b);
    tui_event_brief(&v->e, b);
    tr_sb_reset(f);
    tui_event_fields(&v->e, f);
    if (b->p)
        b->p[b->len] = '\0'; /* a strbuf keeps room for it */
    if (f->p)
        f->p[f->len] = '\0';
    out->brief = b->p ? b->p : "";
    out->fields = f->p ? f->p : "";
    return 0;
}

int tui_model_events_json(const tui_model *m, uint64_t id, FILE *f, size_t *written)
{
    const tui_session *t = tui_model_find(m, id);
    *written = 0;
    if (!t)
        return -1;
    const tui_detail *d = t->detail;
    event_blob_view *v = malloc(sizeof *v);
    tr_strbuf sb;
    tr_sb_init(&sb, TUI_EVENT_BLOB_MAX * 8);
    int ok = v != NULL;
    for (size_t i = 0; ok && d && i < d->nev; i++) {
        const tui_evrec *r = &d->ev[i];
        if (!r->blob_len)
            continue;
        event_blob_unpack((const uint8_t *)d->evtext + r->blob, r->blob_len, v);
        tr_sb_reset(&sb);
        tr_format_json(&v->e, 1, &sb); /* the line with its newline */
        if (sb.overflow)
            continue;
        ok = fwrite(sb.p, 1, sb.len, f) == sb.len;
        *written += ok;
    }
    tr_sb_free(&sb);
    free(v);
    return ok ? 0 : -1;
}

int tui_model_events_lookup(void *arg, uint64_t id, FILE *f, size_t *written)
{
    return tui_model_events_json(arg, id, f, written);
}

/* ---- the transcript for writing out ---- */

void tui_chunk_get(const tui_detail *d, size_t i, tr_tx_chunk *out)
{
    const tui_chunk *c = &d->ch[i];
    memset(out, 0, sizeof *out);
    out->kind = c->kind;
    out->dir = c->dir;
    out->ts_us = c->ts_us;
    if (c->kind == TR_TX_GAP) {
        out->gap = c->n;
    } else {
        out->p = d->bytes + c->off;
        out->n = (size_t)c->n;
    }
}

static void chunk_at(const void *store, size_t i, tr_tx_chunk *out) { tui_chunk_get(store, i, out); }

static const char *end_name_of_state(int state)
{
    static const char *const names[] = {"open", "fin", "rst", "timeout", "evicted", "eof"};
    return state >= 0 && state <= TUI_EOF ? names[state] : "eof";
}

int tui_model_transcript(const tui_model *m, uint64_t id, tr_tx_memory *out)
{
    const tui_session *t = tui_model_find(m, id);
    memset(out, 0, sizeof *out);
    if (!t)
        return -1;
    tr_tx_info *in = &out->info;
    in->id = t->id;
    in->parent = t->parent;
    in->proto = t->proto;
    in->l4 = t->l4;
    in->midstream = t->midstream;
    in->client = t->client;
    in->server = t->server;
    in->start_us = t->start_us;
    in->last_us = t->last_us;
    for (int d = 0; d < 2; d++) {
        in->packets[d] = t->dir_packets[d];
        in->bytes[d] = t->dir_bytes[d];
        in->gap_bytes[d] = t->gap_bytes[d];
    }
    in->end = end_name_of_state(t->state);
    out->mode = tr_transcript_mode(t->proto, t->l4);
    out->ended = t->state != TUI_OPEN;
    out->evicted = t->details_evicted;
    out->nchunks = t->detail ? t->detail->nch : 0;
    out->store = t->detail;
    out->chunk_at = chunk_at;
    return 0;
}

int tui_model_transcript_lookup(void *arg, uint64_t id, tr_tx_memory *out) { return tui_model_transcript(arg, id, out); }

/* ---- rows: filter and sort ---- */

void tui_model_set_sort(tui_model *m, int col, int reverse)
{
    if (col < 0 || col >= TUI_NCOLS)
        col = TUI_COL_ID;
    if (col != m->sort_col || !reverse != !m->sort_reverse)
        m->rows_gen = 0;
    m->sort_col = col;
    m->sort_reverse = reverse != 0;
}

void tui_model_get_sort(const tui_model *m, int *col, int *reverse)
{
    *col = m->sort_col;
    *reverse = m->sort_reverse;
}

const char *tui_model_filter(const tui_model *m) { return m->filter; }

void tui_model_set_filter(tui_model *m, const char *filter)
{
    snprintf(m->filter, sizeof m->filter, "%s", filter ? filter : "");
    m->nwords = 0;
    m->rows_gen = 0;
    const char *p = m->filter;
    while (*p && m->nwords < TUI_FILTER_WORDS) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        filter_word *w = &m->words[m->nwords];
        static const struct {
            const char *prefix;
            int kind;
        } kinds[] = {{"proto:", FILTER_PROTO}, {"host:", FILTER_HOST}, {"port:", FILTER_PORT}};
        w->kind = FILTER_TEXT;
        size_t skip = 0;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            size_t pl = strlen(kinds[k].prefix);
            if (n > pl && strncasecmp(p, kinds[k].prefix, pl) == 0) {
                w->kind = kinds[k].kind;
                skip = pl;
            }
        }
        snprintf(w->text, sizeof w->text, "%.*s", (int)(n - skip), p + skip);
        if (w->kind == FILTER_PORT) {
            char *end;
            unsigned long v = strtoul(w->text, &end, 10);
            if (*end || v > 65535 || !w->text[0]) { /* not a number: the whole word is plain text */
                w->kind = FILTER_TEXT;
                snprintf(w->text, sizeof w->text, "%.*s", (int)n, p);
            } else
                w->port = (unsigned)v;
        }
        m->nwords++;
        p += n;
    }
}

static int word_matches(const filter_word *w, const tui_session *s)
{
    switch (w->kind) {
    case FILTER_PROTO: return strcasecmp(s->proto, w->text) == 0;
    case FILTER_HOST: return strcasestr(s->client_str, w->text) || strcasestr(s->server_str, w->text);
    case FILTER_PORT: return s->client.port == w->port || s->server.port == w->port;
    default:
        return strcasestr(s->proto, w->text) || strcasestr(s->client_str, w->text) ||
               strcasestr(s->server_str, w->text) || strcasestr(s->sum.text, w->text) ||
               strcasestr(tui_state_name(s->state), w->text);
    }
}

static int session_matches(const tui_model *m, const tui_session *s)
{
    for (int i = 0; i < m->nwords; i++)
        if (!word_matches(&m->words[i], s))
            return 0;
    return 1;
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

#define SESS(p) (*(const tui_session *const *)(p))
#define TIE(c, x, y) ((c) ? (c) : cmp_u64(SESS(x)->id, SESS(y)->id))
static int by_start(const void *x, const void *y)
{
    return TIE(cmp_i64(SESS(x)->start_us, SESS(y)->start_us), x, y);
}
static int by_proto(const void *x, const void *y) { return TIE(strcmp(SESS(x)->proto, SESS(y)->proto), x, y); }
static int by_client(const void *x, const void *y)
{
    return TIE(tr_endpoint_cmp(&SESS(x)->client, &SESS(y)->client), x, y);
}
static int by_server(const void *x, const void *y)
{
    return TIE(tr_endpoint_cmp(&SESS(x)->server, &SESS(y)->server), x, y);
}
static int by_packets(const void *x, const void *y)
{
    return TIE(cmp_u64(SESS(x)->packets, SESS(y)->packets), x, y);
}
static int by_bytes(const void *x, const void *y) { return TIE(cmp_u64(SESS(x)->bytes, SESS(y)->bytes), x, y); }
static int by_state(const void *x, const void *y)
{
    return TIE(strcmp(tui_state_name(SESS(x)->state), tui_state_name(SESS(y)->state)), x, y);
}
static int by_summary(const void *x, const void *y)
{
    return TIE(strcmp(SESS(x)->sum.text, SESS(y)->sum.text), x, y);
}

void tui_model_fill_digests(tui_model *m, int wait) { tui_digests_fill(m, &m->digests, wait); }

size_t tui_model_refresh(tui_model *m)
{
    tui_digests_fill(m, &m->digests, 0);
    if (m->rows_gen == m->gen)
        return m->nrows;
    if (m->rows_cap < m->n) {
        tui_session **r = realloc(m->rows, m->cap * sizeof *r);
        if (!r)
            return m->nrows = 0;
        m->rows = r;
        m->rows_cap = m->cap;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++)
        if (session_matches(m, m->ss[i]))
            m->rows[n++] = m->ss[i];
    static int (*const cmp[TUI_NCOLS])(const void *, const void *) = {
        [TUI_COL_START] = by_start,     [TUI_COL_PROTO] = by_proto, [TUI_COL_CLIENT] = by_client,
        [TUI_COL_SERVER] = by_server,   [TUI_COL_PACKETS] = by_packets, [TUI_COL_BYTES] = by_bytes,
        [TUI_COL_STATE] = by_state,     [TUI_COL_SUMMARY] = by_summary,
    };
    /* The store is in id order already: sorting by id is free. */
    if (cmp[m->sort_col] && n > 1)
        qsort(m->rows, n, sizeof *m->rows, cmp[m->sort_col]);
    if (m->sort_reverse)
        for (size_t i = 0; i < n / 2; i++) {
            tui_session *tmp = m->rows[i];
            m->rows[i] = m->rows[n - 1 - i];
            m->rows[n - 1 - i] = tmp;
        }
    m->nrows = n;
    m->rows_gen = m->gen;
    return n;
}

size_t tui_model_nrows(const tui_model *m) { return m->nrows; }

const tui_session *tui_model_row(const tui_model *m, size_t i) { return i < m->nrows ? m->rows[i] : NULL; }

long tui_model_row_of(const tui_model *m, uint64_t id)
{
    for (size_t i = 0; i < m->nrows; i++)
        if (m->rows[i]->id == id)
            return (long)i;
    return -1;
}

void tui_format_size(uint64_t n, char *out, size_t cap)
{
    if (n < 1024)
        snprintf(out, cap, "%" PRIu64 " B", n);
    else if (n < 1024u * 1024u)
        snprintf(out, cap, "%" PRIu64 " KB", (n + 512) / 1024);
    else if (n < 1024ull * 1024u * 1024u)
        snprintf(out, cap, "%.1f MB", (double)n / (1024.0 * 1024.0));
    else
        snprintf(out, cap, "%.1f GB", (double)n / (1024.0 * 1024.0 * 1024.0));
}
