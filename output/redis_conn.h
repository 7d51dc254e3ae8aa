/* redis_conn: a blocking hiredis connection as a redis_url describes it — connected over TCP or a Unix socket
 * with timeouts, authenticated, its database selected — and the one line that says what failed, sorted into
 * what waiting can cure (Redis down, restarting, loading its data) and what it cannot (a wrong password). */
#ifndef REDIS_CONN_H
#define REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "redis_url.h"

enum redis_conn_failure {
    REDIS_CONN_DOWN = 1, /* not reachable now, or not ready (LOADING, OOM, ...): try again later */
    REDIS_CONN_FATAL,    /* a reply no retry changes: wrong password, no permission, wrong key type */
};

/* Connects, authenticates (the URL's user and password, else $REDISCLI_AUTH as redis-cli reads it) and selects
 * the database; io_timeout_ms bounds every read and write after that. NULL with *why and a message in err. */
redisContext *redis_conn_open(const redis_url *u, int io_timeout_ms, int *why, char *err, size_t errlen);
/* Runs a command and returns its reply; NULL with *why and a message for a lost connection or an error reply.
 * The caller frees the reply (freeReplyObject). */
redisReply *redis_conn_command(redisContext *c, int argc, const char **argv, const size_t *lens, int *why, char *err,
                               size_t errlen);
/* Whether an error reply (its text, n bytes) is one that waiting can cure. */
int redis_conn_retryable(const char *msg, size_t n);

#endif
