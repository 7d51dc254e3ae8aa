/* redis_entry: one event as a Redis stream entry — the fields a consumer filters on, read off the front of its
 * -T json line, and the XADD command that appends it, in the protocol's own form (RESP), ready to pipeline.
 *
 *   XADD <stream> [MAXLEN ~ <n>] <id> session <session> proto <proto> type <type> json <the line>
 *
 * The line is the -T json line byte for byte, without its newline. The other fields repeat what the line says
 * (docs/contract.md: `session`, `proto` and `type` come right after `ts` in every line), so consumers can filter
 * without parsing JSON. */
#ifndef REDIS_ENTRY_H
#define REDIS_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_strbuf.h"
#include "redis_id.h"

typedef struct redis_entry {
    int64_t ts_us;
    const char *session, *proto, *type; /* views into the line */
    size_t session_len, proto_len, type_len;
} redis_entry;

/* Reads ts, session, proto and type from the start of line[0..n). 0, or -1 when it does not start as a -T json
 * line does (the fields are then empty and ts 0: the line is still sent). */
int redis_entry_read(const char *line, size_t n, redis_entry *e);

/* Appends the entry's XADD to sb. maxlen 0: no MAXLEN. */
void redis_entry_xadd(tr_strbuf *sb, const char *stream, size_t stream_len, uint64_t maxlen, redis_id id,
                      const redis_entry *e, const char *line, size_t n);

#endif
