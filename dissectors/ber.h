/* ber: a reader of BER (ITU-T X.690) on the bounds-checked cursor — the subset SNMP and others use: definite
 * lengths (short and long form), one-byte and high-number tags, INTEGER, OCTET STRING, NULL, OBJECT IDENTIFIER. */
#ifndef BER_H
#define BER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_buf.h"

enum ber_class { BER_UNIVERSAL = 0, BER_APPLICATION = 1, BER_CONTEXT = 2, BER_PRIVATE = 3 };

/* Universal tags used here. */
enum ber_tag { BER_INTEGER = 2, BER_OCTET_STRING = 4, BER_NULL = 5, BER_OID = 6, BER_SEQUENCE = 16 };

enum ber_status {
    BER_OK = 0,
    BER_TRUNCATED = 1,  /* the bytes end before the element does (a datagram cut by the snap length) */
    BER_MALFORMED = 2,  /* the element contradicts itself: indefinite length, a length of 9+ bytes, a bad OID, ... */
    BER_UNEXPECTED = 3, /* a well-formed element, but not the one asked for (ber_expect) */
};

#define BER_OID_ARCS_MAX 128 /* sub-identifiers of an OID read; longer ones are malformed here */
#define BER_OID_TEXT_MAX (BER_OID_ARCS_MAX * 21)

/* One element: its identifier and its contents as a cursor of their own (bounded by the length). */
typedef struct ber_tlv {
    uint8_t cls;         /* enum ber_class */
    uint8_t constructed;
    uint32_t tag;
    tr_buf value;
} ber_tlv;

/* Reads the element at the cursor and moves past it. Returns an enum ber_status; on anything but BER_OK the
 * cursor's error is set too. */
int ber_read(tr_buf *b, ber_tlv *out);
/* Reads the element at the cursor when it has this class, form and tag (BER_UNEXPECTED, cursor unmoved, when
 * not); its contents in *value. */
int ber_expect(tr_buf *b, uint8_t cls, int constructed, uint32_t tag, tr_buf *value);

/* An INTEGER's contents (two's complement, 1 to 8 bytes) as a signed number. */
int ber_int(const tr_buf *value, int64_t *v);
/* An unsigned number in INTEGER encoding (Counter32/64, Gauge, TimeTicks): up to 8 value bytes after an optional
 * leading zero; a negative encoding is read as its two's complement bits (net-snmp's agents send those). */
int ber_uint(const tr_buf *value, uint64_t *v);
/* An OBJECT IDENTIFIER's contents as dotted text ("1.3.6.1.2.1.1.1.0", NUL-terminated) and, when arcs is not
 * NULL, its arcs (up to BER_OID_ARCS_MAX). */
int ber_oid(const tr_buf *value, char *text, size_t cap, uint64_t *arcs, size_t *narcs);

/* "truncated", "malformed", ... for anomalies. */
const char *ber_status_str(int status);

#endif
