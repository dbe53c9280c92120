// Builds a `Catalog` from the COPY rows of a dump. Each table Immich has had is recognised by every name it has
// had (assets/asset, exif/asset_exif, albums_assets_assets/album_asset, …), and each column is found by name in the
// COPY header, under every name it has had (albumsId/albumId, assetsId/assetId, …), so column order and added
// columns never matter and a dump of any release between the ones described works. The schema era is decided by
// the columns present, never guessed from a version. Tables that do not matter (smart_search, face_search,
// geodata…) are never decoded.
//
// pg_dump writes tables in name order, so some rows arrive before the asset they describe (album memberships and,
// in the old names, faces and files). Such rows wait in small pending lists and are joined at the end.

import DrillDeployment
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
    case albumUsers, assetEdits, integrityReport

    static let byName: [String: TableRole] = [
        "user": .users, "users": .users,
        "library": .libraries, "libraries": .libraries,
        "asset": .assets, "assets": .assets,
        "asset_exif": .exif, "exif": .exif,
        "asset_file": .files, "asset_files": .files,
        "album": .albums, "albums": .albums,
        "album_asset": .albumAssets, "albums_assets_assets": .albumAssets,
        "album_user": .albumUsers, "album_users": .albumUsers, "albums_shared_users_users": .albumUsers,
        "asset_edit": .assetEdits,
        "integrity_report": .integrityReport,
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
    var assets = ChunkedArray<AssetRecord>()
    var assetIndex = AssetIDTable()
    var files = ChunkedArray<AssetFileRecord>()
    var owners = SmallUUIDInterner()
    var assetLibraries = SmallUUIDInterner()
    var stacks = SmallUUIDInterner()
    var livePhotoVideos: [Int32: UUID16] = [:]
    /// People as faces name them, interned; `faceRows` joins faces to them once the person table is read.
    var facePeople = SmallUUIDInterner()
    var faceRows: [(asset: Int32, person: UInt32)] = []
    var pendingFaces: [(asset: UUID16, person: UInt32)] = []
    var people: [CatalogPerson] = []
    var paths = PathStore()
    var tablesSeen: [TableRole: String] = [:]

    // Rows that arrived before their asset.
    var pendingFiles: [(asset: UUID16, kind: AssetFileKind, edited: Bool, path: [UInt8])] = []
    var pendingMeta: [(asset: UUID16, what: MetaKind)] = []
    var pendingExif: [(asset: UUID16, size: Int64, described: Bool)] = []
    var deletedAlbums = Set<UUID16>()
    /// Live albums by id: owner (from album."ownerId", or the album_user owner row) and shares.
    var albums: [UUID16: CatalogAlbum] = [:]
    var albumOrder: [UUID16] = []
    var albumOwnerColumn: Bool?
    var albumOwnerRows = false
    var pendingAlbumUsers: [(album: UUID16, user: UUID16, owner: Bool)] = []
    var editCount = 0
    var editedFileCount = 0
    var integrity = IntegrityReport()
    var videoMilliseconds: Int64 = 0
    /// What the database knows of each library file's photo (capture time, camera, dimensions), for a relink.
    var libraryEvidence = EvidenceTable()
    var durationIsText: Bool?
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
    var statusColumn = false
    var offlineColumn = false

    // system_metadata and versions.
    var savedMediaLocation: String?
    var mountChecks: [String: Bool] = [:]
    var versions: [(time: Double, version: String)] = []
    var newestKysely: String?
    var newestTypeORM: (timestamp: Int64, name: String)?

    enum MetaKind { case album, tag, sharedLink, edit }

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
        case .albumUsers: return try AlbumUsersSink(self, columns)
        case .assetEdits: return try EditsSink(self, columns)
        case .integrityReport:
            integrity.present = true
            return try IntegritySink(self, columns)
        case .systemMetadata: return try SystemMetadataSink(self, columns)
        case .versionHistory: return try VersionSink(self, columns)
        case .kysely: return try KyselySink(self, columns)
        case .typeorm: return try TypeORMSink(self, columns)
        }
    }

    /// The index of the asset with `id`. Rows about assets mostly come in the order the assets were written, so the
    /// asset after the last one found is tried first: a sequential read instead of a random probe of the table.
    private var lookupHint = -1

    @inline(__always)
    func index(of id: UUID16) -> Int32? {
        let next = lookupHint + 1
        if next < assets.count, assets[next].id == id {
            lookupHint = next
            return Int32(next)
        }
        if lookupHint >= 0, lookupHint < assets.count, assets[lookupHint].id == id { return Int32(lookupHint) }
        guard let found = assetIndex.find(id, in: assets) else { return nil }
        lookupHint = Int(found)
        return found
    }

    /// Adds a file record now, or later when its asset is not read yet. `stem` is the asset id as the row wrote it.
    func addFile(asset id: UUID16, kind: AssetFileKind, edited: Bool = false, path: [UInt8],
                 stem: UnsafeRawBufferPointer? = nil) {
        guard !path.isEmpty else { return }
        if let index = index(of: id) {
            let ref = stem.map { paths.add(path, stemBytes: $0) } ?? paths.add(path, stem: id.description)
            files.append(AssetFileRecord(asset: index, kind: kind, edited: edited, path: ref))
        } else {
            pendingFiles.append((id, kind, edited, path))
        }
    }

    func addMeta(asset id: UUID16, _ what: MetaKind) {
        if let index = index(of: id) {
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
        case .edit: AssetMeta.bump(&assets[index].meta.edits)
        }
    }

    func applyExif(_ index: Int, size: Int64, described: Bool) {
        if size >= 0 { assets[index].fileSize = size }
        if described { assets[index].flags.insert(.described) }
    }

    func finish(identity: DumpIdentity, content: DumpContent) throws -> Catalog {
        // Join what waited for its asset.
        for pending in pendingFiles {
            guard let index = index(of: pending.asset) else { continue }
            files.append(AssetFileRecord(asset: index, kind: pending.kind, edited: pending.edited,
                                         path: paths.add(pending.path, stem: pending.asset.description)))
        }
        pendingFiles = []
        for pending in pendingMeta {
            if let index = index(of: pending.asset) { applyMeta(Int(index), pending.what) }
        }
        pendingMeta = []
        for pending in pendingExif {
            if let index = index(of: pending.asset) {
                applyExif(Int(index), size: pending.size, described: pending.described)
            }
        }
        pendingExif = []
        for face in pendingFaces {
            guard let index = index(of: face.asset) else { continue }
            AssetMeta.bump(&assets[Int(index)].meta.faces)
            faceRows.append((index, face.person))
        }
        pendingFaces = []
        let named = Set(people.filter(\.named).map(\.id))
        var namedPeople = Set<UInt32>()
        for id in named {
            if let index = facePeople.index(of: id) { namedPeople.insert(index) }
        }
        for face in faceRows where face.person != .max && namedPeople.contains(face.person) {
            AssetMeta.bump(&assets[Int(face.asset)].meta.namedFaces)
        }
        faceRows = []
        assetIndex = AssetIDTable()

        // Counts.
        var counts = CatalogCounts()
        var byOwner: [UUID16: AssetCounts] = [:]
        let prefix = detectMediaPrefix()
        let uploadPrefix = (prefix.map { $0 + "/upload/" } ?? "upload/").utf8
        let libraryPrefix = (prefix.map { $0 + "/library/" } ?? "library/").utf8
        for asset in assets {
            let ownerID = owners.ids[Int(asset.ownerIndex)]
            var owner = byOwner[ownerID] ?? AssetCounts()
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
            byOwner[ownerID] = owner
            if asset.flags.contains(.favorite) { counts.favorites += 1 }
            if asset.flags.contains(.described) { counts.descriptions += 1 }
            if asset.meta.tags > 0 { counts.taggedAssets += 1 }
            if asset.isStacked { counts.stackedAssets += 1 }
            if asset.meta.edits > 0 { counts.editedAssets += 1 }
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
        counts.livePhotos = livePhotoVideos.count
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
        // Album owners and shares: album_user rows (v3 owners, and the shares of every era) join their albums.
        for row in pendingAlbumUsers {
            guard albums[row.album] != nil else { continue }
            if row.owner { albums[row.album]!.owner = row.user } else { albums[row.album]!.shares += 1 }
        }
        pendingAlbumUsers = []
        let albumList = albumOrder.compactMap { albums[$0] }
        counts.sharedAlbums = albumList.filter { $0.shares > 0 }.count
        counts.albumShares = albumList.reduce(0) { $0 + $1.shares }
        counts.albumsWithoutOwner = albumList.filter { $0.owner == nil }.count
        counts.edits = editCount
        counts.editedFiles = editedFileCount
        counts.videoMilliseconds = videoMilliseconds
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
                code: .dumpIncomplete, severity: .critical, count: 1,
                message: "The dump is cut short: \(content.incompleteReason ?? "it did not end the way pg_dump ends a dump").",
                examples: [file],
                immichWill: "Not come back from this file: a restore stops at the cut (or, in one transaction, rolls back), leaving tables missing or empty.",
                remedy: "Restore from another dump, and find out why this one was cut (disk full, a killed backup job, an interrupted copy)."))
        }
        if identity.failed {
            findings.append(Finding(
                code: .dumpFailed, severity: .warning, count: 1,
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
            tables: tablesSeen.values.sorted(),
            albumOwners: albumOwnerColumn == true ? "album.ownerId (before v3)"
                : albumOwnerColumn == false ? "album_user role 'owner' (v3+)" : "unknown (no album table)",
            duration: durationIsText == true ? "text H:MM:SS.ffffff (before v3)"
                : durationIsText == false ? "integer milliseconds (v3+)" : "unknown (no video durations)",
            statusColumn: statusColumn, offlineColumn: offlineColumn)
        assets.shrink()
        files.shrink()
        return Catalog(identity: identity, content: content, schema: schema, users: users, libraries: libraries,
                       assets: assets, ownerIDs: owners.ids, libraryIDs: assetLibraries.ids,
                       livePhotoVideos: livePhotoVideos, stackIDs: stacks.ids, files: files, people: people,
                       albums: albumList, integrity: integrity, libraryEvidence: libraryEvidence, paths: paths, counts: counts,
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

/// A sink for one table's COPY block: the builder it fills and the block's columns, with the row checks every
/// table needs. Columns are touched only to word an error, so reading a row costs no reference counting.
class TableSink: CopySink {
    unowned(unsafe) let b: CatalogBuilder
    let c: Columns

    init(builder: CatalogBuilder, columns: Columns) {
        b = builder
        c = columns
    }

    func row(_ row: CopyRow, line: Int64) throws {}

    final func uuid(_ row: CopyRow, _ index: Int, line: Int64, required: Bool = true) throws -> UUID16? {
        guard index >= 0 else { return nil }
        let field = row.field(index)
        if let value = CopyText.uuid(field) { return value }
        if CopyText.isNull(field) {
            if required {
                throw DrillError(.input, file: c.file, line: Int(line),
                                 "table \(c.table): column \"\(c.names[index])\" is NULL; expected a UUID")
            }
            return nil
        }
        throw DrillError(.input, file: c.file, line: Int(line),
                         "table \(c.table): column \"\(c.names[index])\" holds '\(String(decoding: field.prefix(60), as: UTF8.self))'; expected a UUID")
    }

    final func checkWidth(_ row: CopyRow, line: Int64) throws {
        guard row.count == c.names.count else {
            throw DrillError(.input, file: c.file, line: Int(line),
                             "a row of table \(c.table) has \(row.count) fields; its COPY header has \(c.names.count) columns (is the dump damaged?)")
        }
    }
}

final class UsersSink: TableSink {
    let id, email, name, label, admin, deleted, profile: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        id = try c.required("id")
        email = c.index("email")
        name = c.index("name", "firstName")
        label = c.index("storageLabel")
        admin = c.index("isAdmin")
        deleted = c.index("deletedAt")
        profile = c.index("profileImagePath")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, line: line)
        let profilePath = profile >= 0 ? CopyText.text(row.field(profile)) : nil
        b.users.append(CatalogUser(
            id: try uuid(row, id, line: line)!,
            email: email >= 0 ? CopyText.text(row.field(email)) ?? "" : "",
            name: name >= 0 ? CopyText.text(row.field(name)) ?? "" : "",
            storageLabel: label >= 0 ? CopyText.text(row.field(label)) : nil,
            isAdmin: admin >= 0 ? CopyText.bool(row.field(admin)) ?? false : false,
            deleted: deleted >= 0 && !CopyText.isNull(row.field(deleted)),
            profileImagePath: profilePath?.isEmpty == true ? nil : profilePath))
    }
}

final class LibrariesSink: TableSink {
    let id, owner, name, imports, exclusions, deleted, type: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        id = try c.required("id")
        owner = try c.required("ownerId")
        name = c.index("name")
        imports = c.index("importPaths")
        exclusions = c.index("exclusionPatterns")
        deleted = c.index("deletedAt")
        type = c.index("type")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, line: line)
        func array(_ i: Int, _ what: String) throws -> [String] {
            guard i >= 0, !CopyText.isNull(row.field(i)) else { return [] }
            guard let values = CopyText.textArray(row.field(i)) else {
                throw DrillError(.input, file: c.file, line: Int(line),
                                 "table \(c.table): \(what) is not a text array ({…})")
            }
            return values.compactMap { $0 }
        }
        b.libraries.append(CatalogLibrary(
            id: try uuid(row, id, line: line)!, owner: try uuid(row, owner, line: line)!,
            name: name >= 0 ? CopyText.text(row.field(name)) ?? "" : "",
            importPaths: try array(imports, "importPaths"), exclusionPatterns: try array(exclusions, "exclusionPatterns"),
            deleted: deleted >= 0 && !CopyText.isNull(row.field(deleted)),
            type: type >= 0 ? CopyText.text(row.field(type)) : nil))
    }
}

final class AssetsSink: TableSink {
    let id, owner, type, path, fileName, checksum, algorithm, library, external, offline, deletedAt, favorite: Int
    let visibility, archived, visible, status, created, livePhoto, stack, sidecar, encoded: Int
    let previewPath, thumbnailPath, resizePath, webpPath, duration, localTime: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        id = try c.required("id")
        duration = c.index("duration")
        localTime = c.index("localDateTime")
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
        b.statusColumn = status >= 0
        b.offlineColumn = offline >= 0
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, line: line)
        let assetID = try uuid(row, id, line: line)!
        var flags: AssetFlags = []
        let libraryID = try uuid(row, library, line: line, required: false) ?? .zero
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
            let v = row.field(visibility)
            if CopyText.equals(v, "archive") {
                flags.insert(.archived)
            } else if CopyText.equals(v, "hidden") {
                flags.insert(.hidden)
            } else if CopyText.equals(v, "locked") {
                flags.insert(.locked)
            }
        } else {
            if archived >= 0, CopyText.bool(row.field(archived)) == true { flags.insert(.archived) }
            if visible >= 0, CopyText.bool(row.field(visible)) == false { flags.insert(.hidden) }
        }
        if status >= 0, CopyText.equals(row.field(status), "deleted") { flags.insert(.pendingDeletion) }

        let algorithmValue: ChecksumAlgorithm
        let algorithmField = algorithm >= 0 ? row.field(algorithm) : UnsafeRawBufferPointer(start: nil, count: 0)
        if CopyText.equals(algorithmField, "sha1") {
            algorithmValue = .sha1
        } else if CopyText.equals(algorithmField, "sha1-path") {
            algorithmValue = .sha1Path
        } else {
            algorithmValue = isExternal ? .sha1Path : .sha1
            flags.insert(.algorithmInferred)
        }
        let checksumField = row.field(checksum)
        let digest = CopyText.digest20(checksumField) ?? (CopyText.bytea(checksumField)).flatMap { Digest20($0) }
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
        let ownerID = try uuid(row, owner, line: line)!
        let stackID = try uuid(row, stack, line: line, required: false)
        b.assets.append(AssetRecord(
            id: assetID, checksum: digest ?? .zero, fileSize: -1,
            fileCreatedAt: created >= 0 ? CopyText.timestamp(row.field(created)) ?? .nan : .nan,
            originalPath: originalPath, originalFileName: nameRef, ownerIndex: b.owners.intern(ownerID),
            libraryIndex: libraryID.isZero ? 0 : b.assetLibraries.intern(libraryID) + 1,
            stackIndex: stackID.map { b.stacks.intern($0) + 1 } ?? 0, meta: AssetMeta(), flags: flags,
            type: type >= 0 ? AssetType(field: row.field(type)) : .other, algorithm: algorithmValue))
        if let video = try uuid(row, livePhoto, line: line, required: false) { b.livePhotoVideos[index] = video }
        if isExternal, localTime >= 0, let local = CopyText.timestamp(row.field(localTime)) {
            var e = b.libraryEvidence[index] ?? LibraryEvidence()
            e.localTime = local
            b.libraryEvidence[index] = e
        }
        if duration >= 0, let length = CopyText.duration(row.field(duration)) {
            b.durationIsText = length.text
            if length.milliseconds > 0 { b.videoMilliseconds += length.milliseconds }
        }
        b.assetIndex.insert(assetID, index: index, in: b.assets)

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

final class ExifSink: TableSink {
    let asset, size, description, original, make, model, width, height: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        asset = try c.required("assetId")
        size = c.index("fileSizeInByte")
        description = c.index("description")
        original = c.index("dateTimeOriginal")
        make = c.index("make")
        model = c.index("model")
        width = c.index("exifImageWidth")
        height = c.index("exifImageHeight")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, line: line)
        let id = try uuid(row, asset, line: line)!
        let bytes = size >= 0 ? CopyText.int(row.field(size)) ?? -1 : -1
        var described = false
        if description >= 0 {
            let field = row.field(description)
            if !CopyText.isNull(field), !field.isEmpty {
                described = !(CopyText.text(field) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            }
        }
        if let index = b.index(of: id) {
            b.applyExif(Int(index), size: bytes, described: described)
            if b.assets[Int(index)].flags.contains(.external) {
                // What a relink compares a library file's candidates with (its checksum is of its path).
                var e = b.libraryEvidence[index] ?? LibraryEvidence()
                if original >= 0 { e.original = CopyText.timestamp(row.field(original)) }
                if make >= 0 { e.make = CopyText.text(row.field(make)).flatMap { $0.isEmpty ? nil : $0 } }
                if model >= 0 { e.model = CopyText.text(row.field(model)).flatMap { $0.isEmpty ? nil : $0 } }
                if width >= 0 { e.width = CopyText.int(row.field(width)).map(Int.init) }
                if height >= 0 { e.height = CopyText.int(row.field(height)).map(Int.init) }
                b.libraryEvidence[index] = e
            }
        } else {
            b.pendingExif.append((id, bytes, described))
        }
    }
}

final class FilesSink: TableSink {
    let asset, type, path, edited: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        asset = try c.required("assetId")
        type = try c.required("type")
        path = try c.required("path")
        edited = c.index("isEdited")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, line: line)
        let id = try uuid(row, asset, line: line)!
        let kind = AssetFileKind(field: row.field(type))
        let field = row.field(path)
        guard !CopyText.isNull(field) else { return }
        let isEdited = edited >= 0 && CopyText.bool(row.field(edited)) == true
        if isEdited { b.editedFileCount += 1 }
        b.addFile(asset: id, kind: kind, edited: isEdited, path: CopyText.unescape(field), stem: row.field(asset))
    }
}

final class AlbumsSink: TableSink {
    let id, deleted, owner: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        id = try c.required("id")
        deleted = c.index("deletedAt")
        owner = c.index("ownerId")
        b.albumOwnerColumn = owner >= 0
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        let albumID = try uuid(row, id, line: line)!
        if deleted >= 0, !CopyText.isNull(row.field(deleted)) {
            b.deletedAlbums.insert(albumID)
        } else {
            b.albumCount += 1
            if b.albums[albumID] == nil { b.albumOrder.append(albumID) }
            b.albums[albumID] = CatalogAlbum(id: albumID, owner: try uuid(row, owner, line: line, required: false), shares: 0)
        }
    }
}

/// `album_user` (and `albums_shared_users_users` before it): the shares, and from v3 the owner (role `owner`).
final class AlbumUsersSink: TableSink {
    let album, user, role: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        album = try c.required("albumId", "albumsId")
        user = try c.required("userId", "usersId")
        role = c.index("role")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        let isOwner = role >= 0 && CopyText.equals(row.field(role), "owner")
        if isOwner { b.albumOwnerRows = true }
        b.pendingAlbumUsers.append((try uuid(row, album, line: line)!, try uuid(row, user, line: line)!, isOwner))
    }
}

/// `asset_edit` (v3): edits kept only in the database.
final class EditsSink: TableSink {
    let asset: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        asset = try c.required("assetId")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        b.editCount += 1
        b.addMeta(asset: try uuid(row, asset, line: line)!, .edit)
    }
}

/// `integrity_report` (v3): what Immich's own integrity check found.
final class IntegritySink: TableSink {
    let type, path: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        type = try c.required("type")
        path = try c.required("path")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        try checkWidth(row, line: line)
        guard let kind = CopyText.text(row.field(type)), let stored = CopyText.text(row.field(path)) else { return }
        b.integrity.add(type: kind, path: stored)
    }
}

final class JoinSink: TableSink {
    let asset, other: Int
    let kind: CatalogBuilder.MetaKind

    init(_ b: CatalogBuilder, _ c: Columns, asset: Int, other: Int, kind: CatalogBuilder.MetaKind) throws {
        self.asset = asset
        self.other = other
        self.kind = kind
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        let id = try uuid(row, asset, line: line)!
        let otherID = try uuid(row, other, line: line)!
        switch kind {
        case .album:
            if b.deletedAlbums.contains(otherID) { return }
            b.albumMemberships += 1
        case .sharedLink:
            b.sharedLinkAssetRows += 1
        case .tag, .edit:
            break
        }
        b.addMeta(asset: id, kind)
    }
}

final class FacesSink: TableSink {
    let asset, person, deleted: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        asset = try c.required("assetId")
        person = c.index("personId")
        deleted = c.index("deletedAt")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        if deleted >= 0, !CopyText.isNull(row.field(deleted)) { return }
        let id = try uuid(row, asset, line: line)!
        let personIndex = try uuid(row, person, line: line, required: false).map { b.facePeople.intern($0) } ?? .max
        if let index = b.index(of: id) {
            AssetMeta.bump(&b.assets[Int(index)].meta.faces)
            if personIndex != .max { b.faceRows.append((index, personIndex)) }
        } else {
            b.pendingFaces.append((id, personIndex))
        }
        b.faceCount += 1
    }
}

final class PeopleSink: TableSink {
    let id, owner, name, thumbnail: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        id = try c.required("id")
        owner = c.index("ownerId")
        name = c.index("name")
        thumbnail = c.index("thumbnailPath")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        let personID = try uuid(row, id, line: line)!
        let named = name >= 0 && !(CopyText.text(row.field(name)) ?? "").isEmpty
        var ref = PathRef.none
        if thumbnail >= 0, !CopyText.isNull(row.field(thumbnail)), !row.field(thumbnail).isEmpty {
            ref = b.paths.add(CopyText.unescape(row.field(thumbnail)), stem: personID.description)
        }
        b.people.append(CatalogPerson(id: personID, owner: try uuid(row, owner, line: line, required: false) ?? .zero,
                                      named: named, thumbnail: ref))
    }
}

final class SystemMetadataSink: TableSink {
    let key, value: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        key = try c.required("key")
        value = try c.required("value")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
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

final class VersionSink: TableSink {
    let version, created: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        version = try c.required("version")
        created = c.index("createdAt")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        guard let v = CopyText.text(row.field(version)) else { return }
        let time = created >= 0 ? CopyText.timestamp(row.field(created)) ?? 0 : Double(b.versions.count)
        b.versions.append((time, v))
    }
}

final class KyselySink: TableSink {
    let name: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        name = try c.required("name")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        guard let n = CopyText.text(row.field(name)) else { return }
        if b.newestKysely.map({ n > $0 }) ?? true { b.newestKysely = n }
    }
}

final class TypeORMSink: TableSink {
    let name, timestamp: Int

    init(_ b: CatalogBuilder, _ c: Columns) throws {
        name = try c.required("name")
        timestamp = c.index("timestamp")
        super.init(builder: b, columns: c)
    }

    override func row(_ row: CopyRow, line: Int64) throws {
        guard let n = CopyText.text(row.field(name)) else { return }
        let t = timestamp >= 0 ? CopyText.int(row.field(timestamp)) ?? 0 : 0
        if b.newestTypeORM.map({ t >= $0.timestamp }) ?? true { b.newestTypeORM = (t, n) }
    }
}
