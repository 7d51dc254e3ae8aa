#include "export_one.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_name.h"

#define NAME_TRIES 1000        /* -2 ... -999 before giving up on a name */
#define RENDER_MAX (8u << 20)  /* one chunk's rendering (a hex dump of the largest chunk the UI keeps) */
#define REL_MAX 256

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

static int make_dir(const char *path) { return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1; }

/* Names in DIR/sub starting "<id>-": how many, and the first in name order. */
static int count_prefixed(const char *dir, const char *sub, uint64_t id, const char *suffix, char *first, size_t cap)
{
    char path[REL_MAX * 2], prefix[32];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    int plen = snprintf(prefix, sizeof prefix, "%06" PRIu64 "-", id);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    first[0] = '\0';
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (strncmp(e->d_name, prefix, (size_t)plen) != 0 || len < sl || (sl && strcmp(e->d_name + len - sl, suffix)))
            continue;
        if (len < cap && (!first[0] || strcmp(e->d_name, first) < 0))
            memcpy(first, e->d_name, len + 1);
        n++;
    }
    closedir(d);
    return n;
}

/* With --export: the exporter writes the transcript as the session goes; say where, with the files. */
static int point_at_export(const export_one *x, uint64_t id, const tr_tx_memory *mt, char *msg, size_t cap)
{
    char rel[REL_MAX + 16], name[REL_MAX], files[REL_MAX * 2] = "";
    int state = x->exporter ? sink_export_session_flush(x->exporter, id, rel, sizeof rel) : 0;
    if (state < 0) {
        sink_export_transcript_rel(id, mt ? mt->info.proto : "tcp", rel, sizeof rel);
        snprintf(msg, cap, "session %" PRIu64 " has nothing to show yet; its transcript will be %s/%s", id, x->dir,
                 rel);
        return -1;
    }
    if (state == 0) {
        if (!count_prefixed(x->dir, "sessions", id, ".txt", name, sizeof name)) {
            snprintf(msg, cap, "no transcript of session %" PRIu64 " in %s/sessions", id, x->dir);
            return -1;
        }
        snprintf(rel, sizeof rel, "sessions/%s", name);
    }
    int nfiles = count_prefixed(x->dir, "files", id, NULL, name, sizeof name);
    if (nfiles == 1)
        snprintf(files, sizeof files, ", file %s/files/%s", x->dir, name);
    else if (nfiles > 1)
        snprintf(files, sizeof files, ", %d files %s/files/%06" PRIu64 "-*", nfiles, x->dir, id);
    snprintf(msg, cap, "exported to %s/%s%s%s", x->dir, rel, state == 1 ? " (open: still being written)" : "", files);
    return 0;
}

/* Opens FALLBACK/sessions/<id>-<proto>.txt, or -2, -3, ... when the name is taken. */
static FILE *create_unique(const char *base, uint64_t id, const char *proto, char *path, size_t cap)
{
    char safe[32];
    tr_safe_name(proto, strlen(proto), safe, sizeof safe);
    for (int k = 1; k <= NAME_TRIES; k++) {
        if (k == 1)
            snprintf(path, cap, "%s/sessions/%06" PRIu64 "-%s.txt", base, id, safe);
        else
            snprintf(path, cap, "%s/sessions/%06" PRIu64 "-%s-%d.txt", base, id, safe, k);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "wb");
            if (!f)
                close(fd);
            return f;
        }
        if (errno != EEXIST)
            return NULL;
    }
    errno = EEXIST;
    return NULL;
}

int export_one_session(void *self, uint64_t id, char *msg, size_t cap)
{
    const export_one *x = self;
    tr_tx_memory mt;
    int kept = x->lookup && x->lookup(x->lookup_arg, id, &mt) == 0;
    if (x->dir)
        return point_at_export(x, id, kept ? &mt : NULL, msg, cap);
    if (!kept) {
        snprintf(msg, cap, "session %" PRIu64 " is no longer kept: nothing to export", id);
        return -1;
    }
    if (mt.evicted) {
        snprintf(msg, cap, "session %" PRIu64 ": its transcript was evicted by the memory cap (use --export)", id);
        return -1;
    }
    const char *base = x->fallback ? x->fallback : EXPORT_ONE_FALLBACK;
    char dir[REL_MAX], path[REL_MAX * 2];
    snprintf(dir, sizeof dir, "%s/sessions", base);
    if (make_dir(base) != 0 || make_dir(dir) != 0) {
        snprintf(msg, cap, "export failed: %s: %s", dir, strerror(errno));
        return -1;
    }
    FILE *f = create_unique(base, id, mt.info.proto, path, sizeof path);
    if (!f) {
        snprintf(msg, cap, "export failed: %s: %s", path, strerror(errno));
        return -1;
    }
    int r = export_one_write(&mt, f);
    int e = errno;
    if (fclose(f) != 0 && r == 0) {
        r = -1;
        e = errno;
    }
    if (r != 0) {
        snprintf(msg, cap, "export failed: %s: %s", path, strerror(e));
        return -1;
    }
    snprintf(msg, cap, "exported to %s", path);
    return 0;
}
