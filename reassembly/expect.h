/* expect: connections announced by another session (FTP PORT/PASV/EPRT/EPSV), waiting for their flow.
 * Bounded; each expectation is used once and expires. */
#ifndef EXPECT_H
#define EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"

#define EXPECT_MAX 256
#define EXPECT_DEFAULT_TIMEOUT_US (60LL * 1000000)

typedef struct expect_entry {
    int used;
    tr_expectation x;
    uint64_t parent;
    int64_t expires_us;
    uint8_t ctx[TR_EXPECT_CTX_MAX];
} expect_entry;

typedef struct expect_table {
    expect_entry e[EXPECT_MAX];
    int live; /* entries used: a new flow with none waiting (nearly always) looks at none of the 256 */
    uint64_t added, matched, expired, dropped_full;
} expect_table;

/* 0 on success, -1 when full (the oldest is not replaced: the announcing side is told). */
int expect_add(expect_table *t, uint64_t parent, const tr_expectation *x, int64_t now_us);
/* Finds and removes the expectation a new flow between a and b matches; which side is the server
 * is written to *server_is_b. Returns the entry (valid until the next call) or NULL. */
expect_entry *expect_match(expect_table *t, uint8_t l4, const tr_endpoint *a, const tr_endpoint *b, int64_t now_us,
                           int *server_is_b);

#endif
