// Every restore command the walkthrough prints, run as printed from another folder (only its host targets pointed
// at a scratch folder), must bring back the same files as the snapshot holds: archives (immich-drill extract),
// snapshot folders (rsync) and a backup tool (restic), with and without a staging folder.

import DrillCore
import DrillDemo
import DrillTestSupport
import Foundation
import Testing

@Suite struct WalkthroughCommandsTests {
    struct Step: Decodable {
        var id: String
        var commands: [String]
    }
    struct Book: Decodable { var steps: [Step] }

    static func bash(_ script: String, cwd: String = "/", env: [String: String] = [:]) throws -> RunResult {
        let path = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try CLI.run([], environment: env.merging(["PATH": path]) { a, _ in a }, cwd: cwd,
                           shell: "exec /bin/bash -c " + Subprocess.shellQuote(script))
    }

    /// Runs the restore steps' commands with `targets` (printed path → where to put it) and returns nothing; fails
    /// the test when a command fails.
    func runRestoreSteps(_ plan: String, targets: [(String, String)], staging: String, env: [String: String] = [:]) throws {
        let out = try CLI.run(["walkthrough", plan, "--format", "json", "--no-history"], environment: env)
        #expect(out.status == 0 || out.status == 1, "\(out.stderr)")
        let book = try JSONDecoder().decode(Book.self, from: Data(out.stdout.utf8))
        let commands = book.steps.filter { $0.id == "restore-external" || $0.id == "restore-upload" }.flatMap(\.commands)
        #expect(!commands.isEmpty)
        for var command in commands where !command.hasPrefix("#") {
            for (printed, local) in targets + [("/var/tmp/immich-restore", staging)] {
                command = command.replacingOccurrences(of: "'" + printed, with: "'" + local)
            }
            let result = try Self.bash(command, env: env)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
    }

    func same(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let diff = try Self.bash("diff -r --no-dereference \(Subprocess.shellQuote(a)) \(Subprocess.shellQuote(b))")
        #expect(diff.status == 0, "\(a) vs \(b): \(diff.stdout.prefix(600))", sourceLocation: sourceLocation)
    }

    @Test func archivesAndSnapshotFoldersComeBackAsPrinted() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        let restored = CLI.tempDir()
        try runRestoreSteps(dir + "/drill.yml", targets: [
            ("/volume1/photos", restored + "/photos"), ("/volume1/family", restored + "/family"),
            (dir + "/immich/library", restored + "/library"),
        ], staging: restored + "/staging")
        // The newest night's snapshots hold what the live folders hold (a demo without faults).
        try same(restored + "/photos", dir + "/nas/photos")
        try same(restored + "/family", dir + "/nas/family")
        let newest = try FileManager.default.contentsOfDirectory(atPath: dir + "/backups/upload").sorted().last!
        try same(restored + "/library", dir + "/backups/upload/" + newest + "/library")
    }

    @Test(arguments: [true, false])
    func aBackupToolsRestoreComesBackAsPrinted(path: Bool) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/restic"), FileManager.default.isExecutableFile(atPath: "/usr/bin/jq") else {
            print("skipped: restic or jq is not installed (scripts/bootstrap installs them)")
            return
        }
        let dir = CLI.tempDir() + "/demo with space"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        let setup = try Self.bash("""
            set -e
            printf 'pw\\n' > restic-pw
            restic -q -r restic --password-file restic-pw init
            restic -q -r restic --password-file restic-pw backup --tag photos "$PWD/nas/photos"
            """, cwd: dir)
        #expect(setup.status == 0, "\(setup.stderr)")
        try DemoPlanText.replace(DemoPlanText.photos, with: DemoPlanText.command(
            "external:/mnt/media/photos",
            list: "restic -r restic --password-file restic-pw snapshots --json | jq -r '.[] | .short_id + \" \" + .time'",
            restore: "restic -r restic --password-file restic-pw restore {id} --target {target}",
            files: "restic -r restic --password-file restic-pw ls --json {id}",
            path: path ? String(dir.dropFirst()) + "/nas/photos" : nil), in: dir + "/drill.yml", writingTo: dir + "/restic.yml")
        let restored = CLI.tempDir()
        try runRestoreSteps(dir + "/restic.yml", targets: [
            ("/volume1/photos", restored + "/photos"), ("/volume1/family", restored + "/family"),
            (dir + "/immich/library", restored + "/library"),
        ], staging: restored + "/staging")
        try same(restored + "/photos", dir + "/nas/photos")
        #expect(!FileManager.default.fileExists(atPath: restored + "/staging/-volume1-photos"), "the staging folder is removed")
    }

    @Test func borgsRestoreComesBackAsPrinted() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/borg") else {
            print("skipped: borg is not installed (scripts/bootstrap installs borgbackup)")
            return
        }
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        let env = ["BORG_PASSPHRASE": "pw"]
        let setup = try Self.bash("""
            set -e
            borg init -e repokey borg
            borg create borg::photos-2026-12-01T03:30:00 "$PWD/nas/photos"
            """, cwd: dir, env: env)
        #expect(setup.status == 0, "\(setup.stderr)")
        try DemoPlanText.replace(DemoPlanText.photos, with: DemoPlanText.command(
            "external:/mnt/media/photos",
            list: "TZ=UTC borg list --glob-archives 'photos-*' --format '{archive} {time:%Y-%m-%dT%H:%M:%S}Z{NL}' borg",
            restore: "cd {target} && borg extract \"$IMMICH_DRILL_DIR/borg::{id}\"",
            files: "borg list --json-lines borg::{id}"), in: dir + "/drill.yml", writingTo: dir + "/borg.yml")
        let restored = CLI.tempDir()
        try runRestoreSteps(dir + "/borg.yml", targets: [
            ("/volume1/photos", restored + "/photos"), ("/volume1/family", restored + "/family"),
            (dir + "/immich/library", restored + "/library"),
        ], staging: restored + "/staging", env: env)
        try same(restored + "/photos", dir + "/nas/photos")
    }
}
