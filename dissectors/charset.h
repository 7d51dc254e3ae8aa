/* charset: text in a named character set (a MIME charset= or an RFC 2047 word's) converted to UTF-8 with iconv,
 * the conversion descriptors kept in a small cache (opening one loads a module: not per word). */
#ifndef CHARSET_H
#define CHARSET_H

#include <stddef.h>

/* Appends p[0..n) in `charset` to out as UTF-8 (cap bytes in all, NUL-terminated; *len is updated). Returns 0, or -1
 * when the charset is unknown or the bytes are not valid in it (nothing appended then). UTF-8 and US-ASCII are
 * checked, not converted. */
int charset_to_utf8(const char *charset, size_t charset_len, const char *p, size_t n, char *out, size_t cap,
                    size_t *len);

#endif
