#include "tr_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_hash.h"
#include "../core/tr_session.h"
#include "tr_time.h"

void tr_format_ts(int64_t ts_us, char out[32])
{
    int64_t sec = ts_us / 1000000, usec = ts_us % 1000000;
    if (usec < 0) {
        usec += 1000000;
        sec--;
    }
    /* "%" PRId64 ".%06" PRId64 without snprintf: every event has a timestamp */
    char tmp[24];
    size_t i = sizeof tmp, w = 0;
    uint64_t u = sec < 0 ? (uint64_t)0 - (uint64_t)sec : (uint64_t)sec;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (sec < 0)
        out[w++] = '-';
    memcpy(out + w, tmp + i, sizeof tmp - i);
    w += sizeof tmp - i;
    out[w++] = '.';
    for (int k = 5; k >= 0; k--, usec /= 10)
        out[w + (size_t)k] = (char)('0' + usec % 10);
    out[w + 6] = '\0';
}

static void json_key(tr_strbuf *sb, const char *key, int *first)
{
    if (!*first)
        tr_sb_addc(sb, ',');
    *first = 0;
    if (key) {
        tr_sb_addc(sb, '"');
        tr_sb_adds(sb, key);
        tr_sb_add(sb, "\":", 2);
    }
}

/* A digest field's value: a hole (placeholder digits, recorded with the field's start) when the caller keeps
 * holes and one may be made here, else the digest waited for now. Returns 0 when there is no digest to write
 * (hashing failed): the field is then left out. Call before writing the key; write_value after it. */
static int digest_begin(const tr_field *f, int hole_ok, tr_digest_holes *holes, const tr_strbuf *sb,
                        char hex[2 * TR_HASH_DIGEST_LEN + 1])
{
    if (holes && hole_ok && holes->n < TR_FORMAT_HOLES_MAX) {
        tr_digest_hole *h = &holes->at[holes->n++];
        h->start = sb->len;
        h->ticket = (uint64_t)f->i;
        hex[0] = '\0';
        return 1;
    }
    return tr_hash_ticket_hex((uint64_t)f->i, hex);
}

/* The value after the key: the hex, or the placeholder of the hole digest_begin recorded. */
static void digest_value(const char *hex, tr_digest_holes *holes, tr_strbuf *sb, int quoted)
{
    if (quoted)
        tr_sb_addc(sb, '"');
    if (hex[0]) {
        tr_sb_adds(sb, hex);
    } else {
        tr_digest_hole *h = &holes->at[holes->n - 1];
        h->hex_at = sb->len;
        for (int k = 0; k < 2 * TR_HASH_DIGEST_LEN; k++)
            tr_sb_addc(sb, '0');
    }
    if (quoted)
        tr_sb_addc(sb, '"');
    if (!hex[0])
        holes->at[holes->n - 1].end = sb->len;
}

/* Writes fields [i, ...) whose top flag equals `top` until the matching END or the end;
 * returns the index after what it wrote. `first` tracks commas at this nesting level. */
static int json_fields(const tr_event *e, int i, int top, int with_files, tr_strbuf *sb, int *first,
                       tr_digest_holes *holes)
{
    while (i < e->nf) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END)
            return i + 1;
        if (f->top != top) {
            i = tr_ev_field_next(e, i); /* skip a whole subtree of the other kind */
            continue;
        }
        switch (f->type) {
        case TR_F_STR:
            json_key(sb, f->key, first);
            tr_sb_addc(sb, '"');
            tr_sb_json_str(sb, (const uint8_t *)f->s, f->n);
            tr_sb_addc(sb, '"');
            i++;
            break;
        case TR_F_FILE:
            if (with_files) {
                json_key(sb, f->key, first);
                tr_sb_addc(sb, '"');
                tr_sb_json_str(sb, (const uint8_t *)f->s, f->n);
                tr_sb_addc(sb, '"');
            }
            i++;
            break;
        case TR_F_INT:
            json_key(sb, f->key, first);
            tr_sb_add_i64(sb, f->i);
            i++;
            break;
        case TR_F_TS: {
            char ts[32];
            tr_format_ts(f->i, ts);
            json_key(sb, f->key, first);
            tr_sb_adds(sb, ts);
            i++;
            break;
        }
        case TR_F_DIGEST: { /* a hole only after a comma: cutting `,"key":"..."` leaves valid JSON */
            char hex[2 * TR_HASH_DIGEST_LEN + 1];
            if (digest_begin(f, !*first, holes, sb, hex)) {
                json_key(sb, f->key, first);
                digest_value(hex, holes, sb, 1);
            }
            i++;
            break;
        }
        case TR_F_BOOL:
            json_key(sb, f->key, first);
            tr_sb_adds(sb, f->i ? "true" : "false");
            i++;
            break;
        case TR_F_OBJ:
        case TR_F_LIST: {
            json_key(sb, f->key, first);
            int is_obj = f->type == TR_F_OBJ;
            tr_sb_addc(sb, is_obj ? '{' : '[');
            int inner_first = 1;
            i = json_fields(e, i + 1, top, with_files, sb, &inner_first, holes);
            tr_sb_addc(sb, is_obj ? '}' : ']');
            break;
        }
        default:
            i++;
        }
    }
    return i;
}

static int has_proto_fields(const tr_event *e, int with_files)
{
    for (int i = 0; i < e->nf; i++)
        if (!e->f[i].top && e->f[i].type != TR_F_END && (with_files || e->f[i].type != TR_F_FILE))
            return 1;
    return 0;
}

void tr_format_json(const tr_event *e, int with_files, tr_strbuf *sb) { tr_format_json_holes(e, with_files, sb, NULL); }

void tr_format_json_holes(const tr_event *e, int with_files, tr_strbuf *sb, tr_digest_holes *holes)
{
    char ts[32], ip[TR_IP_STRLEN];
    const tr_session *s = e->session;
    tr_format_ts(e->ts_us, ts);
    tr_sb_add(sb, "{\"ts\":", 6);
    tr_sb_adds(sb, ts);
    tr_sb_add(sb, ",\"session\":", 11);
    tr_sb_add_u64(sb, s ? s->id : 0);
    tr_sb_add(sb, ",\"proto\":\"", 10);
    tr_sb_adds(sb, e->proto);
    tr_sb_add(sb, "\",\"type\":\"", 10);
    tr_sb_adds(sb, e->type);
    tr_sb_addc(sb, '"');
    if (s) {
        tr_sb_adds(sb, s->l4 == TR_UDP ? ",\"transport\":\"udp\"" : ",\"transport\":\"tcp\"");
        tr_sb_adds(sb, ",\"client_ip\":\"");
        tr_sb_adds(sb, tr_ip_format(&s->client.ip, ip));
        tr_sb_adds(sb, "\",\"client_port\":");
        tr_sb_add_u64(sb, s->client.port);
        tr_sb_adds(sb, ",\"server_ip\":\"");
        tr_sb_adds(sb, tr_ip_format(&s->server.ip, ip));
        tr_sb_adds(sb, "\",\"server_port\":");
        tr_sb_add_u64(sb, s->server.port);
    }
    if (e->dir == TR_C2S)
        tr_sb_adds(sb, ",\"dir\":\"c2s\"");
    else if (e->dir == TR_S2C)
        tr_sb_adds(sb, ",\"dir\":\"s2c\"");
    int first = 0;
    json_fields(e, 0, 1, with_files, sb, &first, holes);
    if (has_proto_fields(e, with_files)) {
        tr_sb_add(sb, ",\"", 2);
        tr_sb_adds(sb, e->proto);
        tr_sb_add(sb, "\":{", 3);
        int inner_first = 1;
        json_fields(e, 0, 0, with_files, sb, &inner_first, holes);
        tr_sb_addc(sb, '}');
    }
    tr_sb_add(sb, "}\n", 2);
}

/* Text: `ts #session proto type dir client -> server  key=value ...`; nested values in JSON form. */
static void text_fields(const tr_event *e, tr_strbuf *sb, tr_digest_holes *holes)
{
    int i = 0;
    while (i < e->nf) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END || f->type == TR_F_FILE) {
            i++;
            continue;
        }
        if (f->type == TR_F_DIGEST) { /* ` key=hex`, a hole to fill later, or nothing without a digest */
            char hex[2 * TR_HASH_DIGEST_LEN + 1];
            if (digest_begin(f, 1, holes, sb, hex)) {
                tr_sb_addc(sb, ' ');
                tr_sb_adds(sb, f->key ? f->key : "");
                tr_sb_addc(sb, '=');
                digest_value(hex, holes, sb, 0);
            }
            i++;
            continue;
        }
        tr_sb_addc(sb, ' ');
        if (f->key) {
            tr_sb_adds(sb, f->key);
            tr_sb_addc(sb, '=');
        }
        if (f->type == TR_F_STR) {
            int plain = f->n > 0;
            for (size_t k = 0; k < f->n && plain; k++)
                if (f->s[k] == ' ' || f->s[k] == '"' || (unsigned char)f->s[k] < 0x20)
                    plain = 0;
            if (plain)
                tr_sb_json_str(sb, (const uint8_t *)f->s, f->n);
            else {
                tr_sb_addc(sb, '"');
                tr_sb_json_str(sb, (const uint8_t *)f->s, f->n);
                tr_sb_addc(sb, '"');
            }
            i++;
        } else if (f->type == TR_F_INT) {
            tr_sb_add_i64(sb, f->i);
            i++;
        } else if (f->type == TR_F_BOOL) {
            tr_sb_adds(sb, f->i ? "true" : "false");
            i++;
        } else if (f->type == TR_F_TS) { /* one token: 2019-11-12T08:40:15.982183 */
            char ts[TR_TIME_MAX];
            tr_time_full(f->i, ts);
            char *sp = strchr(ts, ' ');
            if (sp)
                *sp = 'T';
            tr_sb_adds(sb, ts);
            i++;
        } else {
            int is_obj = f->type == TR_F_OBJ, first = 1;
            tr_sb_addc(sb, is_obj ? '{' : '[');
            i = json_fields(e, i + 1, f->top, 0, sb, &first, NULL);
            tr_sb_addc(sb, is_obj ? '}' : ']');
        }
    }
}

void tr_format_text(const tr_event *e, tr_strbuf *sb) { tr_format_text_holes(e, sb, NULL); }

void tr_format_text_head(const tr_event *e, tr_strbuf *sb)
{
    char ts[TR_TIME_MAX], a[TR_IP_STRLEN], b[TR_IP_STRLEN];
    const tr_session *s = e->session;
    tr_time_full(e->ts_us, ts); /* as the run's --time says; JSON keeps epoch seconds */
    tr_sb_adds(sb, ts);
    tr_sb_add(sb, " #", 2);
    tr_sb_add_u64(sb, s ? s->id : 0);
    tr_sb_addc(sb, ' ');
    tr_sb_adds(sb, e->proto);
    tr_sb_addc(sb, ' ');
    tr_sb_adds(sb, e->type);
    if (s) {
        const tr_endpoint *from = &s->client, *to = &s->server;
        if (e->dir == TR_S2C) {
            from = &s->server;
            to = &s->client;
        }
        int v6 = s->client.ip.v == 6;
        tr_sb_adds(sb, v6 ? " [" : " ");
        tr_sb_adds(sb, tr_ip_format(&from->ip, a));
        tr_sb_adds(sb, v6 ? "]:" : ":");
        tr_sb_add_u64(sb, from->port);
        tr_sb_adds(sb, e->dir == TR_NODIR ? " <-> " : " -> ");
        tr_sb_adds(sb, v6 ? "[" : "");
        tr_sb_adds(sb, tr_ip_format(&to->ip, b));
        tr_sb_adds(sb, v6 ? "]:" : ":");
        tr_sb_add_u64(sb, to->port);
    }
}

void tr_format_text_holes(const tr_event *e, tr_strbuf *sb, tr_digest_holes *holes)
{
    tr_format_text_head(e, sb);
    text_fields(e, sb, holes);
    tr_sb_addc(sb, '\n');
}
