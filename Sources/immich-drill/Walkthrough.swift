import ArgumentParser
import DrillCore
import DrillHistory
import Foundation

extension ImmichDrill {
    struct Walkthrough: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "walkthrough",
            abstract: "The restore-day runbook for this deployment, step by step, with the exact commands.",
            discussion: """
                Immich's documented restore in its order, with this deployment's mounts, paths, containers, \
                database user and name, the command for each snapshot of the restore point and the dump's \
                restore command for its era. Durations come from the last drill. --interactive goes one step \
                at a time, checks what it can on this machine before going on (mounts, markers, file counts), \
                and records each step's real time in the history; it ends with the real RTO. Only reads.
                """
        )

        @Argument(help: "The drill plan (drills/NAME.yml).")
        var plan: String

        @Option(name: .long, help: "The restore point: latest, an id (20261126T010000Z) or a time.")
        var restorePoint = "latest"

        @Flag(name: .long, help: "Go step by step: check each step on this machine, time it, record it in the history.")
        var interactive = false

        @Flag(name: .long, help: "With --interactive: do not record the walk in the history.")
        var noHistory = false

        @OptionGroup var output: FormatOptions

        func execute() throws -> Outcome {
            let drillPlan = try DrillPlan.load(plan)
            let deployment = try drillPlan.readDeployment()
            var options = PlanOptions()
            options.live = false
            options.restorePoint = restorePoint
            let analysis = try BackupPlanner(plan: drillPlan, deployment: deployment, options: options).run()
            // The chosen point's dump, read for its format and its counts (the plan step read the newest).
            var catalog = analysis.catalog
            if let dump = analysis.selected?.dump.location, dump != analysis.catalogDump {
                catalog = try? CatalogReader.read(path: dump, databaseName: deployment.database.name,
                                                  timeZone: deployment.timeZone ?? drillPlan.timeZone)
            }
            let store = FileManager.default.fileExists(atPath: drillPlan.history) ? try HistoryStore(path: drillPlan.history) : nil
            let runbook = RunbookBuilder(plan: drillPlan, analysis: analysis, catalog: catalog,
                                         last: try store.flatMap { try $0.lastTimings(plan: drillPlan.name) }).build()
            guard interactive else {
                Output.print(runbook.render(output.format))
                // No restore point to walk through is a critical finding of the runbook.
                return .judged(worst: runbook.restorePoint == nil ? .critical : nil)
            }
            let walked = Self.walk(runbook)
            let finished = Date()
            let completed = walked.steps.count == runbook.steps.count && walked.steps.allSatisfy { $0.outcome == .done }
            if !noHistory {
                try drillPlan.checkOwnFiles(deployment: deployment)
                let history = try store ?? HistoryStore(path: drillPlan.history)
                let record = try history.record(WalkthroughRecord(
                    plan: drillPlan.name, planFile: drillPlan.file, startedAt: walked.started, finishedAt: finished,
                    restorePoint: runbook.restorePoint?.id, completed: completed,
                    rtoSeconds: finished.timeIntervalSince(walked.started), stepsJSON: ReportJSON.encode(walked.steps)))
                Output.print("Recorded as walkthrough #\(record.id ?? 0) in \(history.path).\n")
            }
            if walked.steps.last?.outcome == .quit || walked.steps.count < runbook.steps.count { return .aborted }
            // Done, but past a failed check or a skipped step.
            return completed ? .ok : .judged(worst: .warning)
        }

        /// One step at a time on the terminal: show, wait, check, time.
        static func walk(_ runbook: Runbook) -> (started: Date, steps: [WalkedStep]) {
            func say(_ text: String) { Output.print(text) }
            func ask(_ prompt: String) -> String? {
                say(prompt)
                let line = readLine()
                // Typed answers echo themselves; piped ones (a script, a test) are shown, so the log reads right.
                if isatty(STDIN_FILENO) == 0 { say((line ?? "(end of input)") + "\n") }
                return line?.trimmingCharacters(in: .whitespaces).lowercased()
            }
            say(runbook.render(.text).split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.hasPrefix("Step ") }
                .joined(separator: "\n"))
            let started = Date()
            var walked: [WalkedStep] = []
            steps: for step in runbook.steps {
                say(step.text(of: runbook.steps.count))
                let began = Date()
                var answer = ask("  [Enter] done, check and go on · s skip · q quit > ")
                while true {
                    guard let given = answer, given != "q" else {
                        walked.append(WalkedStep(step: step, seconds: Date().timeIntervalSince(began), outcome: .quit, checks: []))
                        say("\n  Stopped at step \(step.number).\n")
                        break steps
                    }
                    if given == "s" {
                        walked.append(WalkedStep(step: step, seconds: Date().timeIntervalSince(began), outcome: .skipped, checks: []))
                        say("  skipped\n\n")
                        continue steps
                    }
                    let results = step.checks.map { $0.evaluate() }
                    for r in results { say("  \(r.ok ? "✓" : "✗") \(r.text)\n") }
                    if results.allSatisfy(\.ok) || given == "c" {
                        let seconds = Date().timeIntervalSince(began)
                        walked.append(WalkedStep(step: step, seconds: seconds,
                                                 outcome: results.allSatisfy(\.ok) ? .done : .doneWithFailedChecks, checks: results))
                        let expected = step.expectedSeconds.map { ", expected \(RunbookStep.durationText($0))" } ?? ""
                        say("  took \(RunbookStep.durationText(seconds))\(expected)\n\n")
                        continue steps
                    }
                    answer = ask("  Not there yet. [Enter] check again · c go on anyway · q quit > ")
                }
            }
            let total = Date().timeIntervalSince(started)
            say("Real RTO: \(RunbookStep.durationText(total)) from step 1 to step \(walked.last?.number ?? 0)")
            if runbook.expectedSeconds > 0 {
                say(" (the last drill expected \(RunbookStep.durationText(runbook.expectedSeconds)) for the timed steps)")
            }
            say(".\n")
            return (started, walked)
        }
    }
}
