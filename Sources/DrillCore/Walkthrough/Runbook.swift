// The restore-day runbook (`walkthrough`): Immich's documented restore (IMMICH.md §2, §8) in its order, with this
// deployment's facts filled in: the mounts, the exact command for each snapshot of the chosen restore point, the
// dump's restore command for its format (pg_dumpall up to v2.4, pg_dump from v2.5) with this deployment's
// container, user and database, the expected noise, the DB_SKIP_MIGRATIONS note, the external mounts checked
// before the first library scan, and what to look at afterwards. Each step carries the duration the last drill
// measured or projected for it, and the checks `--interactive` runs before letting the operator go on.

import DrillReport
import Foundation

/// What `--interactive` verifies before the next step.
package enum RunbookCheck: Sendable, Codable, Equatable {
    /// A folder exists and holds something (a mount, a restored folder).
    case folderPresent(path: String, what: String)
    /// Each of these folders has its `.immich` marker.
    case markers(root: String, folders: [String])
    /// A restored folder holds as many files as the snapshot did.
    case fileCount(path: String, expected: Int, what: String)
    /// A folder is gone or empty (the old database's data).
    case folderAbsentOrEmpty(path: String, what: String)
    /// A file exists.
    case filePresent(path: String, what: String)
}

extension RunbookCheck {
    /// Looks at this machine's files. Never writes.
    public func evaluate() -> CheckResult {
        switch self {
        case .folderPresent(let path, let what):
            guard FileProbe.kind(path) == .directory else { return .init(ok: false, text: "\(what): \(path) is not there") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path))?.filter { $0 != ".immich" } ?? []
            return entries.isEmpty ? .init(ok: false, text: "\(what): \(path) is empty (not mounted?)")
                : .init(ok: true, text: "\(what): \(path) holds \(entries.count) \(entries.count == 1 ? "entry" : "entries")")
        case .markers(let root, let folders):
            let missing = folders.filter { !FileProbe.exists(root + "/" + $0 + "/.immich") }
            return missing.isEmpty ? .init(ok: true, text: "all \(folders.count) .immich markers are in \(root)")
                : .init(ok: false, text: "no .immich in " + missing.map { root + "/" + $0 }.joined(separator: ", "))
        case .fileCount(let path, let expected, let what):
            guard FileProbe.kind(path) == .directory else { return .init(ok: false, text: "\(what): \(path) is not there") }
            var files = 0
            _ = try? FileWalker.walk(path) { _ in files += 1 }
            if files >= expected {
                return .init(ok: true, text: "\(what): \(files) files in \(path), the snapshot has \(expected)")
            }
            return .init(ok: false, text: "\(what): \(files) files in \(path), but the snapshot has \(expected) (\(expected - files) missing)")
        case .folderAbsentOrEmpty(let path, let what):
            guard FileProbe.kind(path) == .directory else { return .init(ok: true, text: "\(what): \(path) is gone") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return entries.isEmpty ? .init(ok: true, text: "\(what): \(path) is empty")
                : .init(ok: false, text: "\(what): \(path) still holds \(entries.count) entries: the restore needs a fresh database")
        case .filePresent(let path, let what):
            return FileProbe.exists(path) ? .init(ok: true, text: "\(what): \(path) is there")
                : .init(ok: false, text: "\(what): \(path) is not there")
        }
    }
}

/// One restore-day step: its commands, what it is expected to take, and the checks that say it worked.
public struct RunbookStep: Sendable, Codable, Equatable {
    public var number: Int
    /// `prepare`, `compose`, `mounts`, `restore-external`, `restore-upload`, `markers`, `fresh-database`,
    /// `start-database`, `restore-database`, `start-immich`, `check-mounts`, `regenerate`, `sample-checks`.
    public var id: String
    package var title: String
    package var why: String
    public var commands: [String]
    /// A table shown with the step (the mount map), header row first.
    public var table: [[String]]?
    package var notes: [String]
    public var expectedSeconds: Double?
    /// Where the expectation comes from: `measured in drill #12`, `projected in drill #12: …`.
    package var expectedFrom: String?
    package var checks: [RunbookCheck]
}

/// The restore-day walkthrough for one restore point, in the era's commands.
public struct Runbook: Sendable, Codable {
    package var schema = "immich-drill/walkthrough/v1"
    public var plan: String
    public var planFile: String
    package var restorePoint: RestorePoint?
    /// The dump's release and format, and what that means for the restore.
    public var era: String
    package var dumpFormat: String?
    /// The drill the durations come from.
    package var basedOnRun: Int64?
    public var expectedSeconds: Double
    public var steps: [RunbookStep]
    package var notes: [String]
}

/// What the runbook needs from the last drill.
public struct DrillTimings: Sendable {
    public var runId: Int64?
    package var phases: [Phase]
    /// The last drill's findings a relink answers (moved-original, missing-original, path-mismatch) by count, and
    /// the restore point it drilled.
    package var movedOriginals: [String: Int] = [:]
    package var restorePoint: String?

    package init(runId: Int64?, phases: [Phase]) {
        self.runId = runId
        self.phases = phases
    }
}

/// Builds the runbook from the plan's analysis, the point's catalog and the last drill's timings.
public struct RunbookBuilder {
    public var plan: DrillPlan
    package var analysis: PlanAnalysis
    /// The dump of the chosen point, read (nil when it could not be).
    public var catalog: Catalog?
    public var last: DrillTimings?

    package init(plan: DrillPlan, analysis: PlanAnalysis, catalog: Catalog?, last: DrillTimings?) {
        self.plan = plan
        self.analysis = analysis
        self.catalog = catalog
        self.last = last
    }

    var deployment: Deployment { analysis.deployment }
    static let folders = ["library", "upload", "profile", "backups", "thumbs", "encoded-video"]
    static let searchPathSed = #"sed "s/SELECT pg_catalog.set_config('search_path', '', false);/SELECT pg_catalog.set_config('search_path', 'public, pg_catalog', true);/g""#

    func q(_ s: String) -> String { Subprocess.shellQuote(s) }
    /// A name in a command (container, database, user): bare when the shell takes it as one word as it is, else
    /// quoted, so a name from .env never becomes shell code.
    func w(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-@%+=:,/".unicodeScalars.contains($0)
        }
        return plain ? s : q(s)
    }
    func host(ofDrill path: String) -> String { deployment.mountMap.hostPath(forDrill: path) }
    func drill(ofHost path: String) -> String { deployment.mountMap.drillPath(forHost: path) }

    /// The last drill's time for phases matching `match`; a projection replaces the sampled measurement.
    func expected(_ match: (Phase) -> Bool) -> (Double, String)? {
        guard let last else { return nil }
        let phases = last.phases.filter(match)
        guard !phases.isEmpty else { return nil }
        let superseded = phases.supersededMeasurements
        var seconds = 0.0
        var measured = true
        var assumptions: [String] = []
        for p in phases {
            if superseded(p) { continue }
            seconds += p.seconds
            if !p.measured {
                measured = false
                if let a = p.assumption { assumptions.append(a) }
            }
        }
        let run = last.runId.map { "drill #\($0)" } ?? "the last drill"
        let from = measured ? "measured in \(run)" : "projected in \(run)" + (assumptions.isEmpty ? "" : ": " + assumptions.joined(separator: "; "))
        return (seconds, from)
    }

    /// The runbook: stop Immich, bring back the Compose folder, the files and the database in the era's way, check
    /// every step, start and verify; with expected times from the last drill.
    public func build() -> Runbook {
        let point = analysis.selected
        let jobs = point.map { analysis.restoreJobs(point: $0) } ?? []
        let composeDir = host(ofDrill: deployment.directory)
        let upload = deployment.mediaLocation.hostPath ?? "UPLOAD_LOCATION"
        let uploadDrill = deployment.mediaLocation.drillPath ?? drill(ofHost: upload)
        let db = deployment.database
        let container = db.container ?? "immich_postgres"
        let server = deployment.services.first { $0.role == .server }?.containerName ?? "immich_server"
        let dumpVersion = catalog?.immichVersion.flatMap(ImmichVersion.init)
            ?? point.flatMap { p in analysis.discovered.first { $0.planned.id == .database }?.snapshots.first { $0.location == p.dump.location }?.dump?.immichVersion }.flatMap(ImmichVersion.init)
        let format: DumpFormat? = catalog?.content.format
            ?? dumpVersion.map { $0 >= ImmichVersion(2, 5, 0) ? .database : .cluster }
        // Immich v3 comes back with v3's needs: the dump's release, or the one the Compose file pins.
        let v3 = (dumpVersion?.major ?? 0) >= 3 || (deployment.version?.major ?? 0) >= 3
        let databaseImage = deployment.services.first { $0.role == .database }?.image.flatMap(DatabaseImage.init)
        var steps: [RunbookStep] = []
        func add(_ id: String, _ title: String, _ why: String, commands: [String] = [], table: [[String]]? = nil,
                 notes: [String] = [], expected: (Double, String)? = nil, checks: [RunbookCheck] = []) {
            steps.append(RunbookStep(number: steps.count + 1, id: id, title: title, why: why, commands: commands, table: table,
                                     notes: notes, expectedSeconds: expected?.0, expectedFrom: expected?.1, checks: checks))
        }

        // 1. Stop, and keep what is left.
        add("prepare", "Stop Immich and keep what is left",
            "Nothing of the damaged install is deleted: it is moved aside, so a file the backups lack can still be fetched from it.",
            commands: ["cd \(q(composeDir))", "docker compose down",
                       "mv \(q(upload)) \(q(upload + ".before-restore"))   # only if it exists"],
            notes: ["Immich must not run while files and database come back: a library scan against half-restored folders marks assets offline."])

        // 2. Compose file and .env.
        var composeCommands: [String] = []
        var composeNotes: [String] = []
        if let config = point?.members.first(where: { $0.source == .config }) {
            composeCommands.append(restoreCommand(kind: config.kind, location: config.location, inside: "", target: composeDir, restore: nil))
        }
        if let v = dumpVersion {
            composeNotes.append("Set IMMICH_VERSION=\(v) in .env: the dump was written by \(v). Restoring into the same release means no migrations run on the restored data; upgrade afterwards, with `immich-drill preflight`.")
        } else {
            composeNotes.append("The dump does not say which release wrote it: set IMMICH_VERSION in .env to the release you ran before the loss.")
        }
        add("compose", "Put docker-compose.yml and .env back",
            "The Compose file holds the mounts and container names; .env holds UPLOAD_LOCATION, DB_DATA_LOCATION, the database credentials and the pinned release.",
            commands: composeCommands, notes: composeNotes,
            checks: deployment.composeFiles.map { .filePresent(path: $0, what: "Compose file") })

        // 3. Mounts.
        let externalMounts = deployment.externalMounts
        if !externalMounts.isEmpty {
            var table = [["HOST", "CONTAINER", "MODE", "SERVICE"]]
            for m in externalMounts {
                table.append([m.hostPath ?? m.remote ?? m.volume ?? "?", m.containerPath, m.readOnly ? "ro" : "rw (make it :ro)", m.service])
            }
            add("mounts", "Recreate the external-library mounts",
                "Immich stores external assets by their container path. Each host folder must appear at exactly the same container path, or every asset in it is offline at the next scan.",
                commands: externalMounts.compactMap { m in m.hostPath.map { "mkdir -p \(q($0))   # then mount the share there (fstab, autofs)" } },
                table: table,
                notes: ["Mount them read-only (`:ro`): Immich only reads external libraries, and a read-only mount cannot lose files to a mistake."],
                checks: externalMounts.compactMap { m in m.drillPath.map { .folderPresent(path: $0, what: "mount \(m.containerPath)") } })
        }

        // 4. External folders, then 5. UPLOAD_LOCATION.
        for external in [true, false] {
            let mine = jobs.filter { ($0.source.externalPath != nil) == external }
            guard !mine.isEmpty else { continue }
            var commands: [String] = []
            var checks: [RunbookCheck] = []
            var seconds = 0.0
            var from: [String] = []
            for job in mine {
                let target = hostTarget(job)
                commands.append("# \(job.source) from \(job.snapshot.name)")
                commands.append(restoreCommand(kind: job.snapshot.kind, location: job.snapshot.location, inside: job.inside,
                                               target: target, restore: job.restoreCommand))
                if let expectedFiles = snapshotFiles(job) {
                    checks.append(.fileCount(path: drill(ofHost: target), expected: expectedFiles, what: job.source.description))
                } else {
                    checks.append(.folderPresent(path: drill(ofHost: target), what: job.source.description))
                }
                if let e = expected({ $0.kind?.isRestore == true && $0.source == job.source.description }) {
                    seconds += e.0
                    from.append(e.1)
                }
            }
            if external {
                add("restore-external", "Restore the external-library folders",
                    "From the restore point's snapshots, into the host folders the mounts above use. Restore onto the share itself when it was lost; skip a share that survived.",
                    commands: commands, expected: from.isEmpty ? nil : (seconds, Array(Set(from)).sorted().joined(separator: "; ")), checks: checks)
            } else {
                // Folders no snapshot of the point holds: by source, and inside a whole-UPLOAD_LOCATION snapshot by its listing.
                let missing = Self.folders.filter { f in
                    !mine.contains { job in
                        if job.source == .upload(folder: f) { return true }
                        guard job.source == .upload(folder: nil) else { return false }
                        guard let listing = analysis.listings[job.snapshot.listingKey], !listing.folders.isEmpty else { return true }
                        return listing.folders[f]?.present == true
                    }
                }
                add("restore-upload", "Restore UPLOAD_LOCATION (\(upload))",
                    "All six folders: library, upload, profile and backups hold originals and dumps; thumbs and encoded-video save hours of regeneration and carry markers Immich checks at startup.",
                    commands: ["mkdir -p \(q(upload))"] + commands,
                    notes: missing.isEmpty ? [] : ["This restore point has no snapshot of " + missing.joined(separator: ", ") + ": create those folders and their markers in the next step."],
                    expected: from.isEmpty ? nil : (seconds, Array(Set(from)).sorted().joined(separator: "; ")), checks: checks)
            }
        }

        // 6. Markers.
        add("markers", "Check the six .immich markers",
            "The restored database remembers that every folder was verified (system-flags.mountChecks); Immich refuses to start when a folder's .immich is missing.",
            commands: ["ls -la \(q(upload))/{\(Self.folders.joined(separator: ","))}/.immich",
                       "# only for a folder without one:",
                       "mkdir -p \(q(upload))/FOLDER && date +%s%3N > \(q(upload))/FOLDER/.immich"],
            notes: ["Without a marker Immich stops with: Failed to read: \"<UPLOAD_LOCATION>/<folder>/.immich …\". IMMICH_IGNORE_MOUNT_CHECK_ERRORS=true skips the check; do not leave it on."],
            checks: [.markers(root: uploadDrill, folders: Self.folders)])

        // 7. A fresh database.
        var fresh = ["cd \(q(composeDir))", "docker compose down -v"]
        var freshChecks: [RunbookCheck] = []
        if let data = db.dataPath {
            let hostData = host(ofDrill: data)
            fresh.append("mv \(q(hostData)) \(q(hostData + ".before-restore"))   # or rm -rf, once you are sure")
            freshChecks.append(.folderAbsentOrEmpty(path: data, what: "DB_DATA_LOCATION"))
        }
        add("fresh-database", "Start from an empty database",
            "The dump restores only into a database Immich has never started: otherwise \"relation already exists\" and foreign-key errors.",
            commands: fresh, notes: ["`down -v` removes the Compose project's volumes; DB_DATA_LOCATION is a host folder and has to go by hand."],
            checks: freshChecks)

        // 8. Only the database.
        add("start-database", "Start only the database",
            "Immich's server must not start before the data is in: it would create an empty schema and run migrations.",
            commands: ["cd \(q(composeDir))", "docker compose pull", "docker compose create", "docker start \(w(container))", "sleep 10"])

        // 9. The dump.
        if let point {
            // Step 1 moved UPLOAD_LOCATION aside: a dump in its backups/ folder is read from there.
            var dump = host(ofDrill: point.dump.location)
            var dumpCheck = point.dump.location
            if let rest = Paths.remainder(of: dump, under: upload), !rest.isEmpty {
                dump = Paths.append(rest, to: upload + ".before-restore")
                if let drillRest = Paths.remainder(of: point.dump.location, under: uploadDrill) {
                    dumpCheck = Paths.append(drillRest, to: uploadDrill + ".before-restore")
                }
            }
            let reader = dump.hasSuffix(".gz") ? "gunzip --stdout \(q(dump))"
                : dump.hasSuffix(".zst") ? "zstd -dc \(q(dump))" : dump.hasSuffix(".xz") ? "xz -dc \(q(dump))" : "cat \(q(dump))"
            var commands: [String] = []
            var notes: [String] = []
            if db.fromURL {
                notes.append("The server reaches its database through DB_URL: run psql against that server instead of `docker exec \(container)`.")
            }
            switch format {
            case .database?:
                commands = [reader + " \\", "| " + Self.searchPathSed + " \\",
                            "| docker exec -i \(w(container)) psql --dbname=\(w(db.name)) --username=\(w(db.user)) --single-transaction --set ON_ERROR_STOP=on"]
                notes.append("A pg_dump of the \(db.name) database (Immich v2.5.0 and later). It loads in one transaction: any ERROR stops it and nothing is kept; there is no expected noise.")
                notes.append("Or, from v2.5.0: put the file in \(upload)/backups, `docker compose up -d`, and choose \"Restore from backup\" on the welcome screen.")
            default:
                commands = [reader + " \\", "| " + Self.searchPathSed + " \\",
                            "| docker exec -i \(w(container)) psql --dbname=postgres --username=\(w(db.user))"]
                notes.append("A pg_dumpall of the whole cluster (Immich v1.120 to v2.4). Expected noise, not failures: `ERROR:  current user cannot be dropped` and `ERROR:  role \"\(db.user)\" already exists`.")
                if format == nil { notes.append("The dump's format could not be read; the command above is the cluster form.") }
            }
            if v3 {
                // Immich v3 (IMMICH.md §10): pgvector and VectorChord both, vchord preloaded; pgvecto.rs is gone.
                let psql = "docker exec \(w(container)) psql --username=\(w(db.user)) --dbname=postgres"
                commands = [psql + " --command='SHOW shared_preload_libraries'   # must list vchord",
                            psql + " --command=\"SELECT name, default_version FROM pg_available_extensions WHERE name IN ('vector', 'vchord')\"   # must show both"]
                    + commands
                notes.append("Immich v3 needs both vector (pgvector) and vchord (VectorChord) in the database image, with vchord in shared_preload_libraries (Immich's ghcr.io/immich-app/postgres images set it): the first two commands check that before the load. When they do not show both, change the database image in docker-compose.yml to the one Immich's v3 Compose file names (or add vchord to the image's shared_preload_libraries) and start again from step \(steps.first { $0.id == "fresh-database" }?.number ?? 1) (an empty database).")
                notes.append("`could not access file \"$libdir/vectors\"` means the dump still uses pgvecto.rs, which v3 cannot load: restore it into the v2.x release that wrote it, let it move to VectorChord, take a new dump, and only then upgrade (`immich-drill preflight --to v3.x` says whether a dump is ready).")
            } else {
                notes.append("Errors about the vector extension (vectors, vchord) mean the database image lacks it: use the image the Compose file names.")
            }
            add("restore-database", "Restore the dump \((dump as NSString).lastPathComponent)",
                "The database holds albums, faces, descriptions and every file's path; its dump is in restore point \(point.id).",
                commands: commands, notes: notes, expected: expected { $0.kind == .loadDatabase },
                checks: [.filePresent(path: dumpCheck, what: "dump")])
        }

        // 9b. Moved originals: their albums and faces kept before Immich starts (and before any scan).
        if let last, let point, last.restorePoint == nil || last.restorePoint == point.id, !last.movedOriginals.isEmpty {
            let counted = last.movedOriginals
            let planFile = Paths.absolute(plan.file)
            let sql = Paths.append("relink.sql", to: Paths.directory(of: planFile))
            let what = counted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            add("relink", "Relink the moved originals before Immich starts",
                "The last drill of this restore point found originals that are not at their database paths (\(what.isEmpty ? "path-mismatch" : what)): the first scan would offline and trash them, and their albums, faces and descriptions with them.",
                commands: ["immich-drill relink \(q(planFile)) --restore-point \(q(point.id)) -o \(q(sql))",
                           RelinkSQL.applyCommand(container: container, user: db.user, database: db.name, file: sql)],
                notes: ["The first command finds where each one went (by content, name and size, or its own capture time and camera), proves the SQL on a scratch copy of the database and writes it; read what it keeps and what it cannot (ambiguous ones are never guessed) before the second command applies it in one transaction.",
                        "It refuses to change anything unless every asset is still where it found it; after a scan has imported the moved files, make it again."])
        }

        // 10. Immich.
        var startNotes = ["To look at the restored data before Immich migrates it (a release other than the dump's), add DB_SKIP_MIGRATIONS=true to .env for the first start, then remove it and restart."]
        if let v = dumpVersion, v < ImmichVersion.dataMediaLocation, deployment.mediaLocation.containerPath == "/data" {
            startNotes.append("The dump's paths predate /data: the first start logs \"Detected a change to media location, performing an automatic migration of file paths\" and rewrites them. Expected.")
        }
        startNotes.append("The log should say \"Successfully verified system mount folder checks\".")
        if v3 {
            startNotes.append("Immich v3 waits up to 180 s for the server to come up healthy after a restore; a slow first start is not a failure.")
            let reindex = "docker exec \(w(container)) psql --username=\(w(db.user)) --dbname=\(w(db.name)) --command='REINDEX INDEX clip_index' --command='REINDEX INDEX face_index'"
            startNotes.append("A database that starts is not yet one that searches: try a smart search. \"deserialization: bad version number; after upgrading VectorChord, please use REINDEX\" means the image's VectorChord differs from the one the dump was made with: `\(reindex)`.")
            if let vchord = databaseImage?.extensions["vchord"], !vchord.isEmpty, DatabaseImage.version(vchord, isAtLeast: "1.0") {
                startNotes.append("With VectorChord \(vchord) (1.x), \"need 1 probes, but 0 probes provided\" at search time is fixed by `docker exec \(w(container)) psql --username=\(w(db.user)) --dbname=\(w(db.name)) --command=\(q("ALTER DATABASE \"" + db.name.replacingOccurrences(of: "\"", with: "\"\"") + "\" SET vchordrq.probes = 1"))`.")
            }
        }
        add("start-immich", "Start Immich", "Now every part is back: files, markers, database.",
            commands: ["cd \(q(composeDir))", "docker compose up -d", "docker logs -f \(w(server))"], notes: startNotes)

        // 11. External mounts inside the container, before any scan.
        if !externalMounts.isEmpty || (catalog?.counts.external ?? 0) > 0 {
            let paths = Array(Set((catalog?.libraries.filter { $0.isExternal && !$0.deleted }.flatMap(\.importPaths) ?? []) + externalMounts.map(\.containerPath))).sorted()
            add("check-mounts", "Check every external mount inside the container BEFORE the first library scan",
                "A library scan that finds an import path empty marks every asset in it offline, and offline assets go to the trash after the trash period: albums, faces and descriptions go with them.",
                commands: paths.map { "docker exec \(w(server)) ls \(q($0)) | head" },
                notes: ["Until each shows its files: no \"Scan all libraries\", and turn off periodic scanning (Administration → External Libraries)."],
                expected: expected { $0.kind == .libraryScan },
                checks: externalMounts.compactMap { m in m.drillPath.map { .folderPresent(path: $0, what: "mount \(m.containerPath)") } })
        }

        // 12. Regeneration when thumbs/encoded-video were not in the point.
        if let e = expected({ $0.kind == .regenerateThumbnails || $0.kind == .transcodeVideos }) {
            if v3 {
                var notes = ["In Immich v3 the \"Missing\" jobs do nothing here: the restored asset_file rows still name the thumbnails and transcodes that did not come back, so only \"All\" rebuilds them (it redoes the ones that did, too)."]
                if let v = dumpVersion, v.major < 3 {
                    notes.append("The dump is from \(v): it has no asset_video rows, so run Extract Metadata with \"All\" as well.")
                }
                add("regenerate", "Regenerate thumbnails and transcodes",
                    "The restore point lacks thumbnails or transcoded videos; Immich rebuilds them from the originals.",
                    commands: ["# Administration → Jobs: Generate Thumbnails → All; Transcode Videos → All"], notes: notes, expected: e)
            } else {
                add("regenerate", "Regenerate thumbnails and transcodes",
                    "The restore point lacks thumbnails or transcoded videos; Immich rebuilds them from the originals.",
                    commands: ["# Administration → Jobs: Generate Thumbnails → Missing; Transcode Videos → Missing"], expected: e)
            }
        }

        // 13. Look.
        var looks: [String] = []
        if let c = catalog {
            let n = c.counts
            looks.append("Albums: \(n.albums) albums with \(n.albumMemberships) photos in all")
            looks.append("People: \(n.namedPeople) named of \(n.people), \(n.faces) faces")
            looks.append("Favorites: \(n.favorites); descriptions: \(n.descriptions); tags: \(n.tags) on \(n.taggedAssets) assets")
            looks.append("Map: photos with GPS show up on it (the map reads the restored exif table)")
            looks.append("Users: \(n.users), each can log in; external libraries: \(n.libraries) with \(n.external) assets, "
                         + (n.offline == 0 ? "none offline" : "\(n.offline) offline, as they already were in the dump"))
            var examples: [String] = []
            for i in 0..<c.assets.count where examples.count < 3 {
                let a = c.assets[i]
                if a.flags.contains(.described) || a.flags.contains(.favorite) || a.meta.albums > 0 {
                    examples.append(TerminalText.inline(c.originalFileName(a)))
                }
            }
            if !examples.isEmpty { looks.append("Open a few: " + examples.joined(separator: ", ")) }
        }
        add("sample-checks", "Check what only the database knew", "Files alone cannot tell whether the restore worked: the database-only metadata can.",
            notes: looks)

        let total = steps.compactMap(\.expectedSeconds).reduce(0, +)
        var notes = ["Backups are shown where this machine sees them; UPLOAD_LOCATION, DB_DATA_LOCATION and the mounts as the Docker host has them."]
        if point == nil { notes.append("No restore point: there is no usable dump (see `immich-drill plan`).") }
        if last == nil { notes.append("No drill in the history: durations are unknown. Run `immich-drill run \(q(plan.file))` to know them.") }
        let era = (dumpVersion.map { "dump from Immich \($0)" } ?? "dump from an unknown release")
            + (format == .database ? " (pg_dump, one database)" : format == .cluster ? " (pg_dumpall, whole cluster)" : "")
        return Runbook(plan: plan.name, planFile: plan.file, restorePoint: point, era: era, dumpFormat: format?.rawValue,
                       basedOnRun: last?.runId, expectedSeconds: total, steps: steps, notes: notes)
    }

    /// Where a job's source goes on the Docker host.
    func hostTarget(_ job: RestoreJob) -> String {
        let resolution = deployment.mountMap.resolve(containerPath: job.containerRoot)
        return resolution.hostPath ?? job.containerRoot
    }

    /// Files the snapshot holds below the source's root, when its listing says.
    func snapshotFiles(_ job: RestoreJob) -> Int? {
        guard let listing = analysis.listings[job.snapshot.listingKey], !listing.probedOnly else { return nil }
        if job.source == .upload(folder: nil) {
            let counted = listing.folders.values.map(\.files).reduce(0, +)
            return counted > 0 ? counted : nil
        }
        if let folder = job.source.uploadFolder, let f = listing.folders[folder] { return f.files }
        return listing.files - listing.outsideRoot
    }

    /// The command that restores one snapshot to `target`: its kind's (a dump is copied as it is).
    func restoreCommand(kind: Snapshot.Kind, location: String, inside: String, target: String, restore: String?) -> String {
        guard let fileKind = FileSnapshotKinds.of(kind: kind) else { return "cp \(q(location)) \(q(target))" }
        return fileKind.restoreCommand(location: location, inside: inside, target: target, restore: restore,
                                       planFolder: Paths.directory(of: Paths.absolute(plan.file)))
    }
}

extension Runbook {
    /// The runbook as text, JSON or Markdown; every command in it runs as printed, from any folder.
    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return ReportJSON.encode(self)
        case .text: return text()
        case .markdown: return markdown()
        }
    }

    var header: String {
        "Restore-day walkthrough: \(plan)" + (restorePoint.map { ", restore point \($0.id)" } ?? "") + " (\(era))"
    }

    var expectation: String {
        expectedSeconds > 0
            ? "Expected: \(RunbookStep.durationText(expectedSeconds)) for the timed steps" + (basedOnRun.map { ", from drill #\($0)" } ?? "") + "; the steps done by hand come on top."
            : "Expected durations: unknown (no drill in the history)."
    }

    func text() -> String {
        var out = [header, expectation]
        for note in notes { out.append("Note: " + note) }
        out.append("")
        for step in steps {
            out.append(step.text(of: steps.count))
        }
        return out.joined(separator: "\n") + "\n"
    }

    func markdown() -> String {
        var out = ["# " + header, "", expectation, ""]
        for note in notes { out.append("> " + note) }
        if !notes.isEmpty { out.append("") }
        for step in steps {
            out.append("## \(step.number). \(step.title)")
            out.append("")
            out.append(step.why)
            out.append("")
            if let table = step.table, let head = table.first {
                out.append(TextTable(headers: head, rows: Array(table.dropFirst())).markdown())
                out.append("")
            }
            if !step.commands.isEmpty {
                out.append("```sh")
                out += step.commands
                out.append("```")
                out.append("")
            }
            for note in step.notes { out.append("- " + note) }
            if let e = step.expectedSeconds { out.append("- **Expected:** \(RunbookStep.durationText(e)) (\(step.expectedFrom ?? ""))") }
            if !step.checks.isEmpty { out.append("- **`--interactive` checks:** " + step.checks.map(\.summary).joined(separator: "; ")) }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}

extension RunbookStep {
    public static func durationText(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.0fs", max(1, seconds.rounded())) : DurationText.format(seconds: Int(seconds.rounded()))
    }

    /// The step as the terminal shows it (also one step at a time in `--interactive`).
    public func text(of count: Int) -> String {
        var out = ["Step \(number)/\(count)  \(title)", "  " + why]
        if let table = table, let head = table.first {
            out.append(TextTable(headers: head, rows: Array(table.dropFirst())).text(indent: "    "))
        }
        for command in commands {
            // A pipeline's continuation lines (`| sed …`) belong to the command above.
            out.append(command.hasPrefix("#") ? "    " + command : command.hasPrefix("| ") ? "        " + command : "    $ " + command)
        }
        for note in notes { out.append("  • " + note) }
        if let e = expectedSeconds { out.append("  Expected: \(RunbookStep.durationText(e)) (\(expectedFrom ?? ""))") }
        out.append("")
        return out.joined(separator: "\n")
    }
}

extension RunbookCheck {
    var summary: String {
        switch self {
        case .folderPresent(let path, _): "\(path) is there and not empty"
        case .markers(let root, let folders): "\(folders.count) markers in \(root)"
        case .fileCount(let path, let expected, _): "\(path) holds \(expected) files"
        case .folderAbsentOrEmpty(let path, _): "\(path) is gone or empty"
        case .filePresent(let path, _): "\(path) exists"
        }
    }
}

extension WalkedStep {
    /// The step as lived: its number, id, title and expected time from the runbook.
    package init(step: RunbookStep, seconds: Double, outcome: Outcome, checks: [CheckResult]) {
        self.init(number: step.number, id: step.id, title: step.title, seconds: seconds,
                  expectedSeconds: step.expectedSeconds, outcome: outcome, checks: checks)
    }
}
