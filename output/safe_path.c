#include "safe_path.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int safe_path_ok(const char *path, const char *const *reserved)
{
    size_t n = strnlen(path, SAFE_PATH_MAX + 1);
    if (n == 0 || n > SAFE_PATH_MAX || path[0] == '/')
        return 0;
    size_t start = 0;
    for (int depth = 0; depth < SAFE_PATH_DEPTH_MAX; depth++) {
        size_t end = start;
        while (end < n && path[end] != '/') {
            unsigned char c = (unsigned char)path[end];
            if (c < 0x20 || c == 0x7f || c == '\\')
                return 0;
            end++;
        }
        size_t len = end - start;
        if (len == 0 || len > 255 || (len == 1 && path[start] == '.') ||
            (len == 2 && path[start] == '.' && path[start + 1] == '.'))
            return 0;
        if (depth == 0)
            for (const char *const *r = reserved; r && *r; r++)
                if (strlen(*r) == len && memcmp(*r, path, len) == 0)
                    return 0;
        if (end == n)
            return 1;
        start = end + 1;
    }
    return 0; /* deeper than SAFE_PATH_DEPTH_MAX */
}

int safe_path_open_parent(int dirfd, const char *path)
{
    char comp[256];
    int cur = dirfd;
    const char *p = path;
    for (int depth = 0; depth < SAFE_PATH_DEPTH_MAX; depth++) {
        const char *slash = strchr(p, '/');
        if (!slash)
            return cur; /* the last component is the file */
        size_t len = (size_t)(slash - p);
        if (len == 0 || len >= sizeof comp) {
            if (cur != dirfd)
                close(cur);
            return -EINVAL;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        int fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && (mkdirat(cur, comp, 0755) == 0 || errno == EEXIST))
            fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        if (cur != dirfd)
            close(cur);
        if (fd < 0)
            return -e; /* ELOOP or ENOTDIR for a symbolic link */
        cur = fd;
        p = slash + 1;
    }
    if (cur != dirfd)
        close(cur);
    return -EINVAL;
}

int safe_path_make_dirs(int dirfd, const char *path)
{
    int fd = safe_path_open_parent(dirfd, path);
    if (fd < 0)
        return fd;
    if (fd != dirfd)
        close(fd);
    return 0;
}
