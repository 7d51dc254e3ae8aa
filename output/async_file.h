/* async_file: a buffered stdio FILE whose flushes become file operations on the worker thread
 * (core/tr_worker.h: pwrite(2) at tracked offsets, then close), so the engine's thread spends no time in
 * write system calls, nor in creating files whose name is known in advance. Without the worker running, the
 * same FILE does the system calls itself. Failures surface in tr_wfile_sync, not in fwrite or fclose. */
#ifndef ASYNC_FILE_H
#define ASYNC_FILE_H

#include <stdio.h>

/* A write-only FILE on openat(dirfd, path, flags), opened by the worker; positioned at 0 (fseeko moves it). */
FILE *async_file_open_at(int dirfd, const char *path, int flags);
/* The same on a descriptor already open (path for messages); on failure NULL, and fd is left open. */
FILE *async_file_adopt(int fd, const char *path);

#endif
