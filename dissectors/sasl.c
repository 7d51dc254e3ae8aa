#include "sasl.h"

#include <string.h>
#include <strings.h>

#include "base64.h"

enum { NEXT_ANY = 0, NEXT_USER, NEXT_PASSWORD };

static const struct {
    const char *name;
    uint8_t mech;
} mechs[] = {
    {"PLAIN", SASL_PLAIN},         {"LOGIN", SASL_LOGIN},     {"CRAM-MD5", SASL_CRAM_MD5},
    {"DIGEST-MD5", SASL_DIGEST_MD5}, {"XOAUTH2", SASL_XOAUTH2}, {"OAUTHBEARER", SASL_OAUTHBEARER},
};

void sasl_begin(sasl *x, const uint8_t *mech, size_t n)
{
    memset(x, 0, sizeof *x);
    size_t k = 0;
    for (; k < n && k + 1 < sizeof x->mech_name && mech[k] != ' '; k++)
        x->mech_name[k] = (char)(mech[k] >= 'a' && mech[k] <= 'z' ? mech[k] - 32 : mech[k]);
    x->mech_name[k] = '\0';
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
        if (strcmp(x->mech_name, mechs[i].name) == 0)
            x->mech = mechs[i].mech;
}

static void keep(char *dst, uint16_t *len, uint8_t *has, const uint8_t *p, size_t n)
{
    if (n > SASL_FIELD_MAX)
        n = SASL_FIELD_MAX;
    memcpy(dst, p, n);
    *len = (uint16_t)n;
    *has = 1;
}

/* DIGEST-MD5's username="..." (quoted, backslash escapes) in its response. */
static void digest_username(sasl *x, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 9 < n; i++) {
        if ((i && p[i - 1] != ',' && p[i - 1] != ' ') || strncasecmp((const char *)p + i, "username=", 9) != 0)
            continue;
        size_t a = i + 9, k = 0;
        char out[SASL_FIELD_MAX];
        int quoted = a < n && p[a] == '"';
        a += (size_t)quoted;
        for (; a < n && k < sizeof out; a++) {
            if (quoted && p[a] == '\\' && a + 1 < n)
                a++;
            else if ((quoted && p[a] == '"') || (!quoted && p[a] == ','))
                break;
            out[k++] = (char)p[a];
        }
        keep(x->user, &x->user_len, &x->has_user, (const uint8_t *)out, k);
        return;
    }
}

/* OAuth's "user=...\x01auth=Bearer ...\x01\x01" (XOAUTH2) and "n,a=user,\x01auth=Bearer ...\x01\x01" (RFC 7628). */
static void oauth(sasl *x, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != 0x01)
            j++;
        const uint8_t *kv = p + i;
        size_t len = j - i;
        if (len > 5 && memcmp(kv, "user=", 5) == 0)
            keep(x->user, &x->user_len, &x->has_user, kv + 5, len - 5);
        else if (len > 12 && strncasecmp((const char *)kv, "auth=Bearer ", 12) == 0)
            keep(x->token, &x->token_len, &x->has_token, kv + 12, len - 12);
        else if (len > 2 && kv[0] == 'n' && kv[1] == ',') { /* gs2 header: n,a=user, */
            for (size_t k = 2; k + 2 < len; k++)
                if (kv[k] == 'a' && kv[k + 1] == '=') {
                    size_t e = k + 2;
                    while (e < len && kv[e] != ',')
                        e++;
                    keep(x->user, &x->user_len, &x->has_user, kv + k + 2, e - k - 2);
                    break;
                }
        }
        i = j + 1;
    }
}

void sasl_client(sasl *x, const uint8_t *p, size_t n)
{
    if (n == 1 && p[0] == '*') {
        x->cancelled = 1;
        return;
    }
    uint8_t plain[1024];
    long k = n == 1 && p[0] == '=' ? 0 : base64_decode(p, n, plain, sizeof plain);
    if (k < 0) {
        x->bad = 1;
        return;
    }
    size_t len = (size_t)k;
    x->answers++;
    switch (x->mech) {
    case SASL_PLAIN: { /* [authzid] NUL authcid NUL passwd */
        const uint8_t *a = memchr(plain, 0, len);
        const uint8_t *b = a ? memchr(a + 1, 0, len - (size_t)(a + 1 - plain)) : NULL;
        if (!b) {
            x->bad = 1;
            return;
        }
        if (a > plain)
            keep(x->authzid, &x->authzid_len, &x->has_authzid, plain, (size_t)(a - plain));
        keep(x->user, &x->user_len, &x->has_user, a + 1, (size_t)(b - a - 1));
        keep(x->password, &x->password_len, &x->has_password, b + 1, len - (size_t)(b + 1 - plain));
        break;
    }
    case SASL_LOGIN: /* the prompts say which answer is which; without them, the user comes first */
        if (x->next_is == NEXT_PASSWORD || (x->next_is == NEXT_ANY && x->has_user))
            keep(x->password, &x->password_len, &x->has_password, plain, len);
        else
            keep(x->user, &x->user_len, &x->has_user, plain, len);
        x->next_is = NEXT_ANY;
        break;
    case SASL_CRAM_MD5: { /* "user SP digest" */
        size_t sp = len;
        while (sp > 0 && plain[sp - 1] != ' ')
            sp--;
        if (sp > 1)
            keep(x->user, &x->user_len, &x->has_user, plain, sp - 1);
        else
            x->bad = 1;
        break;
    }
    case SASL_DIGEST_MD5:
        digest_username(x, plain, len);
        break;
    case SASL_XOAUTH2:
    case SASL_OAUTHBEARER:
        oauth(x, plain, len);
        break;
    default:
        break;
    }
}

void sasl_server(sasl *x, const uint8_t *p, size_t n)
{
    if (x->mech != SASL_LOGIN)
        return;
    uint8_t plain[128];
    long k = base64_decode(p, n, plain, sizeof plain);
    if (k >= 4 && strncasecmp((const char *)plain, "user", 4) == 0)
        x->next_is = NEXT_USER;
    else if (k >= 4 && strncasecmp((const char *)plain, "pass", 4) == 0)
        x->next_is = NEXT_PASSWORD;
}

int sasl_complete(const sasl *x)
{
    switch (x->mech) {
    case SASL_PLAIN:
    case SASL_LOGIN:
        return x->has_user && x->has_password;
    case SASL_XOAUTH2:
    case SASL_OAUTHBEARER:
        return x->has_user && x->has_token;
    case SASL_CRAM_MD5:
    case SASL_DIGEST_MD5:
        return x->has_user;
    default:
        return x->answers > 0;
    }
}
