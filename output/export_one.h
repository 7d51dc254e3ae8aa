/* export_one: the UI's `e` key — one session exported as --export exports a run (sink_export's layout: its
 * transcript in sessions/, its extracted files in files/, its events in events.jsonl), into a new folder of its own
 * named after the session: ./trawl-session-000042/, or -2, -3, ... when that name is taken. A folder that exists
 * is never written into.
 * When the input can be read again (a capture file), it is, from its start, into a sink_export behind a filter
 * that lets through only the session and the sessions it opened (an FTP transfer's data connection): the export is
 * the one --export writes, file for file, with the views' files (credentials.jsonl, files.jsonl, hosts.jsonl,
 * stats.json) of what it holds. Otherwise (live, stdin) it is written from what the UI keeps: the
 * transcript (tr_tx_memory) and the events; files only when --export DIR has them (copied from there). */
#ifndef EXPORT_ONE_H
#define EXPORT_ONE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sink_export.h"
#include "transcript.h"

#define EXPORT_ONE_PREFIX "trawl-session-" /* the new folder: <base>/trawl-session-<id, 6 digits>[-N] */

typedef struct export_one {
    const char *base; /* where the new folder is made; NULL: the working directory */
    /* Reads the input again from its start with sink as its only sink, set up as the run is (capture filter, -c,
     * limits: sessions get the same ids): 0, or -1 with a reason in err. NULL when the input cannot be read again. */
    int (*replay)(void *arg, const tr_sink *sink, char *err, size_t cap);
    void *replay_arg;
    /* What the UI keeps of session id: 0, or -1 when it keeps nothing. */
    int (*lookup)(void *arg, uint64_t id, tr_tx_memory *out);
    /* The session's events as events.jsonl lines, *written of them (may be NULL): 0, or -1. */
    int (*events)(void *arg, uint64_t id, FILE *f, size_t *written);
    void *lookup_arg;
    /* --export DIR and its exporter (may be NULL): without replay, the session's files are copied from there. */
    const char *dir;
    sink_export *exporter;
} export_one;

/* tui_options.export_session (self: an export_one). Writes a one-line message for the status line into msg
 * ("session 42 exported to trawl-session-000042/: 1 transcript, 1 file, 7 events"). Returns 0, or -1 when nothing
 * was exported (msg says why). */
int export_one_session(void *self, uint64_t id, char *msg, size_t cap);

/* Writes a transcript kept in memory as the exporter writes one: header, body, footer. 0, or -1 (errno set). */
int export_one_write(const tr_tx_memory *mt, FILE *f);

/* The sink export_one_session reads the input again into: passes to `to` what concerns session id and the sessions
 * whose parent it is, nothing else. expect (may be NULL): the session as the UI knows it; when the input read again
 * gives session id other endpoints, nothing passes (mismatch is set). */
typedef struct export_one_filter {
    tr_sink to;
    tr_sink also; /* a second sink (the views) given what passes of events and session opens; zeroed: none */
    uint64_t id;
    const tr_tx_info *expect;
    int seen, mismatch;
    uint64_t events;
    uint64_t kin[64]; /* the sessions let through: id, then its children */
    int nkin;
} export_one_filter;

tr_sink export_one_filter_sink(export_one_filter *f);

#endif
