@testable import DrillCore
@testable import DrillDemo
import Crypto
import DrillArchive
import Foundation
import Testing
import DrillTestSupport

@Suite struct DemoBuilderTests {
    static let now = 1_780_000_000.0 // a fixed "now", so names and times are reproducible

    func build(_ era: DumpTemplate.Era, faults: [DemoFault: Int], assets: Int = 120, seed: UInt64 = 3) throws -> DemoManifest {
        try Fixtures.demo("demo-build", era: era, assets: assets, seed: seed, faults: faults, now: Self.now)
    }

    func entries(_ archive: String) throws -> [String: ArchiveEntry] {
        var result: [String: ArchiveEntry] = [:]
        try ArchiveLister(path: archive).forEachEntry { result[$0.path] = $0; return true }
        return result
    }

    @Test func cleanDemoMatchesItsManifest() throws {
        let m = try build(.v2, faults: [:])
        #expect(m.faults.isEmpty)
        #expect(m.dumps.count == 5 && m.snapshots.count == 15)
        let newest = try CatalogReader.read(path: m.dumps.last!.path, timeZone: m.timeZone)
        #expect(newest.findings.isEmpty)
        let named: Double? = newest.identity.time
        let expectedTime: Double = ISO8601DateFormatter().date(from: m.dumps.last!.time)!.timeIntervalSince1970
        #expect(named == expectedTime)
        let c = newest.counts
        let e = m.counts
        let got: [Int] = [c.assets, c.uploaded, c.libraryFiles, c.external, c.offline, c.trashed, c.users, c.albums,
                          c.albumMemberships, c.favorites, c.descriptions, c.faces, c.people, c.tags, c.taggedAssets,
                          c.sharedLinkAssets, c.sidecars, c.stacks, c.livePhotos]
        let want: [Int] = [e.assets, e.uploaded, e.libraryFiles, e.external, e.offline, e.trashed, e.users, e.albums,
                           e.albumMemberships, e.favorites, e.descriptions, e.faces, e.people, e.tags, e.taggedAssets,
                           e.sharedLinkAssets, e.sidecars, e.stacks, e.livePhotos]
        #expect(got == want)
        #expect(e.stacks >= 1 && e.external > 0 && e.libraryFiles > 0)
        // The plan reads, with every source; the deployment it describes is clean.
        let plan = try DrillPlan.load(m.plan)
        #expect(plan.sources.map(\.id) == ["database", "upload", "external:/mnt/media/photos", "external:/mnt/media/family"])
        let deployment = try plan.readDeployment()
        #expect(deployment.findings.isEmpty, "\(deployment.findings)")
        #expect(deployment.externalMounts.allSatisfy { $0.existsHere })
        // Every archive lists cleanly with the real bsdtar; the newest UPLOAD_LOCATION snapshot has the markers
        // and every upload of the newest dump with the bytes the database's checksum says.
        for snapshot in m.snapshots where snapshot.kind == "archive" {
            let listing = try Shell.run("/usr/bin/bsdtar", ["-tf", snapshot.path])
            #expect(listing.split(separator: "\n").count == snapshot.files)
        }
        let upload = m.snapshots.last { $0.source == "upload" }!.path
        for folder in Deployment.uploadFolders {
            #expect(FileManager.default.fileExists(atPath: upload + "/library/\(folder)/.immich"))
        }
        for asset in newest.assets where !asset.flags.contains(.external) {
            let relative = String(newest.originalPath(asset).dropFirst("/data/".count))
            #expect(FileManager.default.fileExists(atPath: upload + "/library/" + relative), "\(relative) in the newest snapshot")
        }
        // The share archives hold the shares as they were.
        let photos = try entries(m.snapshots.last { $0.source == "external:/mnt/media/photos" }!.path)
        #expect(newest.assets.filter { newest.originalPath($0).hasPrefix("/mnt/media/photos/") }.allSatisfy {
            photos["photos/" + newest.originalPath($0).dropFirst("/mnt/media/photos/".count)] != nil
        })
    }

    @Test func everyFaultIsPlantedAsTheManifestSays() throws {
        let m = try build(.v2, faults: [.moved: 2, .reorganised: 2, .missing: 2, .lateUpload: 2, .pathMismatch: 1, .noThumbs: 1,
                                        .skew: 2, .corrupt: 2, .dbOnly: 1, .writableMount: 1])
        let faults = Dictionary(uniqueKeysWithValues: m.faults.map { ($0.fault, $0) })
        #expect(Set(faults.keys) == Set(DemoFault.allCases.map(\.rawValue)).subtracting(["truncated-dump"]))
        // moved: the new path exists, the old one does not.
        for line in faults["moved"]!.paths {
            let parts = line.components(separatedBy: " -> ")
            #expect(!FileManager.default.fileExists(atPath: parts[0]) && FileManager.default.fileExists(atPath: parts[1]))
        }
        #expect(faults["moved"]!.count == 2 && faults["missing"]!.count == 2)
        // reorganised: renamed into Elodie's date folders, the EXIF rewritten (the file grew), capture time kept.
        #expect(faults["reorganised"]!.count == 2)
        for line in faults["reorganised"]!.paths {
            let parts = line.components(separatedBy: " -> ")
            #expect(!FileManager.default.fileExists(atPath: parts[0]) && parts[1].contains("/Unknown Location/"))
            let evidence = try #require(MediaEvidenceReader.exif(parts[1]))
            #expect(evidence.make == "Demo" && evidence.captured != nil && evidence.width != nil)
        }
        for path in faults["missing"]!.paths { #expect(!FileManager.default.fileExists(atPath: path)) }
        // skew: the newest file snapshot is two nights before the newest dump; db-only: no family snapshot.
        let newestDump = ISO8601DateFormatter().date(from: m.dumps.last!.time)!
        let newestUpload = ISO8601DateFormatter().date(from: m.snapshots.last { $0.source == "upload" }!.time)!
        #expect(newestDump.timeIntervalSince(newestUpload) > 1.5 * 86_400)
        #expect(!m.snapshots.contains { $0.source == "external:/mnt/media/family" })
        #expect(try DrillPlan.load(m.plan).sources.count == 3)
        // no-thumbs: no thumbs/ or encoded-video/ in any UPLOAD_LOCATION snapshot, markers included.
        let uploadFolder = m.snapshots.last { $0.source == "upload" }!.path
        #expect(!FileManager.default.fileExists(atPath: uploadFolder + "/library/thumbs"))
        #expect(!FileManager.default.fileExists(atPath: uploadFolder + "/library/encoded-video"))
        #expect(FileManager.default.fileExists(atPath: uploadFolder + "/library/upload/.immich"))
        // late-upload: in the newest snapshot... (skew removed the snapshots after the dump, so they are only live)
        for path in faults["late-upload"]!.paths { #expect(FileManager.default.fileExists(atPath: path)) }
        let catalog = try CatalogReader.read(path: m.dumps.last!.path)
        let ids = Set(catalog.assets.map(\.id.description))
        #expect(faults["late-upload"]!.assetIds.allSatisfy { !ids.contains($0) })
        // path-mismatch and writable-mount show in the deployment.
        let deployment = try DrillPlan.load(m.plan).readDeployment()
        #expect(deployment.externalMounts.contains { $0.containerPath == "/mnt/photos" && !$0.readOnly })
        #expect(deployment.findings.contains { $0.code == "mount-writable" })
    }

    @Test func corruptAndMissingReachTheNewestSnapshot() throws {
        let m = try build(.v2, faults: [.corrupt: 2, .missing: 1, .lateUpload: 1])
        let faults = Dictionary(uniqueKeysWithValues: m.faults.map { ($0.fault, $0) })
        let dir = m.snapshots.last { $0.source == "upload" }!.path
        let catalog = try CatalogReader.read(path: m.dumps.last!.path)
        // The corrupt originals in the snapshot no longer match the database's checksums; the live ones still do.
        var mismatches = 0
        for asset in catalog.assets where faults["corrupt"]!.assetIds.contains(asset.id.description) {
            let relative = String(catalog.originalPath(asset).dropFirst("/data/".count))
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/library/" + relative))
            if Array(Insecure.SHA1.hash(data: data)) != asset.checksum.bytes { mismatches += 1 }
            let live = try Data(contentsOf: URL(fileURLWithPath: m.uploadLocation + "/" + relative))
            #expect(Array(Insecure.SHA1.hash(data: live)) == asset.checksum.bytes, "the damage is in the backup only")
        }
        #expect(mismatches == 2)
        for id in faults["missing"]!.assetIds {
            let asset = try #require(catalog.assets.first { $0.id.description == id })
            let relative = String(catalog.originalPath(asset).dropFirst("/data/".count))
            #expect(!FileManager.default.fileExists(atPath: dir + "/library/" + relative))
        }
        for path in faults["late-upload"]!.paths {
            let relative = path.components(separatedBy: "/immich/library/").last!
            #expect(FileManager.default.fileExists(atPath: dir + "/library/" + relative), "late uploads are in the snapshot")
        }
    }

    @Test func truncatedDumpAndTheOldEraRestore() throws {
        let m = try build(.v1, faults: [.truncatedDump: 1])
        #expect(m.dumps.allSatisfy { ($0.path as NSString).lastPathComponent.range(of: #"^immich-db-backup-\d{13}\.sql\.gz$"#, options: .regularExpression) != nil })
        let newest = try CatalogReader.read(path: m.dumps.last!.path)
        #expect(newest.findings.map(\.code) == ["dump-incomplete"])
        let previous = try CatalogReader.read(path: m.dumps[m.dumps.count - 2].path)
        #expect(previous.content.complete && previous.content.format == .cluster)
        #expect(previous.mediaPrefix == "upload")
        #expect(try DrillPlan.load(m.plan).readDeployment().mediaLocation.containerPath == "/usr/src/app/upload")
        guard PostgresCluster.available else { return }
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        #expect(try ImmichRestore.restore(m.dumps[m.dumps.count - 2].path, era: .v1, into: cluster).isEmpty)
        #expect(try ImmichRestore.count("assets", in: cluster) == previous.counts.assets)
    }

    @Test func deterministicAndRefusesAFullFolder() throws {
        let a = try build(.v2, faults: [.moved: 1], assets: 40, seed: 11)
        let b = try build(.v2, faults: [.moved: 1], assets: 40, seed: 11)
        #expect(a.counts.assets == b.counts.assets && a.faults.map(\.assetIds) == b.faults.map(\.assetIds))
        let ha = try Data(contentsOf: URL(fileURLWithPath: a.dumps.last!.path))
        let hb = try Data(contentsOf: URL(fileURLWithPath: b.dumps.last!.path))
        #expect(Insecure.SHA1.hash(data: ha) == Insecure.SHA1.hash(data: hb), "the same seed writes the same dump")
        var options = DemoOptions(directory: a.directory)
        options.now = Self.now
        #expect(throws: DrillError.self) { try DemoBuilder.build(options) }
    }
}
