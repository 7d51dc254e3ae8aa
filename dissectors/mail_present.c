#include "mail_present.h"

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

void mail_summary_message_tail(const tr_event *e, const tr_summary *s)
{
    const char *subj;
    size_t n;
    if (tr_evr_str(e, "subject", &subj, &n)) {
        tr_sb_adds(s->ask, " \"");
        tr_sb_add(s->ask, subj, n);
        tr_sb_addc(s->ask, '"');
    }
    int64_t size = 0;
    if (tr_evr_int(e, "size", &size)) {
        tr_sb_addc(s->ask, ' ');
        tr_sb_add_size(s->ask, (uint64_t)(size > 0 ? size : 0));
    }
    int64_t complete = 1;
    if (tr_evr_int(e, "complete", &complete) && !complete)
        tr_sb_adds(s->ask, " (incomplete)");
}

void mail_note_message_tail(const tr_event *e, tr_strbuf *text)
{
    tr_summary s = {text, text};
    mail_summary_message_tail(e, &s);
    if (tr_evr_field(e, "file")) {
        tr_sb_adds(text, " -> ");
        tr_evr_add(e, "file", text);
    }
    tr_sb_addc(text, ']');
}
