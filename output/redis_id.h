/* redis_id: the explicit entry ids trawl gives each sensor stream, so a batch sent again after a reconnect adds
 * nothing twice: Redis refuses an XADD whose id is not above the stream's top id.
 *
 * The scheme: an entry's id is MS-SEQ with MS the event's time in milliseconds (its `ts`, floored; 0 before
 * 1970), unless that is below the last id given, whose MS it then keeps; SEQ counts from 0 within one MS (from 1
 * after 0-0, which Redis does not take). Ids are given in the order the events are written, once each, and kept
 * with the entry until Redis answered for it. At start, and at every reconnect, the last id is raised to the
 * stream's last-generated-id, so a rerun appends after what is there and no id is reused even after trimming. */
#ifndef REDIS_ID_H
#define REDIS_ID_H

#include <stddef.h>
#include <stdint.h>

typedef struct redis_id {
    uint64_t ms, seq;
} redis_id;

#define REDIS_ID_TEXT_MAX 42 /* "18446744073709551615-18446744073709551615" and its NUL */

/* The id for an event at ts_us after *last, which becomes it. 0, or -1 when *last is the largest id there is. */
int redis_id_next(redis_id *last, int64_t ts_us);
/* Raises *last to id when id is above it. */
void redis_id_raise(redis_id *last, redis_id id);
int redis_id_cmp(redis_id a, redis_id b);
/* "MS-SEQ" or "MS" (SEQ 0), n bytes; 0, or -1 when it is not an id. */
int redis_id_parse(const char *s, size_t n, redis_id *out);
/* Writes "MS-SEQ" (at most REDIS_ID_TEXT_MAX bytes with its NUL); returns its length. */
size_t redis_id_format(redis_id id, char *out);

#endif
