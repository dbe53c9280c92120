#ifndef IMMICH_DRILL_CARCHIVE_SHIM_H
#define IMMICH_DRILL_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
/* zlib, for gzip streams: libarchive does not verify the gzip CRC-32 (its consume_trailer is a TODO). */
#include <zlib.h>

/* The AE_IF* file-type macros do not import into Swift: re-export them as constants. */
static const unsigned int CA_AE_IFMT = AE_IFMT;
static const unsigned int CA_AE_IFREG = AE_IFREG;
static const unsigned int CA_AE_IFLNK = AE_IFLNK;
static const unsigned int CA_AE_IFDIR = AE_IFDIR;
static const unsigned int CA_AE_IFSOCK = AE_IFSOCK;
static const unsigned int CA_AE_IFCHR = AE_IFCHR;
static const unsigned int CA_AE_IFBLK = AE_IFBLK;
static const unsigned int CA_AE_IFIFO = AE_IFIFO;
#endif
