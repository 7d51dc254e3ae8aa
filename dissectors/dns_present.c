/* dns_present: how DNS shows itself — a query and its answer as one summary part (`A? example.org → 93.184.216.34`)
 * and, in transcripts, decoded lines in place of the datagrams they decode (`query A example.org`,
 * `answer NOERROR example.org A 300 93.184.216.34`). */
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"

/* ---- transcript notes ---- */

/* One line per record of the list `key`: "<label> [rcode ]name type data". */
static int records(const tr_event *e, const char *key, const char *label, int rcode, tr_strbuf *sb)
{
    int list = tr_evr_find(e, 0, e->nf, key);
    if (list < 0 || e->f[list].type != TR_F_LIST)
        return 0;
    int lines = 0, end = tr_ev_field_next(e, list);
    for (int i = list + 1; i < end - 1; i = tr_ev_field_next(e, i)) {
        if (e->f[i].type != TR_F_OBJ)
            continue;
        int rec_end = tr_ev_field_next(e, i);
        if (sb->len)
            tr_sb_addc(sb, '\n');
        tr_sb_adds(sb, label);
        tr_sb_addc(sb, ' ');
        if (rcode >= 0) {
            tr_evr_value(e, rcode, sb);
            tr_sb_addc(sb, ' ');
        }
        tr_evr_value(e, tr_evr_find(e, i + 1, rec_end, "name"), sb);
        tr_sb_addc(sb, ' ');
        tr_evr_value(e, tr_evr_find(e, i + 1, rec_end, "type"), sb);
        tr_sb_addc(sb, ' ');
        tr_evr_value(e, tr_evr_find(e, i + 1, rec_end, "data"), sb);
        lines++;
    }
    return lines;
}

static int dns_note(const tr_event *e, tr_strbuf *text)
{
    int decoded = e->dir == TR_NODIR ? TR_TX_NOTE : TR_TX_DECODED;
    if (strcmp(e->type, "query") == 0) {
        static const char *const parts[] = {"query ", "qtype", " ", "qname", NULL};
        tr_evr_parts(e, parts, text);
        return decoded;
    }
    if (strcmp(e->type, "answer") == 0) {
        int rcode = tr_evr_find(e, 0, e->nf, "rcode");
        if (!records(e, "answers", "answer", rcode, text)) {
            static const char *const parts[] = {"answer ", "rcode", " ", "qname", " ", "qtype", " (no answer records)",
                                                NULL};
            tr_evr_parts(e, parts, text);
        }
        records(e, "authorities", "authority", -1, text);
        records(e, "additionals", "additional", -1, text);
        return decoded;
    }
    if (strcmp(e->type, "unanswered") == 0) {
        static const char *const parts[] = {"[unanswered query ", "qtype", " ", "qname", "]", NULL};
        tr_evr_parts(e, parts, text);
        return TR_TX_NOTE;
    }
    return -1;
}

/* ---- the summary ---- */

/* The `data` of the first record in `answers`, preferring one of type qtype. */
static int first_answer(const tr_event *e, const char *qtype, size_t qtype_len, tr_strbuf *out)
{
    int list = tr_evr_find(e, 0, e->nf, "answers");
    if (list < 0 || e->f[list].type != TR_F_LIST)
        return 0;
    int chosen = -1, end = tr_ev_field_next(e, list);
    for (int i = list + 1; i < end - 1; i = tr_ev_field_next(e, i)) {
        if (e->f[i].type != TR_F_OBJ)
            continue;
        int rec_end = tr_ev_field_next(e, i);
        int type = tr_evr_find(e, i + 1, rec_end, "type"), data = tr_evr_find(e, i + 1, rec_end, "data");
        if (data < 0 || e->f[data].type != TR_F_STR)
            continue;
        int match = type >= 0 && e->f[type].type == TR_F_STR && qtype && e->f[type].n == qtype_len &&
                    memcmp(e->f[type].s, qtype, qtype_len) == 0;
        if (match || chosen < 0)
            chosen = data;
        if (match)
            break;
    }
    if (chosen < 0)
        return 0;
    tr_evr_value(e, chosen, out);
    return 1;
}

/* "A? example.org", answered by "93.184.216.34", "NXDOMAIN", "no answer" or "unanswered". */
static int dns_summary(const tr_event *e, const tr_summary *s)
{
    int query = strcmp(e->type, "query") == 0, answer = strcmp(e->type, "answer") == 0;
    if (!query && !answer && strcmp(e->type, "unanswered") != 0)
        return TR_SUM_NONE;
    const char *qtype = "?";
    size_t qtype_len = 1;
    tr_evr_str(e, "qtype", &qtype, &qtype_len);
    tr_sb_add(s->ask, qtype, qtype_len);
    tr_sb_adds(s->ask, "? ");
    tr_evr_add(e, "qname", s->ask);
    if (query)
        return TR_SUM_ASK;
    if (!answer)
        tr_sb_adds(s->answer, "unanswered");
    else if (tr_evr_field(e, "rcode") && !tr_evr_is(e, "rcode", "NOERROR") && tr_evr_field(e, "rcode")->type == TR_F_STR)
        tr_evr_add(e, "rcode", s->answer);
    else if (!first_answer(e, qtype, qtype_len, s->answer))
        tr_sb_adds(s->answer, "no answer");
    return TR_SUM_ANSWER;
}

const tr_presenter dns_present = {
    .summary = dns_summary,
    .transcript_mode = TR_TXM_DATAGRAMS,
    .transcript_note = dns_note,
};

/* ---- the views: the names an answer gives addresses (A and AAAA records, and the name asked for) ---- */

static void dns_view_event(const tr_event *e, const tr_view_out *out)
{
    if (strcmp(e->type, "answer") != 0)
        return;
    int list = tr_evr_find(e, 0, e->nf, "answers");
    if (list < 0 || e->f[list].type != TR_F_LIST)
        return;
    const char *qname = NULL;
    size_t qlen = 0;
    tr_evr_str(e, "qname", &qname, &qlen);
    int end = tr_ev_field_next(e, list);
    for (int i = list + 1; i < end - 1; i = tr_ev_field_next(e, i)) {
        if (e->f[i].type != TR_F_OBJ)
            continue;
        int rec_end = tr_ev_field_next(e, i);
        int type = tr_evr_find(e, i + 1, rec_end, "type"), data = tr_evr_find(e, i + 1, rec_end, "data"),
            name = tr_evr_find(e, i + 1, rec_end, "name");
        if (type < 0 || data < 0 || name < 0 || e->f[type].type != TR_F_STR || e->f[data].type != TR_F_STR ||
            e->f[name].type != TR_F_STR)
            continue;
        const tr_field *t = &e->f[type];
        if (!((t->n == 1 && t->s[0] == 'A') || (t->n == 4 && memcmp(t->s, "AAAA", 4) == 0)))
            continue;
        tr_ip ip;
        if (!tr_view_parse_ip(e->f[data].s, e->f[data].n, &ip))
            continue;
        out->host(out, &ip, TR_HOST_NAME, e->f[name].s, e->f[name].n, "dns answer");
        if (qname && qlen && (qlen != e->f[name].n || memcmp(qname, e->f[name].s, qlen) != 0))
            out->host(out, &ip, TR_HOST_NAME, qname, qlen, "dns answer"); /* the name asked, through a CNAME */
    }
}

const tr_viewer dns_view = {.event = dns_view_event};
