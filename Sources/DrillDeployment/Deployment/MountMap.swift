// The mount map: one type that translates a path between the three places it can be written —
//   the container (what Immich stores in its database: `/data/upload/…`, `/mnt/media/photos/…`),
//   the Docker host (the bind source in docker-compose.yml: `/volume1/photos/…`),
//   the drill machine (where immich-drill sees the same bytes: `/mnt/nas/photos/…`).
// Container ⇄ host goes through the Immich server's volumes; host → drill through the plan's `mounts:` section
// (identity when the drill runs on the Docker host). Every translation is by longest prefix over normalized
// paths, component by component. A container path no volume covers is an answer, `.notMounted`, never a crash.

import DrillModel

/// A `mounts:` entry of a drill plan: where the drill machine sees a host path (or a container path, for volumes
/// that have no host path, such as NFS named volumes).
package struct MountAlias: Sendable, Equatable, Codable {
    package var host: String?
    package var container: String?
    public var drill: String

    package init(host: String? = nil, container: String? = nil, drill: String) {
        self.host = host.map(Paths.normalize)
        self.container = container.map(Paths.normalize)
        self.drill = Paths.normalize(drill)
    }
}

/// Translates paths between container, Docker host and drill machine.
package struct MountMap: Sendable {
    /// One volume of the Immich server: a container path and where it comes from.
    package struct Binding: Sendable, Equatable {
        public var containerPath: String
        /// The host path, when the volume has one (bind mounts, local named volumes).
        public var hostPath: String?
        package var readOnly: Bool

        package init(containerPath: String, hostPath: String?, readOnly: Bool) {
            self.containerPath = Paths.normalize(containerPath)
            self.hostPath = hostPath.map(Paths.normalize)
            self.readOnly = readOnly
        }
    }

    /// Where a container path leads.
    package enum Resolution: Sendable, Equatable {
        /// Covered by `binding`; `hostPath` and `drillPath` are nil when unknown (a remote volume with no alias).
        case mounted(binding: Binding, hostPath: String?, drillPath: String?)
        /// No volume covers the path: inside the container it lives in the image's own file system.
        case notMounted

        public var hostPath: String? {
            if case .mounted(_, let host, _) = self { return host }
            return nil
        }

        package var drillPath: String? {
            if case .mounted(_, _, let drill) = self { return drill }
            return nil
        }

        package var isMounted: Bool {
            if case .mounted = self { return true }
            return false
        }
    }

    package private(set) var bindings: [Binding]
    package private(set) var aliases: [MountAlias]

    package init(bindings: [Binding], aliases: [MountAlias] = []) {
        self.bindings = bindings
        self.aliases = aliases
    }

    /// The binding with the longest container path that contains `path`.
    package func binding(forContainer path: String) -> Binding? {
        bindings.filter { Paths.isWithin(path, $0.containerPath) }
            .max { $0.containerPath.count < $1.containerPath.count }
    }

    /// Where a container path is on the host and on the drill machine.
    package func resolve(containerPath path: String) -> Resolution {
        let normalized = Paths.normalize(path)
        guard let binding = binding(forContainer: normalized) else {
            // A container alias in the plan can still say where the drill machine sees an unbound path.
            if let alias = aliases.filter({ $0.container != nil && Paths.isWithin(normalized, $0.container!) })
                .max(by: { $0.container!.count < $1.container!.count }) {
                let pseudo = Binding(containerPath: alias.container!, hostPath: nil, readOnly: true)
                return .mounted(binding: pseudo, hostPath: nil, drillPath: drillPath(forContainer: normalized, host: nil))
            }
            return .notMounted
        }
        let rest = Paths.remainder(of: normalized, under: binding.containerPath) ?? ""
        let host = binding.hostPath.map { Paths.append(rest, to: $0) }
        return .mounted(binding: binding, hostPath: host, drillPath: drillPath(forContainer: normalized, host: host))
    }

    /// Where the drill machine sees a container path whose host path is `host`: a plan's `container:` alias that
    /// covers it (and is no less specific than the volume that does) wins, else the host path through the `host:`
    /// aliases; nil when neither is known.
    package func drillPath(forContainer path: String, host: String?) -> String? {
        let normalized = Paths.normalize(path)
        let bound = binding(forContainer: normalized)?.containerPath.count ?? 0
        if let alias = aliases.filter({ $0.container != nil && Paths.isWithin(normalized, $0.container!) })
            .max(by: { $0.container!.count < $1.container!.count }),
            alias.container!.count >= bound,
            let rest = Paths.remainder(of: normalized, under: alias.container!) {
            return Paths.append(rest, to: alias.drill)
        }
        return host.map { drillPath(forHost: $0) }
    }

    /// Where the drill machine sees a host path (the path itself when no alias covers it).
    package func drillPath(forHost path: String) -> String {
        let normalized = Paths.normalize(path)
        guard let alias = aliases.filter({ $0.host != nil && Paths.isWithin(normalized, $0.host!) })
            .max(by: { $0.host!.count < $1.host!.count }),
            let rest = Paths.remainder(of: normalized, under: alias.host!)
        else { return normalized }
        return Paths.append(rest, to: alias.drill)
    }

    /// The Docker host path of a path on the drill machine, through the `host:` aliases (the path itself when no
    /// alias covers it: the drill runs on the Docker host).
    public func hostPath(forDrill path: String) -> String {
        let normalized = Paths.normalize(path)
        guard let alias = aliases.filter({ $0.host != nil && Paths.isWithin(normalized, $0.drill) })
            .max(by: { $0.drill.count < $1.drill.count }),
            let rest = Paths.remainder(of: normalized, under: alias.drill)
        else { return normalized }
        return Paths.append(rest, to: alias.host!)
    }

    /// The container path a host path appears at, through the longest host-side binding that contains it.
    public func containerPath(forHost path: String) -> String? {
        guard let binding = bindings.filter({ $0.hostPath != nil && Paths.isWithin(path, $0.hostPath!) })
            .max(by: { $0.hostPath!.count < $1.hostPath!.count }),
            let rest = Paths.remainder(of: path, under: binding.hostPath!)
        else { return nil }
        return Paths.append(rest, to: binding.containerPath)
    }
}
