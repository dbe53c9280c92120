// What a command came to. Every command's result carries one; the exit code is computed from it here, in
// `exitStatus`, and applied once, in the CLI's main. The Nagios convention (DESIGN.md): 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN, 64 usage error.

/// The outcome of one command.
public enum Outcome: Sendable, Equatable {
    /// The command looked and judged: the worst severity among what it found decides (nil: nothing found). A missed
    /// RTO/RPO target is a critical finding like any other.
    case judged(worst: Severity?)
    /// Stopped before its end (a signal, an operator who quit a walkthrough): what was not looked at is not known.
    case aborted
    /// Could not run at all: a bad plan, an unreadable input, a lock held by another drill.
    case couldNotRun
    /// The command line itself was wrong.
    case usage

    /// Nothing found that matters.
    public static let ok = Outcome.judged(worst: nil)

    /// The outcome a set of findings earns.
    package static func from(findings: [Finding]) -> Outcome { .judged(worst: findings.map(\.severity).max()) }

    /// The outcome of a judgement given as an exit status (preflight's checklist, a past run's stored code).
    package static func judged(_ status: ExitStatus) -> Outcome {
        switch status {
        case .ok: .judged(worst: nil)
        case .warning: .judged(worst: .warning)
        case .critical: .judged(worst: .critical)
        case .unknown: .couldNotRun
        case .usage: .usage
        }
    }

    /// The exit status: the one place it is decided.
    package var exitStatus: ExitStatus {
        switch self {
        case .judged(worst: .critical): .critical
        case .judged(worst: .warning): .warning
        case .judged(worst: .info), .judged(worst: nil): .ok
        case .aborted, .couldNotRun: .unknown
        case .usage: .usage
        }
    }

    /// The verdict a drill with this outcome gets.
    public var verdict: Verdict {
        switch self {
        case .aborted: .aborted
        default: Verdict(exitStatus)
        }
    }
}
