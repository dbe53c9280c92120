@testable import DrillCore
@testable import DrillDemo
import Crypto
import DrillArchive
import Foundation
import Testing
import DrillTestSupport

/// `run` end to end on the demo: every fault, in full and with a seeded sample; unsafe archives; untouched sources.
@Suite struct DrillRunnerTests {
    static let now = 1_780_000_000.0

    func demo(_ era: DumpTemplate.Era = .v3, faults: [DemoFault: Int] = [:], assets: Int = 60) throws -> DemoManifest {
        try Fixtures.demo("run-demo", era: era, assets: assets, seed: 11, faults: faults, now: Self.now)
    }

    func drill(_ m: DemoManifest, verify: VerifyDepth = .full, seed: UInt64 = 7, inPlace: Bool = false) throws -> RunReport {
        let plan = try DrillPlan.load(m.plan)
        var options = RunOptions()
        options.now = Self.now
        options.verify = verify
        options.seed = seed
        options.inPlace = inPlace
        return try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
    }

    /// Warning and critical findings, as `severity code count`.
    func serious(_ report: RunReport) -> [String] {
        report.findings.filter { $0.severity != .info }.map { "\($0.severity.rawValue) \($0.code) \($0.count)" }.sorted()
    }

    func catalog(_ m: DemoManifest, dump: Int = 1) throws -> Catalog {
        try CatalogReader.read(path: m.dumps[m.dumps.count - dump].path, timeZone: m.timeZone)
    }

    @Test(arguments: [DumpTemplate.Era.v1, .v2])
    func aCleanDemoRestoresAndVerifiesClean(era: DumpTemplate.Era) throws {
        let m = try demo(era)
        let report = try drill(m)
        #expect(serious(report) == [], "\(report.findings)")
        #expect(report.verdict == "ok" && report.exitCode == 0)
        #expect(report.restorePoint?.id == RestorePlanner.compactUTC(ISO8601DateFormatter().date(from: m.dumps.last!.time)!.timeIntervalSince1970))
        // Every snapshot file came back and was hashed; every original was checked.
        #expect(report.restores.count == 3)
        for restore in report.restores {
            #expect(restore.restoredFiles == restore.totalFiles && restore.totalFiles > 0 && restore.refused.isEmpty)
            #expect(restore.projectedSeconds == nil)
        }
        let stats = try #require(report.verify.stats)
        #expect(stats.checkedPresence == stats.population && stats.population == m.counts.assets - m.counts.offline)
        #expect(stats.checkedContent == stats.population - (m.counts.external - m.counts.offline) && stats.badContent == 0)
        #expect(stats.statement == nil)
        // Phases: the dump, each restore and (with PostgreSQL here) the load measured, Immich's own work estimated
        // with its rate named.
        let loaded = PostgresCluster.available
        #expect(report.phases.filter(\.measured).map(\.name) == ["read dump", "restore", "restore", "restore", "verify"] + (loaded ? ["load database"] : []))
        let estimates = report.phases.filter { !$0.measured }
        #expect(estimates.map(\.name) == (loaded ? [] : ["load database"]) + ["library scan"])
        #expect(estimates.allSatisfy { $0.assumption?.contains("estimates.") == true })
        #expect(report.rto?.met == true && report.rpo?.met == true)
        // The scratch folder is gone.
        let scratch = (m.directory as NSString).appendingPathComponent("scratch")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: scratch)) == [])
    }

    @Test func referencesAreMarkedOnTheRestoredFilesAndCleared() {
        let index = RestoreIndex()
        index.record("/data/upload/a.jpg", size: 10)
        index.record("/data/upload/b.jpg", size: 20)
        #expect(index.reference("/data/upload/a.jpg")?.size == 10)
        #expect(index.reference("/data/upload/missing.jpg") == nil)
        var unreferenced: [String] = []
        index.forEachUnreferenced { path, _ in unreferenced.append(path) }
        #expect(unreferenced == ["/data/upload/b.jpg"])
        #expect(index["/data/upload/missing.jpg"] == nil && index.count == 2, "a reference adds nothing")
        index.clearReferences()
        var marked = 0
        index.forEach { _, file in if file.referenced { marked += 1 } }
        #expect(marked == 0)
    }

    /// The originals a seeded sample of the demo draws, as the runner draws them.
    func drawn(_ m: DemoManifest, _ c: Catalog, depth: VerifyDepth, seed: UInt64) throws -> Set<Int32>? {
        let plan = try DrillPlan.load(m.plan)
        let verifier = Verifier(catalog: c, deployment: try plan.readDeployment(), index: RestoreIndex(), sample: nil,
                                absentSources: [], liveStat: { _ in nil })
        var roots: [(container: String, source: SourceID)] = [("/data", "upload"), ("/mnt/media/photos", "external:/mnt/media/photos")]
        if !m.faults.contains(where: { $0.fault == "db-only" }) { roots.append(("/mnt/media/family", "external:/mnt/media/family")) }
        return Sampler.choose(DrillRunner.samplePopulation(c, verifier: verifier, roots: roots), depth: depth, seed: seed)
    }

    /// Every fault on the default era (v3) in full and sampled, and on v2 in full.
    @Test(arguments: DemoFault.allCases, [(VerifyDepth.full, DumpTemplate.Era.v3), (.percent(30), .v3), (.full, .v2)])
    func eachFaultIsFoundWithTheManifestsCounts(fault: DemoFault, how: (depth: VerifyDepth, era: DumpTemplate.Era)) throws {
        let depth = how.depth
        let m = try demo(how.era, faults: [fault: fault.defaultCount])
        let report = try drill(m, verify: depth, seed: 5)
        let record = try #require(m.faults.first { $0.fault == fault.rawValue })
        let n = record.count
        let found = serious(report)
        let codes = Set(report.findings.map(\.code))
        let c = try catalog(m)
        func examples(_ code: String) -> [String] { report.findings.first { $0.code == code }?.examples ?? [] }
        func path(of id: String) -> String {
            let a = (0..<c.assets.count).map { c.assets[$0] }.first { $0.id.description == id }!
            return c.originalPath(a)
        }
        switch fault {
        case .moved:
            #expect(found.contains("critical moved-original \(n)"))
            #expect(!codes.contains("missing-original") && !codes.contains("orphan-original"))
            #expect(Set(examples("moved-original").map { String($0.split(separator: " ")[0]) }) == Set(record.assetIds.map(path)))
        case .reorganised:
            // Renamed with their EXIF rewritten: neither name nor size matches, so they are missing, and the new files
            // are orphans in the import path (relink finds them by their metadata: RelinkTests).
            #expect(found.filter { !$0.contains("metadata-at-risk") } == ["critical missing-original \(n)", "warning orphan-original \(n)"])
            #expect(Set(examples("missing-original").map { String($0.split(separator: " ")[0]) }) == Set(record.assetIds.map(path)))
            #expect(examples("orphan-original").allSatisfy { $0.contains("/Unknown Location/") })
        case .missing:
            #expect(found.filter { !$0.contains("metadata-at-risk") } == ["critical missing-original \(n)"])
            #expect(Set(examples("missing-original").map { String($0.split(separator: " ")[0]) }) == Set(record.assetIds.map(path)))
            // v3: the first went before Immich's own integrity check, which recorded it in the dump.
            let message = report.findings.first { $0.code == "missing-original" }?.message ?? ""
            if how.era == .v3 {
                #expect(message.contains("Known to Immich for 1 of \(n): its own integrity check recorded them (integrity_report missing_file)"), "\(message)")
                #expect(report.catalog?.immichIntegrity == ["missing_file": 1])
                #expect(report.verify.stats?.immichRecordedAlsoFound == 1)
            } else {
                #expect(!message.contains("Known to Immich") && report.catalog?.immichIntegrity == nil)
            }
        case .lateUpload:
            #expect(found == ["warning orphan-original \(n)"])
        case .pathMismatch:
            let under = (0..<c.assets.count).filter {
                c.originalPath(c.assets[$0]).hasPrefix("/mnt/media/photos/") && !c.assets[$0].flags.contains(.offline)
            }.count
            #expect(found.contains("critical path-mismatch \(under)") && found.contains("critical import-path-not-mounted 1"))
        case .noThumbs:
            var derivatives = (0..<c.files.count).filter {
                let f = c.files[$0]
                return f.kind != .sidecar && f.kind != .other && !c.assets[Int(f.asset)].flags.contains(.offline)
            }.count
            derivatives += c.people.filter { !$0.thumbnail.isNone }.count
            #expect(found == ["critical missing-marker 2", "critical missing-marker-in-snapshot 2",
                              "warning missing-derivative \(derivatives)"])
            #expect(report.phases.contains { $0.name == "regenerate thumbnails" && !$0.measured })
        case .skew:
            #expect(codes.isSuperset(of: ["snapshot-skew", "stale-snapshot", "rpo-missed"]))
            #expect(report.rpo?.met == false)
        case .truncatedDump:
            #expect(found.contains("critical dump-incomplete 1"))
            #expect(report.catalog?.dump == m.dumps[m.dumps.count - 2].path)
        case .corrupt:
            // In full, every damaged original; with a sample, those the seeded sample drew.
            var expected = Set(record.assetIds)
            if let sample = try drawn(m, c, depth: depth, seed: 5) {
                expected = expected.filter { id in sample.contains { c.assets[Int($0)].id.description == id } }
                #expect(report.verify.stats?.statement != nil)
            }
            let mismatch = expected.isEmpty ? [] : ["critical checksum-mismatch \(expected.count)"]
            #expect(found.filter { !$0.contains("metadata-at-risk") } == mismatch)
            #expect(Set(examples("checksum-mismatch")) == Set(expected.map(path)))
        case .dbOnly:
            let family = (0..<c.assets.count).filter {
                c.originalPath(c.assets[$0]).hasPrefix("/mnt/media/family/") && !c.assets[$0].flags.contains(.offline)
            }.count
            #expect(found.contains("critical database-only-backup 1") && found.contains("critical missing-original \(family)"))
            #expect(examples("missing-original").allSatisfy { $0.hasSuffix("(no snapshot of its source in this restore point)") })
        case .writableMount:
            #expect(found == ["warning mount-writable 1"])
        }
    }

    @Test(arguments: [DemoFault.corrupt, .missing, .lateUpload])
    func aSeededSampleFindsWhatItsSampleHolds(fault: DemoFault) throws {
        let m = try demo(faults: [fault: 3], assets: 120)
        let sampled = try drill(m, verify: .percent(25), seed: 99)
        let full = try drill(m)
        // Presence checks come from the headers: the same with or without a sample.
        let presence: (RunReport) -> [String] = { r in
            r.findings.filter { $0.code != "checksum-mismatch" && $0.code != "metadata-at-risk" }
                .map { "\($0.code) \($0.count)" }.sorted()
        }
        #expect(presence(sampled) == presence(full))
        let stats = try #require(sampled.verify.stats)
        #expect(sampled.verify.seed == 99 && stats.sampled != nil && stats.statement != nil)
        #expect(stats.checkedContent < full.verify.stats!.checkedContent)
        #expect(sampled.restores.contains { $0.restoredFiles < $0.totalFiles && $0.projectedSeconds != nil })
        // The corrupt originals found are exactly those the seeded sample drew.
        let c = try catalog(m)
        let plan = try DrillPlan.load(m.plan)
        let deployment = try plan.readDeployment()
        let verifier = Verifier(catalog: c, deployment: deployment, index: RestoreIndex(), sample: nil, absentSources: [],
                                liveStat: { _ in nil })
        let population = DrillRunner.samplePopulation(c, verifier: verifier, roots: [
            ("/data", "upload"), ("/mnt/media/photos", "external:/mnt/media/photos"), ("/mnt/media/family", "external:/mnt/media/family"),
        ])
        let sample = try #require(Sampler.choose(population, depth: .percent(25), seed: 99))
        #expect(stats.sampled == sample.count)
        if fault == .corrupt {
            let corrupt = Set(m.faults[0].assetIds)
            let drawn = sample.filter { corrupt.contains(c.assets[Int($0)].id.description) }.count
            #expect((sampled.findings.first { $0.code == "checksum-mismatch" }?.count ?? 0) == drawn)
            #expect(stats.badContent == drawn)
        } else {
            #expect(stats.badContent == 0 && stats.statement!.hasPrefix("0 bad in"))
        }
    }

    @Test func inPlaceVerifiesFoldersWithoutCopying() throws {
        let m = try demo(faults: [.corrupt: 2])
        let report = try drill(m, inPlace: true)
        let upload = try #require(report.restores.first { $0.source == "upload" })
        #expect(upload.inPlace && upload.restoredFiles == upload.totalFiles)
        #expect(serious(report).filter { !$0.contains("metadata-at-risk") } == ["critical checksum-mismatch 2"])
    }

    /// Every file below `root` (but `skip`): its bytes' SHA-1, size and mtime.
    func fingerprint(_ root: String, skip: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        try FileWalker.walk(root, decide: { path, _ in skip.contains { path.hasPrefix($0) } ? .skip : .include }) { file in
            let data = try Data(contentsOf: URL(fileURLWithPath: file.path))
            result[file.path] = "\(Digest20(Array(Insecure.SHA1.hash(data: data)))!.hex) \(file.size) \(file.mtime)"
        }
        return result
    }

    @Test func sourcesAndBackupsStayUntouched() throws {
        let m = try demo(faults: [.moved: 2, .corrupt: 1])
        let skip = [m.directory + "/scratch", m.directory + "/history.sqlite"]
        // Read-only, as a careful operator mounts them.
        _ = try Shell.run("/bin/chmod", ["-R", "a-w", m.directory + "/immich", m.directory + "/nas", m.directory + "/backups"])
        defer { _ = try? Shell.run("/bin/chmod", ["-R", "u+w", m.directory]) }
        let before = try fingerprint(m.directory, skip: skip)
        _ = try drill(m)
        _ = try drill(m, verify: .count(5))
        _ = try drill(m, inPlace: true)
        let after = try fingerprint(m.directory, skip: skip)
        #expect(before.count > 100 && before == after)
    }

    @Test func scratchMayNotOverlapASource() throws {
        let m = try demo()
        var text = try String(contentsOfFile: m.plan, encoding: .utf8)
        text = text.replacingOccurrences(of: "scratch: scratch", with: "scratch: nas/photos/tmp")
        try text.write(toFile: m.plan, atomically: true, encoding: .utf8)
        #expect { try drill(m) } throws: { ($0 as? DrillError)?.message.contains("overlaps") == true }
        #expect(!FileManager.default.fileExists(atPath: m.directory + "/nas/photos/tmp"))
    }

    @Test func scratchWithoutRoomIsRefusedBeforeWriting() throws {
        let root = Fixtures.tempDir("scratch-root")
        #expect { try Scratch.prepare(root: root, protected: [], bytesNeeded: 1 << 60) } throws: {
            ($0 as? DrillError)?.message.hasPrefix("not enough free space for the restore") == true
        }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: root)) == [])
        let scratch = try Scratch.prepare(root: root, protected: [root + "-other"], bytesNeeded: 1 << 20)
        #expect(FileProbe.kind(scratch.path) == .directory)
        scratch.remove()
        #expect(!FileProbe.exists(scratch.path))
    }

    @Test func unsafeArchiveEntriesAreRefusedAndReported() throws {
        let m = try demo()
        // Replace the newest photos archive with one that also tries to escape.
        let newest = m.snapshots.last { $0.source == "external:/mnt/media/photos" }!.path
        let original = try ArchiveLister(path: newest)
        var entries: [ArchiveEntry] = []
        try original.forEachEntry { entries.append($0); return true }
        let rebuilt = newest + ".new"
        let w = try ArchiveWriter(path: rebuilt, format: .tarZstd)
        let extract = Fixtures.tempDir("orig")
        _ = try Shell.run("/usr/bin/bsdtar", ["-xf", newest, "-C", extract])
        for e in entries where e.type == .file { try w.addFile(e.path, from: extract + "/" + e.path, mtime: e.mtime) }
        try w.addFile("photos/../../escaped.jpg", data: Data("x".utf8), mtime: 1)
        try w.addSymlink("photos/etc", target: "/etc", mtime: 1)
        try w.close()
        try FileManager.default.removeItem(atPath: newest)
        try FileManager.default.moveItem(atPath: rebuilt, toPath: newest)
        let report = try drill(m)
        let unsafe = try #require(report.findings.first { $0.code == "unsafe-archive-entry" })
        #expect(unsafe.severity == .critical && unsafe.count == 2)
        #expect(!FileManager.default.fileExists(atPath: m.directory + "/scratch/escaped.jpg"))
        #expect(!FileManager.default.fileExists(atPath: m.directory + "/escaped.jpg"))
    }
}

