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

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func warn(_ text: String) {
        FileHandle.standardError.write(Data("immich-drill: \(text)\n".utf8))
    }
}
