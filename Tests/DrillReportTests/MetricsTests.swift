@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

/// The Prometheus textfile: every metric from a real drill, last success carried over, written atomically.
@Suite struct MetricsTests {
    static let now = 1_780_000_000.0

    func report(faults: [DemoFault: Int]) throws -> RunReport {
        let manifest = try Fixtures.demo("metrics-demo", assets: 50, seed: 5, faults: faults, now: Self.now)
        let plan = try DrillPlan.load(manifest.plan)
        var run = RunOptions()
        run.now = Self.now
        return try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: run).run()
    }

    func value(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test func aFailedDrillKeepsTheLastSuccessAndNamesItsFindings() throws {
        let bad = try report(faults: [.missing: 2])
        #expect(bad.exitCode == 2)
        let text = PrometheusMetrics.render(.init(plan: bad.plan, finishedAt: 1_790_000_000, exitCode: bad.exitCode, report: bad),
                                            previousSuccess: 1_789_000_000)
        let plan = "plan=\"\(bad.plan)\""
        #expect(value(text, "immich_drill_last_run_timestamp_seconds{\(plan)}") == 1_790_000_000)
        #expect(value(text, "immich_drill_last_success_timestamp_seconds{\(plan)}") == 1_789_000_000)
        #expect(value(text, "immich_drill_exit_code{\(plan)}") == 2)
        #expect(value(text, "immich_drill_rpo_seconds{\(plan)}") == Double(bad.rpo!.seconds))
        #expect(value(text, "immich_drill_rto_seconds{\(plan),kind=\"measured\"}") != nil)
        #expect(value(text, "immich_drill_rto_seconds{\(plan),kind=\"projected\"}")! >= value(text, "immich_drill_rto_seconds{\(plan),kind=\"measured\"}")!)
        let missing = bad.findings.first { $0.code == "missing-original" }!
        #expect(value(text, "immich_drill_findings{\(plan),code=\"missing-original\",severity=\"critical\"}") == Double(missing.count))
        let upload = bad.restores.filter { $0.source == "upload" }.map(\.restoredBytes).reduce(0, +)
        #expect(upload > 0)
        #expect(value(text, "immich_drill_restore_bytes{\(plan),source=\"upload\"}") == Double(upload))
        // Every sample line belongs to a family declared by HELP and TYPE.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" })
            #expect(text.contains("# TYPE \(name) gauge"), "undeclared \(name)")
        }
    }

    @Test func aPassingDrillIsTheNewLastSuccess() throws {
        let good = try report(faults: [:])
        #expect(good.exitCode == 0)
        let text = PrometheusMetrics.render(.init(plan: good.plan, finishedAt: 1_790_000_000.4, exitCode: 0, report: good),
                                            previousSuccess: 1_700_000_000)
        #expect(value(text, "immich_drill_last_success_timestamp_seconds{plan=\"\(good.plan)\"}") == 1_790_000_000)
        #expect(!text.contains("severity=\"critical\""))
    }

    @Test func aDrillThatCouldNotRunStillReportsItsExitCode() {
        let text = PrometheusMetrics.render(.init(plan: "nas \"main\"", finishedAt: 1_790_000_000, exitCode: 3), previousSuccess: nil)
        #expect(text.contains("immich_drill_exit_code{plan=\"nas \\\"main\\\"\"} 3"))
        #expect(!text.contains("last_success"))
        #expect(!text.contains("rpo"))
    }

    @Test func theFileIsReplacedWholeAndTheLastSuccessCarriedOver() throws {
        let dir = Fixtures.tempDir("metrics")
        let path = dir + "/immich.prom"
        try PrometheusMetrics.write(.init(plan: "p", finishedAt: 1_000, exitCode: 0), to: path)
        try PrometheusMetrics.write(.init(plan: "p", finishedAt: 2_000, exitCode: 2), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(value(text, "immich_drill_last_success_timestamp_seconds") == 1_000)
        #expect(value(text, "immich_drill_last_run_timestamp_seconds") == 2_000)
        try PrometheusMetrics.write(.init(plan: "p", finishedAt: 3_000, exitCode: 3), to: path)
        #expect(value(try String(contentsOfFile: path, encoding: .utf8), "immich_drill_last_success_timestamp_seconds") == 1_000)
        // Nothing but the file itself is left in the folder (the temporary file was renamed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["immich.prom"])
    }

    @Test func anUnwritableFolderIsAClearError() {
        #expect(throws: DrillError.self) {
            try PrometheusMetrics.write(.init(plan: "p", finishedAt: 1, exitCode: 0), to: "/nonexistent-folder/immich.prom")
        }
    }
}
