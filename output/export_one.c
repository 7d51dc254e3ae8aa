#include "export_one.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_folder.h"
#include "safe_name.h"
#include "views.h"

#define NAME_TRIES 1000        /* -2 ... -999 before giving up on a folder name */
#define RENDER_MAX (8u << 20)  /* one chunk's rendering (a hex dump of the largest chunk the UI keeps) */
#define REL_MAX 256
#define PATH_MAX_ONE 4096
#define COPY_BUF 65536

int export_one_write(const tr_tx_memory *mt, FILE *f)
{
    tr_strbuf sb;
    tr_sb_init(&sb, RENDER_MAX);
    tr_transcript t;
    tr_transcript_init(&t, mt->mode);
    tr_transcript_header_info(&mt->info, &sb);
    int ok = 1;
    for (size_t i = 0; i <= mt->nchunks && ok; i++) {
        if (i < mt->nchunks) {
            tr_tx_chunk c;
            mt->chunk_at(mt->store, i, &c);
            tr_transcript_add(&t, &c, &sb);
        } else {
            if (mt->evicted)
                tr_sb_adds(&sb, "== [transcript evicted from memory by the UI's cap]\n");
            if (mt->ended) {
                tr_transcript_end(&t, &sb);
            } else {
                tr_transcript_flush(&t, &sb);
                tr_sb_adds(&sb, "== [exported while the session was open]\n");
            }
            tr_transcript_footer_info(&mt->info, &sb);
        }
        if (sb.len && fwrite(sb.p, 1, sb.len, f) != sb.len)
            ok = 0;
        tr_sb_reset(&sb);
    }
    tr_sb_free(&sb);
    return ok ? 0 : -1;
}

static const char *plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

/* ---- the filter the input read again goes through ---- */

static int kin_has(const export_one_filter *f, uint64_t id)
{
    for (int i = 0; i < f->nkin; i++)
        if (f->kin[i] == id)
            return 1;
    return 0;
}

/* Whether what concerns s passes: the session itself (when its endpoints are the ones expected) and the sessions it
 * opened, theirs in turn. */
static int passes(export_one_filter *f, const tr_session *s)
{
    if (!s || f->mismatch)
        return 0;
    if (kin_has(f, s->id))
        return 1;
    if (s->id == f->id) {
        if (f->expect && (!tr_endpoint_equal(&s->client, &f->expect->client) ||
                          !tr_endpoint_equal(&s->server, &f->expect->server))) {
            f->mismatch = 1;
            return 0;
        }
        f->seen = 1;
    } else if (!s->parent || !kin_has(f, s->parent)) {
        return 0;
    }
    if (f->nkin == (int)(sizeof f->kin / sizeof f->kin[0]))
        return 0;
    f->kin[f->nkin++] = s->id;
    return 1;
}

static void flt_event(void *self, const tr_event *e)
{
    export_one_filter *f = self;
    if (passes(f, e->session) && f->to.on_event) {
        f->events++;
        f->to.on_event(f->to.self, e);
        if (f->also.on_event)
            f->also.on_event(f->also.self, e);
    }
}

#define PASS(call, s, ...)                                                                                            \
    do {                                                                                                               \
        export_one_filter *f = self;                                                                                   \
        if (passes(f, s) && f->to.call)                                                                                \
            f->to.call(f->to.self, __VA_ARGS__);                                                                       \
    } while (0)

static void flt_open(void *self, tr_session *s)
{
    PASS(on_session_open, s, s);
    export_one_filter *f = self;
    if (kin_has(f, s->id) && f->also.on_session_open)
        f->also.on_session_open(f->also.self, s);
}
static void flt_stream(void *self, tr_session *s, int dir, const uint8_t *p, size_t n)
{
    PASS(on_stream, s, s, dir, p, n);
}
static void flt_gap(void *self, tr_session *s, int dir, uint64_t n) { PASS(on_stream_gap, s, s, dir, n); }
static void flt_packet(void *self, tr_session *s, int64_t ts_us, size_t n)
{
    export_one_filter *f = self;
    if (passes(f, s) && f->also.on_packet)
        f->also.on_packet(f->also.self, s, ts_us, n);
}
static void flt_close(void *self, tr_session *s) { PASS(on_session_close, s, s); }
static void flt_file_open_note(void *self, tr_session *s, const char *relpath) { PASS(on_file_open, s, s, relpath); }
static void flt_object(void *self, tr_session *s, int dir, uint64_t start, uint64_t end, const char *label,
                       const char *relpath)
{
    PASS(on_stream_object, s, s, dir, start, end, label, relpath);
}

/* Files: only the sessions let through get a handle, so every handle written to is one the exporter gave. */
static int flt_file_open(void *self, tr_session *s, const char *name, char *relpath, size_t cap)
{
    export_one_filter *f = self;
    if (!passes(f, s) || !f->to.file_open)
        return -1;
    return f->to.file_open(f->to.self, s, name, relpath, cap);
}
static void flt_file_write(void *self, int h, const uint8_t *p, size_t n)
{
    export_one_filter *f = self;
    if (f->to.file_write)
        f->to.file_write(f->to.self, h, p, n);
}
static void flt_file_write_at(void *self, int h, uint64_t off, const uint8_t *p, size_t n)
{
    export_one_filter *f = self;
    if (f->to.file_write_at)
        f->to.file_write_at(f->to.self, h, off, p, n);
}
static void flt_file_close(void *self, int h, int complete)
{
    export_one_filter *f = self;
    if (f->to.file_close)
        f->to.file_close(f->to.self, h, complete);
}
/* A file of no one session (a torrent's content) is not the session's. */
static int flt_file_create(void *self, const char *relpath)
{
    (void)self;
    (void)relpath;
    return -1;
}
/* A second name of one of the session's files (the mailbox's). */
static void flt_file_link(void *self, const char *from_rel, const char *to_rel)
{
    export_one_filter *f = self;
    for (int i = 0; i < f->nkin && f->to.file_link; i++) {
        char prefix[32];
        int n = snprintf(prefix, sizeof prefix, "files/%06" PRIu64 "-", f->kin[i]);
        if (strncmp(from_rel, prefix, (size_t)n) == 0) {
            f->to.file_link(f->to.self, from_rel, to_rel);
            return;
        }
    }
}

tr_sink export_one_filter_sink(export_one_filter *f)
{
    tr_sink k = {.self = f, .takes_digest_tickets = f->to.takes_digest_tickets, .on_event = flt_event,
                 .on_session_open = flt_open, .on_stream = flt_stream, .on_stream_gap = flt_gap,
                 .on_session_close = flt_close, .on_packet = flt_packet, .file_open = flt_file_open, .file_write = flt_file_write,
                 .file_close = flt_file_close, .file_create = flt_file_create, .file_write_at = flt_file_write_at,
                 .file_link = flt_file_link, .on_file_open = flt_file_open_note, .on_stream_object = flt_object};
    return k;
}

/* ---- the new folder ---- */

/* Makes <base>/trawl-session-<id>, or -2, -3, ... when the name is taken: a folder made now, by us, empty. */
static int new_folder(const char *base, uint64_t id, char *path, size_t cap)
{
    for (int k = 1; k <= NAME_TRIES; k++) {
        int n = k == 1 ? snprintf(path, cap, "%s%s" EXPORT_ONE_PREFIX "%06" PRIu64, base ? base : "", base ? "/" : "", id)
                       : snprintf(path, cap, "%s%s" EXPORT_ONE_PREFIX "%06" PRIu64 "-%d", base ? base : "",
                                  base ? "/" : "", id, k);
        if (n < 0 || (size_t)n >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (mkdir(path, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

/* The export --export would write, made by reading the input again. */
static int export_by_replay(const export_one *x, uint64_t id, const tr_tx_memory *mt, const char *path, char *msg,
                            size_t cap)
{
    char err[512] = "";
    sink_export *ex = sink_export_open(path, 0, 0, err, sizeof err);
    if (!ex) {
        snprintf(msg, cap, "export failed: %s", err);
        return -1;
    }
    sink_export_defer_digests(ex, 1);
    sink_export_set_max_bytes(ex, sink_export_free_space(path));
    export_one_filter flt;
    memset(&flt, 0, sizeof flt);
    flt.to = sink_export_sink(ex);
    flt.id = id;
    flt.expect = mt ? &mt->info : NULL;
    views *vw = views_new(); /* the session's credentials, files, hosts and statistics, as --export writes them */
    if (vw)
        flt.also = views_sink(vw);
    tr_sink k = export_one_filter_sink(&flt);
    int r = x->replay(x->replay_arg, &k, err, sizeof err);
    if (vw && r == 0) {
        views_fill_file_digests(vw, sink_export_file_sha256, ex);
        views_export(vw, sink_export_put, ex); /* a failure is the exporter's, reported by its finish */
    }
    views_free(vw);
    sink_export_stats st;
    char ferr[512] = "";
    int fr = sink_export_finish_stats(ex, &st, ferr, sizeof ferr);
    if (r < 0) {
        snprintf(msg, cap, "export failed: reading the input again: %s", err);
        return -1;
    }
    if (fr < 0) {
        snprintf(msg, cap, "export failed: %s: %s", path, ferr);
        return -1;
    }
    if (flt.mismatch || !flt.seen) {
        snprintf(msg, cap, "export failed: reading the input again gave no session %" PRIu64 "%s", id,
                 flt.mismatch ? " between the same endpoints" : "");
        return -1;
    }
    char with[96] = "";
    int others = flt.nkin - 1; /* sessions it opened, exported with it */
    if (others)
        snprintf(with, sizeof with, " (with the %d %s it opened)", others, plural((uint64_t)others, "session", "sessions"));
    snprintf(msg, cap, "session %" PRIu64 " exported to %s/: %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s%s", id, path,
             st.sessions, plural(st.sessions, "transcript", "transcripts"), st.files, plural(st.files, "file", "files"),
             flt.events, plural(flt.events, "event", "events"), with);
    return 0;
}

/* Copies DIR/files/<id>-* (the running exporter's) into to_dir; the count copied, -1 on a failure. */
static int copy_files(const char *from_base, uint64_t id, int to_dir)
{
    char from[PATH_MAX_ONE], prefix[32];
    snprintf(from, sizeof from, "%s/files", from_base);
    int plen = snprintf(prefix, sizeof prefix, "%06" PRIu64 "-", id);
    int dfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return 0;
    }
    int n = 0, failed = 0;
    static char buf[COPY_BUF];
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, prefix, (size_t)plen) != 0)
            continue;
        int in = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        int out = in >= 0 ? openat(to_dir, e->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644) : -1;
        ssize_t r = 0;
        while (out >= 0 && (r = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)r) != r) {
                r = -1;
                break;
            }
        if (in < 0 || out < 0 || r < 0)
            failed = 1;
        else
            n++;
        if (in >= 0)
            close(in);
        if (out >= 0 && close(out) != 0)
            failed = 1;
    }
    closedir(d);
    return failed ? -1 : n;
}

/* Creates rel under dirfd for writing; NULL with errno. */
static FILE *create_at(int dirfd, const char *rel)
{
    int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

/* Without the input to read again: what the UI keeps, in the same layout. */
static int export_from_memory(const export_one *x, uint64_t id, const tr_tx_memory *mt, const char *path, char *msg,
                              size_t cap)
{
    char err[512] = "", rel[REL_MAX];
    int dirfd = export_folder_take(path, 0, err, sizeof err);
    if (dirfd < 0) {
        snprintf(msg, cap, "export failed: %s", err);
        return -1;
    }
    const char *what = "";
    int r = -1;
    FILE *f = NULL;
    size_t events = 0;
    int files = 0;
    if (mkdirat(dirfd, "sessions", 0755) != 0 || mkdirat(dirfd, "files", 0755) != 0) {
        what = "sessions/";
        goto out;
    }
    sink_export_transcript_rel(id, mt->info.proto, rel, sizeof rel);
    what = rel;
    if (!(f = create_at(dirfd, rel)) || export_one_write(mt, f) != 0 || fclose(f) != 0) {
        f = NULL;
        goto out;
    }
    what = "events.jsonl";
    if (!(f = create_at(dirfd, "events.jsonl")) || (x->events && x->events(x->lookup_arg, id, f, &events) != 0) ||
        fclose(f) != 0) {
        f = NULL;
        goto out;
    }
    f = NULL;
    if (x->dir) {
        what = "files/";
        if (x->exporter)
            sink_export_session_flush(x->exporter, id, rel, sizeof rel);
        int fd = openat(dirfd, "files", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        files = fd >= 0 ? copy_files(x->dir, id, fd) : -1;
        if (fd >= 0)
            close(fd);
        if (files < 0)
            goto out;
    }
    r = 0;
out:
    if (r != 0)
        snprintf(msg, cap, "export failed: %s/%s: %s", path, what, strerror(errno));
    if (f)
        fclose(f);
    close(dirfd);
    if (r != 0)
        return -1;
    snprintf(msg, cap, "session %" PRIu64 " exported to %s/: its transcript, %zu %s, %d %s%s", id, path, events,
             plural(events, "event", "events"), files, plural((uint64_t)files, "file", "files"),
             x->dir ? "" : mt->evicted ? " (files: only with --export; transcript evicted by the memory cap)"
                                       : " (files: only with --export or a capture file)");
    return 0;
}

int export_one_session(void *self, uint64_t id, char *msg, size_t cap)
{
    const export_one *x = self;
    tr_tx_memory mt;
    int kept = x->lookup && x->lookup(x->lookup_arg, id, &mt) == 0;
    if (!kept && !x->replay) {
        snprintf(msg, cap, "session %" PRIu64 " is no longer kept: nothing to export", id);
        return -1;
    }
    char path[PATH_MAX_ONE];
    if (new_folder(x->base, id, path, sizeof path) != 0) {
        snprintf(msg, cap, "export failed: %s: %s", path, strerror(errno));
        return -1;
    }
    return x->replay ? export_by_replay(x, id, kept ? &mt : NULL, path, msg, cap)
                     : export_from_memory(x, id, &mt, path, msg, cap);
}
