/* http_claim: how a protocol carried in HTTP transactions — a BitTorrent tracker's announce and scrape — takes them.
 * Its dissector declares `.inside = &(tr_inside){"http", &its_claimer}`; HTTP asks every such claimer about each
 * request it has read, and the one that claims it gets the request, the response's body decoded as it streams (the
 * object pipeline's tee) and the response, and emits events of its own protocol (set e.proto to its name), while
 * HTTP records the transaction as it always does. */
#ifndef HTTP_CLAIM_H
#define HTTP_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"

/* A request as HTTP read it (views valid during the call only). */
typedef struct http_request_view {
    const uint8_t *method, *uri, *host, *user_agent;
    size_t method_len, uri_len, host_len, user_agent_len;
} http_request_view;

typedef struct http_response_view {
    int status;                 /* 0 for an HTTP/0.9 answer */
    const uint8_t *content_type;
    size_t content_type_len;
} http_response_view;

#define HTTP_CLAIM_STATE_MAX 4096 /* the largest per-transaction state a claimer may ask for */

typedef struct http_claimer {
    /* Whether this request is the claimer's (by its method and URI, say). The first claimer that says yes takes it. */
    int (*claims)(const http_request_view *r);
    size_t txn_size; /* per-transaction state, zeroed, at most HTTP_CLAIM_STATE_MAX; counted on the session */
    /* The claimed request, after HTTP's request event. */
    void (*on_request)(tr_session *s, void *txn, const http_request_view *r);
    /* The response's body as decoded (chunked, gzip undone), as it comes; NULL when not wanted. */
    void (*on_body)(tr_session *s, void *txn, const uint8_t *p, size_t n);
    /* The final response, after HTTP's response event; complete says whether all of its body arrived. */
    void (*on_response)(tr_session *s, void *txn, const http_response_view *r, int complete);
    /* The session ends before a response came (the state is freed after; free what it points to). May be NULL. */
    void (*on_abandon)(tr_session *s, void *txn);
} http_claimer;

/* A claimer outside the registry, asked after the registry's (for tests and for embedding trawl's library); one at
 * most, NULL to remove it. */
void http_claim_extra(const http_claimer *c);

#endif
