// A finding is one failure mode found in a deployment, a backup or a restore. Findings are collected, never thrown;
// the command's `Outcome` decides the exit code from them in one place.

/// How bad a finding is.
public enum Severity: String, Codable, Sendable, Comparable, CaseIterable {
    case info
    case warning
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One failure mode: a stable kebab-case code, a severity, how many things it concerns, a few examples, what Immich
/// will do about it and how to fix it.
package struct Finding: Codable, Sendable, Equatable {
    /// The catalogued code (FindingCode.rawValue), stored as text so JSON, metrics and the history keep their shape.
    public var code: String
    package var severity: Severity
    public var count: Int
    public var message: String
    public var examples: [String]
    /// What Immich does when it meets this (at startup, at the next library scan…).
    package var immichWill: String?
    /// What the operator should do.
    package var remedy: String?

    /// The most examples a finding carries.
    package static let maxExamples = 5

    /// A finding of a catalogued code (FindingCode), with one of the severities the catalogue gives it.
    package init(code: FindingCode, severity: Severity, count: Int, message: String, examples: [String] = [],
                immichWill: String? = nil, remedy: String? = nil) {
        assert(code.severities.contains(severity), "\(code) is catalogued as \(code.severities), not \(severity)")
        self.code = code.rawValue
        self.severity = severity
        self.count = count
        self.message = message
        self.examples = Array(examples.prefix(Finding.maxExamples))
        self.immichWill = immichWill
        self.remedy = remedy
    }
}

/// A drill's verdict: what its findings earn (ok, warning, critical), or that it was stopped (aborted) or never
/// decided (unknown). Stored and printed as these words.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case ok, warning, critical, unknown, aborted

    /// The verdict an exit status earns.
    package init(_ status: ExitStatus) {
        switch status {
        case .ok: self = .ok
        case .warning: self = .warning
        case .critical: self = .critical
        case .unknown, .usage: self = .unknown
        }
    }
}

/// `verdict == "ok"` where a stored verdict (text) meets a typed one.
public func == (lhs: Verdict, rhs: String) -> Bool { lhs.rawValue == rhs }

/// The exit codes, in the Nagios convention so monitoring understands them as they are (DESIGN.md).
package enum ExitStatus: Int32, Sendable, Codable {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3
    case usage = 64
}

extension Array where Element == Finding {
    /// Sorted worst first, then by code, for stable output.
    package func sortedForReport() -> [Finding] {
        sorted { a, b in
            a.severity != b.severity ? a.severity > b.severity : a.code < b.code
        }
    }
}
