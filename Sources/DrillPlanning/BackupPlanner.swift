// `plan`: from a drill plan and its deployment to the backup coverage, the restore points and what is wrong with
// them, without restoring anything. Steps: the sources (the deployment's, plus every library import path the newest
// dump names), the snapshots of each planned source (names, sizes, mtimes, `list` output), the newest readable dump
// read into a catalog, the newest snapshot of each file source listed (headers only), the live files walked and
// compared, the restore points paired, and the findings.

import DrillInventory
import DrillRestore
import Foundation

/// Options of one `plan`.
public struct PlanOptions: Sendable {
    /// Walk the live sources.
    public var live = true
    /// With `live`: keep every untracked file the walk finds (for `relink --live`).
    package var collectUntracked = false
    /// List snapshot folders (a walk of each); `run` walks them while restoring instead.
    package var listFolders = true
    /// `latest`, a restore point id or a time.
    public var restorePoint = "latest"
    /// The drill time.
    public var now = Date().timeIntervalSince1970

    public init() {}
}

/// A source, as coverage shows it.
package struct CoverageRow: Sendable, Codable, Equatable {
    /// `database`, `upload/<folder>`, `external:<import path>`, or `config:<file>` for the Compose file and .env.
    public var source: String
    package var required: Bool
    /// The planned source that covers it, nil when none does.
    package var plannedAs: String?
    /// `dumps`, `archive`, `directory`, `command`.
    public var kind: String?
    /// Usable snapshots found.
    public var snapshots: Int
    public var newest: String?
    package var newestTime: Double?
    package var newestAgeSeconds: Int?
    /// Files and bytes of this source in the newest snapshot (when it was listed).
    package var newestFiles: Int?
    package var newestBytes: Int64?
    /// In the newest snapshot: the folder, and its `.immich` marker (upload folders; nil when not known).
    package var inNewest: Bool?
    package var markerInNewest: Bool?
    /// Dumps: `.tmp` leftovers, and whether the newest dump reads to its end.
    package var failed: Int?
    package var newestComplete: Bool?
    /// Assets the newest readable dump has in this source.
    public var assets: Int?
    package var note: String
}

/// Everything `plan` found: what `run`, `preflight` and `walkthrough` call the analysis.
package struct PlanAnalysis: Sendable {
    public var deployment: Deployment
    package var sources: [SourceDescriptor]
    package var discovered: [DiscoveredSource]
    public var coverage: [CoverageRow]
    package var restorePoints: [RestorePoint]
    public var selected: RestorePoint?
    package var listings: [String: SnapshotListing]
    public var live: LiveInventory?
    /// The dump read into the catalog, and the catalog.
    public var catalogDump: String?
    public var catalog: Catalog?
    /// Seconds spent reading the catalog's dump.
    package var catalogSeconds: Double = 0
    public var findings: [Finding]
    public var now: Double
    /// The zone times are shown in.
    public var zone: TimeZone?
}

/// The plan step: sources, snapshots, the catalog, listings, coverage, restore points and the live library, without restoring anything.
public struct BackupPlanner {
    public var plan: DrillPlan
    package var deployment: Deployment
    public var options: PlanOptions

    package init(plan: DrillPlan, deployment: Deployment, options: PlanOptions) {
        self.plan = plan
        self.deployment = deployment
        self.options = options
    }

    /// The zone for file snapshot names: the plan's, else the deployment's TZ.
    var fileZone: TimeZone? {
        (plan.timeZone ?? deployment.timeZone).flatMap(TimeZone.init(identifier:))
    }

    /// The planned sources, with the database's default (`UPLOAD_LOCATION/backups`) when the plan has none.
    var plannedSources: [PlannedSource] {
        var result = plan.sources
        if !result.contains(where: { $0.id == .database }),
           let backups = deployment.sources.first(where: { $0.id == .database })?.drillPath {
            result.insert(PlannedSource(id: .database, location: .dumps([backups])), at: 0)
        }
        return result
    }

    package func run() throws -> PlanAnalysis {
        let now = options.now
        let discovery = SnapshotDiscovery(planFile: plan.file, fileZone: fileZone,
                                          dumpZone: deployment.timeZone ?? plan.timeZone)
        let discovered = try plannedSources.map { try discovery.discover($0) }
        let database = discovered.first { $0.planned.id == .database }
        let fileSources = discovered.filter { $0.planned.id != .database }
        var findings = deployment.findings

        // The newest dump that reads to its end becomes the catalog.
        var catalog: Catalog?
        var catalogDump: String?
        var unreadable = Set<String>()
        var read = Set<String>()
        var catalogSeconds = 0.0
        for dump in (database?.usable ?? []).prefix(3) {
            do {
                let began = Date()
                defer { catalogSeconds = Date().timeIntervalSince(began) }
                let c = try CatalogReader.read(path: dump.location, databaseName: deployment.database.name,
                                               timeZone: deployment.timeZone ?? plan.timeZone)
                read.insert(dump.location)
                findings += c.findings.filter { $0.code != .dumpFailed }
                if c.content.complete {
                    catalog = c
                    catalogDump = dump.location
                    break
                }
                unreadable.insert(dump.location)
            } catch let error as DrillError {
                unreadable.insert(dump.location)
                findings.append(Finding(
                    code: .dumpUnreadable, severity: .critical, count: 1,
                    message: "A dump cannot be read: \(error.description)",
                    examples: [dump.location],
                    immichWill: "Not restore from this file.",
                    remedy: "Restore from another dump; check how this one is written (Immich writes plain SQL, gzip)."))
            }
        }

        // The release to pin, when the image tag does not say: the one that wrote the newest dump.
        if let version = catalog?.immichVersion {
            for i in findings.indices where findings[i].code == .versionUnpinned {
                findings[i].remedy = findings[i].remedy?.replacingOccurrences(
                    of: "(the newest dump's name says which)", with: "(\(version.hasPrefix("v") ? version : "v" + version), as the newest dump says)")
            }
        }
        let sources = CoverageBuilder.sources(deployment: deployment, catalog: catalog)
        var points = RestorePlanner.points(dumps: database?.snapshots ?? [], fileSources: fileSources,
                                           maxSkew: plan.targets.maxSkew.seconds, now: now,
                                           unreadableDumps: unreadable, readDumps: read)
        let selected = points.isEmpty ? nil : try RestorePlanner.select(options.restorePoint, from: points, zone: fileZone)
        if let selected, let i = points.firstIndex(of: selected) { points[i] = selected }

        // List the newest snapshot of each file source, and the selected point's members. One snapshot may serve
        // several sources (a whole-install archive for UPLOAD_LOCATION and a share): each (snapshot, source) gets its
        // own view, with its own root, and an archive's headers are read once for all of them.
        var listings: [String: SnapshotListing] = [:]
        var toList: [Snapshot] = fileSources.compactMap { $0.usable.first }
        for member in selected?.members.dropFirst() ?? [] where !toList.contains(where: { $0.location == member.location && $0.source == member.source }) {
            if let snapshot = fileSources.flatMap(\.snapshots).first(where: { $0.location == member.location && $0.source == member.source }) {
                toList.append(snapshot)
            }
        }
        let probes = configFiles()
        func request(for snapshot: Snapshot) -> ListingRequest? {
            guard let planned = fileSources.first(where: { $0.planned.id == snapshot.source })?.planned else { return nil }
            var request = deployment.listingRequest(for: planned)
            request.probes = probes.map(\.host)
            request.keepTable = options.live && fileSources.first(where: { $0.planned.id == snapshot.source })?.usable.first == snapshot
            return request
        }
        // Each kind lists its own snapshots (an archive's headers once for all the sources it holds).
        let context = ListingContext(planFile: plan.file, walkFolders: options.listFolders)
        for kind in FileSnapshotKinds.all {
            let items: [ListingItem] = toList.compactMap { snapshot in
                guard snapshot.kind == kind.kind, let request = request(for: snapshot),
                      let location = fileSources.first(where: { $0.planned.id == snapshot.source })?.planned.location
                else { return nil }
                return ListingItem(snapshot: snapshot, request: request, location: location)
            }
            for (item, result) in zip(items, kind.list(items, context: context)) {
                switch result {
                case .success(let listing): listings[item.snapshot.listingKey] = listing
                case .failure(let error): findings.append(BackupPlanner.unreadable(item.snapshot, error))
                case nil: break
                }
            }
        }

        // The live files.
        var live: LiveInventory?
        if options.live {
            live = takeLive(sources: sources, fileSources: fileSources, listings: listings, catalog: catalog)
        }

        let coverage = CoverageBuilder(plan: plan, deployment: deployment, sources: sources, discovered: discovered,
                                       listings: listings, catalog: catalog, catalogDump: catalogDump,
                                       unreadableDumps: unreadable, configFiles: probes, now: now)
        let rows = coverage.rows()
        findings += coverage.findings(rows: rows, points: points, selected: selected)
        if let live, let catalog { findings += CoverageBuilder.liveFindings(live, catalog: catalog, dumpTime: database?.usable.first?.time) }
        return PlanAnalysis(deployment: deployment, sources: sources, discovered: discovered, coverage: rows,
                          restorePoints: points, selected: selected, listings: listings, live: live,
                          catalogDump: catalogDump, catalog: catalog, catalogSeconds: catalogSeconds,
                          findings: findings.sortedForReport(), now: now, zone: fileZone)
    }

    /// The Compose files and .env, with their Docker host paths.
    func configFiles() -> [(drill: String, host: String)] {
        var files = deployment.composeFiles
        if let env = deployment.envFile { files.append(env) }
        return files.map { ($0, deployment.mountMap.hostPath(forDrill: $0)) }
    }

    /// What to ask a listing of a planned source's snapshot for.
    /// The planned source covering a deployment source, and the prefix of the source inside its snapshots.
    /// A snapshot that cannot be listed.
    static func unreadable(_ snapshot: Snapshot, _ error: DrillError) -> Finding {
        Finding(
            code: .snapshotUnreadable, severity: .critical, count: 1,
            message: "A snapshot of \(snapshot.source) cannot be listed: \(error.description)",
            examples: [snapshot.location],
            immichWill: "Come back without these files if this snapshot is restored.",
            remedy: "Check the backup job that writes it (a cut upload, a full disk) and make a new snapshot.")
    }

    static func covering(_ source: SourceID, in planned: [DiscoveredSource]) -> (DiscoveredSource, String)? {
        switch source {
        case .upload(let folder?):
            if let exact = planned.first(where: { $0.planned.id == source }) { return (exact, "") }
            if let whole = planned.first(where: { $0.planned.id == .upload(folder: nil) }) { return (whole, folder + "/") }
            return nil
        case .external(let container):
            let candidates = planned.compactMap { p in
                p.planned.id.externalPath.flatMap { Paths.isWithin(container, $0) ? (source: p, path: $0) : nil }
            }
            guard let best = candidates.max(by: { $0.path.count < $1.path.count }) else { return nil }
            let rest = Paths.remainder(of: container, under: best.path) ?? ""
            return (best.source, rest.isEmpty ? "" : rest + "/")
        default:
            return planned.first { $0.planned.id == source }.map { ($0, "") }
        }
    }

    func takeLive(sources: [SourceDescriptor], fileSources: [DiscoveredSource], listings: [String: SnapshotListing],
                  catalog: Catalog?) -> LiveInventory {
        var baselines: [String: LiveBaseline] = [:]
        for source in sources where source.kind != .database {
            guard let (planned, prefix) = BackupPlanner.covering(source.id, in: fileSources),
                  let newest = planned.usable.first, let time = newest.time else { continue }
            baselines[source.id.description] = LiveBaseline(name: newest.name, time: time, table: listings[newest.listingKey]?.table,
                                                prefix: prefix)
        }
        var externals: [LiveExternal] = []
        for source in sources where source.kind == .external {
            let container = source.containerPath ?? source.id.externalPath ?? ""
            var patterns = Set<String>()
            var found = false
            for library in catalog?.libraries ?? [] where !library.deleted && library.importPaths.contains(where: {
                Paths.normalize($0) == container
            }) {
                patterns.formUnion(library.exclusionPatterns)
                found = true
            }
            let exclusions = ExclusionSet(found ? Array(patterns).sorted() : ExclusionSet.immichDefaults)
            externals.append(LiveExternal(source: source.id.description, containerPath: container, local: source.drillPath,
                                          exclusions: exclusions, imported: catalog == nil || source.required))
        }
        let uploadRoot = deployment.mediaLocation.drillPath
        let translator = PathTranslator.forCatalog(
            catalog, mediaContainerPath: deployment.mediaLocation.containerPath, uploadRoot: uploadRoot,
            externals: externals.compactMap { e in e.local.map { (e.containerPath, $0) } })
        // The live check looks for unreferenced files only in library/, upload/ and the import paths: what the
        // database keeps in thumbs/, encoded-video/, profile/ and backups/ (two million paths at a million assets)
        // need not be held for it.
        let generated = uploadRoot.map { root in Deployment.foldersWithoutOriginals.map { root + "/" + $0 } } ?? []
        let index = catalog.map { ReferenceIndex(catalog: $0, translator: translator, skipping: generated) }
        return LiveInventory.take(uploadRoot: uploadRoot, externals: externals, baselines: baselines, catalog: catalog,
                                  index: index, dumpTime: catalog?.identity.time,
                                  mediaContainer: deployment.mediaLocation.containerPath, collectUntracked: options.collectUntracked)
    }
}
