/* mail_header: one header section of a mail message or of a MIME part (RFC 5322 2.2, 3.6; RFC 2045), gathered a
 * line at a time as it streams (folded lines joined), keeping the fields trawl reports, with caps. The decoded
 * forms (RFC 2047 subject and names, RFC 2231 file names) come from mime_words and mime_params. */
#ifndef MAIL_HEADER_H
#define MAIL_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define MAIL_HEADER_TEXT_MAX 8192 /* bytes kept of the fields below, all together */
#define MAIL_HEADER_FIELD_MAX 2048 /* bytes kept of one field: a To: of hundreds of addresses leaves room for the rest */
#define MAIL_HEADER_LINES_MAX 1000 /* lines of one section before it is said to be too long */

enum mail_field {
    MF_FROM, MF_TO, MF_CC, MF_REPLY_TO, MF_SUBJECT, MF_DATE, MF_MESSAGE_ID, MF_IN_REPLY_TO,
    MF_USER_AGENT,         /* User-Agent, or X-Mailer when there is none */
    MF_RECEIVED_LAST_HOP,  /* the topmost Received: the hop that delivered it */
    MF_RECEIVED_FIRST_HOP, /* the bottommost: the hop nearest the sender */
    MF_CONTENT_TYPE, MF_CONTENT_DISPOSITION, MF_CONTENT_TRANSFER_ENCODING, MF_CONTENT_ID,
    MF_COUNT
};

typedef struct mail_header {
    char text[MAIL_HEADER_TEXT_MAX];
    uint16_t used;
    struct {
        uint16_t off, len;
    } f[MF_COUNT];
    uint32_t present;   /* bit per enum mail_field */
    uint32_t lines;     /* lines seen (folded ones included) */
    uint32_t received;  /* Received fields seen */
    uint8_t last;       /* field of the previous line (a folded line continues it), MF_COUNT when not kept */
    uint8_t cut;        /* a kept field was cut (its value, or the space for all of them) */
    uint8_t too_long;   /* over MAIL_HEADER_LINES_MAX lines: later ones not looked at */
} mail_header;

void mail_header_init(mail_header *h);
/* One line of the section, without its line end (the empty line that ends the section is not given). */
void mail_header_line(mail_header *h, const uint8_t *p, size_t n);
/* A kept field's value, folding undone (CR LF before whitespace removed), trimmed; 0 when absent. */
int mail_header_get(const mail_header *h, int field, const char **s, size_t *n);
/* An unstructured field (Subject) or a list of addresses with display names (From, To) with its RFC 2047 words
 * decoded into out; 0 when absent. *undecoded is set when a word's charset is unknown. */
int mail_header_decoded(const mail_header *h, int field, char *out, size_t cap, int *undecoded);

#endif
