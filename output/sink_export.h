/* sink_export: the --export DIR sink — events.jsonl, one transcript per session, extracted files,
 * and with --raw each TCP direction's bytes. Streaming throughout, with a bounded number of open files. */
#ifndef SINK_EXPORT_H
#define SINK_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tr_session.h"

/*
 * DIR/events.jsonl                    every event, as -T json plus the `file` fields
 * DIR/sessions/<session>-<proto>.txt  transcript (output/transcript.h): a header written when the
 *                                     session first has something to show (endpoints, start), the
 *                                     conversation as it arrives, a footer at close (end, counts)
 * DIR/files/<session>-<name>          extracted objects, safe names (output/safe_name.h), one per
 *                                     object of the run: -2, -3, ... before the extension (a file
 *                                     an earlier run left under the same name is replaced)
 * DIR/streams/<session>-c2s.bin, -s2c.bin   with raw: TCP bytes at their stream offsets, an interior
 *                                     gap as zero bytes (a hole in the file), tcpflow-style
 * DIR/<path its owner names>          files of no one session (tr_file_create: a torrent's content under
 *                                     torrents/<info_hash>/), written at offsets, sparse where none came
 *
 * Every file is written as its bytes arrive; at most max_open of them are open at once (least
 * recently written closed first, reopened at its end when written again).
 */

typedef struct sink_export sink_export;

#define SINK_EXPORT_MAX_OPEN 128   /* default cap on open transcript/stream/file handles */
#define SINK_EXPORT_MAX_FILES 65536 /* extracted files open (being written) at once */

/* Takes DIR as export_folder_take does (made when missing; an earlier trawl export replaced whole; any other
 * non-empty folder refused unless force) and makes its subfolders. NULL on failure, with a reason in err. */
sink_export *sink_export_open(const char *dir, int raw, int force, char *err, size_t errcap);
/* Lets events.jsonl lines wait for their digests (digest_lines.h); call before sink_export_sink. For offline
 * reading: live, each line is written as its event happens. */
void sink_export_defer_digests(sink_export *x, int on);
/* The sink to add to the context (tr_ctx_add_sink). */
tr_sink sink_export_sink(sink_export *x);
/* Lowers or raises the open-handle cap (at least 1). */
void sink_export_set_max_open(sink_export *x, int max_open);
/* What the exporter holds for open sessions (open files' buffers, transcripts not yet in a file), kept up to
 * date: the engine counts it against --memcap (tr_engine_opts.sink_memory). */
const size_t *sink_export_memory(const sink_export *x);

typedef struct sink_export_stats {
    uint64_t sessions;      /* transcripts written */
    uint64_t files;         /* files extracted */
    uint64_t file_refused;  /* extraction refused: too many at once, or no name could be made */
    uint64_t reopens;       /* handles reopened after the LRU closed them */
    uint64_t write_errors;  /* failed writes, opens or closes */
    uint64_t links;         /* second names made (tr_file_link) */
    uint64_t bytes;         /* written to files, transcripts and streams */
    uint64_t bytes_dropped; /* not written: past --export-max */
    uint64_t files_cut;     /* files left short by --export-max */
    uint64_t link_refused;  /* second names refused (a bad path, a missing file, too many) */
} sink_export_stats;

const sink_export_stats *sink_export_stats_get(const sink_export *x);
/* At most max bytes written into files, transcripts and raw streams (events.jsonl is always whole); 0: no limit.
 * Past it, writes are dropped and counted: a hostile capture cannot fill the disk. */
void sink_export_set_max_bytes(sink_export *x, uint64_t max);
/* 90% of the space free where dir is (for --export-max's default); 0 when it cannot be told. */
uint64_t sink_export_free_space(const char *dir);

/* A session's transcript path under DIR: "sessions/<id>-<proto>.txt" (proto made safe). */
void sink_export_transcript_rel(uint64_t id, const char *proto, char *out, size_t cap);
/* For the UI's export key: makes what the transcript of session id holds so far readable (flushed).
 * 1: being written now, its path under DIR in rel; -1: the session is open but has shown nothing yet (no
 * transcript file); 0: not open here (ended and finished, so its transcript is complete, or never seen). */
int sink_export_session_flush(sink_export *x, uint64_t id, char *rel, size_t cap);

/* Writes a whole file of the export's top folder (credentials.jsonl, stats.json: output/views.h's views_put_fn, arg
 * the exporter) without following a symbolic link; 0, or -1 (counted as a write error). */
int sink_export_put(void *arg, const char *rel, const void *p, size_t n);

/* The SHA-256 of an extracted file (rel as its events name it) as it is now on disk, once the writes queued for it
 * have run, as 64 hex digits: for files whose bytes came in any order (a torrent's), hashed once they are complete
 * and closed. 0, or -1 when it cannot be read (output/views.h's views_digest_fn, arg the exporter). */
int sink_export_file_sha256(void *arg, const char *rel, char *hex);

/* Ends transcripts of sessions still open (footer: trawl stopped), flushes and closes everything, and
 * frees x. Returns 0, or -1 when anything failed to be written (first reason in err). Not async-signal-safe:
 * call it from the main loop after a signal stopped the capture. */
/* sink_export_finish, and what was exported in all (the counts once every transcript is closed). */
int sink_export_finish_stats(sink_export *x, sink_export_stats *final, char *err, size_t errcap);
int sink_export_finish(sink_export *x, char *err, size_t errcap);

#endif
