// Checks a restored restore point the way Immich will meet it when it starts and scans: every database reference
// against the restored files (presence for all, content for the sampled or all), the folder markers, and the files
// nobody references. Each failure mode becomes a finding with its count, examples, what Immich will do and the fix.

import DrillInventory
import DrillRestore
import Crypto
import Foundation

/// What verification measured besides findings.
package struct VerificationStats: Sendable, Codable, Equatable {
    public var assets = 0
    package var checkedPresence = 0
    package var checkedContent = 0
    package var badContent = 0
    package var population = 0
    package var sampled: Int?
    package var statement: String?
    /// Assets whose thumbnail or preview is not restored, and videos whose transcode is not: regeneration work.
    package var assetsNeedingThumbnails = 0
    package var videosNeedingTranscode = 0
    /// Of the files Immich's own integrity check recorded in the dump (v3), how many the drill's findings name too
    /// (absent before v3 and in reports written before it existed).
    package var immichRecordedAlsoFound: Int?
    public var seconds = 0.0
}

/// Checks a restored restore point against the catalog, one function per failure mode.
package struct Verifier {
    public var catalog: Catalog
    public var deployment: Deployment
    package var index: RestoreIndex
    /// Assets whose content is checked (nil: every restored one).
    public var sample: Set<Int32>?
    /// Planned sources with no member in the restore point.
    package var absentSources: [String]
    /// Container roots whose snapshot's layout was not recognised (`source-root-not-found`): their files are not
    /// checked, since every finding about them would only describe the wrong folder.
    package var unverifiedRoots: [String] = []
    /// Redrawn while the references are checked.
    package var progress: ProgressBar?

    func unverified(_ path: String) -> Bool {
        !unverifiedRoots.isEmpty && unverifiedRoots.contains { Paths.isWithin(path, $0) }
    }
    /// A live file's (mtime, ctime) by container path, to tell why an original is missing.
    package var liveStat: (String) -> (mtime: Double, ctime: Double)?

    package init(catalog: Catalog, deployment: Deployment, index: RestoreIndex, sample: Set<Int32>?,
                absentSources: [String], liveStat: @escaping (String) -> (mtime: Double, ctime: Double)?) {
        self.catalog = catalog
        self.deployment = deployment
        self.index = index
        self.sample = sample
        self.absentSources = absentSources
        self.liveStat = liveStat
    }

    /// A database path as the container sees it now: relative `upload/…` under /usr/src/app, and the dump's media
    /// prefix moved to the deployment's media location (Immich migrates it at startup).
    public func containerPath(_ stored: String) -> String {
        let media = deployment.mediaLocation.containerPath
        if let prefix = catalog.mediaPrefix, prefix != media {
            if stored == prefix { return media }
            if stored.hasPrefix(prefix + "/") { return media + stored.dropFirst(prefix.count) }
        }
        if !stored.hasPrefix("/") { return "/usr/src/app/" + stored }
        return stored
    }

    static func sha1(_ text: String) -> Digest20 {
        Digest20(Array(Insecure.SHA1.hash(data: Data(text.utf8))))!
    }

    /// What verification observed, before any finding is made of it.
    struct Observations {
        var pathMismatch: [Int32]
        var missing: [(asset: Int32, cause: String)]
        var moved: [(asset: Int32, to: String)]
        var badChecksum: [Int32]
        var remainingOrphans: [(path: String, file: RestoredFile, external: Bool)]
        var missingSidecars: [String]
        var missingDerivatives: [String]
        /// Offline assets (not checked) whose file is not in the restore either: a relink may find them.
        var offlineAbsent: [Int32] = []
        var derivativeKinds: [String: Int]
        var offline: Int
        var trashed: Int
        /// Each external library's import path with its exclusion patterns.
        var exclusions: [(String, ExclusionSet)]
    }

    /// The checks, each a function of the observations returning its findings (a new check is one more entry).
    var checks: [(Observations) -> [Finding]] {
        [pathMismatchCheck, missingOriginalCheck, movedOriginalCheck, checksumMismatchCheck, orphanOriginalCheck, missingSidecarCheck, missingDerivativeCheck, missingMarkerCheck, offlineAssetsCheck, trashedAssetsCheck, metadataAtRiskCheck]
    }

    public func run() -> (findings: [Finding], stats: VerificationStats) {
        let result = run(relink: false)
        return (result.findings, result.stats)
    }

    /// Verifies; with `relink`, also plans where the missing and moved originals went (`Relinker`).
    package func run(relink: Bool) -> (findings: [Finding], stats: VerificationStats, relink: RelinkPlan?) {
        let started = Date()
        var stats = VerificationStats()
        let observations = observe(into: &stats)
        var relinkPlan: RelinkPlan?
        if relink { relinkPlan = self.relinkPlan(observations) }
        let (findings, alsoFound) = knownToImmich(checks.flatMap { $0(observations) }, observations)
        if catalog.integrity.present { stats.immichRecordedAlsoFound = alsoFound }
        if let sample {
            stats.sampled = sample.count
            let checkable = stats.checkedContent
            stats.statement = Sampler.statement(sampled: checkable, bad: stats.badContent, population: stats.population)
        }
        stats.seconds = Date().timeIntervalSince(started)
        return (findings, stats, relinkPlan)
    }

    /// The stored form of a container path (the inverse of `containerPath`), for the SQL.
    package func storedPath(_ container: String) -> String {
        let media = deployment.mediaLocation.containerPath
        if let prefix = catalog.mediaPrefix, prefix != media, let rest = Paths.remainder(of: container, under: media) {
            return rest.isEmpty ? prefix : prefix + "/" + rest
        }
        return container
    }

    /// Where the originals this restore lacks at their paths went: among the restored files no asset references.
    func relinkPlan(_ o: Observations) -> RelinkPlan {
        let media = deployment.mediaLocation.containerPath
        let importPaths = catalog.libraries.filter { $0.isExternal && !$0.deleted }.flatMap(\.importPaths).map(Paths.normalize)
        let candidates = Relinker.candidates(index, media: media, importPaths: importPaths)
        let missing = Array(Set(o.missing.map(\.asset) + o.moved.map(\.asset) + o.offlineAbsent)).sorted()
        var relinker = Relinker(catalog: catalog, containerPath: containerPath, storedPath: storedPath)
        let index = self.index
        relinker.readEvidence = Relinker.evidenceReader { index.local($0) }
        return relinker.plan(scope: "the restore point", missing: missing, candidates: candidates)
    }

    /// What the restore holds against what the database references: the observations every check reads.
    func observe(into stats: inout VerificationStats) -> Observations {
        let media = deployment.mediaLocation.containerPath
        index.clearReferences()
        var pathMismatch: [Int32] = []
        var missing: [(asset: Int32, cause: String)] = []
        var missingCandidates: [Int32] = []
        var badChecksum: [Int32] = []
        var offline = 0
        var trashed = 0
        var offlineAbsent: [Int32] = []

        // Originals.
        let references = catalog.assets.count + catalog.files.count
        progress?.begin("checking", unit: "references", totalFiles: references)
        defer { progress?.end() }
        for i in 0..<catalog.assets.count {
            if i & 4095 == 0 { progress?.update(files: i, bytes: 0) }
            let asset = catalog.assets[i]
            stats.assets += 1
            let path = containerPath(catalog.originalPath(asset))
            if unverified(path) { continue }
            let restored = index.reference(path)
            // Trashed counts every asset in the trash, offline or not (as `catalog` counts it).
            if asset.flags.contains(.trashed) { trashed += 1 }
            if asset.flags.contains(.offline) {
                offline += 1
                if restored == nil, index.root(of: path) != nil { offlineAbsent.append(Int32(i)) }
                continue
            }
            if !Paths.isWithin(path, media), !deployment.mountMap.resolve(containerPath: path).isMounted {
                pathMismatch.append(Int32(i))
                // Its source was restored at the database's path: a file moved or missing there is a fault of its
                // own, found whatever the mount says (the mount is path-mismatch's to report).
                if restored == nil, index.root(of: path) != nil { missingCandidates.append(Int32(i)) }
                continue
            }
            stats.population += 1
            guard let file = restored else {
                missingCandidates.append(Int32(i))
                continue
            }
            stats.checkedPresence += 1
            if asset.flags.contains(.oddChecksum) { continue }
            if asset.algorithm == .sha1Path {
                // External assets: the checksum is of "path:" + the path, not of the content (IMMICH.md §4).
                if asset.checksum != .zero, Verifier.sha1("path:" + Paths.normalize(catalog.originalPath(asset))) != asset.checksum {
                    badChecksum.append(Int32(i))
                }
                continue
            }
            if sample == nil || sample!.contains(Int32(i)), let digest = file.sha1 {
                stats.checkedContent += 1
                if digest != asset.checksum {
                    badChecksum.append(Int32(i))
                    stats.badContent += 1
                }
            }
        }

        // Sidecars and generated files: presence.
        var missingSidecars: [String] = []
        var missingDerivatives: [String] = []
        var derivativeKinds: [String: Int] = [:]
        var needThumbs = Set<Int32>()
        var needTranscode = Set<Int32>()
        for i in 0..<catalog.files.count {
            if i & 4095 == 0 { progress?.update(files: catalog.assets.count + i, bytes: 0) }
            let file = catalog.files[i]
            let path = containerPath(catalog.path(file))
            if unverified(path) { continue }
            let present = index.reference(path) != nil
            let owner = catalog.assets[Int(file.asset)]
            if owner.flags.contains(.offline) || present { continue }
            guard Paths.isWithin(path, media) || deployment.mountMap.resolve(containerPath: path).isMounted else { continue }
            if file.kind == .sidecar {
                missingSidecars.append(path)
            } else if file.kind != .other {
                missingDerivatives.append(path)
                derivativeKinds[file.kind.rawValue + (file.edited ? " (edited)" : ""), default: 0] += 1
                if file.kind == .encodedVideo { needTranscode.insert(file.asset) } else { needThumbs.insert(file.asset) }
            }
        }
        stats.assetsNeedingThumbnails = needThumbs.count
        stats.videosNeedingTranscode = needTranscode.count
        for person in catalog.people where !person.thumbnail.isNone {
            let path = containerPath(catalog.thumbnailPath(person))
            if !unverified(path), index.reference(path) == nil {
                missingDerivatives.append(path)
                derivativeKinds["face", default: 0] += 1
            }
        }
        for user in catalog.users {
            if let p = user.profileImagePath, !p.isEmpty { index.reference(containerPath(p)) }
        }

        // Unreferenced files: in upload/ and library/, and media files in import paths, as a scan would see them.
        var exclusions: [(String, ExclusionSet)] = []
        for library in catalog.libraries where !library.deleted && library.isExternal {
            for path in library.importPaths { exclusions.append((Paths.normalize(path), ExclusionSet(library.exclusionPatterns))) }
        }
        var orphans: [(path: String, file: RestoredFile, external: Bool)] = []
        index.forEachUnreferenced { path, file in
            if path.hasSuffix("/.immich") { return }
            if Paths.isWithin(path, media + "/upload") || Paths.isWithin(path, media + "/library") {
                if path.hasSuffix(".xmp") || path.hasSuffix(".XMP") { return }
                orphans.append((path, file, false))
            } else if let library = exclusions.first(where: { Paths.isWithin(path, $0.0) }) {
                guard MediaTypes.isMedia(path), library.1.excluding(path) == nil,
                      !path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { return }
                orphans.append((path, file, true))
            }
        }

        // Missing originals: moved (same name and size elsewhere in the library, unreferenced), or why not there.
        var byNameSize: [String: [Int]] = [:]
        for (k, orphan) in orphans.enumerated() where orphan.external {
            byNameSize[(orphan.path as NSString).lastPathComponent + "|\(orphan.file.size)", default: []].append(k)
        }
        var moved: [(asset: Int32, to: String)] = []
        var explained = Set<Int>()
        for i in missingCandidates {
            let asset = catalog.assets[Int(i)]
            let path = containerPath(catalog.originalPath(asset))
            if asset.flags.contains(.external) {
                let key = (path as NSString).lastPathComponent + "|\(asset.fileSize)"
                if let k = byNameSize[key]?.first(where: { !explained.contains($0) }),
                   let root = exclusions.first(where: { Paths.isWithin(path, $0.0) })?.0,
                   Paths.isWithin(orphans[k].path, root) {
                    explained.insert(k)
                    moved.append((i, orphans[k].path))
                    continue
                }
            }
            missing.append((i, cause(of: path, asset: asset)))
        }
        let remainingOrphans = orphans.enumerated().filter { !explained.contains($0.offset) }.map(\.element)
        return Observations(pathMismatch: pathMismatch, missing: missing, moved: moved, badChecksum: badChecksum,
                            remainingOrphans: remainingOrphans, missingSidecars: missingSidecars,
                            missingDerivatives: missingDerivatives, offlineAbsent: offlineAbsent,
                            derivativeKinds: derivativeKinds, offline: offline, trashed: trashed, exclusions: exclusions)
    }

    /// Says, on each finding whose files Immich's own integrity check (v3, `integrity_report` in the dump) also
    /// recorded, how many of them it recorded: those are known to Immich; the rest it did not see (a fault in the
    /// backup, not on the live disk, or newer than its last check).
    func knownToImmich(_ findings: [Finding], _ o: Observations) -> ([Finding], Int) {
        let report = catalog.integrity
        guard report.total > 0 else { return (findings, 0) }
        var recorded: [String: Set<String>] = [:]
        for (type, paths) in report.paths { recorded[type] = Set(paths.map(containerPath)) }
        func asset(_ i: Int32) -> String { containerPath(catalog.originalPath(catalog.assets[Int(i)])) }
        let paths: [String: (type: String, paths: [String])] = [
            FindingCode.missingOriginal.rawValue: ("missing_file", o.missing.map { asset($0.asset) }),
            FindingCode.movedOriginal.rawValue: ("missing_file", o.moved.map { asset($0.asset) }),
            FindingCode.pathMismatch.rawValue: ("missing_file", o.pathMismatch.map(asset)),
            FindingCode.checksumMismatch.rawValue: ("checksum_mismatch", o.badChecksum.map(asset)),
            FindingCode.orphanOriginal.rawValue: ("untracked_file", o.remainingOrphans.map(\.path)),
            FindingCode.missingDerivative.rawValue: ("missing_file", o.missingDerivatives),
        ]
        var alsoFound = Set<String>()
        let annotated = findings.map { finding in
            guard let (type, list) = paths[finding.code], let set = recorded[type] else { return finding }
            let matching = list.filter(set.contains)
            alsoFound.formUnion(matching.map { type + "|" + $0 })
            let known = matching.count
            guard known > 0 else { return finding }
            var f = finding
            f.message += IntegrityReport.knownNote(known: known, of: list.count, type: type)
            return f
        }
        return (annotated, alsoFound.count)
    }

    func examples(_ ids: [Int32], _ extra: (Int32) -> String = { _ in "" }) -> [String] {
        ids.prefix(Finding.maxExamples).map { catalog.originalPath(catalog.assets[Int($0)]) + extra($0) }
    }

    /// `pathMismatch`.
    func pathMismatchCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let exclusions = o.exclusions
        let pathMismatch = o.pathMismatch
        if !pathMismatch.isEmpty {
            var prefixes: [String: Int] = [:]
            for i in pathMismatch {
                let p = containerPath(catalog.originalPath(catalog.assets[Int(i)]))
                let library = exclusions.first { Paths.isWithin(p, $0.0) }?.0 ?? Paths.directory(of: p)
                prefixes[library, default: 0] += 1
            }
            findings.append(Finding(
                code: .pathMismatch, severity: .critical, count: pathMismatch.count,
                message: "Assets whose paths lie under a container path no volume of the server covers: \(prefixes.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")).",
                examples: examples(pathMismatch),
                immichWill: "Offline and trash them at the next nightly library scan, and purge them with their albums, faces, tags and descriptions 30 days later.",
                remedy: "Mount the folder at the path the database uses (docker-compose.yml volumes), with the same structure, before Immich's first scan after the restore; or, when the new path is for good, move the database to it with the SQL `relink --live` writes (see `immich-drill relink --help`)."))
        }
        return findings
    }

    /// `missingOriginal`.
    func missingOriginalCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let missing = o.missing
        if !missing.isEmpty {
            var causes: [String: Int] = [:]
            for m in missing { causes[m.cause, default: 0] += 1 }
            let external = missing.filter { catalog.assets[Int($0.asset)].flags.contains(.external) }.count
            findings.append(Finding(
                code: .missingOriginal, severity: .critical, count: missing.count,
                message: "Originals the database references are not in the restore point's snapshots (\(causes.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))).",
                examples: missing.prefix(Finding.maxExamples).map { catalog.originalPath(catalog.assets[Int($0.asset)]) + " (\($0.cause))" },
                immichWill: external > 0
                    ? "Offline and trash the \(external) external one(s) at the next library scan (purged 30 days later); show the uploads as broken: no download, no edit, no new thumbnails."
                    : "Show them as broken: the timeline keeps their thumbnails, but downloads, edits and thumbnail regeneration fail.",
                remedy: "Find the files in an older snapshot (or on the live disk) and back them up; make the file backups cover what the dump covers, taken right after it. Renamed or reorganised ones (`orphan-original` beside them) `relink` finds by their content or their own capture time and camera (see `immich-drill relink --help`)."))
        }
        return findings
    }

    /// `movedOriginal`.
    func movedOriginalCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let moved = o.moved
        if !moved.isEmpty {
            findings.append(Finding(
                code: .movedOriginal, severity: .critical, count: moved.count,
                message: "External originals missing at their database path, with a file of the same name and size elsewhere in the library: moved or renamed.",
                examples: moved.prefix(Finding.maxExamples).map { catalog.originalPath(catalog.assets[Int($0.asset)]) + " → " + $0.to },
                immichWill: "Import each moved file as a new asset at the next scan, and offline and trash the old one: its albums, faces, tags and description stay behind and are purged 30 days later.",
                remedy: "Before Immich scans: move the files back to their old paths, or keep their metadata where they are now with the SQL `relink` writes and proves (see `immich-drill relink --help`; `run --relink` proves it in the drill)."))
        }
        return findings
    }

    /// `checksumMismatch`.
    func checksumMismatchCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let badChecksum = o.badChecksum
        if !badChecksum.isEmpty {
            findings.append(Finding(
                code: .checksumMismatch, severity: .critical, count: badChecksum.count,
                message: "Restored originals whose SHA-1 differs from the checksum in the database: damaged in the backup (or changed after upload).",
                examples: examples(badChecksum),
                immichWill: "Serve the damaged bytes as if they were the photo; a re-upload of the real file becomes a duplicate.",
                remedy: "Restore these files from another snapshot whose copy matches; check the backup target's disks (scrub) and the backup tool's own check."))
        }
        return findings
    }

    /// `orphanOriginal`.
    func orphanOriginalCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let remainingOrphans = o.remainingOrphans
        if !remainingOrphans.isEmpty {
            let external = remainingOrphans.filter(\.external).count
            findings.append(Finding(
                code: .orphanOriginal, severity: .warning, count: remainingOrphans.count,
                message: "Restored files no asset references (\(remainingOrphans.count - external) in upload/ and library/, \(external) in import paths): newer than the dump, or left behind.",
                examples: remainingOrphans.prefix(Finding.maxExamples).map(\.path),
                immichWill: "Ignore the ones in upload/ and library/ (untracked files, invisible in the app); import the ones in import paths as new assets, without albums, faces or descriptions, at the next scan.",
                remedy: "Pair each dump with the file snapshot taken right after it; for files uploaded after the dump, re-upload them after the restore."))
        }
        return findings
    }

    /// `missingSidecar`.
    func missingSidecarCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let missingSidecars = o.missingSidecars
        if !missingSidecars.isEmpty {
            findings.append(Finding(
                code: .missingSidecar, severity: .warning, count: missingSidecars.count,
                message: "XMP sidecars the database references are not restored.",
                examples: Array(missingSidecars.prefix(Finding.maxExamples)),
                immichWill: "Lose the metadata only the sidecars held (ratings, tags, descriptions edited elsewhere) at the next metadata extraction.",
                remedy: "Back up sidecars with their originals (check exclude rules for *.xmp)."))
        }
        return findings
    }

    /// `missingDerivative`.
    func missingDerivativeCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let missingDerivatives = o.missingDerivatives
        let derivativeKinds = o.derivativeKinds
        if !missingDerivatives.isEmpty {
            let kinds = derivativeKinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            findings.append(Finding(
                code: .missingDerivative, severity: .warning, count: missingDerivatives.count,
                message: "Generated files the database references are not restored (\(kinds)).",
                examples: Array(missingDerivatives.prefix(Finding.maxExamples)),
                immichWill: catalog.immichMajor.map { $0 >= 3 } == true
                    ? "Show grey tiles and unplayable videos; the \"Missing\" jobs do nothing for them, because their asset_file rows exist: Administration → Jobs → Generate Thumbnails / Transcode Videos with \"All\" regenerates them."
                    : "Show grey tiles and unplayable videos until Administration → Jobs → Generate Thumbnails / Transcode Videos (missing) has run over them.",
                remedy: "Back up thumbs/ and encoded-video/ too, or plan the regeneration time into the RTO (see the estimates)."))
        }
        return findings
    }

    /// `missingMarker`.
    func missingMarkerCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let media = deployment.mediaLocation.containerPath
        var markers: [String] = []
        var requiredMarker = false
        for folder in Deployment.uploadFolders where !index.contains(media + "/" + folder + "/.immich") && !unverified(media + "/" + folder) {
            markers.append("\(folder)/.immich")
            if catalog.mountChecks[folder] == true { requiredMarker = true }
        }
        if !markers.isEmpty {
            let host = deployment.mediaLocation.hostPath ?? "<UPLOAD_LOCATION>"
            let first = String(markers[0].split(separator: "/")[0])
            findings.append(Finding(
                code: .missingMarker, severity: requiredMarker ? .critical : .info, count: markers.count,
                message: requiredMarker
                    ? "UPLOAD_LOCATION folder markers are not restored, and the database says Immich has checked them before."
                    : "UPLOAD_LOCATION folder markers are not restored; the database has no mount check for them yet, so Immich creates them.",
                examples: markers,
                immichWill: requiredMarker
                    ? "Refuse to start: Failed to read: \"\(host)/\(first)/.immich (\(media)/\(first)/.immich) - Please see https://docs.immich.app/administration/system-integrity#folder-checks for more information.\""
                    : "Create the missing folders and markers at startup.",
                remedy: "Restore every UPLOAD_LOCATION folder with its .immich file, or create each missing folder with an empty .immich file before starting Immich (IMMICH_IGNORE_MOUNT_CHECK_ERRORS=true skips the check)."))
        }
        return findings
    }

    /// `offlineAssets`.
    func offlineAssetsCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let offline = o.offline
        if offline > 0 {
            findings.append(Finding(code: .offlineAssets, severity: .info, count: offline,
                                    message: "Assets already offline in the dump (their files were missing when Immich last scanned); not checked.",
                                    immichWill: "Keep them offline until their files are back inside an import path."))
        }
        return findings
    }

    /// `trashedAssets`.
    func trashedAssetsCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let trashed = o.trashed
        if trashed > 0 {
            findings.append(Finding(code: .trashedAssets, severity: .info, count: trashed,
                                    message: "Assets in the trash in the dump; their files were checked like the others.",
                                    immichWill: "Delete them when their trash period ends."))
        }
        return findings
    }

    /// `metadataAtRisk`.
    func metadataAtRiskCheck(_ o: Observations) -> [Finding] {
        var findings: [Finding] = []
        let pathMismatch = o.pathMismatch
        let missing = o.missing
        let moved = o.moved
        let badChecksum = o.badChecksum
        let atRisk = pathMismatch + missing.map(\.asset) + moved.map(\.asset) + badChecksum
        var meta = (albums: 0, favorites: 0, descriptions: 0, faces: 0, tags: 0, links: 0, edits: 0, assets: 0)
        func holdsMetadata(_ a: AssetRecord) -> Bool {
            a.meta.any || a.flags.contains(.favorite) || a.flags.contains(.described)
        }
        for i in Set(atRisk) {
            let a = catalog.assets[Int(i)]
            let m = a.meta
            if holdsMetadata(a) { meta.assets += 1 }
            meta.albums += Int(m.albums)
            meta.favorites += a.flags.contains(.favorite) ? 1 : 0
            meta.descriptions += a.flags.contains(.described) ? 1 : 0
            meta.faces += Int(m.faces)
            meta.tags += Int(m.tags)
            meta.links += Int(m.sharedLinks)
            meta.edits += Int(m.edits)
        }
        if meta.assets > 0 {
            // Edits exist from v3 on; a dump without them does not mention them.
            let edits = catalog.counts.edits > 0 ? ", \(meta.edits) edit(s) (crop, rotate, mirror: an edited photo whose original is lost loses its edits too)" : ""
            findings.append(Finding(
                code: .metadataAtRisk, severity: .warning, count: meta.assets,
                message: "Database-only metadata on the assets behind the findings above: \(meta.albums) album membership(s), \(meta.favorites) favorite(s), \(meta.descriptions) description(s), \(meta.faces) face(s), \(meta.tags) tag(s), \(meta.links) shared-link membership(s)\(edits).",
                examples: Set(atRisk).sorted().filter { holdsMetadata(catalog.assets[Int($0)]) }
                    .prefix(Finding.maxExamples).map { catalog.originalPath(catalog.assets[Int($0)]) },
                immichWill: "Lose it for good when those assets are trashed and purged (30 days after the scan that offlines them).",
                remedy: "Fix the findings above before the first library scan after a restore."))
        }
        return findings
    }

    /// Why an original is not in the restore: its source has no snapshot in the point, an exclusion pattern, newer
    /// than the snapshot (by the live file), or gone.
    package func cause(of path: String, asset: AssetRecord) -> String {
        guard let root = index.root(of: path) else {
            return "no snapshot of its source in this restore point"
        }
        for library in catalog.libraries where !library.deleted {
            if library.importPaths.contains(where: { Paths.isWithin(path, $0) }),
               ExclusionSet(library.exclusionPatterns).excluding(path) != nil {
                return "excluded by a pattern"
            }
        }
        // mtime and ctime together, and which decided: after a `chown -R` every file's ctime is new, so ctime alone
        // would call every missing file new.
        if let live = liveStat(path) {
            if live.mtime > root.time { return "newer than the file snapshot (by its mtime)" }
            if live.ctime > root.time {
                return "not in the snapshot; only its ctime is after it (moved or copied in with its old mtime, or its owner or mode changed)"
            }
        }
        return liveStat(path) == nil ? "gone (not on the live disk either)" : "not in the snapshot, still on the live disk"
    }
}
