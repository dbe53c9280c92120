// What `run` reports, and what the history stores: one model (`immich-drill/run/v1`), rendered as text, JSON or
// Markdown. It is Codable both ways, so `report RUN-ID` renders a stored run exactly as it was first shown.

import DrillPlanning
import DrillVerify
import Foundation

/// One drill: the restore point, the restores, the phases, RTO, RPO, the findings, the verdict and exit code.
public struct RunReport: Sendable, Codable {
    /// The drilled dump's counts.
    package struct CatalogSummary: Sendable, Codable, Equatable {
        public var dump: String
        package var immichVersion: String?
        public var assets: Int
        public var external: Int
        package var albums: Int
        package var people: Int
        public var users: Int
        /// Immich's own integrity check in the dump (v3): rows by type; absent before v3.
        package var immichIntegrity: [String: Int]?

        package init(_ c: Catalog) {
            dump = c.identity.file
            immichVersion = c.immichVersion
            assets = c.counts.assets
            external = c.counts.external
            albums = c.counts.albums
            people = c.counts.people
            users = c.counts.users
            immichIntegrity = c.integrity.present ? c.integrity.counts : nil
        }
    }

    /// How deep verification went and what it measured.
    public struct Verify: Sendable, Codable, Equatable {
        public var depth = "full"
        public var seed: UInt64?
        package var stats: VerificationStats?
    }

    /// The recovery time: measured and projected phases against the target.
    public struct RTO: Sendable, Codable, Equatable {
        /// What this drill timed.
        package var measuredSeconds: Double
        /// The restore's whole time: measured phases, projections from a sample, and estimates.
        public var totalSeconds: Double
        package var targetSeconds: Int
        package var met: Bool

        public init(measuredSeconds: Double, totalSeconds: Double, targetSeconds: Int, met: Bool) {
            self.measuredSeconds = measuredSeconds
            self.totalSeconds = totalSeconds
            self.targetSeconds = targetSeconds
            self.met = met
        }
    }

    /// The recovery point: the restore point's age and skew against the targets.
    public struct RPO: Sendable, Codable, Equatable {
        public var seconds: Int
        package var targetSeconds: Int
        package var skewSeconds: Int
        package var maxSkewSeconds: Int
        package var met: Bool

        public init(seconds: Int, targetSeconds: Int, skewSeconds: Int, maxSkewSeconds: Int, met: Bool) {
            self.seconds = seconds
            self.targetSeconds = targetSeconds
            self.skewSeconds = skewSeconds
            self.maxSkewSeconds = maxSkewSeconds
            self.met = met
        }
    }

    package var schema = "immich-drill/run/v1"
    public var runId: Int64?
    public var plan: String
    public var planFile: String
    public var startedAt: Double
    public var finishedAt: Double?
    /// `ok`, `warning`, `critical`, `unknown` or `aborted`.
    public var verdict = Verdict.unknown
    public var exitCode: Int32 = 3
    public var aborted: String?
    package var restorePoint: RestorePoint?
    package var restorePoints: Int
    package var catalog: CatalogSummary?
    public var verify = Verify()
    package var phases: [Phase] = []
    package var restores: [SourceRestore] = []
    public var rto: RTO?
    public var rpo: RPO?
    package var coverage: [CoverageRow]
    public var scratch: String?
    package var findings: [Finding] = []
    public var timeZone: String?
    /// What happened around the drill that does not change its verdict: a monitoring ping that failed, a stale
    /// lock taken over. Absent in reports written before they existed.
    package var notices: [String]?
    /// The database load, when one ran (absent in reports written before it existed).
    package var database: DatabaseRestoreSummary?
    /// `run --relink`: where the missing and moved originals went, and the proof (absent otherwise).
    package var relink: RelinkSummary?

    package init(plan: DrillPlan, startedAt: Double, analysis: PlanAnalysis) {
        self.plan = plan.name
        planFile = plan.file
        self.startedAt = startedAt
        restorePoint = analysis.selected
        restorePoints = analysis.restorePoints.count
        coverage = analysis.coverage
        timeZone = analysis.zone?.identifier
    }

    /// The report with its findings, verdict and exit code.
    package func finished(findings: [Finding]) -> RunReport {
        var copy = self
        copy.finishedAt = Date().timeIntervalSince1970
        copy.findings = findings.sortedForReport()
        copy.decide()
        return copy
    }

    /// What the drill came to: stopped (aborted), else what its findings earn (a missed target is among them).
    public var outcome: Outcome { aborted != nil ? .aborted : .from(findings: findings) }

    /// Stores the outcome's verdict and exit code, as JSON and the history keep them.
    package mutating func decide() {
        verdict = outcome.verdict
        exitCode = outcome.exitStatus.rawValue
    }

    // MARK: Rendering

    public func render(_ format: OutputFormat, color: Bool = false) -> String {
        switch format {
        case .json: ReportJSON.encode(self)
        case .text: text(color: color)
        case .markdown: markdown()
        }
    }

    /// One line for a monitor's message: verdict, RTO, RPO and the findings that decided the verdict.
    package var summaryLine: String {
        var parts = ["\(plan): \(verdict.rawValue.uppercased())"]
        if let aborted { parts.append(aborted) }
        if let rto { parts.append("RTO \(DurationText.format(seconds: Int(rto.totalSeconds.rounded()))) \(rto.met ? "met" : "MISSED")") }
        if let rpo { parts.append("RPO \(DurationText.format(seconds: (rpo.seconds / 60) * 60)) \(rpo.met ? "met" : "MISSED")") }
        let bad = findings.filter { $0.severity != .info }
        if !bad.isEmpty { parts.append(bad.prefix(4).map { "\($0.code)×\($0.count)" }.joined(separator: " ")) }
        return parts.joined(separator: "; ")
    }

    var zone: TimeZone? { timeZone.flatMap(TimeZone.init(identifier:)) }

    private var phaseRows: [[String]] {
        phases.map { p in
            let rate: String
            if let bytes = p.bytes, p.seconds > 0, p.measured, p.kind != .loadDatabase {
                rate = ByteText.format(Int64(Double(bytes) / p.seconds)) + "/s"
            } else {
                rate = "-"
            }
            return [p.name + (p.source.map { " " + $0 } ?? ""), DurationText.short(p.seconds), p.files.map(String.init) ?? "-",
                    p.bytes.map(ByteText.format) ?? "-", rate, p.measured ? (p.assumption.map { "measured, " + $0 } ?? "measured") : "NOT MEASURED: " + (p.assumption ?? "")]
        }
    }

    private var summary: [(String, String)] {
        var lines: [(String, String)] = [("plan", "\(plan) (\(planFile))"),
                                         ("verdict", verdict.rawValue.uppercased() + " (exit \(exitCode))")]
        if let aborted { lines.append(("aborted", aborted)) }
        if let p = restorePoint {
            lines.append(("restore point", "\(p.id) (dump \(SnapshotTime.display(p.dumpTime, zone: zone))), one of \(restorePoints)"))
        }
        if let c = catalog {
            lines.append(("dump", "\((c.dump as NSString).lastPathComponent): \(c.assets) assets (\(c.external) external), \(c.albums) albums, \(c.people) people, \(c.users) users, Immich \(c.immichVersion ?? "?")"))
        }
        var depth = verify.depth
        if let seed = verify.seed { depth += " (seed \(seed))" }
        if let s = verify.stats {
            depth += ": \(s.checkedPresence) of \(s.population) originals present, \(s.checkedContent) checked by content (SHA-1), the external ones by their path hash"
        }
        if let database { lines.append(("database", database.line)) }
        if let relink { lines.append(("relink", relink.line)) }
        lines.append(("verify", depth))
        if let statement = verify.stats?.statement { lines.append(("sample", statement)) }
        if let counts = catalog?.immichIntegrity {
            // Immich's own integrity check (v3) beside the drill's: what it recorded in the dump, and how much of
            // that this drill's findings name too.
            let total = counts.values.reduce(0, +)
            var line = total == 0 ? "Immich's last integrity check recorded nothing"
                : "Immich's last integrity check recorded " + IntegrityReport.describe(counts)
            if total > 0, let found = verify.stats?.immichRecordedAlsoFound {
                line += "; the drill's findings name \(found) of them"
                if found < total { line += " (the others are fine in this restore point, or outside what it checks)" }
            }
            lines.append(("Immich check", line))
        }
        if let rto {
            lines.append(("RTO", "\(DurationText.short(rto.totalSeconds)) in all (\(DurationText.short(rto.measuredSeconds)) measured), target \(DurationText.format(seconds: rto.targetSeconds)): \(rto.met ? "met" : "MISSED")"))
        }
        if let rpo {
            lines.append(("RPO", "\(DurationText.format(seconds: (rpo.seconds / 60) * 60)), target \(DurationText.format(seconds: rpo.targetSeconds)): \(rpo.met ? "met" : "MISSED"); skew \(DurationText.format(seconds: (rpo.skewSeconds / 60) * 60)) (max \(DurationText.format(seconds: rpo.maxSkewSeconds)))"))
        }
        if let scratch { lines.append(("scratch", scratch)) }
        // The command names the plan, so it finds the plan's history from any folder.
        if let id = runId { lines.append(("run", "#\(id) in the history (immich-drill report \(id) --plan-file \(Subprocess.shellQuote(planFile)))")) }
        for notice in notices ?? [] { lines.append(("notice", notice)) }
        return lines
    }

    private func text(color: Bool) -> String {
        var out = ["Drill"]
        for (k, v) in summary { out.append("  " + k.padding(toLength: 14, withPad: " ", startingAt: 0) + v) }
        out.append("")
        if !phases.isEmpty {
            out.append("Phases")
            out.append(TextTable(headers: ["PHASE", "TIME", "FILES", "BYTES", "RATE", "HOW"], rows: phaseRows).text())
            out.append("")
        }
        out.append(FindingsRenderer.text(findings, color: color))
        return out.joined(separator: "\n") + "\n"
    }

    private func markdown() -> String {
        var out = ["# Drill `\(plan)`: \(verdict.rawValue.uppercased())", ""]
        for (k, v) in summary.dropFirst(2) { out.append("- **\(k):** \(v)") }
        out.append("")
        if !phases.isEmpty {
            out.append("## Phases")
            out.append("")
            out.append(TextTable(headers: ["Phase", "Time", "Files", "Bytes", "Rate", "How"], rows: phaseRows).markdown())
            out.append("")
        }
        out.append(FindingsRenderer.markdown(findings))
        return out.joined(separator: "\n") + "\n"
    }
}
