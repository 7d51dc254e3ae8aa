/* mime_words: RFC 2047 encoded words (=?charset?B|Q?text?=) in header values — Subject, display names, and the
 * file names mail clients put in quotes — decoded to UTF-8. */
#ifndef MIME_WORDS_H
#define MIME_WORDS_H

#include <stddef.h>

/* Writes s[0..n) to out (cap bytes, NUL-terminated) with every encoded word decoded; whitespace between two
 * encoded words is dropped (RFC 2047 6.2) and adjacent words of one charset are joined before conversion, so a
 * character split between them comes out whole. A word whose charset iconv does not know, or whose bytes are
 * not valid in it, is left as it was and *undecoded set. Returns the length written. */
size_t mime_words_decode(const char *s, size_t n, char *out, size_t cap, int *undecoded);

#endif
