import ArgumentParser
import DrillCore
import DrillHistory
import Foundation

/// Where the history is: `--history`, else the plan's, else the default.
struct HistoryOptions: ParsableArguments {
    @Option(name: .long, help: "The history database (default: the plan's `history`, else $XDG_STATE_HOME/immich-drill/history.sqlite).")
    var history: String?

    @Option(name: .customLong("plan-file"), help: "Read the history location from this drill plan.")
    var planFile: String?

    func store() throws -> HistoryStore {
        if let history { return try HistoryStore(path: Paths.absolute(history)) }
        if let planFile { return try HistoryStore(path: try DrillPlan.load(planFile).history) }
        return try HistoryStore(path: DrillPlan.defaultHistoryPath(environment: ProcessInfo.processInfo.environment))
    }
}

extension ImmichDrill {
    struct History: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "List past drills with their verdicts, RTO and RPO, and how they trend; and the restores walked through.")

        @Option(name: .long, help: "Only the runs of this plan (its name).")
        var plan: String?

        @Option(name: .long, help: "How many runs, newest first.")
        var limit = 20

        @OptionGroup var where_: HistoryOptions
        @OptionGroup var output: FormatOptions

        func execute() throws -> Outcome {
            let store = try where_.store()
            let runs = try store.runs(plan: plan, limit: limit)
            let walks = try store.walkthroughs(plan: plan, limit: limit)
            let view = HistoryView(runs: runs.map(\.historyRow), walkthroughs: walks.map(\.historyRow))
            Output.print(view.render(output.format))
            return .ok
        }
    }

    struct Report: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Show a past drill exactly as it was first reported, or as a self-contained HTML page.",
            discussion: """
                --format html writes one file with everything inline (no script, nothing fetched): the verdict, \
                a timeline of the phases, the findings with examples and remedies, coverage, and the RTO and RPO \
                trends of the plan's drills from the history.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json, markdown, html
        }

        @Argument(help: "The run's id (see `history`).")
        var runId: Int64

        @OptionGroup var where_: HistoryOptions

        @Option(name: .long, help: "Output format: text, json, markdown or html.")
        var format: Format = .text

        @Option(name: [.customShort("o"), .customLong("output")], help: "Write to this file instead of stdout.")
        var outputFile: String?

        func execute() throws -> Outcome {
            let store = try where_.store()
            guard let (record, report) = try store.report(id: runId) else {
                throw DrillError(.usage, file: store.path, "no run #\(runId) in the history")
            }
            let text: String
            switch format {
            case .html:
                // The trend: the plan's drills up to this one.
                let runs = try store.runs(plan: report.plan, limit: 500).filter { $0.startedAt <= record.startedAt }.prefix(60)
                text = HTMLReport.render(report, trend: runs.map(\.historyRow))
            case .text: text = report.render(.text, color: outputFile == nil && Output.color)
            case .json: text = report.render(.json)
            case .markdown: text = report.render(.markdown)
            }
            guard let outputFile else {
                Output.print(text)
                return .ok
            }
            let path = Paths.absolute(outputFile)
            do {
                // Screened as stdout is (HTML escapes its own): the file is read with `cat` and `less` too.
                try Data((format == .html ? text : TerminalText.screen(text)).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw DrillError(.environment, file: path, "cannot write the report", cause: error.localizedDescription)
            }
            return .ok
        }
    }
}
