/* mailbox: every mail message seen by any of SMTP, POP3 and IMAP, kept once. In an export, mail/<n>-<subject>.eml
 * names one copy of each message (a second name of the copy its session extracted, a whole one before a partial
 * one) and mail/index.jsonl lists each message once with every session that carried it — NetworkMiner's Messages
 * tab as a folder, across protocols. Messages are the same by Message-ID, or by SHA-256 when they have none. */
#ifndef MAILBOX_H
#define MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"
#include "mime.h"
#include "sha256.h"

#define MAILBOX_MESSAGES_MAX 4096 /* messages listed; past it, more are counted, not listed */
#define MAILBOX_SEEN_MAX 16       /* sessions listed per message; more are counted */

/* A message a mail protocol saw (whole or in part), when its event is out. */
typedef struct mailbox_message {
    const char *proto;           /* the protocol's name, a lasting string ("smtp") */
    uint64_t session;
    int64_t ts;
    const mime *m;               /* its header section and leaves (attachment names) */
    uint64_t size;               /* bytes as transferred */
    const sha256_digest *sha256; /* of the message as transferred, hex or ticket; NULL when not known */
    int complete;                /* every byte of it arrived */
    int partial;                 /* only a part of it was sent (POP3 TOP, an IMAP partial or section fetch) */
    const char *file;            /* where its session's copy was extracted, "" when not */
} mailbox_message;

void mailbox_add(tr_ctx *ctx, const mailbox_message *mm);

#endif
