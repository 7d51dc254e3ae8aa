#include "mime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/tr_hash.h"
#include "media_ext.h"
#include "mime_params.h"
#include "mime_words.h"

/*
 * A message as RFC 2046 lays it out (CRLF line ends; a bare LF is taken too):
 *
 *   header section                      From: ...  Content-Type: multipart/mixed; boundary="B"
 *   empty line
 *   preamble                            ignored
 *   --B                                 a delimiter: the CRLF before it belongs to it, not to the part above
 *   part: header section, empty line, body (a leaf, or a multipart / message/rfc822 of its own)
 *   --B
 *   ...
 *   --B--                               the close delimiter
 *   epilogue                            ignored
 *
 * Lines are handled as they stream: a line that begins with '-' is gathered (it may be a delimiter: at most
 * 2 + 70 + 2 bytes and whitespace), as are header lines; any other line goes straight to the objects it belongs to.
 * Each line end is held back until the next line shows it is not a delimiter's, so a leaf's digest is of its
 * content without the CRLF before the next boundary.
 */

enum { ST_HEADERS, ST_LEAF, ST_SKIP };
enum { MIME_MULTIPART = 1, MIME_MESSAGE = 2 };
enum { LM_START, LM_GATHER, LM_STREAM, LM_DROP };
enum { T_LEAF = 0, T_MSG = 1 }; /* the two objects a line can go to */

#define DELIMITER_GATHER 80 /* a line starting with '-' and longer than this cannot be a delimiter */

void mime_begin(mime *m, tr_session *s, int dir)
{
    memset(m, 0, offsetof(mime, top));
    m->s = s;
    m->dir = dir;
    m->state = ST_HEADERS;
    m->in_top = 1;
    mail_header_init(&m->top);
    m->line_mode = LM_START;
    m->line_len = 0;
    m->pending_cr = 0;
    m->held_n[0] = m->held_n[1] = 0;
    m->leaf_open = 0;
    m->msg_open = 0;
    m->nleaves = 0;
}

/* ---- the two objects: the leaf being decoded and the attached message being extracted ---- */

static obj *target(mime *m, int t) { return t == T_LEAF ? &m->leaf : &m->msg; }
static int target_open(const mime *m, int t) { return t == T_LEAF ? m->leaf_open : m->msg_open; }

static void feed(mime *m, int t, const uint8_t *p, size_t n)
{
    obj *o = target(m, t);
    while (n) { /* obj_feed stops after the bytes that opened the file; it takes everything else */
        size_t k = obj_feed(o, m->s, p, n);
        if (!k)
            break;
        p += k;
        n -= k;
    }
}

/* The held line end goes in: the line after it is not a delimiter (of this object). */
static void release_held(mime *m, int t)
{
    if (m->held_n[t] && target_open(m, t))
        feed(m, t, m->held[t], m->held_n[t]);
    m->held_n[t] = 0;
}

static void hold(mime *m, int t, const uint8_t *end, size_t n)
{
    m->held_n[t] = (uint8_t)n;
    if (n) /* a last line without an end holds nothing */
        memcpy(m->held[t], end, n);
}

/* Content bytes of a line for the open objects (`leaf`: the leaf takes it too). */
static void content(mime *m, int leaf, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (leaf && m->leaf_open)
        feed(m, T_LEAF, p, n);
    if (m->msg_open)
        feed(m, T_MSG, p, n);
}

/* A line of content begins: what each object held back goes in first. */
static void line_begins(mime *m, int leaf)
{
    if (leaf)
        release_held(m, T_LEAF);
    release_held(m, T_MSG);
}

/* A line of content ends with `end` (CR LF or LF): held back. */
static void line_ends(mime *m, int leaf, const uint8_t *end, size_t n)
{
    if (leaf && m->leaf_open)
        hold(m, T_LEAF, end, n);
    if (m->msg_open)
        hold(m, T_MSG, end, n);
}

/* ---- leaves ---- */

/* A part without a file name is named by its type: .bin when the type says nothing. */
static const char *mime_part_ext(const char *ct)
{
    const char *ext = media_ext(ct, strlen(ct));
    return ext ? ext : ".bin";
}

static int transfer_of(const mail_header *h)
{
    const char *v;
    size_t n;
    char cte[32];
    if (!mail_header_get(h, MF_CONTENT_TRANSFER_ENCODING, &v, &n))
        return OBJ_TE_IDENTITY;
    mime_value(v, n, cte, sizeof cte);
    if (strcmp(cte, "base64") == 0)
        return OBJ_TE_BASE64;
    if (strcmp(cte, "quoted-printable") == 0)
        return OBJ_TE_QP;
    return OBJ_TE_IDENTITY; /* 7bit, 8bit, binary, and what no one defined */
}

/* What a leaf is called, typed and kept as, from its header section. */
static void leaf_describe(mime *m, const mail_header *h, const char *ct, mime_leaf *leaf)
{
    memset(leaf, 0, sizeof *leaf);
    snprintf(leaf->content_type, sizeof leaf->content_type, "%s", ct);
    leaf->depth = 0;
    for (int i = 0; i < m->depth; i++)
        leaf->depth += m->level[i].kind == MIME_MESSAGE;
    const char *v;
    size_t n;
    int undecoded = 0, named = 0;
    char disposition[32] = "";
    if (mail_header_get(h, MF_CONTENT_DISPOSITION, &v, &n)) {
        mime_value(v, n, disposition, sizeof disposition);
        named = mime_param(v, n, "filename", leaf->name, sizeof leaf->name, &undecoded);
    }
    if (!named && mail_header_get(h, MF_CONTENT_TYPE, &v, &n))
        named = mime_param(v, n, "name", leaf->name, sizeof leaf->name, &undecoded);
    if (named && !leaf->name[0])
        named = 0;
    leaf->named = (uint8_t)named;
    leaf->undecoded_name = (uint8_t)undecoded;
    leaf->attachment = strcmp(disposition, "attachment") == 0 || named ||
                       (strncmp(ct, "text/", 5) != 0 && strncmp(ct, "multipart/", 10) != 0);
    if (!named)
        snprintf(leaf->name, sizeof leaf->name, "part-%u%s", m->part_no + 1, mime_part_ext(ct));
}

static void leaf_open(mime *m, const mail_header *h, const char *ct)
{
    leaf_describe(m, h, ct, &m->cur);
    m->part_no++;
    obj_spec spec = {.transfer = (uint8_t)transfer_of(h), .name = m->cur.name};
    obj_begin(&m->leaf, m->s, m->dir, &spec);
    m->leaf_open = 1;
    m->held_n[T_LEAF] = 0;
}

/* Ends the leaf; its line end, when held, goes in only when no delimiter took it (the message ended). */
static void leaf_close(mime *m, int with_held)
{
    if (!m->leaf_open)
        return;
    if (with_held)
        release_held(m, T_LEAF);
    m->held_n[T_LEAF] = 0;
    obj_result r;
    obj_end(&m->leaf, m->s, 1, &r); /* a hole inside it was told to it (obj_gap) */
    snprintf(m->cur.file, sizeof m->cur.file, "%s", obj_file(&m->leaf));
    if (r.sha256.ticket)
        tr_hash_ticket_hold(r.sha256.ticket); /* until the message's event is out (mime_release) */
    m->cur.r = r;
    if (m->nleaves < MIME_LEAVES_MAX) {
        m->leaves[m->nleaves++] = m->cur;
    } else {
        m->leaves_dropped++;
        if (r.sha256.ticket)
            tr_hash_ticket_release(r.sha256.ticket);
    }
    obj_done(&m->leaf, m->s);
    m->leaf_open = 0;
}

/* ---- the attached message extracted whole ---- */

static void msg_close(mime *m, int with_held)
{
    if (!m->msg_open)
        return;
    if (with_held)
        release_held(m, T_MSG);
    m->held_n[T_MSG] = 0;
    obj_result r;
    obj_end(&m->msg, m->s, 1, &r);
    snprintf(m->msg_info.file, sizeof m->msg_info.file, "%s", obj_file(&m->msg));
    if (r.sha256.ticket)
        tr_hash_ticket_hold(r.sha256.ticket);
    m->msg_info.r = r;
    if (m->nleaves < MIME_LEAVES_MAX) {
        m->leaves[m->nleaves++] = m->msg_info;
    } else {
        m->leaves_dropped++;
        if (r.sha256.ticket)
            tr_hash_ticket_release(r.sha256.ticket);
    }
    obj_done(&m->msg, m->s);
    m->msg_open = 0;
}

/* ---- structure ---- */

/* Levels above `keep` end (a delimiter of an outer multipart ends everything inside it). */
static void pop_to(mime *m, int keep)
{
    while (m->depth > keep) {
        m->depth--;
        if (m->msg_open && m->msg_level == m->depth)
            msg_close(m, 0); /* the delimiter that ended it took its last line end */
    }
}

/* Which open multipart a line is a delimiter of (-1: none); *close when it is a close delimiter. The innermost
 * first: an outer delimiter inside an inner part ends the inner one too (RFC 2046 5.1.2). */
static int delimiter_of(const mime *m, const uint8_t *p, size_t n, int *close)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) /* transport padding (RFC 2046 5.1.1) */
        n--;
    if (n < 3 || p[0] != '-' || p[1] != '-')
        return -1;
    for (int i = m->depth - 1; i >= 0; i--) {
        const mime_level *l = &m->level[i];
        if (l->kind != MIME_MULTIPART || l->closed)
            continue;
        if (n == 2u + l->blen && memcmp(p + 2, l->boundary, l->blen) == 0) {
            *close = 0;
            return i;
        }
        if (n == 4u + l->blen && memcmp(p + 2, l->boundary, l->blen) == 0 && p[n - 2] == '-' && p[n - 1] == '-') {
            *close = 1;
            return i;
        }
    }
    return -1;
}

/* The header section of an entity ended (its empty line): what its body is. */
static void headers_done(mime *m)
{
    mail_header *h = m->in_top ? &m->top : &m->head;
    m->in_top = 0;
    char ct[80] = "text/plain";
    const char *v;
    size_t n;
    char boundary[MIME_BOUNDARY_MAX + 2] = "";
    int undecoded = 0;
    if (mail_header_get(h, MF_CONTENT_TYPE, &v, &n) && mime_value(v, n, ct, sizeof ct) == 0)
        snprintf(ct, sizeof ct, "text/plain");
    int multipart = strncmp(ct, "multipart/", 10) == 0 && mail_header_get(h, MF_CONTENT_TYPE, &v, &n) &&
                    mime_param(v, n, "boundary", boundary, sizeof boundary, &undecoded) && boundary[0] &&
                    strlen(boundary) <= MIME_BOUNDARY_MAX;
    int message = strcmp(ct, "message/rfc822") == 0 || strcmp(ct, "message/global") == 0;
    if ((multipart || message) && m->depth == MIME_DEPTH_MAX) {
        m->too_deep = 1; /* walked no deeper: the rest is one leaf */
        multipart = message = 0;
    }
    if (multipart) {
        mime_level *l = &m->level[m->depth++];
        memset(l, 0, sizeof *l);
        l->kind = MIME_MULTIPART;
        l->blen = (uint8_t)strlen(boundary);
        memcpy(l->boundary, boundary, l->blen + 1u);
        m->state = ST_SKIP; /* the preamble */
        return;
    }
    if (message) {
        mime_level *l = &m->level[m->depth];
        memset(l, 0, sizeof *l);
        l->kind = MIME_MESSAGE;
        if (!m->msg_open) { /* the attached message itself, whole, as a file of its own */
            leaf_describe(m, h, ct, &m->msg_info);
            m->msg_info.attachment = 1;
            m->part_no++;
            obj_spec spec = {.transfer = (uint8_t)transfer_of(h), .name = m->msg_info.name};
            obj_begin(&m->msg, m->s, m->dir, &spec);
            m->msg_open = 1;
            m->msg_level = m->depth;
            m->held_n[T_MSG] = 0;
        }
        m->depth++;
        mail_header_init(&m->head); /* its headers are its own, never the outer message's */
        m->state = ST_HEADERS;
        return;
    }
    leaf_open(m, h, ct);
    m->state = ST_LEAF;
}

/* A whole line (p[0..n) without its end; `end` its line end, 0 to 2 bytes) that was gathered. */
static void gathered_line(mime *m, const uint8_t *p, size_t n, const uint8_t *end, size_t end_n)
{
    int close = 0;
    int at = m->depth ? delimiter_of(m, p, n, &close) : -1;
    if (at >= 0) {
        /* a delimiter of level `at`: whatever is open inside it ends, its line end held back dropped */
        leaf_close(m, 0);
        int msg_inside = m->msg_open && m->msg_level > at;
        pop_to(m, at + 1);
        if (!msg_inside) { /* for the attached message around this multipart, the delimiter is content */
            line_begins(m, 0);
            content(m, 0, p, n);
            line_ends(m, 0, end, end_n);
        }
        m->held_n[T_LEAF] = 0;
        if (close) {
            m->level[at].closed = 1;
            m->state = ST_SKIP; /* its epilogue */
        } else {
            mail_header_init(&m->head);
            m->state = ST_HEADERS;
        }
        return;
    }
    int leaf = m->state == ST_LEAF;
    line_begins(m, leaf);
    content(m, leaf, p, n);
    line_ends(m, leaf, end, end_n);
    if (m->state == ST_HEADERS) {
        if (n == 0)
            headers_done(m);
        else
            mail_header_line(m->in_top ? &m->top : &m->head, p, n);
    }
}

/* ---- the line reader ---- */

/* Bytes of a line being streamed (not gathered): content for the leaf and the attached message. */
static void stream_bytes(mime *m, const uint8_t *p, size_t n)
{
    content(m, m->state == ST_LEAF, p, n);
}

static void line_start(mime *m, uint8_t first)
{
    m->line_len = 0;
    if (m->state == ST_HEADERS || first == '-') {
        m->line_mode = LM_GATHER;
        return;
    }
    m->line_mode = LM_STREAM;
    line_begins(m, m->state == ST_LEAF);
}

/* A gathered line's bytes so far become streamed content (it grew too long to be a delimiter or a header). */
static void gather_to_stream(mime *m)
{
    if (m->state == ST_HEADERS) { /* an over-long header line: what was gathered is kept, its rest dropped */
        mail_header_line(m->in_top ? &m->top : &m->head, m->line, m->line_len);
        content(m, 0, m->line, m->line_len);
        m->line_mode = LM_DROP;
        return;
    }
    line_begins(m, m->state == ST_LEAF);
    stream_bytes(m, m->line, m->line_len);
    m->line_mode = LM_STREAM;
}

void mime_feed(mime *m, const uint8_t *p, size_t n)
{
    size_t i = 0;
    int carried_cr = 0; /* the CR that ended the last piece and the LF that begins this one are a CR LF */
    if (m->pending_cr && n) { /* a CR ended the last piece */
        m->pending_cr = 0;
        carried_cr = p[0] == '\n';
        if (!carried_cr) { /* not a line end: the CR is content */
            static const uint8_t cr = '\r';
            if (m->line_mode == LM_GATHER && m->line_len < MIME_LINE_MAX)
                m->line[m->line_len++] = cr;
            else if (m->line_mode != LM_DROP)
                stream_bytes(m, &cr, 1);
        }
    }
    while (i < n) {
        if (m->line_mode == LM_START)
            line_start(m, p[i]);
        const uint8_t *lf = memchr(p + i, '\n', n - i);
        size_t upto = lf ? (size_t)(lf - p) : n;           /* the line's bytes in this piece end here */
        size_t body = upto;
        int cr = 0;
        if (body > i && p[body - 1] == '\r') { /* CR LF, or a CR ending the piece */
            body--;
            cr = 1;
        } else if (carried_cr && upto == i) {
            cr = 1;
        }
        carried_cr = 0;
        static const uint8_t crlf[2] = {'\r', '\n'};
        const uint8_t *end = cr ? crlf : crlf + 1;
        size_t end_n = lf ? (size_t)(cr ? 2 : 1) : 0;
        if (!lf && cr) /* the piece ends in CR: wait for the next byte */
            m->pending_cr = 1;
        switch (m->line_mode) {
        case LM_GATHER: {
            size_t k = body - i;
            size_t cap = m->state == ST_HEADERS ? MIME_LINE_MAX : DELIMITER_GATHER;
            if (m->line_len + k > cap) {
                size_t room = cap > m->line_len ? cap - m->line_len : 0;
                memcpy(m->line + m->line_len, p + i, room);
                m->line_len = (uint16_t)(m->line_len + room);
                i += room;
                gather_to_stream(m);
                continue; /* the rest of the line in its new mode */
            }
            memcpy(m->line + m->line_len, p + i, k);
            m->line_len = (uint16_t)(m->line_len + k);
            if (lf) {
                gathered_line(m, m->line, m->line_len, end, end_n);
                m->line_mode = LM_START;
            }
            break;
        }
        case LM_STREAM:
            stream_bytes(m, p + i, body - i);
            if (lf) {
                line_ends(m, m->state == ST_LEAF, end, end_n);
                m->line_mode = LM_START;
            }
            break;
        default: /* LM_DROP: the rest of an over-long header line */
            content(m, 0, p + i, body - i);
            if (lf) {
                line_ends(m, 0, end, end_n);
                m->line_mode = LM_START;
            }
            break;
        }
        i = lf ? upto + 1 : n;
    }
}

void mime_gap(mime *m)
{
    m->lost = 1;
    if (m->leaf_open)
        (void)obj_gap(&m->leaf, m->s, 0);
    if (m->msg_open)
        (void)obj_gap(&m->msg, m->s, 0);
    /* the line under way is lost with the hole; the next one is read afresh */
    m->line_mode = LM_START;
    m->line_len = 0;
    m->pending_cr = 0;
    m->held_n[0] = m->held_n[1] = 0;
}

void mime_end(mime *m, int complete)
{
    if (!complete)
        m->lost = 1;
    if (m->line_mode == LM_GATHER && m->line_len) /* a last line without its end */
        gathered_line(m, m->line, m->line_len, NULL, 0);
    if (m->pending_cr) {
        static const uint8_t cr = '\r';
        stream_bytes(m, &cr, 1);
        m->pending_cr = 0;
    }
    for (int i = 0; i < m->depth; i++)
        if (m->level[i].kind == MIME_MULTIPART && !m->level[i].closed)
            m->no_close = 1;
    leaf_close(m, 1); /* no delimiter took its last line end: the message ended */
    msg_close(m, 1);
    m->depth = 0;
}

/* ---- the event ---- */

static void add_header(const mime *m, tr_event *e, const char *key, int field, int decode)
{
    const char *v;
    size_t n;
    if (!mail_header_get(&m->top, field, &v, &n))
        return;
    if (!decode) {
        tr_ev_strcopy(e, key, v, n);
        return;
    }
    char out[1024];
    int undecoded = 0;
    size_t k = mime_words_decode(v, n, out, sizeof out, &undecoded);
    tr_ev_strcopy(e, key, out, k);
}

static void add_leaves(const mime *m, tr_event *e, const char *key, int attachments)
{
    int any = 0;
    for (uint32_t i = 0; i < m->nleaves; i++) {
        const mime_leaf *l = &m->leaves[i];
        if (l->attachment != attachments)
            continue;
        if (!any)
            tr_ev_list(e, key);
        any = 1;
        tr_ev_obj(e, NULL);
        tr_ev_str(e, "name", l->name);
        tr_ev_str(e, "content_type", l->content_type);
        if (l->r.len_known)
            tr_ev_int(e, "size", (int64_t)l->r.len);
        if (l->r.complete)
            tr_ev_digest(e, "sha256", l->r.sha256.hex, l->r.sha256.ticket);
        tr_ev_bool(e, "complete", l->r.complete);
        tr_ev_file(e, "file", l->file);
        tr_ev_end(e);
    }
    if (any)
        tr_ev_end(e);
}

void mime_add_fields(const mime *m, tr_event *e)
{
    add_header(m, e, "from", MF_FROM, 1);
    add_header(m, e, "to", MF_TO, 1);
    add_header(m, e, "cc", MF_CC, 1);
    add_header(m, e, "reply_to", MF_REPLY_TO, 1);
    add_header(m, e, "subject", MF_SUBJECT, 1);
    add_header(m, e, "date", MF_DATE, 0);
    add_header(m, e, "message_id", MF_MESSAGE_ID, 0);
    add_header(m, e, "in_reply_to", MF_IN_REPLY_TO, 0);
    add_header(m, e, "user_agent", MF_USER_AGENT, 1);
    add_header(m, e, "received_first_hop", MF_RECEIVED_FIRST_HOP, 0);
    add_header(m, e, "received_last_hop", MF_RECEIVED_LAST_HOP, 0);
    add_leaves(m, e, "attachments", 1);
    add_leaves(m, e, "parts", 0);
    if (m->leaves_dropped)
        tr_ev_int(e, "leaves_not_listed", m->leaves_dropped);
}

void mime_release(mime *m)
{
    for (uint32_t i = 0; i < m->nleaves; i++)
        if (m->leaves[i].r.sha256.ticket) {
            tr_hash_ticket_release(m->leaves[i].r.sha256.ticket);
            m->leaves[i].r.sha256.ticket = 0;
        }
    m->nleaves = 0;
}

void mime_free(mime *m)
{
    if (m->leaf_open)
        leaf_close(m, 0);
    if (m->msg_open)
        msg_close(m, 0);
    mime_release(m);
    obj_release(&m->leaf, m->s); /* the hash contexts kept from leaf to leaf */
    obj_release(&m->msg, m->s);
}
