/* export_folder: taking the folder an export goes to. An empty or new folder is taken; an earlier trawl export (it
 * holds the marker file this writes) is emptied first, so no stale file of that run mixes with this one's; any other
 * non-empty folder is refused unless forced, when it is written into as it is (nothing of the user's removed). */
#ifndef EXPORT_FOLDER_H
#define EXPORT_FOLDER_H

#include <stddef.h>

#define EXPORT_FOLDER_MARKER ".trawl-export"

/* Makes dir (and its parents) when missing, and returns it opened (O_DIRECTORY), ready to write into; -1 with err set
 * when it cannot be had or is refused. Removing an earlier export follows no symbolic link: a link planted in it is
 * removed itself, never what it points to. */
int export_folder_take(const char *dir, int force, char *err, size_t errcap);

#endif
