/* dis_smtp: SMTP sessions — commands and replies, logins, envelopes, and each message with its attachments.
 * RFC 5321 (SMTP), RFC 1869 (EHLO), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 2920 (PIPELINING), RFC 3030
 * (CHUNKING, BDAT), RFC 3207 (STARTTLS), RFC 4954 (AUTH), RFC 2034 (enhanced status codes in replies). */

/* Wire layout (text lines, CRLF):
 *   s2c  220 mx.example.org ESMTP Postfix             greeting
 *   c2s  EHLO client.example.org
 *   s2c  250-mx.example.org / 250-PIPELINING / 250 CHUNKING      a multi-line reply: one extension a line
 *   c2s  AUTH PLAIN AGFubmEAc2VjcmV0                  SASL; or "AUTH LOGIN", then answers to 334 challenges
 *   s2c  334 VXNlcm5hbWU6 ... 235 2.7.0 Authentication successful  (535 when refused)
 *   c2s  MAIL FROM:<anna@example.org> SIZE=1234 BODY=8BITMIME
 *   c2s  RCPT TO:<bob@example.net>                    one per recipient, each answered on its own
 *   c2s  DATA                                         with PIPELINING, the three above go in one batch
 *   s2c  250 / 250 / 550 / 354                        answers in order (a FIFO of commands waiting)
 *   c2s  the message, lines starting "." doubled, ended by a line "."
 *   s2c  250 2.0.0 Ok: queued as 4F3A21234
 *   c2s  BDAT 4096 / 4096 bytes / BDAT 120 LAST / 120 bytes       CHUNKING: counted, not dot-stuffed; chunks may
 *                                                     follow each other before their replies
 *   c2s  STARTTLS -> s2c 220: the rest of the connection is TLS
 *
 * A message is walked as it streams (mime.h: its header section, its MIME tree, each leaf decoded, hashed and
 * extracted) and extracted whole, as transferred after unstuffing, to a .eml file; its `message` event comes at
 * the reply to its end (which names the queue id), or when the session moves on without one. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "content_line.h"
#include "mailbox.h"
#include "mime.h"
#include "object.h"
#include "pairing.h"
#include "sasl.h"
#include "textline.h"

extern const tr_dissector dis_smtp;

#define SMTP_LINE_MAX 16384        /* longest command line (XOAUTH2 tokens run long); a message line may be longer */
#define SMTP_REPLY_LINE_MAX 4096
#define SMTP_REPLY_MAX (64u * 1024) /* a multi-line reply longer than this is cut */
#define SMTP_REPLY_LINES_MAX 500
#define SMTP_TEXT_MAX 8192         /* reply text reported in one event */
#define SMTP_PENDING_MAX 512       /* commands awaiting their reply (a pipelined batch of recipients) */
#define SMTP_RCPT_MAX 100          /* recipients kept per envelope (RFC 5321 4.5.3.1.8: servers take 100) */
#define SMTP_RCPT_BUF 8192         /* their addresses */
#define SMTP_ADDR_MAX 256

#define SMTP_QUEUE_ID_MAX 64

enum smtp_kind { SMTP_K_OTHER = 0, SMTP_K_HELLO, SMTP_K_MAIL, SMTP_K_RCPT, SMTP_K_DATA, SMTP_K_BDAT, SMTP_K_RSET,
                 SMTP_K_AUTH, SMTP_K_STARTTLS };

enum smtp_cmd {
    SMTP_CMD_UNKNOWN = 0,
#define SMTP_CMD(name, kind) SMTP_CMD_##name,
#include "smtp_cmd.def"
#undef SMTP_CMD
    SMTP_CMD_COUNT,
    SMTP_DATA_END = SMTP_CMD_COUNT, /* not a command: the end of a message's DATA, which a reply answers too */
};

static const struct {
    const char *name;
    uint8_t kind;
} smtp_cmds[SMTP_CMD_COUNT] = {
    [SMTP_CMD_UNKNOWN] = {NULL, SMTP_K_OTHER},
#define SMTP_CMD(n, k) [SMTP_CMD_##n] = {#n, k},
#include "smtp_cmd.def"
#undef SMTP_CMD
};

/* A command (or a message's end) waiting for its reply. */
typedef struct smtp_pending {
    uint8_t cmd;     /* enum smtp_cmd, or SMTP_DATA_END */
    uint8_t last;    /* BDAT ... LAST */
    uint16_t rcpt;   /* RCPT: its index in the envelope + 1 (0: not kept) */
    uint32_t env;    /* the envelope it belongs to */
} smtp_pending;

typedef struct smtp_rcpt {
    uint16_t off, len; /* in the envelope's buffer */
    int16_t code;      /* its reply; 0 until it came */
} smtp_rcpt;

/* The transaction under way: MAIL FROM, RCPT TO, and their replies. */
typedef struct smtp_env {
    uint32_t serial;   /* a new one at every MAIL, RSET, HELO/EHLO */
    uint8_t has_from;
    uint16_t from_len;
    char from[SMTP_ADDR_MAX];
    int64_t declared_size; /* SIZE=; -1 when not given */
    char body[16];     /* BODY=7BIT / 8BITMIME / BINARYMIME */
    uint16_t nrcpt, used;
    uint32_t rcpt_more; /* recipients past SMTP_RCPT_MAX or the buffer: counted */
    smtp_rcpt rcpt[SMTP_RCPT_MAX];
    char buf[SMTP_RCPT_BUF];
} smtp_env;

enum { MSG_NONE = 0, MSG_BODY, MSG_WAIT }; /* no message; its bytes coming; over, its reply awaited */

/* The message under way. */
typedef struct smtp_msg {
    uint8_t state;
    uint8_t bdat;        /* sent in BDAT chunks (else DATA) */
    uint8_t lost;        /* bytes of it were lost */
    uint8_t abandoned;   /* BDAT chunks without their LAST: the session moved on */
    uint8_t named;       /* the transcript's object has its file */
    uint8_t early;       /* a DATA body begun before its 354 (the 354 must not begin another) */
    uint32_t chunks;
    uint64_t obj_start;  /* the stream range under way (the DATA body, or the BDAT chunks from the first) */
    obj eml;             /* the message as transferred, after unstuffing */
    obj_result r;
    int code;            /* the reply to its end, 0 while none */
    char queue_id[SMTP_QUEUE_ID_MAX];
} smtp_msg;

typedef struct smtp_state {
    cl_dir lines[2];     /* [TR_C2S] commands and the message, [TR_S2C] replies */
    pair_queue pending;  /* commands in the order they were sent, over pending_slots */
    _Alignas(8) uint8_t pending_slots[PAIR_STORAGE_SIZE(SMTP_PENDING_MAX, sizeof(smtp_pending), 0)];
    uint8_t seen[2];     /* a direction's first bytes were looked at (TLS from the start) */
    uint8_t data_asked;  /* DATA sent, its 354 not come yet */
    uint8_t in_sasl;     /* AUTH sent, its final reply not come: client lines are SASL answers */
    uint8_t chunk_last;  /* the BDAT chunk under way is the LAST one */
    uint8_t hunting;     /* a hole took the end of a message: its range ends at the next unit read */
    sasl auth;
    smtp_env env;
    smtp_msg msg;
    mime *m;             /* the message's walk, allocated at the first message, kept to the end */
} smtp_state;

/* ---- small parsers ---- */

static int smtp_cmd_lookup(const uint8_t *w, size_t n)
{
    for (int c = 1; c < SMTP_CMD_COUNT; c++)
        if (strlen(smtp_cmds[c].name) == n && textline_starts(w, n, smtp_cmds[c].name))
            return c;
    return SMTP_CMD_UNKNOWN;
}

static int is_space(uint8_t c) { return c == ' ' || c == '\t'; }

/* An unknown command is reported as sent when it looks like one: letters, digits, '-' and '_', at most 32. */
static int command_like(const uint8_t *w, size_t n)
{
    if (n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = w[i] | 0x20;
        if (!((c >= 'a' && c <= 'z') || (w[i] >= '0' && w[i] <= '9') || w[i] == '-' || w[i] == '_'))
            return 0;
    }
    return 1;
}

/* The address of "FROM:<a@b> params" or "TO:<a@b> params" (the keyword already checked): *addr, and the params
 * after it. Accepts a space after the colon and an address without brackets, as servers do. */
static int path_read(const uint8_t *p, size_t n, size_t kw, const uint8_t **addr, size_t *alen,
                     const uint8_t **params, size_t *plen)
{
    if (n < kw || !textline_starts(p, n, kw == 5 ? "FROM:" : "TO:"))
        return 0;
    size_t i = kw;
    while (i < n && is_space(p[i]))
        i++;
    size_t a = i, e;
    if (i < n && p[i] == '<') {
        const uint8_t *close = memchr(p + i, '>', n - i);
        if (!close)
            return 0;
        a = i + 1;
        e = (size_t)(close - p);
        i = e + 1;
    } else {
        while (i < n && !is_space(p[i]))
            i++;
        e = i;
    }
    while (i < n && is_space(p[i]))
        i++;
    *addr = p + a;
    *alen = e - a;
    *params = p + i;
    *plen = n - i;
    return 1;
}

/* The value of KEY= among space-separated ESMTP parameters. */
static int param_get(const uint8_t *p, size_t n, const char *key, const uint8_t **v, size_t *vlen)
{
    size_t klen = strlen(key);
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(p[i]))
            i++;
        size_t s = i;
        while (i < n && !is_space(p[i]))
            i++;
        if (i - s > klen && p[s + klen] == '=' && textline_starts(p + s, i - s, key)) {
            *v = p + s + klen + 1;
            *vlen = i - s - klen - 1;
            return 1;
        }
    }
    return 0;
}

/* The queue id a server names in its reply to a message: Postfix "queued as 4F3A21234", Exim "id=1abc-000-XY",
 * Sendmail "2.0.0 7B9Aab12345 Message accepted for delivery". */
static size_t queue_id_of(const char *t, size_t n, char *out, size_t cap)
{
    const char *marks[] = {"queued as ", "id="};
    for (size_t k = 0; k < 2; k++) {
        size_t ml = strlen(marks[k]);
        for (size_t i = 0; i + ml < n; i++) {
            if (!textline_starts((const uint8_t *)t + i, n - i, marks[k]) ||
                (i && k == 1 && t[i - 1] != ' '))
                continue;
            size_t a = i + ml, e = a;
            while (e < n && t[e] != ' ' && t[e] != ';' && t[e] != ',' && t[e] != ')' && t[e] != '\n' &&
                   e - a + 1 < cap)
                e++;
            if (e > a) {
                memcpy(out, t + a, e - a);
                out[e - a] = '\0';
                return e - a;
            }
        }
    }
    static const char accepted[] = " Message accepted";
    size_t al = sizeof accepted - 1;
    for (size_t i = 0; i + al <= n; i++) {
        if (memcmp(t + i, accepted, al) != 0)
            continue;
        size_t s = i;
        while (s > 0 && t[s - 1] != ' ')
            s--;
        if (i > s && i - s < cap && !(t[s] >= '0' && t[s] <= '9' && memchr(t + s, '.', i - s))) {
            memcpy(out, t + s, i - s);
            out[i - s] = '\0';
            return i - s;
        }
        break;
    }
    return 0;
}

/* ---- the envelope ---- */

static void env_reset(smtp_env *env)
{
    uint32_t serial = env->serial + 1;
    env->has_from = 0;
    env->from_len = 0;
    env->declared_size = -1;
    env->body[0] = '\0';
    env->nrcpt = 0;
    env->used = 0;
    env->rcpt_more = 0;
    env->serial = serial;
}

static uint16_t env_add_rcpt(smtp_env *env, const uint8_t *a, size_t n)
{
    if (n > SMTP_ADDR_MAX)
        n = SMTP_ADDR_MAX;
    if (env->nrcpt == SMTP_RCPT_MAX || env->used + n > SMTP_RCPT_BUF) {
        env->rcpt_more++;
        return 0;
    }
    smtp_rcpt *r = &env->rcpt[env->nrcpt++];
    r->off = env->used;
    r->len = (uint16_t)n;
    r->code = 0;
    memcpy(env->buf + env->used, a, n);
    env->used = (uint16_t)(env->used + n);
    return env->nrcpt;
}

/* ---- the message ---- */

static const obj_words smtp_message_words = {
    .decode_error = "smtp_message_decode_error",
    .truncated = "smtp_message_truncated",
    .too_large = "smtp_message_too_large",
    .noun = "message",
    .len_key = "size",
    .sha256_key = "sha256",
    .complete_key = "complete",
};

/* Tells the sinks where the message's bytes are in the stream (and, once open, its file). */
static void msg_range(tr_session *s, smtp_msg *g, uint64_t end)
{
    const char *file = obj_file(&g->eml);
    g->named = file[0] != '\0';
    tr_stream_object(s, TR_C2S, g->obj_start, end, "message", g->named ? file : NULL);
}

static int msg_begin(tr_session *s, smtp_state *st, int bdat)
{
    if (!st->m) {
        st->m = calloc(1, sizeof *st->m);
        if (!st->m) {
            tr_anomaly(s->ctx, s, TR_C2S, "smtp_no_memory", "no memory to walk a message");
            return 0;
        }
        s->state_extra += sizeof *st->m;
    }
    smtp_msg *g = &st->msg;
    g->state = MSG_BODY;
    g->bdat = (uint8_t)bdat;
    g->lost = g->abandoned = g->named = g->early = 0;
    g->chunks = 0;
    g->code = 0;
    g->queue_id[0] = '\0';
    memset(&g->r, 0, sizeof g->r);
    obj_spec spec = {.transfer = OBJ_TE_IDENTITY, .name = "message.eml", .words = &smtp_message_words};
    obj_begin(&g->eml, s, TR_C2S, &spec);
    mime_begin(st->m, s, TR_C2S);
    return 1;
}

/* Bytes of the message as transferred (after unstuffing). */
static void msg_feed(tr_session *s, smtp_state *st, const uint8_t *p, size_t n)
{
    smtp_msg *g = &st->msg;
    if (g->state != MSG_BODY || !n)
        return;
    const uint8_t *q = p;
    size_t left = n;
    while (left) { /* obj_feed returns after the bytes that opened the file: the transcript learns of it first */
        size_t k = obj_feed(&g->eml, s, q, left);
        if (!g->named && obj_file(&g->eml)[0])
            msg_range(s, g, 0);
        if (!k)
            break;
        q += k;
        left -= k;
    }
    mime_feed(st->m, p, n);
}

static void msg_lost(tr_session *s, smtp_state *st, uint64_t n)
{
    smtp_msg *g = &st->msg;
    if (g->state != MSG_BODY)
        return;
    g->lost = 1;
    (void)obj_gap(&g->eml, s, n);
    mime_gap(st->m);
}

/* The message's bytes are over (its "." line, its LAST chunk, a hole that took its end, or the session moved on). */
static void msg_body_end(tr_session *s, smtp_state *st, int complete)
{
    smtp_msg *g = &st->msg;
    if (g->state != MSG_BODY)
        return;
    int ok = complete && !g->lost && !g->abandoned;
    mime_end(st->m, ok);
    obj_end(&g->eml, s, ok, &g->r);
    g->state = MSG_WAIT;
}

static void add_rcpts(tr_event *e, const smtp_env *env)
{
    int any = 0;
    for (int i = 0; i < env->nrcpt; i++) {
        const smtp_rcpt *r = &env->rcpt[i];
        if (r->code < 200 || r->code >= 300)
            continue;
        if (!any)
            tr_ev_list(e, "rcpt_to");
        any = 1;
        tr_ev_strn(e, NULL, env->buf + r->off, r->len);
    }
    if (any)
        tr_ev_end(e);
    any = 0;
    for (int i = 0; i < env->nrcpt; i++) {
        const smtp_rcpt *r = &env->rcpt[i];
        if (r->code < 400)
            continue;
        if (!any)
            tr_ev_list(e, "rcpt_rejected");
        any = 1;
        tr_ev_obj(e, NULL);
        tr_ev_strn(e, "rcpt", env->buf + r->off, r->len);
        tr_ev_int(e, "code", r->code);
        tr_ev_end(e);
    }
    if (any)
        tr_ev_end(e);
    if (env->rcpt_more)
        tr_ev_int(e, "rcpt_not_listed", env->rcpt_more);
}

/* The message's event, then the mailbox's record of it. */
static void msg_emit(tr_session *s, smtp_state *st)
{
    smtp_msg *g = &st->msg;
    if (g->state == MSG_NONE)
        return;
    if (g->state == MSG_BODY) { /* the session moved on (or ended) inside the message */
        if (g->bdat) /* its range ends where the client moved on (the transcript shows what comes next) */
            msg_range(s, g, s->stream_off[TR_C2S]);
        g->abandoned = 1;
        msg_body_end(s, st, 0);
    }
    const smtp_env *env = &st->env;
    tr_event e;
    tr_ev_init(&e, s, "message", TR_C2S);
    if (env->has_from)
        tr_ev_strn(&e, "mail_from", env->from, env->from_len);
    add_rcpts(&e, env);
    if (g->queue_id[0])
        tr_ev_str(&e, "queue_id", g->queue_id);
    if (g->code)
        tr_ev_int(&e, "code", g->code);
    tr_ev_str(&e, "transfer", g->bdat ? "bdat" : "data");
    if (g->bdat)
        tr_ev_int(&e, "chunks", g->chunks);
    if (env->declared_size >= 0)
        tr_ev_int(&e, "declared_size", env->declared_size);
    if (env->body[0])
        tr_ev_str(&e, "body_type", env->body);
    if (g->r.len_known)
        tr_ev_int(&e, "size", (int64_t)g->r.len);
    if (g->r.complete)
        tr_ev_digest(&e, "sha256", g->r.sha256.hex, g->r.sha256.ticket);
    tr_ev_bool(&e, "complete", g->r.complete);
    tr_ev_file(&e, "file", obj_file(&g->eml));
    mime_add_fields(st->m, &e);
    tr_emit(&e);
    obj_done(&g->eml, s);

    mailbox_message mm = {
        .proto = dis_smtp.name,
        .session = s->id,
        .ts = s->ctx->now_us,
        .m = st->m,
        .size = g->r.len,
        .sha256 = g->r.complete ? &g->r.sha256 : NULL,
        .complete = g->r.complete,
        .partial = 0,
        .file = obj_file(&g->eml),
    };
    mailbox_add(s->ctx, &mm);
    mime_release(st->m);
    g->state = MSG_NONE;
}

/* ---- logins ---- */

static void emit_auth(tr_session *s, smtp_state *st, int code)
{
    const sasl *x = &st->auth;
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_NODIR);
    tr_ev_str(&e, "mechanism", x->mech_name);
    if (x->has_user)
        tr_ev_strn(&e, "user", x->user, x->user_len);
    if (x->has_password)
        tr_ev_strn(&e, "password", x->password, x->password_len);
    if (x->has_token)
        tr_ev_strn(&e, "token", x->token, x->token_len);
    if (x->has_authzid)
        tr_ev_strn(&e, "authzid", x->authzid, x->authzid_len);
    if (x->cancelled)
        tr_ev_bool(&e, "cancelled", 1);
    if (code)
        tr_ev_bool(&e, "success", code >= 200 && code < 300);
    tr_emit(&e);
    st->in_sasl = 0;
}

/* ---- requests ---- */

static void pending_push(tr_session *s, smtp_state *st, int cmd, uint16_t rcpt, int last)
{
    int drop;
    smtp_pending *q = pair_push(&st->pending, NULL, 0, &drop);
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, TR_C2S, "smtp_too_many_pending_commands",
                   "more than %d commands without a reply; the oldest are forgotten", SMTP_PENDING_MAX);
    if (!q)
        return;
    q->cmd = (uint8_t)cmd;
    q->rcpt = rcpt;
    q->last = (uint8_t)last;
    q->env = st->env.serial;
}

/* A new transaction (MAIL, RSET, HELO/EHLO): a message still waiting for its reply is reported as it stands. */
static void new_transaction(tr_session *s, smtp_state *st)
{
    msg_emit(s, st);
    env_reset(&st->env);
}

static void on_mail(tr_session *s, smtp_state *st, const uint8_t *arg, size_t alen)
{
    new_transaction(s, st);
    const uint8_t *a, *params, *v;
    size_t n, plen, vlen;
    if (!path_read(arg, alen, 5, &a, &n, &params, &plen)) {
        tr_anomaly(s->ctx, s, TR_C2S, "smtp_bad_path", "MAIL argument is not FROM:<address>");
        return;
    }
    smtp_env *env = &st->env;
    env->from_len = (uint16_t)(n < SMTP_ADDR_MAX ? n : SMTP_ADDR_MAX);
    memcpy(env->from, a, env->from_len);
    env->has_from = 1;
    if (param_get(params, plen, "SIZE", &v, &vlen))
        env->declared_size = textline_number(v, vlen);
    if (param_get(params, plen, "BODY", &v, &vlen)) {
        size_t k = vlen < sizeof env->body - 1 ? vlen : sizeof env->body - 1;
        memcpy(env->body, v, k);
        env->body[k] = '\0';
    }
}

/* BDAT <size> [LAST]: the chunk follows the command at once. chunk_at: its stream offset. */
static void on_bdat(tr_session *s, smtp_state *st, const uint8_t *arg, size_t alen, uint64_t chunk_at, int *last)
{
    size_t wlen, rlen;
    const uint8_t *rest;
    textline_word(arg, alen, &wlen, &rest, &rlen);
    int64_t size = textline_number(arg, wlen);
    *last = rlen >= 4 && textline_starts(rest, rlen, "LAST") && (rlen == 4 || is_space(rest[4]));
    if (size < 0) {
        tr_anomaly(s->ctx, s, TR_C2S, "smtp_bad_bdat", "BDAT argument is not a chunk size");
        return;
    }
    smtp_msg *g = &st->msg;
    if (g->state == MSG_WAIT) /* the reply to the previous message's LAST is still to come */
        msg_emit(s, st);
    if (g->state == MSG_NONE && !msg_begin(s, st, 1))
        return;
    if (!g->bdat) { /* BDAT inside a DATA body cannot be: the body took these bytes */
        return;
    }
    g->chunks++;
    st->chunk_last = (uint8_t)*last;
    /* The transcript gets one range for the whole message, from its first chunk to the end of its LAST one (the
     * BDAT lines between inside it): a pipelined client announces the next chunk before the transcript has shown
     * the last, and a transcript follows one range at a time. */
    if (g->chunks == 1)
        g->obj_start = chunk_at;
    if (size == 0) {
        if (*last) {
            msg_range(s, g, chunk_at);
            msg_body_end(s, st, 1);
        }
        return;
    }
    cl_expect_bytes(&st->lines[TR_C2S], (uint64_t)size);
    msg_range(s, g, 0);
}

static void on_request(tr_session *s, smtp_state *st, const uint8_t *line, size_t len, uint64_t next_at)
{
    if (st->in_sasl) { /* an answer to a challenge (or to nothing yet: AUTH is last in a pipelined batch) */
        sasl_client(&st->auth, line, len);
        return;
    }
    size_t wlen, alen;
    const uint8_t *arg;
    textline_word(line, len, &wlen, &arg, &alen);
    if (!wlen)
        return;
    int cmd = smtp_cmd_lookup(line, wlen);
    if (!cmd && !command_like(line, wlen)) { /* binary or noise: the server will answer it, so it waits all the same */
        tr_anomaly(s->ctx, s, TR_C2S, "smtp_bad_command", "client line does not begin with a command word");
        pending_push(s, st, SMTP_CMD_UNKNOWN, 0, 0);
        return;
    }

    tr_event e;
    tr_ev_init(&e, s, "request", TR_C2S);
    if (cmd)
        tr_ev_str(&e, "command", smtp_cmds[cmd].name);
    else
        tr_ev_strcopy(&e, "command", line, wlen); /* command_like: at most 32 bytes */
    if (alen)
        tr_ev_strcopy(&e, "arg", arg, alen);
    tr_emit(&e);

    uint16_t rcpt = 0;
    int last = 0;
    switch (smtp_cmds[cmd].kind) {
    case SMTP_K_HELLO:
    case SMTP_K_RSET:
        new_transaction(s, st);
        break;
    case SMTP_K_MAIL:
        on_mail(s, st, arg, alen);
        break;
    case SMTP_K_RCPT: {
        const uint8_t *a, *params;
        size_t n, plen;
        if (path_read(arg, alen, 3, &a, &n, &params, &plen))
            rcpt = env_add_rcpt(&st->env, a, n);
        else
            tr_anomaly(s->ctx, s, TR_C2S, "smtp_bad_path", "RCPT argument is not TO:<address>");
        break;
    }
    case SMTP_K_DATA:
        st->data_asked = 1;
        break;
    case SMTP_K_BDAT:
        on_bdat(s, st, arg, alen, next_at, &last);
        break;
    case SMTP_K_AUTH: {
        size_t mlen, ilen;
        const uint8_t *initial;
        textline_word(arg, alen, &mlen, &initial, &ilen);
        sasl_begin(&st->auth, arg, mlen);
        st->in_sasl = 1;
        if (ilen)
            sasl_client(&st->auth, initial, ilen);
        break;
    }
    default:
        break;
    }
    pending_push(s, st, cmd, rcpt, last);
}

/* ---- replies ---- */

/* The body of a DATA begins with the next client byte. */
static void data_begins(tr_session *s, smtp_state *st)
{
    st->data_asked = 0;
    if (st->msg.early) { /* begun already: the client sent it before the 354 */
        st->msg.early = 0;
        return;
    }
    if (st->msg.state == MSG_WAIT)
        msg_emit(s, st);
    if (!msg_begin(s, st, 0))
        return;
    cl_expect_dot(&st->lines[TR_C2S]);
    st->msg.obj_start = s->stream_off[TR_C2S]; /* between calls: the first byte not yet consumed */
    msg_range(s, &st->msg, 0);
}

static void emit_reply(tr_session *s, int code, const char *text, size_t n, const cl_unit *u, int ehlo)
{
    tr_event e;
    tr_ev_init(&e, s, "reply", TR_S2C);
    tr_ev_int(&e, "code", code);
    tr_ev_strn(&e, "text", text, n);
    if (ehlo && u->lines > 1) { /* the first line names the server; each after it an extension */
        const uint8_t *line;
        size_t pos = 0, len, i = 0;
        tr_ev_list(&e, "extensions");
        while (cl_reply_line(u, &pos, &line, &len))
            if (i++ && len)
                tr_ev_strn(&e, NULL, line, len);
        tr_ev_end(&e);
    }
    tr_emit(&e);
}

static void on_reply(tr_session *s, smtp_state *st, const cl_unit *u, const char *text, size_t n)
{
    smtp_pending *head = pair_head(&st->pending);
    int cmd = head ? head->cmd : SMTP_CMD_UNKNOWN;
    emit_reply(s, u->code, text, n, u, (cmd == SMTP_CMD_EHLO || cmd == SMTP_CMD_LHLO) && u->code == 250);
    if (!head || u->code < 200) /* the greeting, or a reply no command waits for (421 on closing) */
        return;
    int code = u->code;
    if (code == 334 && cmd == SMTP_CMD_AUTH) { /* a challenge: the exchange goes on */
        sasl_server(&st->auth, (const uint8_t *)text, n);
        return;
    }
    smtp_pending q;
    pair_pop(&st->pending, &q);
    smtp_msg *g = &st->msg;
    switch (q.cmd) {
    case SMTP_CMD_MAIL:
        break;
    case SMTP_CMD_RCPT:
        if (q.env == st->env.serial && q.rcpt && q.rcpt <= st->env.nrcpt)
            st->env.rcpt[q.rcpt - 1].code = (int16_t)(code > 999 ? 999 : code);
        break;
    case SMTP_CMD_DATA:
        if (code == 354)
            data_begins(s, st);
        else
            st->data_asked = st->msg.early = 0;
        break;
    case SMTP_CMD_BDAT: /* the reply to the LAST chunk is the message's */
    case SMTP_DATA_END:
        if (g->state == MSG_NONE || (q.cmd == SMTP_CMD_BDAT && (!q.last || !g->bdat)))
            break;
        g->code = code;
        queue_id_of(text, n, g->queue_id, sizeof g->queue_id);
        msg_emit(s, st);
        break;
    case SMTP_CMD_AUTH:
        if (st->in_sasl)
            emit_auth(s, st, code);
        break;
    case SMTP_CMD_STARTTLS:
        if (code == 220)
            tr_decode_end(s, TR_S2C, "starttls");
        break;
    default:
        break;
    }
}

/* A whole reply (content_line gathered a multi-line one, or cut it at the caps: its rest is dropped there). */
static void reply_unit(tr_session *s, smtp_state *st, const cl_unit *u)
{
    if (u->cut)
        tr_anomaly(s->ctx, s, TR_S2C, "smtp_reply_too_long", "multi-line %d reply longer than %u bytes or %d lines",
                   u->code, SMTP_REPLY_MAX, SMTP_REPLY_LINES_MAX);
    const uint8_t *line;
    size_t pos = 0, len;
    if (u->lines == 1 && cl_reply_line(u, &pos, &line, &len)) {
        on_reply(s, st, u, (const char *)line, len);
        return;
    }
    char text[SMTP_TEXT_MAX];
    on_reply(s, st, u, text, cl_reply_join(u, text, sizeof text));
}

/* ---- vtable ---- */

/* A first command word followed by a space or the line's end: its length, 0 when there is none, -1 when the bytes
 * end inside it. */
static int command_word(const uint8_t *p, size_t n)
{
    tr_buf b = tr_buf_make(p, n);
    size_t k = 0;
    uint8_t c;
    while (k < 9 && (c = tr_peek_at(&b, k) | 0x20) >= 'a' && c <= 'z')
        k++;
    if (k == 9)
        return 0; /* longer than any command */
    uint8_t after = tr_peek_at(&b, k);
    if (b.err)
        return -1;
    if (k < 4 || (after != ' ' && after != '\r' && after != '\n'))
        return 0;
    return (int)k;
}

/* A 220 (or 554) greeting naming SMTP, or a first command only SMTP has (EHLO, HELO): YES. Another 220 greeting
 * (FTP's look alike) or another SMTP command first: MAYBE — the port or the client's first command decides. */
static int smtp_probe(const tr_probe_input *in)
{
    const uint8_t *c = in->p[TR_C2S];
    size_t nc = in->n[TR_C2S];
    int k = nc ? command_word(c, nc) : 0;
    int cmd = k > 0 ? smtp_cmd_lookup(c, (size_t)k) : SMTP_CMD_UNKNOWN;
    if (cmd == SMTP_CMD_EHLO || cmd == SMTP_CMD_HELO)
        return TR_PROBE_YES;
    const uint8_t *p = in->p[TR_S2C];
    size_t n = in->n[TR_S2C];
    int greeting = n >= 4 && (memcmp(p, "220", 3) == 0 || memcmp(p, "554", 3) == 0) && (p[3] == ' ' || p[3] == '-');
    if (greeting) {
        size_t len = n < 512 ? n : 512;
        for (size_t i = 4; i + 4 <= len && p[i] != '\n'; i++)
            if (textline_starts(p + i, len - i, "SMTP"))
                return TR_PROBE_YES;
        return TR_PROBE_MAYBE;
    }
    if (n)
        return TR_PROBE_NO; /* the server spoke first, and not a greeting */
    if (cmd != SMTP_CMD_UNKNOWN || k < 0)
        return TR_PROBE_MAYBE;
    return TR_PROBE_NO;
}

/* After a gap: a known command, or a reply code followed by a space, '-' or the line's end. A lost segment is
 * nearly always whole lines, so the line after it is read rather than dropped. 1 yes, 0 no, -1 too few bytes. */
static int resumes_at_command(const uint8_t *p, size_t n)
{
    int k = command_word(p, n);
    if (k <= 0)
        return k;
    return smtp_cmd_lookup(p, (size_t)k) != SMTP_CMD_UNKNOWN;
}

static int resumes_at_reply(const uint8_t *p, size_t n) { return cl_reply_code_at(p, n, '2'); } /* SMTP's replies run 2xx-5xx */

static const cl_config smtp_lines[2] = {
    [TR_C2S] = {.line_max = SMTP_LINE_MAX, .resumes = resumes_at_command},
    [TR_S2C] = {.line_max = SMTP_REPLY_LINE_MAX,
                .replies = 1,
                .reply_max = SMTP_REPLY_MAX,
                .reply_lines_max = SMTP_REPLY_LINES_MAX,
                .resumes = resumes_at_reply},
};

static void smtp_on_open(tr_session *s)
{
    smtp_state *st = s->state;
    cl_init(&st->lines[TR_C2S], &smtp_lines[TR_C2S]);
    cl_init(&st->lines[TR_S2C], &smtp_lines[TR_S2C]);
    (void)pair_init(&st->pending, SMTP_PENDING_MAX, sizeof(smtp_pending), 0, st->pending_slots); /* sizes fixed */
    st->env.declared_size = -1;
}

/* The client's bytes inside a message: a line of a DATA body or a piece of a BDAT chunk. */
static void message_unit(tr_session *s, smtp_state *st, const cl_unit *u, uint64_t unit_at)
{
    smtp_msg *g = &st->msg;
    switch (u->kind) {
    case CL_DOT:
        msg_feed(s, st, u->p, u->len);
        break;
    case CL_DOT_END:
        if (g->state == MSG_BODY)
            msg_range(s, g, unit_at);
        msg_body_end(s, st, 1);
        pending_push(s, st, SMTP_DATA_END, 0, 0);
        break;
    case CL_BYTES:
        msg_feed(s, st, u->p, u->len);
        if (u->end && st->chunk_last) {
            if (g->state == MSG_BODY)
                msg_range(s, g, unit_at + u->len);
            msg_body_end(s, st, 1);
        }
        break;
    default:
        break;
    }
}

/* One unit a call: the engine calls again while bytes are taken, and stops once decoding ends (STARTTLS). */
static size_t smtp_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    (void)need;
    smtp_state *st = s->state;
    if (!st->seen[dir]) { /* a TLS handshake from the first byte: SMTPS (465), or TLS on any port */
        if (n < 2 && p[0] == 0x16 && s->stream_off[dir] == 0)
            return 0;
        st->seen[dir] = 1;
        if (n >= 2 && p[0] == 0x16 && p[1] == 0x03 && s->stream_off[dir] == 0) {
            tr_decode_end(s, dir, "tls");
            return n;
        }
    }
    cl_dir *d = &st->lines[dir];
    if (dir == TR_C2S && st->data_asked && !st->in_sasl && !cl_remaining(d) && st->msg.state != MSG_BODY) {
        /* the body sent before its 354: not a command, so the message has begun */
        int r = resumes_at_command(p, n);
        if (r < 0)
            return 0;
        if (r == 0) {
            st->data_asked = 0;
            if (st->msg.state == MSG_WAIT)
                msg_emit(s, st);
            if (msg_begin(s, st, 0)) {
                st->msg.early = 1;
                cl_expect_dot(d);
                st->msg.obj_start = s->stream_off[dir];
                msg_range(s, &st->msg, 0);
            }
        }
    }
    uint64_t at = s->stream_off[dir];
    cl_unit u;
    size_t c = cl_next(d, p, n, &u);
    if (dir == TR_C2S && st->hunting && u.kind != CL_NONE) {
        /* the first unit after the hole's hunt: the body dropped since ended here, so the transcript hides it */
        st->hunting = 0;
        msg_range(s, &st->msg, at);
    }
    switch (u.kind) {
    case CL_LINE:
        if (dir == TR_C2S)
            on_request(s, st, u.p, u.len, at + c);
        else
            tr_anomaly(s->ctx, s, TR_S2C, "smtp_bad_reply", "reply line does not start with a three-digit code");
        break;
    case CL_LONG_LINE:
        tr_anomaly(s->ctx, s, dir, "smtp_line_too_long", "%s line longer than %d bytes",
                   dir == TR_C2S ? "command" : "reply", dir == TR_C2S ? SMTP_LINE_MAX : SMTP_REPLY_LINE_MAX);
        break;
    case CL_REPLY:
        reply_unit(s, st, &u);
        break;
    case CL_DOT:
    case CL_DOT_END:
    case CL_BYTES:
        message_unit(s, st, &u, at + (uint64_t)(u.p - p));
        break;
    default: /* bytes dropped while resynchronising */
        break;
    }
    return c;
}

static void smtp_on_gap(tr_session *s, int dir, uint64_t n)
{
    smtp_state *st = s->state;
    int r = cl_gap(&st->lines[dir], n);
    if (dir != TR_C2S)
        return;
    switch (r) {
    case CL_GAP_DOT: /* the rest of the body is dropped up to its "." or the next command */
        st->hunting = 1;
        msg_lost(s, st, n);
        msg_body_end(s, st, 0);
        pending_push(s, st, SMTP_DATA_END, 0, 0);
        break;
    case CL_GAP_BYTES:
        msg_lost(s, st, n);
        break;
    case CL_GAP_BYTES_END:
        msg_lost(s, st, n);
        if (st->chunk_last) {
            st->hunting = 1; /* its range ends where reading resumes */
            msg_body_end(s, st, 0);
        }
        break;
    default:
        break;
    }
}

static void smtp_on_close(tr_session *s, int reason)
{
    (void)reason;
    smtp_state *st = s->state;
    if (!st)
        return;
    if (st->in_sasl)
        emit_auth(s, st, 0); /* its outcome never came */
    if (st->m) {
        msg_emit(s, st);
        mime_free(st->m);
        free(st->m);
        st->m = NULL;
        s->state_extra -= sizeof(mime);
    }
    obj_release(&st->msg.eml, s);
}

static const uint16_t smtp_ports[] = {25, 587, 465, 0};

/* what --stats counts of its events */
static const tr_stat_field smtp_stats[] = {
    {"request", "command", "commands"},
    {"reply", "code", "reply codes"},
    {"auth", "mechanism", "AUTH mechanisms"},
    {NULL, NULL, NULL},
};

extern const tr_presenter smtp_present; /* smtp_present.c */
extern const tr_viewer smtp_view;      /* smtp_present.c */

const tr_dissector dis_smtp = {
    .name = "smtp",
    .l4 = TR_TCP,
    .ports = smtp_ports,
    .probe = smtp_probe,
    .state_size = sizeof(smtp_state),
    .on_open = smtp_on_open,
    .on_data = smtp_on_data,
    .on_gap = smtp_on_gap,
    .on_close = smtp_on_close,
    .present = &smtp_present,
    .view = &smtp_view,
    .stat_fields = smtp_stats,
};
