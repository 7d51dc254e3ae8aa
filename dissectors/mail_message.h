/* mail_message: a mail message (or a piece of one) a mail protocol carries — POP3's RETR and TOP answers, IMAP's
 * fetched literals and APPEND uploads: its bytes as transferred go through the object pipeline (hashed, extracted
 * as one .eml), through the message module's walk when they are a message (mime.h: headers, leaves decoded and
 * extracted), and into the one mailbox (mailbox.h); the stream range it took is named for transcripts. */
#ifndef MAIL_MESSAGE_H
#define MAIL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_event.h"
#include "../core/tr_session.h"
#include "mime.h"
#include "object.h"

typedef struct mail_message {
    obj raw;            /* the bytes as transferred: size, sha256, the extracted copy */
    obj decoded;        /* a section with a transfer encoding, decoded (decoded_sha256); not extracted */
    mime *m;            /* the walk, allocated at the first message walked and counted on the session */
    uint64_t start;     /* stream offset where it began (for the transcript's marker) */
    int8_t dir;
    uint8_t active;     /* begun and not ended */
    uint8_t walk;       /* walked through the message module */
    uint8_t decoding;   /* `decoded` runs */
    uint8_t lost;       /* bytes were lost */
    uint8_t named;      /* the transcript was told where its file is */
    uint8_t has_result; /* ended: r (and dr) hold its results until mail_message_done */
    obj_result r, dr;
    char label[48];
} mail_message;

/* What the message's bytes are. */
#define MAIL_MESSAGE_AT_FIRST_BYTE UINT64_MAX

typedef struct mail_message_spec {
    const char *file_name;  /* offered to the exporter for the copy as transferred ("retr-3.eml"); NULL: none */
    const char *label;      /* the transcript marker's label ("RETR 3"); NULL: none */
    int walk;               /* a message (or its header): walked for headers and attachments */
    int decode;             /* OBJ_TE_BASE64 or OBJ_TE_QP: also decoded for decoded_sha256; 0: not */
    const char *decoded_name; /* offered to the exporter for the decoded content; NULL: not extracted */
    uint64_t stream_start;  /* stream offset of its first byte, or MAIL_MESSAGE_AT_FIRST_BYTE: s->stream_off[dir]
                             * where the first byte is fed (the feeding call's bytes begin with it) */
} mail_message_spec;

void mail_message_begin(mail_message *mm, tr_session *s, int dir, const mail_message_spec *spec);
/* Bytes of it as transferred (after POP3's dot-unstuffing), in any pieces. */
void mail_message_feed(mail_message *mm, tr_session *s, const uint8_t *p, size_t n);
/* Bytes of it were lost. */
void mail_message_gap(mail_message *mm, tr_session *s, uint64_t n);
/* It is over (complete: every byte arrived); stream_end is the stream offset after its last byte (0: unknown).
 * Its results are kept, digest tickets held, until mail_message_done. */
void mail_message_end(mail_message *mm, tr_session *s, int complete, uint64_t stream_end);
/* Its fields for an event: size, sha256, decoded_size and decoded_sha256 when decoded, complete, the walk's header
 * fields, attachments and parts, file (the copy as transferred, or the decoded content when only it was
 * extracted). */
void mail_message_fields(const mail_message *mm, tr_event *e);
/* Hands it to the one mailbox (a walked message only); partial: only a part of the message was sent. */
void mail_message_mailbox(const mail_message *mm, tr_session *s, const char *proto, int partial);
/* After its event: tickets let go. */
void mail_message_done(mail_message *mm);
/* The session closes: a message still running ends incomplete (no event), and what the walk holds is freed. */
void mail_message_free(mail_message *mm, tr_session *s);

static inline int mail_message_active(const mail_message *mm) { return mm->active; }
static inline int mail_message_pending(const mail_message *mm) { return mm->has_result; }

#endif
