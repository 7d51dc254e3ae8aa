/* qp: quoted-printable decoding (RFC 2045 6.7) as the bytes stream in: "=XX" escapes (lowercase hex too) and
 * soft line breaks ("=" CRLF, transport padding before the CRLF allowed, a bare LF accepted) may be split
 * anywhere across calls; a CRLF of the text stays a line break.
 *
 * A bad escape ("=" not followed by two hex digits or a line end) is passed through as it stands, as
 * Thunderbird shows it: "=ZZ" decodes to "=ZZ". Trailing blanks of a line are kept (Suricata keeps them too),
 * so nothing but an escape's few bytes is ever held between calls. */
#ifndef QP_H
#define QP_H

#include <stddef.h>
#include <stdint.h>

#define QP_PAD_MAX 16 /* blanks held after an "=" while a soft break may follow; more are text */
/* Bytes one call may write per input byte, at most: a held escape that turns out bad comes out at once. */
#define QP_OUT_MAX(n) ((n) + QP_PAD_MAX + 3)

typedef struct qp {
    uint8_t state;            /* where the next byte belongs (qp.c) */
    uint8_t npad;             /* blanks held after "=" */
    uint8_t hi;               /* the first hex digit's byte of an escape */
    uint8_t pad[QP_PAD_MAX];
    uint32_t bad;             /* bad escapes passed through, for the caller to report if it wishes */
} qp;

void qp_begin(qp *q);
/* Decodes in[0..n) into out, which has room for QP_OUT_MAX(n) bytes; returns the bytes written. */
size_t qp_decode(qp *q, const uint8_t *in, size_t n, uint8_t *out);
/* The input ended: what an unfinished escape held comes out ("=4" as it stands; an "=" with only blanks after it
 * is a soft break whose line end was the container's, as before a MIME boundary, and gives nothing). Returns
 * bytes written to out (room for QP_PAD_MAX + 3). */
size_t qp_finish(qp *q, uint8_t *out);

#endif
