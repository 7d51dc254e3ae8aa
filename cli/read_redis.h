/* read_redis: `trawl --read-redis URL` — the consumer that shows the streams sensors write are usable: it reads
 * them through a consumer group, prints each entry's JSON line on stdout as -T json would, and XACKs an entry
 * only once its line is written. */
#ifndef READ_REDIS_H
#define READ_REDIS_H

#include <signal.h>

#include "../output/redis_url.h"

/* Reads until *stop is set (Ctrl-C), then ends after the batch in hand is printed and acknowledged.
 * sensor names the default stream (trawl:SENSOR) when the URL lists none. Returns the exit status. */
int read_redis_run(const redis_url *u, const char *sensor, volatile sig_atomic_t *stop);

#endif
