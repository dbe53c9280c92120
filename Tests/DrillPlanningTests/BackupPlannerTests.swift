@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

/// `plan` end to end: the demo's deployments and manifests are the oracle.
@Suite struct BackupPlannerTests {
    static let now = 1_780_000_000.0

    func demo(_ era: DumpTemplate.Era = .v3, faults: [DemoFault: Int] = [:], assets: Int = 60) throws -> DemoManifest {
        try Fixtures.demo("plan-demo", era: era, assets: assets, seed: 5, faults: faults, now: Self.now)
    }

    func plan(_ m: DemoManifest, live: Bool = true, at now: Double = BackupPlannerTests.now,
              point: String = "latest") throws -> PlanAnalysis {
        let plan = try DrillPlan.load(m.plan)
        var options = PlanOptions()
        options.now = now
        options.live = live
        options.restorePoint = point
        return try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
    }

    func summary(_ findings: [Finding]) -> [String] {
        findings.map { "\($0.severity.rawValue) \($0.code) \($0.count)" }.sorted()
    }

    @Test(arguments: [DumpTemplate.Era.v1, .v2])
    func aCleanDemoHasFullCoverageAndNoFindings(era: DumpTemplate.Era) throws {
        let m = try demo(era)
        let p = try plan(m)
        #expect(p.findings.isEmpty, "\(p.findings)")
        #expect(p.catalogDump == m.dumps.last!.path)
        // Five nights, each a complete restore point: dump at 02:00, UPLOAD_LOCATION +1 h, the shares +1.5 h.
        #expect(p.restorePoints.count == 5 && p.restorePoints.allSatisfy(\.complete))
        let newest = try #require(p.selected)
        #expect(newest == p.restorePoints[0])
        #expect(newest.members.map(\.offsetSeconds) == [0, 3600, 5400, 5400])
        #expect(newest.skewSeconds == 5400)
        #expect(Double(newest.rpoSeconds) == (Self.now - newest.dumpTime).rounded())
        // Every source is covered by its five snapshots; the newest has every marker and the Compose folder.
        for row in p.coverage {
            #expect(row.snapshots == 5 || row.source.hasPrefix("config:"), "\(row.source)")
            if row.source.hasPrefix("upload/") { #expect(row.markerInNewest == true && row.inNewest == true) }
            if row.source.hasPrefix("config:") { #expect(row.inNewest == true && row.plannedAs == "upload") }
        }
        #expect(p.coverage.first { $0.source == "database" }?.newestComplete == true)
        let assets = p.coverage.filter { $0.source.hasPrefix("external:") }.compactMap(\.assets).reduce(0, +)
        #expect(assets == m.counts.external)
        // The live files are as the newest snapshots have them (compared by listing), and all referenced.
        let live = try #require(p.live)
        // Originals by listing; what Immich generates by mtime (the table holds no thumbnails).
        #expect(live.sources.count == 8 && live.sources.allSatisfy { $0.visible })
        for source in live.sources {
            let generated = Deployment.foldersWithoutOriginals.contains { source.source == "upload/" + $0 }
            #expect(source.comparedBy == (generated ? "mtime" : "listing"), "\(source.source)")
        }
        #expect(live.sources.allSatisfy { $0.changedFiles == 0 }, "\(live.sources.map { ($0.source, $0.changedFiles ?? -1) })")
        #expect(live.integrity?.missing.isEmpty == true && live.integrity?.untracked == 0)
        let photos = try #require(live.sources.first { $0.source == "external:/mnt/media/photos" })
        #expect(photos.files == m.snapshots.last { $0.source == "external:/mnt/media/photos" }!.files - photos.excluded
            || photos.files > 0)
    }

    @Test(arguments: DemoFault.allCases)
    func eachFaultIsReportedWithTheManifestsCounts(fault: DemoFault) throws {
        let m = try demo(faults: [fault: fault.defaultCount])
        let p = try plan(m)
        let record = try #require(m.faults.first { $0.fault == fault.rawValue })
        let n = record.count
        let found = summary(p.findings)
        let catalog = try #require(p.catalog)
        func ids(_ indexes: [Int32]) -> Set<String> { Set(indexes.map { catalog.assets[Int($0)].id.description }) }
        switch fault {
        case .moved, .reorganised:
            #expect(found == ["info untracked-file-live \(n)", "warning missing-original-live \(n)"])
            #expect(ids(p.live!.integrity!.missing) == Set(record.assetIds))
        case .missing:
            #expect(found == ["warning missing-original-live \(n)"])
            #expect(ids(p.live!.integrity!.missing) == Set(record.assetIds))
            // The v3 demo's integrity report names the first: the live finding says Immich knows it.
            let message = p.findings.first { $0.code == "missing-original-live" }?.message ?? ""
            #expect(message.contains("Known to Immich for 1 of \(n)"), "\(message)")
        case .lateUpload:
            #expect(found == ["info untracked-file-live \(n)"])
            let examples = p.findings[0].examples
            #expect(Set(examples).isSubset(of: Set(record.paths)) && examples.count == min(n, 5))
            // They are in the newest UPLOAD_LOCATION snapshot: nothing changed since it.
            #expect(p.live!.sources.allSatisfy { $0.changedFiles == 0 })
        case .pathMismatch:
            #expect(found == ["critical import-path-not-mounted 1"])
            let underPhotos = (0..<catalog.assets.count).filter {
                catalog.originalPath(catalog.assets[$0]).hasPrefix("/mnt/media/photos/")
            }.count
            #expect(p.findings[0].examples == ["/mnt/media/photos: \(underPhotos) asset(s)"])
            // The mount at the wrong path is shown, as optional: no library imports from it.
            #expect(p.sources.contains { $0.id == "external:/mnt/photos" && !$0.required })
        case .noThumbs:
            #expect(found == ["critical missing-marker-in-snapshot 2"])
            #expect(p.findings[0].examples.map { $0.split(separator: "/").first! }.sorted() == ["encoded-video", "thumbs"])
        case .skew:
            #expect(found == ["critical stale-snapshot 3", "warning snapshot-skew 1"])
            #expect(p.selected!.members.dropFirst().allSatisfy { $0.offsetSeconds < -n * 86_400 + 6 * 3600 })
            // The file sources' changes since their (old) newest snapshots show: the dumps of the later nights.
            #expect(p.live!.sources.first { $0.source == "upload/backups" }!.changedFiles == n)
        case .truncatedDump:
            // The catalog is the night before's dump: the day's uploads are untracked against it, and newer.
            #expect(found.first == "critical dump-incomplete 1")
            #expect(p.findings.dropFirst().allSatisfy { $0.code == "untracked-file-live" && $0.severity == .info })
            #expect(p.catalogDump == m.dumps[m.dumps.count - 2].path)
            #expect(p.restorePoints[0].dumpReadable == false && !p.restorePoints[0].complete)
            #expect(p.selected == p.restorePoints[1])
        case .corrupt, .writableMount:
            // Corruption inside a snapshot shows only when it is restored (`run`).
            #expect(found == (fault == .corrupt ? [] : ["warning mount-writable 1"]))
        case .dbOnly:
            #expect(found == ["critical database-only-backup 1"])
            let family = (0..<catalog.assets.count).filter {
                catalog.originalPath(catalog.assets[$0]).hasPrefix("/mnt/media/family/")
            }.count
            #expect(p.findings[0].examples == ["external:/mnt/media/family: \(family) asset(s) in the newest dump, no snapshot location in the plan"])
            #expect(p.restorePoints.allSatisfy { $0.missing.isEmpty }) // the plan does not name the family share
        }
    }

    @Test func reportsRenderInEveryFormat() throws {
        let m = try demo(faults: [.noThumbs: 1])
        let report = PlanReport(planFile: m.plan, result: try plan(m, live: false))
        let json = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as! [String: Any]
        #expect(json["schema"] as? String == "immich-drill/plan/v1")
        #expect(json["exitCode"] as? Int == 2)
        let points = json["restorePoints"] as! [[String: Any]]
        #expect(points.count == 5)
        #expect(Set(points[0].keys).isSuperset(of: ["id", "dumpTime", "members", "skewSeconds", "rpoSeconds", "complete"]))
        #expect((json["coverage"] as! [[String: Any]]).count == 11)
        #expect(json["live"] is NSNull)
        let text = report.render(.text)
        #expect(text.contains("Coverage") && text.contains("Restore points (* selected)") && text.contains("missing-marker-in-snapshot"))
        #expect(!text.contains("Live files"))
        let markdown = report.render(.markdown)
        #expect(markdown.contains("## Coverage") && markdown.contains("| upload/thumbs | optional |"))
    }

    // MARK: Hand-built edge cases

    /// A minimal deployment: UPLOAD_LOCATION and one external share, the plan's sources as given.
    func deployment(sources: String) -> String {
        let dir = Fixtures.tempDir("edge")
        Fixtures.write([
            "immich/docker-compose.yml": """
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:v2.7.5
                volumes:
                  - ${UPLOAD_LOCATION}:/data
                  - ../share:/mnt/share:ro
                environment:
                  TZ: Europe/Berlin
            """,
            "immich/.env": "UPLOAD_LOCATION=./library\n",
            "share/a.jpg": "a",
            "plan.yml": "version: 1\ndeployment:\n  compose: immich/docker-compose.yml\nsources:\n" + sources,
        ], in: dir)
        Fixtures.mkdir(dir + "/immich/library/backups")
        return dir
    }

    func run(_ dir: String, now: Double = 1_795_700_000) throws -> PlanAnalysis {
        let plan = try DrillPlan.load(dir + "/plan.yml")
        var options = PlanOptions()
        options.now = now
        return try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
    }

    @Test func noBackupsAtAll() throws {
        let p = try run(deployment(sources: "  upload:\n    archive: backups/upload-{time}.tar\n"))
        #expect(summary(p.findings) == ["critical uncovered-source 1"])
        #expect(p.restorePoints.isEmpty && p.selected == nil)
    }

    @Test func filesWithoutDumpsAndOnlyFailedDumps() throws {
        let dir = deployment(sources: "  upload:\n    directory: backups/upload/{time}\n  external:/mnt/share:\n    directory: backups/share/{time}\n")
        for stamp in ["20261126T030000"] {
            Fixtures.write(["backups/upload/\(stamp)/library/.immich": "1", "backups/share/\(stamp)/a.jpg": "a"], in: dir)
        }
        Fixtures.write(["immich/library/backups/immich-db-backup-20261126T020000-v2.7.5-pg14.20.sql.gz.tmp": ""], in: dir)
        let p = try run(dir)
        #expect(summary(p.findings).contains("critical files-only-backup 2"))
        #expect(summary(p.findings).contains("warning dump-failed 1"))
        #expect(p.coverage.first { $0.source == "database" }?.failed == 1)
        #expect(p.restorePoints.isEmpty)
    }

    @Test func commandSourcesAreCoveredWithoutListing() throws {
        let dir = deployment(sources: """
          upload:
            command:
              list: ./list-upload
              restore: ./restore {id} {target}
          external:/mnt/share:
            archive: backups/share-{time}.tar.gz
          external:/mnt/typo:
            archive: backups/typo-{time}.tar.gz

        """)
        try "#!/bin/sh\necho 'a1b2c3d4 2026-11-26T03:00:00+01:00'\necho 'e5f6a7b8 2026-11-25T03:00:00+01:00'\n"
            .write(toFile: dir + "/list-upload", atomically: true, encoding: .utf8)
        chmod(dir + "/list-upload", 0o755)
        let p = try run(dir, now: 1_795_660_000)
        let upload = try #require(p.coverage.first { $0.source == "upload/library" })
        #expect(upload.kind == "command" && upload.snapshots == 2 && upload.newest == "a1b2c3d4" && upload.markerInNewest == nil)
        // No dumps and no share archives: the upload snapshots alone are files without a database.
        #expect(summary(p.findings).contains("critical files-only-backup 2"))
        #expect(summary(p.findings).contains("warning planned-source-unknown 1"))
        #expect(p.findings.first { $0.code == "planned-source-unknown" }?.examples == ["external:/mnt/typo"])
    }
}

/// Paths as people name them: spaces, quotes, umlauts, combining letters and emoji in the plan folder, in
/// UPLOAD_LOCATION and in every snapshot name. `plan` (with the live walk) and `run` must be as clean as under ASCII.
@Suite struct NonASCIIPathTests {
    @Test(arguments: ["Fotos Müller/ünï cødé 'q'", "photos-📷 \"x\"", "e\u{301}te\u{301} $HOME"])
    func aDemoUnderANonASCIIFolderPlansAndDrillsClean(folder: String) throws {
        var options = DemoOptions(directory: Fixtures.tempDir("utf") + "/" + folder)
        options.assets = 60
        options.seed = 5
        options.sizeScale = 0.001
        options.now = BackupPlannerTests.now
        let m = try DemoBuilder.build(options)
        let plan = try DrillPlan.load(m.plan)
        var planOptions = PlanOptions()
        planOptions.now = BackupPlannerTests.now
        let analysis = try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: planOptions).run()
        #expect(analysis.findings.isEmpty, "\(analysis.findings.map { "\($0.code) \($0.count)" })")
        #expect(analysis.live?.sources.first { $0.source == "upload/upload" }?.files ?? 0 > 0)
        var runOptions = RunOptions()
        runOptions.now = BackupPlannerTests.now
        let report = try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: runOptions).run()
        #expect(report.findings.filter { $0.severity != .info }.isEmpty, "\(report.findings.map { "\($0.code) \($0.count)" })")
        #expect(report.exitCode == 0)
    }
}
