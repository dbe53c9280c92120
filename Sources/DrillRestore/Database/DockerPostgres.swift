// The deployment's own database image as the drill's scratch server (`database-restore: docker`): vchord and
// pgvecto.rs for real, in the version the Compose file pins. `docker run -d --rm` with a unique name, no network
// (`--network none`, so no published port and no way out), the run's scratch folder as its data directory, ready when
// its real server (not the init one) answers; loaded and queried through `docker exec -i … psql`; removed with
// `docker rm -f` when the drill ends, also on a signal.

import Foundation

/// A database container the drill owns.
package final class DockerPostgres: ScratchDatabase, @unchecked Sendable {
    package let docker: String
    package let image: String
    package let name: String
    package let superuser: String
    package let dataDirectory: String
    package private(set) var running = false
    package private(set) var serverVersion = "?"

    /// The docker client's environment: PATH, HOME and the caller's DOCKER_* (which daemon), nothing else.
    package let environment: [String: String]

    /// `docker` on `path`, or nil.
    package static func find(path: String?) -> String? {
        (path ?? "").split(separator: ":").map { "\($0)/docker" }.first(where: FileManager.default.isExecutableFile)
    }

    /// Starts `image` with `scratch/database-docker` as its data directory, and waits (up to `timeout`) for it.
    package init(docker: String, image: String, superuser: String, scratch: String, path: String?, timeout: Double = 180) throws {
        self.docker = docker
        self.image = image
        self.superuser = superuser
        name = "immich-drill-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        dataDirectory = scratch + "/database-docker"
        var env = ["PATH": path ?? "/usr/bin:/bin", "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root", "LANG": "C.UTF-8"]
        for (key, value) in ProcessInfo.processInfo.environment where key.hasPrefix("DOCKER_") { env[key] = value }
        environment = env
        guard ScratchPostgres.shellSafe(dataDirectory) else {
            throw DrillError(.environment, file: dataDirectory, "the scratch path holds characters a docker --mount cannot carry; choose a plainer 'scratch'")
        }
        guard mkdir(dataDirectory, 0o700) == 0 else {
            throw DrillError(.environment, file: dataDirectory, "cannot create the database folder", cause: DrillError.errnoText(errno))
        }
        var argv = [docker, "run", "-d", "--rm", "--name", name, "--network", "none",
                    "-e", "POSTGRES_USER=\(superuser)", "-e", "POSTGRES_PASSWORD=\(UUID().uuidString)", "-e", "POSTGRES_DB=postgres",
                    "-e", "POSTGRES_INITDB_ARGS=--data-checksums",
                    "--mount", "type=bind,source=\(dataDirectory),target=/var/lib/postgresql/data", image]
        // The pgvecto.rs images need the preload Immich's Compose files of that era passed as the command.
        if image.lowercased().contains("pgvecto-rs") {
            argv += ["postgres", "-c", "shared_preload_libraries=vectors.so", "-c", "search_path=\"$user\", public, vectors"]
        }
        let started = try Self.run(argv, environment: env, timeout: 300)
        guard started.status == 0 else {
            throw DrillError(.environment, file: docker, "docker run \(image) exited \(started.status)", cause: started.tail)
        }
        running = true
        // Ready when the real server answers on TCP inside the container (the init server listens on no port).
        let deadline = Date().addingTimeInterval(timeout)
        var ready = false
        while Date() < deadline, !Cancellation.isCancelled {
            let probe = try? Self.run([docker, "exec", name, "pg_isready", "-h", "127.0.0.1", "-U", superuser, "-d", "postgres"],
                                      environment: env, timeout: 30)
            if probe?.status == 0 {
                ready = true
                break
            }
            usleep(500_000)
        }
        guard ready else {
            let logs = (try? Self.run([docker, "logs", "--tail", "5", name], environment: env, timeout: 30))?.tail ?? ""
            stop()
            throw DrillError(.environment, file: docker, Cancellation.isCancelled ? "stopped by a signal while \(image) started"
                                : "\(image) did not accept connections within \(Int(timeout)) s", cause: logs)
        }
        serverVersion = (try? query("postgres", "SHOW server_version").first?.first) ?? "?"
    }

    deinit { stop() }

    static func run(_ argv: [String], environment: [String: String], timeout: Double) throws -> SubprocessResult {
        try Spawn.capture(argv, environment: environment, timeout: timeout, limit: 1 << 20)
    }

    package func psql(_ database: String, _ extra: [String]) -> [String] {
        [docker, "exec", "-i", "-e", "PGOPTIONS=-c client_min_messages=warning", name,
         "psql", "-X", "--no-password", "-U", superuser, "-d", database] + extra
    }

    package func query(_ database: String, _ sql: String, timeout: Double) throws -> [[String]] {
        try ScratchQuery.run(psql(database, ["-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql]), environment: environment,
                             timeout: timeout, what: docker)
    }

    package var label: String { "PostgreSQL \(serverVersion) in \(image) (docker, container \(name))" }
    package var versionText: String { serverVersion }
    package var engine: String { "docker" }

    /// Removes the container (it was started with --rm) and its data directory.
    package func stop() {
        if running {
            _ = try? Self.run([docker, "rm", "-f", name], environment: environment, timeout: 120)
            running = false
        }
        Scratch.removeTree(dataDirectory)
    }
}
