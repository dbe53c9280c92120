import DrillDeployment
import Foundation

// Compact storage for the millions of paths a large library's dump holds. A path is stored as an interned
// directory and a file name in one byte arena; a derivative's file name that begins with its asset's id
// (`<assetId>-thumbnail.webp`, `<assetId>_preview.jpeg`, `<assetId>.mp4`) is stored as an interned suffix only.
// A million assets with thumbnails and previews then take tens of megabytes of path text, not hundreds.

/// A reference to a path in a `PathStore`.
package struct PathRef: Sendable, Hashable {
    /// Index of the directory (`UInt32.max` when the path has no directory part).
    var directory: UInt32
    /// Start of the name (or of the suffix, for stemmed names) in the arena.
    var start: UInt32
    /// Length of the name; the top bit marks a name that begins with the owner's id.
    var length: UInt32

    static let stemFlag: UInt32 = 1 << 31
    static let noDirectory = UInt32.max
    /// A reference to nothing.
    package static let none = PathRef(directory: UInt32.max, start: 0, length: 0)
    package var isNone: Bool { directory == PathRef.noDirectory && length == 0 }
}

/// Interned directories plus a name arena.
package struct PathStore: Sendable {
    private var directories = ByteInterner()
    private(set) var arena: [UInt8] = []
    private var suffixes = ByteInterner()

    package init() {}

    /// Stores `bytes` (a path); when its file name begins with `stem`, only the rest of the name is kept.
    package mutating func add(_ bytes: [UInt8], stem: String? = nil) -> PathRef {
        guard let stem else { return add(bytes, stemBytes: nil) }
        var copy = stem
        return copy.withUTF8 { add(bytes, stemBytes: UnsafeRawBufferPointer($0)) }
    }

    /// `add` with the stem as raw bytes (the id field of the same COPY row, so no string is built per row).
    package mutating func add(_ bytes: [UInt8], stemBytes stem: UnsafeRawBufferPointer?) -> PathRef {
        guard !bytes.isEmpty else { return .none }
        return bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            let count = raw.count
            var slash = count - 1
            while slash >= 0, raw[slash] != UInt8(ascii: "/") { slash -= 1 }
            var directory = PathRef.noDirectory
            if slash >= 0 { directory = directories.intern(base, slash) }
            let nameStart = slash + 1
            let nameLength = count - nameStart
            if let stem, let stemBase = stem.baseAddress, !stem.isEmpty, nameLength >= stem.count,
               memcmp(base + nameStart, stemBase, stem.count) == 0 {
                let suffix = suffixes.intern(base + nameStart + stem.count, nameLength - stem.count)
                return PathRef(directory: directory, start: suffix, length: PathRef.stemFlag)
            }
            let start = UInt32(arena.count)
            arena.append(contentsOf: UnsafeRawBufferPointer(start: base + nameStart, count: nameLength))
            return PathRef(directory: directory, start: start, length: UInt32(nameLength))
        }
    }

    package mutating func add(_ text: String, stem: String? = nil) -> PathRef {
        add(Array(text.utf8), stem: stem)
    }

    /// The file name alone.
    public func name(_ ref: PathRef, stem: String? = nil) -> String {
        guard !ref.isNone else { return "" }
        if ref.length & PathRef.stemFlag != 0 { return (stem ?? "") + suffixes.string(ref.start) }
        let start = Int(ref.start)
        return String(decoding: arena[start..<(start + Int(ref.length))], as: UTF8.self)
    }

    /// The path text; `stem` must be the one given when it was added.
    package func string(_ ref: PathRef, stem: String? = nil) -> String {
        guard !ref.isNone else { return "" }
        let name = name(ref, stem: stem)
        if ref.directory == PathRef.noDirectory { return name }
        return directories.string(ref.directory) + "/" + name
    }

    /// The directory part, nil when the path has none.
    public func directory(_ ref: PathRef) -> String? {
        ref.directory == PathRef.noDirectory ? nil : directories.string(ref.directory)
    }

    /// Releases the lookup tables once nothing more will be added.
    package mutating func freeze() {
        directories.freeze()
        suffixes.freeze()
    }
}
