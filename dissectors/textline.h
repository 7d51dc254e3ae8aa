/* textline: the line splitter text protocols share (HTTP, FTP, SMTP, POP3, IMAP, Telnet prompts).
 * Works on the contiguous bytes on_data receives; never buffers (the engine keeps unconsumed bytes). */
#ifndef TEXTLINE_H
#define TEXTLINE_H

#include <stddef.h>
#include <stdint.h>

enum textline_result {
    TEXTLINE_NEED_MORE = 0, /* no line end yet: consume nothing, wait */
    TEXTLINE_OK = 1,        /* a line: *len without CR LF, *consumed with it */
    TEXTLINE_TOO_LONG = 2   /* no line end within max: *consumed bytes of it to skip (report an anomaly) */
};

/* Finds the next line (ending in LF, optional CR before it) in p[0..n). */
int textline_next(const uint8_t *p, size_t n, size_t max, size_t *len, size_t *consumed);

/* Case-insensitive prefix test of a line. */
int textline_starts(const uint8_t *p, size_t n, const char *prefix);
/* Splits "WORD rest" at the first space: *word_len, and the rest after the spaces. */
void textline_word(const uint8_t *p, size_t n, size_t *word_len, const uint8_t **rest, size_t *rest_len);
/* Parses a decimal number of at most 18 digits; -1 when p is not one. */
int64_t textline_number(const uint8_t *p, size_t n);

#endif
