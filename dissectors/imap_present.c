/* imap_present: how IMAP shows itself — logins (`LOGIN anna (ok)`), the mailbox selected (`SELECT INBOX`), each
 * fetched or appended message (`FETCH 12 BODY[] "Subject" 12 KB`, `APPEND "Subject" 2 KB`) in the summary; in the
 * transcript a literal's bytes fold to a marker naming its file, and a note says what the message was. */
#include <string.h>
#include <strings.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../core/tr_view.h"
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
    if (strcmp(e->type, "message") == 0)
        return mail_summary_message(e, s, message_verb);
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

static int imap_note(const tr_event *e, tr_strbuf *text) { return mail_note_message(e, text, message_verb); }

/* ---- the views: the client's program, when its ID command names it (RFC 2971) ---- */

/* The next quoted string of s[*at..n) ("..." with \\ escapes; NIL is none): its bytes in out (cut at cap); 0 when
 * there is no more. */
static int next_quoted(const char *s, size_t n, size_t *at, char *out, size_t cap)
{
    size_t i = *at, o = 0;
    while (i < n && s[i] != '"') {
        if (i + 3 <= n && strncasecmp(s + i, "NIL", 3) == 0) { /* a NIL value: an empty string */
            *at = i + 3;
            out[0] = '\0';
            return 1;
        }
        i++;
    }
    if (i >= n)
        return 0;
    for (i++; i < n && s[i] != '"'; i++) {
        if (s[i] == '\\' && i + 1 < n)
            i++;
        if (o + 1 < cap)
            out[o++] = s[i];
    }
    out[o] = '\0';
    *at = i < n ? i + 1 : n;
    return 1;
}

static void imap_view_event(const tr_event *e, const tr_view_out *out)
{
    const char *s;
    size_t n;
    if (strcmp(e->type, "request") != 0 || !tr_evr_is(e, "command", "ID") || !tr_evr_str(e, "args", &s, &n))
        return;
    char key[64], val[128], name[128] = "", version[128] = "";
    size_t at = 0;
    for (int pairs = 0; pairs < 30 && next_quoted(s, n, &at, key, sizeof key) && next_quoted(s, n, &at, val, sizeof val);
         pairs++) {
        if (strcasecmp(key, "name") == 0)
            snprintf(name, sizeof name, "%s", val);
        else if (strcasecmp(key, "version") == 0)
            snprintf(version, sizeof version, "%s", val);
    }
    if (!name[0])
        return;
    char client[260];
    int len = snprintf(client, sizeof client, "%s%s%s", name, version[0] ? " " : "", version);
    out->host(out, tr_view_client_ip(e), TR_HOST_CLIENT, client, len < (int)sizeof client ? (size_t)len : sizeof client - 1,
              "imap id");
}

const tr_viewer imap_view = {.event = imap_view_event};

const tr_presenter imap_present = {
    .summary = imap_summary,
    .transcript_note = imap_note,
};
