// The files a drill writes besides its scratch folder: the history, the plan's lock beside it, and a metrics file.
// None of them may lie inside a source or a backup (judged by real paths, WriteGuard); a history at
// `../nas/photos/history.sqlite` would write into the very share the drill protects.

import DrillReport
import Foundation

extension DrillPlan {
    /// What the drill never writes into, as far as the plan and the deployment say without looking for snapshots:
    /// every mount and UPLOAD_LOCATION as this machine sees them, DB_DATA_LOCATION, the Compose folder, and the fixed
    /// folders of every planned backup (dump folders, the part of a pattern before its first wildcard).
    package func protectedPaths(_ deployment: Deployment?) -> [String] {
        var paths: [String] = []
        if let deployment {
            paths += deployment.mounts.compactMap(\.drillPath)
            if let media = deployment.mediaLocation.drillPath { paths.append(media) }
            if let data = deployment.database.dataPath { paths.append(deployment.mountMap.drillPath(forHost: data)) }
            paths += deployment.composeFiles.map { Paths.directory(of: $0) }
        }
        paths += compose.map { Paths.directory(of: $0) }
        for source in sources { paths += FileSnapshotKinds.fixedPaths(source.location) }
        return paths.filter { !$0.isEmpty && $0 != "/" }
    }

    /// Refuses a history, lock or metrics file inside a source or a backup.
    package func checkOwnFiles(deployment: Deployment?, metricsFile: String? = nil, relinkSQL: String? = nil,
                               relinkKey: String = "--relink-sql") throws {
        let guarded = WriteGuard.protect(protectedPaths(deployment))
        try WriteGuard.refuse(history, what: "history", key: "history", protected: guarded, file: file)
        try WriteGuard.refuse(RunLock.path(for: self), what: "lock file (beside the history)", key: "history",
                              protected: guarded, file: file)
        if let metricsFile {
            try WriteGuard.refuse(Paths.absolute(metricsFile), what: "metrics file", key: "--metrics-file",
                                  protected: guarded, file: file)
        }
        if let relinkSQL {
            try WriteGuard.refuse(Paths.absolute(relinkSQL), what: "relink SQL", key: relinkKey, protected: guarded, file: file)
        }
    }
}
