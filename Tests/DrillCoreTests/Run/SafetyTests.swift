@testable import DrillCore
@testable import DrillDemo
import Crypto
import DrillArchive
import DrillTestSupport
import Foundation
import Testing

/// The drill tried as an attacker would: hostile archives planned as snapshots, scratch and history through
/// symlinks into a source, command ids that try to run shell code, hung and pipe-closing tools.
extension DrillRunnerTests {
    /// Every path below `root` (except `skip`) with its type, and for files their content hash: files, folders and
    /// links that appear, vanish or change all show.
    func tree(_ root: String, skip: [String]) -> [String: String] {
        var out: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: root)
        while let rel = walker?.nextObject() as? String {
            let path = root + "/" + rel
            if skip.contains(where: { path.hasPrefix($0) }) { continue }
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                out[rel] = "file \(st.st_nlink) " + Digest20(Array(Insecure.SHA1.hash(data: data)))!.hex
            case S_IFLNK: out[rel] = "link " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
            case S_IFDIR: out[rel] = "dir"
            default: out[rel] = "other"
            }
        }
        return out
    }

    /// Replaces the newest photos archive with its own entries plus `extra`.
    func poisonPhotos(_ m: DemoManifest, extra: (ArchiveWriter) throws -> Void) throws {
        let newest = m.snapshots.last { $0.source == "external:/mnt/media/photos" }!.path
        var entries: [ArchiveEntry] = []
        try ArchiveLister(path: newest).forEachEntry { entries.append($0); return true }
        let unpacked = Fixtures.tempDir("orig")
        _ = try Shell.run("/usr/bin/bsdtar", ["-xf", newest, "-C", unpacked])
        let rebuilt = newest + ".new"
        let w = try ArchiveWriter(path: rebuilt, format: .tarZstd)
        for e in entries where e.type == .file { try w.addFile(e.path, from: unpacked + "/" + e.path, mtime: e.mtime) }
        try extra(w)
        try w.close()
        try FileManager.default.removeItem(atPath: newest)
        try FileManager.default.moveItem(atPath: rebuilt, toPath: newest)
    }

    /// A chain of symlinks inside the archive, each harmless by its text, leading from the restore folder up to the
    /// demo folder (4 levels: the source's restore folder, the run folder, scratch, the demo): then a live photo
    /// overwritten, a folder made, a live file hard-linked into scratch, all through the chain.
    @Test(arguments: [false, true])
    func aSymlinkChainInAPlannedArchiveTouchesNothingLive(sampled: Bool) throws {
        let m = try demo()
        let live = try #require(FileManager.default.subpaths(atPath: m.directory + "/nas/photos")?
            .first { $0.hasSuffix(".jpg") })
        var links = [("photos/zz/b/s", "../..")]
        for k in 2...4 { links.append(("photos/y\(k)/c/t", "../../" + links.last!.0.dropFirst("photos/".count) + "/..")) }
        let up = String(links.last!.0.dropFirst("photos/".count))
        try poisonPhotos(m) { w in
            for (name, target) in links { try w.addSymlink(name, target: target, mtime: 1) }
            try w.addFile("photos/\(up)/nas/photos/\(live)", data: Data("EVIL".utf8), mtime: 1)
            try w.addDirectory("photos/\(up)/nas/photos/planted", mtime: 1)
            try w.addSymlink("photos/\(up)/nas/photos/etc", target: "/etc", mtime: 1)
            try w.addHardlink("photos/stolen.jpg", target: "photos/\(up)/nas/photos/\(live)", mtime: 1)
            try w.addFile("photos/\(up)/nas/photos/\(live)", data: Data("EVIL AGAIN".utf8), mtime: 1)
        }
        let skip = [m.directory + "/scratch", m.directory + "/history.sqlite"]
        let before = tree(m.directory, skip: skip)
        let report = try drill(m, verify: sampled ? .count(5) : .full)
        #expect(tree(m.directory, skip: skip) == before, "nothing outside scratch changed, the live share included")
        // A sample writes neither links nor unsampled files, so there is nothing to refuse; a full restore refuses
        // every entry through the chain and the hard link to the live file.
        guard !sampled else { return }
        let unsafe = try #require(report.findings.first { $0.code == "unsafe-archive-entry" })
        #expect(unsafe.severity == .critical)
        let restore = try #require(report.restores.first { $0.source == "external:/mnt/media/photos" })
        #expect(restore.refused.filter { $0.hasPrefix("photos/\(up)/") }.count == 4, "\(restore.refused)")
        #expect(restore.refused.contains { $0.hasPrefix("photos/stolen.jpg") })
    }

    /// `M\xfcnchen.jpg` and `M\xfdnchen.jpg` in a snapshot folder: both restored under their own bytes, named.
    @Test func namesThatAreNotUTF8AreRestoredAsTheyAre() throws {
        let m = try demo()
        let newest = m.snapshots.last { $0.source == "upload" }!.path
        let folder = newest + "/library/upload"
        for byte: UInt8 in [0xFC, 0xFD] {
            let name = Array(folder.utf8) + Array("/M".utf8) + [byte] + Array("nchen.jpg".utf8) + [0]
            let fd = name.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
            #expect(fd >= 0)
            _ = write(fd, [byte], 1)
            close(fd)
        }
        var options = RunOptions()
        options.now = Self.now
        options.keepScratch = true
        let plan = try DrillPlan.load(m.plan)
        let report = try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
        let named = try #require(report.findings.first { $0.code == "name-not-utf8" })
        #expect(named.count == 2 && named.examples.allSatisfy { $0.contains("\\xF") })
        let restore = try #require(report.restores.first { $0.source == "upload" })
        #expect(restore.restoredFiles == restore.totalFiles)
        let restored = try #require(report.scratch?.components(separatedBy: " (").first)
        var names: Set<String> = []
        try FileWalker.walk(restored) { file in if file.path.hasSuffix("nchen.jpg") { names.insert(file.path) } }
        #expect(names.count == 2 && names.allSatisfy { $0.contains("/M\\xF") }, "\(names)")
        Scratch.removeTree(restored)
    }

    @Test func scratchThroughASymlinkIntoASourceIsRefused() throws {
        let m = try demo()
        // scratch is a symlink into the share; and, separately, a path below a symlinked parent.
        try FileManager.default.createSymbolicLink(atPath: m.directory + "/innocent", withDestinationPath: m.directory + "/nas/photos")
        for scratch in ["innocent", "innocent/sub/tmp"] {
            var text = try String(contentsOfFile: m.plan, encoding: .utf8)
            text = text.replacingOccurrences(of: "scratch: scratch", with: "scratch: \(scratch)")
            let plan = m.directory + "/plan-\(scratch.count).yml"
            try text.write(toFile: plan, atomically: true, encoding: .utf8)
            let loaded = try DrillPlan.load(plan)
            #expect { try DrillRunner(plan: loaded, deployment: try loaded.readDeployment(), options: RunOptions()).run() } throws: {
                let message = ($0 as? DrillError)?.message ?? ""
                return message.contains("overlaps") && message.contains("really")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: m.directory + "/nas/photos/sub"))
        #expect((try FileManager.default.contentsOfDirectory(atPath: m.directory + "/nas/photos")).allSatisfy { !$0.hasPrefix("run-") })
    }

    @Test func historyLockAndMetricsInsideASourceAreRefused() throws {
        let m = try demo()
        try FileManager.default.createSymbolicLink(atPath: m.directory + "/state", withDestinationPath: m.directory + "/nas/photos")
        for history in ["nas/photos/history.sqlite", "state/history.sqlite", "backups/upload/h.sqlite", "immich/history.sqlite"] {
            var text = try String(contentsOfFile: m.plan, encoding: .utf8)
            text = text.replacingOccurrences(of: "history: history.sqlite", with: "history: \(history)")
            try text.write(toFile: m.directory + "/h.yml", atomically: true, encoding: .utf8)
            let plan = try DrillPlan.load(m.directory + "/h.yml")
            #expect(throws: DrillError.self, "\(history)") { try plan.checkOwnFiles(deployment: try plan.readDeployment()) }
        }
        let plan = try DrillPlan.load(m.plan)
        try plan.checkOwnFiles(deployment: try plan.readDeployment(), metricsFile: m.directory + "/metrics.prom")
        #expect(throws: DrillError.self) {
            try plan.checkOwnFiles(deployment: try plan.readDeployment(), metricsFile: m.directory + "/state/metrics.prom")
        }
        #expect(!FileManager.default.fileExists(atPath: m.directory + "/nas/photos/history.sqlite"))
    }

    @Test func theLockIsKeyedByThePlanFileNotItsSpelling() throws {
        let m = try demo()
        try FileManager.default.createSymbolicLink(atPath: m.directory + "/alias.yml", withDestinationPath: m.plan)
        let plan = try DrillPlan.load(m.plan)
        let alias = try DrillPlan.load(m.directory + "/alias.yml")
        #expect(RunLock.path(for: plan) == RunLock.path(for: alias))
        let held = try RunLock(path: RunLock.path(for: plan), what: "a drill")
        defer { held.release() }
        #expect(throws: DrillError.self) { try RunLock(path: RunLock.path(for: alias), what: "a drill") }
    }

    @Test func runFoldersOfDeadDrillsAreRemovedWithoutFollowingLinks() throws {
        let root = Fixtures.tempDir("stale")
        let canary = Fixtures.tempDir("canary")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: canary + "/keep.jpg"))
        // A pid that is not running: a child that has exited.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let stale = root + "/run-20260101T000000-\(dead)"
        let alive = root + "/run-20260101T000000-\(getppid())"
        for folder in [stale, alive] {
            Fixtures.mkdir(folder + "/1-upload")
            try FileManager.default.createSymbolicLink(atPath: folder + "/1-upload/link", withDestinationPath: canary)
        }
        Fixtures.mkdir(root + "/not-a-run")
        let removed = Scratch.removeStale(root: root)
        #expect(removed == [WriteGuard.realPath(stale)])
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: alive) && FileManager.default.fileExists(atPath: root + "/not-a-run"))
        #expect(try String(contentsOfFile: canary + "/keep.jpg", encoding: .utf8) == "keep")
    }
}

/// Command templates and the commands they run.
@Suite struct CommandSafetyTests {
    static let hostile = [
        "snap{target}",
        "it's",
        "a\"b",
        "$(touch PWNED-subshell)",
        "`touch PWNED-backtick`",
        "x'; touch PWNED-quote; echo '",
        "{id}{target}$HOME",
        "-rf",
    ]

    @Test(arguments: hostile)
    func placeholdersNeverBecomeShellText(id: String) throws {
        let dir = Fixtures.tempDir("plan folder with it's apostrophe")
        let target = dir + "/target {id} 'q' $(x)"
        Fixtures.mkdir(target)
        for template in ["printf '%s' {id} > {target}/id.txt",
                         "printf '%s' \"{id}\" > \"{target}/id.txt\"",
                         "printf '%s' '{id}' > '{target}'/id.txt"] {
            try? FileManager.default.removeItem(atPath: target + "/id.txt")
            let command = ShellTemplate.render(template, values: [("id", id), ("target", target)], mode: .positional)
            let result = try Subprocess.run(shell: command, arguments: [id, target], timeout: 20, directory: dir)
            #expect(result.status == 0, "\(template): \(result.tail)")
            #expect(try String(contentsOfFile: target + "/id.txt", encoding: .utf8) == id, "\(template)")
            // The printed form runs the same way.
            try? FileManager.default.removeItem(atPath: target + "/id.txt")
            let printed = ShellTemplate.render(template, values: [("id", id), ("target", target)], mode: .literal)
            let shown = try Subprocess.run(shell: printed, timeout: 20, directory: dir)
            #expect(shown.status == 0 && (try? String(contentsOfFile: target + "/id.txt", encoding: .utf8)) == id, "\(printed)")
        }
        let everything = FileManager.default.subpaths(atPath: dir) ?? []
        #expect(everything.filter { $0.contains("PWNED") } == [])
    }

    @Test func aPipelineFailsWhenItsFirstCommandDoes() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { return }
        let result = try Subprocess.run(shell: "false | cat", timeout: 10)
        #expect(result.status != 0)
    }

    @Test func aToolThatClosesItsPipesIsStillStoppedOnCancel() throws {
        let started = Date()
        let flag = Atomic<Bool>(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { flag.store(true, ordering: .relaxed) }
        let result = try Subprocess.run(shell: "exec >&- 2>&-; sleep 60", timeout: 600,
                                        isCancelled: { flag.load(ordering: .relaxed) })
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(result.status != 0)
        // And at the deadline.
        let timed = try Subprocess.run(shell: "exec >&- 2>&-; sleep 60", timeout: 0.5)
        #expect(timed.timedOut && Date().timeIntervalSince(started) < 40)
    }

    @Test func snapshotIdsWithControlCharactersAreRefused() throws {
        let dir = Fixtures.tempDir("ids")
        // A tab, an ESC, a C1 CSI and a bidirectional override: each would act on a terminal showing the id.
        for (n, id) in ["abc\\tdef", "abc\\033]0;x", "abc\\302\\233", "abc\\342\\200\\256"].enumerated() {
            Fixtures.write(["list\(n).sh": "printf '\(id) 2026-11-30T02:00:00Z\\n'\n"], in: dir)
            let discovery = SnapshotDiscovery(planFile: dir + "/drill.yml", fileZone: TimeZone(identifier: "UTC"), dumpZone: nil)
            #expect { _ = try discovery.listCommand("sh list\(n).sh", source: "upload") } throws: {
                guard let error = $0 as? DrillError else { return false }
                return error.message.contains("control characters") && !TerminalText.needsEscape(error.message)
            }
        }
    }
}

import Synchronization

/// A restore that fails is what a drill exists to find: a finding, the other sources still restored and verified.
extension DrillRunnerTests {
    @Test func aFailingRestoreCommandIsAFindingNotAnAbort() throws {
        let m = try demo()
        try DemoPlanText.replace(DemoPlanText.photos, with: DemoPlanText.command(
            "external:/mnt/media/photos", list: "echo \"snap1 2026-05-28T03:30:00Z\"",
            restore: "'echo \"repository does not exist: {id}\" >&2; echo {target} > /dev/null; exit 1'"), in: m.plan)
        let report = try drill(m)
        let failed = try #require(report.findings.first { $0.code == "restore-failed" })
        #expect(failed.severity == .critical && failed.count == 1)
        #expect(failed.examples.first?.contains("exit status 1") == true)
        #expect(failed.examples.first?.contains("repository does not exist: snap1") == true)
        #expect(report.exitCode == 2 && report.verdict == "critical")
        // The other sources came back and were verified; the failed one's originals are missing.
        #expect(report.restores.count == 3 && report.restores.filter { $0.failed == nil }.allSatisfy { $0.restoredFiles > 0 })
        #expect(report.findings.contains { $0.code == "missing-original" })
        #expect(report.phases.contains { $0.name == "verify" })
    }

    @Test func anArchiveDamagedHalfWayIsAFinding() throws {
        let m = try demo()
        let newest = m.snapshots.last { $0.source == "external:/mnt/media/family" }!.path
        let size = try FileManager.default.attributesOfItem(atPath: newest)[.size] as! Int
        #expect(truncate(newest, off_t(size / 2)) == 0)
        let report = try drill(m)
        let failed = try #require(report.findings.first { $0.code == "restore-failed" }, "\(report.findings.map(\.code))")
        #expect(failed.examples.first?.contains("family") == true)
        #expect(report.exitCode == 2)
        let restore = try #require(report.restores.first { $0.source == "external:/mnt/media/family" })
        #expect(restore.failed != nil)
    }
}

/// One whole-install archive serving two sources, each with its own `path:`, as drills/nightly.yml suggests.
extension DrillRunnerTests {
    @Test func oneArchiveForTwoSourcesGivesEachItsOwnRoot() throws {
        let m = try demo()
        // The newest night: UPLOAD_LOCATION's snapshot folder and the photos share, in one archive under host/.
        let upload = m.snapshots.last { $0.source == "upload" }!.path
        let photos = m.snapshots.last { $0.source == "external:/mnt/media/photos" }!
        let stage = Fixtures.tempDir("whole")
        Fixtures.mkdir(stage + "/host/external")
        _ = try Shell.run("/bin/cp", ["-a", upload + "/library", stage + "/host/library"])
        _ = try Shell.run("/usr/bin/bsdtar", ["-xf", photos.path, "-C", stage + "/host/external"])
        let stamp = (photos.path as NSString).lastPathComponent.replacingOccurrences(of: "photos-", with: "").replacingOccurrences(of: ".tar.zst", with: "")
        let archive = m.directory + "/backups/whole-\(stamp).tar.zst"
        _ = try Shell.run("/usr/bin/bsdtar", ["--zstd", "-cf", archive, "-C", stage, "host"])
        try DemoPlanText.replace(DemoPlanText.upload, with: "  upload:\n    archive: backups/whole-{time}.tar.zst\n    path: host/library", in: m.plan)
        try DemoPlanText.replace(DemoPlanText.photos, with: "  external:/mnt/media/photos:\n    archive: backups/whole-{time}.tar.zst\n    path: host/external/photos", in: m.plan)
        let plan = try DrillPlan.load(m.plan)
        var planOptions = PlanOptions()
        planOptions.now = Self.now
        planOptions.live = false
        let analysis = try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: planOptions).run()
        #expect(analysis.findings.filter { $0.severity != .info && $0.code != "compose-not-backed-up" }.isEmpty,
                "\(analysis.findings.map { "\($0.code) \($0.count)" })")
        let report = try drill(m)
        #expect(report.restores.filter { $0.location == archive }.count == 2)
        #expect(report.findings.filter { ["missing-marker-in-snapshot", "missing-original", "orphan-original"].contains($0.code) }.isEmpty,
                "\(report.findings.map { "\($0.code) \($0.count)" })")
    }
}

/// One layout recogniser for archives, snapshot folders and what a backup tool restores.
extension DrillRunnerTests {
    /// Rewrites the plan's `upload:` source.
    func replaceUpload(_ m: DemoManifest, with text: String) throws {
        try DemoPlanText.replace(DemoPlanText.upload, with: text, in: m.plan)
    }

    func planFindings(_ m: DemoManifest) throws -> [String] {
        let plan = try DrillPlan.load(m.plan)
        var options = PlanOptions()
        options.now = Self.now
        options.live = false
        return try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
            .findings.filter { $0.severity != .info }.map { "\($0.severity.rawValue) \($0.code) \($0.count)" }.sorted()
    }

    @Test(arguments: ["x/library", "immich/library", "volume1/docker/immich/library"])
    func snapshotFoldersAreRecognisedUnderAnyPrefix(prefix: String) throws {
        let m = try demo()
        for snapshot in m.snapshots where snapshot.source == "upload" {
            let parent = Paths.directory(of: prefix)
            Fixtures.mkdir(snapshot.path + "/" + parent)
            #expect(rename(snapshot.path + "/library", snapshot.path + "/" + prefix) == 0)
            // The Compose folder's files move with UPLOAD_LOCATION, beside it.
            for file in ["docker-compose.yml", ".env"] { _ = rename(snapshot.path + "/" + file, snapshot.path + "/" + parent + "/" + file) }
        }
        try replaceUpload(m, with: "  upload:\n    directory: backups/upload/{time}\n")
        #expect(try planFindings(m) == [])
        let report = try drill(m)
        #expect(serious(report) == [], "\(report.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(2))" })")
    }

    @Test func whatACommandRestoresIsRecognisedWithoutPath() throws {
        let m = try demo()
        let newest = m.snapshots.last { $0.source == "upload" }!
        let photos = m.snapshots.last { $0.source == "external:/mnt/media/photos" }!
        // A "backup tool" that puts back UPLOAD_LOCATION as library/ and the share as photos/ at the top of {target}.
        try DemoPlanText.replace(DemoPlanText.upload, with: DemoPlanText.command(
            "upload", list: "echo \"u1 \(newest.time)\"",
            restore: "echo {id} >/dev/null; cp -a '\(newest.path)/library' {target}/library"), in: m.plan)
        try DemoPlanText.replace(DemoPlanText.photos, with: DemoPlanText.command(
            "external:/mnt/media/photos", list: "echo \"p1 \(photos.time)\"",
            restore: "echo {id} >/dev/null; bsdtar -xf '\(photos.path)' -C {target}"), in: m.plan)
        let report = try drill(m)
        // The tool restored library/ alone, so the Compose folder is rightly not found.
        #expect(serious(report) == ["warning compose-not-backed-up 2"], "\(report.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(2))" })")
        #expect(report.findings.allSatisfy { $0.code != "moved-original" && $0.code != "orphan-original" })
    }

    @Test func aSnapshotWithoutUploadLocationSaysSoInsteadOfFileFindings() throws {
        let m = try demo()
        for snapshot in m.snapshots where snapshot.source == "upload" {
            #expect(rename(snapshot.path + "/library", snapshot.path + "/something-else") == 0)
            for folder in Deployment.uploadFolders {
                _ = rename(snapshot.path + "/something-else/" + folder, snapshot.path + "/something-else/x-" + folder)
            }
        }
        try replaceUpload(m, with: "  upload:\n    directory: backups/upload/{time}\n")
        let planned = try planFindings(m)
        #expect(planned.contains("critical source-root-not-found 1"), "\(planned)")
        #expect(!planned.contains { $0.contains("missing-marker-in-snapshot") })
        let report = try drill(m)
        let found = try #require(report.findings.first { $0.code == "source-root-not-found" })
        #expect(found.count == 1 && found.examples[0].contains("something-else"))
        #expect(!report.findings.contains { ["missing-original", "orphan-original", "missing-marker", "moved-original"].contains($0.code) },
                "\(report.findings.map { "\($0.code) \($0.count) \($0.examples.prefix(2))" })")
        #expect(report.exitCode == 2)
    }
}

/// Every pair of demo faults: each found with its own count, whatever the other does.
@Suite struct FaultPairTests {
    static let pairs: [(DemoFault, DemoFault)] = {
        let all = DemoFault.allCases
        var out: [(DemoFault, DemoFault)] = []
        for (i, a) in all.enumerated() { for b in all[(i + 1)...] { out.append((a, b)) } }
        return out
    }()

    /// Whether `fault` is found with its own count in `report`, judged against the dump that was drilled.
    static func found(_ fault: DemoFault, in report: RunReport, manifest m: DemoManifest) throws -> String? {
        let record = try #require(m.faults.first { $0.fault == fault.rawValue })
        let drilled = try CatalogReader.read(path: try #require(report.catalog?.dump), timeZone: m.timeZone)
        let known = Set((0..<drilled.assets.count).map { drilled.assets[$0].id.description })
        let n = record.assetIds.filter(known.contains).count
        func count(_ code: String) -> Int { report.findings.first { $0.code == code }?.count ?? 0 }
        let codes = Set(report.findings.map(\.code))
        switch fault {
        case .moved: return count("moved-original") == n ? nil : "moved-original \(count("moved-original")), expected \(n)"
        case .missing, .reorganised: return count("missing-original") >= n && n > 0 ? nil : "missing-original \(count("missing-original")), expected at least \(n)"
        case .lateUpload:
            // Late uploads are only in snapshots taken after the newest dump: when the drilled point is an older
            // night (skew, a cut newest dump) they are truly not there.
            let dumpTime = ISO8601DateFormatter().date(from: m.dumps.last!.time)!.timeIntervalSince1970
            let drilledUpload = try #require(report.restores.first { $0.source == "upload" })
            let snapshot = m.snapshots.first { $0.path == drilledUpload.location }
            guard let t = snapshot.flatMap({ ISO8601DateFormatter().date(from: $0.time) }), t.timeIntervalSince1970 > dumpTime else { return nil }
            return count("orphan-original") >= record.count ? nil : "orphan-original \(count("orphan-original")), expected at least \(record.count)"
        case .pathMismatch:
            let under = (0..<drilled.assets.count).filter {
                drilled.originalPath(drilled.assets[$0]).hasPrefix("/mnt/media/photos/") && !drilled.assets[$0].flags.contains(.offline)
            }.count
            return count("path-mismatch") == under && count("import-path-not-mounted") == 1 ? nil : "path-mismatch \(count("path-mismatch")), expected \(under)"
        case .noThumbs: return count("missing-marker") >= 2 && count("missing-derivative") > 0 ? nil : "missing-marker \(count("missing-marker"))"
        case .skew: return codes.isSuperset(of: ["snapshot-skew", "stale-snapshot"]) ? nil : "no skew findings"
        case .truncatedDump: return count("dump-incomplete") == 1 ? nil : "no dump-incomplete"
        case .corrupt:
            // The bytes are flipped in the newest UPLOAD_LOCATION snapshot only.
            guard report.restores.contains(where: { $0.location == m.snapshots.last { $0.source == "upload" }?.path }) else { return nil }
            return count("checksum-mismatch") == n && n > 0 ? nil : "checksum-mismatch \(count("checksum-mismatch")), expected \(n)"
        case .dbOnly: return count("database-only-backup") == 1 ? nil : "no database-only-backup"
        case .writableMount: return count("mount-writable") == 1 ? nil : "no mount-writable"
        }
    }

    @Test(arguments: FaultPairTests.pairs)
    func eachFaultOfAPairIsFound(a: DemoFault, b: DemoFault) throws {
        let m = try Fixtures.demo("pair", assets: 60, seed: 11, faults: [a: a.defaultCount, b: b.defaultCount],
                                  now: DrillRunnerTests.now)
        let plan = try DrillPlan.load(m.plan)
        var options = RunOptions()
        options.now = DrillRunnerTests.now
        let report = try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
        for fault in [a, b] {
            let problem = try Self.found(fault, in: report, manifest: m)
            #expect(problem == nil, "\(fault.rawValue) with \((fault == a ? b : a).rawValue): \(problem ?? "") — \(report.findings.map { "\($0.code) \($0.count)" })")
        }
    }
}

extension DrillRunnerTests {
    /// What a backup tool restored holds no UPLOAD_LOCATION: said once, and nothing of it verified or indexed.
    @Test func aBackupToolsRestoreWithoutUploadLocationSaysSo() throws {
        let m = try demo()
        try replaceUpload(m, with: DemoPlanText.command(
            "upload", list: "echo \"u1 2026-05-28T03:00:00Z\"",
            restore: "echo {id} >/dev/null; mkdir -p {target}/junk && echo x > {target}/junk/file.jpg"))
        let report = try drill(m)
        let found = try #require(report.findings.first { $0.code == "source-root-not-found" })
        #expect(found.count == 1 && found.examples[0].contains("junk"), "\(found.examples)")
        #expect(!report.findings.contains { ["missing-original", "orphan-original", "missing-marker"].contains($0.code) },
                "\(report.findings.map { "\($0.code) \($0.count)" })")
        let upload = try #require(report.restores.first { $0.source == "upload" })
        #expect(upload.totalFiles == 0 && upload.rootNotFound == ["junk"])
    }
}
