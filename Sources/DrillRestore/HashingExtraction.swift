// What both extractions (a drill's restore and `extract` on restore day) do with an archive's entries: place the
// entries below a folder of the archive (`path` in the plan, `--inside`) at the top of the target, and hash every
// extracted file on a second core while it is written.

import DrillSnapshots
import DrillArchive

open class HashingExtraction: ExtractionObserver {
    /// `inside/`, or "" for the whole archive.
    public let prefix: String
    let hasher: PipelinedHasher?
    /// The extracted files' relative paths, by hashing id (only when `hashID` is not overridden).
    private var extracted: [String] = []
    private var collected: [(path: String, sha1: Digest20)] = []
    private var begun = 0

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

    /// The id the digest of the file beginning at `relative` is handed to `hashed` under; by default its path is
    /// kept for `digests()`.
    func hashID(_ relative: String) -> Int {
        extracted.append(relative)
        return extracted.count - 1
    }

    /// Takes one file's digest (on the extracting thread, in the archive's order).
    func hashed(_ id: Int, _ digest: Digest20) {
        collected.append((extracted[id], digest))
    }

    public func begin(_ relative: String, _ entry: ArchiveEntry) {
        guard let hasher else { return }
        hasher.begin(hashID(relative))
        begun += 1
        if begun & 1023 == 0 { hasher.drain(hashed) }
    }

    public func data(_ bytes: UnsafeRawBufferPointer) { hasher?.update(bytes) }

    public func end() { hasher?.end() }

    /// How much of the archive file was read (for a progress bar; nothing by default).
    open func read(_ consumed: Int64) {}

    /// Waits for the hashing thread and hands every digest not yet handed to `hashed`.
    package func finishHashing() {
        hasher?.finish(hashed)
    }

    /// Waits for the hashing thread: each extracted file's relative path with its SHA-1, in the archive's order.
    package func digests() -> [(path: String, sha1: Digest20)] {
        finishHashing()
        return collected
    }
}
