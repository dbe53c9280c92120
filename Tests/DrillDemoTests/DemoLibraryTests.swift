@testable import DrillCore
@testable import DrillDemo
import Crypto
import Foundation
import Testing
import DrillTestSupport

@Suite struct DemoLibraryTests {
    @Test func deterministicForASeed() {
        let a = DemoLibrary(era: .v2, count: 50, seed: 7, installedAt: 1_760_000_000, lastDay: 1_760_400_000, sizeScale: 0.001)
        let b = DemoLibrary(era: .v2, count: 50, seed: 7, installedAt: 1_760_000_000, lastDay: 1_760_400_000, sizeScale: 0.001)
        let c = DemoLibrary(era: .v2, count: 50, seed: 8, installedAt: 1_760_000_000, lastDay: 1_760_400_000, sizeScale: 0.001)
        #expect(a.assets.map(\.id) == b.assets.map(\.id) && a.assets.map(\.relativePath) == b.assets.map(\.relativePath))
        #expect(a.assets.map(\.id) != c.assets.map(\.id))
        #expect(Set(a.assets.map(\.kind)) == [.upload, .template, .external])
        // Every upload sits in its owner's folder, live-photo video parts included.
        let big = DemoLibrary(era: .v2, count: 400, seed: 7, installedAt: 1_760_000_000, lastDay: 1_760_400_000, sizeScale: 0.001)
        #expect(big.assets.contains { $0.hidden && $0.relativePath.hasSuffix(".mov") })
        for asset in big.assets where asset.kind == .upload {
            #expect(asset.relativePath.hasPrefix("upload/\(big.users[asset.owner].id)/"))
        }
    }

    @Test func mediaBytesAreExactAcrossChunks() throws {
        let dir = Fixtures.tempDir("demo-media")
        // Sizes around the 1 MiB chunk and the 8-byte filler words, photos and videos, and the smallest files.
        for (size, video) in [(Int64(1 << 20) + 13, false), (Int64(1 << 20) - 3, true), (Int64(2 << 20) + 8, false),
                              (64, false), (25, false), (26, false), (7, true)] {
            let path = dir + "/m-\(size)-\(video)"
            try DemoWriter.writeMedia(path, size: size, video: video, seed: 99, mtime: 1_700_000_000)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(Int64(bytes.count) == size, "\(size)")
            #expect(DemoWriter.mediaDigest(size: size, video: video, seed: 99).bytes == Array(Insecure.SHA1.hash(data: bytes)))
            let header = video ? DemoWriter.mp4Header : DemoWriter.jpegHeader
            #expect(Array(bytes.prefix(min(Int(size), header.count))) == Array(header.prefix(Int(size))))
            if !video && size >= 26 { #expect(Array(bytes.suffix(2)) == [0xFF, 0xD9]) }
        }
        // Another seed, other bytes.
        #expect(DemoWriter.mediaDigest(size: 5000, video: false, seed: 1) != DemoWriter.mediaDigest(size: 5000, video: false, seed: 2))
    }

    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"), arguments: DumpTemplate.Era.allCases)
    func filesAndDumpAgreeAndRestore(era: DumpTemplate.Era) throws {
        let dir = Fixtures.tempDir("demo-\(era)")
        let installed = 1_760_000_000.0
        let last = installed + 5 * 86_400
        var writer = DemoWriter(library: DemoLibrary(era: era, count: 60, seed: 42, installedAt: installed,
                                                     lastDay: last, sizeScale: 0.001),
                                uploadLocation: dir + "/library", nasRoots: [dir + "/nas/photos", dir + "/nas/family"])
        try writer.writeFiles(upTo: last)
        let library = writer.library

        // Files: real bytes, the SHA-1 the rows carry, markers, sidecars, excluded NAS clutter.
        for folder in Deployment.uploadFolders {
            #expect(FileManager.default.fileExists(atPath: dir + "/library/\(folder)/.immich"))
        }
        let upload = try #require(library.assets.first { $0.kind == .upload })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/library/" + upload.relativePath))
        #expect(Int64(bytes.count) == upload.size)
        #expect(Array(Insecure.SHA1.hash(data: bytes)) == upload.contentSHA1.bytes)
        #expect(bytes.prefix(3) == Data(upload.isVideo ? [0, 0, 0] : [0xFF, 0xD8, 0xFF]))
        #expect(library.assets.contains { $0.sidecar != nil })

        // The dump of the last day, catalogued, matches the library.
        let dump = dir + "/dump.sql.gz"
        var counter: UInt64 = 0
        try DumpWriter(template: .of(era), serverVersion: "14.20 (Debian 14.20-1.pgdg120+1)", restrictKey: nil)
            .write(to: dump, compression: .gzip, sources: writer.sources(at: last), now: last) {
                counter += 1
                return UUID16(high: 0xABCD_0000_0000_4000 | counter, low: 0x8000_0000_0000_0000 | counter)
            }
        let catalog = try CatalogReader.read(path: dump)
        #expect(catalog.findings.isEmpty, "\(catalog.findings)")
        #expect(catalog.counts.assets == library.assets.count)
        #expect(catalog.counts.external == library.assets.filter { $0.kind == .external }.count)
        #expect(catalog.counts.libraryFiles == library.assets.filter { $0.kind == .template }.count)
        #expect(catalog.counts.trashed == library.assets.filter(\.trashed).count)
        #expect(catalog.counts.offline == 1)
        #expect(catalog.counts.sidecars == library.assets.filter { $0.sidecar != nil }.count)
        #expect(catalog.counts.favorites == library.assets.filter(\.favorite).count)
        #expect(catalog.counts.people == library.people.count)
        #expect(catalog.mediaPrefix == (era == .v1 ? "upload" : "/data"))
        // Album owners and shares, durations, and v3's edits with their _edited renditions on disk.
        #expect(catalog.albums.count == library.albums.count && catalog.albums.allSatisfy { $0.owner != nil })
        #expect(catalog.counts.albumShares == library.albumShares.count && catalog.counts.sharedAlbums == 1)
        #expect(catalog.counts.videoMilliseconds == library.assets.reduce(0) { $0 + ($1.durationMilliseconds ?? 0) })
        #expect(catalog.counts.videoMilliseconds > 0)
        #expect(catalog.counts.edits == library.edits.count && catalog.counts.editedAssets == library.editedAssets.count)
        #expect(catalog.counts.editedFiles == 2 * library.editedAssets.count)
        #expect((era == .v3) == !library.edits.isEmpty, "edits are a v3 thing")
        for file in catalog.files where file.edited {
            let path = catalog.path(file)
            #expect(path.hasSuffix("_edited.webp") || path.hasSuffix("_edited.jpeg"))
            #expect(FileManager.default.fileExists(atPath: dir + "/library/" + path.dropFirst("/data/".count)), "\(path)")
        }
        // Every upload's stored checksum is the SHA-1 of its file; every library asset's is of "path:" + path.
        for asset in catalog.assets {
            let path = catalog.originalPath(asset)
            if asset.flags.contains(.external) {
                #expect(asset.checksum.bytes == Array(Insecure.SHA1.hash(data: Data("path:\(path)".utf8))))
            } else {
                let onDisk = dir + "/library/" + path.dropFirst(era == .v1 ? "upload/".count : "/data/".count)
                let data = try Data(contentsOf: URL(fileURLWithPath: onDisk))
                #expect(asset.checksum.bytes == Array(Insecure.SHA1.hash(data: data)))
            }
        }

        // And it restores with Immich's documented command, rows intact.
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        #expect(try ImmichRestore.restore(dump, era: era, into: cluster).isEmpty)
        #expect(try ImmichRestore.count(era == .v1 ? "assets" : "asset", in: cluster) == library.assets.count)
        #expect(try ImmichRestore.count(era == .v1 ? "asset_faces" : "asset_face", in: cluster) == library.faces.count)
        if era == .v3 {
            #expect(try ImmichRestore.count("album_user", in: cluster, where: "role = 'owner'") == library.albums.count)
            #expect(try ImmichRestore.count("album_user", in: cluster, where: "role <> 'owner'") == library.albumShares.count)
            #expect(try ImmichRestore.count("asset_edit", in: cluster) == library.edits.count)
            #expect(try ImmichRestore.count("asset_file", in: cluster, where: "\"isEdited\"") == 2 * library.editedAssets.count)
            #expect(try ImmichRestore.count("asset", in: cluster, where: "type = 'VIDEO' AND duration > 0")
                == library.assets.filter(\.isVideo).count)
        }
    }
}
