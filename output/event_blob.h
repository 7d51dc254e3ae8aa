/* event_blob: an event flattened into one block of bytes, so it can be formatted on the worker thread after the
 * engine has moved on. An event points at strings that live only during tr_emit (packet bytes, its arena) and at
 * its session, which changes or goes away; the blob copies what formatting reads: the common fields, the
 * session's id, transport and endpoints, every field with its key and bytes. A digest still being computed is
 * carried as where its result will be (core/tr_hash.h): the worker reads it there, in order after the final. */
#ifndef EVENT_BLOB_H
#define EVENT_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_event.h"
#include "../core/tr_hash.h"
#include "../core/tr_session.h"

#define EVENT_BLOB_DIGESTS_MAX 8

/* What unpacking gives: an event whose strings point into the blob, and the session it names. */
typedef struct event_blob_view {
    tr_event e;
    tr_session s;
    char hex[EVENT_BLOB_DIGESTS_MAX][2 * TR_HASH_DIGEST_LEN + 1];
} event_blob_view;

/* Flattens e into out[0..cap); returns its length, or 0 when it does not fit (or has more digests still being
 * computed than a view holds): the caller then formats the event itself. */
size_t event_blob_pack(const tr_event *e, uint8_t *out, size_t cap);
/* Rebuilds the event from a blob event_blob_pack made, on any thread, after the finals of its digests ran.
 * A digest whose hashing failed is left out, as the formatters do. v->e points into blob, which must stay. */
void event_blob_unpack(const uint8_t *blob, size_t len, event_blob_view *v);

#endif
