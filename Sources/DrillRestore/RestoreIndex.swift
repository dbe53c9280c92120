// The index of every restored file, by the container path Immich would see it at, sized for millions of files on a
// small NAS: no String per file. Paths are a `PathInterner` (an interned directory and a compact name); the size is
// a column of chunked arrays (no doubling copy when it grows), the database's marks a bit per file, and a SHA-1
// takes room only for a file that was hashed (README, Memory).

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
    private var paths = PathInterner()
    private var sizes = ChunkedArray<Int64>()
    private var digestSlot = ChunkedArray<UInt32>()
    private var digests = ChunkedArray<Digest20>()
    private var marks: [UInt64] = []
    private var undigestedFiles: [UInt64] = []
    private var undigestedPrefixes: [[UInt8]] = []
    private static let none = UInt32.max

    /// Container folders whose files' SHA-1s are not kept (they are still hashed as they are restored): the
    /// verifier compares digests only with originals' checksums, so thumbnails, encoded videos, profile pictures and
    /// Immich's own dumps need none; at a million assets that is two million digests not held.
    package var undigested: [String] = [] {
        didSet { undigestedPrefixes = undigested.map { Array(($0.hasSuffix("/") ? $0 : $0 + "/").utf8) } }
    }

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
        let (id, added) = paths.intern(path)
        if added {
            sizes.append(size)
            digestSlot.append(RestoreIndex.none)
            if id & 63 == 0 {
                marks.append(0)
                undigestedFiles.append(0)
            }
            for prefix in undigestedPrefixes where path.count > prefix.count
                && prefix.withUnsafeBytes({ memcmp($0.baseAddress!, path.baseAddress!, prefix.count) == 0 }) {
                undigestedFiles[id >> 6] |= 1 << UInt64(id & 63)
                break
            }
        } else if replace {
            sizes[id] = size
            digestSlot[id] = RestoreIndex.none
        }
        return id
    }

    /// Records the SHA-1 of file `id`.
    package func setSHA1(_ id: Int, _ digest: Digest20) {
        guard id >= 0, id < count, undigestedFiles[id >> 6] & (1 << UInt64(id & 63)) == 0 else { return }
        if digestSlot[id] == RestoreIndex.none {
            digestSlot[id] = UInt32(truncatingIfNeeded: digests.count)
            digests.append(digest)
        } else {
            digests[Int(digestSlot[id])] = digest
        }
    }

    // MARK: Reading

    /// The id of the file at a container path, nil when none was restored there.
    package func id(_ path: String) -> Int? { paths.id(path) }

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
        if slot != RestoreIndex.none { file.sha1 = digests[Int(slot)] }
        file.referenced = marks[id >> 6] & (1 << UInt64(id & 63)) != 0
        return file
    }

    /// The container path of file `id`.
    package func path(_ id: Int) -> String { paths.path(id) }

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
}
