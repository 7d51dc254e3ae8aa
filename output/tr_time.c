#include "tr_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tr_format.h"

static int style = TR_TIME_LOCAL;

void tr_time_set_style(int s) { style = s; }
int tr_time_style(void) { return style; }

/* The broken-down time of a second. localtime_r is looked up once a minute per thread (text lines are formatted
 * on two threads): a line per event would otherwise pay for it on every one. Zones change their offset on whole
 * minutes at most. */
static void broken_down(int64_t sec, struct tm *out)
{
    static _Thread_local int64_t minute = INT64_MIN;
    static _Thread_local int cached_style = -1;
    static _Thread_local struct tm at;
    int64_t m = sec >= 0 ? sec - sec % 60 : sec - ((sec % 60) + 60) % 60;
    if (m != minute || cached_style != style) {
        time_t t = (time_t)m;
        if (style == TR_TIME_UTC ? !gmtime_r(&t, &at) : !localtime_r(&t, &at))
            memset(&at, 0, sizeof at);
        minute = m;
        cached_style = style;
    }
    *out = at;
    out->tm_sec += (int)(sec - m);
    if (out->tm_sec > 59) { /* a zone whose offset has seconds (local mean time): its minutes are not UTC's */
        time_t t = (time_t)sec;
        if (style == TR_TIME_UTC ? !gmtime_r(&t, out) : !localtime_r(&t, out))
            memset(out, 0, sizeof *out);
    }
}

static void split(int64_t ts_us, int64_t *sec, int64_t *usec)
{
    *sec = ts_us / 1000000;
    *usec = ts_us % 1000000;
    if (*usec < 0) {
        *usec += 1000000;
        (*sec)--;
    }
}

/* ts_us as people read it, with or without its date; as epoch seconds in that style. */
static void human(int64_t ts_us, int with_date, char out[TR_TIME_MAX])
{
    if (style == TR_TIME_EPOCH) {
        tr_format_ts(ts_us, out);
        return;
    }
    int64_t sec, usec;
    split(ts_us, &sec, &usec);
    struct tm tm;
    broken_down(sec, &tm);
    if (with_date)
        snprintf(out, TR_TIME_MAX, "%04d-%02d-%02d %02d:%02d:%02d.%06d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)usec);
    else
        snprintf(out, TR_TIME_MAX, "%02d:%02d:%02d.%06d", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)usec);
}

void tr_time_full(int64_t ts_us, char out[TR_TIME_MAX]) { human(ts_us, 1, out); }

void tr_time_of_day(int64_t ts_us, char out[TR_TIME_MAX]) { human(ts_us, 0, out); }

int64_t tr_time_day(int64_t ts_us)
{
    if (style == TR_TIME_EPOCH)
        return 0;
    int64_t sec, usec;
    split(ts_us, &sec, &usec);
    struct tm tm;
    broken_down(sec, &tm);
    return (int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

void tr_time_zoned(int64_t ts_us, int utc, char out[TR_TIME_MAX])
{
    int64_t sec, usec;
    split(ts_us, &sec, &usec);
    time_t t = (time_t)sec;
    struct tm tm;
    utc = utc || style != TR_TIME_LOCAL;
    if (utc ? !gmtime_r(&t, &tm) : !localtime_r(&t, &tm)) {
        tr_format_ts(ts_us, out);
        return;
    }
    size_t n = strftime(out, TR_TIME_MAX, utc ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %Z", &tm);
    if (!n)
        tr_format_ts(ts_us, out);
}
