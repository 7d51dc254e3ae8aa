#include "event_counts.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_event_read.h"
#include "../core/tr_strbuf.h"

#define KINDS_MAX 128      /* distinct (protocol, type) pairs; past it, counted as "other" */
#define FIELDS_MAX 64      /* counted fields of all dissectors */
#define VALUES_MAX 32      /* distinct values kept per field: past it, the least counted one makes room (its count
                              goes to "others"), so the most frequent values stay (space-saving) */
#define VALUE_LEN 40

typedef struct kind_count {
    char proto[24], type[24];
    const char *proto_at, *type_at; /* the names' addresses when first counted: events name them by literals */
    uint64_t n;
} kind_count;

typedef struct value_count {
    char v[VALUE_LEN];
    uint64_t n;
} value_count;

typedef struct field_count {
    const tr_dissector *dis;
    const tr_stat_field *sf;
    value_count values[VALUES_MAX];
    int nvalues;
    uint64_t other; /* values past VALUES_MAX distinct ones */
} field_count;

struct event_counts {
    kind_count kinds[KINDS_MAX];
    int nkinds;
    uint64_t other_kinds;
    field_count fields[FIELDS_MAX];
    int nfields;
};

event_counts *event_counts_new(void)
{
    event_counts *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (int i = 0; tr_dissectors[i]; i++)
        for (const tr_stat_field *sf = tr_dissectors[i]->stat_fields; sf && sf->key && c->nfields < FIELDS_MAX; sf++) {
            c->fields[c->nfields].dis = tr_dissectors[i];
            c->fields[c->nfields++].sf = sf;
        }
    return c;
}

void event_counts_free(event_counts *c) { free(c); }

static void count_kind(event_counts *c, const tr_event *e)
{
    const char *proto = e->proto ? e->proto : "-";
    for (int i = 0; i < c->nkinds; i++) /* by address first: no string compared on the usual path */
        if (c->kinds[i].type_at == e->type && c->kinds[i].proto_at == proto) {
            c->kinds[i].n++;
            return;
        }
    for (int i = 0; i < c->nkinds; i++)
        if (strcmp(c->kinds[i].type, e->type) == 0 && strcmp(c->kinds[i].proto, proto) == 0) {
            c->kinds[i].n++;
            return;
        }
    if (c->nkinds == KINDS_MAX) {
        c->other_kinds++;
        return;
    }
    kind_count *k = &c->kinds[c->nkinds++];
    snprintf(k->proto, sizeof k->proto, "%s", proto);
    snprintf(k->type, sizeof k->type, "%s", e->type);
    k->proto_at = proto;
    k->type_at = e->type;
    k->n = 1;
}

static void count_value(field_count *f, const char *v, size_t n)
{
    if (n >= VALUE_LEN)
        n = VALUE_LEN - 1;
    for (int i = 0; i < f->nvalues; i++)
        if (strlen(f->values[i].v) == n && memcmp(f->values[i].v, v, n) == 0) {
            f->values[i].n++;
            return;
        }
    value_count *x;
    if (f->nvalues == VALUES_MAX) {
        x = &f->values[0];
        for (int i = 1; i < f->nvalues; i++)
            if (f->values[i].n < x->n)
                x = &f->values[i];
        if (x->n > 1) { /* a full table of frequent values: a newcomer only counts as other */
            f->other++;
            return;
        }
        f->other += x->n;
    } else {
        x = &f->values[f->nvalues++];
    }
    memcpy(x->v, v, n);
    x->v[n] = '\0';
    x->n = 1;
}

static void on_event(void *self, const tr_event *e)
{
    event_counts *c = self;
    count_kind(c, e);
    const tr_dissector *d = NULL;
    int looked = 0;
    for (int i = 0; i < c->nfields; i++) {
        field_count *f = &c->fields[i];
        if (!looked) {
            d = tr_dissector_of_event(e);
            looked = 1;
        }
        if (f->dis != d || (f->sf->type && strcmp(f->sf->type, e->type) != 0))
            continue;
        const tr_field *v = tr_evr_field(e, f->sf->key);
        char num[24];
        if (!v)
            continue;
        if (v->type == TR_F_STR)
            count_value(f, v->s, v->n);
        else if (v->type == TR_F_INT || v->type == TR_F_BOOL)
            count_value(f, num, (size_t)snprintf(num, sizeof num, "%" PRId64, v->i));
    }
}

tr_sink event_counts_sink(event_counts *c)
{
    tr_sink s = {0};
    s.self = c;
    s.on_event = on_event;
    s.takes_digest_tickets = 1; /* it reads no digest: never wait for one */
    return s;
}

static int by_count(const void *a, const void *b)
{
    const value_count *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->v, y->v);
}

/* A field's values, most frequent first. */
static void sort_values(const field_count *f, value_count sorted[VALUES_MAX])
{
    memcpy(sorted, f->values, sizeof sorted[0] * (size_t)f->nvalues);
    qsort(sorted, (size_t)f->nvalues, sizeof sorted[0], by_count);
}

void event_counts_print(const event_counts *c, FILE *out)
{
    tr_strbuf sb;
    tr_sb_init(&sb, 1u << 20);
    event_counts_text(c, &sb);
    fprintf(out, "%.*s", (int)sb.len, sb.p ? sb.p : "");
    tr_sb_free(&sb);
}

/* The same tables into a buffer: events by type, then each counted field's values, most frequent first. */
void event_counts_text(const event_counts *c, tr_strbuf *sb)
{
    uint64_t total = c->other_kinds;
    for (int i = 0; i < c->nkinds; i++)
        total += c->kinds[i].n;
    tr_sb_printf(sb, "\nEvents by type (%" PRIu64 " in all)\n  %-12s %-24s %10s\n", total, "protocol", "type", "count");
    for (int i = 0; i < c->nkinds; i++)
        tr_sb_printf(sb, "  %-12s %-24s %10" PRIu64 "\n", c->kinds[i].proto, c->kinds[i].type, c->kinds[i].n);
    if (c->other_kinds)
        tr_sb_printf(sb, "  %-12s %-24s %10" PRIu64 "\n", "(others)", "", c->other_kinds);
    for (int i = 0; i < c->nfields; i++) {
        const field_count *f = &c->fields[i];
        if (!f->nvalues)
            continue;
        value_count sorted[VALUES_MAX];
        sort_values(f, sorted);
        tr_sb_printf(sb, "\n%s %s\n", f->dis->name, f->sf->label ? f->sf->label : f->sf->key);
        for (int k = 0; k < f->nvalues; k++)
            tr_sb_printf(sb, "  %-38s %12" PRIu64 "\n", sorted[k].v, sorted[k].n);
        if (f->other)
            tr_sb_printf(sb, "  %-38s %12" PRIu64 "\n", "(others)", f->other);
    }
}

void event_counts_json(const event_counts *c, tr_strbuf *sb)
{
    tr_sb_adds(sb, "\"events\":[");
    for (int i = 0; i < c->nkinds; i++)
        tr_sb_printf(sb, "%s{\"proto\":\"%s\",\"type\":\"%s\",\"count\":%" PRIu64 "}", i ? "," : "", c->kinds[i].proto,
                     c->kinds[i].type, c->kinds[i].n);
    tr_sb_adds(sb, "],\"values\":[");
    int first = 1;
    for (int i = 0; i < c->nfields; i++) {
        const field_count *f = &c->fields[i];
        if (!f->nvalues)
            continue;
        value_count sorted[VALUES_MAX];
        sort_values(f, sorted);
        tr_sb_printf(sb, "%s{\"proto\":\"%s\",\"type\":\"%s\",\"field\":\"%s\",\"label\":\"%s\",\"counts\":[", first ? "" : ",",
                     f->dis->name, f->sf->type ? f->sf->type : "", f->sf->key, f->sf->label ? f->sf->label : f->sf->key);
        first = 0;
        for (int k = 0; k < f->nvalues; k++) {
            tr_sb_adds(sb, k ? ",{\"value\":\"" : "{\"value\":\"");
            tr_sb_json_str(sb, (const uint8_t *)sorted[k].v, strlen(sorted[k].v));
            tr_sb_printf(sb, "\",\"count\":%" PRIu64 "}", sorted[k].n);
        }
        tr_sb_printf(sb, "],\"others\":%" PRIu64 "}", f->other);
    }
    tr_sb_addc(sb, ']');
}

void event_counts_event(event_counts *c, const tr_event *e) { on_event(c, e); }
