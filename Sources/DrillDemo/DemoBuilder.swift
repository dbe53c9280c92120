// `immich-drill demo`: a realistic synthetic Immich install with its backups and named faults. It builds, in one
// folder: the Compose file and .env of the chosen era, UPLOAD_LOCATION with its six folders and markers, two NAS
// shares for an external library, several nights of Immich-named database dumps (pg_dumpall or pg_dump layout,
// gzip), several nights of file snapshots (UPLOAD_LOCATION as rsync --link-dest style snapshot folders, one share
// as tar.zst, the other as tar.gz), a drill plan pointing at all of it, and a manifest of what was made and which
// fault touched which paths and assets, so tests know the exact expected findings.

import DrillSnapshots
import DrillArchive
import Foundation

/// A fault the demo can plant, each countable.
public enum DemoFault: String, Sendable, CaseIterable, Codable {
    /// External files moved after the last dump (a NAS reorganised).
    case moved
    /// External photos reorganised after the last dump by an Elodie-style tool: renamed into date folders and their
    /// EXIF rewritten, so name and size both changed (capture time, camera and dimensions did not).
    case reorganised
    /// Originals deleted after the last dump.
    case missing
    /// Uploads after the last dump: in the file snapshots, not in the dump.
    case lateUpload = "late-upload"
    /// The external library mounted at another container path than the database's import paths.
    case pathMismatch = "path-mismatch"
    /// thumbs and encoded-video (markers included) left out of the file snapshots.
    case noThumbs = "no-thumbs"
    /// The file snapshots of the last N nights are missing: the newest is N days older than the dump.
    case skew
    /// The newest dump is cut short.
    case truncatedDump = "truncated-dump"
    /// Bytes flipped in N originals of the newest UPLOAD_LOCATION snapshot.
    case corrupt
    /// One external share has no snapshot at all.
    case dbOnly = "db-only"
    /// An external mount without `:ro`.
    case writableMount = "writable-mount"

    /// The count a fault gets without `=N`.
    public var defaultCount: Int {
        switch self {
        case .moved, .reorganised, .missing, .lateUpload, .corrupt: 3
        case .skew: 2
        default: 1
        }
    }
}

/// What `demo` builds.
public struct DemoOptions: Sendable {
    public var directory: String
    public var era: DumpTemplate.Era = .v3
    public var assets = 300
    public var seed: UInt64 = 1
    public var sizeScale = 0.01
    public var faults: [DemoFault: Int] = [:]
    /// Nights of backups.
    public var nights = 5
    /// The moment the demo is built for (seconds since 1970).
    public var now = Date().timeIntervalSince1970
    /// The container's time zone, in which Immich names its dumps.
    public var timeZone = "Europe/Berlin"
    /// Told each phase as it starts (the CLI shows them on a terminal).
    public var progress: (@Sendable (String) -> Void)?

    public init(directory: String) { self.directory = directory }
}

/// The manifest: what was generated, and what each fault touched.
package struct DemoManifest: Codable, Sendable {
    /// One backup the demo wrote: its source, kind and path.
    public struct Snapshot: Codable, Sendable {
        public var source: String
        public var kind: String
        public var path: String
        public var time: String
        public var files: Int
    }

    /// A fault the demo planted and how many things it touches.
    package struct FaultRecord: Codable, Sendable {
        public var fault: String
        public var count: Int
        public var paths: [String]
        package var assetIds: [String]
        package var note: String
    }

    /// What the demo library holds.
    package struct Counts: Codable, Sendable {
        public var assets = 0
        package var uploaded = 0
        package var libraryFiles = 0
        public var external = 0
        package var offline = 0
        package var trashed = 0
        public var users = 0
        package var albums = 0
        package var albumMemberships = 0
        package var favorites = 0
        package var descriptions = 0
        package var faces = 0
        package var people = 0
        package var tags = 0
        package var taggedAssets = 0
        package var sharedLinkAssets = 0
        package var sidecars = 0
        package var stacks = 0
        package var livePhotos = 0
        /// Albums shared with other users, and the shares.
        package var sharedAlbums = 0
        package var albumShares = 0
        /// v3: `asset_edit` rows, the assets they edit, their `_edited` files, Immich's integrity report rows.
        package var edits = 0
        package var editedAssets = 0
        package var editedFiles = 0
        package var integrityReports = 0
        /// The videos' total length, in milliseconds.
        package var videoMilliseconds: Int64 = 0
    }

    package var schema = "immich-drill/demo/v1"
    public var era: String
    public var seed: UInt64
    public var directory: String
    public var plan: String
    public var compose: String
    public var uploadLocation: String
    public var nasShares: [String: String]
    public var timeZone: String
    public var dumps: [Snapshot]
    public var snapshots: [Snapshot]
    /// What the newest dump holds.
    public var counts: Counts
    public var faults: [FaultRecord]
}

/// Builds demo installs.
public enum DemoBuilder {
    /// Builds the demo described by `options` and returns its manifest (also written as manifest.json).
    package static func build(_ options: DemoOptions) throws -> DemoManifest {
        let fm = FileManager.default
        let root = Paths.absolute(options.directory)
        if fm.fileExists(atPath: root), let contents = try? fm.contentsOfDirectory(atPath: root), !contents.isEmpty {
            throw DrillError(.usage, file: options.directory, "the demo folder is not empty; name a new or empty folder")
        }
        guard let zone = TimeZone(identifier: options.timeZone) else {
            throw DrillError(.usage, "unknown time zone \(options.timeZone)")
        }
        let immich = root + "/immich"
        let upload = immich + "/library"
        let nas = root + "/nas"
        let shares = DemoLibrary.shares.map { nas + "/" + $0 }
        for dir in [immich, upload, nas, root + "/backups/upload", root + "/backups/nas"] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let faults = options.faults

        // The nights: dumps at 02:00 local time, file snapshots at 03:00 and 03:30.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let now = Date(timeIntervalSince1970: options.now)
        var lastNight = calendar.date(bySettingHour: 2, minute: 0, second: 0, of: now)!
        // The newest night is the last whose file snapshots (03:00, 03:30) are past by a quarter of an hour: its dump
        // is then at most 25h45m old, inside the plan's 26h RPO target at every hour of the day.
        if lastNight.timeIntervalSince(now) > -1.75 * 3600 { lastNight = calendar.date(byAdding: .day, value: -1, to: lastNight)! }
        let nights = max(options.nights, 2)
        let dumpTimes = (0..<nights).reversed().map {
            calendar.date(byAdding: .day, value: -$0, to: lastNight)!.timeIntervalSince1970
        }
        let lastDump = dumpTimes.last!
        let installedAt = dumpTimes[0] - 30 * 86_400

        // The library; late uploads come after the last dump, before the last file snapshots.
        var library = DemoLibrary(era: options.era, count: options.assets, seed: options.seed, installedAt: installedAt,
                                  lastDay: lastDump - 600, sizeScale: options.sizeScale)
        var records: [DemoManifest.FaultRecord] = []
        if let late = faults[.lateUpload] {
            let extra = DemoLibrary(era: options.era, count: late * 4, seed: options.seed &+ 9_999,
                                    installedAt: lastDump + 600, lastDay: lastDump + 1800, sizeScale: options.sizeScale)
            let picked = extra.assets.filter { $0.kind == .upload && $0.livePhotoVideo == nil && !$0.hidden && $0.stack == nil }
                .prefix(late).map { asset -> DemoAsset in
                    var a = asset
                    a.setOwner(0, library.users[0])
                    a.trashed = false
                    return a
                }
            library.assets += picked
            records.append(.init(fault: DemoFault.lateUpload.rawValue, count: picked.count,
                                 paths: picked.map { upload + "/" + $0.relativePath }, assetIds: picked.map(\.id.description),
                                 note: "uploaded after the newest dump: in the file snapshots, unknown to the database"))
        }

        let started = Date()
        func say(_ text: String) { options.progress?(String(format: "%@ (%.0fs)", text, Date().timeIntervalSince(started))) }
        // Each job tells when it is done and how long it took.
        func timed(_ label: String, _ job: @escaping Parallel.Job) -> Parallel.Job {
            let progress = options.progress
            return {
                let start = Date()
                try job()
                progress?(String(format: "%@ in %.0fs (%.0fs)", label, Date().timeIntervalSince(start), Date().timeIntervalSince(started)))
            }
        }
        // The originals' checksums first (CPU only), so the dumps that carry them are written while the files are.
        var writer = DemoWriter(library: library, uploadLocation: upload, nasRoots: shares)
        writer.sizeScale = options.sizeScale
        library.assets = []  // the writer's copy is then the only one, and records the checksums in place
        writer.hashOriginals(upTo: options.now)
        library = writer.library

        // Compose and .env of the era, with the external library's shares.
        try composeText(options, faults: faults).write(toFile: immich + "/docker-compose.yml", atomically: true, encoding: .utf8)
        try envText(options).write(toFile: immich + "/.env", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: immich + "/postgres", withIntermediateDirectories: true)
        if faults[.pathMismatch] != nil {
            records.append(.init(fault: DemoFault.pathMismatch.rawValue, count: 1,
                                 paths: [DemoLibrary.importPaths[0]], assetIds: [],
                                 note: "compose mounts /volume1/photos at /mnt/photos; the database's import path is \(DemoLibrary.importPaths[0])"))
        }
        if faults[.writableMount] != nil {
            records.append(.init(fault: DemoFault.writableMount.rawValue, count: 1, paths: ["/volume1/photos"],
                                 assetIds: [], note: "the photos share is mounted without :ro"))
        }

        // v3: Immich's own integrity check ran an hour before the newest dump. With the `missing` fault the first
        // original to go was already gone then, so the newest dump's integrity_report names it (missing_file).
        if options.era == .v3, faults[.missing] != nil, let first = library.assets.indices.first(where: {
            let asset = library.assets[$0]
            return asset.kind == .upload && asset.createdAt <= lastDump && asset.livePhotoVideo == nil && !asset.hidden
        }) {
            library.integrityReports.append(("missing_file", writer.databasePath(library.assets[first]), first, lastDump - 3600))
            writer.library = library
        }

        // The nightly dumps, from this copy of the library (the faults that follow happen after the last dump, so no
        // dump knows of them), one job per night on a thread of their own while the files are written.
        var dumps: [DemoManifest.Snapshot] = []
        let pgVersion = options.era == .v1 ? "14.17" : "14.20"
        let names = DateFormatter()
        names.timeZone = zone
        names.locale = Locale(identifier: "en_US_POSIX")
        names.dateFormat = "yyyyMMdd'T'HHmmss"
        for time in dumpTimes {
            let name = options.era == .v1 ? "immich-db-backup-\(Int64(time * 1000)).sql.gz"
                : "immich-db-backup-\(names.string(from: Date(timeIntervalSince1970: time)))-v\(options.era.release)-pg\(pgVersion).sql.gz"
            dumps.append(.init(source: "database", kind: "dump", path: upload + "/backups/" + name, time: iso(time), files: 1))
        }
        try fm.createDirectory(atPath: upload + "/backups", withIntermediateDirectories: true)
        let databaseWriter = writer
        let dumpPaths = dumps.map(\.path)
        let seed = options.seed
        let era = options.era
        let dumpJobs = zip(dumpTimes, dumpPaths).enumerated().map { night, item in
            timed("dump of \(iso(item.0)) written") {
                // Ids for columns that default to a new UUID: deterministic, distinct per night.
                var counter: UInt64 = seed << 32 | UInt64(night) << 24
                let uuid = { () -> UUID16 in
                    counter &+= 1
                    return UUID16(high: 0x5EED_0000_0000_4000 | (counter & 0xFFFF_FFFF_0000) << 16 | (counter & 0x0FFF),
                                  low: 0x8000_0000_0000_0000 | counter)
                }
                let dumpWriter = DumpWriter(template: DumpTemplate.of(era), serverVersion: "\(pgVersion) (Debian \(pgVersion)-1.pgdg120+1)",
                                            restrictKey: era == .v1 ? nil : "imm1chDr1llDem0Key\(seed)")
                try dumpWriter.write(to: item.1, compression: .gzip, sources: databaseWriter.sources(at: item.0), now: item.0, uuid: uuid)
                try DemoWriter.setMtime(item.1, item.0)
            }
        }
        let writingDumps = Parallel.start(dumpJobs)
        var dumpsJoined = false
        defer { if !dumpsJoined { try? writingDumps.wait() } }  // whatever fails below, the dump thread is joined
        say("writing \(library.assets.count) assets' files, and \(dumpTimes.count) nightly dumps beside them")
        try writer.writeFileTree(upTo: options.now)
        say("the assets' files are written")

        // Faults that happen after the last dump, to the live files.
        if let count = faults[.moved] {
            var moved: [DemoAsset] = []
            var paths: [String] = []
            for index in library.assets.indices where moved.count < count {
                var asset = library.assets[index]
                guard asset.kind == .external, asset.share == 0, !asset.trashed, asset.sidecar == nil else { continue }
                let from = writer.diskPath(asset)
                asset.moved = true
                let to = writer.diskPath(asset)
                try fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try fm.moveItem(atPath: from, toPath: to)
                library.assets[index] = asset
                moved.append(asset)
                paths.append("\(from) -> \(to)")
            }
            records.append(.init(fault: DemoFault.moved.rawValue, count: moved.count, paths: paths,
                                 assetIds: moved.map(\.id.description),
                                 note: "moved on the NAS after the newest dump; the database still has the old paths"))
        }
        if let count = faults[.reorganised] {
            var done: [DemoAsset] = []
            var paths: [String] = []
            for index in library.assets.indices where done.count < count {
                var asset = library.assets[index]
                guard asset.kind == .external, asset.share == 0, !asset.isVideo, !asset.trashed, !asset.offline,
                      !asset.moved, asset.sidecar == nil else { continue }
                let from = writer.diskPath(asset)
                asset.reorganised = true
                let to = writer.diskPath(asset)
                try fm.removeItem(atPath: from)
                try DemoWriter.writeMedia(to, size: writer.fileSize(asset), video: false, seed: asset.fileSeed,
                                          mtime: asset.takenAt, exif: writer.exif(asset))
                library.assets[index] = asset
                writer.library.assets[index] = asset
                done.append(asset)
                paths.append("\(from) -> \(to)")
            }
            records.append(.init(fault: DemoFault.reorganised.rawValue, count: done.count, paths: paths,
                                 assetIds: done.map(\.id.description),
                                 note: "renamed into Elodie's date folders with their EXIF rewritten after the newest dump: name and size changed, capture time, camera and dimensions did not"))
        }
        var deleted = Set<Int>()
        if let count = faults[.missing] {
            var paths: [String] = []
            var ids: [String] = []
            for index in library.assets.indices where deleted.count < count {
                let asset = library.assets[index]
                guard asset.kind == .upload, asset.createdAt <= lastDump, asset.livePhotoVideo == nil, !asset.hidden else { continue }
                try fm.removeItem(atPath: writer.diskPath(asset))
                deleted.insert(index)
                paths.append(writer.diskPath(asset))
                ids.append(asset.id.description)
            }
            records.append(.init(fault: DemoFault.missing.rawValue, count: deleted.count, paths: paths, assetIds: ids,
                                 note: library.integrityReports.isEmpty ? "originals deleted after the newest dump"
                                    : "originals deleted after the newest dump; the first went before Immich's last integrity check, which recorded it (integrity_report missing_file)"))
        }
        writer.library = library

        // File snapshots of the nights that had them.
        let skew = faults[.skew] ?? 0
        let snapshotNights = Array(dumpTimes.dropLast(min(skew, nights - 1)))
        if skew > 0 {
            records.append(.init(fault: DemoFault.skew.rawValue, count: skew, paths: [], assetIds: [],
                                 note: "no file snapshots for the last \(skew) nights: the newest is \(skew) days older than the newest dump"))
        }
        var corruptIDs: [String] = []
        var corruptPaths: [String] = []
        if let count = faults[.corrupt] {
            for (index, asset) in library.assets.enumerated() where corruptIDs.count < count && asset.kind == .upload
                && !asset.hidden && asset.createdAt <= lastDump && !deleted.contains(index) {
                corruptIDs.append(asset.id.description)
                corruptPaths.append(asset.relativePath)
            }
            records.append(.init(fault: DemoFault.corrupt.rawValue, count: corruptIDs.count,
                                 paths: corruptPaths.map { "upload snapshot: " + $0 }, assetIds: corruptIDs,
                                 note: "bytes flipped in these originals inside the newest UPLOAD_LOCATION snapshot"))
        }
        if faults[.noThumbs] != nil {
            records.append(.init(fault: DemoFault.noThumbs.rawValue, count: 1, paths: ["thumbs", "encoded-video"],
                                 assetIds: [], note: "thumbs/ and encoded-video/ (with their .immich markers) are not in the UPLOAD_LOCATION snapshots"))
        }
        if faults[.dbOnly] != nil {
            records.append(.init(fault: DemoFault.dbOnly.rawValue, count: 1, paths: [shares[1]], assetIds: [],
                                 note: "the family share (\(DemoLibrary.importPaths[1])) has no snapshot at all"))
        }
        // The file snapshots of each night, each a job beside the dumps: an UPLOAD_LOCATION snapshot folder and an
        // archive per share.
        let stamp = DateFormatter()
        stamp.timeZone = zone
        stamp.locale = Locale(identifier: "en_US_POSIX")
        final class Counts: @unchecked Sendable {
            let lock = NSLock()
            var files: [String: Int] = [:]
            func set(_ path: String, _ n: Int) { lock.withLock { files[path] = n } }
        }
        let snapshotCounts = Counts()
        let snapshotWriter = writer
        let linkOrder = LinkOrder(writer)
        let withThumbs = faults[.noThumbs] == nil
        let corruptSet = Set(corruptPaths)
        let deletedSet = deleted
        var snapshots: [DemoManifest.Snapshot] = []
        var uploadFolders: [(folder: String, time: Double, stamp: Double)] = []
        var jobs: [Parallel.Job] = []
        for (n, night) in snapshotNights.enumerated() {
            // The newest snapshot is taken after the late uploads, unless the last nights' snapshots are missing.
            let newest = n == snapshotNights.count - 1
            let current = newest && skew == 0
            let uploadTime = night + 3600
            let contentTime = current ? options.now : uploadTime
            stamp.dateFormat = "yyyyMMdd'T'HHmmss"
            let folder = root + "/backups/upload/\(stamp.string(from: Date(timeIntervalSince1970: uploadTime)))"
            uploadFolders.append((folder, contentTime, uploadTime))
            snapshots.append(.init(source: "upload", kind: "directory", path: folder, time: iso(uploadTime), files: 0))
            jobs.append(timed("UPLOAD_LOCATION snapshot of \(iso(uploadTime)) linked") {
                let files = try linkUploadSnapshot(snapshotWriter, order: linkOrder, to: folder, at: contentTime, withThumbs: withThumbs,
                                                   corrupt: newest ? corruptSet : [], deleted: newest ? deletedSet : [])
                // The rsync job backs up the Compose folder (docker-compose.yml, .env, library/), not the database files.
                for config in ["docker-compose.yml", ".env"] {
                    try FileManager.default.copyItem(atPath: immich + "/" + config, toPath: folder + "/" + config)
                    try DemoWriter.setMtime(folder + "/" + config, installedAt)
                }
                snapshotCounts.set(folder, files)
            })
            let nasTime = night + 5400
            let shareTime = current ? options.now : nasTime
            stamp.dateFormat = "yyyy-MM-dd_HH-mm"
            let photos = root + "/backups/nas/photos-\(stamp.string(from: Date(timeIntervalSince1970: nasTime))).tar.zst"
            snapshots.append(.init(source: "external:\(DemoLibrary.importPaths[0])", kind: "archive", path: photos,
                                   time: iso(nasTime), files: 0))
            jobs.append(timed("photos archive of \(iso(nasTime)) written") {
                snapshotCounts.set(photos, try archiveShare(snapshotWriter, share: 0, to: photos, format: .tarZstd, at: shareTime))
            })
            if faults[.dbOnly] == nil {
                let family = root + "/backups/nas/family-\(Int64(nasTime)).tar.gz"
                snapshots.append(.init(source: "external:\(DemoLibrary.importPaths[1])", kind: "archive", path: family,
                                       time: iso(nasTime), files: 0))
                jobs.append(timed("family archive of \(iso(nasTime)) written") {
                    snapshotCounts.set(family, try archiveShare(snapshotWriter, share: 1, to: family, format: .tarGzip, at: shareTime))
                })
            }
        }
        say("writing \(snapshots.count) file snapshots")
        try Parallel.run(jobs)
        dumpsJoined = true
        try writingDumps.wait()
        if faults[.truncatedDump] != nil, let newest = dumps.last {
            let data = try Data(contentsOf: URL(fileURLWithPath: newest.path))
            try data.prefix(data.count * 6 / 10).write(to: URL(fileURLWithPath: newest.path))
            try DemoWriter.setMtime(newest.path, lastDump)
            records.append(.init(fault: DemoFault.truncatedDump.rawValue, count: 1, paths: [newest.path], assetIds: [],
                                 note: "the newest dump is cut at 60% of its compressed bytes"))
        }

        // Each UPLOAD_LOCATION snapshot holds the dumps written before it (in backups/), as the live folder did.
        for (folder, time, folderTime) in uploadFolders {
            var linked = 0
            for (dumpTime, path) in zip(dumpTimes, dumpPaths) where dumpTime <= time {
                if Glibc.link(path, folder + "/library/backups/" + (path as NSString).lastPathComponent) != 0 {
                    throw DrillError(.environment, file: folder, "cannot link a dump into a demo snapshot",
                                     cause: String(cString: strerror(errno)))
                }
                linked += 1
            }
            snapshotCounts.set(folder, (snapshotCounts.files[folder] ?? 0) + linked)
            try DemoWriter.setMtime(folder, folderTime)
        }
        for i in snapshots.indices { snapshots[i].files = snapshotCounts.files[snapshots[i].path] ?? 0 }

        // The plan and the manifest.
        say("writing the plan and the manifest")
        let plan = root + "/drill.yml"
        try planText(options, faults: faults).write(toFile: plan, atomically: true, encoding: .utf8)
        let counts = manifestCounts(library, at: lastDump)
        let manifest = DemoManifest(
            era: options.era.rawValue, seed: options.seed, directory: root, plan: plan,
            compose: immich + "/docker-compose.yml", uploadLocation: upload,
            nasShares: Dictionary(uniqueKeysWithValues: zip(DemoLibrary.importPaths, shares)),
            timeZone: options.timeZone, dumps: dumps, snapshots: snapshots, counts: counts,
            faults: records.sorted { $0.fault < $1.fault })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: root + "/manifest.json"))
        return manifest
    }

    static func iso(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    /// UPLOAD_LOCATION as it stood at `time`, as a snapshot folder holding `library/` the way `rsync --link-dest`
    /// leaves one: unchanged files are hard links to the live ones, so nights of snapshots cost little space. A
    /// corrupt original is written as its own damaged copy, never through the link.
    /// The assets in the order a snapshot tree is filled, computed once for every night: originals by folder, and
    /// derivatives by owner and asset id (their folders), so each folder's files come together.
    struct LinkOrder: Sendable {
        var originals: [Int32]
        var derived: [Int32]

        init(_ writer: DemoWriter) {
            let assets = writer.library.assets
            // Each original's folder is library/<owner>/<year>/<day> or upload/<owner>/<ab>/<cd> (the file UUID's first
            // hex digits): ordering by owner and then by day or by the file UUID keeps each folder's files together,
            // without making a path per comparison.
            func key(_ i: Int32) -> (Int, UInt64, UInt64) {
                let a = assets[Int(i)]
                if a.kind == .template { return (a.owner, UInt64(Int(a.takenAt / 86_400) + 1_000_000), UInt64(a.number)) }
                let file = a.fileID
                return (a.owner + 16, file.high, file.low)
            }
            originals = assets.indices.filter { assets[$0].kind != .external }.map(Int32.init).sorted { key($0) < key($1) }
            derived = assets.indices.map(Int32.init).sorted {
                let a = assets[Int($0)], b = assets[Int($1)]
                // By the id's bits: the same order as its text, whose first characters name the folders.
                return a.owner != b.owner ? a.owner < b.owner : (a.id.high, a.id.low) < (b.id.high, b.id.low)
            }
        }
    }

    static func linkUploadSnapshot(_ writer: DemoWriter, order: LinkOrder, to folder: String, at time: Double,
                                   withThumbs: Bool, corrupt: Set<String>, deleted: Set<Int>) throws -> Int {
        let library = writer.library
        let upload = writer.uploadLocation
        let linker = try TreeLinker(from: upload, to: folder + "/library")
        var count = 0
        func add(_ relative: String) throws {
            if corrupt.contains(relative) {
                // A damaged copy of its own, never written through the link.
                try linker.prepare(relative)
                let source = upload + "/" + relative
                var data = try Data(contentsOf: URL(fileURLWithPath: source))
                for i in stride(from: min(64, data.count - 1), to: data.count, by: max(data.count / 8, 1)) { data[i] ^= 0x5A }
                let target = folder + "/library/" + relative
                try data.write(to: URL(fileURLWithPath: target))
                try DemoWriter.setMtime(target, Double(try fileMtime(source)))
                count += 1
            } else if try linker.link(relative) {
                count += 1  // a file deleted or never written is simply not in the snapshot
            }
        }
        for folderName in Deployment.uploadFolders where withThumbs || !Deployment.regenerableFolders.contains(folderName) {
            try add("\(folderName)/.immich")
        }
        for user in library.users { try add(user.profileImage) }
        for index in order.originals.map(Int.init) where library.assets[index].createdAt <= time && !deleted.contains(index) {
            try add(library.assets[index].relativePath)
        }
        guard withThumbs else { return count }
        for person in library.people {
            let id = person.id.description
            try add("thumbs/\(library.users[person.owner].id)/\(id.prefix(2))/\(id.dropFirst(2).prefix(2))/\(id).jpeg")
        }
        // thumbs/ first, then encoded-video/: one pass per top folder keeps each folder's files together.
        for top in ["thumbs/", "encoded-video/"] {
            for index in order.derived.map(Int.init) where library.assets[index].createdAt <= time {
                for derivative in writer.derivatives(library.assets[index]) where derivative.path.hasPrefix(top) {
                    try add(derivative.path)
                }
            }
        }
        return count
    }

    static func fileMtime(_ path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw DrillError(.environment, file: path, "cannot stat") }
        return Int64(st.st_mtim.tv_sec)
    }

    /// A share as it stood at `time` (its external assets, sidecars and NAS clutter that exist), as an archive whose
    /// top folder is the share's name, streamed file by file; returns how many files it holds.
    static func archiveShare(_ writer: DemoWriter, share: Int, to path: String, format: ArchiveWriter.Format,
                             at time: Double) throws -> Int {
        let archive = try ArchiveWriter(path: path, format: format)
        let root = writer.nasRoots[share] + "/"
        let top = DemoLibrary.shares[share] + "/"
        var count = 0
        func add(_ relative: String) throws {
            if try archive.addFileIfPresent(top + relative, from: root + relative) { count += 1 }
        }
        for asset in writer.library.assets where asset.kind == .external && asset.share == share && asset.createdAt <= time {
            let relative = asset.relativePath
            try add(relative)
            if let sidecar = asset.sidecar { try add(sidecar) }
            let slash = relative.lastIndex(of: "/")!
            try add("\(relative[..<slash])/@eaDir/\(relative[relative.index(after: slash)...])/SYNOPHOTO_THUMB_XL.jpg")
        }
        try archive.close()
        try DemoWriter.setMtime(path, time)
        return count
    }

    static func manifestCounts(_ library: DemoLibrary, at time: Double) -> DemoManifest.Counts {
        var c = DemoManifest.Counts()
        let included = library.assets.indices.filter { library.assets[$0].createdAt <= time }
        let set = Set(included)
        for index in included {
            let a = library.assets[index]
            c.assets += 1
            switch a.kind {
            case .upload: c.uploaded += 1
            case .template: c.libraryFiles += 1
            case .external: c.external += 1
            }
            if a.offline { c.offline += 1 }
            if a.trashed { c.trashed += 1 }
            if a.favorite { c.favorites += 1 }
            if !a.description.isEmpty { c.descriptions += 1 }
            if a.sidecar != nil { c.sidecars += 1 }
            if a.livePhotoVideo != nil { c.livePhotos += 1 }
            c.videoMilliseconds += a.durationMilliseconds ?? 0
        }
        c.sharedAlbums = Set(library.albumShares.map(\.album)).count
        c.albumShares = library.albumShares.count
        c.edits = library.edits.filter { set.contains($0.asset) }.count
        c.editedAssets = library.editedAssets.intersection(set).count
        c.editedFiles = 2 * c.editedAssets
        c.integrityReports = library.integrityReports.filter { $0.time <= time }.count
        c.users = library.users.count
        c.albums = library.albums.count
        c.albumMemberships = library.albums.reduce(0) { $0 + $1.assets.filter { set.contains($0) }.count }
        c.faces = library.faces.filter { set.contains($0.asset) }.count
        c.people = library.people.count
        c.tags = library.tags.count
        c.taggedAssets = Set(library.tagged.filter { set.contains($0.asset) }.map(\.asset)).count
        c.sharedLinkAssets = library.sharedLink.assets.filter { set.contains($0) }.count
        c.stacks = library.stacks.filter { set.contains($0.primary) }.count
        return c
    }

    static func composeText(_ options: DemoOptions, faults: [DemoFault: Int]) -> String {
        let v1 = options.era == .v1
        let media = v1 ? "/usr/src/app/upload" : "/data"
        let photosTarget = faults[.pathMismatch] != nil ? "/mnt/photos" : DemoLibrary.importPaths[0]
        let photosMode = faults[.writableMount] != nil ? "" : ":ro"
        let redis = v1 ? "docker.io/valkey/valkey:8-bookworm@sha256:fec42f399876eb6faf9e008570597741c87ff7662a54185593e74b09ce83d177"
            : "docker.io/valkey/valkey:9@sha256:3b55fbaa0cd93cf0d9d961f405e4dfcc70efe325e2d84da207a0a8e6d8fde4f9"
        let database = v1 ? "ghcr.io/immich-app/postgres:14-vectorchord0.3.0-pgvectors0.2.0@sha256:fa4f6e0971f454cd95fec5a9aaed2ed93d8f46725cc6bc61e0698e97dba96da1"
            : "ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0@sha256:bcf63357191b76a916ae5eb93464d65c07511da41e3bf7a8416db519b40b1c23"
        return """
        #
        # immich-drill demo: an Immich v\(options.era.release) install in the shape of that release's docker-compose.yml,
        # plus an external library on two NAS shares (/volume1/photos and /volume1/family on the Docker host).
        #
        name: immich

        services:
          immich-server:
            container_name: immich_server
            image: ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-release}
            volumes:
              # Do not edit the next line. If you want to change the media storage location on your system, edit the value of UPLOAD_LOCATION in the .env file
              - ${UPLOAD_LOCATION}:\(media)
              - /etc/localtime:/etc/localtime:ro
              - /volume1/photos:\(photosTarget)\(photosMode)
              - /volume1/family:\(DemoLibrary.importPaths[1]):ro
            env_file:
              - .env
            ports:
              - '2283:2283'
            depends_on:
              - redis
              - database
            restart: always
            healthcheck:
              disable: false

          immich-machine-learning:
            container_name: immich_machine_learning
            image: ghcr.io/immich-app/immich-machine-learning:${IMMICH_VERSION:-release}
            volumes:
              - model-cache:/cache
            env_file:
              - .env
            restart: always
            healthcheck:
              disable: false

          redis:
            container_name: immich_redis
            image: \(redis)
            healthcheck:
              test: redis-cli ping || exit 1
            restart: always

          database:
            container_name: immich_postgres
            image: \(database)
            environment:
              POSTGRES_PASSWORD: ${DB_PASSWORD}
              POSTGRES_USER: ${DB_USERNAME}
              POSTGRES_DB: ${DB_DATABASE_NAME}
              POSTGRES_INITDB_ARGS: '--data-checksums'
            volumes:
              # Do not edit the next line. If you want to change the database storage location on your system, edit the value of DB_DATA_LOCATION in the .env file
              - ${DB_DATA_LOCATION}:/var/lib/postgresql/data
            shm_size: 128mb
            restart: always

        volumes:
          model-cache:

        """
    }

    static func envText(_ options: DemoOptions) -> String {
        """
        # You can find documentation for all the supported env variables at https://docs.immich.app/install/environment-variables

        # The location where your uploaded files are stored
        UPLOAD_LOCATION=./library

        # The location where your database files are stored. Network shares are not supported for the database
        DB_DATA_LOCATION=./postgres

        TZ=\(options.timeZone)

        # The Immich version to use. You can pin this to a specific version like "v2.1.0"
        IMMICH_VERSION=v\(options.era.release)

        # Connection secret for postgres. You should change it to a random password
        DB_PASSWORD=postgres

        # The values below this line do not need to be changed
        ###################################################################################
        DB_USERNAME=postgres
        DB_DATABASE_NAME=immich

        """
    }

    static func planText(_ options: DemoOptions, faults: [DemoFault: Int]) -> String {
        var lines = [
            "# The drill plan of this immich-drill demo. Paths are relative to this file.",
            "version: 1",
            "name: demo-\(options.era.rawValue)",
            "",
            "deployment:",
            "  compose: immich/docker-compose.yml",
            "",
            "# The Docker host's NAS shares are /volume1/…; here they are in nas/.",
            "mounts:",
            "  - host: /volume1",
            "    drill: nas",
            "",
            "sources:",
            "  database:",
            "    dumps: [immich/library/backups]",
            "  upload:",
            "    directory: backups/upload/{time}",
            "    path: library",
            "  external:\(DemoLibrary.importPaths[0]):",
            "    archive: backups/nas/photos-{time}.tar.zst",
            "    path: photos",
        ]
        if faults[.dbOnly] == nil {
            lines += ["  external:\(DemoLibrary.importPaths[1]):",
                      "    archive: backups/nas/family-{time}.tar.gz",
                      "    path: family"]
        }
        lines += ["", "targets:", "  rpo: 26h", "  rto: 4h", "  max-skew: 6h", "",
                  "# Restores go into scratch/ and are removed afterwards; the demo keeps its own history.",
                  "scratch: scratch", "history: history.sqlite", ""]
        return lines.joined(separator: "\n")
    }
}
