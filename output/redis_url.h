/* redis_url: where --output sends events and where --read-redis reads them, parsed from
 * redis://[USER:PASS@]HOST[:PORT][/DB][?OPTIONS] or unix:PATH[?OPTIONS] into fixed-size fields (no allocation).
 *
 * OPTIONS are KEY=VALUE joined by '&': stream (one name for --output; a comma-separated list for --read-redis),
 * group and consumer (--read-redis only), and user, password and db (the only way to give them with unix:, and
 * another way with redis://). Names and values are percent-decoded (%40 for '@' in a password, %2C for a comma in
 * a stream name). An unknown key is an error: a mistyped option must not be ignored silently. */
#ifndef REDIS_URL_H
#define REDIS_URL_H

#include <stddef.h>

#define REDIS_URL_MAX_STREAMS 16
#define REDIS_URL_NAME_MAX 256 /* bytes of a stream, group or consumer name, its NUL included */

enum redis_url_use { REDIS_URL_OUTPUT, REDIS_URL_READ };

typedef struct redis_url {
    int is_unix;
    char host[256];                 /* a name or an address; an IPv6 address without its brackets */
    int port;                       /* 6379 unless given */
    char path[108];                 /* unix: the socket's path (the size of sun_path) */
    char user[128];                 /* "": the default user (AUTH with the password alone) */
    char password[256];
    int has_password;               /* an empty password is still a password */
    int db;                         /* SELECT db; 0 unless given */
    char stream[REDIS_URL_MAX_STREAMS][REDIS_URL_NAME_MAX];
    int nstreams;                   /* 0: the caller's default (trawl:<sensor>) */
    char group[REDIS_URL_NAME_MAX]; /* "": the default */
    char consumer[REDIS_URL_NAME_MAX];
    char display[512];              /* the URL for messages, the password replaced by *** */
} redis_url;

/* Parses s for `use`; 0 on success, -1 with a message in err (the caller prefixes the option's name). */
int redis_url_parse(redis_url *u, const char *s, enum redis_url_use use, char *err, size_t errlen);

#endif
