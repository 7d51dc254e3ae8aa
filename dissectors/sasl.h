/* sasl: the SASL exchanges mail protocols carry (RFC 4422), read for what they show of the credentials: PLAIN's user
 * and password (RFC 4616), LOGIN's two answers, CRAM-MD5's user (RFC 2195), DIGEST-MD5's username (RFC 2831),
 * XOAUTH2's and OAUTHBEARER's user and bearer token (RFC 7628); other mechanisms are named and nothing guessed.
 * The protocol (SMTP AUTH, POP3 AUTH, IMAP AUTHENTICATE) hands over the base64 lines; it decides success. */
#ifndef SASL_H
#define SASL_H

#include <stddef.h>
#include <stdint.h>

#define SASL_FIELD_MAX 256

enum sasl_mech { SASL_OTHER = 0, SASL_PLAIN, SASL_LOGIN, SASL_CRAM_MD5, SASL_DIGEST_MD5, SASL_XOAUTH2, SASL_OAUTHBEARER };

typedef struct sasl {
    uint8_t mech;               /* enum sasl_mech */
    char mech_name[32];         /* as the client named it, upper case ("PLAIN", "SCRAM-SHA-256") */
    uint8_t answers;            /* client responses seen */
    uint8_t next_is;            /* LOGIN: what the server's last prompt asked for (sasl.c) */
    uint8_t cancelled;          /* the client answered "*" (RFC 4422 3.5) */
    uint8_t bad;                /* an answer was not base64, or not what the mechanism sends */
    char user[SASL_FIELD_MAX], password[SASL_FIELD_MAX], token[SASL_FIELD_MAX], authzid[SASL_FIELD_MAX];
    uint16_t user_len, password_len, token_len, authzid_len;
    uint8_t has_user, has_password, has_token, has_authzid;
} sasl;

/* A new exchange with the mechanism the client named (its first word). */
void sasl_begin(sasl *x, const uint8_t *mech, size_t n);
/* A line the client sent in the exchange (an initial response, or an answer to a challenge): base64, "=" for an
 * empty one, "*" to cancel. */
void sasl_client(sasl *x, const uint8_t *p, size_t n);
/* A challenge the server sent (base64; LOGIN's are "Username:" and "Password:"). */
void sasl_server(sasl *x, const uint8_t *p, size_t n);
/* Whether the exchange gave all the mechanism can show (the protocol may report it then). */
int sasl_complete(const sasl *x);

#endif
