// Signals whenever they come (during a backup tool's `list`, during a restore, in the first milliseconds), SIGKILL
// followed by another run, and the drill's own files refused inside a source: the binary as cron and systemd run it.

import DrillArchive
import DrillCore
import DrillDemo
import DrillTestSupport
import Foundation
import Testing

@Suite struct SignalTests {
    /// A 30-asset demo whose photos share comes back through a "backup tool" (`list` and `restore` as given).
    func demo(list: String, restore: String) throws -> String {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        try DemoPlanText.replace(DemoPlanText.photos, with: DemoPlanText.command("external:/mnt/media/photos", list: list, restore: restore),
                                 in: dir + "/drill.yml", writingTo: dir + "/slow.yml")
        return dir
    }

    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (up to a minute) until `condition` holds.
    func wait(_ condition: () -> Bool) -> Bool {
        let started = Date()
        while Date().timeIntervalSince(started) < 60 {
            if condition() { return true }
            usleep(20_000)
        }
        return false
    }

    func runFolders(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/scratch")) ?? []).filter { $0.hasPrefix("run-") }
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalDuringListStopsTheToolAtOnce(signal: Int32) throws {
        let dir = try demo(list: "echo $$ > list.pid; exec sleep 120", restore: "true {id} {target}")
        let started = Date()
        let process = try start(["run", dir + "/slow.yml"])
        #expect(wait { FileManager.default.fileExists(atPath: dir + "/list.pid") })
        usleep(100_000)
        let toolPid = Int32((try String(contentsOfFile: dir + "/list.pid", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines))!
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 3)
        #expect(Date().timeIntervalSince(started) < 30, "stopped, not waited out")
        #expect(wait { kill(toolPid, 0) != 0 }, "the backup tool was stopped with the drill")
        #expect(runFolders(dir) == [])
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalDuringARestoreIsRecordedAsAborted(signal: Int32) throws {
        let dir = try demo(list: "echo \"snap1 $(date -u +%Y-%m-%dT%H:%M:%SZ)\"", restore: "sleep 120; echo {id} {target}")
        let process = try start(["run", dir + "/slow.yml"])
        #expect(wait { runFolders(dir).contains { run in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/scratch/" + run)) ?? []).contains { $0.contains("external") }
        } })
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        #expect(runFolders(dir) == [])
        let history = try CLI.run(["history", "--history", dir + "/history.sqlite", "--format", "json"])
        #expect(history.stdout.contains("\"verdict\" : \"aborted\""))
    }

    /// Signals at moments across a whole quick drill, the first milliseconds included: whatever the moment, no run
    /// folder is left behind, and the drill either finished or says it was stopped.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalAtAnyMomentLeavesNoScratch(signal: Int32) throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        for delay: useconds_t in [0, 2_000, 10_000, 30_000, 60_000, 120_000] {
            let process = try start(["run", dir + "/drill.yml"])
            usleep(delay)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            if process.terminationReason == .exit {
                #expect([0, 3].contains(process.terminationStatus), "after \(delay) µs: \(process.terminationStatus)")
            }
            #expect(runFolders(dir) == [], "after \(delay) µs")
        }
    }

    /// SIGINT while psql loads the dump (the dump sleeps in PostgreSQL): the drill stops, psql and the scratch
    /// server are gone (checked by pid), and no run folder is left.
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql (scripts/bootstrap)"), arguments: [SIGINT, SIGTERM])
    func aSignalDuringTheDatabaseLoadStopsTheServer(signal: Int32) throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        let backups = dir + "/immich/library/backups"
        let newest = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasSuffix(".sql.gz") }.max()!
        try Fixtures.editDump(backups + "/" + newest) { text in
            text.replacingOccurrences(of: "--\n-- PostgreSQL database dump complete", with: "SELECT pg_sleep(120);\n\n--\n-- PostgreSQL database dump complete")
        }
        let started = Date()
        let process = try start(["run", dir + "/drill.yml"])
        var postmaster: Int32?
        #expect(wait {
            guard let run = runFolders(dir).first,
                  let text = try? String(contentsOfFile: dir + "/scratch/" + run + "/database/data/postmaster.pid", encoding: .utf8) else { return false }
            postmaster = Int32(text.split(separator: "\n").first ?? "")
            return postmaster != nil
        })
        sleep(2)  // into the load: psql waits on pg_sleep
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        #expect(Date().timeIntervalSince(started) < 60, "stopped, not waited out")
        if let postmaster { #expect(wait { kill(postmaster, 0) != 0 }, "the scratch PostgreSQL was stopped by its pid") }
        #expect(runFolders(dir) == [])
        let history = try CLI.run(["history", "--history", dir + "/history.sqlite", "--format", "json"])
        #expect(history.stdout.contains("\"verdict\" : \"aborted\""))
    }

    @Test func aRunKilledWithSIGKILLIsCleanedUpByTheNext() throws {
        let dir = try demo(list: "echo \"snap1 $(date -u +%Y-%m-%dT%H:%M:%SZ)\"", restore: "echo $$ {id} {target} > restore.pid; exec sleep 120")
        let process = try start(["run", dir + "/slow.yml"])
        #expect(wait { FileManager.default.fileExists(atPath: dir + "/restore.pid") })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if let pid = Int32((try? String(contentsOfFile: dir + "/restore.pid", encoding: .utf8))?.split(separator: " ").first ?? "") {
            kill(pid, SIGKILL)
        }
        let left = runFolders(dir)
        #expect(left.count == 1, "SIGKILL cannot be handled: the run folder stays")
        let next = try CLI.run(["run", dir + "/drill.yml", "--format", "json"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.contains("left by a drill whose process is gone"))
        #expect(runFolders(dir) == [])
    }

    @Test func theDrillsOwnFilesAreRefusedInsideASource() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/metrics", withDestinationPath: dir + "/nas/photos")
        let metrics = try CLI.run(["run", dir + "/drill.yml", "--metrics-file", dir + "/metrics/drill.prom"])
        #expect(metrics.status == 64 && metrics.stderr.contains("overlaps"), "\(metrics.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/nas/photos/drill.prom"))
        var plan = try String(contentsOfFile: dir + "/drill.yml", encoding: .utf8)
        plan = plan.replacingOccurrences(of: "history: history.sqlite", with: "history: metrics/history.sqlite")
        try plan.write(toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
        let history = try CLI.run(["run", dir + "/bad.yml"])
        #expect(history.status == 3 && history.stderr.contains("overlaps"), "\(history.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/nas/photos").allSatisfy { !$0.contains("history") && !$0.hasSuffix(".lock") })
    }
}

/// Hostile inputs under a memory limit, as a NAS box has one: an error with a message, never an abort.
@Suite struct BoundedMemoryTests {
    /// Runs the binary under `ulimit -v` (KiB).
    func limited(_ arguments: [String], kib: Int) throws -> RunResult {
        let quoted = ([CLI.binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try CLI.run(["__never__"], environment: [:], cwd: nil, shell: "ulimit -v \(kib); exec " + quoted.joined(separator: " "))
    }

    @Test func aGzipBombAndDevZeroAreRefusedWithinAMemoryLimit() throws {
        let dir = CLI.tempDir()
        // 128 MiB of zeros with no newline, gzip-compressed (a few hundred KiB).
        let bomb = dir + "/immich-db-backup-20261130T020000-v2.7.5-pg14.17.sql.gz"
        let w = try CompressedFileWriter(path: bomb, compression: .gzip)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<128 { try w.write(bytes: zeros) }
        try w.close()
        for input in [bomb, "/dev/zero"] {
            let result = try limited(["catalog", input], kib: 1_500_000)
            #expect(result.status == 3, "\(input): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(input == bomb ? "longer than 64.0 MiB" : "not a regular file"), "\(result.stderr)")
        }
    }
}

@Suite struct HelpTests {
    /// `--help` shows defaults as a person types them (`full`, `24h`), never a wrapper's description.
    @Test func helpShowsDefaultsAsTyped() throws {
        for command in ["init", "catalog", "plan", "list", "run", "preflight", "walkthrough", "history", "report", "extract", "demo"] {
            let help = try CLI.run([command, "--help"])
            #expect(help.status == 0)
            #expect(!help.stdout.contains("Argument("), "\(command): \(help.stdout)")
        }
    }
}
