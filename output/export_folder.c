#include "export_folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLEAR_DEPTH_MAX 64 /* deeper than any path the exporter makes (safe_path allows 32 components) */

/* mkdir -p: the export folder may be several levels deep, like tcpflow's -o. */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        path[i] = '/';
    }
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* 1 when the folder holds anything; -1 on error. */
static int not_empty(int dirfd)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d); /* a dup shares the offset: start from the first name whatever read the folder before */
    int any = 0;
    for (struct dirent *e; !any && (e = readdir(d));)
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

/* Removes everything inside dirfd: files and links unlinked (a link is never followed), folders emptied the same way
 * and removed. 0, or -errno. */
static int clear_inside(int dirfd, int depth)
{
    if (depth > CLEAR_DEPTH_MAX)
        return -ELOOP;
    for (;;) { /* removing while reading may skip names: read again until a pass finds nothing */
        int fd = dup(dirfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return -e;
        }
        rewinddir(d);
        int removed = 0, rc = 0;
        for (struct dirent *e; rc == 0 && (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (unlinkat(dirfd, e->d_name, 0) == 0) {
                removed++;
                continue;
            }
            if (errno != EISDIR && errno != EPERM) {
                rc = -errno;
                break;
            }
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                rc = -errno;
                break;
            }
            rc = clear_inside(sub, depth + 1);
            close(sub);
            if (rc == 0 && unlinkat(dirfd, e->d_name, AT_REMOVEDIR) != 0)
                rc = -errno;
            removed++;
        }
        closedir(d);
        if (rc || !removed)
            return rc;
    }
}

static int is_earlier_export(int dirfd)
{
    struct stat st;
    return fstatat(dirfd, EXPORT_FOLDER_MARKER, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int export_folder_take(const char *dir, int force, char *err, size_t errcap)
{
    if (make_dirs(dir) != 0) {
        snprintf(err, errcap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        snprintf(err, errcap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int full = not_empty(dirfd), ours = full > 0 && is_earlier_export(dirfd);
    if (full < 0) {
        snprintf(err, errcap, "%s: %s", dir, strerror(errno));
        close(dirfd);
        return -1;
    }
    if (full && !ours && !force) {
        snprintf(err, errcap, "%s is not empty and not a trawl export: refusing to write into it (--force to write "
                              "into it anyway, or name a new folder)", dir);
        close(dirfd);
        return -1;
    }
    if (ours) {
        int r = clear_inside(dirfd, 0);
        if (r < 0) {
            snprintf(err, errcap, "%s: removing the earlier export: %s", dir, strerror(-r));
            close(dirfd);
            return -1;
        }
    }
    if (!full || ours) { /* the folder is ours alone: marked, so the next export may replace it */
        int fd = openat(dirfd, EXPORT_FOLDER_MARKER, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        static const char text[] = "This folder is a trawl export: the next export to it replaces all it holds.\n";
        if (fd < 0 || write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1)) {
            snprintf(err, errcap, "%s/%s: %s", dir, EXPORT_FOLDER_MARKER, strerror(errno));
            if (fd >= 0)
                close(fd);
            close(dirfd);
            return -1;
        }
        close(fd);
    }
    return dirfd;
}
