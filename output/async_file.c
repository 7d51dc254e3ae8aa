#include "async_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "../core/tr_wfile.h"

typedef struct async_file {
    tr_wfile *wf;
    uint64_t pos; /* where the next buffered bytes go */
} async_file;

static ssize_t async_write(void *cookie, const char *buf, size_t n)
{
    async_file *a = cookie;
    tr_wfile_pwrite(a->wf, buf, n, a->pos);
    a->pos += n;
    return (ssize_t)n;
}

static int async_seek(void *cookie, off64_t *off, int whence)
{
    async_file *a = cookie;
    off64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (off64_t)a->pos : -1;
    if (base < 0 || *off < -base) {
        errno = EINVAL; /* SEEK_END is never needed: the exporter knows where it writes */
        return -1;
    }
    a->pos = (uint64_t)(base + *off);
    *off = (off64_t)a->pos;
    return 0;
}

static int async_close(void *cookie)
{
    async_file *a = cookie;
    tr_wfile_close(a->wf);
    free(a);
    return 0;
}

static FILE *wrap(tr_wfile *wf)
{
    async_file *a = wf ? malloc(sizeof *a) : NULL;
    if (!a)
        return NULL;
    a->wf = wf;
    a->pos = 0;
    cookie_io_functions_t io = {.read = NULL, .write = async_write, .seek = async_seek, .close = async_close};
    FILE *f = fopencookie(a, "w", io);
    if (!f)
        free(a);
    return f;
}

FILE *async_file_open_at(int dirfd, const char *path, int flags)
{
    tr_wfile *wf = tr_wfile_open_at(dirfd, path, flags);
    FILE *f = wrap(wf);
    if (!f && wf)
        tr_wfile_close(wf);
    return f;
}

FILE *async_file_adopt(int fd, const char *path)
{
    tr_wfile *wf = tr_wfile_adopt(fd, path);
    FILE *f = wrap(wf);
    if (!f && wf)
        tr_wfile_disown(wf); /* never handed to the worker; fd stays the caller's */
    return f;
}
