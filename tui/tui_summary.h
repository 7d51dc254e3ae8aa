/* tui_summary: what a session did, in one line, folded from its events as they come, each event's part written
 * by its dissector's summary hook (core/tr_present.h): `GET /index.html → 200 text/html 12 KB`,
 * `A? example.org → 93.184.216.34`, `USER alice, RETR report.pdf (300 KB)`. Also the two renderings of an event
 * the session view shows (a brief line, and its fields one a line). No curses, no model. */
#ifndef TUI_SUMMARY_H
#define TUI_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_event.h"
#include "../core/tr_strbuf.h"

#define TUI_SUMMARY_MAX 160
#define TUI_ARROW "\xe2\x86\x92" /* U+2192 RIGHTWARDS ARROW */

/* A session's summary line: UTF-8, control bytes and invalid sequences replaced by '?'. */
typedef struct tui_summary {
    char text[TUI_SUMMARY_MAX];
    uint8_t pending; /* the last part waits for its answer (an HTTP response, a DNS answer) */
    uint8_t full;    /* a part did not fit: nothing more is added */
} tui_summary;

/* Folds one event into the line. */
void tui_summary_add(tui_summary *s, const tr_event *e);

/* Appends n bytes to dst (NUL-terminated, cap bytes) keeping valid UTF-8 and replacing control bytes and
 * invalid sequences with '?'; stops before a character that does not fit. Returns 0 when all of it fit. */
int tui_utf8_append(char *dst, size_t cap, const char *src, size_t n);

/* Event rendering for the session view: the one-line brief (scalar fields as key=value) and the field list. */
void tui_event_brief(const tr_event *e, tr_strbuf *sb);
void tui_event_fields(const tr_event *e, tr_strbuf *sb);

#endif
