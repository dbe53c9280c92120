// The deployment: what is protected. Built from a loaded Compose project by finding Immich's roles by image and
// command (never by service name), then reading from them where each byte lives: the media location
// (UPLOAD_LOCATION ⇄ /usr/src/app/upload, /data or IMMICH_MEDIA_LOCATION), the database settings, the external
// library mounts, the Immich version and time zone. Findings about the deployment itself are collected here.

import DrillModel
import Foundation

/// What a service is to Immich.
package enum ServiceRole: String, Sendable, Codable, CaseIterable {
    case server
    case microservices
    case machineLearning = "machine-learning"
    case database
    case redis
    case other

    /// Decides a service's role from its image, command and environment.
    package static func detect(image: String?, command: [String]?, environment: [String: String]) -> ServiceRole {
        let reference = ImageReference(image ?? "")
        let repository = reference.repository.lowercased()
        let name = reference.name.lowercased()
        if name == "immich-server" || repository.hasSuffix("/immich-server") {
            return isWorkerOnly(command: command, environment: environment) ? .microservices : .server
        }
        if name.contains("immich-machine-learning") { return .machineLearning }
        let databaseNames = ["postgres", "pgvecto-rs", "pgvector", "vectorchord", "postgis", "timescaledb"]
        if databaseNames.contains(where: { name.contains($0) }) ||
            (environment["POSTGRES_PASSWORD"] != nil && environment["POSTGRES_USER"] != nil && image != nil &&
                !name.contains("immich")) {
            return .database
        }
        if ["redis", "valkey", "keydb", "dragonfly"].contains(where: { name.contains($0) }) { return .redis }
        return .other
    }

    /// A server-image container that runs only the microservices worker: the old `start.sh microservices`
    /// command, or v1.106+'s `IMMICH_WORKERS_INCLUDE=microservices` / `IMMICH_WORKERS_EXCLUDE=api`.
    static func isWorkerOnly(command: [String]?, environment: [String: String]) -> Bool {
        if let command, command.contains(where: { $0 == "microservices" }) { return true }
        func list(_ key: String) -> Set<String> {
            Set((environment[key] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        let include = list("IMMICH_WORKERS_INCLUDE")
        let exclude = list("IMMICH_WORKERS_EXCLUDE")
        if !include.isEmpty { return !include.contains("api") }
        return exclude.contains("api")
    }

    /// True for the two roles that read the media and external files.
    package var readsLibrary: Bool { self == .server || self == .microservices }
}

/// What a mount holds, for a drill.
package enum MountKind: String, Sendable, Codable {
    /// UPLOAD_LOCATION, or a folder of it mounted on its own.
    case media
    /// An external-library folder (every other bind or volume into the server).
    case external
    /// The database's data directory.
    case database
    /// System files (`/etc/localtime`, devices, drivers).
    case system
    /// Anything else (the machine-learning model cache, redis data).
    case other
}

/// One volume of one service, with its host and drill-machine paths.
package struct DeploymentMount: Sendable, Equatable, Codable {
    package var service: String
    package var role: ServiceRole
    public var type: ComposeVolume.VolumeType
    /// The host path (bind source, a local named volume's folder), nil when there is none (NFS/CIFS volumes,
    /// tmpfs, anonymous volumes).
    public var hostPath: String?
    public var containerPath: String
    package var readOnly: Bool
    public var kind: MountKind
    /// The Docker volume name, for named volumes.
    package var volume: String?
    /// For network volumes: `nfs 192.168.1.10:/volume1/photos`.
    package var remote: String?
    /// Where the drill machine sees it, through the plan's `mounts:` section.
    package var drillPath: String?
    /// Whether `drillPath` exists on this machine.
    package var existsHere: Bool
    /// `file:line` of the declaration.
    package var declaredAt: String

    enum CodingKeys: String, CodingKey {
        case service, role, type, hostPath, containerPath, readOnly, kind, volume, remote, drillPath, existsHere,
             declaredAt
    }

    /// Unknown paths are written as `null`, not left out, so JSON consumers see every key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(service, forKey: .service)
        try c.encode(role, forKey: .role)
        try c.encode(type, forKey: .type)
        try c.encode(hostPath, forKey: .hostPath)
        try c.encode(containerPath, forKey: .containerPath)
        try c.encode(readOnly, forKey: .readOnly)
        try c.encode(kind, forKey: .kind)
        try c.encode(volume, forKey: .volume)
        try c.encode(remote, forKey: .remote)
        try c.encode(drillPath, forKey: .drillPath)
        try c.encode(existsHere, forKey: .existsHere)
        try c.encode(declaredAt, forKey: .declaredAt)
    }
}

/// A service and its role.
package struct DeploymentService: Sendable, Equatable, Codable {
    public var name: String
    package var role: ServiceRole
    package var image: String?
    package var containerName: String
}

/// The media location: UPLOAD_LOCATION on the host, its path in the container.
package struct MediaLocation: Sendable, Equatable, Codable {
    public var hostPath: String?
    public var containerPath: String
    package var drillPath: String?
    /// Why this container path: `IMMICH_MEDIA_LOCATION`, `mount`, `version`.
    public var reason: String
    /// The Docker volume, when UPLOAD_LOCATION is a named volume.
    package var volume: String?
}

/// How Immich reaches its database.
package struct DatabaseSettings: Sendable, Equatable, Codable {
    public var user: String
    public var name: String
    package var hostname: String
    /// The database service, when it is in this Compose project.
    package var service: String?
    /// Its container name (`immich_postgres`, or Compose's `<project>-<service>-1`).
    package var container: String?
    /// DB_DATA_LOCATION on the host.
    package var dataPath: String?
    /// True when DB_URL set these.
    package var fromURL: Bool

    package init(user: String, name: String, hostname: String, service: String? = nil, container: String? = nil, dataPath: String? = nil, fromURL: Bool) {
        self.user = user
        self.name = name
        self.hostname = hostname
        self.service = service
        self.container = container
        self.dataPath = dataPath
        self.fromURL = fromURL
    }
}

/// The deployment, as read from Compose.
package struct Deployment: Sendable {
    public var project: String
    public var directory: String
    public var composeFiles: [String]
    public var envFile: String?
    package var services: [DeploymentService]
    public var mounts: [DeploymentMount]
    package var mediaLocation: MediaLocation
    public var database: DatabaseSettings
    /// The server image's tag (`v1.118.2`, `release`, `v2`), nil when untagged.
    package var immichVersion: String?
    package var versionPinned: Bool
    /// The container's time zone (TZ), or nil when unset.
    public var timeZone: String?
    /// Where `timeZone` comes from, or why it is unknown.
    package var timeZoneSource: String
    package var mountMap: MountMap
    public var findings: [Finding]
    /// The server's environment (env_file overlaid by environment), for later stages.
    package var serverEnvironment: [String: String]

    /// The external-library mounts of the server.
    package var externalMounts: [DeploymentMount] {
        mounts.filter { $0.kind == .external && $0.role == .server }
    }

    /// The zone an /etc/localtime names: its symlink into `zoneinfo/`, else /etc/timezone beside it.
    static func zoneName(ofLocaltime path: String) -> String? {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
           let range = target.range(of: "zoneinfo/") {
            let zone = String(target[range.upperBound...])
            if TimeZone(identifier: zone) != nil { return zone }
        }
        if path == "/etc/localtime", let text = try? String(contentsOfFile: "/etc/timezone", encoding: .utf8) {
            let zone = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if TimeZone(identifier: zone) != nil { return zone }
        }
        return nil
    }

    /// The Immich version the image tag names exactly, if it does.
    public var version: ImmichVersion? { immichVersion.flatMap { ImmichVersion($0) } }
}

/// Reads a deployment from Compose files.
public struct DeploymentReader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads the Compose files and reads the deployment from them.
    package func read(composeFiles: [String], envFile: String? = nil, aliases: [MountAlias] = [],
                     serverService: String? = nil) throws -> Deployment {
        let project = try ComposeLoader(environment: environment).load(files: composeFiles, envFile: envFile)
        return try read(project: project, aliases: aliases, serverService: serverService)
    }

    /// Reads the deployment from a loaded project.
    package func read(project: ComposeProject, aliases: [MountAlias] = [],
                     serverService: String? = nil) throws -> Deployment {
        var findings: [Finding] = []
        var missingEnvFiles: [String] = []

        // Each service's environment: env_file contents, overlaid by `environment:`.
        var environments: [String: [String: String]] = [:]
        for service in project.services {
            var env: [String: String] = [:]
            for file in service.envFiles {
                guard FileProbe.kind(file.path) == .file else {
                    if file.required { missingEnvFiles.append("\(service.name): \(file.path)") }
                    continue
                }
                for (k, v) in try DotEnv.load(path: file.path, environment: environment).values { env[k] = v }
            }
            for (key, value) in service.environment {
                if let value {
                    env[key] = value
                } else if let inherited = environment[key] {
                    env[key] = inherited
                }
            }
            environments[service.name] = env
        }

        // Roles.
        var roles: [String: ServiceRole] = [:]
        for service in project.services {
            roles[service.name] = ServiceRole.detect(image: service.image, command: service.command,
                                                     environment: environments[service.name] ?? [:])
        }
        if let serverService {
            guard roles[serverService] != nil else {
                throw DrillError(.input, file: project.files.first,
                                 "the plan names '\(serverService)' as the Immich server, but the Compose files define only \(project.services.map(\.name).joined(separator: ", "))")
            }
            roles[serverService] = .server
        }
        let servers = project.services.filter { roles[$0.name] == .server }
        guard let server = servers.first else {
            let list = project.services.map { "\($0.name) (\($0.image ?? "no image"))" }.joined(separator: ", ")
            throw DrillError(.input, file: project.files.first,
                             "no Immich server in the Compose files: expected a service whose image is ghcr.io/immich-app/immich-server; found \(list.isEmpty ? "no services" : list). If the server is built locally, name it with `server-service:` in the plan")
        }
        let serverEnv = environments[server.name] ?? [:]
        let image = ImageReference(server.image ?? "")

        // Media location (IMMICH.md §7).
        let mediaContainer: String
        let mediaReason: String
        if let location = serverEnv["IMMICH_MEDIA_LOCATION"], !location.isEmpty {
            mediaContainer = Paths.normalize(location)
            mediaReason = "IMMICH_MEDIA_LOCATION"
        } else if let version = image.version, version < ImmichVersion.dataMediaLocation {
            mediaContainer = "/usr/src/app/upload"
            mediaReason = "Immich \(version) keeps media in ./upload under /usr/src/app"
        } else {
            let targets = Set(server.volumes.map(\.target))
            let hasData = targets.contains("/data")
            let hasUpload = targets.contains("/usr/src/app/upload")
            if hasData && !hasUpload {
                mediaContainer = "/data"
                mediaReason = "the server mounts /data"
            } else if hasUpload {
                mediaContainer = "/usr/src/app/upload"
                mediaReason = hasData ? "both /data and /usr/src/app/upload are mounted; Immich then uses /usr/src/app/upload"
                    : "the server mounts /usr/src/app/upload"
            } else {
                mediaContainer = "/data"
                mediaReason = "no media mount found; /data is the default from v1.137.0"
            }
        }

        // Mounts of every service.
        let serverBindings = server.volumes.map { volume in
            MountMap.Binding(containerPath: volume.target,
                             hostPath: hostPath(of: volume, project: project).path,
                             readOnly: volume.readOnly)
        }
        let mountMap = MountMap(bindings: serverBindings, aliases: aliases)
        var mounts: [DeploymentMount] = []
        for service in project.services {
            let role = roles[service.name] ?? .other
            let serviceEnv = environments[service.name] ?? [:]
            for volume in service.volumes {
                let (host, volumeName, remote) = hostPath(of: volume, project: project)
                let kind = classify(volume, role: role, mediaContainer: mediaContainer, environment: serviceEnv)
                // Container aliases speak of the library containers' paths; other services go by host path.
                let drill = role.readsLibrary ? mountMap.drillPath(forContainer: volume.target, host: host)
                    : host.map { mountMap.drillPath(forHost: $0) }
                mounts.append(DeploymentMount(
                    service: service.name, role: role, type: volume.type, hostPath: host,
                    containerPath: volume.target, readOnly: volume.readOnly, kind: kind, volume: volumeName,
                    remote: remote, drillPath: drill, existsHere: drill.map(FileProbe.exists) ?? false,
                    declaredAt: volume.declaredAt))
            }
        }

        let mediaResolution = mountMap.resolve(containerPath: mediaContainer)
        let mediaMount = mounts.first { $0.service == server.name && $0.containerPath == mediaContainer }
        let media = MediaLocation(hostPath: mediaResolution.hostPath, containerPath: mediaContainer,
                                  drillPath: mediaResolution.drillPath, reason: mediaReason,
                                  volume: mediaMount?.type == .volume ? mediaMount?.volume : nil)

        // Database settings.
        let database = databaseSettings(serverEnv: serverEnv, project: project, roles: roles,
                                        environments: environments, mounts: mounts, findings: &findings)

        // Time zone: TZ, else the host's zone when /etc/localtime is mounted, else UTC.
        let timeZone: String?
        let timeZoneSource: String
        if let tz = serverEnv["TZ"], !tz.isEmpty {
            timeZone = tz
            timeZoneSource = "TZ in the server's environment"
        } else if let localtime = server.volumes.first(where: { $0.target == "/etc/localtime" }) {
            // When this machine is the Docker host (no mount aliases), the mounted file is this machine's: its zone
            // is the one its symlink into zoneinfo names (or /etc/timezone says).
            let source = localtime.source ?? "/etc/localtime"
            if aliases.isEmpty, let zone = Deployment.zoneName(ofLocaltime: source) {
                timeZone = zone
                timeZoneSource = "the Docker host's \(source) is mounted; this machine is that host and its zone is \(zone)"
            } else {
                timeZone = nil
                timeZoneSource = "the Docker host's /etc/localtime is mounted; its zone is not known from here"
            }
        } else {
            timeZone = "UTC"
            timeZoneSource = "no TZ and no /etc/localtime mount: the container runs in UTC"
        }

        let deployment = Deployment(
            project: project.name, directory: project.directory, composeFiles: project.files,
            envFile: project.envFile,
            services: project.services.map {
                DeploymentService(name: $0.name, role: roles[$0.name] ?? .other, image: $0.image,
                                  containerName: $0.containerName ?? "\(project.name)-\($0.name)-1")
            },
            mounts: mounts, mediaLocation: media, database: database, immichVersion: image.tag,
            versionPinned: image.isPinned, timeZone: timeZone, timeZoneSource: timeZoneSource,
            mountMap: mountMap, findings: [], serverEnvironment: serverEnv)

        var all = findings
        all += DeploymentChecks.run(deployment, servers: servers.map(\.name), missingEnvFiles: missingEnvFiles,
                                    composeWarnings: project.warnings)
        var result = deployment
        result.findings = all.sortedForReport()
        return result
    }

    /// The host path of a volume, the Docker volume name, and a remote description for network volumes.
    private func hostPath(of volume: ComposeVolume, project: ComposeProject)
        -> (path: String?, volume: String?, remote: String?) {
        switch volume.type {
        case .bind:
            return (volume.source, nil, nil)
        case .volume:
            guard let name = volume.source else { return (nil, nil, nil) }
            let declared = project.volumes[name]
            let dockerName = declared?.explicitName ?? (declared?.external == true ? name : "\(project.name)_\(name)")
            let options = declared?.driverOptions ?? [:]
            let type = options["type"] ?? ""
            let o = options["o"] ?? ""
            if let device = options["device"], type == "none" || o.split(separator: ",").contains("bind") {
                return (Paths.normalize(device), dockerName, nil)
            }
            if ["nfs", "nfs4", "cifs", "smb"].contains(type) || declared?.driver.map({ $0 != "local" }) == true {
                let addr = o.split(separator: ",").first { $0.hasPrefix("addr=") }.map { String($0.dropFirst(5)) }
                let device = options["device"] ?? ""
                let what = declared?.driver.flatMap { $0 == "local" ? nil : $0 } ?? type
                return (nil, dockerName, "\(what) \(addr.map { "\($0):" } ?? "")\(device)")
            }
            var path = "/var/lib/docker/volumes/\(dockerName)/_data"
            if let sub = volume.subpath { path += "/" + sub }
            return (path, dockerName, nil)
        default:
            return (nil, nil, nil)
        }
    }

    /// System paths a container is given for time, devices and drivers, never library data.
    static let systemPrefixes = ["/etc", "/dev", "/sys", "/proc", "/run", "/var/run", "/lib", "/lib64", "/usr/lib",
                                 "/usr/bin", "/usr/local/lib", "/usr/share", "/tmp", "/var/lib/docker"]

    private func classify(_ volume: ComposeVolume, role: ServiceRole, mediaContainer: String,
                          environment: [String: String]) -> MountKind {
        let target = volume.target
        let isSystem = volume.type == .tmpfs ||
            DeploymentReader.systemPrefixes.contains { Paths.isWithin(target, $0) } ||
            volume.source == "/var/run/docker.sock"
        switch role {
        case .server, .microservices:
            if Paths.isWithin(target, mediaContainer) || Paths.isWithin(mediaContainer, target) { return .media }
            return isSystem ? .system : .external
        case .database:
            let pgdata = environment["PGDATA"].map(Paths.normalize) ?? "/var/lib/postgresql/data"
            if target == pgdata || target == "/var/lib/postgresql/data" || target == "/var/lib/postgresql" ||
                Paths.isWithin(pgdata, target) {
                return .database
            }
            return isSystem ? .system : .other
        default:
            return isSystem ? .system : .other
        }
    }

    private func databaseSettings(serverEnv: [String: String], project: ComposeProject,
                                  roles: [String: ServiceRole], environments: [String: [String: String]],
                                  mounts: [DeploymentMount], findings: inout [Finding]) -> DatabaseSettings {
        var user = serverEnv["DB_USERNAME"] ?? "postgres"
        var name = serverEnv["DB_DATABASE_NAME"] ?? "immich"
        var hostname = serverEnv["DB_HOSTNAME"] ?? "database"
        var fromURL = false
        if let url = serverEnv["DB_URL"], !url.isEmpty, let parsed = DatabaseURL(url) {
            user = parsed.user ?? user
            name = parsed.database ?? name
            hostname = parsed.host ?? hostname
            fromURL = true
        }
        let dbService = project.services.first { $0.name == hostname || $0.containerName == hostname ||
            $0.hostname == hostname } ?? project.services.first { roles[$0.name] == .database }
        var settings = DatabaseSettings(user: user, name: name, hostname: hostname, service: dbService?.name,
                                        container: nil, dataPath: nil, fromURL: fromURL)
        if let dbService {
            settings.container = dbService.containerName ?? "\(project.name)-\(dbService.name)-1"
            settings.dataPath = mounts.first { $0.service == dbService.name && $0.kind == .database }?.hostPath
            let dbEnv = environments[dbService.name] ?? [:]
            var mismatches: [String] = []
            if let pgUser = dbEnv["POSTGRES_USER"], !pgUser.isEmpty, pgUser != user {
                mismatches.append("the server connects as '\(user)' but the database container creates '\(pgUser)' (POSTGRES_USER)")
            }
            if let pgDB = dbEnv["POSTGRES_DB"], !pgDB.isEmpty, pgDB != name {
                mismatches.append("the server uses database '\(name)' but the database container creates '\(pgDB)' (POSTGRES_DB)")
            }
            if !mismatches.isEmpty {
                findings.append(Finding(
                    code: .databaseSettingsMismatch, severity: .warning, count: mismatches.count,
                    message: "The server's database settings differ from what the database container was created with.",
                    examples: mismatches,
                    immichWill: "Fail to connect at startup after a restore into a fresh database container, or connect to an empty database.",
                    remedy: "Make DB_USERNAME and DB_DATABASE_NAME in .env match POSTGRES_USER and POSTGRES_DB of the database service."))
            }
        }
        return settings
    }
}

/// The parts of a `postgres://user:password@host:port/database?…` URL the drill needs.
package struct DatabaseURL: Sendable, Equatable {
    public var user: String?
    package var host: String?
    package var port: Int?
    public var database: String?

    package init?(_ text: String) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else { return nil }
        user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        port = components.port
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        database = path.isEmpty ? nil : path.removingPercentEncoding
    }
}
