// Safe extraction of an archive into a scratch folder, for restore drills and restore day. Safety is by
// construction, not by judging each entry's text: the target folder is opened once and every entry's parent is
// reached from it one component at a time with O_NOFOLLOW | O_DIRECTORY (`BeneathTree`), so no symlink is followed
// at any component, whatever links earlier entries left. Files are created with O_CREAT | O_EXCL | O_NOFOLLOW
// relative to that verified parent, so no sequence of entries can make a later one land outside, and a refused entry
// cannot make a later entry through the same path acceptable (the same walk refuses it again).
//
// - Absolute paths and `..` components are refused.
// - Symlinks are restored as links, with their text as stored, and never followed by the extractor; a link whose
//   text points outside the folder is reported (Immich never needs one).
// - Hard links are made only to files this extraction wrote (by device and inode), never to anything else.
// - Devices, FIFOs and sockets are refused; set-id bits are dropped; mtimes are kept.
// - Names are kept as bytes: a name that is not UTF-8 is written as it is stored, and reported.
// - A sparse file's holes reach the observer as zeros, so its hash is that of the file as read back.
//
// The caller picks the entries (a sample, or all) and may see each extracted file's bytes as they are written, to
// hash them in the same pass.

import CArchive
import Foundation

/// What an extraction did.
public struct ExtractionResult: Sendable {
    /// Entries in the archive (headers read).
    public var entries = 0
    public var files = 0
    public var bytes: Int64 = 0
    package var directories = 0
    public var symlinks = 0
    package var hardlinks = 0
    /// Entries refused, with the reason.
    public var refused: [(path: String, reason: String)] = []
    /// Symlinks restored (as links, never followed) whose text points outside the folder.
    public var linksOutside: [(path: String, target: String)] = []
    /// Entries whose names are not UTF-8 (shown with `\xNN` for the bytes that are not), written as stored.
    public var notUTF8: [String] = []
    /// Seconds spent on extracted files (their data read and written), a part of the whole.
    package var writeSeconds = 0.0
}

/// Receives the extracted files' bytes.
package protocol ExtractionObserver: AnyObject {
    /// Where an archive path goes, relative to the root (nil: it is outside what is restored). The path given is
    /// already checked to be relative and free of `..`; the answer must be that path or a tail of its components.
    func place(_ archivePath: String) -> String?
    /// Whether to extract an entry (a sample extracts only some files).
    func wants(_ entry: ArchiveEntry, at relative: String) -> Bool
    /// A regular file begins; `relative` is where it is written.
    func begin(_ relative: String, _ entry: ArchiveEntry)
    /// The next bytes of the current file.
    func data(_ bytes: UnsafeRawBufferPointer)
    /// The current file is complete.
    func end()
    /// How many bytes of the archive file have been read so far (told at each entry, for a progress bar).
    func read(_ consumed: Int64)
}

extension ExtractionObserver {
    package func read(_ consumed: Int64) {}
}

/// Extracts an archive into one folder and nowhere else: entries that would leave it are refused and reported.
public final class ArchiveExtractor {
    public let path: String
    public let root: String
    private let tree: BeneathTree
    /// The files this extraction wrote (device, inode): the only ones a hard link may name.
    private var written = Set<FileIdentity>()
    /// Checked between entries and blocks; true stops the extraction with `ArchiveError` of kind `.write`.
    public var isCancelled: () -> Bool = { false }
    /// One buffer for reading hard-linked files back to the observer.
    private let readBack = UnsafeMutableRawBufferPointer.allocate(byteCount: CompressedStream.blockSize, alignment: 16)

    /// Extracts into `root`, an existing folder (not a symlink).
    public init(path: String, root: String) throws {
        self.path = path
        self.root = root
        tree = try BeneathTree(root: root)
    }

    deinit { readBack.deallocate() }

    /// `a/./b/` → `a/b`; nil for absolute paths, `..` components and empty paths.
    package static func safeRelative(_ path: String) -> String? {
        BeneathTree.components(path).map { BeneathTree.text($0) }
    }

    /// Whether a symlink at `relative` pointing at `target` would, if followed, stay inside the root (judged by its
    /// text; used only to report links, since the extractor never follows one).
    static func symlinkStaysInside(_ relative: String, target: String) -> Bool {
        guard !target.hasPrefix("/"), !target.isEmpty else { return false }
        var depth = relative.split(separator: "/").count - 1
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if depth == 0 { return false }
                depth -= 1
            } else {
                depth += 1
            }
        }
        return true
    }

    /// Where an entry goes: its components below the root and their text, or nil when it is not extracted.
    private func placed(_ raw: [UInt8], observer: ExtractionObserver) -> (parts: PathComponents, text: String)? {
        guard let clean = BeneathTree.components(raw) else { return nil }
        let text = BeneathTree.text(clean)
        guard let mapped = observer.place(text), let mappedParts = BeneathTree.components(mapped) else { return nil }
        // The observer keeps a tail of the components (an `--inside` prefix dropped); take that tail of the bytes,
        // so a name that is not UTF-8 is written as stored.
        if mappedParts.count <= clean.count, BeneathTree.text(clean.suffix(mappedParts.count)) == mapped {
            return (Array(clean.suffix(mappedParts.count)), mapped)
        }
        return (mappedParts, mapped)
    }

    package func extract(_ observer: ExtractionObserver) throws -> ExtractionResult {
        var result = ExtractionResult()
        let a = try CompressedStream.openReader(path) { archive_read_support_format_all($0) }
        defer { archive_read_free(a) }
        var directoryTimes: [(PathComponents, Int64)] = []
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
            observer.read(archive_filter_bytes(a, -1))
            result.entries += 1
            let item = ArchiveLister.describe(entry)
            let raw = ArchiveLister.rawPath(entry)
            if PathText.isNotUTF8(raw) { result.notUTF8.append(item.path) }
            guard let (parts, relative) = placed(raw, observer: observer) else {
                if raw.first == UInt8(ascii: "/") {
                    result.refused.append((item.path, "an absolute path"))
                } else if raw.split(separator: UInt8(ascii: "/")).contains(where: { $0.elementsEqual("..".utf8) }) {
                    result.refused.append((item.path, "a '..' component"))
                }
                continue
            }
            guard observer.wants(item, at: relative) else { continue }
            let mode = archive_entry_perm(entry) & 0o777
            do {
                switch item.type {
                case .directory:
                    _ = try tree.folder(parts[...], create: true)
                    result.directories += 1
                    directoryTimes.append((parts, item.mtime))
                case .symlink:
                    let target = item.linkTarget ?? ""
                    let parent = try tree.folder(parts.dropLast(), create: true)
                    try BeneathTree.clear(parts.last!, in: parent, shown: relative)
                    let made = ArchiveLister.rawLinkTarget(entry).withUnsafeBufferPointer { buffer in
                        symlinkat(buffer.baseAddress!, parent, parts.last!)
                    }
                    guard made == 0 else {
                        throw Refusal(reason: "cannot create the symlink: \(String(cString: strerror(errno)))")
                    }
                    result.symlinks += 1
                    if !ArchiveExtractor.symlinkStaysInside(relative, target: target) {
                        result.linksOutside.append((item.path, target))
                    }
                case .hardlink:
                    try hardlink(entry, item, parts: parts, relative: relative, observer: observer, result: &result)
                case .file:
                    try file(a, item, parts: parts, relative: relative, mode: mode, observer: observer, result: &result)
                case .other:
                    throw Refusal(reason: "a device, FIFO or socket")
                }
            } catch let refusal as Refusal {
                result.refused.append((item.path, refusal.reason))
            }
        }
        // Folders' mtimes last (writing inside them changed them), deepest first; each reached by the same walk.
        for (parts, mtime) in directoryTimes.sorted(by: { $0.0.count > $1.0.count }) {
            guard let fd = try? tree.openOwned(parts[...]) else { continue }
            var times = [timespec(tv_sec: Int(mtime), tv_nsec: 0), timespec(tv_sec: Int(mtime), tv_nsec: 0)]
            futimens(fd, &times)
            close(fd)
        }
        return result
    }

    /// A hard link: only to a regular file this extraction wrote, reached by the same walk.
    private func hardlink(_ entry: OpaquePointer, _ item: ArchiveEntry, parts: PathComponents, relative: String,
                          observer: ExtractionObserver, result: inout ExtractionResult) throws {
        let raw = item.linkTarget ?? "?"
        guard let (targetParts, _) = placed(ArchiveLister.rawLinkTarget(entry).dropLast().map { UInt8(bitPattern: $0) },
                                            observer: observer) else {
            throw Refusal(reason: "a hard link to \(raw), outside the restore")
        }
        let notWritten = Refusal(reason: "a hard link to \(raw), which this extraction did not write")
        let targetParent: Int32
        do { targetParent = try tree.openOwned(targetParts.dropLast()) } catch { throw notWritten }
        defer { close(targetParent) }
        guard let st = BeneathTree.lstat(targetParts.last!, in: targetParent), (st.st_mode & S_IFMT) == S_IFREG,
              written.contains(FileIdentity(st)) else { throw notWritten }
        let parent = try tree.folder(parts.dropLast(), create: true)
        try BeneathTree.clear(parts.last!, in: parent, shown: relative)
        guard linkat(targetParent, targetParts.last!, parent, parts.last!, 0) == 0 else {
            throw Refusal(reason: "cannot create the hard link: \(String(cString: strerror(errno)))")
        }
        result.hardlinks += 1
        result.files += 1
        result.bytes += Int64(st.st_size)
        observer.begin(relative, ArchiveEntry(path: item.path, type: .hardlink, size: Int64(st.st_size),
                                              mtime: item.mtime, linkTarget: raw))
        let fd = openat(targetParent, targetParts.last!, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            while true {
                let n = read(fd, readBack.baseAddress, readBack.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                observer.data(UnsafeRawBufferPointer(rebasing: readBack[0..<n]))
            }
        }
        observer.end()
    }

    /// A regular file: created new below its verified parent, its data written (holes kept) and seen by the observer.
    private func file(_ a: OpaquePointer, _ item: ArchiveEntry, parts: PathComponents, relative: String, mode: mode_t,
                      observer: ExtractionObserver, result: inout ExtractionResult) throws {
        let parent = try tree.folder(parts.dropLast(), create: true)
        let name = parts.last!
        let started = Date()
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        // `mode` is the permission bits alone (set-id bits dropped); writable while it is written.
        var fd = openat(parent, name, flags, mode | 0o200)
        if fd < 0 && errno == EEXIST {
            // A later entry for the same path replaces the earlier one, as tar does; never a folder.
            try BeneathTree.clear(name, in: parent, shown: relative)
            fd = openat(parent, name, flags, mode | 0o200)
        }
        guard fd >= 0 else {
            throw ArchiveError(.write, path: root + "/" + relative, "cannot create: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        if fstat(fd, &st) == 0 { written.insert(FileIdentity(st)) }
        observer.begin(relative, item)
        var end: Int64 = 0  // the end of the data written so far
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
                // A hole before this block (a sparse file) is zeros as read back.
                if offset > end { ArchiveExtractor.feedZeros(offset - end, to: observer) }
                observer.data(UnsafeRawBufferPointer(start: buffer, count: size))
                var done = 0
                while done < size {
                    let n = pwrite(fd, buffer + done, size - done, off_t(offset) + off_t(done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw ArchiveError(.write, path: root + "/" + relative, "cannot write: \(String(cString: strerror(errno)))")
                    }
                    done += n
                }
                end = max(end, offset + Int64(size))
            }
            if end < item.size {
                ftruncate(fd, off_t(item.size))
                ArchiveExtractor.feedZeros(item.size - end, to: observer)
            }
            var times = [timespec(tv_sec: Int(item.mtime), tv_nsec: 0), timespec(tv_sec: Int(item.mtime), tv_nsec: 0)]
            futimens(fd, &times)
            if mode & 0o200 == 0 { fchmod(fd, mode) }
        }
        observer.end()
        // Reading an entry's data is decompression plus writing; what a skipped entry costs is only the first.
        result.writeSeconds += Date().timeIntervalSince(started)
        result.files += 1
        result.bytes += max(end, item.size)
    }

    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    private static func feedZeros(_ count: Int64, to observer: ExtractionObserver) {
        var left = count
        zeros.withUnsafeBytes { block in
            while left > 0 {
                let n = Int(min(left, Int64(block.count)))
                observer.data(UnsafeRawBufferPointer(rebasing: block[0..<n]))
                left -= Int64(n)
            }
        }
    }
}
