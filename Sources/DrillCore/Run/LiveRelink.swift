// `relink --live`: the relink plan for the live library, against the newest dump. The live walk (as `plan` does
// it) finds the originals the database references that are not on disk and every file no asset references; the
// unreferenced files whose size is a missing upload's are hashed (an upload is found by its content), and the
// relinker matches the rest by name and size or by a moved import path.

import Crypto
import Foundation

package enum LiveRelink {
    /// The plan and its SQL for the live library; throws when there is no readable dump to plan from.
    package static func run(plan: DrillPlan, deployment: Deployment, restorePoint: String, now: Double,
                            sqlFile: String) throws -> (summary: RelinkSummary, sql: String) {
        var options = PlanOptions()
        options.live = true
        options.collectUntracked = true
        options.listFolders = false
        options.now = now
        options.restorePoint = restorePoint
        let analysis = try BackupPlanner(plan: plan, deployment: deployment, options: options).run()
        guard let catalog = analysis.catalog else {
            throw DrillError(.input, file: plan.file, "no readable dump to plan a relink from (see `immich-drill plan \(Subprocess.shellQuote(plan.file))`)")
        }
        guard let integrity = analysis.live?.integrity else {
            throw DrillError(.input, file: plan.file, "the live library could not be walked against the dump (UPLOAD_LOCATION and the external folders are not visible here; see `immich-drill plan`)")
        }
        let verifier = Verifier(catalog: catalog, deployment: deployment, index: RestoreIndex(), sample: nil,
                                absentSources: [], liveStat: { _ in nil })
        var missingSet = Set(integrity.missing + integrity.offlineAbsent)
        var candidates: [RelinkCandidate] = []
        var locals: [String: String] = [:]
        // A mount moved in Compose: library assets under an import path no volume covers are missing to Immich,
        // and the server's external mounts that no import path covers are where they may be.
        let importPaths = catalog.libraries.filter { $0.isExternal && !$0.deleted }.flatMap(\.importPaths).map(Paths.normalize)
        let unmounted = importPaths.filter { !deployment.mountMap.resolve(containerPath: $0).isMounted }
        if !unmounted.isEmpty {
            for i in 0..<catalog.assets.count where catalog.assets[i].flags.contains(.external) {
                let path = verifier.containerPath(catalog.originalPath(catalog.assets[i]))
                if unmounted.contains(where: { Paths.isWithin(path, $0) }) { missingSet.insert(Int32(i)) }
            }
            for mount in deployment.externalMounts where !importPaths.contains(where: { Paths.isWithin(mount.containerPath, $0) || Paths.isWithin($0, mount.containerPath) }) {
                guard let local = mount.drillPath, FileProbe.kind(local) == .directory else { continue }
                let cut = local == "/" ? 1 : local.utf8.count + 1
                _ = try? FileWalker.walk(local, decide: { path, _ in FileWalker.isHidden(path) ? .skip : .include }) { file in
                    guard MediaTypes.isMedia(file.path) else { return }
                    let container = Paths.append(String(decoding: file.path.utf8.dropFirst(cut), as: UTF8.self), to: mount.containerPath)
                    candidates.append(RelinkCandidate(path: container, size: file.size, sha1: nil))
                    locals[container] = file.path
                }
            }
        }
        let missing = missingSet.sorted()
        // Hash only what could be a missing upload: a candidate of the same size (all of them when a size is unknown).
        var sizes = Set<Int64>()
        var anyUnknown = false
        for i in missing where catalog.assets[Int(i)].algorithm == .sha1 {
            let size = catalog.assets[Int(i)].fileSize
            if size < 0 { anyUnknown = true } else { sizes.insert(size) }
        }
        for file in integrity.untrackedFiles {
            var digest: Digest20?
            if !missing.isEmpty, anyUnknown || sizes.contains(file.size) { digest = sha1(of: file.local) }
            candidates.append(RelinkCandidate(path: file.container, size: file.size, sha1: digest))
            locals[file.container] = file.local
        }
        var relinker = Relinker(catalog: catalog, containerPath: verifier.containerPath, storedPath: verifier.storedPath)
        let knownLocals = locals
        relinker.readEvidence = Relinker.evidenceReader { knownLocals[$0] }
        let relinkPlan = relinker.plan(scope: "the live library", missing: missing, candidates: candidates)
        let translator = PathTranslator.forCatalog(
            nil, mediaContainerPath: deployment.mediaLocation.containerPath, uploadRoot: deployment.mediaLocation.drillPath,
            externals: deployment.sources.compactMap { s in s.kind == .external ? s.containerPath.flatMap { c in s.drillPath.map { (c, $0) } } : nil })
        let sidecars = Relinker.sidecars(relinkPlan, catalog: catalog, containerPath: verifier.containerPath) { container in
            translator.local(container).map { FileManager.default.fileExists(atPath: $0) } ?? false
        }
        let apply = RelinkSQL.applyCommand(container: deployment.database.container ?? "immich_postgres",
                                           user: deployment.database.user, database: deployment.database.name, file: sqlFile)
        let sql = RelinkSQL.render(relinkPlan, catalog: catalog, sidecars: sidecars, apply: apply)
        return (RelinkSummary(plan: relinkPlan, sqlFile: nil, proof: nil), sql)
    }

    /// SHA-1 of a file's bytes, nil when it cannot be read.
    static func sha1(of path: String) -> Digest20? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = Insecure.SHA1()
        while true {
            guard let chunk = try? handle.read(upToCount: 1 << 20) else { return nil }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return Digest20(Array(hasher.finalize()))
    }
}
