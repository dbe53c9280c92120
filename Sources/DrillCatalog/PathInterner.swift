// Millions of paths in tens of bytes each, looked up by their text without a String per path: the restore index,
// the plan's table of the newest snapshot's files and the live check's referenced paths are built on it. A path is
// an interned directory plus its file name in a word arena; a name that begins with a canonical UUID
// (`<uuid>.jpg`, `<uuid>_thumbnail.webp`: Immich's own names for uploads and everything it generates) is stored as
// the UUID's 16 bytes and an interned suffix. Ids are dense, in the order paths were first added; what a path
// carries (a size, a digest, an asset) lives in the owner's columns, indexed by id.

import DrillDeployment
import Foundation

/// Paths to dense ids and back.
package struct PathInterner: Sendable {
    private var directories = ByteInterner()
    private var suffixes = ByteInterner()
    /// Encoded names, each at a word boundary (a name's offset is its word index).
    private var arena = ChunkedArray<UInt32>()
    private var directoryOf = ChunkedArray<UInt32>()
    private var nameOf = ChunkedArray<UInt32>()
    private var slots: [UInt32] = Array(repeating: PathInterner.empty, count: 1024)
    private static let empty = UInt32.max

    package init() {}

    /// How many distinct paths were added.
    package var count: Int { nameOf.count }

    /// The id of `path`, adding it when new (`added` says which).
    package mutating func intern(_ path: String) -> (id: Int, added: Bool) {
        var path = path
        return path.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// `intern` for a path given as bytes (which need not be UTF-8).
    package mutating func intern(_ path: UnsafeRawBufferPointer) -> (id: Int, added: Bool) {
        let (dirBase, dirCount, nameBase, nameCount) = PathInterner.split(path)
        let directory = dirCount < 0 ? UInt32.max : directories.intern(dirBase!, dirCount)
        return PathInterner.withScratch(nameCount) { scratch in
            let words = encodeAdding(nameBase, nameCount, into: UnsafeMutableRawBufferPointer(scratch))
            let key = UnsafeBufferPointer(rebasing: scratch[0..<words])
            let hash = PathInterner.hash(directory, key)
            if let id = find(directory, key, hash) { return (id, false) }
            let id = count
            let start = UInt32(truncatingIfNeeded: arena.count)
            for w in key { arena.append(w) }
            directoryOf.append(directory)
            nameOf.append(start)
            insertSlot(id, hash)
            return (id, true)
        }
    }

    /// The id of `path`, nil when it was never added.
    package func id(_ path: String) -> Int? {
        var path = path
        return path.withUTF8 { id(UnsafeRawBufferPointer($0)) }
    }

    package func id(_ path: UnsafeRawBufferPointer) -> Int? {
        let (dirBase, dirCount, nameBase, nameCount) = PathInterner.split(path)
        var directory = UInt32.max
        if dirCount >= 0 {
            guard let d = directories.find(dirBase!, dirCount) else { return nil }
            directory = d
        }
        return PathInterner.withScratch(nameCount) { scratch -> Int? in
            let words = encodeLookup(nameBase, nameCount, into: UnsafeMutableRawBufferPointer(scratch))
            guard words > 0 else { return nil }
            let key = UnsafeBufferPointer(rebasing: scratch[0..<words])
            return find(directory, key, PathInterner.hash(directory, key))
        }
    }

    package func contains(_ path: String) -> Bool { id(path) != nil }

    /// The path of `id`.
    package func path(_ id: Int) -> String {
        let name = decodeName(Int(nameOf[id]))
        let directory = directoryOf[id]
        return directory == UInt32.max ? name : directories.string(directory) + "/" + name
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

    /// Zeroed words enough for the encoding of a name of `count` bytes.
    private static func withScratch<T>(_ count: Int, _ body: (UnsafeMutableBufferPointer<UInt32>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 6 + (count + 3) / 4) { buffer in
            buffer.initialize(repeating: 0)
            return body(buffer)
        }
    }

    /// Writes the encoded name into `out` (adding a new suffix) and returns its length in words.
    ///   byte 0 < 0x80: a name of that many bytes follows;  0x80: UUID (16 bytes) + suffix id (UInt16);
    ///   0x81: UInt32 length + the name.
    private mutating func encodeAdding(_ name: UnsafeRawPointer?, _ count: Int, into out: UnsafeMutableRawBufferPointer) -> Int {
        if count >= 36, let name, let uuid = PathInterner.canonicalUUID(name) {
            let suffixLength = count - 36
            var suffix = suffixes.find(name + 36, suffixLength)
            if suffix == nil, suffixes.count < 0xFFFF { suffix = suffixes.intern(name + 36, suffixLength) }
            // With the suffix table full, a new suffix's name is stored (and looked up) as it is.
            if let suffix { return PathInterner.writeUUID(uuid, suffix, into: out) }
        }
        return PathInterner.writeRaw(name, count, into: out)
    }

    /// `encodeAdding` for a lookup: 0 when the name cannot have been added.
    private func encodeLookup(_ name: UnsafeRawPointer?, _ count: Int, into out: UnsafeMutableRawBufferPointer) -> Int {
        if count >= 36, let name, let uuid = PathInterner.canonicalUUID(name) {
            if let suffix = suffixes.find(name + 36, count - 36) { return PathInterner.writeUUID(uuid, suffix, into: out) }
            if suffixes.count < 0xFFFF { return 0 }
        }
        return PathInterner.writeRaw(name, count, into: out)
    }

    private static func writeUUID(_ uuid: (UInt64, UInt64), _ suffix: UInt32, into out: UnsafeMutableRawBufferPointer) -> Int {
        let o = out.baseAddress!
        o.storeBytes(of: 0x80, toByteOffset: 0, as: UInt8.self)
        withUnsafeBytes(of: uuid) { o.advanced(by: 1).copyMemory(from: $0.baseAddress!, byteCount: 16) }
        o.storeBytes(of: UInt8(suffix & 0xFF), toByteOffset: 17, as: UInt8.self)
        o.storeBytes(of: UInt8(suffix >> 8), toByteOffset: 18, as: UInt8.self)
        return 5
    }

    private static func writeRaw(_ name: UnsafeRawPointer?, _ count: Int, into out: UnsafeMutableRawBufferPointer) -> Int {
        let o = out.baseAddress!
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
            return PathInterner.uuidText(uuid) + suffixes.string(suffix)
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

    /// The hash of path `id`'s key, from the arena (as `hash` computes it from an encoded name).
    private func storedHash(_ id: Int) -> UInt64 {
        let start = Int(nameOf[id])
        var h = UInt64(directoryOf[id]) &* 0x9E37_79B9_7F4A_7C15
        for w in 0..<storedWords(start) { h = PathInterner.mix(h, arena[start + w]) }
        return PathInterner.finish(h)
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
        while slots[s] != PathInterner.empty {
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

    /// Puts `id` (already counted) into the table, doubling it past 70 % full.
    private mutating func insertSlot(_ id: Int, _ hash: UInt64) {
        if count * 10 > slots.count * 7 {
            slots = Array(repeating: PathInterner.empty, count: slots.count * 2)
            let mask = slots.count - 1
            for other in 0..<id {
                var s = Int(truncatingIfNeeded: storedHash(other)) & mask
                while slots[s] != PathInterner.empty { s = (s + 1) & mask }
                slots[s] = UInt32(other)
            }
        }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash) & mask
        while slots[s] != PathInterner.empty { s = (s + 1) & mask }
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
        let (high, low) = bytes.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
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

/// Values by path (a listing's size and mtime per file, an asset per original path), on a `PathInterner`.
package struct PathMap<Value: Sendable>: Sendable {
    private var paths = PathInterner()
    private var values = ChunkedArray<Value>()

    package init() {}

    package var count: Int { paths.count }

    package subscript(_ path: String) -> Value? {
        get { paths.id(path).map { values[$0] } }
        set {
            guard let newValue else { return }
            let (id, added) = paths.intern(path)
            if added { values.append(newValue) } else { values[id] = newValue }
        }
    }

    /// Every path with its value, in the order first added.
    package func forEach(_ body: (String, Value) throws -> Void) rethrows {
        for id in 0..<count { try body(paths.path(id), values[id]) }
    }
}

/// A set of paths, on a `PathInterner`.
package struct PathSet: Sendable {
    private var paths = PathInterner()
    package init() {}
    package var count: Int { paths.count }
    package mutating func insert(_ path: String) { _ = paths.intern(path) }
    package func contains(_ path: String) -> Bool { paths.id(path) != nil }
}
