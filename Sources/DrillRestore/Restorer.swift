// What every kind of restore shares (the kinds themselves are in Kinds/: an archive through libarchive, a snapshot
// folder copied into scratch or verified where it lies, a backup tool's restore command): the index of restored
// files, the job, the result, and the folder copy that snapshot folders and tools' restores both end in. Each kind
// records every file the snapshot holds for its source, by container path, so the verifier can check
// the database against it; with a sample, only the sampled files (and the markers) are written and hashed, while
// the presence of every file still comes from the archive's headers or the folder's tree.

import DrillSnapshots
import Crypto
import DrillArchive
import DrillCatalog
import Foundation
import SystemPackage

/// What restoring one source did.
package struct SourceRestore: Sendable, Codable, Equatable {
    public var source: String
    public var kind: String
    public var location: String
    /// Files and bytes the snapshot holds for the source (from headers or the tree).
    package var totalFiles: Int
    package var totalBytes: Int64
    /// Files and bytes written (and hashed) into scratch, or read in place.
    package var restoredFiles: Int
    package var restoredBytes: Int64
    public var seconds: Double
    /// The full restore's time projected from a sample, nil when everything was restored.
    package var projectedSeconds: Double?
    package var projection: String?
    public var inPlace: Bool
    /// Entries refused as unsafe, with the reason.
    public var refused: [String]
    /// The restore command's last output lines.
    public var output: String?
    /// Names in the snapshot that are not UTF-8 (shown with `\xNN`): restored as stored, never a database path.
    package var namesNotUTF8: [String]?
    /// Why the restore failed part-way (the tool's exit status, the damaged archive, the unreadable folder); what
    /// came back before it is verified like any restore.
    package var failed: String?
    /// What was at the top of the snapshot when the source's root could not be found in it.
    package var rootNotFound: [String]?

    package init(source: String, kind: String, location: String, totalFiles: Int, totalBytes: Int64, restoredFiles: Int, restoredBytes: Int64, seconds: Double, projectedSeconds: Double? = nil, projection: String? = nil, inPlace: Bool, refused: [String], output: String? = nil, namesNotUTF8: [String]? = nil, failed: String? = nil, rootNotFound: [String]? = nil) {
        self.source = source
        self.kind = kind
        self.location = location
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
        self.restoredFiles = restoredFiles
        self.restoredBytes = restoredBytes
        self.seconds = seconds
        self.projectedSeconds = projectedSeconds
        self.projection = projection
        self.inPlace = inPlace
        self.refused = refused
        self.output = output
        self.namesNotUTF8 = namesNotUTF8
        self.failed = failed
        self.rootNotFound = rootNotFound
    }
}

/// How one source is restored.
package struct RestoreJob: Sendable {
    public var snapshot: Snapshot
    /// The planned source (`upload`, `upload/library`, `external:/mnt/media/photos`).
    public var source: SourceID
    /// Where the source is inside the snapshot ("" for the top).
    public var inside: String
    /// The container path the source's root is at.
    package var containerRoot: String
    /// The plan's restore command for `command` snapshots.
    package var restoreCommand: String?
    /// For a restored tree whose layout is not known beforehand (a `command` source without `path:`): how to find
    /// the source's root in it, with the same recogniser as archives and folders.
    package var detect: ListingRequest?
    /// Set when the source's root could not be found (what is at the snapshot's top): nothing is verified for it.
    package var rootNotFound: [String]?

    package init(snapshot: Snapshot, source: SourceID, inside: String, containerRoot: String, restoreCommand: String?) {
        self.snapshot = snapshot
        self.source = source
        self.inside = inside
        self.containerRoot = containerRoot
        self.restoreCommand = restoreCommand
    }
}

/// Restores jobs into scratch (sampled or whole), through their snapshot kind.
package struct Restorer: Sendable {
    /// Container paths to write and hash; nil for all.
    public var sample: Set<String>? { didSet { filter = SampleFilter(sample) } }
    /// The one rule for what a sample wants, archives and folders alike.
    private var filter: SampleFilter
    public var inPlace = false
    package var commandTimeout: Double = 24 * 3600
    public var planDirectory: String
    /// Checked for room before a snapshot folder is copied into it.
    public var scratch: Scratch?
    /// Redrawn while a folder is listed and copied, and while an archive is read.
    package var progress: ProgressBar?

    package init(sample: Set<String>?, inPlace: Bool, planDirectory: String) {
        self.sample = sample
        self.filter = SampleFilter(sample)
        self.inPlace = inPlace
        self.planDirectory = planDirectory
    }

    /// Whether the sample wants a container path: by its bytes, as the file system and Immich tell files apart.
    func wanted(_ container: String) -> Bool {
        var container = container
        return container.withUTF8 { filter.wants(UnsafeRawBufferPointer($0)) }
    }

    /// What a sample wants, given a container path as bytes (as a folder walk has it, and as `wanted` passes it):
    /// the sample is also held as fingerprints, so a String is made only for a path whose fingerprint is in the
    /// sample (about one in a hundred at 1%), not for each of a million files, twice.
    struct SampleFilter {
        private let sample: Set<String>?
        private var fingerprints = FingerprintSet()
        private static let marker = Array("/.immich".utf8)

        init(_ sample: Set<String>?) {
            self.sample = sample
            for path in sample ?? [] { fingerprints.insert(PathFingerprint.of(path)) }
        }

        func wants(_ container: UnsafeRawBufferPointer) -> Bool {
            guard let sample else { return true }
            if container.count >= SampleFilter.marker.count,
               container.suffix(SampleFilter.marker.count).elementsEqual(SampleFilter.marker) { return true }
            guard fingerprints.contains(PathFingerprint.of(container)) else { return false }
            return sample.contains(String(decoding: container, as: UTF8.self))
        }
    }

    // MARK: Folders

    /// Records a snapshot folder's files and copies (or, in place, reads) the wanted ones, hashing as it goes.
    func restoreFolder(_ job: RestoreJob, from folder: String, into target: String?, index: RestoreIndex,
                       started: Date, kind: String = "directory", output: String? = nil) throws -> SourceRestore {
        guard FileProbe.kind(folder) == .directory else {
            throw DrillError(.input, file: folder, "the snapshot has no folder here (path '\(job.inside)')")
        }
        // Two walks: the first lists the folder straight into the index and adds up what the copy needs, for the
        // room check; the second copies the wanted files as it meets them. No list of files is held between the two
        // (a second walk of a snapshot folder costs seconds, the list would cost tens of megabytes at a million
        // assets, and the index keeps generated files only as fingerprints).
        var totalFiles = 0
        var totalBytes: Int64 = 0
        var wantedFiles = 0
        var wantedBytes: Int64 = 0
        var notUTF8: [String] = []
        let cut = folder == "/" ? 1 : folder.utf8.count + 1
        var key = Array(job.containerRoot.utf8) + [UInt8(ascii: "/")]
        let keyPrefix = key.count
        func setKey(_ file: WalkedFile) {
            key.removeSubrange(keyPrefix...)
            key.append(contentsOf: file.path.utf8.dropFirst(cut))
        }
        let filter = self.filter
        func isWanted() -> Bool { key.withUnsafeBytes { filter.wants($0) } }
        progress?.begin("listing \(job.source)")
        try FileWalker.walk(folder) { file in
            if Cancellation.isCancelled { throw DrillError(.environment, "the drill was stopped by a signal") }
            setKey(file)
            key.withUnsafeBytes { _ = index.record($0, size: file.size) }
            totalFiles += 1
            totalBytes += file.size
            progress?.update(files: totalFiles, bytes: totalBytes)
            if file.rawPath != nil { notUTF8.append(String(file.path.utf8.dropFirst(cut)) ?? file.path) }
            if isWanted() {
                wantedFiles += 1
                wantedBytes += file.size
            }
        }
        if target != nil { try scratch?.ensureSpace(wantedBytes) }
        var restoredFiles = 0
        var restoredBytes: Int64 = 0
        var copySeconds = 0.0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var folders = Set<[UInt8]>()
        let hasher = PipelinedHasher()
        // The index id of each file handed to the hasher, by its number, until its digest is stored.
        var pending: [Int: Int] = [:]
        let store = { (k: Int, digest: Digest20) in
            if let id = pending.removeValue(forKey: k) { index.setSHA1(id, digest) }
        }
        defer { hasher.finish(store) }
        let source = folder == "/" ? "" : folder
        let sourcePrefix = Array(source.utf8) + [UInt8(ascii: "/")]
        let targetPrefix = target.map { Array($0.utf8) + [UInt8(ascii: "/")] }
        progress?.begin("\(target == nil ? "reading" : "restoring") \(job.source)", totalFiles: wantedFiles, totalBytes: wantedBytes)
        defer { progress?.end() }
        try FileWalker.walk(folder) { file in
            if Cancellation.isCancelled { throw DrillError(.environment, "the drill was stopped by a signal") }
            setKey(file)
            guard isWanted() else { return }
            // A file the first walk did not see (the folder changed between the two) is recorded now; its room was
            // not checked, and a full disk stops the copy with an error as it would any other.
            let id = key.withUnsafeBytes { index.record($0, size: file.size, replace: false) }
            let t = Date()
            let k = restoredFiles
            if id >= 0 { pending[k] = id }
            hasher.begin(k)
            if k & 1023 == 1023 { hasher.drain(store) }
            // The part below the folder, as bytes (a name that is not UTF-8 by its own bytes).
            let relative = file.rawPath.map { Array($0.dropFirst(cut)) } ?? Array(key[keyPrefix...])
            try copy(sourcePrefix + relative, to: targetPrefix.map { $0 + relative }, buffer: &buffer, hasher: hasher,
                     folders: &folders)
            copySeconds += Date().timeIntervalSince(t)
            restoredFiles += 1
            restoredBytes += file.size
            progress?.update(files: restoredFiles, bytes: restoredBytes)
        }
        let seconds = Date().timeIntervalSince(started)
        var restore = SourceRestore(
            source: job.source.description, kind: kind, location: job.snapshot.location, totalFiles: totalFiles,
            totalBytes: totalBytes, restoredFiles: restoredFiles, restoredBytes: restoredBytes, seconds: seconds,
            projectedSeconds: nil, projection: nil, inPlace: target == nil, refused: [], output: output,
            namesNotUTF8: notUTF8.isEmpty ? nil : notUTF8)
        if sample != nil, kind == "directory", restoredBytes < totalBytes, restoredBytes > 0, copySeconds > 0 {
            let rate = Double(restoredBytes) / copySeconds
            restore.projectedSeconds = seconds - copySeconds + Double(totalBytes) / rate
            restore.projection = "all \(ByteText.format(totalBytes)) at the measured \(target == nil ? "read" : "copy") rate of \(ByteText.format(Int64(rate)))/s"
        }
        return restore
    }

    /// Copies `source` to `destination` (paths as bytes; or only reads it when nil), keeping the mtime; its bytes go
    /// to `hasher`.
    func copy(_ sourceBytes: [UInt8], to destinationBytes: [UInt8]?, buffer: inout [UInt8],
              hasher: PipelinedHasher, folders: inout Set<[UInt8]>) throws {
        // Paths become text only for an error message: this runs once per restored file.
        var source: String { PathText.decode(sourceBytes) }
        // O_NONBLOCK: the walk saw a regular file, but a FIFO put in its place since would block the open forever.
        let input = Restorer.withCString(sourceBytes) { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) }
        guard input >= 0 else {
            throw DrillError(.input, file: source, "cannot read", cause: DrillError.errnoText(errno))
        }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0 else {
            throw DrillError(.input, file: source, "cannot read", cause: DrillError.errnoText(errno))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw DrillError(.input, file: source, "not a regular file any more (replaced while the drill ran)")
        }
        var output: Int32 = -1
        var destination: String? { destinationBytes.map { PathText.decode($0) } }
        if let destinationBytes {
            try Restorer.makeFolders(ofBytes: destinationBytes, made: &folders)
            output = Restorer.withCString(destinationBytes) {
                open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            }
            guard output >= 0 else {
                throw DrillError(.environment, file: destination, "cannot create", cause: DrillError.errnoText(errno))
            }
        }
        defer { if output >= 0 { close(output) } }
        defer { hasher.end() }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DrillError(.input, file: source, "cannot read", cause: DrillError.errnoText(errno))
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                hasher.update(chunk)
                guard output >= 0 else { return }
                do {
                    _ = try FileDescriptor(rawValue: output).writeAll(chunk)
                } catch let error as Errno {
                    throw DrillError(.environment, file: destination, "cannot write", cause: DrillError.errnoText(error.rawValue))
                }
            }
        }
        if output >= 0 {
            var times = [st.st_mtim, st.st_mtim]
            futimens(output, &times)
        }
    }

    /// Calls `body` with `bytes` as a NUL-terminated C string.
    static func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// Creates the folders above `path` (its parent and up, as bytes: names that are not UTF-8 are made as they are),
    /// remembering what exists so each is made once. The memory is bounded: files come folder by folder, so the
    /// last few thousand folders are all it needs (one forgotten is only made again, EEXIST); a million-asset
    /// restore makes 400,000 folders, which a set of them all would hold at some 50 MiB.
    static func makeFolders(ofBytes path: [UInt8], made: inout Set<[UInt8]>) throws {
        guard let slash = path.lastIndex(of: UInt8(ascii: "/")), slash != path.startIndex else { return }
        let parent = Array(path[..<slash])
        if made.contains(parent) { return }
        if made.count >= 4096 { made.removeAll(keepingCapacity: true) }
        if withCString(parent, { mkdir($0, 0o755) }) != 0 {
            if errno == ENOENT {
                try makeFolders(ofBytes: parent, made: &made)
                if withCString(parent, { mkdir($0, 0o755) }) != 0, errno != EEXIST {
                    throw DrillError(.environment, file: PathText.decode(parent), "cannot create", cause: DrillError.errnoText(errno))
                }
            } else if errno != EEXIST {
                throw DrillError(.environment, file: PathText.decode(parent), "cannot create", cause: DrillError.errnoText(errno))
            }
        }
        made.insert(parent)
    }
}
