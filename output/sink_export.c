#include "sink_export.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../core/tr_hash.h"
#include "../core/tr_pool.h"
#include "../core/tr_wfile.h"
#include "../core/tr_worker.h"
#include "async_file.h"
#include "digest_lines.h"
#include "export_folder.h"
#include "name_set.h"
#include "safe_name.h"
#include "safe_path.h"
#include "tr_format.h"
#include "transcript.h"

#define XPATH_MAX 224             /* "files/" + id + "-" + safe name + "-NNNN" fits */
#define XTEXT_REL_MAX 128         /* a transcript's or raw stream's path: two IPv6 addresses and ports fit */
#define GROUPS_MAX 8192           /* group transcripts at once; past it a session keeps its own */
#define GROUP_BUCKETS 1024
#define RENDER_SLICE 65536        /* bytes rendered at once, so the scratch buffer stays small */
#define RENDER_MAX (8u << 20)     /* scratch cap: a slice's hex dump is well under it */
#define NAME_TRIES 10000          /* -2 ... -9999 before extraction gives up on a name */
#define SESSION_BUCKETS_MIN 1024
/* Each open file's stdio buffer: objects arrive a TCP segment at a time, and glibc's default (the block size,
 * 4 KB) would make a write(2) of every third segment. At most max_open of them exist at once. */
#define XFILE_BUFFER 16384
/* A transcript's first bytes are held in memory and its file created only when they pass HELD_MAX or the session
 * ends: most sessions (a DNS exchange, a short connection) then cost one create and one close, not a second open
 * to append the footer long after the LRU closed the file. HELD_TOTAL caps what all sessions hold together. */
#define HELD_MAX 4096
#define HELD_TOTAL (2u << 20)

/* A file the exporter writes: opened on demand, closed by the LRU, reopened at its end. */
typedef struct xfile {
    FILE *f;
    char *buf;                 /* its stdio buffer while open */
    struct xfile *prev, *next; /* open files, most recently written first */
    uint64_t pos;              /* where the next write goes (a raw stream's gap moves it past the end) */
    uint64_t fpos;             /* the FILE's position while open */
    uint8_t created;
    uint8_t cut;     /* --export-max left it short */
    const char *rel; /* path under DIR, kept by the owner */
} xfile;

/* An extracted file and its path (XPATH_MAX bytes for a session's file, as long as given for a created one). */
typedef struct xextract {
    xfile f;
    char rel[];
} xextract;

/* A transcript being written: one session's, or a group's — a datagram protocol's conversations between two
 * addresses (DNS, SNMP), or what a dissector groups itself (DHCP: one client's messages) — with the text held in
 * memory until it is worth a file. */
typedef struct xtext {
    uint8_t started;       /* its header is written */
    tr_transcript tx;
    xfile file;
    char rel[XTEXT_REL_MAX]; /* "sessions/000042-http.txt", "sessions/dns-10.0.0.2-10.0.0.1.txt" */
    char *held;            /* text not yet in its file (the file not created yet) */
    uint32_t held_len, held_cap;
} xtext;

/* A group's transcript and what it has shown. */
typedef struct xgroup {
    struct xgroup *next;   /* hash chain */
    xtext t;
    uint64_t last_session; /* the session its last lines were of */
    char proto[16];
} xgroup;

/* What the exporter keeps of one session until it closes. */
typedef struct xsession {
    uint64_t id;
    struct xsession *next; /* hash chain */
    uint8_t started;       /* its transcript is chosen (own or a group's) */
    uint8_t raw_tcp;
    uint8_t grouped;       /* datagrams: its transcript is its address pair's (group) */
    xtext own;
    xgroup *group;
    xfile raw[2];
    char raw_rel[2][XTEXT_REL_MAX]; /* "streams/000042-10.0.0.1.40000-10.0.0.2.80-c2s.bin" */
    char end[16];       /* `end` of the session_end event */
    name_set names;     /* names its extracted files took */
} xsession;

#define DIRS_MAX 256 /* folders of owner-named files (torrents/<hash>/..., mail/) kept open while exporting */

/* The folders files are made in, each opened once without following a symbolic link: the export's own three, and
 * those of owner-named paths. Every file is then created with openat(folder, its name), so a symbolic link put in
 * the export folder (DIR/files -> /etc/cron.d) is refused, never followed. */
typedef struct xdirs {
    int sub[3];               /* sessions, files, streams; -1 when not made */
    int n;
    struct {
        char path[256];       /* the folder's path under DIR */
        int fd;
    } owned[DIRS_MAX];
} xdirs;

struct sink_export {
    int dirfd;
    xdirs dirs;
    int raw;
    int max_open, nopen;
    xfile *lru_head, *lru_tail;
    FILE *events;
    char *events_buf;    digest_lines events_queue; /* events.jsonl, lines waiting for digests when defer_digests */
    int defer_digests;
    tr_strbuf sb, note;
    xsession **bucket;
    size_t nbucket, nsession;
    xgroup *group_bucket[GROUP_BUCKETS];
    size_t ngroups;
    xextract **slot; /* extracted files being written; a handle is an index */
    int *free_slot;
    int nslot, slot_cap, nfree;
    sink_export_stats st;
    char err[256];
    size_t held_total; /* transcript bytes all sessions hold */
    size_t nbuffers;   /* open files' stdio buffers */
    size_t name_bytes; /* sessions' name sets */
    size_t memory;     /* these three: what the engine counts against --memcap for us */
    tr_pool spare; /* buffers of closed files, for the next open */
    uint64_t max_bytes; /* --export-max; 0: none */
    char **links;  /* pairs from, to (tr_file_link), made at the end */
    size_t nlinks, links_cap;
};

static void fail(sink_export *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(sink_export *x, const char *fmt, ...)
{
    x->st.write_errors++;
    if (x->err[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
}

/* ---- the folders files are made in ---- */

static const char *const subdirs[] = {"sessions", "files", "streams"};

/* The folder a file of rel goes in, and its name there (*base); -errno when the folder cannot be had (a symbolic
 * link on the way: -ELOOP or -ENOTDIR). The fd is the sink's, kept until the export ends. */
static int folder_of(sink_export *x, const char *rel, const char **base)
{
    const char *slash = strrchr(rel, '/');
    if (!slash) {
        *base = rel;
        return x->dirfd;
    }
    *base = slash + 1;
    size_t len = (size_t)(slash - rel);
    for (int i = 0; i < 3; i++)
        if (len == strlen(subdirs[i]) && memcmp(rel, subdirs[i], len) == 0)
            return x->dirs.sub[i] >= 0 ? x->dirs.sub[i] : -ENOENT;
    xdirs *d = &x->dirs;
    for (int i = 0; i < d->n; i++)
        if (strlen(d->owned[i].path) == len && memcmp(d->owned[i].path, rel, len) == 0)
            return d->owned[i].fd;
    if (len >= sizeof d->owned[0].path || d->n == DIRS_MAX)
        return -EMFILE;
    int fd = safe_path_open_parent(x->dirfd, rel);
    if (fd < 0)
        return fd;
    memcpy(d->owned[d->n].path, rel, len);
    d->owned[d->n].path[len] = '\0';
    d->owned[d->n++].fd = fd;
    return fd;
}

static void folders_close(sink_export *x)
{
    for (int i = 0; i < 3; i++)
        if (x->dirs.sub[i] >= 0)
            close(x->dirs.sub[i]);
    for (int i = 0; i < x->dirs.n; i++)
        if (x->dirs.owned[i].fd != x->dirfd)
            close(x->dirs.owned[i].fd);
}

/* ---- files under the open-handle cap ---- */

static void lru_unlink(sink_export *x, xfile *xf)
{
    if (xf->prev)
        xf->prev->next = xf->next;
    else
        x->lru_head = xf->next;
    if (xf->next)
        xf->next->prev = xf->prev;
    else
        x->lru_tail = xf->prev;
    xf->prev = xf->next = NULL;
}

static void lru_push(sink_export *x, xfile *xf)
{
    xf->prev = NULL;
    xf->next = x->lru_head;
    if (x->lru_head)
        x->lru_head->prev = xf;
    else
        x->lru_tail = xf;
    x->lru_head = xf;
}

static void note_memory(sink_export *x) { x->memory = x->nbuffers * XFILE_BUFFER + x->held_total + x->name_bytes; }

static void xfile_close(sink_export *x, xfile *xf)
{
    if (!xf->f)
        return;
    if (fclose(xf->f) != 0)
        fail(x, "%s: %s", xf->rel, strerror(errno));
    tr_pool_give(&x->spare, xf->buf); /* after fclose, which flushes from it */
    if (xf->buf) {
        x->nbuffers--;
        note_memory(x);
    }
    xf->buf = NULL;
    xf->f = NULL;
    lru_unlink(x, xf);
    x->nopen--;
}

/* Makes xf open, most recent. create_flags apply to its first open (O_CREAT|O_TRUNC or O_CREAT|O_EXCL).
 * Returns 0, or -errno. */
static int xfile_get(sink_export *x, xfile *xf, int create_flags)
{
    if (xf->f) {
        if (x->lru_head != xf) {
            lru_unlink(x, xf);
            lru_push(x, xf);
        }
        return 0;
    }
    while (x->nopen >= x->max_open && x->lru_tail)
        xfile_close(x, x->lru_tail);
    int flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (xf->created ? 0 : create_flags);
    FILE *f;
    /* Opened here, not on the worker: with O_EXCL the caller needs the answer now (it tries another name when
     * this one exists); a new file is created here when the worker is behind, and written and closed here
     * too while this handle lasts, so creating and writing files (the kernel's copy into the page cache is
     * most of a write) goes to whichever thread has time. Any later handle of the file writes after this one. */
    int here = (flags & O_CREAT) && !(flags & O_EXCL) && tr_worker_behind();
    const char *base;
    int dfd = folder_of(x, xf->rel, &base);
    if (dfd < 0)
        return dfd;
    if ((flags & O_EXCL) || here) {
        int fd = openat(dfd, base, flags, 0644);
        if (fd < 0)
            return -errno;
        f = here ? fdopen(fd, "w") : async_file_adopt(fd, xf->rel);
        if (here && f)
            tr_worker_note_taken();
        if (!f) {
            int e = errno;
            close(fd);
            return -e;
        }
    } else { /* opened (and written, and closed) on the worker thread when it runs; failures come at the end */
        f = async_file_open_at(dfd, base, flags);
        if (!f)
            return -ENOMEM;
    }
    __fsetlocking(f, FSETLOCKING_BYCALLER); /* only the engine's thread writes exports */
    xf->buf = tr_pool_take(&x->spare);
    if (xf->buf) {
        setvbuf(f, xf->buf, _IOFBF, XFILE_BUFFER);
        x->nbuffers++;
        note_memory(x);
    }
    if (xf->created)
        x->st.reopens++;
    xf->created = 1;
    xf->f = f;
    xf->fpos = 0;
    lru_push(x, xf);
    x->nopen++;
    return 0;
}

static void xfile_write(sink_export *x, xfile *xf, const void *p, size_t n)
{
    if (!n)
        return;
    if (x->max_bytes && n > x->max_bytes - x->st.bytes) { /* --export-max: what passes it is not written */
        size_t room = (size_t)(x->max_bytes - x->st.bytes);
        x->st.bytes_dropped += n - room;
        if (!xf->cut) {
            xf->cut = 1;
            x->st.files_cut++;
        }
        n = room;
        if (!n)
            return;
    }
    x->st.bytes += n;
    int r = xfile_get(x, xf, O_CREAT | O_TRUNC);
    if (r < 0) {
        fail(x, "%s: %s", xf->rel, strerror(-r));
        return;
    }
    if (xf->fpos != xf->pos && fseeko(xf->f, (off_t)xf->pos, SEEK_SET) != 0) {
        fail(x, "%s: %s", xf->rel, strerror(errno));
        return;
    }
    if (fwrite(p, 1, n, xf->f) != n)
        fail(x, "%s: %s", xf->rel, strerror(errno));
    xf->pos += n;
    xf->fpos = xf->pos;
}

/* ---- sessions ---- */

static size_t bucket_of(const sink_export *x, uint64_t id)
{
    uint64_t h = id * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29)) & (x->nbucket - 1);
}

static xsession *session_find(sink_export *x, uint64_t id)
{
    for (xsession *xs = x->bucket[bucket_of(x, id)]; xs; xs = xs->next)
        if (xs->id == id)
            return xs;
    return NULL;
}

static void sessions_grow(sink_export *x)
{
    size_t n = x->nbucket * 2;
    xsession **nb = calloc(n, sizeof *nb);
    if (!nb)
        return; /* longer chains, still correct */
    xsession **old = x->bucket;
    size_t oldn = x->nbucket;
    x->bucket = nb;
    x->nbucket = n;
    for (size_t i = 0; i < oldn; i++)
        for (xsession *xs = old[i], *next; xs; xs = next) {
            next = xs->next;
            size_t b = bucket_of(x, xs->id);
            xs->next = nb[b];
            nb[b] = xs;
        }
    free(old);
}

static xsession *session_get(sink_export *x, const tr_session *s)
{
    xsession *xs = session_find(x, s->id);
    if (xs)
        return xs;
    xs = calloc(1, sizeof *xs);
    if (!xs) {
        fail(x, "session %" PRIu64 ": out of memory", s->id);
        return NULL;
    }
    xs->id = s->id;
    size_t b = bucket_of(x, s->id);
    xs->next = x->bucket[b];
    x->bucket[b] = xs;
    if (++x->nsession > 2 * x->nbucket)
        sessions_grow(x);
    return xs;
}

static void session_remove(sink_export *x, xsession *xs)
{
    for (xsession **pp = &x->bucket[bucket_of(x, xs->id)]; *pp; pp = &(*pp)->next)
        if (*pp == xs) {
            *pp = xs->next;
            break;
        }
    x->nsession--;
    x->held_total -= xs->own.held_len;
    x->name_bytes -= name_set_bytes(&xs->names);
    note_memory(x);
    name_set_free(&xs->names);
    free(xs->own.held);
    free(xs);
}

/* Creates the transcript file with what it held. */
static void spill_held(sink_export *x, xtext *t)
{
    if (!t->held)
        return;
    xfile_write(x, &t->file, t->held, t->held_len);
    x->held_total -= t->held_len;
    note_memory(x);
    free(t->held);
    t->held = NULL;
    t->held_len = t->held_cap = 0;
}

/* Keeps sb's text in memory while the transcript is small; 0 when it must go to the file. */
static int hold_text(sink_export *x, xtext *t)
{
    size_t n = x->sb.len, want = t->held_len + n;
    if (t->file.created || want > HELD_MAX || x->held_total + n > HELD_TOTAL)
        return 0;
    if (want > t->held_cap) {
        uint32_t cap = t->held_cap ? t->held_cap : 512;
        while (cap < want)
            cap *= 2;
        char *p = realloc(t->held, cap);
        if (!p)
            return 0;
        t->held = p;
        t->held_cap = cap;
    }
    memcpy(t->held + t->held_len, x->sb.p, n);
    t->held_len = (uint32_t)want;
    x->held_total += n;
    note_memory(x);
    return 1;
}

static void flush_text(sink_export *x, xtext *t)
{
    if (!hold_text(x, t)) {
        spill_held(x, t);
        xfile_write(x, &t->file, x->sb.p, x->sb.len);
    }
    tr_sb_reset(&x->sb);
}

/* ---- group transcripts ---- */

/* A name made of what a dissector gave (DHCP's "dhcp-02:00:5e:99:00:01"): letters, digits and . : - _ kept. */
static void group_name(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 1 < cap && k < 80; in++) {
        char c = *in;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == ':' ||
                 c == '-' || c == '_';
        out[k++] = ok ? c : '_';
    }
    out[k] = '\0';
}

static size_t group_bucket(const char *rel)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *rel; rel++)
        h = (h ^ (uint8_t)*rel) * 1099511628211ull;
    return (size_t)(h % GROUP_BUCKETS);
}

/* The group transcript at rel, made (header and all) on first use; NULL past GROUPS_MAX. */
static xgroup *group_get(sink_export *x, const tr_session *s, const char *rel, const char *about)
{
    size_t b = group_bucket(rel);
    for (xgroup *g = x->group_bucket[b]; g; g = g->next)
        if (strcmp(g->t.rel, rel) == 0)
            return g;
    if (x->ngroups == GROUPS_MAX)
        return NULL;
    xgroup *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    snprintf(g->t.rel, sizeof g->t.rel, "%s", rel);
    g->t.file.rel = g->t.rel;
    snprintf(g->proto, sizeof g->proto, "%s", tr_session_proto(s));
    tr_transcript_init(&g->t.tx, tr_transcript_mode(g->proto, s->l4));
    g->t.started = 1;
    g->next = x->group_bucket[b];
    x->group_bucket[b] = g;
    x->ngroups++;
    x->memory += sizeof *g;
    tr_sb_reset(&x->sb);
    tr_sb_printf(&x->sb, "trawl transcript of %s over %s: %s\n", g->proto, s->l4 == TR_UDP ? "udp" : "tcp", about);
    tr_sb_adds(&x->sb, "lines    \">> \" client to server, \"<< \" server to client, \"== \" where a session's part begins; "
                       "[...] markers\n");
    tr_sb_adds(&x->sb, "========================================================================\n");
    flush_text(x, &g->t);
    return g;
}

/* The group a datagram session belongs to: the one its dissector names for what it is carrying now (s->tx_group),
 * or its address pair's when its protocol shows datagrams decoded (DNS, SNMP); NULL: its own transcript. */
static xgroup *group_of(sink_export *x, xsession *xs, const tr_session *s)
{
    char rel[XTEXT_REL_MAX], name[96], about[200], a[TR_IP_STRLEN], b[TR_IP_STRLEN];
    if (s->tx_group && s->tx_group[0]) {
        group_name(s->tx_group, name, sizeof name);
        snprintf(rel, sizeof rel, "sessions/%s.txt", name);
        snprintf(about, sizeof about, "%s, across sessions", name);
        return group_get(x, s, rel, about);
    }
    if (!xs->grouped)
        return NULL;
    if (xs->group)
        return xs->group;
    tr_ip_format(&s->client.ip, a);
    tr_ip_format(&s->server.ip, b);
    snprintf(rel, sizeof rel, "sessions/%s-%s-%s.txt", tr_session_proto(s), a, b);
    snprintf(about, sizeof about, "every conversation between %s (client) and %s (server)", a, b);
    xs->group = group_get(x, s, rel, about);
    return xs->group;
}

/* The transcript a chunk of s goes to; a group's says first which session it comes from. */
static xtext *text_of(sink_export *x, xsession *xs, const tr_session *s)
{
    xgroup *g = group_of(x, xs, s);
    if (!g)
        return &xs->own;
    if (g->last_session != s->id) {
        char a[TR_IP_STRLEN], b[TR_IP_STRLEN];
        tr_sb_reset(&x->note);
        tr_sb_printf(&x->note, "session %" PRIu64 ": %s%s%s:%u -> %s%s%s:%u", s->id, s->client.ip.v == 6 ? "[" : "",
                     tr_ip_format(&s->client.ip, a), s->client.ip.v == 6 ? "]" : "", s->client.port,
                     s->server.ip.v == 6 ? "[" : "", tr_ip_format(&s->server.ip, b), s->server.ip.v == 6 ? "]" : "",
                     s->server.port);
        tr_transcript_section(&g->t.tx, x->note.p, x->note.len, &x->sb);
        flush_text(x, &g->t);
        g->last_session = s->id;
    }
    return &g->t;
}

static void group_finish(sink_export *x, xgroup *g)
{
    tr_sb_reset(&x->sb);
    tr_transcript_end(&g->t.tx, &x->sb);
    tr_sb_adds(&x->sb, "========================================================================\n");
    flush_text(x, &g->t);
    spill_held(x, &g->t);
    xfile_close(x, &g->t.file);
    x->st.sessions++;
}

/* ---- sessions ---- */

/* The transcript is chosen when the session first has something to show: by then the protocol is decided (the
 * engine may hold a new flow's first bytes while it waits to see). */
static xsession *session_start(sink_export *x, const tr_session *s)
{
    xsession *xs = session_get(x, s);
    if (!xs || xs->started)
        return xs;
    xs->started = 1;
    const char *proto = tr_session_proto(s);
    int mode = tr_transcript_mode(proto, s->l4);
    xs->grouped = (mode & TR_TX_MODE_MASK) == TR_TXM_DATAGRAMS;
    xs->raw_tcp = x->raw && s->l4 == TR_TCP;
    for (int d = 0; d < 2; d++) {
        char a[TR_IP_STRLEN], b[TR_IP_STRLEN];
        const tr_endpoint *from = d ? &s->server : &s->client, *to = d ? &s->client : &s->server;
        snprintf(xs->raw_rel[d], sizeof xs->raw_rel[d], "streams/%06" PRIu64 "-%s.%u-%s.%u-%s.bin", s->id,
                 tr_ip_format(&from->ip, a), from->port, tr_ip_format(&to->ip, b), to->port, d ? "s2c" : "c2s");
        xs->raw[d].rel = xs->raw_rel[d];
    }
    if (xs->grouped)
        return xs;
    xs->own.started = 1;
    tr_transcript_init(&xs->own.tx, mode);
    sink_export_transcript_rel(s->id, proto, xs->own.rel, sizeof xs->own.rel);
    xs->own.file.rel = xs->own.rel;
    tr_sb_reset(&x->sb);
    tr_transcript_header(s, &x->sb);
    flush_text(x, &xs->own);
    return xs;
}

static void session_chunk(sink_export *x, xsession *xs, const tr_session *s, const tr_tx_chunk *c)
{
    xtext *t = text_of(x, xs, s);
    if (!t->started) { /* a grouped session whose group could not be had: a transcript of its own after all */
        xs->grouped = 0;
        xs->own.started = 1;
        tr_transcript_init(&xs->own.tx, tr_transcript_mode(tr_session_proto(s), s->l4));
        sink_export_transcript_rel(s->id, tr_session_proto(s), xs->own.rel, sizeof xs->own.rel);
        xs->own.file.rel = xs->own.rel;
        tr_sb_reset(&x->sb);
        tr_transcript_header(s, &x->sb);
        flush_text(x, &xs->own);
        t = &xs->own;
    }
    tr_transcript_add(&t->tx, c, &x->sb);
    flush_text(x, t);
}

static int64_t now_of(const tr_session *s) { return s->ctx ? s->ctx->now_us : s->last_us; }

static void export_on_session_open(void *self, tr_session *s)
{
    if (session_get(self, s))
        s->state_extra += sizeof(xsession); /* counted with the session against --memcap, until it ends */
}

static void export_on_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    sink_export *x = self;
    xsession *xs = session_start(x, s);
    if (!xs || (dir != TR_C2S && dir != TR_S2C))
        return;
    for (size_t off = 0; off < n; off += RENDER_SLICE) {
        tr_tx_chunk c = {.kind = TR_TX_DATA, .dir = dir, .ts_us = now_of(s), .p = p + off};
        c.n = n - off < RENDER_SLICE ? n - off : RENDER_SLICE;
        session_chunk(x, xs, s, &c);
    }
    if (xs->raw_tcp)
        xfile_write(x, &xs->raw[dir], p, n);
}

static void export_on_stream_gap(void *self, tr_session *s, int dir, uint64_t n)
{
    sink_export *x = self;
    xsession *xs = session_start(x, s);
    if (!xs || (dir != TR_C2S && dir != TR_S2C))
        return;
    tr_tx_chunk c = {.kind = TR_TX_GAP, .dir = dir, .ts_us = now_of(s), .gap = n};
    session_chunk(x, xs, s, &c);
    if (xs->raw_tcp)
        xs->raw[dir].pos += n; /* zeros (a hole) once bytes after it are written; nothing if none are */
}

static void remember_end(xsession *xs, const tr_event *e)
{
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->top && f->type == TR_F_STR && f->key && strcmp(f->key, "end") == 0) {
            size_t n = f->n < sizeof xs->end - 1 ? f->n : sizeof xs->end - 1;
            memcpy(xs->end, f->s, n);
            xs->end[n] = '\0';
            return;
        }
    }
}

static void export_on_event(void *self, const tr_event *e)
{
    sink_export *x = self;
    tr_sb_reset(&x->sb);
    tr_digest_holes holes = {.n = 0};
    tr_format_json_holes(e, 1, &x->sb, x->defer_digests ? &holes : NULL);
    digest_lines_put(&x->events_queue, &x->sb, &holes);
    if (x->events_queue.write_failed && !x->st.write_errors)
        fail(x, "events.jsonl: %s", strerror(errno));
    tr_sb_reset(&x->sb);
    const tr_session *s = e->session;
    if (!s)
        return;
    if (strcmp(e->type, "session_end") == 0) {
        xsession *xs = session_get(x, s);
        if (xs)
            remember_end(xs, e);
        return;
    }
    int kind = tr_transcript_event_note(e, &x->note);
    if (kind < 0)
        return;
    xsession *xs = session_start(x, s);
    if (!xs)
        return;
    static tr_strbuf note; /* text_of may write a session line with x->note first */
    if (!note.max)
        tr_sb_init(&note, 1u << 20);
    tr_sb_reset(&note);
    tr_sb_add(&note, x->note.p, x->note.len);
    tr_tx_chunk c = {.kind = kind, .dir = e->dir, .ts_us = e->ts_us, .p = (const uint8_t *)note.p, .n = note.len};
    session_chunk(x, xs, s, &c);
}

static void session_finish(sink_export *x, xsession *xs, const tr_session *s)
{
    /* a TCP connection that carried no payload (a handshake, a scan) gets no transcript */
    int empty = s && s->l4 == TR_TCP && !s->bytes[0] && !s->bytes[1] && !s->gap_bytes[0] && !s->gap_bytes[1];
    if (xs->own.started && !empty) {
        tr_sb_reset(&x->sb);
        tr_transcript_end(&xs->own.tx, &x->sb);
        tr_transcript_footer(s, xs->end[0] ? xs->end : NULL, &x->sb);
        flush_text(x, &xs->own);
        spill_held(x, &xs->own); /* a short transcript: created, written and closed at once */
        x->st.sessions++;
    }
    xfile_close(x, &xs->own.file);
    xfile_close(x, &xs->raw[0]);
    xfile_close(x, &xs->raw[1]);
    session_remove(x, xs);
}

static void export_on_session_close(void *self, tr_session *s)
{
    sink_export *x = self;
    xsession *xs = session_start(x, s); /* a session with nothing to show still gets its transcript */
    if (xs)
        session_finish(x, xs, s);
}

/* ---- file extraction ---- */

static int slot_alloc(sink_export *x)
{
    if (x->nfree)
        return x->free_slot[--x->nfree];
    if (x->nslot == x->slot_cap) {
        if (x->slot_cap >= SINK_EXPORT_MAX_FILES)
            return -1;
        int cap = x->slot_cap ? x->slot_cap * 2 : 64;
        xextract **ns = realloc(x->slot, (size_t)cap * sizeof *ns);
        if (!ns)
            return -1;
        x->slot = ns;
        int *nf = realloc(x->free_slot, (size_t)cap * sizeof *nf);
        if (!nf)
            return -1;
        x->free_slot = nf;
        x->slot_cap = cap;
    }
    x->slot[x->nslot] = NULL;
    return x->nslot++;
}

/* files/<id>-<safe>, or with k > 1 files/<id>-<stem>-<k><ext>; 0 when it does not fit cap. */
static int object_rel(char *out, size_t cap, uint64_t id, const char *safe, size_t ext, uint32_t k)
{
    int n = k == 1 ? snprintf(out, cap, "files/%06" PRIu64 "-%s", id, safe)
                   : snprintf(out, cap, "files/%06" PRIu64 "-%.*s-%u%s", id, (int)ext, safe, k, safe + ext);
    return n > 0 && (size_t)n < cap;
}

/* A name no other object of this session took. The file is created on the worker thread (O_TRUNC: a file an
 * earlier run left there is replaced, as transcripts and events.jsonl are). Only a session past NAME_SET_MAX
 * names asks the file system (O_EXCL, on this thread, once the worker has created what it was asked to). */
static int pick_and_open(sink_export *x, xsession *xs, xextract *xe, const tr_session *s, const char *safe, size_t ext,
                         size_t cap)
{
    char rel[XPATH_MAX];
    if (!object_rel(rel, sizeof rel, s->id, safe, ext, 1))
        return -ENAMETOOLONG;
    uint64_t base = name_set_hash(rel, strlen(rel));
    int asked_fs = 0;
    for (uint32_t k = name_set_next_k(&xs->names, base); k <= NAME_TRIES; k++) {
        if (!object_rel(xe->rel, XPATH_MAX, s->id, safe, ext, k) || strlen(xe->rel) >= cap)
            return -ENAMETOOLONG;
        uint64_t key = k == 1 ? base : name_set_hash(xe->rel, strlen(xe->rel));
        if (name_set_has(&xs->names, key))
            continue;
        xe->f.rel = xe->rel;
        size_t before = name_set_bytes(&xs->names);
        if (name_set_take(&xs->names, key, base, k) == 0) {
            x->name_bytes += name_set_bytes(&xs->names) - before;
            note_memory(x);
            return xfile_get(x, &xe->f, O_CREAT | O_TRUNC);
        }
        if (!asked_fs) {
            tr_worker_flush();
            asked_fs = 1;
        }
        int r = xfile_get(x, &xe->f, O_CREAT | O_EXCL);
        if (r == 0)
            name_set_hint(&xs->names, base, k); /* the next object of that name need not ask for this one again */
        if (r != -EEXIST)
            return r;
    }
    return -EEXIST;
}

static int export_file_open(void *self, tr_session *s, const char *name, char *relpath, size_t cap)
{
    sink_export *x = self;
    char safe[TR_SAFE_NAME_MAX + 1];
    size_t len = tr_safe_name(name ? name : "", name ? strlen(name) : 0, safe, sizeof safe);
    size_t ext = tr_safe_name_ext(safe, len);
    xsession *xs = session_get(x, s);
    xextract *xe = xs ? calloc(1, sizeof *xe + XPATH_MAX) : NULL;
    int h = xe ? slot_alloc(x) : -1;
    if (h < 0) {
        free(xe);
        x->st.file_refused++;
        return -1;
    }
    int r = pick_and_open(x, xs, xe, s, safe, ext, cap);
    if (r < 0) {
        if (r != -EEXIST && r != -ENAMETOOLONG)
            fail(x, "%s: %s", xe->rel, strerror(-r));
        free(xe);
        x->free_slot[x->nfree++] = h;
        x->st.file_refused++;
        return -1;
    }
    x->slot[h] = xe;
    snprintf(relpath, cap, "%s", xe->rel);
    return h;
}

/* Every sink hears of the file (tr_file_open), the exporter too: its transcript notes where the bytes went. */
static void export_on_file_open(void *self, tr_session *s, const char *relpath)
{
    sink_export *x = self;
    xsession *xs = session_start(x, s);
    if (!xs || !xs->own.started || tr_transcript_file_note(xs->own.tx.mode, relpath, &x->note) < 0)
        return;
    tr_tx_chunk c = {.kind = TR_TX_TO_FILE, .dir = TR_NODIR, .ts_us = now_of(s), .p = (const uint8_t *)x->note.p,
                     .n = x->note.len};
    session_chunk(x, xs, s, &c);
}

/* An object in the stream (an HTTP body going to a file): a binary one is one marker in the transcript. */
static void export_on_stream_object(void *self, tr_session *s, int dir, uint64_t start, uint64_t end, const char *label,
                                    const char *relpath)
{
    sink_export *x = self;
    xsession *xs = session_start(x, s);
    if (!xs || (dir != TR_C2S && dir != TR_S2C))
        return;
    int kind = tr_transcript_object_note(start, end, label, relpath, &x->note);
    tr_tx_chunk c = {.kind = kind, .dir = dir, .ts_us = now_of(s), .p = (const uint8_t *)x->note.p, .n = x->note.len};
    session_chunk(x, xs, s, &c);
}

static xfile *slot_get(sink_export *x, int h) { return h >= 0 && h < x->nslot && x->slot[h] ? &x->slot[h]->f : NULL; }

static void export_file_write(void *self, int h, const uint8_t *p, size_t n)
{
    sink_export *x = self;
    xfile *xf = slot_get(x, h);
    if (xf)
        xfile_write(x, xf, p, n);
}

/* Bytes at an offset: the stdio layer seeks (flushing what it buffered) and its writes reach tr_wfile_pwrite at
 * their positions, on the worker; past the end the file is sparse. */
static void export_file_write_at(void *self, int h, uint64_t off, const uint8_t *p, size_t n)
{
    sink_export *x = self;
    xfile *xf = slot_get(x, h);
    if (!xf)
        return;
    xf->pos = off;
    xfile_write(x, xf, p, n);
}

/* Top folders a created file may not go into: the exporter's own. */
static const char *const reserved_top[] = {"sessions",   "files",     "streams",     "events.jsonl", "credentials.jsonl",
                                           "files.jsonl", "hosts.jsonl", "stats.json", NULL};

/* ---- second names of extracted files (tr_file_link), made once every file is written ---- */

#define LINKS_MAX 200000 /* names kept to make; more are refused */

static void export_file_link(void *self, const char *from_rel, const char *to_rel)
{
    sink_export *x = self;
    if (!safe_path_ok(to_rel, reserved_top) || x->nlinks / 2 >= LINKS_MAX) {
        x->st.link_refused++;
        return;
    }
    if (x->nlinks + 2 > x->links_cap) {
        size_t cap = x->links_cap ? 2 * x->links_cap : 64;
        char **grown = realloc(x->links, cap * sizeof *grown);
        if (!grown) {
            x->st.link_refused++;
            return;
        }
        x->links = grown;
        x->links_cap = cap;
    }
    char *a = strdup(from_rel), *b = strdup(to_rel);
    if (!a || !b) {
        free(a);
        free(b);
        x->st.link_refused++;
        return;
    }
    x->links[x->nlinks++] = a;
    x->links[x->nlinks++] = b;
    x->memory += strlen(a) + strlen(b) + 2 + 2 * sizeof(char *);
}

/* A copy of from as to, where the filesystem makes no hard links. */
static int copy_file(int from_dir, const char *from, int to_dir, const char *to)
{
    int in = openat(from_dir, from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return -errno;
    int out = openat(to_dir, to, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return -e;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -(errno ? errno : EIO);
            break;
        }
    if (n < 0)
        rc = -errno;
    close(in);
    if (close(out) != 0 && !rc)
        rc = -errno;
    return rc;
}

static void links_make(sink_export *x)
{
    for (size_t i = 0; i + 1 < x->nlinks; i += 2) {
        const char *from = x->links[i], *to = x->links[i + 1], *from_base, *to_base;
        int from_dir = folder_of(x, from, &from_base), to_dir = folder_of(x, to, &to_base);
        int r = from_dir < 0 ? from_dir : to_dir < 0 ? to_dir : 0;
        if (r == 0 && unlinkat(to_dir, to_base, 0) != 0 && errno != ENOENT) /* what an earlier run left there */
            r = -errno;
        if (r == 0 && linkat(from_dir, from_base, to_dir, to_base, 0) != 0)
            r = errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP
                    ? copy_file(from_dir, from_base, to_dir, to_base)
                    : -errno;
        if (r == 0)
            x->st.links++;
        else if (r == -ENOENT || r == -ELOOP || r == -ENOTDIR)
            x->st.link_refused++; /* nothing was extracted there, or a link on the way */
        else
            fail(x, "%s: %s", to, strerror(-r));
    }
    for (size_t i = 0; i < x->nlinks; i++)
        free(x->links[i]);
    free(x->links);
    x->links = NULL;
    x->nlinks = x->links_cap = 0;
}

/* A file at a path its owner chose (tr_file_create): checked, its folders made here (the answer is needed now, and a
 * path that a symbolic link would lead astray is refused), then created like any extracted file (O_TRUNC: what an
 * earlier run left there is replaced). */
static int export_file_create(void *self, const char *relpath)
{
    sink_export *x = self;
    if (!safe_path_ok(relpath, reserved_top)) {
        x->st.file_refused++;
        return -1;
    }
    size_t len = strlen(relpath);
    xextract *xe = calloc(1, sizeof *xe + len + 1);
    int h = xe ? slot_alloc(x) : -1;
    if (h < 0) {
        free(xe);
        x->st.file_refused++;
        return -1;
    }
    memcpy(xe->rel, relpath, len + 1);
    xe->f.rel = xe->rel;
    int r = xfile_get(x, &xe->f, O_CREAT | O_TRUNC); /* its folders made on the way, links refused */
    if (r < 0) {
        if (r != -ELOOP && r != -ENOTDIR) /* a symbolic link or a file on the way is a refusal, not a failure */
            fail(x, "%s: %s", xe->rel, strerror(-r));
        free(xe);
        x->free_slot[x->nfree++] = h;
        x->st.file_refused++;
        return -1;
    }
    x->slot[h] = xe;
    return h;
}

static void export_file_close(void *self, int h, int complete)
{
    (void)complete; /* the dissector says so in its event; the bytes are kept either way */
    sink_export *x = self;
    xfile *xf = slot_get(x, h);
    if (!xf)
        return;
    xfile_close(x, xf);
    free(x->slot[h]);
    x->slot[h] = NULL;
    x->free_slot[x->nfree++] = h;
    x->st.files++;
}

/* ---- what the UI asks ---- */

void sink_export_transcript_rel(uint64_t id, const char *proto, char *out, size_t cap)
{
    char safe_proto[32];
    tr_safe_name(proto, strlen(proto), safe_proto, sizeof safe_proto);
    snprintf(out, cap, "sessions/%06" PRIu64 "-%s.txt", id, safe_proto);
}

int sink_export_session_flush(sink_export *x, uint64_t id, char *rel, size_t cap)
{
    xsession *xs = session_find(x, id);
    xtext *t = !xs || !xs->started ? NULL : xs->grouped && xs->group ? &xs->group->t : &xs->own;
    if (t && t->started) {
        spill_held(x, t); /* the UI reads the file next */
        if (t->file.f && fflush(t->file.f) != 0)
            fail(x, "%s: %s", t->rel, strerror(errno));
    }
    tr_worker_flush(); /* the caller reads the folder next: everything queued must be on disk */
    if (!xs)
        return 0;
    if (!t || !t->started)
        return -1;
    snprintf(rel, cap, "%s", t->rel);
    return 1;
}

/* ---- setup and teardown ---- */


static int make_dir_at(int dirfd, const char *name) { return mkdirat(dirfd, name, 0755) == 0 || errno == EEXIST ? 0 : -1; }

sink_export *sink_export_open(const char *dir, int raw, int force, char *err, size_t errcap)
{
    int dirfd = export_folder_take(dir, force, err, errcap);
    if (dirfd < 0)
        return NULL;
    int sub[3] = {-1, -1, -1};
    for (int i = 0; i < (raw ? 3 : 2); i++) {
        if (make_dir_at(dirfd, subdirs[i]) == 0)
            sub[i] = openat(dirfd, subdirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub[i] < 0) {
            int e = errno;
            snprintf(err, errcap, "%s/%s: %s", dir, subdirs[i],
                     e == ELOOP || e == ENOTDIR ? "not a folder (a symbolic link?): refusing to write through it"
                                                : strerror(e));
            for (int k = 0; k < i; k++)
                close(sub[k]);
            close(dirfd);
            return NULL;
        }
    }
    int fd = openat(dirfd, "events.jsonl", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    FILE *events = fd >= 0 ? async_file_adopt(fd, "events.jsonl") : NULL; /* written by the worker too */
    sink_export *x = calloc(1, sizeof *x);
    xsession **bucket = calloc(SESSION_BUCKETS_MIN, sizeof *bucket);
    if (!events || !x || !bucket) {
        snprintf(err, errcap, "%s/events.jsonl: %s", dir, strerror(errno ? errno : ENOMEM));
        if (events)
            fclose(events);
        else if (fd >= 0)
            close(fd);
        free(x);
        free(bucket);
        for (int i = 0; i < 3; i++)
            if (sub[i] >= 0)
                close(sub[i]);
        close(dirfd);
        return NULL;
    }
    x->dirfd = dirfd;
    for (int i = 0; i < 3; i++)
        x->dirs.sub[i] = sub[i];
    x->raw = raw;
    x->max_open = SINK_EXPORT_MAX_OPEN;
    x->events = events;
    __fsetlocking(events, FSETLOCKING_BYCALLER);
    x->events_buf = malloc(XFILE_BUFFER);
    if (x->events_buf)
        setvbuf(events, x->events_buf, _IOFBF, XFILE_BUFFER);
    digest_lines_init(&x->events_queue, events);
    x->bucket = bucket;
    x->spare.size = XFILE_BUFFER; /* at most max_open are out at once; the pool keeps up to its limit */
    x->spare.keep = TR_POOL_KEEP_MAX;
    x->nbucket = SESSION_BUCKETS_MIN;
    tr_sb_init(&x->sb, RENDER_MAX);
    tr_sb_init(&x->note, 1u << 20);
    return x;
}

tr_sink sink_export_sink(sink_export *x)
{
    tr_sink k = {0};
    k.self = x;
    k.on_event = export_on_event;
    k.takes_digest_tickets = x->defer_digests;
    k.on_session_open = export_on_session_open;
    k.on_stream = export_on_stream;
    k.on_stream_gap = export_on_stream_gap;
    k.on_session_close = export_on_session_close;
    k.file_open = export_file_open;
    k.file_write = export_file_write;
    k.file_close = export_file_close;
    k.file_create = export_file_create;
    k.file_write_at = export_file_write_at;
    k.file_link = export_file_link;
    k.on_file_open = export_on_file_open;
    k.on_stream_object = export_on_stream_object;
    return k;
}

void sink_export_defer_digests(sink_export *x, int on) { x->defer_digests = on; }

void sink_export_set_max_bytes(sink_export *x, uint64_t max) { x->max_bytes = max; }

uint64_t sink_export_free_space(const char *dir)
{
    struct statvfs v;
    if (statvfs(dir, &v) != 0)
        return 0;
    return (uint64_t)v.f_bavail * v.f_frsize / 10 * 9;
}

const size_t *sink_export_memory(const sink_export *x) { return &x->memory; }

void sink_export_set_max_open(sink_export *x, int max_open) { x->max_open = max_open > 0 ? max_open : 1; }

const sink_export_stats *sink_export_stats_get(const sink_export *x) { return &x->st; }

int sink_export_file_sha256(void *arg, const char *rel, char *hex)
{
    sink_export *x = arg;
    const char *base;
    tr_worker_flush(); /* its writes and its close have run */
    int dir = safe_path_ok(rel, NULL) ? folder_of(x, rel, &base) : -1;
    int fd = dir < 0 ? -1 : openat(dir, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = tr_hash_fd_hex(fd, hex);
    close(fd);
    return rc;
}

int sink_export_put(void *arg, const char *rel, const void *p, size_t n)
{
    sink_export *x = arg;
    if (!rel[0] || strchr(rel, '/') || rel[0] == '.') {
        fail(x, "%s: not a name of the export's top folder", rel);
        return -1;
    }
    int fd = openat(x->dirfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ELOOP && unlinkat(x->dirfd, rel, 0) == 0) /* a planted link: removed, never followed */
        fd = openat(x->dirfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    const uint8_t *b = p;
    size_t done = 0;
    while (fd >= 0 && done < n) {
        ssize_t w = write(fd, b + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int rc = fd >= 0 && done == n ? 0 : -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc < 0) {
        fail(x, "%s: %s", rel, strerror(errno));
    } else {
        x->st.bytes += n;
    }
    return rc;
}

int sink_export_finish(sink_export *x, char *err, size_t errcap) { return sink_export_finish_stats(x, NULL, err, errcap); }

int sink_export_finish_stats(sink_export *x, sink_export_stats *final, char *err, size_t errcap)
{
    if (!x)
        return 0;
    for (size_t b = 0; b < x->nbucket; b++)
        while (x->bucket[b]) {
            xsession *xs = x->bucket[b];
            if (!xs->started) { /* opened, never showed anything, never closed */
                session_remove(x, xs);
                continue;
            }
            session_finish(x, xs, NULL);
        }
    for (size_t b = 0; b < GROUP_BUCKETS; b++)
        while (x->group_bucket[b]) {
            xgroup *g = x->group_bucket[b];
            x->group_bucket[b] = g->next;
            group_finish(x, g);
            x->held_total -= g->t.held_len;
            free(g->t.held);
            free(g);
        }
    for (int h = 0; h < x->nslot; h++)
        if (x->slot[h])
            export_file_close(x, h, 0);
    digest_lines_free(&x->events_queue);
    if (x->events_queue.write_failed && !x->st.write_errors)
        fail(x, "events.jsonl: %s", strerror(errno));
    fclose(x->events);
    free(x->events_buf); /* after the FILE using it is closed */
    char what[320];
    int werr = tr_wfile_sync(what, sizeof what); /* every queued open, write and close of the files above */
    if (werr)
        fail(x, "%s: %s", what, strerror(werr));
    links_make(x); /* every file is in place now */
    folders_close(x);
    close(x->dirfd);
    int rc = x->st.write_errors ? -1 : 0;
    if (final)
        *final = x->st;
    if (rc && err && errcap)
        snprintf(err, errcap, "%s", x->err);
    tr_sb_free(&x->sb);
    tr_sb_free(&x->note);
    free(x->bucket);
    free(x->slot);
    free(x->free_slot);
    tr_pool_drain(&x->spare);
    free(x);
    return rc;
}
