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

    /// Removes `root` and everything below it, never following a symlink (a link is removed, not what it names) and
    /// never crossing into another device. Folders a restore left without write permission are made writable first,
    /// so they can be emptied. With `threads` > 1 the subtrees are shared among that many threads. A drill's restore
    /// holds millions of small files in fans of folders (`upload/<user>/<ab>/<cd>`), and once the cache has let their
    /// inodes go every unlink waits for an inode table block to be read: one thread keeps one read outstanding at a
    /// time (about 1,200 files a second on this project's VM at a million assets), several keep several. The
    /// folders near the top are read breadth first until there are enough to share out (files met on the way are
    /// removed there); each thread removes whole subtrees; the folders above them go last, deepest first. Paths
    /// stay bytes throughout, so a name that is not UTF-8 is removed like any other.
    package static func removeTree(_ root: String, threads: Int = 1) throws {
        let rootPath = Array(root.utf8CString)
        var st = stat()
        guard threads > 1, lstat(rootPath, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            return try removeSubtree(rootPath)
        }
        let device = st.st_dev
        var above: [[CChar]] = []
        var level = [rootPath]
        var depth = 0
        while !level.isEmpty, level.count < threads * 8, depth < 8 {
            var next: [[CChar]] = []
            for folder in level {
                above.append(folder)
                next += removeFiles(in: folder, device: device)
            }
            level = next
            depth += 1
        }
        try Parallel.run(level.map { folder in { try removeSubtree(folder) } }, threads: threads)
        for folder in above.reversed() where rmdir(folder) != 0 && errno == ENOTEMPTY {
            // An entry a directory read did not return while its neighbours were removed: the walk removes it.
            try removeSubtree(folder)
        }
    }

    /// Removes the files, links and other non-folders directly in `folder` (made readable and writable first) and
    /// returns its subfolders on `device` (a folder on another device is left alone, as `fts` with `FTS_XDEV` does).
    /// At most 4,096 of them: the rest of a wider folder, files included, is left to the removal of the folder
    /// itself, so that no layout makes the list of paths large.
    private static func removeFiles(in folder: [CChar], device: dev_t) -> [[CChar]] {
        var st = stat()
        guard lstat(folder, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_dev == device else { return [] }
        if st.st_mode & 0o700 != 0o700 { chmod(folder, (st.st_mode & 0o7777) | 0o700) }
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0, let dir = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            return []
        }
        defer { closedir(dir) }
        var folders: [[CChar]] = []
        let base = folder.dropLast()  // without its NUL
        while folders.count < 4096, let entry = readdir(dir) {
            let kind = entry.pointee.d_type
            withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { name in
                    let length = strlen(name)
                    if name[0] == 0x2E, length == 1 || (length == 2 && name[1] == 0x2E) { return }
                    // The entry's type, where the file system gives it, spares a stat of every file; a folder (or
                    // an entry of unknown type) is stat'ed for its device and kind.
                    if kind == UInt8(DT_DIR) || kind == UInt8(DT_UNKNOWN) {
                        var child = stat()
                        guard fstatat(fd, name, &child, AT_SYMLINK_NOFOLLOW) == 0 else { return }
                        if (child.st_mode & S_IFMT) == S_IFDIR {
                            if child.st_dev == device {
                                var path = Array(base)
                                path.append(0x2F)
                                path.append(contentsOf: UnsafeBufferPointer(start: name, count: length + 1))
                                folders.append(path)
                            }
                            return
                        }
                    }
                    unlinkat(fd, name, 0)
                }
            }
        }
        return folders
    }

    /// The serial removal: fts, physical, no chdir, one device.
    private static func removeSubtree(_ root: [CChar]) throws {
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
            throw DrillError(.environment, file: String(decoding: root.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self),
                             "cannot remove this folder", cause: String(cString: strerror(errno)))
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
