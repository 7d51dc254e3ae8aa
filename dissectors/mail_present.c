#include "mail_present.h"

#include <string.h>

#include "../core/tr_event_read.h"

int mail_summary_login(const tr_event *e, const tr_summary *s)
{
    int64_t ok = 0;
    int known = tr_evr_int(e, "success", &ok);
    tr_sb_adds(s->ask, "LOGIN ");
    if (!tr_evr_add(e, "user", s->ask))
        tr_sb_addc(s->ask, '?');
    if (known)
        tr_sb_adds(s->ask, ok ? " (ok)" : " (failed)");
    return TR_SUM_PART;
}

/* After the command: ` "Subject" 12 KB` (and " (incomplete)"). */
static void message_tail(const tr_event *e, tr_strbuf *sb)
{
    const char *subj;
    size_t n;
    if (tr_evr_str(e, "subject", &subj, &n)) {
        tr_sb_adds(sb, " \"");
        tr_sb_add(sb, subj, n);
        tr_sb_addc(sb, '"');
    }
    int64_t size = 0;
    if (tr_evr_int(e, "size", &size)) {
        tr_sb_addc(sb, ' ');
        tr_sb_add_size(sb, (uint64_t)(size > 0 ? size : 0));
    }
    int64_t complete = 1;
    if (tr_evr_int(e, "complete", &complete) && !complete)
        tr_sb_adds(sb, " (incomplete)");
}

int mail_summary_message(const tr_event *e, const tr_summary *s, mail_verb_fn verb)
{
    if (strcmp(e->type, "message") != 0)
        return TR_SUM_NONE;
    verb(e, s->ask);
    message_tail(e, s->ask);
    return TR_SUM_PART;
}

int mail_note_message(const tr_event *e, tr_strbuf *text, mail_verb_fn verb)
{
    if (strcmp(e->type, "message") != 0)
        return -1;
    tr_sb_adds(text, "[message: ");
    verb(e, text);
    message_tail(e, text);
    if (tr_evr_field(e, "file")) {
        tr_sb_adds(text, " -> ");
        tr_evr_add(e, "file", text);
    }
    tr_sb_addc(text, ']');
    return TR_TX_NOTE;
}
