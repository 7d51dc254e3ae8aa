#include "mail_header.h"

#include <string.h>
#include <strings.h>

#include "mime_words.h"

static const struct {
    const char *name;
    uint8_t field;
} kept[] = {
    {"from", MF_FROM},
    {"to", MF_TO},
    {"cc", MF_CC},
    {"reply-to", MF_REPLY_TO},
    {"subject", MF_SUBJECT},
    {"date", MF_DATE},
    {"message-id", MF_MESSAGE_ID},
    {"in-reply-to", MF_IN_REPLY_TO},
    {"user-agent", MF_USER_AGENT},
    {"x-mailer", MF_USER_AGENT},
    {"received", MF_RECEIVED_LAST_HOP},
    {"content-type", MF_CONTENT_TYPE},
    {"content-disposition", MF_CONTENT_DISPOSITION},
    {"content-transfer-encoding", MF_CONTENT_TRANSFER_ENCODING},
    {"content-id", MF_CONTENT_ID},
};

void mail_header_init(mail_header *h)
{
    h->used = 0;
    h->present = 0;
    h->lines = 0;
    h->received = 0;
    h->last = MF_COUNT;
    h->cut = 0;
    h->too_long = 0;
}

/* Starts field f afresh at the end of the text; an earlier value of it at the end (the Received chain's previous
 * "first hop") gives its room back, one elsewhere is left unused. */
static void field_start(mail_header *h, int f)
{
    if ((h->present & (1u << f)) && h->f[f].off + h->f[f].len == h->used)
        h->used = h->f[f].off;
    h->present |= 1u << f;
    h->f[f].off = h->used;
    h->f[f].len = 0;
}

/* Appends to field f, which is the last one started. */
static void field_add(mail_header *h, int f, const uint8_t *p, size_t n)
{
    size_t room = sizeof h->text - h->used;
    if (room > MAIL_HEADER_FIELD_MAX - (size_t)h->f[f].len)
        room = MAIL_HEADER_FIELD_MAX - (size_t)h->f[f].len;
    if (n > room) {
        n = room;
        h->cut = 1;
    }
    memcpy(h->text + h->used, p, n);
    h->used = (uint16_t)(h->used + n);
    h->f[f].len = (uint16_t)(h->f[f].len + n);
}

void mail_header_line(mail_header *h, const uint8_t *p, size_t n)
{
    if (h->too_long)
        return;
    if (++h->lines > MAIL_HEADER_LINES_MAX) {
        h->too_long = 1;
        return;
    }
    if (n && (p[0] == ' ' || p[0] == '\t')) { /* folded: the previous field goes on (RFC 5322 2.2.3) */
        if (h->last < MF_COUNT && h->f[h->last].off + h->f[h->last].len == h->used)
            field_add(h, h->last, p, n);
        return;
    }
    h->last = MF_COUNT;
    const uint8_t *colon = n ? memchr(p, ':', n) : NULL;
    if (!colon)
        return;
    size_t name_len = (size_t)(colon - p);
    while (name_len && (p[name_len - 1] == ' ' || p[name_len - 1] == '\t'))
        name_len--;
    for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++) {
        if (strlen(kept[k].name) != name_len || strncasecmp((const char *)p, kept[k].name, name_len) != 0)
            continue;
        int f = kept[k].field;
        if (f == MF_RECEIVED_LAST_HOP) {
            /* the first Received is the last hop; each later one is, so far, the first hop */
            f = h->received++ == 0 ? MF_RECEIVED_LAST_HOP : MF_RECEIVED_FIRST_HOP;
        } else if (h->present & (1u << f)) {
            if (!(f == MF_USER_AGENT && kept[k].name[0] == 'u'))
                return; /* the first of a repeated field is kept; a User-Agent wins over an X-Mailer */
        }
        field_start(h, f);
        size_t at = (size_t)(colon - p) + 1;
        field_add(h, f, p + at, n - at);
        h->last = (uint8_t)f;
        return;
    }
}

int mail_header_get(const mail_header *h, int field, const char **s, size_t *n)
{
    if (field < 0 || field >= MF_COUNT || !(h->present & (1u << field)))
        return 0;
    const char *v = h->text + h->f[field].off;
    size_t len = h->f[field].len;
    while (len && (v[0] == ' ' || v[0] == '\t')) {
        v++;
        len--;
    }
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    *s = v;
    *n = len;
    return 1;
}

int mail_header_decoded(const mail_header *h, int field, char *out, size_t cap, int *undecoded)
{
    const char *v;
    size_t n;
    if (!mail_header_get(h, field, &v, &n))
        return 0;
    mime_words_decode(v, n, out, cap, undecoded);
    return 1;
}
