/* tui_digests: digests the UI shows before they are known. The model takes digest tickets (core/tr_hash.h), so the
 * engine never waits for the hashing thread: a SHA-256 still being computed is stored in an event's text as a hole
 * of 64 bytes (TUI_DIGEST_HOLE) and filled in when it is known — as the next events come, before the screen reads
 * the store, or, when too many wait, by waiting for the oldest. */
#ifndef TUI_DIGESTS_H
#define TUI_DIGESTS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_event.h"

#define TUI_DIGEST_HOLE_CHAR '\x7f' /* never in a stored value (control bytes are replaced): the screen shows '?' */
#define TUI_DIGESTS_MAX 1024         /* holes waiting at once */

struct tui_model;

typedef struct tui_digest_hole {
    uint64_t session, ticket;
    size_t off; /* in the session's detail->evtext */
} tui_digest_hole;

typedef struct tui_digests {
    tui_digest_hole h[TUI_DIGESTS_MAX];
    size_t head, n;
} tui_digests;

/* The event's digests still being computed (their tickets, in field order), up to max; how many. */
int tui_digests_of_event(const tr_event *e, uint64_t *tickets, int max);
/* Notes the holes in text (len bytes at evtext offset off of session id), filled in field order by tickets. */
void tui_digests_note(struct tui_model *m, tui_digests *q, uint64_t session, size_t off, const char *text, size_t len,
                      const uint64_t *tickets, int n);
/* Fills the holes whose digests are known (wait: every one, waiting); an evicted session's are dropped. */
void tui_digests_fill(struct tui_model *m, tui_digests *q, int wait);
/* Forgets the holes (the model's end). Tickets are not held: a held ticket keeps the hashing thread's slot from
 * being reused, and runs of them make new objects wait for their digests; each is read as soon as it is known
 * (the next event), and one whose slot was taken again meanwhile (4096 objects later) shows as "-" x 64. */
void tui_digests_free(tui_digests *q);

#endif
