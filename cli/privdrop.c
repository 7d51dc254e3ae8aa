#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop_to(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 && errno != EPERM) {
        snprintf(err, errlen, "-Z %s: initgroups: %s", user, strerror(errno));
        return -1;
    }
    if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot switch user: %s", user, strerror(errno));
        return -1;
    }
    /* refuse to go on as root if anything above silently did nothing */
    if (pw->pw_uid != 0 && (getuid() == 0 || geteuid() == 0 || setuid(0) == 0)) {
        snprintf(err, errlen, "-Z %s: still able to act as root after dropping privileges", user);
        return -1;
    }
    return 0;
}
