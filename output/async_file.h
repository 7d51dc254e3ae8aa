/* async_file: a stdio FILE over a file descriptor whose buffered writes go to the worker thread
 * (core/tr_worker.h) as pwrite(2)s at tracked offsets, and whose close is queued after them. The exporter's
 * files are written this way, so the engine's thread spends no time in write system calls. Without the worker
 * running, the same FILE writes directly. */
#ifndef ASYNC_FILE_H
#define ASYNC_FILE_H

#include <stdio.h>

/* A write-only FILE on fd, positioned at 0 (fseeko moves it); NULL on failure (fd is then left open). */
FILE *async_file_open(int fd);

#endif
