/* views: the views across protocols, built from events as they come — credentials, files, messages, hosts, the
 * tables dissectors give (core/tr_view.h: DHCP's leases, BitTorrent's torrents) and the statistics. The UI shows
 * them as tabs, the export writes them (credentials.jsonl, files.jsonl, hosts.jsonl, stats.json and each dissector
 * table's file), --stats prints the statistics. A sink; every table has a cap, and what a cap kept out is counted
 * and said. Names no protocol: what a protocol alone knows comes through its dissector's view hook. */
#ifndef VIEWS_H
#define VIEWS_H

#include <stdint.h>
#include <stdio.h>

#include "../core/tr_session.h"
#include "../core/tr_strbuf.h"
#include "event_counts.h"

typedef struct views views;

/* How a column's cells read: text, a count, a size in bytes, a time (seconds since the epoch, six decimals), a flag
 * (true/false). Cells are stored as text in these forms; the UI shows them for people. */
enum views_kind { VK_TEXT = 0, VK_INT, VK_SIZE, VK_TS, VK_BOOL, VK_LIST };

enum views_table_id { VIEWS_CREDENTIALS = 0, VIEWS_FILES, VIEWS_MESSAGES, VIEWS_HOSTS, VIEWS_FIXED_TABLES };

#define VIEWS_CREDS_MAX 100000
#define VIEWS_FILES_MAX 100000
#define VIEWS_MESSAGES_MAX 16384
#define VIEWS_HOSTS_MAX 65536
#define VIEWS_ROWS_MAX 65536 /* rows of one dissector table */
#define VIEWS_CONV_MAX 65536 /* conversations (address pairs) counted */
#define VIEWS_SERIES 4096    /* points of the per-second series; a longer capture widens each point */

views *views_new(void);
void views_free(views *v);
tr_sink views_sink(views *v);
/* Changes whenever any table or statistic changes. */
uint64_t views_generation(const views *v);
/* Brings rows up to date (hosts whose counters moved, digests now known); the UI calls it before reading rows. */
void views_sync(views *v);

/* Tables: the four fixed ones, then each dissector table in registry order. */
int views_ntables(const views *v);
const char *views_table_name(const views *v, int t);
int views_table_ncols(const views *v, int t);
const char *views_table_col(const views *v, int t, int c);
int views_table_kind(const views *v, int t, int c);
size_t views_table_nrows(const views *v, int t);
/* Row r's cells, NUL-separated, ncols of them (valid until the next sink call or views_sync). */
const char *views_table_row(const views *v, int t, size_t r);
/* Cell c of a row's cells. */
const char *views_cell(const char *cells, int c);
/* Rows a cap kept out of table t. */
uint64_t views_table_dropped(const views *v, int t);

/* The statistics as --stats prints them and the UI's Statistics tab shows them: plain words, one table after the
 * other. */
void views_stats_text(views *v, tr_strbuf *sb);
/* The per-second series: n points of width seconds from start_us (packets and payload bytes in each). */
void views_series(const views *v, int64_t *start_us, int64_t *width_s, const uint64_t **packets,
                  const uint64_t **bytes, size_t *n);
/* Counts of events by type and values of the dissectors' stat fields (--stats), kept inside. */
const event_counts *views_counts(const views *v);

/* Writes credentials.jsonl, files.jsonl, hosts.jsonl, stats.json and the dissector tables' files through put (a
 * whole file at a time: its path under the export folder, its bytes); returns -1 when a put failed. */
typedef int (*views_put_fn)(void *arg, const char *rel, const void *p, size_t n);
/* The SHA-256 of an extracted file (its path as the Files table has it) in hex; 0, or -1 when it has none. */
typedef int (*views_digest_fn)(void *arg, const char *rel, char *hex);
/* Files listed complete, with a file and no SHA-256 (a torrent's, whose pieces came in any order and were
 * checked by SHA-1), get the digest of their file once it is written. */
void views_fill_file_digests(views *v, views_digest_fn digest, void *arg);
int views_export(views *v, views_put_fn put, void *arg);

/* For tests: the JSON lines of table t (as the export writes them) or of the hosts, and stats.json. */
void views_table_jsonl(views *v, int t, tr_strbuf *sb);
void views_hosts_jsonl(views *v, tr_strbuf *sb);
void views_stats_json(views *v, tr_strbuf *sb);

#endif
