/* tr_event: what dissectors and the engine emit — common fields plus a small tree of typed fields.
 * An event and the strings it points at live only during tr_emit(); sinks copy what they keep. The names in
 * it (proto, type, and the fields' keys) are literals, or strings as lasting: formatting on the worker reads
 * them after tr_emit has returned (output/event_blob.c carries them by address). */
#ifndef TR_EVENT_H
#define TR_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct tr_session;
struct tr_ctx;

enum tr_dir { TR_NODIR = -1, TR_C2S = 0, TR_S2C = 1 };

typedef enum tr_ftype {
    TR_F_STR,        /* s,n: bytes, written as UTF-8 with invalid bytes as \u00XX */
    TR_F_INT,        /* i */
    TR_F_BOOL,       /* i != 0 */
    TR_F_OBJ,        /* begins an object; closed by TR_F_END */
    TR_F_LIST,       /* begins a list; closed by TR_F_END */
    TR_F_END,
    TR_F_FILE,       /* s: path relative to the export folder; shown only by the exporter */
    TR_F_TS,         /* i: microseconds since the epoch, written like `ts` */
    TR_F_DIGEST,     /* i: a hash ticket (core/tr_hash.h) whose hex digest is not known yet; s: 64 bytes reserved
                        for it. Only sinks with takes_digest_tickets see this; others get a TR_F_STR. */
    TR_F_LATER,      /* fields known once the worker has run the jobs queued before the event (tr_ev_later):
                        only sinks with takes_digest_tickets see this; others get the fields */
} tr_ftype;

typedef struct tr_field {
    const char *key; /* NULL inside lists; a literal (above) */
    const char *s;
    size_t n;
    int64_t i;
    uint8_t type;
    uint8_t top; /* 1: a top-level field (session_end, anomaly); 0: inside the proto object */
} tr_field;

#define TR_EVENT_MAX_FIELDS 512
#define TR_EVENT_ARENA 32768

typedef struct tr_event {
    const struct tr_session *session; /* NULL: belongs to no session (session 0) */
    struct tr_ctx *ctx;
    int64_t ts_us;
    const char *proto;
    const char *type;
    int dir;         /* enum tr_dir */
    int top_mode;    /* fields added now go to the top level */
    int nf;
    int depth;
    int truncated;   /* ran out of fields or arena: the event is cut short, still well-formed */
    size_t arena_used;
    tr_field f[TR_EVENT_MAX_FIELDS];
    char arena[TR_EVENT_ARENA];
} tr_event;

/* Starts an event of session s (its ctx, time now, proto = the session's protocol name). */
void tr_ev_init(tr_event *e, struct tr_session *s, const char *type, int dir);
/* Starts an event that belongs to no session. */
void tr_ev_init_nosession(tr_event *e, struct tr_ctx *ctx, const char *proto, const char *type);

void tr_ev_str(tr_event *e, const char *key, const char *s);           /* NULL s: field left out */
void tr_ev_strn(tr_event *e, const char *key, const void *s, size_t n); /* not copied */
void tr_ev_strcopy(tr_event *e, const char *key, const void *s, size_t n); /* copied into the arena */
void tr_ev_printf(tr_event *e, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tr_ev_int(tr_event *e, const char *key, int64_t v);
void tr_ev_bool(tr_event *e, const char *key, int v);
void tr_ev_obj(tr_event *e, const char *key);
void tr_ev_list(tr_event *e, const char *key);
void tr_ev_end(tr_event *e);
void tr_ev_file(tr_event *e, const char *key, const char *relpath); /* empty/NULL: left out */
void tr_ev_ts(tr_event *e, const char *key, int64_t us);
/* A SHA-256 that is either known (hex, "" for none: field left out) or still being computed (ticket != 0). */
void tr_ev_digest(tr_event *e, const char *key, const char *hex, uint64_t ticket);
/* Fields that work still queued for the worker will know: fn(arg, e) adds them (with tr_ev_int, tr_ev_str,
 * tr_ev_bool; strings it adds must outlive the formatting, not be in the arena) where the event is formatted,
 * after the worker ran the jobs queued before it, on the worker (output/event_blob.c) or, for a sink that
 * formats at once, here after waiting (tr_ev_resolve_digests). */
typedef void (*tr_ev_later_fn)(const void *arg, tr_event *e);
void tr_ev_later(tr_event *e, tr_ev_later_fn fn, const void *arg);
/* Adds the fields a TR_F_LATER field stands for at the end of e (its function called with its argument), as
 * fields of the level the LATER field was at; for whoever rebuilds an event's fields in order. */
void tr_ev_later_add(tr_event *e, tr_field later);
/* Waits for the digests of TR_F_DIGEST fields and makes them strings (or drops them when hashing failed), and
 * for the worker to run what TR_F_LATER fields wait for, and puts their fields in their place. */
void tr_ev_resolve_digests(tr_event *e);
/* Whether the event has TR_F_DIGEST or TR_F_LATER fields. */
int tr_ev_has_digest_tickets(const tr_event *e);
/* Copies n bytes into the event's arena and returns them (NULL when full). */
char *tr_ev_alloc(tr_event *e, size_t n);

/* Index of the field after the one at i: past its whole object or list when it opens one. For sinks
 * that walk the fields. */
int tr_ev_field_next(const tr_event *e, int i);

/* Delivers the event to every sink of its context (closing any open objects first). */
void tr_emit(tr_event *e);

/* Convenience: an anomaly event (top-level `anomaly` and `detail`); s may be NULL (needs ctx then). */
void tr_anomaly(struct tr_ctx *ctx, struct tr_session *s, int dir, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- events that work running on the worker thread finds (a gzip body found bad by its inflate job) ---- */

/* Where they go: the sink that formats lines on the worker registers itself (NULL: nowhere). */
typedef void (*tr_worker_line_fn)(void *self, const tr_event *e);
void tr_worker_lines_set(tr_worker_line_fn fn, void *self);
/* On the worker: an anomaly of session s (a copy the job keeps) found at ts_us; written in the job's place in
 * the output, counted for --stats once folded in. */
void tr_anomaly_on_worker(const struct tr_session *s, int dir, int64_t ts_us, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Adds what the worker emitted to ctx's counts (events, anomalies); after tr_worker_flush. */
void tr_ctx_fold_worker_counts(struct tr_ctx *ctx);

#endif
