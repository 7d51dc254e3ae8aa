#include "dns_name.h"

#include <string.h>

/* Characters dig (BIND dns_name_totext) puts a backslash before inside a label. */
static const char name_special[] = "\".;\\()@$";

size_t dns_text_escape(char *out, size_t len, size_t cap, uint8_t c, const char *special)
{
    char esc[5];
    size_t n;
    if (c < 0x21 || c > 0x7e) {
        esc[0] = '\\';
        esc[1] = (char)('0' + c / 100);
        esc[2] = (char)('0' + (c / 10) % 10);
        esc[3] = (char)('0' + c % 10);
        n = 4;
    } else if (c && strchr(special, c)) {
        esc[0] = '\\';
        esc[1] = (char)c;
        n = 2;
    } else {
        esc[0] = (char)c;
        n = 1;
    }
    if (len + n >= cap)
        return len;
    memcpy(out + len, esc, n);
    return len + n;
}

/* Letters, digits, '-' and '_': most bytes of a name, and never escaped (neither unprintable nor in
 * name_special), so they are copied without asking dns_text_escape. */
static int name_char_plain(uint8_t c)
{
    uint8_t lower = c | 0x20;
    return (lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Spaces in TXT strings are printed as is by dig; in names they are \032. */
static void text_from_wire(dns_name *out)
{
    size_t len = 0, i = 0;
    if (out->wire_len <= 1) {
        out->text[0] = '.';
        out->text[1] = '\0';
        out->text_len = 1;
        return;
    }
    while (i < out->wire_len && out->wire[i]) {
        size_t l = out->wire[i++];
        if (len && len + 1 < sizeof out->text)
            out->text[len++] = '.';
        for (size_t k = 0; k < l && i < out->wire_len; k++, i++) {
            uint8_t c = out->wire[i];
            if (name_char_plain(c) && len + 1 < sizeof out->text) /* most are: no escape to look up */
                out->text[len++] = (char)c;
            else
                len = dns_text_escape(out->text, len, sizeof out->text, c, name_special);
        }
    }
    out->text[len] = '\0';
    out->text_len = len;
}

/* Walks the name at cur->off (dns_name_read's rules), copying its labels into out->wire when out is set. */
static int name_walk(const tr_buf *msg, tr_buf *cur, dns_name *out)
{
    if (cur->err)
        return DNS_NAME_TRUNC;
    /* A pointer must land before the start of the labels that led to it, so the positions read
     * strictly decrease and no pointer chain can loop. */
    size_t pos = cur->off, limit = cur->off, end = cur->len, wire_len = 0;
    int jumped = 0, status = DNS_NAME_OK;
    for (int labels = 0;; labels++) {
        if (labels >= DNS_NAME_LABELS_MAX) {
            status = DNS_NAME_TOO_LONG;
            break;
        }
        if (pos >= end) {
            status = DNS_NAME_TRUNC;
            break;
        }
        uint8_t l = msg->p[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= end) {
                status = DNS_NAME_TRUNC;
                break;
            }
            size_t target = ((size_t)(l & 0x3f) << 8) | msg->p[pos + 1];
            if (!jumped)
                cur->off = pos + 2;
            if (target >= limit) {
                status = DNS_NAME_LOOP;
                break;
            }
            jumped = 1;
            pos = limit = target;
            end = msg->len;
            continue;
        }
        if (l & 0xc0) {
            status = DNS_NAME_BAD_LABEL;
            break;
        }
        if (wire_len + 1 + l > DNS_NAME_WIRE_MAX) {
            status = DNS_NAME_TOO_LONG;
            break;
        }
        if (end - pos < 1 + (size_t)l) {
            status = DNS_NAME_TRUNC;
            break;
        }
        if (out)
            memcpy(out->wire + wire_len, msg->p + pos, 1 + (size_t)l);
        wire_len += 1 + (size_t)l;
        pos += 1 + (size_t)l;
        if (l == 0) {
            if (!jumped)
                cur->off = pos;
            break;
        }
    }
    if (out)
        out->wire_len = wire_len;
    if (status == DNS_NAME_TOO_LONG && !jumped) {
        /* The end of the name in place is still well defined (its root label or first pointer), so
         * the caller can skip it and go on; the text keeps the first 255 octets. */
        while (pos < end && msg->p[pos] && (msg->p[pos] & 0xc0) == 0)
            pos += 1 + (size_t)msg->p[pos];
        if (pos < end && msg->p[pos] == 0) {
            cur->off = pos + 1;
            return status;
        }
        if (pos + 1 < end && (msg->p[pos] & 0xc0) == 0xc0) {
            cur->off = pos + 2;
            return status;
        }
    }
    if (status != DNS_NAME_OK)
        cur->err = status == DNS_NAME_TRUNC ? TR_ETRUNC : TR_EMALFORMED;
    return status;
}

int dns_name_read(const tr_buf *msg, tr_buf *cur, dns_name *out)
{
    out->wire_len = 0;
    out->text_len = 0;
    out->text[0] = '\0';
    int status = name_walk(msg, cur, out);
    if (status == DNS_NAME_OK || (status == DNS_NAME_TOO_LONG && !cur->err)) /* a long name cut short is shown */
        text_from_wire(out);
    return status;
}

int dns_name_skip(const tr_buf *msg, tr_buf *cur) { return name_walk(msg, cur, NULL); }

int dns_name_from_wire(const uint8_t *wire, size_t n, dns_name *out)
{
    tr_buf b = tr_buf_make(wire, n);
    return dns_name_read(&b, &b, out);
}

static uint8_t fold(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

int dns_name_wire_equal(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (fold(a[i]) != fold(b[i]))
            return 0;
    return 1;
}

const char *dns_name_status_str(int status)
{
    switch (status) {
    case DNS_NAME_OK: return "ok";
    case DNS_NAME_TRUNC: return "name runs past the end";
    case DNS_NAME_LOOP: return "compression pointer does not point backwards";
    case DNS_NAME_TOO_LONG: return "name longer than 255 octets";
    case DNS_NAME_BAD_LABEL: return "reserved label type";
    }
    return "?";
}
