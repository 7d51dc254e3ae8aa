/* dns_name: reads a DNS domain name (RFC 1035 4.1.4 compression) out of a message into its
 * presentation form, escaped like dig, without the trailing dot; also the uncompressed wire form. */
#ifndef DNS_NAME_H
#define DNS_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_buf.h"

#define DNS_NAME_WIRE_MAX 255  /* RFC 1035 2.3.4: a name is at most 255 octets on the wire */
#define DNS_NAME_LABELS_MAX 128 /* 255 octets hold at most 127 one-byte labels plus the root */
#define DNS_NAME_TEXT_MAX 1024 /* 255 octets escaped as \DDD at worst, plus the NUL */

enum dns_name_status {
    DNS_NAME_OK = 0,
    DNS_NAME_TRUNC,   /* the message ended inside the name */
    DNS_NAME_LOOP,    /* a compression pointer that does not point strictly backwards */
    DNS_NAME_TOO_LONG, /* more than 255 octets or too many labels */
    DNS_NAME_BAD_LABEL /* label type 0x40 or 0x80 (RFC 6891 deprecated extended labels) */
};

typedef struct dns_name {
    char text[DNS_NAME_TEXT_MAX]; /* "www.example.org", "." for the root; NUL-terminated */
    size_t text_len;
    uint8_t wire[DNS_NAME_WIRE_MAX]; /* uncompressed wire form, ending with the root label */
    size_t wire_len;
} dns_name;

/* Reads the name at cur->off. cur and msg view the same message (cur->p == msg->p, msg starts at
 * the DNS header so pointers resolve); cur may end earlier than msg (the end of an RDATA), which
 * bounds the in-place labels, while pointed-to labels are bounded by msg. cur moves past the name
 * (past its first pointer). On failure cur->err is set (TR_ETRUNC or TR_EMALFORMED), except for a
 * name too long whose end could still be found: then cur moves past it and out holds its start. */
int dns_name_read(const tr_buf *msg, tr_buf *cur, dns_name *out);

/* Moves cur past the name at cur->off as dns_name_read does (same checks, same status and cur), without
 * copying or formatting it: for a pass that only looks for where records are. */
int dns_name_skip(const tr_buf *msg, tr_buf *cur);

/* Presentation form of a name given in uncompressed wire form (as dns_name.wire). */
int dns_name_from_wire(const uint8_t *wire, size_t n, dns_name *out);

/* Equal names, ASCII case folded (RFC 4343), compared in wire form. */
int dns_name_wire_equal(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* Appends byte c of a label or character-string to out as dig writes it: \DDD outside
 * 0x21..0x7e, a backslash before the characters in `special`. Returns the new length; stops at cap-1. */
size_t dns_text_escape(char *out, size_t len, size_t cap, uint8_t c, const char *special);

/* Name of the reader's status, for anomaly details. */
const char *dns_name_status_str(int status);

#endif
