/* dis_pop3: POP3 — commands and answers, logins, and every retrieved message through the message module and the one
 * mailbox. RFC 1939 (POP3, APOP), RFC 2449 (CAPA, pipelining, TOP/UIDL), RFC 2595 (STLS), RFC 5034 (AUTH with
 * SASL initial responses), RFC 6856 (UTF8). */

/* Wire layout (text lines, CRLF):
 *   s2c  +OK POP3 ready <1896.697170952@dbc.mtview.ca.us>    greeting; APOP's timestamp in angle brackets
 *   c2s  COMMAND [SP arg ...]                                "RETR 3", "TOP 3 10", "APOP mrose c4c9334b..."
 *   s2c  +OK text | -ERR text                                 one line, or for RETR, TOP, LIST, UIDL, CAPA (and AUTH
 *                                                             without argument) +OK then lines ended by "." alone,
 *                                                             a line starting with "." sent with one more
 *   c2s  AUTH MECH [initial-response]                         SASL: the server's "+ challenge" lines are answered
 *   s2c  + challenge / c2s base64-answer ... / s2c +OK|-ERR   by one base64 line each, "*" cancels
 *   c2s  STLS -> s2c +OK                                      the rest of the connection is TLS
 *
 * Commands may be pipelined (RFC 2449 6.6): they wait for their answers first-in first-out. */

#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "content_line.h"
#include "mail_message.h"
#include "pairing.h"
#include "sasl.h"
#include "textline.h"

extern const tr_dissector dis_pop3;

#define POP3_LINE_MAX 8192   /* longest command or answer line (RFC 2449: 255 for answers; servers exceed it) */
#define POP3_PENDING_MAX 32  /* commands awaiting their answer */
#define POP3_CRED_MAX 256
#define POP3_WORD_MAX 32     /* longest command word reported as sent */
#define POP3_UIDL_MAX 512    /* message numbers mapped to unique ids */
#define POP3_UID_MAX 70      /* RFC 1939 7: 1 to 70 characters */
#define POP3_ITEMS_MAX 64    /* lines of a LIST, UIDL or CAPA answer listed in its reply */
#define POP3_ITEMS_BYTES 2048

/* The commands, each with whether its +OK answer is multi-line: always, only without an argument (LIST, UIDL,
 * AUTH's mechanism list), or never. */
enum { ML_NEVER = 0, ML_ALWAYS, ML_NO_ARG };
#define POP3_COMMANDS(X)                                                                                          \
    X(USER, ML_NEVER) X(PASS, ML_NEVER) X(APOP, ML_NEVER) X(AUTH, ML_NO_ARG) X(STAT, ML_NEVER)                    \
    X(LIST, ML_NO_ARG) X(RETR, ML_ALWAYS) X(DELE, ML_NEVER) X(NOOP, ML_NEVER) X(RSET, ML_NEVER)                 \
    X(QUIT, ML_NEVER) X(TOP, ML_ALWAYS) X(UIDL, ML_NO_ARG) X(CAPA, ML_ALWAYS) X(STLS, ML_NEVER)                 \
    X(UTF8, ML_NEVER) X(LANG, ML_NO_ARG)

enum pop3_cmd {
    POP3_CMD_UNKNOWN = 0,
#define X(n, m) POP3_CMD_##n,
    POP3_COMMANDS(X)
#undef X
    POP3_CMD_COUNT
};

static const struct {
    const char *name;
    uint8_t multi;
} pop3_cmds[POP3_CMD_COUNT] = {
    [POP3_CMD_UNKNOWN] = {NULL, ML_NEVER},
#define X(n, m) [POP3_CMD_##n] = {#n, m},
    POP3_COMMANDS(X)
#undef X
};

/* A command waiting for its answer. */
typedef struct pop3_pending {
    uint8_t cmd;
    uint8_t has_arg;
    uint8_t has_number;
    uint32_t number; /* RETR, TOP, DELE, LIST, UIDL: the message */
    uint32_t top_lines;
} pop3_pending;

/* What a multi-line answer under way is. */
enum { BLOCK_NONE = 0, BLOCK_MESSAGE, BLOCK_LIST };

typedef struct pop3_uidl {
    uint32_t number;
    uint8_t len;
    char id[POP3_UID_MAX];
} pop3_uidl;

typedef struct pop3_state {
    cl_dir lines[2]; /* [TR_C2S] commands (and SASL answers), [TR_S2C] answers and their multi-line blocks */
    pair_queue pending;
    _Alignas(8) uint8_t pending_slots[PAIR_STORAGE_SIZE(POP3_PENDING_MAX, sizeof(pop3_pending), 0)];
    uint8_t greeted;
    uint8_t ts_len;
    char timestamp[128]; /* the greeting's <...> for APOP */
    /* USER/PASS and APOP */
    char user[POP3_CRED_MAX], pass[POP3_CRED_MAX], digest[64];
    uint16_t user_len, pass_len;
    uint8_t digest_len, has_user, has_pass;
    /* AUTH: the SASL exchange under way (the client's lines are its answers until the final answer) */
    uint8_t in_sasl;
    sasl sx;
    /* the multi-line answer under way */
    uint8_t block;
    pop3_pending block_cmd;
    char status_text[512];
    char msg_name[48], msg_label[48];
    uint16_t status_len;
    uint16_t items, items_len;
    uint32_t items_more;
    uint8_t item_mid_line; /* inside an over-long line of a multi-line answer */
    char items_buf[POP3_ITEMS_BYTES];
    /* message numbers and their unique ids, as UIDL answered */
    pop3_uidl uidl[POP3_UIDL_MAX];
    uint16_t nuidl;
    mail_message msg;
} pop3_state;

/* ---- small parsers ---- */

static int pop3_cmd_lookup(const uint8_t *w, size_t n)
{
    for (int c = 1; c < POP3_CMD_COUNT; c++)
        if (strlen(pop3_cmds[c].name) == n && textline_starts(w, n, pop3_cmds[c].name))
            return c;
    return POP3_CMD_UNKNOWN;
}

/* A message number: 1 to 9 digits. */
static int read_number(const uint8_t *p, size_t n, uint32_t *v)
{
    if (!n || n > 9)
        return 0;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        x = x * 10 + (uint32_t)(p[i] - '0');
    }
    *v = x;
    return 1;
}

static void keep(char *dst, size_t cap, uint16_t *len, const uint8_t *p, size_t n)
{
    if (n > cap)
        n = cap;
    memcpy(dst, p, n);
    *len = (uint16_t)n;
}

/* ---- unique ids ---- */

static const pop3_uidl *uidl_of(const pop3_state *st, uint32_t number)
{
    for (uint16_t i = 0; i < st->nuidl; i++)
        if (st->uidl[i].number == number)
            return &st->uidl[i];
    return NULL;
}

/* "n id" from a UIDL answer (the multi-line one's lines, or the text after +OK of a UIDL n). */
static void uidl_learn(pop3_state *st, const uint8_t *p, size_t n)
{
    size_t wlen, idlen;
    const uint8_t *id;
    textline_word(p, n, &wlen, &id, &idlen);
    uint32_t number;
    while (idlen && (id[idlen - 1] == ' ' || id[idlen - 1] == '\t'))
        idlen--;
    if (!read_number(p, wlen, &number) || !idlen || idlen > POP3_UID_MAX)
        return;
    pop3_uidl *u = (pop3_uidl *)uidl_of(st, number);
    if (!u) {
        if (st->nuidl == POP3_UIDL_MAX)
            return;
        u = &st->uidl[st->nuidl++];
    }
    u->number = number;
    u->len = (uint8_t)idlen;
    memcpy(u->id, id, idlen);
}

/* ---- events ---- */

static void emit_auth(tr_session *s, pop3_state *st, const char *mech, int success)
{
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_NODIR);
    tr_ev_str(&e, "mechanism", mech);
    if (st->has_user)
        tr_ev_strn(&e, "user", st->user, st->user_len);
    if (st->has_pass)
        tr_ev_strn(&e, "password", st->pass, st->pass_len);
    if (strcmp(mech, "APOP") == 0) {
        if (st->ts_len)
            tr_ev_strn(&e, "timestamp", st->timestamp, st->ts_len);
        tr_ev_strn(&e, "digest", st->digest, st->digest_len);
    }
    tr_ev_bool(&e, "success", success);
    tr_emit(&e);
}

static void emit_sasl_auth(tr_session *s, pop3_state *st, int success)
{
    const sasl *x = &st->sx;
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_NODIR);
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
    tr_ev_bool(&e, "success", success);
    tr_emit(&e);
    st->in_sasl = 0;
}

/* The message a RETR or TOP answer carried, at its end (or where it was cut). */
static void message_done(tr_session *s, pop3_state *st, int complete, uint64_t end)
{
    const pop3_pending *q = &st->block_cmd;
    mail_message_end(&st->msg, s, complete, end);
    int partial = q->cmd == POP3_CMD_TOP;
    tr_event e;
    tr_ev_init(&e, s, "message", TR_S2C);
    tr_ev_str(&e, "command", pop3_cmds[q->cmd].name);
    if (q->has_number) {
        tr_ev_int(&e, "number", q->number);
        const pop3_uidl *u = uidl_of(st, q->number);
        if (u)
            tr_ev_strn(&e, "uidl", u->id, u->len);
    }
    if (partial) {
        tr_ev_bool(&e, "partial", 1);
        tr_ev_int(&e, "top_lines", q->top_lines);
    }
    mail_message_fields(&st->msg, &e);
    tr_emit(&e);
    mail_message_mailbox(&st->msg, s, dis_pop3.name, partial);
    mail_message_done(&st->msg);
}

static void emit_reply(tr_session *s, pop3_state *st, int ok, const char *text, size_t n, int cmd, int with_items)
{
    tr_event e;
    tr_ev_init(&e, s, "reply", TR_S2C);
    tr_ev_str(&e, "status", ok ? "+OK" : "-ERR");
    tr_ev_strn(&e, "text", text, n);
    if (cmd)
        tr_ev_str(&e, "command", pop3_cmds[cmd].name);
    else if (!st->greeted)
        tr_ev_bool(&e, "greeting", 1);
    if (with_items) {
        tr_ev_int(&e, "lines", st->items + st->items_more);
        tr_ev_list(&e, "items");
        for (size_t k = 0; k < st->items_len;) {
            size_t len = strlen(st->items_buf + k);
            tr_ev_strn(&e, NULL, st->items_buf + k, len);
            k += len + 1;
        }
        tr_ev_end(&e);
    }
    tr_emit(&e);
}

/* ---- commands ---- */

static void on_command(tr_session *s, pop3_state *st, const uint8_t *line, size_t len)
{
    if (st->in_sasl) { /* an answer to the server's challenge */
        sasl_client(&st->sx, line, len);
        tr_event e;
        tr_ev_init(&e, s, "request", TR_C2S);
        tr_ev_bool(&e, "sasl", 1);
        tr_ev_strcopy(&e, "arg", line, len);
        tr_emit(&e);
        return;
    }
    size_t wlen, alen;
    const uint8_t *arg;
    textline_word(line, len, &wlen, &arg, &alen);
    if (!wlen)
        return;
    int cmd = pop3_cmd_lookup(line, wlen);
    tr_event e;
    tr_ev_init(&e, s, "request", TR_C2S);
    if (cmd)
        tr_ev_str(&e, "command", pop3_cmds[cmd].name);
    else
        tr_ev_strcopy(&e, "command", line, wlen < POP3_WORD_MAX ? wlen : POP3_WORD_MAX);
    if (alen)
        tr_ev_strcopy(&e, "arg", arg, alen);
    tr_emit(&e);

    pop3_pending q = {.cmd = (uint8_t)cmd, .has_arg = alen > 0};
    size_t nlen, rlen;
    const uint8_t *rest;
    textline_word(arg, alen, &nlen, &rest, &rlen);
    q.has_number = (uint8_t)read_number(arg, nlen, &q.number);
    switch (cmd) {
    case POP3_CMD_USER:
        keep(st->user, sizeof st->user, &st->user_len, arg, alen);
        st->has_user = 1;
        st->has_pass = 0;
        break;
    case POP3_CMD_PASS:
        keep(st->pass, sizeof st->pass, &st->pass_len, arg, alen);
        st->has_pass = 1;
        break;
    case POP3_CMD_APOP: {
        keep(st->user, sizeof st->user, &st->user_len, arg, nlen);
        st->has_user = 1;
        st->has_pass = 0;
        uint16_t dlen;
        keep(st->digest, sizeof st->digest, &dlen, rest, rlen);
        st->digest_len = (uint8_t)dlen;
        break;
    }
    case POP3_CMD_AUTH:
        if (!alen)
            break; /* the mechanisms' list */
        sasl_begin(&st->sx, arg, nlen);
        if (rlen)
            sasl_client(&st->sx, rest, rlen);
        st->in_sasl = 1;
        break;
    case POP3_CMD_TOP: {
        size_t llen, r2;
        const uint8_t *r;
        textline_word(rest, rlen, &llen, &r, &r2);
        (void)read_number(rest, llen, &q.top_lines);
        break;
    }
    default:
        break;
    }
    int drop;
    pop3_pending *slot = pair_push(&st->pending, NULL, 0, &drop);
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, TR_C2S, "pop3_too_many_pending_commands",
                   "more than %d commands without an answer; the oldest are forgotten", POP3_PENDING_MAX);
    if (slot)
        *slot = q;
}

/* ---- answers ---- */

static void block_begin(pop3_state *st, const pop3_pending *q, const uint8_t *text, size_t n)
{
    st->block_cmd = *q;
    cl_expect_dot(&st->lines[TR_S2C]);
    if (q->cmd == POP3_CMD_RETR || q->cmd == POP3_CMD_TOP) {
        st->block = BLOCK_MESSAGE; /* the message begins at its first line (its stream offset known then) */
        const char *verb = q->cmd == POP3_CMD_TOP ? "top" : "retr";
        if (q->has_number) {
            snprintf(st->msg_name, sizeof st->msg_name, "%s-%u.eml", verb, q->number);
            snprintf(st->msg_label, sizeof st->msg_label, "%s %u", pop3_cmds[q->cmd].name, q->number);
        } else {
            snprintf(st->msg_name, sizeof st->msg_name, "%s.eml", verb);
            snprintf(st->msg_label, sizeof st->msg_label, "%s", pop3_cmds[q->cmd].name);
        }
        return;
    }
    st->block = BLOCK_LIST;
    keep(st->status_text, sizeof st->status_text, &st->status_len, text, n);
    st->items = 0;
    st->items_len = 0;
    st->items_more = 0;
    st->item_mid_line = 0;
}

static void on_answer(tr_session *s, pop3_state *st, const uint8_t *line, size_t len)
{
    int ok = textline_starts(line, len, "+OK");
    int err = !ok && textline_starts(line, len, "-ERR");
    if (!ok && !err) {
        if (st->in_sasl && len && line[0] == '+') { /* "+ challenge" (or "+" alone) */
            const uint8_t *c = line + 1;
            size_t n = len - 1;
            while (n && *c == ' ')
                c++, n--;
            sasl_server(&st->sx, c, n);
            tr_event e;
            tr_ev_init(&e, s, "reply", TR_S2C);
            tr_ev_str(&e, "status", "+");
            tr_ev_strn(&e, "text", c, n);
            tr_emit(&e);
            return;
        }
        tr_anomaly(s->ctx, s, TR_S2C, "pop3_bad_answer", "answer line does not start with +OK or -ERR");
        return;
    }
    size_t skip = ok ? 3 : 4;
    const uint8_t *text = line + skip;
    size_t n = len - skip;
    while (n && *text == ' ')
        text++, n--;

    pop3_pending q = {0};
    int had = pair_pop(&st->pending, &q);
    if (!had && !st->greeted) { /* the greeting: APOP's timestamp, if any */
        const uint8_t *lt = n ? memchr(text, '<', n) : NULL;
        const uint8_t *gt = lt ? memchr(lt, '>', n - (size_t)(lt - text)) : NULL;
        if (lt && gt && (size_t)(gt - lt + 1) <= sizeof st->timestamp) {
            st->ts_len = (uint8_t)(gt - lt + 1);
            memcpy(st->timestamp, lt, st->ts_len);
        }
        emit_reply(s, st, ok, (const char *)text, n, 0, 0);
        st->greeted = 1;
        return;
    }
    st->greeted = 1;
    int multi = ok && q.cmd && (pop3_cmds[q.cmd].multi == ML_ALWAYS || (pop3_cmds[q.cmd].multi == ML_NO_ARG && !q.has_arg));
    if (multi && q.cmd == POP3_CMD_AUTH && st->in_sasl)
        multi = 0;
    if (multi && q.cmd != POP3_CMD_RETR && q.cmd != POP3_CMD_TOP) {
        block_begin(st, &q, text, n); /* the reply waits for its lines */
        return;
    }
    emit_reply(s, st, ok, (const char *)text, n, q.cmd, 0);
    if (multi) {
        block_begin(st, &q, text, n);
        return;
    }
    switch (q.cmd) {
    case POP3_CMD_USER:
        if (err)
            emit_auth(s, st, "USER", 0);
        break;
    case POP3_CMD_PASS:
        emit_auth(s, st, "USER", ok);
        break;
    case POP3_CMD_APOP:
        emit_auth(s, st, "APOP", ok);
        break;
    case POP3_CMD_AUTH:
        if (st->in_sasl)
            emit_sasl_auth(s, st, ok);
        break;
    case POP3_CMD_UIDL:
        if (ok)
            uidl_learn(st, text, n);
        break;
    case POP3_CMD_STLS:
        if (ok)
            tr_decode_end(s, TR_S2C, "starttls");
        break;
    default:
        break;
    }
}

static void message_begin(tr_session *s, pop3_state *st)
{
    mail_message_spec spec = {.file_name = st->msg_name, .label = st->msg_label, .walk = 1,
                              .stream_start = MAIL_MESSAGE_AT_FIRST_BYTE};
    mail_message_begin(&st->msg, s, TR_S2C, &spec);
}

/* A line of a multi-line answer (unstuffed, with its line end). */
static void block_line(tr_session *s, pop3_state *st, const cl_unit *u)
{
    if (st->block == BLOCK_MESSAGE) {
        if (!mail_message_active(&st->msg))
            message_begin(s, st);
        mail_message_feed(&st->msg, s, u->p, u->len);
        return;
    }
    if (st->item_mid_line) { /* the rest of an over-long line, counted with its first piece */
        if (u->eol)
            st->item_mid_line = 0;
        return;
    }
    if (!u->eol) /* an over-long line comes in pieces cut where the bytes happened to end: only its first counts */
        st->item_mid_line = 1;
    size_t n = u->len;
    while (n && (u->p[n - 1] == '\n' || u->p[n - 1] == '\r'))
        n--;
    if (st->block_cmd.cmd == POP3_CMD_UIDL)
        uidl_learn(st, u->p, n);
    if (st->items < POP3_ITEMS_MAX && st->items_len + n + 1 <= sizeof st->items_buf) {
        memcpy(st->items_buf + st->items_len, u->p, n);
        st->items_buf[st->items_len + n] = '\0';
        st->items_len = (uint16_t)(st->items_len + n + 1);
        st->items++;
    } else {
        st->items_more++;
    }
}

/* The multi-line answer is over (its "." line ends at stream offset end; 0: cut by a gap or the close). */
static void block_end(tr_session *s, pop3_state *st, int complete, uint64_t end)
{
    if (st->block == BLOCK_MESSAGE) {
        if (!mail_message_active(&st->msg)) /* an empty message */
            message_begin(s, st);
        message_done(s, st, complete, end);
    } else if (st->block == BLOCK_LIST) {
        emit_reply(s, st, 1, st->status_text, st->status_len, st->block_cmd.cmd, 1);
    }
    st->block = BLOCK_NONE;
}

/* ---- vtable ---- */

static int is_command_word(const uint8_t *p, size_t n)
{
    tr_buf b = tr_buf_make(p, n);
    size_t k = 0;
    uint8_t c;
    while (k < 5 && (c = tr_peek_at(&b, k) | 0x20) >= 'a' && c <= 'z')
        k++;
    if (k == 5)
        return 0;
    uint8_t after = tr_peek_at(&b, k);
    if (b.err)
        return -1;
    if (k < 3 || (after != ' ' && after != '\r' && after != '\n'))
        return 0;
    return pop3_cmd_lookup(p, k) != POP3_CMD_UNKNOWN;
}

/* The greeting "+OK" (RFC 1939 4): YES when the client has said nothing yet or its first words are POP3's (a Redis
 * server answers +OK too, but to a client that spoke first). */
static int pop3_probe(const tr_probe_input *in)
{
    const uint8_t *p = in->p[TR_S2C];
    size_t n = in->n[TR_S2C];
    int client = in->n[TR_C2S] ? is_command_word(in->p[TR_C2S], in->n[TR_C2S]) : 1;
    if (n == 0)
        return client == 1 && in->n[TR_C2S] ? TR_PROBE_MAYBE : TR_PROBE_NO;
    if (n < 4)
        return memcmp(p, "+OK", n < 3 ? n : 3) == 0 ? TR_PROBE_MAYBE : TR_PROBE_NO;
    if (memcmp(p, "+OK", 3) != 0 || (p[3] != ' ' && p[3] != '\r' && p[3] != '\n'))
        return TR_PROBE_NO;
    if (client == 0)
        return TR_PROBE_NO;
    return client == 1 ? TR_PROBE_YES : TR_PROBE_MAYBE;
}

static int resumes_at_command(const uint8_t *p, size_t n) { return is_command_word(p, n); }

static int resumes_at_answer(const uint8_t *p, size_t n)
{
    if (n < 4)
        return (n >= 1 && p[0] != '+' && p[0] != '-') ? 0 : -1;
    return (memcmp(p, "+OK", 3) == 0 && (p[3] == ' ' || p[3] == '\r' || p[3] == '\n')) ||
           memcmp(p, "-ERR", 4) == 0;
}

static const cl_config pop3_lines[2] = {
    [TR_C2S] = {.line_max = POP3_LINE_MAX, .resumes = resumes_at_command},
    [TR_S2C] = {.line_max = POP3_LINE_MAX, .resumes = resumes_at_answer},
};

static void pop3_on_open(tr_session *s)
{
    pop3_state *st = s->state;
    cl_init(&st->lines[TR_C2S], &pop3_lines[TR_C2S]);
    cl_init(&st->lines[TR_S2C], &pop3_lines[TR_S2C]);
    (void)pair_init(&st->pending, POP3_PENDING_MAX, sizeof(pop3_pending), 0, st->pending_slots);
}

static size_t pop3_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    (void)need;
    pop3_state *st = s->state;
    cl_unit u;
    size_t c = cl_next(&st->lines[dir], p, n, &u);
    switch (u.kind) {
    case CL_LINE:
        if (dir == TR_C2S)
            on_command(s, st, u.p, u.len);
        else
            on_answer(s, st, u.p, u.len);
        break;
    case CL_LONG_LINE:
        tr_anomaly(s->ctx, s, dir, "pop3_line_too_long", "%s line longer than %d bytes",
                   dir == TR_C2S ? "command" : "answer", POP3_LINE_MAX);
        break;
    case CL_DOT:
        block_line(s, st, &u);
        break;
    case CL_DOT_END:
        block_end(s, st, 1, s->stream_off[TR_S2C] + c); /* the message's range ends after the "." line */
        break;
    default:
        break;
    }
    return c;
}

static void pop3_on_gap(tr_session *s, int dir, uint64_t n)
{
    pop3_state *st = s->state;
    int r = cl_gap(&st->lines[dir], n);
    if (dir == TR_S2C && r == CL_GAP_DOT && st->block) {
        if (st->block == BLOCK_MESSAGE && mail_message_active(&st->msg))
            mail_message_gap(&st->msg, s, n);
        block_end(s, st, 0, 0);
    }
}

static void pop3_on_close(tr_session *s, int reason)
{
    (void)reason;
    pop3_state *st = s->state;
    if (!st)
        return;
    if (st->block)
        block_end(s, st, 0, 0);
    mail_message_free(&st->msg, s);
}

static const uint16_t pop3_ports[] = {110, 0};

static const tr_stat_field pop3_stats[] = {
    {"request", "command", "commands"},
    {"reply", "status", "answers"},
    {"auth", "mechanism", "login mechanisms"},
    {NULL, NULL, NULL},
};

extern const tr_presenter pop3_present; /* pop3_present.c */
extern const tr_viewer pop3_view;      /* pop3_present.c */

const tr_dissector dis_pop3 = {
    .name = "pop3",
    .l4 = TR_TCP,
    .ports = pop3_ports,
    .probe = pop3_probe,
    .state_size = sizeof(pop3_state),
    .on_open = pop3_on_open,
    .on_data = pop3_on_data,
    .on_gap = pop3_on_gap,
    .on_close = pop3_on_close,
    .present = &pop3_present,
    .view = &pop3_view,
    .stat_fields = pop3_stats,
};
