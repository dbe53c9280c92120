@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

/// What a person sees, compared as text with the files in Snapshots/: `plan`, `run`, `preflight` and `walkthrough`
/// in text and Markdown, on a fixed demo (seed and "now"), clean and with faults. Only what a run cannot repeat is
/// normalised: the demo's folder, the run folder's time and pid, measured seconds and rates, and the padding of
/// table columns (which follows the widest measured rate).
///
/// After an intended change of output, regenerate them and read the diff:
///     IMMICH_DRILL_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests
@Suite struct GoldenOutputTests {
    static let now = 1_780_000_000.0
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Snapshots"
    static let update = ProcessInfo.processInfo.environment["IMMICH_DRILL_UPDATE_GOLDEN"] == "1"

    static func normalise(_ text: String, demo: String) -> String {
        var out: [String] = []
        for var line in text.replacingOccurrences(of: demo, with: "<demo>").split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            line = line.replacingOccurrences(of: #"run-\d{8}T\d{6}-\d+"#, with: "run-<time>-<pid>", options: .regularExpression)
            let measuredRow = (line.hasSuffix(" measured") || line.hasSuffix("| measured |")) && !line.contains("NOT MEASURED")
            if measuredRow || line.hasPrefix("  RTO ") || line.hasPrefix("- **RTO:**") {
                line = line.replacingOccurrences(of: #"\b\d+(\.\d+)?(ms|s)\b"#, with: "<t>", options: .regularExpression)
                line = line.replacingOccurrences(of: #"[\d.]+ (B|KiB|MiB|GiB)/s"#, with: "<rate>", options: .regularExpression)
            }
            // Columns are padded to their widest cell, a measured rate among them: runs of spaces compare as one.
            out.append(line.replacingOccurrences(of: #"(?<=\S) {2,}"#, with: "  ", options: .regularExpression))
        }
        return out.joined(separator: "\n")
    }

    func compare(_ name: String, _ text: String, demo: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = Self.snapshots + "/" + name
        let actual = Self.normalise(text, demo: demo)
        if Self.update {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no golden file \(name); run IMMICH_DRILL_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests", sourceLocation: sourceLocation)
            return
        }
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record("""
                \(name) differs from Snapshots/\(name) at line \(first + 1):
                  expected: \(first < e.count ? String(e[first]) : "<end>")
                  actual:   \(first < a.count ? String(a[first]) : "<end>")
                (regenerate with IMMICH_DRILL_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests after an intended change)
                """, sourceLocation: sourceLocation)
        }
    }

    /// The default era (v3) clean and faulty, and the v2 era faulty.
    @Test(arguments: [("clean", DumpTemplate.Era.v3, [DemoFault: Int]()),
                      ("faulty", .v3, [DemoFault.missing: 2, .moved: 1, .noThumbs: 1]),
                      ("v2-faulty", .v2, [DemoFault.missing: 2, .moved: 1, .noThumbs: 1])])
    func outputsMatchTheirGoldenFiles(name: String, era: DumpTemplate.Era, faults: [DemoFault: Int]) throws {
        let m = try Fixtures.demo("golden", era: era, assets: 40, seed: 3, faults: faults, now: Self.now)
        let (plan, analysis, run, preflight) = try Fixtures.everything(m.plan, now: Self.now)
        let runbook = RunbookBuilder(plan: plan, analysis: analysis, catalog: analysis.catalog, last: nil).build()
        let report = PlanReport(planFile: plan.file, result: analysis)
        for format in [OutputFormat.text, .markdown] {
            let ext = format == .text ? "txt" : "md"
            try compare("plan-\(name).\(ext)", report.render(format), demo: m.directory)
            try compare("run-\(name).\(ext)", run.render(format), demo: m.directory)
            try compare("preflight-\(name).\(ext)", preflight.render(format), demo: m.directory)
            try compare("walkthrough-\(name).\(ext)", runbook.render(format), demo: m.directory)
        }
    }
}
