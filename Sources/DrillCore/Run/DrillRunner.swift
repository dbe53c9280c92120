// `run`: the drill. The plan's analysis picks a restore point; its dump is read into the catalog (timed), each file
// snapshot is restored into scratch (timed, hashed as written), every database reference is checked against what
// came back, and the phases Immich still needs are estimated at stated rates. RTO and RPO are compared with the
// plan's targets; the findings decide the verdict and the exit code. Scratch is removed afterwards, also when a
// signal stops the drill.

import DrillReport
import Foundation

/// How a drill runs: verification depth and seed, in place or into scratch, which restore point, progress.
public struct RunOptions: Sendable {
    /// How much of what is restored is written and hashed (`--verify`).
    public var verify: VerifyDepth = .full
    /// The sample's seed; the drill's time when nil, so a run can be repeated exactly.
    public var seed: UInt64?
    /// Verify snapshot folders where they lie instead of copying them into scratch.
    public var inPlace = false
    /// Leave the restored files in scratch after the drill (never after a signal).
    public var keepScratch = false
    /// Which restore point: `latest`, a point's id, or a time (the newest point whose dump is at or before it).
    public var restorePoint = "latest"
    /// The drill's "now": ages and the RPO are measured from it.
    public var now = Date().timeIntervalSince1970
    /// Called with a line of progress for long phases (the CLI shows it on a terminal).
    public var progress: (@Sendable (String) -> Void)?
    /// A bar redrawn on the long phases (each restore, the verification); nil off a terminal.
    package var bar: ProgressBar?
    /// How the dump is loaded (`--database-restore`); nil keeps the plan's `database-restore`.
    public var databaseRestore: DatabaseRestoreMode?
    /// Load a dump that is cut short, to see how far it gets (`--load-incomplete`).
    public var loadIncomplete = false
    /// Plan where the missing and moved originals went (`Relinker`) and prove the SQL on the loaded database.
    public var relink = false
    /// Where to write the relink SQL (default: into scratch, removed with it).
    public var relinkSQL: String?
    /// Where PostgreSQL installs are looked for (tests point it elsewhere).
    package var postgresRoots = ["/usr/lib/postgresql"]
    package var postgresPath = ProcessInfo.processInfo.environment["PATH"]

    public init() {}
}

/// One drill of a plan: its steps in order, into a report with findings, timings, RTO and RPO.
package struct DrillRunner {
    public var plan: DrillPlan
    public var deployment: Deployment
    public var options: RunOptions

    package init(plan: DrillPlan, deployment: Deployment, options: RunOptions) {
        self.plan = plan
        self.deployment = deployment
        self.options = options
    }

    func say(_ text: String) { options.progress?(text) }

    /// The steps of a drill, in the order they run (`allCases`). A new phase (the database load) is one more case
    /// here and one function below; `perform` has no default, so the compiler asks for it.
    enum Step: CaseIterable {
        /// The restore point's dump into the catalog, timed.
        case readDump
        /// What to restore, the verification sample, and a scratch folder checked against every source and backup.
        case prepare
        /// Each file source from its snapshot into scratch, timed and hashed.
        case restore
        /// Every database reference against what came back (before the load, so a relink plan can be proven in it).
        case verify
        /// The dump into a throwaway PostgreSQL with the era's documented command, timed, counted against the catalog.
        case loadDatabase
        /// What Immich still has to do after the restore, at the plan's stated rates; RTO and RPO against targets.
        case estimate
    }

    /// What the steps of one drill share, filled in as they run.
    struct State {
        let analysis: PlanAnalysis
        let point: RestorePoint
        var report: RunReport
        var findings: [Finding]
        /// Set by `readDump`.
        var catalog: Catalog?
        /// Set by `prepare`.
        var jobs: [RestoreJob] = []
        var sample: Set<Int32>?
        var samplePaths: Set<String>?
        var scratch: Scratch?
        /// Filled by `restore`.
        let index = RestoreIndex()
        var failures: [String] = []
        var rootless: [(example: String, root: String)] = []
        /// Set by `verify`.
        var stats: VerificationStats?
        /// Set by `verify` with `--relink`; proven by `loadDatabase`.
        var relink: RelinkSummary?
    }

    /// Drills the plan: its steps in order, into one report. A failed restore is a finding in it; only an unreadable
    /// plan, deployment or dump, or scratch that cannot be made, throws.
    public func run() throws -> RunReport {
        let started = Date()
        var planOptions = PlanOptions()
        planOptions.live = false
        planOptions.listFolders = false
        planOptions.now = options.now
        planOptions.restorePoint = options.restorePoint
        say("reading the deployment, the snapshots and the newest dump")
        let analysis = try BackupPlanner(plan: plan, deployment: deployment, options: planOptions).run()
        var report = RunReport(plan: plan, startedAt: started.timeIntervalSince1970, analysis: analysis)
        report.verify.depth = options.verify.description
        // The live findings are plan's; a root not found is judged again on what is restored.
        var findings = analysis.findings.filter { !$0.code.hasSuffix("-live") && $0.code != .sourceRootNotFound }

        guard let point = analysis.selected else {
            findings.append(Finding(
                code: .noRestorePoint, severity: .critical, count: 1,
                message: "There is nothing to drill: no usable database dump was found.",
                immichWill: "Have no database to come back to.",
                remedy: "Check the dump folders in 'sources.database' and that Immich's automatic backups run."))
            return report.finished(findings: findings)
        }

        var state = State(analysis: analysis, point: point, report: report, findings: findings)
        // Scratch goes when the drill ends, however it ends (kept on request, never after a signal).
        defer {
            if let scratch = state.scratch, !options.keepScratch || Cancellation.isCancelled {
                // Minutes at a million assets: the person at the terminal is told what the wait is for.
                if !state.jobs.isEmpty { say("removing the restored files from \(scratch.path)") }
                scratch.remove()
            }
        }
        let traceMemory = ProcessInfo.processInfo.environment["IMMICH_DRILL_TRACE_MEMORY"] != nil
        state.index.presenceOnly = Deployment.foldersWithoutOriginals.map { deployment.mediaLocation.containerPath + "/" + $0 }
        for step in Step.allCases {
            try perform(step, &state)
            // What a step freed (the dump reader's buffers, the sample's population) goes back to the system before
            // the next one grows: on a small NAS the peak is what counts.
            MemoryTrace.release()
            // For the memory measures (scripts/bench, README): the resident set after each step and its peak so far.
            if traceMemory { FileHandle.standardError.write(Data("immich-drill: memory after \(step): \(MemoryTrace.now())\n".utf8)) }
            if state.report.aborted != nil { break }
        }
        if state.report.aborted == nil { state.report.restorePoint = point }
        return state.report.finished(findings: state.findings)
    }

    func perform(_ step: Step, _ state: inout State) throws {
        switch step {
        case .readDump: try readDump(&state)
        case .prepare: try prepare(&state)
        case .restore: try restore(&state)
        case .loadDatabase: try loadDatabase(&state)
        case .verify: verify(&state)
        case .estimate: estimate(&state)
        }
    }

    /// The dump, as its own timed phase (the plan step's read when it read the same dump).
    func readDump(_ state: inout State) throws {
        let point = state.point
        let catalog: Catalog
        if let c = state.analysis.catalog, state.analysis.catalogDump == point.dump.location {
            catalog = c
            state.report.phases.append(Phase(name: Phase.Kind.readDump.rawValue, source: nil,
                                             seconds: state.analysis.catalogSeconds, bytes: c.content.uncompressedBytes,
                                             files: 1, measured: true, assumption: nil))
        } else {
            say("reading the dump \(point.dump.location)")
            let t = Date()
            catalog = try CatalogReader.read(path: point.dump.location, databaseName: deployment.database.name,
                                             timeZone: deployment.timeZone ?? plan.timeZone)
            state.report.phases.append(Phase(name: Phase.Kind.readDump.rawValue, source: nil,
                                             seconds: Date().timeIntervalSince(t), bytes: catalog.content.uncompressedBytes,
                                             files: 1, measured: true, assumption: nil))
            state.findings += catalog.findings.filter { $0.code == .dumpIncomplete }
        }
        state.catalog = catalog
        state.report.catalog = RunReport.CatalogSummary(catalog)
    }

    /// What to restore; the sample (originals under a restored root, stratified by source and owner); scratch,
    /// checked against every source and backup and sized for what is restored.
    func prepare(_ state: inout State) throws {
        guard let catalog = state.catalog else { return }
        let jobs = state.analysis.restoreJobs(point: state.point)
        let verifier0 = Verifier(catalog: catalog, deployment: deployment, index: RestoreIndex(), sample: nil,
                                 absentSources: [], liveStat: { _ in nil })
        let population = DrillRunner.samplePopulation(catalog, verifier: verifier0,
                                                      roots: jobs.map { ($0.containerRoot, $0.source) })
        let seed = options.seed ?? UInt64(options.now)
        let sample = Sampler.choose(population, depth: options.verify, seed: seed)
        state.report.verify.seed = sample == nil ? nil : seed
        state.samplePaths = sample.map { Set($0.map { verifier0.containerPath(catalog.originalPath(catalog.assets[Int($0)])) }) }
        state.sample = sample
        state.jobs = jobs

        var needed: Int64 = 0
        // Snapshot folders are measured by their own walk, just before they are copied (Scratch.ensureSpace).
        for job in jobs where job.snapshot.kind != .directory {
            let total = state.analysis.listings[job.snapshot.listingKey]?.bytes ?? 0
            if let sample, !population.isEmpty {
                needed += Int64(Double(total) * Double(sample.count) / Double(population.count)) + (1 << 20)
            } else {
                needed += total
            }
        }
        let scratch = try Scratch.prepare(root: plan.scratch, protected: protectedPaths(state.analysis), bytesNeeded: needed)
        state.report.scratch = scratch.path + (options.keepScratch ? " (kept)" : " (removed after the drill)")
        state.scratch = scratch
    }

    /// Restore, source by source. A restore that fails is what a drill exists to find: a finding, and the drill goes
    /// on with the other sources and verifies what came back. Only a signal stops it.
    func restore(_ state: inout State) throws {
        guard let scratch = state.scratch else { return }
        var restorer = Restorer(sample: state.samplePaths, inPlace: options.inPlace, planDirectory: Paths.directory(of: plan.file))
        restorer.scratch = scratch
        restorer.progress = options.bar
        defer { options.bar?.end() }
        do {
            for (n, job) in state.jobs.enumerated() {
                if let top = job.rootNotFound {
                    state.rootless.append((SnapshotLister.rootNotFoundExample(job.source, job.snapshot.name, top: top), job.containerRoot))
                    continue
                }
                say("restoring \(job.source) from \(job.snapshot.name)")
                let target = try scratch.folder("\(n + 1)-\(job.source)")
                let began = Date()
                let restored: SourceRestore
                do {
                    restored = try restorer.restore(job, into: target, index: state.index)
                } catch let error as DrillError where !Cancellation.isCancelled {
                    let seconds = Date().timeIntervalSince(began)
                    state.failures.append("\(job.source) from \(job.snapshot.name): \(error.description)")
                    state.report.restores.append(SourceRestore(
                        source: job.source.description, kind: job.snapshot.kind.rawValue, location: job.snapshot.location,
                        totalFiles: 0, totalBytes: 0, restoredFiles: 0, restoredBytes: 0, seconds: seconds,
                        projectedSeconds: nil, projection: nil, inPlace: options.inPlace && job.snapshot.kind == .directory,
                        refused: [], output: error.cause, failed: error.description))
                    state.report.phases.append(Phase(name: Phase.Kind.restore.rawValue, source: job.source.description,
                                                     seconds: seconds, bytes: nil, files: nil, measured: true,
                                                     assumption: "failed after \(DurationText.short(seconds))"))
                    continue
                }
                if let top = restored.rootNotFound {
                    // What the tool restored does not hold the source where it was looked for (the restorer
                    // indexed none of it): its files are not verified, and the finding says what to set.
                    state.rootless.append((SnapshotLister.rootNotFoundExample(job.source, job.snapshot.name, top: top), job.containerRoot))
                }
                state.report.restores.append(restored)
                state.report.phases.append(Phase(name: Phase.Kind.restore.rawValue, source: job.source.description,
                                                 seconds: restored.seconds, bytes: restored.restoredBytes,
                                                 files: restored.restoredFiles, measured: true, assumption: nil))
                if let projected = restored.projectedSeconds {
                    state.report.phases.append(Phase(name: Phase.Kind.restoreProjected.rawValue, source: job.source.description,
                                                     seconds: projected, bytes: restored.totalBytes, files: restored.totalFiles,
                                                     measured: false, assumption: restored.projection))
                }
            }
        } catch let error as DrillError where Cancellation.isCancelled {
            _ = error
            state.report.aborted = "stopped by signal \(Cancellation.signal) during the restore"
        }
    }

    /// The database half: the dump loaded into the drill's own PostgreSQL (or estimated, with a notice saying why).
    func loadDatabase(_ state: inout State) throws {
        guard let catalog = state.catalog, let scratch = state.scratch else { return }
        var restore = DatabaseRestore(mode: options.databaseRestore ?? plan.databaseRestore, catalog: catalog,
                                      deployment: deployment, scratch: scratch.path)
        restore.loadIncomplete = options.loadIncomplete
        restore.roots = options.postgresRoots
        restore.path = options.postgresPath
        let proofBox = ProofBox()
        if let relink = state.relink, !relink.plan.isEmpty, let sql = relink.sqlFile {
            restore.afterLoad = { cluster, database in
                proofBox.result = RelinkProof.prove(relink.plan, sqlFile: sql, cluster: cluster, database: database, catalog: catalog)
            }
        }
        if restore.mode != .skip { say("loading the dump into a scratch PostgreSQL") }
        defer { relinkOutcome(&state, proofBox.result) }
        do {
            let outcome = try restore.run()
            if let phase = outcome.phase { state.report.phases.append(phase) }
            state.report.database = outcome.summary
            state.report.notices = (state.report.notices ?? []) + outcome.notices
            state.findings += outcome.findings
        } catch let error as DrillError where Cancellation.isCancelled {
            _ = error
            state.report.aborted = "stopped by signal \(Cancellation.signal) during the database load"
        }
    }

    /// Every database reference against what came back, and what the restores themselves reported.
    func verify(_ state: inout State) {
        guard let catalog = state.catalog else { return }
        say("checking \(catalog.assets.count) assets against the restored files")
        let live = liveTranslator(catalog)
        var verifier = Verifier(catalog: catalog, deployment: deployment, index: state.index, sample: state.sample,
                                absentSources: state.point.missing, liveStat: { path in
                                    guard let local = live.local(path) else { return nil }
                                    var st = stat()
                                    guard stat(local, &st) == 0 else { return nil }
                                    return (Double(st.st_mtim.tv_sec), Double(st.st_ctim.tv_sec))
                                })
        verifier.unverifiedRoots = state.rootless.map(\.root)
        verifier.progress = options.bar
        defer { options.bar?.end() }
        if !state.rootless.isEmpty { state.findings.append(SnapshotLister.rootNotFound(state.rootless.map(\.example))) }
        let (verifyFindings, stats, relinkPlan) = verifier.run(relink: options.relink)
        state.findings += verifyFindings
        if let relinkPlan, let scratch = state.scratch {
            state.relink = relinkSummary(relinkPlan, catalog: catalog, verifier: verifier, scratch: scratch.path)
        }
        state.stats = stats
        state.report.verify.stats = stats
        state.report.phases.append(Phase(name: Phase.Kind.verify.rawValue, source: nil, seconds: stats.seconds, bytes: nil,
                                         files: stats.assets, measured: true, assumption: nil))
        state.findings += DrillRunner.restoreFindings(failures: state.failures, restores: state.report.restores)
    }

    /// What the restores reported: failed restores, refused entries, names that are not UTF-8.
    static func restoreFindings(failures: [String], restores: [SourceRestore]) -> [Finding] {
        var findings: [Finding] = []
        if !failures.isEmpty {
            findings.append(Finding(
                code: .restoreFailed, severity: .critical, count: failures.count,
                message: "A restore of this restore point failed part-way; what came back was verified, the rest is reported missing.",
                examples: failures,
                immichWill: "Not get these files back on restore day: every original, thumbnail and marker they hold is missing.",
                remedy: "Run the restore by hand (see `walkthrough`) and fix what the error says: the backup tool's repository and password, a damaged archive (take the next snapshot), or an unreadable snapshot folder."))
        }

        let refused = restores.flatMap { r in r.refused.map { "\(r.source): \($0)" } }
        if !refused.isEmpty {
            findings.append(Finding(
                code: .unsafeArchiveEntry, severity: .critical, count: refused.count,
                message: "Archive entries that would write outside the restore folder (absolute paths, '..', links leaving it) were refused.",
                examples: refused,
                immichWill: "Nothing; but a restore with a tool that follows them could overwrite files anywhere on the machine.",
                remedy: "Find out what wrote these entries into the backup; restore with a tool that refuses them (bsdtar without -P, GNU tar's defaults)."))
        }

        let notUTF8 = restores.flatMap { r in (r.namesNotUTF8 ?? []).map { "\(r.source): \($0)" } }
        if !notUTF8.isEmpty {
            findings.append(Finding(
                code: .nameNotUtf8, severity: .info, count: notUTF8.count,
                message: "File names in the snapshot that are not UTF-8 (the bytes that are not are shown as \\xNN); they were restored as stored.",
                examples: Array(notUTF8.prefix(5)),
                immichWill: "Never refer to them: Immich's paths are UTF-8 text, so such a file is at most an untracked file after a scan.",
                remedy: "Rename them to UTF-8 (convmv -f latin1 -t utf8) in the live library if Immich should import them."))
        }
        return findings
    }

    /// What Immich still has to do, at stated rates; then RTO and RPO against the plan's targets.
    func estimate(_ state: inout State) {
        guard let catalog = state.catalog, let stats = state.stats else { return }
        estimate(into: &state.report, catalog: catalog, stats: stats)
        state.findings += targets(&state.report, point: state.point)
    }

    /// The originals a sample is drawn from: not offline, under a restored root; stratified by source and owner.
    static func samplePopulation(_ catalog: Catalog, verifier: Verifier,
                                 roots: [(container: String, source: SourceID)]) -> [(item: Int32, stratum: String)] {
        // Longest root first, each with its stratum's prefix made once (this runs per asset).
        let ordered = roots.map { (container: $0.container, prefix: $0.source.description + "|") }
            .sorted { $0.container.count > $1.container.count }
        var population: [(item: Int32, stratum: String)] = []
        for i in 0..<catalog.assets.count {
            let asset = catalog.assets[i]
            guard !asset.flags.contains(.offline) else { continue }
            let path = verifier.containerPath(catalog.originalPath(asset))
            guard let root = ordered.first(where: { Paths.isWithin(path, $0.container) }) else { continue }
            population.append((Int32(i), root.prefix + String(asset.ownerIndex)))
        }
        return population
    }

    /// Every path a restore must not write into: the sources as this machine sees them, the backups, the Compose folder.
    func protectedPaths(_ analysis: PlanAnalysis) -> [String] {
        var paths = plan.protectedPaths(deployment) + analysis.sources.compactMap(\.drillPath)
        // Dumps and the snapshots whose locations are paths (not a backup tool's ids).
        for source in analysis.discovered {
            paths += source.snapshots.filter { FileSnapshotKinds.of(kind: $0.kind)?.locationsArePaths ?? true }.map(\.location)
        }
        return paths.filter { $0 != "/" }
    }

    /// Where the live files are on this machine, by container path.
    func liveTranslator(_ catalog: Catalog) -> PathTranslator {
        var externals: [(String, String)] = []
        for source in deployment.sources where source.kind == .external {
            if let c = source.containerPath, let d = source.drillPath { externals.append((c, d)) }
        }
        return PathTranslator.forCatalog(nil, mediaContainerPath: deployment.mediaLocation.containerPath,
                                         uploadRoot: deployment.mediaLocation.drillPath, externals: externals)
    }

    func estimate(into report: inout RunReport, catalog: Catalog, stats: VerificationStats) {
        let r = plan.rates
        let sqlMiB = Double(catalog.content.uncompressedBytes) / 1_048_576
        // Estimated only where no load ran.
        if !report.phases.contains(where: { $0.kind == .loadDatabase && $0.measured }) {
            report.phases.append(Phase(
                name: Phase.Kind.loadDatabase.rawValue, source: nil, seconds: sqlMiB / r.sqlMiBPerSecond,
                bytes: catalog.content.uncompressedBytes, files: nil, measured: false,
                assumption: "\(ByteText.format(catalog.content.uncompressedBytes)) of SQL through psql at \(r.sqlMiBPerSecond.formatted()) MiB/s (estimates.sql-mib-per-second)"))
        }
        // Work counted in items, each at its stated rate.
        let work: [(kind: Phase.Kind, source: String?, count: Int, what: String, rate: Double, key: String)] = [
            (.libraryScan, nil, catalog.counts.external, "external assets checked", r.scanAssetsPerSecond, "scan-assets-per-second"),
            (.regenerateThumbnails, "upload/thumbs", stats.assetsNeedingThumbnails, "assets", r.thumbnailsPerSecond, "thumbnails-per-second"),
            (.transcodeVideos, "upload/encoded-video", stats.videosNeedingTranscode, "videos", r.transcodesPerSecond, "transcodes-per-second"),
        ]
        for item in work where item.count > 0 {
            report.phases.append(Phase(
                name: item.kind.rawValue, source: item.source, seconds: Double(item.count) / item.rate, bytes: nil,
                files: item.count, measured: false,
                assumption: "\(item.count) \(item.what) at \(item.rate.formatted())/s (estimates.\(item.key))"))
        }
    }

    /// RTO and RPO against the plan's targets.
    func targets(_ report: inout RunReport, point: RestorePoint) -> [Finding] {
        var findings: [Finding] = []
        // A projected restore replaces its sampled measurement; the drill's own dump read and checks count too.
        let superseded = report.phases.supersededMeasurements
        var measured = 0.0
        var total = 0.0
        for phase in report.phases {
            if phase.measured { measured += phase.seconds }
            if superseded(phase) { continue }
            total += phase.seconds
        }
        report.rto = RunReport.RTO(measuredSeconds: measured, totalSeconds: total, targetSeconds: plan.targets.rto.seconds,
                                   met: total <= Double(plan.targets.rto.seconds))
        report.rpo = RunReport.RPO(seconds: point.rpoSeconds, targetSeconds: plan.targets.rpo.seconds,
                                   skewSeconds: point.skewSeconds, maxSkewSeconds: plan.targets.maxSkew.seconds,
                                   met: point.rpoSeconds <= plan.targets.rpo.seconds)
        if total > Double(plan.targets.rto.seconds) {
            findings.append(Finding(
                code: .rtoMissed, severity: .critical, count: 1,
                message: "The restore would take \(DurationText.format(seconds: Int(total))) (measured and estimated), beyond the RTO target \(plan.targets.rto).",
                examples: report.phases.sorted { $0.seconds > $1.seconds }.prefix(3).map {
                    "\($0.name)\($0.source.map { " \($0)" } ?? ""): \(DurationText.format(seconds: Int($0.seconds)))\($0.measured ? "" : " (not measured)")"
                },
                remedy: "Speed up the slowest phase (faster backup storage, thumbnails in the backup, fewer compression levels), or agree on a longer RTO."))
        }
        if point.rpoSeconds > plan.targets.rpo.seconds {
            findings.append(Finding(
                code: .rpoMissed, severity: .critical, count: 1,
                message: "Restore point \(point.id) is \(DurationText.format(seconds: (point.rpoSeconds / 60) * 60)) old at its oldest member, beyond the RPO target \(plan.targets.rpo).",
                examples: point.members.map { "\($0.source): \(SnapshotTime.iso($0.time))" },
                immichWill: "Come back without everything uploaded or changed since.",
                remedy: "Make the backups run (and finish) at least as often as the RPO target."))
        }
        return findings
    }
}
