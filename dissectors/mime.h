/* mime: a mail message walked as it streams (RFC 5322, RFC 2045-2046) — its header section, then its body: one
 * part, or a multipart's parts split at their boundaries, nested multiparts and message/rfc822 parts walked as
 * messages of their own (whose headers never touch the outer message's) — each leaf decoded through the object
 * pipeline (base64, quoted-printable, 7bit/8bit/binary) to its exact content, hashed and extracted; never held
 * whole. What SMTP, POP3 and IMAP report of a message comes from here. */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_event.h"
#include "../core/tr_session.h"
#include "mail_header.h"
#include "object.h"

#define MIME_DEPTH_MAX 8    /* nested multiparts and attached messages */
#define MIME_LEAVES_MAX 64  /* leaves reported per message; more are counted, still hashed and extracted */
#define MIME_LINE_MAX 1000  /* RFC 5322 2.1.1: 998 characters and CRLF; a longer header line is cut */
#define MIME_BOUNDARY_MAX 70 /* RFC 2046 5.1.1 */
#define MIME_NAME_MAX 128

/* One leaf, as the message event lists it (attachments, or parts for text leaves). */
typedef struct mime_leaf {
    char name[MIME_NAME_MAX];    /* the file name it came with (RFC 2231/2047 decoded), else one made up */
    char content_type[80];
    uint8_t attachment;          /* an attachment (disposition, a file name, or not text); else a text part */
    uint8_t named;               /* the name came with the part */
    uint8_t depth;               /* 0 in the message itself, 1 in a message attached to it, ... */
    uint8_t undecoded_name;      /* its name had words in a charset iconv does not know */
    obj_result r;                /* size, completeness, sha256 (a ticket in it is held until mime_release) */
    char file[256];              /* where the exporter put it, "" when not extracted */
} mime_leaf;

/* What a level of the walk is. */
typedef struct mime_level {
    uint8_t kind;                /* MIME_MULTIPART or MIME_MESSAGE (mime.c) */
    uint8_t closed;              /* its close delimiter came: what follows is its epilogue */
    uint8_t blen;
    char boundary[MIME_BOUNDARY_MAX + 1];
} mime_level;

typedef struct mime {
    tr_session *s;
    int dir;
    uint8_t state;               /* mime.c: reading a header section, a leaf's body, or skipping (preamble, epilogue) */
    uint8_t depth;               /* levels open */
    uint8_t in_top;              /* the header section being read is the message's own */
    uint8_t lost;                /* bytes of the message were lost */
    uint8_t too_deep;            /* parts nested past MIME_DEPTH_MAX were taken as leaves */
    uint8_t no_close;            /* the message ended inside a multipart */
    uint32_t leaves_dropped;     /* past MIME_LEAVES_MAX */
    uint32_t part_no;            /* leaves so far, for made-up names */
    mime_level level[MIME_DEPTH_MAX];
    mail_header top;             /* the message's own header section */
    mail_header head;            /* the current part's (or attached message's) header section */
    /* the line being read */
    uint8_t line_mode;           /* mime.c: at its start, gathered, streamed, or its rest dropped */
    uint8_t pending_cr;          /* a piece ended in CR: a line end if LF comes next */
    uint16_t line_len;
    uint8_t line[MIME_LINE_MAX + 2];
    /* a line end held back until the next line shows whose it is: [0] for the leaf, [1] the attached message */
    uint8_t held[2][2];
    uint8_t held_n[2];
    /* the leaf being decoded */
    obj leaf;
    mime_leaf cur;
    uint8_t leaf_open;
    /* the outermost attached message (message/rfc822 part) open, extracted whole as .eml */
    obj msg;
    mime_leaf msg_info;
    uint8_t msg_open;
    uint8_t msg_level;           /* its level */
    mime_leaf leaves[MIME_LEAVES_MAX];
    uint32_t nleaves;
} mime;

/* Starts a message of session s sent in direction dir. The struct is large (two header sections, the leaves, about
 * 60 KB): allocate it zeroed once per session, when its first message begins, and count it on the session. */
void mime_begin(mime *m, tr_session *s, int dir);
/* Bytes of the message as transferred (after SMTP's dot-unstuffing), in any pieces. */
void mime_feed(mime *m, const uint8_t *p, size_t n);
/* Bytes of the message were lost: what is being decoded is incomplete, and the walk goes on at the next line it
 * can read (boundaries are still found). */
void mime_gap(mime *m);
/* The message is over (complete: every byte arrived): the last leaf ends. */
void mime_end(mime *m, int complete);
/* The message's fields for its event, in SCHEMA's words: from to cc subject date message_id in_reply_to reply_to
 * user_agent received_first_hop received_last_hop, then `attachments` and `parts` (lists of
 * {name, content_type, size, sha256, complete, file}). */
void mime_add_fields(const mime *m, tr_event *e);
/* Lets go of the leaves' digest tickets, after the message's event. mime_begin may follow for the next message. */
void mime_release(mime *m);
/* Frees what the walker keeps from message to message (the session is closing). mime_begin must not follow. */
void mime_free(mime *m);

#endif
