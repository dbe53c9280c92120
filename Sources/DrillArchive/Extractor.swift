// Safe extraction of an archive into a scratch folder, for restore drills. Every entry's path, and every link's
// target, is checked before anything is written: absolute paths, `..` components, symlinks whose target leaves the
// folder, hard links to anything not already extracted inside it, and writing through any symlink are refused and
// reported, never followed. Files are created with O_EXCL|O_NOFOLLOW below folders that are checked to be real
// folders; mtimes are kept; set-id bits are dropped. The caller picks the entries (a sample, or all) and may see
// each extracted file's bytes as they are written, to hash them in the same pass.

import CArchive
import Foundation

/// What an extraction did.
public struct ExtractionResult: Sendable {
    /// Entries in the archive (headers read).
    public var entries = 0
    public var files = 0
    public var bytes: Int64 = 0
    public var directories = 0
    public var symlinks = 0
    public var hardlinks = 0
    /// Entries refused, with the reason.
    public var refused: [(path: String, reason: String)] = []
    /// Seconds spent on extracted files (their data read and written), a part of the whole.
    public var writeSeconds = 0.0
}

/// Receives the extracted files' bytes.
public protocol ExtractionObserver: AnyObject {
    /// Where an archive path goes, relative to the root (nil: it is outside what is restored). The path given is
    /// already checked to be relative and free of `..`.
    func place(_ archivePath: String) -> String?
    /// Whether to extract an entry (a sample extracts only some files).
    func wants(_ entry: ArchiveEntry, at relative: String) -> Bool
    /// A regular file begins; `relative` is where it is written.
    func begin(_ relative: String, _ entry: ArchiveEntry)
    /// The next bytes of the current file.
    func data(_ bytes: UnsafeRawBufferPointer)
    /// The current file is complete.
    func end()
}

public final class ArchiveExtractor {
    public let path: String
    public let root: String
    private let rootFD: Int32
    /// Folders made (or checked) so far, so each is checked once.
    private var madeDirectories = Set<String>()
    /// Checked between entries and blocks; true stops the extraction with `ArchiveError` of kind `.write`.
    public var isCancelled: () -> Bool = { false }

    /// Extracts into `root`, an existing empty folder.
    public init(path: String, root: String) throws {
        self.path = path
        self.root = root
        rootFD = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard rootFD >= 0 else {
            throw ArchiveError(.write, path: root, "cannot open the scratch folder: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(rootFD) }

    /// `a/./b/` → `a/b`; nil for absolute paths, `..` components and empty paths.
    public static func safeRelative(_ path: String) -> String? {
        guard !path.hasPrefix("/") else { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { return nil }
            parts.append(part)
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// A symlink at `relative` pointing at `target` stays inside the root.
    static func symlinkStaysInside(_ relative: String, target: String) -> Bool {
        guard !target.hasPrefix("/"), !target.isEmpty else { return false }
        var parts = relative.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { return false }
                parts.removeLast()
            } else {
                parts.append(String(part))
            }
        }
        return true
    }

    public func extract(_ observer: ExtractionObserver) throws -> ExtractionResult {
        var result = ExtractionResult()
        let a = try CompressedStream.openReader(path) { archive_read_support_format_all($0) }
        defer { archive_read_free(a) }
        var directoryTimes: [(String, Int64)] = []
        var entry: OpaquePointer?
        while true {
            if isCancelled() { throw ArchiveError(.write, path: path, "cancelled") }
            let status = archive_read_next_header(a, &entry)
            if status == ARCHIVE_EOF { break }
            if status < ARCHIVE_WARN {
                let message = CompressedStream.errorText(a)
                throw ArchiveError(CompressedStream.classify(message), path: path, message)
            }
            guard let entry else { continue }
            result.entries += 1
            let item = ArchiveLister.describe(entry)
            guard let clean = ArchiveExtractor.safeRelative(item.path) else {
                if item.path.hasPrefix("/") || item.path.split(separator: "/").contains("..") {
                    result.refused.append((item.path, item.path.hasPrefix("/") ? "an absolute path" : "a '..' component"))
                }
                continue
            }
            guard let placed = observer.place(clean), let relative = ArchiveExtractor.safeRelative(placed),
                  observer.wants(item, at: relative) else { continue }
            let mode = archive_entry_perm(entry) & 0o777
            switch item.type {
            case .directory:
                if let reason = makeDirectories(relative, includingLast: true) {
                    result.refused.append((item.path, reason))
                } else {
                    result.directories += 1
                    directoryTimes.append((relative, item.mtime))
                }
            case .symlink:
                let target = item.linkTarget ?? ""
                guard ArchiveExtractor.symlinkStaysInside(relative, target: target) else {
                    result.refused.append((item.path, "a symlink to \(target), outside the restore"))
                    continue
                }
                if let reason = makeDirectories(relative, includingLast: false) {
                    result.refused.append((item.path, reason))
                    continue
                }
                unlinkat(rootFD, relative, 0)
                if symlinkat(target, rootFD, relative) == 0 {
                    result.symlinks += 1
                } else {
                    result.refused.append((item.path, "cannot create the symlink: \(String(cString: strerror(errno)))"))
                }
            case .hardlink:
                guard let raw = item.linkTarget, let cleanTarget = ArchiveExtractor.safeRelative(raw),
                      let mapped = observer.place(cleanTarget), let target = ArchiveExtractor.safeRelative(mapped) else {
                    result.refused.append((item.path, "a hard link to \(item.linkTarget ?? "?"), outside the restore"))
                    continue
                }
                var st = stat()
                guard fstatat(rootFD, target, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG,
                      makeDirectories(relative, includingLast: false) == nil else {
                    result.refused.append((item.path, "a hard link to \(raw), which was not extracted"))
                    continue
                }
                unlinkat(rootFD, relative, 0)
                if linkat(rootFD, target, rootFD, relative, 0) == 0 {
                    result.hardlinks += 1
                    result.files += 1
                    result.bytes += Int64(st.st_size)
                    observer.begin(relative, ArchiveEntry(path: item.path, type: .hardlink, size: Int64(st.st_size),
                                                          mtime: item.mtime, linkTarget: raw))
                    try feed(file: target, to: observer)
                    observer.end()
                } else {
                    result.refused.append((item.path, "cannot create the hard link: \(String(cString: strerror(errno)))"))
                }
            case .file:
                if let reason = makeDirectories(relative, includingLast: false) {
                    result.refused.append((item.path, reason))
                    continue
                }
                let started = Date()
                let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
                var fd = openat(rootFD, relative, flags, mode_t(mode | 0o200))
                if fd < 0, errno == EEXIST {
                    // A later entry for the same path replaces the earlier one, as tar does; never a folder or link.
                    var st = stat()
                    guard fstatat(rootFD, relative, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) != S_IFDIR else {
                        result.refused.append((item.path, "a folder is already there"))
                        continue
                    }
                    unlinkat(rootFD, relative, 0)
                    fd = openat(rootFD, relative, flags, mode_t(mode | 0o200))
                }
                guard fd >= 0 else {
                    throw ArchiveError(.write, path: root + "/" + relative, "cannot create: \(String(cString: strerror(errno)))")
                }
                observer.begin(relative, item)
                var written: Int64 = 0
                do {
                    defer { close(fd) }
                    var buffer: UnsafeRawPointer?
                    var size = 0
                    var offset: Int64 = 0
                    while true {
                        let r = archive_read_data_block(a, &buffer, &size, &offset)
                        if r == ARCHIVE_EOF { break }
                        if r < ARCHIVE_WARN {
                            let message = CompressedStream.errorText(a)
                            throw ArchiveError(CompressedStream.classify(message), path: path, message)
                        }
                        if isCancelled() { throw ArchiveError(.write, path: path, "cancelled") }
                        guard let buffer, size > 0 else { continue }
                        let chunk = UnsafeRawBufferPointer(start: buffer, count: size)
                        observer.data(chunk)
                        var done = 0
                        while done < size {
                            let n = pwrite(fd, buffer + done, size - done, off_t(offset) + off_t(done))
                            if n < 0 {
                                if errno == EINTR { continue }
                                throw ArchiveError(.write, path: root + "/" + relative, "cannot write: \(String(cString: strerror(errno)))")
                            }
                            done += n
                        }
                        written = max(written, offset + Int64(size))
                    }
                    if written < item.size { ftruncate(fd, off_t(item.size)) }
                    var times = [timespec(tv_sec: Int(item.mtime), tv_nsec: 0), timespec(tv_sec: Int(item.mtime), tv_nsec: 0)]
                    futimens(fd, &times)
                    if mode & 0o200 == 0 { fchmod(fd, mode_t(mode)) }
                }
                observer.end()
                // Reading an entry's data is decompression plus writing; what a skipped entry costs is only the first.
                result.writeSeconds += Date().timeIntervalSince(started)
                result.files += 1
                result.bytes += max(written, item.size)
            case .other:
                result.refused.append((item.path, "a device, FIFO or socket"))
            }
        }
        // Folders' mtimes last (writing inside them changed them), deepest first.
        for (relative, mtime) in directoryTimes.sorted(by: { $0.0.count > $1.0.count }) {
            var times = [timespec(tv_sec: Int(mtime), tv_nsec: 0), timespec(tv_sec: Int(mtime), tv_nsec: 0)]
            utimensat(rootFD, relative, &times, AT_SYMLINK_NOFOLLOW)
        }
        return result
    }

    /// Creates the folders of `relative` (and `relative` itself when `includingLast`), refusing to pass through
    /// anything that is not a real folder. Returns the reason when it refuses.
    private func makeDirectories(_ relative: String, includingLast: Bool) -> String? {
        var parts = relative.split(separator: "/").map(String.init)
        if !includingLast { parts.removeLast() }
        var current = ""
        for part in parts {
            current = current.isEmpty ? part : current + "/" + part
            if madeDirectories.contains(current) { continue }
            defer { madeDirectories.insert(current) }
            var st = stat()
            if fstatat(rootFD, current, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                if (st.st_mode & S_IFMT) == S_IFDIR { continue }
                return (st.st_mode & S_IFMT) == S_IFLNK ? "written through the symlink \(current)" : "\(current) is not a folder"
            }
            if mkdirat(rootFD, current, 0o755) != 0, errno != EEXIST {
                return "cannot create \(current): \(String(cString: strerror(errno)))"
            }
        }
        return nil
    }

    /// Reads an already-extracted file back to the observer (a hard link's content).
    private func feed(file relative: String, to observer: ExtractionObserver) throws {
        let fd = openat(rootFD, relative, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            buffer.withUnsafeBytes { observer.data(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }
}
