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
    struct Run: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
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

        @Option(name: .long, help: "How to load the dump: auto (local PostgreSQL when found, else estimated), local, docker or skip (default: the plan's database-restore, else auto).")
        var databaseRestore: DatabaseRestoreMode?

        @Flag(name: .long, help: "Load a dump that is cut short anyway, to see how far it gets.")
        var loadIncomplete = false

        @Flag(name: .long, help: "Find where the missing and moved originals went (by content, or by name and size), write the SQL that keeps their albums and faces, and prove it on the drill's loaded database.")
        var relink = false

        @Option(name: .long, help: "With --relink: write the relink SQL here (default: into scratch, removed with it).")
        var relinkSql: String?

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

        func execute() throws -> Outcome {
            var options = ScheduledDrillOptions()
            options.verify = verify.depth
            options.seed = seed
            options.restorePoint = restorePoint
            options.inPlace = inPlace
            options.keepScratch = keepScratch
            options.noHistory = noHistory
            options.databaseRestore = databaseRestore
            options.loadIncomplete = loadIncomplete
            options.relink = relink || relinkSql != nil
            options.relinkSQL = relinkSql.map(Paths.absolute)
            options.metricsFile = metricsFile
            options.pinger = try ping.map { try Pinger(url: $0, style: pingStyle.style) }
            if !quiet {
                options.progress = Drill.terminalProgress
                options.bar = ProgressBar.onTerminal()
            }
            let outcome = try ScheduledDrill.run(planPath: plan, options: options) { try HistoryStore(path: $0) }
            for problem in outcome.problems { Output.warn("warning: " + problem) }
            if quiet && outcome.outcome.exitStatus == .ok { return .ok }
            if let failure = outcome.failure { throw failure }
            if let report = outcome.report { Output.print(report.render(output.format, color: Output.color)) }
            return outcome.outcome
        }
    }
}

extension DatabaseRestoreMode: ExpressibleByArgument {}

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

/// Shared by `run` and `demo`: progress on a terminal.
enum Drill {
    /// Progress lines on stderr when it is a terminal (nil otherwise).
    static var terminalProgress: (@Sendable (String) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        // A bar being drawn is cleared first (`\r`, erase line).
        return { line in FileHandle.standardError.write(Data("\r\u{1B}[Kimmich-drill: \(TerminalText.inline(line))…\n".utf8)) }
    }
}
