// Archives (tar, tar.gz, tar.zst, tar.xz, zip…) matching a pattern: found by name and mtime, listed from their entry
// headers (read once for every source one archive holds), restored with libarchive into scratch by the extractor that
// follows no symlink, and on restore day by `immich-drill extract` (which is that extractor).

import DrillArchive
import Foundation

/// `archive:` sources.
package struct ArchiveSnapshots: FileSnapshotKind {
    package init() {}

    public var kind: Snapshot.Kind { .archive }
    package var locationsArePaths: Bool { true }

    package func accepts(_ location: SnapshotLocation) -> Bool {
        if case .archive = location { return true }
        return false
    }

    package func discover(_ planned: PlannedSource, with discovery: SnapshotDiscovery) throws -> (snapshots: [Snapshot], notes: [String]) {
        guard case .archive(let pattern, _) = planned.location else { return ([], []) }
        return try discovery.matches(of: pattern, directories: false, kind: .archive, source: planned.id)
    }

    public func list(_ items: [ListingItem], context: ListingContext) -> [Result<SnapshotListing, DrillError>?] {
        // One read of an archive's headers serves every source it holds.
        var results = [Result<SnapshotListing, DrillError>?](repeating: nil, count: items.count)
        var order: [String] = []
        var users: [String: [Int]] = [:]
        for (i, item) in items.enumerated() {
            if users[item.snapshot.location] == nil { order.append(item.snapshot.location) }
            users[item.snapshot.location, default: []].append(i)
        }
        for location in order {
            let indexes = users[location]!
            do {
                let views = try SnapshotLister.listArchive(location, indexes.map { items[$0].request })
                for (i, view) in zip(indexes, views) { results[i] = .success(view) }
            } catch let error as DrillError {
                for i in indexes { results[i] = .failure(error) }
            } catch {
                for i in indexes { results[i] = .failure(DrillError(.input, file: location, "cannot list this archive", cause: "\(error)")) }
            }
        }
        return results
    }

    package func restoreCommand(location: String, inside: String, target: String, restore: String?, planFolder: String) -> String {
        let q = Subprocess.shellQuote
        return "immich-drill extract \(q(location)) \(q(target))" + (inside.isEmpty ? "" : " --inside \(q(inside))")
    }

    package func planLines(_ location: SnapshotLocation, relative: (String) -> String, quote: (String) -> String) -> [String] {
        guard case .archive(let pattern, let path) = location else { return [] }
        return ["    archive: \(quote(relative(pattern)))"] + (path.map { ["    path: \(quote($0))"] } ?? [])
    }

    package func fixedPaths(_ location: SnapshotLocation) -> [String] {
        guard case .archive(let pattern, _) = location else { return [] }
        return [FileSnapshotKinds.fixedPrefix(of: pattern)]
    }

    public func restore(_ job: RestoreJob, into target: String, index: RestoreIndex, with restorer: Restorer) throws -> SourceRestore {
        let started = Date()
        let observer = ArchiveObserver(job, restorer: restorer, index: index)
        restorer.progress?.begin("restoring \(job.source)")
        defer { restorer.progress?.end() }
        let result: ExtractionResult
        do {
            let extractor = try ArchiveExtractor(path: job.snapshot.location, root: target)
            extractor.isCancelled = { Cancellation.isCancelled }
            result = try extractor.extract(observer)
            observer.collect()
        } catch let error as ArchiveError {
            observer.collect()
            if Cancellation.isCancelled { throw DrillError(.environment, "the drill was stopped by a signal") }
            throw DrillError(.input, file: job.snapshot.location, "cannot restore this archive", cause: error.message)
        }
        let seconds = Date().timeIntervalSince(started)
        var restore = SourceRestore(
            source: job.source.description, kind: "archive", location: job.snapshot.location, totalFiles: observer.totalFiles,
            totalBytes: observer.totalBytes, restoredFiles: result.files, restoredBytes: result.bytes, seconds: seconds,
            projectedSeconds: nil, projection: nil, inPlace: false,
            refused: result.refused.map { "\($0.path): \($0.reason)" }
                + result.linksOutside.map { "\($0.path): a symlink to \($0.target), outside the restore (restored as a link, never followed)" },
            output: nil)
        restore.namesNotUTF8 = result.notUTF8.isEmpty ? nil : result.notUTF8
        if restorer.sample != nil, result.bytes < observer.totalBytes, result.writeSeconds > 0, result.bytes > 0 {
            // The whole archive was read; the unsampled files would add their writing at the measured write rate.
            let rate = Double(result.bytes) / result.writeSeconds
            let extra = Double(observer.totalBytes - result.bytes) / rate
            restore.projectedSeconds = seconds + extra
            restore.projection = "the measured read of the whole archive plus the unsampled \(ByteText.format(observer.totalBytes - result.bytes)) at the measured write rate of \(ByteText.format(Int64(rate)))/s"
        }
        return restore
    }
}

/// Records every entry of the source in the index and extracts the wanted ones.
final class ArchiveObserver: HashingExtraction {
    let containerRoot: String
    let restorer: Restorer
    let index: RestoreIndex
    var totalFiles = 0
    var totalBytes: Int64 = 0
    /// The index id of the entry `wants` saw last (the file `begin` then starts).
    private var lastID = -1
    /// The archive file's size, for the progress bar's fraction.
    private var archiveBytes: Int64 = 0

    init(_ job: RestoreJob, restorer: Restorer, index: RestoreIndex) {
        containerRoot = job.containerRoot
        self.restorer = restorer
        self.index = index
        super.init(inside: job.inside)
        var st = stat()
        if stat(job.snapshot.location, &st) == 0 { archiveBytes = Int64(st.st_size) }
    }

    override func read(_ consumed: Int64) {
        guard let bar = restorer.progress else { return }
        bar.update(files: totalFiles, bytes: totalBytes, fraction: archiveBytes > 0 ? Double(consumed) / Double(archiveBytes) : nil)
    }

    override func wants(_ entry: ArchiveEntry, at relative: String) -> Bool {
        let container = containerRoot + "/" + relative
        if entry.type == .file || entry.type == .hardlink {
            totalFiles += 1
            totalBytes += entry.size
            lastID = index.record(container, size: entry.size, replace: false)
        }
        if entry.type == .directory || entry.type == .symlink { return restorer.sample == nil }
        return restorer.wanted(container)
    }

    override func hashID(_ relative: String) -> Int { lastID }

    override func hashed(_ id: Int, _ digest: Digest20) { index.setSHA1(id, digest) }

    /// Waits for the hashing thread and records each extracted file's digest.
    func collect() { finishHashing() }
}
