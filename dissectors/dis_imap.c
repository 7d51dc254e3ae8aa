/* dis_imap: IMAP — tagged commands paired with their completions, the untagged data that answers them, logins,
 * the selected mailbox, and every fetched or appended message through the message module and the one mailbox.
 * RFC 9051 and RFC 3501 (IMAP4rev2/rev1), RFC 7888 (LITERAL+), RFC 4959 (SASL-IR), RFC 2177 (IDLE),
 * RFC 4978 (COMPRESS=DEFLATE), RFC 2595 (STARTTLS), RFC 3516 (BINARY literal8). */

/* Wire layout (text lines, CRLF; a line ending in a literal's length goes on after the literal's bytes):
 *   s2c  * OK [CAPABILITY IMAP4rev1 ...] Dovecot ready.      untagged: greeting, data, status
 *   c2s  a1 LOGIN anna {6}                                     tag, command, arguments; {6} announces a literal:
 *   s2c  + Ready for literal data                              (synchronizing: the server says go on)
 *   c2s  secret                                                its 6 bytes, then the rest of the command line
 *   s2c  a1 OK [CAPABILITY ...] Logged in                      the tagged completion: OK, NO or BAD
 *   c2s  a2 UID FETCH 7 (BODY.PEEK[] BODY.PEEK[2]<0.1024>)
 *   s2c  * 3 FETCH (UID 7 BODY[] {2310}                        several literals in one response line:
 *        <2310 bytes> BODY[2]<0> {1024}                        each a message or a part of one
 *        <1024 bytes>)
 *   s2c  a2 OK Fetch completed.
 *   c2s  a3 APPEND INBOX (\Seen) {310+}                        LITERAL+: no wait for the server's "+"
 *        <310 bytes>
 *   c2s  a4 COMPRESS DEFLATE -> s2c a4 OK                      then both directions are one raw deflate stream
 *                                                              each (RFC 1951), decoded through a layered stream
 *
 * Untagged responses are kept with the command they answer: the oldest waiting command of their kind (FETCH data
 * to a FETCH or STORE, EXISTS and UIDVALIDITY to a SELECT), else the oldest waiting command.
 *
 * A fetched section's transfer encoding (for decoded_sha256) is the one the session last learnt for that part of
 * that message: from a BODYSTRUCTURE fetch, or from the part's MIME header fetched as BODY[n.MIME]. */

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "../core/tr_layer.h"
#include "content_line.h"
#include "mail_message.h"
#include "pairing.h"
#include "sasl.h"
#include "textline.h"

extern const tr_dissector dis_imap;

#define IMAP_LINE_MAX 16384     /* longest line piece (a FETCH response with a BODYSTRUCTURE is long) */
#define IMAP_BUF_MAX 8192       /* a command or response as reported and parsed, small literals inlined */
#define IMAP_GATHER_MAX 1024    /* literals up to this are read into the command or response (passwords, names) */
#define IMAP_PENDING_MAX 32     /* commands awaiting their completion */
#define IMAP_TAG_MAX PAIR_KEY_MAX
#define IMAP_SLOTS 4            /* message literals of one FETCH response waiting for its end */
#define IMAP_SECTION_MAX 160 /* "BODY[HEADER.FIELDS (DATE FROM SUBJECT TO CC MESSAGE-ID REFERENCES ...)]" */
#define IMAP_MBOX_MAX 128
#define IMAP_CTE_MAX 64         /* parts whose transfer encoding is known */
#define IMAP_MIME_HEAD 2048     /* bytes of a fetched MIME header kept to read its Content-Transfer-Encoding */
#define IMAP_SEARCH_MAX 256
#define IMAP_DEPTH_MAX 16       /* parentheses in a BODYSTRUCTURE */

enum imap_cmd {
    IMAP_CMD_UNKNOWN = 0,
#define IMAP_CMD(n) IMAP_CMD_##n,
#include "imap_cmd.def"
#undef IMAP_CMD
    IMAP_CMD_COUNT
};

static const char *const imap_cmds[IMAP_CMD_COUNT] = {
    [IMAP_CMD_UNKNOWN] = NULL,
#define IMAP_CMD(n) [IMAP_CMD_##n] = #n,
#include "imap_cmd.def"
#undef IMAP_CMD
};

/* A command waiting for its tagged completion, with what the untagged data said. */
typedef struct imap_pending {
    uint8_t cmd, uid;
    uint8_t has_exists, has_uidvalidity;
    uint16_t untagged, fetches, expunged;
    uint32_t exists, uidvalidity;
    uint16_t search_len, mbox_len;
    char search[IMAP_SEARCH_MAX];
    char mbox[IMAP_MBOX_MAX];
} imap_pending;

/* What a literal under way is. */
enum { LIT_NONE = 0, LIT_GATHER, LIT_MESSAGE, LIT_SKIP };

/* One direction's command or response being put together across its literals. */
typedef struct imap_side {
    uint8_t cont;       /* the line goes on after a literal */
    uint8_t lit;        /* the literal under way */
    uint8_t cut;        /* buf overflowed */
    uint16_t gather_len;
    uint32_t len;
    char gather[IMAP_GATHER_MAX];
    char buf[IMAP_BUF_MAX];
} imap_side;

/* A message literal: its object and what the event says of it. */
typedef struct imap_slot {
    mail_message mm;
    uint8_t used;           /* its event is still to come */
    uint8_t append, partial, whole, mime_head;
    uint32_t seq, uid;
    uint64_t origin;
    uint8_t has_origin;
    char section[IMAP_SECTION_MAX];
    char mbox[IMAP_MBOX_MAX];
    uint16_t head_len;
    char head[IMAP_MIME_HEAD]; /* a BODY[n.MIME] literal's first bytes */
} imap_slot;

/* A part's transfer encoding, as a BODYSTRUCTURE or the part's MIME header said. */
typedef struct imap_cte {
    uint32_t uid, seq;
    uint8_t te; /* enum obj_transfer: 0 identity, OBJ_TE_BASE64, OBJ_TE_QP */
    char part[24];
} imap_cte;

/* What one direction's zlib inflate state costs (its state and 32 KB window), counted against --memcap. zlib and
 * not ISA-L: what zlib gives out before bad data does not depend on how the input was cut, and the inflated bytes
 * are parsed as they come (ISA-L's fast and careful paths stop at different points). */
#define IMAP_Z_STATE_BYTES (40u << 10)

enum { Z_OFF = 0, Z_ARMED, Z_ON, Z_DEAD };

typedef struct imap_state {
    cl_dir lines[2];
    imap_side side[2];
    pair_queue pending;
    _Alignas(8) uint8_t pending_slots[PAIR_STORAGE_SIZE(IMAP_PENDING_MAX, sizeof(imap_pending), IMAP_TAG_MAX)];
    /* the command being put together (C2S) */
    uint8_t c_cmd, c_uid, c_requested;
    char c_tag[IMAP_TAG_MAX];
    uint8_t c_tag_len;
    /* the response being put together (S2C) */
    uint8_t r_fetch;
    uint32_t r_seq;
    /* logins */
    uint8_t in_sasl, idle, layered;
    char sasl_tag[IMAP_TAG_MAX];
    uint8_t sasl_tag_len;
    sasl sx;
    char user[256], pass[256];
    uint16_t user_len, pass_len;
    char login_tag[IMAP_TAG_MAX];
    uint8_t login_tag_len;
    /* the selected mailbox */
    char mbox[IMAP_MBOX_MAX];
    uint16_t mbox_len;
    uint32_t uidvalidity, exists;
    uint32_t appended;
    imap_cte cte[IMAP_CTE_MAX];
    uint16_t ncte, cte_next;
    imap_slot slot[IMAP_SLOTS];   /* [0..IMAP_SLOTS-1]: fetched literals of the response under way */
    imap_slot append;              /* the APPEND literal under way */
    int8_t cur_slot;               /* the S2C message literal under way, -1 none */
    /* COMPRESS=DEFLATE */
    uint8_t z_mode[2];
    char compress_tag[IMAP_TAG_MAX];
    uint8_t compress_tag_len;
    uint64_t z_start[2];
    z_stream z[2];
    uint8_t z_ended[2]; /* the deflate stream's last block came: what follows is ignored */
    tr_layer *layer;
} imap_state;

/* ---- tokens: atoms (a section's brackets and <origin> kept in the atom), quoted strings, {n} literals, parens ---- */

enum { TK_END = 0, TK_ATOM, TK_QUOTED, TK_LITERAL, TK_OPEN, TK_CLOSE };

typedef struct imap_tok {
    int kind;
    const char *p; /* the atom, the quoted string's inside (escapes kept), the literal's digits */
    size_t n;
} imap_tok;

static int atom_char(char c) { return c != ' ' && c != '(' && c != ')' && c != '{' && c != '"' && c != '\r' && c != '\n'; }

static int tok_next(const char *p, size_t n, size_t *i, imap_tok *t)
{
    while (*i < n && p[*i] == ' ')
        (*i)++;
    memset(t, 0, sizeof *t);
    if (*i >= n)
        return TK_END;
    char c = p[*i];
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? TK_OPEN : TK_CLOSE;
        t->p = p + (*i)++;
        t->n = 1;
        return t->kind;
    }
    if (c == '"') {
        size_t a = ++(*i);
        while (*i < n && p[*i] != '"')
            *i += (p[*i] == '\\' && *i + 1 < n) ? 2 : 1;
        t->kind = TK_QUOTED;
        t->p = p + a;
        t->n = (*i < n ? *i : n) - a;
        if (*i < n)
            (*i)++;
        return TK_QUOTED;
    }
    if (c == '{' || (c == '~' && *i + 1 < n && p[*i + 1] == '{')) {
        size_t a = *i + (c == '~' ? 2 : 1);
        size_t k = a;
        while (k < n && p[k] != '}')
            k++;
        t->kind = TK_LITERAL;
        t->p = p + a;
        t->n = k - a;
        *i = k < n ? k + 1 : n;
        return TK_LITERAL;
    }
    size_t a = *i;
    int depth = 0;
    while (*i < n && (depth || atom_char(p[*i]))) {
        if (p[*i] == '[' || p[*i] == '<')
            depth++;
        else if ((p[*i] == ']' || p[*i] == '>') && depth)
            depth--;
        (*i)++;
    }
    if (*i == a) { /* a stray special character */
        (*i)++;
        return tok_next(p, n, i, t);
    }
    t->kind = TK_ATOM;
    t->p = p + a;
    t->n = *i - a;
    return TK_ATOM;
}

/* A string token's value (quoted: unescaped; atom as is; NIL: empty) into out; its length. */
static size_t tok_string(const imap_tok *t, char *out, size_t cap)
{
    size_t k = 0;
    if (!cap)
        return 0;
    if (t->kind == TK_ATOM && !(t->n == 3 && textline_starts((const uint8_t *)t->p, 3, "NIL"))) {
        k = t->n < cap - 1 ? t->n : cap - 1;
        memcpy(out, t->p, k);
    } else if (t->kind == TK_QUOTED) {
        for (size_t i = 0; i < t->n && k + 1 < cap; i++) {
            if (t->p[i] == '\\' && i + 1 < t->n)
                i++;
            out[k++] = t->p[i];
        }
    }
    out[k] = '\0';
    return k;
}

static int tok_is(const imap_tok *t, const char *word)
{
    return t->kind == TK_ATOM && strlen(word) == t->n && textline_starts((const uint8_t *)t->p, t->n, word);
}

static int tok_number(const imap_tok *t, uint32_t *v)
{
    if (t->kind != TK_ATOM || !t->n || t->n > 10)
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->p[i] < '0' || t->p[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(t->p[i] - '0');
    }
    if (x > UINT32_MAX)
        return 0;
    *v = (uint32_t)x;
    return 1;
}

/* Skips one value (an atom, a string, a literal or a parenthesized list) whose first token is t. */
static void skip_value(const char *p, size_t n, size_t *i, const imap_tok *t)
{
    if (t->kind != TK_OPEN)
        return;
    int depth = 1;
    imap_tok u;
    while (depth && tok_next(p, n, i, &u) != TK_END)
        depth += u.kind == TK_OPEN ? 1 : u.kind == TK_CLOSE ? -1 : 0;
}

static int cmd_lookup(const char *w, size_t n)
{
    for (int c = 1; c < IMAP_CMD_COUNT; c++)
        if (strlen(imap_cmds[c]) == n && textline_starts((const uint8_t *)w, n, imap_cmds[c]))
            return c;
    return IMAP_CMD_UNKNOWN;
}

/* A literal's announcement at the end of a line: "{n}", "{n+}" (LITERAL+), "~{n}" (literal8). Its length, and
 * where the announcement begins; 0 when the line ends otherwise. */
static int literal_at_end(const uint8_t *p, size_t len, uint64_t *n, size_t *start)
{
    if (len < 3 || p[len - 1] != '}')
        return 0;
    size_t k = len - 1;
    if (k && p[k - 1] == '+')
        k--;
    size_t end = k;
    while (k && p[k - 1] >= '0' && p[k - 1] <= '9')
        k--;
    if (k == end || end - k > 12 || !k || p[k - 1] != '{')
        return 0;
    uint64_t v = 0;
    for (size_t i = k; i < end; i++)
        v = v * 10 + (uint64_t)(p[i] - '0');
    *n = v;
    *start = k - 1;
    if (*start && p[*start - 1] == '~')
        (*start)--;
    return 1;
}

/* ---- putting a command or response together ---- */

static void side_add(imap_side *d, const void *p, size_t n)
{
    if (d->len + n > sizeof d->buf) {
        n = sizeof d->buf - d->len;
        d->cut = 1;
    }
    memcpy(d->buf + d->len, p, n);
    d->len += (uint32_t)n;
}

/* A gathered literal goes into the text as a quoted string, so the text reads as one line and parses as one. */
static void side_add_quoted(imap_side *d, const char *p, size_t n)
{
    side_add(d, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            side_add(d, "\\", 1);
        side_add(d, p + i, 1);
    }
    side_add(d, "\"", 1);
}

/* A literal of n bytes that is not a message: gathered into the line's text when short (as a quoted string), else
 * left out and written as its size, "{n}". */
static void literal_in_line(imap_side *d, uint64_t n)
{
    d->lit = n <= IMAP_GATHER_MAX ? LIT_GATHER : LIT_SKIP;
    d->gather_len = 0;
    if (d->lit == LIT_SKIP) {
        char ph[32];
        int k = snprintf(ph, sizeof ph, "{%llu}", (unsigned long long)n);
        side_add(d, ph, (size_t)k);
    } else if (n == 0) {
        side_add_quoted(d, "", 0);
        d->lit = LIT_NONE;
    }
}

static void side_reset(imap_side *d)
{
    d->cont = 0;
    d->lit = LIT_NONE;
    d->cut = 0;
    d->len = 0;
    d->gather_len = 0;
}

/* ---- transfer encodings learnt ---- */

static int te_of(const char *v, size_t n)
{
    if (n == 6 && textline_starts((const uint8_t *)v, n, "base64"))
        return OBJ_TE_BASE64;
    if (n == 16 && textline_starts((const uint8_t *)v, n, "quoted-printable"))
        return OBJ_TE_QP;
    return OBJ_TE_IDENTITY;
}

static void cte_learn(imap_state *st, uint32_t uid, uint32_t seq, const char *part, int te)
{
    imap_cte *c = NULL;
    for (uint16_t i = 0; i < st->ncte && !c; i++)
        if (strcmp(st->cte[i].part, part) == 0 && ((uid && st->cte[i].uid == uid) || (!uid && st->cte[i].seq == seq)))
            c = &st->cte[i];
    if (!c) {
        if (st->ncte < IMAP_CTE_MAX)
            c = &st->cte[st->ncte++];
        else
            c = &st->cte[st->cte_next++ % IMAP_CTE_MAX];
    }
    c->uid = uid;
    c->seq = seq;
    c->te = (uint8_t)te;
    snprintf(c->part, sizeof c->part, "%s", part);
}

static int cte_find(const imap_state *st, uint32_t uid, uint32_t seq, const char *part)
{
    for (uint16_t i = st->ncte; i-- > 0;) {
        const imap_cte *c = &st->cte[i];
        if (strcmp(c->part, part) == 0 && ((uid && c->uid == uid) || (seq && c->seq == seq)))
            return c->te;
    }
    return OBJ_TE_IDENTITY;
}

/* A body structure (RFC 9051 7.5.2 BODYSTRUCTURE): each leaf's encoding under its part number. */
static void bodystructure_walk(imap_state *st, uint32_t uid, uint32_t seq, const char *p, size_t n, size_t *i,
                               const char *prefix, int depth, int top)
{
    imap_tok t;
    if (depth > IMAP_DEPTH_MAX || tok_next(p, n, i, &t) != TK_OPEN)
        return;
    size_t save = *i;
    if (tok_next(p, n, i, &t) == TK_OPEN) { /* multipart: its parts, numbered from 1, then its subtype */
        *i = save;
        for (int k = 1; k <= 64; k++) {
            save = *i;
            if (tok_next(p, n, i, &t) != TK_OPEN) {
                *i = save;
                break;
            }
            *i = save;
            char part[24];
            if (top)
                snprintf(part, sizeof part, "%d", k);
            else
                snprintf(part, sizeof part, "%s.%d", prefix, k);
            bodystructure_walk(st, uid, seq, p, n, i, part, depth + 1, 0);
        }
        int d = 1; /* the subtype and extension data, up to this body's close */
        while (d && tok_next(p, n, i, &t) != TK_END)
            d += t.kind == TK_OPEN ? 1 : t.kind == TK_CLOSE ? -1 : 0;
        return;
    }
    *i = save;
    /* one part: type subtype (params) id description encoding size ... */
    int field = 0, d = 1;
    while (d && tok_next(p, n, i, &t) != TK_END) {
        if (t.kind == TK_CLOSE) {
            d--;
            continue;
        }
        if (field == 5 && d == 1) {
            char enc[32];
            size_t k = tok_string(&t, enc, sizeof enc);
            cte_learn(st, uid, seq, top ? "1" : prefix, te_of(enc, k));
        }
        if (t.kind == TK_OPEN)
            skip_value(p, n, i, &t);
        field++;
    }
}

/* ---- events ---- */

static void emit_auth(tr_session *s, imap_state *st, const char *command, int success)
{
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_NODIR);
    tr_ev_str(&e, "command", command);
    if (strcmp(command, "LOGIN") == 0) {
        tr_ev_str(&e, "mechanism", "LOGIN");
        tr_ev_strn(&e, "user", st->user, st->user_len);
        tr_ev_strn(&e, "password", st->pass, st->pass_len);
    } else {
        const sasl *x = &st->sx;
        tr_ev_str(&e, "mechanism", x->mech_name);
        if (x->has_user)
            tr_ev_strn(&e, "user", x->user, x->user_len);
        if (x->has_authzid && x->authzid_len)
            tr_ev_strn(&e, "authzid", x->authzid, x->authzid_len);
        if (x->has_password)
            tr_ev_strn(&e, "password", x->password, x->password_len);
        if (x->has_token)
            tr_ev_strn(&e, "token", x->token, x->token_len);
        if (x->cancelled)
            tr_ev_bool(&e, "cancelled", 1);
    }
    tr_ev_bool(&e, "success", success);
    tr_emit(&e);
}

static void slot_emit(tr_session *s, imap_state *st, imap_slot *sl)
{
    tr_event e;
    tr_ev_init(&e, s, "message", sl->append ? TR_C2S : TR_S2C);
    if (sl->mbox[0])
        tr_ev_str(&e, "mailbox", sl->mbox);
    if (sl->seq)
        tr_ev_int(&e, "seq", sl->seq);
    if (sl->uid)
        tr_ev_int(&e, "uid", sl->uid);
    if (!sl->append) {
        tr_ev_str(&e, "section", sl->section);
        if (sl->has_origin)
            tr_ev_int(&e, "origin", (int64_t)sl->origin);
    }
    tr_ev_bool(&e, "partial", sl->partial);
    tr_ev_str(&e, "direction", sl->append ? "append" : "fetch");
    mail_message_fields(&sl->mm, &e);
    tr_emit(&e);
    mail_message_mailbox(&sl->mm, s, dis_imap.name, sl->partial);
    mail_message_done(&sl->mm);
    sl->used = 0;
    (void)st;
}

/* The FETCH response's literals, at its end (with its UID, wherever it came in the response). */
static void slots_flush(tr_session *s, imap_state *st, uint32_t uid)
{
    for (int i = 0; i < IMAP_SLOTS; i++) {
        imap_slot *sl = &st->slot[i];
        if (!sl->used || mail_message_active(&sl->mm))
            continue;
        if (!sl->uid)
            sl->uid = uid;
        slot_emit(s, st, sl);
    }
}

/* ---- the section a FETCH literal is ---- */

/* What a FETCH literal is. */
typedef struct fetch_item {
    char section[IMAP_SECTION_MAX];
    uint64_t origin;
    uint8_t has_origin, whole, partial, mime_head, walk;
} fetch_item;

/* The FETCH item before a literal's announcement ("BODY[2]<0>", "RFC822.HEADER", "BINARY[1]"): 1 when it names
 * message content, with the section text, its origin, and what it is. */
static int fetch_item_before(const char *p, size_t n, fetch_item *sl)
{
    while (n && p[n - 1] == ' ')
        n--;
    size_t end = n, k = n;
    if (k && p[k - 1] == '>') { /* <origin> */
        while (k && p[k - 1] != '<')
            k--;
        if (!k)
            return 0;
        k--;
    }
    if (k && p[k - 1] == ']') {
        int depth = 0;
        while (k) {
            char c = p[--k];
            if (c == ']')
                depth++;
            else if (c == '[' && --depth == 0)
                break;
        }
        if (depth)
            return 0;
    }
    while (k && p[k - 1] != ' ' && p[k - 1] != '(')
        k--;
    const char *item = p + k;
    size_t len = end - k;
    int body = textline_starts((const uint8_t *)item, len, "BODY[") || textline_starts((const uint8_t *)item, len, "BINARY[");
    int rfc822 = textline_starts((const uint8_t *)item, len, "RFC822") &&
                 (len == 6 || textline_starts((const uint8_t *)item, len, "RFC822.HEADER") ||
                  textline_starts((const uint8_t *)item, len, "RFC822.TEXT"));
    if (!body && !rfc822)
        return 0;
    size_t sect_len = len;
    const char *lt = memchr(item, '<', len);
    sl->has_origin = 0;
    sl->origin = 0;
    if (lt && body) {
        sect_len = (size_t)(lt - item);
        uint64_t v = 0;
        for (const char *c = lt + 1; c < item + len && *c >= '0' && *c <= '9'; c++)
            v = v * 10 + (uint64_t)(*c - '0');
        sl->origin = v;
        sl->has_origin = 1;
    }
    snprintf(sl->section, sizeof sl->section, "%.*s", (int)sect_len, item);
    /* inside the brackets */
    const char *in = body ? memchr(item, '[', sect_len) + 1 : NULL;
    size_t in_len = body ? sect_len - (size_t)(in - item) - 1 : 0;
    sl->whole = rfc822 ? len == 6 : in_len == 0;
    int header = rfc822 ? textline_starts((const uint8_t *)item, len, "RFC822.HEADER")
                        : textline_starts((const uint8_t *)in, in_len, "HEADER");
    sl->mime_head = body && in_len > 5 && textline_starts((const uint8_t *)in + in_len - 5, 5, ".MIME");
    sl->partial = !sl->whole || sl->has_origin;
    /* walked when it holds the message's header: the whole, its header, or a partial from 0 */
    sl->walk = (uint8_t)((sl->whole && (!sl->has_origin || sl->origin == 0)) || header);
    return 1;
}

/* ---- commands ---- */

static imap_pending *pending_push(tr_session *s, imap_state *st, const char *tag, size_t tag_len)
{
    int drop;
    imap_pending *q = pair_push(&st->pending, tag, tag_len, &drop);
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, TR_C2S, "imap_too_many_pending_commands",
                   "more than %d commands without a completion; the oldest are forgotten", IMAP_PENDING_MAX);
    return q;
}

static void emit_request(tr_session *s, imap_state *st, const char *args, size_t args_len)
{
    imap_side *d = &st->side[TR_C2S];
    tr_event e;
    tr_ev_init(&e, s, "request", TR_C2S);
    tr_ev_strn(&e, "tag", st->c_tag, st->c_tag_len);
    if (st->c_cmd)
        tr_ev_printf(&e, "command", "%s%s", st->c_uid ? "UID " : "", imap_cmds[st->c_cmd]);
    if (args_len)
        tr_ev_strcopy(&e, "args", args, args_len);
    if (d->cut)
        tr_ev_bool(&e, "args_cut", 1);
    tr_emit(&e);
    st->c_requested = 1;
}

/* Where the arguments begin in the command text: after the tag, the command word and UID's word. */
static size_t args_start(const imap_state *st, const char *p, size_t n)
{
    size_t i = 0;
    imap_tok t;
    tok_next(p, n, &i, &t);
    tok_next(p, n, &i, &t);
    if (st->c_uid)
        tok_next(p, n, &i, &t);
    while (i < n && p[i] == ' ')
        i++;
    return i;
}

/* The command's last line came: it waits for its completion. */
static void command_done(tr_session *s, imap_state *st)
{
    imap_side *d = &st->side[TR_C2S];
    const char *p = d->buf;
    size_t n = d->len;
    size_t a = args_start(st, p, n);
    if (!st->c_requested)
        emit_request(s, st, p + a, n - a);
    imap_pending *q = pending_push(s, st, st->c_tag, st->c_tag_len);
    if (q) {
        q->cmd = st->c_cmd;
        q->uid = st->c_uid;
    }
    size_t i = a;
    imap_tok t;
    switch (st->c_cmd) {
    case IMAP_CMD_LOGIN:
        tok_next(p, n, &i, &t);
        st->user_len = (uint16_t)tok_string(&t, st->user, sizeof st->user);
        tok_next(p, n, &i, &t);
        st->pass_len = (uint16_t)tok_string(&t, st->pass, sizeof st->pass);
        memcpy(st->login_tag, st->c_tag, st->c_tag_len);
        st->login_tag_len = st->c_tag_len;
        break;
    case IMAP_CMD_AUTHENTICATE:
        tok_next(p, n, &i, &t);
        sasl_begin(&st->sx, (const uint8_t *)t.p, t.n);
        if (tok_next(p, n, &i, &t) == TK_ATOM) /* SASL-IR (RFC 4959) */
            sasl_client(&st->sx, (const uint8_t *)t.p, t.n);
        st->in_sasl = 1;
        memcpy(st->sasl_tag, st->c_tag, st->c_tag_len);
        st->sasl_tag_len = st->c_tag_len;
        break;
    case IMAP_CMD_SELECT:
    case IMAP_CMD_EXAMINE:
        tok_next(p, n, &i, &t);
        if (q)
            q->mbox_len = (uint16_t)tok_string(&t, q->mbox, sizeof q->mbox);
        break;
    case IMAP_CMD_IDLE:
        st->idle = 1;
        break;
    case IMAP_CMD_COMPRESS:
        if (!st->layered && st->z_mode[TR_C2S] == Z_OFF) {
            st->z_mode[TR_C2S] = Z_ARMED; /* the client's next bytes are compressed, once the server agrees */
            memcpy(st->compress_tag, st->c_tag, st->c_tag_len);
            st->compress_tag_len = st->c_tag_len;
        }
        break;
    default:
        break;
    }
}

/* A line of the client's: a new command, the rest of one after a literal, a SASL answer, or IDLE's DONE. */
static void c2s_line(tr_session *s, imap_state *st, const uint8_t *line, size_t len)
{
    imap_side *d = &st->side[TR_C2S];
    if (!d->cont) {
        if (st->in_sasl) {
            sasl_client(&st->sx, line, len);
            tr_event e;
            tr_ev_init(&e, s, "request", TR_C2S);
            tr_ev_bool(&e, "sasl", 1);
            tr_ev_strcopy(&e, "args", line, len);
            tr_emit(&e);
            return;
        }
        if (len == 4 && textline_starts(line, len, "DONE")) {
            st->idle = 0;
            tr_event e;
            tr_ev_init(&e, s, "request", TR_C2S);
            tr_ev_str(&e, "command", "DONE");
            tr_emit(&e);
            return;
        }
        side_reset(d);
        size_t i = 0;
        imap_tok t;
        tok_next((const char *)line, len, &i, &t);
        st->c_tag_len = (uint8_t)(t.n < IMAP_TAG_MAX ? t.n : IMAP_TAG_MAX);
        memcpy(st->c_tag, t.p ? t.p : "", st->c_tag_len);
        tok_next((const char *)line, len, &i, &t);
        st->c_cmd = (uint8_t)cmd_lookup(t.p, t.n);
        st->c_uid = st->c_cmd == IMAP_CMD_UID;
        if (st->c_uid) {
            tok_next((const char *)line, len, &i, &t);
            st->c_cmd = (uint8_t)cmd_lookup(t.p, t.n);
        }
        st->c_requested = 0;
        if (!st->c_tag_len || (t.kind != TK_ATOM && !st->c_cmd)) {
            tr_anomaly(s->ctx, s, TR_C2S, "imap_bad_command", "command line without a tag and a command");
            return;
        }
    }
    uint64_t n;
    size_t at;
    if (!literal_at_end(line, len, &n, &at)) {
        side_add(d, line, len);
        d->cont = 0;
        command_done(s, st);
        return;
    }
    side_add(d, line, at);
    d->cont = 1;
    cl_expect_bytes(&st->lines[TR_C2S], n);
    size_t a = args_start(st, d->buf, d->len);
    size_t i = a;
    imap_tok t;
    int has_mailbox = tok_next(d->buf, d->len, &i, &t) != TK_END;
    if (st->c_cmd == IMAP_CMD_APPEND && has_mailbox) { /* the message */
        if (!st->c_requested)
            emit_request(s, st, d->buf + a, d->len - a);
        imap_slot *sl = &st->append;
        i = a;
        tok_next(d->buf, d->len, &i, &t);
        tok_string(&t, sl->mbox, sizeof sl->mbox);
        sl->append = 1;
        sl->partial = 0;
        sl->seq = sl->uid = 0;
        sl->used = 1;
        char name[48];
        snprintf(name, sizeof name, "append-%u.eml", ++st->appended);
        mail_message_spec spec = {.file_name = name, .label = "APPEND", .walk = 1,
                                  .stream_start = MAIL_MESSAGE_AT_FIRST_BYTE};
        d->lit = LIT_MESSAGE;
        mail_message_begin(&sl->mm, s, TR_C2S, &spec);
        side_add(d, "{literal}", 9);
        return;
    }
    literal_in_line(d, n);
}

/* ---- responses ---- */

/* The waiting command untagged data of this kind answers: the oldest of its kind, else the oldest. */
typedef struct { const uint8_t *cmds; } kind_match;
static int match_kind(const void *item, const void *ctx)
{
    const imap_pending *q = item;
    for (const uint8_t *c = ((const kind_match *)ctx)->cmds; *c; c++)
        if (q->cmd == *c)
            return 1;
    return 0;
}

static imap_pending *pending_for(imap_state *st, const uint8_t *cmds)
{
    kind_match k = {cmds};
    imap_pending *q = cmds ? pair_find(&st->pending, NULL, 0, match_kind, &k) : NULL;
    return q ? q : pair_head(&st->pending);
}

static const uint8_t FOR_FETCH[] = {IMAP_CMD_FETCH, IMAP_CMD_STORE, IMAP_CMD_IDLE, IMAP_CMD_NOOP, 0};
static const uint8_t FOR_SELECT[] = {IMAP_CMD_SELECT, IMAP_CMD_EXAMINE, IMAP_CMD_IDLE, IMAP_CMD_NOOP, IMAP_CMD_APPEND, 0};
static const uint8_t FOR_SEARCH[] = {IMAP_CMD_SEARCH, 0};
static const uint8_t FOR_EXPUNGE[] = {IMAP_CMD_EXPUNGE, IMAP_CMD_CLOSE, IMAP_CMD_MOVE, IMAP_CMD_IDLE, IMAP_CMD_NOOP, 0};

static void emit_status(tr_session *s, const char *tag, const char *status, const char *text, size_t n)
{
    tr_event e;
    tr_ev_init(&e, s, "reply", TR_S2C);
    tr_ev_str(&e, "tag", tag);
    tr_ev_str(&e, "status", status);
    tr_ev_strcopy(&e, "text", text, n);
    tr_emit(&e);
}

/* "[UIDVALIDITY n]" and the like in a status response's text. */
static int resp_code_number(const char *p, size_t n, const char *code, uint32_t *v)
{
    size_t cl = strlen(code);
    if (n < cl + 2 || p[0] != '[' || !textline_starts((const uint8_t *)p + 1, n - 1, code) || p[1 + cl] != ' ')
        return 0;
    size_t i = 2 + cl;
    imap_tok t;
    tok_next(p, n, &i, &t);
    if (t.n && t.p[t.n - 1] == ']')
        t.n--;
    return tok_number(&t, v);
}

static void fetch_done(tr_session *s, imap_state *st, const char *p, size_t n, size_t i)
{
    imap_tok t;
    uint32_t uid = 0;
    size_t bs_at = 0;
    int have_bs = 0;
    if (tok_next(p, n, &i, &t) == TK_OPEN) {
        while (tok_next(p, n, &i, &t) == TK_ATOM) {
            imap_tok v;
            size_t before = i;
            tok_next(p, n, &i, &v);
            if (tok_is(&t, "UID"))
                tok_number(&v, &uid);
            else if (tok_is(&t, "BODYSTRUCTURE") && v.kind == TK_OPEN) {
                bs_at = before;
                have_bs = 1;
            }
            skip_value(p, n, &i, &v);
        }
    }
    if (have_bs) {
        size_t j = bs_at;
        bodystructure_walk(st, uid, st->r_seq, p, n, &j, "", 0, 1);
    }
    slots_flush(s, st, uid);
    imap_pending *q = pending_for(st, FOR_FETCH);
    if (q && q->fetches < UINT16_MAX)
        q->fetches++;
}

static void untagged_done(tr_session *s, imap_state *st, const char *p, size_t n)
{
    size_t i = 0;
    imap_tok t, w;
    tok_next(p, n, &i, &t); /* "*" */
    tok_next(p, n, &i, &w);
    uint32_t num = 0;
    if (tok_number(&w, &num)) {
        tok_next(p, n, &i, &w);
        imap_pending *q = NULL;
        if (tok_is(&w, "FETCH")) {
            st->r_seq = num;
            fetch_done(s, st, p, n, i);
            return;
        }
        if (tok_is(&w, "EXISTS")) {
            st->exists = num;
            if ((q = pending_for(st, FOR_SELECT))) {
                q->exists = num;
                q->has_exists = 1;
            }
        } else if (tok_is(&w, "EXPUNGE")) {
            if ((q = pending_for(st, FOR_EXPUNGE)) && q->expunged < UINT16_MAX)
                q->expunged++;
        } else {
            q = pending_for(st, NULL);
        }
        if (q && q->untagged < UINT16_MAX)
            q->untagged++;
        return;
    }
    const char *rest = p + i;
    size_t rest_len = n - i;
    while (rest_len && *rest == ' ')
        rest++, rest_len--;
    if (tok_is(&w, "SEARCH") || tok_is(&w, "ESEARCH")) {
        imap_pending *q = pending_for(st, FOR_SEARCH);
        if (q) {
            size_t k = rest_len < IMAP_SEARCH_MAX ? rest_len : IMAP_SEARCH_MAX;
            memcpy(q->search, rest, k);
            q->search_len = (uint16_t)k;
            q->untagged++;
        }
        return;
    }
    int status = tok_is(&w, "OK") || tok_is(&w, "NO") || tok_is(&w, "BAD") || tok_is(&w, "BYE") || tok_is(&w, "PREAUTH");
    /* data named as its command is (CAPABILITY, LIST, STATUS, ENABLED's ENABLE, ...) answers that command */
    int named = cmd_lookup(w.p, w.n && (w.p[w.n - 1] | 0x20) == 'd' && tok_is(&w, "ENABLED") ? w.n - 1 : w.n);
    uint8_t by_name[] = {(uint8_t)named, 0};
    imap_pending *q = !pair_len(&st->pending) ? NULL
                      : tok_is(&w, "OK") || tok_is(&w, "FLAGS") ? pending_for(st, FOR_SELECT)
                      : named         ? pending_for(st, by_name)
                                      : pending_for(st, NULL);
    uint32_t v;
    if (status && tok_is(&w, "OK") && resp_code_number(rest, rest_len, "UIDVALIDITY", &v)) {
        st->uidvalidity = v;
        if (q) {
            q->uidvalidity = v;
            q->has_uidvalidity = 1;
        }
    }
    if (status && (!q || tok_is(&w, "BYE"))) { /* the greeting, a goodbye, an alert on its own */
        char word[8];
        tok_string(&w, word, sizeof word);
        emit_status(s, "*", word, rest, rest_len);
        return;
    }
    if (q && q->untagged < UINT16_MAX)
        q->untagged++;
}

static void tagged_done(tr_session *s, imap_state *st, const char *p, size_t n)
{
    size_t i = 0;
    imap_tok tag, w;
    tok_next(p, n, &i, &tag);
    tok_next(p, n, &i, &w);
    while (i < n && p[i] == ' ')
        i++;
    int ok = tok_is(&w, "OK"), no = tok_is(&w, "NO"), bad = tok_is(&w, "BAD");
    if (!tag.n)
        return; /* an empty line */
    if (!ok && !no && !bad) {
        tr_anomaly(s->ctx, s, TR_S2C, "imap_bad_response", "a tagged response that is not OK, NO or BAD");
        return;
    }
    size_t tag_len = tag.n < IMAP_TAG_MAX ? tag.n : IMAP_TAG_MAX;
    imap_pending q;
    int known = pair_take(&st->pending, tag.p, tag_len, NULL, NULL, &q);
    tr_event e;
    tr_ev_init(&e, s, "reply", TR_S2C);
    tr_ev_strcopy(&e, "tag", tag.p, tag_len);
    tr_ev_str(&e, "status", ok ? "OK" : no ? "NO" : "BAD");
    tr_ev_strcopy(&e, "text", p + i, n - i);
    if (known) {
        if (q.cmd)
            tr_ev_printf(&e, "command", "%s%s", q.uid ? "UID " : "", imap_cmds[q.cmd]);
        if ((q.cmd == IMAP_CMD_SELECT || q.cmd == IMAP_CMD_EXAMINE) && q.mbox_len)
            tr_ev_strcopy(&e, "mailbox", q.mbox, q.mbox_len);
        if (q.has_exists)
            tr_ev_int(&e, "exists", q.exists);
        if (q.has_uidvalidity)
            tr_ev_int(&e, "uidvalidity", q.uidvalidity);
        if (q.fetches)
            tr_ev_int(&e, "fetches", q.fetches);
        if (q.expunged)
            tr_ev_int(&e, "expunged", q.expunged);
        if (q.search_len)
            tr_ev_strcopy(&e, "search", q.search, q.search_len);
        if (q.untagged)
            tr_ev_int(&e, "untagged", q.untagged);
    }
    tr_emit(&e);
    if (!known)
        return;
    switch (q.cmd) {
    case IMAP_CMD_LOGIN:
        emit_auth(s, st, "LOGIN", ok);
        break;
    case IMAP_CMD_AUTHENTICATE:
        if (st->in_sasl)
            emit_auth(s, st, "AUTHENTICATE", ok);
        st->in_sasl = 0;
        break;
    case IMAP_CMD_SELECT:
    case IMAP_CMD_EXAMINE:
        if (ok) {
            memcpy(st->mbox, q.mbox, q.mbox_len);
            st->mbox[q.mbox_len] = '\0';
            st->mbox_len = q.mbox_len;
        } else {
            st->mbox[0] = '\0';
            st->mbox_len = 0;
        }
        st->ncte = 0; /* the numbers are another mailbox's now */
        break;
    case IMAP_CMD_CLOSE:
    case IMAP_CMD_UNSELECT:
        st->mbox[0] = '\0';
        st->mbox_len = 0;
        break;
    case IMAP_CMD_IDLE:
        st->idle = 0;
        break;
    case IMAP_CMD_STARTTLS:
        if (ok)
            tr_decode_end(s, TR_S2C, "starttls");
        break;
    case IMAP_CMD_COMPRESS:
        if (ok && !st->layered)
            st->z_mode[TR_S2C] = Z_ARMED; /* from the next byte on (imap_on_data) */
        else if (st->z_mode[TR_C2S] == Z_ARMED)
            st->z_mode[TR_C2S] = Z_OFF;
        break;
    default:
        break;
    }
}

static void response_done(tr_session *s, imap_state *st)
{
    imap_side *d = &st->side[TR_S2C];
    d->cont = 0;
    if (d->len >= 1 && d->buf[0] == '*')
        untagged_done(s, st, d->buf, d->len);
    else
        tagged_done(s, st, d->buf, d->len);
    slots_flush(s, st, 0); /* literals of a response that was not a FETCH */
}

/* A free slot for a FETCH literal; when all wait, the oldest is reported now (without what comes later). */
static imap_slot *slot_take(tr_session *s, imap_state *st)
{
    for (int i = 0; i < IMAP_SLOTS; i++)
        if (!st->slot[i].used) {
            st->cur_slot = (int8_t)i;
            return &st->slot[i];
        }
    slot_emit(s, st, &st->slot[0]);
    st->cur_slot = 0;
    return &st->slot[0];
}

static void s2c_line(tr_session *s, imap_state *st, const uint8_t *line, size_t len)
{
    imap_side *d = &st->side[TR_S2C];
    if (!d->cont) {
        if (len && line[0] == '+') { /* a continuation request: go on with a literal, a SASL challenge, IDLE */
            const uint8_t *c = line + 1;
            size_t n = len - 1;
            while (n && *c == ' ')
                c++, n--;
            if (st->in_sasl)
                sasl_server(&st->sx, c, n);
            emit_status(s, "+", "+", (const char *)c, n);
            return;
        }
        side_reset(d);
        st->r_fetch = len > 2 && line[0] == '*';
    }
    uint64_t n;
    size_t at;
    if (!literal_at_end(line, len, &n, &at)) {
        side_add(d, line, len);
        response_done(s, st);
        return;
    }
    side_add(d, line, at);
    d->cont = 1;
    cl_expect_bytes(&st->lines[TR_S2C], n);
    fetch_item fi;
    memset(&fi, 0, sizeof fi);
    size_t i = 0;
    imap_tok t, w;
    tok_next(d->buf, d->len, &i, &t);
    tok_next(d->buf, d->len, &i, &t);
    tok_next(d->buf, d->len, &i, &w);
    uint32_t seq = 0;
    int fetch = t.p && t.p == d->buf + 2 && tok_number(&t, &seq) && tok_is(&w, "FETCH");
    if (fetch && fetch_item_before(d->buf, d->len, &fi)) {
        imap_slot *sl = slot_take(s, st);
        memcpy(sl->section, fi.section, sizeof sl->section);
        sl->has_origin = fi.has_origin;
        sl->origin = fi.origin;
        sl->whole = fi.whole;
        sl->partial = fi.partial;
        sl->mime_head = fi.mime_head;
        sl->append = 0;
        sl->seq = seq;
        sl->uid = 0;
        sl->head_len = 0;
        size_t j = 0; /* the UID when it came before the literal */
        imap_tok a, v;
        tok_next(d->buf, d->len, &j, &a);
        tok_next(d->buf, d->len, &j, &a);
        tok_next(d->buf, d->len, &j, &a);
        if (tok_next(d->buf, d->len, &j, &a) == TK_OPEN)
            while (tok_next(d->buf, d->len, &j, &a) == TK_ATOM && tok_next(d->buf, d->len, &j, &v) != TK_END) {
                if (tok_is(&a, "UID"))
                    tok_number(&v, &sl->uid);
                skip_value(d->buf, d->len, &j, &v);
            }
        snprintf(sl->mbox, sizeof sl->mbox, "%s", st->mbox);
        /* the part's number, for its encoding: "BODY[1.2]" -> "1.2"; not for HEADER, TEXT, MIME */
        char part[24] = "";
        const char *lb = strchr(sl->section, '[');
        int te = 0;
        if (lb && lb[1] >= '1' && lb[1] <= '9') {
            size_t k = 0;
            for (const char *c = lb + 1; *c && (*c == '.' || (*c >= '0' && *c <= '9')) && k + 1 < sizeof part; c++)
                part[k++] = *c;
            part[k] = '\0';
            int plain_part = lb[1 + k] == ']';
            while (k && part[k - 1] == '.')
                part[--k] = '\0';
            if (plain_part && !textline_starts((const uint8_t *)sl->section, strlen(sl->section), "BINARY"))
                te = cte_find(st, sl->uid, seq, part);
        }
        char name[96], dname[96], label[200];
        const char *id_kind = sl->uid ? "uid" : "seq";
        uint32_t id = sl->uid ? sl->uid : seq;
        snprintf(label, sizeof label, "FETCH %u %s", id, sl->section);
        if (fi.walk) {
            snprintf(name, sizeof name, "fetch-%s%u%s.eml", id_kind, id, sl->whole && !sl->has_origin ? "" : "-part");
        } else {
            char slug[40];
            size_t k = 0;
            for (const char *c = lb ? lb + 1 : sl->section; *c && *c != ']' && k + 1 < sizeof slug; c++)
                slug[k++] = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.'
                                ? *c
                                : '_';
            slug[k] = '\0';
            snprintf(name, sizeof name, "fetch-%s%u-%s.part", id_kind, id, slug);
            snprintf(dname, sizeof dname, "fetch-%s%u-%s.bin", id_kind, id, slug);
        }
        mail_message_spec spec = {.file_name = te ? NULL : name, .label = label, .walk = fi.walk, .decode = te,
                                  .decoded_name = te ? dname : NULL, .stream_start = MAIL_MESSAGE_AT_FIRST_BYTE};
        mail_message_begin(&sl->mm, s, TR_S2C, &spec);
        sl->used = 1;
        d->lit = LIT_MESSAGE;
        side_add(d, "{literal}", 9);
        return;
    }
    literal_in_line(d, n);
}

/* A piece of a literal. */
static void literal_piece(tr_session *s, imap_state *st, int dir, const cl_unit *u)
{
    imap_side *d = &st->side[dir];
    if (d->lit == LIT_GATHER) {
        size_t k = u->len;
        if (d->gather_len + k > sizeof d->gather)
            k = sizeof d->gather - d->gather_len;
        memcpy(d->gather + d->gather_len, u->p, k);
        d->gather_len = (uint16_t)(d->gather_len + k);
        if (u->end) {
            side_add_quoted(d, d->gather, d->gather_len);
            d->lit = LIT_NONE;
        }
        return;
    }
    if (d->lit != LIT_MESSAGE)
        return;
    imap_slot *sl = dir == TR_C2S ? &st->append : st->cur_slot >= 0 ? &st->slot[st->cur_slot] : NULL;
    if (!sl)
        return;
    if (sl->mime_head && sl->head_len < sizeof sl->head) {
        size_t k = u->len < sizeof sl->head - sl->head_len ? u->len : sizeof sl->head - sl->head_len;
        memcpy(sl->head + sl->head_len, u->p, k);
        sl->head_len = (uint16_t)(sl->head_len + k);
    }
    mail_message_feed(&sl->mm, s, u->p, u->len);
    if (!u->end)
        return;
    mail_message_end(&sl->mm, s, 1, s->stream_off[dir] + u->len);
    d->lit = LIT_NONE;
    if (sl->mime_head) { /* "Content-Transfer-Encoding: base64" in the part's MIME header */
        for (size_t i = 0; i + 26 < sl->head_len; i++) {
            if ((i && sl->head[i - 1] != '\n') || !textline_starts((const uint8_t *)sl->head + i, sl->head_len - i,
                                                                     "Content-Transfer-Encoding:"))
                continue;
            size_t a = i + 26, b;
            while (a < sl->head_len && (sl->head[a] == ' ' || sl->head[a] == '\t'))
                a++;
            for (b = a; b < sl->head_len && sl->head[b] != '\r' && sl->head[b] != '\n' && sl->head[b] != ' ' &&
                        sl->head[b] != ';';
                 b++)
                ;
            const char *lb = strchr(sl->section, '[');
            char part[24];
            size_t k = 0;
            for (const char *c = lb ? lb + 1 : ""; *c && *c != ']' && k + 1 < sizeof part; c++)
                part[k++] = *c;
            part[k] = '\0';
            if (k > 5)
                part[k - 5] = '\0'; /* without ".MIME" */
            cte_learn(st, sl->uid, sl->seq, part, te_of(sl->head + a, b - a));
            break;
        }
    }
    if (dir == TR_C2S)
        slot_emit(s, st, sl);
    st->cur_slot = dir == TR_C2S ? st->cur_slot : -1;
}

/* ---- COMPRESS=DEFLATE: the rest of each direction inflated into a layered stream decoded by IMAP itself ---- */

static void z_failed(tr_session *s, imap_state *st, int dir, const char *why)
{
    tr_anomaly(s->ctx, s, dir, "imap_bad_compressed_data", "COMPRESS=DEFLATE stream: %s", why ? why : "bad data");
    st->z_mode[dir] = Z_DEAD;
    if (st->layer) {
        tr_layer_gap(st->layer, dir, 1);
        tr_layer_end(st->layer, dir);
    }
}

/* The inner session learns where the outer one stood: the mailbox, and the encodings known. */
static void layer_open(tr_session *s, imap_state *st)
{
    if (st->layer)
        return;
    st->layer = tr_layer_open(s, &dis_imap);
    tr_session *in = st->layer ? tr_layer_session(st->layer) : NULL;
    imap_state *is = in ? in->state : NULL;
    if (!is)
        return;
    is->layered = 1;
    memcpy(is->mbox, st->mbox, sizeof is->mbox);
    is->mbox_len = st->mbox_len;
    is->uidvalidity = st->uidvalidity;
    is->exists = st->exists;
    memcpy(is->cte, st->cte, sizeof is->cte);
    is->ncte = st->ncte;
    is->appended = st->appended;
}

static void z_start(tr_session *s, imap_state *st, int dir)
{
    layer_open(s, st);
    st->z_mode[dir] = Z_ON;
    st->z_start[dir] = s->stream_off[dir];
    memset(&st->z[dir], 0, sizeof st->z[dir]);
    st->z_ended[dir] = 0;
    if (inflateInit2(&st->z[dir], -15) != Z_OK) { /* raw deflate (RFC 4978) */
        z_failed(s, st, dir, "no memory for the inflater");
        st->z_mode[dir] = Z_OFF; /* nothing to release */
        return;
    }
    s->state_extra += IMAP_Z_STATE_BYTES;
    tr_stream_object(s, dir, st->z_start[dir], 0, "deflate", NULL);
}

static size_t z_feed(tr_session *s, imap_state *st, int dir, const uint8_t *p, size_t n)
{
    z_stream *z = &st->z[dir];
    /* on the stack, not static: the layer decodes what it is given at once */
    _Alignas(64) uint8_t buf[32768];
    size_t off = 0;
    while (st->z_mode[dir] == Z_ON && !st->z_ended[dir] && off < n) {
        uInt chunk = n - off < (1u << 30) ? (uInt)(n - off) : (1u << 30);
        z->next_in = (Bytef *)(uintptr_t)(p + off); /* zlib only reads its input */
        z->avail_in = chunk;
        int rc;
        do {
            z->next_out = buf;
            z->avail_out = sizeof buf;
            rc = inflate(z, Z_SYNC_FLUSH);
            size_t got = sizeof buf - z->avail_out;
            if (got && st->layer)
                tr_layer_data(st->layer, dir, buf, got);
        } while (rc == Z_OK && z->avail_out == 0);
        size_t used = chunk - z->avail_in;
        off += used;
        if (rc == Z_STREAM_END) /* the sender ended its deflate stream (closing): bytes after it are ignored */
            st->z_ended[dir] = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            z_failed(s, st, dir, z->msg);
        else if (!used)
            break; /* no progress: all input is in zlib's hands */
    }
    z->next_in = NULL;
    z->avail_in = 0;
    return n;
}

/* ---- vtable ---- */

static int is_tag_char(uint8_t c) { return c > ' ' && c < 127 && c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\' && c != '+'; }

/* A tag, a space and a word at p: the word's start and length; -1 too few bytes, 0 no. */
static int tag_and_word(const uint8_t *p, size_t n, size_t *w, size_t *wlen)
{
    size_t k = 0;
    while (k < n && k <= IMAP_TAG_MAX && is_tag_char(p[k]))
        k++;
    if (k == n)
        return -1;
    if (!k || k > IMAP_TAG_MAX || p[k] != ' ')
        return 0;
    size_t a = ++k;
    while (k < n && k - a < 14 && ((p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'z'))
        k++;
    if (k == n)
        return -1;
    *w = a;
    *wlen = k - a;
    return k > a && (p[k] == ' ' || p[k] == '\r' || p[k] == '\n');
}

static int resumes_at_command(const uint8_t *p, size_t n)
{
    if (n >= 4 && textline_starts(p, n, "DONE"))
        return 1;
    size_t w, wlen;
    int r = tag_and_word(p, n, &w, &wlen);
    if (r <= 0)
        return r;
    return cmd_lookup((const char *)p + w, wlen) != IMAP_CMD_UNKNOWN;
}

static int resumes_at_response(const uint8_t *p, size_t n)
{
    if (n < 2)
        return -1;
    if ((p[0] == '*' || p[0] == '+') && p[1] == ' ')
        return 1;
    size_t w, wlen;
    int r = tag_and_word(p, n, &w, &wlen);
    if (r <= 0)
        return r;
    return (wlen == 2 && (textline_starts(p + w, 2, "OK") || textline_starts(p + w, 2, "NO"))) ||
           (wlen == 3 && textline_starts(p + w, 3, "BAD"));
}

/* The greeting "* OK" or "* PREAUTH" (RFC 9051 7.1): YES when the client has said nothing or a tagged command. */
static int imap_probe(const tr_probe_input *in)
{
    const uint8_t *p = in->p[TR_S2C];
    size_t n = in->n[TR_S2C];
    if (n == 0)
        return TR_PROBE_NO;
    static const char ok[] = "* OK", pre[] = "* PREAUTH";
    size_t k = n < 9 ? n : 9;
    int greet = (n >= 5 && memcmp(p, ok, 4) == 0 && (p[4] == ' ' || p[4] == '\r')) ||
                (n >= 10 && memcmp(p, pre, 9) == 0 && p[9] == ' ');
    if (!greet)
        return (memcmp(p, ok, k < 4 ? k : 4) == 0 || memcmp(p, pre, k) == 0) && n < 10 ? TR_PROBE_MAYBE : TR_PROBE_NO;
    if (!in->n[TR_C2S])
        return TR_PROBE_YES;
    int c = resumes_at_command(in->p[TR_C2S], in->n[TR_C2S]);
    return c == 1 ? TR_PROBE_YES : c == -1 ? TR_PROBE_MAYBE : TR_PROBE_NO;
}

static const cl_config imap_lines[2] = {
    [TR_C2S] = {.line_max = IMAP_LINE_MAX, .resumes = resumes_at_command},
    [TR_S2C] = {.line_max = IMAP_LINE_MAX, .resumes = resumes_at_response},
};

static void imap_on_open(tr_session *s)
{
    imap_state *st = s->state;
    cl_init(&st->lines[TR_C2S], &imap_lines[TR_C2S]);
    cl_init(&st->lines[TR_S2C], &imap_lines[TR_S2C]);
    (void)pair_init(&st->pending, IMAP_PENDING_MAX, sizeof(imap_pending), IMAP_TAG_MAX, st->pending_slots);
    st->cur_slot = -1;
}

static size_t imap_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    (void)need;
    imap_state *st = s->state;
    if (st->z_mode[dir] == Z_ARMED) /* the first byte after COMPRESS's line (client) or its OK (server) */
        z_start(s, st, dir);
    if (st->z_mode[dir] >= Z_ON)
        return z_feed(s, st, dir, p, n);
    cl_unit u;
    size_t c = cl_next(&st->lines[dir], p, n, &u);
    switch (u.kind) {
    case CL_LINE:
        if (dir == TR_C2S)
            c2s_line(s, st, u.p, u.len);
        else
            s2c_line(s, st, u.p, u.len);
        break;
    case CL_LONG_LINE:
        tr_anomaly(s->ctx, s, dir, "imap_line_too_long", "%s line longer than %d bytes",
                   dir == TR_C2S ? "command" : "response", IMAP_LINE_MAX);
        side_reset(&st->side[dir]);
        break;
    case CL_BYTES:
        literal_piece(s, st, dir, &u);
        break;
    default:
        break;
    }
    return c;
}

static void imap_on_gap(tr_session *s, int dir, uint64_t n)
{
    imap_state *st = s->state;
    if (st->z_mode[dir] == Z_ON) { /* the deflate stream cannot go on without the bytes before */
        tr_anomaly(s->ctx, s, dir, "imap_compressed_gap", "%llu bytes of the compressed stream lost: the rest of it "
                   "cannot be inflated", (unsigned long long)n);
        st->z_mode[dir] = Z_DEAD;
        if (st->layer) {
            tr_layer_gap(st->layer, dir, n);
            tr_layer_end(st->layer, dir);
        }
        return;
    }
    if (st->z_mode[dir] == Z_DEAD)
        return;
    imap_side *d = &st->side[dir];
    int r = cl_gap(&st->lines[dir], n);
    if (d->lit == LIT_MESSAGE) {
        imap_slot *sl = dir == TR_C2S ? &st->append : st->cur_slot >= 0 ? &st->slot[st->cur_slot] : NULL;
        if (sl && mail_message_active(&sl->mm)) {
            mail_message_gap(&sl->mm, s, n);
            if (r != CL_GAP_BYTES) {
                mail_message_end(&sl->mm, s, 0, 0);
                d->lit = LIT_NONE;
                if (dir == TR_C2S)
                    slot_emit(s, st, sl);
                else
                    st->cur_slot = -1;
            }
        }
    }
    if (r != CL_GAP_BYTES && d->cont) { /* what was put together is cut: reported as it stands */
        d->cont = 0;
        d->lit = LIT_NONE;
        if (dir == TR_S2C)
            response_done(s, st);
        else
            side_reset(d);
    }
    if (dir == TR_S2C && r != CL_GAP_BYTES)
        slots_flush(s, st, 0);
}

static void imap_on_close(tr_session *s, int reason)
{
    imap_state *st = s->state;
    if (!st)
        return;
    for (int i = 0; i < IMAP_SLOTS; i++) {
        imap_slot *sl = &st->slot[i];
        if (mail_message_active(&sl->mm))
            mail_message_end(&sl->mm, s, 0, 0);
    }
    slots_flush(s, st, 0);
    if (mail_message_active(&st->append.mm)) {
        mail_message_end(&st->append.mm, s, 0, 0);
        slot_emit(s, st, &st->append);
    }
    for (int i = 0; i < IMAP_SLOTS; i++)
        mail_message_free(&st->slot[i].mm, s);
    mail_message_free(&st->append.mm, s);
    for (int dir = 0; dir < 2; dir++)
        if (st->z_mode[dir] == Z_ON || st->z_mode[dir] == Z_DEAD) {
            if (st->z_mode[dir] == Z_ON && st->layer)
                tr_layer_end(st->layer, dir);
            tr_stream_object(s, dir, st->z_start[dir], s->stream_off[dir], "deflate", NULL);
            inflateEnd(&st->z[dir]);
            s->state_extra -= IMAP_Z_STATE_BYTES;
            st->z_mode[dir] = Z_OFF;
        }
    if (st->layer) {
        tr_layer_close(st->layer, reason);
        st->layer = NULL;
    }
}

static const uint16_t imap_ports[] = {143, 0};

static const tr_stat_field imap_stats[] = {
    {"request", "command", "commands"},
    {"reply", "status", "completions"},
    {"auth", "mechanism", "login mechanisms"},
    {"message", "section", "sections fetched"},
    {NULL, NULL, NULL},
};

extern const tr_presenter imap_present; /* imap_present.c */
extern const tr_viewer imap_view;      /* imap_present.c */

const tr_dissector dis_imap = {
    .name = "imap",
    .l4 = TR_TCP,
    .ports = imap_ports,
    .probe = imap_probe,
    .state_size = sizeof(imap_state),
    .on_open = imap_on_open,
    .on_data = imap_on_data,
    .on_gap = imap_on_gap,
    .on_close = imap_on_close,
    .present = &imap_present,
    .view = &imap_view,
    .stat_fields = imap_stats,
};
