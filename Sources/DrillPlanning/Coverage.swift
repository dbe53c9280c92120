// Backup coverage: the backup-scope table of Immich's guidance filled with this deployment's facts, one row per
// source (the dumps, each UPLOAD_LOCATION folder, each external import path, the Compose file and .env), and the
// findings that follow from it.

import DrillInventory
import DrillRestore
import Foundation

struct CoverageBuilder {
    var plan: DrillPlan
    var deployment: Deployment
    var sources: [SourceDescriptor]
    var discovered: [DiscoveredSource]
    var listings: [String: SnapshotListing]
    var catalog: Catalog?
    var catalogDump: String?
    var unreadableDumps: Set<String>
    var configFiles: [(drill: String, host: String)]
    var now: Double

    // MARK: Sources

    /// The deployment's sources, with the external ones replaced by the library import paths when a catalog says
    /// what they are: an import path no mount covers is a source too (not mounted), and a mount no library imports
    /// from is kept as an optional source.
    static func sources(deployment: Deployment, catalog: Catalog?) -> [SourceDescriptor] {
        var result = deployment.sources
        guard let catalog else { return result }
        let importPaths = Set(catalog.libraries.filter { !$0.deleted && $0.isExternal }
            .flatMap(\.importPaths).map(Paths.normalize))
        let mounts = result.filter { $0.kind == .external }
        result.removeAll { $0.kind == .external }
        for path in importPaths.sorted() {
            if let mount = mounts.first(where: { $0.containerPath == path }) {
                result.append(mount)
                continue
            }
            let resolved = deployment.mountMap.resolve(containerPath: path)
            let names = catalog.libraries.filter { $0.importPaths.map(Paths.normalize).contains(path) }.map(\.name)
            let mounted = resolved.isMounted
            result.append(SourceDescriptor(
                id: .external(path: path), kind: .external, containerPath: path, hostPath: resolved.hostPath,
                drillPath: resolved.drillPath, required: true,
                note: mounted ? "import path of \(names.joined(separator: ", "))"
                    : "import path of \(names.joined(separator: ", ")); NOT mounted in the server container"))
        }
        for mount in mounts where !importPaths.contains(where: {
            Paths.isWithin($0, mount.containerPath!) || Paths.isWithin(mount.containerPath!, $0)
        }) {
            var optional = mount
            optional.required = false
            optional.note = "mounted, but no library imports from it"
            result.append(optional)
        }
        return result
    }

    /// Assets of the catalog per source id (by their original path, longest source prefix first).
    func assetCounts() -> [String: Int] {
        guard let catalog else { return [:] }
        let media = catalog.mediaPrefix ?? deployment.mediaLocation.containerPath
        var prefixes = Deployment.uploadFolders.map { (media + "/" + $0 + "/", "upload/" + $0) }
        prefixes += sources.filter { $0.kind == .external }.map { ($0.containerPath! + "/", $0.id.description) }
        prefixes.sort { $0.0.utf8.count > $1.0.utf8.count }
        var counts: [String: Int] = [:]
        for index in 0..<catalog.assets.count {
            let path = catalog.originalPath(catalog.assets[index])
            if let source = prefixes.first(where: { path.hasPrefix($0.0) })?.1 { counts[source, default: 0] += 1 }
        }
        return counts
    }

    // MARK: Rows

    func rows() -> [CoverageRow] {
        let assets = assetCounts()
        var rows: [CoverageRow] = []
        for source in sources {
            var row = CoverageRow(source: source.id.description, required: source.required, snapshots: 0, note: source.note)
            if let catalog, source.id == .upload(folder: "thumbs") || source.id == .upload(folder: "encoded-video") {
                // What leaving the folder out costs on restore day, at the plan's stated rates.
                let thumbs = source.id == .upload(folder: "thumbs")
                let work = thumbs ? catalog.counts.assets - catalog.counts.offline : catalog.counts.encodedVideos
                let rate = thumbs ? plan.rates.thumbnailsPerSecond : plan.rates.transcodesPerSecond
                let seconds = Int((Double(work) / rate).rounded())
                row.note += "; without it, \(work) \(thumbs ? "assets' thumbnails" : "videos") to regenerate: about \(DurationText.format(seconds: max(60, (seconds / 60) * 60))) at \(rate.formatted())/s (estimates.\(thumbs ? "thumbnails" : "transcodes")-per-second)"
            }
            row.assets = catalog == nil || source.kind == .database ? nil : (assets[source.id.description] ?? 0)
            if source.kind == .database {
                row.assets = catalog?.counts.assets
            }
            guard let (planned, prefix) = BackupPlanner.covering(source.id, in: discovered) else {
                rows.append(row)
                continue
            }
            row.plannedAs = planned.planned.id.description
            row.kind = planned.planned.location.kindName
            let usable = planned.usable
            row.snapshots = usable.count
            if let newest = usable.first {
                row.newest = newest.name
                row.newestTime = newest.time
                row.newestAgeSeconds = newest.time.map { Int((now - $0).rounded()) }
                row.newestBytes = newest.bytes
                if let listing = listings[newest.listingKey] {
                    let key = prefix.hasSuffix("/") && source.kind == .upload ? String(prefix.dropLast()) : ""
                    if source.kind == .upload {
                        let stats = listing.folders[key] ?? FolderStats()
                        row.inNewest = stats.present
                        row.markerInNewest = stats.marker
                        if !listing.probedOnly {
                            row.newestFiles = stats.files
                            row.newestBytes = stats.bytes
                        }
                    } else if listing.probedOnly {
                        row.inNewest = listing.folders[""]?.present
                    } else if prefix.isEmpty {
                        row.newestFiles = listing.files
                        row.newestBytes = listing.bytes
                        row.inNewest = listing.files > 0 || listing.folders[""]?.present == true
                    }
                }
            }
            if source.kind == .database {
                row.failed = planned.snapshots.filter(\.failed).count
                if let newest = usable.first {
                    row.newestComplete = unreadableDumps.contains(newest.location) ? false
                        : catalogDump == newest.location ? true : nil
                }
            }
            if !planned.notes.isEmpty { row.note = planned.notes.joined(separator: "; ") }
            rows.append(row)
        }
        // The Compose file and .env: inside some snapshot?
        let configPlanned = discovered.first { $0.planned.id == .config }
        for file in configFiles {
            var row = CoverageRow(source: "config:\(file.drill)", required: false, snapshots: 0,
                                  note: "not inside any snapshot")
            if let configPlanned, !configPlanned.usable.isEmpty {
                row.plannedAs = "config"
                row.kind = configPlanned.planned.location.kindName
                row.snapshots = configPlanned.usable.count
                row.newest = configPlanned.usable[0].name
                row.newestTime = configPlanned.usable[0].time
                row.newestAgeSeconds = row.newestTime.map { Int((now - $0).rounded()) }
                row.inNewest = listings[configPlanned.usable[0].listingKey].map { $0.probesFound.contains(file.host) } ?? true
                row.note = row.inNewest == true ? "in the config snapshots" : "not inside the newest config snapshot"
            } else {
                for planned in discovered {
                    guard let newest = planned.usable.first, let listing = listings[newest.listingKey],
                          listing.probesFound.contains(file.host) else { continue }
                    row.plannedAs = planned.planned.id.description
                    row.kind = planned.planned.location.kindName
                    row.snapshots = planned.usable.count
                    row.newest = newest.name
                    row.newestTime = newest.time
                    row.newestAgeSeconds = newest.time.map { Int((now - $0).rounded()) }
                    row.inNewest = true
                    row.note = "inside the \(planned.planned.id) snapshots"
                    break
                }
            }
            rows.append(row)
        }
        return rows
    }

    // MARK: Findings

    func findings(rows: [CoverageRow], points: [RestorePoint], selected: RestorePoint?) -> [Finding] {
        var findings: [Finding] = []
        let database = discovered.first { $0.planned.id == .database }
        let dumps = database?.usable ?? []
        let fileSnapshots = discovered.filter { $0.planned.id != .database && $0.planned.id != .config }
            .flatMap(\.usable)
        let rpo = plan.targets.rpo.seconds

        if dumps.isEmpty, !fileSnapshots.isEmpty {
            findings.append(Finding(
                code: .filesOnlyBackup, severity: .critical, count: fileSnapshots.count,
                message: "File snapshots exist but no usable database dump: the files come back without the albums, faces, descriptions, favorites and users that live only in the database.",
                examples: fileSnapshots.prefix(3).map(\.location) + (database?.notes ?? []),
                immichWill: "Start empty (or with whatever database it finds) and not know any of the restored files; uploads become untracked files, external files new assets with no metadata.",
                remedy: "Keep Immich's automatic database backups on (Administration → Settings → Backup), and back up UPLOAD_LOCATION/backups with the files; or add your own dump folder under 'sources.database.dumps'."))
        }
        if dumps.isEmpty, fileSnapshots.isEmpty {
            findings.append(Finding(
                code: .uncoveredSource, severity: .critical, count: 1,
                message: "No database dump and no file snapshot was found at all.",
                examples: ["database: " + ((database?.notes.first) ?? "no dumps")],
                immichWill: "Have nothing to come back from.",
                remedy: "Add the backup locations to the plan's 'sources:' section (see drills/), and check that the backups run."))
            return findings
        }

        var dbOnly: [String] = []
        var uncoveredRequired: [String] = []
        var uncoveredRegenerable: [String] = []
        for row in rows where row.source != "database" && !row.source.hasPrefix("config:") && row.snapshots == 0 {
            let where_ = row.plannedAs == nil ? "no snapshot location in the plan" : "no snapshot found"
            if !row.required {
                if row.source.sourceID?.uploadFolder != nil { uncoveredRegenerable.append("\(row.source): \(where_)") }
                continue
            }
            if !dumps.isEmpty, let assets = row.assets, assets > 0 {
                dbOnly.append("\(row.source): \(assets) asset(s) in the newest dump, \(where_)")
            } else {
                uncoveredRequired.append("\(row.source): \(where_)")
            }
        }
        if !dbOnly.isEmpty {
            findings.append(Finding(
                code: .databaseOnlyBackup, severity: .critical, count: dbOnly.count,
                message: "The database is backed up but these sources' files are not: a restore brings back database rows pointing at files that do not come back.",
                examples: dbOnly,
                immichWill: "Show the uploads as missing originals; offline and trash the external assets at the next library scan (midnight) and purge them with their albums, faces and descriptions 30 days later.",
                remedy: "Back up these folders on the same schedule as the dumps, and add them to the plan's 'sources:'."))
        }
        if !uncoveredRequired.isEmpty || !uncoveredRegenerable.isEmpty {
            let required = !uncoveredRequired.isEmpty
            findings.append(Finding(
                code: .uncoveredSource, severity: required ? .critical : .warning,
                count: uncoveredRequired.count + uncoveredRegenerable.count,
                message: required
                    ? "Sources a restore needs have no backup\(uncoveredRegenerable.isEmpty ? "" : " (and regenerable folders, whose .immich markers are still required)")."
                    : "Regenerable folders have no backup: they can be rebuilt, but their .immich markers are required at startup.",
                examples: uncoveredRequired + uncoveredRegenerable,
                immichWill: "Refuse to start until every UPLOAD_LOCATION folder exists with its .immich marker; lose what only the required folders held; rerun the thumbnail and transcode jobs over the whole library for thumbs and encoded-video.",
                remedy: required
                    ? "Back up all of UPLOAD_LOCATION (library, upload, profile, backups, thumbs, encoded-video) and every external library folder, and add them to 'sources:'."
                    : "Back them up (they are small next to the originals), or after a restore create each folder with an empty .immich file and run Administration → Jobs → Generate Thumbnails and Transcode Videos (missing)."))
        }

        var stale: [String] = []
        for source in discovered {
            guard let newest = source.usable.first, let time = newest.time else { continue }
            let age = Int((now - time).rounded())
            if age > rpo {
                stale.append("\(source.planned.id): newest \(newest.name), \(DurationText.format(seconds: (age / 60) * 60)) old (target \(plan.targets.rpo))")
            }
        }
        if !stale.isEmpty {
            findings.append(Finding(
                code: .staleSnapshot, severity: .critical, count: stale.count,
                message: "The newest backup of these sources is older than the RPO target.",
                examples: stale,
                immichWill: "Come back without everything added or changed since (uploads, edits, albums).",
                remedy: "Check that the backup jobs still run (cron, timers, a full target disk) and that the plan points at where they write."))
        }

        if let selected, selected.skewExceeded {
            let members = selected.members.dropFirst().map {
                "\($0.source) \($0.offsetSeconds >= 0 ? "+" : "-")\(DurationText.format(seconds: abs($0.offsetSeconds))) from the dump (\(($0.location as NSString).lastPathComponent))"
            }
            findings.append(Finding(
                code: .snapshotSkew, severity: .warning, count: 1,
                message: "The best pairing for restore point \(selected.id) spreads \(DurationText.format(seconds: selected.skewSeconds)), beyond max-skew \(plan.targets.maxSkew).",
                examples: members,
                immichWill: "Reference files the older snapshot does not have (missing originals), or find files the dump does not know (untracked; new assets in external libraries).",
                remedy: "Take the file snapshots right after Immich's dump (02:00 by default), on the same nights."))
        }

        // A snapshot in which UPLOAD_LOCATION's root cannot be found: say that, not six findings about its folders.
        var rootless: [String] = []
        var rootlessSources = Set<String>()
        for source in discovered where source.planned.id.isUpload {
            guard let newest = source.usable.first, let listing = listings[newest.listingKey], !listing.rootFound else { continue }
            rootlessSources.insert(source.planned.id.description)
            rootless.append(SnapshotLister.rootNotFoundExample(source.planned.id, newest.name, top: listing.topLevel))
        }
        if !rootless.isEmpty {
            findings.append(SnapshotLister.rootNotFound(rootless))
        }

        var markers: [String] = []
        for row in rows where row.markerInNewest == false && !rootlessSources.contains(row.plannedAs ?? "") {
            guard let folder = row.source.sourceID?.uploadFolder else { continue }
            markers.append("\(folder)/.immich not in \(row.newest ?? "the newest snapshot")\(row.inNewest == false ? " (the folder is not in it at all)" : "")")
        }
        if !markers.isEmpty {
            let root = deployment.mediaLocation.hostPath ?? "<UPLOAD_LOCATION>"
            let first = markers.first!.split(separator: "/").first.map(String.init) ?? "library"
            findings.append(Finding(
                code: .missingMarkerInSnapshot, severity: .critical, count: markers.count,
                message: "The newest UPLOAD_LOCATION snapshot lacks folder markers Immich checks at startup.",
                examples: markers,
                immichWill: "Refuse to start after a restore from this snapshot: Failed to read: \"\(root)/\(first)/.immich (\(deployment.mediaLocation.containerPath)/\(first)/.immich) - Please see https://docs.immich.app/administration/system-integrity#folder-checks for more information.\"",
                remedy: "Include every UPLOAD_LOCATION folder with its .immich file in the backup (check exclude rules for hidden files and for thumbs/encoded-video); on restore day, create the missing folders with an empty .immich file."))
        }

        if let failed = database?.snapshots.filter(\.failed), !failed.isEmpty {
            findings.append(Finding(
                code: .dumpFailed, severity: .warning, count: failed.count,
                message: "Leftover .tmp dumps: Immich's backup job failed (or was still running) when they were written.",
                examples: failed.map(\.location),
                immichWill: "Delete .tmp files at the next backup run; it never lists them as restorable.",
                remedy: "Check the server log around their times for the failed backup job (disk space, pg_dump version)."))
        }

        let config = rows.filter { $0.source.hasPrefix("config:") && $0.inNewest != true }
        if !config.isEmpty {
            findings.append(Finding(
                code: .composeNotBackedUp, severity: .warning, count: config.count,
                message: "The Compose file or .env is not inside any snapshot: restore day starts with rewriting them from memory (UPLOAD_LOCATION, DB settings, the external mounts, the pinned version).",
                examples: config.map { String($0.source.dropFirst(7)) },
                immichWill: "Start with whatever mounts and version the rewritten files say; a wrong mount offlines every external asset at the next scan.",
                remedy: "Back up the folder with docker-compose.yml and .env (with the files, or as a 'config' source in the plan)."))
        }

        var notMounted: [String] = []
        for source in sources where source.kind == .external && source.required
            && !deployment.mountMap.resolve(containerPath: source.containerPath!).isMounted {
            let count = rows.first { $0.source == source.id.description }?.assets ?? 0
            notMounted.append("\(source.containerPath!): \(count) asset(s)")
        }
        if !notMounted.isEmpty {
            findings.append(Finding(
                code: .importPathNotMounted, severity: .critical, count: notMounted.count,
                message: "Library import paths in the dump that no volume of the server container covers.",
                examples: notMounted,
                immichWill: "Offline and trash every asset under these paths at the next nightly library scan, and purge them (with albums, faces, tags and descriptions) 30 days later.",
                remedy: "Mount each import path at the same container path as before (docker-compose.yml volumes, e.g. /volume1/photos:\(notMounted.first!.split(separator: ":").first ?? "/mnt/media"):ro), or change the library's import path before the next scan."))
        }

        let known = Set(sources.map(\.id))
        let mountedExternals = sources.compactMap(\.id.externalPath)
        let unmatched = discovered.map(\.planned.id).filter { id in
            switch id {
            case .database, .upload(nil), .config: return false
            case .external(let path): return !known.contains(id) && !mountedExternals.contains { Paths.isWithin($0, path) }
            case .upload: return !known.contains(id)
            }
        }.map(\.description)
        if !unmatched.isEmpty {
            findings.append(Finding(
                code: .plannedSourceUnknown, severity: .warning, count: unmatched.count,
                message: "Planned sources that match no UPLOAD_LOCATION folder, mount or library import path.",
                examples: unmatched,
                remedy: "Name external sources by their import path as the container sees it (external:/mnt/media/photos)."))
        }
        return findings
    }

    static func liveFindings(_ live: LiveInventory, catalog: Catalog, dumpTime: Double?) -> [Finding] {
        guard let integrity = live.integrity else { return [] }
        var findings: [Finding] = []
        if !integrity.missing.isEmpty {
            let external = integrity.missing.filter { catalog.assets[Int($0)].flags.contains(.external) }.count
            // Immich's own check (v3) may have seen some of them go already.
            let known = integrity.missing.filter {
                catalog.integrity.recorded("missing_file", catalog.originalPath(catalog.assets[Int($0)]))
            }.count
            findings.append(Finding(
                code: .missingOriginalLive, severity: .warning, count: integrity.missing.count,
                message: "Originals the newest dump references are not on disk now\(external > 0 ? " (\(external) in external libraries)" : "")."
                    + IntegrityReport.knownNote(known: known, of: integrity.missing.count, type: "missing_file"),
                examples: integrity.missing.prefix(Finding.maxExamples).map { catalog.originalPath(catalog.assets[Int($0)]) },
                immichWill: external > 0
                    ? "Offline and trash the external ones at the next library scan; uploads show broken originals (downloads and edits fail)."
                    : "Show broken originals: downloads, edits and re-generation of thumbnails fail for these assets.",
                remedy: "Restore these files from the newest snapshot that has them, before its retention drops them; find what deleted or moved them. Moved ones keep their albums and faces with the SQL `relink --live` writes, applied before the next library scan (see `immich-drill relink --help`)."))
        }
        if integrity.untracked > 0 {
            let late = integrity.untrackedNewerThanDump
            let allLate = late == integrity.untracked
            findings.append(Finding(
                code: .untrackedFileLive, severity: allLate ? .info : .warning, count: integrity.untracked,
                message: allLate
                    ? "Files on disk that the newest dump does not reference, all newer than the dump: added since it was taken (what a restore from it would not know)."
                    : "Files on disk that no asset references (\(integrity.untracked - late) older than the newest dump, \(late) newer).",
                examples: integrity.untrackedExamples,
                immichWill: "Ignore untracked files in upload/ and library/; import those in external libraries as new assets at the next scan.",
                remedy: allLate ? "Nothing now; they are in the next dump." : "Check for files copied into UPLOAD_LOCATION by hand or left by a failed upload, and for moved external files (the database still has the old path)."))
        }
        return findings
    }
}

extension SnapshotLocation {
    /// `dumps`, or the name of its file snapshot kind (`archive`, `directory`, `command`).
    package var kindName: String { FileSnapshotKinds.of(self)?.kind.rawValue ?? "dumps" }
}
