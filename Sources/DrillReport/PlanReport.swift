// What `plan` prints: the deployment, the backup coverage, the restore points, the live inventory and the findings,
// as text, JSON (`immich-drill/plan/v1`) or Markdown, from one model.

import DrillPlanning
import DrillVerify
import Foundation

/// One planned source's snapshots, as the report lists them.
package struct SnapshotSummary: Sendable, Encodable {
    public var source: String
    public var kind: String
    public var count: Int
    package var failed: Int
    public var newest: String?
    package var oldest: String?
    /// How the newest one's time was read.
    public var timeSource: String?
    package var notes: [String]
}

/// The listing of one snapshot, as the report shows it.
package struct ListingSummary: Sendable, Encodable {
    public var snapshot: String
    public var entries: Int
    public var files: Int
    public var bytes: Int64
    public var root: String
    package var rootSource: String
    package var topLevel: [String]
    public var folders: [String: FolderStats]
}

/// What `plan` prints: coverage, restore points, snapshots and findings.
public struct PlanReport: Sendable, Encodable {
    package var schema = "immich-drill/plan/v1"
    public var plan: String
    public var now: String
    package var deploymentReport: DeploymentReport
    package var snapshots: [SnapshotSummary]
    package var coverage: [CoverageRow]
    package var restorePoints: [RestorePoint]
    package var selectedRestorePoint: String?
    package var listings: [ListingSummary]
    package var live: [LiveSource]?
    package var liveSeconds: Double?
    public var catalogDump: String?
    package var findings: [Finding]
    public var exitCode: Int32
    let zone: TimeZone?
    let nowTime: Double

    enum CodingKeys: String, CodingKey {
        case schema, plan, now, deployment, sources, snapshots, coverage, restorePoints, selectedRestorePoint, listings
        case live, liveSeconds, catalogDump, findings, exitCode
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(plan, forKey: .plan)
        try c.encode(now, forKey: .now)
        try c.encode(deploymentReport.deployment, forKey: .deployment)
        try c.encode(deploymentReport.sources, forKey: .sources)
        try c.encode(snapshots, forKey: .snapshots)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(restorePoints, forKey: .restorePoints)
        try c.encode(selectedRestorePoint, forKey: .selectedRestorePoint)
        try c.encode(listings, forKey: .listings)
        try c.encode(live, forKey: .live)
        try c.encode(liveSeconds, forKey: .liveSeconds)
        try c.encode(catalogDump, forKey: .catalogDump)
        try c.encode(findings, forKey: .findings)
        try c.encode(exitCode, forKey: .exitCode)
    }

    package init(planFile: String, result: PlanAnalysis) {
        plan = planFile
        now = SnapshotTime.iso(result.now)
        nowTime = result.now
        zone = result.zone
        deploymentReport = DeploymentReport(plan: planFile, deployment: result.deployment, sources: result.sources)
        snapshots = result.discovered.map { d in
            let usable = d.usable
            return SnapshotSummary(source: d.planned.id.description, kind: d.planned.location.kindName, count: usable.count,
                                   failed: d.snapshots.filter(\.failed).count, newest: usable.first?.name,
                                   oldest: usable.last?.name, timeSource: usable.first?.timeSource, notes: d.notes)
        }
        coverage = result.coverage
        restorePoints = result.restorePoints
        selectedRestorePoint = result.selected?.id
        listings = result.listings.sorted { $0.key < $1.key }.map { path, l in
            ListingSummary(snapshot: path, entries: l.entries, files: l.files, bytes: l.bytes, root: l.root,
                           rootSource: l.rootSource, topLevel: l.topLevel, folders: l.folders)
        }
        live = result.live?.sources
        liveSeconds = result.live.map { ($0.seconds * 1000).rounded() / 1000 }
        catalogDump = result.catalogDump
        findings = result.findings
        exitCode = Outcome.from(findings: result.findings).exitStatus.rawValue
    }

    public func render(_ format: OutputFormat, color: Bool = false) -> String {
        switch format {
        case .json: ReportJSON.encode(self)
        case .text: text(color: color)
        case .markdown: markdown()
        }
    }

    // MARK: Cells

    private func time(_ t: Double?) -> String { t.map { SnapshotTime.display($0, zone: zone) } ?? "-" }
    private func age(_ seconds: Int?) -> String { seconds.map { DurationText.format(seconds: ($0 / 60) * 60) } ?? "-" }
    private func yesNo(_ b: Bool?) -> String { b.map { $0 ? "yes" : "NO" } ?? "?" }

    private var coverageRows: [[String]] {
        coverage.map { r in
            var snapshot = r.plannedAs.map { "\($0) (\(r.kind ?? "?"))" } ?? "none"
            if r.source.hasPrefix("config:") { snapshot = r.plannedAs ?? "none" }
            let newest = r.newest.map { "\($0), \(age(r.newestAgeSeconds)) ago" } ?? "-"
            var contents = "-"
            if let files = r.newestFiles { contents = "\(files) files, \(ByteText.format(r.newestBytes ?? 0))" }
            else if let bytes = r.newestBytes { contents = ByteText.format(bytes) }
            var marker = "-"
            if r.source.sourceID?.uploadFolder != nil { marker = r.markerInNewest.map { $0 ? "yes" : "NO" } ?? "?" }
            if r.source.sourceID == .database {
                marker = "complete: \(yesNo(r.newestComplete))" + (r.failed.map { $0 > 0 ? ", \($0) failed .tmp" : "" } ?? "")
            }
            if r.source.hasPrefix("config:") { marker = r.inNewest == true ? "inside" : "NOT inside" }
            let need = r.required ? "required" : (r.source.hasPrefix("config:") ? "config" : "optional")
            return [r.source, need, snapshot, "\(r.snapshots)", newest, contents, marker,
                    r.assets.map(String.init) ?? "-"]
        }
    }

    private var pointRows: [[String]] {
        restorePoints.map { p in
            let members = p.members.dropFirst().map { m in
                let sign = m.offsetSeconds >= 0 ? "+" : "-"
                return "\(m.source) \(sign)\(DurationText.format(seconds: (abs(m.offsetSeconds) / 60) * 60))"
            } + p.missing.map { "\($0) MISSING" }
            var state = p.complete ? "complete" : "INCOMPLETE"
            if p.dumpReadable == false { state += " (dump unreadable)" }
            if p.skewExceeded { state += ", skew over target" }
            return [(p.id == selectedRestorePoint ? "* " : "  ") + p.id, time(p.dumpTime), members.joined(separator: "; "),
                    DurationText.format(seconds: (p.skewSeconds / 60) * 60), age(p.rpoSeconds), state]
        }
    }

    private var liveRows: [[String]] {
        (live ?? []).map { l in
            guard l.visible else { return [l.source, l.path ?? "-", "not visible here", "-", "-", "-"] }
            let changed = l.changedFiles.map { "\($0) files, \(ByteText.format(l.changedBytes ?? 0)) (\(l.comparedBy ?? "?"))" } ?? "no snapshot"
            return [l.source, l.path ?? "-", "\(l.files)", ByteText.format(l.bytes), time(l.newestMtime), changed]
        }
    }

    private func header() -> [(String, String)] {
        var lines = [("plan", plan), ("now", time(nowTime) + " (\(zone?.identifier ?? "UTC"))")]
        lines.append(("catalog", catalogDump.map { ($0 as NSString).lastPathComponent } ?? "no readable dump"))
        if let selected = restorePoints.first(where: { $0.id == selectedRestorePoint }) {
            lines.append(("restore point", "\(selected.id): RPO \(age(selected.rpoSeconds)), skew \(DurationText.format(seconds: (selected.skewSeconds / 60) * 60))\(selected.complete ? "" : ", INCOMPLETE")"))
        }
        return lines
    }

    private func text(color: Bool) -> String {
        var out = [deploymentReport.sectionsText()]
        out.append("Backup plan")
        for (key, value) in header() { out.append("  " + key.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        out.append("")
        out.append("Snapshots")
        out.append(TextTable(headers: ["SOURCE", "KIND", "COUNT", "NEWEST", "OLDEST", "TIME FROM", "NOTES"], rows: snapshots.map {
            [$0.source, $0.kind, "\($0.count)" + ($0.failed > 0 ? " (+\($0.failed) failed)" : ""), $0.newest ?? "-",
             $0.oldest ?? "-", $0.timeSource ?? "-", $0.notes.joined(separator: "; ")]
        }).text())
        out.append("")
        out.append("Coverage")
        out.append(TextTable(headers: ["SOURCE", "NEED", "BACKED UP BY", "SNAPSHOTS", "NEWEST", "IN NEWEST", "MARKER / STATE", "ASSETS"],
                             rows: coverageRows).text())
        out.append("")
        out.append("Restore points (* selected)")
        out.append(restorePoints.isEmpty ? "  none: no usable database dump"
            : TextTable(headers: ["  ID", "DUMP", "MEMBERS (offset from the dump)", "SKEW", "RPO", "STATE"], rows: pointRows).text())
        out.append("")
        if let live {
            _ = live
            out.append("Live files (walked in \(String(format: "%.1f", liveSeconds ?? 0)) s)")
            out.append(TextTable(headers: ["SOURCE", "PATH", "FILES", "BYTES", "NEWEST", "CHANGED SINCE NEWEST SNAPSHOT"], rows: liveRows).text())
            out.append("")
        }
        out.append(FindingsRenderer.text(findings, color: color))
        return out.joined(separator: "\n") + "\n"
    }

    private func markdown() -> String {
        var out = [deploymentReport.sectionsMarkdown()]
        out.append("## Backup plan")
        out.append("")
        for (key, value) in header() { out.append("- **\(key):** \(value)") }
        out.append("")
        out.append("## Snapshots")
        out.append("")
        out.append(TextTable(headers: ["Source", "Kind", "Count", "Newest", "Oldest", "Time from", "Notes"], rows: snapshots.map {
            [$0.source, $0.kind, "\($0.count)" + ($0.failed > 0 ? " (+\($0.failed) failed)" : ""), $0.newest ?? "-",
             $0.oldest ?? "-", $0.timeSource ?? "-", $0.notes.joined(separator: "; ")]
        }).markdown())
        out.append("")
        out.append("## Coverage")
        out.append("")
        out.append(TextTable(headers: ["Source", "Need", "Backed up by", "Snapshots", "Newest", "In newest", "Marker / state", "Assets"],
                             rows: coverageRows).markdown())
        out.append("")
        out.append("## Restore points")
        out.append("")
        out.append(restorePoints.isEmpty ? "None: no usable database dump."
            : TextTable(headers: ["Id (* selected)", "Dump", "Members (offset from the dump)", "Skew", "RPO", "State"],
                        rows: pointRows.map { [$0[0].trimmingCharacters(in: .whitespaces)] + $0.dropFirst() }).markdown())
        out.append("")
        if live != nil {
            out.append("## Live files")
            out.append("")
            out.append(TextTable(headers: ["Source", "Path", "Files", "Bytes", "Newest", "Changed since newest snapshot"], rows: liveRows).markdown())
            out.append("")
        }
        out.append(FindingsRenderer.markdown(findings))
        return out.joined(separator: "\n") + "\n"
    }
}
