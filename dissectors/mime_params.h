/* mime_params: the value and parameters of a structured MIME field (Content-Type, Content-Disposition; RFC 2045
 * 5.1, RFC 2183), quoted strings unquoted, RFC 2231 continuations (name*0=, name*1*=) and charsets
 * (filename*=utf-8''%E2%82%AC.pdf) joined and decoded to UTF-8, and RFC 2047 words in quoted names decoded as mail
 * clients do. */
#ifndef MIME_PARAMS_H
#define MIME_PARAMS_H

#include <stddef.h>

/* The value before the first ';' ("multipart/mixed", "attachment"), lower case, trimmed; returns its length. */
size_t mime_value(const char *v, size_t n, char *out, size_t cap);
/* Parameter `name` (case-insensitive) of the field value v: 1 found (out NUL-terminated UTF-8, *undecoded set when
 * a charset could not be converted), 0 absent. */
int mime_param(const char *v, size_t n, const char *name, char *out, size_t cap, int *undecoded);

#endif
