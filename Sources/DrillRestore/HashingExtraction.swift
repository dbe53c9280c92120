// What both extractions (a drill's restore and `extract` on restore day) do with an archive's entries: place the
// entries below a folder of the archive (`path` in the plan, `--inside`) at the top of the target, and hash every
// extracted file on a second core while it is written.

import DrillSnapshots
import DrillArchive

open class HashingExtraction: ExtractionObserver {
    /// `inside/`, or "" for the whole archive.
    public let prefix: String
    let hasher: PipelinedHasher?
    /// The extracted files' relative paths, by hashing id.
    public private(set) var extracted: [String] = []

    /// `hash: false` only places and extracts.
    public init(inside: String, hash: Bool = true) {
        prefix = inside.isEmpty ? "" : inside + "/"
        hasher = hash ? PipelinedHasher() : nil
    }

    open func place(_ archivePath: String) -> String? {
        if prefix.isEmpty { return archivePath }
        guard archivePath.hasPrefix(prefix) else { return nil }
        return String(archivePath.dropFirst(prefix.count))
    }

    open func wants(_ entry: ArchiveEntry, at relative: String) -> Bool { true }

    public func begin(_ relative: String, _ entry: ArchiveEntry) {
        guard let hasher else { return }
        hasher.begin(extracted.count)
        extracted.append(relative)
    }

    public func data(_ bytes: UnsafeRawBufferPointer) { hasher?.update(bytes) }

    public func end() { hasher?.end() }

    /// Waits for the hashing thread: each extracted file's relative path with its SHA-1, in the archive's order.
    package func digests() -> [(path: String, sha1: Digest20)] {
        guard let byID = hasher?.finish() else { return [] }
        return extracted.enumerated().compactMap { id, path in byID[id].map { (path, $0) } }
    }
}
