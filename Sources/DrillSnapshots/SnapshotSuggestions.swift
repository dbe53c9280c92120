// What `init` can find out about where the backups are: Immich's own dump folder (and the folder the docs'
// template backup script dumps into), and file-system snapshots that sit above a source's folder: ZFS
// (`<dataset>/.zfs/snapshot/<name>/…`) and snapper/btrfs (`<subvolume>/.snapshots/<n>/snapshot/…`).

import DrillCatalog
import Foundation

/// One suggested `sources:` entry.
package struct SnapshotSuggestion: Sendable, Equatable {
    public var source: String
    public var location: SnapshotLocation
    /// What was found, for a comment.
    package var evidence: String
}

/// Backups `init` finds on its own: Immich's dumps, ZFS/btrfs/Synology snapshot folders.
package enum SnapshotSuggestions {
    /// Suggestions for a deployment's sources, by what exists on this machine now.
    package static func find(for deployment: Deployment) -> [SnapshotSuggestion] {
        var result: [SnapshotSuggestion] = []
        let sources = deployment.sources
        if let media = deployment.mediaLocation.drillPath {
            var folders: [String] = []
            var found: [String] = []
            for folder in [media + "/backups", media + "/database-backup"] where FileProbe.kind(folder) == .directory {
                let dumps = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                    .filter(SnapshotDiscovery.isDumpName)
                if folder.hasSuffix("/backups") || !dumps.isEmpty {
                    folders.append(folder)
                    found.append("\(dumps.count) dump(s) in \(folder)")
                }
            }
            if !folders.isEmpty {
                result.append(SnapshotSuggestion(source: "database", location: .dumps(folders),
                                                 evidence: found.joined(separator: ", ")))
            }
            if let snapshot = fileSystemSnapshots(of: media) {
                result.append(SnapshotSuggestion(source: "upload", location: snapshot.0, evidence: snapshot.1))
            }
        }
        for source in sources where source.kind == .external {
            guard let drill = source.drillPath, let snapshot = fileSystemSnapshots(of: drill) else { continue }
            result.append(SnapshotSuggestion(source: source.id.description, location: snapshot.0, evidence: snapshot.1))
        }
        return result
    }

    /// A ZFS or snapper snapshot folder pattern covering `path`, from the nearest ancestor that has one.
    package static func fileSystemSnapshots(of path: String) -> (SnapshotLocation, String)? {
        var ancestor = Paths.normalize(path)
        while true {
            let rest = Paths.remainder(of: path, under: ancestor) ?? ""
            let tail = rest.isEmpty ? "" : "/" + rest
            let zfs = (ancestor == "/" ? "" : ancestor) + "/.zfs/snapshot"
            if FileProbe.kind(zfs) == .directory {
                let count = ((try? FileManager.default.contentsOfDirectory(atPath: zfs)) ?? []).count
                return (.directory(pattern: zfs + "/{name}" + tail, path: nil), "ZFS: \(count) snapshot(s) in \(zfs)")
            }
            let snapper = (ancestor == "/" ? "" : ancestor) + "/.snapshots"
            if FileProbe.kind(snapper) == .directory,
               let first = try? FileManager.default.contentsOfDirectory(atPath: snapper).first(where: {
                   FileProbe.kind(snapper + "/" + $0 + "/snapshot") == .directory
               }) {
                _ = first
                return (.directory(pattern: snapper + "/{name}/snapshot" + tail, path: nil), "snapper/btrfs snapshots in \(snapper)")
            }
            if ancestor == "/" { return nil }
            ancestor = Paths.directory(of: ancestor)
        }
    }
}
