// What is inside a snapshot, read without extracting anything: an archive's entry headers (streamed, data skipped)
// or a snapshot folder's tree (fts). One archive or folder may hold more than the source (all of UPLOAD_LOCATION,
// the whole Docker host); `path` in the plan says where the source is inside, and without it the common layouts are
// recognised: UPLOAD_LOCATION's six folders at the top or under one prefix (`library/`, `volume1/docker/immich/
// library/`), an external folder at the top, under its own name (`photos/`) or under its full host path.

import DrillCatalog
import DrillArchive
import Foundation

/// One UPLOAD_LOCATION folder inside a snapshot.
package struct FolderStats: Sendable, Codable, Equatable {
    public var present = false
    /// `<folder>/.immich` is inside.
    public var marker = false
    public var files = 0
    public var bytes: Int64 = 0

    package init(present: Bool = false, marker: Bool = false, files: Int = 0, bytes: Int64 = 0) {
        self.present = present
        self.marker = marker
        self.files = files
        self.bytes = bytes
    }
}

/// What a listing is asked for.
public struct ListingRequest: Sendable {
    /// How the source sits in the snapshot.
    package enum Layout: Sendable {
        /// All of UPLOAD_LOCATION: the six folders below the root.
        case uploadLocation
        /// One folder (an UPLOAD_LOCATION folder or an external import path) is the root.
        case folder
    }

    package var layout: Layout
    /// The plan's `path` (where the source is inside); nil to recognise it.
    public var path: String?
    /// The source's folder on the Docker host, to recognise whole-host layouts and to place `probes`.
    public var hostPath: String?
    /// The container path, whose last component is another name the folder may have inside.
    public var containerPath: String?
    /// Where this machine sees the source (a backup made on the drill machine stores this path).
    package var drillPath: String?
    /// Host paths to look for inside (the Compose file and .env).
    package var probes: [String] = []
    /// Keep the size and mtime of the files that may be originals (relative to the root), for comparing with the
    /// live files: `tables(folder:)` says which.
    package var keepTable = false
    /// The UPLOAD_LOCATION folder that is this request's one folder (a source of `upload/thumbs` alone), if any.
    package var uploadFolder: String?

    /// Whether the table holds the files of the UPLOAD_LOCATION folder `folder` (nil: this request's own folder).
    /// What Immich generates (thumbs/, encoded-video/, profile/, backups/: two million files at a million assets)
    /// the live check compares by mtime, as Immich writes those files when it makes them and never dates them back;
    /// the table holds the folders that may hold originals only.
    package func tables(folder: Substring? = nil) -> Bool {
        guard keepTable else { return false }
        if let folder { return !Deployment.foldersWithoutOriginals.contains(where: { $0 == folder }) }
        return uploadFolder.map { !Deployment.foldersWithoutOriginals.contains($0) } ?? true
    }

    package init(layout: Layout, path: String?, hostPath: String?, containerPath: String?) {
        self.layout = layout
        self.path = path
        self.hostPath = hostPath
        self.containerPath = containerPath
    }
}

/// The contents of one snapshot.
package struct SnapshotListing: Sendable {
    /// Entries of every type, anywhere in the archive or folder.
    public var entries = 0
    /// Regular files (and hard links) below the root, and their bytes.
    public var files = 0
    public var bytes: Int64 = 0
    package var newestMtime: Int64?
    /// Where the source is inside ("" for the top), and how that was decided.
    public var root = ""
    package var rootSource = "top"
    /// The first names at the top, sorted (at most 12).
    package var topLevel: [String] = []
    /// UPLOAD_LOCATION folders by name, or "" for a single folder.
    public var folders: [String: FolderStats] = [:]
    /// The requested probe host paths that are inside.
    package var probesFound: Set<String> = []
    /// Files below the root by relative path, when asked for.
    public var table: FileStatTable?
    /// Entries outside the root (other things the archive holds).
    package var outsideRoot = 0
    /// Symlinks below the root.
    public var symlinks = 0
    /// Only probed (folders, markers and probes by stat; no walk): counts are unknown.
    package var probedOnly = false
    /// False when the source's root could not be found (none of UPLOAD_LOCATION's six folders under any prefix):
    /// findings about its files would only describe the wrong folder.
    package var rootFound = true
}

/// Lists snapshots without extracting them: archive headers, folder trees, a tool's file list.
public enum SnapshotLister {
    /// How many leading entries of an archive are looked at to recognise its layout.
    static let detectionWindow = 50_000

    /// Lists `snapshot` (an archive or a folder).
    package static func list(_ snapshot: Snapshot, _ request: ListingRequest) throws -> SnapshotListing {
        switch snapshot.kind {
        case .archive: try listArchive(snapshot.location, request)
        case .directory: try listDirectory(snapshot.location, request)
        default: throw DrillError(.input, file: snapshot.location, "a \(snapshot.kind.rawValue) snapshot cannot be listed without restoring it")
        }
    }

    /// `./a/b/`, `/a/b` → `a/b`.
    public static func clean(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        return p == "." ? "" : String(p)
    }

    /// The inside path that a host path has when `root` holds the source at `hostPath` (nil when it cannot be).
    /// The two are related through their common folder on the host: the Compose file beside UPLOAD_LOCATION
    /// (`/srv/immich/docker-compose.yml` beside `/srv/immich/library`) is looked for beside the root
    /// (`x/docker-compose.yml` when the root is `x/library`), whatever prefix the snapshot put above them.
    static func insidePath(ofHost probe: String, root: String, hostPath: String?) -> String? {
        guard let hostPath else { return nil }
        let host = Paths.normalize(hostPath).split(separator: "/").map(String.init)
        let target = Paths.normalize(probe).split(separator: "/").map(String.init)
        var common = 0
        while common < host.count, common < target.count, host[common] == target[common] { common += 1 }
        let up = host.count - common
        let rootParts = root.split(separator: "/").map(String.init)
        guard up <= rootParts.count else { return nil }
        let parts = Array(rootParts.dropLast(up)) + target.dropFirst(common)
        return parts.joined(separator: "/")
    }

    // MARK: Archives

    static func listArchive(_ path: String, _ request: ListingRequest) throws -> SnapshotListing {
        try listArchive(path, [request])[0]
    }

    /// Lists an archive for several sources at once (a whole-install archive): one pass over the headers, one view
    /// per request, each with its own root.
    package static func listArchive(_ path: String, _ requests: [ListingRequest]) throws -> [SnapshotListing] {
        do {
            let lister = try ArchiveLister(path: path)
            return try listEntries(requests) { body in try lister.forEachEntry(body) }
        } catch let error as ArchiveError {
            throw DrillError(.input, file: path, "cannot list this archive", cause: error.message)
        }
    }

    /// The views of a stream of entries (an archive's headers, a backup tool's file list), one per request: the first
    /// `detectionWindow` entries decide each root, then every entry is added up.
    package static func listEntries(_ requests: [ListingRequest],
                            _ forEach: ((ArchiveEntry) throws -> Bool) throws -> Void) throws -> [SnapshotListing] {
        var listings = [SnapshotListing](repeating: SnapshotListing(), count: requests.count)
        var window: [ArchiveEntry] = []
        var accumulators: [Accumulator] = []
        var top = Set<String>()
        var entries = 0
        func start() {
            let names = window.map { clean($0.path) }
            for (i, request) in requests.enumerated() {
                let root = detectRoot(request, names)
                let accumulator = Accumulator(request, root: root, listing: &listings[i])
                listings[i].rootFound = root.1 != notFound
                for e in window { accumulator.add(clean(e.path), e) }
                accumulators.append(accumulator)
            }
            window = []
        }
        try forEach { entry in
            entries += 1
            let name = clean(entry.path)
            if let first = name.split(separator: "/", maxSplits: 1).first, top.count < 200 { top.insert(String(first)) }
            if !accumulators.isEmpty {
                for accumulator in accumulators { accumulator.add(name, entry) }
                return true
            }
            window.append(entry)
            if window.count >= detectionWindow { start() }
            return true
        }
        if accumulators.isEmpty { start() }
        for (i, accumulator) in accumulators.enumerated() {
            accumulator.finish(into: &listings[i])
            listings[i].entries = entries
            listings[i].topLevel = Array(top.sorted().prefix(12))
        }
        return listings
    }

    /// What a backup tool's `files:` command printed, as entries: JSON lines (`restic ls --json`: its snapshot line
    /// skipped, nodes with path, type file/dir/symlink, size, mtime; `borg list --json-lines`: type `-`/`d`/`l`) or a
    /// path a line (a path that another path lies below is a folder). A line that is neither is an error naming it.
    package static func entries(fromFileList output: Data, what: String) throws -> [ArchiveEntry] {
        var out: [ArchiveEntry] = []
        var plain: [String] = []
        let isoPlain = ISO8601DateFormatter()
        for (n, raw) in output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).enumerated() {
            let text = PathText.decode(raw)
            let line = text.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard line.hasPrefix("{") else {
                plain.append(line.hasSuffix("\r") ? String(line.dropLast()) : line)
                continue
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any] else {
                throw DrillError(.input, file: "\(what) output", line: n + 1, "expected a JSON object with a \"path\" (or a path a line), got '\(line.prefix(120))'")
            }
            if object["struct_type"] as? String == "snapshot" { continue }
            guard let path = object["path"] as? String else {
                throw DrillError(.input, file: "\(what) output", line: n + 1, "expected a \"path\" in '\(line.prefix(120))'")
            }
            let type: ArchiveEntryType
            switch object["type"] as? String {
            case "dir", "d": type = .directory
            case "symlink", "l": type = .symlink
            case nil, "file", "-": type = .file
            default: type = .other
            }
            let size = (object["size"] as? NSNumber)?.int64Value ?? 0
            let mtimeText = object["mtime"] as? String
            // restic writes nanoseconds, borg microseconds and no zone (UTC): the seconds are what a listing keeps.
            let mtime = mtimeText.flatMap { text -> Date? in
                var t = text.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression)
                if !t.hasSuffix("Z"), t.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) == nil { t += "Z" }
                return isoPlain.date(from: t)
            }.map { Int64($0.timeIntervalSince1970) } ?? 0
            out.append(ArchiveEntry(path: path, type: type, size: size, mtime: mtime))
        }
        if !plain.isEmpty {
            let folders = Set(plain.flatMap { path -> [String] in
                let parts = clean(path).split(separator: "/")
                return parts.indices.dropLast().map { parts[...$0].joined(separator: "/") }
            })
            for path in plain {
                out.append(ArchiveEntry(path: path, type: folders.contains(clean(path)) || path.hasSuffix("/") ? .directory : .file, size: 0, mtime: 0))
            }
        }
        return out
    }

    /// Decides where the source is inside from the first entries' paths.
    static func detectRoot(_ request: ListingRequest, _ names: [String]) -> (String, String) {
        if let path = request.path { return (clean(path), "plan") }
        switch request.layout {
        case .uploadLocation:
            // The prefix under which most of the six folders appear.
            var seen: [String: Set<String>] = [:]
            for name in names {
                let parts = name.split(separator: "/")
                for (i, part) in parts.prefix(10).enumerated() where Deployment.uploadFolders.contains(String(part)) {
                    seen[parts[0..<i].joined(separator: "/"), default: []].insert(String(part))
                }
            }
            let best = seen.max { a, b in
                a.value.count != b.value.count ? a.value.count < b.value.count : a.key.count > b.key.count
            }
            return best.map { ($0.key, $0.key.isEmpty ? "top" : "recognised") } ?? ("", SnapshotLister.notFound)
        case .folder:
            for candidate in folderCandidates(request) {
                if names.contains(where: { $0 == candidate || $0.hasPrefix(candidate + "/") }) {
                    return (candidate, "recognised")
                }
            }
            // A backup tool that stores absolute paths from another machine (`restic backup /srv/share/photos`):
            // the shallowest folder named as the source is, when the top holds nothing but the way down to it.
            let own = folderCandidates(request).compactMap { $0.split(separator: "/").last.map(String.init) }
            let tops = Set(names.compactMap { $0.split(separator: "/").first.map(String.init) })
            if tops.count == 1, !own.isEmpty {
                var best: String?
                for name in names {
                    guard let last = name.split(separator: "/").last, own.contains(String(last)) else { continue }
                    if best == nil || name.split(separator: "/").count < best!.split(separator: "/").count { best = name }
                }
                if let best { return (best, "recognised") }
            }
            return ("", "top")
        }
    }

    /// The finding for snapshots whose source root was not found (`examples`: the source, the snapshot, its top).
    package static func rootNotFound(_ examples: [String]) -> Finding {
        Finding(
            code: .sourceRootNotFound, severity: .critical, count: examples.count,
            message: "A snapshot holds none of UPLOAD_LOCATION's six folders (library, upload, thumbs, encoded-video, profile, backups) at its top or under any prefix, so where UPLOAD_LOCATION is inside it cannot be told.",
            examples: examples,
            immichWill: "Find nothing where it looks if this snapshot is restored as it is: every original, thumbnail and marker missing.",
            remedy: "Set the source's 'path:' in the plan to the folder inside the snapshot that holds library/, upload/, thumbs/… (e.g. path: volume1/docker/immich/library), or fix the backup job if it did not back up UPLOAD_LOCATION.")
    }

    /// One example of `rootNotFound`: the source, the snapshot and what is at its top.
    package static func rootNotFoundExample(_ source: SourceID, _ snapshot: String, top: [String]) -> String {
        "\(source) in \(snapshot): at its top " + (top.isEmpty ? "nothing" : top.joined(separator: ", "))
    }

    /// The root source of a listing whose root was not found.
    package static let notFound = "not found"

    /// The folders below `path`, relative, breadth first: at most `depth` levels and `limit` folders. Inside a
    /// folder that holds two or more of UPLOAD_LOCATION's six, those six are not descended into (their insides say
    /// nothing about the layout, and hold most of the folders). What the recogniser reads for a folder tree, as it
    /// reads an archive's first entries.
    static func folderNames(_ path: String, depth: Int = 8, limit: Int = 20_000) -> [String] {
        var names: [String] = []
        var level = [""]
        for _ in 0..<depth {
            var next: [String] = []
            for rel in level {
                let dir = rel.isEmpty ? path : path + "/" + rel
                guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
                let folders = entries.sorted().filter { name in
                    var st = stat()
                    return lstat(dir + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
                }
                let isUploadLocation = folders.filter { Deployment.uploadFolders.contains($0) }.count >= 2
                for name in folders {
                    let child = rel.isEmpty ? name : rel + "/" + name
                    names.append(child)
                    if names.count >= limit { return names }
                    if !(isUploadLocation && Deployment.uploadFolders.contains(name)) { next.append(child) }
                }
            }
            if next.isEmpty { break }
            level = next
        }
        return names
    }

    /// Inside names a single folder may have: its full host path, its own name, its container name.
    static func folderCandidates(_ request: ListingRequest) -> [String] {
        var result: [String] = []
        if let host = request.hostPath { result.append(clean(host)) }
        if let drill = request.drillPath, !result.contains(clean(drill)) { result.append(clean(drill)) }
        for path in [request.hostPath, request.containerPath].compactMap({ $0 }) {
            let last = (Paths.normalize(path) as NSString).lastPathComponent
            if !last.isEmpty, last != "/", !result.contains(last) { result.append(last) }
        }
        return result.filter { !$0.isEmpty }
    }

    /// Adds entries up into a listing once the root is known.
    final class Accumulator {
        let request: ListingRequest
        let root: String
        let prefix: String
        var folders: [String: FolderStats] = [:]
        var table: FileStatTable?
        var probes: [String: String] = [:]
        var found = Set<String>()
        var files = 0
        var bytes: Int64 = 0
        var newest: Int64?
        var outside = 0
        var symlinks = 0

        init(_ request: ListingRequest, root: (String, String), listing: inout SnapshotListing) {
            self.request = request
            self.root = root.0
            prefix = root.0.isEmpty ? "" : root.0 + "/"
            listing.root = root.0
            listing.rootSource = root.1
            if request.tables() { table = FileStatTable() }
            for probe in request.probes {
                if let inside = SnapshotLister.insidePath(ofHost: probe, root: root.0, hostPath: request.hostPath) {
                    probes[inside] = probe
                }
            }
        }

        func add(_ name: String, _ entry: ArchiveEntry) {
            if let probe = probes[name] { found.insert(probe) }
            let rel: Substring
            if prefix.isEmpty {
                rel = Substring(name)
            } else if name.hasPrefix(prefix) {
                rel = name.dropFirst(prefix.count)
            } else {
                if name != root { outside += 1 }
                return
            }
            if entry.type == .symlink { symlinks += 1 }
            let isFile = entry.type == .file || entry.type == .hardlink
            var size = entry.size
            if entry.type == .hardlink, size == 0, let target = entry.linkTarget, let table,
               let known = table.size(String(SnapshotLister.clean(target).dropFirst(prefix.count))) {
                size = known
            }
            var tabled = true
            switch request.layout {
            case .uploadLocation:
                let parts = rel.split(separator: "/", maxSplits: 1)
                guard let first = parts.first else { return }
                let key = String(first)
                tabled = request.tables(folder: first)
                guard Deployment.uploadFolders.contains(key) else {
                    if isFile { outside += 1 }
                    return
                }
                var stats = folders[key] ?? FolderStats()
                stats.present = true
                if parts.count == 2, parts[1] == ".immich" { stats.marker = true }
                if isFile {
                    stats.files += 1
                    stats.bytes += size
                }
                folders[key] = stats
            case .folder:
                var stats = folders[""] ?? FolderStats()
                stats.present = true
                if rel == ".immich" { stats.marker = true }
                if isFile {
                    stats.files += 1
                    stats.bytes += size
                }
                folders[""] = stats
            }
            guard isFile else { return }
            files += 1
            bytes += size
            newest = max(newest ?? entry.mtime, entry.mtime)
            if table != nil, tabled {
                table?.set(String(rel), size: size, mtime: entry.mtime)
            }
        }

        func finish(into listing: inout SnapshotListing) {
            listing.files = files
            listing.bytes = bytes
            listing.newestMtime = newest
            listing.folders = folders
            listing.table = table
            listing.probesFound = found
            listing.outsideRoot = outside
            listing.symlinks = symlinks
        }
    }

    // MARK: Folders

    package static func listDirectory(_ path: String, _ request: ListingRequest) throws -> SnapshotListing {
        var listing = SnapshotListing()
        let root = detectDirectoryRoot(path, request)
        listing.root = root.0
        listing.rootSource = root.1
        listing.topLevel = Array(((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().prefix(12))
        let base = Paths.append(root.0, to: path)
        guard FileProbe.kind(base) == .directory else {
            throw DrillError(.input, file: base, "the snapshot has no folder here (the plan's 'path' is '\(root.0)')")
        }
        let accumulator = Accumulator(request, root: ("", root.1), listing: &listing)
        listing.root = root.0
        listing.rootFound = root.1 != notFound
        accumulator.probes = [:]
        for probe in request.probes {
            if let inside = insidePath(ofHost: probe, root: root.0, hostPath: request.hostPath),
               FileProbe.exists(Paths.append(inside, to: path)) {
                accumulator.found.insert(probe)
            }
        }
        let cut = base == "/" ? 1 : base.utf8.count + 1
        // Everything is listed (the markers are hidden files), nothing pruned.
        let summary = try FileWalker.walk(base) { file in
            let rel = String(decoding: file.path.utf8.dropFirst(cut), as: UTF8.self)
            accumulator.add(rel, ArchiveEntry(path: rel, type: .file, size: file.size, mtime: Int64(file.mtime)))
        }
        // Folders count as present even when empty.
        if request.layout == .uploadLocation {
            for folder in Deployment.uploadFolders where FileProbe.kind(base + "/" + folder) == .directory {
                accumulator.folders[folder, default: FolderStats()].present = true
            }
        } else {
            accumulator.folders["", default: FolderStats()].present = true
        }
        accumulator.finish(into: &listing)
        listing.entries = summary.files + summary.symlinks
        listing.symlinks = summary.symlinks
        return listing
    }

    /// A snapshot folder's layout without walking it: where the source is, which UPLOAD_LOCATION folders and
    /// markers are there, and which probes, each by one stat.
    package static func probeDirectory(_ path: String, _ request: ListingRequest) -> SnapshotListing {
        var listing = SnapshotListing()
        listing.probedOnly = true
        let root = detectDirectoryRoot(path, request)
        (listing.root, listing.rootSource) = root
        listing.rootFound = root.1 != notFound
        listing.topLevel = Array(((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().prefix(12))
        let base = Paths.append(root.0, to: path)
        switch request.layout {
        case .uploadLocation:
            for folder in Deployment.uploadFolders {
                listing.folders[folder] = FolderStats(present: FileProbe.kind(base + "/" + folder) == .directory,
                                                      marker: FileProbe.exists(base + "/" + folder + "/.immich"))
            }
        case .folder:
            listing.folders[""] = FolderStats(present: FileProbe.kind(base) == .directory,
                                              marker: FileProbe.exists(base + "/.immich"))
        }
        for probe in request.probes {
            if let inside = insidePath(ofHost: probe, root: root.0, hostPath: request.hostPath),
               FileProbe.exists(Paths.append(inside, to: path)) {
                listing.probesFound.insert(probe)
            }
        }
        return listing
    }

    /// Where the source is in a folder tree (a snapshot folder, or what a backup tool restored): the plan's `path`,
    /// else the same recogniser archives get, over the tree's folder names.
    package static func detectDirectoryRoot(_ path: String, _ request: ListingRequest) -> (String, String) {
        if let planned = request.path { return (clean(planned), "plan") }
        if request.layout == .uploadLocation,
           Deployment.uploadFolders.filter({ FileProbe.kind(path + "/" + $0) == .directory }).count >= 2 {
            return ("", "top")
        }
        return detectRoot(request, folderNames(path))
    }
}
