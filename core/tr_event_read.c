#include "tr_event_read.h"

#include <inttypes.h>
#include <string.h>

int tr_evr_find(const tr_event *e, int from, int end, const char *key)
{
    int depth = 0;
    for (int i = from; i < end; i++) {
        const tr_field *f = &e->f[i];
        if (f->type == TR_F_END) {
            if (depth == 0)
                return -1;
            depth--;
            continue;
        }
        if (depth == 0 && f->key && strcmp(f->key, key) == 0)
            return i;
        if (f->type == TR_F_OBJ || f->type == TR_F_LIST)
            depth++;
    }
    return -1;
}

const tr_field *tr_evr_field(const tr_event *e, const char *key)
{
    int i = tr_evr_find(e, 0, e->nf, key);
    return i < 0 ? NULL : &e->f[i];
}

int tr_evr_str(const tr_event *e, const char *key, const char **s, size_t *n)
{
    const tr_field *f = tr_evr_field(e, key);
    if (!f || f->type != TR_F_STR)
        return 0;
    *s = f->s;
    *n = f->n;
    return 1;
}

int tr_evr_int(const tr_event *e, const char *key, int64_t *v)
{
    const tr_field *f = tr_evr_field(e, key);
    if (!f || (f->type != TR_F_INT && f->type != TR_F_BOOL))
        return 0;
    *v = f->i;
    return 1;
}

int tr_evr_is(const tr_event *e, const char *key, const char *word)
{
    const char *s;
    size_t n;
    return tr_evr_str(e, key, &s, &n) && n == strlen(word) && memcmp(s, word, n) == 0;
}

void tr_evr_value(const tr_event *e, int i, tr_strbuf *sb)
{
    if (i < 0) {
        tr_sb_addc(sb, '-');
        return;
    }
    const tr_field *f = &e->f[i];
    if (f->type == TR_F_STR || f->type == TR_F_FILE)
        tr_sb_add(sb, f->s, f->n);
    else if (f->type == TR_F_INT)
        tr_sb_printf(sb, "%" PRId64, f->i);
    else if (f->type == TR_F_BOOL)
        tr_sb_adds(sb, f->i ? "true" : "false");
    else
        tr_sb_addc(sb, '-');
}

int tr_evr_add(const tr_event *e, const char *key, tr_strbuf *sb)
{
    int i = tr_evr_find(e, 0, e->nf, key);
    if (i < 0)
        return 0;
    tr_evr_value(e, i, sb);
    return 1;
}

void tr_evr_parts(const tr_event *e, const char *const *parts, tr_strbuf *sb)
{
    for (int i = 0; parts[i]; i++) {
        if (i % 2)
            tr_evr_value(e, tr_evr_find(e, 0, e->nf, parts[i]), sb);
        else
            tr_sb_adds(sb, parts[i]);
    }
}
