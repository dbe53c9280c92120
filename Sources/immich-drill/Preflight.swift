import ArgumentParser
import DrillCore
import DrillHistory
import Foundation

extension DurationArgument: ExpressibleByArgument {
    /// `--help` shows `24h`, not the wrapper.
    var defaultValueDescription: String { DurationText.format(seconds: seconds) }
}

/// A duration on the command line: `24h`, `90m`, `2d`.
struct DurationArgument {
    var seconds: Int
    init?(argument: String) {
        guard let d = DurationText(parsing: argument), d.seconds > 0 else { return nil }
        seconds = d.seconds
    }
}

extension ImmichVersionArgument: ExpressibleByArgument {}

/// `--to v2.7.5`.
struct ImmichVersionArgument {
    var version: ImmichVersion
    init?(argument: String) {
        guard let v = ImmichVersion(argument) else { return nil }
        version = v
    }
}

extension ImmichDrill {
    struct Preflight: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "preflight",
            abstract: "The pre-upgrade checklist: is there a fresh dump, a complete restore point, a passed drill and a way back?",
            discussion: """
                Run it before `docker compose pull`. Each item passes, warns or fails with its reason. With --to, \
                also Immich's upgrade-path rule (a database from before v1.132 must boot on v1.132–v1.136 before \
                v1.137 or later) and the PostgreSQL range the target supports. Nothing is written. Exit 0 when all \
                pass, 1 with warnings, 2 with a failure, 3 when the plan cannot be read.
                """
        )

        @Argument(help: "The drill plan (drills/NAME.yml).")
        var plan: String

        @Option(name: .long, help: "The release you are about to upgrade to (v2.7.5).")
        var to: ImmichVersionArgument?

        @Option(name: .long, help: "How old the newest complete dump may be (24h).")
        var maxDumpAge = DurationArgument(argument: "24h")!

        @Option(name: .long, help: "How old the last drill may be (8d).")
        var maxDrillAge = DurationArgument(argument: "8d")!

        @OptionGroup var output: FormatOptions

        func execute() throws -> Outcome {
            let drillPlan = try DrillPlan.load(plan)
            let deployment = try drillPlan.readDeployment()
            var planOptions = PlanOptions()
            planOptions.live = false
            let analysis = try BackupPlanner(plan: drillPlan, deployment: deployment, options: planOptions).run()
            var options = PreflightOptions()
            options.to = to?.version
            options.maxDumpAge = maxDumpAge.seconds
            options.maxDrillAge = maxDrillAge.seconds
            options.now = analysis.now
            // The history is only read: a plan never drilled has no history file, and none is created here.
            if FileManager.default.fileExists(atPath: drillPlan.history),
               let last = try HistoryStore(path: drillPlan.history).runs(plan: drillPlan.name, limit: 1).first {
                options.lastDrill = LastDrill(runId: last.id, startedAt: last.startedAt.timeIntervalSince1970,
                                              verdict: last.verdict, exitCode: last.exitCode)
            }
            let report = DrillCore.Preflight.check(plan: drillPlan, analysis: analysis, options: options)
            Output.print(report.render(output.format, color: Output.color))
            return report.outcome
        }
    }
}
