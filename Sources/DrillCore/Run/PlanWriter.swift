// Writes a commented drill plan for a deployment (`immich-drill init`): what was found, as comments, and the
// settings as YAML that `DrillPlan.parse` reads back.

import DrillReport
import Foundation

/// Renders a new plan file for a deployment.
public enum PlanWriter {
    /// The plan text. Paths are written relative to `planDirectory` when they lie inside it.
    package static func render(deployment d: Deployment, composeFiles: [String], envFile: String?,
                              planDirectory: String, environment: [String: String]) -> String {
        func rel(_ path: String) -> String {
            let absolute = Paths.absolute(path)
            if let rest = Paths.remainder(of: absolute, under: planDirectory) { return rest.isEmpty ? "." : rest }
            // A sibling of the plan's directory reads better as ../x than as an absolute path.
            let parent = Paths.directory(of: planDirectory)
            if parent != "/", let rest = Paths.remainder(of: absolute, under: parent), !rest.isEmpty {
                return "../" + rest
            }
            return absolute
        }
        var lines: [String] = []
        lines.append("# immich-drill plan for the Compose project '\(d.project)'.")
        lines.append("# Written by `immich-drill init` on \(ISO8601DateFormatter().string(from: Date())). Paths are relative to this file.")
        lines.append("#")
        lines.append("# What init found:")
        for service in d.services where service.role != .other {
            lines.append("#   \(service.role.rawValue): \(service.name) (\(service.image ?? "no image"))")
        }
        lines.append("#   media location: \(d.mediaLocation.hostPath ?? "?") → \(d.mediaLocation.containerPath)")
        lines.append("#   database: user \(d.database.user), database \(d.database.name), container \(d.database.container ?? "?")")
        for mount in d.externalMounts {
            lines.append("#   external library: \(mount.hostPath ?? mount.remote ?? "?") → \(mount.containerPath)\(mount.readOnly ? " (read-only)" : "")")
        }
        lines.append("#   Immich version: \(d.immichVersion ?? "unknown")\(d.versionPinned ? "" : " (not pinned)")")
        lines.append("")
        lines.append("version: 1")
        lines.append("name: \(yaml(d.project))")
        lines.append("")
        lines.append("deployment:")
        let givenFiles = composeFiles.map { (try? ComposeLoader.locate($0)) ?? Paths.absolute($0) }
        if givenFiles.count == 1 {
            lines.append("  compose: \(yaml(rel(givenFiles[0])))")
            if d.composeFiles.count > 1 {
                lines.append("  # \(d.composeFiles.dropFirst().map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")) beside it is read too, as docker compose does.")
            }
        } else {
            lines.append("  compose:")
            for file in givenFiles { lines.append("    - \(yaml(rel(file)))") }
        }
        if let envFile {
            lines.append("  env-file: \(yaml(rel(envFile)))")
        } else if let found = d.envFile {
            lines.append("  # env-file: \(yaml(rel(found)))   # found beside the Compose file and read by default")
        }
        if d.timeZone == nil {
            lines.append("  # The zone Immich names its dumps in (the container's TZ). Set it when TZ is not in .env:")
            lines.append("  # time-zone: Europe/Berlin")
        }
        lines.append("")
        lines.append("# Where this machine sees the Docker host's folders, when the drill runs elsewhere (a NAS share")
        lines.append("# mounted under another path). Longest prefix wins. `container:` maps a path inside the Immich")
        lines.append("# container directly, for network volumes that have no host path.")
        let external = d.externalMounts
        if external.isEmpty && d.mediaLocation.hostPath == nil {
            lines.append("mounts: []")
        } else {
            // Empty until an entry below is uncommented (removing the `#` leaves a valid list).
            lines.append("mounts:")
            var hosts = [d.mediaLocation.hostPath].compactMap { $0 }
            hosts += external.compactMap(\.hostPath)
            for host in hosts {
                lines.append("#  - host: \(yaml(host))")
                lines.append("#    drill: \(yaml(host))")
            }
            for mount in external where mount.hostPath == nil {
                lines.append("#  - container: \(yaml(mount.containerPath))   # \(mount.remote ?? "network volume")")
                lines.append("#    drill: /mnt/…")
            }
        }
        lines.append("")
        lines.append(contentsOf: sourcesSection(d, rel: rel))
        lines.append("")
        lines.append("targets:")
        lines.append("  rpo: \(DrillTargets.defaults.rpo)        # the most data a restore may lose (Immich dumps daily at 02:00)")
        lines.append("  rto: \(DrillTargets.defaults.rto)         # the longest a restore may take")
        lines.append("  max-skew: \(DrillTargets.defaults.maxSkew)     # the largest gap allowed between a dump and its file snapshots")
        lines.append("")
        lines.append("# Restores are written below this folder and removed afterwards. It must not overlap any source or backup.")
        lines.append("scratch: \(yaml(DrillPlan.defaultScratch))")
        lines.append("# history: \(yaml(DrillPlan.defaultHistoryPath(environment: environment)))")
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// The `sources:` section: what init found, active; the rest as commented examples of each kind.
    static func sourcesSection(_ d: Deployment, rel: (String) -> String) -> [String] {
        var lines = ["# Where the backups of each source are. {time} marks the time in a name (ISO 8601, 20261126T030000,",
                     "# 2026-11-26_03-30, epoch seconds…, in the deployment's zone); {name} matches a name part without one.",
                     "# `path` says where the source is inside an archive or snapshot folder that holds more than it.",
                     "# Commands print `<id> <ISO-8601 time>` a line; see drills/ for restic, borg and kopia."]
        let found = SnapshotSuggestions.find(for: d)
        lines.append("sources:")
        func entry(_ s: SnapshotSuggestion) -> [String] {
            var out = ["  # \(s.evidence)", "  \(yaml(s.source)):"]
            if case .dumps(let folders) = s.location {
                out.append("    dumps: [\(folders.map { yaml(rel($0)) }.joined(separator: ", "))]")
            } else if let kind = FileSnapshotKinds.of(s.location) {
                out += kind.planLines(s.location, relative: rel, quote: yaml)
            }
            return out
        }
        for suggestion in found { lines += entry(suggestion) }
        let named = Set(found.map(\.source))
        if !named.contains("upload") {
            lines.append("  # All of UPLOAD_LOCATION (\(d.mediaLocation.hostPath ?? "?")), e.g. a nightly tar or rsync snapshot:")
            lines.append("  # upload:")
            lines.append("  #   archive: /backups/immich/upload-{time}.tar.zst")
            lines.append("  #   path: library            # where UPLOAD_LOCATION is inside the archive")
        }
        for mount in d.externalMounts where !named.contains("external:\(mount.containerPath)") {
            lines.append("  # The external library folder \(mount.hostPath ?? mount.remote ?? "?"):")
            lines.append("  # \(yaml("external:\(mount.containerPath)")):")
            lines.append("  #   directory: /volume1/@snapshots/{time}/\((mount.hostPath.map { ($0 as NSString).lastPathComponent }) ?? "photos")")
        }
        if !named.contains("database") {
            lines.append("  # database:")
            lines.append("  #   dumps: [\(yaml(d.mediaLocation.hostPath.map { $0 + "/backups" } ?? "/path/to/UPLOAD_LOCATION/backups"))]")
        }
        if found.isEmpty { lines.append("  {}") }
        return lines
    }

    /// A YAML scalar, quoted only when it must be.
    static func yaml(_ value: String) -> String {
        let special: Set<String> = ["", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"]
        let plain = value.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "_./@+-".unicodeScalars.contains($0)
        }
        if plain, !special.contains(value.lowercased()), let first = value.first, first != "-", first != "@" {
            return value
        }
        return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
