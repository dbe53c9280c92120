#ifndef IMMICH_DRILL_CPOSIX_SHIM_H
#define IMMICH_DRILL_CPOSIX_SHIM_H
/* fts(3) is not in Glibc's Swift module map. */
#include <sys/types.h>
#include <sys/stat.h>
#include <fts.h>
#include <spawn.h>

/* glibc >= 2.34 (Debian 12 has 2.36): close every descriptor from `from` up in the child, so a backup tool started by
   a drill holds nothing of the drill's but the three standard streams. Declared here because Swift's Glibc module
   is built without _GNU_SOURCE. */
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/* malloc_trim(3): hands freed heap pages back to the system between a drill's steps. */
#include <malloc.h>
#endif
