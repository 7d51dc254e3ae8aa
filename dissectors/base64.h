/* base64: decoding of RFC 4648 base64, whole (credentials: HTTP Basic, SASL PLAIN/LOGIN) or as the bytes of a
 * MIME part stream in (RFC 2045 6.8), a quantum split anywhere across calls. */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes p[0..n) into out (at most cap bytes). Whitespace is skipped; padding is optional; any other byte outside
 * the alphabet makes the input invalid. Returns the decoded length, or -1 when the input is not base64 or the
 * result does not fit. */
long base64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap);

/* Streaming, as MIME reads it: line breaks may fall anywhere, and every byte outside the alphabet (whitespace,
 * and whatever else a broken encoder wrote) is skipped (RFC 2045 6.8), counted in `skipped`. "=" ends a quantum
 * (the two or three characters before it give one or two bytes); a character after it begins a new one, as
 * decoders of concatenated base64 do. */
typedef struct base64_stream {
    uint32_t acc;     /* the characters of the running quantum, 6 bits each */
    uint8_t have;     /* how many (0-3) */
    uint32_t skipped; /* bytes outside the alphabet that were not whitespace */
} base64_stream;

/* Bytes one call may write for n input bytes, at most. */
#define BASE64_OUT_MAX(n) ((n) / 4 * 3 + 3)

void base64_stream_begin(base64_stream *b);
/* Decodes in[0..n) into out (room for BASE64_OUT_MAX(n) bytes); returns the bytes written. */
size_t base64_stream_decode(base64_stream *b, const uint8_t *in, size_t n, uint8_t *out);
/* The input ended: an unpadded last quantum of two or three characters gives its bytes (at most 2 to out); a
 * lone character is dropped. Returns the bytes written. */
size_t base64_stream_finish(base64_stream *b, uint8_t *out);

#endif
