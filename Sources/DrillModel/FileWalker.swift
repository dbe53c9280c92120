// Walks a folder tree with fts(3), as the live inventory needs it: every regular file with its size and mtime,
// fast on hundreds of thousands of files (FileManager is many times slower on Linux), physical (symlinks are not
// followed), with whole subtrees pruned when a predicate says so. Unreadable folders are reported, not fatal.

import CPosix
import DrillArchive
import Foundation

/// A regular file found by a walk.
package struct WalkedFile: Sendable {
    /// The full path.
    public var path: String
    /// Bytes.
    public var size: Int64
    /// Seconds since 1970.
    public var mtime: Double
    /// The inode change time (set by writes, renames and copies), seconds since 1970.
    package var ctime: Double = 0
    /// The path's bytes when they are not UTF-8 (`path` then shows them as `\xNN`); nil for UTF-8 paths.
    package var rawPath: [UInt8]?
}

/// What a walk met besides files.
package struct WalkSummary: Sendable, Equatable {
    public var files = 0
    public var bytes: Int64 = 0
    package var newestMtime: Double?
    /// Folders pruned by the predicate.
    package var prunedDirectories = 0
    /// Files left out by the predicate.
    package var skippedFiles = 0
    public var symlinks = 0
    /// Paths that could not be read, with the reason.
    package var errors: [String] = []

    package init() {}
}

/// fts-based tree walking.
public enum FileWalker {
    /// What to do with an entry.
    package enum Decision { case include, skip }

    /// Walks `root`. `decide` is asked for every folder (skip prunes it) and file (skip leaves it out), with the
    /// full path and whether it is a folder; `body` gets each included regular file.
    @discardableResult
    package static func walk(_ root: String, decide: (String, Bool) -> Decision = { _, _ in .include },
                            body: (WalkedFile) throws -> Void) throws -> WalkSummary {
        var summary = WalkSummary()
        guard FileProbe.kind(root) == .directory else {
            throw DrillError(.input, file: root, FileProbe.exists(root) ? "not a folder" : "folder not found")
        }
        let argument = strdup(root)
        defer { free(argument) }
        var argv: [UnsafeMutablePointer<CChar>?] = [argument, nil]
        guard let fts = fts_open(&argv, FTS_PHYSICAL | FTS_NOCHDIR, nil) else {
            throw DrillError(.input, file: root, "cannot walk this folder", cause: String(cString: strerror(errno)))
        }
        defer { fts_close(fts) }
        while let entry = fts_read(fts) {
            let info = Int32(entry.pointee.fts_info)
            // Names are bytes: shown as UTF-8 where they are, `\xNN` where not (never merged by U+FFFD).
            let cPath = entry.pointee.fts_path!
            let bytes = UnsafeRawBufferPointer(start: cPath, count: strlen(cPath))
            let path = PathText.decode(bytes)
            let raw: [UInt8]? = PathText.isNotUTF8(bytes) ? Array(bytes) : nil
            switch info {
            case FTS_D:
                if entry.pointee.fts_level > 0, decide(path, true) == .skip {
                    fts_set(fts, entry, FTS_SKIP)
                    summary.prunedDirectories += 1
                }
            case FTS_F:
                guard decide(path, false) == .include else {
                    summary.skippedFiles += 1
                    continue
                }
                let st = entry.pointee.fts_statp.pointee
                let file = WalkedFile(path: path, size: Int64(st.st_size),
                                      mtime: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9,
                                      ctime: Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9,
                                      rawPath: raw)
                summary.files += 1
                summary.bytes += file.size
                summary.newestMtime = max(summary.newestMtime ?? file.mtime, file.mtime)
                try body(file)
            case FTS_SL, FTS_SLNONE:
                summary.symlinks += 1
            case FTS_DNR, FTS_ERR, FTS_NS:
                summary.errors.append("\(path): \(String(cString: strerror(entry.pointee.fts_errno)))")
            default:
                break
            }
        }
        return summary
    }

    /// Removes `root` and everything below it, never following a symlink (a link is removed, not what it names).
    /// Folders a restore left without write permission are made writable first, so they can be emptied.
    package static func removeTree(_ root: String) throws {
        var st = stat()
        guard lstat(root, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            unlink(root)
            return
        }
        let argument = strdup(root)
        defer { free(argument) }
        var argv: [UnsafeMutablePointer<CChar>?] = [argument, nil]
        guard let fts = fts_open(&argv, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, nil) else {
            throw DrillError(.environment, file: root, "cannot remove this folder", cause: String(cString: strerror(errno)))
        }
        defer { fts_close(fts) }
        while let entry = fts_read(fts) {
            let path = entry.pointee.fts_path!
            switch Int32(entry.pointee.fts_info) {
            case FTS_D:
                let mode = entry.pointee.fts_statp.pointee.st_mode
                if mode & 0o700 != 0o700 { chmod(path, (mode & 0o7777) | 0o700) }
            case FTS_DP:
                rmdir(path)
            case FTS_DNR:
                chmod(path, 0o700)
                rmdir(path)
            default:
                unlink(path)
            }
        }
    }

    /// Immich's hidden-file rule for library scans (`includeHidden: false`): a name starting with `.` is hidden.
    package static func isHidden(_ path: String) -> Bool {
        guard let slash = path.lastIndex(of: "/") else { return path.hasPrefix(".") }
        return path[path.index(after: slash)...].hasPrefix(".")
    }
}

/// A file's size and mtime, as a listing keeps them for comparisons.
package struct FileStat: Sendable, Equatable {
    public var size: Int64
    public var mtime: Int64

    package init(size: Int64, mtime: Int64) {
        self.size = size
        self.mtime = mtime
    }
}
