// The demo's library: users, assets, albums, people, faces, tags, shared links and stacks, made deterministically
// from a seed, laid out the way Immich lays out a real install of the chosen era (IMMICH.md §7), and written as
// files with real bytes and as database rows with real checksums.

import DrillSnapshots
import Crypto
import Foundation

/// A small, fast, deterministic random number generator (SplitMix64).
package struct DemoRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A version-4 UUID.
    package mutating func uuid() -> UUID16 {
        UUID16(high: (next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000,
               low: (next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000)
    }

    package mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

/// What kind of original an asset is.
package enum DemoAssetKind: String, Sendable, Codable {
    /// Uploaded, in `upload/`.
    case upload
    /// Uploaded and moved by the storage template into `library/`.
    case template
    /// In the external library on the NAS.
    case external
}

/// One asset of the demo, compactly (no heap storage, about a hundred bytes): its paths and names are derived from
/// these fields, so a million assets take about a hundred megabytes.
package struct DemoAsset: Sendable {
    public var id: UUID16
    /// The owner's id (`upload/<id>/…`, and `library/<id>/…` when the owner has no storage label).
    package var ownerID: UUID16
    public var size: Int64
    /// When it was uploaded or first scanned (seconds since 1970); files exist and rows are dumped from then.
    package var createdAt: Double
    package var takenAt: Double
    /// SHA-1 of the bytes (uploads); filled before the files are written.
    package var contentSHA1 = Digest20.zero
    /// The asset's number in the library, for file names.
    public var number: Int32
    private var livePhotoVideoIndex: Int32 = -1
    private var stackIndex: Int32 = -1
    private var ownerIndex: UInt8
    private var shareIndex: UInt8 = 0
    public var kind: DemoAssetKind
    /// 0: no XMP sidecar; 1: `IMG_1.jpg.xmp`; 2: `IMG_1.xmp` (Immich reads both).
    package var sidecarStyle: UInt8 = 0
    package var isVideo: Bool
    /// The video part of a live photo: hidden from the timeline, a `.mov`.
    package var hidden = false
    /// Edited in the app (v3): it has `asset_edit` rows and `_edited` renditions.
    package var edited = false
    package var favorite = false
    package var hasDescription = false
    package var trashed = false
    package var offline = false
    package var archived = false
    /// Moved on the NAS into `Sorted/` (the `moved` fault).
    package var moved = false
    /// Reorganised by an Elodie-style tool (the `reorganised` fault): renamed into a date folder, EXIF rewritten.
    package var reorganised = false

    init(id: UUID16, owner: Int, ownerID: UUID16, number: Int32, kind: DemoAssetKind, isVideo: Bool, size: Int64,
         createdAt: Double, takenAt: Double) {
        self.id = id
        self.ownerID = ownerID
        ownerIndex = UInt8(owner)
        self.number = number
        self.kind = kind
        self.isVideo = isVideo
        self.size = size
        self.createdAt = createdAt
        self.takenAt = takenAt
    }

    /// The owner (index into `DemoLibrary.users`).
    public var owner: Int { Int(ownerIndex) }
    /// Which external import path (index into `DemoLibrary.importPaths`) an external asset is under.
    package var share: Int {
        get { Int(shareIndex) }
        set { shareIndex = UInt8(newValue) }
    }
    /// The video part of this live photo (index into `DemoLibrary.assets`).
    package var livePhotoVideo: Int? {
        get { livePhotoVideoIndex < 0 ? nil : Int(livePhotoVideoIndex) }
        set { livePhotoVideoIndex = newValue.map(Int32.init) ?? -1 }
    }
    /// Its stack (index into `DemoLibrary.stacks`).
    package var stack: Int? {
        get { stackIndex < 0 ? nil : Int(stackIndex) }
        set { stackIndex = newValue.map(Int32.init) ?? -1 }
    }
    /// The owner's storage label (`library/<label>/…`).
    package var ownerLabel: String? { DemoLibrary.accounts[owner].label }

    /// The random-looking upload UUID an upload's file is named by (Immich names uploads by a fresh UUID, not by the
    /// asset id), derived from the id.
    package var fileID: UUID16 {
        var mix = DemoRandom(seed: id.high ^ (id.low &* 0x9E37_79B9_7F4A_7C15))
        return mix.uuid()
    }

    /// The seed of the original's bytes (its derivatives use the next ones).
    var fileSeed: UInt64 { id.low ^ id.high }

    /// A video's length in milliseconds (a live photo's motion part is about three seconds); nil for a still.
    package var durationMilliseconds: Int64? {
        guard isVideo else { return nil }
        return hidden ? 2_500 + Int64(fileSeed % 1_000) : 3_000 + Int64(fileSeed % 177_000)
    }

    /// The camera model its EXIF and its `asset_exif` row name.
    package var cameraModel: String {
        isVideo ? "Camcorder" : ["Camera", "Pixel 8", "iPhone 15 Pro"][Int(fileSeed % 3)]
    }

    /// Its pixel dimensions, as EXIF and the database have them.
    package var pixels: (width: Int, height: Int) {
        isVideo ? (1920, 1080) : [(4000, 3000), (3000, 4000), (4032, 3024)][Int((fileSeed >> 8) % 3)]
    }

    /// The camera's file name.
    package var fileName: String {
        if isVideo && hidden { return "IMG_" + DemoAsset.digits(Int(number), 5) + ".MOV" }
        if isVideo {
            let (y, m, d) = CopyValue.civil(Int(takenAt / 86_400))
            return "VID_" + DemoAsset.digits(y, 4) + DemoAsset.digits(m, 2) + DemoAsset.digits(d, 2) + "_"
                + DemoAsset.digits(Int(number), 6) + ".mp4"
        }
        return "IMG_" + DemoAsset.digits(Int(number), 5) + ".jpg"
    }

    /// `value` in decimal, zero-padded to at least `width` digits (as `%0*d` writes it, without Foundation).
    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    package var originalFileName: String { fileName }

    /// The path relative to its root: UPLOAD_LOCATION for upload/template, the NAS share for external.
    package var relativePath: String {
        switch kind {
        case .upload:
            let f = fileID.description
            let ext = hidden ? "mov" : isVideo ? "mp4" : "jpg"
            return "upload/\(ownerID)/\(f.prefix(2))/\(f.dropFirst(2).prefix(2))/\(f).\(ext)"
        case .template:
            let (y, m, d) = CopyValue.civil(Int(takenAt / 86_400))
            let year = DemoAsset.digits(y, 4)
            return "library/" + (ownerLabel ?? ownerID.description) + "/" + year + "/" + year + "-" + DemoAsset.digits(m, 2)
                + "-" + DemoAsset.digits(d, 2) + "/" + fileName
        case .external:
            let (y, m, _) = CopyValue.civil(Int(takenAt / 86_400))
            if reorganised {
                // Elodie's default layout: `2024-07-Jul/Unknown Location/2024-07-01_12-00-00-img_00030.jpg`.
                let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                let (_, _, d) = CopyValue.civil(Int(takenAt / 86_400))
                let t = Int(takenAt) % 86_400
                let day = DemoAsset.digits(y, 4) + "-" + DemoAsset.digits(m, 2)
                let stamp = day + "-" + DemoAsset.digits(d, 2) + "_" + DemoAsset.digits(t / 3600, 2) + "-"
                    + DemoAsset.digits(t / 60 % 60, 2) + "-" + DemoAsset.digits(t % 60, 2)
                return day + "-" + months[m - 1] + "/Unknown Location/" + stamp + "-" + fileName.lowercased()
            }
            let path = DemoAsset.digits(y, 4) + "/" + DemoAsset.digits(m, 2) + "/" + fileName
            return moved ? "Sorted/" + path : path
        }
    }

    public var description: String {
        hasDescription ? "Day \(number): \"summer\" at the lake\twith tabs\nand a second line" : ""
    }

    /// The XMP sidecar's relative path, in one of Immich's two naming styles.
    package var sidecar: String? {
        switch sidecarStyle {
        case 1: relativePath + ".xmp"
        case 2: (relativePath as NSString).deletingPathExtension + ".xmp"
        default: nil
        }
    }

    /// Gives the asset to `user`.
    mutating func setOwner(_ index: Int, _ user: DemoLibrary.User) {
        ownerIndex = UInt8(index)
        ownerID = user.id
    }
}

/// The whole demo library.
package struct DemoLibrary: Sendable {
    /// A demo user, with the storage label their files are filed under.
    package struct User: Sendable {
        public var id: UUID16
        package var email: String
        public var name: String
        package var storageLabel: String?
        package var isAdmin: Bool
        package var profileImage: String
    }

    /// A recognised person in the demo library (faces point at them).
    package struct Person: Sendable {
        public var id: UUID16
        public var owner: Int
        public var name: String
    }

    public var era: DumpTemplate.Era
    public var users: [User] = []
    package var libraryID: UUID16
    /// The external library's import paths inside the container, and the NAS shares they are on.
    package static let importPaths = ["/mnt/media/photos", "/mnt/media/family"]
    public static let shares = ["photos", "family"]
    /// The users: e-mail, name, storage label, admin.
    static let accounts: [(email: String, name: String, label: String?, admin: Bool)] = [
        ("admin@example.com", "Admin", "admin", true), ("sam@example.com", "Sam", nil, false),
        ("alex@example.com", "Alex", "alex", false),
    ]
    public var assets: [DemoAsset] = []
    package var albums: [(id: UUID16, owner: Int, name: String, assets: [Int])] = []
    package var people: [Person] = []
    package var faces: [(asset: Int, person: Int?)] = []
    package var tags: [(id: UUID16, value: String)] = []
    package var tagged: [(asset: Int, tag: Int)] = []
    package var sharedLink: (id: UUID16, assets: [Int])
    package var stacks: [(id: UUID16, primary: Int)] = []
    /// Album shares: the album, the user it is shared with, and the role (`editor` or `viewer`).
    package var albumShares: [(album: Int, user: Int, role: String)] = []
    /// Edits (v3): the asset, the action, its jsonb parameters, its place in the sequence.
    package var edits: [(asset: Int, action: String, parameters: String, sequence: Int)] = []
    /// Rows of Immich's own integrity report (v3): type, container path, the asset, and when the check ran.
    package var integrityReports: [(type: String, path: String, asset: Int, time: Double)] = []
    package var installedAt: Double

    /// The assets with edits.
    package var editedAssets: Set<Int> { Set(edits.map(\.asset)) }

    /// The media root the database stores paths under: `upload` (relative, v1.135) or `/data` (v2).
    package var mediaPrefix: String { era == .v1 ? "upload" : "/data" }

    /// Builds a library of `count` assets, created between `installedAt` and `lastDay`.
    package init(era: DumpTemplate.Era, count: Int, seed: UInt64, installedAt: Double, lastDay: Double,
                sizeScale: Double) {
        var rng = DemoRandom(seed: seed)
        self.era = era
        self.installedAt = installedAt
        libraryID = rng.uuid()
        for (email, name, label, admin) in DemoLibrary.accounts {
            let id = rng.uuid()
            users.append(User(id: id, email: email, name: name, storageLabel: label, isAdmin: admin,
                              profileImage: "profile/\(id)/\(rng.uuid()).jpg"))
        }
        let span = max(lastDay - installedAt, 3600)
        assets.reserveCapacity(count)
        for n in 0..<count {
            let id = rng.uuid()
            let owner = Int(rng.next() % UInt64(users.count))
            let roll = rng.next() % 100
            let kind: DemoAssetKind = roll < 25 ? .external : roll < 40 ? .template : .upload
            let isVideo = rng.chance(0.06) // a phone library: mostly photos, some videos
            // A photo library's spread: JPEGs of 1–8 MB, videos of 20–200 MB, times the scale.
            let base = isVideo ? 20_000_000 + Int64(rng.next() % 180_000_000) : 1_000_000 + Int64(rng.next() % 7_000_000)
            let size = max(Int64(Double(base) * sizeScale), 64)
            let createdAt = installedAt + Double(rng.next() % UInt64(span))
            let takenAt = createdAt - Double(rng.next() % (400 * 86_400))
            let ownerIndex = kind == .external ? 0 : owner
            var asset = DemoAsset(id: id, owner: ownerIndex, ownerID: users[ownerIndex].id, number: Int32(n),
                                  kind: kind, isVideo: isVideo, size: size, createdAt: createdAt, takenAt: takenAt)
            if kind == .external {
                asset.share = rng.chance(0.7) ? 0 : 1
                if rng.chance(0.3) { asset.sidecarStyle = rng.chance(0.5) ? 1 : 2 }
            }
            asset.favorite = rng.chance(0.08)
            asset.hasDescription = rng.chance(0.05)
            asset.archived = rng.chance(0.03)
            assets.append(asset)
        }
        assets.sort { $0.createdAt < $1.createdAt }
        // Trashed and offline assets, live photos, stacks.
        for i in assets.indices {
            if assets[i].kind != .external, rng.chance(0.03) { assets[i].trashed = true }
        }
        var offlineDone = false
        for i in assets.indices where assets[i].kind == .external && !offlineDone {
            assets[i].offline = true
            assets[i].trashed = true
            offlineDone = true
        }
        var i = 0
        while i + 1 < assets.count {
            if assets[i].kind == .upload, assets[i + 1].kind == .upload, !assets[i].isVideo, rng.chance(0.05) {
                assets[i + 1].isVideo = true
                assets[i + 1].hidden = true
                assets[i + 1].setOwner(assets[i].owner, users[assets[i].owner])
                assets[i + 1].createdAt = assets[i].createdAt // uploaded together, so every dump has both
                assets[i].livePhotoVideo = i + 1
                i += 2
                continue
            }
            if assets[i].kind != .external, assets[i + 1].kind != .external, assets[i].owner == assets[i + 1].owner,
               rng.chance(0.04) {
                stacks.append((rng.uuid(), i))
                assets[i].stack = stacks.count - 1
                assets[i + 1].stack = stacks.count - 1
                i += 2
                continue
            }
            i += 1
        }
        let list = assets
        if stacks.isEmpty, let first = list.indices.dropLast().first(where: { i in
            list[i].kind != .external && list[i + 1].kind != .external && list[i].owner == list[i + 1].owner &&
                list[i].livePhotoVideo == nil && !list[i].hidden && list[i + 1].livePhotoVideo == nil &&
                !list[i + 1].hidden && list[i].stack == nil && list[i + 1].stack == nil
        }) {
            // Every demo has at least one stack.
            stacks.append((rng.uuid(), first))
            assets[first].stack = 0
            assets[first + 1].stack = 0
        }
        // Albums, people, faces, tags, a shared link.
        for (n, name) in ["Summer 2024", "Family", "Best of"].enumerated() {
            let members = assets.indices.filter { _ in rng.chance(0.2) }
            albums.append((rng.uuid(), n % users.count, name, members))
        }
        for (n, name) in ["Ann", "Ben", "", ""].enumerated() {
            people.append(Person(id: rng.uuid(), owner: n % 2, name: name))
        }
        for index in assets.indices where !assets[index].isVideo && rng.chance(0.3) {
            faces.append((index, rng.chance(0.8) ? Int(rng.next() % UInt64(people.count)) : nil))
        }
        tags = ["Trips/2024", "Family", "Prints"].map { (rng.uuid(), $0) }
        for index in assets.indices where rng.chance(0.1) {
            tagged.append((index, Int(rng.next() % UInt64(tags.count))))
        }
        sharedLink = (rng.uuid(), assets.indices.filter { _ in rng.chance(0.05) })
        // The "Family" album is shared with the other users: one may add photos, one may look.
        albumShares = [(1, (albums[1].owner + 1) % users.count, "editor"), (1, (albums[1].owner + 2) % users.count, "viewer")]
        if era == .v3 {
            // A few photos edited in the app (v3): cropped, and one rotated too.
            let candidates = assets.indices.filter {
                let a = assets[$0]
                return a.kind != .external && !a.isVideo && !a.hidden && !a.trashed && a.livePhotoVideo == nil && a.stack == nil
            }
            for (n, index) in candidates.prefix(3).enumerated() {
                edits.append((index, "crop", "{\"x\": 120, \"y\": 80, \"width\": 2400, \"height\": 1800}", 0))
                if n == 0 { edits.append((index, "rotate", "{\"angle\": 90}", 1)) }
                assets[index].edited = true
            }
        }
    }
}
