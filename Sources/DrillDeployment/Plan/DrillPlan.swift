// The drill plan: a YAML file (drills/NAME.yml) that says what the deployment is (Compose files, env file, how
// the drill machine sees the Docker host's paths), what the targets are (RPO, RTO, the skew allowed between a
// dump and its file snapshots), where scratch restores go and where history is kept. Read strictly: an unknown
// key or a value of the wrong shape is an error naming file, line, column and the keys allowed there.
// Later stages add their sections (snapshot sources, verification) to the allowed keys here.

import DrillModel
import Foundation
import Yams

/// Recovery targets.
package struct DrillTargets: Sendable, Equatable, Codable {
    /// The most data loss acceptable: the restore point's age.
    public var rpo: DurationText
    /// The longest acceptable time to restore.
    public var rto: DurationText
    /// The largest spread allowed between a restore point's dump and its file snapshots.
    package var maxSkew: DurationText

    package static let defaults = DrillTargets(rpo: DurationText(seconds: 26 * 3600),
                                              rto: DurationText(seconds: 24 * 3600),
                                              maxSkew: DurationText(seconds: 6 * 3600))

    package init(rpo: DurationText, rto: DurationText, maxSkew: DurationText) {
        self.rpo = rpo
        self.rto = rto
        self.maxSkew = maxSkew
    }
}

/// The rates the RTO estimate assumes for the work Immich does after the files are back (measured on nothing here:
/// each is stated in the report, and can be set to what this hardware does).
package struct RestoreRates: Sendable, Equatable, Codable {
    /// Loading the SQL dump into PostgreSQL, MiB of SQL per second.
    package var sqlMiBPerSecond = 20.0
    /// A library scan, external assets checked per second.
    package var scanAssetsPerSecond = 500.0
    /// Thumbnail and preview generation, assets per second.
    package var thumbnailsPerSecond = 4.0
    /// Video transcoding, videos per second.
    package var transcodesPerSecond = 0.2

    package init() {}
}

/// How `run` restores the database half (`database-restore:` in the plan, `--database-restore`).
public enum DatabaseRestoreMode: String, Sendable, CaseIterable, Codable {
    /// Local PostgreSQL binaries when found, else the estimate with a notice.
    case auto
    /// Local PostgreSQL binaries; without them the estimate, with a notice.
    case local
    /// The deployment's own database image through `docker` (vchord and pgvecto.rs for real).
    case docker
    /// No load: the estimate only.
    case skip
}

/// A drill plan, with every path made absolute.
public struct DrillPlan: Sendable {
    /// The plan file.
    public var file: String
    public var name: String
    public var compose: [String]
    public var envFile: String?
    /// The service to treat as the Immich server when its image does not say so (a locally built image).
    package var serverService: String?
    /// The zone Immich's dump names are written in, when the deployment does not set TZ.
    public var timeZone: String?
    package var mounts: [MountAlias]
    package var targets: DrillTargets
    public var scratch: String
    public var history: String
    /// Where the backups of each source are (`sources:`).
    package var sources: [PlannedSource] = []
    /// The rates of the RTO estimate (`estimates:`).
    package var rates = RestoreRates()
    /// How the dump is loaded (`database-restore:`).
    public var databaseRestore = DatabaseRestoreMode.auto

    /// The default history database: `$XDG_STATE_HOME/immich-drill/history.sqlite`.
    public static func defaultHistoryPath(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/immich-drill/history.sqlite"
        }
        return (environment["HOME"] ?? "/root") + "/.local/state/immich-drill/history.sqlite"
    }

    /// The default scratch root.
    package static let defaultScratch = "/var/tmp/immich-drill"

    static let topKeys = ["version", "name", "deployment", "mounts", "sources", "targets", "estimates", "scratch", "history", "database-restore"]
    static let estimateKeys = ["sql-mib-per-second", "scan-assets-per-second", "thumbnails-per-second", "transcodes-per-second"]
    static let deploymentKeys = ["compose", "env-file", "server-service", "time-zone"]
    static let mountKeys = ["host", "container", "drill"]
    static let targetKeys = ["rpo", "rto", "max-skew"]

    /// Reads and validates a plan file.
    public static func load(_ path: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DrillPlan {
        let text = try FileProbe.readText(path, what: "drill plan")
        return try parse(text, file: path, environment: environment)
    }

    /// Parses plan text; relative paths are taken from the plan file's directory.
    public static func parse(_ text: String, file: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DrillPlan {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLValues.drillError(error, file: file, text: text)
        }
        guard let root else {
            throw DrillError(.input, file: file, "the plan is empty; expected at least a 'deployment' with 'compose'")
        }
        try YAMLValues.checkExpansion(root, file: file, what: "plan")
        let top = try StrictMapping(root, file: file, path: "", allowed: topKeys)
        let base = Paths.directory(of: Paths.absolute(file))
        let home = environment["HOME"]
        func path(_ p: String) -> String { Paths.resolve(Paths.expandTilde(p, home: home), against: base) }

        if let version = try top.string("version"), version != "1" {
            throw StrictMapping.error(top.node("version")!, file: file,
                                      "unsupported plan version '\(version)'; this immich-drill reads version 1")
        }
        guard let deployment = try top.mapping("deployment", allowed: deploymentKeys) else {
            throw StrictMapping.error(root, file: file, "the plan needs a 'deployment' section with 'compose'")
        }
        guard let compose = try deployment.strings("compose"), !compose.isEmpty else {
            throw StrictMapping.error(deployment.node, file: file,
                                      "'deployment.compose' is required: the docker-compose.yml (or a list of Compose files)")
        }
        let timeZone = try deployment.string("time-zone")
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw StrictMapping.error(deployment.node("time-zone")!, file: file,
                                      "'deployment.time-zone' must be a zone name like Europe/Berlin or UTC, got '\(timeZone)'")
        }

        var mounts: [MountAlias] = []
        for entry in try top.list("mounts", allowed: mountKeys) ?? [] {
            let host = try entry.string("host")
            let container = try entry.string("container")
            guard (host == nil) != (container == nil) else {
                throw StrictMapping.error(entry.node, file: file,
                                          "'\(entry.path)' needs exactly one of 'host' (a path on the Docker host) or 'container' (a path inside the Immich container), and 'drill'")
            }
            for (key, value) in [("host", host), ("container", container)] {
                if let value, !value.hasPrefix("/") {
                    throw StrictMapping.error(entry.node(key)!, file: file,
                                              "'\(entry.path).\(key)' must be an absolute path, got '\(value)'")
                }
            }
            let drill = try entry.requiredString("drill")
            mounts.append(MountAlias(host: host, container: container, drill: path(drill)))
        }

        var targets = DrillTargets.defaults
        if let t = try top.mapping("targets", allowed: targetKeys) {
            targets.rpo = try t.duration("rpo") ?? targets.rpo
            targets.rto = try t.duration("rto") ?? targets.rto
            targets.maxSkew = try t.duration("max-skew") ?? targets.maxSkew
        }

        let name = try top.string("name") ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let sources = try parseSources(top, file: file, resolve: path)
        var plan = DrillPlan(
            file: Paths.absolute(file), name: name, compose: compose.map(path),
            envFile: try deployment.string("env-file").map(path),
            serverService: try deployment.string("server-service"), timeZone: timeZone, mounts: mounts,
            targets: targets, scratch: path(try top.string("scratch") ?? DrillPlan.defaultScratch),
            history: path(try top.string("history") ?? DrillPlan.defaultHistoryPath(environment: environment)))
        plan.sources = sources
        if let mode = try top.string("database-restore") {
            guard let value = DatabaseRestoreMode(rawValue: mode) else {
                throw StrictMapping.error(top.node("database-restore")!, file: file,
                                          "'database-restore' must be one of auto, local, docker, skip; got '\(mode)'")
            }
            plan.databaseRestore = value
        }
        if let e = try top.mapping("estimates", allowed: estimateKeys) {
            func rate(_ key: String) throws -> Double? {
                guard let node = e.node(key) else { return nil }
                guard let text = node.scalar?.string, let value = Double(text), value > 0 else {
                    throw StrictMapping.error(node, file: file, "'estimates.\(key)' must be a positive number")
                }
                return value
            }
            plan.rates.sqlMiBPerSecond = try rate("sql-mib-per-second") ?? plan.rates.sqlMiBPerSecond
            plan.rates.scanAssetsPerSecond = try rate("scan-assets-per-second") ?? plan.rates.scanAssetsPerSecond
            plan.rates.thumbnailsPerSecond = try rate("thumbnails-per-second") ?? plan.rates.thumbnailsPerSecond
            plan.rates.transcodesPerSecond = try rate("transcodes-per-second") ?? plan.rates.transcodesPerSecond
        }
        return plan
    }

    /// Reads the deployment the plan describes.
    package func readDeployment(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Deployment {
        try DeploymentReader(environment: environment).read(composeFiles: compose, envFile: envFile, aliases: mounts,
                                                            serverService: serverService)
    }
}
