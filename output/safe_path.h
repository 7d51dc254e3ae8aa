/* safe_path: a relative path an owner gave for a file of the export (a torrent's file under torrents/<info_hash>/),
 * checked to stay inside the export folder, and the folders on its way made without following a symbolic link. */
#ifndef SAFE_PATH_H
#define SAFE_PATH_H

#include <stddef.h>

#define SAFE_PATH_MAX 1023     /* bytes of a path, without the NUL */
#define SAFE_PATH_DEPTH_MAX 32 /* components of a path */

/* 1 when path is relative, at most SAFE_PATH_MAX bytes and SAFE_PATH_DEPTH_MAX components separated by '/', each of
 * 1-255 bytes, not "." or "..", without control bytes or '\', and its first component is none of the NULL-terminated
 * `reserved` (what the exporter writes itself); 0 otherwise. Nothing is rewritten: making a name safe is the owner's
 * choice of name. */
int safe_path_ok(const char *path, const char *const *reserved);

/* Makes the folders of path's components but the last under dirfd (mode 0755; existing ones are taken), each opened
 * with O_NOFOLLOW, so a symbolic link on the way is refused rather than followed. 0, or -errno. */
int safe_path_make_dirs(int dirfd, const char *path);
/* The same, and returns the last folder opened (O_DIRECTORY, not following a link): the file is then made with
 * openat(fd, the last component), never by walking the path again. dirfd itself for a path of one component (not to
 * be closed then); -errno on failure. */
int safe_path_open_parent(int dirfd, const char *path);

#endif
