// How each file member of a restore point is restored, worked out once from the plan's analysis: the drill runs
// these jobs, the runbook prints their commands.

import DrillReport

extension PlanAnalysis {
    /// How each file member of a restore point is restored: its snapshot, where the source is inside it, and the
    /// container path its root is at. The Compose folder (`config`) is not a restore job.
    package func restoreJobs(point: RestorePoint) -> [RestoreJob] {
        var jobs: [RestoreJob] = []
        for member in point.members.dropFirst() {
            guard let planned = discovered.first(where: { $0.planned.id == member.source }),
                  let snapshot = planned.snapshots.first(where: { $0.location == member.location }),
                  member.source != .config else { continue }
            guard let kind = FileSnapshotKinds.of(planned.planned.location) else { continue }
            let plannedPath = planned.planned.location.path
            let restoreCommand = kind.restoreTemplate(planned.planned.location)
            // The plan step listed (archives) or probed (folders) every member of the selected point; what a backup
            // tool restores is recognised once it is restored.
            let listing = listings[snapshot.listingKey]
            let inside = SnapshotLister.clean(plannedPath ?? listing?.root ?? "")
            var job = RestoreJob(snapshot: snapshot, source: member.source, inside: inside,
                                 containerRoot: containerRoot(of: member.source), restoreCommand: restoreCommand)
            if snapshot.kind == .command, plannedPath == nil {
                job.detect = deployment.listingRequest(for: planned.planned)
            }
            if let listing, !listing.rootFound { job.rootNotFound = listing.topLevel }
            jobs.append(job)
        }

        return jobs
    }

    /// The container path a planned source's root is at.
    func containerRoot(of source: SourceID) -> String {
        let media = deployment.mediaLocation.containerPath
        switch source {
        case .upload(nil): return media
        case .upload(let folder?): return media + "/" + folder
        case .external(let path): return Paths.normalize(path)
        case .database, .config: return "/" + source.description
        }
    }
}
