/* dis_ftp: the FTP control connection — commands, replies, logins, and the data connections they announce.
 * RFC 959 (FTP), RFC 2428 (EPRT/EPSV for IPv6 and NAT), RFC 2228 + RFC 4217 (AUTH TLS), RFC 3659 (MLSD, REST). */

/* Wire layout (text lines, CRLF):
 *   c2s  COMMAND [SP argument]                         "RETR report.pdf"
 *   s2c  NNN SP text                                   "226 Transfer complete."
 *        NNN-text / any lines / NNN SP text            a multi-line reply ends at its code and a space
 *   PORT h1,h2,h3,h4,p1,p2                             client listens at h1.h2.h3.h4 : p1*256+p2
 *   227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)      server listens there
 *   EPRT |af|address|port|                             af 1 = IPv4, 2 = IPv6; '|' may be any delimiter
 *   229 Entering Extended Passive Mode (|||port|)      server listens on its control address
 *   AUTH TLS -> 234                                    the rest of the connection is TLS
 *
 * Every data connection gets a slot in the transfer table when it is announced (PORT/EPRT at the request,
 * PASV/EPSV at the reply); RETR/STOR/... name the newest unnamed slot. The `transfer` event is emitted on
 * this session when both the data connection has closed (dis_ftp_data.c reports it) and the command's final
 * reply has arrived, whichever comes last; a data connection still open when this session ends (the engine
 * keeps closed connections a while for late packets) reports at that moment. */

#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "../core/tr_hash.h"
#include "content_line.h"
#include "ftp_shared.h"
#include "pairing.h"
#include "textline.h"

extern const tr_dissector dis_ftp;
extern const tr_dissector dis_ftp_data;

#define FTP_LINE_MAX 8192          /* longest command or reply line */
#define FTP_REPLY_MAX (64u * 1024) /* a multi-line reply longer than this is cut */
#define FTP_REPLY_LINES_MAX 2000
#define FTP_TEXT_MAX 8192          /* reply text reported in one event */
#define FTP_PENDING_MAX 16         /* commands awaiting their reply */
#define FTP_TRANSFERS 8            /* data connections announced and not yet reported */
#define FTP_CRED_MAX 256
#define FTP_WORD_MAX 64            /* longest command word reported as sent */

static const struct {
    const char *name;
    uint8_t xfer;
} ftp_cmds[FTP_CMD_COUNT] = {
    [FTP_CMD_UNKNOWN] = {NULL, FTP_XFER_NONE},
#define FTP_CMD(n, x) [FTP_CMD_##n] = {#n, x},
#include "ftp_cmd.def"
#undef FTP_CMD
};

typedef struct ftp_data_result {
    uint64_t data_session;
    uint64_t bytes;
    tr_ip sender;      /* who sent the data bytes (v == 0: nothing sent) */
    uint8_t has_sha, gap;
    sha256_digest sha256; /* a ticket in it is held until the result is freed */
    char relpath[256];
} ftp_data_result;

typedef struct ftp_transfer {
    ftp_transfer_info info; /* info.transfer_id == 0: free slot */
    uint8_t data_done;
    ftp_data_result result;
    uint64_t data_session; /* the data connection that took this slot, 0 until one did */
} ftp_transfer;

/* A command waiting for its final reply. */
typedef struct ftp_pending {
    uint8_t cmd;
    uint32_t transfer_id;
} ftp_pending;

typedef struct ftp_state {
    cl_dir lines[2];    /* [TR_C2S] command lines, [TR_S2C] replies */
    pair_queue pending; /* commands in the order they were sent, over pending_slots */
    _Alignas(8) uint8_t pending_slots[PAIR_STORAGE_SIZE(FTP_PENDING_MAX, sizeof(ftp_pending), 0)];
    char user[FTP_CRED_MAX], pass[FTP_CRED_MAX];
    uint16_t user_len, pass_len;
    uint8_t has_user, has_pass;
    char type;
    int64_t rest_offset;
    uint32_t next_transfer_id;
    ftp_transfer transfers[FTP_TRANSFERS];
} ftp_state;

/* ---- small parsers ---- */

static int ftp_cmd_lookup(const uint8_t *w, size_t n)
{
    for (int c = 1; c < FTP_CMD_COUNT; c++)
        if (strlen(ftp_cmds[c].name) == n && textline_starts(w, n, ftp_cmds[c].name))
            return c;
    return FTP_CMD_UNKNOWN;
}

static int buf_at_digit(const tr_buf *b) { return tr_left(b) && b->p[b->off] >= '0' && b->p[b->off] <= '9'; }

/* A decimal of at most 5 digits not above max. */
static int read_dec(tr_buf *b, uint32_t max, uint32_t *v)
{
    uint32_t x = 0;
    int digits = 0;
    while (buf_at_digit(b) && digits < 6) {
        x = x * 10 + (uint32_t)(tr_u8(b) - '0');
        digits++;
    }
    if (digits == 0 || digits > 5 || x > max)
        return 0;
    *v = x;
    return 1;
}

/* "h1,h2,h3,h4,p1,p2" at the cursor. */
static int read_host_port(tr_buf *b, tr_ip *ip, uint16_t *port)
{
    uint32_t v[6];
    for (int i = 0; i < 6; i++) {
        if (i && tr_u8(b) != ',')
            return 0;
        while (tr_left(b) && b->p[b->off] == ' ')
            tr_skip(b, 1);
        if (!read_dec(b, 255, &v[i]))
            return 0;
    }
    uint8_t a[4] = {(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3]};
    tr_ip_set4(ip, a);
    *port = (uint16_t)(v[4] * 256 + v[5]);
    return 1;
}

/* The first h1,...,p2 tuple anywhere in p (227 texts vary: "(h,h,h,h,p,p)", "=h,h,...", bare). */
static int find_host_port(const uint8_t *p, size_t n, tr_ip *ip, uint16_t *port)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || (i && p[i - 1] >= '0' && p[i - 1] <= '9'))
            continue;
        tr_buf b = tr_buf_make(p + i, n - i);
        if (read_host_port(&b, ip, port))
            return 1;
    }
    return 0;
}

/* EPRT argument: <d>af<d>address<d>port<d>. */
static int parse_eprt(const uint8_t *p, size_t n, tr_ip *ip, uint16_t *port)
{
    tr_buf b = tr_buf_make(p, n);
    uint8_t d = tr_u8(&b);
    uint32_t af, v;
    if (d < 33 || d > 126 || !read_dec(&b, 2, &af) || tr_u8(&b) != d)
        return 0;
    char addr[TR_IP_STRLEN];
    size_t len = 0;
    while (tr_left(&b) && b.p[b.off] != d && len + 1 < sizeof addr)
        addr[len++] = (char)tr_u8(&b);
    addr[len] = '\0';
    if (tr_u8(&b) != d || !read_dec(&b, 65535, &v) || tr_u8(&b) != d || b.err)
        return 0;
    if (tr_ip_parse(addr, ip) != 0 || (af == 1 && ip->v != 4) || (af == 2 && ip->v != 6))
        return 0;
    *port = (uint16_t)v;
    return 1;
}

/* 229 text: "... (<d><d><d>port<d>)". */
static int parse_epsv(const uint8_t *p, size_t n, uint16_t *port)
{
    const uint8_t *open = n ? memchr(p, '(', n) : NULL;
    if (!open)
        return 0;
    tr_buf b = tr_buf_make(open + 1, n - (size_t)(open + 1 - p));
    uint8_t d = tr_u8(&b);
    uint32_t v;
    if (d < 33 || d > 126 || tr_u8(&b) != d || tr_u8(&b) != d || !read_dec(&b, 65535, &v) || tr_u8(&b) != d)
        return 0;
    *port = (uint16_t)v;
    return 1;
}

/* ---- the transfer table ---- */

static ftp_state *control_state(tr_session *c)
{
    return c && c->dis == &dis_ftp && c->state ? c->state : NULL;
}

static ftp_transfer *transfer_by_id(ftp_state *st, uint32_t id)
{
    for (int i = 0; id && i < FTP_TRANSFERS; i++)
        if (st->transfers[i].info.transfer_id == id)
            return &st->transfers[i];
    return NULL;
}

static const char *transfer_direction(const ftp_transfer_info *info, const ftp_data_result *r)
{
    uint8_t x = ftp_cmds[info->cmd < FTP_CMD_COUNT ? info->cmd : 0].xfer;
    if (x == FTP_XFER_DOWNLOAD)
        return "download";
    if (x == FTP_XFER_UPLOAD)
        return "upload";
    if (r->sender.v && info->control_server.ip.v) /* command never seen: who sent the bytes says it */
        return tr_ip_equal(&r->sender, &info->control_server.ip) ? "download" : "upload";
    return NULL;
}

/* Emits the transfer event on `on` (the control session, or a stand-in carrying its id and endpoints). */
static void transfer_emit(tr_session *on, const ftp_transfer_info *info, const ftp_data_result *r)
{
    tr_event e;
    tr_ev_init(&e, on, "transfer", TR_NODIR);
    e.proto = dis_ftp.name;
    if (info->cmd && info->cmd < FTP_CMD_COUNT)
        tr_ev_str(&e, "command", ftp_cmds[info->cmd].name);
    if (info->name_len)
        tr_ev_strn(&e, "name", info->name, info->name_len);
    tr_ev_str(&e, "direction", transfer_direction(info, r));
    if (info->mode)
        tr_ev_str(&e, "mode", info->mode == FTP_MODE_PASSIVE ? "passive" : "active");
    if (info->type)
        tr_ev_strn(&e, "type", &info->type, 1);
    if (info->rest_offset)
        tr_ev_int(&e, "rest_offset", info->rest_offset);
    if (r->data_session)
        tr_ev_int(&e, "data_session", (int64_t)r->data_session);
    tr_ev_int(&e, "bytes", (int64_t)r->bytes);
    if (r->has_sha)
        tr_ev_digest(&e, "sha256", r->sha256.hex, r->sha256.ticket);
    tr_ev_bool(&e, "complete", info->final_code >= 200 && info->final_code < 300 && !r->gap);
    tr_ev_file(&e, "file", r->relpath);
    tr_emit(&e);
}

static void result_release(ftp_data_result *r)
{
    if (r->has_sha && r->sha256.ticket)
        tr_hash_ticket_release(r->sha256.ticket);
    r->has_sha = 0;
}

static void transfer_free(ftp_transfer *t)
{
    result_release(&t->result);
    memset(t, 0, sizeof *t);
}

static void transfer_emit_slot(tr_session *s, ftp_transfer *t)
{
    transfer_emit(s, &t->info, &t->result);
    transfer_free(t);
}

/* A new slot for an announced data connection; the oldest is reported (or dropped) when all are taken. */
static ftp_transfer *transfer_new(tr_session *s, ftp_state *st, int mode)
{
    ftp_transfer *t = NULL;
    for (int i = 0; i < FTP_TRANSFERS && !t; i++)
        if (!st->transfers[i].info.transfer_id)
            t = &st->transfers[i];
    if (!t) {
        t = &st->transfers[0];
        for (int i = 1; i < FTP_TRANSFERS; i++)
            if (st->transfers[i].info.transfer_id < t->info.transfer_id)
                t = &st->transfers[i];
        if (t->data_done)
            transfer_emit_slot(s, t);
        else
            transfer_free(t);
    }
    t->info.transfer_id = ++st->next_transfer_id;
    t->info.control_id = s->id;
    t->info.control_client = s->client;
    t->info.control_server = s->server;
    t->info.mode = (uint8_t)mode;
    t->info.type = st->type ? st->type : 'A';
    return t;
}

/* The data connection will come to listen_ip:port; the flow table hands it to ftp-data. */
static void transfer_expect(tr_session *s, ftp_transfer *t, const tr_ip *listen_ip, uint16_t port)
{
    tr_expectation x;
    memset(&x, 0, sizeof x);
    x.l4 = TR_TCP;
    x.server_ip = *listen_ip;
    x.server_port = port;
    x.dis = &dis_ftp_data;
    x.ctx = &t->info;
    x.ctx_len = sizeof t->info;
    (void)tr_expect(s, &x); /* -1: no flow table, or its expectation table is full (it counts that) */
}

/* The newest announced slot no command has named yet; a transfer command without PORT/PASV uses the
 * default data port (RFC 959 3.2: the server connects from port 20 to the client's control port). */
static ftp_transfer *transfer_for_command(tr_session *s, ftp_state *st)
{
    ftp_transfer *best = NULL;
    for (int i = 0; i < FTP_TRANSFERS; i++) {
        ftp_transfer *t = &st->transfers[i];
        if (t->info.transfer_id && !t->info.cmd && (!best || t->info.transfer_id > best->info.transfer_id))
            best = t;
    }
    if (best)
        return best;
    best = transfer_new(s, st, FTP_MODE_ACTIVE);
    transfer_expect(s, best, &s->client.ip, s->client.port);
    return best;
}

/* ---- calls from dis_ftp_data.c ---- */

int ftp_transfer_lookup(tr_session *data, ftp_transfer_info *out)
{
    if (!data->expect_ctx || data->expect_ctx_len < sizeof *out)
        return 0;
    ftp_transfer_info *x = data->expect_ctx;
    ftp_state *st = control_state(tr_session_find(data->ctx, x->control_id));
    ftp_transfer *t = st ? transfer_by_id(st, x->transfer_id) : NULL;
    if (t && (!t->data_session || t->data_session == data->id)) {
        t->data_session = data->id;
        *x = t->info; /* keep the data session's copy fresh for when the control session is gone */
    }
    *out = *x;
    return 1;
}

void ftp_transfer_data_done(tr_session *data, int data_dir, uint64_t bytes, const sha256_digest *digest, int gap,
                            const char *relpath)
{
    ftp_data_result r;
    memset(&r, 0, sizeof r);
    r.data_session = data->id;
    r.bytes = bytes;
    r.gap = (uint8_t)(gap != 0);
    if (data_dir == TR_C2S || data_dir == TR_S2C)
        r.sender = data_dir == TR_C2S ? data->client.ip : data->server.ip;
    if (digest) {
        r.has_sha = 1;
        r.sha256 = *digest;
        if (digest->ticket)
            tr_hash_ticket_hold(digest->ticket);
    }
    snprintf(r.relpath, sizeof r.relpath, "%s", relpath ? relpath : "");

    ftp_transfer_info info;
    if (!ftp_transfer_lookup(data, &info)) {
        /* not reached through an expectation (forced decode): report on the data session itself */
        memset(&info, 0, sizeof info);
        transfer_emit(data, &info, &r);
        result_release(&r);
        return;
    }
    tr_session *control = tr_session_find(data->ctx, info.control_id);
    ftp_state *st = control_state(control);
    ftp_transfer *t = st ? transfer_by_id(st, info.transfer_id) : NULL;
    if (t && t->data_session == data->id) {
        t->result = r;
        t->data_done = 1;
        if (t->info.final_code)
            transfer_emit_slot(control, t);
        return;
    }
    /* the control session is gone (or its slot was reused): report under its id and endpoints */
    tr_session stand_in;
    memset(&stand_in, 0, sizeof stand_in);
    stand_in.id = info.control_id;
    stand_in.l4 = TR_TCP;
    stand_in.client = info.control_client;
    stand_in.server = info.control_server;
    stand_in.dis = &dis_ftp;
    stand_in.ctx = data->ctx;
    transfer_emit(&stand_in, &info, &r);
    result_release(&r);
}

/* ---- requests and replies ---- */

static void cred_store(char *dst, uint16_t *dst_len, const uint8_t *p, size_t n)
{
    if (n > FTP_CRED_MAX)
        n = FTP_CRED_MAX;
    memcpy(dst, p, n);
    *dst_len = (uint16_t)n;
}

static void emit_auth(tr_session *s, ftp_state *st, int success)
{
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_NODIR);
    if (st->has_user)
        tr_ev_strn(&e, "user", st->user, st->user_len);
    if (st->has_pass)
        tr_ev_strn(&e, "password", st->pass, st->pass_len);
    tr_ev_bool(&e, "success", success);
    tr_emit(&e);
}

static void pending_push(tr_session *s, ftp_state *st, int cmd, uint32_t transfer_id)
{
    int drop;
    ftp_pending *q = pair_push(&st->pending, NULL, 0, &drop);
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, TR_C2S, "ftp_too_many_pending_commands",
                   "more than %d commands without a reply; the oldest are forgotten", FTP_PENDING_MAX);
    if (!q)
        return;
    q->cmd = (uint8_t)cmd;
    q->transfer_id = transfer_id;
}

static void on_request(tr_session *s, ftp_state *st, const uint8_t *line, size_t len)
{
    /* Telnet IAC IP / IAC DM that clients send before ABOR (RFC 959 4.1.3) are not part of the command */
    for (int i = 0; i < 4 && len >= 2 && line[0] == 0xff; i++) {
        line += 2;
        len -= 2;
    }
    if (len && line[0] == 0xf2) /* a lone DM left by urgent-mode delivery */
        line++, len--;
    size_t wlen, alen;
    const uint8_t *arg;
    textline_word(line, len, &wlen, &arg, &alen);
    if (!wlen)
        return;
    int cmd = ftp_cmd_lookup(line, wlen);

    tr_event e;
    tr_ev_init(&e, s, "request", TR_C2S);
    if (cmd)
        tr_ev_str(&e, "command", ftp_cmds[cmd].name);
    else
        tr_ev_strcopy(&e, "command", line, wlen < FTP_WORD_MAX ? wlen : FTP_WORD_MAX);
    if (alen)
        tr_ev_strcopy(&e, "arg", arg, alen);
    tr_emit(&e);

    uint32_t transfer_id = 0;
    tr_ip ip;
    uint16_t port;
    switch (cmd) {
    case FTP_CMD_USER:
        cred_store(st->user, &st->user_len, arg, alen);
        st->has_user = 1;
        st->has_pass = 0;
        break;
    case FTP_CMD_PASS:
        cred_store(st->pass, &st->pass_len, arg, alen);
        st->has_pass = 1;
        break;
    case FTP_CMD_TYPE:
        if (alen && (arg[0] | 0x20) >= 'a' && (arg[0] | 0x20) <= 'z')
            st->type = (char)(arg[0] & ~0x20);
        break;
    case FTP_CMD_REST: {
        size_t nlen, rest_len;
        const uint8_t *rest;
        textline_word(arg, alen, &nlen, &rest, &rest_len);
        int64_t v = textline_number(arg, nlen);
        st->rest_offset = v > 0 ? v : 0;
        break;
    }
    case FTP_CMD_PORT:
    case FTP_CMD_EPRT: {
        tr_buf b = tr_buf_make(arg, alen);
        int ok = cmd == FTP_CMD_PORT ? read_host_port(&b, &ip, &port) : parse_eprt(arg, alen, &ip, &port);
        if (ok && port) {
            ftp_transfer *t = transfer_new(s, st, FTP_MODE_ACTIVE);
            transfer_expect(s, t, &ip, port);
        } else {
            tr_anomaly(s->ctx, s, TR_C2S, "ftp_bad_port", "%s argument is not an address and port",
                       ftp_cmds[cmd].name);
        }
        break;
    }
    default:
        if (cmd && ftp_cmds[cmd].xfer != FTP_XFER_NONE) {
            ftp_transfer *t = transfer_for_command(s, st);
            size_t n = alen < FTP_NAME_MAX ? alen : FTP_NAME_MAX;
            t->info.cmd = (uint8_t)cmd;
            memcpy(t->info.name, arg, n);
            t->info.name_len = (uint16_t)n;
            t->info.type = st->type ? st->type : 'A';
            t->info.rest_offset = st->rest_offset;
            st->rest_offset = 0;
            transfer_id = t->info.transfer_id;
        }
        break;
    }
    pending_push(s, st, cmd, transfer_id);
}

static void passive_reply(tr_session *s, ftp_state *st, int cmd, const uint8_t *text, size_t n)
{
    tr_ip ip;
    uint16_t port;
    if (cmd == FTP_CMD_PASV ? !find_host_port(text, n, &ip, &port) : !parse_epsv(text, n, &port)) {
        tr_anomaly(s->ctx, s, TR_S2C, "ftp_bad_passive_reply", "%s reply carries no address and port",
                   ftp_cmds[cmd].name);
        return;
    }
    if (cmd == FTP_CMD_EPSV)
        ip = s->server.ip;
    ftp_transfer *t = transfer_new(s, st, FTP_MODE_PASSIVE);
    transfer_expect(s, t, &ip, port);
    /* a server behind NAT names an address the capture never sees: expect its control address too */
    static const uint8_t any4[4] = {0, 0, 0, 0};
    tr_ip unspecified;
    tr_ip_set4(&unspecified, any4);
    if (!tr_ip_equal(&ip, &s->server.ip) && !tr_ip_equal(&ip, &unspecified))
        transfer_expect(s, t, &s->server.ip, port);
}

static void on_reply(tr_session *s, ftp_state *st, int code, const char *text, size_t n)
{
    tr_event e;
    tr_ev_init(&e, s, "reply", TR_S2C);
    tr_ev_int(&e, "code", code);
    tr_ev_strn(&e, "text", text, n);
    tr_emit(&e);

    if (code < 200) /* preliminary: the command goes on */
        return;
    ftp_pending q = {FTP_CMD_UNKNOWN, 0};
    pair_pop(&st->pending, &q);
    switch (q.cmd) {
    case FTP_CMD_USER:
        if (code == 230 || code >= 400)
            emit_auth(s, st, code == 230);
        break;
    case FTP_CMD_PASS:
        if (code < 300 || code >= 400)
            emit_auth(s, st, code < 300);
        break;
    case FTP_CMD_PASV:
    case FTP_CMD_EPSV:
        if (code == (q.cmd == FTP_CMD_PASV ? 227 : 229))
            passive_reply(s, st, q.cmd, (const uint8_t *)text, n);
        break;
    case FTP_CMD_AUTH:
        if (code == 234)
            tr_decode_end(s, TR_S2C, "auth_tls");
        break;
    default: {
        ftp_transfer *t = transfer_by_id(st, q.transfer_id);
        if (!t)
            break;
        t->info.final_code = code;
        if (t->data_done)
            transfer_emit_slot(s, t);
        break;
    }
    }
}

/* A whole reply (content_line gathered a multi-line one, or cut it at the caps: its rest is dropped there). */
static void reply_unit(tr_session *s, ftp_state *st, const cl_unit *u)
{
    if (u->cut)
        tr_anomaly(s->ctx, s, TR_S2C, "ftp_reply_too_long", "multi-line %d reply longer than %u bytes or %d lines",
                   u->code, FTP_REPLY_MAX, FTP_REPLY_LINES_MAX);
    const uint8_t *line;
    size_t pos = 0, len;
    if (u->lines == 1 && cl_reply_line(u, &pos, &line, &len)) { /* most replies: the text is in the bytes as is */
        on_reply(s, st, u->code, (const char *)line, len);
        return;
    }
    char text[FTP_TEXT_MAX];
    on_reply(s, st, u->code, text, cl_reply_join(u, text, sizeof text));
}

/* ---- vtable ---- */

/* A 220 greeting (RFC 959 4.2); YES when it names FTP, or when the client's first command is one only FTP has (SMTP
 * greets with 220 too: how the two are weighed is tr_probe_choose's, not this probe's). */
static int ftp_probe(const tr_probe_input *in)
{
    const uint8_t *p = in->p[TR_S2C];
    size_t n = in->n[TR_S2C];
    if (n < 4 || memcmp(p, "220", 3) != 0 || (p[3] != ' ' && p[3] != '-'))
        return TR_PROBE_NO;
    static const char *const ftp_words[] = {"FTP", "FileZilla"};
    size_t len = n < 512 ? n : 512;
    for (size_t i = 4; i < len && p[i] != '\n'; i++)
        for (size_t w = 0; w < sizeof ftp_words / sizeof ftp_words[0]; w++)
            if (textline_starts(p + i, len - i, ftp_words[w]))
                return TR_PROBE_YES;
    tr_buf c = tr_buf_make(in->p[TR_C2S], in->n[TR_C2S]);
    size_t wlen = 0;
    while (wlen < 5 && ((tr_peek_at(&c, wlen) | 0x20) >= 'a' && (tr_peek_at(&c, wlen) | 0x20) <= 'z'))
        wlen++;
    uint8_t after = tr_peek_at(&c, wlen);
    int cmd = !c.err && (after == ' ' || after == '\r' || after == '\n') ? ftp_cmd_lookup(in->p[TR_C2S], wlen)
                                                                         : FTP_CMD_UNKNOWN;
    if (cmd != FTP_CMD_UNKNOWN && cmd != FTP_CMD_QUIT && cmd != FTP_CMD_NOOP && cmd != FTP_CMD_HELP)
        return TR_PROBE_YES; /* USER, AUTH, FEAT, SYST, ...: no other greeting-first protocol opens with them */
    return TR_PROBE_MAYBE;
}

/* Whether the bytes after a gap begin a line: a known command followed by a space or the line's end, or a reply
 * code followed by a space, '-' or the line's end. A lost segment of a control connection is nearly always whole
 * lines (a client sends a command a segment), so the line after it is read, as tshark does, rather than dropped
 * as the rest of a cut one. 1 yes, 0 no, -1 too few bytes yet to tell. */
static int resumes_at_command(const uint8_t *p, size_t n)
{
    tr_buf b = tr_buf_make(p, n);
    size_t k = 0;
    uint8_t c;
    while (k < 5 && (c = tr_peek_at(&b, k) | 0x20) >= 'a' && c <= 'z')
        k++;
    if (k == 5)
        return 0; /* longer than any command */
    uint8_t after = tr_peek_at(&b, k);
    if (b.err)
        return -1; /* the bytes end inside the word */
    if (k < 3 || (after != ' ' && after != '\r' && after != '\n'))
        return 0;
    return ftp_cmd_lookup(p, k) != FTP_CMD_UNKNOWN;
}

static int resumes_at_reply(const uint8_t *p, size_t n) { return cl_reply_code_at(p, n, '1'); } /* FTP's replies run 1xx-5xx */

/* Commands are lines; replies are gathered whole (a multi-line one is cut at the caps and its rest dropped). */
static const cl_config ftp_lines[2] = {
    [TR_C2S] = {.line_max = FTP_LINE_MAX, .resumes = resumes_at_command},
    [TR_S2C] = {.line_max = FTP_LINE_MAX,
                .replies = 1,
                .reply_max = FTP_REPLY_MAX,
                .reply_lines_max = FTP_REPLY_LINES_MAX,
                .resumes = resumes_at_reply},
};

static void ftp_on_open(tr_session *s)
{
    ftp_state *st = s->state;
    cl_init(&st->lines[TR_C2S], &ftp_lines[TR_C2S]);
    cl_init(&st->lines[TR_S2C], &ftp_lines[TR_S2C]);
    (void)pair_init(&st->pending, FTP_PENDING_MAX, sizeof(ftp_pending), 0, st->pending_slots); /* sizes fixed */
}

/* One unit a call: the engine calls again while bytes are taken, and stops once decoding ends (AUTH TLS). */
static size_t ftp_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    (void)need;
    ftp_state *st = s->state;
    cl_unit u;
    size_t c = cl_next(&st->lines[dir], p, n, &u);
    switch (u.kind) {
    case CL_LINE:
        if (dir == TR_C2S)
            on_request(s, st, u.p, u.len);
        else
            tr_anomaly(s->ctx, s, TR_S2C, "ftp_bad_reply", "reply line does not start with a three-digit code");
        break;
    case CL_LONG_LINE:
        tr_anomaly(s->ctx, s, dir, "ftp_line_too_long", "%s line longer than %d bytes",
                   dir == TR_C2S ? "command" : "reply", FTP_LINE_MAX);
        break;
    case CL_REPLY:
        reply_unit(s, st, &u);
        break;
    default: /* bytes dropped while resynchronising */
        break;
    }
    return c;
}

static void ftp_on_gap(tr_session *s, int dir, uint64_t n)
{
    ftp_state *st = s->state;
    (void)cl_gap(&st->lines[dir], n); /* the hole may end mid-line: the predicates above decide */
}

static void ftp_on_close(tr_session *s, int reason)
{
    (void)reason;
    ftp_state *st = s->state;
    if (!st)
        return;
    for (int i = 0; i < FTP_TRANSFERS; i++) {
        ftp_transfer *t = &st->transfers[i];
        if (!t->info.transfer_id)
            continue;
        /* a data connection still open (usually one lingering after its FIN) reports now, so the
         * transfer comes before this session's end */
        tr_session *d = t->data_session && !t->data_done ? tr_session_find(s->ctx, t->data_session) : NULL;
        if (d && d->dis == &dis_ftp_data && d->state)
            ftp_data_finish(d); /* reports into t, or emits it when the final reply is in */
        if (t->info.transfer_id && t->data_done)
            transfer_emit_slot(s, t);
        transfer_free(t);
    }
}

static const uint16_t ftp_ports[] = {21, 0};

/* what --stats counts of its events */
static const tr_stat_field ftp_stats[] = {
    {"request", "command", "commands"},
    {"reply", "code", "reply codes"},
    {"transfer", "command", "transfers"},
    {NULL, NULL, NULL},
};

extern const tr_presenter ftp_present; /* ftp_present.c */

const tr_dissector dis_ftp = {
    .name = "ftp",
    .l4 = TR_TCP,
    .ports = ftp_ports,
    .probe = ftp_probe,
    .state_size = sizeof(ftp_state),
    .on_open = ftp_on_open,
    .on_data = ftp_on_data,
    .on_gap = ftp_on_gap,
    .on_close = ftp_on_close,
    .present = &ftp_present,
    .stat_fields = ftp_stats,
};
