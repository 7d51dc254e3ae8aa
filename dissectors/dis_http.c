/* dis_http: HTTP/1.0 and HTTP/1.1 over TCP — RFC 9110 (semantics), RFC 9112 (message syntax, framing,
 * chunked coding), RFC 7617 (Basic authentication). Requests and responses are paired in order
 * (keep-alive, pipelining); bodies are objects of the object pipeline (object.h): de-chunked, content-decoded,
 * hashed and extracted as they stream. Which framing a message has is decided here.
 *
 * Wire layout (RFC 9112 2.1); lines end in CRLF (a bare LF is accepted, as servers do):
 *
 *   request-line  = method SP request-target SP HTTP-version        GET /index.html HTTP/1.1
 *   status-line   = HTTP-version SP status-code SP [reason-phrase]   HTTP/1.1 200 OK
 *   field-line    = field-name ":" OWS field-value OWS              Host: example.org
 *                   (obs-fold: a line starting with SP or HT continues the previous field)
 *   empty line
 *   message-body, framed as RFC 9112 6.3 says, first rule that applies:
 *     none          responses to HEAD, 1xx, 204, 304, 2xx to CONNECT; requests without a framing field
 *     chunked       Transfer-Encoding ending in "chunked":
 *                     chunk-size(hex) [; ext] CRLF  data CRLF  ...  0 CRLF  *(trailer-field CRLF)  CRLF
 *     identity      Content-Length: N
 *     until close   any other response
 *
 * A 101 response or a 2xx to CONNECT hands the connection to another protocol: decoding ends there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tr_dissector.h"
#include "../core/tr_buf.h"
#include "../core/tr_pool.h"
#include "base64.h"
#include "http_claim.h"
#include "media_ext.h"
#include "mime_params.h"
#include "object.h"
#include "pairing.h"
#include "textline.h"

#define HTTP_LINE_MAX 8192      /* longest start or field line (Apache's limit is 8190) */
#define HTTP_TEXT_MAX 8192      /* per direction: the kept fields of the message being parsed */
#define HTTP_FIELDS_MAX 500     /* field lines per message before an anomaly */
#define HTTP_QUEUE_MAX 64       /* requests waiting for their response (pipelining) */
#define HTTP_URI_RING 8192      /* the waiting requests' URIs, allocated first-in first-out */
#define HTTP_METHOD_KEEP 16
#define HTTP_BODY_DECODED_MAX (1ull << 32) /* decoded bytes past this are a bomb, not a web object */
_Static_assert(CHUNKED_LINE_MAX == HTTP_LINE_MAX, "a chunk's lines are HTTP lines: one cap, one anomaly text");

enum http_phase {
    PH_START = 0,  /* a start line is next (empty lines between messages are skipped) */
    PH_HEADERS,
    PH_BODY_LEN,   /* `remaining` bytes of a Content-Length body */
    PH_CHUNKED,    /* a chunked body, framed by the object's chunked coding up to its last chunk */
    PH_TRAILERS,
    PH_BODY_CLOSE, /* everything until the connection closes */
    PH_RESYNC,     /* after lost or bad bytes: lines are skipped until one is a start line */
    PH_WAIT,       /* the client sent CONNECT: its bytes wait for the answer (tunnel or not) */
};

/* The parts of a message kept until its event: start-line parts and the fields SCHEMA.md names. */
enum http_text {
    T_METHOD, T_URI, T_VERSION, T_REASON,
    T_HOST, T_USER_AGENT, T_REFERER, T_COOKIE, T_AUTHORIZATION, T_PROXY_AUTHORIZATION,
    T_CONTENT_LENGTH, T_TRANSFER_ENCODING, T_CONTENT_ENCODING, T_CONTENT_TYPE, T_SET_COOKIE, T_CONTENT_DISPOSITION,
    T_COUNT,
    T_NONE = 0xff
};

static const uint16_t http_text_cap[T_COUNT] = {
    [T_METHOD] = 32, [T_URI] = 4096, [T_VERSION] = 16, [T_REASON] = 256,
    [T_HOST] = 256, [T_USER_AGENT] = 512, [T_REFERER] = 2048, [T_COOKIE] = 2048,
    [T_AUTHORIZATION] = 1024, [T_PROXY_AUTHORIZATION] = 1024,
    [T_CONTENT_LENGTH] = 128, [T_TRANSFER_ENCODING] = 128, [T_CONTENT_ENCODING] = 128,
    [T_CONTENT_TYPE] = 256, [T_SET_COOKIE] = 2048, [T_CONTENT_DISPOSITION] = 512,
};

/* Fields kept, by name (case-insensitive). A repeated field is joined with `join`, or the first one
 * kept when join is NULL. Set-Cookie values are joined with "\n": a cookie's Expires date holds a
 * comma, so a comma could not separate them, and a field value never holds a line end. */
static const struct http_field_kind {
    const char *name;
    uint8_t name_len; /* compared first, for every field line of every message */
    uint8_t text;
    const char *join;
} http_field_kinds[] = {
#define FIELD(name, text, join) {name, sizeof name - 1, text, join}
    FIELD("host", T_HOST, NULL),
    FIELD("user-agent", T_USER_AGENT, NULL),
    FIELD("referer", T_REFERER, NULL),
    FIELD("cookie", T_COOKIE, "; "),
    FIELD("authorization", T_AUTHORIZATION, NULL),
    FIELD("proxy-authorization", T_PROXY_AUTHORIZATION, NULL),
    FIELD("content-length", T_CONTENT_LENGTH, ","),
    FIELD("transfer-encoding", T_TRANSFER_ENCODING, ", "),
    FIELD("content-encoding", T_CONTENT_ENCODING, ", "),
    FIELD("content-type", T_CONTENT_TYPE, NULL),
    FIELD("set-cookie", T_SET_COOKIE, "\n"),
    FIELD("content-disposition", T_CONTENT_DISPOSITION, NULL),
#undef FIELD
};

/* Methods the probe recognises before a whole request line has arrived. */
static const char *const http_methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH",
};

typedef struct http_span {
    const uint8_t *p;
    size_t n;
} http_span;

/* What one message has told so far; zeroed when its start line arrives. */
typedef struct http_msg {
    uint8_t last_text;      /* text slot of the previous field line (obs-fold), T_NONE when not kept */
    uint8_t has_body;       /* the message has a body (perhaps empty): body_len and body_sha256 apply */
    uint8_t lost;           /* bytes of this message were lost */
    uint8_t paired;         /* response: it answers the request at the head of the queue */
    uint8_t text_cut;       /* a kept field was longer than its cap */
    uint8_t bad_field_seen; /* one anomaly per message for malformed field lines */
    uint8_t v09;            /* HTTP/0.9: a request line without a version, a response without a status line */
    int status;             /* 0 for an HTTP/0.9 response */
    uint32_t fields;
    uint64_t remaining;     /* bytes left in a Content-Length body */
    uint32_t present;       /* bit per enum http_text */
    uint16_t used;          /* of http_side.buf */
    struct { uint16_t off, len; } text[T_COUNT];
    /* the body as a range of the stream (tr_stream_object), for transcripts */
    uint8_t obj;            /* announced */
    uint8_t obj_named;      /* announced with the file's path */
    uint8_t obj_chunked;
    uint64_t obj_start, obj_end; /* obj_end 0: not known yet */
} http_msg;

/* One direction's parser. */
typedef struct http_side {
    uint8_t phase;          /* enum http_phase */
    uint8_t skip_line;      /* the rest of an over-long line is being dropped */
    uint64_t pos;           /* stream offset of the next byte not consumed */
    http_msg m;
    char *buf;              /* the kept text of m (HTTP_TEXT_MAX bytes), held only while a message is parsed */
    tr_session *session;    /* whose state_extra counts the buffers held */
    obj body;
} http_side;

/* A request waiting for its response: what the response needs of it. */
typedef struct http_waiting {
    char method[HTTP_METHOD_KEEP];
    uint8_t method_len;
    uint8_t v09;            /* its answer is HTTP/0.9: the server's bytes up to the close, no status line */
    uint16_t uri_len;
    uint32_t uri_off;       /* in the ring */
    struct http_claim *claim; /* another protocol took this transaction (http_claim.h), NULL when none */
} http_waiting;

typedef struct http_state {
    http_side side[2];
    pair_queue queue;       /* requests waiting, in order, over queue_slots */
    _Alignas(8) uint8_t queue_slots[PAIR_STORAGE_SIZE(HTTP_QUEUE_MAX, sizeof(http_waiting), 0)];
    uint32_t unparsed;      /* bad request lines the server may answer (with 400) though none was queued */
    uint8_t client_spoke;   /* a start line from the client has been seen, read or not */
    uint32_t ring_next, ring_used;
    char *ring;             /* URIs of the waiting requests (HTTP_URI_RING bytes), held only while any wait */
    http_waiting *reading;  /* the queue's entry of the request being read, NULL when it was not queued */
} http_state;

/* ---- buffers held only while in use ---- */

/* A session between messages holds no buffer, so thousands of idle keep-alive connections cost little (the
 * engine counts every session's state against --memcap). Buffers go back to a small pool, so parsing costs
 * no malloc per message. The text buffer and the URI ring have the same size and share it. */
_Static_assert(HTTP_TEXT_MAX == HTTP_URI_RING, "one pool for both kinds of buffer");

static tr_pool spare = TR_POOL_INIT(HTTP_TEXT_MAX, 64);

static char *buffer_take(tr_session *s)
{
    char *b = tr_pool_take(&spare);
    if (b)
        s->state_extra += HTTP_TEXT_MAX;
    return b;
}

static void buffer_give(tr_session *s, char **b)
{
    if (!*b)
        return;
    s->state_extra -= HTTP_TEXT_MAX;
    tr_pool_give(&spare, *b);
    *b = NULL;
}

/* ---- kept text ---- */

static void text_bytes(http_side *d, int t, const void *p, size_t n)
{
    if (!d->buf && !(d->buf = buffer_take(d->session))) {
        d->m.text_cut = 1;
        return;
    }
    size_t room_cap = http_text_cap[t] - d->m.text[t].len;
    size_t room_buf = HTTP_TEXT_MAX - d->m.used;
    size_t take = n < room_cap ? n : room_cap;
    take = take < room_buf ? take : room_buf;
    if (take < n)
        d->m.text_cut = 1;
    memcpy(d->buf + d->m.used, p, take);
    d->m.used = (uint16_t)(d->m.used + take);
    d->m.text[t].len = (uint16_t)(d->m.text[t].len + take);
}

/* Appends to slot t (after sep when it already holds something). A slot that is not the last one
 * written moves to the end first, so every slot stays one contiguous run. */
static void text_append(http_side *d, int t, const char *sep, const uint8_t *p, size_t n)
{
    if (!(d->m.present & (1u << t))) {
        d->m.present |= 1u << t;
        d->m.text[t].off = d->m.used;
        d->m.text[t].len = 0;
    } else if (d->m.text[t].off + d->m.text[t].len != d->m.used) {
        uint16_t len = d->m.text[t].len;
        if (len > HTTP_TEXT_MAX - d->m.used) {
            d->m.text_cut = 1;
            return;
        }
        memcpy(d->buf + d->m.used, d->buf + d->m.text[t].off, len);
        d->m.text[t].off = d->m.used;
        d->m.used = (uint16_t)(d->m.used + len);
    }
    if (sep && d->m.text[t].len)
        text_bytes(d, t, sep, strlen(sep));
    text_bytes(d, t, p, n);
}

static int text_get(const http_side *d, int t, http_span *v)
{
    if (!(d->m.present & (1u << t))) {
        v->p = NULL;
        v->n = 0;
        return 0;
    }
    if (!d->buf) { /* no buffer could be had: kept as empty */
        v->p = (const uint8_t *)"";
        v->n = 0;
        return 1;
    }
    v->p = (const uint8_t *)d->buf + d->m.text[t].off;
    v->n = d->m.text[t].len;
    return 1;
}

static int text_is(const http_side *d, int t, const char *word)
{
    http_span v;
    return text_get(d, t, &v) && v.n == strlen(word) && textline_starts(v.p, v.n, word);
}

/* ---- the queue of requests waiting for responses ---- */

static http_waiting *queue_head(http_state *st) { return pair_head(&st->queue); }

static void queue_push(tr_session *s, http_state *st, const http_side *d)
{
    st->reading = NULL;
    /* full: the newest is the one left out, not the oldest (the responses still come in order) */
    http_waiting *w = pair_full(&st->queue) ? NULL : pair_push(&st->queue, NULL, 0, NULL);
    if (!w) {
        tr_anomaly(s->ctx, s, TR_C2S, "http_too_many_pending",
                   "more than %d requests wait for responses; this one will not be paired", HTTP_QUEUE_MAX);
        return;
    }
    http_span m, u;
    text_get(d, T_METHOD, &m);
    text_get(d, T_URI, &u);
    st->reading = w;
    w->method_len = (uint8_t)(m.n < HTTP_METHOD_KEEP ? m.n : HTTP_METHOD_KEEP);
    memcpy(w->method, m.p, w->method_len);
    w->v09 = d->m.v09;
    if (!st->ring)
        st->ring = buffer_take(s);
    size_t room = st->ring ? HTTP_URI_RING - st->ring_used : 0;
    w->uri_len = (uint16_t)(u.n < room ? u.n : room);
    w->uri_off = st->ring_next;
    for (size_t i = 0; i < w->uri_len; i++)
        st->ring[(st->ring_next + i) % HTTP_URI_RING] = (char)u.p[i];
    st->ring_next = (st->ring_next + w->uri_len) % HTTP_URI_RING;
    st->ring_used += w->uri_len;
}

static void queue_pop(http_state *st)
{
    http_waiting w;
    if (!pair_pop(&st->queue, &w))
        return;
    st->ring_used -= w.uri_len; /* entries leave in the order they took ring space */
    if (!pair_len(&st->queue)) { /* nobody waits: the ring goes back, and starts afresh next time */
        buffer_give(st->side[TR_C2S].session, &st->ring);
        st->ring_next = st->ring_used = 0;
    }
}

/* The waiting request's URI, copied out of the ring (which may wrap) into `out`. */
static size_t waiting_uri(const http_state *st, const http_waiting *w, char *out, size_t cap)
{
    size_t n = w->uri_len < cap ? w->uri_len : cap;
    for (size_t i = 0; i < n; i++)
        out[i] = st->ring[(w->uri_off + i) % HTTP_URI_RING];
    return n;
}

static int waiting_is(const http_waiting *w, const char *method)
{
    return w && w->method_len == strlen(method) && memcmp(w->method, method, w->method_len) == 0;
}

/* ---- transactions another protocol claims (http_claim.h) ---- */

/* A claimed transaction: who claimed it, for which session, and the claimer's state after it. */
typedef struct http_claim {
    const http_claimer *c;
    tr_session *s;
    size_t bytes; /* counted on the session */
    _Alignas(16) uint8_t state[];
} http_claim;

static const http_claimer *extra_claimer;

void http_claim_extra(const http_claimer *c) { extra_claimer = c; }

extern const tr_dissector dis_http;

/* The claimers of the registry (dissectors whose .inside names HTTP), then the extra one; NULL after the last. */
static const http_claimer *claimer_at(int *i)
{
    if (*i < 0)
        return NULL;
    for (; tr_dissectors[*i]; (*i)++) {
        const tr_inside *in = tr_dissectors[*i]->inside;
        if (in && in->hooks && strcmp(in->host, dis_http.name) == 0)
            return (*i)++, in->hooks;
    }
    *i = -1;
    return extra_claimer;
}

static http_request_view request_view(const http_side *d)
{
    http_span m, u, h, a;
    text_get(d, T_METHOD, &m);
    text_get(d, T_URI, &u);
    text_get(d, T_HOST, &h);
    text_get(d, T_USER_AGENT, &a);
    http_request_view v = {m.p, u.p, h.p, a.p, m.n, u.n, h.n, a.n};
    return v;
}

/* The request just read, offered to the claimers; the one that takes it gets it now. */
static void claim_offer(tr_session *s, http_state *st, const http_side *d)
{
    http_waiting *w = st->reading;
    st->reading = NULL;
    if (!w || w->claim)
        return;
    http_request_view v = request_view(d);
    int i = 0;
    for (const http_claimer *c; (c = claimer_at(&i));) {
        if (!c->claims || !c->claims(&v))
            continue;
        size_t size = c->txn_size <= HTTP_CLAIM_STATE_MAX ? c->txn_size : HTTP_CLAIM_STATE_MAX;
        http_claim *k = calloc(1, sizeof *k + size); /* per transaction, not per packet */
        if (!k)
            return;
        k->c = c;
        k->s = s;
        k->bytes = sizeof *k + size;
        s->state_extra += k->bytes;
        w->claim = k;
        if (c->on_request)
            c->on_request(s, k->state, &v);
        return;
    }
}

static void claim_free(http_claim *k)
{
    k->s->state_extra -= k->bytes;
    free(k);
}

/* The response's decoded body, for a claimed transaction (the object's tee). */
static void claim_body(void *arg, const uint8_t *p, size_t n)
{
    http_claim *k = arg;
    k->c->on_body(k->s, k->state, p, n);
}

/* The final response of the transaction at the queue's head is out: its claimer hears it, then it is let go. */
static void claim_response(tr_session *s, http_waiting *w, const http_side *d, int complete)
{
    http_claim *k = w ? w->claim : NULL;
    if (!k)
        return;
    http_span ct;
    text_get(d, T_CONTENT_TYPE, &ct);
    http_response_view v = {d->m.v09 ? 0 : d->m.status, ct.p, ct.n};
    if (k->c->on_response)
        k->c->on_response(s, k->state, &v, complete);
    w->claim = NULL;
    claim_free(k);
}

/* ---- start lines ---- */

static int is_tchar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* "HTTP/d.d" */
static int version_ok(const uint8_t *p, size_t n)
{
    return n == 8 && memcmp(p, "HTTP/", 5) == 0 && is_digit(p[5]) && p[6] == '.' && is_digit(p[7]);
}

/* method SP target SP version; the version is taken after the last space so that a target with
 * a stray space in it (broken clients) still parses. */
static int parse_request_line(const uint8_t *p, size_t n, http_span *method, http_span *uri, http_span *version)
{
    size_t m = 0;
    while (m < n && is_tchar(p[m]))
        m++;
    if (m == 0 || m > 32 || m >= n || p[m] != ' ')
        return 0;
    size_t last = n;
    while (last > m && p[last - 1] != ' ')
        last--;
    size_t vlen = n - last;
    if (last <= m + 1 || !version_ok(p + last, vlen))
        return 0;
    size_t u = m, uend = last;
    while (u < uend && p[u] == ' ')
        u++;
    while (uend > u && p[uend - 1] == ' ')
        uend--;
    if (uend == u)
        return 0;
    *method = (http_span){p, m};
    *uri = (http_span){p + u, uend - u};
    *version = (http_span){p + last, vlen};
    return 1;
}

/* HTTP/0.9's simple request (RFC 1945 4.1): "GET" SP target, nothing after, as Zeek and Wireshark read it. */
static int parse_request_line_09(const uint8_t *p, size_t n, http_span *method, http_span *uri)
{
    if (n < 5 || memcmp(p, "GET ", 4) != 0)
        return 0;
    for (size_t i = 4; i < n; i++)
        if (p[i] == ' ' || p[i] == '\t' || p[i] < 0x21 || p[i] == 0x7f)
            return 0;
    *method = (http_span){p, 3};
    *uri = (http_span){p + 4, n - 4};
    return 1;
}

/* version SP 3DIGIT [SP reason] */
static int parse_status_line(const uint8_t *p, size_t n, http_span *version, int *status, http_span *reason)
{
    if (n < 12 || !version_ok(p, 8) || p[8] != ' ' || !is_digit(p[9]) || !is_digit(p[10]) || !is_digit(p[11]))
        return 0;
    if (n > 12 && p[12] != ' ')
        return 0;
    *version = (http_span){p, 8};
    *status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    *reason = n > 13 ? (http_span){p + 13, n - 13} : (http_span){p + n, 0};
    return 1;
}

/* ---- events ---- */

/* The object's file name: the last segment of the URI path, %-decoded; `fallback` when empty. */
static void name_from_uri(const uint8_t *u, size_t n, const char *fallback, char *out, size_t cap)
{
    size_t start = 0, end = 0;
    while (end < n && u[end] != '?' && u[end] != '#')
        end++;
    for (size_t i = 0; i + 2 < end; i++) /* absolute form (proxies): skip scheme and authority */
        if (u[i] == ':' && u[i + 1] == '/' && u[i + 2] == '/') {
            start = i + 3;
            while (start < end && u[start] != '/')
                start++;
            break;
        }
    for (size_t i = start; i < end; i++)
        if (u[i] == '/')
            start = i + 1;
    size_t k = 0;
    for (size_t i = start; i < end && k + 1 < cap; i++) {
        uint8_t c = u[i];
        if (c == '%' && i + 2 < end && tr_hex_digit((uint8_t)u[i + 1]) >= 0 && tr_hex_digit((uint8_t)u[i + 2]) >= 0) {
            c = (uint8_t)(tr_hex_digit((uint8_t)u[i + 1]) * 16 + tr_hex_digit((uint8_t)u[i + 2]));
            i += 2;
        }
        out[k++] = (char)c;
    }
    out[k] = '\0';
    if (k == 0 || (k == 1 && out[0] == '.') || (k == 2 && out[0] == '.' && out[1] == '.'))
        snprintf(out, cap, "%s", fallback);
}

/* Content-Disposition's filename (filename*= decoded by mime_params), its last path segment, into out; out is
 * left as it was when there is none. The export makes the name safe (tr_safe_name); this only drops folders. */
static void name_from_disposition(const char *v, size_t n, char *out, size_t cap)
{
    char fn[OBJ_NAME_MAX];
    int undecoded = 0;
    if (!mime_param(v, n, "filename", fn, sizeof fn, &undecoded))
        return;
    const char *base = fn;
    for (const char *c = fn; *c; c++)
        if (*c == '/' || *c == '\\')
            base = c + 1;
    if (*base && strcmp(base, ".") != 0 && strcmp(base, "..") != 0)
        snprintf(out, cap, "%s", base);
}

static void ev_body(tr_event *e, const http_side *d, int complete, const obj_result *body)
{
    if (d->m.has_body && obj_later_fields(&d->body, e))
        return; /* body_len, body_sha256 and complete come from the worker, which decoded it (no exporter: no file) */
    if (d->m.has_body) {
        /* after bad deflate data, the bytes decoded before it depend on how the input was cut (ISA-L's fast
         * and careful paths stop at different points): no length is better than one that changes with it */
        if (body->len_known)
            tr_ev_int(e, "body_len", (int64_t)body->len);
        if (complete)
            tr_ev_digest(e, "body_sha256", body->sha256.hex, body->sha256.ticket);
    }
    tr_ev_bool(e, "complete", complete);
    if (d->m.has_body)
        tr_ev_file(e, "file", obj_file(&d->body));
}

/* The kept texts each event carries, in SCHEMA.md order. */
static const struct http_event_text {
    const char *key;
    uint8_t text;
} http_request_texts[] = {
    {"method", T_METHOD}, {"uri", T_URI}, {"version", T_VERSION}, {"host", T_HOST},
    {"user_agent", T_USER_AGENT}, {"referer", T_REFERER}, {"cookie", T_COOKIE},
}, http_response_texts[] = {
    {"reason", T_REASON}, {"version", T_VERSION}, {"content_type", T_CONTENT_TYPE},
    {"content_encoding", T_CONTENT_ENCODING}, {"transfer_encoding", T_TRANSFER_ENCODING},
    {"set_cookie", T_SET_COOKIE},
};

static void ev_texts(tr_event *e, const http_side *d, const struct http_event_text *t, size_t n)
{
    http_span v;
    for (size_t i = 0; i < n; i++)
        if (text_get(d, t[i].text, &v))
            tr_ev_strn(e, t[i].key, v.p, v.n);
}

static void emit_request(tr_session *s, const http_side *d, int complete, const obj_result *body)
{
    tr_event e;
    tr_ev_init(&e, s, "request", TR_C2S);
    ev_texts(&e, d, http_request_texts, sizeof http_request_texts / sizeof http_request_texts[0]);
    ev_body(&e, d, complete, body);
    tr_emit(&e);
}

static void emit_response(tr_session *s, http_state *st, const http_side *d, int complete, const obj_result *body)
{
    tr_event e;
    tr_ev_init(&e, s, "response", TR_S2C);
    if (!d->m.v09)
        tr_ev_int(&e, "status", d->m.status);
    ev_texts(&e, d, http_response_texts, sizeof http_response_texts / sizeof http_response_texts[0]);
    ev_body(&e, d, complete, body);
    const http_waiting *w = d->m.paired ? queue_head(st) : NULL;
    if (w) {
        tr_ev_strcopy(&e, "method", w->method, w->method_len);
        char *uri = tr_ev_alloc(&e, w->uri_len ? w->uri_len : 1);
        if (uri)
            tr_ev_strn(&e, "uri", uri, waiting_uri(st, w, uri, w->uri_len));
    }
    tr_emit(&e);
}

/* Authorization / Proxy-Authorization: Basic base64(user ":" password) (RFC 7617 2). */
static void emit_basic_auth(tr_session *s, const http_side *d, int t)
{
    http_span v;
    if (!text_get(d, t, &v))
        return;
    size_t scheme_len, cred_len;
    const uint8_t *cred;
    textline_word(v.p, v.n, &scheme_len, &cred, &cred_len);
    if (scheme_len != 5 || !textline_starts(v.p, scheme_len, "basic"))
        return;
    uint8_t plain[768];
    long n = base64_decode(cred, cred_len, plain, sizeof plain);
    if (n < 0) {
        tr_anomaly(s->ctx, s, TR_C2S, "http_bad_basic_auth", "Basic credentials are not base64");
        return;
    }
    size_t colon = 0;
    while (colon < (size_t)n && plain[colon] != ':')
        colon++;
    tr_event e;
    tr_ev_init(&e, s, "auth", TR_C2S);
    tr_ev_str(&e, "scheme", "Basic");
    tr_ev_strcopy(&e, "user", plain, colon);
    if (colon < (size_t)n)
        tr_ev_strcopy(&e, "password", plain + colon + 1, (size_t)n - colon - 1);
    tr_emit(&e);
}

/* ---- message life ---- */

static void message_start(http_side *d)
{
    memset(&d->m, 0, sizeof d->m);
    d->m.last_text = T_NONE;
    d->phase = PH_HEADERS;
}

/* Tells the sinks where the body is in the stream and, once known, its file and end. */
static void body_object(tr_session *s, http_side *d, int dir, uint64_t end)
{
    int content = obj_content(&d->body);
    const char *coding = content == OBJ_CE_GZIP ? "gzip" : content == OBJ_CE_DEFLATE ? "deflate" : "";
    char label[32];
    snprintf(label, sizeof label, "%s%s%s", d->m.obj_chunked ? "chunked" : "", d->m.obj_chunked && coding[0] ? ", " : "",
             coding);
    d->m.obj = 1;
    d->m.obj_named = obj_file(&d->body)[0] != '\0';
    tr_stream_object(s, dir, d->m.obj_start, end, label, d->m.obj_named ? obj_file(&d->body) : NULL);
}

/* The message is over (complete, cut by a gap, or at close): its event, then the next one. */
static void message_done(tr_session *s, http_state *st, int dir, int transfer_complete)
{
    http_side *d = &st->side[dir];
    obj_result body = {.len = 0};
    int complete = transfer_complete && !d->m.lost;
    if (d->m.has_body)
        complete = obj_end(&d->body, s, complete, &body);
    if (d->m.obj) /* the end is known now (and perhaps the file, opened by the last decoded bytes) */
        body_object(s, d, dir, d->m.obj_end ? d->m.obj_end : d->pos);
    if (dir == TR_C2S) {
        emit_request(s, d, complete, &body);
        claim_offer(s, st, d);
    } else {
        emit_response(s, st, d, complete, &body);
        if (d->m.paired && (d->m.status >= 200 || d->m.status == 101 || d->m.v09)) {
            claim_response(s, queue_head(st), d, complete);
            queue_pop(st);
        }
    }
    if (d->m.has_body)
        obj_done(&d->body, s); /* a body decoded on the worker is let go after its event */
    d->phase = PH_START;
    buffer_give(s, &d->buf); /* its text is in the event; the next message takes a buffer again */
}

/* What the body's object calls its anomalies and the fields a worker fills in. */
static const obj_words http_body_words = {
    .decode_error = "http_decompress_error",
    .truncated = "http_decompress_truncated",
    .too_large = "http_body_too_large",
    .bomb = "http_decompression_bomb",
    .noun = "body",
    .len_key = "body_len",
    .sha256_key = "body_sha256",
    .complete_key = "complete",
};

/* Content-Encoding (RFC 9110 8.4) as the object's content coding: identity when none, or when a coding trawl
 * cannot undo is among them (the object is then hashed as transferred). */
static int content_coding(const char *v, size_t n)
{
    int coding = OBJ_CE_IDENTITY, codings = 0, unsupported = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t' && v[i] != ';')
            i++;
        size_t len = i - start;
        while (i < n && v[i] != ',') /* parameters are not used by any coding we undo */
            i++;
        if (!len)
            continue;
        const uint8_t *t = (const uint8_t *)v + start;
        if (len == 8 && textline_starts(t, len, "identity"))
            continue;
        codings++;
        if ((len == 4 && textline_starts(t, len, "gzip")) || (len == 6 && textline_starts(t, len, "x-gzip")))
            coding = OBJ_CE_GZIP;
        else if (len == 7 && textline_starts(t, len, "deflate"))
            coding = OBJ_CE_DEFLATE;
        else
            unsupported = 1;
    }
    if (codings > 1) /* stacked codings are so rare that undoing only some would mislead */
        unsupported = 1;
    return unsupported ? OBJ_CE_IDENTITY : coding;
}

static void body_begin(tr_session *s, http_state *st, int dir, int transfer, const char *fallback_name)
{
    http_side *d = &st->side[dir];
    http_span ce, uri;
    int coding = OBJ_CE_IDENTITY;
    if (text_get(d, T_CONTENT_ENCODING, &ce))
        coding = content_coding((const char *)ce.p, ce.n);
    char uri_buf[512], name[OBJ_NAME_MAX];
    uri.p = NULL;
    uri.n = 0;
    if (dir == TR_C2S) {
        text_get(d, T_URI, &uri);
    } else if (d->m.paired && queue_head(st)) {
        uri.n = waiting_uri(st, queue_head(st), uri_buf, sizeof uri_buf);
        uri.p = (const uint8_t *)uri_buf;
    }
    name_from_uri(uri.p, uri.n, fallback_name, name, sizeof name);
    http_span cd;
    if (text_get(d, T_CONTENT_DISPOSITION, &cd)) /* the sender's own name (RFC 6266) wins over the URI's */
        name_from_disposition((const char *)cd.p, cd.n, name, sizeof name);
    http_span ct;
    if (text_get(d, T_CONTENT_TYPE, &ct)) /* "getMonitorKpiData" answered in JSON: getMonitorKpiData.json */
        media_ext_name(name, sizeof name, (const char *)ct.p, ct.n);
    d->m.has_body = 1;
    obj_spec spec = {.transfer = (uint8_t)transfer,
                     .content = (uint8_t)coding,
                     .name = name,
                     .max_len = HTTP_BODY_DECODED_MAX,
                     .words = &http_body_words};
    http_waiting *w = dir == TR_S2C && d->m.paired ? queue_head(st) : NULL;
    if (w && w->claim && w->claim->c->on_body) { /* the claimer reads the answer as it is decoded */
        spec.tee = claim_body;
        spec.tee_arg = w->claim;
    }
    obj_begin(&d->body, s, dir, &spec);
}

/* Content-Length: a list of equal decimal numbers is one length (RFC 9112 6.3 item 5); -1 when invalid. */
static int64_t content_length(const http_side *d)
{
    http_span v;
    text_get(d, T_CONTENT_LENGTH, &v);
    int64_t len = -1;
    size_t i = 0;
    while (i <= v.n) {
        size_t start = i;
        while (i < v.n && v.p[i] != ',')
            i++;
        size_t a = start, b = i;
        while (a < b && (v.p[a] == ' ' || v.p[a] == '\t'))
            a++;
        while (b > a && (v.p[b - 1] == ' ' || v.p[b - 1] == '\t'))
            b--;
        int64_t one = textline_number(v.p + a, b - a);
        if (one < 0 || (len >= 0 && one != len))
            return -1;
        len = one;
        i++;
    }
    return len;
}

/* Transfer-Encoding's last coding is chunked (RFC 9112 6.3 item 4). */
static int te_chunked(const http_side *d)
{
    http_span v;
    text_get(d, T_TRANSFER_ENCODING, &v);
    size_t end = v.n;
    while (end && (v.p[end - 1] == ' ' || v.p[end - 1] == '\t'))
        end--;
    size_t start = end;
    while (start && v.p[start - 1] != ',' && v.p[start - 1] != ' ' && v.p[start - 1] != '\t')
        start--;
    return end - start == 7 && textline_starts(v.p + start, 7, "chunked");
}

enum framing { FRAME_NONE, FRAME_LENGTH, FRAME_CHUNKED, FRAME_CLOSE };

/* Which framing the fields declare; `fallback` when none does. */
static int message_framing(tr_session *s, http_side *d, int dir, int fallback, int64_t *len)
{
    int has_te = (d->m.present >> T_TRANSFER_ENCODING) & 1, has_cl = (d->m.present >> T_CONTENT_LENGTH) & 1;
    if (has_te) {
        if (has_cl)
            tr_anomaly(s->ctx, s, dir, "http_te_and_content_length",
                       "both Transfer-Encoding and Content-Length; Transfer-Encoding wins");
        if (te_chunked(d))
            return FRAME_CHUNKED;
        tr_anomaly(s->ctx, s, dir, "http_bad_transfer_encoding", "Transfer-Encoding does not end in chunked");
        return dir == TR_S2C ? FRAME_CLOSE : FRAME_NONE;
    }
    if (has_cl) {
        *len = content_length(d);
        if (*len >= 0)
            return FRAME_LENGTH;
        tr_anomaly(s->ctx, s, dir, "http_bad_content_length", "Content-Length is not one decimal number");
        return dir == TR_S2C ? FRAME_CLOSE : FRAME_NONE;
    }
    return fallback;
}

/* Sets the body phase for a framing, or ends the message when there is no body to read. */
static void body_phase(tr_session *s, http_state *st, int dir, int framing, int64_t len)
{
    http_side *d = &st->side[dir];
    if (framing == FRAME_NONE) {
        message_done(s, st, dir, 1);
        return;
    }
    body_begin(s, st, dir, framing == FRAME_CHUNKED ? OBJ_TE_CHUNKED : OBJ_TE_IDENTITY,
               dir == TR_C2S ? "request_body" : "index"); /* with an extension from the type */
    if (framing != FRAME_LENGTH || len > 0) { /* the body starts after the empty line just consumed */
        d->m.obj_start = d->pos;
        d->m.obj_end = framing == FRAME_LENGTH ? d->pos + (uint64_t)len : 0;
        d->m.obj_chunked = framing == FRAME_CHUNKED;
        body_object(s, d, dir, d->m.obj_end);
    }
    if (framing == FRAME_CHUNKED) {
        d->phase = PH_CHUNKED;
    } else if (framing == FRAME_CLOSE) {
        d->phase = PH_BODY_CLOSE;
    } else {
        d->m.remaining = (uint64_t)len;
        d->phase = PH_BODY_LEN;
        if (!len)
            message_done(s, st, dir, 1);
    }
}

static void request_headers_done(tr_session *s, http_state *st)
{
    http_side *d = &st->side[TR_C2S];
    emit_basic_auth(s, d, T_AUTHORIZATION);
    emit_basic_auth(s, d, T_PROXY_AUTHORIZATION);
    if (text_is(d, T_METHOD, "CONNECT")) {
        message_done(s, st, TR_C2S, 1);
        d->phase = PH_WAIT; /* the next client bytes are tunnel data if the proxy says yes */
        return;
    }
    int64_t len = 0;
    int framing = message_framing(s, d, TR_C2S, FRAME_NONE, &len);
    body_phase(s, st, TR_C2S, framing, len);
}

static void response_headers_done(tr_session *s, http_state *st)
{
    http_side *d = &st->side[TR_S2C];
    http_waiting *w = d->m.paired ? queue_head(st) : NULL;
    if (d->m.status >= 100 && d->m.status < 200) {
        message_done(s, st, TR_S2C, 1); /* interim (100 Continue, 103): the final response follows */
        if (d->m.status == 101)
            tr_decode_end(s, TR_S2C, "upgrade");
        return;
    }
    if (waiting_is(w, "CONNECT")) {
        if (d->m.status >= 200 && d->m.status < 300) {
            message_done(s, st, TR_S2C, 1);
            tr_decode_end(s, TR_S2C, "connect");
            return;
        }
        if (st->side[TR_C2S].phase == PH_WAIT) /* refused: the client speaks HTTP again */
            st->side[TR_C2S].phase = PH_START;
    }
    if (waiting_is(w, "HEAD") || d->m.status == 204 || d->m.status == 304) {
        message_done(s, st, TR_S2C, 1);
        return;
    }
    int64_t len = 0;
    int framing = message_framing(s, d, TR_S2C, FRAME_CLOSE, &len);
    body_phase(s, st, TR_S2C, framing, len);
}

/* ---- lines ---- */

static int start_line(tr_session *s, http_state *st, int dir, const uint8_t *p, size_t n)
{
    http_side *d = &st->side[dir];
    http_span a, b, c;
    int status;
    if (dir == TR_C2S) {
        /* HTTP/0.9 has one request a connection, so only a connection's first line, seen from its start, is
         * taken as one: inside a stream being resynchronised a body's line could look like it */
        int first = !st->client_spoke && d->phase == PH_START && !s->midstream;
        st->client_spoke = 1;
        int v09 = 0;
        if (!parse_request_line(p, n, &a, &b, &c)) {
            if (!first || !parse_request_line_09(p, n, &a, &b))
                return 0;
            v09 = 1;
            c = (http_span){(const uint8_t *)"HTTP/0.9", 8};
        }
        message_start(d);
        d->m.v09 = (uint8_t)v09;
        text_append(d, T_METHOD, NULL, a.p, a.n);
        text_append(d, T_URI, NULL, b.p, b.n);
        text_append(d, T_VERSION, NULL, c.p, c.n);
        queue_push(s, st, d);
        if (v09) /* no fields, no body: the request is the line */
            message_done(s, st, TR_C2S, 1);
    } else {
        if (!parse_status_line(p, n, &a, &status, &b))
            return 0;
        message_start(d);
        d->m.status = status;
        text_append(d, T_VERSION, NULL, a.p, a.n);
        text_append(d, T_REASON, NULL, b.p, b.n);
        d->m.paired = pair_len(&st->queue) > 0;
        if (!d->m.paired && st->unparsed)
            st->unparsed--; /* the answer to a request line trawl could not read */
        else if (!d->m.paired && !s->midstream)
            tr_anomaly(s->ctx, s, dir, "http_response_without_request", "status %d with no request waiting",
                       status);
    }
    return 1;
}

static void field_line(tr_session *s, http_side *d, int dir, const uint8_t *p, size_t n)
{
    if (p[0] == ' ' || p[0] == '\t') { /* obs-fold (RFC 9112 5.2): continues the previous field */
        size_t a = 0;
        while (a < n && (p[a] == ' ' || p[a] == '\t'))
            a++;
        if (d->m.last_text != T_NONE && a < n)
            text_append(d, d->m.last_text, " ", p + a, n - a);
        return;
    }
    d->m.last_text = T_NONE;
    if (++d->m.fields == HTTP_FIELDS_MAX + 1)
        tr_anomaly(s->ctx, s, dir, "http_too_many_fields", "more than %d field lines in one message",
                   HTTP_FIELDS_MAX);
    size_t colon = 0;
    while (colon < n && p[colon] != ':')
        colon++;
    size_t name_len = 0;
    while (name_len < colon && is_tchar(p[name_len]))
        name_len++;
    if (colon == n || colon == 0 || name_len != colon) { /* no whitespace before the colon (RFC 9112 5.1) */
        if (!d->m.bad_field_seen)
            tr_anomaly(s->ctx, s, dir, "http_bad_field", "a field line without a valid name and colon");
        d->m.bad_field_seen = 1;
        return;
    }
    size_t a = colon + 1, b = n;
    while (a < b && (p[a] == ' ' || p[a] == '\t'))
        a++;
    while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
        b--;
    for (size_t k = 0; k < sizeof http_field_kinds / sizeof http_field_kinds[0]; k++) {
        const struct http_field_kind *f = &http_field_kinds[k];
        if (f->name_len != colon || !textline_starts(p, colon, f->name))
            continue;
        if ((d->m.present & (1u << f->text)) && !f->join)
            return; /* first one kept */
        text_append(d, f->text, f->join, p + a, b - a);
        d->m.last_text = f->text;
        return;
    }
}

static void bad_chunk(tr_session *s, http_state *st, int dir, const char *what)
{
    tr_anomaly(s->ctx, s, dir, "http_bad_chunk", "%s", what);
    message_done(s, st, dir, 0);
    st->side[dir].phase = PH_RESYNC;
}

static void line(tr_session *s, http_state *st, int dir, const uint8_t *p, size_t n)
{
    http_side *d = &st->side[dir];
    switch (d->phase) {
    case PH_START:
    case PH_RESYNC:
        if (n == 0) /* empty lines before a start line are ignored (RFC 9112 2.2) */
            return;
        if (start_line(s, st, dir, p, n))
            return;
        if (d->phase == PH_START) {
            tr_anomaly(s->ctx, s, dir, dir == TR_C2S ? "http_bad_request_line" : "http_bad_status_line",
                       "not an HTTP/1.x %s line; skipping to the next one", dir == TR_C2S ? "request" : "status");
            if (dir == TR_C2S && st->unparsed < HTTP_QUEUE_MAX)
                st->unparsed++;
        }
        d->phase = PH_RESYNC;
        return;
    case PH_HEADERS:
        if (n) {
            field_line(s, d, dir, p, n);
            return;
        }
        if (d->m.text_cut)
            tr_anomaly(s->ctx, s, dir, "http_field_truncated", "a kept field was longer than trawl keeps");
        if (dir == TR_C2S)
            request_headers_done(s, st);
        else
            response_headers_done(s, st);
        return;
    case PH_TRAILERS:
        if (n == 0)
            message_done(s, st, dir, 1);
        else if (++d->m.fields == HTTP_FIELDS_MAX + 1)
            tr_anomaly(s->ctx, s, dir, "http_too_many_fields", "more than %d trailer lines", HTTP_FIELDS_MAX);
        return;
    default:
        return;
    }
}

/* An over-long line: dropped to its end; what it meant for the message decides what follows. */
static void line_too_long(tr_session *s, http_state *st, int dir)
{
    http_side *d = &st->side[dir];
    d->skip_line = 1;
    if (d->phase == PH_RESYNC)
        return;
    tr_anomaly(s->ctx, s, dir, "http_line_too_long", "a line longer than %d bytes", HTTP_LINE_MAX);
    if (d->phase == PH_START)
        d->phase = PH_RESYNC;
    else if (d->phase == PH_HEADERS)
        d->m.last_text = T_NONE; /* that field is lost; the message goes on */
    else if (d->phase == PH_CHUNKED)
        bad_chunk(s, st, dir, "over-long chunk line");
}

/* The chunked coding found the framing broken: said in HTTP's words, and resynchronised. */
static void chunked_failed(tr_session *s, http_state *st, int dir)
{
    switch (obj_framing_error(&st->side[dir].body)) {
    case CHUNKED_LINE_TOO_LONG: /* the rest of the line is skipped */
        line_too_long(s, st, dir);
        return;
    case CHUNKED_NO_CRLF:
        bad_chunk(s, st, dir, "chunk data not followed by CRLF");
        return;
    case CHUNKED_SIZE_TOO_LARGE:
        bad_chunk(s, st, dir, "chunk size of more than 15 hex digits: too large");
        return;
    default:
        bad_chunk(s, st, dir, "chunk size is not a hex number");
        return;
    }
}

/* Whether the first n bytes of a line could begin a start line (the necessary conditions of
 * parse_request_line / parse_status_line). Resynchronising over a body's bytes, a line that cannot is
 * skipped at once instead of being buffered until its end. */
static int could_be_start_line(int dir, const uint8_t *p, size_t n)
{
    if (dir == TR_S2C) {
        size_t k = n < 5 ? n : 5;
        return memcmp(p, "HTTP/", k) == 0;
    }
    size_t m = 0;
    while (m < n && m <= 32 && is_tchar(p[m]))
        m++;
    if (m == n)
        return n <= 32; /* a method token so far */
    return m >= 1 && m <= 32 && p[m] == ' ';
}

/* The answer to an HTTP/0.9 request has no status line: when one is waited for and the server's bytes do not
 * begin one ("HTTP/"), they are the body, up to the close. */
static int response_09_begins(http_state *st, const http_side *d, const uint8_t *p, size_t n)
{
    if (d->phase != PH_START)
        return 0;
    const http_waiting *w = queue_head(st);
    if (!w || !w->v09)
        return 0;
    size_t k = n < 5 ? n : 5;
    return memcmp(p, "HTTP/", k) != 0;
}

static void response_09_start(tr_session *s, http_state *st)
{
    http_side *d = &st->side[TR_S2C];
    message_start(d);
    d->m.v09 = 1;
    d->m.paired = 1;
    text_append(d, T_VERSION, NULL, (const uint8_t *)"HTTP/0.9", 8);
    body_phase(s, st, TR_S2C, FRAME_CLOSE, 0);
}

/* One unit of input: a line or a run of body bytes. Returns bytes consumed (0: wait for more). */
static size_t http_step(tr_session *s, http_state *st, int dir, const uint8_t *p, size_t n)
{
    http_side *d = &st->side[dir];
    if (dir == TR_S2C && response_09_begins(st, d, p, n))
        response_09_start(s, st); /* the phase is now PH_BODY_CLOSE, and these bytes its first */
    switch (d->phase) {
    case PH_BODY_LEN: {
        size_t take = d->m.remaining < n ? (size_t)d->m.remaining : n;
        obj_feed(&d->body, s, p, take);
        d->pos += take;
        if (d->m.obj && !d->m.obj_named && obj_file(&d->body)[0])
            body_object(s, d, dir, d->m.obj_end);
        d->m.remaining -= take;
        if (!d->m.remaining)
            message_done(s, st, dir, 1);
        return take;
    }
    case PH_CHUNKED: {
        /* the chunks' data, and their framing lines once whole (0 taken: the engine keeps a line's start) */
        size_t used = obj_feed(&d->body, s, p, n);
        d->pos += used;
        if (d->m.obj && !d->m.obj_named && obj_file(&d->body)[0])
            body_object(s, d, dir, d->m.obj_end);
        int framing = obj_framing(&d->body);
        if (framing == OBJ_FRAMING_ENDED)
            d->phase = PH_TRAILERS; /* read here, as field lines */
        else if (framing == OBJ_FRAMING_BAD)
            chunked_failed(s, st, dir);
        return used;
    }
    case PH_BODY_CLOSE:
        obj_feed(&d->body, s, p, n);
        d->pos += n;
        if (d->m.obj && !d->m.obj_named && obj_file(&d->body)[0])
            body_object(s, d, dir, 0);
        return n;
    case PH_WAIT:
        return 0;
    default:
        break;
    }
    size_t len, consumed;
    int r = textline_next(p, n, HTTP_LINE_MAX, &len, &consumed);
    if (r == TEXTLINE_NEED_MORE) {
        /* a line being skipped, or one that cannot be what resynchronising looks for: no need to keep it */
        if (d->skip_line || (d->phase == PH_RESYNC && !could_be_start_line(dir, p, n))) {
            d->skip_line = 1;
            d->pos += n;
            return n;
        }
        return 0;
    }
    d->pos += consumed; /* where a body that this line begins starts */
    if (d->skip_line) {
        if (r == TEXTLINE_OK)
            d->skip_line = 0;
        return consumed;
    }
    if (r == TEXTLINE_TOO_LONG)
        line_too_long(s, st, dir);
    else
        line(s, st, dir, p, len);
    return consumed;
}

/* ---- vtable ---- */

static int http_probe_dir(const uint8_t *p, size_t n, int dir)
{
    static const char status_prefix[] = "HTTP/1.";
    if (dir == TR_S2C) {
        size_t k = n < 7 ? n : 7;
        if (memcmp(p, status_prefix, k) != 0)
            return TR_PROBE_NO;
        return n >= 7 ? TR_PROBE_YES : TR_PROBE_MAYBE;
    }
    size_t len, consumed;
    if (textline_next(p, n, HTTP_LINE_MAX, &len, &consumed) == TEXTLINE_OK) {
        http_span m, u, v;
        return parse_request_line(p, len, &m, &u, &v) && memcmp(v.p, status_prefix, 7) == 0 ? TR_PROBE_YES
                                                                                              : TR_PROBE_NO;
    }
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++) {
        size_t ml = strlen(http_methods[i]);
        size_t k = n < ml + 1 ? n : ml + 1;
        if (k && memcmp(p, http_methods[i], k < ml ? k : ml) == 0 && (k <= ml || p[ml] == ' '))
            return TR_PROBE_MAYBE;
    }
    return TR_PROBE_NO;
}

static void http_open(tr_session *s)
{
    http_state *st = s->state;
    (void)pair_init(&st->queue, HTTP_QUEUE_MAX, sizeof(http_waiting), 0, st->queue_slots); /* sizes fixed */
    for (int dir = 0; dir < 2; dir++) {
        st->side[dir].session = s;
        st->side[dir].phase = s->midstream ? PH_RESYNC : PH_START;
    }
}

static size_t http_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    http_state *st = s->state;
    size_t done = 0;
    (void)need;
    while (done < n && !s->decode_stopped) {
        st->side[dir].pos = s->stream_off[dir] + done;
        size_t c = http_step(s, st, dir, p + done, n - done);
        if (!c)
            break;
        done += c;
    }
    return done;
}

static void http_gap(tr_session *s, int dir, uint64_t n)
{
    http_state *st = s->state;
    http_side *d = &st->side[dir];
    d->skip_line = 0;
    d->pos = s->stream_off[dir]; /* where the hole begins */
    switch (d->phase) {
    case PH_BODY_LEN:
        d->m.lost = 1;
        obj_gap(&d->body, s, n);
        if (n < d->m.remaining) { /* the hole is inside the body: its end is still where it was */
            d->m.remaining -= n;
            return;
        }
        if (n == d->m.remaining) {
            d->m.remaining = 0;
            message_done(s, st, dir, 0);
            return;
        }
        message_done(s, st, dir, 0);
        d->phase = PH_RESYNC;
        return;
    case PH_CHUNKED:
        d->m.lost = 1;
        if (obj_gap(&d->body, s, n)) /* inside a chunk's data: where it ends is still known */
            return;
        message_done(s, st, dir, 0);
        d->phase = PH_RESYNC;
        return;
    case PH_BODY_CLOSE:
        d->m.lost = 1;
        obj_gap(&d->body, s, n);
        return;
    case PH_HEADERS:
    case PH_TRAILERS:
        message_done(s, st, dir, 0);
        d->phase = PH_RESYNC;
        return;
    case PH_WAIT:
        return;
    default:
        d->phase = PH_RESYNC;
        return;
    }
}

/* A direction's stream is over (its FIN reached in order, or the connection was reset): a body that runs to the
 * close ends here, so its response's event has the time of that packet, not of the session's end after the
 * linger. */
static void http_end(tr_session *s, int dir)
{
    http_state *st = s->state;
    http_side *d = &st->side[dir];
    if (d->phase != PH_BODY_CLOSE)
        return;
    d->pos = s->stream_off[dir];
    message_done(s, st, dir, 1);
}

static void http_close(tr_session *s, int reason)
{
    http_state *st = s->state;
    (void)reason;
    for (int dir = 0; dir < 2; dir++) {
        http_side *d = &st->side[dir];
        d->pos = s->stream_off[dir];
        if (!s->decode_stopped) {
            http_end(s, dir); /* a body up to the close, when no FIN ended it before (the capture's end, a timeout) */
            if (d->phase != PH_START && d->phase != PH_RESYNC && d->phase != PH_WAIT)
                message_done(s, st, dir, 0); /* a message cut short */
        }
        obj_release(&d->body, s);
        buffer_give(s, &d->buf);
    }
    http_waiting w; /* transactions claimed and never answered */
    while (pair_pop(&st->queue, &w))
        if (w.claim) {
            if (w.claim->c->on_abandon)
                w.claim->c->on_abandon(s, w.claim->state);
            claim_free(w.claim);
        }
    buffer_give(s, &st->ring);
}

static int http_probe(const tr_probe_input *in) { return tr_probe_by_direction(in, http_probe_dir); }

static const uint16_t http_ports[] = {80, 8080, 8000, 3128, 0};

/* what --stats counts of its events */
static const tr_stat_field http_stats[] = {
    {"request", "method", "methods"},
    {"response", "status", "status codes"},
    {NULL, NULL, NULL},
};

extern const tr_presenter http_present;
extern const tr_viewer http_view;

const tr_dissector dis_http = {
    .name = "http",
    .l4 = TR_TCP,
    .ports = http_ports,
    .probe = http_probe,
    .state_size = sizeof(http_state),
    .on_open = http_open,
    .on_data = http_data,
    .on_gap = http_gap,
    .on_close = http_close,
    .on_end = http_end,
    .present = &http_present,
    .stat_fields = http_stats,
    .view = &http_view,
};
