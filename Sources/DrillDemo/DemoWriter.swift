// Writes the demo library to disk: originals with real bytes (a valid JPEG or MP4 header, then deterministic
// filler up to the asset's size, hashed with SHA-1 as it is written), thumbnails, previews, encoded videos,
// profile and face images at Immich's paths, the six `.immich` markers, external-library trees with XMP sidecars
// and a Synology `@eaDir` folder, and the database rows of any moment of the library's life for a dump.

import DrillSnapshots
import Crypto
import DrillArchive
import Foundation
import SystemPackage

/// Creates a file's folder only when the file cannot be made without it, so writing a million files costs no
/// extra system call per file and no memory for a list of folders.
enum FolderMaker {
    /// Runs `make`; when it fails with ENOENT, creates the parent folder of `path` and runs it once more.
    static func withParent<T>(of path: String, _ make: () -> (T, Int32)) throws -> (T, Int32) {
        let first = make()
        guard first.1 == ENOENT else { return first }
        try makeFolders((path as NSString).deletingLastPathComponent)
        return make()
    }

    /// mkdir -p that another thread making the same folders cannot upset (EEXIST is success).
    static func makeFolders(_ path: String) throws {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else {
            throw DrillError(.environment, file: path, "cannot make a demo folder", cause: String(cString: strerror(errno)))
        }
        try makeFolders((path as NSString).deletingLastPathComponent)
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw DrillError(.environment, file: path, "cannot make a demo folder", cause: String(cString: strerror(errno)))
        }
    }
}

/// Writes demo files and rows.
package struct DemoWriter: Sendable {
    public var library: DemoLibrary
    /// UPLOAD_LOCATION on disk.
    public var uploadLocation: String
    /// The NAS shares on disk (the external library's host folders), by `DemoAsset.share`.
    package var nasRoots: [String]
    /// File sizes times this.
    public var sizeScale = 0.01

    package init(library: DemoLibrary, uploadLocation: String, nasRoots: [String]) {
        self.library = library
        self.uploadLocation = uploadLocation
        self.nasRoots = nasRoots
    }

    /// Where an asset's original is on disk.
    package func diskPath(_ asset: DemoAsset) -> String {
        (asset.kind == .external ? nasRoots[asset.share] : uploadLocation) + "/" + asset.relativePath
    }

    static let jpegHeader: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01,
                                      0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00]
    static let mp4Header: [UInt8] = [0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6D, 0x70, 0x34, 0x32,
                                     0x00, 0x00, 0x00, 0x00, 0x6D, 0x70, 0x34, 0x32, 0x69, 0x73, 0x6F, 0x6D]

    /// The bytes of a media file of `size` bytes that starts like a JPEG or MP4 (header, deterministic filler from
    /// `seed`, a JPEG end marker), handed out in chunks of at most 1 MiB: a small file is one chunk.
    static func mediaBytes(size: Int64, video: Bool, seed: UInt64, exif: [UInt8]? = nil,
                           _ chunk: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var header = Array((video ? mp4Header : jpegHeader).prefix(Int(min(max(size, 0), 24))))
        if !video, let exif, Int64(exif.count + jpegHeader.count + 2) <= size {
            // SOI, the EXIF APP1 segment, then the JFIF APP0 as before.
            header = [0xFF, 0xD8] + exif + jpegHeader.dropFirst(2)
        }
        let trailer: [UInt8] = video || size < 26 ? [] : [0xFF, 0xD9]
        var filler = max(size - Int64(header.count) - Int64(trailer.count), 0)
        let capacity = Int(min(max(size, 8), 1 << 20))
        var rng = DemoRandom(seed: seed)
        try withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 8) { buffer in
            var used = 0
            func flush() throws {
                if used > 0 { try chunk(UnsafeRawBufferPointer(rebasing: buffer[0..<used])) }
                used = 0
            }
            func put(_ bytes: some Collection<UInt8>) throws {
                for byte in bytes {
                    if used == capacity { try flush() }
                    buffer[used] = byte
                    used += 1
                }
            }
            try put(header)
            // The filler is the generator's words, little-endian, the last one cut short.
            while filler > 0 {
                let word = rng.next()
                if filler >= 8 && capacity - used >= 8 {
                    buffer.storeBytes(of: word.littleEndian, toByteOffset: used, as: UInt64.self)
                    used += 8
                    filler -= 8
                } else {
                    let take = Int(min(filler, 8))
                    try withUnsafeBytes(of: word.littleEndian) { try put($0.prefix(take)) }
                    filler -= Int64(take)
                }
            }
            try put(trailer)
            try flush()
        }
    }

    /// The SHA-1 of the bytes `writeMedia` writes for the same arguments.
    static func mediaDigest(size: Int64, video: Bool, seed: UInt64, exif: [UInt8]? = nil) -> Digest20 {
        var hasher = Insecure.SHA1()
        mediaBytes(size: size, video: video, seed: seed, exif: exif) { hasher.update(bufferPointer: $0) }
        return Digest20(Array(hasher.finalize())) ?? .zero
    }

    /// Writes a media file (see `mediaBytes`), its folder made when missing, with `mtime`.
    static func writeMedia(_ path: String, size: Int64, video: Bool, seed: UInt64, mtime: Double, exif: [UInt8]? = nil) throws {
        let (fd, code) = try FolderMaker.withParent(of: path) { () -> (Int32, Int32) in
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            return (fd, fd >= 0 ? 0 : errno)
        }
        guard fd >= 0 else {
            throw DrillError(.environment, file: path, "cannot write a demo file", cause: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var failure: Int32 = 0
        mediaBytes(size: size, video: video, seed: seed, exif: exif) { bytes in
            guard failure == 0 else { return }
            do {
                _ = try FileDescriptor(rawValue: fd).writeAll(bytes)
            } catch let error as Errno {
                failure = error.rawValue
            } catch {
                failure = EIO
            }
        }
        guard failure == 0 else {
            throw DrillError(.environment, file: path, "cannot write a demo file", cause: String(cString: strerror(failure)))
        }
        setMtime(fd: fd, mtime)
    }

    static func writeText(_ path: String, _ text: String, mtime: Double) throws {
        try FolderMaker.makeFolders((path as NSString).deletingLastPathComponent)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try setMtime(path, mtime)
    }

    static func setMtime(fd: Int32, _ seconds: Double) {
        let whole = seconds.rounded(.down)
        var times = [timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9)),
                     timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))]
        _ = futimens(fd, &times)
    }

    static func setMtime(_ path: String, _ seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: path)
    }

    /// The path Immich stores for an asset's original.
    package func databasePath(_ asset: DemoAsset) -> String {
        asset.kind == .external ? DemoLibrary.importPaths[asset.share] + "/" + asset.relativePath
            : library.mediaPrefix + "/" + asset.relativePath
    }

    /// Thumbnail, preview and (for videos) encoded-video paths, relative to UPLOAD_LOCATION, by kind.
    /// An edited asset (v3) has its edited renditions too, `_edited` at the end of their names.
    package func derivatives(_ asset: DemoAsset) -> [(kind: String, path: String, edited: Bool)] {
        let owner = library.users[asset.owner].id.description
        let id = asset.id.description
        let folder = "\(owner)/\(id.prefix(2))/\(id.dropFirst(2).prefix(2))"
        let separator = library.era == .v1 ? "-" : "_"
        var result = [("thumbnail", "thumbs/\(folder)/\(id)\(separator)thumbnail.webp", false),
                      ("preview", "thumbs/\(folder)/\(id)\(separator)preview.jpeg", false)]
        if asset.edited {
            result += [("thumbnail", "thumbs/\(folder)/\(id)_thumbnail_edited.webp", true),
                       ("preview", "thumbs/\(folder)/\(id)_preview_edited.jpeg", true)]
        }
        if asset.isVideo && !asset.hidden { result.append(("encoded_video", "encoded-video/\(folder)/\(id).mp4", false)) }
        return result
    }

    /// Writes every file of the library as it stands at `time` (assets created by then) and records each
    /// original's SHA-1.
    package mutating func writeFiles(upTo time: Double) throws {
        hashOriginals(upTo: time)
        try writeFileTree(upTo: time)
    }

    /// Records the SHA-1 of each original that exists at `time`, from the bytes `writeFileTree` writes, without
    /// writing anything (so the dumps, which carry them, can be written while the files are).
    package mutating func hashOriginals(upTo time: Double) {
        let (indices, digests) = DemoWriter.originalDigests(library.assets, upTo: time)
        // Written once the helper let go of the array, so it changes in place rather than as a copy.
        for (k, index) in indices.enumerated() { library.assets[index].contentSHA1 = digests[k] }
    }

    /// The indices of the originals that exist at `time`, and their SHA-1s, on a few threads.
    static func originalDigests(_ assets: [DemoAsset], upTo time: Double) -> ([Int], [Digest20]) {
        let indices = assets.indices.filter { assets[$0].createdAt <= time && assets[$0].kind != .external }
        var digests = [Digest20](repeating: .zero, count: indices.count)
        digests.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            try? Parallel.forEachIndex(indices.count) { k in
                let asset = assets[indices[k]]
                out[k] = DemoWriter.mediaDigest(size: asset.size, video: asset.isVideo, seed: asset.fileSeed)
            }
        }
        return (indices, digests)
    }

    /// Writes every file of the library as it stands at `time`, on a few threads (each file is its own, and folders
    /// are made race-free).
    package func writeFileTree(upTo time: Double) throws {
        for folder in Deployment.uploadFolders {
            try DemoWriter.writeText(uploadLocation + "/\(folder)/.immich", String(Int64(library.installedAt * 1000)),
                                     mtime: library.installedAt)
        }
        for (n, user) in library.users.enumerated() {
            try DemoWriter.writeMedia(uploadLocation + "/" + user.profileImage, size: 2048, video: false,
                                      seed: UInt64(n) &+ 77, mtime: library.installedAt)
        }
        for (n, person) in library.people.enumerated() {
            let id = person.id.description
            let owner = library.users[person.owner].id.description
            try DemoWriter.writeMedia(uploadLocation + "/thumbs/\(owner)/\(id.prefix(2))/\(id.dropFirst(2).prefix(2))/\(id).jpeg",
                                      size: 4096, video: false, seed: UInt64(n) &+ 991, mtime: library.installedAt)
        }
        let indices = library.assets.indices.filter { library.assets[$0].createdAt <= time }
        let me = self
        try Parallel.forEachIndex(indices.count) { k in try me.writeAssetFiles(me.library.assets[indices[k]], index: indices[k]) }
    }

    /// One asset's files: the original, its sidecar, derivatives and NAS clutter.
    func writeAssetFiles(_ asset: DemoAsset, index: Int) throws {
        let seed = asset.fileSeed
        try DemoWriter.writeMedia(diskPath(asset), size: fileSize(asset), video: asset.isVideo, seed: seed,
                                  mtime: asset.takenAt, exif: exif(asset))
        if let sidecar = asset.sidecar {
            try DemoWriter.writeText(nasRoots[asset.share] + "/" + sidecar, DemoWriter.xmp(asset), mtime: asset.takenAt)
        }
        for derivative in derivatives(asset) {
            // Real sizes: a WebP thumbnail ~30 kB, a JPEG preview ~300 kB, a transcode ~1/4 of the original.
            let small: Int64 = switch derivative.kind {
            case "encoded_video": max(asset.size / 4, 256)
            case "preview": max(Int64(300_000 * sizeScale), 128)
            default: max(Int64(30_000 * sizeScale), 64)
            }
            try DemoWriter.writeMedia(uploadLocation + "/" + derivative.path, size: small,
                                      video: derivative.kind == "encoded_video", seed: seed &+ 1, mtime: asset.createdAt)
        }
        if asset.kind == .external, index % 7 == 0 {
            // What a Synology NAS adds next to photos; Immich's default exclusions skip it.
            let dir = (asset.relativePath as NSString).deletingLastPathComponent
            let name = (asset.relativePath as NSString).lastPathComponent
            try DemoWriter.writeMedia(nasRoots[asset.share] + "/\(dir)/@eaDir/\(name)/SYNOPHOTO_THUMB_XL.jpg", size: 3000,
                                      video: false, seed: seed &+ 2, mtime: asset.createdAt)
        }
    }

    /// The EXIF segment of a library photo (capture time, camera, dimensions, as its `asset_exif` row has them);
    /// a reorganised one's names the tool that rewrote it too. Nil for videos and uploads.
    package func exif(_ asset: DemoAsset) -> [UInt8]? {
        guard asset.kind == .external, !asset.isVideo else { return nil }
        return DemoWriter.exifSegment(make: "Demo", model: asset.cameraModel, captured: asset.takenAt,
                                      width: asset.pixels.width, height: asset.pixels.height,
                                      software: asset.reorganised ? "elodie 0.2.2 (exiftool 12.57)" : nil)
    }

    /// The size of an original on disk: the database's, plus what a rewrite of its EXIF added.
    package func fileSize(_ asset: DemoAsset) -> Int64 {
        guard asset.reorganised else { return asset.size }
        var plain = asset
        plain.reorganised = false
        return asset.size + Int64((exif(asset)?.count ?? 0) - (exif(plain)?.count ?? 0))
    }

    /// A JPEG APP1 EXIF segment (little-endian TIFF): IFD0 with Make, Model, Software and the EXIF IFD pointer; the
    /// EXIF IFD with DateTimeOriginal (the wall clock of `captured`, UTC) and PixelX/YDimension.
    static func exifSegment(make: String, model: String, captured: Double, width: Int, height: Int, software: String?) -> [UInt8] {
        let (y, m, d) = CopyValue.civil(Int((captured / 86_400).rounded(.down)))
        let t = ((Int(captured.rounded(.down)) % 86_400) + 86_400) % 86_400
        let time = DemoAsset.digits(y, 4) + ":" + DemoAsset.digits(m, 2) + ":" + DemoAsset.digits(d, 2) + " "
            + DemoAsset.digits(t / 3600, 2) + ":" + DemoAsset.digits(t / 60 % 60, 2) + ":" + DemoAsset.digits(t % 60, 2)
        typealias Entry = (tag: UInt16, type: UInt16, count: UInt32, value: [UInt8])
        func ascii(_ tag: UInt16, _ text: String) -> Entry { (tag, 2, UInt32(text.utf8.count + 1), Array(text.utf8) + [0]) }
        func long(_ tag: UInt16, _ v: Int) -> Entry { (tag, 4, 1, withUnsafeBytes(of: UInt32(v).littleEndian, Array.init)) }
        var ifd0: [Entry] = [ascii(0x010F, make), ascii(0x0110, model)]
        if let software { ifd0.append(ascii(0x0131, software)) }
        ifd0.append(long(0x8769, 0))  // the EXIF IFD's offset, filled in below
        let exifIFD: [Entry] = [ascii(0x9003, time), long(0xA002, width), long(0xA003, height)]
        func size(_ ifd: [Entry]) -> Int { 2 + 12 * ifd.count + 4 }
        func data(_ ifd: [Entry]) -> Int { ifd.reduce(0) { $0 + ($1.value.count > 4 ? $1.value.count : 0) } }
        let ifd0Offset = 8
        let exifOffset = ifd0Offset + size(ifd0) + data(ifd0)
        ifd0[ifd0.count - 1] = long(0x8769, exifOffset)
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        func write(_ ifd: [Entry], at offset: Int) -> [UInt8] {
            var out = le16(ifd.count)
            var extra: [UInt8] = []
            var dataOffset = offset + size(ifd)
            for e in ifd {
                out += le16(Int(e.tag)) + le16(Int(e.type)) + le32(Int(e.count))
                if e.value.count > 4 {
                    out += le32(dataOffset)
                    extra += e.value
                    dataOffset += e.value.count
                } else {
                    out += e.value + [UInt8](repeating: 0, count: 4 - e.value.count)
                }
            }
            return out + le32(0) + extra
        }
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(ifd0Offset) + write(ifd0, at: ifd0Offset) + write(exifIFD, at: exifOffset)
        let body = Array("Exif".utf8) + [0, 0] + tiff
        return [0xFF, 0xE1, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }

    static func xmp(_ asset: DemoAsset) -> String {
        """
        <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>\(asset.originalFileName)</dc:title></rdf:Description>
        </rdf:RDF></x:xmpmeta>
        <?xpacket end="w"?>

        """
    }
}

extension DemoWriter {
    /// The database rows of the library as it stood at `time`, in the era's table and column names, as sources that
    /// make them one at a time (for dumps of millions of assets).
    package func sources(at time: Double) -> [String: RowSource] {
        let library = self.library
        let old = library.era == .v1
        let v3 = library.era == .v3
        let prefix = library.mediaPrefix
        let included = { (index: Int) in library.assets[index].createdAt <= time }
        func owner(_ index: Int) -> CopyValue { .uuid(library.users[index].id) }
        let writer = self

        let users: RowSource = { emit in
            for user in library.users {
                try emit(["id": .uuid(user.id), "email": .text(user.email), "name": .text(user.name),
                          "storageLabel": user.storageLabel.map(CopyValue.text) ?? .null, "isAdmin": .bool(user.isAdmin),
                          "profileImagePath": .text(prefix + "/" + user.profileImage),
                          "createdAt": .timestamp(library.installedAt), "updatedAt": .timestamp(library.installedAt),
                          "shouldChangePassword": .bool(false)])
            }
        }
        let libraries: RowSource = { emit in
            try emit(["id": .uuid(library.libraryID), "name": .text("NAS photos"), "ownerId": owner(0),
                      "importPaths": .textArray(DemoLibrary.importPaths),
                      "exclusionPatterns": .textArray(ExclusionSet.immichDefaults.map { $0 }),
                      "createdAt": .timestamp(library.installedAt), "updatedAt": .timestamp(library.installedAt),
                      "refreshedAt": .timestamp(time - 7200)])
        }
        let assets: RowSource = { emit in
            for index in library.assets.indices where included(index) {
                let asset = library.assets[index]
                let path = writer.databasePath(asset)
                let checksum = asset.kind == .external ? Array(Insecure.SHA1.hash(data: Data("path:\(path)".utf8)))
                    : asset.contentSHA1.bytes
                var row: DumpRow = [
                    "id": .uuid(asset.id), "deviceAssetId": .text("\(asset.originalFileName)-\(asset.size)"),
                    "ownerId": owner(asset.owner), "deviceId": .text(asset.kind == .external ? "Library Import" : "iPhone"),
                    "type": .text(asset.isVideo ? "VIDEO" : "IMAGE"), "originalPath": .text(path),
                    "fileCreatedAt": .timestamp(asset.takenAt), "fileModifiedAt": .timestamp(asset.takenAt),
                    "localDateTime": .timestamp(asset.takenAt), "createdAt": .timestamp(asset.createdAt),
                    "updatedAt": .timestamp(asset.createdAt), "isFavorite": .bool(asset.favorite),
                    "checksum": .bytea(checksum), "originalFileName": .text(asset.originalFileName),
                    "isExternal": .bool(asset.kind == .external),
                    "libraryId": asset.kind == .external ? .uuid(library.libraryID) : .null,
                    "isOffline": .bool(asset.offline),
                    "deletedAt": asset.trashed ? .timestamp(max(asset.createdAt, time - 86_400)) : .null,
                    "status": .text(asset.trashed ? "trashed" : "active"),
                    "visibility": .text(asset.hidden ? "hidden" : asset.archived ? "archive" : "timeline"),
                    "livePhotoVideoId": asset.livePhotoVideo.map { .uuid(library.assets[$0].id) } ?? .null,
                    "stackId": asset.stack.map { .uuid(library.stacks[$0].id) } ?? .null,
                ]
                if let ms = asset.durationMilliseconds {
                    // v3 keeps milliseconds in an integer; before, text as Immich formats it (0:00:12.345000).
                    row["duration"] = v3 ? .int(ms) : .text(DemoWriter.durationText(ms))
                }
                if v3 {
                    row["isEdited"] = .bool(asset.edited)
                    row["width"] = .int(Int64(asset.pixels.width))
                    row["height"] = .int(Int64(asset.pixels.height))
                }
                if old {
                    row["sidecarPath"] = asset.sidecar.map { .text(DemoLibrary.importPaths[asset.share] + "/" + $0) } ?? .null
                    row["encodedVideoPath"] = .text(writer.derivatives(asset).first { $0.kind == "encoded_video" }
                        .map { prefix + "/" + $0.path } ?? "")
                } else {
                    row["checksumAlgorithm"] = .text(asset.kind == .external ? "sha1-path" : "sha1")
                }
                try emit(row)
            }
        }
        let exif: RowSource = { emit in
            for index in library.assets.indices where included(index) {
                let asset = library.assets[index]
                try emit(["assetId": .uuid(asset.id), "fileSizeInByte": .int(asset.size),
                          "description": .text(asset.description), "dateTimeOriginal": .timestamp(asset.takenAt),
                          "make": .text("Demo"), "model": .text(asset.cameraModel),
                          "exifImageWidth": .int(Int64(asset.pixels.width)), "exifImageHeight": .int(Int64(asset.pixels.height))])
            }
        }
        let files: RowSource = { emit in
            for index in library.assets.indices where included(index) {
                let asset = library.assets[index]
                if !old, let sidecar = asset.sidecar {
                    try emit(["assetId": .uuid(asset.id), "type": .text("sidecar"),
                              "path": .text(DemoLibrary.importPaths[asset.share] + "/" + sidecar)])
                }
                for derivative in writer.derivatives(asset) where !(old && derivative.kind == "encoded_video") {
                    try emit(["assetId": .uuid(asset.id), "type": .text(derivative.kind),
                              "path": .text(prefix + "/" + derivative.path), "isEdited": .bool(derivative.edited)])
                }
            }
        }
        let albums: RowSource = { emit in
            for album in library.albums {
                try emit(["id": .uuid(album.id), "ownerId": owner(album.owner), "albumName": .text(album.name),
                          "createdAt": .timestamp(library.installedAt)])
            }
        }
        // Album users: the shares, and from v3 the owners too (album."ownerId" is gone).
        let albumUsers: RowSource = { emit in
            if v3 {
                for album in library.albums {
                    try emit(["albumId": .uuid(album.id), "userId": owner(album.owner), "role": .text("owner"),
                              "createdAt": .timestamp(library.installedAt), "updatedAt": .timestamp(library.installedAt)])
                }
            }
            for share in library.albumShares {
                try emit([old ? "albumsId" : "albumId": .uuid(library.albums[share.album].id),
                          old ? "usersId" : "userId": owner(share.user), "role": .text(share.role),
                          "createdAt": .timestamp(library.installedAt), "updatedAt": .timestamp(library.installedAt)])
            }
        }
        let edits: RowSource = { emit in
            for edit in library.edits where included(edit.asset) {
                try emit(["assetId": .uuid(library.assets[edit.asset].id), "action": .text(edit.action),
                          "parameters": .json(edit.parameters), "sequence": .int(Int64(edit.sequence)),
                          "updatedAt": .timestamp(library.assets[edit.asset].createdAt)])
            }
        }
        let integrity: RowSource = { emit in
            for report in library.integrityReports where report.time <= time {
                try emit(["type": .text(report.type), "path": .text(report.path),
                          "assetId": .uuid(library.assets[report.asset].id), "createdAt": .timestamp(report.time)])
            }
        }
        let albumAssets: RowSource = { emit in
            for album in library.albums {
                for member in album.assets where included(member) {
                    try emit([old ? "albumsId" : "albumId": .uuid(album.id),
                              old ? "assetsId" : "assetId": .uuid(library.assets[member].id)])
                }
            }
        }
        let people: RowSource = { emit in
            for person in library.people {
                let id = person.id.description
                let ownerID = library.users[person.owner].id.description
                try emit(["id": .uuid(person.id), "ownerId": .uuid(library.users[person.owner].id),
                          "name": .text(person.name),
                          "thumbnailPath": .text("\(prefix)/thumbs/\(ownerID)/\(id.prefix(2))/\(id.dropFirst(2).prefix(2))/\(id).jpeg")])
            }
        }
        let faces: RowSource = { emit in
            for face in library.faces where included(face.asset) {
                try emit(["assetId": .uuid(library.assets[face.asset].id),
                          "personId": face.person.map { .uuid(library.people[$0].id) } ?? .null,
                          "imageWidth": .int(4000), "imageHeight": .int(3000), "boundingBoxX1": .int(100),
                          "boundingBoxY1": .int(120), "boundingBoxX2": .int(400), "boundingBoxY2": .int(480)])
            }
        }
        let tags: RowSource = { emit in
            for tag in library.tags { try emit(["id": .uuid(tag.id), "userId": owner(0), "value": .text(tag.value)]) }
        }
        let tagAssets: RowSource = { emit in
            var seen = Set<Int>()
            for item in library.tagged where included(item.asset) {
                guard seen.insert(item.asset * 16 + item.tag).inserted else { continue }
                try emit([old ? "assetsId" : "assetId": .uuid(library.assets[item.asset].id),
                          old ? "tagsId" : "tagId": .uuid(library.tags[item.tag].id)])
            }
        }
        let links: RowSource = { emit in
            try emit(["id": .uuid(library.sharedLink.id), "userId": owner(0),
                      "key": .bytea(Array(library.sharedLink.id.description.utf8.prefix(16))),
                      "type": .text("INDIVIDUAL"), "createdAt": .timestamp(library.installedAt)])
        }
        let linkAssets: RowSource = { emit in
            for member in library.sharedLink.assets where included(member) {
                try emit([old ? "assetsId" : "assetId": .uuid(library.assets[member].id),
                          old ? "sharedLinksId" : "sharedLinkId": .uuid(library.sharedLink.id)])
            }
        }
        let stacks: RowSource = { emit in
            for stack in library.stacks where included(stack.primary) {
                try emit(["id": .uuid(stack.id), "primaryAssetId": .uuid(library.assets[stack.primary].id),
                          "ownerId": owner(library.assets[stack.primary].owner)])
            }
        }
        let metadata: RowSource = { emit in
            try emit(["key": .text("system-flags"),
                      "value": .json("{\"mountChecks\": {\"thumbs\": true, \"upload\": true, \"backups\": true, \"library\": true, \"profile\": true, \"encoded-video\": true}}")])
            if !old { try emit(["key": .text("MediaLocation"), "value": .json("{\"location\": \"/data\"}")]) }
        }
        let versions: RowSource = { emit in
            try emit(["version": .text(library.era.release), "createdAt": .timestamp(library.installedAt)])
        }
        var v3Tables: [String: RowSource] = [:]
        if v3 { v3Tables = ["asset_edit": edits, "integrity_report": integrity] }
        return v3Tables.merging([
            old ? "albums_shared_users_users" : "album_user": albumUsers,
            old ? "users" : "user": users, old ? "libraries" : "library": libraries,
            old ? "assets" : "asset": assets, old ? "exif" : "asset_exif": exif,
            old ? "asset_files" : "asset_file": files, old ? "albums" : "album": albums,
            old ? "albums_assets_assets" : "album_asset": albumAssets, "person": people,
            old ? "asset_faces" : "asset_face": faces, old ? "tags" : "tag": tags, "tag_asset": tagAssets,
            old ? "shared_links" : "shared_link": links,
            old ? "shared_link__asset" : "shared_link_asset": linkAssets,
            old ? "asset_stack" : "stack": stacks, "system_metadata": metadata, "version_history": versions,
        ]) { a, _ in a }
    }

    /// A duration as Immich kept it before v3: `H:MM:SS.ffffff`.
    static func durationText(_ milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        return String(format: "%d:%02d:%02d.%03d000", seconds / 3600, seconds / 60 % 60, seconds % 60, milliseconds % 1000)
    }
}
