// `report RUN-ID --format html`: one self-contained page for a drill (inline CSS and SVG, no script, nothing
// fetched), to mail, attach to a ticket or open from a NAS share: the verdict, a timeline of the phases (measured
// solid, projected hatched), the findings with examples and remedies, the restores, the coverage, and the RTO and
// RPO trends of the plan's past drills against their targets.

import DrillPlanning
import DrillVerify
import Foundation

/// One self-contained HTML page for a past drill: verdict, timeline, findings, coverage, trends.
public enum HTMLReport {
    public static func render(_ report: RunReport, trend: [HistoryView.Run] = []) -> String {
        var body: [String] = []
        body.append(header(report))
        body.append(cards(report))
        if !report.phases.isEmpty {
            body.append(section("Timeline", timeline(report.phases) + legend()))
        }
        body.append(section("Findings", findings(report.findings)))
        if !report.restores.isEmpty { body.append(section("Restores", restores(report.restores))) }
        if !report.coverage.isEmpty { body.append(section("Coverage", coverage(report.coverage, zone: report.zone))) }
        let history = trend.filter { $0.plan == report.plan }.sorted { $0.startedAt < $1.startedAt }.suffix(60)
        if history.count >= 2 {
            var charts = ""
            charts += chart(title: "RTO (restore time, measured + projected)", runs: Array(history), value: \.rtoSeconds,
                            target: report.rto.map { Double($0.targetSeconds) }, current: report.runId)
            charts += chart(title: "RPO (age of the restore point)", runs: Array(history), value: \.rpoSeconds,
                            target: report.rpo.map { Double($0.targetSeconds) }, current: report.runId)
            body.append(section("Trends", charts))
        }
        if let notices = report.notices, !notices.isEmpty {
            body.append(section("Notices", "<ul>" + notices.map { "<li>\(esc($0))</li>" }.joined() + "</ul>"))
        }
        body.append("<footer>immich-drill · \(esc(report.schema)) · plan file \(esc(report.planFile))</footer>")
        let title = "immich-drill: \(report.plan) \(report.verdict.rawValue.uppercased())"
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(esc(title))</title>
        <style>\(css)</style>
        </head>
        <body>
        <main>
        \(body.joined(separator: "\n"))
        </main>
        </body>
        </html>

        """
    }

    // MARK: Parts

    static func header(_ r: RunReport) -> String {
        let when = SnapshotTime.display(r.startedAt, zone: r.zone)
        var facts = ["started \(when)"]
        if let id = r.runId { facts.append("run #\(id)") }
        if let p = r.restorePoint { facts.append("restore point \(p.id) of \(r.restorePoints)") }
        if let c = r.catalog {
            facts.append("\(c.assets) assets (\(c.external) external), \(c.albums) albums, \(c.people) people, \(c.users) users, Immich \(c.immichVersion ?? "?")")
        }
        var html = "<header><h1>Drill <code>\(esc(r.plan))</code> <span class=\"badge \(verdictClass(r.verdict.rawValue))\">\(esc(r.verdict.rawValue.uppercased()))</span></h1>"
        html += "<p class=\"facts\">" + facts.map(esc).joined(separator: " · ") + "</p>"
        if let aborted = r.aborted { html += "<p class=\"aborted\">Aborted: \(esc(aborted))</p>" }
        return html + "</header>"
    }

    static func cards(_ r: RunReport) -> String {
        var cards: [String] = []
        if let rto = r.rto {
            cards.append(card("RTO", DurationText.short(rto.totalSeconds), "\(DurationText.short(rto.measuredSeconds)) measured · target \(DurationText.format(seconds: rto.targetSeconds))", ok: rto.met))
        }
        if let rpo = r.rpo {
            cards.append(card("RPO", DurationText.format(seconds: (rpo.seconds / 60) * 60),
                              "target \(DurationText.format(seconds: rpo.targetSeconds)) · skew \(DurationText.format(seconds: (rpo.skewSeconds / 60) * 60))", ok: rpo.met))
        }
        var verify = r.verify.depth
        if let s = r.verify.stats { verify = "\(s.checkedPresence) of \(s.population) present, \(s.checkedContent) hashed" }
        cards.append(card("Verified", r.verify.depth, verify, ok: nil))
        let serious = r.findings.filter { $0.severity != .info }.count
        cards.append(card("Findings", "\(r.findings.count)", "\(serious) warning or critical", ok: serious == 0))
        var html = "<section class=\"cards\">" + cards.joined() + "</section>"
        if let statement = r.verify.stats?.statement { html += "<p class=\"note\">\(esc(statement))</p>" }
        return html
    }

    static func card(_ label: String, _ value: String, _ detail: String, ok: Bool?) -> String {
        let state = ok.map { $0 ? " ok" : " bad" } ?? ""
        return "<div class=\"card\(state)\"><div class=\"label\">\(esc(label))</div><div class=\"value\">\(esc(value))</div><div class=\"detail\">\(esc(detail))</div></div>"
    }

    static func section(_ title: String, _ content: String) -> String {
        "<section><h2>\(esc(title))</h2>\(content)</section>"
    }

    /// The phases one after another on a time axis, as a restore would run them.
    static func timeline(_ phases: [Phase]) -> String {
        let width = 960.0, labelWidth = 300.0, row = 26.0, top = 8.0
        let chartWidth = width - labelWidth - 20
        // A sampled restore's measurement sits under its projection (the RTO counts the projection, not both).
        let overlaid = phases.supersededMeasurements
        let total = max(phases.filter { !overlaid($0) }.reduce(0) { $0 + $1.seconds }, 0.001)
        let height = top + Double(phases.count) * row + 34
        var svg = "<svg class=\"timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Phase timeline\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fde7c8\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#e8a33d\" stroke-width=\"3\"/></pattern></defs>"
        var start = 0.0
        for (i, p) in phases.enumerated() {
            let y = top + Double(i) * row
            let x = labelWidth + start / total * chartWidth
            let w = max(2, p.seconds / total * chartWidth)
            let name = p.name + (p.source.map { " " + $0 } ?? "")
            let fill = p.measured ? "#3b82c4" : "url(#hatch)"
            let stroke = p.measured ? "none" : "#e8a33d"
            svg += "<text x=\"\(fmt(labelWidth - 8))\" y=\"\(fmt(y + 17))\" text-anchor=\"end\" class=\"lbl\">\(esc(truncate(name, 44)))</text>"
            svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(w))\" height=\"\(fmt(row - 8))\" rx=\"3\" fill=\"\(fill)\" stroke=\"\(stroke)\"><title>\(esc(name)): \(esc(DurationText.short(p.seconds)))\(p.measured ? " measured" : " NOT MEASURED: " + esc(p.assumption ?? ""))</title></rect>"
            let textX = x + w + 6 > width - 60 ? x - 6 : x + w + 6
            svg += "<text x=\"\(fmt(textX))\" y=\"\(fmt(y + 17))\" text-anchor=\"\(textX < x ? "end" : "start")\" class=\"val\">\(esc(DurationText.short(p.seconds)))</text>"
            if !overlaid(p) { start += p.seconds }
        }
        let axisY = top + Double(phases.count) * row + 6
        svg += "<line x1=\"\(fmt(labelWidth))\" y1=\"\(fmt(axisY))\" x2=\"\(fmt(labelWidth + chartWidth))\" y2=\"\(fmt(axisY))\" stroke=\"#999\"/>"
        for k in 0...4 {
            let x = labelWidth + Double(k) / 4 * chartWidth
            svg += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(axisY))\" x2=\"\(fmt(x))\" y2=\"\(fmt(axisY + 5))\" stroke=\"#999\"/>"
            svg += "<text x=\"\(fmt(x))\" y=\"\(fmt(axisY + 18))\" text-anchor=\"middle\" class=\"axis\">\(esc(DurationText.short(total * Double(k) / 4)))</text>"
        }
        return svg + "</svg>"
    }

    static func legend() -> String {
        "<p class=\"legend\"><span class=\"swatch measured\"></span>measured by this drill <span class=\"swatch projected\"></span>projected or estimated (hover for the assumption)</p>"
    }

    static func findings(_ list: [Finding]) -> String {
        guard !list.isEmpty else { return "<p class=\"ok-text\">Nothing found: every reference in the dump has its file.</p>" }
        return list.map { f in
            var html = "<article class=\"finding \(f.severity.rawValue)\"><h3><span class=\"sev\">\(f.severity.rawValue.uppercased())</span> <code>\(esc(f.code))</code> <span class=\"count\">×\(f.count)</span></h3>"
            html += "<p>\(esc(f.message))</p>"
            if !f.examples.isEmpty {
                html += "<ul class=\"examples\">" + f.examples.map { "<li><code>\(esc($0))</code></li>" }.joined() + "</ul>"
            }
            if let will = f.immichWill { html += "<p><strong>Immich will:</strong> \(esc(will))</p>" }
            if let remedy = f.remedy { html += "<p><strong>Remedy:</strong> \(esc(remedy))</p>" }
            return html + "</article>"
        }.joined()
    }

    static func restores(_ list: [SourceRestore]) -> String {
        let rows = list.map { r -> [String] in
            let rate = r.seconds > 0 && r.restoredBytes > 0 ? ByteText.format(Int64(Double(r.restoredBytes) / r.seconds)) + "/s" : "–"
            return [r.source, r.kind + (r.inPlace ? " (in place)" : ""), (r.location as NSString).lastPathComponent,
                    "\(r.restoredFiles) of \(r.totalFiles)", ByteText.format(r.restoredBytes), DurationText.short(r.seconds), rate,
                    r.refused.isEmpty ? "" : "\(r.refused.count) refused"]
        }
        return table(["Source", "Kind", "Snapshot", "Files", "Bytes", "Time", "Rate", ""], rows)
    }

    static func coverage(_ rows: [CoverageRow], zone: TimeZone?) -> String {
        let body = rows.map { c -> [String] in
            let age = c.newestAgeSeconds.map { DurationText.format(seconds: ($0 / 60) * 60) } ?? "–"
            let marker = c.markerInNewest.map { $0 ? "yes" : "NO" } ?? ""
            return [c.source, c.required ? "required" : "optional", c.kind ?? "none", "\(c.snapshots)", age,
                    c.newestFiles.map(String.init) ?? "", marker, c.note]
        }
        return table(["Source", "", "Backed up as", "Snapshots", "Newest age", "Files", ".immich", "Note"], body)
    }

    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        var html = "<div class=\"scroll\"><table><thead><tr>" + headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\(esc($0))</td>" }.joined() + "</tr>" }
        return html + "</tbody></table></div>"
    }

    /// One metric over the plan's drills, with its target as a dashed line; points coloured by verdict.
    static func chart(title: String, runs: [HistoryView.Run], value: KeyPath<HistoryView.Run, Double?>, target: Double?,
                      current: Int64?) -> String {
        let points = runs.compactMap { run in run[keyPath: value].map { (run, $0) } }
        guard points.count >= 2 else { return "" }
        let width = 460.0, height = 200.0, left = 56.0, right = 12.0, top = 14.0, bottom = 30.0
        let maxValue = max(points.map(\.1).max() ?? 1, target ?? 0) * 1.1
        let t0 = points.first!.0.startedAt, t1 = max(points.last!.0.startedAt, t0 + 1)
        func x(_ t: Double) -> Double { left + (t - t0) / (t1 - t0) * (width - left - right) }
        func y(_ v: Double) -> Double { top + (1 - v / max(maxValue, 0.001)) * (height - top - bottom) }
        var svg = "<figure class=\"chart\"><figcaption>\(esc(title))</figcaption><svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(esc(title))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for k in 0...3 {
            let v = maxValue * Double(k) / 3
            svg += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y(v)))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(y(v)))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y(v) + 4))\" text-anchor=\"end\" class=\"axis\">\(esc(DurationText.short(v)))</text>"
        }
        if let target {
            svg += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y(target)))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(y(target)))\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>"
            svg += "<text x=\"\(fmt(width - right))\" y=\"\(fmt(y(target) - 4))\" text-anchor=\"end\" class=\"target\">target \(esc(DurationText.short(target)))</text>"
        }
        let line = points.map { "\(fmt(x($0.0.startedAt))),\(fmt(y($0.1)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#3b82c4\" stroke-width=\"2\"/>"
        for (run, v) in points {
            let r = run.id == current ? 5.5 : 3.5
            svg += "<circle cx=\"\(fmt(x(run.startedAt)))\" cy=\"\(fmt(y(v)))\" r=\"\(r)\" class=\"\(verdictClass(run.verdict))\"><title>#\(run.id) \(esc(SnapshotTime.iso(run.startedAt))): \(esc(DurationText.short(v))), \(esc(run.verdict))</title></circle>"
        }
        svg += "<text x=\"\(fmt(left))\" y=\"\(fmt(height - 8))\" class=\"axis\">\(esc(String(SnapshotTime.iso(t0).prefix(10))))</text>"
        svg += "<text x=\"\(fmt(width - right))\" y=\"\(fmt(height - 8))\" text-anchor=\"end\" class=\"axis\">\(esc(String(SnapshotTime.iso(t1).prefix(10))))</text>"
        return svg + "</svg></figure>"
    }

    // MARK: Helpers

    static func verdictClass(_ verdict: String) -> String {
        switch verdict {
        case "ok": "v-ok"
        case "warning": "v-warning"
        case "critical": "v-critical"
        default: "v-unknown"
        }
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// `s` as HTML text; a bidirectional override or other control character from a backup's names is shown as an
    /// escape (`TerminalText`), so a name cannot show itself in an order it does not have.
    package static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in TerminalText.screen(s) {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static let css = """
    :root{color-scheme:light;--ok:#2e8540;--warn:#c77c02;--crit:#c0392b;--muted:#666;--line:#e3e3e3}
    *{box-sizing:border-box}body{margin:0;background:#f6f7f9;color:#1d1d1f;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
    main{max-width:1040px;margin:0 auto;padding:24px}
    header h1{margin:0 0 6px;font-size:26px}code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.92em}
    .facts{margin:0;color:var(--muted)}.aborted{color:var(--crit);font-weight:600}
    .badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-size:15px;vertical-align:middle}
    .badge.v-ok{background:var(--ok)}.badge.v-warning{background:var(--warn)}.badge.v-critical{background:var(--crit)}.badge.v-unknown{background:#777}
    section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
    section.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px;background:none;border:0;padding:0}
    .card{background:#fff;border:1px solid var(--line);border-left:5px solid #999;border-radius:8px;padding:12px 14px}
    .card.ok{border-left-color:var(--ok)}.card.bad{border-left-color:var(--crit)}
    .card .label{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.04em}.card .value{font-size:24px;font-weight:650}.card .detail{color:var(--muted);font-size:13px}
    h2{margin:0 0 12px;font-size:19px}h3{margin:0 0 6px;font-size:16px}
    .note{color:var(--muted);font-size:13px}
    svg{width:100%;height:auto;display:block}
    svg .lbl{font-size:12px;fill:#333}svg .val{font-size:11px;fill:#333}svg .axis{font-size:11px;fill:#777}svg .target{font-size:11px;fill:var(--crit)}
    circle.v-ok{fill:var(--ok)}circle.v-warning{fill:var(--warn)}circle.v-critical{fill:var(--crit)}circle.v-unknown{fill:#777}
    .legend{font-size:13px;color:var(--muted)}.swatch{display:inline-block;width:14px;height:10px;margin:0 6px 0 12px;vertical-align:middle;border-radius:2px}
    .swatch.measured{background:#3b82c4}.swatch.projected{background:repeating-linear-gradient(45deg,#fde7c8 0 3px,#e8a33d 3px 5px)}
    .finding{border-left:5px solid #999;padding:8px 14px;margin:10px 0;background:#fafafa;border-radius:4px}
    .finding.critical{border-left-color:var(--crit)}.finding.warning{border-left-color:var(--warn)}.finding.info{border-left-color:#3b82c4}
    .finding p{margin:4px 0}.sev{font-size:12px;font-weight:700;letter-spacing:.05em}.critical .sev{color:var(--crit)}.warning .sev{color:var(--warn)}.info .sev{color:#3b82c4}
    .count{color:var(--muted);font-weight:400}.examples{margin:4px 0 6px;padding-left:20px;font-size:13px}
    .ok-text{color:var(--ok);font-weight:600}
    .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{background:#f2f3f5;font-weight:600}
    .chart{display:inline-block;width:calc(50% - 10px);min-width:300px;margin:0 8px 8px 0;vertical-align:top}.chart figcaption{font-size:13px;color:var(--muted);margin-bottom:4px}
    footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0}
    @media print{body{background:#fff}section{break-inside:avoid}}
    """
}
