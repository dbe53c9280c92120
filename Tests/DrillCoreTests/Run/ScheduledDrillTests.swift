@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

/// The scheduled-drill sequence in the library, with a history that is not SQLite.
@Suite struct ScheduledDrillTests {
    final class MemoryHistory: RunHistory {
        var reports: [Int64: RunReport] = [:]
        var fail = false
        func record(_ report: RunReport, plan: DrillPlan) throws -> Int64 {
            if fail { throw DrillError(.environment, file: "memory", "cannot record", cause: "database is locked") }
            let id = Int64(reports.count + 1)
            reports[id] = report
            return id
        }
        func update(_ report: RunReport, id: Int64) throws { reports[id] = report }
    }

    @Test func aDrillIsRecordedAndItsMetricsWritten() throws {
        let m = try Fixtures.demo("scheduled", assets: 30, seed: 2, now: Date().timeIntervalSince1970)
        let history = MemoryHistory()
        var options = ScheduledDrillOptions()
        options.metricsFile = m.directory + "/drill.prom"
        let outcome = try ScheduledDrill.run(planPath: m.plan, options: options) { _ in history }
        #expect(outcome.exitCode == outcome.report?.exitCode && outcome.problems.isEmpty)
        #expect(history.reports.count == 1 && history.reports[1]?.runId == 1)
        let metrics = try String(contentsOfFile: m.directory + "/drill.prom", encoding: .utf8)
        #expect(metrics.contains("immich_drill_exit_code{plan=\"demo-v3\"} \(outcome.exitCode)"))
    }

    @Test func aHistoryThatCannotBeWrittenKeepsTheVerdict() throws {
        let m = try Fixtures.demo("scheduled", assets: 30, seed: 2, now: Date().timeIntervalSince1970)
        let history = MemoryHistory()
        history.fail = true
        let outcome = try ScheduledDrill.run(planPath: m.plan, options: ScheduledDrillOptions()) { _ in history }
        #expect(outcome.report != nil && outcome.problems.first?.contains("the run was not recorded") == true)
        #expect(outcome.exitCode == outcome.report!.exitCode)
    }

    @Test func aBadPlanIsAnOutcomeAndALockedPlanIsRefused() throws {
        let dir = Fixtures.tempDir("scheduled-bad")
        Fixtures.write(["bad.yml": "nonsense: [\n"], in: dir)
        let outcome = try ScheduledDrill.run(planPath: dir + "/bad.yml", options: ScheduledDrillOptions()) { _ in MemoryHistory() }
        #expect(outcome.report == nil && outcome.failure != nil && outcome.exitCode == 3)
        let m = try Fixtures.demo("scheduled", assets: 30, seed: 2, now: Date().timeIntervalSince1970)
        let held = try RunLock(path: RunLock.path(for: try DrillPlan.load(m.plan)), what: "a drill")
        defer { held.release() }
        #expect(throws: DrillError.self) { _ = try ScheduledDrill.run(planPath: m.plan, options: ScheduledDrillOptions()) { _ in MemoryHistory() } }
    }
}
