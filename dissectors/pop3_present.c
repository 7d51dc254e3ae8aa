/* pop3_present: how POP3 shows itself — logins (`LOGIN anna (ok)`), each retrieved message (`RETR 3 "Subject"
 * 12 KB`, `TOP 3 "Subject" 1 KB`) and deletions in the summary; in the transcript a message's bytes fold to a marker
 * naming its file, and a note says what the message was. */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "mail_present.h"

static void message_verb(const tr_event *e, tr_strbuf *sb)
{
    if (!tr_evr_add(e, "command", sb))
        tr_sb_adds(sb, "RETR");
    if (tr_evr_field(e, "number")) {
        tr_sb_addc(sb, ' ');
        tr_evr_add(e, "number", sb);
    }
}

static int pop3_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "auth") == 0)
        return mail_summary_login(e, s);
    if (strcmp(e->type, "message") == 0) {
        message_verb(e, s->ask);
        mail_summary_message_tail(e, s);
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "request") == 0 && (tr_evr_is(e, "command", "DELE") || tr_evr_is(e, "command", "STLS"))) {
        tr_evr_add(e, "command", s->ask);
        if (tr_evr_field(e, "arg")) {
            tr_sb_addc(s->ask, ' ');
            tr_evr_add(e, "arg", s->ask);
        }
        return TR_SUM_PART;
    }
    return TR_SUM_NONE;
}

static int pop3_note(const tr_event *e, tr_strbuf *text)
{
    if (strcmp(e->type, "message") != 0)
        return -1;
    tr_sb_adds(text, "[message: ");
    message_verb(e, text);
    mail_note_message_tail(e, text);
    return TR_TX_NOTE;
}

const tr_presenter pop3_present = {
    .summary = pop3_summary,
    .transcript_note = pop3_note,
};
