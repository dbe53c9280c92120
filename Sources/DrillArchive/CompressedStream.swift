// Streaming reads of compressed files through libarchive's raw format: `.sql`, `.sql.gz` (concatenated members and
// `gzip --rsyncable` output included), `.sql.zst`, `.sql.xz`, `.sql.bz2`. Nothing is written to disk and nothing
// is held in memory beyond one block and one line. A stream is whole only when it has been read to its end: a
// truncated `.gz` or `.zst` fails only when reading reaches the cut, so callers read to the end before they call
// anything complete.
//
// This file and the archive reader are the only code that touches libarchive and raw pointers.

import CArchive
import Foundation

/// An error reading an archive or a compressed stream.
public struct ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// How a stream is compressed, told by its first bytes.
    public enum Kind: String, Sendable {
        /// The file could not be opened (missing, permission).
        case open
        /// The data ends before the compressed stream does: the file was cut short.
        case truncated
        /// The data is damaged (checksum or format error inside the stream).
        case corrupt
        /// Writing failed.
        case write
    }

    public var kind: Kind
    public var path: String
    public var message: String
    /// Uncompressed bytes read before the error, when known.
    package var offset: Int64?

    public init(_ kind: Kind, path: String, _ message: String, offset: Int64? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.offset = offset
    }

    public var description: String {
        "\(path): \(message)\(offset.map { " (after \($0) uncompressed bytes)" } ?? "")"
    }
}

/// A compressed (or plain) file read as one byte stream.
///
/// The compression is found from the first bytes, not the name. gzip is decoded with zlib, member after member,
/// so each member's CRC-32 and length are verified (libarchive's gzip filter skips that check); zstd, xz, bzip2 and
/// lz4 go through libarchive's raw format, whose decoders verify their own checksums.
package final class CompressedStream {
    /// The file's path.
    public let path: String
    private let backend: Backend
    private var finished = false
    /// Uncompressed bytes delivered so far.
    package private(set) var bytesRead: Int64 = 0
    /// The compression found: `gzip`, `zstd`, `xz`, `bzip2`, `lz4`, or `none`.
    package let compression: String

    /// The block size files are read with; 64 KiB matched bsdtar's speed (STYLE.md).
    package static let blockSize = 65_536

    private enum Backend {
        case gzip(GzipDecoder)
        case libarchive(OpaquePointer)
    }

    /// Magic numbers of the compressed formats, and the file-name endings that promise them.
    static let magics: [(name: String, bytes: [UInt8], endings: [String])] = [
        ("gzip", [0x1F, 0x8B], [".gz", ".tgz"]),
        ("zstd", [0x28, 0xB5, 0x2F, 0xFD], [".zst", ".zstd", ".tzst"]),
        ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [".xz", ".txz"]),
        ("bzip2", [0x42, 0x5A, 0x68], [".bz2", ".tbz2"]),
        ("lz4", [0x04, 0x22, 0x4D, 0x18], [".lz4"]),
    ]

    /// Opens `path`.
    package init(path: String) throws {
        self.path = path
        let head = try CompressedStream.readHead(path, count: 6)
        let found = CompressedStream.magics.first { head.starts(with: $0.bytes) }
        if found == nil, let promised = CompressedStream.magics.first(where: { m in
            m.endings.contains { path.lowercased().hasSuffix($0) }
        }) {
            // The name promises compression the bytes do not have: cut before the header ended, or not compressed.
            if head.count < promised.bytes.count && promised.bytes.starts(with: head) {
                throw ArchiveError(.truncated, path: path,
                                   "the file ends inside its \(promised.name) header (\(head.count) bytes)")
            }
            throw ArchiveError(.corrupt, path: path,
                               "the name says \(promised.name), but the data does not start with the \(promised.name) signature")
        }
        compression = found?.name ?? "none"
        if compression == "gzip" {
            backend = .gzip(try GzipDecoder(path: path))
            return
        }
        let a = try CompressedStream.openReader(path) {
            archive_read_support_format_raw($0)
            archive_read_support_format_empty($0)
        }
        let entry = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
        defer { entry.deallocate() }
        let status = archive_read_next_header(a, entry)
        if status == ARCHIVE_EOF {
            finished = true // an empty file
        } else if status < ARCHIVE_WARN {
            let message = CompressedStream.errorText(a)
            archive_read_free(a)
            throw ArchiveError(CompressedStream.classify(message), path: path, message)
        }
        backend = .libarchive(a) // assigned last: a throwing init must not leave a handle for deinit to free twice
    }

    deinit {
        if case .libarchive(let a) = backend { archive_read_free(a) }
    }

    private static func readHead(_ path: String, count: Int) throws -> [UInt8] {
        try requireRegularFile(path)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw ArchiveError(.open, path: path, String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        guard n >= 0 else { throw ArchiveError(.open, path: path, String(cString: strerror(errno))) }
        return Array(buffer.prefix(n))
    }

    /// Compressed bytes consumed from the file so far.
    package var compressedBytesRead: Int64 {
        switch backend {
        case .gzip(let decoder): decoder.compressedBytesRead
        case .libarchive(let a): archive_filter_bytes(a, -1)
        }
    }

    /// Calls `body` with each block of uncompressed bytes until the end, or until `body` returns false.
    /// Throws `ArchiveError` with kind `.truncated` or `.corrupt` when the stream breaks.
    package func forEachBlock(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        guard !finished else { return }
        switch backend {
        case .gzip(let decoder):
            do {
                let completed = try decoder.forEachBlock { block in
                    bytesRead += Int64(block.count)
                    return try body(block)
                }
                if completed { finished = true }
            } catch var error as ArchiveError {
                finished = true
                error.offset = bytesRead
                throw error
            }
        case .libarchive(let a):
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            while true {
                let status = archive_read_data_block(a, &buffer, &size, &offset)
                if status == ARCHIVE_EOF {
                    finished = true
                    return
                }
                if status < ARCHIVE_WARN {
                    let message = CompressedStream.errorText(a)
                    finished = true
                    throw ArchiveError(CompressedStream.classify(message), path: path, message, offset: bytesRead)
                }
                guard let buffer, size > 0 else { continue }
                bytesRead += Int64(size)
                if try !body(UnsafeRawBufferPointer(start: buffer, count: size)) { return }
            }
        }
    }

    /// True once the stream has been read to its end without error.
    package var reachedEnd: Bool { finished }

    /// A libarchive reader of `path` with every filter and the formats `formats` enables, opened; the caller frees it.
    static func openReader(_ path: String, formats: (OpaquePointer) -> Void) throws -> OpaquePointer {
        try requireRegularFile(path)
        guard let a = archive_read_new() else {
            throw ArchiveError(.open, path: path, "libarchive could not allocate a reader")
        }
        archive_read_support_filter_all(a)
        formats(a)
        guard archive_read_open_filename(a, path, CompressedStream.blockSize) == ARCHIVE_OK else {
            let message = errorText(a)
            archive_read_free(a)
            throw ArchiveError(classify(message), path: path, message)
        }
        return a
    }

    /// Dumps and archives are regular files: a FIFO would block the read forever, a device (`/dev/zero`) never
    /// ends, and a folder is not a backup file.
    package static func requireRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let error = errno
            throw ArchiveError(.open, path: path, String(cString: strerror(error)))
        }
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: kind = "a folder"
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: kind = "a device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        throw ArchiveError(.open, path: path, "\(kind), not a regular file; a dump or an archive must be a regular file")
    }

    static func errorText(_ a: OpaquePointer) -> String {
        if let text = archive_error_string(a) { return String(cString: text) }
        let code = archive_errno(a)
        return code != 0 ? String(cString: strerror(code)) : "unknown libarchive error"
    }

    /// libarchive reports a cut stream as "truncated …", or for xz as "No progress is possible"; the rest is damage.
    static func classify(_ message: String) -> ArchiveError.Kind {
        let lower = message.lowercased()
        if lower.contains("truncated") || lower.contains("unexpected end") || lower.contains("premature end") ||
            lower.contains("no progress is possible") {
            return .truncated
        }
        if lower.contains("no such file") || lower.contains("permission denied") || lower.contains("failed to open") {
            return .open
        }
        return .corrupt
    }
}

/// gzip decoding with zlib: every member in turn, each member's CRC-32 and length checked by zlib.
final class GzipDecoder {
    let path: String
    private let fd: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawPointer
    private let output: UnsafeMutableRawPointer
    private static let inputSize = CompressedStream.blockSize
    private static let outputSize = 4 * CompressedStream.blockSize
    private(set) var compressedBytesRead: Int64 = 0

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError(.open, path: path, String(cString: strerror(errno))) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + 15: a gzip wrapper with a 32 KiB window; zlib checks the trailer's CRC-32 and size.
        guard inflateInit2_(stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            close(fd)
            throw ArchiveError(.open, path: path, "zlib could not start a gzip decoder")
        }
        self.fd = fd
        self.stream = stream
        input = UnsafeMutableRawPointer.allocate(byteCount: GzipDecoder.inputSize, alignment: 16)
        output = UnsafeMutableRawPointer.allocate(byteCount: GzipDecoder.outputSize, alignment: 16)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        output.deallocate()
        close(fd)
    }

    private func refill() throws -> Bool {
        var n: Int
        repeat { n = read(fd, input, GzipDecoder.inputSize) } while n < 0 && errno == EINTR
        guard n >= 0 else { throw ArchiveError(.corrupt, path: path, "read failed: \(String(cString: strerror(errno)))") }
        compressedBytesRead += Int64(n)
        stream.pointee.next_in = input.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(n)
        return n > 0
    }

    /// Decodes to the end (returns true) or until `body` returns false (returns false).
    func forEachBlock(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws -> Bool {
        var inMember = false
        var membersDone = 0
        while true {
            if stream.pointee.avail_in == 0 {
                guard try refill() else {
                    if inMember || membersDone == 0 {
                        // An empty .gz is not a gzip stream at all; EOF inside a member is a cut.
                        if membersDone == 0 && !inMember && compressedBytesRead == 0 { return true }
                        throw ArchiveError(.truncated, path: path, "truncated gzip input: the file ends inside a gzip member")
                    }
                    return true
                }
            }
            if !inMember {
                // Between members: zero padding is tolerated (as gzip does); anything else must be a new member.
                let next = stream.pointee.next_in!
                if membersDone > 0 && next.pointee == 0 {
                    var allZero = true
                    for i in 0..<Int(stream.pointee.avail_in) where next[i] != 0 { allZero = false; break }
                    if allZero {
                        stream.pointee.avail_in = 0
                        continue
                    }
                }
                inMember = true
            }
            stream.pointee.next_out = output.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(GzipDecoder.outputSize)
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = GzipDecoder.outputSize - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                inMember = false
                membersDone += 1
                inflateReset(stream)
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw ArchiveError(.corrupt, path: path, "damaged gzip data: \(message)")
            }
            if produced > 0, try !body(UnsafeRawBufferPointer(start: output, count: produced)) { return false }
        }
    }
}

/// Splits a byte stream into lines (without the `\n`), carrying partial lines across blocks. A line is handed to
/// the callback as a buffer valid only during the call, so no line is copied unless it spans two blocks. A line
/// carried across blocks may grow to `maxLine` bytes; past that the caller is asked whether it may be dropped (data
/// the caller skips anyway: the rest of it is then discarded as it streams by, and `dropped` is called at its end),
/// else `LineTooLong` is thrown. So memory is bounded by `maxLine`, whatever the stream holds.
package struct LineSplitter {
    private var carry: [UInt8] = []
    private var dropping = false
    /// The longest line held in memory.
    package var maxLine: Int
    /// Lines delivered (or dropped) so far.
    package private(set) var lineCount: Int64 = 0

    /// A line longer than `maxLine` that the caller could not drop.
    package struct LineTooLong: Error, Sendable {
        /// Its number, counting from 1.
        public var line: Int64
        public var limit: Int
    }

    package init(maxLine: Int = .max) { self.maxLine = maxLine }

    /// Feeds one block; calls `body` for each complete line. Returns false when `body` asked to stop.
    package mutating func feed(_ block: UnsafeRawBufferPointer, mayDrop: () -> Bool = { false },
                              dropped: () throws -> Void = {},
                              _ body: (UnsafeRawBufferPointer) throws -> Bool) throws -> Bool {
        guard let base = block.baseAddress else { return true }
        var start = 0
        let count = block.count
        while start < count {
            guard let hit = memchr(base + start, 0x0A, count - start) else {
                if dropping { return true }
                try hold(UnsafeRawBufferPointer(start: base + start, count: count - start), mayDrop: mayDrop)
                return true
            }
            let end = base.distance(to: UnsafeRawPointer(hit))
            lineCount += 1
            if dropping {
                dropping = false
                try dropped()
                start = end + 1
                continue
            }
            let keepGoing: Bool
            if carry.isEmpty {
                keepGoing = try body(UnsafeRawBufferPointer(start: base + start, count: end - start))
            } else {
                try hold(UnsafeRawBufferPointer(start: base + start, count: end - start), mayDrop: mayDrop)
                if dropping {
                    dropping = false
                    try dropped()
                    start = end + 1
                    continue
                }
                keepGoing = try carry.withUnsafeBytes { try body($0) }
                carry.removeAll(keepingCapacity: carry.capacity <= 1 << 20)
            }
            if !keepGoing { return false }
            start = end + 1
        }
        return true
    }

    /// Appends part of a line to the carry, within `maxLine`.
    private mutating func hold(_ bytes: UnsafeRawBufferPointer, mayDrop: () -> Bool) throws {
        if carry.count + bytes.count > maxLine {
            guard mayDrop() else { throw LineTooLong(line: lineCount + 1, limit: maxLine) }
            carry.removeAll()
            dropping = true
            return
        }
        carry.append(contentsOf: bytes)
    }

    /// Delivers a last line that had no `\n` after it.
    package mutating func finish(_ body: (UnsafeRawBufferPointer) throws -> Bool) rethrows {
        guard !carry.isEmpty else { return }
        lineCount += 1
        _ = try carry.withUnsafeBytes { try body($0) }
        carry.removeAll()
    }

    /// True when a partial line is waiting for its end.
    package var hasPartialLine: Bool { !carry.isEmpty || dropping }
}

extension CompressedStream {
    /// Calls `body` with every line of the stream (without `\n`), to the end or until `body` returns false.
    package func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        var splitter = LineSplitter()
        var stopped = false
        try forEachBlock { block in
            let more = try splitter.feed(block, body)
            stopped = !more
            return more
        }
        if !stopped { try splitter.finish(body) }
    }
}

// MARK: - Decompression on its own thread

/// Blocks handed from the decompressing thread to the reading one through a small ring of reused buffers, so a
/// dump is decompressed on one core while it is parsed on the other (as `gzip -dc | wc -l` runs two processes).
private final class BlockPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var full: [(UnsafeMutableRawBufferPointer, Int)] = []
    private var finished = false
    private var cancelled = false
    private var failure: Error?
    private var all: [UnsafeMutableRawBufferPointer] = []

    init(buffers: Int, size: Int) {
        for _ in 0..<buffers {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            free.append(buffer)
            all.append(buffer)
        }
    }

    deinit {
        for buffer in all { buffer.deallocate() }
    }

    /// Producer: copies `block` into a free buffer, waiting for one. Returns false once the consumer stopped.
    func put(_ block: UnsafeRawBufferPointer) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        if cancelled { return false }
        var buffer = free.removeLast()
        if buffer.count < block.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: block.count, alignment: 16)
            if let index = all.firstIndex(where: { $0.baseAddress == buffer.baseAddress }) { all[index] = bigger }
            buffer.deallocate()
            buffer = bigger
        }
        buffer.baseAddress!.copyMemory(from: block.baseAddress!, byteCount: block.count)
        full.append((buffer, block.count))
        condition.signal()
        return true
    }

    func finish(_ error: Error?) {
        condition.lock()
        failure = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next block, or nil at the end (rethrowing the producer's error).
    func take() throws -> (UnsafeMutableRawBufferPointer, Int)? {
        condition.lock()
        defer { condition.unlock() }
        while full.isEmpty && !finished { condition.wait() }
        if !full.isEmpty { return full.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    func give(back buffer: UnsafeMutableRawBufferPointer) {
        condition.lock()
        free.append(buffer)
        condition.signal()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

/// Lets a non-Sendable stream be used by the one decompressing thread while the caller waits on the pipeline.
private struct UncheckedBox<T>: @unchecked Sendable { let value: T }

extension CompressedStream {
    /// Like `forEachBlock`, but decompresses on a second thread while `body` runs on this one. Plain files are
    /// read directly: there is nothing to overlap.
    package func forEachBlockConcurrently(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        guard compression != "none" else { return try forEachBlock(body) }
        let pipeline = BlockPipeline(buffers: 8, size: 4 * CompressedStream.blockSize)
        let box = UncheckedBox(value: self)
        let thread = Thread {
            do {
                try box.value.forEachBlock { pipeline.put($0) }
                pipeline.finish(nil)
            } catch {
                pipeline.finish(error)
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
        defer {
            pipeline.cancel()
            pipeline.waitUntilFinished()
        }
        while let (buffer, count) = try pipeline.take() {
            let more = try body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
            pipeline.give(back: buffer)
            if !more { return }
        }
    }
}
