// Real dumps, made by the real tools: a throwaway PostgreSQL cluster loads Immich's own schema of each era
// (../shared/fixtures/immich-schema), takes rows that exercise every COPY escape, is dumped exactly as Immich
// dumps it in that era (IMMICH.md §2), compressed as Immich compresses it, and read back field by field.

@testable import DrillCore
import DrillTestSupport
import Foundation
import Testing

/// The rows every era gets, written in each era's table and column names; v3 gets its own kinds of rows too (album
/// owners in album_user, edits and edited renditions, Immich's integrity report).
struct EraFixture {
    enum Era { case v1_135, v2_7, v3_1 }
    let era: Era

    /// The schema fixture of the era.
    var schema: String {
        switch era {
        case .v1_135: "v1.135.3"
        case .v2_7: "v2.7.5"
        case .v3_1: "v3.1.0"
        }
    }

    var release: String {
        switch era {
        case .v1_135: "v1.135.3"
        case .v2_7: "v2.7.5"
        case .v3_1: "v3.1.0"
        }
    }

    // Ids.
    static let u1 = "10000000-0000-4000-8000-000000000001"
    static let u2 = "10000000-0000-4000-8000-000000000002"
    static let l1 = "20000000-0000-4000-8000-000000000001"
    static let a1 = "a1a1a1a1-0000-4000-8000-000000000001"
    static let a2 = "a2a2a2a2-0000-4000-8000-000000000002"
    static let a3 = "a3a3a3a3-0000-4000-8000-000000000003"
    static let a4 = "a4a4a4a4-0000-4000-8000-000000000004"
    static let a5 = "a5a5a5a5-0000-4000-8000-000000000005"
    static let a6 = "a6a6a6a6-0000-4000-8000-000000000006"
    static let c1 = "c1c1c1c1-0000-4000-8000-000000000001"
    static let c2 = "c2c2c2c2-0000-4000-8000-000000000002"
    static let c3 = "c3c3c3c3-0000-4000-8000-000000000003"
    static let p1 = "b1b1b1b1-0000-4000-8000-000000000001"
    static let p2 = "b2b2b2b2-0000-4000-8000-000000000002"

    /// The stored media root of the era (relative before v1.136, `/data` from v1.137).
    var prefix: String { era == .v1_135 ? "upload" : "/data" }

    // Exact values, as Swift strings.
    static let externalPath = "/mnt/media/photos/2024/07/tab\there\nnew😀 \\x \"q\".jpg"
    static let externalName = "tab\there 😀.jpg"
    static let description = "A \"quoted\"\nmulti-line\tdesc \\ backslash, {braces}"
    static let importPaths = ["/mnt/media/photos", "/mnt/a,b \"q\"", "/mnt/{braces}", "/mnt/back\\slash", "/mnt/ünïcode 😀"]
    static let exclusions = ["**/@eaDir/**", "**/*.{tif,jpg}", "**/._*"]
    static let checksums: [String: String] = [
        a1: "00112233445566778899aabbccddeeff00112233", a2: "5c5c5c5c09090a0a0d0d000000ffffffffffff01",
        a3: "0303030303030303030303030303030303030303", a4: "0404040404040404040404040404040404040404",
        a5: "0505050505050505050505050505050505050505", a6: "0606060606060606060606060606060606060606",
    ]

    var uploadPath1: String { "\(prefix)/upload/\(Self.u1)/a1/a1/0f0e0d0c-aaaa-4bbb-8ccc-000000000001.jpg" }
    var videoPath: String { "\(prefix)/upload/\(Self.u2)/a3/a3/0f0e0d0c-aaaa-4bbb-8ccc-000000000003.mp4" }
    var livePath: String { "\(prefix)/upload/\(Self.u1)/a4/a4/0f0e0d0c-aaaa-4bbb-8ccc-000000000004.mov" }
    var libraryPath: String { "\(prefix)/library/admin/2024/2024-07-01/IMG_0005 (1).jpg" }
    var trashedPath: String { "\(prefix)/upload/\(Self.u2)/a6/a6/0f0e0d0c-aaaa-4bbb-8ccc-000000000006.heic" }
    var sidecarPath: String { Self.externalPath + ".xmp" }
    var encodedPath: String { "\(prefix)/encoded-video/\(Self.u2)/a3/a3/\(Self.a3).mp4" }
    var thumbnailPath: String {
        "\(prefix)/thumbs/\(Self.u1)/a1/a1/\(Self.a1)\(era == .v1_135 ? "-thumbnail" : "_thumbnail").webp"
    }
    var previewPath: String {
        "\(prefix)/thumbs/\(Self.u1)/a1/a1/\(Self.a1)\(era == .v1_135 ? "-preview" : "_preview").jpeg"
    }
    var externalThumbnail: String { "\(prefix)/thumbs/\(Self.u1)/a2/a2/\(Self.a2)-thumbnail.webp" }
    var editedThumbnail: String { "\(prefix)/thumbs/\(Self.u1)/a1/a1/\(Self.a1)_thumbnail_edited.webp" }
    var editedPreview: String { "\(prefix)/thumbs/\(Self.u1)/a1/a1/\(Self.a1)_preview_edited.jpeg" }
    var strayUpload: String { "\(prefix)/upload/\(Self.u1)/zz/zz/stray.jpg" }
    var personThumbnail: String { "\(prefix)/thumbs/\(Self.u1)/b1/b1/\(Self.p1).jpeg" }

    /// A SQL string literal (E'' with escapes).
    static func lit(_ s: String) -> String {
        "E'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") + "'"
    }

    static func array(_ items: [String]) -> String { "ARRAY[" + items.map(lit).joined(separator: ",") + "]::text[]" }

    var sql: String {
        let old = era == .v1_135
        let users = old ? "users" : "\"user\""
        let libraries = old ? "libraries" : "library"
        let assets = old ? "assets" : "asset"
        let exif = old ? "exif" : "asset_exif"
        let files = old ? "asset_files" : "asset_file"
        let albums = old ? "albums" : "album"
        let albumAssets = old ? "albums_assets_assets (\"albumsId\", \"assetsId\")" : "album_asset (\"albumId\", \"assetId\")"
        let faces = old ? "asset_faces" : "asset_face"
        let tags = old ? "tags" : "tag"
        let tagAssets = old ? "tag_asset (\"assetsId\", \"tagsId\")" : "tag_asset (\"assetId\", \"tagId\")"
        let links = old ? "shared_links" : "shared_link"
        let linkAssets = old ? "shared_link__asset (\"assetsId\", \"sharedLinksId\")"
            : "shared_link_asset (\"assetId\", \"sharedLinkId\")"
        let stacks = old ? "asset_stack" : "stack"
        let lit = Self.lit
        let v3 = era == .v3_1
        func asset(_ id: String, owner: String, type: String, path: String, name: String, extra: [String: String] = [:]) -> String {
            var columns = ["id": "'\(id)'", "\"deviceAssetId\"": "'device-\(id.prefix(4))'", "\"ownerId\"": "'\(owner)'",
                           "\"deviceId\"": "'phone'", "type": "'\(type)'", "\"originalPath\"": lit(path),
                           "\"fileCreatedAt\"": "'2024-07-01 12:00:00+02'", "\"fileModifiedAt\"": "'2024-07-01 12:00:00+02'",
                           "\"localDateTime\"": "'2024-07-01 12:00:00+00'",
                           "checksum": "decode('\(Self.checksums[id]!)', 'hex')", "\"originalFileName\"": lit(name)]
            if !old { columns["\"checksumAlgorithm\""] = "'sha1'" }
            for (k, v) in extra { columns[k] = v }
            if v3 {
                // v3 dropped the device columns.
                columns["\"deviceAssetId\""] = nil
                columns["\"deviceId\""] = nil
            }
            let keys = columns.keys.sorted()
            return "INSERT INTO \(assets) (\(keys.joined(separator: ", "))) VALUES (\(keys.map { columns[$0]! }.joined(separator: ", ")));"
        }
        var s: [String] = []
        s.append("INSERT INTO \(users) (id, email, name, \"storageLabel\", \"isAdmin\") VALUES ('\(Self.u1)', 'admin@example.com', \(lit("Ädmin\tTab")), 'admin', true), ('\(Self.u2)', 'bob@example.com', 'Bob', NULL, false);")
        s.append("INSERT INTO \(libraries) (id, name, \"ownerId\", \"importPaths\", \"exclusionPatterns\") VALUES ('\(Self.l1)', \(lit("NAS, \"family\"")), '\(Self.u1)', \(Self.array(Self.importPaths)), \(Self.array(Self.exclusions)));")
        // Durations: text before v3, integer milliseconds from v3.
        s.append(asset(Self.a4, owner: Self.u1, type: "VIDEO", path: livePath, name: "IMG_0001.MOV",
                       extra: ["visibility": "'hidden'", "duration": v3 ? "2500" : "'0:00:02.500000'"]))
        s.append(asset(Self.a1, owner: Self.u1, type: "IMAGE", path: uploadPath1, name: "IMG_0001.jpg",
                       extra: ["\"isFavorite\"": "true", "\"livePhotoVideoId\"": "'\(Self.a4)'"]
                        .merging(v3 ? ["\"isEdited\"": "true"] : [:]) { a, _ in a }))
        var externalExtra = ["\"libraryId\"": "'\(Self.l1)'", "\"isExternal\"": "true", "\"isOffline\"": "true",
                             "\"deletedAt\"": "'2024-08-01 00:00:00+00'", "\"deviceId\"": "'Library Import'"]
        if old { externalExtra["\"sidecarPath\""] = lit(sidecarPath) } else { externalExtra["\"checksumAlgorithm\""] = "'sha1-path'" }
        s.append(asset(Self.a2, owner: Self.u1, type: "IMAGE", path: Self.externalPath, name: Self.externalName, extra: externalExtra))
        s.append(asset(Self.a3, owner: Self.u2, type: "VIDEO", path: videoPath, name: "clip.mp4",
                       extra: (old ? ["\"encodedVideoPath\"": lit(encodedPath)] : [:])
                        .merging(["duration": v3 ? "3723456" : "'1:02:03.456000'"]) { a, _ in a }))
        s.append(asset(Self.a5, owner: Self.u1, type: "IMAGE", path: libraryPath, name: "IMG_0005 (1).jpg",
                       extra: ["visibility": "'archive'"]))
        s.append(asset(Self.a6, owner: Self.u2, type: "IMAGE", path: trashedPath, name: "deleted.heic",
                       extra: ["\"deletedAt\"": "'2024-09-01 00:00:00+00'", "status": "'trashed'"]))
        s.append("INSERT INTO \(exif) (\"assetId\", \"fileSizeInByte\", description) VALUES ('\(Self.a1)', 3145728, \(lit(Self.description))), ('\(Self.a3)', 104857600, ''), ('\(Self.a2)', NULL, '   ');")
        var fileRows = ["('\(Self.a1)', 'thumbnail', \(lit(thumbnailPath)))", "('\(Self.a1)', 'preview', \(lit(previewPath)))",
                        "('\(Self.a2)', 'thumbnail', \(lit(externalThumbnail)))"]
        if !old {
            fileRows.append("('\(Self.a2)', 'sidecar', \(lit(sidecarPath)))")
            fileRows.append("('\(Self.a3)', 'encoded_video', \(lit(encodedPath)))")
        }
        s.append("INSERT INTO \(files) (\"assetId\", type, path) VALUES \(fileRows.joined(separator: ", "));")
        if v3 {
            // The edited renditions of a1, and its edits (database-only).
            s.append("INSERT INTO asset_file (\"assetId\", type, path, \"isEdited\") VALUES ('\(Self.a1)', 'thumbnail', \(lit(editedThumbnail)), true), ('\(Self.a1)', 'preview', \(lit(editedPreview)), true);")
            s.append("INSERT INTO asset_edit (\"assetId\", action, parameters, sequence) VALUES ('\(Self.a1)', 'crop', '{\"x\": 10, \"y\": 20, \"width\": 300, \"height\": 200}', 0), ('\(Self.a1)', 'rotate', '{\"angle\": 90}', 1);")
            // Albums: owners are album_user rows with role owner; c2 is deleted.
            s.append("INSERT INTO \(albums) (id, \"albumName\", \"deletedAt\") VALUES ('\(Self.c1)', 'Summer', NULL), ('\(Self.c2)', 'Gone', now()), ('\(Self.c3)', 'Bob''s', NULL);")
            s.append("INSERT INTO album_user (\"albumId\", \"userId\", role) VALUES ('\(Self.c1)', '\(Self.u1)', 'owner'), ('\(Self.c1)', '\(Self.u2)', 'editor'), ('\(Self.c2)', '\(Self.u1)', 'owner'), ('\(Self.c3)', '\(Self.u2)', 'owner'), ('\(Self.c3)', '\(Self.u1)', 'viewer');")
            // Immich's own integrity check: one of each type.
            s.append("INSERT INTO integrity_report (type, path, \"assetId\", \"fileAssetId\") VALUES ('untracked_file', \(lit(strayUpload)), NULL, NULL), ('missing_file', \(lit(trashedPath)), '\(Self.a6)', NULL), ('checksum_mismatch', \(lit(uploadPath1)), '\(Self.a1)', NULL);")
            s.append("INSERT INTO kysely_migrations (name, timestamp) VALUES ('1784836013770-MinFacePreferenceMigration', '2026-07-28T00:00:00.000Z'), ('1780000000000-Older', '2026-06-01T00:00:00.000Z');")
        } else {
            s.append("INSERT INTO \(albums) (id, \"ownerId\", \"albumName\", \"deletedAt\") VALUES ('\(Self.c1)', '\(Self.u1)', 'Summer', NULL), ('\(Self.c2)', '\(Self.u1)', 'Gone', now()), ('\(Self.c3)', '\(Self.u2)', 'Bob''s', NULL);")
            let shares = old ? "albums_shared_users_users (\"albumsId\", \"usersId\", role)" : "album_user (\"albumId\", \"userId\", role)"
            s.append("INSERT INTO \(shares) VALUES ('\(Self.c1)', '\(Self.u2)', 'editor'), ('\(Self.c3)', '\(Self.u1)', 'viewer');")
        }
        s.append("INSERT INTO \(albumAssets) VALUES ('c1c1c1c1-0000-4000-8000-000000000001', '\(Self.a1)'), ('c1c1c1c1-0000-4000-8000-000000000001', '\(Self.a2)'), ('c1c1c1c1-0000-4000-8000-000000000001', '\(Self.a5)'), ('c2c2c2c2-0000-4000-8000-000000000002', '\(Self.a1)');")
        s.append("INSERT INTO person (id, \"ownerId\", name, \"thumbnailPath\") VALUES ('\(Self.p1)', '\(Self.u1)', 'Ann', \(lit(personThumbnail))), ('\(Self.p2)', '\(Self.u1)', '', '');")
        s.append("INSERT INTO \(faces) (\"assetId\", \"personId\", \"deletedAt\") VALUES ('\(Self.a1)', '\(Self.p1)', NULL), ('\(Self.a1)', '\(Self.p2)', NULL), ('\(Self.a2)', NULL, NULL), ('\(Self.a5)', '\(Self.p1)', now());")
        s.append("INSERT INTO \(tags) (id, \"userId\", value) VALUES ('d1d1d1d1-0000-4000-8000-000000000001', '\(Self.u1)', 'Trips/2024'), ('d2d2d2d2-0000-4000-8000-000000000002', '\(Self.u1)', 'Family');")
        s.append("INSERT INTO \(tagAssets) VALUES ('\(Self.a1)', 'd1d1d1d1-0000-4000-8000-000000000001'), ('\(Self.a1)', 'd2d2d2d2-0000-4000-8000-000000000002'), ('\(Self.a2)', 'd1d1d1d1-0000-4000-8000-000000000001');")
        s.append("INSERT INTO \(links) (id, \"userId\", key, type) VALUES ('e1e1e1e1-0000-4000-8000-000000000001', '\(Self.u1)', decode('5c0a09ff', 'hex'), 'INDIVIDUAL');")
        s.append("INSERT INTO \(linkAssets) VALUES ('\(Self.a1)', 'e1e1e1e1-0000-4000-8000-000000000001'), ('\(Self.a5)', 'e1e1e1e1-0000-4000-8000-000000000001');")
        s.append("INSERT INTO \(stacks) (id, \"primaryAssetId\", \"ownerId\") VALUES ('f1f1f1f1-0000-4000-8000-000000000001', '\(Self.a1)', '\(Self.u1)');")
        s.append("UPDATE \(assets) SET \"stackId\" = 'f1f1f1f1-0000-4000-8000-000000000001' WHERE id IN ('\(Self.a1)', '\(Self.a5)');")
        s.append("INSERT INTO system_metadata (key, value) VALUES ('system-flags', '{\"mountChecks\": {\"library\": true, \"upload\": true, \"profile\": true, \"thumbs\": true, \"encoded-video\": true, \"backups\": true}}');")
        if old {
            s.append("INSERT INTO version_history (version, \"createdAt\") VALUES ('1.135.3', '2025-06-01 00:00:00+00');")
        } else if v3 {
            s.append("INSERT INTO system_metadata (key, value) VALUES ('MediaLocation', '{\"location\": \"/data\"}');")
            s.append("INSERT INTO version_history (version, \"createdAt\") VALUES ('3.1.0', '2026-07-29 00:00:00+00'), ('2.7.5', '2026-05-01 00:00:00+00');")
        } else {
            s.append("INSERT INTO system_metadata (key, value) VALUES ('MediaLocation', '{\"location\": \"/data\"}');")
            s.append("INSERT INTO version_history (version, \"createdAt\") VALUES ('2.7.5', '2026-05-01 00:00:00+00'), ('2.7.4', '2026-04-01 00:00:00+00');")
        }
        return s.joined(separator: "\n")
    }

    /// Checks a catalog read from this fixture's dump, field by field.
    func verify(_ c: Catalog, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(c.content.complete, sourceLocation: sourceLocation)
        #expect(c.content.format == (era == .v1_135 ? .cluster : .database), sourceLocation: sourceLocation)
        #expect(c.content.postgresVersion?.hasPrefix("1") == true, sourceLocation: sourceLocation)
        #expect(c.findings.isEmpty, "\(c.findings)", sourceLocation: sourceLocation)
        #expect(c.immichVersion == release, sourceLocation: sourceLocation)
        #expect(c.mediaPrefix == prefix, sourceLocation: sourceLocation)
        #expect(c.savedMediaLocation == (era == .v1_135 ? nil : "/data"), sourceLocation: sourceLocation)
        #expect(c.mountChecks == ["library": true, "upload": true, "profile": true, "thumbs": true,
                                  "encoded-video": true, "backups": true], sourceLocation: sourceLocation)
        #expect(c.newestMigration != nil, sourceLocation: sourceLocation)

        var expected = CatalogCounts()
        expected.assets = 6; expected.uploaded = 4; expected.libraryFiles = 1; expected.external = 1
        expected.offline = 1; expected.trashed = 2; expected.users = 2; expected.libraries = 1; expected.albums = 1
        expected.albumMemberships = 3; expected.favorites = 1; expected.descriptions = 1; expected.faces = 3
        expected.namedFaces = 1; expected.people = 2; expected.namedPeople = 1; expected.tags = 2
        expected.taggedAssets = 2; expected.sharedLinks = 1; expected.sharedLinkAssets = 2; expected.stacks = 1
        expected.stackedAssets = 2; expected.livePhotos = 1; expected.sidecars = 1; expected.encodedVideos = 1
        expected.thumbnails = 2; expected.previews = 1; expected.personThumbnails = 1
        expected.bytes = 3_145_728 + 104_857_600
        // Albums: c1 shared with an editor, c3 with a viewer; the deleted c2 is not counted.
        expected.albums = 2; expected.sharedAlbums = 2; expected.albumShares = 2
        expected.videoMilliseconds = 2_500 + 3_723_456
        let v3 = era == .v3_1
        if v3 {
            expected.thumbnails = 3; expected.previews = 2
            expected.edits = 2; expected.editedAssets = 1; expected.editedFiles = 2
        }
        #expect(c.counts == expected, sourceLocation: sourceLocation)
        #expect(c.schema.albumOwners == (v3 ? "album_user role 'owner' (v3+)" : "album.ownerId (before v3)"), sourceLocation: sourceLocation)
        #expect(c.schema.duration == (v3 ? "integer milliseconds (v3+)" : "text H:MM:SS.ffffff (before v3)"), sourceLocation: sourceLocation)
        if v3 { #expect(c.newestMigration == "1784836013770-MinFacePreferenceMigration", sourceLocation: sourceLocation) }

        // Album owners, from album."ownerId" or (v3) the album_user owner row, and shares.
        let albums = Dictionary(uniqueKeysWithValues: c.albums.map { ($0.id.description, $0) })
        #expect(albums.count == 2, sourceLocation: sourceLocation)
        #expect(albums[Self.c1]?.owner == UUID16(Self.u1)! && albums[Self.c1]?.shares == 1, sourceLocation: sourceLocation)
        #expect(albums[Self.c3]?.owner == UUID16(Self.u2)! && albums[Self.c3]?.shares == 1, sourceLocation: sourceLocation)

        // Immich's integrity report: v3 only, read exactly.
        #expect(c.integrity.present == v3, sourceLocation: sourceLocation)
        if v3 {
            #expect(c.integrity.counts == ["untracked_file": 1, "missing_file": 1, "checksum_mismatch": 1], sourceLocation: sourceLocation)
            #expect(c.integrity.recorded("untracked_file", strayUpload) && c.integrity.recorded("missing_file", trashedPath)
                && c.integrity.recorded("checksum_mismatch", uploadPath1), sourceLocation: sourceLocation)
        } else {
            #expect(c.integrity.total == 0, sourceLocation: sourceLocation)
        }

        // Users.
        let admin = try #require(c.user(UUID16(Self.u1)!), sourceLocation: sourceLocation)
        #expect(admin == CatalogUser(id: UUID16(Self.u1)!, email: "admin@example.com", name: "Ädmin\tTab",
                                     storageLabel: "admin", isAdmin: true, deleted: false, profileImagePath: nil),
                sourceLocation: sourceLocation)
        #expect(c.user(UUID16(Self.u2)!)?.storageLabel == nil, sourceLocation: sourceLocation)

        // The library, arrays with commas, quotes, braces, backslashes and non-ASCII.
        let library = try #require(c.libraries.first, sourceLocation: sourceLocation)
        #expect(library.name == "NAS, \"family\"", sourceLocation: sourceLocation)
        #expect(library.importPaths == Self.importPaths, sourceLocation: sourceLocation)
        #expect(library.exclusionPatterns == Self.exclusions, sourceLocation: sourceLocation)

        // Assets, field by field.
        func asset(_ id: String) throws -> AssetRecord {
            try #require(c.assets.first { $0.id == UUID16(id)! }, sourceLocation: sourceLocation)
        }
        let a1 = try asset(Self.a1)
        #expect(c.originalPath(a1) == uploadPath1, sourceLocation: sourceLocation)
        #expect(c.originalFileName(a1) == "IMG_0001.jpg", sourceLocation: sourceLocation)
        #expect(a1.checksum.hex == Self.checksums[Self.a1], sourceLocation: sourceLocation)
        #expect(a1.algorithm == .sha1, sourceLocation: sourceLocation)
        #expect(a1.flags.contains(.favorite) && a1.flags.contains(.described), sourceLocation: sourceLocation)
        #expect(!a1.flags.contains(.external) && !a1.flags.contains(.trashed), sourceLocation: sourceLocation)
        #expect(a1.fileSize == 3_145_728, sourceLocation: sourceLocation)
        #expect(a1.fileCreatedAt == 1_719_828_000, sourceLocation: sourceLocation) // 2024-07-01 10:00 UTC
        let a1Index = Int32(c.assets.firstIndex { $0.id == a1.id }!)
        #expect(c.livePhotoVideos[a1Index] == UUID16(Self.a4)!, sourceLocation: sourceLocation)
        #expect(c.stack(of: a1) == UUID16("f1f1f1f1-0000-4000-8000-000000000001")!, sourceLocation: sourceLocation)
        #expect(a1.meta.albums == 1 && a1.meta.faces == 2 && a1.meta.namedFaces == 1 && a1.meta.tags == 2 &&
            a1.meta.sharedLinks == 1 && a1.meta.edits == (v3 ? 2 : 0), "\(a1.meta)", sourceLocation: sourceLocation)
        #expect(c.owner(of: a1) == UUID16(Self.u1)!, sourceLocation: sourceLocation)
        #expect(a1.type == .image, sourceLocation: sourceLocation)

        let a2 = try asset(Self.a2)
        #expect(c.originalPath(a2) == Self.externalPath, sourceLocation: sourceLocation)
        #expect(c.originalFileName(a2) == Self.externalName, sourceLocation: sourceLocation)
        #expect(a2.checksum.hex == Self.checksums[Self.a2], sourceLocation: sourceLocation)
        #expect(a2.algorithm == .sha1Path, sourceLocation: sourceLocation)
        #expect(a2.flags.contains(.algorithmInferred) == (era == .v1_135), sourceLocation: sourceLocation)
        #expect(a2.flags.isSuperset(of: [.external, .offline, .trashed]), sourceLocation: sourceLocation)
        #expect(!a2.flags.contains(.described), "a description of blanks is not one", sourceLocation: sourceLocation)
        #expect(c.library(of: a2) == UUID16(Self.l1)!, sourceLocation: sourceLocation)
        #expect(a2.fileSize == -1, sourceLocation: sourceLocation)
        #expect(a2.meta.albums == 1 && a2.meta.faces == 1 && a2.meta.namedFaces == 0 && a2.meta.tags == 1,
                sourceLocation: sourceLocation)

        let a3 = try asset(Self.a3)
        #expect(a3.type == .video && a3.fileSize == 104_857_600 && c.owner(of: a3) == UUID16(Self.u2)!,
                sourceLocation: sourceLocation)
        #expect(try asset(Self.a4).flags.contains(.hidden), sourceLocation: sourceLocation)
        let a5 = try asset(Self.a5)
        #expect(c.originalPath(a5) == libraryPath && a5.flags.contains(.archived), sourceLocation: sourceLocation)
        #expect(a5.meta.faces == 0, "the deleted face is not counted", sourceLocation: sourceLocation)
        #expect(try asset(Self.a6).flags.contains(.trashed), sourceLocation: sourceLocation)

        // Files.
        let files = Dictionary(grouping: c.files, by: { c.assets[Int($0.asset)].id })
        func paths(_ id: String, _ kind: AssetFileKind) -> [String] {
            (files[UUID16(id)!] ?? []).filter { $0.kind == kind }.map { c.path($0) }
        }
        #expect(paths(Self.a1, .thumbnail) == (v3 ? [thumbnailPath, editedThumbnail] : [thumbnailPath]), sourceLocation: sourceLocation)
        #expect(paths(Self.a1, .preview) == (v3 ? [previewPath, editedPreview] : [previewPath]), sourceLocation: sourceLocation)
        let edited = (files[UUID16(Self.a1)!] ?? []).filter(\.edited).map { c.path($0) }.sorted()
        #expect(edited == (v3 ? [editedPreview, editedThumbnail].sorted() : []), sourceLocation: sourceLocation)
        #expect(paths(Self.a2, .sidecar) == [sidecarPath], sourceLocation: sourceLocation)
        #expect(paths(Self.a2, .thumbnail) == [externalThumbnail], sourceLocation: sourceLocation)
        #expect(paths(Self.a3, .encodedVideo) == [encodedPath], sourceLocation: sourceLocation)
        #expect(c.people.map { c.thumbnailPath($0) }.sorted() == ["", personThumbnail], sourceLocation: sourceLocation)

        // By owner.
        #expect(c.countsByOwner[UUID16(Self.u1)!]?.assets == 4, sourceLocation: sourceLocation)
        #expect(c.countsByOwner[UUID16(Self.u2)!]?.trashed == 1, sourceLocation: sourceLocation)
    }
}

@Suite(.enabled(if: PostgresCluster.available, "needs Debian's postgresql (scripts/bootstrap)"))
struct CatalogIntegrationTests {
    /// Builds the era's database in a fresh cluster and dumps it the way Immich does; returns the dump paths.
    func makeDumps(_ fixture: EraFixture, cluster: PostgresCluster, named name: String) throws -> [String] {
        let schema = Fixtures.shared + "/immich-schema/" + fixture.schema + "-schema.sql"
        try cluster.psql("postgres", "CREATE DATABASE immich;")
        try cluster.load("immich", file: schema)
        try cluster.psql("immich", fixture.sql)
        let out = Fixtures.tempDir("dumps")
        let sql = out + "/" + name
        if fixture.era == .v1_135 {
            try cluster.dump("pg_dumpall", ["--clean", "--if-exists", "--database", "immich"], to: sql)
        } else {
            try cluster.dump("pg_dump", ["--clean", "--if-exists", "immich"], to: sql)
        }
        try Shell.sh("gzip --rsyncable -c '\(sql)' > '\(sql).gz' && zstd -q -c '\(sql)' > '\(sql).zst' && xz -c '\(sql)' > '\(sql).xz'")
        return [sql, sql + ".gz", sql + ".zst", sql + ".xz"]
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing)), arguments: [EraFixture.Era.v1_135, .v2_7, .v3_1])
    func realDumpsReadFieldByField(era: EraFixture.Era) throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let fixture = EraFixture(era: era)
        let name = switch era {
        case .v1_135: "immich-db-backup-1748736000000.sql"
        case .v2_7: "immich-db-backup-20260501T020000-v2.7.5-pg15.18.sql"
        case .v3_1: "immich-db-backup-20260801T020000-v3.1.0-pg15.18.sql"
        }
        let dumps = try makeDumps(fixture, cluster: cluster, named: name)
        for dump in dumps {
            let catalog = try CatalogReader.read(path: dump, timeZone: "Europe/Berlin")
            try fixture.verify(catalog)
            #expect(catalog.content.compression == ["sql": "none", "gz": "gzip", "zst": "zstd", "xz": "xz"][(dump as NSString).pathExtension])
            if era == .v1_135 {
                #expect(catalog.identity.time == 1_748_736_000, "epoch milliseconds, UTC")
                #expect(catalog.content.databases.contains("immich") && catalog.content.databases.contains("postgres"))
            } else if era == .v2_7 {
                #expect(catalog.identity.time == 1_777_593_600, "02:00 in Berlin (CEST) is 00:00 UTC")
                #expect(catalog.identity.immichVersion == "2.7.5" && catalog.identity.postgresVersion == "15.18")
            } else {
                #expect(catalog.identity.time == 1_785_542_400, "02:00 in Berlin (CEST) is 00:00 UTC")
                #expect(catalog.identity.immichVersion == "3.1.0" && catalog.identity.postgresVersion == "15.18")
            }
        }
        // The documented restore of this era succeeds on the dump (the realism check the demo also relies on).
        if era != .v1_135 {
            try cluster.psql("postgres", "DROP DATABASE immich; CREATE DATABASE immich;")
            try Shell.run(cluster.binDirectory + "/psql", cluster.connection + ["-X", "-q", "--dbname=immich",
                                                                                "--single-transaction", "--set", "ON_ERROR_STOP=on", "-f", dumps[0]])
        }
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing)), arguments: [EraFixture.Era.v1_135, .v2_7, .v3_1])
    func everyCutIsIncompleteAndDamageIsAClearError(era: EraFixture.Era) throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let dumps = try makeDumps(EraFixture(era: era), cluster: cluster, named: "immich.sql")
        let dir = Fixtures.tempDir("cuts")
        for dump in dumps {
            let data = try Data(contentsOf: URL(fileURLWithPath: dump))
            let ext = (dump as NSString).pathExtension
            let cutPath = dir + "/cut.sql" + (ext == "sql" ? "" : "." + ext)
            // A compressed stream is cut wherever it is cut; plain SQL only where the cut takes some of the last
            // trailer with it (a cut that drops only the blank lines after it loses nothing).
            var end = data.count - 1
            if ext == "sql", let trailer = data.range(of: Data("dump complete\n".utf8), options: .backwards) {
                end = trailer.upperBound - 1
            }
            let step = max(1, end / 29)
            for cut in Array(stride(from: 1, to: end, by: step)) + [end] {
                try data.prefix(cut).write(to: URL(fileURLWithPath: cutPath))
                do {
                    let catalog = try CatalogReader.read(path: cutPath)
                    #expect(!catalog.content.complete, "\(ext) cut at \(cut)/\(data.count) read as complete")
                    #expect(catalog.findings.first?.code == "dump-incomplete")
                    #expect(catalog.findings.first?.severity == .critical)
                } catch let error as DrillError {
                    // A cut so early that not even the header survived is "not a dump", which is fair too.
                    #expect(error.message.contains("not a PostgreSQL dump") || error.message.contains("cut short"),
                            "\(ext) cut at \(cut): \(error.description)")
                }
            }
            guard ext != "sql" else { continue }
            var damaged = data
            let middle = data.count / 2
            for i in middle..<(middle + 16) { damaged[i] ^= 0xA5 }
            try damaged.write(to: URL(fileURLWithPath: cutPath))
            do {
                let catalog = try CatalogReader.read(path: cutPath)
                Issue.record("damaged \(ext) read without error (complete: \(catalog.content.complete))")
            } catch let error as DrillError {
                #expect(error.message.contains("damaged"), "\(error)")
                #expect(error.file == cutPath)
            }
        }
    }
}
