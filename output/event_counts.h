/* event_counts: what --stats counts from the events themselves — events by protocol and type, and the values of
 * the event fields each dissector names for it (tr_dissector.stat_fields: HTTP status codes, DNS response
 * codes, ...). A sink; it reads no digest, so it never makes the engine wait for one. */
#ifndef EVENT_COUNTS_H
#define EVENT_COUNTS_H

#include <stdio.h>

#include "../core/tr_session.h"

typedef struct event_counts event_counts;

event_counts *event_counts_new(void);
void event_counts_free(event_counts *c);
tr_sink event_counts_sink(event_counts *c);
/* The tables, for people (stderr). */
void event_counts_print(const event_counts *c, FILE *out);
/* The same into a buffer, and as the members "events" and "values" of a JSON object (stats.json). */
struct tr_strbuf;
void event_counts_text(const event_counts *c, struct tr_strbuf *sb);
void event_counts_json(const event_counts *c, struct tr_strbuf *sb);
/* Counts one event (for a sink that keeps the counts inside it). */
void event_counts_event(event_counts *c, const tr_event *e);

#endif
