/* tr_present: how a dissector presents its events and its stream to people — the one-line summary (Wireshark's
 * Info column), the transcript's mode, notes and stream rendering, the command-line options it takes and the
 * event fields it counts for --stats. Shared code (output/, tui/, cli/) calls these hooks and names no protocol. */
#ifndef TR_PRESENT_H
#define TR_PRESENT_H

#include <stddef.h>
#include <stdint.h>

#include "tr_event.h"
#include "tr_strbuf.h"

/* ---- the one-line summary ---- */

/* What an event adds to its session's summary line (the TUI's table), and how it joins the part before it. */
enum tr_summary_kind {
    TR_SUM_NONE = 0, /* nothing */
    TR_SUM_PART,     /* a part of its own: "USER alice" */
    TR_SUM_ASK,      /* a part that waits for its answer: "GET /index.html", "A? example.org" */
    TR_SUM_ANSWER,   /* the answer: after a waiting ASK it is joined to it ("GET /index.html → 200"); alone, it
                        is written with the question it carries ("GET /x → 200") or none ("→ 200") */
};

/* Where a summary hook writes: `ask` the part (or the question an answer carries), `answer` an answer's text. */
typedef struct tr_summary {
    tr_strbuf *ask;
    tr_strbuf *answer;
} tr_summary;

/* ---- transcripts ---- */

/* How a session's transcript shows its bytes. */
enum tr_tx_mode {
    TR_TXM_STREAM = 0, /* the bytes as text or hex dump, objects announced by tr_stream_object shown as markers */
    TR_TXM_RENDERED,   /* the bytes through the dissector's renderer (Telnet: commands as inline markers) */
    TR_TXM_DATAGRAMS,  /* over UDP, a datagram with a decoded note (TR_TX_DECODED) is shown as that note (DNS) */
    TR_TXM_TO_FILE,    /* once a file of the session is open, its bytes are counted, not shown (FTP data) */
};

/* What a note an event adds to the transcript is (the kinds of output/transcript.h's chunks). */
enum tr_tx_note_kind {
    TR_TX_NOTE = 2,    /* text (lines separated by \n) shown with the event's direction prefix */
    TR_TX_DECODED = 3, /* a note that stands for the next datagram of its direction, which is then not dumped */
};

/* What a renderer writes through, for one direction (output/transcript.c implements it). */
typedef struct tr_tx_out {
    void *self;
    /* Stream bytes shown as the transcript shows any (text, or a hex dump); they advance the stream offset.
     * keystrokes: a short run is text even when it holds control bytes. */
    void (*bytes)(const struct tr_tx_out *o, const uint8_t *p, size_t n, int keystrokes);
    /* Bytes shown as text without advancing the offset (a data byte a command stood for). */
    void (*text)(const struct tr_tx_out *o, const uint8_t *p, size_t n);
    /* n stream bytes taken by commands: the offset moves on, nothing is shown. */
    void (*skip)(const struct tr_tx_out *o, uint64_t n);
    /* An inline marker ("[IAC DO ECHO]"), unprintable bytes in it escaped. */
    void (*marker)(const struct tr_tx_out *o, const char *s, size_t n);
} tr_tx_out;

#define TR_TX_RENDER_STATE_MAX 128 /* bytes of a renderer's state per direction */

/* A dissector's rendering of its stream's bytes (TR_TXM_RENDERED). Its state is per direction, zeroed at the start. */
typedef struct tr_tx_renderer {
    size_t state_size; /* at most TR_TX_RENDER_STATE_MAX */
    void (*data)(void *state, const uint8_t *p, size_t n, const tr_tx_out *out);
    /* A gap or the end of the session cuts what is unfinished (a command cut short). */
    void (*cut)(void *state, const tr_tx_out *out);
} tr_tx_renderer;

/* A dissector's presentation hooks; every member may be NULL or 0. */
typedef struct tr_presenter {
    /* The event's summary: writes s->ask / s->answer and returns an enum tr_summary_kind. */
    int (*summary)(const tr_event *e, const tr_summary *s);
    uint8_t transcript_mode;          /* enum tr_tx_mode */
    const tr_tx_renderer *renderer;   /* for TR_TXM_RENDERED */
    /* The note the event adds to its session's transcript: writes text (reset first) and returns TR_TX_NOTE or
     * TR_TX_DECODED, or -1 when the event adds none. */
    int (*transcript_note)(const tr_event *e, tr_strbuf *text);
    /* Whether `-T text` may fold the event into a run of like ones (a peer's requests and pieces): returns 1 and
     * writes the run's key (`msg=piece`: events of a run have the same) and the bytes the event stands for (0: none).
     * A run's first event is written as it is; the next ones of the same session, direction and key are counted, and
     * when that session says something else in that direction (or ends), one line says how many more there were:
     * the last one's time and ends, the key, `more=N` and `bytes=B`. JSON, exports and --stats keep every event. */
    int (*text_fold)(const tr_event *e, tr_strbuf *key, uint64_t *bytes);
} tr_presenter;

/* ---- command-line options and statistics ---- */

/* An option a dissector takes (`--snmp-user NAME:...`). set() is called while the command line is parsed, before
 * any packet: it keeps the value in the dissector's configuration, or returns -1 with a message in err. */
typedef struct tr_option {
    const char *name;    /* long option name without the dashes; NULL ends a list */
    const char *arg;     /* the argument's name in --help ("NAME:PASS"); NULL for a flag */
    const char *help;    /* one line */
    int (*set)(const char *arg, char *err, size_t errlen);
} tr_option;

/* An event field whose values --stats counts: for events of `type` (NULL: any) of the dissector's protocol, how
 * often each value of `key` came (HTTP status codes, DNS response codes). NULL type and key end a list. */
typedef struct tr_stat_field {
    const char *type;
    const char *key;
    const char *label; /* heading in --stats: "status codes" */
} tr_stat_field;

#endif
