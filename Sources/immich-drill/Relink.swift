import ArgumentParser
import DrillCore
import Foundation

extension ImmichDrill {
    struct Relink: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "relink",
            abstract: "Keep the albums, faces and descriptions of moved originals: find where they went, write the SQL that relinks them.",
            discussion: """
                Immich treats a moved file as a deleted asset plus a new one: the old asset is offlined, trashed \
                and purged 30 days later with its albums, faces, tags, description and favorite. relink finds each \
                original the database references but that is not at its path, among the files no asset \
                references: an upload by its content (SHA-1 equal to its checksum), a library file by its name \
                and size in its own library, a whole import path under another folder as one rule. Two \
                candidates for one asset, or one file claimed by two, are listed as ambiguous and never guessed. \
                Without --live it restores the restore point into scratch as `run` does (no history row), plans \
                against what came back, and proves the SQL on the drill's own loaded database. With --live it \
                walks the live library against the newest dump. It never connects to Immich's database: it \
                prints the command that applies the SQL, to run before the next library scan.
                """
        )

        @Argument(help: "The drill plan (drills/NAME.yml).")
        var plan: String

        @Option(name: .long, help: "The restore point: latest, an id (20261126T010000Z) or a time.")
        var restorePoint = "latest"

        @Flag(name: .long, help: "Plan for the live library (the plan's live walk) instead of a restore point.")
        var live = false

        @Option(name: [.customShort("o"), .long], help: "Write the SQL here (default: relink.sql beside the plan; with --format sql, standard output).")
        var output: String?

        @Option(name: .long, help: "Output format: text, json, markdown or sql (the SQL itself).")
        var format = RelinkFormat.text

        func execute() throws -> Outcome {
            let drillPlan = try DrillPlan.load(plan)
            let deployment = try drillPlan.readDeployment()
            // The SQL file: -o, else beside the plan; with --format sql and no -o, a temporary file printed and removed.
            let toStdout = format == .sql && output == nil
            let file = toStdout ? FileManager.default.temporaryDirectory.path + "/immich-drill-relink-\(getpid()).sql"
                : Paths.absolute(output ?? Paths.directory(of: drillPlan.file) + "/relink.sql")
            defer { if toStdout { try? FileManager.default.removeItem(atPath: file) } }
            if !toStdout { try drillPlan.checkOwnFiles(deployment: deployment, relinkSQL: file, relinkKey: "--output") }
            var summary: RelinkSummary
            if live {
                let (planned, sql) = try LiveRelink.run(plan: drillPlan, deployment: deployment, restorePoint: restorePoint,
                                                        now: Date().timeIntervalSince1970, sqlFile: file)
                summary = planned
                if !planned.plan.isEmpty {
                    try sql.write(toFile: file, atomically: true, encoding: .utf8)
                    summary.sqlFile = file
                }
            } else {
                var options = RunOptions()
                options.restorePoint = restorePoint
                options.relink = true
                options.relinkSQL = file
                if isatty(STDERR_FILENO) == 1 {
                    options.progress = Drill.terminalProgress
                    options.bar = ProgressBar.onTerminal()
                }
                let report = try DrillRunner(plan: drillPlan, deployment: deployment, options: options).run()
                if let aborted = report.aborted { throw DrillError(.environment, "relink stopped: \(aborted)") }
                guard let relink = report.relink else {
                    throw DrillError(.input, file: drillPlan.file, "the restore point could not be verified, so there is nothing to relink from (see `immich-drill run \(Subprocess.shellQuote(drillPlan.file))`)")
                }
                summary = relink
                summary.sqlFile = relink.plan.isEmpty ? nil : file
            }
            if format == .sql {
                var text = summary.sqlFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "-- immich-drill relink: nothing to relink\n"
                if toStdout {
                    // Printed, not kept: the command names the file it is saved as (`> relink.sql`).
                    text = text.replacingOccurrences(of: " < " + Subprocess.shellQuote(file), with: " < relink.sql   # saved from this output")
                    Output.print(text)
                }
                return .judged(RelinkReport.exitStatus(summary))
            }
            let apply = summary.sqlFile.map {
                RelinkSQL.applyCommand(container: deployment.database.container ?? "immich_postgres", user: deployment.database.user,
                                       database: deployment.database.name, file: $0)
            }
            let report = RelinkReport(plan: drillPlan.name, relink: summary, apply: apply)
            Output.print(report.render(format.output ?? .text))
            return .judged(RelinkReport.exitStatus(summary))
        }
    }
}

/// `relink --format`: the report's formats, or the SQL itself.
enum RelinkFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, sql

    var output: OutputFormat? { OutputFormat(rawValue: rawValue) }
}
