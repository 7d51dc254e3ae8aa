#include "redis_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECT_TIMEOUT_MS 3000

int redis_conn_retryable(const char *msg, size_t n)
{
    /* a server restarting or short of memory answers these; the same command works once it is back */
    static const char *const codes[] = {"LOADING", "BUSY", "OOM", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
                                        "READONLY", "NOREPLICAS", NULL};
    for (int i = 0; codes[i]; i++) {
        size_t k = strlen(codes[i]);
        if (n >= k && memcmp(msg, codes[i], k) == 0 && (n == k || msg[k] == ' '))
            return 1;
    }
    return 0;
}

redisReply *redis_conn_command(redisContext *c, int argc, const char **argv, const size_t *lens, int *why, char *err,
                               size_t errlen)
{
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    if (!r) {
        *why = REDIS_CONN_DOWN;
        snprintf(err, errlen, "%s", c->errstr[0] ? c->errstr : "connection lost");
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        *why = redis_conn_retryable(r->str, r->len) ? REDIS_CONN_DOWN : REDIS_CONN_FATAL;
        snprintf(err, errlen, "%s", r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static int run_ok(redisContext *c, int argc, const char **argv, int *why, char *err, size_t errlen)
{
    size_t lens[4];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = redis_conn_command(c, argc, argv, lens, why, err, errlen);
    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

redisContext *redis_conn_open(const redis_url *u, int io_timeout_ms, int *why, char *err, size_t errlen)
{
    struct timeval ct = {CONNECT_TIMEOUT_MS / 1000, (CONNECT_TIMEOUT_MS % 1000) * 1000};
    redisContext *c = u->is_unix ? redisConnectUnixWithTimeout(u->path, ct) : redisConnectWithTimeout(u->host, u->port, ct);
    *why = REDIS_CONN_DOWN;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (c->err) {
        snprintf(err, errlen, "%s", c->errstr);
        redisFree(c);
        return NULL;
    }
    struct timeval io = {io_timeout_ms / 1000, (io_timeout_ms % 1000) * 1000};
    redisSetTimeout(c, io);
    if (!u->is_unix)
        redisEnableKeepAlive(c); /* a peer that vanished without a word is found out */
    const char *password = u->has_password ? u->password : getenv("REDISCLI_AUTH");
    if (password) {
        const char *auth_user[] = {"AUTH", u->user, password};
        const char *auth[] = {"AUTH", password};
        if (u->user[0] ? run_ok(c, 3, auth_user, why, err, errlen) : run_ok(c, 2, auth, why, err, errlen))
            goto fail;
    } else if (u->user[0]) {
        snprintf(err, errlen, "user %s given without a password", u->user);
        *why = REDIS_CONN_FATAL;
        goto fail;
    }
    if (u->db) {
        char db[16];
        snprintf(db, sizeof db, "%d", u->db);
        const char *select[] = {"SELECT", db};
        if (run_ok(c, 2, select, why, err, errlen))
            goto fail;
    }
    return c;
fail:
    redisFree(c);
    return NULL;
}
