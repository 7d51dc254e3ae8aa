/* privdrop: -Z USER — give up root once the capture device is open, as tcpdump does. */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <stddef.h>

/* 0 when the process now runs as user (and can no longer regain root); -1 with a message otherwise. */
int privdrop_to(const char *user, char *err, size_t errlen);

#endif
