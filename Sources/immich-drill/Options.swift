// Options shared by subcommands, and the one place output and exit codes are produced.

import ArgumentParser
import DrillCore
import Foundation

extension OutputFormat: ExpressibleByArgument {}

/// `--format text|json|markdown`.
struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text
}

enum Output {
    /// Whether stdout is a terminal that wants colour (no NO_COLOR).
    static var color: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Writes `text` to stdout, screened (`TerminalText`): names from a backup cannot act on the terminal.
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data(TerminalText.screen(text, colour: color).utf8))
    }

    /// Writes one message to stderr, screened.
    static func warn(_ text: String) {
        error("immich-drill: \(text)\n")
    }

    /// Writes `text` to stderr, screened.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(TerminalText.screen(text).utf8))
    }
}
