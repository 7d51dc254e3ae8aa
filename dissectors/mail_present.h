/* mail_present: summary parts POP3 and IMAP write alike — a login as "LOGIN anna (ok)", a message as
 * `RETR 3 "Subject" 12 KB` or `FETCH 12 BODY[] "Subject" 12 KB`. */
#ifndef MAIL_PRESENT_H
#define MAIL_PRESENT_H

#include "../core/tr_present.h"

/* An `auth` event: "LOGIN user (ok)", "LOGIN user (failed)", "LOGIN user" when the outcome is unknown. */
int mail_summary_login(const tr_event *e, const tr_summary *s);
/* A `message` event after what the caller wrote of its command: ` "Subject" 12 KB` (and " (incomplete)"). */
void mail_summary_message_tail(const tr_event *e, const tr_summary *s);
/* The rest of a `message` event's transcript note, after the caller wrote "[message: " and its command:
 * ` "Subject" 12 KB -> files/...]`. */
void mail_note_message_tail(const tr_event *e, tr_strbuf *text);

#endif
