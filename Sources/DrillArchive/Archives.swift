// Archives (tar, tar.gz, tar.zst, tar.xz, zip…) through libarchive: writing them the way a backup job leaves them,
// and listing them from their headers alone, without extracting a byte of content.

import CArchive
import Foundation

/// What an archive entry is.
public enum ArchiveEntryType: String, Sendable, Codable {
    case file, directory, symlink, hardlink, other
}

/// One entry of an archive, as its header describes it.
public struct ArchiveEntry: Sendable, Equatable {
    /// The path as stored (`library/upload/ab/cd/x.jpg`, maybe with a leading `./`).
    public var path: String
    public var type: ArchiveEntryType
    public var size: Int64
    /// Seconds since 1970.
    public var mtime: Int64
    /// The target of a symlink or hard link.
    package var linkTarget: String?

    package init(path: String, type: ArchiveEntryType, size: Int64, mtime: Int64, linkTarget: String? = nil) {
        self.path = path
        self.type = type
        self.size = size
        self.mtime = mtime
        self.linkTarget = linkTarget
    }
}

/// Reads an archive's entry headers, skipping their data.
public final class ArchiveLister {
    public let path: String
    private let handle: OpaquePointer

    public init(path: String) throws {
        self.path = path
        handle = try CompressedStream.openReader(path) { archive_read_support_format_all($0) }
    }

    deinit { archive_read_free(handle) }

    /// The compression found (`gzip`, `zstd`, … or `none`).
    package var compression: String {
        guard archive_filter_count(handle) > 1, let name = archive_filter_name(handle, 0) else { return "none" }
        return String(cString: name)
    }

    /// Calls `body` for each entry until the end or until it returns false. Data is skipped, not read.
    package func forEachEntry(_ body: (ArchiveEntry) throws -> Bool) throws {
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(handle, &entry)
            if status == ARCHIVE_EOF { return }
            if status < ARCHIVE_WARN {
                let message = CompressedStream.errorText(handle)
                throw ArchiveError(CompressedStream.classify(message), path: path, message)
            }
            guard let entry else { continue }
            let item = ArchiveLister.describe(entry)
            if try !body(item) { return }
            let skip = archive_read_data_skip(handle)
            if skip < ARCHIVE_WARN {
                let message = CompressedStream.errorText(handle)
                throw ArchiveError(CompressedStream.classify(message), path: path, message)
            }
        }
    }

    static func describe(_ entry: OpaquePointer) -> ArchiveEntry {
        // Names are shown as stored: invalid UTF-8 bytes as `\xNN`, never replaced, so two names never merge.
        let path = archive_entry_pathname(entry).map { PathText.decode(cString: $0) } ?? ""
        let type: ArchiveEntryType
        var target: String?
        if let hardlink = archive_entry_hardlink(entry) {
            type = .hardlink
            target = PathText.decode(cString: hardlink)
        } else {
            switch UInt32(archive_entry_filetype(entry)) {
            case CA_AE_IFREG: type = .file
            case CA_AE_IFDIR: type = .directory
            case CA_AE_IFLNK:
                type = .symlink
                target = archive_entry_symlink(entry).map { PathText.decode(cString: $0) }
            default: type = .other
            }
        }
        return ArchiveEntry(path: path, type: type, size: archive_entry_size(entry),
                            mtime: Int64(archive_entry_mtime(entry)), linkTarget: target)
    }

    /// The entry's path bytes as stored.
    static func rawPath(_ entry: OpaquePointer) -> [UInt8] {
        guard let p = archive_entry_pathname(entry) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    }

    /// A link's target as a C string (NUL-terminated), as stored: the hard link's target, else the symlink's.
    static func rawLinkTarget(_ entry: OpaquePointer) -> [CChar] {
        guard let p = archive_entry_hardlink(entry) ?? archive_entry_symlink(entry) else { return [0] }
        return Array(UnsafeBufferPointer(start: p, count: strlen(p) + 1))
    }
}

/// Writes an archive, entry by entry, the way backup jobs write them.
package final class ArchiveWriter {
    /// The container and compression.
    public enum Format: String, Sendable, CaseIterable {
        case tar, tarGzip = "tar.gz", tarZstd = "tar.zst", tarXz = "tar.xz", zip

        /// The usual file-name ending.
        package var fileExtension: String { rawValue }
    }

    public let path: String
    private let handle: OpaquePointer
    private var closed = false

    package init(path: String, format: Format) throws {
        self.path = path
        guard let a = archive_write_new() else { throw ArchiveError(.write, path: path, "libarchive could not allocate a writer") }
        var status = format == .zip ? archive_write_set_format_zip(a) : archive_write_set_format_pax_restricted(a)
        switch format {
        case .tarGzip: status = min(status, archive_write_add_filter_gzip(a))
        case .tarZstd: status = min(status, archive_write_add_filter_zstd(a))
        case .tarXz: status = min(status, archive_write_add_filter_xz(a))
        case .tar, .zip: break
        }
        if status == ARCHIVE_OK { status = archive_write_open_filename(a, path) }
        guard status == ARCHIVE_OK else {
            let message = CompressedStream.errorText(a)
            archive_write_free(a)
            throw ArchiveError(.write, path: path, message)
        }
        handle = a
    }

    /// One read buffer for every file added from disk.
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: CompressedStream.blockSize, alignment: 16)

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
        readBuffer.deallocate()
    }

    private func header(_ name: String, type: UInt32, size: Int64, mtime: Int64, mode: UInt32,
                        link: String? = nil, hardlink: String? = nil) throws {
        guard let entry = archive_entry_new() else { throw ArchiveError(.write, path: path, "cannot allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(mode))
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, time_t(mtime), 0)
        if let link { archive_entry_set_symlink(entry, link) }
        if let hardlink { archive_entry_set_hardlink(entry, hardlink) }
        guard archive_write_header(handle, entry) >= ARCHIVE_WARN else {
            throw ArchiveError(.write, path: path, "\(name): \(CompressedStream.errorText(handle))")
        }
    }

    package func addDirectory(_ name: String, mtime: Int64, mode: UInt32 = 0o755) throws {
        try header(name, type: CA_AE_IFDIR, size: 0, mtime: mtime, mode: mode)
    }

    /// Adds a file whose `size` bytes `produce` writes through the callback it is given.
    package func addFile(_ name: String, size: Int64, mtime: Int64, mode: UInt32 = 0o644,
                        produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try header(name, type: CA_AE_IFREG, size: size, mtime: mtime, mode: mode)
        var written: Int64 = 0
        try produce { chunk in
            guard chunk.count > 0 else { return }
            let n = archive_write_data(handle, chunk.baseAddress, chunk.count)
            guard n == chunk.count else {
                throw ArchiveError(.write, path: path, "\(name): \(CompressedStream.errorText(handle))")
            }
            written += Int64(n)
        }
        guard written == size else {
            throw ArchiveError(.write, path: path, "\(name): \(written) bytes written, \(size) announced")
        }
    }

    /// Adds a file with the contents of `data`.
    package func addFile(_ name: String, data: Data, mtime: Int64, mode: UInt32 = 0o644) throws {
        try addFile(name, size: Int64(data.count), mtime: mtime, mode: mode) { write in
            try data.withUnsafeBytes { try write($0) }
        }
    }

    /// Adds a file by streaming it from disk.
    package func addFile(_ name: String, from source: String, mtime: Int64? = nil, mode: UInt32 = 0o644) throws {
        guard try addFileIfPresent(name, from: source, mtime: mtime, mode: mode) else {
            throw ArchiveError(.open, path: source, String(cString: strerror(ENOENT)))
        }
    }

    /// Adds a file by streaming it from disk; false (and nothing added) when there is no file at `source`.
    @discardableResult
    package func addFileIfPresent(_ name: String, from source: String, mtime: Int64? = nil, mode: UInt32 = 0o644) throws -> Bool {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return false }
        guard fd >= 0 else { throw ArchiveError(.open, path: source, String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ArchiveError(.open, path: source, String(cString: strerror(errno))) }
        let buffer = readBuffer
        try addFile(name, size: Int64(st.st_size), mtime: mtime ?? Int64(st.st_mtim.tv_sec), mode: mode) { write in
            while true {
                let n = read(fd, buffer.baseAddress, buffer.count)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw ArchiveError(.open, path: source, String(cString: strerror(errno))) }
                if n == 0 { break }
                try write(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
            }
        }
        return true
    }

    package func addSymlink(_ name: String, target: String, mtime: Int64) throws {
        try header(name, type: CA_AE_IFLNK, size: 0, mtime: mtime, mode: 0o777, link: target)
    }

    package func addHardlink(_ name: String, target: String, mtime: Int64) throws {
        try header(name, type: CA_AE_IFREG, size: 0, mtime: mtime, mode: 0o644, hardlink: target)
    }

    /// Finishes the archive; nothing is complete until this returns.
    package func close() throws {
        guard !closed else { return }
        closed = true
        guard archive_write_close(handle) == ARCHIVE_OK else {
            throw ArchiveError(.write, path: path, CompressedStream.errorText(handle))
        }
    }
}

/// Writes one compressed stream (a `.sql.gz` or `.sql.zst`) through libarchive's raw format.
package final class CompressedFileWriter {
    /// The compression of an archive or dump stream.
    package enum Compression: String, Sendable { case none, gzip, zstd, xz }

    public let path: String
    private let handle: OpaquePointer
    private var closed = false
    private var buffer: [UInt8] = []

    package init(path: String, compression: Compression) throws {
        self.path = path
        guard let a = archive_write_new() else { throw ArchiveError(.write, path: path, "libarchive could not allocate a writer") }
        var status = archive_write_set_format_raw(a)
        switch compression {
        case .gzip:
            status = min(status, archive_write_add_filter_gzip(a))
            // No time in the gzip header, as `pg_dump | gzip` writes it: the same dump gives the same bytes.
            if status == ARCHIVE_OK { status = archive_write_set_filter_option(a, "gzip", "timestamp", nil) }
        case .zstd: status = min(status, archive_write_add_filter_zstd(a))
        case .xz: status = min(status, archive_write_add_filter_xz(a))
        case .none: break
        }
        if status == ARCHIVE_OK { status = archive_write_open_filename(a, path) }
        var entry: OpaquePointer?
        if status == ARCHIVE_OK, let e = archive_entry_new() {
            entry = e
            archive_entry_set_pathname(e, (path as NSString).lastPathComponent)
            archive_entry_set_filetype(e, CA_AE_IFREG)
            archive_entry_set_perm(e, 0o644)
            status = archive_write_header(a, e)
        }
        if let entry { archive_entry_free(entry) }
        guard status == ARCHIVE_OK else {
            let message = CompressedStream.errorText(a)
            archive_write_free(a)
            throw ArchiveError(.write, path: path, message)
        }
        handle = a
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    /// Appends text (buffered).
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends bytes (buffered).
    public func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let n = buffer.withUnsafeBytes { archive_write_data(handle, $0.baseAddress, $0.count) }
        guard n == buffer.count else { throw ArchiveError(.write, path: path, CompressedStream.errorText(handle)) }
        buffer.removeAll(keepingCapacity: true)
    }

    package func close() throws {
        guard !closed else { return }
        try flush()
        closed = true
        guard archive_write_close(handle) == ARCHIVE_OK else {
            throw ArchiveError(.write, path: path, CompressedStream.errorText(handle))
        }
    }
}
