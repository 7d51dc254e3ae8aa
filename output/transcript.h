/* transcript: renders a session's conversation for people — both directions in time order, text as
 * text, binary as hex dump, protocol markers in brackets. Shared by the exporter (streaming, chunk by
 * chunk) and the UI (from the chunks it keeps in memory). */
#ifndef TRANSCRIPT_H
#define TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_event.h"
#include "../core/tr_present.h"
#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"

/*
 * Layout (one session):
 *
 *   --- 2023-11-14 22:13:20.000000 c2s a time line whenever the direction changes (the date only when it
 *   --- 22:13:21.500000 s2c            changes; --time says local, UTC or epoch seconds)
 *   >> GET / HTTP/1.1                  ">> " client to server, "<< " server to client, "== " the session
 *   >> [gap 1460 bytes]
 *   << 00000000  89 50 4e 47 ...  |.PNG....|      binary: hex dump at the direction's stream offset
 *   << [IAC DO ECHO]login:             markers a dissector's renderer puts inline (Telnet's commands)
 *   << [body 20480 bytes -> files/3-x.png]   a binary object that went to a file, where it ends
 *
 * A line ends at LF (a CR just before it is not shown); other control bytes, a backslash and bytes
 * that are not UTF-8 are escaped (\r \xHH \\). A line cut off by the other direction is ended
 * without a marker. Exact bytes are in the --raw streams.
 */

/* Chunk kinds; TR_TX_NOTE and TR_TX_DECODED (a dissector's notes) are core/tr_present.h's. */
enum tr_tx_kind {
    TR_TX_DATA = 0, /* p,n: bytes of dir in stream order (TCP) or one datagram (UDP) */
    TR_TX_GAP = 1,  /* gap: bytes of dir never seen */
    /* TR_TX_NOTE = 2: p,n: text (lines separated by \n) shown with dir's prefix */
    /* TR_TX_DECODED = 3: a NOTE that stands for the next datagram of dir (DNS), which is then not dumped */
    TR_TX_TO_FILE = 4, /* a NOTE after which the session's bytes are counted, not shown (FTP data in a file) */
    TR_TX_OBJECT = 5,  /* p,n: a range of dir's stream that went to a file (tr_transcript_object_note); when its
                        * first bytes are binary, they are counted and shown as one marker where the range ends */
};

typedef struct tr_tx_chunk {
    int kind;
    int dir; /* TR_C2S, TR_S2C; TR_NODIR for a note about the whole session */
    int64_t ts_us;
    const uint8_t *p;
    size_t n;
    uint64_t gap;
} tr_tx_chunk;

/* A transcript's mode: the dissector's enum tr_tx_mode (core/tr_present.h) in the low byte, and these flags. */
#define TR_TX_MODE_MASK 0xff
#define TR_TX_UDP 0x100 /* or'ed into a mode: each chunk is a datagram and starts its own line */
#define TR_TX_HEX 0x200 /* or'ed into a mode (the UI's hex view): every data chunk as a hex dump of its bytes
                         * as they came (rendered commands not parsed, decoded datagrams dumped too) */
#define TR_TX_RENDERER_SHIFT 16 /* TR_TXM_RENDERED: the dissector's index in the registry + 1, above this bit */

#define TR_TX_LABEL_MAX 32
#define TR_TX_PATH_MAX 256

/* A stream range that is an extracted object (an HTTP body). */
typedef struct tr_tx_object {
    uint8_t state;  /* enum in transcript.c: none, announced, shown as bytes, hidden */
    uint8_t cut;    /* a gap inside it */
    uint64_t start, end; /* end 0: not known yet */
    uint64_t count; /* bytes of it seen */
    uint64_t shown; /* of those, shown as text (a text object's head, when it is extracted) */
    int64_t ts_us;  /* of its last bytes */
    char label[TR_TX_LABEL_MAX];
    char path[TR_TX_PATH_MAX]; /* "" until the file is open */
} tr_tx_object;

/* Rendering state of one transcript: small and fixed, so the exporter keeps one per open session. */
typedef struct tr_transcript {
    int mode;
    int last_dir;  /* direction of the last time line; TR_TX_NONE before the first */
    int open_line; /* a line of last_dir is unfinished */
    int pending_cr; /* that line's last byte was a CR, not shown until the next byte says if it ends the line */
    int64_t day;    /* the date of the last time line (tr_time_day): a time line shows the date when it changes */
    uint64_t off[2];
    unsigned decoded[2];
    int to_file;
    uint64_t file_bytes[2];
    const tr_tx_renderer *renderer; /* TR_TXM_RENDERED: the dissector's, with its state per direction */
    _Alignas(8) uint8_t render_state[2][TR_TX_RENDER_STATE_MAX];
    tr_tx_object obj[2];
} tr_transcript;

#define TR_TX_NONE 3
#define TR_TX_SECTION 4 /* last_dir after a section line: the next chunk starts with a time line, the date only if new */

/* The mode for a session's protocol name and transport: its dissector's (tr_presenter), stream for tcp/udp. */
int tr_transcript_mode(const char *proto, uint8_t l4);
void tr_transcript_init(tr_transcript *t, int mode);
/* Appends one chunk's rendering to sb. */
void tr_transcript_add(tr_transcript *t, const tr_tx_chunk *c, tr_strbuf *sb);
/* A line "== text" that starts a part of a transcript holding several sessions (a group's). */
void tr_transcript_section(tr_transcript *t, const char *text, size_t n, tr_strbuf *sb);
/* Ends what is unfinished (an open line, a rendered command cut short, the count of bytes in a file). */
void tr_transcript_end(tr_transcript *t, tr_strbuf *sb);
/* Ends an unfinished line only, as where an open session's transcript is cut for reading (the UI, `e`). */
void tr_transcript_flush(tr_transcript *t, tr_strbuf *sb);
/* A whole conversation from memory: init, every chunk, end. */
void tr_transcript_render(int mode, const tr_tx_chunk *c, size_t n, tr_strbuf *sb);

/* The note an event adds to its session's transcript: its dissector's (tr_presenter.transcript_note), or for
 * anomalies and decode_end the transcript's own. Writes its text to `text` (reset first) and returns its kind (TR_TX_NOTE or
 * TR_TX_DECODED), or -1 when the event adds nothing. Call it while the event is alive. */
int tr_transcript_event_note(const tr_event *e, tr_strbuf *text);

/* The note a file extraction adds to a session in `mode`: "[data -> files/12-x]" when the session's
 * bytes go to that file (FTP data), after which they are counted, not shown. Writes `text` (reset first)
 * and returns TR_TX_TO_FILE, or -1 when the session's transcript shows its bytes anyway. */
int tr_transcript_file_note(int mode, const char *relpath, tr_strbuf *text);

/* The chunk (TR_TX_OBJECT) that names the range [start, end) of a direction's stream (end 0: open) as
 * an object extracted to relpath ("" while not open), coded as label says ("gzip", may be ""); a later
 * chunk with the same start updates it. Writes `text` (reset first) and returns TR_TX_OBJECT. */
int tr_transcript_object_note(uint64_t start, uint64_t end, const char *label, const char *relpath, tr_strbuf *text);

/* What the header and footer say about a session: from the live session, or from a copy (the UI's). */
typedef struct tr_tx_info {
    uint64_t id, parent;
    const char *proto; /* tr_session_proto */
    uint8_t l4;
    uint8_t midstream;
    tr_endpoint client, server;
    int64_t start_us, last_us;
    uint64_t packets[2], bytes[2], gap_bytes[2];
    const char *end; /* "fin", "rst", ...; "open" for a session not ended yet */
} tr_tx_info;

/* end: how it ended ("fin", ...), NULL for the session's own end field. */
void tr_tx_info_of(const tr_session *s, const char *end, tr_tx_info *out);

/* A transcript kept in memory (the UI's store): the session and its chunks through an accessor. */
typedef struct tr_tx_memory {
    tr_tx_info info;
    int mode;
    int ended;       /* the session has ended: tr_transcript_end applies after the last chunk */
    int evicted;     /* the chunks were freed by a memory cap (nchunks is then 0) */
    size_t nchunks;
    const void *store;
    void (*chunk_at)(const void *store, size_t i, tr_tx_chunk *out); /* out->p valid until the store changes */
} tr_tx_memory;

/* The header (session, endpoints, start) and footer (end, counts) around a transcript. */
void tr_transcript_header_info(const tr_tx_info *in, tr_strbuf *sb);
void tr_transcript_footer_info(const tr_tx_info *in, tr_strbuf *sb);
/* The same from a live session; a footer without one (s NULL) says trawl stopped before the end. */
void tr_transcript_header(const tr_session *s, tr_strbuf *sb);
void tr_transcript_footer(const tr_session *s, const char *end, tr_strbuf *sb);

#endif
