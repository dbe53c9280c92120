// The command-line entry point: argument parsing and exit codes only; the work is in DrillCore.
//
// Exit codes (DESIGN.md, the Nagios convention): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the drill could not
// run: bad plan, unreadable input), 64 usage error. Each subcommand returns its `Outcome`; `Outcome.exitStatus`
// decides the code and `main` below applies it, once.

import ArgumentParser
import DrillCore
import DrillDemo
import Foundation

@main
struct ImmichDrill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "immich-drill",
        abstract: "Backup drills for self-hosted Immich: will your backups really bring the library back?",
        discussion: """
        Exit codes: 0 OK, 1 WARNING (warnings only), 2 CRITICAL (a critical finding or a missed target), \
        3 UNKNOWN (the drill could not run), 64 usage error.
        """,
        version: "0.1.0",
        subcommands: [Init.self, Catalog.self, Plan.self, List.self, Run.self, Relink.self, Preflight.self, Walkthrough.self, History.self, Report.self, Extract.self, Demo.self]
    )

    static func main() {
        // Before anything else (a signal in the first milliseconds still stops a drill cleanly and is recorded).
        Cancellation.install()
        do {
            var command = try parseAsRoot()
            // Only these commands check for a signal; the others end on one at once, as by default.
            if !(command is Run || command is Demo || command is Extract) { Cancellation.notAware() }
            guard let drillCommand = command as? DrillCommand else {
                try command.run()
                return
            }
            Foundation.exit(try drillCommand.execute().exitStatus.rawValue)
        } catch let error as DrillError {
            Output.error("immich-drill: error: \(error.description)\n")
            Foundation.exit(error.outcome.exitStatus.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

/// A subcommand: it parses, calls the library, prints, and returns what it came to. The exit code is not its business.
protocol DrillCommand: ParsableCommand {
    func execute() throws -> Outcome
}

extension DrillCommand {
    /// For a caller that runs the command through ArgumentParser: the same outcome, the same exit code.
    func run() throws {
        let status = try execute().exitStatus
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
