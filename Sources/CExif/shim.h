#ifndef IMMICH_DRILL_CEXIF_SHIM_H
#define IMMICH_DRILL_CEXIF_SHIM_H
#include <stddef.h>
#include <libexif/exif-data.h>
#include <libexif/exif-loader.h>

/* exif_data_get_entry is a macro over the five IFDs, which Swift cannot call: one function for it. Writes the
   entry's value as text into buf (at most size bytes, NUL-terminated) and returns 1, or 0 when the tag is absent. */
static inline int cexif_value(ExifData *data, ExifTag tag, char *buf, unsigned int size) {
    ExifEntry *entry = exif_data_get_entry(data, tag);
    if (entry == NULL || size == 0) return 0;
    buf[0] = 0;
    exif_entry_get_value(entry, buf, size);
    buf[size - 1] = 0;
    return 1;
}
#endif
