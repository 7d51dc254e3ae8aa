/* tui_summary: what a session did, in one line, folded from its events as they come
 * (`GET /index.html → 200 text/html 12 KB`, `A? example.org → 93.184.216.34`, `USER alice, RETR report.pdf (300 KB)`),
 * and the two renderings of an event the session view shows (a brief line, and its fields one a line). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../output/tr_format.h"
#include "tui_store.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned v = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return len;
}

int tui_utf8_append(char *dst, size_t cap, const char *src, size_t n)
{
    size_t len = strnlen(dst, cap);
    const unsigned char *p = (const unsigned char *)src;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_len(p + i, n - i);
        const char *put = (const char *)p + i;
        size_t putn = k;
        if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
            put = "?";
            putn = 1;
            k = 1;
        }
        if (len + putn + 1 > cap) {
            if (cap)
                dst[len] = '\0';
            return -1;
        }
        memcpy(dst + len, put, putn);
        len += putn;
        i += k;
    }
    if (cap)
        dst[len] = '\0';
    return 0;
}

/* ---- reading an event's fields ---- */

/* A field directly in the event (top level or the protocol object), not inside a nested value. */
static const tr_field *field_at(const tr_event *e, const char *key)
{
    int depth = 0;
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            depth--;
            continue;
        }
        if (depth == 0 && f->key && strcmp(f->key, key) == 0)
            return f;
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST)
            depth++;
    }
    return NULL;
}

/* A string field copied (sanitized) into out, or NULL when absent. */
static const char *str_at(const tr_event *e, const char *key, char *out, size_t cap)
{
    const tr_field *f = field_at(e, key);
    if (!f || f->type != TR_F_STR)
        return NULL;
    out[0] = '\0';
    tui_utf8_append(out, cap, f->s, f->n);
    return out;
}

static int int_at(const tr_event *e, const char *key, int64_t *v)
{
    const tr_field *f = field_at(e, key);
    if (!f || (f->type != TR_F_INT && f->type != TR_F_BOOL))
        return 0;
    *v = f->i;
    return 1;
}

/* The `data` of the first DNS record in `answers`, preferring one of type qtype. */
static const char *dns_first_answer(const tr_event *e, const char *qtype, char *out, size_t cap)
{
    const tr_field *list = field_at(e, "answers");
    if (!list || list->type != TR_F_LIST)
        return NULL;
    const char *first = NULL;
    int depth = 0;
    const tr_field *type = NULL, *data = NULL;
    for (int i = (int)(list - e->f) + 1; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            if (--depth < 0)
                break;
            if (depth == 0 && data) { /* end of one record */
                int match = type && qtype && type->n == strlen(qtype) && memcmp(type->s, qtype, type->n) == 0;
                if (match || !first) {
                    out[0] = '\0';
                    tui_utf8_append(out, cap, data->s, data->n);
                    first = out;
                    if (match)
                        return out;
                }
                type = data = NULL;
            }
            continue;
        }
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST)
            depth++;
        else if (depth == 1 && f->key && f->type == TR_F_STR) {
            if (strcmp(f->key, "type") == 0)
                type = f;
            else if (strcmp(f->key, "data") == 0)
                data = f;
        }
    }
    return first;
}

/* ---- building the summary ---- */

static void sum_text(tui_session *s, const char *text)
{
    if (s->sum_full)
        return;
    if (tui_utf8_append(s->summary, sizeof s->summary, text, strlen(text)) != 0)
        s->sum_full = 1;
}

/* Starts a new part of the summary, ", " after the previous one. */
static void sum_part(tui_session *s, const char *text)
{
    if (s->summary[0])
        sum_text(s, ", ");
    sum_text(s, text);
}

static void http_event(tui_session *s, const tr_event *e)
{
    char a[128], b[256], c[64], part[1024];
    if (strcmp(e->type, "request") == 0) {
        snprintf(part, sizeof part, "%s %s", str_at(e, "method", a, sizeof a) ? a : "?",
                 str_at(e, "uri", b, sizeof b) ? b : "");
        sum_part(s, part);
        s->sum_pending = 1;
    } else if (strcmp(e->type, "response") == 0) {
        int64_t status = 0, len = 0;
        char code[sizeof c] = "?";
        if (int_at(e, "status", &status))
            snprintf(code, sizeof code, "%" PRId64, status);
        else if (str_at(e, "version", c, sizeof c)) /* HTTP/0.9: no status line */
            snprintf(code, sizeof code, "%s", c);
        char size[32] = "";
        if (int_at(e, "body_len", &len) && len > 0)
            tui_format_size((uint64_t)len, size, sizeof size);
        const char *ct = str_at(e, "content_type", c, sizeof c);
        if (ct) /* "text/html; charset=utf-8" → "text/html" */
            c[strcspn(c, "; ")] = '\0';
        char tail[160];
        snprintf(tail, sizeof tail, "%s%s%s%s%s", code, ct ? " " : "", ct ? c : "", size[0] ? " " : "", size);
        if (s->sum_pending) {
            snprintf(part, sizeof part, " " TUI_ARROW " %s", tail);
            sum_text(s, part);
        } else {
            if (str_at(e, "method", a, sizeof a))
                snprintf(part, sizeof part, "%s %s " TUI_ARROW " %s", a, str_at(e, "uri", b, sizeof b) ? b : "",
                         tail);
            else
                snprintf(part, sizeof part, TUI_ARROW " %s", tail);
            sum_part(s, part);
        }
        s->sum_pending = 0;
    } else if (strcmp(e->type, "auth") == 0) {
        snprintf(part, sizeof part, "auth %s", str_at(e, "user", a, sizeof a) ? a : "?");
        sum_part(s, part);
        s->sum_pending = 0;
    }
}

static void dns_event(tui_session *s, const tr_event *e)
{
    char qtype[32], qname[256], res[256], part[600];
    if (!str_at(e, "qtype", qtype, sizeof qtype))
        snprintf(qtype, sizeof qtype, "?");
    if (!str_at(e, "qname", qname, sizeof qname))
        qname[0] = '\0';
    const char *result = NULL;
    if (strcmp(e->type, "query") == 0) {
        snprintf(part, sizeof part, "%s? %s", qtype, qname);
        sum_part(s, part);
        s->sum_pending = 1;
        return;
    }
    if (strcmp(e->type, "answer") == 0) {
        char rcode[32];
        if (str_at(e, "rcode", rcode, sizeof rcode) && strcmp(rcode, "NOERROR") != 0) {
            snprintf(res, sizeof res, "%s", rcode);
            result = res;
        } else
            result = dns_first_answer(e, qtype, res, sizeof res);
        if (!result)
            result = "no answer";
    } else if (strcmp(e->type, "unanswered") == 0) {
        result = "unanswered";
    } else {
        return;
    }
    if (s->sum_pending)
        snprintf(part, sizeof part, " " TUI_ARROW " %s", result);
    else
        snprintf(part, sizeof part, "%s? %s " TUI_ARROW " %s", qtype, qname, result);
    if (s->sum_pending)
        sum_text(s, part);
    else
        sum_part(s, part);
    s->sum_pending = 0;
}

static void auth_part(tui_session *s, const tr_event *e)
{
    char a[128], part[200];
    int64_t ok = 1;
    int known = int_at(e, "success", &ok);
    snprintf(part, sizeof part, "USER %s%s", str_at(e, "user", a, sizeof a) ? a : "?",
             known && !ok ? " (failed)" : "");
    sum_part(s, part);
}

static void ftp_event(tui_session *s, const tr_event *e)
{
    char a[32], b[256], size[32], part[400];
    if (strcmp(e->type, "auth") == 0) {
        auth_part(s, e);
    } else if (strcmp(e->type, "transfer") == 0) {
        int64_t n = 0;
        int has = int_at(e, "bytes", &n);
        tui_format_size((uint64_t)(n > 0 ? n : 0), size, sizeof size);
        snprintf(part, sizeof part, "%s%s%s%s%s%s", str_at(e, "command", a, sizeof a) ? a : "?",
                 str_at(e, "name", b, sizeof b) ? " " : "", str_at(e, "name", b, sizeof b) ? b : "",
                 has ? " (" : "", has ? size : "", has ? ")" : "");
        sum_part(s, part);
    }
}

static void mail_event(tui_session *s, const tr_event *e)
{
    char a[128], b[128], c[200], part[500];
    if (strcmp(e->type, "auth") == 0) {
        auth_part(s, e);
    } else if (strcmp(e->type, "message") == 0) {
        int64_t n = 0;
        char size[32] = "";
        if (int_at(e, "size", &n))
            tui_format_size((uint64_t)(n > 0 ? n : 0), size, sizeof size);
        const char *from = str_at(e, "mail_from", a, sizeof a);
        if (!from)
            from = str_at(e, "from", a, sizeof a);
        snprintf(part, sizeof part, "mail%s%s%s%s%s\"%s\"%s%s", from ? " " : "", from ? from : "",
                 str_at(e, "to", b, sizeof b) ? " " TUI_ARROW " " : "", str_at(e, "to", b, sizeof b) ? b : "", " ",
                 str_at(e, "subject", c, sizeof c) ? c : "", size[0] ? " " : "", size);
        sum_part(s, part);
    }
}

static void other_event(tui_session *s, const tr_event *e)
{
    char a[64], b[128], part[300];
    if (strcmp(e->proto, "telnet") == 0) {
        if (strcmp(e->type, "auth") == 0)
            auth_part(s, e);
        else if (strcmp(e->type, "command") == 0 && str_at(e, "line", b, sizeof b)) {
            snprintf(part, sizeof part, "$ %s", b);
            sum_part(s, part);
        }
    } else if (strcmp(e->proto, "dhcp") == 0 && strcmp(e->type, "message") == 0) {
        const char *ip = str_at(e, "yiaddr", b, sizeof b);
        if (!ip || strcmp(ip, "0.0.0.0") == 0)
            ip = str_at(e, "requested_ip", b, sizeof b);
        snprintf(part, sizeof part, "%s%s%s", str_at(e, "msg_type", a, sizeof a) ? a : "?", ip ? " " : "",
                 ip ? ip : "");
        sum_part(s, part);
    } else if (strcmp(e->proto, "snmp") == 0) {
        snprintf(part, sizeof part, "%s %s", str_at(e, "pdu", a, sizeof a) ? a : e->type,
                 str_at(e, "community", b, sizeof b) ? b : "");
        sum_part(s, part);
    } else if (strcmp(e->proto, "bittorrent") == 0 && strcmp(e->type, "message") != 0) {
        const char *h = str_at(e, "info_hash", b, sizeof b);
        snprintf(part, sizeof part, "%s%s%.12s", e->type, h ? " " : "", h ? h : "");
        sum_part(s, part);
    }
}

void tui_summary_add(tui_session *s, const tr_event *e)
{
    if (strcmp(e->type, "anomaly") == 0) {
        char a[64], part[80];
        snprintf(part, sizeof part, "[%s]", str_at(e, "anomaly", a, sizeof a) ? a : "anomaly");
        sum_part(s, part);
    } else if (strcmp(e->type, "decode_end") == 0) {
        char a[64], part[80];
        snprintf(part, sizeof part, "[%s]", str_at(e, "reason", a, sizeof a) ? a : "decode end");
        sum_part(s, part);
    } else if (strcmp(e->proto, "http") == 0)
        http_event(s, e);
    else if (strcmp(e->proto, "dns") == 0)
        dns_event(s, e);
    else if (strcmp(e->proto, "ftp") == 0)
        ftp_event(s, e);
    else if (strcmp(e->proto, "smtp") == 0 || strcmp(e->proto, "pop3") == 0 || strcmp(e->proto, "imap") == 0)
        mail_event(s, e);
    else
        other_event(s, e);
}

/* ---- event renderings ---- */

static void value(const tr_field *f, tr_strbuf *sb)
{
    char tmp[32];
    switch (f->type) {
    case TR_F_STR: {
        char v[TUI_SUMMARY_MAX * 4] = "";
        int cut = tui_utf8_append(v, sizeof v, f->s, f->n);
        tr_sb_adds(sb, v);
        if (cut)
            tr_sb_adds(sb, "...");
        break;
    }
    case TR_F_INT: tr_sb_printf(sb, "%" PRId64, f->i); break;
    case TR_F_BOOL: tr_sb_adds(sb, f->i ? "true" : "false"); break;
    case TR_F_TS: tr_format_ts(f->i, tmp); tr_sb_adds(sb, tmp); break;
    case TR_F_FILE: tr_sb_adds(sb, f->s ? f->s : ""); break;
    default: break;
    }
}

void tui_event_brief(const tr_event *e, tr_strbuf *sb)
{
    int depth = 0, first = 1;
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            depth--;
            continue;
        }
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST) {
            depth++;
            continue;
        }
        if (depth || !f->key || f->type == TR_F_FILE)
            continue;
        if (!first)
            tr_sb_addc(sb, ' ');
        first = 0;
        tr_sb_adds(sb, f->key);
        tr_sb_addc(sb, '=');
        value(f, sb);
    }
}

void tui_event_fields(const tr_event *e, tr_strbuf *sb)
{
    int depth = 0;
    for (int i = 0; i < e->nf; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            if (depth > 0)
                depth--;
            continue;
        }
        for (int d = 0; d < depth && d < 8; d++)
            tr_sb_add(sb, "  ", 2);
        tr_sb_adds(sb, f->key ? f->key : "-");
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST) {
            tr_sb_adds(sb, ":\n");
            depth++;
            continue;
        }
        tr_sb_adds(sb, ": ");
        value(f, sb);
        tr_sb_addc(sb, '\n');
    }
}
