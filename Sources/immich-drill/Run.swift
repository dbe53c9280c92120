import ArgumentParser
import DrillCore
import DrillHistory
import Foundation

extension VerifyDepthArgument: ExpressibleByArgument {
    /// `--help` shows `full`, not the wrapper.
    var defaultValueDescription: String { depth.description }
}

/// `--verify full|N%|N`.
struct VerifyDepthArgument {
    var depth: VerifyDepth
    init?(argument: String) {
        guard let depth = VerifyDepth(parsing: argument) else { return nil }
        self.depth = depth
    }
}

extension ImmichDrill {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drill a restore: restore one restore point into scratch, check every database reference, report RTO, RPO and findings.",
            discussion: """
                Sources and backups are only read. The restore goes into a new folder below the plan's scratch \
                root, which must not overlap any source or backup, and is removed afterwards (also on Ctrl-C). \
                Every run is kept in the history (see `history` and `report`).
                """
        )

        @Argument(help: "The drill plan (drills/NAME.yml).")
        var plan: String

        @Option(name: .long, help: "How much content to hash: full, N% or N originals (a seeded sample, stratified by source and owner).")
        var verify: VerifyDepthArgument = VerifyDepthArgument(argument: "full")!

        @Option(name: .long, help: "The sample's seed (default: the drill time), to repeat a sample.")
        var seed: UInt64?

        @Option(name: .long, help: "The restore point: latest, an id (20261126T010000Z) or a time.")
        var restorePoint = "latest"

        @Flag(name: .long, help: "Verify snapshot folders where they lie instead of copying them into scratch.")
        var inPlace = false

        @Flag(name: .long, help: "Keep the scratch folder afterwards.")
        var keepScratch = false

        @Flag(name: .long, help: "Do not record the run in the history.")
        var noHistory = false

        @Option(name: .long, help: "Write a Prometheus textfile here (atomically), for node_exporter's textfile collector.")
        var metricsFile: String?

        @Option(name: .long, help: "Ping this URL before and after the drill (healthchecks.io check or Uptime Kuma push URL).")
        var ping: String?

        @Option(name: .long, help: "How to ping: healthchecks (/start, then /<exit code> with the report) or uptime-kuma (?status=up|down&msg=…&ping=<ms>).")
        var pingStyle: PingStyleArgument = PingStyleArgument(argument: "healthchecks")!

        @Flag(name: [.customShort("q"), .long], help: "Print nothing unless the exit code is not 0 (for cron, which mails any output).")
        var quiet = false

        @OptionGroup var output: FormatOptions

        func run() throws {
            let started = Date()
            let pinger = try ping.map { try Pinger(url: $0, style: pingStyle.style) }
            var notices: [String] = []
            // What the operator must see even under --quiet: the run's own records could not be written.
            var problems: [String] = []
            var report: RunReport?
            var failure: DrillError?
            var planName = ((plan as NSString).lastPathComponent as NSString).deletingPathExtension
            var history: HistoryStore?
            var record: RunRecord?
            var loaded: DrillPlan?
            do { loaded = try DrillPlan.load(plan) } catch let error as DrillError { failure = error }
            // The history, the lock and the metrics file must not lie inside a source or a backup: refused before
            // any of them is written (exit 3, nothing written, no ping).
            var deployment: Result<Deployment, DrillError>?
            if let drillPlan = loaded {
                do { deployment = .success(try drillPlan.readDeployment()) } catch let error as DrillError { deployment = .failure(error) }
                try drillPlan.checkOwnFiles(deployment: try? deployment?.get(), metricsFile: metricsFile)
            }
            // A second run of the plan stops here (exit 3, naming the holder) and leaves metrics and pings to the
            // run that holds the lock.
            let lock = try loaded.map { try RunLock(path: RunLock.path(for: $0), what: "a drill of \(plan)") }
            defer { lock?.release() }
            if let drillPlan = loaded, let lock {
                planName = drillPlan.name
                if let pid = lock.tookOverFrom {
                    notices.append("took over the lock \(lock.path) left by pid \(pid), which is no longer running")
                }
                // Run folders of drills that were killed (SIGKILL, a power cut) and never cleaned up.
                for folder in Scratch.removeStale(root: drillPlan.scratch) {
                    notices.append("removed \(folder), left by a drill whose process is gone")
                }
                if let warning = pinger?.start() { notices.append(warning) }
                do {
                    guard let deployment = try deployment?.get() else { throw DrillError(.input, file: plan, "no deployment") }
                    var drilled = try Drill.run(plan: drillPlan, deployment: deployment, verify: verify.depth, seed: seed,
                                                restorePoint: restorePoint, inPlace: inPlace, keepScratch: keepScratch,
                                                progress: !quiet)
                    drilled.notices = notices.isEmpty ? nil : notices
                    if !noHistory {
                        // A history that cannot be written loses the record, not the drill's verdict.
                        do {
                            let store = try HistoryStore(path: drillPlan.history)
                            record = try Drill.record(&drilled, plan: drillPlan, in: store)
                            history = store
                        } catch let error as DrillError {
                            problems.append("the run was not recorded: " + error.description)
                        }
                    }
                    report = drilled
                } catch let error as DrillError {
                    failure = error
                }
            }
            let exitCode = report?.exitCode ?? failure?.exitCode ?? ExitStatus.unknown.rawValue
            if let pinger {
                let summary = report?.summaryLine ?? "\(planName): UNKNOWN; \(failure?.message ?? "the drill did not run")"
                let body = report?.render(.text) ?? "immich-drill: error: \(failure?.description ?? "unknown")\n"
                if let warning = pinger.finish(exitCode: exitCode, seconds: Date().timeIntervalSince(started),
                                               summary: summary, body: body) {
                    notices.append(warning)
                    if var changed = report {
                        changed.notices = notices
                        report = changed
                        if var stored = record, let history {
                            stored.reportJSON = ReportJSON.encode(changed)
                            try? history.update(stored)
                        }
                    }
                }
            }
            if let metricsFile {
                do {
                    try PrometheusMetrics.write(.init(plan: planName, finishedAt: Date().timeIntervalSince1970,
                                                      exitCode: exitCode, report: report), to: Paths.absolute(metricsFile))
                } catch let error as DrillError {
                    problems.append(error.description)
                }
            }
            for problem in problems { Output.warn("warning: " + problem) }
            if quiet && exitCode == 0 { return }
            if let failure { throw failure }
            guard let report else { throw ExitCode(exitCode) }
            Output.print(report.render(output.format, color: Output.color))
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

extension PingStyleArgument: ExpressibleByArgument {
    var defaultValueDescription: String { style.rawValue }
}

/// `--ping-style healthchecks|uptime-kuma`.
struct PingStyleArgument {
    var style: PingStyle
    init?(argument: String) {
        guard let style = PingStyle(rawValue: argument) else { return nil }
        self.style = style
    }
    static var allValueStrings: [String] { PingStyle.allCases.map(\.rawValue) }
}

/// Shared by `run` and `demo`: the drill, its progress on a terminal, and its record in the history.
enum Drill {
    static func run(plan: DrillPlan, deployment: Deployment, verify: VerifyDepth, seed: UInt64?, restorePoint: String,
                    inPlace: Bool, keepScratch: Bool, progress: Bool = true) throws -> RunReport {
        Cancellation.install()
        var options = RunOptions()
        options.verify = verify
        options.seed = seed
        options.restorePoint = restorePoint
        options.inPlace = inPlace
        options.keepScratch = keepScratch
        if progress, isatty(STDERR_FILENO) == 1 {
            options.progress = { line in FileHandle.standardError.write(Data("immich-drill: \(line)…\n".utf8)) }
        }
        var report = try DrillRunner(plan: plan, deployment: deployment, options: options).run()
        if Cancellation.isCancelled, report.aborted == nil {
            report.aborted = "stopped by signal \(Cancellation.signal)"
            report.verdict = "aborted"
            report.exitCode = ExitStatus.unknown.rawValue
        }
        return report
    }

    /// Stores the run in the history and gives the report its run id.
    @discardableResult
    static func record(_ report: inout RunReport, plan: DrillPlan, in store: HistoryStore) throws -> RunRecord {
        var record = try store.record(RunRecord(
            plan: plan.name, planFile: plan.file, startedAt: Date(timeIntervalSince1970: report.startedAt),
            finishedAt: report.finishedAt.map { Date(timeIntervalSince1970: $0) }, verdict: report.verdict,
            exitCode: report.exitCode, restorePoint: report.restorePoint?.id, rtoSeconds: report.rto?.totalSeconds,
            rpoSeconds: report.rpo.map { Double($0.seconds) }, reportJSON: "{}"))
        report.runId = record.id
        record.reportJSON = ReportJSON.encode(report)
        try store.update(record)
        return record
    }
}
