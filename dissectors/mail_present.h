/* mail_present: summary parts POP3 and IMAP write alike — a login as "LOGIN anna (ok)", a message as
 * `RETR 3 "Subject" 12 KB` or `FETCH 12 BODY[] "Subject" 12 KB`. */
#ifndef MAIL_PRESENT_H
#define MAIL_PRESENT_H

#include "../core/tr_present.h"

/* An `auth` event: "LOGIN user (ok)", "LOGIN user (failed)", "LOGIN user" when the outcome is unknown. */
int mail_summary_login(const tr_event *e, const tr_summary *s);
/* How a protocol names a `message` event's command: "RETR 3", "FETCH 12 BODY[]", "APPEND". */
typedef void (*mail_verb_fn)(const tr_event *e, tr_strbuf *sb);
/* A `message` event's summary part, `RETR 3 "Subject" 12 KB` (and " (incomplete)"): TR_SUM_PART, or TR_SUM_NONE
 * for another event. */
int mail_summary_message(const tr_event *e, const tr_summary *s, mail_verb_fn verb);
/* A `message` event's transcript note, `[message: RETR 3 "Subject" 12 KB -> files/...]`: TR_TX_NOTE, or -1 for
 * another event. */
int mail_note_message(const tr_event *e, tr_strbuf *text, mail_verb_fn verb);

#endif
