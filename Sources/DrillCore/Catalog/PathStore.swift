// Compact storage for the millions of paths a large library's dump holds. A path is stored as an interned
// directory and a file name in one byte arena; a derivative's file name that begins with its asset's id
// (`<assetId>-thumbnail.webp`, `<assetId>_preview.jpeg`, `<assetId>.mp4`) is stored as an interned suffix only.
// A million assets with thumbnails and previews then take tens of megabytes of path text, not hundreds.

/// A reference to a path in a `PathStore`.
public struct PathRef: Sendable, Hashable {
    /// Index of the directory (`UInt32.max` when the path has no directory part).
    var directory: UInt32
    /// Start of the name (or of the suffix, for stemmed names) in the arena.
    var start: UInt32
    /// Length of the name; the top bit marks a name that begins with the owner's id.
    var length: UInt32

    static let stemFlag: UInt32 = 1 << 31
    static let noDirectory = UInt32.max
    /// A reference to nothing.
    public static let none = PathRef(directory: UInt32.max, start: 0, length: 0)
    public var isNone: Bool { directory == PathRef.noDirectory && length == 0 }
}

/// Interned directories plus a name arena.
public struct PathStore: Sendable {
    private(set) var directories: [String] = []
    private var directoryIndex: [String: UInt32] = [:]
    private(set) var arena: [UInt8] = []
    private var suffixIndex: [[UInt8]: UInt32] = [:]

    public init() {}

    /// Bytes held, for memory reports.
    public var byteCount: Int {
        arena.capacity + directories.reduce(0) { $0 + $1.utf8.count + 16 } * 2
    }

    /// Stores `bytes` (a path); when its file name begins with `stem`, only the rest of the name is kept.
    public mutating func add(_ bytes: [UInt8], stem: String? = nil) -> PathRef {
        guard !bytes.isEmpty else { return .none }
        let slash = bytes.lastIndex(of: UInt8(ascii: "/"))
        var directory = PathRef.noDirectory
        var nameStart = 0
        if let slash {
            let dir = String(decoding: bytes[..<slash], as: UTF8.self)
            if let index = directoryIndex[dir] {
                directory = index
            } else {
                directory = UInt32(directories.count)
                directories.append(dir)
                directoryIndex[dir] = directory
            }
            nameStart = slash + 1
        }
        let name = bytes[nameStart...]
        if let stem, !stem.isEmpty, name.starts(with: stem.utf8) {
            let suffix = Array(name.dropFirst(stem.utf8.count))
            let start: UInt32
            if let known = suffixIndex[suffix] {
                start = known
            } else {
                start = UInt32(arena.count)
                arena.append(contentsOf: suffix)
                suffixIndex[suffix] = start
            }
            return PathRef(directory: directory, start: start, length: UInt32(suffix.count) | PathRef.stemFlag)
        }
        let start = UInt32(arena.count)
        arena.append(contentsOf: name)
        return PathRef(directory: directory, start: start, length: UInt32(name.count))
    }

    public mutating func add(_ text: String, stem: String? = nil) -> PathRef {
        add(Array(text.utf8), stem: stem)
    }

    /// The path text; `stem` must be the one given when it was added.
    public func string(_ ref: PathRef, stem: String? = nil) -> String {
        guard !ref.isNone else { return "" }
        let length = Int(ref.length & ~PathRef.stemFlag)
        var name = String(decoding: arena[Int(ref.start)..<(Int(ref.start) + length)], as: UTF8.self)
        if ref.length & PathRef.stemFlag != 0 { name = (stem ?? "") + name }
        if ref.directory == PathRef.noDirectory { return name }
        return directories[Int(ref.directory)] + "/" + name
    }

    /// The file name alone.
    public func name(_ ref: PathRef, stem: String? = nil) -> String {
        guard !ref.isNone else { return "" }
        let length = Int(ref.length & ~PathRef.stemFlag)
        let name = String(decoding: arena[Int(ref.start)..<(Int(ref.start) + length)], as: UTF8.self)
        return ref.length & PathRef.stemFlag != 0 ? (stem ?? "") + name : name
    }

    /// Releases the lookup tables once nothing more will be added.
    public mutating func freeze() {
        directoryIndex = [:]
        suffixIndex = [:]
        arena.reserveCapacity(0)
    }
}
