// The pre-upgrade checklist (`preflight`): before `docker compose pull`, is there a way back? Each item passes,
// warns or fails with its reason and, when not passing, what to do. It reads what `plan` reads (without the live
// walk) plus the history's last drill, and, with `--to`, Immich's upgrade-path rule (IMMICH.md §3.1, §8) and the
// PostgreSQL range the target release supports (§2).

import DrillReport
import Foundation

/// One line of the pre-upgrade checklist: what was checked, pass / warn / fail, and what to do.
package struct ChecklistItem: Sendable, Codable, Equatable {
    /// How the item came out; the worst item decides the checklist.
    package enum Status: String, Sendable, Codable, Comparable {
        case pass, warn, fail
        var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// A stable id: `dump-fresh`, `rpo`, `folders`, `external`, `last-drill`, `version-pinned`, `dump-room`,
    /// `upgrade-path`, `postgres`.
    public var id: String
    package var title: String
    public var status: Status
    public var reason: String
    package var remedy: String?
}

/// The last drill of the plan, as the history has it.
public struct LastDrill: Sendable, Codable, Equatable {
    public var runId: Int64?
    public var startedAt: Double
    public var verdict: String
    public var exitCode: Int32

    public init(runId: Int64?, startedAt: Double, verdict: String, exitCode: Int32) {
        self.runId = runId
        self.startedAt = startedAt
        self.verdict = verdict
        self.exitCode = exitCode
    }
}

/// What `preflight` checks against: the target release, the freshest dump and drill it accepts, the last drill.
public struct PreflightOptions: Sendable {
    /// The newest complete dump must be younger than this.
    public var maxDumpAge = 24 * 3600
    /// The last drill must be younger than this.
    public var maxDrillAge = 8 * 24 * 3600
    /// The release the upgrade goes to.
    public var to: ImmichVersion?
    /// The plan's newest drill from the history, when there is one.
    public var lastDrill: LastDrill?
    public var now = Date().timeIntervalSince1970
    /// Free bytes where the pre-upgrade dump goes (nil: measure the backups folder).
    package var freeBytes: Int64?

    public init() {}
}

/// The checklist as `preflight` prints and stores it.
package struct PreflightReport: Sendable, Codable {
    package var schema = "immich-drill/preflight/v1"
    public var plan: String
    public var planFile: String
    package var checkedAt: Double
    /// The release running now (the pinned IMMICH_VERSION, else the newest dump's), and the target.
    public var from: String?
    public var to: String?
    package var items: [ChecklistItem]
    /// `ok`, `warning` or `critical`.
    public var verdict: String
    public var exitCode: Int32

    /// The checklist; its verdict and exit code (stored, as JSON shows them) are its outcome's.
    init(plan: String, planFile: String, checkedAt: Double, from: String?, to: String?, items: [ChecklistItem]) {
        self.plan = plan
        self.planFile = planFile
        self.checkedAt = checkedAt
        self.from = from
        self.to = to
        self.items = items
        verdict = ""
        exitCode = 0
        verdict = outcome.verdict.rawValue
        exitCode = outcome.exitStatus.rawValue
    }

    /// What the checklist came to: its worst item (a failed item is critical, a warned one a warning).
    public var outcome: Outcome {
        let worst = items.map(\.status).max() ?? .pass
        return .judged(worst: worst == .fail ? .critical : worst == .warn ? .warning : nil)
    }
}

/// The pre-upgrade checklist: fresh complete dump, recent drill, covered sources, markers, the upgrade path and the database image.
public enum Preflight {
    /// Immich's TypeORM → Kysely cut-over (IMMICH.md §3.1): a database older than v1.132.0 must boot once on
    /// v1.132.0–v1.136.x before v1.137.0 or later.
    static let kyselyFirst = ImmichVersion(1, 132, 0)
    static let typeormGone = ImmichVersion(1, 137, 0)
    static let recommendedStep = "v1.132.3"

    package static func check(plan: DrillPlan, analysis: PlanAnalysis, options: PreflightOptions) -> PreflightReport {
        let deployment = analysis.deployment
        let inputs = PreflightInputs(plan: plan, analysis: analysis, options: options)
        var items = [inputs.dumpFresh(), inputs.rpo(), inputs.folders(), inputs.externalFolders(), inputs.lastDrill(),
                     inputs.versionPinned(), inputs.dumpRoom()]

        // With --to: the upgrade path and PostgreSQL.
        let dumpVersion = analysis.catalog?.immichVersion.flatMap(ImmichVersion.init)
        let from = deployment.versionPinned ? deployment.version ?? dumpVersion : dumpVersion ?? deployment.version
        if let to = options.to {
            items.append(upgradePath(from: from, to: to))
            items.append(postgres(analysis: analysis, to: to))
            if to >= ImmichVersion(3, 0, 0) { items.append(vectorExtension(analysis: analysis, to: to)) }
        }

        return PreflightReport(plan: plan.name, planFile: plan.file, checkedAt: options.now, from: from?.description,
                               to: options.to?.description, items: items)
    }

    static func upgradePath(from: ImmichVersion?, to: ImmichVersion) -> ChecklistItem {
        let title = "The upgrade path to \(to) is allowed"
        guard let from else {
            return .init(id: "upgrade-path", title: title, status: .warn,
                         reason: "the running release is unknown (IMMICH_VERSION is not pinned and no dump names it)",
                         remedy: "Find the running release (Administration → Server info) and pin it in .env.")
        }
        if to < from {
            return .init(id: "upgrade-path", title: title, status: .fail, reason: "\(to) is older than \(from): Immich does not migrate a database back",
                         remedy: "To go back, restore the dump taken before the upgrade into \(to), as `walkthrough` shows.")
        }
        if from < kyselyFirst, to >= typeormGone {
            return .init(id: "upgrade-path", title: title, status: .fail,
                         reason: "\(from) → \(to) skips the TypeORM → Kysely step: v1.137.0 and later refuse a database that never ran v1.132–v1.136 (\"Invalid upgrade path\")",
                         remedy: "Upgrade to \(recommendedStep) first, start it once so its migrations run, take a dump, then go on to \(to).")
        }
        if to == from {
            return .init(id: "upgrade-path", title: title, status: .pass, reason: "already on \(from): nothing to migrate")
        }
        var reason = "\(from) → \(to)"
        if from < ImmichVersion.dataMediaLocation, to >= ImmichVersion.dataMediaLocation {
            reason += "; the new compose file mounts UPLOAD_LOCATION at /data, and Immich moves its stored paths on the first start (keep the old mount line or let it migrate)"
        }
        if from < ImmichVersion(2, 5, 0), to >= ImmichVersion(2, 5, 0) {
            reason += "; from v2.5.0 Immich's dumps are pg_dump (one database), restored with `psql --dbname=<DB> --single-transaction`"
        }
        return .init(id: "upgrade-path", title: title, status: .pass, reason: reason)
    }

    /// PostgreSQL: the dump's server major against the range the target supports for its backups (≥14, <18 before
    /// v2.2.0, <19 from it) and against the database image the deployment runs.
    static func postgres(analysis: PlanAnalysis, to: ImmichVersion) -> ChecklistItem {
        let title = "PostgreSQL fits \(to)"
        let dumpPG = analysis.catalog?.content.postgresVersion ?? analysis.catalog?.identity.postgresVersion
        let dumpMajor = dumpPG.flatMap { Int($0.split(separator: ".").first ?? "") }
        let image = analysis.deployment.services.first { $0.role == .database }?.image
            .map { $0.split(separator: "@").first.map(String.init) ?? $0 }
        let imageMajor = image.flatMap { DatabaseImage($0)?.postgresMajor ?? postgresMajor(image: $0) }
        let ceiling = to >= ImmichVersion(2, 2, 0) ? 18 : 17
        guard let major = dumpMajor ?? imageMajor else {
            return .init(id: "postgres", title: title, status: .warn,
                         reason: "neither the dump nor the database image says which PostgreSQL runs",
                         remedy: "Check with `docker exec immich_postgres psql --version`.")
        }
        var reason = (dumpPG.map { "the dump is from PostgreSQL \($0), " } ?? "no dump read, ")
            + "the database image \(image ?? "?") runs \(imageMajor.map(String.init) ?? "?"); \(to) supports 14–\(ceiling)"
        if major < 14 || major > ceiling {
            return .init(id: "postgres", title: title, status: .fail, reason: reason,
                         remedy: major < 14 ? "Upgrade PostgreSQL to 14 or later first (Immich's minimum)."
                             : "\(to)'s backups stop with \"Unsupported PostgreSQL version\": choose a target from v2.2.0 on, or stay on PostgreSQL \(ceiling).")
        }
        if let imageMajor, let dumpMajor, imageMajor < dumpMajor {
            return .init(id: "postgres", title: title, status: .fail, reason: reason + "; a dump loads into the same or a newer major, not an older one",
                         remedy: "Keep the database image on PostgreSQL \(dumpMajor) (or newer).")
        }
        if let imageMajor, let dumpMajor, imageMajor != dumpMajor {
            reason += "; the dump will load into a newer major (fine), but test it with a drill"
            return .init(id: "postgres", title: title, status: .warn, reason: reason, remedy: "Run a drill with the real restore.")
        }
        return .init(id: "postgres", title: title, status: .pass, reason: reason)
    }

    /// Immich v3's vector gate (IMMICH.md §10): no pgvecto.rs in the dump, and VectorChord ≥0.3 <2.0 with pgvector
    /// ≥0.7 <0.9 in the database image (read from its tag).
    static func vectorExtension(analysis: PlanAnalysis, to: ImmichVersion) -> ChecklistItem {
        let title = "The vector extensions fit \(to)"
        let extensions = analysis.catalog?.content.extensions ?? []
        if extensions.contains("vectors") {
            return .init(id: "vector-extension", title: title, status: .fail,
                         reason: "the dump still uses pgvecto.rs (CREATE EXTENSION vectors): \(to) refuses to start without a supported extension, and its vectors.vector columns fail with \"could not access file $libdir/vectors\"",
                         remedy: "Move to VectorChord first on a v1.133+–v2.x release (Immich's compose of that release with the vectorchord image, DB_VECTOR_EXTENSION unset), start it once, take a new dump, then upgrade.")
        }
        guard let imageName = analysis.deployment.services.first(where: { $0.role == .database })?.image,
              let image = DatabaseImage(imageName) else {
            return .init(id: "vector-extension", title: title, status: .warn,
                         reason: "the database image's vector extensions cannot be read from its name",
                         remedy: "Check that it provides vchord ≥0.3 <2.0 and pgvector ≥0.7 <0.9 (`docker exec immich_postgres psql -c '\\dx'`).")
        }
        // A needed extension the tag does not name, or names in a version v3 refuses; present without a version is
        // said, not judged.
        let accepted = DatabaseImage.v3Accepted.map(\.name)
        let problems = accepted.filter { image.extensions[$0] == nil }.map { "\($0) is not in \(imageName)" } + image.outsideV3
        let unknown = accepted.filter { image.extensions[$0] == "" }
        if !problems.isEmpty {
            return .init(id: "vector-extension", title: title, status: .fail, reason: problems.joined(separator: "; "),
                         remedy: "Use a database image with VectorChord ≥0.3 <2.0 and pgvector ≥0.7 <0.9 (ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0 is v3.1's default), and REINDEX the vector indexes after changing VectorChord's version.")
        }
        let seen = accepted.filter { !unknown.contains($0) }.map { "\($0) \(image.extensions[$0]!)" }
        let reason = (seen.isEmpty ? "" : seen.joined(separator: ", ") + " in \(imageName)")
            + (unknown.isEmpty ? "" : (seen.isEmpty ? "" : "; ") + "\(unknown.joined(separator: ", ")) present, version not in the tag")
        return .init(id: "vector-extension", title: title, status: .pass, reason: reason + "; the dump has no pgvecto.rs")
    }

    /// The PostgreSQL major an image tag names: `pg14-v0.2.0`, `14-vectorchord0.4.3-pgvectors0.2.0`, `postgres:16`.
    /// The PostgreSQL major of an image the drill does not know by name (`registry/custom-postgres:16.4`); the
    /// images it knows are read by `DatabaseImage` (`pgvector/pgvector:0.8.0-pg16` is 16, not 0).
    package static func postgresMajor(image: String) -> Int? {
        guard let tag = ImageReference(image).tag else { return nil }
        var t = Substring(tag)
        if t.hasPrefix("pg") { t = t.dropFirst(2) }
        let digits = t.prefix { $0.isNumber }
        guard let major = Int(digits), (9...40).contains(major) else { return nil }
        return major
    }
}

extension PreflightReport {
    /// The checklist as text, JSON or Markdown.
    public func render(_ format: OutputFormat, color: Bool = false) -> String {
        switch format {
        case .json: return ReportJSON.encode(self)
        case .text:
            var out = ["Preflight \(plan)" + (to.map { ": \(from ?? "?") → \($0)" } ?? "") + " — " + verdict.uppercased() + " (exit \(exitCode))", ""]
            for item in items {
                var mark = item.status.rawValue.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0)
                if color { mark = (item.status == .pass ? Paint.pass : item.status == .warn ? .caution : .failure).paint(mark) }
                out.append("  [\(mark)] \(item.title)")
                out.append("         \(item.reason)")
                if let remedy = item.remedy { out.append("         → \(remedy)") }
            }
            return out.joined(separator: "\n") + "\n"
        case .markdown:
            var out = ["# Preflight `\(plan)`: \(verdict.uppercased())", ""]
            if let to { out.append("Upgrade \(from ?? "?") → \(to)"); out.append("") }
            let rows = items.map { [$0.status.rawValue.uppercased(), $0.title, $0.reason, $0.remedy ?? ""] }
            out.append(TextTable(headers: ["Status", "Check", "Why", "What to do"], rows: rows).markdown())
            return out.joined(separator: "\n") + "\n"
        }
    }
}

/// What every checklist item reads; one function per item below, each returning its line of the checklist.
struct PreflightInputs {
    let plan: DrillPlan
    let analysis: PlanAnalysis
    let options: PreflightOptions
    var deployment: Deployment { analysis.deployment }
    var now: Double { options.now }
    /// The database source's dumps, and the first folder the plan looks for them in.
    let dumps: DiscoveredSource?
    let backupsFolder: String?

    init(plan: DrillPlan, analysis: PlanAnalysis, options: PreflightOptions) {
        self.plan = plan
        self.analysis = analysis
        self.options = options
        dumps = analysis.discovered.first { $0.planned.id == .database }
        if case .dumps(let folders)? = dumps?.planned.location { backupsFolder = folders.first } else { backupsFolder = nil }
    }

    func age(_ seconds: Double) -> String { DurationText.format(seconds: max(0, Int(seconds / 60) * 60)) }

    /// A complete dump, fresh enough.
    func dumpFresh() -> ChecklistItem {
        let limit = DurationText.format(seconds: options.maxDumpAge)
        if let catalog = analysis.catalog, let path = analysis.catalogDump,
           let time = dumps?.usable.first(where: { $0.location == path })?.time {
            let name = (path as NSString).lastPathComponent
            let newer = (dumps?.usable ?? []).filter { ($0.time ?? 0) > time }.count
            let note = newer > 0 ? "; \(newer) newer dump(s) do not read to their end" : ""
            if now - time <= Double(options.maxDumpAge) {
                return .init(id: "dump-fresh", title: "A complete dump newer than \(limit)", status: .pass,
                             reason: "\(name), \(age(now - time)) old, reads to its end (\(catalog.counts.assets) assets)\(note)")
            } else {
                return .init(id: "dump-fresh", title: "A complete dump newer than \(limit)", status: .fail,
                             reason: "the newest complete dump, \(name), is \(age(now - time)) old\(note)",
                             remedy: "Run Immich's backup job now (Administration → Jobs → Create database backup) or `docker exec -t \(deployment.database.container ?? "immich_postgres") pg_dump…` (see `walkthrough`), then check again.")
            }
        } else {
            let found = dumps?.snapshots.count ?? 0
            return .init(id: "dump-fresh", title: "A complete dump newer than \(limit)", status: .fail,
                         reason: found == 0 ? "no dump found where the plan looks (\(backupsFolder ?? "UPLOAD_LOCATION/backups"))"
                             : "none of the \(found) newest dumps reads to its end",
                         remedy: "Turn on Immich's database backups (Administration → Settings → Backup) or fix the plan's `database` source, then run the backup job.")
        }
    }

    /// The newest restore point within the RPO target.
    func rpo() -> ChecklistItem {
        let rpoTarget = plan.targets.rpo.seconds
        if let newest = analysis.restorePoints.max(by: { $0.dumpTime < $1.dumpTime }) {
            var reason = "restore point \(newest.id): RPO \(DurationText.format(seconds: (newest.rpoSeconds / 60) * 60)), target \(DurationText.format(seconds: rpoTarget))"
            if !newest.missing.isEmpty { reason += "; no snapshot of " + newest.missing.joined(separator: ", ") }
            if newest.skewExceeded { reason += "; skew \(DurationText.format(seconds: (newest.skewSeconds / 60) * 60)) beyond max-skew" }
            let status: ChecklistItem.Status = newest.rpoSeconds > rpoTarget || !newest.complete ? .fail : newest.skewExceeded ? .warn : .pass
            return .init(id: "rpo", title: "The newest restore point is within the RPO target", status: status, reason: reason,
                         remedy: status == .pass ? nil : "Run the file backups after the next dump so a complete point exists (see `immich-drill plan`).")
        } else {
            return .init(id: "rpo", title: "The newest restore point is within the RPO target", status: .fail,
                         reason: "no restore point: no usable dump", remedy: "See `immich-drill plan` for what is missing.")
        }
    }

    /// The six UPLOAD_LOCATION folders, each with its marker.
    func folders() -> ChecklistItem {
        var missingRequired: [String] = []
        var missingMarkers: [String] = []
        var regenerable: [String] = []
        // Unknown is never PASS: a snapshot that cannot be listed without restoring it (a backup tool's, with no
        // `files:` command) leaves its folders and markers not checked, and says so.
        var unchecked: [String] = []
        for row in analysis.coverage where row.source.sourceID?.uploadFolder != nil {
            let folder = String(row.source.dropFirst("upload/".count))
            // A folder whose marker the dump's mount checks demand stops Immich's start when it is missing.
            let demanded = analysis.catalog?.mountChecks[folder] == true
            if row.snapshots == 0 || row.inNewest == false {
                if row.required || demanded { missingRequired.append(folder) } else { regenerable.append(folder) }
            } else if row.markerInNewest == false {
                missingMarkers.append(folder)
            } else if row.inNewest == nil || row.markerInNewest == nil {
                unchecked.append(folder + (row.kind.map { " (\($0) snapshot)" } ?? ""))
            }
        }
        let foldersTitle = "Every UPLOAD_LOCATION folder is backed up with its .immich marker"
        if !missingRequired.isEmpty || !missingMarkers.isEmpty {
            var parts: [String] = []
            if !missingRequired.isEmpty { parts.append("not in the newest snapshot (nor their markers): " + missingRequired.joined(separator: ", ")) }
            if !missingMarkers.isEmpty { parts.append("without .immich: " + missingMarkers.joined(separator: ", ")) }
            return .init(id: "folders", title: foldersTitle, status: .fail, reason: parts.joined(separator: "; "),
                         remedy: "Back up all of UPLOAD_LOCATION, markers included; Immich refuses to start when a folder's .immich is missing after a restore.")
        } else if !unchecked.isEmpty {
            return .init(id: "folders", title: foldersTitle, status: .warn,
                         reason: "not checked: the newest snapshot cannot be listed without restoring it: " + unchecked.joined(separator: ", "),
                         remedy: "Add a `files:` command to the source (restic ls --json {id}, borg list --format '{path}{NL}' ::{id}; see drills/) so plan and preflight can see inside it, or run `immich-drill run`, which restores it.")
        } else if !regenerable.isEmpty {
            return .init(id: "folders", title: foldersTitle, status: .warn,
                         reason: "left out (regenerable): " + regenerable.joined(separator: ", "),
                         remedy: "Back them up, or at least their .immich markers; otherwise a restore must recreate the markers and rerun the thumbnail and transcode jobs.")
        } else {
            let count = analysis.coverage.filter { $0.source.sourceID?.uploadFolder != nil }.count
            return .init(id: "folders", title: foldersTitle, status: .pass,
                         reason: "\(count) folders in the newest snapshot, each with its marker")
        }
    }

    /// Every external-library import path.
    func externalFolders() -> ChecklistItem {
        let externals = analysis.coverage.filter { $0.source.sourceID?.externalPath != nil }
        let uncovered = externals.filter { $0.required && $0.snapshots == 0 }.compactMap { $0.source.sourceID?.externalPath }
        if externals.isEmpty {
            return .init(id: "external", title: "Every external-library folder is backed up", status: .pass,
                         reason: "no external libraries")
        } else if uncovered.isEmpty {
            return .init(id: "external", title: "Every external-library folder is backed up", status: .pass,
                         reason: "\(externals.count) import path(s), each with a snapshot")
        } else {
            return .init(id: "external", title: "Every external-library folder is backed up", status: .fail,
                         reason: "no snapshot of " + uncovered.joined(separator: ", "),
                         remedy: "Back these folders up (or add where their backups are to the plan's `sources:`); a restore without them leaves every asset in them offline.")
        }
    }

    /// The last drill.
    func lastDrill() -> ChecklistItem {
        let drillTitle = "The last drill passed, recently"
        if let last = options.lastDrill {
            let ago = now - last.startedAt
            let run = last.runId.map { "run #\($0)" } ?? "the last run"
            let reason = "\(run), \(age(ago)) ago: \(last.verdict.uppercased()) (exit \(last.exitCode))"
            if last.exitCode >= 2 {
                return .init(id: "last-drill", title: drillTitle, status: .fail, reason: reason,
                             remedy: "See `immich-drill report \(last.runId.map(String.init) ?? "RUN-ID") --plan-file \(Subprocess.shellQuote(plan.file))`, fix what it found, and drill again before upgrading.")
            } else if last.exitCode == 1 || ago > Double(options.maxDrillAge) {
                return .init(id: "last-drill", title: drillTitle, status: .warn,
                             reason: reason + (ago > Double(options.maxDrillAge) ? "; older than \(DurationText.format(seconds: options.maxDrillAge))" : ""),
                             remedy: "Drill now: `immich-drill run \(Subprocess.shellQuote(plan.file))`.")
            } else {
                return .init(id: "last-drill", title: drillTitle, status: .pass, reason: reason)
            }
        } else {
            return .init(id: "last-drill", title: drillTitle, status: .warn, reason: "no drill of this plan in the history",
                         remedy: "Drill now: `immich-drill run \(Subprocess.shellQuote(plan.file))`.")
        }
    }

    /// A pinned version, so the upgrade goes where it is meant to and can be undone.
    func versionPinned() -> ChecklistItem {
        let raw = deployment.serverEnvironment["IMMICH_VERSION"] ?? deployment.immichVersion ?? "release"
        if deployment.versionPinned {
            return .init(id: "version-pinned", title: "IMMICH_VERSION is pinned", status: .pass,
                         reason: "IMMICH_VERSION=\(deployment.immichVersion ?? raw)")
        } else {
            return .init(id: "version-pinned", title: "IMMICH_VERSION is pinned", status: .warn,
                         reason: "the server image follows `\(raw)`: `docker compose pull` takes whatever is newest, and the way back is unknown",
                         remedy: "Set IMMICH_VERSION in .env to the release you run now" + ((analysis.catalog?.immichVersion ?? deployment.version?.description).map { " (\($0.hasPrefix("v") ? $0 : "v" + $0), as the newest dump says)" } ?? "") + ", then to the target when you upgrade.")
        }
    }

    /// Room for the pre-upgrade dump.
    func dumpRoom() -> ChecklistItem {
        let newestBytes = dumps?.usable.first?.bytes ?? 0
        let free = options.freeBytes ?? backupsFolder.flatMap(FileProbe.freeBytes(at:))
        let needed = Int64(Double(newestBytes) * 1.5) + 64 << 20
        if let free {
            let text = "\(ByteText.format(free)) free at \(backupsFolder ?? "the backups folder"); "
                + (newestBytes > 0 ? "the newest dump is \(ByteText.format(newestBytes))" : "no dump yet to size it by")
            return .init(id: "dump-room", title: "Room for the pre-upgrade dump", status: free >= needed ? .pass : .fail,
                         reason: text, remedy: free >= needed ? nil : "Free at least \(ByteText.format(needed - free)) there before the upgrade: the dump taken before it is the way back.")
        } else {
            return .init(id: "dump-room", title: "Room for the pre-upgrade dump", status: .warn,
                         reason: "the backups folder cannot be reached from here", remedy: "Check free space where Immich writes its dumps (UPLOAD_LOCATION/backups).")
        }
    }
}
