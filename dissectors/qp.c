#include "qp.h"
#include "../core/tr_buf.h"

#include <string.h>

/* ST_EQ: after "=" (and npad blanks); ST_HEX: after "=" and one hex digit; ST_EQ_CR: after "=", blanks, CR. */
enum state { ST_TEXT = 0, ST_EQ, ST_HEX, ST_EQ_CR };

void qp_begin(qp *q) { memset(q, 0, sizeof *q); }

/* The held "=" and blanks, as text. */
static size_t put_held(qp *q, uint8_t *out)
{
    size_t w = 0;
    out[w++] = '=';
    memcpy(out + w, q->pad, q->npad);
    w += q->npad;
    q->npad = 0;
    q->state = ST_TEXT;
    return w;
}

size_t qp_decode(qp *q, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        switch (q->state) {
        case ST_TEXT:
            if (c == '=') {
                q->state = ST_EQ;
            } else {
                /* runs of plain text are the common case: copy up to the next "=" at once */
                size_t k = i;
                while (k < n && in[k] != '=')
                    k++;
                memcpy(out + w, in + i, k - i);
                w += k - i;
                i = k - 1;
            }
            break;
        case ST_EQ:
            if (c == '\n') { /* soft line break (a bare LF, as Unix mailers write it) */
                q->npad = 0;
                q->state = ST_TEXT;
            } else if (c == '\r') {
                q->state = ST_EQ_CR;
            } else if ((c == ' ' || c == '\t') && q->npad < QP_PAD_MAX) {
                q->pad[q->npad++] = c; /* transport padding before a soft break, or text if none follows */
            } else if (!q->npad && tr_hex_digit((uint8_t)c) >= 0) {
                q->hi = c;
                q->state = ST_HEX;
            } else {
                q->bad++;
                w += put_held(q, out + w);
                i--; /* the byte is read again as text */
            }
            break;
        case ST_HEX:
            if (tr_hex_digit((uint8_t)c) >= 0) {
                out[w++] = (uint8_t)(tr_hex_digit((uint8_t)q->hi) * 16 + tr_hex_digit((uint8_t)c));
                q->state = ST_TEXT;
            } else {
                q->bad++;
                out[w++] = '=';
                out[w++] = q->hi;
                q->state = ST_TEXT;
                i--;
            }
            break;
        case ST_EQ_CR:
            if (c == '\n') { /* "=" [blanks] CRLF: soft line break */
                q->npad = 0;
                q->state = ST_TEXT;
            } else {
                q->bad++;
                w += put_held(q, out + w);
                out[w++] = '\r';
                i--;
            }
            break;
        }
    }
    return w;
}

size_t qp_finish(qp *q, uint8_t *out)
{
    size_t w = 0;
    if (q->state == ST_HEX) {
        q->bad++;
        out[w++] = '=';
        out[w++] = q->hi;
    } else if (q->state == ST_EQ_CR) {
        q->bad++;
        w += put_held(q, out);
        out[w++] = '\r';
    }
    q->npad = 0;
    q->state = ST_TEXT;
    return w;
}
