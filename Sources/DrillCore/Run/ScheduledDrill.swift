// A drill as cron and systemd run it: the plan read, the drill's own files checked against every source, one drill
// of the plan at a time (the lock), run folders of killed drills removed, the monitoring pings around the drill, the
// run recorded in the history, the Prometheus textfile written, and what must be said even under --quiet. The CLI
// only parses, calls this and prints; the history is behind `RunHistory`, so the library stays below GRDB.

import DrillReport
import Foundation

/// Where runs are recorded (DrillHistory's store implements it).
public protocol RunHistory: AnyObject {
    /// Records a run and returns its id.
    func record(_ report: RunReport, plan: DrillPlan) throws -> Int64
    /// Replaces the stored report of run `id`.
    func update(_ report: RunReport, id: Int64) throws
}

/// How a scheduled drill runs.
public struct ScheduledDrillOptions: Sendable {
    public var verify: VerifyDepth = .full
    public var seed: UInt64?
    public var restorePoint = "latest"
    public var inPlace = false
    public var keepScratch = false
    /// `--database-restore`: nil keeps the plan's.
    public var databaseRestore: DatabaseRestoreMode?
    /// `--load-incomplete`.
    public var loadIncomplete = false
    public var relink = false
    public var relinkSQL: String?
    /// Do not record the run.
    public var noHistory = false
    /// A node_exporter textfile to write (`--metrics-file`).
    public var metricsFile: String?
    /// Where to say that the drill started and how it ended (`--ping`).
    public var pinger: Pinger?
    /// Called with a line of progress for long phases.
    public var progress: (@Sendable (String) -> Void)?
    /// A bar redrawn on the long phases (each restore, the verification); nil off a terminal.
    package var bar: ProgressBar?

    public init() {}
}

/// What a scheduled drill came to.
package struct DrillOutcome: Sendable {
    /// The report, when the drill ran (a failed restore is a report with findings, not a failure).
    public var report: RunReport?
    /// Why there is no report: the plan or the deployment could not be read.
    public var failure: DrillError?
    /// What the operator must see even under --quiet: the run's own records could not be written.
    public var problems: [String] = []

    /// What the drill came to: the report's outcome (from its findings), else the failure's, else could not run.
    public var outcome: Outcome { report?.outcome ?? failure?.outcome ?? .couldNotRun }
    /// The exit code of that outcome.
    public var exitCode: Int32 { outcome.exitStatus.rawValue }
}

/// The scheduled drill: own files checked, lock, stale run folders, pings, the drill, history, metrics.
public enum ScheduledDrill {
    /// The drill itself, marked aborted when a signal stopped it.
    package static func drill(plan: DrillPlan, deployment: Deployment, options: RunOptions) throws -> RunReport {
        var report = try DrillRunner(plan: plan, deployment: deployment, options: options).run()
        if Cancellation.isCancelled, report.aborted == nil {
            report.aborted = "stopped by signal \(Cancellation.signal)"
            report.decide()
        }
        return report
    }

    /// Runs the plan at `planPath` as a scheduled drill. Throws only before anything is written: the drill's own
    /// files inside a source or backup (refused), or the plan's lock held by another drill.
    package static func run(planPath: String, options: ScheduledDrillOptions,
                           openHistory: (String) throws -> RunHistory) throws -> DrillOutcome {
        let started = Date()
        var outcome = DrillOutcome()
        var notices: [String] = []
        var planName = ((planPath as NSString).lastPathComponent as NSString).deletingPathExtension
        var loaded: DrillPlan?
        do { loaded = try DrillPlan.load(planPath) } catch let error as DrillError { outcome.failure = error }
        // The history, the lock and the metrics file must not lie inside a source or a backup: refused before any
        // of them is written (nothing written, no ping).
        var deployment: Result<Deployment, DrillError>?
        if let plan = loaded {
            do { deployment = .success(try plan.readDeployment()) } catch let error as DrillError { deployment = .failure(error) }
            try plan.checkOwnFiles(deployment: try? deployment?.get(), metricsFile: options.metricsFile, relinkSQL: options.relinkSQL)
        }
        // A second run of the plan stops here (naming the holder) and leaves metrics and pings to the run that holds
        // the lock.
        let lock = try loaded.map { try RunLock(path: RunLock.path(for: $0), what: "a drill of \(planPath)") }
        defer { lock?.release() }
        var history: RunHistory?
        var recordId: Int64?
        if let plan = loaded, let lock {
            planName = plan.name
            if let pid = lock.tookOverFrom {
                notices.append("took over the lock \(lock.path) left by pid \(pid), which is no longer running")
            }
            // Run folders of drills that were killed (SIGKILL, a power cut) and never cleaned up.
            for folder in Scratch.removeStale(root: plan.scratch) {
                notices.append("removed \(folder), left by a drill whose process is gone")
            }
            if let warning = options.pinger?.start() { notices.append(warning) }
            do {
                guard let deployment = try deployment?.get() else { throw DrillError(.input, file: planPath, "no deployment") }
                var runOptions = RunOptions()
                runOptions.verify = options.verify
                runOptions.seed = options.seed
                runOptions.restorePoint = options.restorePoint
                runOptions.inPlace = options.inPlace
                runOptions.keepScratch = options.keepScratch
                runOptions.progress = options.progress
                runOptions.bar = options.bar
                runOptions.databaseRestore = options.databaseRestore
                runOptions.loadIncomplete = options.loadIncomplete
                runOptions.relink = options.relink
                runOptions.relinkSQL = options.relinkSQL
                var report = try drill(plan: plan, deployment: deployment, options: runOptions)
                let all = notices + (report.notices ?? [])
                report.notices = all.isEmpty ? nil : all
                if !options.noHistory {
                    // A history that cannot be written loses the record, not the drill's verdict.
                    do {
                        let store = try openHistory(plan.history)
                        let id = try store.record(report, plan: plan)
                        report.runId = id
                        try store.update(report, id: id)
                        history = store
                        recordId = id
                    } catch let error as DrillError {
                        outcome.problems.append("the run was not recorded: " + error.description)
                    }
                }
                outcome.report = report
            } catch let error as DrillError {
                outcome.failure = error
            }
        }
        if let pinger = options.pinger {
            let summary = outcome.report?.summaryLine ?? "\(planName): UNKNOWN; \(outcome.failure?.message ?? "the drill did not run")"
            let body = outcome.report?.render(.text) ?? "immich-drill: error: \(outcome.failure?.description ?? "unknown")\n"
            if let warning = pinger.finish(exitCode: outcome.exitCode, seconds: Date().timeIntervalSince(started),
                                           summary: summary, body: body) {
                notices.append(warning)
                if var changed = outcome.report {
                    changed.notices = notices
                    outcome.report = changed
                    if let history, let recordId { try? history.update(changed, id: recordId) }
                }
            }
        }
        if let metricsFile = options.metricsFile {
            do {
                try PrometheusMetrics.write(.init(plan: planName, finishedAt: Date().timeIntervalSince1970,
                                                  exitCode: outcome.exitCode, report: outcome.report),
                                            to: Paths.absolute(metricsFile))
            } catch let error as DrillError {
                outcome.problems.append(error.description)
            }
        }
        return outcome
    }
}
