/* safe_name: turns a name a protocol gave (URI path, FTP argument, attachment name) into a file
 * name that stays inside the export folder: one path component, no control bytes, capped length. */
#ifndef SAFE_NAME_H
#define SAFE_NAME_H

#include <stddef.h>

#define TR_SAFE_NAME_MAX 128 /* bytes, without the NUL */
#define TR_SAFE_EXT_MAX 16   /* longest extension (with its dot) kept when a name is cut */

/* Writes the safe form of name[0..n) into out (cap >= 16) and returns its length (>= 1).
 * The last path component that is not empty, "." or ".." (either slash separates); valid UTF-8 kept,
 * control bytes, invalid UTF-8 and characters other systems reserve (\ : * ? " < > |) become '_';
 * longer than TR_SAFE_NAME_MAX (or cap - 1): the stem is cut at a character boundary, the extension
 * kept; nothing usable left: "unnamed". */
size_t tr_safe_name(const char *name, size_t n, char *out, size_t cap);

/* Where a safe name's extension starts (its last '.', not the first byte, at most TR_SAFE_EXT_MAX
 * bytes from the end), or len when it has none. */
size_t tr_safe_name_ext(const char *name, size_t len);

#endif
