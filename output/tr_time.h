/* tr_time: times as people read them in text output, transcripts and the UI — local time (the default, like
 * tcpdump -tttt), UTC, or seconds since the epoch (--time local|utc|epoch). JSON keeps epoch seconds always. */
#ifndef TR_TIME_H
#define TR_TIME_H

#include <stdint.h>

enum tr_time_style { TR_TIME_LOCAL = 0, TR_TIME_UTC, TR_TIME_EPOCH };

#define TR_TIME_MAX 48 /* room for the longest time written, with its NUL */

/* The style of the whole run (set once, before any output). */
void tr_time_set_style(int style);
int tr_time_style(void);
/* "2019-11-12 08:40:15.982183" (local or UTC), or "1573548015.982183" (epoch). */
void tr_time_full(int64_t ts_us, char out[TR_TIME_MAX]);
/* "08:40:15.982183": the time of day only (epoch style: as tr_time_full). */
void tr_time_of_day(int64_t ts_us, char out[TR_TIME_MAX]);
/* The day ts_us falls on in the style's time zone (to tell when the date changes); 0 in epoch style. */
int64_t tr_time_day(int64_t ts_us);
/* "2019-11-12 09:40:15 CET" (local style) or "... UTC" (the others, or when utc is set): a second's time with its
 * zone, for headers. */
void tr_time_zoned(int64_t ts_us, int utc, char out[TR_TIME_MAX]);

#endif
