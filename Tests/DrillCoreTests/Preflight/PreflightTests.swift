@testable import DrillCore
@testable import DrillDemo
import DrillTestSupport
import Foundation
import Testing

/// The pre-upgrade checklist on demo deployments: clean ones pass, each backup fault fails the item it breaks.
@Suite struct PreflightTests {
    static let now = 1_780_000_000.0
    static let passed = LastDrill(runId: 4, startedAt: now - 3600, verdict: "ok", exitCode: 0)

    func demo(_ era: DumpTemplate.Era = .v2, faults: [DemoFault: Int] = [:]) throws -> DemoManifest {
        try Fixtures.demo("preflight", era: era, assets: 40, seed: 3, faults: faults, now: Self.now)
    }

    func check(_ m: DemoManifest, to: String? = nil, last: LastDrill? = passed, free: Int64? = 50 << 30) throws -> PreflightReport {
        let plan = try DrillPlan.load(m.plan)
        var planOptions = PlanOptions()
        planOptions.live = false
        planOptions.now = Self.now
        let analysis = try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: planOptions).run()
        var options = PreflightOptions()
        options.now = Self.now
        options.to = to.flatMap(ImmichVersion.init)
        options.lastDrill = last
        options.freeBytes = free
        return Preflight.check(plan: plan, analysis: analysis, options: options)
    }

    func status(_ r: PreflightReport) -> [String: ChecklistItem.Status] {
        Dictionary(uniqueKeysWithValues: r.items.map { ($0.id, $0.status) })
    }

    /// Immich v3's vector gate: a clean demo (its image names VectorChord 0.4.3) passes; a dump that still uses
    /// pgvecto.rs fails with the migration path; an image with VectorChord outside 0.3–<2.0 fails.
    @Test func theV3VectorGate() throws {
        let m = try Fixtures.demo("preflight-v3", assets: 30, seed: 3, now: Self.now)
        let clean = try check(m, to: "v3.1.0")
        let gate = try #require(clean.items.first { $0.id == "vector-extension" })
        #expect(gate.status == .pass, "\(gate)")
        #expect(gate.reason.contains("vchord 0.4.3"))
        #expect(clean.exitCode == 0, "\(clean.render(.text))")
        #expect(try check(m, to: "v2.7.5").items.contains { $0.id == "vector-extension" } == false, "only for v3")

        try Fixtures.editDump(Fixtures.newestDump(m)) { text in
            text.replacingOccurrences(of: "CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;",
                                      with: "CREATE EXTENSION IF NOT EXISTS vectors WITH SCHEMA vectors;\nCREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;")
        }
        let old = try check(m, to: "v3.1.0")
        let failed = try #require(old.items.first { $0.id == "vector-extension" })
        #expect(failed.status == .fail && failed.reason.contains("pgvecto.rs") && failed.remedy?.contains("VectorChord") == true)
        #expect(old.exitCode == 2)

        let compose = m.compose
        let text = try String(contentsOfFile: compose, encoding: .utf8)
        let image = try #require(text.components(separatedBy: "\n").first { $0.contains("immich-app/postgres:") })
        try text.replacingOccurrences(of: image, with: "    image: ghcr.io/immich-app/postgres:14-vectorchord2.1.0-pgvector0.8.5")
            .write(toFile: compose, atomically: true, encoding: .utf8)
        try Fixtures.editDump(Fixtures.newestDump(m)) { $0.replacingOccurrences(of: "CREATE EXTENSION IF NOT EXISTS vectors WITH SCHEMA vectors;\n", with: "") }
        let newer = try #require(try check(m, to: "v3.1.0").items.first { $0.id == "vector-extension" })
        #expect(newer.status == .fail && newer.reason.contains("vchord 2.1.0 is outside 0.3–<2.0"), "\(newer)")
    }

    @Test(arguments: [DumpTemplate.Era.v1, .v2])
    func aCleanDemoPasses(era: DumpTemplate.Era) throws {
        let r = try check(try demo(era), to: "v2.7.5")
        #expect(r.exitCode == 0, "\(r.render(.text))")
        #expect(r.items.map(\.id) == ["dump-fresh", "rpo", "folders", "external", "last-drill", "version-pinned",
                                      "dump-room", "upgrade-path", "postgres"])
        #expect(r.items.allSatisfy { $0.status == .pass && $0.remedy == nil })
        if era == .v1 {
            #expect(r.from == "v1.135.3")
            let path = r.items.first { $0.id == "upgrade-path" }!
            #expect(path.reason.contains("/data") && path.reason.contains("pg_dump"))
        }
    }

    @Test func backupFaultsFailTheirItems() throws {
        #expect(status(try check(try demo(faults: [.truncatedDump: 1])))["dump-fresh"] == .fail)
        let thumbs = try check(try demo(faults: [.noThumbs: 1]))
        #expect(status(thumbs)["folders"] == .fail)
        #expect(thumbs.items.first { $0.id == "folders" }!.reason.contains("thumbs"))
        let dbOnly = try check(try demo(faults: [.dbOnly: 1]))
        #expect(status(dbOnly)["external"] == .fail)
        #expect(status(try check(try demo(faults: [.skew: 2])))["rpo"] == .fail)
        for r in [thumbs, dbOnly] { #expect(r.exitCode == 2 && r.verdict == "critical") }
    }

    @Test func theLastDrillDecidesItsItem() throws {
        let m = try demo()
        #expect(status(try check(m, last: nil))["last-drill"] == .warn)
        let failed = try check(m, last: LastDrill(runId: 9, startedAt: Self.now - 7200, verdict: "critical", exitCode: 2))
        #expect(status(failed)["last-drill"] == .fail)
        #expect(failed.items.first { $0.id == "last-drill" }!.remedy!.contains("immich-drill report 9"))
        #expect(failed.exitCode == 2)
        let old = try check(m, last: LastDrill(runId: 1, startedAt: Self.now - 30 * 86400, verdict: "ok", exitCode: 0))
        #expect(status(old)["last-drill"] == .warn && old.exitCode == 1)
    }

    @Test func roomAndPinning() throws {
        let m = try demo()
        #expect(status(try check(m, free: 1 << 20))["dump-room"] == .fail)
        let env = m.directory + "/immich/.env"
        let text = try String(contentsOfFile: env, encoding: .utf8)
        try text.replacingOccurrences(of: "IMMICH_VERSION=v2.7.5", with: "IMMICH_VERSION=release")
            .write(toFile: env, atomically: true, encoding: .utf8)
        let unpinned = try check(m, to: "v2.7.5")
        #expect(status(unpinned)["version-pinned"] == .warn)
        #expect(unpinned.from == "v2.7.5", "the dump's name says which release wrote it")
    }

    @Test func theUpgradePathRule() {
        func path(_ a: String?, _ b: String) -> ChecklistItem {
            Preflight.upgradePath(from: a.flatMap(ImmichVersion.init), to: ImmichVersion(b)!)
        }
        let skip = path("v1.118.2", "v1.137.0")
        #expect(skip.status == .fail && skip.remedy!.contains("v1.132.3"))
        #expect(path("v1.131.0", "v2.7.5").status == .fail)
        #expect(path("v1.131.0", "v1.132.3").status == .pass)
        #expect(path("v1.133.0", "v2.7.5").status == .pass)
        #expect(path("v2.7.5", "v2.0.0").status == .fail)
        #expect(path(nil, "v2.0.0").status == .warn)
    }

    @Test func postgresMajorsFromImageTags() {
        #expect(Preflight.postgresMajor(image: "tensorchord/pgvecto-rs:pg14-v0.2.0") == 14)
        #expect(Preflight.postgresMajor(image: "ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0@sha256:abc") == 14)
        #expect(Preflight.postgresMajor(image: "postgres:16") == 16)
        #expect(Preflight.postgresMajor(image: "postgres") == nil)
        #expect(Preflight.postgresMajor(image: "ghcr.io/immich-app/postgres:release") == nil)
        // The images the drill knows by name are read by DatabaseImage, with their extensions.
        #expect(DatabaseImage("pgvector/pgvector:0.8.0-pg16")?.postgresMajor == 16)
        #expect(DatabaseImage("pgvector/pgvector:0.8.0-pg16")?.extensions == ["vector": "0.8.0"])
        #expect(DatabaseImage("pgvector/pgvector:0.8.0")?.postgresMajor == nil, "0 is not a PostgreSQL major")
        let v3 = DatabaseImage("ghcr.io/immich-app/postgres:14-vectorchord1.1.1-pgvector0.8.5@sha256:abc")
        #expect(v3?.postgresMajor == 14 && v3?.extensions == ["vchord": "1.1.1", "vector": "0.8.5"] && v3?.outsideV3 == [])
        #expect(DatabaseImage("tensorchord/vchord-postgres:pg17-v0.4.3")?.postgresMajor == 17)
        #expect(DatabaseImage("postgres:16-alpine")?.extensions == [:])
    }
}

/// A backup tool's snapshot: unknown is never PASS; with `files:` it is seen without restoring it.
extension PreflightTests {
    /// The demo's UPLOAD_LOCATION served by a "backup tool" (its newest snapshot folder), with or without `files:`.
    func commandDemo(files: String?, removeMarker: Bool = false) throws -> DemoManifest {
        let m = try demo()
        let newest = m.snapshots.last { $0.source == "upload" }!
        if removeMarker { try FileManager.default.removeItem(atPath: newest.path + "/library/thumbs/.immich") }
        try DemoPlanText.replace(DemoPlanText.upload, with: DemoPlanText.command(
            "upload", list: "echo \"u1 \(newest.time)\"",
            restore: "echo {id} >/dev/null; cp -a '\(newest.path)/library' {target}/library", files: files), in: m.plan)
        return m
    }

    @Test func aBackupToolsSnapshotIsNotCheckedWithoutFiles() throws {
        let m = try commandDemo(files: nil)
        let report = try check(m)
        let folders = try #require(report.items.first { $0.id == "folders" })
        #expect(folders.status == .warn && folders.reason.hasPrefix("not checked"), "\(folders.reason)")
    }

    @Test(arguments: [false, true])
    func withFilesItsLayoutAndMarkersAreChecked(removeMarker: Bool) throws {
        let m = try commandDemo(files: "echo {id} >/dev/null; cd \"$(ls -d backups/upload/*/ | tail -1)\" && find . -print", removeMarker: removeMarker)
        let report = try check(m)
        let folders = try #require(report.items.first { $0.id == "folders" })
        #expect(folders.status == (removeMarker ? .fail : .pass), "\(folders.reason)")
        if removeMarker { #expect(folders.reason.contains("thumbs")) }
    }

    @Test func fileListsOfResticBorgAndPlainPaths() throws {
        let restic = """
        {"time":"2026-11-30T03:30:00.1+01:00","tree":"ab","paths":["/volume1/photos"],"id":"f00d","short_id":"f00d","struct_type":"snapshot"}
        {"name":"photos","type":"dir","path":"/volume1/photos","mtime":"2026-11-30T01:00:00+01:00","struct_type":"node"}
        {"name":"a.jpg","type":"file","path":"/volume1/photos/a.jpg","size":1234,"mtime":"2026-11-29T10:00:00.123456789+01:00","struct_type":"node"}
        """
        let r = try SnapshotLister.entries(fromFileList: Data(restic.utf8), what: "files")
        #expect(r.map(\.type) == [.directory, .file] && r[1].size == 1234 && r[1].mtime == 1_795_942_800)
        let borg = """
        {"type": "d", "mode": "drwxr-xr-x", "path": "volume1/photos", "size": 0, "mtime": "2026-11-30T01:00:00.000000"}
        {"type": "-", "mode": "-rw-r--r--", "path": "volume1/photos/.immich", "size": 0, "mtime": "2026-11-30T01:00:00.000000"}
        """
        let b = try SnapshotLister.entries(fromFileList: Data(borg.utf8), what: "files")
        #expect(b.map(\.type) == [.directory, .file] && b[1].path == "volume1/photos/.immich" && b[1].mtime == 1_796_000_400)
        let plain = try SnapshotLister.entries(fromFileList: Data("library\nlibrary/upload\nlibrary/upload/.immich\n".utf8), what: "files")
        #expect(plain.map(\.type) == [.directory, .directory, .file])
        #expect(throws: DrillError.self) { try SnapshotLister.entries(fromFileList: Data("{not json\n".utf8), what: "files") }
    }
}
