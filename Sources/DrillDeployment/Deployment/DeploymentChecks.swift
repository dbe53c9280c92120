// Findings about the deployment itself, before any backup is looked at: a worker that cannot see a library,
// writable library mounts, bind sources that do not exist where the drill runs, UPLOAD_LOCATION in a Docker
// named volume, an unpinned Immich version, a media location no volume covers.

import DrillModel

/// The deployment checks; each returns findings, none throws.
enum DeploymentChecks {
    static func run(_ d: Deployment, servers: [String], missingEnvFiles: [String],
                    composeWarnings: [String]) -> [Finding] {
        var findings: [Finding] = []
        let server = servers[0]
        let serverMounts = d.mounts.filter { $0.service == server }

        func describe(_ m: DeploymentMount) -> String {
            let source = m.hostPath ?? m.remote ?? m.volume ?? "(anonymous)"
            return "\(m.service): \(source) → \(m.containerPath)"
        }

        if !d.mountMap.resolve(containerPath: d.mediaLocation.containerPath).isMounted {
            findings.append(Finding(
                code: .mediaNotMounted, severity: .critical, count: 1,
                message: "No volume of '\(server)' covers the media location \(d.mediaLocation.containerPath) (\(d.mediaLocation.reason)).",
                examples: serverMounts.map(describe),
                immichWill: "Write uploads, thumbnails and database dumps inside the container, where they are lost when the container is recreated.",
                remedy: "Mount UPLOAD_LOCATION at \(d.mediaLocation.containerPath): `- ${UPLOAD_LOCATION}:\(d.mediaLocation.containerPath)`."))
        }

        if let volume = d.mediaLocation.volume,
           d.mediaLocation.hostPath == nil || d.mediaLocation.hostPath!.hasPrefix("/var/lib/docker/volumes/") {
            findings.append(Finding(
                code: .uploadNamedVolume, severity: .warning, count: 1,
                message: "UPLOAD_LOCATION is the Docker named volume '\(volume)'; its files live under Docker's data root (\(d.mediaLocation.hostPath ?? "a volume driver's storage")).",
                examples: [d.mediaLocation.hostPath ?? volume],
                immichWill: "Keep working, but `docker compose down -v` or `docker volume prune` deletes every photo, and file-level backups of the host often skip /var/lib/docker.",
                remedy: "Make sure the backup includes \(d.mediaLocation.hostPath ?? "the volume's storage"), or move UPLOAD_LOCATION to a bind mount (a host folder in .env)."))
        }

        // Workers that read the same library must see the same mounts.
        let libraryKinds: Set<MountKind> = [.media, .external]
        let workers = d.services.filter { $0.role == .microservices }.map(\.name)
        var workerExamples: [String] = []
        for worker in workers {
            let workerMounts = d.mounts.filter { $0.service == worker }
            for m in serverMounts where libraryKinds.contains(m.kind) {
                if !workerMounts.contains(where: { $0.containerPath == m.containerPath && $0.hostPath == m.hostPath }) {
                    workerExamples.append("\(m.containerPath) is mounted on '\(server)' but not on '\(worker)' (\(m.hostPath ?? m.remote ?? m.volume ?? "?"))")
                }
            }
            for m in workerMounts where libraryKinds.contains(m.kind) {
                if !serverMounts.contains(where: { $0.containerPath == m.containerPath && $0.hostPath == m.hostPath }) {
                    workerExamples.append("\(m.containerPath) is mounted on '\(worker)' but not on '\(server)' (\(m.hostPath ?? m.remote ?? m.volume ?? "?"))")
                }
            }
        }
        if !workerExamples.isEmpty {
            findings.append(Finding(
                code: .mountMissingInWorker, severity: .critical, count: workerExamples.count,
                message: "A library folder is mounted on one Immich container but not on another that reads the same library.",
                examples: workerExamples,
                immichWill: "Fail the worker's jobs for those files (thumbnails, metadata, library scans); a scan run where the mount is missing marks every asset under it offline and moves it to the trash.",
                remedy: "Give every server and microservices container the same library volumes, with the same container paths."))
        }

        let writable = d.mounts.filter { $0.role.readsLibrary && $0.kind == .external && !$0.readOnly }
        if !writable.isEmpty {
            findings.append(Finding(
                code: .mountWritable, severity: .warning, count: writable.count,
                message: "External-library mounts without :ro.",
                examples: writable.map(describe),
                immichWill: "Be able to write into these folders (XMP sidecars on metadata edits, and deletions when an external asset is deleted from disk).",
                remedy: "Add :ro to these volumes unless writing there is deliberate (Immich docs recommend read-only external libraries)."))
        }

        let checked = d.mounts.filter {
            ($0.role.readsLibrary || $0.role == .database) && $0.kind != .system && $0.kind != .other &&
                $0.drillPath != nil && !$0.existsHere
        }
        if !checked.isEmpty {
            findings.append(Finding(
                code: .hostPathMissing, severity: .warning, count: checked.count,
                message: "Bind sources that do not exist on this machine.",
                examples: checked.map { m in
                    let seen = m.drillPath != m.hostPath ? " (seen here as \(m.drillPath!))" : ""
                    return "\(m.service): \(m.hostPath ?? "?")\(seen) → \(m.containerPath)"
                },
                immichWill: "Start with an empty folder in its place (Docker creates a missing bind source); for an external library the next scan marks every asset under it offline.",
                remedy: "Run the drill where these paths exist, or map them with a `mounts:` section in the plan (host: …, drill: …)."))
        }

        if !d.versionPinned {
            findings.append(Finding(
                code: .versionUnpinned, severity: .info, count: 1,
                message: "IMMICH_VERSION is '\(d.immichVersion ?? "(no tag)")': a `docker compose pull` can cross Immich versions unnoticed.",
                examples: d.services.filter { $0.role == .server }.compactMap(\.image),
                immichWill: "Run whatever release the tag points to on the next pull, migrating the database forward; an older dump then restores into a newer schema.",
                remedy: "Pin IMMICH_VERSION to the exact release you run\(d.version.map { " (v\($0.major).\($0.minor).\($0.patch))" } ?? " (the newest dump's name says which)") and upgrade deliberately, after a preflight."))
        }

        if !missingEnvFiles.isEmpty {
            findings.append(Finding(
                code: .envFileMissing, severity: .warning, count: missingEnvFiles.count,
                message: "env_file entries that do not exist.",
                examples: missingEnvFiles,
                immichWill: "Not start: `docker compose up` fails when a required env_file is missing.",
                remedy: "Create the file, or keep a copy of it with the backups (it holds the database settings)."))
        }

        if !composeWarnings.isEmpty {
            findings.append(Finding(
                code: .composeWarning, severity: .warning, count: composeWarnings.count,
                message: "Compose would warn about these.",
                examples: composeWarnings,
                immichWill: "Run with the blank or default values Compose substitutes.",
                remedy: "Set the variables in .env (or the environment the drill runs in)."))
        }

        if servers.count > 1 {
            findings.append(Finding(
                code: .severalServers, severity: .info, count: servers.count,
                message: "Several services run the Immich server image with the API; the drill reads '\(server)'.",
                examples: servers,
                remedy: "Name the one to read with `server-service:` in the plan."))
        }
        return findings
    }
}
