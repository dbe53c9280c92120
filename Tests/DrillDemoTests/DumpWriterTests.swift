// The demo's dumps must be real: the era's documented restore command loads them into an empty PostgreSQL with
// no errors (a cluster dump: only the two errors Immich's docs call expected), with the row counts written, and
// the catalog reads back what was written.

@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

struct SmallDataset {
    let era: DumpTemplate.Era
    var old: Bool { era == .v1 }
    static let user = UUID16("10000000-0000-4000-8000-000000000001")!
    static let library = UUID16("20000000-0000-4000-8000-000000000001")!

    func asset(_ n: Int) -> UUID16 { UUID16("a0000000-0000-4000-8000-\(String(format: "%012d", n))")! }

    /// Rows by table, in the era's names.
    var rows: [String: [DumpRow]] {
        let prefix = old ? "upload" : "/data"
        let t0 = 1_720_000_000.0
        var assets: [DumpRow] = []
        var exif: [DumpRow] = []
        var files: [DumpRow] = []
        for n in 1...20 {
            let id = asset(n)
            let external = n % 4 == 0
            let path = external ? "/mnt/media/photos/2024/07/IMG_\(n)\t😀.jpg"
                : "\(prefix)/upload/\(Self.user)/ab/cd/\(UUID16(high: 0xFEED, low: UInt64(n))).jpg"
            var row: DumpRow = [
                "id": .uuid(id), "deviceAssetId": .text("dev-\(n)"), "ownerId": .uuid(Self.user),
                "deviceId": .text(external ? "Library Import" : "phone"), "type": .text("IMAGE"),
                "originalPath": .text(path), "fileCreatedAt": .timestamp(t0 + Double(n)),
                "fileModifiedAt": .timestamp(t0 + Double(n)), "localDateTime": .timestamp(t0 + Double(n)),
                "checksum": .bytea((0..<20).map { UInt8(($0 * 7 + n) & 0xFF) }),
                "originalFileName": .text("IMG_\(n).jpg"), "isExternal": .bool(external),
                "libraryId": external ? .uuid(Self.library) : .null,
            ]
            if !old { row["checksumAlgorithm"] = .text(external ? "sha1-path" : "sha1") }
            assets.append(row)
            exif.append(["assetId": .uuid(id), "fileSizeInByte": .int(Int64(1000 * n)),
                         "description": .text(n == 1 ? "multi\nline \\ \"q\"" : "")])
            files.append(["assetId": .uuid(id), "type": .text("thumbnail"),
                          "path": .text("\(prefix)/thumbs/\(Self.user)/a0/00/\(id)-thumbnail.webp")])
        }
        return [
            old ? "users" : "user": [["id": .uuid(Self.user), "email": .text("admin@example.com"), "name": .text("Admin"),
                                      "storageLabel": .text("admin"), "isAdmin": .bool(true)]],
            old ? "libraries" : "library": [["id": .uuid(Self.library), "name": .text("NAS"), "ownerId": .uuid(Self.user),
                                             "importPaths": .textArray(["/mnt/media/photos", "a,b \"c\""]),
                                             "exclusionPatterns": .textArray(["**/@eaDir/**"])]],
            old ? "assets" : "asset": assets,
            old ? "exif" : "asset_exif": exif,
            old ? "asset_files" : "asset_file": files,
            "version_history": [["version": .text(old ? "1.135.3" : "2.7.5")]],
        ]
    }
}

@Suite struct DumpWriterTests {
    @Test func copyValues() {
        #expect(CopyValue.text("a\tb\nc\\d").copyText == "a\\tb\\nc\\\\d")
        #expect(CopyValue.textArray(["/a", "b,c", nil, "", "q\"t"]).copyText == "{/a,\"b,c\",NULL,\"\",\"q\\\\\"t\"}")
        #expect(CopyValue.bytea([0, 255]).copyText == "\\\\x00ff")
        #expect(CopyValue.timestamp(1_719_835_200.5).copyText == "2024-07-01 12:00:00.5+00")
        #expect(CopyValue.timestamp(0).copyText == "1970-01-01 00:00:00+00")
        #expect(CopyValue.timestamp(951_782_400).copyText == "2000-02-29 00:00:00+00")
        // Timestamps and bytea round-trip through the reader's decoders.
        var rng = DemoRandom(seed: 5)
        for _ in 0..<2000 {
            let t = Double(Int64(rng.next() % 4_000_000_000_000_000) - 1_000_000_000_000_000) / 1_000_000
            let text = Array(CopyValue.timestamp(t).copyText.utf8)
            let back = text.withUnsafeBytes { CopyText.timestamp($0) }
            #expect(back.map { abs($0 - t) < 1e-6 } == true, "\(t) → \(String(decoding: text, as: UTF8.self))")
            let bytes = (0..<20).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let hex = Array(CopyValue.bytea(bytes).copyText.utf8)
            #expect(hex.withUnsafeBytes { CopyText.bytea($0) } == bytes)
        }
        // What the writer encodes, the reader decodes.
        for value in ["plain", "tab\there", "😀 \\ \"", "new\nline\r"] {
            let encoded = Array(CopyValue.text(value).copyText.utf8)
            #expect(encoded.withUnsafeBytes { CopyText.text($0) } == value)
        }
        let array: [String?] = ["/mnt/{x}", "b,c", nil, "back\\slash"]
        let encoded = Array(CopyValue.textArray(array).copyText.utf8)
        #expect(encoded.withUnsafeBytes { CopyText.textArray($0) } == array)
        // The dump writer's byte path writes exactly the text.
        let values: [CopyValue] = [.null, .text("a\tb"), .text("plain"), .json("{\"a\": 1}"), .bool(true), .bool(false),
                                   .int(-42), .uuid(UUID16(high: 0x0123_4567_89AB_4CDE, low: 0x8F01_2345_6789_ABCD)), .timestamp(1_719_835_200.25),
                                   .timestamp(-86_400.5), .bytea([0, 1, 254, 255]), .textArray(array)]
        for value in values {
            var bytes: [UInt8] = [0x41]
            value.appendCopyText(to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "A" + value.copyText, "\(value)")
        }
    }

    @Test func templatesKnowTheirTables() {
        let v1 = DumpTemplate.of(.v1)
        let v2 = DumpTemplate.of(.v2)
        #expect(v1.tables["assets"]?.contains { $0.name == "sidecarPath" } == true)
        #expect(v1.tables["asset"] == nil && v2.tables["assets"] == nil)
        #expect(v2.tables["asset"]?.first { $0.name == "checksumAlgorithm" }?.notNull == true)
        #expect(v2.tables["user"]?.first { $0.name == "email" } == TemplateColumn(
            name: "email", type: "character varying", notNull: true, defaultExpression: nil))
        #expect(v2.tables["album_asset"]?.map(\.name).prefix(2) == ["albumId", "assetId"])
        #expect(v1.tables["albums_assets_assets"]?.map(\.name).prefix(2) == ["albumsId", "assetsId"])
    }

    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"), arguments: DumpTemplate.Era.allCases)
    func restoresWithImmichsDocumentedCommand(era: DumpTemplate.Era) throws {
        let dataset = SmallDataset(era: era)
        let dir = Fixtures.tempDir("demo-dump")
        let path = dir + (era == .v1 ? "/immich-db-backup-1748736000000.sql.gz"
            : "/immich-db-backup-20260501T020000-v\(era.release)-pg14.20.sql.gz")
        var counter: UInt64 = 0
        let writer = DumpWriter(template: .of(era), serverVersion: era == .v1 ? "14.17 (Debian 14.17-1.pgdg120+1)"
            : "14.20 (Debian 14.20-1.pgdg120+1)", restrictKey: era == .v1 ? nil : "demoKey123")
        try writer.write(to: path, compression: .gzip, rows: dataset.rows, now: 1_720_000_000) {
            counter += 1
            return UUID16(high: 0xDE30_0000_0000_4000, low: 0x8000_0000_0000_0000 | counter)
        }

        // The catalog reads it back.
        let catalog = try CatalogReader.read(path: path)
        #expect(catalog.content.complete)
        #expect(catalog.content.format == (era == .v1 ? .cluster : .database))
        #expect(catalog.content.postgresVersion == (era == .v1 ? "14.17" : "14.20"))
        #expect(catalog.counts.assets == 20 && catalog.counts.external == 5 && catalog.counts.thumbnails == 20)
        #expect(catalog.counts.descriptions == 1)
        #expect(catalog.libraries.first?.importPaths == ["/mnt/media/photos", "a,b \"c\""])
        #expect(catalog.assets.contains { catalog.originalPath($0) == "/mnt/media/photos/2024/07/IMG_4\t😀.jpg" })

        // Immich's documented restore for the era, into an empty cluster.
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let errors = try ImmichRestore.restore(path, era: era, into: cluster)
        #expect(errors.isEmpty, "\(errors)")
        let psql = cluster.binDirectory + "/psql"
        _ = psql
        #expect(try ImmichRestore.count(era == .v1 ? "assets" : "asset", in: cluster, where: "\"isExternal\"") == 5)
    }
}

/// Immich's documented manual restore of each era (IMMICH.md §2), run against a test cluster.
