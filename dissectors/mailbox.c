#include "mailbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_hash.h"
#include "../core/tr_strbuf.h"
#include "mime_words.h"

#define FIELD 160 /* bytes kept of each header field listed */
#define NAMES 512 /* bytes kept of a message's attachment names, NUL-separated */

typedef struct mb_seen {
    uint64_t session;
    const char *proto;
    int64_t ts;
} mb_seen;

typedef struct mb_entry {
    char message_id[FIELD];
    char sha256[SHA256_HEX_LEN + 1];
    uint64_t ticket;            /* held until the end, when sha256 is not known yet */
    uint64_t size;
    uint8_t complete, partial;
    char date[64], from[FIELD], to[FIELD], cc[FIELD], subject[FIELD];
    char file[256];             /* the copy kept: its path in the export */
    char names[NAMES];
    uint16_t names_len;
    mb_seen seen[MAILBOX_SEEN_MAX];
    uint8_t nseen;
    uint32_t seen_more;
    uint8_t merged;             /* the same message as an earlier entry (found at the end, by SHA-256) */
} mb_entry;

typedef struct mailbox {
    mb_entry *e;
    size_t n, cap;
    uint64_t not_listed;
} mailbox;

static const char mailbox_key = 0; /* its address names the shared state */

static void field(const mime *m, int f, int decode, char *out, size_t cap)
{
    const char *v;
    size_t n;
    out[0] = '\0';
    if (!mail_header_get(&m->top, f, &v, &n))
        return;
    if (decode) {
        int undecoded = 0;
        mime_words_decode(v, n, out, cap, &undecoded);
        return;
    }
    snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), v);
}

/* Whether the new copy is a better one to keep than what the entry has. */
static int better(const mb_entry *e, const mailbox_message *mm)
{
    if (!mm->file || !mm->file[0])
        return 0;
    if (!e->file[0])
        return 1;
    if (e->partial != (mm->partial != 0))
        return e->partial; /* a whole message beats a part of it */
    return !e->complete && mm->complete;
}

static void keep_copy(mb_entry *e, const mailbox_message *mm)
{
    snprintf(e->file, sizeof e->file, "%s", mm->file);
    e->size = mm->size;
    e->complete = (uint8_t)(mm->complete != 0);
    e->partial = (uint8_t)(mm->partial != 0);
    if (e->ticket)
        tr_hash_ticket_release(e->ticket);
    e->ticket = 0;
    e->sha256[0] = '\0';
    if (mm->sha256 && mm->complete && !mm->partial) {
        snprintf(e->sha256, sizeof e->sha256, "%s", mm->sha256->hex);
        if (!e->sha256[0] && mm->sha256->ticket) {
            e->ticket = mm->sha256->ticket;
            tr_hash_ticket_hold(e->ticket);
        }
    }
    e->names_len = 0;
    for (uint32_t i = 0; i < mm->m->nleaves; i++) {
        const mime_leaf *l = &mm->m->leaves[i];
        size_t k = strlen(l->name) + 1;
        if (!l->attachment || e->names_len + k > sizeof e->names)
            continue;
        memcpy(e->names + e->names_len, l->name, k);
        e->names_len = (uint16_t)(e->names_len + k);
    }
}

static void seen_add(mb_entry *e, const mailbox_message *mm)
{
    for (int i = 0; i < e->nseen; i++)
        if (e->seen[i].session == mm->session)
            return; /* one session carried it twice (RETR then TOP): listed once */
    if (e->nseen == MAILBOX_SEEN_MAX) {
        e->seen_more++;
        return;
    }
    mb_seen *s = &e->seen[e->nseen++];
    s->session = mm->session;
    s->proto = mm->proto;
    s->ts = mm->ts;
}

static void finish(tr_ctx *ctx, void *state);

void mailbox_add(tr_ctx *ctx, const mailbox_message *mm)
{
    mailbox *b = tr_ctx_shared(ctx, &mailbox_key, sizeof(mailbox), finish);
    if (!b || !mm->m)
        return;
    char id[FIELD];
    field(mm->m, MF_MESSAGE_ID, 0, id, sizeof id);
    mb_entry *e = NULL;
    for (size_t i = 0; id[0] && i < b->n && !e; i++)
        if (strcmp(b->e[i].message_id, id) == 0)
            e = &b->e[i];
    if (!e && !id[0] && mm->sha256 && mm->sha256->hex[0]) /* no Message-ID: the same bytes are the same message */
        for (size_t i = 0; i < b->n && !e; i++)
            if (!b->e[i].message_id[0] && strcmp(b->e[i].sha256, mm->sha256->hex) == 0)
                e = &b->e[i];
    if (!e) {
        if (b->n == MAILBOX_MESSAGES_MAX) {
            b->not_listed++;
            return;
        }
        if (b->n == b->cap) {
            size_t cap = b->cap ? 2 * b->cap : 16;
            mb_entry *grown = realloc(b->e, cap * sizeof *grown);
            if (!grown)
                return;
            b->e = grown;
            b->cap = cap;
        }
        e = &b->e[b->n++];
        memset(e, 0, sizeof *e);
        snprintf(e->message_id, sizeof e->message_id, "%s", id);
        field(mm->m, MF_DATE, 0, e->date, sizeof e->date);
        field(mm->m, MF_FROM, 1, e->from, sizeof e->from);
        field(mm->m, MF_TO, 1, e->to, sizeof e->to);
        field(mm->m, MF_CC, 1, e->cc, sizeof e->cc);
        field(mm->m, MF_SUBJECT, 1, e->subject, sizeof e->subject);
        keep_copy(e, mm);
    } else if (better(e, mm)) {
        keep_copy(e, mm);
    }
    seen_add(e, mm);
}

/* ---- at the end: digests known, the same messages without a Message-ID merged, the folder written ---- */

/* "subject words" as a file name: letters, digits, '.', '-' and '_' kept, runs of anything else one '_'. */
static void slug(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    int gap = 0;
    for (; *s && k + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (keep) {
            if (gap && k)
                out[k++] = '_';
            if (k + 1 < cap)
                out[k++] = (char)c;
            gap = 0;
        } else {
            gap = 1;
        }
    }
    while (k && out[k - 1] == '.')
        k--;
    out[k] = '\0';
    if (!k)
        snprintf(out, cap, "message");
}

static void json_str(tr_strbuf *sb, const char *key, const char *v, int *first)
{
    if (!v[0])
        return;
    tr_sb_adds(sb, *first ? "\"" : ",\"");
    *first = 0;
    tr_sb_adds(sb, key);
    tr_sb_adds(sb, "\":\"");
    tr_sb_json_str(sb, (const uint8_t *)v, strlen(v));
    tr_sb_addc(sb, '"');
}

static void json_ts(tr_strbuf *sb, int64_t us)
{
    int64_t sec = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec--;
    }
    tr_sb_printf(sb, "%" PRId64 ".%06" PRId64, sec, frac);
}

static void finish(tr_ctx *ctx, void *state)
{
    mailbox *b = state;
    for (size_t i = 0; i < b->n; i++) { /* the digests the worker was computing */
        mb_entry *e = &b->e[i];
        if (e->ticket) {
            if (!tr_hash_ticket_hex(e->ticket, e->sha256))
                e->sha256[0] = '\0';
            tr_hash_ticket_release(e->ticket);
            e->ticket = 0;
        }
    }
    for (size_t i = 0; i < b->n; i++) /* without a Message-ID, an earlier entry of the same bytes is the message */
        for (size_t j = 0; j < i && !b->e[i].message_id[0] && b->e[i].sha256[0]; j++) {
            mb_entry *a = &b->e[j], *e = &b->e[i];
            if (a->merged || a->message_id[0] || strcmp(a->sha256, e->sha256) != 0)
                continue;
            for (int k = 0; k < e->nseen; k++) {
                if (a->nseen < MAILBOX_SEEN_MAX)
                    a->seen[a->nseen++] = e->seen[k];
                else
                    a->seen_more++;
            }
            e->merged = 1;
            break;
        }
    int index = tr_file_create(ctx, "mail/index.jsonl");
    uint64_t off = 0, no = 0;
    tr_strbuf sb;
    tr_sb_init(&sb, 1u << 20);
    for (size_t i = 0; i < b->n; i++) {
        mb_entry *e = &b->e[i];
        if (e->merged)
            continue;
        no++;
        char name[128] = "", base[64];
        if (e->file[0]) {
            slug(e->subject, base, sizeof base);
            snprintf(name, sizeof name, "mail/%06" PRIu64 "-%s.eml", no, base);
            if (tr_file_link(ctx, e->file, name) < 0)
                name[0] = '\0';
        }
        tr_sb_reset(&sb);
        int first = 1;
        tr_sb_addc(&sb, '{');
        json_str(&sb, "message_id", e->message_id, &first);
        json_str(&sb, "date", e->date, &first);
        json_str(&sb, "from", e->from, &first);
        json_str(&sb, "to", e->to, &first);
        json_str(&sb, "cc", e->cc, &first);
        json_str(&sb, "subject", e->subject, &first);
        tr_sb_printf(&sb, "%s\"size\":%" PRIu64, first ? "" : ",", e->size);
        first = 0;
        json_str(&sb, "sha256", e->sha256, &first);
        tr_sb_printf(&sb, ",\"complete\":%s,\"partial\":%s", e->complete ? "true" : "false",
                     e->partial ? "true" : "false");
        json_str(&sb, "file", name, &first);
        tr_sb_adds(&sb, ",\"attachments\":[");
        for (size_t k = 0, c = 0; k < e->names_len; k += strlen(e->names + k) + 1, c++) {
            tr_sb_adds(&sb, c ? ",\"" : "\"");
            tr_sb_json_str(&sb, (const uint8_t *)e->names + k, strlen(e->names + k));
            tr_sb_addc(&sb, '"');
        }
        tr_sb_adds(&sb, "],\"seen_in\":[");
        for (int k = 0; k < e->nseen; k++) {
            tr_sb_printf(&sb, "%s{\"session\":%" PRIu64 ",\"proto\":\"%s\",\"ts\":", k ? "," : "", e->seen[k].session,
                         e->seen[k].proto);
            json_ts(&sb, e->seen[k].ts);
            tr_sb_addc(&sb, '}');
        }
        tr_sb_addc(&sb, ']');
        if (e->seen_more)
            tr_sb_printf(&sb, ",\"seen_in_more\":%" PRIu32, e->seen_more);
        tr_sb_adds(&sb, "}\n");
        tr_file_write_at(ctx, index, off, (const uint8_t *)sb.p, sb.len);
        off += sb.len;
    }
    if (b->not_listed) {
        tr_sb_reset(&sb);
        tr_sb_printf(&sb, "{\"messages_not_listed\":%" PRIu64 "}\n", b->not_listed);
        tr_file_write_at(ctx, index, off, (const uint8_t *)sb.p, sb.len);
    }
    tr_file_end(ctx, index, 1);
    tr_sb_free(&sb);
    free(b->e);
}
