// What `relink` prints: the plan (every match with its confidence and evidence, the ambiguous ones never guessed,
// the ones not found), what it keeps and cannot keep, the SQL file and the command that applies it, and the proof on
// the drill's database when one ran. Text, JSON (`immich-drill/relink/v1`) or Markdown; `--format sql` is the file.

import Foundation

package struct RelinkReport: Sendable, Encodable {
    package var schema = "immich-drill/relink/v1"
    package var plan: String
    package var relink: RelinkSummary
    /// The command that applies the SQL (nil when there is nothing to apply or the SQL went to stdout).
    package var apply: String?
    package var exitCode: Int32

    package init(plan: String, relink: RelinkSummary, apply: String?) {
        self.plan = plan
        self.relink = relink
        self.apply = apply
        exitCode = RelinkReport.exitStatus(relink).rawValue
    }

    /// 0 when every missing original was found again (and proven where a proof ran), 1 when some were not, 2 when
    /// the proof failed.
    package static func exitStatus(_ r: RelinkSummary) -> ExitStatus {
        if let proof = r.proof, !proof.proven { return .critical }
        return r.plan.ambiguous.isEmpty && r.plan.unmatched.isEmpty ? .ok : .warning
    }

    package func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: ReportJSON.encode(self)
        case .text: text()
        case .markdown: markdown()
        }
    }

    var summaryRows: [(String, String)] {
        let p = relink.plan
        let total = p.matches.count + p.ambiguous.count + p.unmatched.count
        let byKind = Dictionary(grouping: p.matches, by: \.confidence).map { "\($0.value.count) by \($0.key.rawValue)" }.sorted()
        var rows: [(String, String)] = [
            ("scope", p.scope), ("dump", p.dump),
            ("found again", "\(p.matches.count) of \(total) missing original(s)" + (byKind.isEmpty ? "" : " (\(byKind.joined(separator: ", ")))")),
            ("keeps", p.keeps.sentence),
        ]
        if !p.ambiguous.isEmpty || !p.unmatched.isEmpty {
            rows.append(("cannot keep", "\(p.ambiguous.count) ambiguous, \(p.unmatched.count) not found: \(p.loses.sentence)"))
        }
        if p.unhashedCandidates > 0 {
            rows.append(("note", "\(p.unhashedCandidates) candidate file(s) not hashed (no missing upload has their size, or they were read in place): they match only by name and size"))
        }
        if p.exiftoolMissing {
            rows.append(("note", "exiftool is not installed: \(p.unreadCandidates) candidate file(s) in formats libexif does not read (HEIC, MP4/MOV, PNG, RAW) were not compared by their metadata, so a renamed library file among them stays not found (apt-get install libimage-exiftool-perl)"))
        } else if p.unreadCandidates > 0 {
            rows.append(("note", "\(p.unreadCandidates) candidate file(s) held no capture time, camera or dimensions to compare"))
        }
        if let proof = relink.proof {
            rows.append(("proof", proof.proven
                ? "applied to the drill's own database in \(DurationText.short(proof.seconds)): \(proof.relinked) asset(s) at their new paths, their metadata unchanged (\(proof.after.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))"
                : "FAILED: \(proof.errors.first ?? "the metadata of the relinked assets changed")"))
        }
        if let file = relink.sqlFile { rows.append(("SQL", file)) }
        if let apply { rows.append(("apply", apply)) }
        if apply != nil { rows.append(("when", "before the next library scan, with periodic scanning paused (Administration → External Libraries)")) }
        return rows
    }

    var matchRows: [[String]] {
        relink.plan.matches.map { [$0.confidence.rawValue, $0.from, $0.to, $0.evidence + ($0.wasOffline ? "; offline, put back online" : "")] }
    }

    func text() -> String {
        var out = ["Relink \(plan) — " + (exitCode == 0 ? "OK" : exitCode == 1 ? "WARNING" : "CRITICAL") + " (exit \(exitCode))"]
        for (k, v) in summaryRows { out.append("  " + k.padding(toLength: 13, withPad: " ", startingAt: 0) + v) }
        out.append("")
        out.append("Found again")
        out.append(relink.plan.matches.isEmpty ? "  none" : TextTable(headers: ["CONFIDENCE", "FROM", "TO", "EVIDENCE"], rows: matchRows).text())
        if !relink.plan.prefixes.isEmpty {
            out.append("")
            out.append("Moved import paths (one rule each, the library's import path with it)")
            for p in relink.plan.prefixes { out.append("  \(p.from) → \(p.to) (\(p.assets) assets)") }
        }
        if !relink.plan.ambiguous.isEmpty {
            out.append("")
            out.append("Ambiguous (never guessed: move the right file back by hand, or remove the others)")
            for a in relink.plan.ambiguous {
                out.append("  \(a.path): \(a.why)")
                for c in a.candidates { out.append("    - \(c)") }
            }
        }
        if !relink.plan.unmatched.isEmpty {
            out.append("")
            out.append("Not found (no file with its content, or its name and size, anywhere it looked)")
            for path in relink.plan.unmatched.prefix(50) { out.append("  - \(path)") }
            if relink.plan.unmatched.count > 50 { out.append("  … and \(relink.plan.unmatched.count - 50) more") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    func markdown() -> String {
        var out = ["# Relink `\(plan)`", ""]
        out.append(TextTable(headers: ["", ""], rows: summaryRows.map { [$0.0, $0.1] }).markdown())
        out.append("")
        out.append("## Found again")
        out.append("")
        out.append(relink.plan.matches.isEmpty ? "None." : TextTable(headers: ["Confidence", "From", "To", "Evidence"], rows: matchRows).markdown())
        if !relink.plan.ambiguous.isEmpty {
            out += ["", "## Ambiguous", ""]
            out += relink.plan.ambiguous.map { "- `\($0.path)`: \($0.why) (" + $0.candidates.map { "`\($0)`" }.joined(separator: ", ") + ")" }
        }
        if !relink.plan.unmatched.isEmpty {
            out += ["", "## Not found", ""]
            out += relink.plan.unmatched.map { "- `\($0)`" }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
