/* tr_wfile: files the exporter writes, opened, written at explicit offsets with pwrite(2) and closed on the worker
 * thread (tr_worker.h) in the order queued, or right away by the caller when the worker is not running.
 * Failures (a file that could not be created, a write that came up short) are kept for tr_wfile_sync rather than
 * returned: the engine does not wait for them. */
#ifndef TR_WFILE_H
#define TR_WFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tr_wfile tr_wfile;

/* openat(dirfd, path, flags, 0644), queued; NULL only when out of memory. */
tr_wfile *tr_wfile_open_at(int dirfd, const char *path, int flags);
/* A descriptor the caller opened (when it needed the result at once, as for O_EXCL); path for messages. */
tr_wfile *tr_wfile_adopt(int fd, const char *path);
/* Frees an adopted handle that was never used, leaving its descriptor open. */
void tr_wfile_disown(tr_wfile *wf);
void tr_wfile_pwrite(tr_wfile *wf, const void *p, size_t n, uint64_t off);
/* Closes and frees wf after the writes queued before. */
void tr_wfile_close(tr_wfile *wf);
/* Waits until every queued file operation has run; returns the errno of the first that failed since the last
 * call (0 when none) and says in `what` which ("writing files/3-a.bin"). */
int tr_wfile_sync(char *what, size_t cap);

#endif
