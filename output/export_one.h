/* export_one: the UI's `e` key — one session's transcript (and where its extracted files are) written out
 * through the exporter's code. With --export DIR the running exporter already writes it: the message says where.
 * Without, it is rendered from what the UI keeps (tr_tx_memory) into FALLBACK/sessions/<id>-<proto>.txt. */
#ifndef EXPORT_ONE_H
#define EXPORT_ONE_H

#include <stddef.h>
#include <stdint.h>

#include "sink_export.h"
#include "transcript.h"

#define EXPORT_ONE_FALLBACK "trawl-export" /* relative to the working directory */

typedef struct export_one {
    const char *dir;        /* --export DIR, or NULL */
    sink_export *exporter;  /* the exporter writing into dir (with dir) */
    const char *fallback;   /* without dir: where to write; NULL for EXPORT_ONE_FALLBACK */
    /* What the UI keeps of session id: 0, or -1 when it keeps nothing. */
    int (*lookup)(void *arg, uint64_t id, tr_tx_memory *out);
    void *lookup_arg;
} export_one;

/* tui_options.export_session (self: an export_one). Writes a one-line message for the status line into msg
 * ("exported to out/sessions/12-http.txt"). Never overwrites: an existing name gets -2, -3, ... before .txt.
 * Returns 0, or -1 when nothing was exported. */
int export_one_session(void *self, uint64_t id, char *msg, size_t cap);

/* Writes a transcript kept in memory as the exporter writes one: header, body, footer. 0, or -1 (errno set). */
int export_one_write(const tr_tx_memory *mt, FILE *f);

#endif
