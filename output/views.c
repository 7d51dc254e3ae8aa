#include "views.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../core/tr_hash.h"
#include "../core/tr_view.h"

#define CELL_MAX 512        /* bytes kept of one cell */
#define HOST_FACTS_MAX 1024 /* bytes of names, programs and MACs kept per host */
#define HOST_PORTS_MAX 16   /* server ports listed per host */
#define VIEWS_TABLES_MAX (VIEWS_FIXED_TABLES + 16)
#define PROTO_MAX 32
#define TOP_N 20 /* top talkers and conversations listed */
#define PENDING_MAX 1024

/* Room for one more element in *arr (elem bytes each, *cap of them, n used): doubled from 256. 0, or -1 without
 * memory. */
static int room_for_one(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

/* ---- an index: open addressing over entry numbers (+1; 0 is empty), rebuilt twice as large at half full ---- */

typedef struct vindex {
    uint32_t *slot;
    size_t cap;
} vindex;

typedef uint64_t (*vindex_hash_fn)(const void *arg, size_t k);

static void vindex_insert(vindex *x, uint64_t h, size_t k)
{
    size_t i = h & (x->cap - 1);
    while (x->slot[i])
        i = (i + 1) & (x->cap - 1);
    x->slot[i] = (uint32_t)k + 1;
}

/* Room for entry n (entries 0..n-1 are in it): 0, or -1 without memory. */
static int vindex_room(vindex *x, size_t n, vindex_hash_fn hash, const void *arg)
{
    if ((n + 1) * 2 <= x->cap)
        return 0;
    vindex grown = {calloc(x->cap ? x->cap * 2 : 1024, sizeof(uint32_t)), x->cap ? x->cap * 2 : 1024};
    if (!grown.slot)
        return -1;
    for (size_t k = 0; k < n; k++)
        vindex_insert(&grown, hash(arg, k), k);
    free(x->slot);
    *x = grown;
    return 0;
}

/* ---- tables of rows of text cells ---- */

typedef struct vrow {
    uint64_t key;    /* 0: none (append-only tables) */
    uint64_t ticket; /* a digest still being computed, for cell ticket_col */
    uint32_t len;
    char text[];     /* ncols cells, each NUL-terminated */
} vrow;

typedef struct vcol {
    const char *name;
    uint8_t kind;
} vcol;

typedef struct vtable {
    const char *name, *export_name;
    int ncols, ticket_col;
    vcol cols[TR_VIEW_COLS_MAX];
    vrow **rows;
    size_t n, cap, max;
    uint64_t dropped;
    vindex index; /* rows by key (only for tables with keys) */
    const tr_view_table *spec; /* a dissector's table */
    const tr_dissector *dis;
} vtable;

/* ---- hosts, conversations, protocols, the series ---- */

typedef struct vhost {
    tr_ip ip;
    uint8_t dirty;
    uint16_t nports;
    uint32_t row;            /* its row in the hosts table + 1; 0: none yet */
    uint16_t ports[HOST_PORTS_MAX];
    uint64_t bytes_in, bytes_out, packets_in, packets_out, sessions;
    int64_t first_us, last_us;
    char *facts;             /* entries: kind byte, source NUL, value NUL */
    uint32_t facts_len, facts_cap;
    uint32_t facts_dropped;
} vhost;

typedef struct vconv {
    tr_ip a, b;
    uint64_t bytes, packets, sessions;
} vconv;

typedef struct vproto {
    const char *name;
    uint64_t sessions, packets, bytes;
} vproto;

struct views {
    uint64_t gen;
    vtable t[VIEWS_TABLES_MAX];
    int nt;
    /* hosts by address */
    vhost *hosts;
    size_t nhosts, hosts_cap;
    vindex host_index;
    uint64_t hosts_dropped;
    int hosts_dirty;
    /* conversations by address pair */
    vconv *conv;
    size_t nconv, conv_cap;
    vindex conv_index;
    uint64_t conv_dropped;
    vproto proto[PROTO_MAX];
    int nproto;
    uint64_t sessions, packets, bytes;
    /* the series: VIEWS_SERIES points of width seconds from start */
    int64_t series_start_us, series_width;
    uint64_t s_packets[VIEWS_SERIES], s_bytes[VIEWS_SERIES];
    size_t series_n;
    event_counts *counts;
    tr_strbuf sb, cell;
    /* files whose digest is still being computed: their rows, oldest first (a ring). Tickets are not held (a held
     * one keeps the hashing thread's slot from being reused, and runs of them make new objects wait): each is read
     * as soon as it is known, and one whose slot was taken again meanwhile reads as no digest. */
    uint32_t pending[PENDING_MAX];
    int npending, pending_head;
    /* while one event is handled */
    const tr_event *cur;
    int cur_cred; /* the view hook gave a credential */
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t hash_str(const char *s) { return hash_bytes(s, strlen(s), 0xcbf29ce484222325ull) | 1; }

static void table_init(vtable *t, const char *name, const char *export_name, size_t max, const char *const *names,
                       const uint8_t *kinds)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->export_name = export_name;
    t->max = max;
    t->ticket_col = -1;
    for (int c = 0; names[c] && c < TR_VIEW_COLS_MAX; c++) {
        t->cols[c].name = names[c];
        t->cols[c].kind = kinds ? kinds[c] : VK_TEXT;
        t->ncols = c + 1;
    }
}

static const char *const cred_cols[] = {"ts", "session", "proto", "client_ip", "server_ip", "server_port", "user",
                                        "password", "mechanism", "success", NULL};
static const uint8_t cred_kinds[] = {VK_TS, VK_INT, VK_TEXT, VK_TEXT, VK_TEXT, VK_INT, VK_TEXT, VK_TEXT, VK_TEXT, VK_BOOL};
static const char *const file_cols[] = {"ts", "session", "proto", "name", "content_type", "size", "sha256",
                                        "complete", "file", NULL};
static const uint8_t file_kinds[] = {VK_TS, VK_INT, VK_TEXT, VK_TEXT, VK_TEXT, VK_SIZE, VK_TEXT, VK_BOOL, VK_TEXT};
static const char *const msg_cols[] = {"ts", "session", "protos", "from", "to", "subject", "date", "attachments",
                                       "size", "file", "message_id", NULL};
static const uint8_t msg_kinds[] = {VK_TS, VK_INT, VK_LIST, VK_TEXT, VK_TEXT, VK_TEXT, VK_TEXT, VK_LIST, VK_SIZE, VK_TEXT, VK_TEXT};
static const char *const host_cols[] = {"ip", "macs", "names", "clients", "ports", "bytes_out", "bytes_in", "sessions",
                                        "first_seen", "last_seen", NULL};
static const uint8_t host_kinds[] = {VK_TEXT, VK_LIST, VK_LIST, VK_LIST, VK_LIST, VK_SIZE, VK_SIZE, VK_INT, VK_TS, VK_TS};

views *views_new(void)
{
    views *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->counts = event_counts_new();
    if (!v->counts) {
        free(v);
        return NULL;
    }
    table_init(&v->t[VIEWS_CREDENTIALS], "Credentials", "credentials.jsonl", VIEWS_CREDS_MAX, cred_cols, cred_kinds);
    table_init(&v->t[VIEWS_FILES], "Files", "files.jsonl", VIEWS_FILES_MAX, file_cols, file_kinds);
    v->t[VIEWS_FILES].ticket_col = 6;
    table_init(&v->t[VIEWS_MESSAGES], "Messages", NULL, VIEWS_MESSAGES_MAX, msg_cols, msg_kinds);
    table_init(&v->t[VIEWS_HOSTS], "Hosts", NULL, VIEWS_HOSTS_MAX, host_cols, host_kinds);
    v->nt = VIEWS_FIXED_TABLES;
    for (int i = 0; tr_dissectors[i]; i++) {
        const tr_viewer *vw = tr_dissectors[i]->view;
        for (const tr_view_table *st = vw ? vw->tables : NULL; st && st->name && v->nt < VIEWS_TABLES_MAX; st++) {
            vtable *t = &v->t[v->nt++];
            table_init(t, st->name, st->export_name, VIEWS_ROWS_MAX, st->columns, NULL);
            for (int c = 0; c < t->ncols; c++)
                t->cols[c].kind = st->times & (1u << c) ? VK_TS : st->numeric & (1u << c) ? VK_INT : VK_TEXT;
            t->spec = st;
            t->dis = tr_dissectors[i];
        }
    }
    tr_sb_init(&v->sb, 64u << 20);
    tr_sb_init(&v->cell, CELL_MAX);
    v->series_width = 1;
    v->gen = 1;
    return v;
}

void views_free(views *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->nt; i++) {
        for (size_t r = 0; r < v->t[i].n; r++) {
            free(v->t[i].rows[r]);
        }
        free(v->t[i].rows);
        free(v->t[i].index.slot);
    }
    for (size_t i = 0; i < v->nhosts; i++)
        free(v->hosts[i].facts);
    free(v->hosts);
    free(v->host_index.slot);
    free(v->conv);
    free(v->conv_index.slot);
    event_counts_free(v->counts);
    tr_sb_free(&v->sb);
    tr_sb_free(&v->cell);
    free(v);
}

uint64_t views_generation(const views *v) { return v->gen; }
const event_counts *views_counts(const views *v) { return v->counts; }
int views_ntables(const views *v) { return v->nt; }
const char *views_table_name(const views *v, int t) { return t >= 0 && t < v->nt ? v->t[t].name : "?"; }
int views_table_ncols(const views *v, int t) { return t >= 0 && t < v->nt ? v->t[t].ncols : 0; }
const char *views_table_col(const views *v, int t, int c)
{
    return t >= 0 && t < v->nt && c >= 0 && c < v->t[t].ncols ? v->t[t].cols[c].name : "?";
}
int views_table_kind(const views *v, int t, int c)
{
    return t >= 0 && t < v->nt && c >= 0 && c < v->t[t].ncols ? v->t[t].cols[c].kind : VK_TEXT;
}
size_t views_table_nrows(const views *v, int t) { return t >= 0 && t < v->nt ? v->t[t].n : 0; }
const char *views_table_row(const views *v, int t, size_t r)
{
    return t >= 0 && t < v->nt && r < v->t[t].n ? v->t[t].rows[r]->text : "";
}
uint64_t views_table_dropped(const views *v, int t)
{
    if (t == VIEWS_HOSTS)
        return v->hosts_dropped;
    return t >= 0 && t < v->nt ? v->t[t].dropped : 0;
}

const char *views_cell(const char *cells, int c)
{
    for (; c > 0; c--)
        cells += strlen(cells) + 1;
    return cells;
}

/* ---- rows ---- */

/* A row made of the cells given (NULL: empty), cut to CELL_MAX each and to their first line. */
static vrow *row_make(const vtable *t, const char *const *cells)
{
    size_t len = 0, n[TR_VIEW_COLS_MAX];
    for (int c = 0; c < t->ncols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        n[c] = strnlen(s, CELL_MAX - 1);
        len += n[c] + 1;
    }
    vrow *r = malloc(sizeof *r + len);
    if (!r)
        return NULL;
    r->key = 0;
    r->ticket = 0;
    r->len = (uint32_t)len;
    char *o = r->text;
    for (int c = 0; c < t->ncols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        for (size_t i = 0; i < n[c]; i++)
            *o++ = s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
        *o++ = '\0';
    }
    return r;
}

static long index_find(const vtable *t, uint64_t key)
{
    if (!t->index.cap)
        return -1;
    for (size_t i = key & (t->index.cap - 1);; i = (i + 1) & (t->index.cap - 1)) {
        uint32_t x = t->index.slot[i];
        if (!x)
            return -1;
        if (t->rows[x - 1]->key == key)
            return (long)x - 1;
    }
}

static uint64_t row_key(const void *arg, size_t k) { return ((const vtable *)arg)->rows[k]->key; }

static int index_put(vtable *t, uint64_t key, size_t row)
{
    if (vindex_room(&t->index, t->n, row_key, t) < 0)
        return -1;
    vindex_insert(&t->index, key, row);
    return 0;
}

/* Adds a row (key 0: always a new one) or replaces the row of the same key. Returns the row, NULL when the cap or
 * memory kept it out. */
static vrow *table_put(views *v, vtable *t, uint64_t key, const char *const *cells)
{
    long at = key ? index_find(t, key) : -1;
    if (at < 0 && t->n >= t->max) {
        t->dropped++;
        return NULL;
    }
    const char *merged[TR_VIEW_COLS_MAX];
    for (int c = 0; c < t->ncols; c++) /* tr_view_keep: the cell the row holds (empty in a new one) */
        merged[c] = cells[c] != tr_view_keep ? cells[c] : at >= 0 ? views_cell(t->rows[at]->text, c) : NULL;
    vrow *r = row_make(t, merged);
    if (!r)
        return NULL;
    r->key = key;
    v->gen++;
    if (at >= 0) {
        free(t->rows[at]);
        t->rows[at] = r;
        return r;
    }
    if (room_for_one((void **)&t->rows, &t->cap, t->n, sizeof *t->rows) < 0) {
        free(r);
        return NULL;
    }
    t->rows[t->n] = r;
    if (key && index_put(t, key, t->n) < 0) {
        free(r);
        return NULL;
    }
    t->n++;
    return r;
}

/* ---- formatting helpers ---- */

static void fmt_ts(int64_t us, char *out, size_t cap)
{
    int64_t sec = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec--;
    }
    snprintf(out, cap, "%" PRId64 ".%06" PRId64, sec, frac);
}

/* A field's value as a cell: strings as they are (up to CELL_MAX), integers in decimal, flags true/false. */
static const char *cell_of(const tr_field *f, char *buf, size_t cap)
{
    if (!f)
        return NULL;
    switch (f->type) {
    case TR_F_STR:
    case TR_F_FILE: snprintf(buf, cap, "%.*s", (int)(f->n < cap ? f->n : cap - 1), f->s); return buf;
    case TR_F_INT: snprintf(buf, cap, "%" PRId64, f->i); return buf;
    case TR_F_BOOL: return f->i ? "true" : "false";
    case TR_F_TS: fmt_ts(f->i, buf, cap); return buf;
    default: return NULL;
    }
}

/* The field `key` of the level starting at `from` (the event: 0; an object in a list: its first field). */
static const tr_field *level_field(const tr_event *e, int from, const char *key)
{
    int i = tr_evr_find(e, from, e->nf, key);
    return i < 0 ? NULL : &e->f[i];
}

typedef struct common {
    char ts[32], session[24], client_ip[TR_IP_STRLEN], server_ip[TR_IP_STRLEN], server_port[8];
} common;

static void common_of(const tr_event *e, common *c)
{
    fmt_ts(e->ts_us, c->ts, sizeof c->ts);
    snprintf(c->session, sizeof c->session, "%" PRIu64, e->session ? e->session->id : 0);
    c->client_ip[0] = c->server_ip[0] = c->server_port[0] = '\0';
    if (e->session) {
        tr_ip_format(&e->session->client.ip, c->client_ip);
        tr_ip_format(&e->session->server.ip, c->server_ip);
        snprintf(c->server_port, sizeof c->server_port, "%u", e->session->server.port);
    }
}

/* ---- credentials ---- */

static void cred_add(views *v, const tr_event *e, const tr_view_cred *cr)
{
    common c;
    common_of(e, &c);
    char user[CELL_MAX], pass[CELL_MAX], mech[64];
    const char *cells[10] = {c.ts, c.session, e->proto, c.client_ip, c.server_ip, c.server_port, NULL, NULL, NULL, NULL};
    if (cr->user) {
        snprintf(user, sizeof user, "%.*s", (int)(cr->user_len < CELL_MAX ? cr->user_len : CELL_MAX - 1), cr->user);
        cells[6] = user;
    }
    if (cr->password) {
        snprintf(pass, sizeof pass, "%.*s", (int)(cr->password_len < CELL_MAX ? cr->password_len : CELL_MAX - 1),
                 cr->password);
        cells[7] = pass;
    }
    if (cr->mechanism) {
        snprintf(mech, sizeof mech, "%s", cr->mechanism);
        cells[8] = mech;
    }
    cells[9] = cr->success < 0 ? NULL : cr->success ? "true" : "false";
    table_put(v, &v->t[VIEWS_CREDENTIALS], 0, cells);
}

/* An `auth` event's uniform fields: user, password, mechanism (or scheme), success. */
static void cred_generic(views *v, const tr_event *e)
{
    tr_view_cred cr = {.success = -1};
    const tr_field *f;
    if ((f = tr_evr_field(e, "user")) && f->type == TR_F_STR) {
        cr.user = f->s;
        cr.user_len = f->n;
    }
    if ((f = tr_evr_field(e, "password")) && f->type == TR_F_STR) {
        cr.password = f->s;
        cr.password_len = f->n;
    }
    char mech[64];
    if (((f = tr_evr_field(e, "mechanism")) || (f = tr_evr_field(e, "scheme"))) && f->type == TR_F_STR) {
        snprintf(mech, sizeof mech, "%.*s", (int)(f->n < sizeof mech ? f->n : sizeof mech - 1), f->s);
        cr.mechanism = mech;
    }
    if ((f = tr_evr_field(e, "success")) && f->type == TR_F_BOOL)
        cr.success = f->i != 0;
    cred_add(v, e, &cr);
}

/* ---- digests still being computed ---- */

/* Row i of t made again with cell col set to value. */
static void row_set_cell(views *v, vtable *t, size_t i, int col, const char *value)
{
    vrow *r = t->rows[i];
    const char *cells[TR_VIEW_COLS_MAX];
    for (int c = 0; c < t->ncols; c++)
        cells[c] = views_cell(r->text, c);
    cells[col] = value;
    vrow *nr = row_make(t, cells);
    if (nr) {
        nr->key = r->key;
        nr->ticket = r->ticket;
        free(r);
        t->rows[i] = nr;
    }
    v->gen++;
}

/* Row i of Files with its digest in place of the ticket (waiting for it). */
static void ticket_resolve(views *v, size_t i)
{
    vtable *t = &v->t[VIEWS_FILES];
    vrow *r = t->rows[i];
    if (!r->ticket)
        return;
    char hex[2 * TR_HASH_DIGEST_LEN + 1];
    const char *digest = tr_hash_ticket_hex(r->ticket, hex) ? hex : NULL;
    r->ticket = 0;
    row_set_cell(v, t, i, t->ticket_col, digest);
}

/* The digests known by now in place, oldest first; wait: every one, waiting. */
static void tickets_resolve(views *v, int wait)
{
    while (v->npending) {
        size_t row = v->pending[v->pending_head];
        if (!wait && !tr_hash_ticket_ready(v->t[VIEWS_FILES].rows[row]->ticket))
            break;
        ticket_resolve(v, row);
        v->pending_head = (v->pending_head + 1) % PENDING_MAX;
        v->npending--;
    }
}

/* Every digest waited for (the export's end). */
static void tickets_wait(views *v) { tickets_resolve(v, 1); }

/* ---- files ---- */

static const tr_field *first_of(const tr_event *e, int from, const char *const *keys)
{
    for (; *keys; keys++) {
        const tr_field *f = level_field(e, from, *keys);
        if (f)
            return f;
    }
    return NULL;
}

/* decoded_* first: an object extracted decoded (an IMAP section in base64) has its file's size and digest there */
static const char *const size_keys[] = {"decoded_size", "size", "body_len", "bytes", "length", NULL};
static const char *const sha_keys[] = {"decoded_sha256", "sha256", "body_sha256", NULL};

/* The object whose fields start at `from`: a file when it was extracted (`file`), or when it says whether it came
 * whole (`complete`) and how big it is. Its name: `name`, else the extracted file's, else the URI's last part. */
static void file_at(views *v, const tr_event *e, int from)
{
    const tr_field *file = level_field(e, from, "file");
    const tr_field *complete = level_field(e, from, "complete");
    if (!file && !complete)
        return;
    const tr_field *size = first_of(e, from, size_keys);
    if (!file && !size)
        return;
    common c;
    common_of(e, &c);
    char name[CELL_MAX], ctype[128], sz[32], sha[72], path[CELL_MAX], whole[8];
    const tr_field *f = level_field(e, from, "name");
    name[0] = '\0';
    if (f && f->type == TR_F_STR) {
        cell_of(f, name, sizeof name);
    } else if (file) {
        cell_of(file, path, sizeof path);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t digits = strspn(base, "0123456789");
        if (digits && base[digits] == '-') /* the export's "<session>-" prefix */
            base += digits + 1;
        snprintf(name, sizeof name, "%s", base);
    } else if ((f = level_field(e, from, "path")) && f->type == TR_F_STR) { /* a file's path in a collection */
        cell_of(f, name, sizeof name);
    } else if ((f = level_field(e, from, "uri")) && f->type == TR_F_STR) {
        cell_of(f, path, sizeof path);
        path[strcspn(path, "?#")] = '\0';
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        snprintf(name, sizeof name, "%s", base[0] ? base : "index");
    }
    const tr_field *sf = first_of(e, from, sha_keys);
    uint64_t ticket = 0;
    const char *sha_cell = NULL;
    if (sf && sf->type == TR_F_DIGEST) {
        ticket = (uint64_t)sf->i;
    } else if (sf) {
        sha_cell = cell_of(sf, sha, sizeof sha);
    }
    const char *cells[9] = {c.ts, c.session, e->proto, name[0] ? name : NULL,
                            cell_of(level_field(e, from, "content_type"), ctype, sizeof ctype),
                            cell_of(size, sz, sizeof sz), sha_cell, NULL, cell_of(file, path, sizeof path)};
    cells[7] = complete ? cell_of(complete, whole, sizeof whole) : NULL;
    vtable *t = &v->t[VIEWS_FILES];
    vrow *r = table_put(v, t, 0, cells);
    if (r && ticket) {
        tickets_resolve(v, 0);
        if (v->npending == PENDING_MAX) { /* the oldest waited for */
            ticket_resolve(v, v->pending[v->pending_head]);
            v->pending_head = (v->pending_head + 1) % PENDING_MAX;
            v->npending--;
        }
        r->ticket = ticket;
        v->pending[(v->pending_head + v->npending++) % PENDING_MAX] = (uint32_t)(t->n - 1);
    }
}

static void files_of(views *v, const tr_event *e)
{
    int any = 0; /* one look first: most events carry no object */
    for (int i = 0; i < e->nf && !any; i++) {
        const char *k = e->f[i].key;
        any = k && ((k[0] == 'f' && strcmp(k, "file") == 0) || (k[0] == 'c' && strcmp(k, "complete") == 0));
    }
    if (!any)
        return;
    file_at(v, e, 0);
    /* objects inside lists (a message's attachments) */
    int depth = 0;
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            depth--;
            continue;
        }
        if (f->type == TR_F_OBJ && depth == 1)
            file_at(v, e, i + 1);
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST)
            depth++;
    }
}

/* ---- messages ---- */

static void list_join(const tr_event *e, int from, const char *key, const char *sub, char *out, size_t cap)
{
    out[0] = '\0';
    int i = tr_evr_find(e, from, e->nf, key);
    if (i < 0 || e->f[i].type != TR_F_LIST)
        return;
    size_t o = 0;
    int depth = 0;
    for (int k = i + 1; k < e->nf; k++) {
        const tr_field *f = &e->f[k];
        if (f->type == TR_F_END) {
            if (depth-- == 0)
                break;
            continue;
        }
        const tr_field *val = NULL;
        if (depth == 0 && f->type == TR_F_STR)
            val = f;
        else if (depth == 0 && f->type == TR_F_OBJ && sub)
            val = level_field(e, k + 1, sub);
        if (val && val->type == TR_F_STR && o + val->n + 3 < cap) {
            o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? ", " : "", (int)val->n, val->s);
        }
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST)
            depth++;
    }
}

static void message_of(views *v, const tr_event *e)
{
    const tr_field *from = tr_evr_field(e, "from"), *to = tr_evr_field(e, "to"), *subj = tr_evr_field(e, "subject");
    if (!from && !to && !subj)
        return; /* not a mail message (a DHCP or BitTorrent message) */
    common c;
    common_of(e, &c);
    char f1[CELL_MAX], f2[CELL_MAX], f3[CELL_MAX], date[96], att[CELL_MAX], sz[32], file[CELL_MAX], id[CELL_MAX],
        protos[128], to_list[CELL_MAX];
    const char *to_cell = cell_of(to, f2, sizeof f2);
    if (to && to->type == TR_F_LIST) {
        list_join(e, 0, "to", NULL, to_list, sizeof to_list);
        to_cell = to_list;
    }
    list_join(e, 0, "attachments", "name", att, sizeof att);
    const char *idc = cell_of(tr_evr_field(e, "message_id"), id, sizeof id);
    uint64_t key = idc && idc[0] ? hash_str(idc) : 0;
    snprintf(protos, sizeof protos, "%s", e->proto);
    vtable *t = &v->t[VIEWS_MESSAGES];
    long at = key ? index_find(t, key) : -1;
    if (at >= 0) { /* the same message seen again: its protocols listed once each */
        const char *old = views_cell(t->rows[at]->text, 2);
        char seen[128];
        snprintf(seen, sizeof seen, "%s", old);
        int has = 0;
        for (char *tok = seen, *sp; tok && *tok; tok = sp) {
            sp = strstr(tok, ", ");
            size_t n = sp ? (size_t)(sp - tok) : strlen(tok);
            if (n == strlen(e->proto) && memcmp(tok, e->proto, n) == 0)
                has = 1;
            if (sp)
                sp += 2;
        }
        snprintf(protos, sizeof protos, "%.60s%s%s", old, has ? "" : ", ", has ? "" : e->proto);
    }
    const char *cells[11] = {c.ts,
                             c.session,
                             protos,
                             cell_of(from, f1, sizeof f1),
                             to_cell,
                             cell_of(subj, f3, sizeof f3),
                             cell_of(tr_evr_field(e, "date"), date, sizeof date),
                             att,
                             cell_of(tr_evr_field(e, "size"), sz, sizeof sz),
                             cell_of(tr_evr_field(e, "file"), file, sizeof file),
                             idc};
    if (at >= 0 && !cells[9]) /* a later copy without a file keeps the earlier one's */
        cells[9] = views_cell(t->rows[at]->text, 9);
    table_put(v, t, key, cells);
}

/* ---- hosts ---- */

static uint64_t ip_hash(const tr_ip *ip) { return hash_bytes(ip->a, ip->v == 4 ? 4 : 16, 0xcbf29ce484222325ull ^ ip->v); }

static uint64_t host_key(const void *arg, size_t k) { return ip_hash(&((const views *)arg)->hosts[k].ip); }

static vhost *host_get(views *v, const tr_ip *ip, int64_t ts)
{
    if (!ip || !ip->v)
        return NULL;
    uint64_t h = ip_hash(ip);
    if (v->host_index.cap)
        for (size_t i = h & (v->host_index.cap - 1);; i = (i + 1) & (v->host_index.cap - 1)) {
            uint32_t x = v->host_index.slot[i];
            if (!x)
                break;
            if (tr_ip_equal(&v->hosts[x - 1].ip, ip))
                return &v->hosts[x - 1];
        }
    if (v->nhosts >= VIEWS_HOSTS_MAX) {
        v->hosts_dropped++;
        return NULL;
    }
    if (room_for_one((void **)&v->hosts, &v->hosts_cap, v->nhosts, sizeof *v->hosts) < 0 ||
        vindex_room(&v->host_index, v->nhosts, host_key, v) < 0)
        return NULL;
    vindex_insert(&v->host_index, h, v->nhosts);
    vhost *x = &v->hosts[v->nhosts++];
    memset(x, 0, sizeof *x);
    x->ip = *ip;
    x->first_us = x->last_us = ts;
    x->dirty = 1;
    v->hosts_dirty = 1;
    return x;
}

static void host_fact(views *v, vhost *x, int kind, const char *source, const char *val, size_t n)
{
    if (!x || !n)
        return;
    if (n > 200)
        n = 200;
    for (uint32_t o = 0; o < x->facts_len;) { /* known already */
        const char *src = x->facts + o + 1, *value = src + strlen(src) + 1;
        if (x->facts[o] == kind && strlen(value) == n && memcmp(value, val, n) == 0)
            return;
        o = (uint32_t)(value + strlen(value) + 1 - x->facts);
    }
    size_t need = 1 + strlen(source) + 1 + n + 1;
    if (x->facts_len + need > HOST_FACTS_MAX) {
        x->facts_dropped++;
        return;
    }
    if (x->facts_len + need > x->facts_cap) {
        uint32_t cap = x->facts_cap ? x->facts_cap * 2 : 128;
        while (cap < x->facts_len + need)
            cap *= 2;
        char *nf = realloc(x->facts, cap);
        if (!nf)
            return;
        x->facts = nf;
        x->facts_cap = cap;
    }
    char *o = x->facts + x->facts_len;
    *o++ = (char)kind;
    memcpy(o, source, strlen(source) + 1);
    o += strlen(source) + 1;
    for (size_t i = 0; i < n; i++)
        o[i] = (unsigned char)val[i] < 0x20 ? ' ' : val[i];
    o[n] = '\0';
    x->facts_len += (uint32_t)need;
    x->dirty = 1;
    v->hosts_dirty = 1;
    v->gen++;
}

static void host_port(vhost *x, uint16_t port)
{
    for (int i = 0; i < x->nports; i++)
        if (x->ports[i] == port)
            return;
    if (x->nports < HOST_PORTS_MAX)
        x->ports[x->nports++] = port;
}

static uint64_t pair_hash(const tr_ip *a, const tr_ip *b) { return ip_hash(a) * 31 + ip_hash(b); }

static uint64_t conv_key(const void *arg, size_t k)
{
    const vconv *c = &((const views *)arg)->conv[k];
    return pair_hash(&c->a, &c->b);
}

static void conv_add(views *v, const tr_session *s)
{
    const tr_ip *a = &s->client.ip, *b = &s->server.ip;
    if (tr_ip_cmp(a, b) > 0) {
        const tr_ip *t = a;
        a = b;
        b = t;
    }
    uint64_t h = pair_hash(a, b);
    vconv *c = NULL;
    if (v->conv_index.cap)
        for (size_t i = h & (v->conv_index.cap - 1); !c; i = (i + 1) & (v->conv_index.cap - 1)) {
            uint32_t x = v->conv_index.slot[i];
            if (!x)
                break;
            if (tr_ip_equal(&v->conv[x - 1].a, a) && tr_ip_equal(&v->conv[x - 1].b, b))
                c = &v->conv[x - 1];
        }
    if (!c) {
        if (v->nconv >= VIEWS_CONV_MAX) {
            v->conv_dropped++;
            return;
        }
        if (room_for_one((void **)&v->conv, &v->conv_cap, v->nconv, sizeof *v->conv) < 0 ||
            vindex_room(&v->conv_index, v->nconv, conv_key, v) < 0)
            return;
        vindex_insert(&v->conv_index, h, v->nconv);
        c = &v->conv[v->nconv++];
        memset(c, 0, sizeof *c);
        c->a = *a;
        c->b = *b;
    }
    c->sessions++;
    c->packets += s->packets[0] + s->packets[1];
    c->bytes += s->bytes[0] + s->bytes[1];
}

static void session_ended(views *v, const tr_event *e)
{
    const tr_session *s = e->session;
    if (!s)
        return;
    const char *name = e->proto;
    vproto *p = NULL;
    for (int i = 0; i < v->nproto && !p; i++)
        if (strcmp(v->proto[i].name, name) == 0)
            p = &v->proto[i];
    if (!p && v->nproto < PROTO_MAX) {
        p = &v->proto[v->nproto++];
        p->name = name;
    }
    uint64_t pk = s->packets[0] + s->packets[1], by = s->bytes[0] + s->bytes[1];
    if (p) {
        p->sessions++;
        p->packets += pk;
        p->bytes += by;
    }
    v->sessions++;
    conv_add(v, s);
    for (int d = 0; d < 2; d++) {
        const tr_endpoint *ep = d == TR_C2S ? &s->client : &s->server;
        vhost *x = host_get(v, &ep->ip, s->start_us);
        if (!x)
            continue;
        x->sessions++;
        x->bytes_out += s->bytes[d];
        x->bytes_in += s->bytes[!d];
        x->packets_out += s->packets[d];
        x->packets_in += s->packets[!d];
        if (s->start_us < x->first_us)
            x->first_us = s->start_us;
        if (s->last_us > x->last_us)
            x->last_us = s->last_us;
        if (d == TR_S2C && s->packets[TR_S2C] && (s->l4 != TR_TCP || s->bytes[TR_S2C] || !s->midstream))
            host_port(x, ep->port); /* it answered there */
        if (s->has_mac & (1u << d)) {
            char mac[18];
            const uint8_t *m = s->mac[d];
            int n = snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
            host_fact(v, x, TR_HOST_MAC, "link", mac, (size_t)n);
        }
        x->dirty = 1;
    }
    v->hosts_dirty = 1;
    v->gen++;
}

/* ---- the view hook's outputs ---- */

static void out_host(const tr_view_out *o, const tr_ip *ip, int fact, const char *value, size_t n, const char *source)
{
    views *v = o->self;
    vhost *x = host_get(v, ip, v->cur ? v->cur->ts_us : 0);
    host_fact(v, x, fact, source ? source : "", value, n);
}

static void out_credential(const tr_view_out *o, const tr_view_cred *c)
{
    views *v = o->self;
    v->cur_cred = 1;
    cred_add(v, v->cur, c);
}

static void out_outcome(const tr_view_out *o, int success)
{
    views *v = o->self;
    vtable *t = &v->t[VIEWS_CREDENTIALS];
    char session[24];
    snprintf(session, sizeof session, "%" PRIu64, v->cur && v->cur->session ? v->cur->session->id : 0);
    for (size_t k = 0; k < t->n && k < 64; k++) {
        vrow *r = t->rows[t->n - 1 - k];
        if (strcmp(views_cell(r->text, 1), session) != 0)
            continue;
        if (views_cell(r->text, 9)[0])
            return; /* its latest credential has an outcome already */
        const char *cells[TR_VIEW_COLS_MAX];
        for (int c = 0; c < t->ncols; c++)
            cells[c] = views_cell(r->text, c);
        cells[9] = success ? "true" : "false";
        vrow *nr = row_make(t, cells);
        if (nr) {
            free(r);
            t->rows[t->n - 1 - k] = nr;
            v->gen++;
        }
        return;
    }
}

static void out_row(const tr_view_out *o, const tr_view_table *spec, const char *key, const char *const *cells)
{
    views *v = o->self;
    for (int i = VIEWS_FIXED_TABLES; i < v->nt; i++)
        if (v->t[i].spec == spec) {
            table_put(v, &v->t[i], key ? hash_str(key) : 0, cells);
            return;
        }
}

/* ---- the sink ---- */

static void on_event(void *self, const tr_event *e)
{
    views *v = self;
    event_counts_event(v->counts, e);
    const char *type = e->type;
    if (type[0] == 's' && strcmp(type, "session_end") == 0) {
        session_ended(v, e);
        return;
    }
    if (type[0] == 'a' && strcmp(type, "anomaly") == 0)
        return;
    v->cur = e;
    v->cur_cred = 0;
    const tr_dissector *d = tr_dissector_of_event(e);
    if (d && d->view && d->view->event) {
        tr_view_out out = {v, out_host, out_credential, out_outcome, out_row};
        d->view->event(e, &out);
    }
    if (!v->cur_cred && strcmp(type, "auth") == 0)
        cred_generic(v, e);
    else if (strcmp(type, "message") == 0)
        message_of(v, e);
    files_of(v, e);
    v->cur = NULL;
}

static void on_packet(void *self, tr_session *s, int64_t ts_us, size_t payload)
{
    (void)s;
    views *v = self;
    v->packets++;
    v->bytes += payload;
    if (!v->series_n) {
        v->series_start_us = ts_us - ts_us % 1000000;
        v->series_n = 1;
    }
    int64_t at = ts_us < v->series_start_us ? 0 : (ts_us - v->series_start_us) / 1000000 / v->series_width;
    while (at >= VIEWS_SERIES) { /* a longer capture: each point twice as wide */
        for (size_t i = 0; i < VIEWS_SERIES / 2; i++) {
            v->s_packets[i] = v->s_packets[2 * i] + v->s_packets[2 * i + 1];
            v->s_bytes[i] = v->s_bytes[2 * i] + v->s_bytes[2 * i + 1];
        }
        memset(v->s_packets + VIEWS_SERIES / 2, 0, sizeof v->s_packets / 2);
        memset(v->s_bytes + VIEWS_SERIES / 2, 0, sizeof v->s_bytes / 2);
        v->series_width *= 2;
        v->series_n = (v->series_n + 1) / 2;
        at = (ts_us - v->series_start_us) / 1000000 / v->series_width;
    }
    v->s_packets[at]++;
    v->s_bytes[at] += payload;
    if ((size_t)at + 1 > v->series_n)
        v->series_n = (size_t)at + 1;
}

/* A session's ends are hosts from its first packet on (live: listed before it ends; its counts come at its end). */
static void on_session_open(void *self, tr_session *s)
{
    views *v = self;
    host_get(v, &s->client.ip, s->start_us);
    host_get(v, &s->server.ip, s->start_us);
    v->gen++;
}

tr_sink views_sink(views *v)
{
    tr_sink s;
    memset(&s, 0, sizeof s);
    s.self = v;
    s.on_event = on_event;
    s.on_packet = on_packet;
    s.on_session_open = on_session_open;
    s.takes_digest_tickets = 1; /* it reads a file's digest once known (tickets_resolve) */
    return s;
}

void views_series(const views *v, int64_t *start_us, int64_t *width_s, const uint64_t **packets,
                  const uint64_t **bytes, size_t *n)
{
    *start_us = v->series_start_us;
    *width_s = v->series_width;
    *packets = v->s_packets;
    *bytes = v->s_bytes;
    *n = v->series_n;
}

/* ---- bringing rows up to date ---- */

static void host_row(views *v, vhost *x)
{
    char ip[TR_IP_STRLEN], macs[CELL_MAX], names[CELL_MAX], clients[CELL_MAX], ports[128], out[32], in[32], n[24],
        first[32], last[32];
    tr_ip_format(&x->ip, ip);
    size_t lm = 0, ln = 0, lc = 0, lp = 0;
    macs[0] = names[0] = clients[0] = ports[0] = '\0';
    for (uint32_t o = 0; o < x->facts_len;) {
        int kind = x->facts[o];
        const char *src = x->facts + o + 1, *value = src + strlen(src) + 1;
        o = (uint32_t)(value + strlen(value) + 1 - x->facts);
        char *buf = kind == TR_HOST_MAC ? macs : kind == TR_HOST_NAME ? names : clients;
        size_t *len = kind == TR_HOST_MAC ? &lm : kind == TR_HOST_NAME ? &ln : &lc;
        int w = kind == TR_HOST_MAC ? snprintf(buf + *len, CELL_MAX - *len, "%s%s", *len ? ", " : "", value)
                                    : snprintf(buf + *len, CELL_MAX - *len, "%s%s (%s)", *len ? ", " : "", value, src);
        if (w > 0 && *len + (size_t)w < CELL_MAX)
            *len += (size_t)w;
        else
            buf[*len] = '\0';
    }
    for (int i = 0; i < x->nports; i++)
        lp += (size_t)snprintf(ports + lp, sizeof ports - lp, "%s%u", i ? ", " : "", x->ports[i]);
    snprintf(out, sizeof out, "%" PRIu64, x->bytes_out);
    snprintf(in, sizeof in, "%" PRIu64, x->bytes_in);
    snprintf(n, sizeof n, "%" PRIu64, x->sessions);
    fmt_ts(x->first_us, first, sizeof first);
    fmt_ts(x->last_us, last, sizeof last);
    const char *cells[10] = {ip, macs, names, clients, ports, out, in, n, first, last};
    vtable *t = &v->t[VIEWS_HOSTS];
    vrow *r = row_make(t, cells);
    if (!r)
        return;
    if (x->row) {
        free(t->rows[x->row - 1]);
        t->rows[x->row - 1] = r;
        return;
    }
    if (room_for_one((void **)&t->rows, &t->cap, t->n, sizeof *t->rows) < 0) {
        free(r);
        return;
    }
    t->rows[t->n++] = r;
    x->row = (uint32_t)t->n;
}

void views_sync(views *v)
{
    if (v->hosts_dirty) {
        for (size_t i = 0; i < v->nhosts; i++)
            if (v->hosts[i].dirty) {
                host_row(v, &v->hosts[i]);
                v->hosts[i].dirty = 0;
            }
        v->hosts_dirty = 0;
        v->gen++;
    }
    tickets_resolve(v, 0);
}

/* ---- JSON ---- */

static void json_key(tr_strbuf *sb, const char *key, int *first)
{
    tr_sb_adds(sb, *first ? "\"" : ",\"");
    *first = 0;
    tr_sb_adds(sb, key);
    tr_sb_adds(sb, "\":");
}

static void json_text(tr_strbuf *sb, const char *s)
{
    tr_sb_addc(sb, '"');
    tr_sb_json_str(sb, (const uint8_t *)s, strlen(s));
    tr_sb_addc(sb, '"');
}

void views_table_jsonl(views *v, int t, tr_strbuf *sb)
{
    if (t == VIEWS_FILES)
        tickets_wait(v);
    const vtable *tb = &v->t[t];
    for (size_t r = 0; r < tb->n; r++) {
        const char *cell = tb->rows[r]->text;
        int first = 1;
        tr_sb_addc(sb, '{');
        for (int c = 0; c < tb->ncols; c++, cell += strlen(cell) + 1) {
            if (!cell[0])
                continue;
            json_key(sb, tb->cols[c].name, &first);
            int kind = tb->cols[c].kind;
            if ((kind == VK_INT || kind == VK_SIZE || kind == VK_TS) && cell[strspn(cell, "0123456789.-")] == '\0')
                tr_sb_adds(sb, cell);
            else if (kind == VK_BOOL && (strcmp(cell, "true") == 0 || strcmp(cell, "false") == 0))
                tr_sb_adds(sb, cell);
            else
                json_text(sb, cell);
        }
        tr_sb_adds(sb, "}\n");
    }
    if (tb->dropped)
        tr_sb_printf(sb, "{\"not_listed\":%" PRIu64 "}\n", tb->dropped);
}

void views_hosts_jsonl(views *v, tr_strbuf *sb)
{
    static const char *const lists[3] = {"names", "clients", "macs"};
    static const char *const item[3] = {"name", "client", NULL};
    for (size_t i = 0; i < v->nhosts; i++) {
        const vhost *x = &v->hosts[i];
        char ip[TR_IP_STRLEN], ts[32];
        tr_sb_adds(sb, "{\"ip\":\"");
        tr_sb_adds(sb, tr_ip_format(&x->ip, ip));
        tr_sb_addc(sb, '"');
        for (int kind = 2; kind >= 0; kind--) { /* macs, names, clients */
            int n = 0;
            for (uint32_t o = 0; o < x->facts_len;) {
                int k = x->facts[o];
                const char *src = x->facts + o + 1, *value = src + strlen(src) + 1;
                o = (uint32_t)(value + strlen(value) + 1 - x->facts);
                if (k != (kind == 2 ? TR_HOST_MAC : kind == 0 ? TR_HOST_NAME : TR_HOST_CLIENT))
                    continue;
                tr_sb_adds(sb, n++ ? "," : ",\"");
                if (n == 1) {
                    tr_sb_adds(sb, lists[kind]);
                    tr_sb_adds(sb, "\":[");
                }
                if (item[kind]) {
                    tr_sb_printf(sb, "{\"%s\":", item[kind]);
                    json_text(sb, value);
                    tr_sb_adds(sb, ",\"source\":");
                    json_text(sb, src);
                    tr_sb_addc(sb, '}');
                } else {
                    json_text(sb, value);
                }
            }
            if (n)
                tr_sb_addc(sb, ']');
        }
        if (x->nports) {
            tr_sb_adds(sb, ",\"ports\":[");
            for (int k = 0; k < x->nports; k++)
                tr_sb_printf(sb, "%s%u", k ? "," : "", x->ports[k]);
            tr_sb_addc(sb, ']');
        }
        tr_sb_printf(sb, ",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ",\"packets_out\":%" PRIu64
                         ",\"packets_in\":%" PRIu64 ",\"sessions\":%" PRIu64,
                     x->bytes_out, x->bytes_in, x->packets_out, x->packets_in, x->sessions);
        fmt_ts(x->first_us, ts, sizeof ts);
        tr_sb_printf(sb, ",\"first_seen\":%s", ts);
        fmt_ts(x->last_us, ts, sizeof ts);
        tr_sb_printf(sb, ",\"last_seen\":%s", ts);
        if (x->facts_dropped)
            tr_sb_printf(sb, ",\"facts_not_listed\":%" PRIu32, x->facts_dropped);
        tr_sb_adds(sb, "}\n");
    }
    if (v->hosts_dropped)
        tr_sb_printf(sb, "{\"not_listed\":%" PRIu64 "}\n", v->hosts_dropped);
}

/* ---- statistics ---- */

static int by_host_bytes(const void *a, const void *b)
{
    const vhost *x = *(const vhost *const *)a, *y = *(const vhost *const *)b;
    uint64_t bx = x->bytes_in + x->bytes_out, by = y->bytes_in + y->bytes_out;
    return bx < by ? 1 : bx > by ? -1 : tr_ip_cmp(&x->ip, &y->ip);
}

static int by_conv_bytes(const void *a, const void *b)
{
    const vconv *x = *(const vconv *const *)a, *y = *(const vconv *const *)b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    int c = tr_ip_cmp(&x->a, &y->a);
    return c ? c : tr_ip_cmp(&x->b, &y->b);
}

static int by_proto_bytes(const void *a, const void *b)
{
    const vproto *x = a, *y = b;
    if (x->sessions != y->sessions)
        return x->sessions < y->sessions ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* The top n hosts and conversations by bytes, into arrays the caller frees. */
static size_t top_hosts(const views *v, const vhost ***out)
{
    const vhost **h = malloc((v->nhosts ? v->nhosts : 1) * sizeof *h);
    if (!h)
        return 0;
    for (size_t i = 0; i < v->nhosts; i++)
        h[i] = &v->hosts[i];
    qsort(h, v->nhosts, sizeof *h, by_host_bytes);
    *out = h;
    return v->nhosts < TOP_N ? v->nhosts : TOP_N;
}

static size_t top_convs(const views *v, const vconv ***out)
{
    const vconv **c = malloc((v->nconv ? v->nconv : 1) * sizeof *c);
    if (!c)
        return 0;
    for (size_t i = 0; i < v->nconv; i++)
        c[i] = &v->conv[i];
    qsort(c, v->nconv, sizeof *c, by_conv_bytes);
    *out = c;
    return v->nconv < TOP_N ? v->nconv : TOP_N;
}

static void size_words(uint64_t n, char *out, size_t cap)
{
    static const char *const unit[] = {"KB", "MB", "GB", "TB"};
    if (n < 1024) {
        snprintf(out, cap, "%" PRIu64 " byte%s", n, n == 1 ? "" : "s");
        return;
    }
    double d = (double)n / 1024;
    int u = 0;
    while (d >= 1024 && u < 3) {
        d /= 1024;
        u++;
    }
    snprintf(out, cap, d < 10 ? "%.1f %s" : "%.0f %s", d, unit[u]);
}

void views_stats_text(views *v, tr_strbuf *sb)
{
    char size[32], a[TR_IP_STRLEN], b[TR_IP_STRLEN];
    vproto ps[PROTO_MAX];
    memcpy(ps, v->proto, sizeof ps[0] * (size_t)v->nproto);
    qsort(ps, (size_t)v->nproto, sizeof ps[0], by_proto_bytes);
    tr_sb_printf(sb, "Protocols (sessions that ended)\n  %-12s %10s %12s %14s\n", "protocol", "sessions", "packets",
                 "payload");
    for (int i = 0; i < v->nproto; i++) {
        size_words(ps[i].bytes, size, sizeof size);
        tr_sb_printf(sb, "  %-12s %10" PRIu64 " %12" PRIu64 " %14s\n", ps[i].name, ps[i].sessions, ps[i].packets, size);
    }
    const vhost **h = NULL;
    size_t nh = top_hosts(v, &h);
    tr_sb_printf(sb, "\nTop talkers (bytes sent and received)\n  %-40s %14s %14s %9s\n", "address", "sent", "received",
                 "sessions");
    for (size_t i = 0; i < nh; i++) {
        char in[32];
        size_words(h[i]->bytes_out, size, sizeof size);
        size_words(h[i]->bytes_in, in, sizeof in);
        tr_sb_printf(sb, "  %-40s %14s %14s %9" PRIu64 "\n", tr_ip_format(&h[i]->ip, a), size, in, h[i]->sessions);
    }
    free(h);
    const vconv **c = NULL;
    size_t nc = top_convs(v, &c);
    tr_sb_printf(sb, "\nTop conversations (between two addresses)\n  %-40s %12s %14s %9s\n", "addresses", "packets",
                 "payload", "sessions");
    for (size_t i = 0; i < nc; i++) {
        char pair[2 * TR_IP_STRLEN + 8];
        snprintf(pair, sizeof pair, "%s <-> %s", tr_ip_format(&c[i]->a, a), tr_ip_format(&c[i]->b, b));
        size_words(c[i]->bytes, size, sizeof size);
        tr_sb_printf(sb, "  %-40s %12" PRIu64 " %14s %9" PRIu64 "\n", pair, c[i]->packets, size, c[i]->sessions);
    }
    free(c);
    if (v->conv_dropped || v->hosts_dropped)
        tr_sb_printf(sb, "  (not counted past the caps: %" PRIu64 " conversations, %" PRIu64 " hosts)\n", v->conv_dropped,
                     v->hosts_dropped);
    event_counts_text(v->counts, sb);
    uint64_t peak_p = 0, peak_b = 0;
    for (size_t i = 0; i < v->series_n; i++) {
        if (v->s_packets[i] > peak_p)
            peak_p = v->s_packets[i];
        if (v->s_bytes[i] > peak_b)
            peak_b = v->s_bytes[i];
    }
    size_words(peak_b / (uint64_t)v->series_width, size, sizeof size);
    tr_sb_printf(sb, "\nPer second (%zu point%s of %" PRId64 " s)\n  %-38s %12" PRIu64 "\n  %-38s %12s\n", v->series_n,
                 v->series_n == 1 ? "" : "s", v->series_width, "packets per second at the peak",
                 peak_p / (uint64_t)v->series_width, "payload per second at the peak", size);
}

void views_stats_json(views *v, tr_strbuf *sb)
{
    char a[TR_IP_STRLEN], b[TR_IP_STRLEN], ts[32];
    tr_sb_printf(sb, "{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"sessions\":%" PRIu64 ",\"protocols\":[",
                 v->packets, v->bytes, v->sessions);
    vproto ps[PROTO_MAX];
    memcpy(ps, v->proto, sizeof ps[0] * (size_t)v->nproto);
    qsort(ps, (size_t)v->nproto, sizeof ps[0], by_proto_bytes);
    for (int i = 0; i < v->nproto; i++)
        tr_sb_printf(sb, "%s{\"proto\":\"%s\",\"sessions\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
                     i ? "," : "", ps[i].name, ps[i].sessions, ps[i].packets, ps[i].bytes);
    tr_sb_adds(sb, "],\"top_talkers\":[");
    const vhost **h = NULL;
    size_t nh = top_hosts(v, &h);
    for (size_t i = 0; i < nh; i++)
        tr_sb_printf(sb,
                     "%s{\"ip\":\"%s\",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ",\"packets_out\":%" PRIu64
                     ",\"packets_in\":%" PRIu64 ",\"sessions\":%" PRIu64 "}",
                     i ? "," : "", tr_ip_format(&h[i]->ip, a), h[i]->bytes_out, h[i]->bytes_in, h[i]->packets_out,
                     h[i]->packets_in, h[i]->sessions);
    free(h);
    tr_sb_adds(sb, "],\"conversations\":[");
    const vconv **c = NULL;
    size_t nc = top_convs(v, &c);
    for (size_t i = 0; i < nc; i++)
        tr_sb_printf(sb,
                     "%s{\"a\":\"%s\",\"b\":\"%s\",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"sessions\":%" PRIu64
                     "}",
                     i ? "," : "", tr_ip_format(&c[i]->a, a), tr_ip_format(&c[i]->b, b), c[i]->bytes, c[i]->packets,
                     c[i]->sessions);
    free(c);
    tr_sb_printf(sb, "],\"not_counted\":{\"conversations\":%" PRIu64 ",\"hosts\":%" PRIu64 "},", v->conv_dropped,
                 v->hosts_dropped);
    event_counts_json(v->counts, sb);
    fmt_ts(v->series_start_us, ts, sizeof ts);
    tr_sb_printf(sb, ",\"per_second\":{\"start\":%s,\"width\":%" PRId64 ",\"packets\":[", ts, v->series_width);
    for (size_t i = 0; i < v->series_n; i++)
        tr_sb_printf(sb, "%s%" PRIu64, i ? "," : "", v->s_packets[i]);
    tr_sb_adds(sb, "],\"bytes\":[");
    for (size_t i = 0; i < v->series_n; i++)
        tr_sb_printf(sb, "%s%" PRIu64, i ? "," : "", v->s_bytes[i]);
    tr_sb_adds(sb, "]}}\n");
}

void views_fill_file_digests(views *v, views_digest_fn digest, void *arg)
{
    tickets_wait(v);
    vtable *t = &v->t[VIEWS_FILES];
    int sha = -1, file = -1, complete = -1;
    for (int c = 0; file_cols[c]; c++) {
        if (strcmp(file_cols[c], "sha256") == 0)
            sha = c;
        else if (strcmp(file_cols[c], "file") == 0)
            file = c;
        else if (strcmp(file_cols[c], "complete") == 0)
            complete = c;
    }
    for (size_t i = 0; i < t->n; i++) {
        const char *text = t->rows[i]->text;
        char hex[2 * TR_HASH_DIGEST_LEN + 1];
        if (!views_cell(text, sha)[0] && views_cell(text, file)[0] && strcmp(views_cell(text, complete), "true") == 0 &&
            digest(arg, views_cell(text, file), hex) == 0)
            row_set_cell(v, t, i, sha, hex);
    }
}

int views_export(views *v, views_put_fn put, void *arg)
{
    int rc = 0;
    views_sync(v);
    for (int t = 0; t < v->nt; t++) {
        if (t == VIEWS_HOSTS || !v->t[t].export_name)
            continue;
        tr_sb_reset(&v->sb);
        views_table_jsonl(v, t, &v->sb);
        if (put(arg, v->t[t].export_name, v->sb.p ? v->sb.p : "", v->sb.len) < 0)
            rc = -1;
    }
    tr_sb_reset(&v->sb);
    views_hosts_jsonl(v, &v->sb);
    if (put(arg, "hosts.jsonl", v->sb.p ? v->sb.p : "", v->sb.len) < 0)
        rc = -1;
    tr_sb_reset(&v->sb);
    views_stats_json(v, &v->sb);
    if (put(arg, "stats.json", v->sb.p, v->sb.len) < 0)
        rc = -1;
    return rc;
}
