// The catalog: what a dump says exists. Users, libraries (import paths, exclusion patterns), every asset with its
// path, checksum and algorithm, owner, library, offline/trash state and size, every generated file (thumbnails,
// previews, encoded video, sidecars), and the database-only metadata hanging off each asset (album memberships,
// favorites, descriptions, faces, tags, shared links, stacks). Assets are compact records with paths in a
// `PathStore`, so memory grows with the assets, not with the dump.

import DrillDeployment
import Foundation

/// Immich's asset types.
package enum AssetType: UInt8, Sendable, Codable {
    case image, video, audio, other

    init(field: UnsafeRawBufferPointer) {
        if CopyText.equals(field, "IMAGE") {
            self = .image
        } else if CopyText.equals(field, "VIDEO") {
            self = .video
        } else if CopyText.equals(field, "AUDIO") {
            self = .audio
        } else {
            self = .other
        }
    }
}

/// How an asset's checksum was computed (IMMICH.md §4).
package enum ChecksumAlgorithm: String, Sendable, Codable {
    /// SHA-1 of the file's bytes (uploads).
    case sha1
    /// SHA-1 of `path:` + the container path (external-library assets).
    case sha1Path = "sha1-path"
}

/// Boolean facts about an asset.
package struct AssetFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    /// In an external library (`isExternal`).
    public static let external = AssetFlags(rawValue: 1 << 0)
    /// `isOffline`: its file was missing at the last library scan.
    package static let offline = AssetFlags(rawValue: 1 << 1)
    /// In the trash (`deletedAt` set).
    package static let trashed = AssetFlags(rawValue: 1 << 2)
    package static let favorite = AssetFlags(rawValue: 1 << 3)
    /// A non-empty description in its EXIF row.
    package static let described = AssetFlags(rawValue: 1 << 4)
    package static let archived = AssetFlags(rawValue: 1 << 5)
    /// Hidden from the timeline (the video part of a live photo, `isVisible = false`).
    package static let hidden = AssetFlags(rawValue: 1 << 6)
    /// In the locked folder.
    package static let locked = AssetFlags(rawValue: 1 << 7)
    /// The checksum algorithm was inferred (no `checksumAlgorithm` column).
    package static let algorithmInferred = AssetFlags(rawValue: 1 << 8)
    /// `status = 'deleted'`: pending removal.
    package static let pendingDeletion = AssetFlags(rawValue: 1 << 9)
    /// The checksum is not 20 bytes.
    package static let oddChecksum = AssetFlags(rawValue: 1 << 10)
}

/// Counts of database-only metadata on one asset (saturating at 65535).
package struct AssetMeta: Sendable, Hashable {
    package var albums: UInt16 = 0
    package var faces: UInt16 = 0
    package var namedFaces: UInt16 = 0
    package var tags: UInt16 = 0
    package var sharedLinks: UInt16 = 0
    /// `asset_edit` rows (v3): crops, rotations and mirrors kept only in the database.
    package var edits: UInt16 = 0

    package init() {}

    /// True when the asset holds any database-only metadata beyond favorite and description flags.
    package var any: Bool { albums > 0 || faces > 0 || tags > 0 || sharedLinks > 0 || edits > 0 }

    static func bump(_ value: inout UInt16) { if value < .max { value += 1 } }
}

/// One asset, compactly: 112 bytes. Owners, libraries and stacks are small indexes into the catalog's tables; the
/// rare live-photo partner lives in a side table.
package struct AssetRecord: Sendable {
    public var id: UUID16
    package var checksum: Digest20
    /// From EXIF `fileSizeInByte`; -1 when unknown.
    package var fileSize: Int64
    /// Seconds since 1970; NaN when unknown.
    package var fileCreatedAt: Double
    package var originalPath: PathRef
    package var originalFileName: PathRef
    /// Index into `Catalog.ownerIDs`.
    package var ownerIndex: UInt32
    /// 1 + index into `Catalog.libraryIDs`; 0 when the asset is in no library.
    var libraryIndex: UInt32
    /// 1 + index into the stack ids; 0 when not stacked.
    var stackIndex: UInt32
    package var meta: AssetMeta
    package var flags: AssetFlags
    public var type: AssetType
    package var algorithm: ChecksumAlgorithm

    /// True when the asset is in a stack.
    package var isStacked: Bool { stackIndex != 0 }
}

/// Kinds of generated or companion files (`asset_file.type`, and the old path columns).
package enum AssetFileKind: String, Sendable, Codable, CaseIterable {
    case thumbnail, preview, fullsize, sidecar
    case encodedVideo = "encoded_video"
    case other

    init(field: UnsafeRawBufferPointer) {
        if CopyText.equals(field, "thumbnail") {
            self = .thumbnail
        } else if CopyText.equals(field, "preview") {
            self = .preview
        } else if CopyText.equals(field, "fullsize") {
            self = .fullsize
        } else if CopyText.equals(field, "sidecar") {
            self = .sidecar
        } else if CopyText.equals(field, "encoded_video") {
            self = .encodedVideo
        } else {
            self = .other
        }
    }
}

/// One file belonging to an asset.
package struct AssetFileRecord: Sendable {
    /// Index into `Catalog.assets`.
    package var asset: Int32
    public var kind: AssetFileKind
    /// An edited rendition (`asset_file.isEdited`, v3: `…_edited.webp`).
    package var edited = false
    public var path: PathRef

    package init(asset: Int32, kind: AssetFileKind, edited: Bool = false, path: PathRef) {
        self.asset = asset
        self.kind = kind
        self.edited = edited
        self.path = path
    }
}

/// What the database holds about a library file's photo besides its name and size: `asset.localDateTime` (the
/// capture time's wall clock), `asset_exif.dateTimeOriginal`, camera make and model, EXIF dimensions.
package struct LibraryEvidence: Sendable, Equatable {
    package var localTime: Double?
    package var original: Double?
    package var make: String?
    package var model: String?
    package var width: Int?
    package var height: Int?

    package init() {}
}

/// Library evidence by asset index: 32 bytes an asset that has some and 4 an asset before it (a quarter of a million
/// library assets took over thirty megabytes as optional fields in a dictionary). Times are NaN when unknown, camera
/// names interned, dimensions Int32.
package struct EvidenceTable: Sendable {
    private struct Row: Sendable {
        var localTime = Double.nan
        var original = Double.nan
        var make: UInt32 = 0
        var model: UInt32 = 0
        var width = Int32.min
        var height = Int32.min
    }
    /// 1 + the row of each asset index; 0 for none.
    private var rowOf = ChunkedArray<UInt32>()
    private var rows = ChunkedArray<Row>()
    private var names: [String] = []
    private var nameIndex: [String: UInt32] = [:]

    package init() {}

    /// How many assets have evidence.
    package var count: Int { rows.count }

    package subscript(_ asset: Int32) -> LibraryEvidence? {
        get {
            let i = Int(asset)
            guard i >= 0, i < rowOf.count, rowOf[i] != 0 else { return nil }
            let row = rows[Int(rowOf[i]) - 1]
            var e = LibraryEvidence()
            e.localTime = row.localTime.isNaN ? nil : row.localTime
            e.original = row.original.isNaN ? nil : row.original
            e.make = row.make == 0 ? nil : names[Int(row.make) - 1]
            e.model = row.model == 0 ? nil : names[Int(row.model) - 1]
            e.width = row.width == .min ? nil : Int(row.width)
            e.height = row.height == .min ? nil : Int(row.height)
            return e
        }
        set {
            let i = Int(asset)
            guard i >= 0, let newValue else { return }
            while rowOf.count <= i { rowOf.append(0) }
            var row = Row()
            row.localTime = newValue.localTime ?? .nan
            row.original = newValue.original ?? .nan
            row.make = intern(newValue.make)
            row.model = intern(newValue.model)
            row.width = newValue.width.map { Int32(clamping: $0) } ?? .min
            row.height = newValue.height.map { Int32(clamping: $0) } ?? .min
            if rowOf[i] == 0 {
                rows.append(row)
                rowOf[i] = UInt32(rows.count)
            } else {
                rows[Int(rowOf[i]) - 1] = row
            }
        }
    }

    private mutating func intern(_ name: String?) -> UInt32 {
        guard let name else { return 0 }
        if let known = nameIndex[name] { return known }
        names.append(name)
        let index = UInt32(names.count)
        nameIndex[name] = index
        return index
    }
}

/// An album: its owner (`album."ownerId"`, or from v3 the `album_user` row with role `owner`) and how many other
/// users it is shared with.
package struct CatalogAlbum: Sendable, Equatable {
    public var id: UUID16
    /// Nil when the dump names no owner (a v3 album without its owner row).
    public var owner: UUID16?
    package var shares: Int
}

/// Immich's own integrity check as a v3 dump records it (`integrity_report`): what it found untracked, missing or
/// with a checksum mismatch at its last run.
package struct IntegrityReport: Sendable, Equatable {
    /// The types Immich writes.
    package static let types = ["untracked_file", "missing_file", "checksum_mismatch"]
    /// The most paths kept per type (the counts are always whole).
    package static let maxPaths = 200_000

    /// Rows by type.
    package var counts: [String: Int] = [:]
    /// The paths by type, as Immich stored them (container paths), up to `maxPaths` each.
    package var paths: [String: Set<String>] = [:]
    /// True when the dump has the table at all (a v3 dump), even empty.
    package var present = false

    package var total: Int { counts.values.reduce(0, +) }

    /// `3 missing file(s)`, `1 checksum mismatch(es)`.
    package static func describe(_ count: Int, _ type: String) -> String {
        switch type {
        case "untracked_file": "\(count) untracked file(s)"
        case "missing_file": "\(count) missing file(s)"
        case "checksum_mismatch": "\(count) checksum mismatch(es)"
        default: "\(count) \(type)"
        }
    }

    /// Counts by type, the known types first, as one phrase.
    package static func describe(_ counts: [String: Int]) -> String {
        let order = types + counts.keys.filter { !types.contains($0) }.sorted()
        return order.compactMap { type in counts[type].map { describe($0, type) } }.joined(separator: ", ")
    }

    package init() {}

    mutating func add(type: String, path: String) {
        counts[type, default: 0] += 1
        if paths[type, default: []].count < IntegrityReport.maxPaths { paths[type, default: []].insert(path) }
    }

    /// True when Immich recorded `path` as `type`.
    package func recorded(_ type: String, _ path: String) -> Bool { paths[type]?.contains(path) ?? false }

    /// What a finding adds when Immich's own check recorded `known` of its `total` files as `type`: empty when none.
    package static func knownNote(known: Int, of total: Int, type: String) -> String {
        guard known > 0 else { return "" }
        return known == total
            ? " Known to Immich: its own integrity check recorded \(known == 1 ? "it" : "all \(known)") (integrity_report \(type))."
            : " Known to Immich for \(known) of \(total): its own integrity check recorded them (integrity_report \(type)); the others it did not see."
    }
}

/// A user.
package struct CatalogUser: Sendable, Codable, Equatable {
    public var id: UUID16
    package var email: String
    public var name: String
    package var storageLabel: String?
    package var isAdmin: Bool
    package var deleted: Bool
    package var profileImagePath: String?

    package init(id: UUID16, email: String, name: String, storageLabel: String? = nil, isAdmin: Bool, deleted: Bool, profileImagePath: String? = nil) {
        self.id = id
        self.email = email
        self.name = name
        self.storageLabel = storageLabel
        self.isAdmin = isAdmin
        self.deleted = deleted
        self.profileImagePath = profileImagePath
    }
}

/// A library (external, or the per-user upload libraries of v1.79–v1.10x).
package struct CatalogLibrary: Sendable, Codable, Equatable {
    public var id: UUID16
    public var owner: UUID16
    public var name: String
    package var importPaths: [String]
    package var exclusionPatterns: [String]
    package var deleted: Bool
    /// `UPLOAD` or `EXTERNAL` in the releases that had library types; nil after.
    public var type: String?

    /// True for a library whose files live in its import paths (every library but an old UPLOAD one).
    package var isExternal: Bool { type != "UPLOAD" }
}

/// A person (face cluster).
package struct CatalogPerson: Sendable {
    public var id: UUID16
    public var owner: UUID16
    public var named: Bool
    package var thumbnail: PathRef
}

/// Which names and columns the dump used, decided from its COPY headers.
package struct SchemaReport: Sendable, Codable, Equatable {
    /// `v1.136+ (asset, user, …)` or `before v1.136 (assets, users, …)`.
    package var tableNames: String
    /// `v2.3+ (albumId, assetId)` or `before v2.3 (albumsId, assetsId)`.
    package var joinColumns: String
    /// `asset.sidecarPath` or `asset_file (type 'sidecar')`.
    package var sidecars: String
    /// `asset.encodedVideoPath` or `asset_file (type 'encoded_video')`.
    package var encodedVideo: String
    /// `column` or `inferred (library assets: sha1-path)`.
    package var checksumAlgorithm: String
    /// `visibility` or `isArchived/isVisible`.
    package var visibility: String

    /// The tables read, by the name the dump used.
    package var tables: [String]
    /// `album."ownerId"` or `album_user role 'owner' (v3+)`.
    package var albumOwners: String = "unknown (no album table)"
    /// `text H:MM:SS.ffffff (before v3)` or `integer milliseconds (v3+)`.
    package var duration: String = "unknown (no video durations)"
    /// Whether the asset table has `status` and `isOffline` (what a relink may set back).
    package var statusColumn = false
    package var offlineColumn = false
}

/// Asset counts for one owner, or for all.
package struct AssetCounts: Sendable, Codable, Equatable {
    public var assets = 0
    /// Uploaded originals kept in `upload/`.
    package var uploaded = 0
    /// Uploaded originals moved into `library/` by the storage template.
    package var libraryFiles = 0
    public var external = 0
    package var offline = 0
    package var trashed = 0
    package var images = 0
    public var videos = 0
    public var bytes: Int64 = 0

    package init() {}
}

/// The counts `catalog` reports.
package struct CatalogCounts: Sendable, Codable, Equatable {
    public var assets = 0
    package var uploaded = 0
    package var libraryFiles = 0
    public var external = 0
    package var offline = 0
    package var trashed = 0
    public var users = 0
    public var libraries = 0
    package var albums = 0
    package var albumMemberships = 0
    package var favorites = 0
    package var descriptions = 0
    package var faces = 0
    package var namedFaces = 0
    package var people = 0
    package var namedPeople = 0
    package var tags = 0
    package var taggedAssets = 0
    package var sharedLinks = 0
    package var sharedLinkAssets = 0
    package var stacks = 0
    package var stackedAssets = 0
    package var livePhotos = 0
    package var sidecars = 0
    package var encodedVideos = 0
    package var thumbnails = 0
    package var previews = 0
    package var personThumbnails = 0
    /// Albums shared with at least one other user, and the shares (editor and viewer rows).
    package var sharedAlbums = 0
    package var albumShares = 0
    /// Albums the dump names no owner for (v3: no `album_user` row with role owner).
    package var albumsWithoutOwner = 0
    /// v3 edits: `asset_edit` rows, the assets they edit, and the edited renditions (`asset_file.isEdited`).
    package var edits = 0
    package var editedAssets = 0
    package var editedFiles = 0
    /// The videos' total length in milliseconds (from `asset.duration`).
    package var videoMilliseconds: Int64 = 0
    public var bytes: Int64 = 0

    package init() {}
}

/// Everything a dump says.
public struct Catalog: Sendable {
    package var identity: DumpIdentity
    package var content: DumpContent
    package var schema: SchemaReport
    package var users: [CatalogUser]
    package var libraries: [CatalogLibrary]
    package var assets: ChunkedArray<AssetRecord>
    /// The distinct owner ids, indexed by `AssetRecord.ownerIndex`.
    package var ownerIDs: [UUID16]
    /// The distinct library ids assets name.
    package var libraryIDs: [UUID16]
    /// The video part of each live photo, by the still's index in `assets`.
    package var livePhotoVideos: [Int32: UUID16]
    /// The distinct stack ids, indexed by `AssetRecord.stackIndex - 1`.
    package var stackIDs: [UUID16]
    package var files: ChunkedArray<AssetFileRecord>
    package var people: [CatalogPerson]
    package var albums: [CatalogAlbum] = []
    /// Immich's own integrity report in the dump (v3).
    package var integrity = IntegrityReport()
    /// What the database knows of each library file's photo, by asset index (library assets only).
    package var libraryEvidence = EvidenceTable()
    package var paths: PathStore
    package var counts: CatalogCounts
    package var countsByOwner: [UUID16: AssetCounts]
    /// `system_metadata.MediaLocation`, when saved (v1.137+).
    package var savedMediaLocation: String?
    /// The media root the paths use: `upload` (relative, before v1.136), `/usr/src/app/upload`, `/data`, or custom.
    package var mediaPrefix: String?
    /// `system_metadata['system-flags'].mountChecks`: the folders whose `.immich` marker Immich will demand.
    package var mountChecks: [String: Bool]
    /// The Immich version the database last ran, and where that came from.
    package var immichVersion: String?
    package var immichVersionSource: String?
    /// The newest migration recorded (kysely or TypeORM).
    package var newestMigration: String?
    package var findings: [Finding]

    /// The major version of the Immich release the dump is from (`v3.1.0` → 3), when known.
    package var immichMajor: Int? {
        guard let version = immichVersion else { return nil }
        let digits = version.drop { $0 == "v" }.prefix { $0.isNumber }
        return Int(digits)
    }

    /// An asset's original path as stored in the database.
    package func originalPath(_ asset: AssetRecord) -> String { paths.string(asset.originalPath) }

    /// An asset's original file name.
    package func originalFileName(_ asset: AssetRecord) -> String { paths.name(asset.originalFileName) }

    /// A file's path as stored in the database.
    package func path(_ file: AssetFileRecord) -> String {
        paths.string(file.path, stem: assets[Int(file.asset)].id.description)
    }

    /// A person's thumbnail path.
    package func thumbnailPath(_ person: CatalogPerson) -> String {
        paths.string(person.thumbnail, stem: person.id.description)
    }

    /// The user with `id`.
    package func user(_ id: UUID16) -> CatalogUser? { users.first { $0.id == id } }

    /// An asset's owner.
    package func owner(of asset: AssetRecord) -> UUID16 { ownerIDs[Int(asset.ownerIndex)] }

    /// An asset's stack, nil when it is in none.
    package func stack(of asset: AssetRecord) -> UUID16? {
        asset.stackIndex == 0 ? nil : stackIDs[Int(asset.stackIndex) - 1]
    }

    /// An asset's library, nil when it is in none.
    package func library(of asset: AssetRecord) -> UUID16? {
        asset.libraryIndex == 0 ? nil : libraryIDs[Int(asset.libraryIndex) - 1]
    }
}
