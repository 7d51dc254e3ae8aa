#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The highest capability number this kernel knows (CAP_LAST_CAP of the headers may be older or newer). */
static int last_cap(void)
{
    int last = CAP_LAST_CAP;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
    if (f) {
        int v;
        if (fscanf(f, "%d", &v) == 1 && v >= 0 && v < 64)
            last = v;
        fclose(f);
    }
    return last;
}

/* Whether the process still holds any capability (effective, permitted or inheritable). */
static int any_capability_left(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) != 0)
        return 1; /* cannot tell: assume the worst */
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        if (data[i].effective || data[i].permitted || data[i].inheritable)
            return 1;
    return 0;
}

int privdrop_to(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user", user);
        return -1;
    }
    if (pw->pw_uid == 0) { /* "dropping" to root keeps everything: refuse, rather than pretend */
        snprintf(err, errlen, "-Z %s: that user is root (uid 0); name an unprivileged user such as nobody", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 && errno != EPERM) {
        snprintf(err, errlen, "-Z %s: initgroups: %s", user, strerror(errno));
        return -1;
    }
    /* While trawl still holds CAP_SETPCAP (before the uid changes), empty the bounding set, so that nothing it
     * runs later (no setuid program, no file capability) can get a capability back. */
    for (int cap = 0; cap <= last_cap(); cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
            snprintf(err, errlen, "-Z %s: cannot clear the capability bounding set: %s", user, strerror(errno));
            return -1;
        }
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL on kernels before 4.3: none there */
    if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot switch user: %s", user, strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "-Z %s: cannot set no_new_privs: %s", user, strerror(errno));
        return -1;
    }
    /* refuse to go on as root, or with any capability, if anything above silently did nothing */
    if (getuid() == 0 || geteuid() == 0 || setuid(0) == 0 || any_capability_left()) {
        snprintf(err, errlen, "-Z %s: still able to act as root after dropping privileges", user);
        return -1;
    }
    return 0;
}
