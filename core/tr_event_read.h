/* tr_event_read: an event's fields found by key, for the code that presents events to people (summaries,
 * transcript notes). Read-only; valid while the event is (during tr_emit). */
#ifndef TR_EVENT_READ_H
#define TR_EVENT_READ_H

#include <stddef.h>
#include <stdint.h>

#include "tr_event.h"
#include "tr_strbuf.h"

/* Index of the field `key` among fields [from, end) at the nesting level of `from`, or -1. */
int tr_evr_find(const tr_event *e, int from, int end, const char *key);
/* A field directly in the event (top level or the protocol object), not inside a nested value; NULL if absent. */
const tr_field *tr_evr_field(const tr_event *e, const char *key);
/* A string field's bytes (not NUL-terminated); 0 when absent or not a string. */
int tr_evr_str(const tr_event *e, const char *key, const char **s, size_t *n);
/* An integer or boolean field; 0 when absent. */
int tr_evr_int(const tr_event *e, const char *key, int64_t *v);
/* Whether the string field `key` is exactly `word`. */
int tr_evr_is(const tr_event *e, const char *key, const char *word);
/* Appends field i's value (strings raw, integers in decimal, booleans as true/false); "-" when i < 0 or it is
 * a list or object. */
void tr_evr_value(const tr_event *e, int i, tr_strbuf *sb);
/* Appends the value of field `key` (as tr_evr_value); returns 0 when it is absent (nothing appended). */
int tr_evr_add(const tr_event *e, const char *key, tr_strbuf *sb);
/* Literal text and field values in turn: parts[0] literal, parts[1] a key, parts[2] literal, ..., NULL; an absent
 * field is written "-". */
void tr_evr_parts(const tr_event *e, const char *const *parts, tr_strbuf *sb);

#endif
