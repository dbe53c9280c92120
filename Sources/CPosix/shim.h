#ifndef IMMICH_DRILL_CPOSIX_SHIM_H
#define IMMICH_DRILL_CPOSIX_SHIM_H
/* fts(3) is not in Glibc's Swift module map. */
#include <sys/types.h>
#include <sys/stat.h>
#include <fts.h>
#endif
