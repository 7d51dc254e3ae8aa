/* smtp_present: how SMTP shows itself — each login and each message in the summary (`AUTH PLAIN anna (ok)`,
 * `MAIL anna@example.org → bob@example.net, "Subject" 12 KB`), and in the transcript a note after a message's body
 * (shown as a marker naming its .eml) that lists its attachments and where they went, a note saying what a login's
 * base64 carried, and one where STARTTLS ends decoding. */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../core/tr_view.h"

/* The list field `key` at the event's top: its index, and the index past its end. -1 when absent. */
static int list_of(const tr_event *e, const char *key, int *end)
{
    int i = tr_evr_find(e, 0, e->nf, key);
    if (i < 0 || e->f[i].type != TR_F_LIST)
        return -1;
    *end = tr_ev_field_next(e, i) - 1; /* its TR_F_END */
    return i;
}

/* A string field of the object that starts at field `obj`. */
static int obj_add(const tr_event *e, int obj, const char *key, tr_strbuf *sb)
{
    int end = tr_ev_field_next(e, obj);
    int i = tr_evr_find(e, obj + 1, end, key);
    if (i < 0)
        return 0;
    tr_evr_value(e, i, sb);
    return 1;
}

static int obj_int(const tr_event *e, int obj, const char *key, int64_t *v)
{
    int end = tr_ev_field_next(e, obj);
    int i = tr_evr_find(e, obj + 1, end, key);
    if (i < 0 || (e->f[i].type != TR_F_INT && e->f[i].type != TR_F_BOOL))
        return 0;
    *v = e->f[i].i;
    return 1;
}

static void add_size(const tr_event *e, int obj, tr_strbuf *sb)
{
    int64_t n = 0;
    if (obj < 0 ? tr_evr_int(e, "size", &n) : obj_int(e, obj, "size", &n)) {
        tr_sb_addc(sb, ' ');
        tr_sb_add_size(sb, (uint64_t)(n > 0 ? n : 0));
    }
}

static void add_outcome(const tr_event *e, tr_strbuf *sb, const char *ok, const char *failed)
{
    int64_t v = 0;
    if (tr_evr_int(e, "success", &v))
        tr_sb_adds(sb, v ? ok : failed);
}

static int smtp_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "auth") == 0) {
        tr_sb_adds(s->ask, "AUTH ");
        if (!tr_evr_add(e, "mechanism", s->ask))
            tr_sb_addc(s->ask, '?');
        tr_sb_addc(s->ask, ' ');
        if (!tr_evr_add(e, "user", s->ask))
            tr_sb_addc(s->ask, '?');
        add_outcome(e, s->ask, " (ok)", " (failed)");
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "message") != 0)
        return TR_SUM_NONE;
    tr_sb_adds(s->ask, "MAIL ");
    if (!tr_evr_add(e, "mail_from", s->ask))
        tr_sb_addc(s->ask, '?');
    int end, i = list_of(e, "rcpt_to", &end);
    if (i >= 0) {
        tr_sb_adds(s->ask, " \xe2\x86\x92 ");
        int shown = 0;
        for (int j = i + 1; j < end; j = tr_ev_field_next(e, j), shown++) {
            if (shown == 2) {
                tr_sb_printf(s->ask, " +%d", (end - j));
                break;
            }
            if (shown)
                tr_sb_adds(s->ask, ", ");
            tr_evr_value(e, j, s->ask);
        }
    }
    const char *subject;
    size_t n;
    if (tr_evr_str(e, "subject", &subject, &n)) {
        tr_sb_adds(s->ask, ", \"");
        tr_sb_add(s->ask, subject, n);
        tr_sb_addc(s->ask, '"');
    }
    add_size(e, -1, s->ask);
    int64_t complete = 1;
    if (tr_evr_int(e, "complete", &complete) && !complete)
        tr_sb_adds(s->ask, " (incomplete)");
    return TR_SUM_PART;
}

/* "[message 12 KB -> files/3-message.eml]" and a line per attachment. */
static int message_note(const tr_event *e, tr_strbuf *text)
{
    tr_sb_adds(text, "[message");
    add_size(e, -1, text);
    int64_t complete = 1;
    if (tr_evr_int(e, "complete", &complete) && !complete)
        tr_sb_adds(text, ", incomplete");
    if (tr_evr_field(e, "file")) {
        tr_sb_adds(text, " -> ");
        tr_evr_add(e, "file", text);
    }
    if (tr_evr_field(e, "queue_id")) {
        tr_sb_adds(text, ", queued as ");
        tr_evr_add(e, "queue_id", text);
    }
    tr_sb_addc(text, ']');
    int end, i = list_of(e, "attachments", &end);
    for (int j = i + 1; i >= 0 && j < end; j = tr_ev_field_next(e, j)) {
        tr_sb_adds(text, "\n[attachment ");
        obj_add(e, j, "name", text);
        add_size(e, j, text);
        int64_t ok = 1;
        if (obj_int(e, j, "complete", &ok) && !ok)
            tr_sb_adds(text, ", incomplete");
        int fi = tr_evr_find(e, j + 1, tr_ev_field_next(e, j), "file");
        if (fi >= 0) {
            tr_sb_adds(text, " -> ");
            tr_evr_value(e, fi, text);
        }
        tr_sb_addc(text, ']');
    }
    return TR_TX_NOTE;
}

static int smtp_note(const tr_event *e, tr_strbuf *text)
{
    if (strcmp(e->type, "message") == 0)
        return message_note(e, text);
    if (strcmp(e->type, "auth") == 0) { /* what the base64 above carried */
        tr_sb_adds(text, "[AUTH ");
        tr_evr_add(e, "mechanism", text);
        static const char *const fields[] = {"user", "password", "token", "authzid"};
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
            if (!tr_evr_field(e, fields[k]))
                continue;
            tr_sb_printf(text, " %s ", fields[k]);
            tr_evr_add(e, fields[k], text);
        }
        add_outcome(e, text, ": accepted", ": refused");
        tr_sb_addc(text, ']');
        return TR_TX_NOTE;
    }
    if (strcmp(e->type, "decode_end") == 0) {
        const char *r;
        size_t n;
        if (!tr_evr_str(e, "reason", &r, &n))
            return -1;
        if (n == 8 && memcmp(r, "starttls", 8) == 0)
            tr_sb_adds(text, "[decode_end starttls: the rest of the session is TLS, not decoded]");
        else if (n == 3 && memcmp(r, "tls", 3) == 0)
            tr_sb_adds(text, "[decode_end tls: the session is TLS from its start (SMTPS), not decoded]");
        else
            return -1;
        return TR_TX_NOTE;
    }
    return -1;
}

/* ---- the views: the client's HELO/EHLO name and the server's name in its greeting, as host names ---- */

/* Whether s[0..n) reads as a host name (letters, digits, dots, dashes, a letter among them): not an address
 * literal ("[10.0.0.1]"), not an enhanced status code ("2.0.0"). */
static int looks_like_name(const char *s, size_t n)
{
    int letter = 0;
    if (!n || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            letter = 1;
        else if (!((c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return letter;
}

static void smtp_view_event(const tr_event *e, const tr_view_out *out)
{
    const char *s;
    size_t n;
    int64_t code;
    if (strcmp(e->type, "request") == 0 && (tr_evr_is(e, "command", "HELO") || tr_evr_is(e, "command", "EHLO") ||
                                            tr_evr_is(e, "command", "LHLO"))) {
        if (tr_evr_str(e, "arg", &s, &n) && looks_like_name(s, n))
            out->host(out, tr_view_client_ip(e), TR_HOST_NAME, s, n, "smtp helo");
        return;
    }
    /* the greeting: a 220 answering no command ("220 mx.example.org ESMTP Postfix"); STARTTLS's 220 names none */
    if (strcmp(e->type, "reply") == 0 && tr_evr_int(e, "code", &code) && code == 220 && !tr_evr_field(e, "command") &&
        tr_evr_str(e, "text", &s, &n)) {
        size_t w = 0;
        while (w < n && s[w] != ' ')
            w++;
        if (looks_like_name(s, w))
            out->host(out, tr_view_server_ip(e), TR_HOST_NAME, s, w, "smtp greeting");
    }
}

const tr_viewer smtp_view = {.event = smtp_view_event};

const tr_presenter smtp_present = {
    .summary = smtp_summary,
    .transcript_note = smtp_note,
};
