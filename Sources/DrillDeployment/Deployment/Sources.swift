// The sources a deployment implies: every thing that must be backed up for a restore to work (DESIGN.md):
// the database, each of the six UPLOAD_LOCATION folders, and each external-library folder.

import DrillModel

/// One thing that must be backed up.
package struct SourceDescriptor: Sendable, Equatable, Codable {
    /// What kind of source it is.
    public enum Kind: String, Sendable, Codable {
        case database, upload, external
    }

    /// `database`, `upload/<folder>` or `external:<container path>`.
    public var id: SourceID
    public var kind: Kind
    public var containerPath: String?
    public var hostPath: String?
    package var drillPath: String?
    /// False only for the regenerable folders (thumbs, encoded-video); their `.immich` markers are still required.
    package var required: Bool
    package var note: String

    package init(id: SourceID, kind: Kind, containerPath: String? = nil, hostPath: String? = nil, drillPath: String? = nil, required: Bool, note: String) {
        self.id = id
        self.kind = kind
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.drillPath = drillPath
        self.required = required
        self.note = note
    }
}

extension Deployment {
    /// UPLOAD_LOCATION's folders (IMMICH.md §6): the first four hold what cannot be regenerated.
    package static let uploadFolders = SourceID.uploadFolders
    /// The folders Immich can rebuild (thumbnail and transcode jobs), at a cost in time.
    package static let regenerableFolders: Set<String> = ["thumbs", "encoded-video"]
    /// The folders that hold no originals: what the database keeps there is never an orphan, a relink candidate or
    /// a file whose content is compared with a checksum.
    package static let foldersWithoutOriginals = ["thumbs", "encoded-video", "profile", "backups"]

    /// The sources this deployment implies, database first.
    package var sources: [SourceDescriptor] {
        var result: [SourceDescriptor] = []
        let backups = mountMap.resolve(containerPath: mediaLocation.containerPath + "/backups")
        result.append(SourceDescriptor(
            id: .database, kind: .database, containerPath: mediaLocation.containerPath + "/backups",
            hostPath: backups.hostPath, drillPath: backups.drillPath, required: true,
            note: "Immich's automatic dumps (daily at 02:00 by default, last 14 kept); back up the dumps, not DB_DATA_LOCATION (\(database.dataPath ?? "?"))"))
        for folder in Deployment.uploadFolders {
            let container = mediaLocation.containerPath + "/" + folder
            let resolved = mountMap.resolve(containerPath: container)
            let regenerable = Deployment.regenerableFolders.contains(folder)
            let note: String
            switch folder {
            case "library": note = "originals moved by the storage template"
            case "upload": note = "originals as uploaded"
            case "profile": note = "profile pictures"
            case "backups": note = "Immich's database dumps"
            case "thumbs": note = "thumbnails, previews and face crops: regenerable, but the .immich marker is required"
            default: note = "transcoded videos: regenerable, but the .immich marker is required"
            }
            result.append(SourceDescriptor(
                id: .upload(folder: folder), kind: .upload, containerPath: container, hostPath: resolved.hostPath,
                drillPath: resolved.drillPath, required: !regenerable, note: note))
        }
        var seen = Set<String>()
        for mount in mounts where mount.role == .server && mount.kind == .external && seen.insert(mount.containerPath).inserted {
            result.append(SourceDescriptor(
                id: .external(path: mount.containerPath), kind: .external, containerPath: mount.containerPath,
                hostPath: mount.hostPath, drillPath: mount.drillPath, required: true,
                note: mount.remote.map { "network volume \($0)" } ?? "external library folder; not in Immich's own backups"))
        }
        return result
    }
}
