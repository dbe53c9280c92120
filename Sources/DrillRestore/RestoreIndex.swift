// The index of every restored file, by the container path Immich would see it at, sized for millions of files on a
// small NAS: no String per file. A path is an interned directory plus its file name in a byte arena, a name that
// begins with a canonical UUID (`<uuid>.jpg`, `<uuid>_thumbnail.webp`, Immich's own names for uploads and everything
// it generates) as the UUID's 16 bytes and an interned suffix; the per-file fields are columns of chunked arrays
// (no doubling copy when they grow), the lookup an open-addressing table of 4-byte slots, the database's marks a
// bit per file, and a SHA-1 takes room only for a file that was hashed. About 45 bytes a file, plus 24 for a hashed
// one (README, Memory).

import DrillCatalog
import DrillSnapshots
import Foundation

/// One file of a restored snapshot.
package struct RestoredFile: Sendable, Equatable {
    public var size: Int64
    /// SHA-1 of the content, when the file was extracted and hashed.
    public var sha1: Digest20?
    /// Whether the database refers to it (set by the verifier, which finds the orphans by it).
    package var referenced = false

    package init(size: Int64, sha1: Digest20?) {
        self.size = size
        self.sha1 = sha1
    }
}

/// Every file of the restore point's snapshots, by the container path Immich would see it at.
package final class RestoreIndex: @unchecked Sendable {
    private var directories = ByteInterner()
    private var suffixes = ByteInterner()
    /// Encoded names, each at a 4-byte boundary (a name's offset is its byte offset / 4).
    private var arena = ChunkedArray<UInt32>()
    private var directoryOf = ChunkedArray<UInt32>()
    private var nameOf = ChunkedArray<UInt32>()
    private var sizes = ChunkedArray<Int64>()
    private var digestSlot = ChunkedArray<UInt32>()
    private var digests = ChunkedArray<Digest20>()
    private var marks: [UInt64] = []
    private var slots: [UInt32] = Array(repeating: RestoreIndex.empty, count: 1024)
    private static let empty = UInt32.max

    /// Container roots restored (each planned source's), with the snapshot time.
    package var roots: [(container: String, source: SourceID, time: Double)] = []
    /// Where each container root's files are on this machine: the folders a file of it may be in (the restore's
    /// target with and without the snapshot's inner folder, or the snapshot folder itself when read in place).
    package var localRoots: [(container: String, folders: [String])] = []

    package init() {}

    /// How many files are recorded.
    package var count: Int { sizes.count }

    // MARK: Recording

    /// Records the file at a container path and returns its id; `replace: false` keeps a file already recorded there
    /// as it is (an archive's later entry of the same name), `true` gives it the new size and forgets its digest.
    @discardableResult
    package func record(_ path: String, size: Int64, replace: Bool = true) -> Int {
        var path = path
        return path.withUTF8 { record(UnsafeRawBufferPointer($0), size: size, replace: replace) }
    }

    /// `record` for a path given as bytes.
    @discardableResult
    package func record(_ path: UnsafeRawBufferPointer, size: Int64, replace: Bool = true) -> Int {
        let (dirBase, dirCount, nameBase, nameCount) = RestoreIndex.split(path)
        let directory = dirCount < 0 ? UInt32.max : directories.intern(dirBase!, dirCount)
        return RestoreIndex.withScratch(nameCount) { scratch in
            let words = encode(nameBase, nameCount, into: UnsafeMutableRawBufferPointer(scratch), insert: true)
            let key = UnsafeBufferPointer(rebasing: scratch[0..<words])
            let hash = RestoreIndex.hash(directory, key)
            if let id = find(directory, key, hash) {
                if replace {
                    sizes[id] = size
                    digestSlot[id] = RestoreIndex.empty
                }
                return id
            }
            let id = sizes.count
            let start = UInt32(truncatingIfNeeded: arena.count)
            for w in key { arena.append(w) }
            directoryOf.append(directory)
            nameOf.append(start)
            sizes.append(size)
            digestSlot.append(RestoreIndex.empty)
            if id & 63 == 0 { marks.append(0) }
            insertSlot(id, hash)
            return id
        }
    }

    /// Zeroed words enough for the encoding of a name of `count` bytes.
    private static func withScratch<T>(_ count: Int, _ body: (UnsafeMutableBufferPointer<UInt32>) -> T) -> T {
        let words = 6 + (count + 3) / 4
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: words) { buffer in
            buffer.initialize(repeating: 0)
            return body(buffer)
        }
    }

    /// Records the SHA-1 of file `id`.
    package func setSHA1(_ id: Int, _ digest: Digest20) {
        guard id >= 0, id < count else { return }
        if digestSlot[id] == RestoreIndex.empty {
            digestSlot[id] = UInt32(truncatingIfNeeded: digests.count)
            digests.append(digest)
        } else {
            digests[Int(digestSlot[id])] = digest
        }
    }

    // MARK: Reading

    /// The id of the file at a container path, nil when none was restored there.
    package func id(_ path: String) -> Int? {
        var path = path
        return path.withUTF8 { buffer in
            let (dirBase, dirCount, nameBase, nameCount) = RestoreIndex.split(UnsafeRawBufferPointer(buffer))
            var directory = UInt32.max
            if dirCount >= 0 {
                guard let d = directories.find(dirBase!, dirCount) else { return nil }
                directory = d
            }
            return RestoreIndex.withScratch(nameCount) { scratch -> Int? in
                let words = encode(nameBase, nameCount, into: UnsafeMutableRawBufferPointer(scratch), insert: false)
                guard words > 0 else { return nil }
                let key = UnsafeBufferPointer(rebasing: scratch[0..<words])
                return find(directory, key, RestoreIndex.hash(directory, key))
            }
        }
    }

    /// The file at a container path, nil when none was restored there.
    package subscript(_ path: String) -> RestoredFile? {
        id(path).map(file)
    }

    /// Whether a file was restored at a container path.
    package func contains(_ path: String) -> Bool { id(path) != nil }

    /// File `id`.
    package func file(_ id: Int) -> RestoredFile {
        var file = RestoredFile(size: sizes[id], sha1: nil)
        let slot = digestSlot[id]
        if slot != RestoreIndex.empty { file.sha1 = digests[Int(slot)] }
        file.referenced = marks[id >> 6] & (1 << UInt64(id & 63)) != 0
        return file
    }

    /// The container path of file `id`.
    package func path(_ id: Int) -> String {
        let name = decodeName(Int(nameOf[id]))
        let directory = directoryOf[id]
        return directory == UInt32.max ? name : directories.string(directory) + "/" + name
    }

    /// Every file, in the order recorded.
    package func forEach(_ body: (String, RestoredFile) throws -> Void) rethrows {
        for id in 0..<count { try body(path(id), file(id)) }
    }

    /// Every file the database does not refer to (no `reference` marked it), in the order recorded.
    package func forEachUnreferenced(_ body: (String, RestoredFile) throws -> Void) rethrows {
        for id in 0..<count where marks[id >> 6] & (1 << UInt64(id & 63)) == 0 { try body(path(id), file(id)) }
    }

    /// Marks the file at `path` as one the database refers to and returns it; nil when no such file was restored.
    /// (A bit per file rather than a set of every referenced path: a million-asset library refers to millions.)
    @discardableResult
    public func reference(_ path: String) -> RestoredFile? {
        guard let id = id(path) else { return nil }
        marks[id >> 6] |= 1 << UInt64(id & 63)
        return file(id)
    }

    /// Forgets every mark `reference` made.
    package func clearReferences() {
        for i in marks.indices { marks[i] = 0 }
    }

    /// Where the restored file at a container path is on this machine, nil when it is not there.
    package func local(_ path: String) -> String? {
        for root in localRoots.sorted(by: { $0.container.count > $1.container.count }) {
            guard let rest = Paths.remainder(of: path, under: root.container) else { continue }
            for folder in root.folders {
                let candidate = Paths.append(rest, to: folder)
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// The restored root holding a container path.
    public func root(of path: String) -> (container: String, source: SourceID, time: Double)? {
        roots.filter { Paths.isWithin(path, $0.container) }.max { $0.container.count < $1.container.count }
    }

    // MARK: Storage

    /// The directory (nil base and count -1 when the path has no slash) and the name of a path.
    private static func split(_ path: UnsafeRawBufferPointer) -> (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) {
        guard let base = path.baseAddress, path.count > 0 else { return (nil, -1, nil, 0) }
        var slash = path.count - 1
        while slash >= 0, path[slash] != UInt8(ascii: "/") { slash -= 1 }
        if slash < 0 { return (nil, -1, base, path.count) }
        return (base, slash, base + slash + 1, path.count - slash - 1)
    }

    /// Writes the encoded name into `out` and returns its length in words; 0 when a lookup (`insert: false`) meets a
    /// suffix never recorded (then no file has that name).
    ///   byte 0 < 0x80: a name of that many bytes follows;  0x80: UUID (16 bytes) + suffix id (UInt16);
    ///   0x81: UInt32 length + the name.
    private func encode(_ name: UnsafeRawPointer?, _ count: Int, into out: UnsafeMutableRawBufferPointer, insert: Bool) -> Int {
        let o = out.baseAddress!
        if count >= 36, let name, let uuid = RestoreIndex.canonicalUUID(name) {
            let suffixLength = count - 36
            var suffix: UInt32?
            if insert {
                if suffixes.count < 0xFFFF || suffixes.find(name + 36, suffixLength) != nil {
                    suffix = suffixes.intern(name + 36, suffixLength)
                }
            } else {
                suffix = suffixes.find(name + 36, suffixLength)
                // A name stored raw (the suffix table was full then) is looked up raw below.
                if suffix == nil, suffixes.count < 0xFFFF { return 0 }
            }
            if let suffix {
                o.storeBytes(of: 0x80, toByteOffset: 0, as: UInt8.self)
                withUnsafeBytes(of: uuid) { o.advanced(by: 1).copyMemory(from: $0.baseAddress!, byteCount: 16) }
                o.storeBytes(of: UInt8(suffix & 0xFF), toByteOffset: 17, as: UInt8.self)
                o.storeBytes(of: UInt8(suffix >> 8), toByteOffset: 18, as: UInt8.self)
                return 5
            }
        }
        var header = 1
        if count < 0x80 {
            o.storeBytes(of: UInt8(count), toByteOffset: 0, as: UInt8.self)
        } else {
            o.storeBytes(of: 0x81, toByteOffset: 0, as: UInt8.self)
            let n = UInt32(truncatingIfNeeded: count)
            for k in 0..<4 { o.storeBytes(of: UInt8(truncatingIfNeeded: n >> (8 * UInt32(k))), toByteOffset: 1 + k, as: UInt8.self) }
            header = 5
        }
        if count > 0, let name { o.advanced(by: header).copyMemory(from: name, byteCount: count) }
        return (header + count + 3) / 4
    }

    /// The name stored at word `start`.
    private func decodeName(_ start: Int) -> String {
        let tag = UInt8(arena[start] & 0xFF)
        func byte(_ k: Int) -> UInt8 { UInt8(truncatingIfNeeded: arena[start + k / 4] >> (8 * UInt32(k % 4))) }
        if tag == 0x80 {
            var uuid = [UInt8](repeating: 0, count: 16)
            for k in 0..<16 { uuid[k] = byte(1 + k) }
            let suffix = UInt32(byte(17)) | UInt32(byte(18)) << 8
            return RestoreIndex.uuidText(uuid) + suffixes.string(suffix)
        }
        var length = Int(tag)
        var header = 1
        if tag == 0x81 {
            length = Int(UInt32(byte(1)) | UInt32(byte(2)) << 8 | UInt32(byte(3)) << 16 | UInt32(byte(4)) << 24)
            header = 5
        }
        var bytes = [UInt8](repeating: 0, count: length)
        for k in 0..<length { bytes[k] = byte(header + k) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hash(_ directory: UInt32, _ words: UnsafeBufferPointer<UInt32>) -> UInt64 {
        var h = UInt64(directory) &* 0x9E37_79B9_7F4A_7C15
        for w in words { h = mix(h, w) }
        return finish(h)
    }

    @inline(__always) private static func mix(_ h: UInt64, _ w: UInt32) -> UInt64 {
        let x = (h ^ UInt64(w)) &* 0x0000_0100_0000_01B3
        return x ^ (x >> 29)
    }

    @inline(__always) private static func finish(_ h: UInt64) -> UInt64 {
        let x = h &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 32)
    }

    /// The hash of file `id`'s key, from the arena (as `hash` computes it from an encoded name).
    private func storedHash(_ id: Int) -> UInt64 {
        let start = Int(nameOf[id])
        var h = UInt64(directoryOf[id]) &* 0x9E37_79B9_7F4A_7C15
        for w in 0..<storedWords(start) { h = RestoreIndex.mix(h, arena[start + w]) }
        return RestoreIndex.finish(h)
    }

    /// How many words the name at `start` takes.
    private func storedWords(_ start: Int) -> Int {
        let first = arena[start]
        switch UInt8(first & 0xFF) {
        case 0x80: return 5
        case 0x81:
            let low = Int(first >> 8)
            let high = Int(arena[start + 1] & 0xFF) << 24
            return (5 + (low | high) + 3) / 4
        case let n: return (1 + Int(n) + 3) / 4
        }
    }

    private func find(_ directory: UInt32, _ words: UnsafeBufferPointer<UInt32>, _ hash: UInt64) -> Int? {
        let count = words.count
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash) & mask
        while slots[s] != RestoreIndex.empty {
            let id = Int(slots[s])
            if directoryOf[id] == directory {
                let start = Int(nameOf[id])
                if storedWords(start) == count {
                    var same = true
                    for w in 0..<count where arena[start + w] != words[w] { same = false; break }
                    if same { return id }
                }
            }
            s = (s + 1) & mask
        }
        return nil
    }

    private func insertSlot(_ id: Int, _ hash: UInt64) {
        if (count * 10) > slots.count * 7 {
            slots = Array(repeating: RestoreIndex.empty, count: slots.count * 2)
            let mask = slots.count - 1
            for other in 0..<count - 1 {
                var s = Int(truncatingIfNeeded: storedHash(other)) & mask
                while slots[s] != RestoreIndex.empty { s = (s + 1) & mask }
                slots[s] = UInt32(other)
            }
        }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash) & mask
        while slots[s] != RestoreIndex.empty { s = (s + 1) & mask }
        slots[s] = UInt32(id)
    }

    /// The 16 bytes of a canonical lowercase UUID text (8-4-4-4-12 hex digits) at `p`, nil otherwise.
    private static func canonicalUUID(_ p: UnsafeRawPointer) -> (UInt64, UInt64)? {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for k in 0..<36 {
            let c = p.load(fromByteOffset: k, as: UInt8.self)
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(v) } else { low = low << 4 | UInt64(v) }
            digits += 1
        }
        return (high, low)
    }

    private static func uuidText(_ bytes: [UInt8]) -> String {
        // Stored as (high, low) in memory order of the tuple: undo it through the same layout.
        let (high, low) = bytes.withUnsafeBytes { ($0.load(fromByteOffset: 0, as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for k in 0..<32 {
            let word = k < 16 ? high : low
            let shift = UInt64(60 - 4 * (k % 16))
            out.append(hex[Int((word >> shift) & 0xF)])
            if k == 7 || k == 11 || k == 15 || k == 19 { out.append(UInt8(ascii: "-")) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
