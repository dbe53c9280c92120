import ArgumentParser
import DrillCore
import DrillHistory
import Foundation

extension VerifyDepthArgument: ExpressibleByArgument {}

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

        @OptionGroup var output: FormatOptions

        func run() throws {
            let drillPlan = try DrillPlan.load(plan)
            let deployment = try drillPlan.readDeployment()
            let report = try Drill.run(plan: drillPlan, deployment: deployment, verify: verify.depth, seed: seed,
                                       restorePoint: restorePoint, inPlace: inPlace, keepScratch: keepScratch,
                                       history: !noHistory)
            Output.print(report.render(output.format, color: Output.color))
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

/// Shared by `run` and `demo`: the drill, its progress on a terminal, and its record in the history.
enum Drill {
    static func run(plan: DrillPlan, deployment: Deployment, verify: VerifyDepth, seed: UInt64?, restorePoint: String,
                    inPlace: Bool, keepScratch: Bool, history: Bool) throws -> RunReport {
        Cancellation.install()
        var options = RunOptions()
        options.verify = verify
        options.seed = seed
        options.restorePoint = restorePoint
        options.inPlace = inPlace
        options.keepScratch = keepScratch
        if isatty(STDERR_FILENO) == 1 {
            options.progress = { line in FileHandle.standardError.write(Data("immich-drill: \(line)…\n".utf8)) }
        }
        var report = try DrillRunner(plan: plan, deployment: deployment, options: options).run()
        if Cancellation.isCancelled, report.aborted == nil {
            report.aborted = "stopped by signal \(Cancellation.signal)"
            report.verdict = "aborted"
            report.exitCode = ExitStatus.unknown.rawValue
        }
        if history {
            let store = try HistoryStore(path: plan.history)
            var record = try store.record(RunRecord(
                plan: plan.name, planFile: plan.file, startedAt: Date(timeIntervalSince1970: report.startedAt),
                finishedAt: report.finishedAt.map { Date(timeIntervalSince1970: $0) }, verdict: report.verdict,
                exitCode: report.exitCode, restorePoint: report.restorePoint?.id, rtoSeconds: report.rto?.totalSeconds,
                rpoSeconds: report.rpo.map { Double($0.seconds) }, reportJSON: "{}"))
            report.runId = record.id
            record.reportJSON = ReportJSON.encode(report)
            try store.update(record)
        }
        return report
    }
}
