// Where the backups of each source are: the `sources:` section of a drill plan.
//
//   sources:
//     database:                       # Immich's dumps; default <UPLOAD_LOCATION>/backups
//       dumps: [/backups/immich-db]
//     upload:                         # all of UPLOAD_LOCATION in one snapshot (or upload/<folder> for one folder)
//       archive: /backups/immich/upload-{time}.tar.zst
//       path: library                 # where UPLOAD_LOCATION is inside the archive
//     external:/mnt/media/photos:     # an external library import path (its container path)
//       directory: /volume1/@snapshots/{time}/photos
//     config:                         # the folder with docker-compose.yml and .env, when backed up on its own
//       archive: /backups/immich/config-{time}.tar.gz
//     external:/mnt/media/family:
//       command:
//         list: restic -r /srv/restic snapshots --json | jq -r '.[] | .short_id + " " + .time'
//         restore: restic -r /srv/restic restore {id} --target {target}
//
// `{time}` marks where a snapshot's time is in its name; `{name}` matches a name part with no time in it.

import DrillModel
import Foundation

/// How the snapshots of one source are found.
package enum SnapshotLocation: Sendable, Equatable {
    /// Database dump folders (the database source only).
    case dumps([String])
    /// Archives matching a pattern (`/backups/upload-{time}.tar.zst`) or a glob.
    case archive(pattern: String, path: String?)
    /// Snapshot folders matching a pattern (`/volume1/@snapshots/{time}/photos`, `.zfs/snapshot/{name}`).
    case directory(pattern: String, path: String?)
    /// A backup tool: `list` prints `<id> <ISO-8601 time>` a line; `restore` has `{id}` and `{target}`; the optional
    /// `files` (with `{id}`) prints what a snapshot holds without restoring it (`restic ls --json {id}`, `borg list
    /// --json-lines ::{id}`, or a path a line), so plan and preflight can check its layout and markers.
    case command(list: String, restore: String, path: String?, files: String? = nil)

    /// Where the plan says the source is inside its snapshots (`path:`); nil to recognise it (and for dumps).
    public var path: String? {
        switch self {
        case .archive(_, let path), .directory(_, let path), .command(_, _, let path, _): path
        case .dumps: nil
        }
    }
}

/// A plan's `sources:` entry.
package struct PlannedSource: Sendable, Equatable {
    /// `database`, `upload`, `upload/<folder>`, `external:<container path>` or `config`.
    public var id: SourceID
    public var location: SnapshotLocation

    package init(id: SourceID, location: SnapshotLocation) {
        self.id = id
        self.location = location
    }
}

extension DrillPlan {
    static let sourceKeys = ["dumps", "archive", "directory", "command", "path"]
    static let commandKeys = ["list", "restore", "files"]

    /// Reads the `sources:` section.
    static func parseSources(_ top: StrictMapping, file: String, resolve: (String) -> String) throws -> [PlannedSource] {
        guard let node = top.node("sources"), node.tag.rawValue != "tag:yaml.org,2002:null" else { return [] }
        guard let mapping = node.mapping else {
            throw StrictMapping.error(node, file: file, "'sources' must be a mapping of source names (database, upload, upload/<folder>, external:<path>) to snapshot locations")
        }
        var result: [PlannedSource] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw StrictMapping.error(key, file: file, "source names must be strings") }
            guard let id = SourceID(name) else {
                throw StrictMapping.error(key, file: file,
                                          "unknown source '\(name)'; expected database, upload, upload/<\(Deployment.uploadFolders.joined(separator: "|"))>, external:<container path> or config")
            }
            let entry = try StrictMapping(value, file: file, path: "sources.\(id)", allowed: sourceKeys)
            let kinds = ["dumps", "archive", "directory", "command"].filter { entry.has($0) }
            guard kinds.count == 1 else {
                throw StrictMapping.error(value, file: file,
                                          "'sources.\(id)' needs exactly one of dumps, archive, directory or command")
            }
            let path = try entry.string("path")
            let location: SnapshotLocation
            switch kinds[0] {
            case "dumps":
                guard id == .database else {
                    throw StrictMapping.error(value, file: file, "'dumps' is for the database source only")
                }
                location = .dumps(try entry.strings("dumps")!.map(resolve))
            case "archive":
                location = .archive(pattern: resolve(try entry.requiredString("archive")), path: path)
            case "directory":
                location = .directory(pattern: resolve(try entry.requiredString("directory")), path: path)
            default:
                guard let command = try entry.mapping("command", allowed: commandKeys) else {
                    throw StrictMapping.error(value, file: file, "'command' needs list and restore")
                }
                let restore = try command.requiredString("restore")
                guard restore.contains("{id}"), restore.contains("{target}") else {
                    throw StrictMapping.error(command.node, file: file,
                                              "'sources.\(id).command.restore' must contain {id} and {target}")
                }
                let files = try command.string("files")
                if let files, !files.contains("{id}") {
                    throw StrictMapping.error(command.node("files") ?? command.node, file: file,
                                              "'sources.\(id).command.files' must contain {id}")
                }
                location = .command(list: try command.requiredString("list"), restore: restore, path: path, files: files)
            }
            if id == .database, !(location.isDumps) {
                throw StrictMapping.error(value, file: file, "the database source takes 'dumps' (folders of Immich's dumps)")
            }
            result.append(PlannedSource(id: id, location: location))
        }
        return result
    }
}

extension SnapshotLocation {
    var isDumps: Bool {
        if case .dumps = self { return true }
        return false
    }
}
