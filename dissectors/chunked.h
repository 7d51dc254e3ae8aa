/* chunked: the chunked transfer coding (RFC 9112 7.1) read as the bytes stream in — chunk sizes and their
 * extensions, the data, the CRLF after it, the last chunk — telling its caller where the chunked body ends.
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF       1a;name=value CRLF <26 bytes> CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF                          0 CRLF
 *
 * The trailer section is the caller's (HTTP reads it as field lines). A framing line is taken only once it is
 * whole: until then a step takes nothing and the engine keeps the bytes, as it does for every line (the unit a
 * dissector waits for); chunk data is handed on as it comes. Errors are returned, for the caller to report in
 * its own words. */
#ifndef CHUNKED_H
#define CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKED_LINE_MAX 8192     /* longest size or CRLF line, as HTTP's other lines (Apache's limit is 8190) */
#define CHUNKED_DIGITS_MAX 15     /* hex digits of a chunk size: up to 2^60; 16 would be an overflow risk */

/* What one step found. */
enum chunked_step_result {
    CHUNKED_MORE = 0, /* a framing line is not whole yet: nothing taken */
    CHUNKED_DATA,     /* *used bytes of chunk data, at the bytes given */
    CHUNKED_FRAME,    /* a size line or the CRLF after data was taken */
    CHUNKED_END,      /* the last chunk's line was taken: the trailer section follows */
    CHUNKED_BAD,      /* the framing is broken (error says how); *used takes the offending line */
};

enum chunked_error {
    CHUNKED_OK = 0,
    CHUNKED_BAD_SIZE,      /* a size line that is not a hex number (with optional extensions) */
    CHUNKED_NO_CRLF,       /* chunk data not followed by an empty line */
    CHUNKED_LINE_TOO_LONG, /* no line end within CHUNKED_LINE_MAX: *used is that many bytes of it */
    CHUNKED_SIZE_TOO_LARGE, /* a hex size of more than CHUNKED_DIGITS_MAX digits */
};

typedef struct chunked {
    uint64_t remaining; /* data bytes left in the current chunk */
    uint8_t state;      /* where the next byte belongs (chunked.c) */
    uint8_t error;      /* enum chunked_error, once CHUNKED_BAD was returned */
} chunked;

/* A chunked body begins: a size line is next. */
void chunked_begin(chunked *c);
/* One step over p[0..n): a run of data or one framing line. *used is what it took. */
int chunked_step(chunked *c, const uint8_t *p, size_t n, size_t *used);
/* n bytes of the body were lost. 1 when the framing survives (the hole lies inside one chunk's data, so where
 * the chunk ends is still known), 0 when it is lost. */
int chunked_gap(chunked *c, uint64_t n);
/* Whether the last chunk was read (the body's data is complete up to the trailers). */
int chunked_ended(const chunked *c);
/* Parses "chunk-size [ws] [; ext]" (leading and trailing blanks allowed, as servers send); -1 when not one. */
int64_t chunked_size(const uint8_t *p, size_t n);

#endif
