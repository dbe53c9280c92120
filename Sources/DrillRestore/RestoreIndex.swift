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

/// Every file of the restore point's snapshots, by the container path Immich would see it at. Files in the folders
/// Immich generates (`presenceOnly`) are held as fingerprints: the verifier only asks whether they are there.
package final class RestoreIndex: @unchecked Sendable {
    private var paths = PathInterner()
    private var sizes = ChunkedArray<Int64>()
    private var digestSlot = ChunkedArray<UInt32>()
    private var digests = ChunkedArray<Digest20>()
    private var marks: [UInt64] = []
    private var generated = FingerprintSet()
    private var presencePrefixes: [[UInt8]] = []
    private static let none = UInt32.max

    /// Container folders of generated files (thumbnails, encoded videos, profile pictures, Immich's own dumps): their
    /// files are hashed as they are restored, but held only as a fingerprint of their path, with no size, digest or
    /// mark. The verifier asks of them only whether each referenced one came back (a chance of about one in ten
    /// trillion that a missing one is taken for another), and looks for unreferenced files only in upload/, library/
    /// and the import paths. At a million assets that is two million paths not kept as text.
    package var presenceOnly: [String] = [] {
        didSet { presencePrefixes = presenceOnly.map { Array(($0.hasSuffix("/") ? $0 : $0 + "/").utf8) } }
    }

    /// Container roots restored (each planned source's), with the snapshot time.
    package var roots: [(container: String, source: SourceID, time: Double)] = []
    /// Where each container root's files are on this machine: the folders a file of it may be in (the restore's
    /// target with and without the snapshot's inner folder, or the snapshot folder itself when read in place).
    package var localRoots: [(container: String, folders: [String])] = []

    package init() {}

    /// How many files are recorded (both kinds).
    package var count: Int { sizes.count + generated.count }
    /// How many are kept by path.
    package var pathCount: Int { sizes.count }

    /// The id a file of a presence-only folder gets: it has no path, size or digest to look up.
    package static let presenceID = -1

    // MARK: Recording

    /// Records the file at a container path and returns its id (`presenceID` in a presence-only folder);
    /// `replace: false` keeps a file already recorded there as it is (an archive's later entry of the same name),
    /// `true` gives it the new size and forgets its digest.
    @discardableResult
    package func record(_ path: String, size: Int64, replace: Bool = true) -> Int {
        var path = path
        return path.withUTF8 { record(UnsafeRawBufferPointer($0), size: size, replace: replace) }
    }

    /// `record` for a path given as bytes.
    @discardableResult
    package func record(_ path: UnsafeRawBufferPointer, size: Int64, replace: Bool = true) -> Int {
        if isPresenceOnly(path) {
            generated.insert(PathFingerprint.of(path))
            return RestoreIndex.presenceID
        }
        let (id, added) = paths.intern(path)
        if added {
            sizes.append(size)
            digestSlot.append(RestoreIndex.none)
            if id & 63 == 0 { marks.append(0) }
        } else if replace {
            sizes[id] = size
            digestSlot[id] = RestoreIndex.none
        }
        return id
    }

    private func isPresenceOnly(_ path: UnsafeRawBufferPointer) -> Bool {
        for prefix in presencePrefixes where path.count > prefix.count
            && prefix.withUnsafeBytes({ memcmp($0.baseAddress!, path.baseAddress!, prefix.count) == 0 }) {
            return true
        }
        return false
    }

    private func isPresenceOnly(_ path: String) -> Bool {
        guard !presencePrefixes.isEmpty else { return false }
        var path = path
        return path.withUTF8 { isPresenceOnly(UnsafeRawBufferPointer($0)) }
    }

    /// Records the SHA-1 of file `id`.
    package func setSHA1(_ id: Int, _ digest: Digest20) {
        guard id >= 0, id < sizes.count else { return }
        if digestSlot[id] == RestoreIndex.none {
            digestSlot[id] = UInt32(truncatingIfNeeded: digests.count)
            digests.append(digest)
        } else {
            digests[Int(digestSlot[id])] = digest
        }
    }

    // MARK: Reading

    /// The id of the file at a container path kept by path, nil when none was restored there (or it is in a
    /// presence-only folder).
    package func id(_ path: String) -> Int? { paths.id(path) }

    /// The file at a container path, nil when none was restored there. A file of a presence-only folder comes back
    /// with size -1 (not kept) and no digest.
    package subscript(_ path: String) -> RestoredFile? {
        if isPresenceOnly(path) {
            return generated.contains(PathFingerprint.of(path)) ? RestoredFile(size: -1, sha1: nil) : nil
        }
        return id(path).map(file)
    }

    /// Whether a file was restored at a container path.
    package func contains(_ path: String) -> Bool { self[path] != nil }

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

    /// Every file kept by path, in the order recorded.
    package func forEach(_ body: (String, RestoredFile) throws -> Void) rethrows {
        for id in 0..<sizes.count { try body(path(id), file(id)) }
    }

    /// Every file kept by path that the database does not refer to (no `reference` marked it), in the order recorded.
    package func forEachUnreferenced(_ body: (String, RestoredFile) throws -> Void) rethrows {
        for id in 0..<sizes.count where marks[id >> 6] & (1 << UInt64(id & 63)) == 0 { try body(path(id), file(id)) }
    }

    /// Marks the file at `path` as one the database refers to and returns it; nil when no such file was restored.
    /// (A bit per file rather than a set of every referenced path: a million-asset library refers to millions.)
    @discardableResult
    public func reference(_ path: String) -> RestoredFile? {
        if isPresenceOnly(path) { return self[path] }
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
