/* content_line: one direction of a text protocol cut into units — lines, counted bytes, dot-terminated blocks,
 * NNN- multi-line replies — on the contiguous bytes on_data receives, never buffering (Zeek's ContentLine). */
#ifndef CONTENT_LINE_H
#define CONTENT_LINE_H

#include <stddef.h>
#include <stdint.h>

/* How one direction of a protocol reads; static and constant (a cl_dir keeps a pointer to it). The caps must
 * stay under the delivery engine's 256 KB, since bytes of an unfinished unit wait there. */
typedef struct cl_config {
    uint32_t line_max;        /* longest line with its end: its LF must come within the first line_max bytes (in
                               * a dot block, a longer line is not cut but streamed) */
    uint8_t replies;          /* lines are replies "NNN text"; "NNN-" ones are gathered up to their "NNN " line */
    uint32_t reply_max;       /* a multi-line reply is cut once it holds this many bytes ... */
    uint32_t reply_lines_max; /* ... or this many lines after its first */
    /* After a gap: whether the bytes after the hole begin a line of the protocol (1), do not (0: they are
     * dropped up to the next line end), or are too few to tell (-1: the engine waits for more; decide within a
     * few bytes, a command word's or a reply code's). NULL: 0. */
    int (*resumes)(const uint8_t *p, size_t n);
} cl_config;

/* One direction's state. A zeroed cl_dir needs cl_init before use. */
typedef struct cl_dir {
    const cl_config *cfg;
    uint64_t remaining;   /* counted block: its bytes still to come */
    uint32_t scanned;     /* multi-line reply being gathered: bytes of it already scanned (the engine keeps them) */
    uint32_t reply_lines; /* its lines so far after the first */
    uint16_t swallow;     /* after a cut reply: its code; the rest of it is dropped up to its end line */
    uint8_t block;        /* counted or dot block under way (content_line.c) */
    uint8_t skip;         /* what the next bytes are after an over-long line or a gap (content_line.c) */
    uint8_t mid_line;     /* a dot block's line (or, resynchronising, a dropped line) was begun in an earlier call */
} cl_dir;

enum cl_kind {
    CL_NONE = 0,  /* nothing for the caller: bytes dropped while resynchronising, or none taken (wait) */
    CL_LINE,      /* a line without its end (CRLF or bare LF); in replies mode, a line that is not a reply */
    CL_LONG_LINE, /* a line longer than line_max: its first line_max bytes. Once per such line (the caller's
                   * anomaly); the rest of it is dropped up to its end */
    CL_REPLY,     /* replies mode: one whole reply, `lines` lines with their ends; cl_reply_line/join read it */
    CL_BYTES,     /* the next piece of a counted block, as it arrives; `end` on its last */
    CL_DOT,       /* the next line of a dot block's content with its end, unstuffed (`eol` set). A line that
                   * reaches line_max without its end comes in pieces as it arrives (`eol` on its last) */
    CL_DOT_END,   /* the block's final "." line (not content): the block is over, lines follow */
};

typedef struct cl_unit {
    uint8_t kind; /* enum cl_kind */
    uint8_t cut;  /* CL_REPLY: cut by reply_max, reply_lines_max or an over-long line; what is left of it is
                   * dropped up to its end line */
    uint8_t eol;  /* CL_DOT */
    uint8_t end;  /* CL_BYTES */
    int code;     /* CL_REPLY */
    uint32_t lines;
    const uint8_t *p; /* inside the bytes given to cl_next */
    size_t len;
} cl_unit;

void cl_init(cl_dir *d, const cl_config *cfg);

/* The next unit of p[0..n) into *u. Returns the bytes it took (on_data returns them to the engine); 0 when more
 * are needed first: the engine keeps them and hands them back, with more, at the same place. */
size_t cl_next(cl_dir *d, const uint8_t *p, size_t n, cl_unit *u);

/* The next n bytes are a counted block (IMAP {n} literal, BDAT chunk, Content-Length body), then lines again.
 * 0 starts nothing. */
void cl_expect_bytes(cl_dir *d, uint64_t n);
/* A dot-terminated block begins with the next line (SMTP after DATA's 354, POP3 after RETR's +OK). */
void cl_expect_dot(cl_dir *d);
/* Bytes of the counted block still to come (0 when none is under way). */
uint64_t cl_remaining(const cl_dir *d);

enum cl_gap_result {
    CL_GAP_LINES = 0, /* among lines: the bytes after the hole are judged by cfg->resumes */
    CL_GAP_BYTES,     /* inside a counted block: it goes on, shorter by n; its content is incomplete */
    CL_GAP_BYTES_END, /* the rest of a counted block was in the hole: it is over, incomplete */
    CL_GAP_DOT,       /* inside a dot block: its content is incomplete and, for the caller, it is over. Lines are
                       * dropped until its "." line or one cfg->resumes accepts */
};
/* n bytes will never come (on_gap; they include any the engine was keeping): what that did to the unit under
 * way, for the caller's records. A reply being gathered is lost with them. */
int cl_gap(cl_dir *d, uint64_t n);

/* The code of a reply line: "NNN", "NNN text" or "NNN-text" with NNN from 100 to 999; -1 for anything else. */
int cl_reply_code(const uint8_t *p, size_t n);
/* For cl_config.resumes of a protocol with numbered replies (FTP, SMTP): whether p starts with a three-digit code
 * whose first digit is at least `lowest`, then ' ', '-' or a line end; -1 while too few bytes have come to tell. */
int cl_reply_code_at(const uint8_t *p, size_t n, uint8_t lowest);
/* Whether a reply line is the end of a reply of `code`: "NNN" or "NNN text". */
int cl_reply_is_end(const uint8_t *p, size_t n, int code);
/* The lines of a CL_REPLY in turn (*pos starts at 0), each without its end and without its "NNN-"/"NNN "
 * prefix (lines that do not begin with the reply's code come whole). 0 when there are no more. */
int cl_reply_line(const cl_unit *u, size_t *pos, const uint8_t **line, size_t *len);
/* The reply's lines as cl_reply_line gives them, joined by '\n', into out (cut at cap); returns the length. */
size_t cl_reply_join(const cl_unit *u, char *out, size_t cap);

#endif
