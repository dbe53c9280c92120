// Builds a `Catalog` from the COPY rows of a dump. Each table Immich has had is recognised by every name it has
// had (assets/asset, exif/asset_exif, albums_assets_assets/album_asset, …), and each column is found by name in the
// COPY header, under every name it has had (albumsId/albumId, assetsId/assetId, …), so column order and added
// columns never matter and a dump of any release between the ones described works. The schema era is decided by
// the columns present, never guessed from a version. Tables that do not matter (smart_search, face_search,
// geodata…) are never decoded.
//
// pg_dump writes tables in name order, so some rows arrive before the asset they describe (album memberships and,
// in the old names, faces and files). Such rows wait in small pending lists and are joined at the end.

import Foundation

/// Reads a dump into a catalog.
public enum CatalogReader {
    /// Reads `path`. `databaseName` is Immich's database in a cluster dump; `timeZone` is the zone Immich named
    /// the file in (the deployment's TZ, else the plan's; nil reads it as UTC and says so).
    public static func read(path: String, databaseName: String = "immich", timeZone: String? = nil) throws -> Catalog {
        let identity = DumpIdentity.of(path: path, timeZone: timeZone)
        let builder = CatalogBuilder(file: path)
        let content = try DumpReader(path: path, databaseName: databaseName).read { table, columns, line in
            try builder.sink(for: table, columns: columns, line: line)
        }
        return try builder.finish(identity: identity, content: content)
    }
}

/// The table roles the catalog reads, with every name each table has had.
enum TableRole: String, CaseIterable {
    case users, libraries, assets, exif, files, albums, albumAssets, faces, people, tags, tagAssets
    case sharedLinks, sharedLinkAssets, stacks, systemMetadata, versionHistory, kysely, typeorm

    static let byName: [String: TableRole] = [
        "user": .users, "users": .users,
        "library": .libraries, "libraries": .libraries,
        "asset": .assets, "assets": .assets,
        "asset_exif": .exif, "exif": .exif,
        "asset_file": .files, "asset_files": .files,
        "album": .albums, "albums": .albums,
        "album_asset": .albumAssets, "albums_assets_assets": .albumAssets,
        "asset_face": .faces, "asset_faces": .faces,
        "person": .people,
        "tag": .tags, "tags": .tags,
        "tag_asset": .tagAssets,
        "shared_link": .sharedLinks, "shared_links": .sharedLinks,
        "shared_link_asset": .sharedLinkAssets, "shared_link__asset": .sharedLinkAssets,
        "stack": .stacks, "asset_stack": .stacks,
        "system_metadata": .systemMetadata,
        "version_history": .versionHistory,
        "kysely_migrations": .kysely,
        "migrations": .typeorm,
    ]
}

/// Column positions in one COPY header.
struct Columns {
    let table: String
    let names: [String]
    let file: String
    let line: Int64

    /// The index of the first of `candidates` present, or -1.
    func index(_ candidates: String...) -> Int {
        for name in candidates {
            if let i = names.firstIndex(of: name) { return i }
        }
        return -1
    }

    /// Like `index`, but a missing column is an error naming table and column.
    func required(_ candidates: String...) throws -> Int {
        for name in candidates {
            if let i = names.firstIndex(of: name) { return i }
        }
        throw DrillError(.input, file: file, line: Int(line),
                         "table \(table) has no column \(candidates.map { "\"\($0)\"" }.joined(separator: " or ")); its COPY header lists \(names.joined(separator: ", "))")
    }
}

final class CatalogBuilder {
    let file: String
    var users: [CatalogUser] = []
    var libraries: [CatalogLibrary] = []
    var assets: [AssetRecord] = []
    var assetIndex: [UUID16: Int32] = [:]
    var files: [AssetFileRecord] = []
    var people: [CatalogPerson] = []
    var paths = PathStore()
    var tablesSeen: [TableRole: String] = [:]

    // Rows that arrived before their asset.
    var pendingFiles: [(asset: UUID16, kind: AssetFileKind, path: [UInt8])] = []
    var pendingMeta: [(asset: UUID16, what: MetaKind)] = []
    var pendingExif: [(asset: UUID16, size: Int64, described: Bool)] = []
    var faces: [(asset: UUID16, person: UUID16)] = []
    var deletedAlbums = Set<UUID16>()
    var albumCount = 0
    var albumMemberships = 0
    var tagCount = 0
    var sharedLinkCount = 0
    var sharedLinkAssetRows = 0
    var stackCount = 0
    var faceCount = 0

    // Era facts.
    var joinColumnsNew: Bool?
    var sidecarColumn = false
    var encodedVideoColumn = false
    var algorithmColumn = false
    var visibilityColumn = false

    // system_metadata and versions.
    var savedMediaLocation: String?
    var mountChecks: [String: Bool] = [:]
    var versions: [(time: Double, version: String)] = []
    var newestKysely: String?
    var newestTypeORM: (timestamp: Int64, name: String)?

    enum MetaKind { case album, tag, sharedLink }

    init(file: String) { self.file = file }

    func sink(for table: String, columns names: [String], line: Int64) throws -> CopySink? {
        guard let role = TableRole.byName[table] else { return nil }
        tablesSeen[role] = table
        let columns = Columns(table: table, names: names, file: file, line: line)
        switch role {
        case .users: return try UsersSink(self, columns)
        case .libraries: return try LibrariesSink(self, columns)
        case .assets: return try AssetsSink(self, columns)
        case .exif: return try ExifSink(self, columns)
        case .files: return try FilesSink(self, columns)
        case .albums: return try AlbumsSink(self, columns)
        case .albumAssets:
            joinColumnsNew = columns.index("albumId") >= 0
            return try JoinSink(self, columns, asset: columns.required("assetId", "assetsId"),
                                other: columns.required("albumId", "albumsId"), kind: .album)
        case .faces: return try FacesSink(self, columns)
        case .people: return try PeopleSink(self, columns)
        case .tags: return CountSink { [unowned self] in tagCount += 1 }
        case .tagAssets:
            if joinColumnsNew == nil { joinColumnsNew = columns.index("tagId") >= 0 }
            return try JoinSink(self, columns, asset: columns.required("assetId", "assetsId"),
                                other: columns.required("tagId", "tagsId"), kind: .tag)
        case .sharedLinks: return CountSink { [unowned self] in sharedLinkCount += 1 }
        case .sharedLinkAssets:
            return try JoinSink(self, columns, asset: columns.required("assetId", "assetsId"),
                                other: columns.required("sharedLinkId", "sharedLinksId"), kind: .sharedLink)
        case .stacks: return CountSink { [unowned self] in stackCount += 1 }
        case .systemMetadata: return try SystemMetadataSink(self, columns)
        case .versionHistory: return try VersionSink(self, columns)
        case .kysely: return try KyselySink(self, columns)
        case .typeorm: return try TypeORMSink(self, columns)
        }
    }

    /// Adds a file record now, or later when its asset is not read yet.
    func addFile(asset id: UUID16, kind: AssetFileKind, path: [UInt8]) {
        guard !path.isEmpty else { return }
        if let index = assetIndex[id] {
            files.append(AssetFileRecord(asset: index, kind: kind, path: paths.add(path, stem: id.description)))
        } else {
            pendingFiles.append((id, kind, path))
        }
    }

    func addMeta(asset id: UUID16, _ what: MetaKind) {
        if let index = assetIndex[id] {
            applyMeta(Int(index), what)
        } else {
            pendingMeta.append((id, what))
        }
    }

    func applyMeta(_ index: Int, _ what: MetaKind) {
        switch what {
        case .album: AssetMeta.bump(&assets[index].meta.albums)
        case .tag: AssetMeta.bump(&assets[index].meta.tags)
        case .sharedLink: AssetMeta.bump(&assets[index].meta.sharedLinks)
        }
    }

    func applyExif(_ index: Int, size: Int64, described: Bool) {
        if size >= 0 { assets[index].fileSize = size }
        if described { assets[index].flags.insert(.described) }
    }

    func finish(identity: DumpIdentity, content: DumpContent) throws -> Catalog {
        // Join what waited for its asset.
        for pending in pendingFiles {
            guard let index = assetIndex[pending.asset] else { continue }
            files.append(AssetFileRecord(asset: index, kind: pending.kind,
                                         path: paths.add(pending.path, stem: pending.asset.description)))
        }
        pendingFiles = []
        for pending in pendingMeta {
            if let index = assetIndex[pending.asset] { applyMeta(Int(index), pending.what) }
        }
        pendingMeta = []
        for pending in pendingExif {
            if let index = assetIndex[pending.asset] {
                applyExif(Int(index), size: pending.size, described: pending.described)
            }
        }
        pendingExif = []
        let named = Set(people.filter(\.named).map(\.id))
        for face in faces {
            guard let index = assetIndex[face.asset] else { continue }
            AssetMeta.bump(&assets[Int(index)].meta.faces)
            if !face.person.isZero, named.contains(face.person) {
                AssetMeta.bump(&assets[Int(index)].meta.namedFaces)
            }
        }
        faces = []
        assetIndex = [:]

        // Counts.
        var counts = CatalogCounts()
        var byOwner: [UUID16: AssetCounts] = [:]
        let prefix = detectMediaPrefix()
        let uploadPrefix = (prefix.map { $0 + "/upload/" } ?? "upload/").utf8
        let libraryPrefix = (prefix.map { $0 + "/library/" } ?? "library/").utf8
        for asset in assets {
            var owner = byOwner[asset.owner] ?? AssetCounts()
            owner.assets += 1
            if asset.flags.contains(.external) {
                owner.external += 1
            } else {
                let path = paths.string(asset.originalPath)
                if path.utf8.starts(with: libraryPrefix) {
                    owner.libraryFiles += 1
                } else if path.utf8.starts(with: uploadPrefix) || !path.contains("/library/") {
                    owner.uploaded += 1
                } else {
                    owner.libraryFiles += 1
                }
            }
            if asset.flags.contains(.offline) { owner.offline += 1 }
            if asset.flags.contains(.trashed) { owner.trashed += 1 }
            if asset.type == .image { owner.images += 1 }
            if asset.type == .video { owner.videos += 1 }
            if asset.fileSize > 0 { owner.bytes += asset.fileSize }
            byOwner[asset.owner] = owner
            if asset.flags.contains(.favorite) { counts.favorites += 1 }
            if asset.flags.contains(.described) { counts.descriptions += 1 }
            if asset.meta.tags > 0 { counts.taggedAssets += 1 }
            if !asset.stack.isZero { counts.stackedAssets += 1 }
            if !asset.livePhotoVideo.isZero { counts.livePhotos += 1 }
            counts.namedFaces += Int(asset.meta.namedFaces)
        }
        for owner in byOwner.values {
            counts.assets += owner.assets
            counts.uploaded += owner.uploaded
            counts.libraryFiles += owner.libraryFiles
            counts.external += owner.external
            counts.offline += owner.offline
            counts.trashed += owner.trashed
            counts.bytes += owner.bytes
        }
        counts.users = users.count
        counts.libraries = libraries.filter(\.isExternal).count
        counts.albums = albumCount
        counts.albumMemberships = albumMemberships
        counts.faces = faceCount
        counts.people = people.count
        counts.namedPeople = named.count
        counts.tags = tagCount
        counts.sharedLinks = sharedLinkCount
        counts.sharedLinkAssets = sharedLinkAssetRows
        counts.stacks = stackCount
        counts.personThumbnails = people.filter { !$0.thumbnail.isNone }.count
        for file in files {
            switch file.kind {
            case .sidecar: counts.sidecars += 1
            case .encodedVideo: counts.encodedVideos += 1
            case .thumbnail: counts.thumbnails += 1
            case .preview: counts.previews += 1
            default: break
            }
        }

        guard tablesSeen[.assets] != nil || !content.complete else {
            throw DrillError(.input, file: file,
                             "this dump holds no Immich asset table (assets or asset) in database '\(content.database)'; is it a dump of Immich's database?")
        }

        // Version: version_history, else the newest migration.
        var version: String?
        var versionSource: String?
        if let newest = versions.max(by: { $0.time < $1.time }) {
            version = newest.version.hasPrefix("v") ? newest.version : "v" + newest.version
            versionSource = "version_history"
        }
        let migration = newestKysely ?? newestTypeORM?.name
        if version == nil, let migration {
            versionSource = "newest migration \(migration)"
        }
        if version == nil, let named = identity.immichVersion {
            version = "v" + named
            versionSource = "file name"
        }

        var findings: [Finding] = []
        if !content.complete {
            findings.append(Finding(
                code: "dump-incomplete", severity: .critical, count: 1,
                message: "The dump is cut short: \(content.incompleteReason ?? "it did not end the way pg_dump ends a dump").",
                examples: [file],
                immichWill: "Not come back from this file: a restore stops at the cut (or, in one transaction, rolls back), leaving tables missing or empty.",
                remedy: "Restore from another dump, and find out why this one was cut (disk full, a killed backup job, an interrupted copy)."))
        }
        if identity.failed {
            findings.append(Finding(
                code: "dump-failed", severity: .warning, count: 1,
                message: "A .tmp leftover: Immich's backup job failed (or was still running) when this file was written.",
                examples: [file],
                immichWill: "Delete .tmp files at the next backup run; it never lists them as restorable.",
                remedy: "Check the server log for the failed backup job (disk space, pg_dump version), then run Administration → Jobs → Create backup."))
        }

        paths.freeze()
        let schema = SchemaReport(
            tableNames: tablesSeen[.assets] == "asset" ? "v1.136+ (asset, user, album_asset, …)"
                : tablesSeen[.assets] == "assets" ? "before v1.136 (assets, users, albums_assets_assets, …)" : "unknown",
            joinColumns: joinColumnsNew == true ? "v2.3+ (albumId, assetId, tagId)"
                : joinColumnsNew == false ? "before v2.3 (albumsId, assetsId, tagsId)" : "unknown (no join table)",
            sidecars: sidecarColumn ? "asset.sidecarPath (before v2.4)" : "asset_file type 'sidecar' (v2.4+)",
            encodedVideo: encodedVideoColumn ? "asset.encodedVideoPath (before v2.6)" : "asset_file type 'encoded_video' (v2.6+)",
            checksumAlgorithm: algorithmColumn ? "checksumAlgorithm column (v2.7+)"
                : "inferred: library assets sha1-path, others sha1 (before v2.7)",
            visibility: visibilityColumn ? "visibility (v1.133+)" : "isArchived / isVisible (before v1.133)",
            tables: tablesSeen.values.sorted())
        return Catalog(identity: identity, content: content, schema: schema, users: users, libraries: libraries,
                       assets: assets, files: files, people: people, paths: paths, counts: counts,
                       countsByOwner: byOwner, savedMediaLocation: savedMediaLocation, mediaPrefix: prefix,
                       mountChecks: mountChecks, immichVersion: version, immichVersionSource: versionSource,
                       newestMigration: migration, findings: findings)
    }

    /// The media root the stored paths use: the saved MediaLocation, else what the uploaded assets' paths start with.
    func detectMediaPrefix() -> String? {
        if let saved = savedMediaLocation, !saved.isEmpty { return Paths.normalize(saved) }
        var samples = Array(assets.lazy.filter { !$0.flags.contains(.external) }.prefix(200)
            .map { self.paths.string($0.originalPath) })
        if samples.isEmpty {
            samples = files.prefix(200).map { self.paths.string($0.path, stem: self.assets[Int($0.asset)].id.description) }
        }
        for path in samples {
            if path.hasPrefix("upload/") { return "upload" }
            for folder in ["/upload/", "/library/", "/thumbs/", "/encoded-video/", "/profile/"] {
                if let range = path.range(of: folder) {
                    let root = String(path[..<range.lowerBound])
                    return root.isEmpty ? "/" : root
                }
            }
        }
        return nil
    }
}

// MARK: - Sinks

final class CountSink: CopySink {
    let count: () -> Void
    init(_ count: @escaping () -> Void) { self.count = count }
    func row(_ row: CopyRow, line: Int64) throws { count() }
}

/// Shared checks for rows.
extension CopySink {
    func uuid(_ row: CopyRow, _ index: Int, _ columns: Columns, line: Int64, required: Bool = true) throws -> UUID16? {
        guard index >= 0 else { return nil }
        let field = row.field(index)
        if CopyText.isNull(field) {
            if required {
                throw DrillError(.input, file: columns.file, line: Int(line),
                                 "table \(columns.table): column \"\(columns.names[index])\" is NULL; expected a UUID")
            }
            return nil
        }
        guard let value = CopyText.uuid(field) else {
            throw DrillError(.input, file: columns.file, line: Int(line),
                             "table \(columns.table): column \"\(columns.names[index])\" holds '\(String(decoding: field.prefix(60), as: UTF8.self))'; expected a UUID")
        }
        return value
    }

    func checkWidth(_ row: CopyRow, _ columns: Columns, line: Int64) throws {
        guard row.count == columns.names.count else {
            throw DrillError(.input, file: columns.file, line: Int(line),
                             "a row of table \(columns.table) has \(row.count) fields; its COPY header has \(columns.names.count) columns (is the dump damaged?)")
        }
    }
}

final class UsersSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let id, email, name, label, admin, deleted, profile: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        id = try c.required("id")
        email = c.index("email")
        name = c.index("name", "firstName")
        label = c.index("storageLabel")
        admin = c.index("isAdmin")
        deleted = c.index("deletedAt")
        profile = c.index("profileImagePath")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, c, line: line)
        let profilePath = profile >= 0 ? CopyText.text(row.field(profile)) : nil
        b.users.append(CatalogUser(
            id: try uuid(row, id, c, line: line)!,
            email: email >= 0 ? CopyText.text(row.field(email)) ?? "" : "",
            name: name >= 0 ? CopyText.text(row.field(name)) ?? "" : "",
            storageLabel: label >= 0 ? CopyText.text(row.field(label)) : nil,
            isAdmin: admin >= 0 ? CopyText.bool(row.field(admin)) ?? false : false,
            deleted: deleted >= 0 && !CopyText.isNull(row.field(deleted)),
            profileImagePath: profilePath?.isEmpty == true ? nil : profilePath))
    }
}

final class LibrariesSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let id, owner, name, imports, exclusions, deleted, type: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        id = try c.required("id")
        owner = try c.required("ownerId")
        name = c.index("name")
        imports = c.index("importPaths")
        exclusions = c.index("exclusionPatterns")
        deleted = c.index("deletedAt")
        type = c.index("type")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, c, line: line)
        func array(_ i: Int, _ what: String) throws -> [String] {
            guard i >= 0, !CopyText.isNull(row.field(i)) else { return [] }
            guard let values = CopyText.textArray(row.field(i)) else {
                throw DrillError(.input, file: c.file, line: Int(line),
                                 "table \(c.table): \(what) is not a text array ({…})")
            }
            return values.compactMap { $0 }
        }
        b.libraries.append(CatalogLibrary(
            id: try uuid(row, id, c, line: line)!, owner: try uuid(row, owner, c, line: line)!,
            name: name >= 0 ? CopyText.text(row.field(name)) ?? "" : "",
            importPaths: try array(imports, "importPaths"), exclusionPatterns: try array(exclusions, "exclusionPatterns"),
            deleted: deleted >= 0 && !CopyText.isNull(row.field(deleted)),
            type: type >= 0 ? CopyText.text(row.field(type)) : nil))
    }
}

final class AssetsSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let id, owner, type, path, fileName, checksum, algorithm, library, external, offline, deletedAt, favorite: Int
    let visibility, archived, visible, status, created, livePhoto, stack, sidecar, encoded: Int
    let previewPath, thumbnailPath, resizePath, webpPath: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        id = try c.required("id")
        owner = try c.required("ownerId")
        path = try c.required("originalPath")
        checksum = try c.required("checksum")
        type = c.index("type")
        fileName = c.index("originalFileName")
        algorithm = c.index("checksumAlgorithm")
        library = c.index("libraryId")
        external = c.index("isExternal")
        offline = c.index("isOffline")
        deletedAt = c.index("deletedAt")
        favorite = c.index("isFavorite")
        visibility = c.index("visibility")
        archived = c.index("isArchived")
        visible = c.index("isVisible")
        status = c.index("status")
        created = c.index("fileCreatedAt")
        livePhoto = c.index("livePhotoVideoId")
        stack = c.index("stackId", "stackParentId")
        sidecar = c.index("sidecarPath")
        encoded = c.index("encodedVideoPath")
        previewPath = c.index("previewPath")
        thumbnailPath = c.index("thumbnailPath")
        resizePath = c.index("resizePath")
        webpPath = c.index("webpPath")
        b.sidecarColumn = sidecar >= 0
        b.encodedVideoColumn = encoded >= 0
        b.algorithmColumn = algorithm >= 0
        b.visibilityColumn = visibility >= 0
    }

    func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, c, line: line)
        let assetID = try uuid(row, id, c, line: line)!
        var flags: AssetFlags = []
        let libraryID = try uuid(row, library, c, line: line, required: false) ?? .zero
        let isExternal: Bool
        if external >= 0 {
            isExternal = CopyText.bool(row.field(external)) ?? false
        } else {
            isExternal = !libraryID.isZero
        }
        if isExternal { flags.insert(.external) }
        if offline >= 0, CopyText.bool(row.field(offline)) == true { flags.insert(.offline) }
        if deletedAt >= 0, !CopyText.isNull(row.field(deletedAt)) { flags.insert(.trashed) }
        if favorite >= 0, CopyText.bool(row.field(favorite)) == true { flags.insert(.favorite) }
        if visibility >= 0 {
            switch CopyText.text(row.field(visibility)) {
            case "archive": flags.insert(.archived)
            case "hidden": flags.insert(.hidden)
            case "locked": flags.insert(.locked)
            default: break
            }
        } else {
            if archived >= 0, CopyText.bool(row.field(archived)) == true { flags.insert(.archived) }
            if visible >= 0, CopyText.bool(row.field(visible)) == false { flags.insert(.hidden) }
        }
        if status >= 0, CopyText.text(row.field(status)) == "deleted" { flags.insert(.pendingDeletion) }

        let algorithmValue: ChecksumAlgorithm
        if algorithm >= 0, let text = CopyText.text(row.field(algorithm)), let value = ChecksumAlgorithm(rawValue: text) {
            algorithmValue = value
        } else {
            algorithmValue = isExternal ? .sha1Path : .sha1
            flags.insert(.algorithmInferred)
        }
        let checksumBytes = CopyText.bytea(row.field(checksum)) ?? []
        let digest = Digest20(checksumBytes)
        if digest == nil { flags.insert(.oddChecksum) }

        let pathField = row.field(path)
        guard !CopyText.isNull(pathField) else {
            throw DrillError(.input, file: c.file, line: Int(line),
                             "table \(c.table): originalPath is NULL for asset \(assetID)")
        }
        let pathBytes = CopyText.unescape(pathField)
        let originalPath = b.paths.add(pathBytes)
        var nameRef = PathRef.none
        if fileName >= 0, !CopyText.isNull(row.field(fileName)) {
            var nameBytes = CopyText.unescape(row.field(fileName))
            nameBytes.removeAll { $0 == UInt8(ascii: "/") }
            nameRef = b.paths.add(nameBytes)
        }

        let index = Int32(b.assets.count)
        b.assets.append(AssetRecord(
            id: assetID, owner: try uuid(row, owner, c, line: line)!, library: libraryID,
            type: AssetType(text: type >= 0 ? CopyText.text(row.field(type)) : nil), algorithm: algorithmValue,
            flags: flags, checksum: digest ?? .zero, fileSize: -1,
            fileCreatedAt: created >= 0 ? CopyText.timestamp(row.field(created)) ?? .nan : .nan,
            originalPath: originalPath, originalFileName: nameRef,
            livePhotoVideo: try uuid(row, livePhoto, c, line: line, required: false) ?? .zero,
            stack: try uuid(row, stack, c, line: line, required: false) ?? .zero, meta: AssetMeta()))
        b.assetIndex[assetID] = index

        // Paths kept in asset columns by older releases.
        for (column, kind) in [(sidecar, AssetFileKind.sidecar), (encoded, .encodedVideo), (previewPath, .preview),
                               (thumbnailPath, .thumbnail), (resizePath, .preview), (webpPath, .thumbnail)]
            where column >= 0 {
            let field = row.field(column)
            if !CopyText.isNull(field), !field.isEmpty {
                b.addFile(asset: assetID, kind: kind, path: CopyText.unescape(field))
            }
        }
    }
}

final class ExifSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let asset, size, description: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        asset = try c.required("assetId")
        size = c.index("fileSizeInByte")
        description = c.index("description")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, c, line: line)
        let id = try uuid(row, asset, c, line: line)!
        let bytes = size >= 0 ? CopyText.int(row.field(size)) ?? -1 : -1
        var described = false
        if description >= 0 {
            let field = row.field(description)
            if !CopyText.isNull(field), !field.isEmpty {
                described = !(CopyText.text(field) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            }
        }
        if let index = b.assetIndex[id] {
            b.applyExif(Int(index), size: bytes, described: described)
        } else {
            b.pendingExif.append((id, bytes, described))
        }
    }
}

final class FilesSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let asset, type, path: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        asset = try c.required("assetId")
        type = try c.required("type")
        path = try c.required("path")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, c, line: line)
        let id = try uuid(row, asset, c, line: line)!
        let kind = AssetFileKind(rawValue: CopyText.text(row.field(type)) ?? "") ?? .other
        let field = row.field(path)
        guard !CopyText.isNull(field) else { return }
        b.addFile(asset: id, kind: kind, path: CopyText.unescape(field))
    }
}

final class AlbumsSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let id, deleted: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        id = try c.required("id")
        deleted = c.index("deletedAt")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        let albumID = try uuid(row, id, c, line: line)!
        if deleted >= 0, !CopyText.isNull(row.field(deleted)) {
            b.deletedAlbums.insert(albumID)
        } else {
            b.albumCount += 1
        }
    }
}

final class JoinSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let asset, other: Int
    let kind: CatalogBuilder.MetaKind

    init(_ b: CatalogBuilder, _ c: Columns, asset: Int, other: Int, kind: CatalogBuilder.MetaKind) throws {
        self.b = b
        self.c = c
        self.asset = asset
        self.other = other
        self.kind = kind
    }

    func row(_ row: CopyRow, line: Int64) throws {
        let id = try uuid(row, asset, c, line: line)!
        let otherID = try uuid(row, other, c, line: line)!
        switch kind {
        case .album:
            if b.deletedAlbums.contains(otherID) { return }
            b.albumMemberships += 1
        case .sharedLink:
            b.sharedLinkAssetRows += 1
        case .tag:
            break
        }
        b.addMeta(asset: id, kind)
    }
}

final class FacesSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let asset, person, deleted: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        asset = try c.required("assetId")
        person = c.index("personId")
        deleted = c.index("deletedAt")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        if deleted >= 0, !CopyText.isNull(row.field(deleted)) { return }
        let id = try uuid(row, asset, c, line: line)!
        let personID = try uuid(row, person, c, line: line, required: false) ?? .zero
        b.faces.append((id, personID))
        b.faceCount += 1
    }
}

final class PeopleSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let id, owner, name, thumbnail: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        id = try c.required("id")
        owner = c.index("ownerId")
        name = c.index("name")
        thumbnail = c.index("thumbnailPath")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        let personID = try uuid(row, id, c, line: line)!
        let named = name >= 0 && !(CopyText.text(row.field(name)) ?? "").isEmpty
        var ref = PathRef.none
        if thumbnail >= 0, !CopyText.isNull(row.field(thumbnail)), !row.field(thumbnail).isEmpty {
            ref = b.paths.add(CopyText.unescape(row.field(thumbnail)), stem: personID.description)
        }
        b.people.append(CatalogPerson(id: personID, owner: try uuid(row, owner, c, line: line, required: false) ?? .zero,
                                      named: named, thumbnail: ref))
    }
}

final class SystemMetadataSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let key, value: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        key = try c.required("key")
        value = try c.required("value")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        guard let k = CopyText.text(row.field(key)), let v = CopyText.text(row.field(value)),
              let object = try? JSONSerialization.jsonObject(with: Data(v.utf8)) as? [String: Any] else { return }
        switch k {
        case "MediaLocation":
            b.savedMediaLocation = object["location"] as? String
        case "system-flags":
            if let checks = object["mountChecks"] as? [String: Any] {
                for (folder, flag) in checks { b.mountChecks[folder] = (flag as? Bool) ?? false }
            } else if let files = object["mountFiles"] as? Bool, files {
                // v1.115–v1.116 kept one flag for all folders.
                for folder in ["encoded-video", "library", "upload", "profile", "thumbs"] { b.mountChecks[folder] = true }
            }
        default:
            break
        }
    }
}

final class VersionSink: CopySink {
    unowned let b: CatalogBuilder
    let c: Columns
    let version, created: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        self.c = c
        version = try c.required("version")
        created = c.index("createdAt")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        guard let v = CopyText.text(row.field(version)) else { return }
        let time = created >= 0 ? CopyText.timestamp(row.field(created)) ?? 0 : Double(b.versions.count)
        b.versions.append((time, v))
    }
}

final class KyselySink: CopySink {
    unowned let b: CatalogBuilder
    let name: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        name = try c.required("name")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        guard let n = CopyText.text(row.field(name)) else { return }
        if b.newestKysely.map({ n > $0 }) ?? true { b.newestKysely = n }
    }
}

final class TypeORMSink: CopySink {
    unowned let b: CatalogBuilder
    let name, timestamp: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        self.b = b
        name = try c.required("name")
        timestamp = c.index("timestamp")
    }

    func row(_ row: CopyRow, line: Int64) throws {
        guard let n = CopyText.text(row.field(name)) else { return }
        let t = timestamp >= 0 ? CopyText.int(row.field(timestamp)) ?? 0 : 0
        if b.newestTypeORM.map({ t >= $0.timestamp }) ?? true { b.newestTypeORM = (t, n) }
    }
}
