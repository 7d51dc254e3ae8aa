#include "tr_wfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tr_worker.h"

/* A file the exporter writes: path kept for messages, fd owned by whoever runs its operations. */
struct tr_wfile {
    int fd; /* -1 when the open failed: its writes are dropped, the failure was reported */
    char path[256];
};

static _Atomic int write_errno;  /* the first failed open, write or close, for tr_wfile_sync */
static char write_failure[280];  /* what failed, written by whoever set write_errno */

static void wfile_failed(const tr_wfile *wf, const char *what, int err)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&write_errno, &expected, err ? err : EIO))
        snprintf(write_failure, sizeof write_failure, "%s %s", what, wf->path);
}

static void wfile_do_open(tr_wfile *wf, int dirfd, const char *path, int flags)
{
    wf->fd = openat(dirfd, path, flags, 0644);
    if (wf->fd < 0)
        wfile_failed(wf, "opening", errno);
}

static void wfile_do_pwrite(tr_wfile *wf, const uint8_t *p, size_t n, uint64_t off)
{
    size_t done = 0;
    while (wf->fd >= 0 && done < n) {
        ssize_t w = pwrite(wf->fd, p + done, n - done, (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            wfile_failed(wf, "writing", w < 0 ? errno : EIO);
            return;
        }
        done += (size_t)w;
    }
}

static void wfile_do_close(tr_wfile *wf)
{
    if (wf->fd >= 0 && close(wf->fd) != 0)
        wfile_failed(wf, "closing", errno);
    free(wf);
}

static void run_open(const tr_job *job, const uint8_t *data) { wfile_do_open(job->obj, job->iarg, (const char *)data, (int)job->arg); }
static void run_pwrite(const tr_job *job, const uint8_t *data) { wfile_do_pwrite(job->obj, data, job->len, job->arg); }
static void run_close(const tr_job *job, const uint8_t *data)
{
    (void)data;
    wfile_do_close(job->obj);
}

static tr_wfile *wfile_new(const char *path)
{
    tr_wfile *wf = calloc(1, sizeof *wf);
    if (wf) {
        wf->fd = -1;
        snprintf(wf->path, sizeof wf->path, "%s", path ? path : "");
    }
    return wf;
}

tr_wfile *tr_wfile_open_at(int dirfd, const char *path, int flags)
{
    tr_wfile *wf = wfile_new(path);
    if (!wf)
        return NULL;
    size_t len = strlen(path) + 1;
    if (tr_worker_running() && len <= TR_JOB_DATA_MAX) {
        tr_job job = {.run = run_open, .obj = wf, .len = (uint32_t)len, .iarg = dirfd, .arg = (uint64_t)flags};
        tr_worker_push(&job, path);
    } else {
        wfile_do_open(wf, dirfd, path, flags);
    }
    return wf;
}

tr_wfile *tr_wfile_adopt(int fd, const char *path)
{
    tr_wfile *wf = wfile_new(path);
    if (wf)
        wf->fd = fd; /* published to the worker with the first job that names wf */
    return wf;
}

void tr_wfile_disown(tr_wfile *wf) { free(wf); }

void tr_wfile_pwrite(tr_wfile *wf, const void *p, size_t n, uint64_t off)
{
    if (!tr_worker_running()) {
        wfile_do_pwrite(wf, p, n, off);
        return;
    }
    tr_job job = {.run = run_pwrite, .obj = wf, .arg = off};
    tr_worker_push_split(&job, p, n);
}

void tr_wfile_close(tr_wfile *wf)
{
    if (!tr_worker_running()) {
        wfile_do_close(wf);
        return;
    }
    tr_job job = {.run = run_close, .obj = wf};
    tr_worker_push(&job, NULL);
}

int tr_wfile_sync(char *what, size_t cap)
{
    tr_worker_flush();
    int err = atomic_exchange(&write_errno, 0);
    if (what && cap)
        snprintf(what, cap, "%s", err ? write_failure : "");
    return err;
}
