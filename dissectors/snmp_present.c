/* snmp_present: how SNMP shows itself — a request and its answer as one summary part (`get sysDescr.0 → "Linux
 * ..."`, `getnext sysDescr.0 → sysObjectID.0 = linux`, `set sysLocation.0 → notWritable`, `inform linkUp →
 * acknowledged`), a trap as `trap linkDown`, and in transcripts each message decoded in
 * place of its datagram: a header line, then a line per variable binding. */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "summary_parts.h"

#define SUMMARY_VALUE_MAX 60 /* bytes of a value in a summary */

/* ---- reading an event's variable bindings ---- */

/* The i-th (0-based) object of the list `varbinds`: its field index and the index past it; -1 when none. */
static int varbind(const tr_event *e, int which, int *end)
{
    int list = tr_evr_find(e, 0, e->nf, "varbinds");
    if (list < 0 || e->f[list].type != TR_F_LIST)
        return -1;
    int list_end = tr_ev_field_next(e, list), n = 0;
    for (int i = list + 1; i < list_end - 1; i = tr_ev_field_next(e, i)) {
        if (e->f[i].type != TR_F_OBJ)
            continue;
        if (n++ == which) {
            *end = tr_ev_field_next(e, i);
            return i;
        }
    }
    return -1;
}

static int count_varbinds(const tr_event *e)
{
    int end, n = 0;
    while (varbind(e, n, &end) >= 0)
        n++;
    return n;
}

/* A field of the object at [obj, end): its value appended; 0 when absent. */
static int add_member(const tr_event *e, int obj, int end, const char *key, tr_strbuf *sb)
{
    int f = tr_evr_find(e, obj + 1, end, key);
    if (f < 0)
        return 0;
    tr_evr_value(e, f, sb);
    return 1;
}

/* A variable binding's name, else its OID. */
static void add_varbind_name(const tr_event *e, int obj, int end, tr_strbuf *sb)
{
    if (!add_member(e, obj, end, "name", sb))
        add_member(e, obj, end, "oid", sb);
}

static int member_is(const tr_event *e, int obj, int end, const char *key, const char *word)
{
    int f = tr_evr_find(e, obj + 1, end, key);
    return f >= 0 && e->f[f].type == TR_F_STR && e->f[f].n == strlen(word) && memcmp(e->f[f].s, word, e->f[f].n) == 0;
}

/* A value as a summary shows it: text quoted and cut, an OID by its name, an exception by its type. */
static void add_short_value(const tr_event *e, int obj, int end, tr_strbuf *sb)
{
    int type = tr_evr_find(e, obj + 1, end, "type"), value = tr_evr_find(e, obj + 1, end, "value");
    if (value < 0) {
        if (type >= 0)
            tr_evr_value(e, type, sb);
        return;
    }
    if (member_is(e, obj, end, "type", "STRING")) {
        const tr_field *f = &e->f[value];
        size_t n = f->n;
        /* cut at a character boundary */
        if (n > SUMMARY_VALUE_MAX) {
            n = SUMMARY_VALUE_MAX;
            while (n && ((uint8_t)f->s[n] & 0xc0) == 0x80)
                n--;
        }
        tr_sb_addc(sb, '"');
        tr_sb_add(sb, f->s, n);
        tr_sb_adds(sb, n < f->n ? "...\"" : "\"");
        return;
    }
    if (add_member(e, obj, end, "value_name", sb))
        return;
    tr_evr_value(e, value, sb);
}

/* "get sysDescr.0", "getbulk ifDescr", with " +N" when more variable bindings follow the first. */
static const char *pdu_short(const tr_event *e, const char *key)
{
    static const struct { const char *pdu, *s; } names[] = {
        {"get-request", "get"},       {"get-next-request", "getnext"}, {"get-bulk-request", "getbulk"},
        {"set-request", "set"},       {"inform-request", "inform"},    {"get-response", "response"},
        {"trap", "trap"},             {"snmpV2-trap", "trap"},         {"report", "report"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (tr_evr_is(e, key, names[i].pdu))
            return names[i].s;
    return NULL;
}

static void add_question(const tr_event *e, const char *pdu_key, tr_strbuf *sb)
{
    const char *pdu = pdu_short(e, pdu_key);
    tr_sb_adds(sb, pdu ? pdu : "request");
    int end, first = varbind(e, 0, &end);
    if (first < 0)
        return;
    tr_sb_addc(sb, ' ');
    add_varbind_name(e, first, end, sb);
    int n = count_varbinds(e);
    if (n > 1)
        tr_sb_printf(sb, " +%d", n - 1);
}

static void add_trap(const tr_event *e, tr_strbuf *sb)
{
    if (!tr_evr_add(e, "trap_name", sb) && !tr_evr_add(e, "trap_oid", sb))
        tr_sb_adds(sb, "(encrypted)");
}

/* ---- the summary ---- */

static int snmp_summary(const tr_event *e, const tr_summary *s)
{
    int64_t retry = 0;
    tr_evr_int(e, "retry", &retry);
    if (strcmp(e->type, "request") == 0) {
        if (retry)
            return TR_SUM_NONE; /* the first copy asked already */
        if (tr_evr_is(e, "pdu", "inform-request")) {
            tr_sb_adds(s->ask, "inform ");
            add_trap(e, s->ask);
        } else if (!tr_evr_field(e, "pdu")) {
            tr_sb_adds(s->ask, "v3 request (encrypted)");
        } else {
            add_question(e, "pdu", s->ask);
        }
        return TR_SUM_ASK;
    }
    if (strcmp(e->type, "response") == 0) {
        if (retry)
            return TR_SUM_NONE;
        if (tr_evr_field(e, "request_pdu"))
            add_question(e, "request_pdu", s->ask);
        int end, first = varbind(e, 0, &end);
        if (!tr_evr_field(e, "pdu"))
            tr_sb_adds(s->answer, "(encrypted)");
        else if (tr_evr_is(e, "pdu", "report") && first >= 0) {
            tr_sb_adds(s->answer, "report ");
            add_varbind_name(e, first, end, s->answer);
        } else if (tr_evr_field(e, "error_status") && !tr_evr_is(e, "error_status", "noError"))
            tr_evr_add(e, "error_status", s->answer);
        else if (tr_evr_is(e, "request_pdu", "inform-request"))
            tr_sb_adds(s->answer, "acknowledged");
        else if (first >= 0 && (tr_evr_is(e, "request_pdu", "get-next-request") ||
                                tr_evr_is(e, "request_pdu", "get-bulk-request"))) {
            add_varbind_name(e, first, end, s->answer); /* a walk's answer names where it went */
            tr_sb_adds(s->answer, " = ");
            add_short_value(e, first, end, s->answer);
        } else if (first >= 0)
            add_short_value(e, first, end, s->answer);
        else
            tr_sb_adds(s->answer, "noError");
        return TR_SUM_ANSWER;
    }
    if (strcmp(e->type, "trap") == 0) {
        tr_sb_adds(s->ask, "trap ");
        add_trap(e, s->ask);
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "unanswered") == 0) {
        const char *pdu = pdu_short(e, "pdu");
        tr_sb_adds(s->ask, pdu ? pdu : "request");
        if (tr_evr_field(e, "name") || tr_evr_field(e, "oid")) {
            tr_sb_addc(s->ask, ' ');
            if (!tr_evr_add(e, "name", s->ask))
                tr_evr_add(e, "oid", s->ask);
        }
        tr_sb_adds(s->answer, "unanswered");
        return TR_SUM_ANSWER;
    }
    if (strcmp(e->type, "auth") == 0) {
        if (tr_evr_field(e, "user"))
            return summary_auth(e, s);
        int64_t ok = 1;
        tr_evr_int(e, "success", &ok);
        tr_sb_adds(s->ask, "community ");
        tr_evr_add(e, "community", s->ask);
        if (!ok)
            tr_sb_adds(s->ask, " (failed)");
        return TR_SUM_PART;
    }
    return TR_SUM_NONE;
}

/* ---- transcript notes ---- */

/* "get-request v2c public id 1234", "get-response v3 alice id 1234 msg 88 notWritable at 1", then a line per
 * variable binding: "  sysDescr.0 1.3.6.1.2.1.1.1.0 = STRING Linux ...". */
static void message_note(const tr_event *e, tr_strbuf *text)
{
    if (!tr_evr_add(e, "pdu", text))
        tr_sb_adds(text, strcmp(e->type, "request") == 0 ? "request" : strcmp(e->type, "trap") == 0 ? "trap" : "response");
    tr_sb_adds(text, " v");
    tr_evr_add(e, "version", text);
    const char *who;
    size_t who_len;
    if ((tr_evr_str(e, "community", &who, &who_len) || tr_evr_str(e, "user", &who, &who_len)) && who_len) {
        tr_sb_addc(text, ' ');
        tr_sb_add(text, who, who_len);
    }
    if (tr_evr_field(e, "request_id")) {
        tr_sb_adds(text, " id ");
        tr_evr_add(e, "request_id", text);
    }
    if (tr_evr_field(e, "msg_id")) {
        tr_sb_adds(text, " msg ");
        tr_evr_add(e, "msg_id", text);
    }
    static const char *const flags[] = {"retry", "encrypted", "decrypted", "discovery", NULL};
    for (int i = 0; flags[i]; i++) {
        int64_t v = 0;
        if (tr_evr_int(e, flags[i], &v) && v) {
            tr_sb_addc(text, ' ');
            tr_sb_adds(text, flags[i]);
        }
    }
    int64_t digest = 1;
    if (tr_evr_int(e, "digest_valid", &digest) && !digest)
        tr_sb_adds(text, " wrong-digest");
    if (tr_evr_field(e, "error_status") && !tr_evr_is(e, "error_status", "noError")) {
        tr_sb_addc(text, ' ');
        tr_evr_add(e, "error_status", text);
        if (tr_evr_field(e, "error_index")) {
            tr_sb_adds(text, " at ");
            tr_evr_add(e, "error_index", text);
        }
    }
    if (tr_evr_field(e, "non_repeaters")) {
        static const char *const parts[] = {" non-repeaters ", "non_repeaters", " max-repetitions ", "max_repetitions",
                                            NULL};
        tr_evr_parts(e, parts, text);
    }
    if (tr_evr_field(e, "trap_oid") || tr_evr_field(e, "generic_trap")) {
        tr_sb_adds(text, "\n  trap ");
        add_trap(e, text);
        if (tr_evr_field(e, "uptime")) {
            tr_sb_adds(text, " uptime ");
            tr_evr_add(e, "uptime", text);
        }
        if (tr_evr_field(e, "agent_addr")) {
            tr_sb_adds(text, " agent ");
            tr_evr_add(e, "agent_addr", text);
        }
    }
    int end;
    for (int k = 0, v; (v = varbind(e, k, &end)) >= 0; k++) {
        tr_sb_adds(text, "\n  ");
        add_varbind_name(e, v, end, text);
        if (tr_evr_find(e, v + 1, end, "name") >= 0) {
            tr_sb_addc(text, ' ');
            add_member(e, v, end, "oid", text);
        }
        if (member_is(e, v, end, "type", "NULL") && strcmp(e->type, "request") == 0)
            continue; /* a request's placeholder value */
        tr_sb_adds(text, " = ");
        add_member(e, v, end, "type", text);
        if (tr_evr_find(e, v + 1, end, "value") >= 0) {
            tr_sb_addc(text, ' ');
            add_member(e, v, end, "value", text);
        }
        if (tr_evr_find(e, v + 1, end, "value_name") >= 0) {
            tr_sb_adds(text, " (");
            add_member(e, v, end, "value_name", text);
            tr_sb_addc(text, ')');
        }
    }
    if (tr_evr_field(e, "varbinds_omitted")) {
        tr_sb_adds(text, "\n  [");
        tr_evr_add(e, "varbinds_omitted", text);
        tr_sb_adds(text, " more variable bindings not listed]");
    }
}

static int snmp_note(const tr_event *e, tr_strbuf *text)
{
    if (strcmp(e->type, "request") == 0 || strcmp(e->type, "response") == 0 || strcmp(e->type, "trap") == 0) {
        message_note(e, text);
        return e->dir == TR_NODIR ? TR_TX_NOTE : TR_TX_DECODED;
    }
    if (strcmp(e->type, "auth") == 0) {
        int64_t ok = 0;
        tr_evr_int(e, "success", &ok);
        tr_sb_adds(text, tr_evr_field(e, "user") ? "[auth user " : "[auth community ");
        if (!tr_evr_add(e, "user", text))
            tr_evr_add(e, "community", text);
        tr_sb_adds(text, ok ? ": accepted]" : ": not accepted]");
        return TR_TX_NOTE;
    }
    if (strcmp(e->type, "unanswered") == 0) {
        static const char *const parts[] = {"[unanswered ", "pdu", " id ", "request_id", NULL};
        if (tr_evr_field(e, "request_id"))
            tr_evr_parts(e, parts, text);
        else {
            tr_sb_adds(text, "[unanswered request msg ");
            tr_evr_add(e, "msg_id", text);
        }
        if (tr_evr_field(e, "name") || tr_evr_field(e, "oid")) {
            tr_sb_addc(text, ' ');
            if (!tr_evr_add(e, "name", text))
                tr_evr_add(e, "oid", text);
        }
        tr_sb_addc(text, ']');
        return TR_TX_NOTE;
    }
    return -1;
}

const tr_presenter snmp_present = {
    .summary = snmp_summary,
    .transcript_mode = TR_TXM_DATAGRAMS,
    .transcript_note = snmp_note,
};

/* ---- the views: a community or user as a credential; an agent's sysDescr and sysName ---- */

static void snmp_view_event(const tr_event *e, const tr_view_out *out)
{
    if (strcmp(e->type, "auth") == 0) {
        tr_view_cred c = {.success = -1};
        int64_t ok;
        if (tr_evr_int(e, "success", &ok))
            c.success = ok != 0;
        if (tr_evr_str(e, "community", &c.password, &c.password_len)) {
            c.mechanism = "community"; /* v1 and v2c: the community is the password, no user */
        } else {
            tr_evr_str(e, "user", &c.user, &c.user_len);
            c.mechanism = "USM"; /* v3: the user; the password never crosses the wire */
        }
        out->credential(out, &c);
        return;
    }
    if (strcmp(e->type, "response") != 0 || !e->session)
        return;
    /* an agent answering about itself: the session's server for a get, the client for a trap is not read here */
    int end;
    for (int k = 0, i; (i = varbind(e, k, &end)) >= 0 && k < 64; k++) {
        int name = tr_evr_find(e, i + 1, end, "name"), value = tr_evr_find(e, i + 1, end, "value"),
            type = tr_evr_find(e, i + 1, end, "type");
        if (name < 0 || value < 0 || type < 0 || e->f[value].type != TR_F_STR || e->f[type].n != 6 ||
            memcmp(e->f[type].s, "STRING", 6) != 0)
            continue;
        const tr_field *nf = &e->f[name];
        if (nf->n == 10 && memcmp(nf->s, "sysDescr.0", 10) == 0)
            out->host(out, tr_view_server_ip(e), TR_HOST_CLIENT, e->f[value].s, e->f[value].n, "snmp sysDescr");
        else if (nf->n == 9 && memcmp(nf->s, "sysName.0", 9) == 0)
            out->host(out, tr_view_server_ip(e), TR_HOST_NAME, e->f[value].s, e->f[value].n, "snmp sysName");
    }
}

const tr_viewer snmp_view = {.event = snmp_view_event};
