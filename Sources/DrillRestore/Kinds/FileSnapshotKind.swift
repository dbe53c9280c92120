// The kinds of file snapshot a plan can name — an archive, a snapshot folder, a backup tool's command — each one type
// in one file of this folder, behind one protocol: how its snapshots are found, listed, restored, written as a
// restore-day command, and which of its paths nothing may write into. The drill, the planner and the runbook go
// through `FileSnapshotKinds`, never through a switch over kinds of their own. A new kind is a new file here, its
// line in `FileSnapshotKinds.all`, and its key in the plan's `sources:` (SnapshotLocation).

import DrillSnapshots
import Foundation

/// One kind of file snapshot.
package protocol FileSnapshotKind: Sendable {
    /// The kind as snapshots, reports and the history name it.
    var kind: Snapshot.Kind { get }
    /// True when a planned location is of this kind.
    func accepts(_ location: SnapshotLocation) -> Bool
    /// The restore command the plan gives (backup tools only).
    func restoreTemplate(_ location: SnapshotLocation) -> String?
    /// The snapshots a planned location of this kind names, with notes on what was passed over.
    func discover(_ planned: PlannedSource, with discovery: SnapshotDiscovery) throws -> (snapshots: [Snapshot], notes: [String])
    /// Lists snapshots of this kind, one result per item in order; nil for a snapshot that cannot be listed without
    /// restoring it. An error is that snapshot's alone (the plan step makes it a finding).
    func list(_ items: [ListingItem], context: ListingContext) -> [Result<SnapshotListing, DrillError>?]
    /// Restores one job into `target` (a folder in scratch), recording every file in `index`.
    func restore(_ job: RestoreJob, into target: String, index: RestoreIndex, with restorer: Restorer) throws -> SourceRestore
    /// The command a person runs on restore day to put one snapshot at `target` (quoted for bash, runnable from any
    /// folder).
    func restoreCommand(location: String, inside: String, target: String, restore: String?, planFolder: String) -> String
    /// The location as the plan writes it, the lines under the source's name (`init` writes what it found so):
    /// paths through `relative`, every value through `quote` (YAML).
    func planLines(_ location: SnapshotLocation, relative: (String) -> String, quote: (String) -> String) -> [String]
    /// The folders of a planned location that nothing may write into, known before any snapshot is found.
    func fixedPaths(_ location: SnapshotLocation) -> [String]
    /// True when a snapshot's location is a path on this machine (protected like any backup), false when it is a
    /// backup tool's id.
    var locationsArePaths: Bool { get }
}

extension FileSnapshotKind {
    package func restoreTemplate(_ location: SnapshotLocation) -> String? { nil }
}

/// One snapshot to list, with what to look for in it and the planned location it came from.
package struct ListingItem: Sendable {
    public var snapshot: Snapshot
    public var request: ListingRequest
    public var location: SnapshotLocation

    package init(snapshot: Snapshot, request: ListingRequest, location: SnapshotLocation) {
        self.snapshot = snapshot
        self.request = request
        self.location = location
    }
}

/// What listing needs besides the snapshots.
package struct ListingContext: Sendable {
    /// The plan file: commands run in its folder, and errors name it.
    public var planFile: String
    /// Walk snapshot folders in full (plan, preflight), or only probe their layout (the drill, which restores them).
    package var walkFolders: Bool

    package init(planFile: String, walkFolders: Bool) {
        self.planFile = planFile
        self.walkFolders = walkFolders
    }
}

/// The registered kinds.
package enum FileSnapshotKinds {
    /// Every kind, in the order a plan's documentation lists them.
    public static let all: [any FileSnapshotKind] = [ArchiveSnapshots(), DirectorySnapshots(), CommandSnapshots()]

    /// The kind of a planned location; nil for the database's dump folders.
    public static func of(_ location: SnapshotLocation) -> (any FileSnapshotKind)? { all.first { $0.accepts(location) } }

    /// The kind of a snapshot; nil for a dump.
    public static func of(kind: Snapshot.Kind) -> (any FileSnapshotKind)? { all.first { $0.kind == kind } }

    /// The folders of every planned location nothing may write into: dump folders, and each kind's fixed paths.
    package static func fixedPaths(_ location: SnapshotLocation) -> [String] {
        if case .dumps(let folders) = location { return folders }
        return of(location)?.fixedPaths(location) ?? []
    }

    /// The part of a pattern before its first wildcard: a folder every match is inside.
    static func fixedPrefix(of pattern: String) -> String {
        let fixed = pattern.split(separator: "/").prefix { !$0.contains("{") && !$0.contains("*") && !$0.contains("?") && !$0.contains("[") }
        return (pattern.hasPrefix("/") ? "/" : "") + fixed.joined(separator: "/")
    }
}

extension SnapshotDiscovery {
    /// The snapshots of one planned source, newest first: its dumps, or its file snapshots by their kind.
    package func discover(_ planned: PlannedSource) throws -> DiscoveredSource {
        var result = DiscoveredSource(planned: planned, snapshots: [], notes: [])
        if case .dumps(let folders) = planned.location {
            (result.snapshots, result.notes) = dumps(in: folders, source: planned.id)
        } else if let kind = FileSnapshotKinds.of(planned.location) {
            (result.snapshots, result.notes) = try kind.discover(planned, with: self)
        }
        result.snapshots.sort { ($0.time ?? -.infinity, $0.location) > ($1.time ?? -.infinity, $1.location) }
        return result
    }
}

extension Restorer {
    /// Restores one job by its snapshot's kind.
    public func restore(_ job: RestoreJob, into target: String, index: RestoreIndex) throws -> SourceRestore {
        guard let kind = FileSnapshotKinds.of(kind: job.snapshot.kind) else {
            throw DrillError(.input, file: job.snapshot.location, "a \(job.snapshot.kind.rawValue) is not a file snapshot")
        }
        index.roots.append((job.containerRoot, job.source, job.snapshot.time ?? 0))
        let inner = job.inside.isEmpty ? [] : [Paths.append(job.inside, to: target), Paths.append(job.inside, to: job.snapshot.location)]
        index.localRoots.append((job.containerRoot, inner + [target, job.snapshot.location]))
        return try kind.restore(job, into: target, index: index, with: self)
    }
}
