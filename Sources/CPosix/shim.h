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

/* libcurl, opened with dlopen(3) only when a drill pings a monitor, so no run pays for loading it (and its TLS,
   Kerberos and LDAP libraries) at start. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
   call through a pointer: these wrappers make each call with the argument type its option takes. */
#include <dlfcn.h>
#include <stddef.h>
typedef int (*drill_curl_variadic_fn)(void *handle, int option, ...);
static inline int drill_curl_setopt_long(void *fn, void *handle, int option, long value) {
    return ((drill_curl_variadic_fn)fn)(handle, option, value);
}
static inline int drill_curl_setopt_pointer(void *fn, void *handle, int option, const void *value) {
    return ((drill_curl_variadic_fn)fn)(handle, option, value);
}
static inline size_t drill_curl_discard(char *data, size_t size, size_t count, void *context) {
    (void)data; (void)context;
    return size * count;
}
/* The answer's body is read and dropped as it arrives (libcurl's default writes it to stdout). */
static inline int drill_curl_setopt_discard(void *fn, void *handle, int option) {
    return ((drill_curl_variadic_fn)fn)(handle, option, drill_curl_discard);
}
static inline int drill_curl_getinfo_long(void *fn, void *handle, int info, long *value) {
    return ((drill_curl_variadic_fn)fn)(handle, info, value);
}
#endif
