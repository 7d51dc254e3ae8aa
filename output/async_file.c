#include "async_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../core/tr_worker.h"

typedef struct async_file {
    int fd;
    uint64_t pos; /* where the next buffered bytes go */
} async_file;

static ssize_t async_write(void *cookie, const char *buf, size_t n)
{
    async_file *a = cookie;
    if (tr_worker_running()) {
        tr_worker_pwrite(a->fd, buf, n, a->pos);
    } else {
        size_t done = 0;
        while (done < n) {
            ssize_t w = pwrite(a->fd, buf + done, n - done, (off_t)(a->pos + done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return done ? (ssize_t)done : -1;
            done += (size_t)w;
        }
    }
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
    int rc = 0;
    if (tr_worker_running())
        tr_worker_close(a->fd); /* after the writes queued before it; its errors come from tr_worker_sync */
    else
        rc = close(a->fd);
    free(a);
    return rc;
}

FILE *async_file_open(int fd)
{
    async_file *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    a->fd = fd;
    a->pos = 0;
    cookie_io_functions_t io = {.read = NULL, .write = async_write, .seek = async_seek, .close = async_close};
    FILE *f = fopencookie(a, "w", io);
    if (!f)
        free(a);
    return f;
}
