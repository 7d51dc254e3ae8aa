/* harness: drives one dissector over hand-fed bytes without capture or flow table, through the
 * engine's real delivery code, and records the events as JSON lines for assertions. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/tr_dissector.h"
#include "../../core/tr_strbuf.h"
#include "../../reassembly/deliver.h"

struct sink_lines;

#define HARNESS_EXTRA_SESSIONS 8

typedef struct harness {
    tr_ctx ctx;
    tr_session s;
    tr_deliver d;
    tr_strbuf out; /* JSON lines of every event so far */
    /* with harness_results_on_worker: the lines come from trawl's own sink, formatted on the worker */
    struct sink_lines *lines;
    FILE *lines_file;
    char *lines_buf;
    size_t lines_len;
    /* more sessions on the same context (harness_add_session) */
    tr_session extra[HARNESS_EXTRA_SESSIONS];
    tr_deliver extra_d[HARNESS_EXTRA_SESSIONS];
    int nextra;
} harness;

/* From now on (on) or no more, harnesses write their events as trawl reads a file with -T json: lines
 * formatted on the worker thread (started here), with results left to it (tr_ctx.results_on_worker). */
void harness_results_on_worker(int on);

/* A session of `proto` (a registered dissector name, or NULL for none) from 10.0.0.1:40000
 * to 10.0.0.2:server_port. */
harness *harness_new(const char *proto, uint8_t l4, uint16_t server_port);
void harness_data(harness *h, int dir, const void *p, size_t n);
void harness_gap(harness *h, int dir, uint64_t n);
/* One direction's stream is over (its FIN reached in order): the dissector's on_end. */
void harness_stream_end(harness *h, int dir);
void harness_datagram(harness *h, int dir, const void *p, size_t n);
/* Another session of h's dissector on h's context (same sinks, same per-capture state: tr_dissector_global), for
 * protocols whose story spans sessions (DHCP's exchanges); endpoints as text, ids counting on from h's session.
 * harness_close closes it with the first. */
tr_session *harness_add_session(harness *h, uint8_t l4, const char *client_ip, uint16_t client_port,
                                const char *server_ip, uint16_t server_port);
void harness_session_datagram(harness *h, tr_session *s, int dir, const void *p, size_t n);
/* Stream bytes of an added TCP session (BitTorrent's pieces from several peer connections). */
void harness_session_data(harness *h, tr_session *s, int dir, const void *p, size_t n);
/* Closes the session (dissector's on_close) and returns every event's JSON, one per line. */
const char *harness_close(harness *h, int reason);
/* What the engine does at a session's end: the dissector's close, a session_end event (with `end`),
 * then every sink's on_session_close. For tests of sinks that need the whole lifecycle. */
void harness_end(harness *h, int reason);
/* The capture is over: the dissectors' on_finish (state kept across sessions), as the engine does at the end. */
void harness_finish(harness *h);
void harness_free(harness *h);

/* A fresh folder /tmp/trawl-<tag>-XXXXXX in out (fails the test when none can be made), and its removal with
 * everything in it. */
/* A dissector's probe on the first bytes of one direction only (the other has sent nothing). */
int harness_probe(const tr_dissector *d, const void *p, size_t n, int dir);
/* The same with both directions' first bytes. */
int harness_probe2(const tr_dissector *d, const void *c2s, size_t nc, const void *s2c, size_t ns);

void harness_tmpdir(char *out, size_t cap, const char *tag);
void harness_rmtree(const char *dir);

/* Holding the worker thread (it must be running): a job that keeps it busy until harness_worker_release, and
 * jobs of TR_JOB_DATA_MAX bytes that do nothing, queued behind it to make it behind. */
void harness_worker_hold(void);
void harness_worker_queue_chunks(int n);
/* A job that keeps the worker busy for usec microseconds. */
void harness_worker_queue_pause(unsigned usec);
void harness_worker_release(void);

/* One message of a conversation script. */
typedef struct harness_msg {
    int dir;
    const char *p;
    size_t n; /* 0: strlen(p) */
} harness_msg;

/* Feeds a TCP script with every message whole (split = 0), cut in two at byte `split`
 * of the concatenated direction stream, or one byte at a time (split = (size_t)-1). Returns a
 * malloc'd copy of the events' JSON. */
char *harness_script(const char *proto, uint16_t port, const harness_msg *m, int nmsg, size_t split);
/* Runs harness_script whole, at every split offset up to max_split, and byte at a time;
 * fails the cmocka test if any run differs from the whole run. Returns the whole run's JSON (malloc'd). */
char *harness_script_all_splits(const char *proto, uint16_t port, const harness_msg *m, int nmsg);

/* Number of lines of `json` containing every one of the NULL-terminated needles. */
int harness_count(const char *json, ...);

#endif
