/* pop3_present: how POP3 shows itself — logins (`LOGIN anna (ok)`), each retrieved message (`RETR 3 "Subject"
 * 12 KB`, `TOP 3 "Subject" 1 KB`) and deletions in the summary; in the transcript a message's bytes fold to a marker
 * naming its file, and a note says what the message was. */
#include <string.h>
#include <strings.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../core/tr_view.h"
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
    if (strcmp(e->type, "message") == 0)
        return mail_summary_message(e, s, message_verb);
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

static int pop3_note(const tr_event *e, tr_strbuf *text) { return mail_note_message(e, text, message_verb); }

/* ---- the views: the server's program, when its CAPA names it (IMPLEMENTATION, RFC 2449) ---- */

static void pop3_view_event(const tr_event *e, const tr_view_out *out)
{
    if (strcmp(e->type, "reply") != 0 || !tr_evr_is(e, "command", "CAPA"))
        return;
    int list = tr_evr_find(e, 0, e->nf, "items");
    if (list < 0 || e->f[list].type != TR_F_LIST)
        return;
    static const char impl[] = "IMPLEMENTATION ";
    for (int i = list + 1, end = tr_ev_field_next(e, list); i < end - 1; i = tr_ev_field_next(e, i)) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_STR && f->n > sizeof impl - 1 && strncasecmp(f->s, impl, sizeof impl - 1) == 0)
            out->host(out, tr_view_server_ip(e), TR_HOST_CLIENT, f->s + sizeof impl - 1, f->n - (sizeof impl - 1),
                      "pop3 capa implementation");
    }
}

const tr_viewer pop3_view = {.event = pop3_view_event};

const tr_presenter pop3_present = {
    .summary = pop3_summary,
    .transcript_note = pop3_note,
};
