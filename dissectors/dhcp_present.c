/* dhcp_present: how DHCP shows itself — a summary part per message (`DISCOVER aa:bb:cc:dd:ee:ff`,
 * `OFFER 10.0.0.5 → aa:bb:cc:dd:ee:ff`) and per lease (`ACK 10.0.0.5 → aa:bb:cc:dd:ee:ff (laptop)`), and in
 * transcripts the decoded message in place of its datagram's hex dump. */
#include <stdio.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"

/* ---- transcript notes ---- */

/* A field's value as text: scalars as they are, a list's items joined with ", ", an object as {key=value ...}. */
static void value_text(const tr_event *e, int i, tr_strbuf *sb)
{
    const tr_field *f = &e->f[i];
    if (f->type != TR_F_LIST && f->type != TR_F_OBJ) {
        tr_evr_value(e, i, sb);
        return;
    }
    int end = tr_ev_field_next(e, i), n = 0;
    if (f->type == TR_F_OBJ)
        tr_sb_addc(sb, '{');
    for (int k = i + 1; k < end - 1; k = tr_ev_field_next(e, k), n++) {
        if (n)
            tr_sb_adds(sb, f->type == TR_F_OBJ ? " " : ", ");
        if (e->f[k].key) {
            tr_sb_adds(sb, e->f[k].key);
            tr_sb_addc(sb, '=');
        }
        value_text(e, k, sb);
    }
    if (f->type == TR_F_OBJ)
        tr_sb_addc(sb, '}');
}

/* "DISCOVER xid 0x3903f326 aa:bb:cc:dd:ee:ff", then one line per other field ("  hostname: laptop"). */
static void message_note(const tr_event *e, tr_strbuf *text)
{
    int64_t xid = 0;
    tr_evr_add(e, "msg_type", text);
    tr_evr_int(e, "xid", &xid);
    tr_sb_printf(text, " xid 0x%08x", (unsigned)xid);
    if (tr_evr_field(e, "client_mac")) {
        tr_sb_addc(text, ' ');
        tr_evr_add(e, "client_mac", text);
    }
    for (int i = 0; i < e->nf; i = tr_ev_field_next(e, i)) {
        const tr_field *f = &e->f[i];
        if (f->top || !f->key || strcmp(f->key, "msg_type") == 0 || strcmp(f->key, "xid") == 0 ||
            strcmp(f->key, "client_mac") == 0)
            continue;
        tr_sb_adds(text, "\n  ");
        tr_sb_adds(text, f->key);
        tr_sb_adds(text, ": ");
        value_text(e, i, text);
    }
}

static int dhcp_note(const tr_event *e, tr_strbuf *text)
{
    if (strcmp(e->type, "message") == 0) {
        message_note(e, text);
        return e->dir == TR_NODIR ? TR_TX_NOTE : TR_TX_DECODED;
    }
    if (strcmp(e->type, "lease") == 0) {
        static const char *const parts[] = {"[lease ", "ip", " to ", "client_mac", " from ", "server_id", NULL};
        tr_evr_parts(e, parts, text);
        if (tr_evr_field(e, "lease_time")) {
            tr_sb_adds(text, " for ");
            tr_evr_add(e, "lease_time", text);
            tr_sb_adds(text, " s");
        }
        int offers = tr_evr_find(e, 0, e->nf, "offers");
        if (offers >= 0) {
            tr_sb_adds(text, "; offers: ");
            value_text(e, offers, text);
        }
        tr_sb_addc(text, ']');
        return TR_TX_NOTE;
    }
    return -1;
}

/* ---- the summary ---- */

static void add_hostname(const tr_event *e, tr_strbuf *sb)
{
    if (!tr_evr_field(e, "hostname"))
        return;
    tr_sb_adds(sb, " (");
    tr_evr_add(e, "hostname", sb);
    tr_sb_addc(sb, ')');
}

/* "DISCOVER aa:bb:..", "OFFER 10.0.0.5 → aa:bb:..", "REQUEST 10.0.0.5 aa:bb:.. (laptop)"; an ACK that binds an
 * address is left to its lease ("ACK 10.0.0.5 → aa:bb:.. (laptop)"), which knows the client's hostname. */
static int dhcp_summary(const tr_event *e, const tr_summary *s)
{
    if (strcmp(e->type, "lease") == 0) {
        tr_sb_adds(s->ask, "ACK ");
        tr_evr_add(e, "ip", s->ask);
        tr_sb_adds(s->ask, " \xe2\x86\x92 ");
        if (!tr_evr_add(e, "client_mac", s->ask))
            tr_sb_addc(s->ask, '-');
        add_hostname(e, s->ask);
        return TR_SUM_PART;
    }
    if (strcmp(e->type, "message") != 0)
        return TR_SUM_NONE;
    int reply = tr_evr_is(e, "msg_type", "OFFER") || tr_evr_is(e, "msg_type", "ACK") ||
                tr_evr_is(e, "msg_type", "NAK") || tr_evr_is(e, "op", "reply");
    if (tr_evr_is(e, "msg_type", "ACK") && tr_evr_field(e, "yiaddr"))
        return TR_SUM_NONE;
    tr_evr_add(e, "msg_type", s->ask);
    tr_sb_addc(s->ask, ' ');
    if (reply) {
        if (tr_evr_add(e, "yiaddr", s->ask))
            tr_sb_addc(s->ask, ' ');
        tr_sb_adds(s->ask, "\xe2\x86\x92 ");
    } else if (tr_evr_add(e, "requested_ip", s->ask) || tr_evr_add(e, "ciaddr", s->ask)) {
        tr_sb_addc(s->ask, ' ');
    }
    if (!tr_evr_add(e, "client_mac", s->ask))
        tr_sb_addc(s->ask, '-');
    add_hostname(e, s->ask);
    return TR_SUM_PART;
}

const tr_presenter dhcp_present = {
    .summary = dhcp_summary,
    .transcript_mode = TR_TXM_DATAGRAMS,
    .transcript_note = dhcp_note,
};

/* ---- the views: a lease names its client (hostname, vendor class, MAC) and is a row of the Leases tab ---- */

static const char *const lease_columns[] = {"time",     "client_mac",   "ip",     "server_id", "lease_time",
                                            "hostname", "vendor_class", "offers", "exchange",  "session", NULL};
static const tr_view_table dhcp_tables[] = {
    {"Leases", lease_columns, "leases.jsonl", (1u << 4) | (1u << 9), 1u << 0},
    {NULL, NULL, NULL, 0, 0},
};

/* A string field as a NUL-terminated copy (cut at cap). */
static const char *field_text(const tr_event *e, const char *key, char *out, size_t cap)
{
    const char *s;
    size_t n;
    if (!tr_evr_str(e, key, &s, &n))
        return NULL;
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
    return out;
}

static void dhcp_view_event(const tr_event *e, const tr_view_out *out)
{
    if (strcmp(e->type, "lease") != 0)
        return;
    char mac[32], ip_text[48], server[48], host[256], vendor[256], offers[512] = "", exchange[256] = "", when[32],
        lease[24], session[24];
    tr_ip ip;
    int have_ip = field_text(e, "ip", ip_text, sizeof ip_text) && tr_view_parse_ip(ip_text, strlen(ip_text), &ip);
    const char *m = field_text(e, "client_mac", mac, sizeof mac), *h = field_text(e, "hostname", host, sizeof host),
               *vc = field_text(e, "vendor_class", vendor, sizeof vendor);
    if (have_ip) {
        if (m)
            out->host(out, &ip, TR_HOST_MAC, m, strlen(m), "dhcp");
        if (h)
            out->host(out, &ip, TR_HOST_NAME, h, strlen(h), "dhcp hostname");
        if (vc)
            out->host(out, &ip, TR_HOST_CLIENT, vc, strlen(vc), "dhcp vendor class");
    }
    /* offers: "10.99.0.3 offered 10.99.0.219, ..."; exchange: "DISCOVER OFFER REQUEST ACK" */
    size_t o = 0;
    int list = tr_evr_find(e, 0, e->nf, "offers");
    if (list >= 0 && e->f[list].type == TR_F_LIST)
        for (int i = list + 1, end = tr_ev_field_next(e, list); i < end - 1; i = tr_ev_field_next(e, i)) {
            int rec_end = tr_ev_field_next(e, i);
            int sid = tr_evr_find(e, i + 1, rec_end, "server_id"), yi = tr_evr_find(e, i + 1, rec_end, "yiaddr");
            if (e->f[i].type != TR_F_OBJ || sid < 0 || yi < 0 || o + 128 > sizeof offers)
                continue;
            o += (size_t)snprintf(offers + o, sizeof offers - o, "%s%.*s offered %.*s", o ? ", " : "",
                                  (int)e->f[sid].n, e->f[sid].s, (int)e->f[yi].n, e->f[yi].s);
        }
    o = 0;
    list = tr_evr_find(e, 0, e->nf, "exchange");
    if (list >= 0 && e->f[list].type == TR_F_LIST)
        for (int i = list + 1, end = tr_ev_field_next(e, list); i < end - 1; i++)
            if (e->f[i].type == TR_F_STR && o + e->f[i].n + 2 < sizeof exchange)
                o += (size_t)snprintf(exchange + o, sizeof exchange - o, "%s%.*s", o ? " " : "", (int)e->f[i].n,
                                      e->f[i].s);
    int64_t lt = 0;
    int has_lt = tr_evr_int(e, "lease_time", &lt);
    snprintf(lease, sizeof lease, "%lld", (long long)lt);
    snprintf(when, sizeof when, "%lld.%06lld", (long long)(e->ts_us / 1000000), (long long)(e->ts_us % 1000000));
    snprintf(session, sizeof session, "%llu", (unsigned long long)(e->session ? e->session->id : 0));
    const char *cells[] = {when, m, have_ip ? ip_text : NULL, field_text(e, "server_id", server, sizeof server),
                           has_lt ? lease : NULL, h, vc, offers, exchange, session};
    char key[160];
    snprintf(key, sizeof key, "%s|%s|%s", m ? m : "", ip_text, cells[3] ? server : "");
    out->row(out, &dhcp_tables[0], key, cells);
}

const tr_viewer dhcp_view = {.event = dhcp_view_event, .tables = dhcp_tables};
