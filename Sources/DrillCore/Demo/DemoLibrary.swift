// The demo's library: users, assets, albums, people, faces, tags, shared links and stacks, made deterministically
// from a seed, laid out the way Immich lays out a real install of the chosen era (IMMICH.md §7), and written as
// files with real bytes and as database rows with real checksums.

import Crypto
import Foundation

/// A small, fast, deterministic random number generator (SplitMix64).
public struct DemoRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A version-4 UUID.
    public mutating func uuid() -> UUID16 {
        UUID16(high: (next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000,
               low: (next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000)
    }

    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

/// What kind of original an asset is.
public enum DemoAssetKind: String, Sendable, Codable {
    /// Uploaded, in `upload/`.
    case upload
    /// Uploaded and moved by the storage template into `library/`.
    case template
    /// In the external library on the NAS.
    case external
}

/// One asset of the demo.
public struct DemoAsset: Sendable {
    public var id: UUID16
    public var owner: Int
    public var kind: DemoAssetKind
    /// Which external import path (index into `DemoLibrary.importPaths`) an external asset is under.
    public var share = 0
    public var isVideo: Bool
    /// The path relative to its root: UPLOAD_LOCATION for upload/template, the NAS share for external.
    public var relativePath: String
    public var originalFileName: String
    public var size: Int64
    /// When it was uploaded or first scanned (seconds since 1970); files exist and rows are dumped from then.
    public var createdAt: Double
    public var takenAt: Double
    public var favorite = false
    public var description = ""
    public var trashed = false
    public var offline = false
    public var archived = false
    /// The XMP sidecar's relative path (external assets), in one of Immich's two naming styles.
    public var sidecar: String?
    public var livePhotoVideo: UUID16?
    public var hidden = false
    public var stack: Int?
    /// SHA-1 of the bytes (uploads); filled when the file is written.
    public var contentSHA1 = Digest20.zero
}

/// The whole demo library.
public struct DemoLibrary: Sendable {
    public struct User: Sendable {
        public var id: UUID16
        public var email: String
        public var name: String
        public var storageLabel: String?
        public var isAdmin: Bool
        public var profileImage: String
    }

    public struct Person: Sendable {
        public var id: UUID16
        public var owner: Int
        public var name: String
    }

    public var era: DumpTemplate.Era
    public var users: [User] = []
    public var libraryID: UUID16
    /// The external library's import paths inside the container, and the NAS shares they are on.
    public static let importPaths = ["/mnt/media/photos", "/mnt/media/family"]
    public static let shares = ["photos", "family"]
    public var assets: [DemoAsset] = []
    public var albums: [(id: UUID16, owner: Int, name: String, assets: [Int])] = []
    public var people: [Person] = []
    public var faces: [(asset: Int, person: Int?)] = []
    public var tags: [(id: UUID16, value: String)] = []
    public var tagged: [(asset: Int, tag: Int)] = []
    public var sharedLink: (id: UUID16, assets: [Int])
    public var stacks: [(id: UUID16, primary: Int)] = []
    public var installedAt: Double

    /// The media root the database stores paths under: `upload` (relative, v1.135) or `/data` (v2).
    public var mediaPrefix: String { era == .v1 ? "upload" : "/data" }

    /// Builds a library of `count` assets, created between `installedAt` and `lastDay`.
    public init(era: DumpTemplate.Era, count: Int, seed: UInt64, installedAt: Double, lastDay: Double,
                sizeScale: Double) {
        var rng = DemoRandom(seed: seed)
        self.era = era
        self.installedAt = installedAt
        libraryID = rng.uuid()
        let names = [("admin@example.com", "Admin", "admin", true), ("sam@example.com", "Sam", nil, false),
                     ("alex@example.com", "Alex", "alex", false)]
        for (email, name, label, admin) in names {
            let id = rng.uuid()
            users.append(User(id: id, email: email, name: name, storageLabel: label, isAdmin: admin,
                              profileImage: "profile/\(id)/\(rng.uuid()).jpg"))
        }
        let span = max(lastDay - installedAt, 3600)
        for n in 0..<count {
            let id = rng.uuid()
            let owner = Int(rng.next() % UInt64(users.count))
            let roll = rng.next() % 100
            let kind: DemoAssetKind = roll < 25 ? .external : roll < 40 ? .template : .upload
            let isVideo = rng.chance(0.06) // a phone library: mostly photos, some videos
            let ext = isVideo ? "mp4" : "jpg"
            // A photo library's spread: JPEGs of 1–8 MB, videos of 20–200 MB, times the scale.
            let base = isVideo ? 20_000_000 + Int64(rng.next() % 180_000_000) : 1_000_000 + Int64(rng.next() % 7_000_000)
            let size = max(Int64(Double(base) * sizeScale), 64)
            let createdAt = installedAt + Double(rng.next() % UInt64(span))
            let takenAt = createdAt - Double(rng.next() % (400 * 86_400))
            let (year, month, day) = CopyValue.civil(Int(takenAt / 86_400))
            let fileName = isVideo ? String(format: "VID_%04d%02d%02d_%06d.mp4", year, month, day, n)
                : String(format: "IMG_%05d.jpg", n)
            let relative: String
            switch kind {
            case .upload:
                let u = rng.uuid().description
                let userID = users[owner].id.description
                relative = "upload/\(userID)/\(u.prefix(2))/\(u.dropFirst(2).prefix(2))/\(u).\(ext)"
            case .template:
                let folder = users[owner].storageLabel ?? users[owner].id.description
                relative = String(format: "library/%@/%04d/%04d-%02d-%02d/%@", folder, year, year, month, day, fileName)
            case .external:
                relative = String(format: "%04d/%02d/%@", year, month, fileName)
            }
            var asset = DemoAsset(id: id, owner: kind == .external ? 0 : owner, kind: kind, isVideo: isVideo,
                                  relativePath: relative, originalFileName: isVideo ? fileName : "IMG_\(n).jpg",
                                  size: size, createdAt: createdAt, takenAt: takenAt)
            if kind == .external {
                asset.share = rng.chance(0.7) ? 0 : 1
                asset.originalFileName = fileName
                if rng.chance(0.3) { asset.sidecar = rng.chance(0.5) ? relative + ".xmp" : (relative as NSString).deletingPathExtension + ".xmp" }
            }
            asset.favorite = rng.chance(0.08)
            if rng.chance(0.05) { asset.description = "Day \(n): \"summer\" at the lake\twith tabs\nand a second line" }
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
                assets[i + 1].owner = assets[i].owner
                assets[i + 1].createdAt = assets[i].createdAt // uploaded together, so every dump has both
                // The video part lives in the still's owner's upload folder, as a .mov.
                var parts = ((assets[i + 1].relativePath as NSString).deletingPathExtension + ".mov")
                    .split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                parts[1] = users[assets[i].owner].id.description
                assets[i + 1].relativePath = parts.joined(separator: "/")
                assets[i].livePhotoVideo = assets[i + 1].id
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
    }
}
