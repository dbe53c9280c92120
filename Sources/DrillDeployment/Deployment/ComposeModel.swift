// The typed model of a Compose project after loading: files read, YAML anchors and merge keys applied, variables
// interpolated, `extends` followed, files merged the way `docker compose config` merges them. Only the parts that
// say where an Immich install keeps its bytes are modelled: images, commands, container names, volumes, environment.

import DrillModel

/// One volume of a service, after interpolation and path resolution.
package struct ComposeVolume: Sendable, Equatable, Codable {
    /// Compose's volume types.
    package enum VolumeType: String, Sendable, Codable {
        case bind, volume, tmpfs, npipe, image, cluster
    }

    public var type: VolumeType
    /// For `bind`: the absolute host path. For `volume`: the volume's name in the file (nil when anonymous).
    public var source: String?
    /// The normalized path inside the container.
    public var target: String
    package var readOnly: Bool
    /// Other options given in the short syntax (`z`, `Z`, `nocopy`, `rshared`…).
    public var options: [String]
    /// `volume.subpath` of the long syntax.
    package var subpath: String?
    /// Where it was declared, `file:line`.
    package var declaredAt: String

    package init(type: VolumeType, source: String?, target: String, readOnly: Bool, options: [String] = [],
                subpath: String? = nil, declaredAt: String) {
        self.type = type
        self.source = source
        self.target = target
        self.readOnly = readOnly
        self.options = options
        self.subpath = subpath
        self.declaredAt = declaredAt
    }
}

/// One `env_file` reference.
package struct ComposeEnvFile: Sendable, Equatable, Codable {
    public var path: String
    package var required: Bool
}

/// A service after merging and `extends`.
package struct ComposeService: Sendable, Equatable {
    public var name: String
    package var image: String?
    /// `command`, split into words (a string command is split the way a shell would).
    public var command: [String]?
    package var entrypoint: [String]?
    package var containerName: String?
    package var hostname: String?
    package var volumes: [ComposeVolume]
    /// The `environment` key, in order; a nil value means "taken from the shell, if set".
    public var environment: [(key: String, value: String?)]
    package var envFiles: [ComposeEnvFile]
    /// The files this service was declared in, first to last.
    package var declaredIn: [String]

    package init(name: String) {
        self.name = name
        volumes = []
        environment = []
        envFiles = []
        declaredIn = []
    }

    public static func == (a: ComposeService, b: ComposeService) -> Bool {
        a.name == b.name && a.image == b.image && a.command == b.command && a.entrypoint == b.entrypoint &&
            a.containerName == b.containerName && a.hostname == b.hostname && a.volumes == b.volumes &&
            a.environment.map(\.key) == b.environment.map(\.key) &&
            a.environment.map(\.value) == b.environment.map(\.value) &&
            a.envFiles == b.envFiles && a.declaredIn == b.declaredIn
    }
}

/// A top-level named volume.
package struct ComposeNamedVolume: Sendable, Equatable, Codable {
    public var name: String
    package var driver: String?
    package var driverOptions: [String: String]
    public var external: Bool
    /// The `name:` given to the volume, if any.
    package var explicitName: String?
}

/// A loaded Compose project.
package struct ComposeProject: Sendable {
    /// The project name (`name:`, COMPOSE_PROJECT_NAME, or the directory's name).
    public var name: String
    /// The directory relative paths are resolved against (the first file's directory).
    public var directory: String
    /// The files read, in merge order (including override files found automatically).
    public var files: [String]
    /// The env file used for interpolation, if any.
    public var envFile: String?
    /// The variables available to interpolation (.env overlaid by the process environment).
    package var variables: [String: String]
    package var services: [ComposeService]
    package var volumes: [String: ComposeNamedVolume]
    /// Things Compose would warn about (unset variables, `extends` not followed…).
    public var warnings: [String]

    /// The service called `name`.
    package func service(_ name: String) -> ComposeService? { services.first { $0.name == name } }
}
