/* dis_dhcp: DHCP and BOOTP over UDP 67/68 (RFC 951, RFC 2131; options RFC 2132, overload RFC 2131 4.1, long
 * options RFC 3396, relay agent information RFC 3046/3993, domain search RFC 3397, client FQDN RFC 4702, classless
 * static routes RFC 3442): a `message` event for every message, and the lease view across sessions — every
 * exchange (xid + client MAC) in order, every server that offered, and a `lease` event at each ACK.
 *
 * Message (RFC 2131 2), the same layout both ways:
 *
 *   0               1               2               3
 *   0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 *  +---------------+---------------+---------------+---------------+
 *  |  op (1 or 2)  |     htype     |     hlen      |     hops      |
 *  +---------------+---------------+---------------+---------------+
 *  |                              xid                              |
 *  +-------------------------------+-------------------------------+
 *  |             secs              |B|          flags              |
 *  +-------------------------------+-------------------------------+
 *  |   ciaddr (client's, when bound)   yiaddr ("your": offered)     |
 *  |   siaddr (next server)            giaddr (relay agent)         |   four IPv4 addresses
 *  +---------------------------------------------------------------+
 *  |   chaddr (16): the client's hardware address, hlen bytes used  |
 *  |   sname (64): server host name, or options (option 52 = 2, 3) |
 *  |   file (128): boot file name, or options (option 52 = 1, 3)    |
 *  +---------------------------------------------------------------+
 *  |   magic cookie 99.130.83.99 | options: code len value ..., 255 |
 *  +---------------------------------------------------------------+
 *
 * A DHCP exchange is not one UDP conversation: the DISCOVER goes from 0.0.0.0:68 to 255.255.255.255:67, each
 * server's OFFER comes from its own address, relayed messages travel between relay and server (67 to 67). So each
 * event belongs to the conversation its message came in, and what ties an exchange together lives in the
 * per-capture state (tr_dissector_global): a table of exchanges keyed by xid and client MAC, the oldest forgotten
 * when it is full. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "dhcp_options.h"
#include "dns_name.h"

#define DHCP_FIXED_LEN 236        /* op .. file */
#define DHCP_COOKIE 0x63825363u   /* 99.130.83.99 (RFC 1497) */
#define DHCP_CHADDR_LEN 16
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_LEN 128
#define DHCP_LIST_MAX 64          /* addresses, names or routes listed per option; the rest are counted */
#define DHCP_HEX_MAX 512          /* bytes of one option shown as hex */
#define DHCP_PARAMS_MAX 255       /* codes of option 55 listed (one of each code is all a client can ask for) */
#define DHCP_EXCHANGES_MAX 1024   /* exchanges the lease view remembers: about 600 KB */
#define DHCP_BUCKETS 2048         /* hash chains over them (a power of two) */
#define DHCP_OFFERS_MAX 8         /* servers remembered per exchange */
#define DHCP_STEPS_MAX 16         /* message types remembered per exchange */
#define DHCP_TEXT_MAX 255         /* hostname and vendor class kept per exchange */

enum { BOOTREQUEST = 1, BOOTREPLY = 2 };
enum { T_BOOTP = 0, T_DISCOVER, T_OFFER, T_REQUEST, T_DECLINE, T_ACK, T_NAK, T_RELEASE, T_INFORM };

/* Option 53's values (RFC 2132 9.6, RFC 3203, 4388, 6926, 7724); 0 stands for a message without it (BOOTP). */
static const char *const msg_type_names[] = {
    "BOOTP",          "DISCOVER",       "OFFER",          "REQUEST",         "DECLINE",          "ACK",
    "NAK",            "RELEASE",        "INFORM",         "FORCERENEW",      "LEASEQUERY",       "LEASEUNASSIGNED",
    "LEASEUNKNOWN",   "LEASEACTIVE",    "BULKLEASEQUERY", "LEASEQUERYDONE",  "ACTIVELEASEQUERY", "LEASEQUERYSTATUS",
    "TLS",
};
#define MSG_TYPES_N (sizeof msg_type_names / sizeof msg_type_names[0])

/* Sub-options of option 82 (RFC 3046 2.0, RFC 3993) that have fields; others go to its `options`. */
enum { RELAY_CIRCUIT_ID = 1, RELAY_REMOTE_ID = 2, RELAY_SUBSCRIBER_ID = 6 };

/* The decoded option fields in the order the event lists them (a code of dhcp_options.def whose kind is not
 * DOK_HEX must be here, or it is shown only as hex). */
static const uint8_t field_order[] = {50, 54, 51, 58, 59, 1, 28, 3, 6, 42, 15, 119, 121, 12, 81,
                                      60, 61, 55, 57, 56, 82, 52};

/* ---- state ---- */

/* No per-session state: each message is whole in its datagram, and what spans messages is the lease view. */

typedef struct dhcp_offer {
    uint32_t server, yiaddr; /* host order */
} dhcp_offer;

typedef struct dhcp_exchange {
    uint64_t seq;   /* order of creation; 0: a free slot */
    uint32_t xid;
    uint16_t next;  /* the next exchange in its hash chain, index + 1 (0: none) */
    uint8_t mac_len, nsteps, noffers, steps_cut, offers_cut, leased;
    uint8_t mac[DHCP_CHADDR_LEN];
    uint8_t steps[DHCP_STEPS_MAX]; /* message types in order, a repeat of the last one folded into it */
    dhcp_offer offers[DHCP_OFFERS_MAX];
    uint32_t lease_ip, lease_server;
    uint8_t hostname_len, vendor_len;
    uint8_t hostname[DHCP_TEXT_MAX], vendor_class[DHCP_TEXT_MAX];
} dhcp_exchange;

typedef struct dhcp_global {
    dhcp_exchange x[DHCP_EXCHANGES_MAX];
    uint16_t bucket[DHCP_BUCKETS]; /* index + 1 of each chain's first exchange */
    uint64_t seq;
    uint32_t next_slot;            /* slots are taken in turn, so the next one holds the oldest exchange */
    uint64_t evicted;
    char tx_group[8 + 3 * DHCP_CHADDR_LEN]; /* "dhcp-<client mac>": the transcript the current message goes to */
} dhcp_global;

/* One message as read. */
typedef struct dhcp_msg {
    uint8_t op, htype, hlen, hops;
    uint32_t xid;
    uint16_t secs, flags;
    uint32_t ciaddr, yiaddr, siaddr, giaddr;
    const uint8_t *chaddr, *sname, *file;
    size_t mac_len;   /* chaddr bytes that are the client's address */
    int type;         /* option 53's value; 0 without (BOOTP) */
    int has_type;
    uint32_t sender;  /* the IPv4 address it came from, 0 when not IPv4 */
    const char *problem; /* the first problem met, reported once per message */
    char detail[192];
} dhcp_msg;

static dhcp_options dhcp_opts; /* 280 KB, mostly the join buffer, touched as far as a message needs: one message at a time */
static tr_event dhcp_ev;

static void msg_problem(dhcp_msg *m, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msg_problem(dhcp_msg *m, const char *name, const char *fmt, ...)
{
    if (m->problem)
        return;
    m->problem = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->detail, sizeof m->detail, fmt, ap);
    va_end(ap);
}

/* ---- text forms ---- */

/* Dotted quad of a host-order address into out (16 bytes); returns its length. Not inet_ntop: one per field. */
static size_t ip4_text(uint32_t a, char *out)
{
    size_t n = 0;
    for (int i = 3; i >= 0; i--) {
        unsigned v = (a >> (8 * i)) & 255;
        if (v >= 100)
            out[n++] = (char)('0' + v / 100);
        if (v >= 10)
            out[n++] = (char)('0' + (v / 10) % 10);
        out[n++] = (char)('0' + v % 10);
        if (i)
            out[n++] = '.';
    }
    out[n] = '\0';
    return n;
}

/* Bytes as lowercase hex, `sep` between bytes when not 0; out holds 3 * n + 1. */
static size_t hex_text(const uint8_t *p, size_t n, char sep, char *out)
{
    static const char hx[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sep && i)
            out[k++] = sep;
        out[k++] = hx[p[i] >> 4];
        out[k++] = hx[p[i] & 15];
    }
    out[k] = '\0';
    return k;
}

static uint32_t be32_at(const uint8_t *p)
{
    tr_buf b = tr_buf_make(p, 4);
    return tr_be32(&b);
}

static void ev_ip(tr_event *e, const char *key, uint32_t a)
{
    char *t = tr_ev_alloc(e, 16);
    if (t)
        tr_ev_strn(e, key, t, ip4_text(a, t));
}

static void ev_hex(tr_event *e, const char *key, const uint8_t *p, size_t n, char sep)
{
    if (n > DHCP_HEX_MAX)
        n = DHCP_HEX_MAX;
    char *t = tr_ev_alloc(e, 3 * n + 1);
    if (t)
        tr_ev_strn(e, key, t, hex_text(p, n, sep, t));
}

/* Text options: RFC 2132 says no NUL terminator, but many clients send one. */
static size_t text_len(const uint8_t *p, size_t n)
{
    while (n && p[n - 1] == 0)
        n--;
    return n;
}

/* A message type's name, TYPE<n> for a value without one. */
static void ev_msg_type(tr_event *e, const char *key, int type)
{
    if (type >= 0 && (size_t)type < MSG_TYPES_N)
        tr_ev_str(e, key, msg_type_names[type]);
    else
        tr_ev_printf(e, key, "TYPE%d", type);
}

/* ---- options into fields ---- */

/* Option 55: the names asked for, and the codes joined by commas — the client's fingerprint (Fingerbank's). */
static void ev_params(tr_event *e, const dhcp_option *op)
{
    uint32_t n = op->len < DHCP_PARAMS_MAX ? op->len : DHCP_PARAMS_MAX;
    tr_ev_list(e, "params");
    for (uint32_t i = 0; i < n; i++) {
        const char *name = dhcp_option_name(op->p[i]);
        if (name)
            tr_ev_str(e, NULL, name);
        else
            tr_ev_printf(e, NULL, "%u", op->p[i]);
    }
    tr_ev_end(e);
    char *t = tr_ev_alloc(e, 4 * (size_t)n + 1);
    if (!t)
        return;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        unsigned v = op->p[i];
        if (i)
            t[k++] = ',';
        if (v >= 100)
            t[k++] = (char)('0' + v / 100);
        if (v >= 10)
            t[k++] = (char)('0' + (v / 10) % 10);
        t[k++] = (char)('0' + v % 10);
    }
    tr_ev_strn(e, "params_fingerprint", t, k);
}

/* Option 81 (RFC 4702 2): flags, two obsolete rcodes, then the name — DNS wire form when flag E is set, else
 * ASCII. Only the name is reported, without a trailing dot. */
static int ev_fqdn(tr_event *e, const dhcp_option *op)
{
    if (op->len < 3)
        return 0;
    tr_buf b = tr_buf_make(op->p, op->len);
    uint8_t flags = tr_u8(&b);
    tr_skip(&b, 2);
    size_t n;
    const uint8_t *name = tr_rest(&b, &n);
    if (!(flags & 0x04)) {
        n = text_len(name, n);
        if (n && name[n - 1] == '.')
            n--;
        tr_ev_strn(e, "client_fqdn", name, n);
        return 1;
    }
    if (n == 0) {
        tr_ev_str(e, "client_fqdn", "");
        return 1;
    }
    static dns_name dn;
    tr_buf msg = tr_buf_make(name, n), cur = msg;
    if (dns_name_read(&msg, &cur, &dn) != DNS_NAME_OK)
        return 0;
    if (dn.text_len == 1 && dn.text[0] == '.') /* a partial name with no label (RFC 4702 2.3.1) */
        dn.text_len = 0;
    tr_ev_strcopy(e, "client_fqdn", dn.text, dn.text_len);
    return 1;
}

/* Option 119 (RFC 3397): names one after the other, compressed against the option's own bytes. */
static int ev_names(tr_event *e, const char *key, const dhcp_option *op)
{
    static dns_name dn;
    tr_buf msg = tr_buf_make(op->p, op->len), cur = msg;
    /* a first pass checks the whole option, so a bad one is shown as hex instead of half listed */
    for (int i = 0; tr_left(&cur); i++)
        if (dns_name_skip(&msg, &cur) != DNS_NAME_OK || i > 4 * DHCP_LIST_MAX)
            return 0;
    cur = msg;
    tr_ev_list(e, key);
    for (int i = 0; tr_left(&cur) && i < DHCP_LIST_MAX; i++) {
        if (dns_name_read(&msg, &cur, &dn) != DNS_NAME_OK)
            break;
        tr_ev_strcopy(e, NULL, dn.text, dn.text_len);
    }
    tr_ev_end(e);
    return 1;
}

/* Option 121 (RFC 3442 3): width (0-32), the significant octets of the destination, the router. */
static int ev_routes(tr_event *e, const dhcp_option *op)
{
    tr_buf b = tr_buf_make(op->p, op->len);
    for (int i = 0; tr_left(&b); i++) { /* checked whole first, as for names */
        uint8_t width = tr_u8(&b);
        if (width > 32 || i > 4 * DHCP_LIST_MAX)
            return 0;
        tr_skip(&b, (width + 7u) / 8 + 4);
    }
    if (b.err)
        return 0;
    b = tr_buf_make(op->p, op->len);
    tr_ev_list(e, "classless_routes");
    for (int i = 0; tr_left(&b) && i < DHCP_LIST_MAX; i++) {
        uint8_t width = tr_u8(&b);
        uint8_t dest[4] = {0, 0, 0, 0};
        tr_copy(&b, dest, (width + 7u) / 8);
        uint32_t router = tr_be32(&b);
        char *t = tr_ev_alloc(e, 20);
        if (!t)
            break;
        size_t k = ip4_text(be32_at(dest), t);
        t[k++] = '/';
        if (width >= 10)
            t[k++] = (char)('0' + width / 10);
        t[k++] = (char)('0' + width % 10);
        tr_ev_obj(e, NULL);
        tr_ev_strn(e, "dest", t, k);
        ev_ip(e, "router", router);
        tr_ev_end(e);
    }
    tr_ev_end(e);
    return 1;
}

/* Option 82 (RFC 3046 2.0): sub-options code len value. Circuit, remote and subscriber ids are opaque bytes,
 * shown as strings (often text: an interface name, a MAC in text); other sub-options as hex. */
static int ev_relay(tr_event *e, const dhcp_option *op)
{
    tr_buf b = tr_buf_make(op->p, op->len);
    for (int i = 0; tr_left(&b) && i < 256; i++) { /* checked whole first */
        tr_u8(&b);
        tr_skip(&b, tr_u8(&b));
    }
    if (b.err)
        return 0;
    b = tr_buf_make(op->p, op->len);
    tr_ev_obj(e, "relay");
    int others = 0;
    for (int pass = 0; pass < 2; pass++) { /* the named ids first, then the others as a list */
        tr_buf c = b;
        uint8_t named = 0; /* ids already given a field: a repeat goes to the list (a key appears once) */
        for (int i = 0; tr_left(&c) && i < 256; i++) {
            uint8_t code = tr_u8(&c), len = tr_u8(&c);
            const uint8_t *v = tr_bytes(&c, len);
            const char *key = code == RELAY_CIRCUIT_ID      ? "circuit_id"
                              : code == RELAY_REMOTE_ID     ? "remote_id"
                              : code == RELAY_SUBSCRIBER_ID ? "subscriber_id"
                                                            : NULL;
            if (key && (named & (1u << code))) /* codes 1, 2 and 6 */
                key = NULL;
            else if (key)
                named |= (uint8_t)(1u << code);
            if (pass == 0 && key)
                tr_ev_strn(e, key, v, len);
            if (pass == 1 && !key) {
                if (!others++)
                    tr_ev_list(e, "options");
                tr_ev_obj(e, NULL);
                tr_ev_int(e, "code", code);
                ev_hex(e, "hex", v, len, 0);
                tr_ev_end(e);
            }
        }
    }
    if (others)
        tr_ev_end(e);
    tr_ev_end(e);
    return 1;
}

static void ev_ip_list(tr_event *e, const char *key, const dhcp_option *op)
{
    tr_ev_list(e, key);
    tr_buf b = tr_buf_make(op->p, op->len);
    for (int i = 0; tr_left(&b) >= 4 && i < DHCP_LIST_MAX; i++)
        ev_ip(e, NULL, tr_be32(&b));
    tr_ev_end(e);
}

/* One option as its field; 0 when its value does not fit its kind (it is shown as hex then). */
static int ev_option(tr_event *e, unsigned code, const dhcp_option *op)
{
    const char *key = dhcp_option_name(code);
    tr_buf b = tr_buf_make(op->p, op->len);
    switch (dhcp_option_kind(code)) {
    case DOK_IP:
        if (op->len != 4)
            return 0;
        ev_ip(e, key, tr_be32(&b));
        return 1;
    case DOK_IPS:
        if (op->len == 0 || op->len % 4)
            return 0;
        ev_ip_list(e, key, op);
        return 1;
    case DOK_U32:
        if (op->len != 4)
            return 0;
        tr_ev_int(e, key, tr_be32(&b));
        return 1;
    case DOK_U16:
        if (op->len != 2)
            return 0;
        tr_ev_int(e, key, tr_be16(&b));
        return 1;
    case DOK_STR:
        tr_ev_strn(e, key, op->p, text_len(op->p, op->len));
        return 1;
    case DOK_COLONHEX:
        if (op->len == 0)
            return 0;
        ev_hex(e, key, op->p, op->len, ':');
        return 1;
    case DOK_PARAMS:
        ev_params(e, op);
        return 1;
    case DOK_OVERLOAD: {
        static const char *const what[] = {NULL, "file", "sname", "both"};
        if (op->len != 1 || op->p[0] < 1 || op->p[0] > 3)
            return 0;
        tr_ev_str(e, key, what[op->p[0]]);
        return 1;
    }
    case DOK_FQDN: return ev_fqdn(e, op);
    case DOK_RELAY: return ev_relay(e, op);
    case DOK_NAMES: return ev_names(e, key, op);
    case DOK_ROUTES: return ev_routes(e, op);
    default: return 0;
    }
}

/* The decoded fields, then every other option (and any that did not decode) as {"code", "name", "hex"}. */
static void ev_options(tr_event *e, dhcp_msg *m, const dhcp_options *o)
{
    uint8_t as_hex[256] = {0};
    for (size_t i = 0; i < sizeof field_order; i++) {
        unsigned code = field_order[i];
        const dhcp_option *op = &o->opt[code];
        if (!op->instances)
            continue;
        if (!ev_option(e, code, op)) {
            as_hex[code] = 1;
            msg_problem(m, "dhcp_bad_option", "option %u (%s) of %u bytes does not decode; shown as hex", code,
                        dhcp_option_name(code), (unsigned)op->len);
        }
    }
    int listed = 0;
    for (int i = 0; i < o->n; i++) {
        unsigned code = o->order[i];
        if (code == 53 || (dhcp_option_kind(code) != DOK_HEX && !as_hex[code]))
            continue;
        if (!listed++)
            tr_ev_list(e, "options");
        tr_ev_obj(e, NULL);
        tr_ev_int(e, "code", code);
        tr_ev_str(e, "name", dhcp_option_name(code));
        ev_hex(e, "hex", o->opt[code].p, o->opt[code].len, 0);
        tr_ev_end(e);
    }
    if (listed)
        tr_ev_end(e);
}

/* ---- one message ---- */

static void client_mac_text(const dhcp_msg *m, char out[3 * DHCP_CHADDR_LEN + 1])
{
    hex_text(m->chaddr, m->mac_len, ':', out);
}

/* The fixed header; 0 when the message is too short to be one. */
static int read_header(dhcp_msg *m, tr_buf *b)
{
    m->op = tr_u8(b);
    m->htype = tr_u8(b);
    m->hlen = tr_u8(b);
    m->hops = tr_u8(b);
    m->xid = tr_be32(b);
    m->secs = tr_be16(b);
    m->flags = tr_be16(b);
    m->ciaddr = tr_be32(b);
    m->yiaddr = tr_be32(b);
    m->siaddr = tr_be32(b);
    m->giaddr = tr_be32(b);
    m->chaddr = tr_bytes(b, DHCP_CHADDR_LEN);
    m->sname = tr_bytes(b, DHCP_SNAME_LEN);
    m->file = tr_bytes(b, DHCP_FILE_LEN);
    if (b->err)
        return 0;
    m->mac_len = m->hlen;
    if (m->hlen > DHCP_CHADDR_LEN) {
        /* a length past chaddr's 16 bytes would read into sname (zeek #929): for Ethernet the address is 6 bytes
         * whatever hlen says, else all of chaddr is taken */
        m->mac_len = m->htype == 1 ? 6 : DHCP_CHADDR_LEN;
        msg_problem(m, "dhcp_bad_hlen", "hlen %u is longer than chaddr's 16 bytes; %zu taken", m->hlen, m->mac_len);
    }
    return 1;
}

/* sname and file as text when they are not carrying options: up to the first NUL. */
static void ev_fixed_text(tr_event *e, const char *key, const uint8_t *p, size_t n)
{
    const uint8_t *nul = memchr(p, 0, n);
    size_t len = nul ? (size_t)(nul - p) : n;
    if (len)
        tr_ev_strn(e, key, p, len);
}

static void emit_message(tr_session *s, int dir, dhcp_msg *m, const dhcp_options *o)
{
    tr_event *e = &dhcp_ev;
    char mac[3 * DHCP_CHADDR_LEN + 1];
    tr_ev_init(e, s, "message", dir);
    ev_msg_type(e, "msg_type", m->type);
    if (!m->has_type)
        tr_ev_str(e, "op", m->op == BOOTREQUEST ? "request" : m->op == BOOTREPLY ? "reply" : "unknown");
    tr_ev_int(e, "xid", m->xid);
    if (m->mac_len) {
        client_mac_text(m, mac);
        tr_ev_strcopy(e, "client_mac", mac, 3 * m->mac_len - 1);
    }
    if (m->hops)
        tr_ev_int(e, "hops", m->hops);
    if (m->ciaddr)
        ev_ip(e, "ciaddr", m->ciaddr);
    if (m->yiaddr)
        ev_ip(e, "yiaddr", m->yiaddr);
    if (m->siaddr)
        ev_ip(e, "siaddr", m->siaddr);
    if (m->giaddr)
        ev_ip(e, "giaddr", m->giaddr);
    tr_ev_bool(e, "broadcast", m->flags >> 15);
    if (!(o->overload & 2))
        ev_fixed_text(e, "sname", m->sname, DHCP_SNAME_LEN);
    if (!(o->overload & 1))
        ev_fixed_text(e, "file", m->file, DHCP_FILE_LEN);
    ev_options(e, m, o);
    tr_emit(e);
}

/* ---- the lease view ---- */

static uint32_t exchange_hash(uint32_t xid, const uint8_t *mac, size_t n)
{
    uint32_t h = xid * 2654435761u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ mac[i]) * 16777619u;
    return h & (DHCP_BUCKETS - 1);
}

static void exchange_unlink(dhcp_global *g, uint32_t idx)
{
    dhcp_exchange *x = &g->x[idx];
    uint16_t *link = &g->bucket[exchange_hash(x->xid, x->mac, x->mac_len)];
    for (int i = 0; *link && i < DHCP_EXCHANGES_MAX; i++) {
        if (*link == idx + 1) {
            *link = x->next;
            return;
        }
        link = &g->x[*link - 1].next;
    }
}

/* The exchange of (xid, mac), begun when it is new. */
static dhcp_exchange *exchange_find(dhcp_global *g, tr_session *s, const dhcp_msg *m)
{
    uint32_t h = exchange_hash(m->xid, m->chaddr, m->mac_len);
    uint16_t at = g->bucket[h];
    for (int i = 0; at && i < DHCP_EXCHANGES_MAX; i++) {
        dhcp_exchange *x = &g->x[at - 1];
        if (x->xid == m->xid && x->mac_len == m->mac_len && memcmp(x->mac, m->chaddr, m->mac_len) == 0)
            return x;
        at = x->next;
    }
    uint32_t idx = g->next_slot;
    g->next_slot = (g->next_slot + 1) % DHCP_EXCHANGES_MAX;
    dhcp_exchange *x = &g->x[idx];
    if (x->seq) {
        exchange_unlink(g, idx);
        if (g->evicted++ == 0)
            tr_anomaly(s->ctx, s, TR_NODIR, "dhcp_exchanges_full",
                       "more than %d DHCP exchanges at once; the oldest forgotten (counted from now on)",
                       DHCP_EXCHANGES_MAX);
        else
            tr_ctx_count_anomaly(s->ctx, "dhcp_exchanges_full");
    }
    memset(x, 0, sizeof *x);
    x->seq = ++g->seq;
    x->xid = m->xid;
    x->mac_len = (uint8_t)m->mac_len;
    memcpy(x->mac, m->chaddr, m->mac_len);
    x->next = g->bucket[h];
    g->bucket[h] = (uint16_t)(idx + 1);
    return x;
}

static void exchange_text(uint8_t *dst, uint8_t *dst_len, const dhcp_option *op)
{
    if (!op->instances)
        return;
    size_t n = text_len(op->p, op->len);
    if (n > DHCP_TEXT_MAX)
        n = DHCP_TEXT_MAX;
    memcpy(dst, op->p, n);
    *dst_len = (uint8_t)n;
}

/* Option 54, else the address the message came from (a BOOTP server names itself no other way). */
static uint32_t server_of(const dhcp_msg *m, const dhcp_options *o)
{
    const dhcp_option *op = &o->opt[54];
    return op->instances && op->len == 4 ? be32_at(op->p) : m->sender;
}

static void offer_seen(tr_session *s, int dir, dhcp_exchange *x, uint32_t server, uint32_t yiaddr)
{
    for (int i = 0; i < x->noffers; i++)
        if (x->offers[i].server == server) {
            x->offers[i].yiaddr = yiaddr; /* a server offering again */
            return;
        }
    if (x->noffers == DHCP_OFFERS_MAX) {
        x->offers_cut = 1;
        return;
    }
    x->offers[x->noffers].server = server;
    x->offers[x->noffers].yiaddr = yiaddr;
    if (++x->noffers < 2)
        return;
    /* a second server answering the same DISCOVER: two DHCP servers on one segment, one perhaps a rogue */
    char list[DHCP_OFFERS_MAX * 40] = "", mac[3 * DHCP_CHADDR_LEN + 1];
    size_t k = 0;
    for (int i = 0; i < x->noffers; i++) {
        char a[16], b[16];
        ip4_text(x->offers[i].server, a);
        ip4_text(x->offers[i].yiaddr, b);
        int w = snprintf(list + k, sizeof list - k, "%s%s (offered %s)", i ? ", " : "", a, b);
        if (w > 0)
            k += (size_t)w < sizeof list - k ? (size_t)w : sizeof list - k - 1;
    }
    hex_text(x->mac, x->mac_len, ':', mac);
    tr_anomaly(s->ctx, s, dir, "dhcp_multiple_offers", "xid 0x%08x client %s: %d servers offered: %s", x->xid,
               x->mac_len ? mac : "-", x->noffers, list);
}

static void emit_lease(tr_session *s, int dir, const dhcp_exchange *x, const dhcp_msg *m, const dhcp_options *o)
{
    tr_event *e = &dhcp_ev;
    char mac[3 * DHCP_CHADDR_LEN + 1];
    tr_ev_init(e, s, "lease", dir);
    tr_ev_int(e, "xid", x->xid);
    if (x->mac_len) {
        hex_text(x->mac, x->mac_len, ':', mac);
        tr_ev_strcopy(e, "client_mac", mac, 3 * (size_t)x->mac_len - 1);
    }
    ev_ip(e, "ip", m->yiaddr);
    if (x->lease_server)
        ev_ip(e, "server_id", x->lease_server);
    const dhcp_option *lt = &o->opt[51];
    if (lt->instances && lt->len == 4)
        tr_ev_int(e, "lease_time", be32_at(lt->p));
    if (m->giaddr)
        ev_ip(e, "giaddr", m->giaddr);
    if (x->hostname_len)
        tr_ev_strcopy(e, "hostname", x->hostname, x->hostname_len);
    if (x->vendor_len)
        tr_ev_strcopy(e, "vendor_class", x->vendor_class, x->vendor_len);
    if (x->noffers) {
        tr_ev_list(e, "offers");
        for (int i = 0; i < x->noffers; i++) {
            tr_ev_obj(e, NULL);
            ev_ip(e, "server_id", x->offers[i].server);
            ev_ip(e, "yiaddr", x->offers[i].yiaddr);
            tr_ev_end(e);
        }
        tr_ev_end(e);
    }
    tr_ev_list(e, "exchange");
    for (int i = 0; i < x->nsteps; i++)
        ev_msg_type(e, NULL, x->steps[i]);
    tr_ev_end(e);
    tr_emit(e);
}

/* The message's part in its exchange: its step, what the client said of itself, the servers that offered, and
 * at an ACK that binds an address the `lease` event (once per exchange and address: a relayed ACK is seen twice). */
static void lease_view(tr_session *s, int dir, dhcp_msg *m, const dhcp_options *o)
{
    dhcp_global *g = tr_dissector_global(s->ctx, s->dis);
    if (!g)
        return;
    dhcp_exchange *x = exchange_find(g, s, m);
    uint8_t step = m->type >= 0 && m->type < 256 ? (uint8_t)m->type : 0;
    if (x->nsteps == 0 || x->steps[x->nsteps - 1] != step) {
        if (x->nsteps < DHCP_STEPS_MAX)
            x->steps[x->nsteps++] = step;
        else
            x->steps_cut = 1;
    }
    if (m->op == BOOTREQUEST) {
        exchange_text(x->hostname, &x->hostname_len, &o->opt[12]);
        exchange_text(x->vendor_class, &x->vendor_len, &o->opt[60]);
    }
    if (m->type == T_OFFER || (!m->has_type && m->op == BOOTREPLY && m->yiaddr))
        offer_seen(s, dir, x, server_of(m, o), m->yiaddr);
    if (m->type == T_ACK && m->yiaddr) {
        uint32_t server = server_of(m, o);
        if (x->leased && x->lease_ip == m->yiaddr && x->lease_server == server)
            return;
        x->leased = 1;
        x->lease_ip = m->yiaddr;
        x->lease_server = server;
        if (!x->hostname_len) /* a server may name the client itself (option 12 in its ACK) */
            exchange_text(x->hostname, &x->hostname_len, &o->opt[12]);
        emit_lease(s, dir, x, m, o);
    }
}

static void dhcp_on_datagram(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    dhcp_msg m;
    memset(&m, 0, sizeof m);
    tr_buf b = tr_buf_make(p, n);
    s->tx_group = NULL;
    if (!read_header(&m, &b)) {
        tr_anomaly(s->ctx, s, dir, "dhcp_truncated", "%zu-byte message is shorter than the %d-byte BOOTP header", n,
                   DHCP_FIXED_LEN);
        return;
    }
    const tr_endpoint *from = dir == TR_S2C ? &s->server : &s->client;
    if (from->ip.v == 4)
        m.sender = be32_at(from->ip.a);
    dhcp_options *o = &dhcp_opts;
    /* without the cookie the vendor area is not RFC 1497 options (a plain BOOTP message): no options */
    if (tr_be32(&b) == DHCP_COOKIE) {
        size_t rest;
        const uint8_t *opts = tr_rest(&b, &rest);
        dhcp_options_read(o, opts, rest, m.file, DHCP_FILE_LEN, m.sname, DHCP_SNAME_LEN);
    } else {
        dhcp_options_read(o, NULL, 0, NULL, 0, NULL, 0);
    }
    static const char *const problems[] = {NULL, "dhcp_bad_option_length", "dhcp_too_many_options",
                                           "dhcp_bad_overload"};
    if (o->problem)
        msg_problem(&m, problems[o->problem], "%s", o->detail);
    const dhcp_option *t = &o->opt[53];
    if (t->instances) {
        m.has_type = 1;
        m.type = t->len >= 1 ? t->p[0] : 0;
        if (t->len != 1)
            msg_problem(&m, "dhcp_bad_option", "option 53 (msg_type) of %u bytes", (unsigned)t->len);
    }
    dhcp_global *g = tr_dissector_global(s->ctx, s->dis);
    if (g && m.mac_len) { /* one transcript per client, as its messages come from and go to several addresses */
        char mac[3 * DHCP_CHADDR_LEN + 1];
        client_mac_text(&m, mac);
        snprintf(g->tx_group, sizeof g->tx_group, "dhcp-%s", mac);
        s->tx_group = g->tx_group;
    }
    emit_message(s, dir, &m, o);
    if (m.problem)
        tr_anomaly(s->ctx, s, dir, m.problem, "xid 0x%08x: %s", m.xid, m.detail);
    lease_view(s, dir, &m, o);
}

/* ---- finding it ---- */

/* A BOOTP/DHCP message on any port: op 1 or 2, an hlen that fits chaddr, and the magic cookie at 236. */
static int dhcp_probe_one(const uint8_t *p, size_t n, int dir)
{
    (void)dir;
    tr_buf b = tr_buf_make(p, n);
    uint8_t op = tr_u8(&b);
    tr_u8(&b);
    uint8_t hlen = tr_u8(&b);
    tr_skip(&b, DHCP_FIXED_LEN - 3);
    uint32_t cookie = tr_be32(&b);
    if (b.err || (op != BOOTREQUEST && op != BOOTREPLY) || hlen > DHCP_CHADDR_LEN || cookie != DHCP_COOKIE)
        return TR_PROBE_NO;
    return TR_PROBE_YES;
}

static int dhcp_probe(const tr_probe_input *in)
{
    if (in->l4 != TR_UDP)
        return TR_PROBE_NO;
    return tr_probe_by_direction(in, dhcp_probe_one);
}

/* Only the server port: a flow's first datagram from 67 to 68 (an OFFER to a broadcast address) then has the
 * server as its sender, and client to server (68 to 67) the usual way. Relays talk 67 to 67. */
static const uint16_t dhcp_ports[] = {67, 0};

static const tr_stat_field dhcp_stats[] = {
    {"message", "msg_type", "message types"},
    {"lease", "server_id", "leases by server"},
    {NULL, NULL, NULL},
};

extern const tr_presenter dhcp_present;
extern const tr_viewer dhcp_view;

const tr_dissector dis_dhcp = {
    .name = "dhcp",
    .l4 = TR_UDP,
    .ports = dhcp_ports,
    .probe = dhcp_probe,
    .on_datagram = dhcp_on_datagram,
    .global_size = sizeof(dhcp_global),
    .present = &dhcp_present,
    .stat_fields = dhcp_stats,
    .view = &dhcp_view,
};
