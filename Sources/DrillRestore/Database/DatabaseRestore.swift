// The database half of a drill: which engine, the scratch cluster, the load, the two readings compared, and what it
// all means as findings, notices and a measured phase. A load that cannot start (no binaries, no room, an extension
// this machine lacks that cannot be stood in for) is a notice and the estimate stays; a load that fails is a finding.

import Foundation

/// What the report keeps of the load.
package struct DatabaseRestoreSummary: Sendable, Codable, Equatable {
    package var load: DatabaseLoadResult
    package var checks: [CountCheck]
    package var facts: StartupFacts?

    /// One line for the report's summary.
    package var line: String {
        let l = load
        var parts: [String] = []
        let rate = l.seconds > 0 ? Int(Double(l.rows) / l.seconds) : 0
        parts.append("\(l.loaded ? "loaded" : l.incomplete && l.errors.isEmpty ? "loaded up to the cut (--load-incomplete)" : "NOT loaded") into \(l.postgres) in \(DurationText.short(l.seconds)): \(ByteText.format(l.sqlBytes)) of SQL, \(l.rows) rows in \(l.tables) tables (\(rate) rows/s)")
        if !checks.isEmpty {
            let agree = checks.filter(\.agrees).count
            parts.append(agree == checks.count ? "the \(checks.count) counts agree with the catalog" : "\(checks.count - agree) of \(checks.count) counts DIFFER from the catalog")
        }
        let stand = l.shims.filter { !$0.hasPrefix("search_path") }
        if !stand.isEmpty { parts.append("stood in for: " + stand.joined(separator: "; ")) }
        if !l.expectedNoise.isEmpty { parts.append("\(l.expectedNoise.count) expected errors of a cluster dump (\(DatabaseLoader.distinct(l.expectedNoise).joined(separator: "; ")))") }
        if let note = l.versionNote { parts.append(note) }
        return parts.joined(separator: "; ")
    }
}

/// What the database step gives the drill.
package struct DatabaseRestoreOutcome: Sendable {
    package var phase: Phase?
    package var summary: DatabaseRestoreSummary?
    package var notices: [String] = []
    package var findings: [Finding] = []
}

/// One load of the selected dump, from engine choice to findings.
package struct DatabaseRestore {
    package var mode: DatabaseRestoreMode
    package var catalog: Catalog
    package var deployment: Deployment
    /// The run's scratch folder.
    package var scratch: String
    package var loadIncomplete = false
    /// Where PostgreSQL installs are looked for (tests point it elsewhere).
    package var roots = ["/usr/lib/postgresql"]
    package var path = ProcessInfo.processInfo.environment["PATH"]
    /// Run on the loaded database before its server stops (`run --relink` proves its plan there).
    package var afterLoad: ((any ScratchDatabase, String) -> Void)?

    package init(mode: DatabaseRestoreMode, catalog: Catalog, deployment: Deployment, scratch: String) {
        self.mode = mode
        self.catalog = catalog
        self.deployment = deployment
        self.scratch = scratch
    }

    static let install = "install Debian's postgresql (apt-get install postgresql), or set database-restore: docker"

    /// Runs the load; throws only when a signal stopped it.
    package func run() throws -> DatabaseRestoreOutcome {
        var outcome = DatabaseRestoreOutcome()
        let dump = catalog.identity.file
        if mode == .skip {
            outcome.notices.append("database not loaded (database-restore: skip): its load time is estimated")
            return outcome
        }
        if !catalog.content.complete, !loadIncomplete {
            outcome.notices.append("database not loaded: the dump is cut short (dump-incomplete); `--load-incomplete` loads it to see how far it gets")
            return outcome
        }
        // Room: the SQL as tables and indexes, about twice its size, and the cluster itself.
        let needed = catalog.content.uncompressedBytes * 2 + (96 << 20)
        if let free = FileProbe.freeBytes(at: scratch), free < needed {
            outcome.notices.append("database not loaded: \(ByteText.format(free)) free in scratch, about \(ByteText.format(needed)) needed for the load; its time is estimated")
            return outcome
        }
        let cluster: any ScratchDatabase
        var note: String?
        var missingHint = DatabaseRestore.install
        if mode == .docker {
            guard let docker = DockerPostgres.find(path: path) else {
                outcome.notices.append("database not loaded: database-restore: docker, but no docker on PATH; its load time is estimated")
                return outcome
            }
            guard let image = deployment.services.first(where: { $0.role == .database })?.image else {
                outcome.notices.append("database not loaded: database-restore: docker, but the Compose file names no database image; its load time is estimated")
                return outcome
            }
            do {
                cluster = try DockerPostgres(docker: docker, image: image, superuser: deployment.database.user, scratch: scratch, path: path)
            } catch let error as DrillError where !Cancellation.isCancelled {
                outcome.notices.append("database not loaded: the database image did not start (\(error.description)); its load time is estimated")
                return outcome
            }
            missingHint = "the image \(image) does not have them either"
        } else {
            guard let user = ServerUser.forServer() else {
                outcome.notices.append("database not loaded: running as root, and neither a postgres nor a nobody user (with runuser) exists to run PostgreSQL, which refuses root")
                return outcome
            }
            let installs = PostgresInstall.discover(roots: roots, path: path)
            guard let (install, chosenNote) = PostgresInstall.choose(forDumpVersion: catalog.content.postgresVersion, among: installs) else {
                outcome.notices.append("database not loaded: no PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) under /usr/lib/postgresql or on PATH; \(DatabaseRestore.install). Its load time is estimated")
                return outcome
            }
            note = chosenNote
            let preload = ["vchord", "vectors"].filter(install.hasExtensionFiles)
            let local: ScratchPostgres
            do {
                local = try ScratchPostgres(install: install, user: user, parent: scratch, superuser: deployment.database.user,
                                            preload: preload)
            } catch let error as DrillError {
                outcome.notices.append("database not loaded: the scratch PostgreSQL did not start (\(error.description)); its load time is estimated")
                return outcome
            }
            if user.runuser != nil, local.ownDirectory {
                outcome.notices.append("the scratch PostgreSQL runs in \(local.directory): user \(user.name) cannot enter \(scratch)")
            }
            missingHint = "Debian ships them in postgresql-\(install.major)"
            cluster = local
        }
        defer { cluster.stop() }

        var loader = DatabaseLoader(dump: dump, format: catalog.content.format, database: deployment.database.name, versionNote: note)
        loader.isCancelled = { Cancellation.isCancelled }
        loader.deadline = 1800 + Double(catalog.content.uncompressedBytes) / 1_048_576
        var load: DatabaseLoadResult
        do {
            load = try loader.load(into: cluster)
            if !catalog.content.complete {
                // Loaded on request to see how far it gets: never "loaded".
                load.incomplete = true
                load.loaded = false
            }
        } catch let error as DrillError where !Cancellation.isCancelled {
            outcome.notices.append("database not loaded: \(error.description); its load time is estimated")
            return outcome
        }
        if !load.missingExtensions.filter({ !DumpLoadScreen.shimmable.contains($0) }).isEmpty {
            let names = load.missingExtensions.filter { !DumpLoadScreen.shimmable.contains($0) }
            outcome.notices.append("database not loaded: the dump creates \(names.joined(separator: ", ")), which \(cluster.label) does not have (\(missingHint)); its load time is estimated")
            return outcome
        }
        var summary = DatabaseRestoreSummary(load: load, checks: [], facts: nil)
        let rate = load.seconds > 0 ? Int(Double(load.rows) / load.seconds) : 0
        outcome.phase = Phase(name: Phase.Kind.loadDatabase.rawValue, source: nil, seconds: load.seconds, bytes: load.sqlBytes,
                              files: nil, measured: true,
                              assumption: load.loaded
                                ? "\(load.rows) rows (\(rate)/s) into PostgreSQL \(cluster.versionText) (\(cluster.engine))"
                                : "failed after \(DurationText.short(load.seconds)) in PostgreSQL \(cluster.versionText) (\(cluster.engine))")
        outcome.findings += loadFindings(load)
        if load.loaded || (load.incomplete && load.errors.isEmpty) {
            let database = catalog.content.format == .cluster ? catalog.content.database : deployment.database.name
            do {
                let (checks, facts) = try DatabaseCheck(cluster: cluster, database: database, catalog: catalog).counts()
                summary.checks = checks
                summary.facts = facts
                outcome.findings += checkFindings(checks, facts: facts, incomplete: load.incomplete)
            } catch let error as DrillError {
                outcome.notices.append("the loaded database could not be counted: \(error.description)")
            }
            if load.loaded { afterLoad?(cluster, database) }
        }
        outcome.findings += imageFindings(load.extensions)
        outcome.findings += shimFindings(load)
        outcome.summary = summary
        return outcome
    }

    func loadFindings(_ load: DatabaseLoadResult) -> [Finding] {
        var findings: [Finding] = []
        let cluster = catalog.content.format == .cluster
        if let refusal = load.refusal {
            findings.append(Finding(
                code: .unsafeDumpCommand, severity: .critical, count: 1,
                message: "The dump holds something psql would run outside the database, at line \(refusal.line): \(refusal.reason). The load stopped before it\(cluster ? "" : " and rolled back").",
                examples: ["line \(refusal.line): \(refusal.excerpt.isEmpty ? refusal.reason : refusal.excerpt)"],
                immichWill: "Run it on restore day: Immich's documented restore feeds the whole file to psql in the database container, as its superuser.",
                remedy: "Do not restore this file. Find out what wrote it (pg_dump writes no such line); take another dump, and check who can write to the backups folder."))
            return findings
        }
        guard !load.loaded, !load.incomplete || !load.errors.isEmpty else { return findings }
        let first = load.errors.first
        var examples: [String] = load.errors.prefix(5).map { e in
            var where_ = e.line.map { "line \($0)" } ?? "psql"
            if let table = e.table { where_ += " (table \(table)\(e.dataLine.map { ", row at line \($0)" } ?? ""))" }
            return "\(where_): \(e.message)" + (e.context.isEmpty ? "" : " — " + e.context.prefix(2).joined(separator: " "))
        }
        if examples.isEmpty { examples = ["psql exited \(load.status) with no error message"] }
        let whereText = first.flatMap { e in e.dataLine ?? e.line }.map { " at line \($0)" } ?? ""
        findings.append(Finding(
            code: .databaseRestoreFailed, severity: .critical, count: max(1, load.errors.count),
            message: "The dump did not load with Immich's documented restore\(whereText)\(first?.table.map { ", loading table \($0)" } ?? ""): \(first?.message ?? "psql exited \(load.status)").\(load.versionNote.map { " Note: \($0)." } ?? "")",
            examples: examples,
            immichWill: cluster
                ? "Come back without what follows the error: the ≤v2.4 restore (psql --dbname=postgres) runs without a transaction, so the tables after it are missing or empty."
                : "Come back with nothing from this dump: the v2.5+ restore runs in a single transaction, so this error rolls the whole load back.",
            remedy: "Restore from another dump and find out why this one does not load (a dump from a newer PostgreSQL, a damaged or edited file, an extension the database image lacks)."))
        return findings
    }

    func checkFindings(_ checks: [CountCheck], facts: StartupFacts, incomplete: Bool) -> [Finding] {
        var findings: [Finding] = []
        let differ = checks.filter { !$0.agrees }
        if !differ.isEmpty, !incomplete {
            findings.append(Finding(
                code: .catalogMismatch, severity: .critical, count: differ.count,
                message: "The dump's stream reading and PostgreSQL count \(differ.count) of \(checks.count) things differently: one of the two readings is wrong, so this drill's verdict cannot be trusted.",
                examples: differ.map { "\($0.what) (\($0.table)): catalog \($0.catalog), PostgreSQL \($0.database)" },
                immichWill: "See what PostgreSQL holds; the drill checked what the catalog read.",
                remedy: "Report it with the dump's schema (pg_dump --schema-only) to immich-drill; until then trust the PostgreSQL numbers."))
        }
        if let admins = facts.admins, admins == 0 {
            findings.append(Finding(
                code: .restoredDatabaseCheck, severity: .critical, count: 1,
                message: "The loaded database has no admin user (no live user with isAdmin).",
                immichWill: "End a v2.5+ restore with \"Server health check failed, no admin exists.\" and roll it back; older releases start with no one able to administer them.",
                remedy: "Restore a dump taken while an admin existed, or after the restore make a user admin with `immich-admin` (docker exec immich_server immich-admin make-admin)."))
        }
        if let saved = facts.mediaLocation, Paths.normalize(saved) != Paths.normalize(deployment.mediaLocation.containerPath) {
            findings.append(Finding(
                code: .restoredDatabaseCheck, severity: .warning, count: 1,
                message: "The loaded database saved media location \(saved), but the deployment's is \(deployment.mediaLocation.containerPath).",
                examples: ["system_metadata MediaLocation: \(saved)", "deployment: \(deployment.mediaLocation.containerPath) (\(deployment.mediaLocation.reason))"],
                immichWill: "Treat the stored paths as belonging to another media location at startup (v1.137+ rewrites or refuses them).",
                remedy: "Mount UPLOAD_LOCATION at \(saved) (or set IMMICH_MEDIA_LOCATION) for the restore, as the database expects."))
        }
        if let newest = facts.newestVersion, let named = catalog.identity.immichVersion,
           newest.trimmingCharacters(in: CharacterSet(charactersIn: "v")) != named.trimmingCharacters(in: CharacterSet(charactersIn: "v")) {
            findings.append(Finding(
                code: .restoredDatabaseCheck, severity: .warning, count: 1,
                message: "The dump's name says Immich v\(named) wrote it, but its newest version_history row is \(newest).",
                examples: [(catalog.identity.file as NSString).lastPathComponent],
                immichWill: "Run the migrations from \(newest) on startup; restoring into v\(named) picks the wrong starting point if the name is wrong.",
                remedy: "Check which release wrote this dump (a renamed or hand-made file?) and restore it into that release."))
        }
        return findings
    }

    /// The vector extensions this PostgreSQL lacks, stood in for.
    func shimFindings(_ load: DatabaseLoadResult) -> [Finding] {
        let missing = load.missingExtensions.filter(DumpLoadScreen.shimmable.contains)
        guard !missing.isEmpty else { return [] }
        let embeddings = ["smart_search", "face_search"].compactMap { t in load.rowsByTable[t].map { "\(t): \($0) rows" } }
        return [Finding(
            code: .extensionShimmed, severity: .info, count: missing.count,
            message: "This machine's PostgreSQL lacks \(missing.joined(separator: ", ")): the load stood in for them (not created, their indexes skipped, vector columns as text), so everything else was loaded and checked.",
            examples: load.shims.filter { !$0.hasPrefix("search_path") && !$0.hasPrefix("locale") } + embeddings,
            immichWill: "Need them on restore day: with the database image of the Compose file (see database-image-extensions) the dump loads as it is; smart search and face recognition need their vector indexes rebuilt, which Immich does at startup (REINDEX after a VectorChord upgrade).",
            remedy: "Nothing for the backup. To drill the extensions too, set database-restore: docker (the deployment's own database image).")]
    }

    /// The dump's vector extensions against what the deployment's database image provides.
    func imageFindings(_ extensions: [String]) -> [Finding] {
        let needs = extensions.filter(DumpLoadScreen.shimmable.contains)
        guard !needs.isEmpty,
              let service = deployment.services.first(where: { $0.role == .database }), let imageName = service.image,
              let image = DatabaseImage(imageName) else { return [] }
        var findings: [Finding] = []
        let missing = needs.filter { image.extensions[$0] == nil }
        if !missing.isEmpty {
            findings.append(Finding(
                code: .databaseImageExtensions, severity: .critical, count: missing.count,
                message: "The dump creates \(missing.joined(separator: ", ")), which the database image \(imageName) does not provide.",
                examples: missing.map { "\($0): needed by the dump; \(imageName) has \(image.extensions.keys.sorted().joined(separator: ", ").isEmpty ? "no vector extension" : image.extensions.keys.sorted().joined(separator: ", "))" },
                immichWill: "Fail the restore at the first CREATE EXTENSION (\"could not open extension control file\"), or at the first embedding column (\"could not access file $libdir/vectors\").",
                remedy: "Use the database image the dump was made with (see Immich's docker-compose.yml of that release), or migrate the extension on the old install before the backup."))
        }
        let version = deployment.immichVersion ?? ""
        if version.hasPrefix("v3") || version.hasPrefix("3") {
            var out = image.outsideV3
            if needs.contains("vectors") { out.append("the dump uses pgvecto.rs (vectors), which Immich v3 no longer supports") }
            if !out.isEmpty {
                findings.append(Finding(
                    code: .databaseImageExtensions, severity: .critical, count: out.count,
                    message: "The database image \(imageName) and the dump do not fit Immich \(version).",
                    examples: out,
                    immichWill: "Refuse to start: \"no supported extension is installed\" or an unsupported extension version.",
                    remedy: "Use an image with VectorChord ≥0.3 <2.0 and pgvector ≥0.7 <0.9 (ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0 is v3.1's default); move off pgvecto.rs on a v1.133+–v2.x release first."))
            }
        }
        return findings
    }
}
