import ArgumentParser
import DrillCore
import DrillDemo
import DrillHistory
import Foundation

extension DemoFault: ExpressibleByArgument {}
extension DumpTemplate.Era: ExpressibleByArgument {}

extension ImmichDrill {
    struct Demo: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Build a realistic synthetic Immich install with its backups and named faults, then drill it.",
            discussion: """
            Makes, in one folder: the era's docker-compose.yml and .env, UPLOAD_LOCATION with real files, an external \
            library on two NAS shares, several nights of Immich-named database dumps and file snapshots (tar.zst, \
            snapshot folders, tar.gz), a drill plan (drill.yml) and manifest.json. Faults: \
            \(DemoFault.allCases.map(\.rawValue).joined(separator: ", ")); give each as --fault NAME or NAME=N.
            """
        )

        @Option(name: .long, help: "The folder to build in (must be new or empty; default: a new temp folder).")
        var dir: String?

        @Option(name: .long, help: "v1 (Immich v1.135.3: old names, pg_dumpall), v2 (v2.7.5: /data, pg_dump) or v3 (v3.1.0: album_user owners, edits, integrity report, vector + vchord).")
        var era: DumpTemplate.Era = .v3

        @Option(name: .long, help: "How many assets.")
        var assets = 300

        @Option(name: .long, help: "The seed: the same seed builds the same library.")
        var seed: UInt64 = 1

        @Option(name: .long, help: "File sizes times this (photos 1–8 MB and videos 20–200 MB at 1).")
        var sizeScale = 0.01

        @Option(name: .long, help: "Nights of dumps and file snapshots (each night's UPLOAD_LOCATION snapshot hard-links every file again; fewer nights build a large demo faster).")
        var nights = 5

        @Option(name: .long, parsing: .singleValue, help: "A fault to plant, NAME or NAME=N; repeat for more.")
        var fault: [String] = []

        @Flag(name: .long, help: "Only build; do not run the drill.")
        var noRun = false

        @OptionGroup var output: FormatOptions

        func validate() throws {
            if assets < 10 { throw ValidationError("--assets must be at least 10.") }
            if !(sizeScale > 0 && sizeScale <= 10) { throw ValidationError("--size-scale must be above 0 and at most 10.") }
            if !(2...30).contains(nights) { throw ValidationError("--nights must be from 2 to 30.") }
            _ = try parsedFaults()
        }

        func parsedFaults() throws -> [DemoFault: Int] {
            var result: [DemoFault: Int] = [:]
            for item in fault {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard let kind = DemoFault(rawValue: parts[0]) else {
                    throw ValidationError("unknown fault '\(parts[0])'; expected one of \(DemoFault.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                var count = kind.defaultCount
                if parts.count == 2 {
                    guard let n = Int(parts[1]), n > 0 else { throw ValidationError("--fault \(item): N must be a positive number") }
                    count = n
                }
                result[kind] = count
            }
            return result
        }

        func execute() throws -> Outcome {
            let folder = dir ?? NSTemporaryDirectory() + "immich-drill-demo-\(UUID().uuidString.prefix(8).lowercased())"
            var options = DemoOptions(directory: folder)
            options.era = era
            options.assets = assets
            options.seed = seed
            options.sizeScale = sizeScale
            options.nights = nights
            options.faults = try parsedFaults()
            if isatty(STDERR_FILENO) == 1 {
                options.progress = { line in Output.error("immich-drill: demo: \(TerminalText.inline(line))\n") }
            }
            let manifest = try DemoBuilder.build(options)
            var lines = ["immich-drill demo (\(era.rawValue), \(assets) assets, seed \(seed)) in \(manifest.directory)",
                         "  compose        \(manifest.compose)",
                         "  UPLOAD_LOCATION \(manifest.uploadLocation)",
                         "  NAS shares     \(manifest.nasShares.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }.joined(separator: ", "))",
                         "  dumps          \(manifest.dumps.count) nights in \(manifest.uploadLocation)/backups",
                         "  snapshots      \(manifest.snapshots.count) in \(manifest.directory)/backups (UPLOAD_LOCATION as snapshot folders, the shares as tar.zst and tar.gz)",
                         "  plan           \(manifest.plan)",
                         "  manifest       \(manifest.directory)/manifest.json"]
            if !manifest.faults.isEmpty {
                lines.append("  faults         " + manifest.faults.map { "\($0.fault)=\($0.count)" }.joined(separator: ", "))
            }
            Output.error(lines.joined(separator: "\n") + "\n\n")
            guard !noRun else { return .ok }
            let plan = try DrillPlan.load(manifest.plan)
            let deployment = try plan.readDeployment()
            try plan.checkOwnFiles(deployment: deployment)
            var runOptions = RunOptions()
            runOptions.progress = Drill.terminalProgress
            runOptions.bar = ProgressBar.onTerminal()
            var report = try ScheduledDrill.drill(plan: plan, deployment: deployment, options: runOptions)
            let history: RunHistory = try HistoryStore(path: plan.history)
            report.runId = try history.record(report, plan: plan)
            try history.update(report, id: report.runId!)
            Output.print(report.render(output.format, color: Output.color))
            return report.outcome
        }
    }
}
