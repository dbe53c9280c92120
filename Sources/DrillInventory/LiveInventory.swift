// The live inventory: every source as the drill machine sees it now, walked with fts. UPLOAD_LOCATION is walked
// once and counted per folder; each external import path is walked the way Immich's library scan walks it
// (exclusion patterns, no hidden files). Each source is compared with its newest snapshot (what a disaster now
// would lose), and, with a catalog of the newest dump, the files are checked against the database the way Immich's
// own integrity report does, offline: originals the database references that are not on disk, and files on disk no
// asset references.

import DrillCatalog
import Foundation

/// One source as it is now.
package struct LiveSource: Sendable, Codable, Equatable {
    public var source: String
    /// Where it was walked (a drill-machine path).
    public var path: String?
    /// False when the folder is not visible from here (not mounted, no `mounts:` entry).
    package var visible: Bool
    public var files = 0
    public var bytes: Int64 = 0
    package var newestMtime: Double?
    /// Files left out by exclusion patterns and the hidden-file rule (external folders).
    package var excluded = 0
    package var unreadable = 0
    /// The snapshot compared with, and how: `listing` (path, size, mtime) or `mtime` (newer than the snapshot).
    package var comparedWith: String?
    package var comparedBy: String?
    /// Files added or changed since that snapshot, and their bytes.
    package var changedFiles: Int?
    package var changedBytes: Int64?

    package init(source: String, path: String?, visible: Bool) {
        self.source = source
        self.path = path
        self.visible = visible
    }
}

/// The newest snapshot of a source, as the live walk compares with it.
package struct LiveBaseline: Sendable {
    public var name: String
    public var time: Double
    /// The snapshot's files, by path relative to the planned source's root.
    public var table: FileStatTable?
    /// What to put before a live path (relative to the source) to find it in `table`: `library/` when the table is
    /// of all of UPLOAD_LOCATION and the source is one folder of it.
    public var prefix: String

    package init(name: String, time: Double, table: FileStatTable?, prefix: String) {
        self.name = name
        self.time = time
        self.table = table
        self.prefix = prefix
    }
}

/// An external folder to walk.
package struct LiveExternal: Sendable {
    public var source: String
    public var containerPath: String
    public var local: String?
    package var exclusions: ExclusionSet
    /// True when a library imports from it, so its files are checked against the database.
    package var imported: Bool

    package init(source: String, containerPath: String, local: String?, exclusions: ExclusionSet, imported: Bool = true) {
        self.imported = imported
        self.source = source
        self.containerPath = containerPath
        self.local = local
        self.exclusions = exclusions
    }
}

/// What the live files say against the database.
package struct LiveIntegrity: Sendable {
    /// Assets (indexes into the catalog) whose original is referenced, expected on disk, and not there.
    public var missing: [Int32] = []
    /// Files no asset references (originals' folders and import paths only).
    package var untracked = 0
    package var untrackedBytes: Int64 = 0
    /// Of those, the ones written, copied or renamed after the dump was taken (by ctime: Immich sets an upload's
    /// mtime to the photo's own date, so mtime cannot tell).
    package var untrackedNewerThanDump = 0
    package var untrackedExamples: [String] = []
    /// With `collectUntracked`: every untracked file, by the path Immich would see it at and where it is here.
    package var untrackedFiles: [(container: String, local: String, size: Int64)] = []
    /// Offline assets whose original is not on disk either (a relink may find them elsewhere).
    package var offlineAbsent: [Int32] = []
}

/// The live library walked against the newest dump: what changed since the snapshots, what moved, what nobody references.
package struct LiveInventory: Sendable {
    package var sources: [LiveSource] = []
    package var integrity: LiveIntegrity?
    public var seconds: Double = 0

    /// Walks UPLOAD_LOCATION (`uploadRoot`) and each external folder. `baselines` by deployment source id;
    /// `index` and `catalog` for the integrity check; `dumpTime` to tell late files from orphans.
    package static func take(uploadRoot: String?, externals: [LiveExternal], baselines: [String: LiveBaseline],
                            catalog: Catalog?, index: ReferenceIndex?, dumpTime: Double?,
                            mediaContainer: String? = nil, collectUntracked: Bool = false) -> LiveInventory {
        let began = Date()
        var result = LiveInventory()
        var seen = [Bool](repeating: false, count: index == nil ? 0 : (catalog?.assets.count ?? 0))
        var walkedRoots: [String] = []
        var integrity = LiveIntegrity()

        func note(_ file: WalkedFile, _ live: inout LiveSource, baseline: LiveBaseline?, rel: Substring, byMtime: Bool = false) {
            live.files += 1
            live.bytes += file.size
            live.newestMtime = max(live.newestMtime ?? file.mtime, file.mtime)
            guard let baseline else { return }
            let changed: Bool
            if !byMtime, let table = baseline.table {
                let key = baseline.prefix.isEmpty ? String(rel) : baseline.prefix + rel
                // Unchanged: the same size, and the mtime within a second (a listing's whole seconds, FAT's two).
                changed = table.matches(key, size: file.size, mtime: Int64(file.mtime.rounded(.down))) != true
            } else {
                changed = file.mtime > baseline.time
            }
            if changed {
                live.changedFiles! += 1
                live.changedBytes! += file.size
            }
        }
        func start(_ id: String, _ path: String?, _ visible: Bool, byMtime: Bool = false) -> LiveSource {
            var live = LiveSource(source: id, path: path, visible: visible)
            if visible, let baseline = baselines[id] {
                live.comparedWith = baseline.name
                live.comparedBy = baseline.table == nil || byMtime ? "mtime" : "listing"
                live.changedFiles = 0
                live.changedBytes = 0
            }
            return live
        }
        func untracked(_ file: WalkedFile, container: @autoclosure () -> String?) {
            if collectUntracked, let container = container() {
                integrity.untrackedFiles.append((container, file.path, file.size))
            }
            integrity.untracked += 1
            integrity.untrackedBytes += file.size
            if let dumpTime, max(file.mtime, file.ctime) > dumpTime { integrity.untrackedNewerThanDump += 1 }
            if integrity.untrackedExamples.count < Finding.maxExamples { integrity.untrackedExamples.append(file.path) }
        }

        // UPLOAD_LOCATION, once, counted per folder. What Immich generates is compared by mtime (newer than the
        // snapshot): it writes those files when it makes them, and a listing's table does not hold them.
        let generated = Set(Deployment.foldersWithoutOriginals)
        var uploads: [String: LiveSource] = [:]
        let uploadVisible = uploadRoot.map { FileProbe.kind($0) == .directory } ?? false
        for folder in Deployment.uploadFolders {
            uploads[folder] = start("upload/\(folder)", uploadRoot.map { $0 + "/" + folder }, uploadVisible,
                                    byMtime: generated.contains(folder))
        }
        if let uploadRoot, uploadVisible {
            walkedRoots.append(uploadRoot)
            let cut = uploadRoot.utf8.count + 1
            let summary = try? FileWalker.walk(uploadRoot) { file in
                let rel = Substring(file.path.utf8.dropFirst(cut))  // `cut` counts UTF-8 bytes, not Characters
                guard let slash = rel.firstIndex(of: "/") else { return }
                let folder = String(rel[..<slash])
                guard var live = uploads[folder] else { return }
                note(file, &live, baseline: baselines[live.source], rel: rel[rel.index(after: slash)...],
                     byMtime: generated.contains(folder))
                uploads[folder] = live
                guard let index else { return }
                if let asset = index.originals[file.path] {
                    seen[Int(asset)] = true
                } else if folder == "library" || folder == "upload", !index.others.contains(file.path),
                          !rel.hasSuffix("/.immich"), !index.isSidecarOfOriginal(file.path) {
                    untracked(file, container: mediaContainer.map { $0 + "/" + String(rel) })
                }
            }
            if let summary, !summary.errors.isEmpty { uploads["library"]?.unreadable += summary.errors.count }
        }
        result.sources = Deployment.uploadFolders.compactMap { uploads[$0] }

        // External folders, as a library scan sees them.
        for external in externals {
            let visible = external.local.map { FileProbe.kind($0) == .directory } ?? false
            var live = start(external.source, external.local, visible)
            if let local = external.local, visible {
                walkedRoots.append(local)
                let cut = local == "/" ? 1 : local.utf8.count + 1
                let container = external.containerPath
                let summary = try? FileWalker.walk(local, decide: { path, isDirectory in
                    if FileWalker.isHidden(path) { return .skip }
                    let inContainer = container + "/" + String(decoding: path.utf8.dropFirst(cut), as: UTF8.self)
                    if isDirectory {
                        return external.exclusions.excludingFolder(inContainer) == nil ? .include : .skip
                    }
                    return external.exclusions.excluding(inContainer) == nil ? .include : .skip
                }) { file in
                    let rel = Substring(file.path.utf8.dropFirst(cut))  // `cut` counts UTF-8 bytes, not Characters
                    note(file, &live, baseline: baselines[external.source], rel: rel)
                    guard let index, external.imported else { return }
                    if let asset = index.originals[file.path] {
                        seen[Int(asset)] = true
                    } else if MediaTypes.isMedia(file.path), !index.others.contains(file.path) {
                        untracked(file, container: container + "/" + String(rel))
                    }
                }
                if let summary {
                    live.excluded = summary.skippedFiles + summary.prunedDirectories
                    live.unreadable = summary.errors.count
                }
            }
            result.sources.append(live)
        }

        // Originals the database expects on disk (not offline) under a walked folder, and not found there.
        if let index, let catalog {
            index.originals.forEach { path, asset in
                guard !seen[Int(asset)] else { return }
                let record = catalog.assets[Int(asset)]
                guard walkedRoots.contains(where: { path.hasPrefix($0 + "/") }) else { return }
                if record.flags.contains(.offline) {
                    integrity.offlineAbsent.append(asset)
                    return
                }
                integrity.missing.append(asset)
            }
            integrity.missing.sort()
            integrity.offlineAbsent.sort()
            result.integrity = integrity
        }
        result.seconds = Date().timeIntervalSince(began)
        return result
    }
}
