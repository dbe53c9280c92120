// What `history` prints: past runs, newest first, with RTO and RPO and how each compares with the run before it of
// the same plan.

import DrillPlanning
import DrillVerify
import Foundation

/// Past drills and walkthroughs, newest first, as `history` prints them.
public struct HistoryView: Sendable, Encodable {
    /// One past drill.
    public struct Run: Sendable, Encodable {
        public var id: Int64
        public var plan: String
        public var startedAt: Double
        public var verdict: String
        public var exitCode: Int32
        public var restorePoint: String?
        public var rtoSeconds: Double?
        public var rpoSeconds: Double?

        public init(id: Int64, plan: String, startedAt: Double, verdict: String, exitCode: Int32,
                    restorePoint: String?, rtoSeconds: Double?, rpoSeconds: Double?) {
            self.id = id
            self.plan = plan
            self.startedAt = startedAt
            self.verdict = verdict
            self.exitCode = exitCode
            self.restorePoint = restorePoint
            self.rtoSeconds = rtoSeconds
            self.rpoSeconds = rpoSeconds
        }
    }

    /// A restore walked through with `walkthrough --interactive`.
    public struct Walk: Sendable, Encodable {
        public var id: Int64
        public var plan: String
        public var startedAt: Double
        public var restorePoint: String?
        public var completed: Bool
        /// The real RTO: from the first step to the last.
        public var rtoSeconds: Double
        public var steps: [WalkedStep]

        public init(id: Int64, plan: String, startedAt: Double, restorePoint: String?, completed: Bool,
                    rtoSeconds: Double, steps: [WalkedStep]) {
            self.id = id
            self.plan = plan
            self.startedAt = startedAt
            self.restorePoint = restorePoint
            self.completed = completed
            self.rtoSeconds = rtoSeconds
            self.steps = steps
        }
    }

    package var schema = "immich-drill/history/v1"
    public var runs: [Run]
    public var walkthroughs: [Walk]

    public init(runs: [Run], walkthroughs: [Walk] = []) {
        self.runs = runs
        self.walkthroughs = walkthroughs
    }

    /// ↑ when larger than the previous run of the same plan, ↓ when smaller, = when equal.
    func trend(_ index: Int, _ value: (Run) -> Double?) -> String {
        guard let current = value(runs[index]) else { return "" }
        guard let previous = runs[(index + 1)...].first(where: { $0.plan == runs[index].plan }).flatMap(value) else { return "" }
        if abs(current - previous) < max(1, previous * 0.05) { return " =" }
        return current > previous ? " ↑" : " ↓"
    }

    public func render(_ format: OutputFormat) -> String {
        if format == .json { return ReportJSON.encode(self) }
        let rows = runs.indices.map { i -> [String] in
            let r = runs[i]
            return ["\(r.id)", SnapshotTime.display(r.startedAt, zone: .current), r.plan, r.restorePoint ?? "-",
                    r.verdict.uppercased(),
                    (r.rtoSeconds.map { DurationText.format(seconds: Int($0.rounded())) } ?? "-") + trend(i, \.rtoSeconds),
                    (r.rpoSeconds.map { DurationText.format(seconds: (Int($0) / 60) * 60) } ?? "-") + trend(i, \.rpoSeconds)]
        }
        let table = TextTable(headers: format == .markdown ? ["Run", "Started", "Plan", "Restore point", "Verdict", "RTO", "RPO"]
                              : ["RUN", "STARTED", "PLAN", "RESTORE POINT", "VERDICT", "RTO", "RPO"], rows: rows)
        var out = runs.isEmpty ? "No drills recorded yet.\n" : (format == .markdown ? table.markdown() : table.text()) + "\n"
        if !walkthroughs.isEmpty {
            let walkRows = walkthroughs.map { w -> [String] in
                let done = w.steps.filter { $0.outcome == .done || $0.outcome == .doneWithFailedChecks }.count
                let state = w.completed ? "completed" : w.steps.last?.outcome == .quit ? "stopped at step \(w.steps.last!.number)" : "with skipped or failed checks"
                return ["\(w.id)", SnapshotTime.display(w.startedAt, zone: .current), w.plan, w.restorePoint ?? "-",
                        "\(done) of \(w.steps.count) steps, \(state)", DurationText.format(seconds: Int(w.rtoSeconds.rounded()))]
            }
            let headers = ["WALK", "STARTED", "PLAN", "RESTORE POINT", "STEPS", "REAL RTO"]
            let walkTable = TextTable(headers: format == .markdown ? headers.map { $0.capitalized } : headers, rows: walkRows)
            out += (format == .markdown ? "\n## Walkthroughs\n\n" + walkTable.markdown() : "\nWalkthroughs (walkthrough --interactive)\n" + walkTable.text()) + "\n"
        }
        return out
    }
}

/// What one runbook check found on this machine.
package struct CheckResult: Sendable, Codable, Equatable {
    public var ok: Bool
    public var text: String

    package init(ok: Bool, text: String) {
        self.ok = ok
        self.text = text
    }
}

/// One step as `--interactive` lived it.
public struct WalkedStep: Sendable, Codable, Equatable {
    /// How the operator left the step.
    public enum Outcome: String, Sendable, Codable {
        /// Done, and every check passed.
        case done
        /// Done, but the operator went on past a failed check.
        case doneWithFailedChecks = "done-with-failed-checks"
        case skipped
        /// The operator stopped here.
        case quit
    }

    public var number: Int
    public var id: String
    package var title: String
    public var seconds: Double
    public var expectedSeconds: Double?
    public var outcome: Outcome
    package var checks: [CheckResult]

    package init(number: Int, id: String, title: String, seconds: Double, expectedSeconds: Double?, outcome: Outcome,
                checks: [CheckResult]) {
        self.number = number
        self.id = id
        self.title = title
        self.seconds = seconds
        self.expectedSeconds = expectedSeconds
        self.outcome = outcome
        self.checks = checks
    }
}
