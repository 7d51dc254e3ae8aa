/* media_ext: the file name extension of a media type, for an extracted object whose origin gives a name without
 * one (an HTTP URI "/api/getMonitorKpiData" answered with application/json gets ".json", a MIME part without a
 * filename ".pdf"). */
#ifndef MEDIA_EXT_H
#define MEDIA_EXT_H

#include <stddef.h>

/* The extension (".json") of the media type in ct[0..n) — parameters, case and spaces ignored; NULL when unknown. */
const char *media_ext(const char *ct, size_t n);

/* Appends the extension of ct to name (NUL-terminated, cap bytes) when name's last segment has none and the type is
 * known and the result fits. */
void media_ext_name(char *name, size_t cap, const char *ct, size_t n);

#endif
