/* base64: decoding of RFC 4648 base64 as credentials and MIME parts carry it (HTTP Basic, SASL PLAIN/LOGIN).
 * Whitespace is skipped; padding is optional; any other byte outside the alphabet makes the input invalid. */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes p[0..n) into out (at most cap bytes). Returns the decoded length, or -1 when the input is
 * not base64 or the result does not fit. */
long base64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap);

#endif
