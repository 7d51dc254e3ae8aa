/* dis_snmp: SNMP v1 (RFC 1157), v2c (RFC 1901, PDUs RFC 3416) and v3 (RFC 3412 message processing, RFC 3414 USM,
 * RFC 3826 AES, RFC 7860 SHA-2) over UDP 161/162 and TCP (RFC 3430: messages back to back, framed by their own BER
 * length): every request, response, report, trap and inform with its variable bindings typed and named
 * (snmp_mib.c), requests paired with their answers by request-id (v3: msgID), retries, requests never answered,
 * whether a community or user was accepted, and v3 messages authenticated and decrypted with --snmp-user keys.
 *
 * v1/v2c message (RFC 1157 4, RFC 1901 3), BER:
 *
 *   SEQUENCE { version INTEGER (0: v1, 1: v2c), community OCTET STRING, data PDU }
 *   PDU  [0 get | 1 get-next | 2 response | 3 set | 6 inform | 7 snmpV2-trap | 8 report] IMPLICIT SEQUENCE {
 *            request-id INTEGER, error-status INTEGER, error-index INTEGER, variable-bindings }
 *        [5 get-bulk]: the same with non-repeaters and max-repetitions in place of error-status and -index
 *        [4 v1 trap] IMPLICIT SEQUENCE { enterprise OBJECT IDENTIFIER, agent-addr IpAddress,
 *            generic-trap INTEGER, specific-trap INTEGER, time-stamp TimeTicks, variable-bindings }
 *   variable-bindings  SEQUENCE OF SEQUENCE { name OBJECT IDENTIFIER, value }
 *   value  INTEGER | OCTET STRING | NULL | OBJECT IDENTIFIER | [APPLICATION 0] IpAddress | [1] Counter32 |
 *          [2] Gauge32 | [3] TimeTicks | [4] Opaque | [6] Counter64 | [7] UInteger32 (RFC 2578 7.1)
 *          | [CONTEXT 0] noSuchObject | [1] noSuchInstance | [2] endOfMibView (RFC 3416 3), each an empty value
 *
 * v3 message (RFC 3412 6, RFC 3414 2.4):
 *
 *   SEQUENCE { msgVersion INTEGER (3),
 *              msgGlobalData SEQUENCE { msgID INTEGER, msgMaxSize INTEGER, msgFlags OCTET STRING (1 byte:
 *                  .... .rpa reportable, priv, auth), msgSecurityModel INTEGER (3: USM) },
 *              msgSecurityParameters OCTET STRING, holding for USM
 *                  SEQUENCE { msgAuthoritativeEngineID OCTET STRING, msgAuthoritativeEngineBoots INTEGER,
 *                             msgAuthoritativeEngineTime INTEGER, msgUserName OCTET STRING,
 *                             msgAuthenticationParameters OCTET STRING (the digest), msgPrivacyParameters (salt) },
 *              msgData  ScopedPDU SEQUENCE { contextEngineID, contextName OCTET STRING, data PDU }
 *                       | encryptedPDU OCTET STRING (priv: the ScopedPDU under DES-CBC or AES-CFB) }
 *
 * The digest is the HMAC of the whole message with its own 12-48 bytes taken as zeros, keyed with the user's key
 * localized to the authoritative engine (the agent for requests, responses and reports; the sender of a trap).
 *
 * Pairing: a confirmed request (get, get-next, get-bulk, set, inform) waits in the session's queue under its
 * request-id, for v3 under its msgID (the only id an encrypted message shows; net-snmp gives a v3 retry a new msgID
 * and the same request-id). net-snmp retries with the same request-id: the first answer pairs with the first
 * request, and a repeated request or answer is marked `retry`. What still waits when the session ends is
 * `unanswered`. The community (v1/v2c) or user (v3) of each request is remembered per session: the first answer
 * decides `auth` success, an authorizationError or a USM report of a wrong digest, unknown user, unsupported level or
 * bad decryption decides failure, and silence until the end decides failure too — once per community or user and
 * agent (the session's server) in the capture. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/tr_buf.h"
#include "../core/tr_dissector.h"
#include "../core/tr_pool.h"
#include "../core/tr_strbuf.h"
#include "ber.h"
#include "pairing.h"
#include "snmp_mib.h"
#include "snmp_usm.h"

#define SNMP_VARBINDS_MAX 1024     /* variable bindings read per PDU; the rest are counted, not read */
#define SNMP_VARBINDS_LISTED 256   /* listed per event (and while the event has room); the rest counted */
#define SNMP_HEX_MAX 512           /* bytes of a binary value shown as hex */
#define SNMP_OUTSTANDING_MAX 16    /* requests waiting for an answer per session */
#define SNMP_RECENT_MAX 8          /* ids answered lately, to tell a repeated answer */
#define SNMP_CREDS_MAX 4           /* communities and users followed per session for `auth` */
#define SNMP_CRED_NAME_MAX 64      /* bytes of a community compared (a longer one is told by its first 64) */
#define SNMP_PENDING_TEXT_MAX 48   /* first OID and its name kept with a waiting request, for `unanswered` */
#define SNMP_ENGINE_ID_MAX 32      /* RFC 3411 SnmpEngineID: 5 to 32 bytes */
#define SNMP_KEYS_MAX 64           /* localized keys cached per capture (user, engine) */
#define SNMP_AUTH_SEEN_MAX 1024    /* (agent, community or user, result) already reported per capture */
#define SNMP_MSG_MAX 65536         /* longest v3 message authenticated or decrypted (UDP's own limit) */
#define SNMP_TCP_MSG_MAX (128 * 1024) /* longest message over TCP; a longer one is skipped */
#define SNMP_TCP_RESYNC_MAX 4096   /* bytes skipped after a gap looking for a message start */
#define SNMP_ID_KEY 5              /* pairing key: version, then the id (request-id or msgID) big-endian */
/* room kept in an event for what follows a varbind (the rest of the list, fields after it) */
#define SNMP_EVENT_FIELDS_RESERVE 48
#define SNMP_EVENT_ARENA_RESERVE (2 * SNMP_HEX_MAX + 2 * SNMP_MIB_NAME_MAX + 2 * BER_OID_TEXT_MAX)

enum { V1 = 0, V2C = 1, V3 = 3 };
enum { PDU_GET = 0, PDU_GETNEXT = 1, PDU_RESPONSE = 2, PDU_SET = 3, PDU_TRAP1 = 4, PDU_GETBULK = 5, PDU_INFORM = 6,
       PDU_TRAP2 = 7, PDU_REPORT = 8, PDU_NONE = 0xff };
enum { FLAG_AUTH = 1, FLAG_PRIV = 2, FLAG_REPORTABLE = 4 };
enum { USM = 3 };
enum { CRED_COMMUNITY = 1, CRED_USER = 2 };
enum { ERR_AUTHORIZATION = 16 };

/* PDU names as SCHEMA.md and Wireshark's snmp.data call them. */
static const char *const pdu_names[] = {"get-request", "get-next-request", "get-response", "set-request", "trap",
                                        "get-bulk-request", "inform-request", "snmpV2-trap", "report"};
#define PDUS_N (sizeof pdu_names / sizeof pdu_names[0])

/* error-status (RFC 3416 3, RFC 1157 4.1.1 for 0-5). */
static const char *const error_names[] = {
    "noError",    "tooBig",      "noSuchName",   "badValue",          "readOnly",            "genErr",
    "noAccess",   "wrongType",   "wrongLength",  "wrongEncoding",     "wrongValue",          "noCreation",
    "inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError", "notWritable",
    "inconsistentName",
};
#define ERRORS_N (sizeof error_names / sizeof error_names[0])

/* generic-trap (RFC 1157 4.1.6) and the snmpTraps OIDs they map to (RFC 3584 3.1: 1.3.6.1.6.3.1.1.5.(n + 1)). */
static const char *const generic_traps[] = {"coldStart", "warmStart", "linkDown", "linkUp", "authenticationFailure",
                                            "egpNeighborLoss", "enterpriseSpecific"};
#define GENERIC_TRAPS_N (sizeof generic_traps / sizeof generic_traps[0])

/* OIDs read off the wire by their meaning. */
static const uint64_t oid_sysuptime0[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
static const uint64_t oid_snmptrapoid0[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
static const uint64_t oid_snmptraps[] = {1, 3, 6, 1, 6, 3, 1, 1, 5};
static const uint64_t oid_usmstats[] = {1, 3, 6, 1, 6, 3, 15, 1, 1}; /* usmStats, RFC 3414 5 */
enum { USM_UNSUPPORTED_SEC_LEVELS = 1, USM_NOT_IN_TIME_WINDOWS, USM_UNKNOWN_USER_NAMES, USM_UNKNOWN_ENGINE_IDS,
       USM_WRONG_DIGESTS, USM_DECRYPTION_ERRORS };

/* ---- state ---- */

/* A request waiting for its answer, in the pairing queue under SNMP_ID_KEY bytes. */
typedef struct snmp_pending {
    int64_t request_id, msg_id;
    uint8_t version, pdu, has_request_id, cred, discovery;
    uint8_t oid_len, name_len;
    char oid[SNMP_PENDING_TEXT_MAX];
    char name[SNMP_PENDING_TEXT_MAX];
} snmp_pending;

#define SNMP_TABLE_BYTES PAIR_STORAGE_SIZE(SNMP_OUTSTANDING_MAX, sizeof(snmp_pending), SNMP_ID_KEY)

/* A community or user that sent requests in this session, until the agent's answer (or silence) decides it. */
typedef struct snmp_cred {
    uint8_t kind, version, len, decided;
    uint8_t requests, answered;
    int8_t digest; /* v3 with a key: -1 not checked, 0 wrong, 1 right */
    uint8_t name[SNMP_CRED_NAME_MAX];
} snmp_cred;

typedef struct snmp_state {
    pair_queue out;     /* storage only while a request waits (table_take) */
    uint8_t recent[SNMP_RECENT_MAX][SNMP_ID_KEY];
    uint8_t nrecent, recent_next;
    uint8_t ncreds;
    uint8_t warned;     /* anomalies said once per session (WARN_*) */
    snmp_cred creds[SNMP_CREDS_MAX];
    uint8_t resync[2];  /* TCP: after a gap, looking for a message start */
    size_t resync_skipped[2];
    size_t skip[2];     /* TCP: bytes of an over-long message still to pass over */
} snmp_state;

enum { WARN_OUTSTANDING = 1, WARN_DIGEST = 2, WARN_DECRYPT = 4, WARN_DES = 8 };

/* Per capture: localized keys (the 1 MB password expansion is done once per user at start; localizing is per
 * engine), and the auth results already reported. */
typedef struct snmp_key {
    uint8_t used, user, elen;
    uint8_t engine[SNMP_ENGINE_ID_MAX];
    uint8_t auth[SNMP_KEY_MAX], priv[SNMP_KEY_MAX];
} snmp_key;

typedef struct snmp_global {
    snmp_key keys[SNMP_KEYS_MAX];
    uint32_t keys_next;
    uint64_t seen[SNMP_AUTH_SEEN_MAX]; /* hashes of (agent, kind, name, result), oldest overwritten */
    uint32_t nseen, seen_next;
} snmp_global;

/* ---- one message as read ---- */

typedef struct snmp_msg {
    tr_session *s;
    int dir;
    const uint8_t *whole; /* the message's bytes (its outer SEQUENCE), for the digest */
    size_t whole_len;
    int64_t version;
    tr_buf community;
    /* v3 */
    int64_t msg_id, max_size, security_model, boots, time;
    uint8_t flags;
    int usm;              /* the security parameters were USM's and read */
    tr_buf engine, user, auth_params, priv_params, encrypted, context_engine, context_name;
    int encrypted_pdu;    /* msgData was an encryptedPDU */
    int readable;         /* the PDU could be read (plaintext, or decrypted) */
    int digest;           /* -1 not checked, 0 wrong, 1 right */
    int decrypted;
    /* the PDU */
    int pdu;              /* PDU_* or PDU_NONE */
    int64_t request_id, error_status, error_index;
    tr_buf varbinds;
    /* v1 trap */
    tr_buf enterprise, agent_addr;
    int64_t generic, specific;
    uint64_t timestamp;
    const char *problem;  /* the first problem met, reported once after the event */
    char detail[200];
} snmp_msg;

static tr_event snmp_ev;
static uint8_t plain[SNMP_MSG_MAX]; /* a decrypted scoped PDU: one message at a time */
static char oid_text[BER_OID_TEXT_MAX];
static uint64_t oid_arcs[BER_OID_ARCS_MAX];
static char name_text[SNMP_MIB_NAME_MAX];

extern const tr_dissector dis_snmp;

static void problem(snmp_msg *m, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(snmp_msg *m, const char *name, const char *fmt, ...)
{
    if (m->problem)
        return;
    m->problem = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->detail, sizeof m->detail, fmt, ap);
    va_end(ap);
}

/* A BER read that failed: truncated (the datagram or capture stopped short) or malformed. */
static void ber_problem(snmp_msg *m, int st, const char *what)
{
    if (st == BER_TRUNCATED)
        problem(m, "snmp_truncated", "the message ends inside %s", what);
    else
        problem(m, "snmp_malformed", "%s: %s", what, ber_status_str(st));
}

/* ---- text forms ---- */

static size_t hex_text(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

static void ev_hex(tr_event *e, const char *key, const tr_buf *v)
{
    size_t n = tr_left(v);
    if (n > SNMP_HEX_MAX)
        n = SNMP_HEX_MAX;
    char *t = tr_ev_alloc(e, 2 * n + 1);
    if (t)
        tr_ev_strn(e, key, t, hex_text(v->p + v->off, n, t));
}

/* Text an operator would read: valid UTF-8 without control characters but tab, CR and LF (net-snmp prints such
 * octets as a STRING, anything else as a Hex-STRING). */
static int printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = tr_utf8_seq(p + i, n - i);
        if (!k)
            return 0;
        if (k == 1 && (p[i] == 0x7f || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')))
            return 0;
        if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) /* C1 controls */
            return 0;
        i += k;
    }
    return 1;
}

static int oid_is(const uint64_t *arcs, size_t n, const uint64_t *want, size_t wn)
{
    return n == wn && memcmp(arcs, want, wn * sizeof *arcs) == 0;
}

static int oid_under(const uint64_t *arcs, size_t n, const uint64_t *prefix, size_t pn)
{
    return n > pn && memcmp(arcs, prefix, pn * sizeof *arcs) == 0;
}

/* An OID's contents as dotted text (oid_text) and arcs (oid_arcs); 0 when malformed. */
static int read_oid(const tr_buf *v, size_t *narcs)
{
    return ber_oid(v, oid_text, sizeof oid_text, oid_arcs, narcs) == BER_OK;
}

/* ---- values ---- */

/* The value of a variable binding as `type` and `value` (RFC 2578 7.1, RFC 3416 3). */
static void ev_value(snmp_msg *m, tr_event *e, const ber_tlv *t)
{
    int64_t i;
    uint64_t u;
    if (t->constructed) {
        tr_ev_str(e, "type", "unknown");
        ev_hex(e, "value", &t->value);
        problem(m, "snmp_bad_value", "a constructed value (class %u tag %u)", t->cls, (unsigned)t->tag);
        return;
    }
    size_t n = tr_left(&t->value);
    const uint8_t *p = t->value.p + t->value.off;
    if (t->cls == BER_UNIVERSAL) {
        switch (t->tag) {
        case BER_INTEGER:
            tr_ev_str(e, "type", "INTEGER");
            if (ber_int(&t->value, &i) == BER_OK) {
                tr_ev_int(e, "value", i);
            } else {
                ev_hex(e, "value", &t->value);
                problem(m, "snmp_bad_value", "an INTEGER of %zu bytes", n);
            }
            return;
        case BER_OCTET_STRING:
            if (printable(p, n)) {
                tr_ev_str(e, "type", "STRING");
                tr_ev_strn(e, "value", p, n);
            } else {
                tr_ev_str(e, "type", "Hex-STRING");
                ev_hex(e, "value", &t->value);
            }
            return;
        case BER_NULL:
            tr_ev_str(e, "type", "NULL");
            if (n)
                problem(m, "snmp_bad_value", "a NULL of %zu bytes", n);
            return;
        case BER_OID: {
            size_t narcs;
            tr_ev_str(e, "type", "OID");
            if (!read_oid(&t->value, &narcs)) {
                ev_hex(e, "value", &t->value);
                problem(m, "snmp_bad_value", "a malformed OBJECT IDENTIFIER value");
                return;
            }
            tr_ev_strcopy(e, "value", oid_text, strlen(oid_text));
            size_t k = snmp_mib_name(oid_arcs, narcs, name_text, sizeof name_text);
            if (k)
                tr_ev_strcopy(e, "value_name", name_text, k);
            return;
        }
        default: break;
        }
    } else if (t->cls == BER_APPLICATION) {
        static const char *const app_types[] = {"IpAddress", "Counter32", "Gauge32", "Timeticks", "Opaque",
                                                "NsapAddress", "Counter64", "UInteger32"};
        if (t->tag < 8)
            tr_ev_str(e, "type", app_types[t->tag]);
        switch (t->tag) {
        case 0: /* IpAddress: 4 bytes */
            if (n == 4) {
                tr_ev_printf(e, "value", "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
            } else {
                ev_hex(e, "value", &t->value);
                problem(m, "snmp_bad_value", "an IpAddress of %zu bytes", n);
            }
            return;
        case 1: case 2: case 3: case 7: /* 32-bit unsigned */
            if (ber_uint(&t->value, &u) == BER_OK && u <= UINT32_MAX) {
                tr_ev_int(e, "value", (int64_t)u);
            } else {
                ev_hex(e, "value", &t->value);
                problem(m, "snmp_bad_value", "a %s of %zu bytes does not fit 32 bits", app_types[t->tag], n);
            }
            return;
        case 6: /* Counter64: a string, as JSON integers here are signed 64-bit (and lose precision past 2^53 in
                   many readers) */
            if (ber_uint(&t->value, &u) == BER_OK) {
                tr_ev_printf(e, "value", "%llu", (unsigned long long)u);
            } else {
                ev_hex(e, "value", &t->value);
                problem(m, "snmp_bad_value", "a Counter64 of %zu bytes", n);
            }
            return;
        case 4: case 5:
            ev_hex(e, "value", &t->value);
            return;
        default: break;
        }
    } else if (t->cls == BER_CONTEXT && t->tag <= 2) {
        static const char *const exceptions[] = {"noSuchObject", "noSuchInstance", "endOfMibView"};
        tr_ev_str(e, "type", exceptions[t->tag]);
        return;
    }
    tr_ev_str(e, "type", "unknown");
    tr_ev_printf(e, "tag", "%s %u", t->cls == BER_UNIVERSAL ? "UNIVERSAL" : t->cls == BER_APPLICATION ? "APPLICATION"
                                    : t->cls == BER_CONTEXT ? "CONTEXT" : "PRIVATE", (unsigned)t->tag);
    ev_hex(e, "value", &t->value);
}

/* The next variable binding: its name's contents and its value. BER_OK, or the failing status. */
static int next_varbind(tr_buf *list, tr_buf *name, ber_tlv *value)
{
    tr_buf vb;
    int st = ber_expect(list, BER_UNIVERSAL, 1, BER_SEQUENCE, &vb);
    if (st == BER_OK)
        st = ber_expect(&vb, BER_UNIVERSAL, 0, BER_OID, name);
    if (st == BER_OK)
        st = ber_read(&vb, value);
    if (st == BER_UNEXPECTED)
        st = BER_MALFORMED;
    return st;
}

/* The variable bindings as a list of {"oid", "name", "type", "value"} (and "value_name" for an OID value). */
static void ev_varbinds(snmp_msg *m, tr_event *e)
{
    tr_buf list = m->varbinds;
    int listed = 0;
    int64_t omitted = 0;
    tr_ev_list(e, "varbinds");
    for (int i = 0; tr_left(&list) && i < SNMP_VARBINDS_MAX; i++) {
        tr_buf name;
        ber_tlv value;
        int st = next_varbind(&list, &name, &value);
        if (st != BER_OK) {
            ber_problem(m, st, "a variable binding");
            break;
        }
        size_t narcs;
        if (!read_oid(&name, &narcs)) {
            problem(m, "snmp_malformed", "variable binding %d: a malformed OBJECT IDENTIFIER", i + 1);
            break;
        }
        if (listed >= SNMP_VARBINDS_LISTED || e->nf + SNMP_EVENT_FIELDS_RESERVE >= TR_EVENT_MAX_FIELDS ||
            e->arena_used + SNMP_EVENT_ARENA_RESERVE >= TR_EVENT_ARENA) {
            omitted++;
            continue;
        }
        tr_ev_obj(e, NULL);
        tr_ev_strcopy(e, "oid", oid_text, strlen(oid_text));
        size_t k = snmp_mib_name(oid_arcs, narcs, name_text, sizeof name_text);
        if (k)
            tr_ev_strcopy(e, "name", name_text, k);
        ev_value(m, e, &value);
        tr_ev_end(e);
        listed++;
    }
    if (tr_left(&list) && !m->problem)
        omitted += 1; /* more than SNMP_VARBINDS_MAX: at least one more, not read */
    tr_ev_end(e);
    if (omitted)
        tr_ev_int(e, "varbinds_omitted", omitted);
}

/* The variable binding at `index` (0-based): its OID in oid_arcs/oid_text and its value; 0 when there is none. */
static int varbind_at(const snmp_msg *m, int index, size_t *narcs, ber_tlv *value)
{
    tr_buf list = m->varbinds, name;
    for (int i = 0; i <= index; i++)
        if (!tr_left(&list) || next_varbind(&list, &name, value) != BER_OK)
            return 0;
    return read_oid(&name, narcs);
}

/* ---- reading a message ---- */

static int read_int(snmp_msg *m, tr_buf *b, int64_t *v, const char *what)
{
    tr_buf c;
    int st = ber_expect(b, BER_UNIVERSAL, 0, BER_INTEGER, &c);
    if (st == BER_OK && ber_int(&c, v) != BER_OK)
        st = BER_MALFORMED;
    if (st != BER_OK) {
        ber_problem(m, st == BER_UNEXPECTED ? BER_MALFORMED : st, what);
        return 0;
    }
    return 1;
}

static int read_octets(snmp_msg *m, tr_buf *b, tr_buf *v, const char *what)
{
    int st = ber_expect(b, BER_UNIVERSAL, 0, BER_OCTET_STRING, v);
    if (st != BER_OK) {
        ber_problem(m, st == BER_UNEXPECTED ? BER_MALFORMED : st, what);
        return 0;
    }
    return 1;
}

/* The PDU (RFC 3416 3, RFC 1157 4.1.6 for the v1 trap); 0 when it cannot be read. */
static int read_pdu(snmp_msg *m, tr_buf *b)
{
    ber_tlv t;
    int st = ber_read(b, &t);
    if (st != BER_OK) {
        ber_problem(m, st, "the PDU");
        return 0;
    }
    if (t.cls != BER_CONTEXT || !t.constructed || t.tag >= PDUS_N) {
        problem(m, "snmp_malformed", "a PDU of class %u tag %u", t.cls, (unsigned)t.tag);
        return 0;
    }
    m->pdu = (int)t.tag;
    tr_buf *p = &t.value;
    if (m->pdu == PDU_TRAP1) {
        tr_buf addr;
        int64_t generic, specific;
        if (ber_expect(p, BER_UNIVERSAL, 0, BER_OID, &m->enterprise) != BER_OK ||
            ber_expect(p, BER_APPLICATION, 0, 0, &addr) != BER_OK) {
            problem(m, "snmp_malformed", "a v1 trap without its enterprise and agent address");
            return 0;
        }
        m->agent_addr = addr;
        if (!read_int(m, p, &generic, "generic-trap") || !read_int(m, p, &specific, "specific-trap"))
            return 0;
        m->generic = generic;
        m->specific = specific;
        tr_buf ts;
        if (ber_expect(p, BER_APPLICATION, 0, 3, &ts) != BER_OK || ber_uint(&ts, &m->timestamp) != BER_OK) {
            problem(m, "snmp_malformed", "a v1 trap without its time-stamp");
            return 0;
        }
    } else if (!read_int(m, p, &m->request_id, "request-id") || !read_int(m, p, &m->error_status, "error-status") ||
               !read_int(m, p, &m->error_index, "error-index")) {
        return 0;
    }
    st = ber_expect(p, BER_UNIVERSAL, 1, BER_SEQUENCE, &m->varbinds);
    if (st != BER_OK) {
        ber_problem(m, st == BER_UNEXPECTED ? BER_MALFORMED : st, "the variable-bindings");
        m->varbinds = tr_buf_make(NULL, 0);
        return 1; /* what came before them is still worth an event */
    }
    return 1;
}

/* A ScopedPDU (RFC 3412 6.8): contextEngineID, contextName, the PDU. */
static int read_scoped(snmp_msg *m, tr_buf *b)
{
    if (!read_octets(m, b, &m->context_engine, "contextEngineID") ||
        !read_octets(m, b, &m->context_name, "contextName"))
        return 0;
    return read_pdu(m, b);
}

/* USM's security parameters (RFC 3414 2.4), inside msgSecurityParameters' octets. */
static int read_usm(snmp_msg *m, tr_buf *params)
{
    tr_buf u;
    int st = ber_expect(params, BER_UNIVERSAL, 1, BER_SEQUENCE, &u);
    if (st != BER_OK) {
        ber_problem(m, st == BER_UNEXPECTED ? BER_MALFORMED : st, "the USM security parameters");
        return 0;
    }
    if (!read_octets(m, &u, &m->engine, "msgAuthoritativeEngineID") ||
        !read_int(m, &u, &m->boots, "msgAuthoritativeEngineBoots") ||
        !read_int(m, &u, &m->time, "msgAuthoritativeEngineTime") || !read_octets(m, &u, &m->user, "msgUserName") ||
        !read_octets(m, &u, &m->auth_params, "msgAuthenticationParameters") ||
        !read_octets(m, &u, &m->priv_params, "msgPrivacyParameters"))
        return 0;
    m->usm = 1;
    return 1;
}

static void usm_open(snmp_msg *m);

/* The message at the cursor; 0 when it is not one (nothing to report but the problem). */
static int read_message(snmp_msg *m, tr_buf *b)
{
    const uint8_t *start = b->p + b->off;
    ber_tlv t;
    int st = ber_read(b, &t);
    if (st != BER_OK && !(st == BER_TRUNCATED && tr_left(&t.value))) {
        ber_problem(m, st, "the message");
        return 0;
    }
    if (t.cls != BER_UNIVERSAL || !t.constructed || t.tag != BER_SEQUENCE) {
        problem(m, "snmp_malformed", "a message of class %u tag %u, not a SEQUENCE", t.cls, (unsigned)t.tag);
        return 0;
    }
    if (st != BER_OK) /* cut short (the snap length): what is there is still read */
        ber_problem(m, st, "the message");
    tr_buf body = t.value;
    m->whole = start;
    m->whole_len = (size_t)(body.p + body.len - start);
    if (!read_int(m, &body, &m->version, "the version"))
        return 0;
    if (m->version == V1 || m->version == V2C) {
        if (!read_octets(m, &body, &m->community, "the community"))
            return 0;
        m->readable = read_pdu(m, &body);
        return 1;
    }
    if (m->version != V3) {
        problem(m, "snmp_unsupported_version", "version %lld", (long long)m->version);
        return 0;
    }
    tr_buf global, secparams;
    st = ber_expect(&body, BER_UNIVERSAL, 1, BER_SEQUENCE, &global);
    if (st != BER_OK) {
        ber_problem(m, st == BER_UNEXPECTED ? BER_MALFORMED : st, "msgGlobalData");
        return 0;
    }
    tr_buf flags;
    if (!read_int(m, &global, &m->msg_id, "msgID") || !read_int(m, &global, &m->max_size, "msgMaxSize") ||
        !read_octets(m, &global, &flags, "msgFlags") ||
        !read_int(m, &global, &m->security_model, "msgSecurityModel"))
        return 0;
    if (tr_left(&flags) != 1)
        problem(m, "snmp_malformed", "msgFlags of %zu bytes", tr_left(&flags));
    m->flags = tr_u8(&flags);
    if ((m->flags & FLAG_PRIV) && !(m->flags & FLAG_AUTH))
        problem(m, "snmp_bad_flags", "privacy without authentication (msgFlags 0x%02x)", m->flags);
    if (!read_octets(m, &body, &secparams, "msgSecurityParameters"))
        return 0;
    if (m->security_model == USM && !read_usm(m, &secparams))
        return 1;
    ber_tlv data;
    st = ber_read(&body, &data);
    if (st != BER_OK && !(st == BER_TRUNCATED && tr_left(&data.value))) {
        ber_problem(m, st, "msgData");
        return 1;
    }
    if (data.cls == BER_UNIVERSAL && data.constructed && data.tag == BER_SEQUENCE) {
        m->readable = read_scoped(m, &data.value);
    } else if (data.cls == BER_UNIVERSAL && !data.constructed && data.tag == BER_OCTET_STRING) {
        m->encrypted_pdu = 1;
        m->encrypted = data.value;
    } else {
        problem(m, "snmp_malformed", "msgData of class %u tag %u", data.cls, (unsigned)data.tag);
        return 1;
    }
    if (m->usm)
        usm_open(m);
    return 1;
}

/* ---- USM: digests and decryption with --snmp-user keys ---- */

static int bytes_eq(const tr_buf *a, const uint8_t *p, size_t n)
{
    return tr_left(a) == n && (n == 0 || memcmp(a->p + a->off, p, n) == 0);
}

/* The localized keys of user `u` for this message's engine, from the cache or made now. */
static const snmp_key *user_key(snmp_msg *m, size_t u)
{
    snmp_global *g = tr_dissector_global(m->s->ctx, &dis_snmp);
    size_t elen = tr_left(&m->engine);
    if (!g || elen == 0 || elen > SNMP_ENGINE_ID_MAX)
        return NULL;
    const uint8_t *engine = m->engine.p + m->engine.off;
    for (size_t i = 0; i < SNMP_KEYS_MAX; i++) {
        snmp_key *k = &g->keys[i];
        if (k->used && k->user == u && k->elen == elen && memcmp(k->engine, engine, elen) == 0)
            return k;
    }
    const snmp_user *user = snmp_user_at(u);
    snmp_key *k = &g->keys[g->keys_next];
    g->keys_next = (g->keys_next + 1) % SNMP_KEYS_MAX;
    memset(k, 0, sizeof *k);
    if (snmp_usm_localize(user->auth, user->ku_auth, engine, elen, k->auth) != 0 ||
        (user->priv && snmp_usm_localize(user->auth, user->ku_priv, engine, elen, k->priv) != 0))
        return NULL;
    k->used = 1;
    k->user = (uint8_t)u;
    k->elen = (uint8_t)elen;
    memcpy(k->engine, engine, elen);
    return k;
}

static void warn_once(snmp_msg *m, uint8_t bit, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void warn_once(snmp_msg *m, uint8_t bit, const char *name, const char *fmt, ...)
{
    snmp_state *st = m->s->state;
    char detail[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (st->warned & bit) {
        tr_ctx_count_anomaly(m->s->ctx, name);
        return;
    }
    st->warned |= bit;
    tr_anomaly(m->s->ctx, m->s, m->dir, name, "%s", detail);
}

/* An authenticated message: its digest checked with each configured user of its name (several may share a name,
 * for different agents); with privacy, its scoped PDU decrypted with the user whose digest was right. */
static void usm_open(snmp_msg *m)
{
    m->digest = -1;
    if (!(m->flags & FLAG_AUTH) || !m->whole)
        return;
    const snmp_user *chosen = NULL;
    const snmp_key *key = NULL;
    int tried = 0;
    size_t off = (size_t)(m->auth_params.p - m->whole);
    for (size_t i = 0; i < snmp_users_count() && !chosen; i++) {
        const snmp_user *u = snmp_user_at(i);
        if (!bytes_eq(&m->user, u->name, u->name_len) || tr_left(&m->auth_params) != snmp_usm_digest_len(u->auth) ||
            m->whole_len > SNMP_MSG_MAX)
            continue;
        const snmp_key *k = user_key(m, i);
        if (!k)
            continue;
        tried = 1;
        if (snmp_usm_digest_ok(u->auth, k->auth, m->whole, m->whole_len, off) == 1) {
            chosen = u;
            key = k;
        }
    }
    if (!tried)
        return;
    m->digest = chosen != NULL;
    if (!chosen) {
        warn_once(m, WARN_DIGEST, "snmp_usm_wrong_digest",
                  "user %.*s: the digest does not match the --snmp-user password for this engine (a wrong password "
                  "on the sender's side, or given to trawl)", (int)tr_left(&m->user), m->user.p + m->user.off);
        return;
    }
    if (!(m->flags & FLAG_PRIV) || !m->encrypted_pdu || !chosen->priv)
        return;
    size_t n = tr_left(&m->encrypted);
    if (chosen->priv == SNMP_PRIV_DES && !snmp_usm_des_available()) {
        warn_once(m, WARN_DES, "snmp_usm_des_unavailable", "DES needs OpenSSL's legacy provider, not available here");
        return;
    }
    if (n > sizeof plain ||
        snmp_usm_decrypt(chosen->priv, key->priv, (uint32_t)m->boots, (uint32_t)m->time,
                         m->priv_params.p + m->priv_params.off, tr_left(&m->priv_params),
                         m->encrypted.p + m->encrypted.off, n, plain) != 0) {
        warn_once(m, WARN_DECRYPT, "snmp_usm_decrypt_failed", "user %.*s: the encrypted PDU (%zu bytes) could not be "
                  "decrypted (%s)", (int)chosen->name_len, chosen->name, n,
                  n % 8 && chosen->priv == SNMP_PRIV_DES ? "not whole DES blocks" : "bad privacy parameters");
        return;
    }
    /* the plaintext must be one well-formed ScopedPDU (DES pads it to whole blocks): a wrong privacy password gives
     * bytes that do not read as one, and they are not shown */
    snmp_msg d = *m;
    d.problem = NULL;
    tr_buf pb = tr_buf_make(plain, n), scoped;
    int ok = ber_expect(&pb, BER_UNIVERSAL, 1, BER_SEQUENCE, &scoped) == BER_OK &&
             tr_left(&pb) < (chosen->priv == SNMP_PRIV_DES ? 8u : 1u) && read_scoped(&d, &scoped) && !d.problem;
    if (!ok) {
        warn_once(m, WARN_DECRYPT, "snmp_usm_decrypt_failed", "user %.*s: the PDU does not decrypt to a scoped PDU "
                  "with the --snmp-user privacy password (a wrong one?)", (int)chosen->name_len, chosen->name);
        return;
    }
    d.readable = 1;
    d.decrypted = 1;
    *m = d;
}

/* ---- pairing and credentials ---- */

static tr_pool spare = TR_POOL_INIT(SNMP_TABLE_BYTES, 64);

static int table_take(tr_session *s, snmp_state *st)
{
    void *t = tr_pool_take(&spare);
    if (!t)
        return 0;
    pair_attach(&st->out, t);
    s->state_extra += SNMP_TABLE_BYTES;
    return 1;
}

static void table_give(tr_session *s, snmp_state *st)
{
    void *t = pair_detach(&st->out);
    if (!t)
        return;
    s->state_extra -= SNMP_TABLE_BYTES;
    tr_pool_give(&spare, t);
}

static void id_key(const snmp_msg *m, int64_t id, uint8_t key[SNMP_ID_KEY])
{
    key[0] = (uint8_t)m->version;
    for (int i = 0; i < 4; i++)
        key[1 + i] = (uint8_t)((uint64_t)id >> (24 - 8 * i));
}

static int is_confirmed(int pdu)
{
    return pdu == PDU_GET || pdu == PDU_GETNEXT || pdu == PDU_SET || pdu == PDU_GETBULK || pdu == PDU_INFORM;
}

/* The credential slot of the message's community or user in this session (made when new); -1 when none. */
static int cred_of(snmp_msg *m, int make)
{
    snmp_state *st = m->s->state;
    const tr_buf *name = m->version == V3 ? &m->user : &m->community;
    uint8_t kind = m->version == V3 ? CRED_USER : CRED_COMMUNITY;
    size_t n = tr_left(name);
    if (kind == CRED_USER && n == 0)
        return -1; /* discovery: no user yet */
    if (n > SNMP_CRED_NAME_MAX)
        n = SNMP_CRED_NAME_MAX;
    for (int i = 0; i < st->ncreds; i++) {
        snmp_cred *c = &st->creds[i];
        if (c->kind == kind && c->version == (uint8_t)m->version && c->len == n &&
            memcmp(c->name, name->p + name->off, n) == 0)
            return i;
    }
    if (!make || st->ncreds == SNMP_CREDS_MAX)
        return -1;
    snmp_cred *c = &st->creds[st->ncreds];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->version = (uint8_t)m->version;
    c->len = (uint8_t)n;
    c->digest = -1;
    memcpy(c->name, name->p + name->off, n);
    return st->ncreds++;
}

static const char *version_text(int64_t v) { return v == V1 ? "1" : v == V2C ? "2c" : "3"; }

static uint64_t auth_hash(const tr_session *s, const snmp_cred *c, int success)
{
    uint64_t h = 1469598103934665603ull;
    const tr_ip *ip = &s->server.ip;
    h = (h ^ ip->v) * 1099511628211ull;
    for (size_t i = 0; i < (ip->v == 4 ? 4u : sizeof ip->a); i++)
        h = (h ^ ip->a[i]) * 1099511628211ull;
    h = (h ^ c->kind) * 1099511628211ull;
    h = (h ^ c->version) * 1099511628211ull;
    h = (h ^ (uint64_t)success) * 1099511628211ull;
    for (size_t i = 0; i < c->len; i++)
        h = (h ^ c->name[i]) * 1099511628211ull;
    return h;
}

/* The `auth` event of a credential once decided, unless this agent's answer to it was reported already. */
static void emit_auth(tr_session *s, int dir, snmp_cred *c, int success)
{
    if (c->decided)
        return;
    c->decided = 1;
    snmp_global *g = tr_dissector_global(s->ctx, &dis_snmp);
    if (g) {
        uint64_t h = auth_hash(s, c, success);
        for (uint32_t i = 0; i < g->nseen; i++)
            if (g->seen[i] == h)
                return;
        g->seen[g->seen_next] = h;
        g->seen_next = (g->seen_next + 1) % SNMP_AUTH_SEEN_MAX;
        if (g->nseen < SNMP_AUTH_SEEN_MAX)
            g->nseen++;
    }
    tr_event *e = &snmp_ev;
    tr_ev_init(e, s, "auth", dir);
    tr_ev_str(e, "version", version_text(c->version));
    tr_ev_strcopy(e, c->kind == CRED_USER ? "user" : "community", c->name, c->len);
    tr_ev_bool(e, "success", success);
    if (c->digest >= 0)
        tr_ev_bool(e, "digest_valid", c->digest);
    tr_emit(e);
}

/* A USM report's counter (usmStats.N.0), 0 when the report names none. */
static int report_counter(const snmp_msg *m)
{
    size_t narcs;
    ber_tlv v;
    if (!m->readable || m->pdu != PDU_REPORT || !varbind_at(m, 0, &narcs, &v))
        return 0;
    size_t pn = sizeof oid_usmstats / sizeof oid_usmstats[0];
    if (narcs == pn + 2 && oid_under(oid_arcs, narcs, oid_usmstats, pn) && oid_arcs[pn + 1] == 0 &&
        oid_arcs[pn] >= USM_UNSUPPORTED_SEC_LEVELS && oid_arcs[pn] <= USM_DECRYPTION_ERRORS)
        return (int)oid_arcs[pn];
    return 0;
}

static int is_discovery(const snmp_msg *m)
{
    if (m->version != V3)
        return 0;
    if (m->readable && m->pdu == PDU_REPORT)
        return report_counter(m) == USM_UNKNOWN_ENGINE_IDS;
    return (m->flags & FLAG_REPORTABLE) && !(m->flags & FLAG_AUTH) && m->usm && tr_left(&m->engine) == 0;
}

/* ---- events ---- */

typedef struct snmp_pairing {
    int retry, paired;
    snmp_pending req; /* the request an answer pairs with */
} snmp_pairing;

static void ev_oid(tr_event *e, const char *key, const char *name_key, const tr_buf *v)
{
    size_t narcs;
    if (!read_oid(v, &narcs))
        return;
    tr_ev_strcopy(e, key, oid_text, strlen(oid_text));
    size_t k = snmp_mib_name(oid_arcs, narcs, name_text, sizeof name_text);
    if (k && name_key)
        tr_ev_strcopy(e, name_key, name_text, k);
}

/* uptime, trap_oid and trap_name of a v1 trap (RFC 3584 3.1's translation) or a v2 trap or inform (its first two
 * variable bindings, sysUpTime.0 and snmpTrapOID.0, RFC 3416 4.2.6). */
static void ev_trap_identity(snmp_msg *m, tr_event *e)
{
    if (m->pdu == PDU_TRAP1) {
        ev_oid(e, "enterprise", NULL, &m->enterprise);
        if (tr_left(&m->agent_addr) == 4) {
            const uint8_t *a = m->agent_addr.p + m->agent_addr.off;
            tr_ev_printf(e, "agent_addr", "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        }
        if (m->generic >= 0 && (size_t)m->generic < GENERIC_TRAPS_N)
            tr_ev_str(e, "generic_trap", generic_traps[m->generic]);
        else
            tr_ev_int(e, "generic_trap", m->generic);
        tr_ev_int(e, "specific_trap", m->specific);
        tr_ev_int(e, "uptime", (int64_t)(m->timestamp & UINT32_MAX));
        size_t narcs;
        if (!read_oid(&m->enterprise, &narcs))
            return;
        if (m->generic >= 0 && m->generic < 6) {
            size_t pn = sizeof oid_snmptraps / sizeof oid_snmptraps[0];
            memcpy(oid_arcs, oid_snmptraps, sizeof oid_snmptraps);
            oid_arcs[pn] = (uint64_t)m->generic + 1;
            narcs = pn + 1;
        } else if (narcs + 2 <= BER_OID_ARCS_MAX) {
            oid_arcs[narcs++] = 0;
            oid_arcs[narcs++] = (uint64_t)m->specific;
        }
        char text[BER_OID_TEXT_MAX];
        size_t w = 0;
        for (size_t i = 0; i < narcs && w + 22 < sizeof text; i++)
            w += (size_t)snprintf(text + w, sizeof text - w, "%s%llu", i ? "." : "", (unsigned long long)oid_arcs[i]);
        tr_ev_strcopy(e, "trap_oid", text, w);
        const char *name = snmp_mib_node_name(oid_arcs, narcs);
        if (name)
            tr_ev_str(e, "trap_name", name);
        return;
    }
    size_t narcs;
    ber_tlv v;
    if (varbind_at(m, 0, &narcs, &v) &&
        oid_is(oid_arcs, narcs, oid_sysuptime0, sizeof oid_sysuptime0 / sizeof oid_sysuptime0[0])) {
        uint64_t up;
        if (v.cls == BER_APPLICATION && v.tag == 3 && ber_uint(&v.value, &up) == BER_OK && up <= UINT32_MAX)
            tr_ev_int(e, "uptime", (int64_t)up);
    }
    if (varbind_at(m, 1, &narcs, &v) &&
        oid_is(oid_arcs, narcs, oid_snmptrapoid0, sizeof oid_snmptrapoid0 / sizeof oid_snmptrapoid0[0]) &&
        v.cls == BER_UNIVERSAL && v.tag == BER_OID && read_oid(&v.value, &narcs)) {
        tr_ev_strcopy(e, "trap_oid", oid_text, strlen(oid_text));
        const char *name = snmp_mib_node_name(oid_arcs, narcs);
        if (name)
            tr_ev_str(e, "trap_name", name);
    }
}

static void ev_v3(snmp_msg *m, tr_event *e)
{
    tr_ev_int(e, "msg_id", m->msg_id);
    tr_ev_obj(e, "flags");
    tr_ev_bool(e, "auth", m->flags & FLAG_AUTH);
    tr_ev_bool(e, "priv", m->flags & FLAG_PRIV);
    tr_ev_bool(e, "reportable", m->flags & FLAG_REPORTABLE);
    tr_ev_end(e);
    if (m->security_model != USM) {
        tr_ev_int(e, "security_model", m->security_model);
        return;
    }
    if (!m->usm)
        return;
    if (tr_left(&m->engine))
        ev_hex(e, "engine_id", &m->engine);
    tr_ev_int(e, "engine_boots", m->boots);
    tr_ev_int(e, "engine_time", m->time);
    tr_ev_strn(e, "user", m->user.p + m->user.off, tr_left(&m->user));
    if (m->digest >= 0)
        tr_ev_bool(e, "digest_valid", m->digest);
    if (m->encrypted_pdu && !m->decrypted)
        tr_ev_bool(e, "encrypted", 1);
    if (m->decrypted)
        tr_ev_bool(e, "decrypted", 1);
    if (is_discovery(m))
        tr_ev_bool(e, "discovery", 1);
    if (m->readable && tr_left(&m->context_name))
        tr_ev_strn(e, "context_name", m->context_name.p + m->context_name.off, tr_left(&m->context_name));
    if (m->readable && tr_left(&m->context_engine) &&
        !bytes_eq(&m->context_engine, m->engine.p + m->engine.off, tr_left(&m->engine)))
        ev_hex(e, "context_engine_id", &m->context_engine);
}

static void ev_error_status(tr_event *e, int64_t status)
{
    if (status >= 0 && (size_t)status < ERRORS_N)
        tr_ev_str(e, "error_status", error_names[status]);
    else
        tr_ev_printf(e, "error_status", "ERROR%lld", (long long)status);
}

static void emit_message(snmp_msg *m, const char *type, const snmp_pairing *pr)
{
    tr_event *e = &snmp_ev;
    tr_ev_init(e, m->s, type, m->dir);
    tr_ev_str(e, "version", version_text(m->version));
    if (m->version == V3)
        ev_v3(m, e);
    else
        tr_ev_strn(e, "community", m->community.p + m->community.off, tr_left(&m->community));
    if (m->readable) {
        tr_ev_str(e, "pdu", pdu_names[m->pdu]);
        if (m->pdu != PDU_TRAP1)
            tr_ev_int(e, "request_id", m->request_id);
    }
    if (pr->retry)
        tr_ev_bool(e, "retry", 1);
    if (m->readable) {
        if (m->pdu == PDU_GETBULK) {
            tr_ev_int(e, "non_repeaters", m->error_status);
            tr_ev_int(e, "max_repetitions", m->error_index);
        } else if (m->pdu == PDU_RESPONSE || m->pdu == PDU_REPORT || m->error_status || m->error_index) {
            if (m->pdu != PDU_TRAP1) {
                ev_error_status(e, m->error_status);
                if (m->error_status || m->error_index)
                    tr_ev_int(e, "error_index", m->error_index);
            }
        }
        if (m->pdu == PDU_TRAP1 || m->pdu == PDU_TRAP2 || m->pdu == PDU_INFORM)
            ev_trap_identity(m, e);
        ev_varbinds(m, e);
    }
    if (pr->paired && pr->req.pdu != PDU_NONE)
        tr_ev_str(e, "request_pdu", pdu_names[pr->req.pdu]);
    tr_emit(e);
}

/* What an `unanswered` request and the summaries need of it: its first variable binding's OID and name. */
static void pending_fill(snmp_msg *m, snmp_pending *p, int cred)
{
    p->request_id = m->request_id;
    p->msg_id = m->msg_id;
    p->version = (uint8_t)m->version;
    p->pdu = m->readable ? (uint8_t)m->pdu : PDU_NONE;
    p->has_request_id = (uint8_t)m->readable;
    p->cred = cred < 0 ? 0xff : (uint8_t)cred;
    p->discovery = (uint8_t)is_discovery(m);
    size_t narcs;
    ber_tlv v;
    if (m->readable && varbind_at(m, 0, &narcs, &v)) {
        size_t n = strlen(oid_text);
        if (n < sizeof p->oid) {
            memcpy(p->oid, oid_text, n);
            p->oid_len = (uint8_t)n;
        }
        n = snmp_mib_name(oid_arcs, narcs, name_text, sizeof name_text);
        if (n && n < sizeof p->name) {
            memcpy(p->name, name_text, n);
            p->name_len = (uint8_t)n;
        }
    }
}

static int recent_has(const snmp_state *st, const uint8_t key[SNMP_ID_KEY])
{
    for (int i = 0; i < st->nrecent; i++)
        if (memcmp(st->recent[i], key, SNMP_ID_KEY) == 0)
            return 1;
    return 0;
}

static void recent_add(snmp_state *st, const uint8_t key[SNMP_ID_KEY])
{
    memcpy(st->recent[st->recent_next], key, SNMP_ID_KEY);
    st->recent_next = (uint8_t)((st->recent_next + 1) % SNMP_RECENT_MAX);
    if (st->nrecent < SNMP_RECENT_MAX)
        st->nrecent++;
}

/* v3 retries share a request-id under different msgIDs. */
static int same_request_id(const void *item, const void *ctx)
{
    const snmp_pending *p = item;
    return p->has_request_id && p->request_id == *(const int64_t *)ctx;
}

static void on_request(snmp_msg *m, snmp_pairing *pr)
{
    snmp_state *st = m->s->state;
    uint8_t key[SNMP_ID_KEY];
    id_key(m, m->version == V3 ? m->msg_id : m->request_id, key);
    int cred = cred_of(m, 1);
    if (cred >= 0 && st->creds[cred].requests < UINT8_MAX)
        st->creds[cred].requests++;
    if (cred >= 0 && m->digest >= 0 && st->creds[cred].digest != 1)
        st->creds[cred].digest = (int8_t)m->digest;
    if (pair_find(&st->out, key, sizeof key, NULL, NULL) || recent_has(st, key)) {
        pr->retry = 1; /* the same request again: its first copy waits (or was answered) already */
        return;
    }
    if (m->version == V3 && m->readable && pair_find(&st->out, NULL, 0, same_request_id, &m->request_id))
        pr->retry = 1; /* a v3 retry: a new msgID, the same request-id; it waits under its msgID too */
    if (!pair_has_storage(&st->out) && !table_take(m->s, st))
        return;
    int drop;
    snmp_pending *p = pair_push(&st->out, key, sizeof key, &drop);
    if (drop != PAIR_NO_DROP)
        warn_once(m, WARN_OUTSTANDING, "snmp_outstanding_full",
                  "more than %d requests waiting for answers; the oldest forgotten", SNMP_OUTSTANDING_MAX);
    if (p)
        pending_fill(m, p, cred);
}

/* An answer (response or report): the request it answers, retries of that request answered with it. */
static void on_answer(snmp_msg *m, snmp_pairing *pr)
{
    snmp_state *st = m->s->state;
    uint8_t key[SNMP_ID_KEY];
    id_key(m, m->version == V3 ? m->msg_id : m->request_id, key);
    if (pair_take(&st->out, key, sizeof key, NULL, NULL, &pr->req)) {
        pr->paired = 1;
    } else if (m->version == V3 && m->readable &&
               pair_take(&st->out, NULL, 0, same_request_id, &m->request_id, &pr->req)) {
        pr->paired = 1;
    } else if (recent_has(st, key)) {
        pr->retry = 1; /* a second answer to a request answered already */
    }
    if (pr->paired) {
        recent_add(st, key);
        /* a v3 request's retries under other msgIDs are answered by this too */
        snmp_pending other;
        while (pr->req.has_request_id &&
               pair_take(&st->out, NULL, 0, same_request_id, &pr->req.request_id, &other)) {
            uint8_t k[SNMP_ID_KEY];
            id_key(m, other.msg_id, k);
            recent_add(st, k);
        }
    }
    if (!pair_len(&st->out))
        table_give(m->s, st);
}

/* Whether the answer accepts (1), refuses (0) or says nothing yet (-1) about the request's credential. */
static int answer_verdict(const snmp_msg *m)
{
    if (m->version != V3)
        return m->readable && m->error_status == ERR_AUTHORIZATION ? 0 : 1;
    if (m->readable && m->pdu == PDU_REPORT) {
        int c = report_counter(m);
        if (c == USM_UNKNOWN_ENGINE_IDS || c == USM_NOT_IN_TIME_WINDOWS)
            return -1; /* discovery and clock synchronisation (RFC 3414 4), not a verdict */
        return c ? 0 : -1;
    }
    return 1;
}

static void decide_auth(snmp_msg *m, const snmp_pairing *pr)
{
    snmp_state *st = m->s->state;
    int cred = pr->paired && pr->req.cred != 0xff ? pr->req.cred : cred_of(m, 0);
    if (cred < 0 || cred >= st->ncreds)
        return;
    int verdict = answer_verdict(m);
    if (verdict < 0)
        return;
    snmp_cred *c = &st->creds[cred];
    if (verdict)
        c->answered = 1;
    emit_auth(m->s, m->dir, c, verdict);
}

/* ---- one message ---- */

static void decode_message(tr_session *s, int dir, const uint8_t *p, size_t n)
{
    snmp_msg m;
    memset(&m, 0, sizeof m);
    m.s = s;
    m.dir = dir;
    m.pdu = PDU_NONE;
    m.digest = -1;
    tr_buf b = tr_buf_make(p, n);
    if (!read_message(&m, &b)) {
        tr_anomaly(s->ctx, s, dir, m.problem ? m.problem : "snmp_malformed", "%s",
                   m.problem ? m.detail : "not an SNMP message");
        return;
    }
    snmp_pairing pr;
    memset(&pr, 0, sizeof pr);
    const char *type;
    int answer = 0;
    if (m.readable) {
        answer = m.pdu == PDU_RESPONSE || m.pdu == PDU_REPORT;
        type = answer ? "response" : is_confirmed(m.pdu) ? "request" : "trap";
        if (is_confirmed(m.pdu))
            on_request(&m, &pr);
    } else if (m.version == V3 && m.encrypted_pdu) {
        /* RFC 3412 6.4: confirmed-class PDUs are sent reportable, answers and notifications are not */
        if (m.flags & FLAG_REPORTABLE) {
            type = "request";
            on_request(&m, &pr);
        } else {
            answer = dir == TR_S2C;
            type = answer ? "response" : "trap";
        }
    } else {
        /* the header only: without its PDU a message is neither a request nor an answer; the problem says why */
        tr_anomaly(s->ctx, s, dir, m.problem ? m.problem : "snmp_malformed", "version %s: %s", version_text(m.version),
                   m.problem ? m.detail : "no PDU");
        return;
    }
    if (answer)
        on_answer(&m, &pr);
    emit_message(&m, type, &pr);
    if (answer)
        decide_auth(&m, &pr);
    if (m.problem)
        tr_anomaly(s->ctx, s, dir, m.problem, "%s", m.detail);
}

/* ---- transport ---- */

static void snmp_on_datagram(tr_session *s, int dir, const uint8_t *p, size_t n) { decode_message(s, dir, p, n); }

/* The length of the message starting at p (its SEQUENCE's header and contents): 0 when more bytes are needed to
 * tell, SIZE_MAX when the bytes are not the start of one. */
static size_t message_length(const uint8_t *p, size_t n)
{
    if (n < 2)
        return 0;
    if (p[0] != 0x30 || p[1] == 0x80 || p[1] > 0x84)
        return SIZE_MAX;
    if (p[1] < 0x80)
        return 2 + (size_t)p[1];
    size_t k = p[1] & 0x7f;
    if (n < 2 + k)
        return 0;
    size_t len = 0;
    for (size_t i = 0; i < k; i++)
        len = len << 8 | p[2 + i];
    return 2 + k + len;
}

/* After a gap: a SEQUENCE whose first element is version 0, 1 or 3. 1 yes, 0 no, -1 more bytes needed. */
static int plausible_start(const uint8_t *p, size_t n)
{
    size_t len = message_length(p, n);
    if (len == SIZE_MAX)
        return 0;
    if (len == 0)
        return -1;
    size_t h = 2 + (p[1] & 0x80 ? (size_t)(p[1] & 0x7f) : 0);
    if (n < h + 3)
        return -1;
    return p[h] == 0x02 && p[h + 1] == 0x01 && (p[h + 2] == 0 || p[h + 2] == 1 || p[h + 2] == 3);
}

static size_t snmp_on_data(tr_session *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
    snmp_state *st = s->state;
    if (st->skip[dir]) {
        size_t k = n < st->skip[dir] ? n : st->skip[dir];
        st->skip[dir] -= k;
        return k;
    }
    if (st->resync[dir]) {
        int ok = plausible_start(p, n);
        if (ok < 0) {
            *need = n + 1;
            return 0;
        }
        if (!ok) {
            if (++st->resync_skipped[dir] > SNMP_TCP_RESYNC_MAX) {
                tr_decode_end(s, dir, "snmp_tcp_resync_failed");
                return n;
            }
            return 1;
        }
        if (st->resync_skipped[dir])
            tr_anomaly(s->ctx, s, dir, "snmp_tcp_resync", "skipped %zu bytes after a gap to find a message start",
                       st->resync_skipped[dir]);
        st->resync[dir] = 0;
        st->resync_skipped[dir] = 0;
    }
    size_t len = message_length(p, n);
    if (len == 0) {
        *need = n + 1;
        return 0;
    }
    if (len == SIZE_MAX) {
        tr_anomaly(s->ctx, s, dir, "snmp_malformed", "TCP stream: 0x%02x where a message should start", p[0]);
        st->resync[dir] = 1;
        return 1;
    }
    if (len > SNMP_TCP_MSG_MAX) {
        tr_anomaly(s->ctx, s, dir, "snmp_message_too_long", "a %zu-byte message over TCP (at most %d read); skipped",
                   len, SNMP_TCP_MSG_MAX);
        st->skip[dir] = len;
        size_t k = n < len ? n : len;
        st->skip[dir] -= k;
        return k;
    }
    if (n < len) {
        *need = len;
        return 0;
    }
    decode_message(s, dir, p, len);
    return len;
}

static void snmp_on_gap(tr_session *s, int dir, uint64_t n)
{
    snmp_state *st = s->state;
    if (st->skip[dir]) {
        st->skip[dir] = n >= st->skip[dir] ? 0 : st->skip[dir] - (size_t)n;
        if (st->skip[dir])
            return;
    }
    st->resync[dir] = 1;
    st->resync_skipped[dir] = 0;
}

static void report_unanswered(void *arg, const void *item, const uint8_t *key, size_t key_len)
{
    (void)key;
    (void)key_len;
    tr_session *s = arg;
    snmp_state *st = s->state;
    const snmp_pending *p = item;
    tr_event *e = &snmp_ev;
    tr_ev_init(e, s, "unanswered", TR_NODIR);
    tr_ev_str(e, "version", version_text(p->version));
    if (p->cred < st->ncreds) {
        const snmp_cred *c = &st->creds[p->cred];
        tr_ev_strcopy(e, c->kind == CRED_USER ? "user" : "community", c->name, c->len);
    }
    if (p->version == V3)
        tr_ev_int(e, "msg_id", p->msg_id);
    if (p->pdu != PDU_NONE)
        tr_ev_str(e, "pdu", pdu_names[p->pdu]);
    if (p->has_request_id)
        tr_ev_int(e, "request_id", p->request_id);
    if (p->oid_len)
        tr_ev_strcopy(e, "oid", p->oid, p->oid_len);
    if (p->name_len)
        tr_ev_strcopy(e, "name", p->name, p->name_len);
    tr_emit(e);
}

static void snmp_on_open(tr_session *s)
{
    snmp_state *st = s->state;
    (void)pair_init(&st->out, SNMP_OUTSTANDING_MAX, sizeof(snmp_pending), SNMP_ID_KEY, NULL); /* sizes fixed */
}

static void snmp_on_close(tr_session *s, int reason)
{
    (void)reason;
    snmp_state *st = s->state;
    if (!st)
        return;
    pair_drain(&st->out, report_unanswered, s); /* oldest first */
    table_give(s, st);
    /* a community or user whose requests the agent never answered was not accepted (v1 agents drop those) */
    for (int i = 0; i < st->ncreds; i++)
        if (!st->creds[i].decided && st->creds[i].requests && !st->creds[i].answered)
            emit_auth(s, TR_NODIR, &st->creds[i], 0);
}

/* ---- finding it ---- */

/* An SNMP message on any port: a SEQUENCE holding version 0 or 1 and a community then a PDU's tag, or version 3
 * and msgGlobalData's SEQUENCE. Read whole: a datagram that reads as one is one. */
static int snmp_probe_one(const uint8_t *p, size_t n, int dir)
{
    (void)dir;
    tr_buf b = tr_buf_make(p, n), body, c;
    int64_t v;
    if (ber_expect(&b, BER_UNIVERSAL, 1, BER_SEQUENCE, &body) != BER_OK ||
        ber_expect(&body, BER_UNIVERSAL, 0, BER_INTEGER, &c) != BER_OK || ber_int(&c, &v) != BER_OK)
        return TR_PROBE_NO;
    if (v == V1 || v == V2C) {
        ber_tlv pdu;
        if (ber_expect(&body, BER_UNIVERSAL, 0, BER_OCTET_STRING, &c) != BER_OK || ber_read(&body, &pdu) != BER_OK ||
            pdu.cls != BER_CONTEXT || !pdu.constructed || pdu.tag >= PDUS_N || tr_left(&body))
            return TR_PROBE_NO;
        return TR_PROBE_YES;
    }
    if (v == V3 && ber_expect(&body, BER_UNIVERSAL, 1, BER_SEQUENCE, &c) == BER_OK &&
        ber_expect(&body, BER_UNIVERSAL, 0, BER_OCTET_STRING, &c) == BER_OK)
        return TR_PROBE_YES;
    return TR_PROBE_NO;
}

static int snmp_probe(const tr_probe_input *in) { return tr_probe_by_direction(in, snmp_probe_one); }

/* ---- the vtable ---- */

static int snmp_user_option(const char *arg, char *err, size_t errlen) { return snmp_user_add(arg, err, errlen); }

static const tr_option snmp_options[] = {
    {"snmp-user", "NAME:AUTHPROTO:AUTHPASS[:PRIVPROTO:PRIVPASS]",
     "an SNMPv3 user: digests checked, PDUs decrypted (AUTHPROTO MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512, PRIVPROTO "
     "AES DES); repeatable",
     snmp_user_option},
    {NULL, NULL, NULL, NULL},
};

/* 161 agents, 162 notification receivers (RFC 3417 3; RFC 3430 for TCP). */
static const uint16_t snmp_ports[] = {161, 162, 0};

static const tr_stat_field snmp_stats[] = {
    {NULL, "pdu", "PDU types"},
    {"response", "error_status", "error statuses"},
    {NULL, "version", "versions"},
    {NULL, NULL, NULL},
};

extern const tr_presenter snmp_present;
extern const tr_viewer snmp_view;

const tr_dissector dis_snmp = {
    .name = "snmp",
    .l4 = 0,
    .ports = snmp_ports,
    .probe = snmp_probe,
    .state_size = sizeof(snmp_state),
    .on_open = snmp_on_open,
    .on_data = snmp_on_data,
    .on_gap = snmp_on_gap,
    .on_datagram = snmp_on_datagram,
    .on_close = snmp_on_close,
    .global_size = sizeof(snmp_global),
    .present = &snmp_present,
    .options = snmp_options,
    .stat_fields = snmp_stats,
    .view = &snmp_view,
};
