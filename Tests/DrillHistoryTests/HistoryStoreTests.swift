import DrillCore
@testable import DrillHistory
import Foundation
import Synchronization
import Testing

@Suite struct HistoryStoreTests {
    func tempPath() -> String {
        NSTemporaryDirectory() + "immich-drill-tests-\(getpid())/history-\(UUID().uuidString.prefix(8))/state/history.sqlite"
    }

    @Test func recordsAndListsNewestFirst() throws {
        let path = tempPath()
        let store = try HistoryStore(path: path)
        #expect(try store.appliedMigrations() == ["v1-runs", "v2-walkthroughs"])
        let t0 = Date(timeIntervalSince1970: 1_764_000_000)
        let first = try store.record(RunRecord(plan: "home", planFile: "/d/home.yml", startedAt: t0,
                                               finishedAt: t0.addingTimeInterval(60), verdict: "ok", exitCode: 0,
                                               rtoSeconds: 60, rpoSeconds: 3600, reportJSON: "{\"a\":1}"))
        #expect(first.id != nil)
        try store.record(RunRecord(plan: "other", planFile: "/d/o.yml", startedAt: t0.addingTimeInterval(10),
                                   finishedAt: nil, verdict: "aborted", exitCode: 3, reportJSON: "{}"))
        try store.record(RunRecord(plan: "home", planFile: "/d/home.yml", startedAt: t0.addingTimeInterval(86_400),
                                   finishedAt: nil, verdict: "critical", exitCode: 2, reportJSON: "{}"))
        let home = try store.runs(plan: "home")
        #expect(home.map(\.verdict) == ["critical", "ok"])
        #expect(try store.runs(limit: 1).first?.verdict == "critical")
        #expect(try store.run(id: first.id!) == first)

        // Reopening keeps the data and applies no migration twice.
        let reopened = try HistoryStore(path: path)
        #expect(try reopened.runs().count == 3)
        #expect(try reopened.appliedMigrations() == ["v1-runs", "v2-walkthroughs"])
    }

    @Test func walkthroughsAreKeptBesideRuns() throws {
        let store = try HistoryStore(path: tempPath())
        let t0 = Date(timeIntervalSince1970: 1_764_000_000)
        let walk = try store.record(WalkthroughRecord(plan: "home", planFile: "/d/home.yml", startedAt: t0,
                                                      finishedAt: t0.addingTimeInterval(5400), restorePoint: "20261126T010000Z",
                                                      completed: true, rtoSeconds: 5400, stepsJSON: "[]"))
        #expect(walk.id != nil)
        try store.record(WalkthroughRecord(plan: "other", planFile: "/d/o.yml", startedAt: t0, finishedAt: t0,
                                           restorePoint: nil, completed: false, rtoSeconds: 0, stepsJSON: "[]"))
        #expect(try store.walkthroughs(plan: "home") == [walk])
        #expect(try store.walkthroughs().count == 2)
        #expect(try store.runs().isEmpty)
    }

    @Test func unwritableLocationIsAClearError() throws {
        let dir = NSTemporaryDirectory() + "immich-drill-tests-\(getpid())/history-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A regular file where the folder should be.
        _ = FileManager.default.createFile(atPath: dir + "/state", contents: Data("x".utf8))
        #expect(throws: DrillError.self) { try HistoryStore(path: dir + "/state/history.sqlite") }
    }

    /// Two plans' drills share the default history: 20 runs recorded at once, each through its own connection (as
    /// separate processes do), then each updated with its report, as `run` does. None may be lost.
    @Test func parallelDrillsLoseNoRun() throws {
        let path = NSTemporaryDirectory() + "history-parallel-\(UUID().uuidString)/history.sqlite"
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            do {
                let store = try HistoryStore(path: path)
                var record = try store.record(RunRecord(plan: i % 2 == 0 ? "home" : "nas", planFile: "/d/\(i % 2).yml",
                                                        startedAt: Date(), finishedAt: Date(), verdict: "ok",
                                                        exitCode: 0, reportJSON: "{}"))
                record.reportJSON = "{\"run\": \(i)}"
                try store.update(record)
            } catch {
                failures.withLock { $0.append("\(i): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let store = try HistoryStore(path: path)
        let runs = try store.runs(limit: 100)
        #expect(runs.count == 20)
        #expect(Set(runs.map(\.reportJSON)) == Set((0..<20).map { "{\"run\": \($0)}" }))
        #expect(try store.runs(plan: "home", limit: 100).count == 10)
    }
}
