@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

/// The plans in drills/ against backups made by the real tools users run (restic, borg, GNU tar, rsync), on the
/// demo install: clean backups give no finding that is not true of the data, faults their exact counts, preflight
/// agrees with run, and a wrong password is a clear error naming the command. Skipped, saying why, where a tool is
/// not installed (scripts/bootstrap installs them all; CI runs them).
@Suite struct RealToolsTests {
    static let now = 1_780_000_000.0

    static func has(_ tool: String) -> Bool {
        ["/usr/bin/", "/bin/", "/usr/local/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + tool) }
    }

    /// Runs a bash script in `dir`; fails the test with its output when it fails.
    @discardableResult
    static func sh(_ script: String, in dir: String, env: [String: String] = [:],
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try Subprocess.run(shell: "set -e\n" + script, timeout: 300, directory: dir)
        #expect(result.status == 0, "\(script): \(result.tail)", sourceLocation: sourceLocation)
        return String(decoding: result.stdout, as: UTF8.self)
    }

    func demo(faults: [DemoFault: Int] = [:]) throws -> DemoManifest {
        try Fixtures.demo("tools", assets: 60, seed: 11, faults: faults, now: Self.now)
    }

    /// The snapshot time the tools are told: an hour after the newest dump, as a nightly job after Immich's 02:00.
    func backupTime(_ m: DemoManifest) -> String {
        let dump = ISO8601DateFormatter().date(from: m.dumps.last!.time)!
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return f.string(from: dump.addingTimeInterval(3600))
    }

    /// A shipped plan with its example paths pointed at the demo (and the demo's mount map added).
    func shipped(_ name: String, _ m: DemoManifest, _ replacements: [(String, String)], path: Bool) throws -> String {
        var text = try String(contentsOfFile: Fixtures.repoRoot + "/drills/" + name, encoding: .utf8)
        let root = String(m.directory.dropFirst())
        for (a, b) in replacements + [
            ("opt/immich/library", root + "/immich/library"), ("/opt/immich", m.directory + "/immich"),
            ("volume1/photos", root + "/nas/photos"), ("/var/tmp/immich-drill", m.directory + "/scratch"),
        ] { text = text.replacingOccurrences(of: a, with: b) }
        if !path { text = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("    path: ") }.joined(separator: "\n") }
        text = text.replacingOccurrences(of: "deployment:\n", with: "mounts:\n  - host: /volume1\n    drill: nas\nhistory: history.sqlite\ndeployment:\n")
        // The family share keeps the demo's own archives (the shipped plans cover one share).
        text = text.replacingOccurrences(of: "\ntargets:", with: """

          external:/mnt/media/family:
            archive: backups/nas/family-{time}.tar.gz
            path: family

        targets:
        """)
        let plan = m.directory + "/" + name
        try text.write(toFile: plan, atomically: true, encoding: .utf8)
        return plan
    }

    func drill(_ planFile: String) throws -> (plan: PlanAnalysis, run: RunReport, preflight: PreflightReport) {
        let all = try Fixtures.everything(planFile, now: Self.now)
        return (all.analysis, all.run, all.preflight)
    }

    func serious(_ findings: [Finding]) -> [String] {
        findings.filter { $0.severity != .info }.map { "\($0.severity.rawValue) \($0.code) \($0.count)" }.sorted()
    }

    func preflight(_ r: PreflightReport) -> [String: ChecklistItem.Status] {
        Dictionary(uniqueKeysWithValues: r.items.map { ($0.id, $0.status) })
    }

    // MARK: restic

    /// A restic repository with UPLOAD_LOCATION (its Compose folder, as users back it up) and the photos share.
    func resticRepository(_ m: DemoManifest) throws {
        let t = backupTime(m).replacingOccurrences(of: "T", with: " ")
        try Self.sh("""
            printf 'pw\\n' > restic-pw
            restic -q -r restic --password-file restic-pw init
            restic -q -r restic --password-file restic-pw backup --tag immich-upload --time '\(t)' "$PWD/immich"
            restic -q -r restic --password-file restic-pw backup --tag photos --time '\(t)' "$PWD/nas/photos"
            """, in: m.directory)
    }

    func resticPlan(_ m: DemoManifest, path: Bool) throws -> String {
        try shipped("restic.yml", m, [("/srv/restic", m.directory + "/restic"), ("/root/.restic-password", m.directory + "/restic-pw")], path: path)
    }

    @Test(arguments: [true, false])
    func resticAsShippedDrillsClean(path: Bool) throws {
        guard Self.has("restic"), Self.has("jq") else { print("skipped: restic or jq is not installed (scripts/bootstrap installs them)"); return }
        let m = try demo()
        try resticRepository(m)
        let (analysis, run, check) = try drill(try resticPlan(m, path: path))
        #expect(serious(analysis.findings) == [], "\(analysis.findings.map(\.code))")
        #expect(serious(run.findings) == [], "\(run.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(2))" })")
        #expect(run.restores.filter { $0.kind == "command" }.count == 2)
        // preflight agrees: it saw the folders and markers through `files:` instead of passing them unseen.
        let items = preflight(check)
        #expect(items["folders"] == .pass && items["external"] == .pass, "\(check.items.map { "\($0.id) \($0.status) \($0.reason)" })")
    }

    @Test(arguments: [DemoFault.moved, .missing])
    func resticFindsEachFaultWithItsCount(fault: DemoFault) throws {
        guard Self.has("restic"), Self.has("jq") else { print("skipped: restic or jq is not installed"); return }
        let m = try demo(faults: [fault: 3])
        try resticRepository(m)
        let (_, run, _) = try drill(try resticPlan(m, path: false))
        let code = fault == .moved ? "moved-original" : "missing-original"
        #expect(serious(run.findings).filter { !$0.contains("metadata-at-risk") } == ["critical \(code) 3"], "\(run.findings.map(\.code))")
    }

    @Test func aWrongResticPasswordIsAnErrorNamingTheCommand() throws {
        guard Self.has("restic"), Self.has("jq") else { print("skipped: restic or jq is not installed"); return }
        let m = try demo()
        try resticRepository(m)
        try Data("wrong\n".utf8).write(to: URL(fileURLWithPath: m.directory + "/restic-pw"))
        #expect { _ = try drill(try resticPlan(m, path: true)) } throws: { error in
            let text = (error as? DrillError)?.description ?? ""
            return text.contains("command.list") && text.contains("wrong password")
        }
    }

    // MARK: GNU tar and rsync

    /// One GNU tar archive of the whole install (Compose folder, UPLOAD_LOCATION and both shares) serving every
    /// source with no `path:`, gzip and zstd.
    @Test(arguments: ["tar.gz", "tar.zst"])
    func oneGNUTarArchiveOfTheWholeInstall(ending: String) throws {
        let m = try demo()
        let stamp = backupTime(m).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "") + "Z"
        let archive = "backups/whole-\(stamp).\(ending)"
        try Self.sh("tar \(ending == "tar.zst" ? "--zstd" : "-z") -cf \(archive) -C / \"${PWD#/}/immich\" \"${PWD#/}/nas\"", in: m.directory)
        var text = try String(contentsOfFile: m.plan, encoding: .utf8)
        let sources = text.range(of: "sources:")!.lowerBound
        let targets = text.range(of: "targets:")!.lowerBound
        text.replaceSubrange(sources..<targets, with: """
            sources:
              database:
                dumps: [immich/library/backups]
              upload:
                archive: backups/whole-{time}.\(ending)
              external:/mnt/media/photos:
                archive: backups/whole-{time}.\(ending)
              external:/mnt/media/family:
                archive: backups/whole-{time}.\(ending)


            """)
        try text.write(toFile: m.plan, atomically: true, encoding: .utf8)
        let (analysis, run, _) = try drill(m.plan)
        #expect(serious(analysis.findings) == [], "\(analysis.findings.map(\.code))")
        #expect(serious(run.findings) == [], "\(run.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(2))" })")
        #expect(run.restores.count == 3 && Set(run.restores.map(\.location)).count == 1)
    }

    /// rsync --link-dest snapshot folders of UPLOAD_LOCATION under a NAS-style prefix, two nights.
    @Test func rsyncLinkDestFoldersUnderAPrefix() throws {
        guard Self.has("rsync") else { print("skipped: rsync is not installed (scripts/bootstrap installs it)"); return }
        let m = try demo(faults: [.missing: 2])
        let t = backupTime(m).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "") + "Z"
        try Self.sh("""
            mkdir -p rsync/previous/volume1/docker/immich rsync/\(t)/volume1/docker/immich
            rsync -a immich/ rsync/previous/volume1/docker/immich/
            rsync -a --delete --link-dest="$PWD/rsync/previous/volume1/docker/immich" immich/ rsync/\(t)/volume1/docker/immich/
            rm -rf rsync/previous
            """, in: m.directory)
        var text = try String(contentsOfFile: m.plan, encoding: .utf8)
        text = text.replacingOccurrences(of: "    directory: backups/upload/{time}\n    path: library\n", with: "    directory: rsync/{time}\n")
        try text.write(toFile: m.plan, atomically: true, encoding: .utf8)
        let (analysis, run, check) = try drill(m.plan)
        #expect(serious(analysis.findings) == [], "\(analysis.findings.map(\.code))")
        #expect(serious(run.findings).filter { !$0.contains("metadata-at-risk") } == ["critical missing-original 2"],
                "\(run.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(2))" })")
        #expect(preflight(check)["folders"] == .pass)
    }
}

/// borg reads its passphrase from the process environment, which these tests set: serialized.
@Suite(.serialized) struct BorgTests {
    let t = RealToolsTests()


    func borgRepository(_ m: DemoManifest) throws {
        let t = t.backupTime(m)
        try RealToolsTests.sh("""
            export BORG_PASSPHRASE=pw
            borg init -e repokey borg
            borg create --timestamp \(t) borg::immich-\(t) "$PWD/immich"
            borg create --timestamp \(t) borg::photos-\(t) "$PWD/nas/photos"
            """, in: m.directory)
    }

    @Test(arguments: [true, false])
    func borgAsShippedDrillsClean(path: Bool) throws {
        guard RealToolsTests.has("borg") else { print("skipped: borg is not installed (scripts/bootstrap installs borgbackup)"); return }
        let m = try t.demo()
        try borgRepository(m)
        setenv("BORG_PASSPHRASE", "pw", 1)
        defer { unsetenv("BORG_PASSPHRASE") }
        let (analysis, run, check) = try t.drill(try t.shipped("borg.yml", m, [("/srv/borg", m.directory + "/borg"), ("  time-zone: Europe/Berlin     # the zone of Immich's dump names, when the Compose file sets no TZ\n", "")], path: path))
        #expect(t.serious(analysis.findings) == [], "\(analysis.findings.map(\.code))")
        #expect(t.serious(run.findings) == [], "\(run.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(3))" })")
        let items = t.preflight(check)
        #expect(items["folders"] == .pass && items["external"] == .pass, "\(check.items.map { "\($0.id) \($0.status) \($0.reason)" })")
    }

    @Test func aWrongBorgPassphraseIsAnErrorNamingTheCommand() throws {
        guard RealToolsTests.has("borg") else { print("skipped: borg is not installed"); return }
        let m = try t.demo()
        try borgRepository(m)
        setenv("BORG_PASSPHRASE", "wrong", 1)
        defer { unsetenv("BORG_PASSPHRASE") }
        #expect { _ = try t.drill(try t.shipped("borg.yml", m, [("/srv/borg", m.directory + "/borg")], path: true)) } throws: { error in
            let text = (error as? DrillError)?.description ?? ""
            return text.contains("command.list") && text.contains("passphrase")
        }
    }
}
