@testable import DrillCore
@testable import DrillDemo
import DrillTestSupport
import Foundation
import Testing

/// Relink: the moved originals of a demo found again and their SQL proven on the drill's own database (v1's and
/// v3's names), the SQL applied to a real PostgreSQL by the printed command and dumped again, the guard that refuses
/// a database that changed, ambiguity never guessed, content matches and moved import paths, and hostile paths.
@Suite struct RelinkTests {
    static let now = 1_780_000_000.0

    func drill(_ m: DemoManifest, sql: String? = nil) throws -> RunReport {
        let plan = try DrillPlan.load(m.plan)
        var options = RunOptions()
        options.now = Self.now
        options.relink = true
        options.relinkSQL = sql
        return try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
    }

    func catalog(_ m: DemoManifest) throws -> Catalog { try CatalogReader.read(path: Fixtures.newestDump(m)) }

    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"), arguments: [DumpTemplate.Era.v1, .v3])
    func movedOriginalsAreFoundAndTheSQLIsProven(era: DumpTemplate.Era) throws {
        let m = try Fixtures.demo("relink-\(era)", era: era, assets: 80, seed: 4, faults: [.moved: 4], now: Self.now)
        let sql = Fixtures.tempDir("relink-sql") + "/relink.sql"
        let report = try drill(m, sql: sql)
        let relink = try #require(report.relink)
        let record = try #require(m.faults.first { $0.fault == "moved" })
        #expect(Set(relink.plan.matches.map(\.id)) == Set(record.assetIds))
        #expect(relink.plan.matches.allSatisfy { $0.confidence == .nameSize })
        #expect(relink.plan.ambiguous.isEmpty && relink.plan.unmatched.isEmpty)
        let proof = try #require(relink.proof)
        #expect(proof.proven, "\(proof.errors)")
        #expect(proof.relinked == 4 && proof.before == proof.after && !proof.before.isEmpty)
        #expect(report.phases.contains { $0.kind == .relink && $0.measured })
        #expect(!report.findings.contains { $0.code == "relink-failed" })
        // What it keeps is what the catalog says those assets hold.
        let c = try catalog(m)
        let ids = Set(record.assetIds)
        let assets = (0..<c.assets.count).map { c.assets[$0] }.filter { ids.contains($0.id.description) }
        #expect(relink.plan.keeps.albumMemberships == assets.reduce(0) { $0 + Int($1.meta.albums) })
        #expect(relink.plan.keeps.faces == assets.reduce(0) { $0 + Int($1.meta.faces) })
        #expect(proof.before["album memberships"] == relink.plan.keeps.albumMemberships)
        // The file is where it was asked to be, in the era's names, with the command that applies it.
        let text = try String(contentsOfFile: sql, encoding: .utf8)
        #expect(text.contains(era == .v1 ? "UPDATE public.assets a SET" : "UPDATE public.asset a SET"))
        #expect(text.contains("docker exec -i 'immich_postgres' psql --username='postgres' --dbname='immich' --single-transaction --set ON_ERROR_STOP=on < '\(sql)'"))
        #expect(report.render(.text).contains("proven on the scratch database"))
    }

    /// The issue's own bar: 20 moved and 20 reorganised (renamed into Elodie's date folders, EXIF rewritten) are every
    /// one named with its evidence, by name and size or by metadata, and the proof keeps every album membership and face.
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"))
    func twentyMovedAndTwentyReorganisedKeepTheirAlbumsAndFaces() throws {
        let m = try Fixtures.demo("relink-40", era: .v3, assets: 500, seed: 4, faults: [.moved: 20, .reorganised: 20], now: Self.now)
        let report = try drill(m)
        let relink = try #require(report.relink)
        let moved = Set(try #require(m.faults.first { $0.fault == "moved" }).assetIds)
        let reorganised = Set(try #require(m.faults.first { $0.fault == "reorganised" }).assetIds)
        #expect(moved.count == 20 && reorganised.count == 20)
        let byID = Dictionary(uniqueKeysWithValues: relink.plan.matches.map { ($0.id, $0) })
        #expect(moved.allSatisfy { byID[$0]?.confidence == .nameSize })
        #expect(reorganised.allSatisfy { byID[$0]?.confidence == .metadata && byID[$0]?.evidence.hasPrefix("capture ") == true })
        #expect(reorganised.allSatisfy { byID[$0]?.newFileName?.hasSuffix(".jpg") == true && byID[$0]?.to.contains("/Unknown Location/") == true })
        #expect(relink.plan.ambiguous.isEmpty && relink.plan.unmatched.isEmpty, "\(relink.plan.ambiguous) \(relink.plan.unmatched)")
        let c = try catalog(m)
        let all = moved.union(reorganised)
        let assets = (0..<c.assets.count).map { c.assets[$0] }.filter { all.contains($0.id.description) }
        let albums = assets.reduce(0) { $0 + Int($1.meta.albums) }, faces = assets.reduce(0) { $0 + Int($1.meta.faces) }
        #expect(albums > 0 && faces > 0)
        let proof = try #require(relink.proof)
        #expect(proof.proven && proof.relinked == 40, "\(proof.errors)")
        #expect(proof.after["album memberships"] == albums && proof.after["faces"] == faces)
    }

    /// The SQL applied as printed (with the test cluster for `docker exec -i immich_postgres`), dumped again, and read:
    /// no asset is missing any more, every relinked one has its new path and path checksum, the metadata is kept. Run
    /// again it changes nothing: the guard refuses a database that is not the one the plan was made from.
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"))
    func theSQLAppliesAsPrintedAndTheGuardRefusesAChangedDatabase() throws {
        let m = try Fixtures.demo("relink-apply", era: .v2, assets: 80, seed: 4, faults: [.moved: 3], now: Self.now)
        let sql = Fixtures.tempDir("relink-apply-sql") + "/relink.sql"
        let report = try drill(m, sql: sql)
        let plan = try #require(report.relink?.plan)
        #expect(plan.matches.count == 3)
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        #expect(try ImmichRestore.restore(Fixtures.newestDump(m), era: .v2, into: cluster).isEmpty)
        let text = try String(contentsOfFile: sql, encoding: .utf8)
        let command = try #require(text.split(separator: "\n").first { $0.hasPrefix("--   docker exec -i ") }).dropFirst(5)
        let psql = ([cluster.binDirectory + "/psql"] + cluster.connection + ["-X", "-q"]).map(Subprocess.shellQuote).joined(separator: " ")
        let printed = String(command).replacingOccurrences(of: "docker exec -i 'immich_postgres' psql", with: psql)
        let first = try Subprocess.run(shell: printed, timeout: 120)
        #expect(first.status == 0, "\(String(decoding: first.stderr, as: UTF8.self))")
        for match in plan.matches {
            #expect(try ImmichRestore.count("asset", in: cluster, where: "id = '\(match.id)' AND \"originalPath\" = '\(match.to)' AND checksum = '\\x\(match.pathChecksum!)'::bytea") == 1)
        }
        // Dumped again and read: the old paths are gone, the metadata of the relinked assets is all there.
        let again = Fixtures.tempDir("relink-again") + "/immich.sql"
        try cluster.dump("pg_dump", ["--clean", "--if-exists", "immich"], to: again)
        let before = try catalog(m)
        let after = try CatalogReader.read(path: again)
        let paths = Set((0..<after.assets.count).map { after.originalPath(after.assets[$0]) })
        #expect(plan.matches.allSatisfy { paths.contains($0.to) && !paths.contains($0.from) })
        #expect(after.counts.albumMemberships == before.counts.albumMemberships && after.counts.faces == before.counts.faces)
        #expect(after.counts.assets == before.counts.assets)
        // Applied a second time: the assets are no longer where the plan found them; nothing changes.
        let second = try Subprocess.run(shell: printed, timeout: 120)
        let secondError = String(decoding: second.stderr, as: UTF8.self)
        #expect(second.status != 0 && secondError.contains("0 of 3 assets are where this plan found them"), "\(secondError)")
        for match in plan.matches {
            #expect(try ImmichRestore.count("asset", in: cluster, where: "id = '\(match.id)' AND \"originalPath\" = '\(match.to)'") == 1)
        }
        // One asset moved back by hand since: 2 of 3, refused as a whole, nothing updated.
        let one = plan.matches[0]
        try cluster.psql("immich", "UPDATE asset SET \"originalPath\" = '\(one.from)' WHERE id = '\(one.id)';")
        try cluster.psql("immich", "UPDATE asset SET \"originalPath\" = '\(plan.matches[1].from)' WHERE id = '\(plan.matches[1].id)';")
        let partial = try Subprocess.run(shell: printed, timeout: 120)
        let partialError = String(decoding: partial.stderr, as: UTF8.self)
        #expect(partial.status != 0 && partialError.contains("2 of 3 assets"), "\(partialError)")
        #expect(try ImmichRestore.count("asset", in: cluster, where: "id = '\(one.id)' AND \"originalPath\" = '\(one.from)'") == 1, "nothing updated")
    }

    /// A mount moved in Compose (the demo's path-mismatch: /volume1/photos at /mnt/photos, the database says
    /// /mnt/media/photos): the live relink makes one prefix rule, the library's import path with it, and puts the
    /// asset a scan already offlined back online.
    @Test func aMovedMountIsOnePrefixRuleLive() throws {
        let m = try Fixtures.demo("relink-mount", era: .v3, assets: 60, seed: 4, faults: [.pathMismatch: 1], now: Self.now)
        let plan = try DrillPlan.load(m.plan)
        let sqlFile = Fixtures.tempDir("relink-mount") + "/relink.sql"
        let (summary, sql) = try LiveRelink.run(plan: plan, deployment: try plan.readDeployment(), restorePoint: "latest",
                                                now: Self.now, sqlFile: sqlFile)
        let c = try catalog(m)
        let under = (0..<c.assets.count).filter { c.originalPath(c.assets[$0]).hasPrefix("/mnt/media/photos/") }
        #expect(summary.plan.prefixes.map(\.to) == ["/mnt/photos"] && summary.plan.prefixes[0].from == "/mnt/media/photos")
        #expect(summary.plan.matches.count == under.count && summary.plan.matches.allSatisfy { $0.confidence == .prefix })
        #expect(summary.plan.matches.allSatisfy { $0.to == "/mnt/photos" + $0.from.dropFirst("/mnt/media/photos".count) })
        #expect(summary.plan.matches.contains { $0.wasOffline }, "the demo's offline asset comes back online")
        #expect(sql.contains("array_replace(\"importPaths\", '/mnt/media/photos', '/mnt/photos')"))
        #expect(sql.contains("< '\(sqlFile)'"))
    }

    /// A library file moved with its XMP sidecar (both naming styles): the sidecar's path moves too, in
    /// `assets.sidecarPath` (v1) and in `asset_file` (v3), applied to real PostgreSQL.
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"), arguments: [DumpTemplate.Era.v1, .v3])
    func sidecarsMoveWithTheirOriginals(era: DumpTemplate.Era) throws {
        let m = try Fixtures.demo("relink-xmp-\(era)", era: era, assets: 120, seed: 4, now: Self.now)
        let c = try catalog(m)
        var moved: [(id: String, xmp: String, newXMP: String)] = []
        for i in 0..<c.files.count where moved.count < 2 {
            let file = c.files[i]
            guard file.kind == .sidecar else { continue }
            let asset = c.assets[Int(file.asset)]
            let original = c.originalPath(asset)
            guard original.hasPrefix("/mnt/media/photos/"), !asset.flags.contains(.offline) else { continue }
            let xmp = c.path(file)
            let local = { (container: String) in m.directory + "/nas/photos/" + container.dropFirst("/mnt/media/photos/".count) }
            let newOriginal = "/mnt/media/photos/Moved\(moved.count)/" + (original as NSString).lastPathComponent
            let newXMP = "/mnt/media/photos/Moved\(moved.count)/" + (xmp as NSString).lastPathComponent
            try FileManager.default.createDirectory(atPath: (local(newOriginal) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: local(original), toPath: local(newOriginal))
            try FileManager.default.moveItem(atPath: local(xmp), toPath: local(newXMP))
            moved.append((asset.id.description, xmp, newXMP))
        }
        #expect(moved.count == 2)
        let plan = try DrillPlan.load(m.plan)
        let sqlFile = Fixtures.tempDir("relink-xmp") + "/relink.sql"
        let (summary, sql) = try LiveRelink.run(plan: plan, deployment: try plan.readDeployment(), restorePoint: "latest",
                                                now: Self.now, sqlFile: sqlFile)
        #expect(Set(summary.plan.matches.map(\.id)) == Set(moved.map(\.id)))
        try sql.write(toFile: sqlFile, atomically: true, encoding: .utf8)
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        #expect(try ImmichRestore.restore(Fixtures.newestDump(m), era: era, into: cluster).isEmpty)
        _ = try Shell.run(cluster.binDirectory + "/psql", cluster.connection + ["-X", "-q", "--dbname=immich", "--single-transaction",
                                                                                 "--set", "ON_ERROR_STOP=on", "-f", sqlFile])
        for item in moved {
            if era == .v1 {
                #expect(try ImmichRestore.count("assets", in: cluster, where: "id = '\(item.id)' AND \"sidecarPath\" = '\(item.newXMP)'") == 1)
            } else {
                #expect(try ImmichRestore.count("asset_file", in: cluster, where: "\"assetId\" = '\(item.id)' AND type = 'sidecar' AND path = '\(item.newXMP)'") == 1)
            }
        }
    }

    func relinker(_ c: Catalog) -> Relinker {
        Relinker(catalog: c, containerPath: { $0 }, storedPath: { $0 })
    }

    @Test func contentMatchesAmbiguityAndMovedImportPaths() throws {
        let m = try Fixtures.demo("relink-unit", era: .v3, assets: 60, seed: 4, now: Self.now)
        var c = try catalog(m)
        let all = (0..<c.assets.count).map { Int32($0) }
        let uploads = all.filter { c.assets[Int($0)].algorithm == .sha1 && !c.assets[Int($0)].flags.contains(.oddChecksum) }
        let library = all.filter { c.assets[Int($0)].flags.contains(.external) && c.assets[Int($0)].fileSize >= 0 }

        // An upload by its content, anywhere; its name does not matter.
        let u = uploads[0]
        let moved = RelinkCandidate(path: "/data/upload/elsewhere/renamed.bin", size: 1, sha1: c.assets[Int(u)].checksum)
        var plan = relinker(c).plan(scope: "test", missing: [u], candidates: [moved])
        #expect(plan.matches.map(\.to) == [moved.path] && plan.matches[0].confidence == .content)
        #expect(plan.matches[0].pathChecksum == nil && plan.matches[0].newFileName == nil, "an upload keeps its checksum and name")

        // A library file by name and size, only inside its own library.
        let l = library[0]
        let path = c.originalPath(c.assets[Int(l)])
        let name = (path as NSString).lastPathComponent
        let size = c.assets[Int(l)].fileSize
        let root = c.libraries[0].importPaths[0]
        let inLibrary = RelinkCandidate(path: root + "/moved/" + name, size: size, sha1: nil)
        plan = relinker(c).plan(scope: "test", missing: [l], candidates: [inLibrary, RelinkCandidate(path: "/elsewhere/" + name, size: size, sha1: nil)])
        #expect(plan.matches.map(\.to) == [inLibrary.path], "\(plan)")
        #expect(plan.matches[0].pathChecksum == Relinker.pathChecksum(inLibrary.path).hex)

        // Two equal candidates: ambiguous, never guessed.
        let twin = RelinkCandidate(path: root + "/twin/" + name, size: size, sha1: nil)
        plan = relinker(c).plan(scope: "test", missing: [l], candidates: [inLibrary, twin])
        #expect(plan.matches.isEmpty && plan.ambiguous.count == 1 && plan.ambiguous[0].candidates == [inLibrary.path, twin.path].sorted())
        #expect(plan.loses.assets == 1)

        // One file two assets claim: both ambiguous.
        let v = uploads[1]
        c.assets[Int(v)].checksum = c.assets[Int(u)].checksum
        plan = relinker(c).plan(scope: "test", missing: [u, v], candidates: [moved])
        #expect(plan.matches.isEmpty && plan.ambiguous.count == 2 && plan.ambiguous.allSatisfy { $0.why.contains("2 missing assets") })

        // Nothing at all: unmatched.
        plan = relinker(c).plan(scope: "test", missing: [l], candidates: [])
        #expect(plan.unmatched == [path])

        // A whole import path under another folder: one rule, with the library's import path.
        let family = c.libraries[0].importPaths[1]
        let under = library.filter { Paths.isWithin(c.originalPath(c.assets[Int($0)]), family) }
        #expect(!under.isEmpty)
        let everyone = all.filter { Paths.isWithin(c.originalPath(c.assets[Int($0)]), family) }
        let remounted = everyone.map { i -> RelinkCandidate in
            let p = c.originalPath(c.assets[Int(i)])
            return RelinkCandidate(path: "/mnt/nas/family" + p.dropFirst(family.count), size: 1, sha1: nil)
        }
        plan = relinker(c).plan(scope: "test", missing: everyone, candidates: remounted)
        #expect(plan.prefixes == [RelinkPrefix(library: c.libraries[0].id.description, from: family, to: "/mnt/nas/family", assets: everyone.count)])
        #expect(plan.matches.count == everyone.count && plan.matches.allSatisfy { $0.confidence == .prefix })
        let sql = RelinkSQL.render(plan, catalog: c, sidecars: [:], apply: "x")
        #expect(sql.contains("UPDATE public.library SET \"importPaths\" = array_replace(\"importPaths\", '\(family)', '/mnt/nas/family')"))
    }

    /// The demo's EXIF read back by libexif (and by exiftool when installed); what is not an image, or an EXIF cut
    /// short, gives no evidence and no crash; the match rules.
    @Test func mediaEvidenceReadsRealEXIFAndNothingFromTheRest() throws {
        let dir = Fixtures.tempDir("exif")
        let captured = 1_719_835_200.0  // 2024-07-01 12:00:00 UTC
        let exif = DemoWriter.exifSegment(make: "Demo", model: "Pixel 8", captured: captured, width: 4032, height: 3024, software: "elodie")
        try DemoWriter.writeMedia(dir + "/a.jpg", size: 4000, video: false, seed: 1, mtime: captured, exif: exif)
        let wanted = MediaEvidence(captured: captured, make: "Demo", model: "Pixel 8", width: 4032, height: 3024)
        #expect(MediaEvidenceReader.exif(dir + "/a.jpg") == wanted)
        if let tool = MediaEvidenceReader.exiftool {
            #expect(MediaEvidenceReader.exiftoolBatch(tool, [dir + "/a.jpg"])[dir + "/a.jpg"] == wanted)
        }
        // Not an image; a JPEG whose EXIF is cut short; an empty file; a missing one.
        try "just text\n".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let whole = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.jpg"))
        try whole.prefix(40).write(to: URL(fileURLWithPath: dir + "/cut.jpg"))
        FileManager.default.createFile(atPath: dir + "/empty.jpg", contents: Data())
        let read = MediaEvidenceReader.read([dir + "/notes.txt", dir + "/cut.jpg", dir + "/empty.jpg", dir + "/gone.jpg", dir + "/a.jpg"])
        #expect(read.evidence.keys.sorted() == [dir + "/a.jpg"])
        // The rules: time to the second, and a camera or dimensions (either way round) to corroborate it.
        #expect(wanted.matches(MediaEvidence(captured: captured, make: "DEMO", model: "pixel 8", width: 3024, height: 4032)))
        #expect(!wanted.matches(MediaEvidence(captured: captured + 2, make: "Demo", model: "Pixel 8")))
        #expect(!wanted.matches(MediaEvidence(captured: captured, make: "Canon")))
        #expect(!MediaEvidence(captured: captured).matches(MediaEvidence(captured: captured)), "a time alone is not enough")
        #expect(MediaEvidence.parseTime("2024:07:01 12:00:00") == captured)
        #expect(MediaEvidence.parseTime("2024-07-01T12:00:00+02:00") == captured, "the wall clock")
        #expect(MediaEvidence.parseTime("0000:00:00 00:00:00") == nil && MediaEvidence.parseTime("garbage") == nil)
    }

    /// Paths are data: quotes, a dollar-quote tag, a newline and a comment marker stay inside their literals.
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"))
    func hostilePathsStayData() throws {
        let m = try Fixtures.demo("relink-hostile", era: .v3, assets: 40, seed: 4, now: Self.now)
        let c = try catalog(m)
        let i = try #require((0..<c.assets.count).first { c.assets[$0].flags.contains(.external) && !c.assets[$0].flags.contains(.offline) })
        let evil = "/mnt/media/photos/x'); DROP TABLE asset; --\n$guard$ END; $$ \\'.jpg"
        let plan = relinker(c).plan(scope: "test", missing: [Int32(i)], candidates: [
            RelinkCandidate(path: evil, size: c.assets[i].fileSize, sha1: nil)])
        // The name differs, so only content would match; force the one candidate by its name and size instead.
        var forced = plan
        if forced.matches.isEmpty {
            forced.matches = [RelinkMatch(asset: Int32(i), id: c.assets[i].id.description, from: c.originalPath(c.assets[i]), to: evil,
                                          confidence: .nameSize, evidence: "test", pathChecksum: Relinker.pathChecksum(evil).hex,
                                          newFileName: (evil as NSString).lastPathComponent, wasOffline: false)]
        }
        let sql = RelinkSQL.render(forced, catalog: c, sidecars: [:], apply: "x")
        let file = Fixtures.tempDir("hostile") + "/relink.sql"
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        #expect(try ImmichRestore.restore(Fixtures.newestDump(m), era: .v3, into: cluster).isEmpty)
        _ = try Shell.run(cluster.binDirectory + "/psql", cluster.connection + ["-X", "-q", "--dbname=immich", "--single-transaction",
                                                                                 "--set", "ON_ERROR_STOP=on", "-f", file])
        #expect(try ImmichRestore.count("asset", in: cluster) == c.counts.assets, "the table is there, every row")
        let out = try Shell.run(cluster.binDirectory + "/psql", cluster.connection + ["-X", "-At", "--dbname=immich", "-c",
                                "SELECT \"originalPath\" FROM asset WHERE id = '\(c.assets[i].id)'"])
        #expect(out.trimmingCharacters(in: .newlines) == evil)
    }
}
