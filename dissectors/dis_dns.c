/* dis_dns: DNS over UDP and TCP (RFC 1035, RFC 7766 two-byte framing), with EDNS (RFC 6891),
 * SVCB/HTTPS (RFC 9460), CAA (RFC 8659), SRV (RFC 2782) and unknown types as RFC 3597 generic data.
 *
 * Message (RFC 1035 4.1), over TCP preceded by a 16-bit length:
 *
 *   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |
 *  |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *  |                    QDCOUNT                    |
 *  |                    ANCOUNT                    |
 *  |                    NSCOUNT                    |
 *  |                    ARCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  question: QNAME QTYPE(16) QCLASS(16)             (QDCOUNT times)
 *  record:   NAME TYPE(16) CLASS(16) TTL(32) RDLENGTH(16) RDATA   (AN+NS+AR times)
 *  OPT (type 41): CLASS = UDP payload size, TTL = ext-rcode(8) version(8) DO(1) Z(15),
 *                 RDATA = { OPTION-CODE(16) OPTION-LENGTH(16) OPTION-DATA }*
 *  SVCB/HTTPS: PRIORITY(16) TARGET(name) { KEY(16) LENGTH(16) VALUE }*
 *
 * Queries (QR=0) are remembered per session by id and question until their answer arrives; those
 * still waiting at session end are reported as `unanswered`. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/tr_addr.h"
#include "../core/tr_dissector.h"
#include "../core/tr_pool.h"
#include "dns_name.h"
#include "pairing.h"

#define DNS_HEADER_LEN 12
#define DNS_QUESTIONS_MAX 16         /* questions read per message; real messages carry one */
#define DNS_SECTION_RECORDS_MAX 256  /* records listed per section; the rest are parsed and counted */
#define DNS_OUTSTANDING_MAX 16       /* queries waiting for an answer, per session: a 4 KB table */
#define DNS_DATA_MAX 4096            /* presentation form of one RDATA */
#define DNS_EDNS_OPTIONS_MAX 32      /* EDNS options listed per message */
#define DNS_TCP_RESYNC_MAX 4096      /* bytes skipped looking for a message start after a gap */
/* Room kept in the event for what follows a record (later sections, edns, counters). */
#define DNS_EVENT_FIELDS_RESERVE 96
#define DNS_EVENT_ARENA_RESERVE (DNS_DATA_MAX + 2 * DNS_NAME_TEXT_MAX)

enum { T_NAPTR = 35, T_DS = 43, T_SSHFP = 44, T_RRSIG = 46, T_NSEC = 47, T_DNSKEY = 48, T_TLSA = 52,
       T_SMIMEA = 53, T_CDS = 59, T_CDNSKEY = 60, T_URI = 256 };
enum { T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_MB = 7, T_MG = 8, T_MR = 9, T_PTR = 12,
       T_HINFO = 13, T_MX = 15, T_TXT = 16, T_AFSDB = 18, T_RT = 21, T_AAAA = 28, T_SRV = 33,
       T_KX = 36, T_DNAME = 39, T_OPT = 41, T_SVCB = 64, T_HTTPS = 65, T_SPF = 99, T_CAA = 257 };

/* Type mnemonics (IANA DNS parameters); anything else is TYPEnnn (RFC 3597). */
static const struct { uint16_t code; const char *name; } dns_types[] = {
    {1, "A"}, {2, "NS"}, {3, "MD"}, {4, "MF"}, {5, "CNAME"}, {6, "SOA"}, {7, "MB"}, {8, "MG"},
    {9, "MR"}, {10, "NULL"}, {11, "WKS"}, {12, "PTR"}, {13, "HINFO"}, {14, "MINFO"}, {15, "MX"},
    {16, "TXT"}, {17, "RP"}, {18, "AFSDB"}, {19, "X25"}, {20, "ISDN"}, {21, "RT"}, {22, "NSAP"},
    {23, "NSAP-PTR"}, {24, "SIG"}, {25, "KEY"}, {26, "PX"}, {27, "GPOS"}, {28, "AAAA"},
    {29, "LOC"}, {30, "NXT"}, {31, "EID"}, {32, "NIMLOC"}, {33, "SRV"}, {34, "ATMA"},
    {35, "NAPTR"}, {36, "KX"}, {37, "CERT"}, {38, "A6"}, {39, "DNAME"}, {40, "SINK"},
    {41, "OPT"}, {42, "APL"}, {43, "DS"}, {44, "SSHFP"}, {45, "IPSECKEY"}, {46, "RRSIG"},
    {47, "NSEC"}, {48, "DNSKEY"}, {49, "DHCID"}, {50, "NSEC3"}, {51, "NSEC3PARAM"},
    {52, "TLSA"}, {53, "SMIMEA"}, {55, "HIP"}, {56, "NINFO"}, {57, "RKEY"}, {58, "TALINK"},
    {59, "CDS"}, {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"}, {63, "ZONEMD"},
    {64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"}, {100, "UINFO"}, {101, "UID"}, {102, "GID"},
    {103, "UNSPEC"}, {104, "NID"}, {105, "L32"}, {106, "L64"}, {107, "LP"}, {108, "EUI48"},
    {109, "EUI64"}, {249, "TKEY"}, {250, "TSIG"}, {251, "IXFR"}, {252, "AXFR"}, {253, "MAILB"},
    {254, "MAILA"}, {255, "ANY"}, {256, "URI"}, {257, "CAA"}, {258, "AVC"}, {259, "DOA"},
    {260, "AMTRELAY"}, {32768, "TA"}, {32769, "DLV"},
};

/* RCODE mnemonics (RFC 1035, 2136, 6891, 8945, 7873); 16 is BADVERS in an OPT-extended rcode. */
static const char *const dns_rcodes[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", NULL, NULL, NULL, NULL,
    "BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
};

static const char *const dns_opcodes[] = {"QUERY", "IQUERY", "STATUS", NULL, "NOTIFY", "UPDATE", "DSO"};

/* EDNS option codes (IANA), RFC 6891 and successors. */
static const struct { uint16_t code; const char *name; } dns_edns_options[] = {
    {3, "NSID"}, {5, "DAU"}, {6, "DHU"}, {7, "N3U"}, {8, "ECS"}, {9, "EXPIRE"}, {10, "COOKIE"},
    {11, "TCP-KEEPALIVE"}, {12, "PADDING"}, {13, "CHAIN"}, {14, "KEY-TAG"}, {15, "EDE"},
    {16, "CLIENT-TAG"}, {17, "SERVER-TAG"}, {18, "REPORT-CHANNEL"}, {19, "ZONEVERSION"},
};

/* SvcParamKeys (RFC 9460 14.3.2). */
static const char *const svc_keys[] = {"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint",
                                       "ech", "ipv6hint", "dohpath", "ohttp"};
#define SVC_KEYS_N (sizeof svc_keys / sizeof svc_keys[0])

/* A query waiting for its answer, in the pairing queue under its id (2 bytes, network order). */
typedef struct dns_outstanding {
    uint16_t qtype;
    uint8_t wire_len;
    uint8_t wire[DNS_NAME_WIRE_MAX];
} dns_outstanding;

#define DNS_ID_KEY 2
#define DNS_TABLE_BYTES PAIR_STORAGE_SIZE(DNS_OUTSTANDING_MAX, sizeof(dns_outstanding), DNS_ID_KEY)

typedef struct dns_state {
    pair_queue out;            /* queries waiting, oldest first; storage only while one waits (see table_take) */
    uint8_t resync[2];         /* TCP: after a gap, looking for the next message start */
    size_t resync_skipped[2];
} dns_state;

/* ---- presentation-form output buffer ---- */

typedef struct dns_out {
    char p[DNS_DATA_MAX];
    size_t len;
    int overflow;
} dns_out;

static void out_reset(dns_out *o)
{
    o->len = 0;
    o->overflow = 0;
    o->p[0] = '\0';
}

static void out_add(dns_out *o, const char *s, size_t n)
{
    size_t room = o->len < sizeof o->p ? sizeof o->p - 1 - o->len : 0;
    if (n > room) {
        n = room;
        o->overflow = 1;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void out_str(dns_out *o, const char *s) { out_add(o, s, strlen(s)); }

static void out_printf(dns_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(dns_out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        out_add(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Bytes of a character-string or label as dig prints them inside double quotes. */
static void out_escaped(dns_out *o, const uint8_t *p, size_t n, const char *special)
{
    for (size_t i = 0; i < n; i++) {
        char tmp[8];
        size_t k;
        if (p[i] == ' ') { /* a space needs no escape inside quotes */
            tmp[0] = ' ';
            k = 1;
        } else {
            k = dns_text_escape(tmp, 0, sizeof tmp, p[i], special);
        }
        out_add(o, tmp, k);
    }
}

/* dig breaks long hex and base64 fields into 56-character words; chunk = 0 keeps one word. */
#define DIG_HEX_CHUNK 28    /* bytes: 56 hex digits */
#define DIG_BASE64_CHUNK 42 /* bytes: 56 base64 characters */

static void out_hex_chunked(dns_out *o, const uint8_t *p, size_t n, size_t chunk)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n && !o->overflow; i++) {
        if (chunk && i && i % chunk == 0)
            out_add(o, " ", 1);
        char two[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
        out_add(o, two, 2);
    }
}

static void out_hex(dns_out *o, const uint8_t *p, size_t n) { out_hex_chunked(o, p, n, 0); }

static void out_base64_chunked(dns_out *o, const uint8_t *p, size_t n, size_t chunk)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n && !o->overflow; i += 3) {
        if (chunk && i && i % chunk == 0)
            out_add(o, " ", 1);
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char four[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                        i + 2 < n ? b64[v & 63] : '='};
        out_add(o, four, 4);
    }
}

static void out_base64(dns_out *o, const uint8_t *p, size_t n) { out_base64_chunked(o, p, n, 0); }

static void out_addr(dns_out *o, int af, const uint8_t *a)
{
    tr_ip ip;
    char txt[TR_IP_STRLEN];
    if (af == AF_INET)
        tr_ip_set4(&ip, a);
    else
        tr_ip_set6(&ip, a);
    /* not inet_ntop: it formats IPv4 with sprintf, once per A record */
    if (o->len < sizeof o->p && sizeof o->p - o->len > TR_IP_STRLEN) { /* straight into place: no copy */
        o->len += strlen(tr_ip_format(&ip, o->p + o->len));
        return;
    }
    out_str(o, tr_ip_format(&ip, txt));
}

/* RFC 3597: \# length hex (dig writes the hex in upper case). */
static void out_generic(dns_out *o, const uint8_t *p, size_t n)
{
    out_reset(o);
    out_printf(o, "\\# %zu", n);
    if (n) {
        out_add(o, " ", 1);
        out_hex_chunked(o, p, n, DIG_HEX_CHUNK);
    }
}

/* ---- names of codes ---- */

static const char *type_known(uint16_t t)
{
    for (size_t i = 0; i < sizeof dns_types / sizeof dns_types[0]; i++)
        if (dns_types[i].code == t)
            return dns_types[i].name;
    return NULL;
}

static const char *rcode_known(unsigned rc)
{
    return rc < sizeof dns_rcodes / sizeof dns_rcodes[0] ? dns_rcodes[rc] : NULL;
}

static const char *class_known(uint16_t c)
{
    switch (c) {
    case 1: return "IN";
    case 3: return "CH";
    case 4: return "HS";
    case 254: return "NONE";
    case 255: return "ANY";
    }
    return NULL;
}

/* A code's mnemonic, or prefix and number (TYPE65280, CLASS32769, RCODE12) when it has none. */
static void ev_code(tr_event *e, const char *key, const char *known, const char *prefix, unsigned v)
{
    if (known)
        tr_ev_str(e, key, known);
    else
        tr_ev_printf(e, key, "%s%u", prefix, v);
}

/* For anomaly details. */
static const char *type_text(uint16_t t, char buf[16])
{
    const char *k = type_known(t);
    if (k)
        return k;
    snprintf(buf, 16, "TYPE%u", t);
    return buf;
}

/* ---- RDATA in presentation form ---- */

typedef struct dns_msg {
    tr_session *s;
    tr_buf msg;          /* the whole message, from its header */
    const char *problem; /* first anomaly name met, reported once per message */
    char detail[160];
    const dns_name *qname; /* the first question's name once read, at qname_off */
    size_t qname_off;
} dns_msg;

static void msg_problem(dns_msg *m, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msg_problem(dns_msg *m, const char *name, const char *fmt, ...)
{
    if (m->problem)
        return;
    m->problem = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->detail, sizeof m->detail, fmt, ap);
    va_end(ap);
}

static const char *name_anomaly(int status)
{
    switch (status) {
    case DNS_NAME_LOOP: return "dns_name_loop";
    case DNS_NAME_TRUNC: return "dns_truncated";
    default: return "dns_malformed";
    }
}

/* A name that is nothing but a pointer to the question's name (how answers name their owner) is that name:
 * copied instead of walked and escaped again. Pointed-to labels are bounded by the message, not by cur, so
 * the name reads the same from anywhere after it. */
static int question_name_again(const dns_msg *m, tr_buf *cur, dns_name *n)
{
    if (!m->qname || tr_left(cur) < 2 || cur->off <= m->qname_off)
        return 0;
    size_t at = cur->off;
    uint8_t hi = tr_peek_at(cur, at), lo = tr_peek_at(cur, at + 1);
    if ((hi & 0xc0) != 0xc0 || (((size_t)(hi & 0x3f) << 8) | lo) != m->qname_off)
        return 0;
    const dns_name *q = m->qname;
    memcpy(n->text, q->text, q->text_len + 1);
    n->text_len = q->text_len;
    memcpy(n->wire, q->wire, q->wire_len);
    n->wire_len = q->wire_len;
    tr_skip(cur, 2);
    return 1;
}

/* Reads a name from cur; on failure notes the problem and returns 0. */
static int read_name(dns_msg *m, tr_buf *cur, dns_name *n, const char *where)
{
    if (question_name_again(m, cur, n))
        return 1;
    size_t at = cur->off;
    int st = dns_name_read(&m->msg, cur, n);
    if (st == DNS_NAME_OK)
        return 1;
    /* running off the end of an RDATA is the record contradicting its own length */
    const char *anomaly = st == DNS_NAME_TRUNC && cur->len < m->msg.len ? "dns_malformed" : name_anomaly(st);
    msg_problem(m, anomaly, "%s name at offset %zu: %s", where, at, dns_name_status_str(st));
    return !cur->err; /* a name too long is still skipped over and shown cut short */
}

static void out_name(dns_out *o, const dns_name *n) { out_add(o, n->text, n->text_len); }

/* A run of <character-string>s (TXT, SPF, HINFO), each quoted, separated by spaces. */
static void rdata_strings(tr_buf *rd, dns_out *o)
{
    for (int i = 0; tr_left(rd) && i < 65536; i++) {
        uint8_t l = tr_u8(rd);
        const uint8_t *s = tr_bytes(rd, l);
        if (!s)
            return;
        if (i)
            out_add(o, " ", 1);
        out_add(o, "\"", 1);
        out_escaped(o, s, l, "\"\\");
        out_add(o, "\"", 1);
    }
}

/* One <character-string>, quoted. */
static void rdata_string(tr_buf *rd, dns_out *o)
{
    uint8_t l = tr_u8(rd);
    const uint8_t *s = tr_bytes(rd, l);
    if (!s)
        return;
    out_add(o, "\"", 1);
    out_escaped(o, s, l, "\"\\");
    out_add(o, "\"", 1);
}

/* The rest of the RDATA as one field: hex or base64 in dig's 56-character words. */
static void rdata_rest_hex(tr_buf *rd, dns_out *o)
{
    size_t n = tr_left(rd);
    out_hex_chunked(o, tr_bytes(rd, n), n, DIG_HEX_CHUNK);
}

static void rdata_rest_base64(tr_buf *rd, dns_out *o)
{
    size_t n = tr_left(rd);
    out_base64_chunked(o, tr_bytes(rd, n), n, DIG_BASE64_CHUNK);
}

/* RFC 4034 4.1.2 type bit maps: the types named, space-separated. */
static int rdata_type_bitmap(tr_buf *rd, dns_out *o)
{
    for (int w = 0; tr_left(rd) && w < 256; w++) {
        uint8_t window = tr_u8(rd), len = tr_u8(rd);
        const uint8_t *bits = tr_bytes(rd, len);
        if (!bits || len == 0 || len > 32)
            return 0;
        for (unsigned i = 0; i < (unsigned)len * 8; i++) {
            if (!(bits[i / 8] & (0x80 >> (i % 8))))
                continue;
            char tb[16];
            out_add(o, " ", 1);
            out_str(o, type_text((uint16_t)(window * 256 + i), tb));
        }
    }
    return 1;
}

/* RFC 4034 3.2: YYYYMMDDHHmmSS in UTC. */
static void out_sig_time(dns_out *o, uint32_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    if (gmtime_r(&tt, &tm) && strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm))
        out_str(o, buf);
    else
        out_printf(o, "%u", t);
}

static void svc_value(dns_out *o, uint16_t key, tr_buf *v)
{
    size_t n = tr_left(v);
    switch (key) {
    case 0: /* mandatory: key names */
        for (int i = 0; tr_left(v) >= 2 && i < 65536; i++) {
            uint16_t k = tr_be16(v);
            if (i)
                out_add(o, ",", 1);
            if (k < SVC_KEYS_N)
                out_str(o, svc_keys[k]);
            else
                out_printf(o, "key%u", k);
        }
        return;
    case 1: /* alpn: comma-joined ids, quoted; a comma inside an id is escaped */
        out_add(o, "\"", 1);
        for (int i = 0; tr_left(v) && i < 65536; i++) {
            uint8_t l = tr_u8(v);
            const uint8_t *id = tr_bytes(v, l);
            if (!id)
                break;
            if (i)
                out_add(o, ",", 1);
            for (size_t k = 0; k < l; k++) {
                if (id[k] == ',')
                    out_add(o, "\\\\,", 3);
                else
                    out_escaped(o, id + k, 1, "\"\\");
            }
        }
        out_add(o, "\"", 1);
        return;
    case 3:
        out_printf(o, "%u", tr_be16(v));
        return;
    case 4:
    case 6: {
        size_t w = key == 4 ? 4 : 16;
        for (int i = 0; tr_left(v) >= w && i < 65536; i++) {
            if (i)
                out_add(o, ",", 1);
            out_addr(o, key == 4 ? AF_INET : AF_INET6, tr_bytes(v, w));
        }
        return;
    }
    case 5:
        out_base64(o, tr_bytes(v, n), n);
        return;
    default: /* dohpath and unknown keys: an escaped quoted string */
        out_add(o, "\"", 1);
        out_escaped(o, tr_bytes(v, n), n, "\"\\");
        out_add(o, "\"", 1);
        return;
    }
}

static int svc_value_ok(uint16_t key, size_t n)
{
    switch (key) {
    case 0: return n && n % 2 == 0;
    case 1: return n > 0;
    case 2: case 8: return n == 0;
    case 3: return n == 2;
    case 4: return n && n % 4 == 0;
    case 6: return n && n % 16 == 0;
    }
    return 1;
}

static int rdata_svcb(dns_msg *m, tr_buf *rd, dns_out *o)
{
    dns_name target;
    uint16_t prio = tr_be16(rd);
    if (!read_name(m, rd, &target, "SVCB target"))
        return 0;
    out_printf(o, "%u ", prio);
    out_name(o, &target);
    for (int i = 0; tr_left(rd) && i < 65536; i++) {
        uint16_t key = tr_be16(rd);
        uint16_t len = tr_be16(rd);
        const uint8_t *val = tr_bytes(rd, len);
        if (!val || !svc_value_ok(key, len))
            return 0;
        out_add(o, " ", 1);
        if (key < SVC_KEYS_N)
            out_str(o, svc_keys[key]);
        else
            out_printf(o, "key%u", key);
        if (key == 2 || (key == 8 && !len))
            continue;
        out_add(o, "=", 1);
        tr_buf v = tr_buf_make(val, len);
        svc_value(o, key, &v);
    }
    return !rd->err;
}

/* Presentation form of one record's data. Returns 0 when the RDATA does not parse as its type says
 * (the caller then writes it generically and notes the anomaly). */
static int rdata_format(dns_msg *m, uint16_t type, uint16_t cls, size_t off, size_t len, dns_out *o)
{
    tr_buf rd = {m->msg.p, off + len, off, TR_OK}; /* same message, ending with the RDATA */
    dns_name a, b;
    out_reset(o);
    if (len == 0 && (cls == 254 || cls == 255))
        return 1; /* RFC 2136 2.5: an update deleting an RRset carries no RDATA */
    switch (type) {
    case T_A:
        if (len != 4)
            return 0;
        out_addr(o, AF_INET, tr_bytes(&rd, 4));
        return 1;
    case T_AAAA:
        if (len != 16)
            return 0;
        out_addr(o, AF_INET6, tr_bytes(&rd, 16));
        return 1;
    case T_NS: case T_CNAME: case T_PTR: case T_DNAME: case T_MB: case T_MG: case T_MR:
        if (!read_name(m, &rd, &a, "RDATA"))
            return 0;
        out_name(o, &a);
        break;
    case T_MX: case T_AFSDB: case T_RT: case T_KX: {
        uint16_t pref = tr_be16(&rd);
        if (!read_name(m, &rd, &a, "RDATA"))
            return 0;
        out_printf(o, "%u ", pref);
        out_name(o, &a);
        break;
    }
    case T_SOA: {
        if (!read_name(m, &rd, &a, "SOA mname") || !read_name(m, &rd, &b, "SOA rname"))
            return 0;
        uint32_t v[5];
        for (int i = 0; i < 5; i++)
            v[i] = tr_be32(&rd);
        out_name(o, &a);
        out_add(o, " ", 1);
        out_name(o, &b);
        out_printf(o, " %u %u %u %u %u", v[0], v[1], v[2], v[3], v[4]);
        break;
    }
    case T_SRV: {
        uint16_t prio = tr_be16(&rd), weight = tr_be16(&rd), port = tr_be16(&rd);
        if (!read_name(m, &rd, &a, "SRV target"))
            return 0;
        out_printf(o, "%u %u %u ", prio, weight, port);
        out_name(o, &a);
        break;
    }
    case T_TXT: case T_SPF: case T_HINFO:
        if (!len)
            return 0;
        rdata_strings(&rd, o);
        break;
    case T_CAA: {
        uint8_t flags = tr_u8(&rd), taglen = tr_u8(&rd);
        const uint8_t *tag = tr_bytes(&rd, taglen);
        if (!tag || !taglen)
            return 0;
        size_t vlen = tr_left(&rd);
        const uint8_t *val = tr_bytes(&rd, vlen);
        out_printf(o, "%u ", flags);
        out_escaped(o, tag, taglen, "\"\\");
        out_add(o, " \"", 2);
        out_escaped(o, val, vlen, "\"\\");
        out_add(o, "\"", 1);
        break;
    }
    case T_SVCB: case T_HTTPS:
        if (!rdata_svcb(m, &rd, o))
            return 0;
        break;
    case T_URI: { /* RFC 7553 */
        uint16_t prio = tr_be16(&rd), weight = tr_be16(&rd);
        size_t n = tr_left(&rd);
        out_printf(o, "%u %u \"", prio, weight);
        out_escaped(o, tr_bytes(&rd, n), n, "\"\\");
        out_add(o, "\"", 1);
        break;
    }
    case T_NAPTR: { /* RFC 3403 */
        uint16_t order = tr_be16(&rd), pref = tr_be16(&rd);
        out_printf(o, "%u %u ", order, pref);
        for (int i = 0; i < 3; i++) {
            rdata_string(&rd, o);
            out_add(o, " ", 1);
        }
        if (!read_name(m, &rd, &a, "NAPTR replacement"))
            return 0;
        out_name(o, &a);
        break;
    }
    case T_DS: case T_CDS: { /* RFC 4034 5.1 */
        uint16_t tag = tr_be16(&rd);
        uint8_t alg = tr_u8(&rd), dt = tr_u8(&rd);
        out_printf(o, "%u %u %u ", tag, alg, dt);
        rdata_rest_hex(&rd, o);
        break;
    }
    case T_SSHFP: { /* RFC 4255 */
        uint8_t alg = tr_u8(&rd), fpt = tr_u8(&rd);
        out_printf(o, "%u %u ", alg, fpt);
        rdata_rest_hex(&rd, o);
        break;
    }
    case T_TLSA: case T_SMIMEA: { /* RFC 6698 */
        uint8_t usage = tr_u8(&rd), sel = tr_u8(&rd), mt = tr_u8(&rd);
        out_printf(o, "%u %u %u ", usage, sel, mt);
        rdata_rest_hex(&rd, o);
        break;
    }
    case T_DNSKEY: case T_CDNSKEY: { /* RFC 4034 2.1 */
        uint16_t flags = tr_be16(&rd);
        uint8_t proto = tr_u8(&rd), alg = tr_u8(&rd);
        out_printf(o, "%u %u %u ", flags, proto, alg);
        rdata_rest_base64(&rd, o);
        break;
    }
    case T_RRSIG: { /* RFC 4034 3.1 */
        char tb[16];
        uint16_t covered = tr_be16(&rd);
        uint8_t alg = tr_u8(&rd), labels = tr_u8(&rd);
        uint32_t ttl = tr_be32(&rd), expire = tr_be32(&rd), incept = tr_be32(&rd);
        uint16_t tag = tr_be16(&rd);
        if (!read_name(m, &rd, &a, "RRSIG signer"))
            return 0;
        out_printf(o, "%s %u %u %u ", type_text(covered, tb), alg, labels, ttl);
        out_sig_time(o, expire);
        out_add(o, " ", 1);
        out_sig_time(o, incept);
        out_printf(o, " %u ", tag);
        out_name(o, &a);
        out_add(o, " ", 1);
        rdata_rest_base64(&rd, o);
        break;
    }
    case T_NSEC: /* RFC 4034 4.1 */
        if (!read_name(m, &rd, &a, "NSEC next"))
            return 0;
        out_name(o, &a);
        if (!rdata_type_bitmap(&rd, o))
            return 0;
        break;
    default:
        out_generic(o, m->msg.p + off, len);
        return 1;
    }
    return !rd.err && tr_left(&rd) == 0;
}

/* ---- events ---- */

static tr_event dns_ev; /* events are built and emitted one at a time: one static saves stack */

#define MDNS_PORT 5353

static int is_mdns(const tr_session *s) { return s->client.port == MDNS_PORT || s->server.port == MDNS_PORT; }

static int event_has_room(const tr_event *e)
{
    return e->nf + DNS_EVENT_FIELDS_RESERVE < TR_EVENT_MAX_FIELDS &&
           e->arena_used + DNS_EVENT_ARENA_RESERVE < TR_EVENT_ARENA;
}

static void emit_record(dns_msg *m, tr_event *e, const dns_name *name, uint16_t type, uint16_t cls,
                        uint32_t ttl, size_t rd_off, size_t rd_len)
{
    static dns_out data;
    if (!rdata_format(m, type, cls, rd_off, rd_len, &data)) {
        char tn[16];
        msg_problem(m, "dns_malformed", "%s record %s: bad RDATA of %zu bytes", type_text(type, tn), name->text,
                    rd_len);
        out_generic(&data, m->msg.p + rd_off, rd_len);
    }
    if (data.overflow && data.len >= 4)
        memcpy(data.p + data.len - 4, " ...", 4);
    tr_ev_obj(e, NULL);
    tr_ev_strcopy(e, "name", name->text, name->text_len);
    ev_code(e, "type", type_known(type), "TYPE", type);
    int cache_flush = 0;
    if (is_mdns(m->s)) { /* RFC 6762 10.2: the class's top bit asks caches to flush the RRset */
        cache_flush = cls >> 15;
        cls &= 0x7fff;
    }
    if (cls != 1) /* the schema's records are class IN; others (CH, mDNS cache-flush) say so */
        ev_code(e, "class", class_known(cls), "CLASS", cls);
    if (cache_flush)
        tr_ev_bool(e, "cache_flush", 1);
    tr_ev_int(e, "ttl", ttl);
    tr_ev_strcopy(e, "data", data.p, data.len);
    tr_ev_end(e);
}

typedef struct dns_opt {
    int present;
    uint16_t udp_size; /* the OPT record's CLASS */
    uint32_t ttl;      /* extended rcode, version, DO */
    size_t off, len;   /* its RDATA */
} dns_opt;

typedef struct dns_sections {
    uint16_t count[3];    /* ANCOUNT NSCOUNT ARCOUNT */
    uint16_t listable[3]; /* records other than OPT, found by a first pass */
    dns_opt opt;
} dns_sections;

static void emit_edns(dns_msg *m, tr_event *e, const dns_opt *opt)
{
    tr_buf rd = {m->msg.p, opt->off + opt->len, opt->off, TR_OK};
    uint16_t udp_size = opt->udp_size;
    uint32_t ttl = opt->ttl;
    tr_ev_obj(e, "edns");
    tr_ev_int(e, "udp_size", udp_size);
    tr_ev_bool(e, "do", (ttl >> 15) & 1);
    if ((ttl >> 16) & 0xff)
        tr_ev_int(e, "version", (ttl >> 16) & 0xff);
    tr_ev_list(e, "options");
    int n = 0;
    for (; tr_left(&rd) && n < 65536; n++) {
        uint16_t code = tr_be16(&rd), len = tr_be16(&rd);
        const uint8_t *val = tr_bytes(&rd, len);
        if (!val) {
            msg_problem(m, "dns_malformed", "EDNS option %u overruns the OPT record", code);
            break;
        }
        if (n >= DNS_EDNS_OPTIONS_MAX || !event_has_room(e))
            continue;
        static dns_out hex;
        out_reset(&hex);
        out_hex(&hex, val, len);
        tr_ev_obj(e, NULL);
        tr_ev_int(e, "code", code);
        for (size_t i = 0; i < sizeof dns_edns_options / sizeof dns_edns_options[0]; i++)
            if (dns_edns_options[i].code == code)
                tr_ev_str(e, "name", dns_edns_options[i].name);
        tr_ev_strcopy(e, "data", hex.p, hex.len);
        tr_ev_end(e);
    }
    tr_ev_end(e);
    tr_ev_end(e);
}

/* ---- outstanding queries ---- */

/* A conversation whose queries are all answered holds no table: a client's many one-query conversations
 * wait out the UDP timeout costing a few bytes each, not 4 KB (the engine counts states against --memcap).
 * Tables go back to a small pool, so a query costs no malloc. */
static tr_pool spare = TR_POOL_INIT(DNS_TABLE_BYTES, 64);

/* Gives the session's queue its table, counted against --memcap; 0 when out of memory. */
static int table_take(tr_session *s, dns_state *st)
{
    void *t = tr_pool_take(&spare);
    if (!t)
        return 0;
    pair_attach(&st->out, t);
    s->state_extra += DNS_TABLE_BYTES;
    return 1;
}

/* Gives the table back once no query waits. */
static void table_give(tr_session *s, dns_state *st)
{
    void *t = pair_detach(&st->out);
    if (!t)
        return;
    s->state_extra -= DNS_TABLE_BYTES;
    tr_pool_give(&spare, t);
}

typedef struct dns_question {
    uint16_t qtype;
    const dns_name *name;
} dns_question;

static int question_matches(const void *item, const void *ctx)
{
    const dns_outstanding *o = item;
    const dns_question *q = ctx;
    return o->qtype == q->qtype && dns_name_wire_equal(o->wire, o->wire_len, q->name->wire, q->name->wire_len);
}

/* The oldest query waiting with this id and (q set) this question. */
static dns_outstanding *outstanding_find(dns_state *st, uint16_t id, uint16_t qtype, const dns_name *q)
{
    const uint8_t key[DNS_ID_KEY] = {(uint8_t)(id >> 8), (uint8_t)id};
    dns_question question = {qtype, q};
    return pair_find(&st->out, key, sizeof key, q ? question_matches : NULL, &question);
}

static void outstanding_done(tr_session *s, dns_state *st, dns_outstanding *o)
{
    pair_remove(&st->out, o);
    if (!pair_len(&st->out))
        table_give(s, st); /* none waits any more */
}

static void outstanding_add(tr_session *s, dns_state *st, uint16_t id, uint16_t qtype, const dns_name *q)
{
    if (outstanding_find(st, id, qtype, q))
        return; /* a retransmission waits for the same answer */
    if (!pair_has_storage(&st->out) && !table_take(s, st))
        return; /* out of memory: this query goes unpaired */
    const uint8_t key[DNS_ID_KEY] = {(uint8_t)(id >> 8), (uint8_t)id};
    int drop;
    dns_outstanding *o = pair_push(&st->out, key, sizeof key, &drop);
    if (drop == PAIR_DROPPED_FIRST)
        tr_anomaly(s->ctx, s, TR_NODIR, "dns_outstanding_full",
                   "more than %d queries waiting for answers; oldest forgotten (counted from now on)",
                   DNS_OUTSTANDING_MAX);
    else if (drop == PAIR_DROPPED_AGAIN)
        tr_ctx_count_anomaly(s->ctx, "dns_outstanding_full");
    if (!o)
        return;
    o->qtype = qtype;
    o->wire_len = (uint8_t)q->wire_len;
    memcpy(o->wire, q->wire, q->wire_len);
}

/* ---- one message ---- */

static const char *const section_keys[3] = {"answers", "authorities", "additionals"};

/* Reads the records of the three sections, listing them in e (when e is set) and noting the OPT
 * record in ss->opt; without e, counts the records there are to list. Returns 0 when the message ended early or contradicted itself. */
static int decode_records(dns_msg *m, tr_buf *cur, dns_sections *ss, tr_event *e, int list_empty)
{
    int ok = 1;
    uint64_t omitted = 0;
    const uint16_t *count = ss->count;
    dns_opt *opt = &ss->opt;
    opt->present = 0;
    for (int sec = 0; sec < 3; sec++) {
        int listed = 0;
        int open = e && (ss->listable[sec] || list_empty);
        if (!e)
            ss->listable[sec] = 0;
        if (open)
            tr_ev_list(e, section_keys[sec]);
        for (unsigned i = 0; ok && i < count[sec]; i++) {
            /* the counting pass only skips names: its problems are not reported (the listing pass finds them) */
            dns_name name;
            int named = e ? read_name(m, cur, &name, section_keys[sec]) : (dns_name_skip(&m->msg, cur), !cur->err);
            if (!named) {
                ok = 0;
                break;
            }
            uint16_t type = tr_be16(cur), cls = tr_be16(cur);
            uint32_t ttl = tr_be32(cur);
            uint16_t rdlen = tr_be16(cur);
            size_t rd_off = cur->off;
            tr_skip(cur, rdlen);
            if (cur->err) {
                char tn[16];
                if (e)
                    msg_problem(m, "dns_truncated", "%s record %u of %u (%s %s) runs past the end of the message",
                                section_keys[sec], i + 1, count[sec], name.text, type_text(type, tn));
                ok = 0;
                break;
            }
            if (type == T_OPT) {
                if (e && (sec != 2 || opt->present || name.wire_len != 1))
                    msg_problem(m, "dns_malformed", "OPT record out of place (%s)", section_keys[sec]);
                if (!opt->present) {
                    opt->present = 1;
                    opt->udp_size = cls;
                    opt->ttl = ttl;
                    opt->off = rd_off;
                    opt->len = rdlen;
                }
                continue;
            }
            if (!e) {
                ss->listable[sec]++;
                continue;
            }
            if (listed >= DNS_SECTION_RECORDS_MAX || !event_has_room(e)) {
                omitted++;
                continue;
            }
            emit_record(m, e, &name, type, cls, ttl, rd_off, rdlen);
            listed++;
        }
        if (open)
            tr_ev_end(e);
    }
    if (e && omitted)
        tr_ev_int(e, "records_omitted", (int64_t)omitted);
    return ok;
}

static void decode_message(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    dns_state *st = s->state;
    dns_msg m = {.s = s, .msg = tr_buf_make(p, n)};
    tr_buf cur = m.msg;
    if (n < DNS_HEADER_LEN) {
        tr_anomaly(s->ctx, s, dir, "dns_truncated", "%zu-byte message is shorter than the 12-byte header", n);
        return;
    }
    uint16_t id = tr_be16(&cur), flags = tr_be16(&cur);
    uint16_t qdcount = tr_be16(&cur);
    dns_sections ss = {.count = {tr_be16(&cur), tr_be16(&cur), tr_be16(&cur)}};
    int qr = flags >> 15, opcode = (flags >> 11) & 15;
    unsigned rcode = flags & 15;

    dns_name qname;
    uint16_t qtype = 0;
    int have_q = 0;
    for (unsigned i = 0; i < qdcount && i < DNS_QUESTIONS_MAX; i++) {
        dns_name other;
        dns_name *q = i == 0 ? &qname : &other;
        size_t q_off = cur.off;
        if (!read_name(&m, &cur, q, "question"))
            break;
        if (i == 0 && !m.problem) {
            m.qname = &qname;
            m.qname_off = q_off;
        }
        uint16_t t = tr_be16(&cur);
        tr_be16(&cur); /* class */
        if (cur.err) {
            msg_problem(&m, "dns_truncated", "question %u ends past the message", i + 1);
            break;
        }
        if (i == 0) {
            qtype = t;
            have_q = 1;
        }
    }
    if (qdcount > DNS_QUESTIONS_MAX && !m.problem) {
        msg_problem(&m, "dns_malformed", "%u questions; only the first %d read", qdcount, DNS_QUESTIONS_MAX);
        cur.err = TR_EMALFORMED; /* records cannot be found past unread questions */
    }
    if (qdcount && !have_q) {
        /* without its question a message cannot be paired or trusted to be DNS at all */
        tr_anomaly(s->ctx, s, dir, m.problem ? m.problem : "dns_malformed", "id %u: %s", id, m.detail);
        return;
    }

    /* the rcode's upper bits live in the OPT record: find it (quietly) before the event is written */
    if (!cur.err) {
        tr_buf scan = cur;
        decode_records(&m, &scan, &ss, NULL, 0);
    }
    unsigned full_rcode = ss.opt.present ? ((ss.opt.ttl >> 24) << 4) | rcode : rcode;

    tr_event *e = &dns_ev;
    tr_ev_init(e, s, qr ? "answer" : "query", dir);
    tr_ev_int(e, "id", id);
    if (opcode)
        ev_code(e, "opcode", opcode < 7 ? dns_opcodes[opcode] : NULL, "OPCODE", (unsigned)opcode);
    if (have_q) {
        tr_ev_strcopy(e, "qname", qname.text, qname.text_len);
        ev_code(e, "qtype", type_known(qtype), "TYPE", qtype);
    }
    if (qr) {
        ev_code(e, "rcode", rcode_known(full_rcode), "RCODE", full_rcode);
        tr_ev_bool(e, "aa", (flags >> 10) & 1);
        tr_ev_bool(e, "tc", (flags >> 9) & 1);
    }
    tr_ev_bool(e, "rd", (flags >> 8) & 1);
    if (qr)
        tr_ev_bool(e, "ra", (flags >> 7) & 1);
    if (!cur.err)
        decode_records(&m, &cur, &ss, e, qr);
    else if (qr)
        for (int sec = 0; sec < 3; sec++) {
            tr_ev_list(e, section_keys[sec]);
            tr_ev_end(e);
        }
    if (ss.opt.present)
        emit_edns(&m, e, &ss.opt);
    if (m.problem)
        tr_anomaly(s->ctx, s, dir, m.problem, "id %u: %s", id, m.detail);

    /* multicast DNS answers carry no question and id 0 (RFC 6762 18.1, 6): nothing to pair */
    if (!qr && have_q && !is_mdns(s)) {
        outstanding_add(s, st, id, qtype, &qname);
    } else if (qr) {
        dns_outstanding *o = outstanding_find(st, id, qtype, have_q ? &qname : NULL);
        if (o)
            outstanding_done(s, st, o);
    }
    tr_emit(e);
}

/* ---- transport ---- */

static void dns_on_datagram(tr_session *s, int dir, const uint8_t *p, size_t n) { decode_message(s, dir, p, n); }

/* Whether a whole message reads cleanly: questions and records all inside it, no bad names. */
static int message_parses(const uint8_t *p, size_t n)
{
    dns_msg m = {.msg = tr_buf_make(p, n)};
    tr_buf cur = m.msg;
    tr_skip(&cur, 4);
    uint16_t qd = tr_be16(&cur);
    dns_sections ss = {.count = {tr_be16(&cur), tr_be16(&cur), tr_be16(&cur)}};
    for (unsigned i = 0; i < qd && !cur.err; i++) {
        dns_name q;
        if (read_name(&m, &cur, &q, "question"))
            tr_skip(&cur, 4);
    }
    return !cur.err && decode_records(&m, &cur, &ss, NULL, 0) && !m.problem && tr_left(&cur) == 0;
}

/* After a gap the next bytes may start inside a message: accept a length prefix only where it is
 * followed by a header that looks like one sent this way (QR, Z clear, known opcode, counts that fit
 * the length) and, once all there, a message that parses cleanly. 1 yes, 0 no, -1 wait for more. */
static int plausible_start(int dir, const uint8_t *p, size_t n, size_t *need)
{
    tr_buf b = tr_buf_make(p, n);
    uint16_t len = tr_be16(&b);
    tr_skip(&b, 2);
    uint16_t flags = tr_be16(&b), qd = tr_be16(&b), an = tr_be16(&b), ns = tr_be16(&b), ar = tr_be16(&b);
    if (b.err) {
        *need = 2 + DNS_HEADER_LEN;
        return -1;
    }
    int qr = flags >> 15, opcode = (flags >> 11) & 15;
    size_t min = (size_t)qd * 5 + ((size_t)an + ns + ar) * 11;
    if (len < DNS_HEADER_LEN || qd > 1 || qr != (dir == TR_S2C) || (flags & 0x0040) ||
        !(opcode <= 2 || (opcode >= 4 && opcode <= 6)) || min > (size_t)len - DNS_HEADER_LEN)
        return 0;
    if (n < 2 + (size_t)len) {
        *need = 2 + (size_t)len;
        return -1;
    }
    return message_parses(p + 2, len);
}

static size_t dns_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    dns_state *st = s->state;
    if (st->resync[dir]) {
        int ok = plausible_start(dir, p, n, need);
        if (ok < 0)
            return 0;
        if (!ok) {
            if (++st->resync_skipped[dir] > DNS_TCP_RESYNC_MAX) {
                tr_decode_end(s, dir, "dns_tcp_resync_failed");
                return n;
            }
            return 1;
        }
        if (st->resync_skipped[dir])
            tr_anomaly(s->ctx, s, dir, "dns_tcp_resync", "skipped %zu bytes after a gap to find a message start",
                       st->resync_skipped[dir]);
        st->resync[dir] = 0;
        st->resync_skipped[dir] = 0;
    }
    if (n < 2) {
        *need = 2;
        return 0;
    }
    size_t len = ((size_t)p[0] << 8) | p[1];
    if (n < 2 + len) {
        *need = 2 + len;
        return 0;
    }
    decode_message(s, dir, p + 2, len);
    return 2 + len;
}

static void dns_on_gap(tr_session *s, int dir, uint64_t n)
{
    (void)n;
    dns_state *st = s->state;
    st->resync[dir] = 1;
    st->resync_skipped[dir] = 0;
}

static void report_unanswered(void *arg, const void *item, const uint8_t *key, size_t key_len)
{
    tr_session *s = arg;
    const dns_outstanding *o = item;
    dns_name q;
    tr_event *e = &dns_ev;
    tr_ev_init(e, s, "unanswered", TR_NODIR);
    tr_ev_int(e, "id", key_len == DNS_ID_KEY ? (key[0] << 8) | key[1] : 0);
    if (dns_name_from_wire(o->wire, o->wire_len, &q) == DNS_NAME_OK)
        tr_ev_strcopy(e, "qname", q.text, q.text_len);
    ev_code(e, "qtype", type_known(o->qtype), "TYPE", o->qtype);
    tr_emit(e);
}

static void dns_on_open(tr_session *s)
{
    dns_state *st = s->state;
    (void)pair_init(&st->out, DNS_OUTSTANDING_MAX, sizeof(dns_outstanding), DNS_ID_KEY, NULL); /* sizes fixed */
}

static void dns_on_close(tr_session *s, int reason)
{
    (void)reason;
    dns_state *st = s->state;
    if (!st)
        return;
    pair_drain(&st->out, report_unanswered, s); /* in the order the queries were sent */
    table_give(s, st);
}

/* DNS, multicast DNS (RFC 6762) and LLMNR (RFC 4795), which share the message format. */
static const uint16_t dns_ports[] = {53, 5353, 5355, 0};

/* what --stats counts of its events */
static const tr_stat_field dns_stats[] = {
    {"query", "qtype", "query types"},
    {"answer", "rcode", "response codes"},
    {"query", "qname", "names asked (the most asked)"},
    {NULL, NULL, NULL},
};

extern const tr_presenter dns_present;
extern const tr_viewer dns_view;

const tr_dissector dis_dns = {
    .name = "dns",
    .l4 = 0,
    .ports = dns_ports,
    .state_size = sizeof(dns_state),
    .on_open = dns_on_open,
    .on_data = dns_on_data,
    .on_gap = dns_on_gap,
    .on_datagram = dns_on_datagram,
    .on_close = dns_on_close,
    .present = &dns_present,
    .stat_fields = dns_stats,
    .view = &dns_view,
};
