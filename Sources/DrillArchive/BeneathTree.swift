// A folder opened once, and every path below it reached one component at a time from that descriptor with
// `openat(…, O_NOFOLLOW | O_DIRECTORY)`. No symlink is followed at any component, so whatever links an archive
// leaves in the tree, and in whatever order, nothing reached through this type is outside the folder: a link where a
// folder is expected fails to open (ELOOP/ENOTDIR) and the entry is refused. Files, links and folders are then made
// relative to the verified parent's descriptor (`openat(O_CREAT|O_EXCL|O_NOFOLLOW)`, `mkdirat`, `symlinkat`,
// `linkat`, `unlinkat`), never by a path that the kernel would walk again.
//
// The chain of folders opened for the last entry is kept open, so the entries of one folder (an archive's usual
// order) cost one `openat` for the file alone. A cached descriptor stays valid: this type never removes or renames a
// folder, so the inode it names is the one it checked.

import Foundation

/// Why a path below the tree was refused.
package struct Refusal: Error, Sendable, Equatable {
    public var reason: String
}

/// A path's components as C strings (no `/`, no `.`, no `..`, none empty).
package typealias PathComponents = [[CChar]]

/// A folder opened once and walked beneath, one component at a time with no symlink followed: where extraction writes.
package final class BeneathTree {
    /// The descriptor of the tree's root, opened with O_NOFOLLOW | O_DIRECTORY.
    package let rootFD: Int32
    /// The folders opened for the last request, root first (excluding the root itself).
    private var chain: [(name: [CChar], fd: Int32)] = []
    /// Deeper than this is refused (each level holds a descriptor while it is the current folder).
    package static let maxDepth = 256

    /// Opens `root`, which must be a real folder (not a symlink).
    package init(root: String) throws {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw ArchiveError(.write, path: root, "cannot open the folder: \(String(cString: strerror(errno)))")
        }
        rootFD = fd
    }

    deinit {
        for entry in chain { close(entry.fd) }
        close(rootFD)
    }

    /// Splits raw path bytes into safe components: nil for an absolute path, a `..` component or nothing at all.
    public static func components(_ bytes: [UInt8]) -> PathComponents? {
        guard bytes.first != UInt8(ascii: "/") else { return nil }
        var parts: PathComponents = []
        for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.count == 1 && part.first == UInt8(ascii: ".") { continue }
            if part.count == 2 && part.allSatisfy({ $0 == UInt8(ascii: ".") }) { return nil }
            if part.contains(0) { return nil }
            parts.append(part.map { CChar(bitPattern: $0) } + [0])
        }
        return parts.isEmpty ? nil : parts
    }

    /// The components of a path given as text.
    public static func components(_ text: String) -> PathComponents? { components(Array(text.utf8)) }

    /// Display text of components (invalid UTF-8 escaped as `\xNN`).
    public static func text(_ parts: some Collection<[CChar]>) -> String {
        parts.map { PathText.decode($0.dropLast().map { UInt8(bitPattern: $0) }) }.joined(separator: "/")
    }

    /// The descriptor of the folder `parts` below the root (the root for none), created when `create` and absent.
    /// The descriptor belongs to the tree and stays valid until the next call.
    public func folder(_ parts: ArraySlice<[CChar]>, create: Bool) throws(Refusal) -> Int32 {
        guard parts.count <= BeneathTree.maxDepth else {
            throw Refusal(reason: "deeper than \(BeneathTree.maxDepth) folders")
        }
        var same = 0
        for (i, part) in parts.enumerated() {
            guard i < chain.count, chain[i].name == part else { break }
            same += 1
        }
        while chain.count > same { close(chain.removeLast().fd) }
        var parent = chain.last?.fd ?? rootFD
        for (i, part) in parts.enumerated().dropFirst(same) {
            let fd = try BeneathTree.openFolder(part, in: parent, create: create,
                                                 shown: { BeneathTree.text(parts.prefix(i + 1)) })
            chain.append((part, fd))
            parent = fd
        }
        return parent
    }

    /// Opens the folder `parts` below the root for the caller to own (and close), never creating anything.
    package func openOwned(_ parts: ArraySlice<[CChar]>) throws(Refusal) -> Int32 {
        var parent = dup(rootFD)
        guard parent >= 0 else { throw Refusal(reason: "cannot open a folder: \(String(cString: strerror(errno)))") }
        for (i, part) in parts.enumerated() {
            do {
                let fd = try BeneathTree.openFolder(part, in: parent, create: false,
                                                     shown: { BeneathTree.text(parts.prefix(i + 1)) })
                close(parent)
                parent = fd
            } catch {
                close(parent)
                throw error
            }
        }
        return parent
    }

    /// One step down: `name` in the folder `parent`, which must be a real folder.
    static func openFolder(_ name: [CChar], in parent: Int32, create: Bool, shown: () -> String) throws(Refusal) -> Int32 {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var fd = openat(parent, name, flags)
        if fd < 0 && errno == ENOENT && create {
            if mkdirat(parent, name, 0o755) != 0 && errno != EEXIST {
                throw Refusal(reason: "cannot create \(shown()): \(String(cString: strerror(errno)))")
            }
            fd = openat(parent, name, flags)
        }
        guard fd >= 0 else {
            let error = errno
            var st = stat()
            if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                if (st.st_mode & S_IFMT) == S_IFLNK { throw Refusal(reason: "written through the symlink \(shown())") }
                if (st.st_mode & S_IFMT) != S_IFDIR { throw Refusal(reason: "\(shown()) is not a folder") }
            }
            if error == ENOENT { throw Refusal(reason: "\(shown()) does not exist") }
            throw Refusal(reason: "cannot open \(shown()): \(String(cString: strerror(error)))")
        }
        return fd
    }

    /// What is at `name` in `parent`, not following a symlink.
    package static func lstat(_ name: [CChar], in parent: Int32) -> stat? {
        var st = stat()
        return fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    /// Makes room for a new entry at `name`: removes a file or link there (never a folder, never following a link).
    package static func clear(_ name: [CChar], in parent: Int32, shown: String) throws(Refusal) {
        guard let st = lstat(name, in: parent) else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw Refusal(reason: "a folder is already at \(shown)") }
        if unlinkat(parent, name, 0) != 0 && errno != ENOENT {
            throw Refusal(reason: "cannot replace \(shown): \(String(cString: strerror(errno)))")
        }
    }
}

/// A file's device and inode: what "the same file" means whatever path reaches it.
package struct FileIdentity: Hashable, Sendable {
    package var device: UInt64
    package var inode: UInt64

    package init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    /// The identity of what is at `path` (following symlinks), nil when nothing is.
    public static func of(_ path: String) -> FileIdentity? {
        var st = stat()
        return stat(path, &st) == 0 ? FileIdentity(st) : nil
    }
}

/// Names as the file system holds them: bytes. Shown as UTF-8 where they are, with each byte that is not valid
/// UTF-8 written `\xNN`, so two names that differ in bytes never print (or index) alike.
package enum PathText {
    /// Text for raw name bytes.
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var out = ""
        var pending: [UInt8] = []
        var i = bytes.startIndex
        func flush() {
            if !pending.isEmpty { out += String(decoding: pending, as: UTF8.self) }
            pending.removeAll(keepingCapacity: true)
        }
        while i != bytes.endIndex {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : (b >> 5 == 0b110 ? 2 : (b >> 4 == 0b1110 ? 3 : (b >> 3 == 0b11110 ? 4 : 0)))
            var end = i
            var ok = length > 0
            if ok {
                var n = 0
                while n < length, end != bytes.endIndex { end = bytes.index(after: end); n += 1 }
                ok = n == length && String(validating: bytes[i..<end], as: UTF8.self) != nil
            }
            if ok {
                pending.append(contentsOf: bytes[i..<end])
                i = end
            } else {
                flush()
                out += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(2)
                i = bytes.index(after: i)
            }
        }
        flush()
        return out
    }

    /// Text for a C string.
    public static func decode(cString: UnsafePointer<CChar>) -> String {
        decode(UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
    }

    /// True when the bytes are not valid UTF-8.
    package static func isNotUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        String(validating: bytes, as: UTF8.self) == nil
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
