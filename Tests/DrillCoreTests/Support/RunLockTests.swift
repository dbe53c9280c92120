@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

/// One drill per plan at a time; a lock left by a dead run is taken over.
@Suite struct RunLockTests {
    @Test func aSecondHolderIsRefusedAndTheFirstIsNamed() throws {
        let path = Fixtures.tempDir("lock") + "/plan.lock"
        let first = try RunLock(path: path, what: "a drill of plan.yml")
        #expect(first.tookOverFrom == nil)
        do {
            _ = try RunLock(path: path, what: "a drill of plan.yml")
            Issue.record("the second lock was granted")
        } catch let error as DrillError {
            #expect(error.exitCode == 3)
            #expect(error.description.contains("pid \(getpid())"))
            #expect(error.description.contains("already running"))
        }
        first.release()
        let again = try RunLock(path: path, what: "a drill of plan.yml")
        #expect(again.tookOverFrom == nil)  // released cleanly: the file was emptied
        again.release()
    }

    @Test func aLockLeftByADeadProcessIsTakenOver() throws {
        let path = Fixtures.tempDir("lock") + "/plan.lock"
        // A pid that is certainly dead: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        try "\(dead)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lock = try RunLock(path: path, what: "a drill")
        #expect(lock.tookOverFrom == dead)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(getpid())\n")
        lock.release()
    }

    @Test func plansInDifferentFoldersGetDifferentLocks() throws {
        let dir = Fixtures.tempDir("lock-plans")
        var paths: [String] = []
        for folder in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(folder)", withIntermediateDirectories: true)
            try "name: same\ndeployment:\n  compose: docker-compose.yml\nhistory: \(dir)/history.sqlite\n"
                .write(toFile: "\(dir)/\(folder)/drill.yml", atomically: true, encoding: .utf8)
            paths.append(RunLock.path(for: try DrillPlan.load("\(dir)/\(folder)/drill.yml")))
        }
        #expect(paths[0] != paths[1])
        #expect(paths.allSatisfy { $0.hasPrefix(dir + "/drill-") && $0.hasSuffix(".lock") })
    }
}
