@testable import DrillCore
@testable import DrillDemo
import Foundation

/// Paths and scratch folders for tests.
package enum Fixtures {
    /// The repository root (two folders above this file's).
    package static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Immich's own files, read in place, never copied (SharedFixtures: ../shared/fixtures or IMMICH_FIXTURES).
    package static var shared: String { String(SharedFixtures.path("").dropLast()) }

    package static let composeVersions = ["v1.105.1", "v1.118.2", "v2.7.5"]

    package static func compose(_ version: String) -> String { "\(shared)/immich-compose/\(version)/docker-compose.yml" }
    package static func exampleEnv(_ version: String) -> String { "\(shared)/immich-compose/\(version)/example.env" }

    /// A fresh temporary directory.
    package static func tempDir(_ label: String = "t") -> String {
        let path = TestScratch.root + "/\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A small demo deployment (DemoBuilder) in a fresh folder, at `size-scale` 0.001 and a fixed "now".
    package static func demo(_ label: String, era: DumpTemplate.Era = .v3, assets: Int = 60, seed: UInt64 = 5,
                     faults: [DemoFault: Int] = [:], now: Double) throws -> DemoManifest {
        var options = DemoOptions(directory: tempDir(label) + "/demo")
        options.era = era
        options.assets = assets
        options.seed = seed
        options.sizeScale = 0.001
        options.faults = faults
        options.now = now
        return try DemoBuilder.build(options)
    }

    /// A plan analysed, drilled and checked before an upgrade, all at `now` (no live walk, 50 GiB free).
    /// The drill skips the database load unless asked: what it prints depends on this machine's PostgreSQL.
    package static func everything(_ planFile: String, now: Double, databaseRestore: DatabaseRestoreMode = .skip) throws
        -> (plan: DrillPlan, analysis: PlanAnalysis, run: RunReport, preflight: PreflightReport) {
        let plan = try DrillPlan.load(planFile)
        let deployment = try plan.readDeployment()
        var planOptions = PlanOptions()
        planOptions.now = now
        planOptions.live = false
        let analysis = try BackupPlanner(plan: plan, deployment: deployment, options: planOptions).run()
        var runOptions = RunOptions()
        runOptions.now = now
        runOptions.databaseRestore = databaseRestore
        let run = try DrillRunner(plan: plan, deployment: deployment, options: runOptions).run()
        var preflightOptions = PreflightOptions()
        preflightOptions.now = now
        preflightOptions.freeBytes = 50 << 30
        return (plan, analysis, run, Preflight.check(plan: plan, analysis: analysis, options: preflightOptions))
    }

    /// Writes `files` (relative path → text) under `dir`.
    @discardableResult
    package static func write(_ files: [String: String], in dir: String) -> String {
        for (name, text) in files {
            let path = dir + "/" + name
            try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try! text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    package static func mkdir(_ path: String) {
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}

/// One scratch folder per test process, removed when the process exits.
package enum TestScratch {
    package static let root: String = {
        let path = NSTemporaryDirectory() + "immich-drill-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "immich-drill-tests-\(getpid())") }
        return path
    }()
}

extension Fixtures {
    /// The demo's newest dump (the one `run` drills by default).
    package static func newestDump(_ m: DemoManifest) -> String {
        m.dumps.map(\.path).max { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }!
    }

    /// Rewrites a gzip dump in place (same name, so the drill still picks it): gunzip, `edit`, gzip.
    package static func editDump(_ path: String, _ edit: (String) -> String) throws {
        let text = try Shell.run("/bin/sh", ["-c", "gunzip --stdout \"$0\"", path])
        let plain = path + ".edited"
        try edit(text).write(toFile: plain, atomically: true, encoding: .utf8)
        try Shell.run("/bin/sh", ["-c", "gzip --stdout \"$0\" > \"$1\" && rm -f \"$0\"", plain, path])
    }
}
