/* imap_present: how IMAP shows itself — logins (`LOGIN anna (ok)`), the mailbox selected (`SELECT INBOX`), each
 * fetched or appended message (`FETCH 12 BODY[] "Subject" 12 KB`, `APPEND "Subject" 2 KB`) in the summary; in the
 * transcript a literal's bytes fold to a marker naming its file, and a note says what the message was. */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "mail_present.h"

static void message_verb(const tr_event *e, tr_strbuf *sb)
{
    if (tr_evr_is(e, "direction", "append")) {
        tr_sb_adds(sb, "APPEND");
        return;
    }
    tr_sb_adds(sb, "FETCH ");
    if (!tr_evr_add(e, "uid", sb) && !tr_evr_add(e, "seq", sb))
        tr_sb_addc(sb, '?');
    tr_sb_addc(sb, ' ');
    tr_evr_add(e, "section", sb);
    int64_t origin;
    if (tr_evr_int(e, "origin", &origin)) {
        tr_sb_addc(sb, '<');
        tr_evr_add(e, "origin", sb);
        tr_sb_addc(sb, '>');
    }
}

static int imap_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "auth") == 0)
        return mail_summary_login(e, s);
    if (strcmp(e->type, "message") == 0) {
        message_verb(e, s->ask);
        mail_summary_message_tail(e, s);
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "reply") == 0 && tr_evr_is(e, "status", "OK") &&
        (tr_evr_is(e, "command", "SELECT") || tr_evr_is(e, "command", "EXAMINE"))) {
        tr_evr_add(e, "command", s->ask);
        tr_sb_addc(s->ask, ' ');
        tr_evr_add(e, "mailbox", s->ask);
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "reply") == 0 && tr_evr_is(e, "status", "OK") &&
        (tr_evr_is(e, "command", "STARTTLS") || tr_evr_is(e, "command", "COMPRESS"))) {
        tr_evr_add(e, "command", s->ask);
        return TR_SUM_PART;
    }
    return TR_SUM_NONE;
}

static int imap_note(const tr_event *e, tr_strbuf *text)
{
    if (strcmp(e->type, "message") != 0)
        return -1;
    tr_sb_adds(text, "[message: ");
    message_verb(e, text);
    mail_note_message_tail(e, text);
    return TR_TX_NOTE;
}

const tr_presenter imap_present = {
    .summary = imap_summary,
    .transcript_note = imap_note,
};
