// Errors are values: a kind that decides the exit code, the file and position they concern, a message a user
// understands, and the underlying cause. Findings about a deployment are never thrown; these are for input the tool
// cannot read at all.

import Foundation

/// An error the tool reports to the user: what went wrong, where, and what was expected.
public struct DrillError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What kind of failure this is; it decides the exit code.
    public enum Kind: String, Sendable {
        /// The command line itself is wrong (exit 64).
        case usage
        /// An input (plan, compose file, .env, dump…) cannot be read or is malformed (exit 3).
        case input
        /// The environment does not allow the work (missing tool, no space, permission) (exit 3).
        case environment
    }

    public var kind: Kind
    /// The file the error is about, as the user named it.
    public var file: String?
    /// 1-based line in `file`, when known.
    public var line: Int?
    /// 1-based column in `file`, when known.
    public var column: Int?
    /// What is wrong and what was expected.
    public var message: String
    /// The lower-level cause (an errno text, a parser message).
    public var cause: String?

    public init(_ kind: Kind = .input, file: String? = nil, line: Int? = nil, column: Int? = nil,
                _ message: String, cause: String? = nil) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.cause = cause
    }

    /// What a command stopped by this error came to: a usage error, or one that could not run.
    public var outcome: Outcome { kind == .usage ? .usage : .couldNotRun }
    /// The process exit code for this error (DESIGN.md: 3 UNKNOWN, 64 usage).
    public var exitCode: Int32 { outcome.exitStatus.rawValue }

    /// `file:line:column: message (cause)`, the shape compilers use, so editors can jump to it.
    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line {
                location += ":\(line)"
                if let column { location += ":\(column)" }
            }
            location += ": "
        }
        var text = location + message
        if let cause, !cause.isEmpty { text += " (\(cause))" }
        return text
    }

    public var errorDescription: String? { description }
}

extension DrillError {
    /// An errno value as text, for `cause`.
    package static func errnoText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
