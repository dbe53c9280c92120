// Snapshot folders (rsync, ZFS, btrfs, Synology, Time Machine-style trees) matching a pattern: found by name and
// mtime, walked (or, for the drill, only probed for their layout), copied into scratch (or read in place), and on
// restore day copied back with rsync.

import Foundation

/// `directory:` sources.
package struct DirectorySnapshots: FileSnapshotKind {
    package init() {}

    public var kind: Snapshot.Kind { .directory }
    package var locationsArePaths: Bool { true }

    package func accepts(_ location: SnapshotLocation) -> Bool {
        if case .directory = location { return true }
        return false
    }

    package func discover(_ planned: PlannedSource, with discovery: SnapshotDiscovery) throws -> (snapshots: [Snapshot], notes: [String]) {
        guard case .directory(let pattern, _) = planned.location else { return ([], []) }
        return try discovery.matches(of: pattern, directories: true, kind: .directory, source: planned.id)
    }

    public func list(_ items: [ListingItem], context: ListingContext) -> [Result<SnapshotListing, DrillError>?] {
        items.map { item in
            guard context.walkFolders else { return .success(SnapshotLister.probeDirectory(item.snapshot.location, item.request)) }
            do {
                return .success(try SnapshotLister.listDirectory(item.snapshot.location, item.request))
            } catch let error as DrillError {
                return .failure(error)
            } catch {
                return .failure(DrillError(.input, file: item.snapshot.location, "cannot list this folder", cause: "\(error)"))
            }
        }
    }

    public func restore(_ job: RestoreJob, into target: String, index: RestoreIndex, with restorer: Restorer) throws -> SourceRestore {
        try restorer.restoreFolder(job, from: Paths.append(job.inside, to: job.snapshot.location),
                                   into: restorer.inPlace ? nil : target, index: index, started: Date())
    }

    package func restoreCommand(location: String, inside: String, target: String, restore: String?, planFolder: String) -> String {
        let q = Subprocess.shellQuote
        let from = inside.isEmpty ? location : location + "/" + inside
        return "rsync -aHAX --numeric-ids \(q(from + "/")) \(q(target + "/"))"
    }

    package func planLines(_ location: SnapshotLocation, relative: (String) -> String, quote: (String) -> String) -> [String] {
        guard case .directory(let pattern, let path) = location else { return [] }
        return ["    directory: \(quote(relative(pattern)))"] + (path.map { ["    path: \(quote($0))"] } ?? [])
    }

    package func fixedPaths(_ location: SnapshotLocation) -> [String] {
        guard case .directory(let pattern, _) = location else { return [] }
        return [FileSnapshotKinds.fixedPrefix(of: pattern)]
    }
}
