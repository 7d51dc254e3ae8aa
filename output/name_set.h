/* name_set: the file names one session's extracted objects already took, so the exporter picks a free name
 * (`-2`, `-3`, ... before the extension) without asking the file system. The file can then be created on the
 * worker thread (core/tr_wfile.h) instead of by an O_EXCL open on the engine's thread, which cost a create in
 * a large directory per object there (half the engine's time on a capture of web browsing).
 * Names are kept as 64-bit hashes: two names of one session colliding would only cost an extra `-k`. */
#ifndef NAME_SET_H
#define NAME_SET_H

#include <stddef.h>
#include <stdint.h>

#define NAME_SET_MAX 4096 /* names per session; past this the caller falls back to asking the file system */

typedef struct name_set_slot {
    uint64_t key;    /* hash of the name; 0: empty */
    uint32_t next_k; /* for a name used as a base: the suffix to try next */
} name_set_slot;

typedef struct name_set {
    name_set_slot *slot;
    uint32_t n, cap; /* names held, slots (a power of two, at most half full) */
} name_set;

uint64_t name_set_hash(const char *name, size_t n);
/* 1 when the name (its hash) is taken. */
int name_set_has(const name_set *ns, uint64_t key);
/* The suffix to try first for base name key: 1 when the base was never used. */
uint32_t name_set_next_k(const name_set *ns, uint64_t key);
/* Takes name key, tried as suffix k of base (key == base for k == 1; for k > 1 base was taken before): base's
 * next try becomes k + 1. 0, or -1 when full (NAME_SET_MAX) or out of memory: the set is unchanged then. */
int name_set_take(name_set *ns, uint64_t key, uint64_t base, uint32_t k);
/* base's next try becomes k + 1, if base is in the set (nothing is added: for when the set is full). */
void name_set_hint(name_set *ns, uint64_t base, uint32_t k);
/* Bytes the set holds (for --memcap). */
size_t name_set_bytes(const name_set *ns);
void name_set_free(name_set *ns);

#endif
