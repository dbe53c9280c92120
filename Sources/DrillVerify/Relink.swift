// Relink: where did the originals go that are not where the database says? Immich treats a moved file as a deleted
// asset plus a new one, and the old asset's albums, faces, tags, description, favorite and edits go to the trash
// with it. The relinker finds each missing original among the files no asset references, by the evidence the
// database holds, and says how sure it is:
//   - content: an upload (`sha1` checksum) whose SHA-1 is a candidate's, anywhere under UPLOAD_LOCATION or the
//     external libraries (exact);
//   - name+size: a library file (`sha1-path`, a checksum of its path that says nothing about its content) with the
//     same file name and EXIF size among the unreferenced files of the same library;
//   - prefix: every asset under an import path is missing and the same tree is under one other folder (a mount
//     moved in Compose): one rule for the folder, the library's import path with it.
// Two candidates for one asset, or one file claimed by two assets, are ambiguous and never guessed. The plan is
// rendered as SQL by RelinkSQL.

import DrillRestore
import Foundation

/// How a missing original was found again.
package enum RelinkConfidence: String, Sendable, Codable {
    /// SHA-1 of the candidate's bytes equals the database's checksum.
    case content
    /// Same file name and size (library files, whose checksum is of their path).
    case nameSize = "name+size"
    /// The whole import path is under another folder, with every file in place.
    case prefix
    /// The candidate's own capture time, camera and dimensions are the database's (renamed, EXIF rewritten).
    case metadata
}

/// A file no asset references, where the relinker may find a missing original.
package struct RelinkCandidate: Sendable, Equatable {
    /// The container path Immich would see it at.
    package var path: String
    package var size: Int64
    /// SHA-1 of its bytes, when known (extracted and hashed, or hashed by the live walk).
    package var sha1: Digest20?

    package init(path: String, size: Int64, sha1: Digest20?) {
        self.path = path
        self.size = size
        self.sha1 = sha1
    }
}

/// One asset found again.
package struct RelinkMatch: Sendable, Codable, Equatable {
    /// Index into the catalog's assets.
    package var asset: Int32
    package var id: String
    /// The stored path now, and the stored path it gets.
    package var from: String
    package var to: String
    package var confidence: RelinkConfidence
    /// What matched: `sha1 00ab…`, `IMG_0001.jpg, 3.1 MiB`, `/mnt/media/photos → /mnt/photos`.
    package var evidence: String
    /// For library assets: the checksum the new path gets (SHA-1 of `path:` + path, as Immich's scan computes it).
    package var pathChecksum: String?
    /// The new file name, when it changed.
    package var newFileName: String?
    /// The asset was offlined by a scan (its trash is Immich's, not the user's): put back as Immich does.
    package var wasOffline: Bool

    package init(asset: Int32, id: String, from: String, to: String, confidence: RelinkConfidence, evidence: String,
                 pathChecksum: String?, newFileName: String?, wasOffline: Bool) {
        self.asset = asset
        self.id = id
        self.from = from
        self.to = to
        self.confidence = confidence
        self.evidence = evidence
        self.pathChecksum = pathChecksum
        self.newFileName = newFileName
        self.wasOffline = wasOffline
    }
}

/// An import path moved as a whole.
package struct RelinkPrefix: Sendable, Codable, Equatable {
    package var library: String
    package var from: String
    package var to: String
    package var assets: Int

    package init(library: String, from: String, to: String, assets: Int) {
        self.library = library
        self.from = from
        self.to = to
        self.assets = assets
    }
}

/// An asset with more than one candidate, or a file more than one asset claims.
package struct RelinkAmbiguity: Sendable, Codable, Equatable {
    package var asset: String
    package var path: String
    package var candidates: [String]
    package var why: String
}

/// What the relink keeps: the database-only metadata of the matched assets.
package struct RelinkKeeps: Sendable, Codable, Equatable {
    package var assets = 0
    package var albumMemberships = 0
    package var faces = 0
    package var descriptions = 0
    package var favorites = 0
    package var tags = 0
    package var edits = 0

    package init() {}

    package var sentence: String {
        "\(albumMemberships) album membership(s), \(faces) face(s), \(descriptions) description(s), \(favorites) favorite(s), \(tags) tag(s), \(edits) edit(s) of \(assets) asset(s)"
    }
}

/// The relink plan of one restore point or of the live library.
package struct RelinkPlan: Sendable, Codable, Equatable {
    /// Where it looked: `restore point 20260528T000000Z` or `the live library`.
    package var scope: String
    package var dump: String
    package var matches: [RelinkMatch] = []
    package var prefixes: [RelinkPrefix] = []
    package var ambiguous: [RelinkAmbiguity] = []
    /// Missing originals with no candidate at all.
    package var unmatched: [String] = []
    package var keeps = RelinkKeeps()
    /// What the relink cannot keep: the metadata of the ambiguous and unmatched assets.
    package var loses = RelinkKeeps()
    /// Candidates whose bytes were not hashed (they can only match by name and size).
    package var unhashedCandidates = 0
    /// Candidates whose metadata no reader could read, and whether that was for want of exiftool.
    package var unreadCandidates = 0
    package var exiftoolMissing = false

    package var isEmpty: Bool { matches.isEmpty }
}

/// Finds where missing originals went.
package struct Relinker {
    package var catalog: Catalog
    /// Stored path → container path, and back (the verifier's translation).
    package var containerPath: (String) -> String
    package var storedPath: (String) -> String

    /// The candidates' own metadata, by container path (libexif, exiftool), asked only for the candidates a
    /// library file without a name-and-size match could be; nil: no metadata matching.
    package var readEvidence: (([RelinkCandidate]) -> (evidence: [String: MediaEvidence], unread: Int, exiftoolMissing: Bool))?

    package init(catalog: Catalog, containerPath: @escaping (String) -> String, storedPath: @escaping (String) -> String) {
        self.catalog = catalog
        self.containerPath = containerPath
        self.storedPath = storedPath
    }

    /// What the database says of a library asset's photo, as media evidence to compare: the capture time's wall
    /// clock (`localDateTime`, else `dateTimeOriginal`), camera, dimensions.
    func databaseEvidence(_ i: Int32) -> [MediaEvidence] {
        guard let e = catalog.libraryEvidence[i] else { return [] }
        return [e.localTime, e.original].compactMap { $0 }.map {
            MediaEvidence(captured: $0, make: e.make, model: e.model, width: e.width, height: e.height)
        }
    }

    /// The plan for `missing` (asset indices whose original is not at its path) among `candidates`.
    package func plan(scope: String, missing: [Int32], candidates: [RelinkCandidate]) -> RelinkPlan {
        var plan = RelinkPlan(scope: scope, dump: catalog.identity.file)
        plan.unhashedCandidates = candidates.filter { $0.sha1 == nil }.count
        let missingSet = Set(missing)
        var claims: [Int: [Int32]] = [:]   // candidate index → assets that would take it
        var proposals: [Int32: (candidate: Int, confidence: RelinkConfidence, evidence: String)] = [:]
        var ambiguous: [Int32: [Int]] = [:]
        var matchedByPrefix = Set<Int32>()

        // Whole import paths moved.
        let byPath = Dictionary(candidates.enumerated().map { ($0.element.path, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for library in catalog.libraries where library.isExternal && !library.deleted {
            for importPath in library.importPaths.map(Paths.normalize) {
                let under = (0..<catalog.assets.count).filter { i in
                    let a = catalog.assets[i]
                    return catalog.library(of: a) == library.id && Paths.isWithin(containerPath(catalog.originalPath(a)), importPath)
                }
                guard !under.isEmpty, under.allSatisfy({ missingSet.contains(Int32($0)) }) else { continue }
                let first = containerPath(catalog.originalPath(catalog.assets[under[0]]))
                guard let rest = Paths.remainder(of: first, under: importPath), !rest.isEmpty else { continue }
                let roots = Set(candidates.compactMap { c -> String? in
                    c.path.hasSuffix("/" + rest) ? String(c.path.dropLast(rest.count + 1)) : nil
                }).filter { $0 != importPath }
                // Every asset a scan has not offlined must be there under the root (an offline one may be gone).
                func target(_ i: Int, _ root: String) -> Int? {
                    let path = containerPath(catalog.originalPath(catalog.assets[i]))
                    return Paths.remainder(of: path, under: importPath).flatMap { byPath[Paths.append($0, to: root)] }
                }
                let fitting = roots.filter { root in
                    under.allSatisfy { i in catalog.assets[i].flags.contains(.offline) || target(i, root) != nil }
                }
                guard fitting.count == 1, let root = fitting.first else { continue }
                let found = under.filter { target($0, root) != nil }
                plan.prefixes.append(RelinkPrefix(library: library.id.description, from: importPath, to: root, assets: found.count))
                for i in found {
                    proposals[Int32(i)] = (target(i, root)!, .prefix, "\(importPath) → \(root)")
                    matchedByPrefix.insert(Int32(i))
                }
            }
        }

        // Asset by asset.
        var noCandidate: [Int32] = []
        var bySHA1: [Digest20: [Int]] = [:]
        var byNameSize: [String: [Int]] = [:]
        for (k, c) in candidates.enumerated() {
            if let digest = c.sha1 { bySHA1[digest, default: []].append(k) }
            byNameSize[(c.path as NSString).lastPathComponent + "|\(c.size)", default: []].append(k)
        }
        for i in missing where !matchedByPrefix.contains(i) {
            let asset = catalog.assets[Int(i)]
            let path = containerPath(catalog.originalPath(asset))
            var found: [Int] = []
            var confidence = RelinkConfidence.content
            var evidence = ""
            if asset.algorithm == .sha1, !asset.flags.contains(.oddChecksum) {
                found = bySHA1[asset.checksum] ?? []
                evidence = "sha1 \(asset.checksum.hex)"
            }
            if found.isEmpty, asset.flags.contains(.external), asset.fileSize >= 0 {
                // Only inside the same library: a file in another library is another library's asset.
                let roots = catalog.libraries.first { $0.id == catalog.library(of: asset) }?.importPaths.map(Paths.normalize) ?? []
                let names = Set([(path as NSString).lastPathComponent, catalog.originalFileName(asset)].filter { !$0.isEmpty })
                found = names.flatMap { byNameSize[$0 + "|\(asset.fileSize)"] ?? [] }
                    .filter { k in roots.contains { Paths.isWithin(candidates[k].path, $0) } }
                found = Array(Set(found)).sorted()
                confidence = .nameSize
                evidence = "\((path as NSString).lastPathComponent), \(asset.fileSize) bytes"
            }
            if found.count == 1 {
                proposals[i] = (found[0], confidence, evidence)
                claims[found[0], default: []].append(i)
            } else if found.count > 1 {
                ambiguous[i] = found
            } else {
                noCandidate.append(i)
            }
        }

        // Library files with no name-and-size match: by their own capture time, camera and dimensions.
        let byMetadata = noCandidate.filter { catalog.assets[Int($0)].flags.contains(.external) && !databaseEvidence($0).isEmpty }
        if let readEvidence, !byMetadata.isEmpty {
            let libraries = Set(byMetadata.compactMap { catalog.library(of: catalog.assets[Int($0)]) })
            let roots = catalog.libraries.filter { libraries.contains($0.id) }.flatMap(\.importPaths).map(Paths.normalize)
            let taken = Set(proposals.values.map(\.candidate))
            let pool = candidates.indices.filter { k in !taken.contains(k) && roots.contains { Paths.isWithin(candidates[k].path, $0) } }
            let read = readEvidence(pool.map { candidates[$0] })
            plan.unreadCandidates = read.unread
            plan.exiftoolMissing = read.exiftoolMissing
            var matched = Set<Int32>()
            for i in byMetadata {
                let asset = catalog.assets[Int(i)]
                let own = catalog.libraries.first { $0.id == catalog.library(of: asset) }?.importPaths.map(Paths.normalize) ?? []
                let wanted = databaseEvidence(i)
                let found = pool.filter { k in
                    own.contains { Paths.isWithin(candidates[k].path, $0) }
                        && read.evidence[candidates[k].path].map { e in wanted.contains { e.matches($0) } } == true
                }
                if found.count == 1 {
                    proposals[i] = (found[0], .metadata, "capture " + (read.evidence[candidates[found[0]].path]?.description ?? ""))
                    claims[found[0], default: []].append(i)
                    matched.insert(i)
                } else if found.count > 1 {
                    ambiguous[i] = found
                    matched.insert(i)
                }
            }
            noCandidate.removeAll { matched.contains($0) }
        }
        plan.unmatched = noCandidate.map { catalog.originalPath(catalog.assets[Int($0)]) }
        for (k, assets) in claims where assets.count > 1 {
            for i in assets {
                proposals[i] = nil
                plan.ambiguous.append(RelinkAmbiguity(
                    asset: catalog.assets[Int(i)].id.description, path: catalog.originalPath(catalog.assets[Int(i)]),
                    candidates: [candidates[k].path], why: "\(assets.count) missing assets match this one file"))
            }
        }
        for (i, found) in ambiguous {
            plan.ambiguous.append(RelinkAmbiguity(
                asset: catalog.assets[Int(i)].id.description, path: catalog.originalPath(catalog.assets[Int(i)]),
                candidates: found.map { candidates[$0].path }.sorted(), why: "\(found.count) files match it equally"))
        }
        plan.ambiguous.sort { $0.path < $1.path }
        plan.unmatched.sort()

        for (i, proposal) in proposals.sorted(by: { $0.key < $1.key }) {
            let asset = catalog.assets[Int(i)]
            let target = candidates[proposal.candidate].path
            let stored = storedPath(target)
            let oldName = catalog.originalFileName(asset)
            let newName = (target as NSString).lastPathComponent
            plan.matches.append(RelinkMatch(
                asset: i, id: asset.id.description, from: catalog.originalPath(asset), to: stored,
                confidence: proposal.confidence, evidence: proposal.evidence,
                pathChecksum: asset.algorithm == .sha1Path ? Relinker.pathChecksum(stored).hex : nil,
                // A library file's name is its file's; an upload keeps the name it was uploaded with.
                newFileName: asset.algorithm == .sha1Path && newName != oldName ? newName : nil,
                wasOffline: asset.flags.contains(.offline)))
        }
        // Unhashed candidates matter only when an upload (found by its content alone) stayed unfound.
        let unfound = Set(plan.unmatched)
        if !missing.contains(where: { catalog.assets[Int($0)].algorithm == .sha1 && unfound.contains(catalog.originalPath(catalog.assets[Int($0)])) }) {
            plan.unhashedCandidates = 0
        }
        let kept = Set(plan.matches.map(\.asset))
        plan.keeps = keeps(kept)
        plan.loses = keeps(Set(missing).subtracting(kept))  // the ambiguous and the unmatched
        return plan
    }

    /// The database-only metadata of `assets`.
    package func keeps(_ assets: Set<Int32>) -> RelinkKeeps {
        var k = RelinkKeeps()
        for i in assets {
            let a = catalog.assets[Int(i)]
            k.assets += 1
            k.albumMemberships += Int(a.meta.albums)
            k.faces += Int(a.meta.faces)
            k.tags += Int(a.meta.tags)
            k.edits += Int(a.meta.edits)
            if a.flags.contains(.favorite) { k.favorites += 1 }
            if a.flags.contains(.described) { k.descriptions += 1 }
        }
        return k
    }

    /// SHA-1 of `path:` + the path: the checksum Immich's library scan gives a library file.
    package static func pathChecksum(_ stored: String) -> Digest20 { Verifier.sha1("path:" + Paths.normalize(stored)) }

    /// The candidates of a restore: every restored file no asset references, in UPLOAD_LOCATION's originals and the
    /// libraries' import paths.
    package static func candidates(_ index: RestoreIndex, media: String, importPaths: [String]) -> [RelinkCandidate] {
        var candidates: [RelinkCandidate] = []
        index.forEachUnreferenced { path, file in
            guard !path.hasSuffix("/.immich") else { return }
            let inMedia = Paths.isWithin(path, media + "/upload") || Paths.isWithin(path, media + "/library")
            guard inMedia || importPaths.contains(where: { Paths.isWithin(path, $0) }) else { return }
            candidates.append(RelinkCandidate(path: path, size: file.size, sha1: file.sha1))
        }
        return candidates.sorted { $0.path < $1.path }
    }
}

/// What the proof found.
package struct RelinkProofResult: Sendable, Codable, Equatable {
    package var applied: Bool
    package var seconds: Double
    /// Relinked assets PostgreSQL shows at their new path (with the new path checksum for library files).
    package var relinked: Int
    /// The metadata rows of the relinked assets, before and after.
    package var before: [String: Int]
    package var after: [String: Int]
    package var errors: [String]

    package var proven: Bool { applied && errors.isEmpty && before == after }

    package init(applied: Bool, seconds: Double, relinked: Int, before: [String: Int], after: [String: Int], errors: [String]) {
        self.applied = applied
        self.seconds = seconds
        self.relinked = relinked
        self.before = before
        self.after = after
        self.errors = errors
    }
}

/// The relink in a run's report.
package struct RelinkSummary: Sendable, Codable, Equatable {
    package var plan: RelinkPlan
    /// Where the SQL was written (kept only with --keep-scratch, or where `relink -o` put it).
    package var sqlFile: String?
    package var proof: RelinkProofResult?

    package init(plan: RelinkPlan, sqlFile: String?, proof: RelinkProofResult?) {
        self.plan = plan
        self.sqlFile = sqlFile
        self.proof = proof
    }

    /// One line for the report.
    package var line: String {
        let byKind = Dictionary(grouping: plan.matches, by: \.confidence).map { "\($0.value.count) by \($0.key.rawValue)" }.sorted()
        var text = "\(plan.matches.count) original(s) found again" + (byKind.isEmpty ? "" : " (\(byKind.joined(separator: ", ")))")
        if !plan.ambiguous.isEmpty { text += ", \(plan.ambiguous.count) ambiguous" }
        if !plan.unmatched.isEmpty { text += ", \(plan.unmatched.count) not found" }
        text += "; keeps \(plan.keeps.sentence)"
        if let proof {
            text += proof.proven
                ? "; proven on the scratch database in \(DurationText.short(proof.seconds)): \(proof.relinked) at their new paths, metadata unchanged"
                : "; NOT proven: " + (proof.errors.first ?? "metadata changed")
        }
        return text
    }
}

extension Relinker {
    /// The metadata reader for candidates found on this machine by `local` (container path → local file).
    package static func evidenceReader(local: @escaping (String) -> String?)
        -> ([RelinkCandidate]) -> (evidence: [String: MediaEvidence], unread: Int, exiftoolMissing: Bool) {
        { pool in
            var byLocal: [String: String] = [:]
            for c in pool { if let file = local(c.path) { byLocal[file] = c.path } }
            let read = MediaEvidenceReader.read(Array(byLocal.keys).sorted())
            var byContainer: [String: MediaEvidence] = [:]
            for (file, e) in read.evidence { if let c = byLocal[file] { byContainer[c] = e } }
            return (byContainer, read.unread + (pool.count - byLocal.count), read.exiftoolMissing)
        }
    }

    /// A moved original's sidecar moved with it: `IMG_1.jpg.xmp` or `IMG_1.xmp` beside its new path, when `exists`
    /// (a container path) says it is there. The (old, new) stored paths by the match's asset.
    package static func sidecars(_ plan: RelinkPlan, catalog: Catalog, containerPath: (String) -> String,
                                 exists: (String) -> Bool) -> [Int32: (old: String, new: String)] {
        var sidecars: [Int32: (old: String, new: String)] = [:]
        let matched = Dictionary(uniqueKeysWithValues: plan.matches.map { ($0.asset, $0) })
        guard !matched.isEmpty else { return [:] }
        for i in 0..<catalog.files.count {
            let file = catalog.files[i]
            guard file.kind == .sidecar, let m = matched[file.asset] else { continue }
            let old = catalog.path(file)
            var new: String?
            if old.hasPrefix(m.from), old.count > m.from.count {
                new = m.to + old.dropFirst(m.from.count)
            } else {
                let fromStem = (m.from as NSString).deletingPathExtension, toStem = (m.to as NSString).deletingPathExtension
                if old.hasPrefix(fromStem + ".") { new = toStem + old.dropFirst(fromStem.count) }
            }
            if let new, exists(containerPath(new)) { sidecars[file.asset] = (old, new) }
        }
        return sidecars
    }
}
