// The file types Immich imports from an external library (server/src/utils/mime-types.ts): a library scan picks up
// only these, so only these can become new assets, and only these count as untracked files in an import path.

/// The file extensions Immich imports as images and videos.
package enum MediaTypes {
    package static let image: Set<String> = [
        "3fr", "ari", "arw", "avif", "bmp", "cap", "cin", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "gif",
        "heic", "heif", "hif", "iiq", "insp", "jp2", "jpe", "jpeg", "jpg", "jxl", "k25", "kdc", "mrw", "nef", "nrw",
        "orf", "ori", "pef", "png", "psd", "raf", "raw", "rw2", "rwl", "sr2", "srf", "srw", "svg", "tif", "tiff",
        "webp", "x3f",
    ]
    package static let video: Set<String> = [
        "3gp", "3gpp", "avi", "flv", "insv", "m2t", "m2ts", "m4v", "mkv", "mov", "mp4", "mpe", "mpeg", "mpg", "mts",
        "vob", "webm", "wmv",
    ]
    /// Extensions worth trying when looking for the original next to an `IMG_123.xmp` sidecar.
    package static let commonExtensions = ["jpg", "JPG", "jpeg", "JPEG", "heic", "HEIC", "png", "PNG", "dng", "DNG", "cr2",
                                   "CR2", "nef", "NEF", "arw", "ARW", "mp4", "MP4", "mov", "MOV", "tif", "TIF"]

    /// True when a library scan would import `path` (by its extension, case-insensitive).
    package static func isMedia(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return false }
        let ext = path[path.index(after: dot)...].lowercased()
        return image.contains(ext) || video.contains(ext)
    }
}
