// A throwaway PostgreSQL owned by the drill: the binaries found on this machine (Debian's
// /usr/lib/postgresql/<major>/bin, or PATH), a cluster initialised in the run's scratch folder, a Unix socket there
// and no TCP listener, fsync off, run as an unprivileged user when the drill runs as root (PostgreSQL refuses root),
// stopped by its pid — fast shutdown, then immediate, then SIGKILL — and removed with scratch.

import CPosix
import Foundation

/// One installed PostgreSQL: its binaries and version.
package struct PostgresInstall: Sendable, Equatable, Codable {
    package var bin: String
    package var major: Int
    /// `15.18`.
    package var version: String

    /// The servers under `roots` (`/usr/lib/postgresql/<major>/bin`) and on PATH that have initdb, pg_ctl and psql,
    /// newest first.
    package static func discover(roots: [String] = ["/usr/lib/postgresql"],
                                 path: String? = ProcessInfo.processInfo.environment["PATH"]) -> [PostgresInstall] {
        var candidates: [String] = []
        for root in roots {
            let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { Int($0) != nil }
            candidates += majors.map { "\(root)/\($0)/bin" }
        }
        candidates += (path ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        var seen = Set<String>()
        var found: [PostgresInstall] = []
        for bin in candidates {
            let real = WriteGuard.realPath(bin)
            guard !seen.contains(real),
                  ["initdb", "pg_ctl", "psql", "postgres"].allSatisfy({ FileManager.default.isExecutableFile(atPath: bin + "/" + $0) })
            else { continue }
            seen.insert(real)
            guard let version = version(of: bin + "/postgres"), let major = Int(version.split(separator: ".").first ?? "") else { continue }
            found.append(PostgresInstall(bin: bin, major: major, version: version))
        }
        return found.sorted { ($0.major, $0.version) > ($1.major, $1.version) }
    }

    /// `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `15.18`.
    static func version(of postgres: String) -> String? {
        guard let result = try? Subprocess.run(shell: "\"$1\" --version", arguments: [postgres], timeout: 30, limit: 4096),
              result.status == 0 else { return nil }
        let text = String(decoding: result.stdout, as: UTF8.self)
        return text.split(separator: " ").map(String.init).first { $0.first?.isNumber == true && $0.contains(".") || Int($0) != nil }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The newest major at or above the dump's server major; else the newest there is, with why that may fail.
    package static func choose(forDumpVersion dump: String?, among installs: [PostgresInstall]) -> (install: PostgresInstall, note: String?)? {
        guard let newest = installs.first else { return nil }
        guard let dump, let major = Int(dump.split(separator: ".").first ?? "") else {
            return (newest, "the dump does not say which PostgreSQL wrote it; loaded with the newest here, \(newest.version)")
        }
        if newest.major >= major { return (newest, nil) }
        return (newest, "the dump comes from PostgreSQL \(dump), newer than any here (newest \(newest.version)): tried with \(newest.version), and a failure may come from that rather than from the dump (install postgresql-\(major), or set database-restore: docker)")
    }

    /// The extension control files this install ships (`vector`, `vchord`, …), for the server's preload list.
    package func hasExtensionFiles(_ name: String) -> Bool {
        let prefix = (bin as NSString).deletingLastPathComponent
        let dirs = ["/usr/share/postgresql/\(major)/extension", prefix + "/share/postgresql/extension", prefix + "/share/extension",
                    ((prefix as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/share/postgresql/\(major)/extension"]
        return dirs.contains { FileManager.default.fileExists(atPath: "\($0)/\(name).control") }
    }
}

/// Who the scratch server runs as.
package struct ServerUser: Sendable, Equatable, Codable {
    package var name: String
    package var uid: UInt32
    package var gid: UInt32
    /// `runuser` when the drill is root and the server runs as someone else.
    package var runuser: String?

    /// Root: the `postgres` user when it exists, else `nobody`, through runuser. Anyone else: themselves.
    package static func forServer() -> ServerUser? {
        let me = getuid()
        if me != 0 {
            let name = getpwuid(me).map { String(cString: $0.pointee.pw_name) } ?? "uid \(me)"
            return ServerUser(name: name, uid: me, gid: getgid(), runuser: nil)
        }
        guard let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first(where: FileManager.default.isExecutableFile)
        else { return nil }
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) {
                return ServerUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, runuser: runuser)
            }
        }
        return nil
    }

    /// `argv` run as this user.
    func wrap(_ argv: [String]) -> [String] {
        guard let runuser else { return argv }
        return [runuser, "-u", name, "--"] + argv
    }

    /// True when this user can enter every folder on the way to `path`.
    func canReach(_ path: String) -> Bool {
        guard runuser != nil else { return true }
        var current = "/"
        for part in path.split(separator: "/") {
            current = current == "/" ? "/" + part : current + "/" + part
            var st = stat()
            guard stat(current, &st) == 0 else { return false }
            let mode = st.st_mode
            let ok = (st.st_uid == uid && mode & S_IXUSR != 0) || (st.st_gid == gid && mode & S_IXGRP != 0) || mode & S_IXOTH != 0
            if !ok { return false }
        }
        return true
    }
}

/// Processes the database half starts: posix_spawn in their own process group, no descriptors but the three given,
/// a small known environment (no PG* variable of the caller's reaches them).
enum Spawn {
    static func start(_ argv: [String], environment: [String: String], stdin: Int32? = nil, stdout: Int32? = nil,
                      stderr: Int32? = nil, log: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let log {
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            if let stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) } else {
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            }
            if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) } else {
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer { cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard status == 0 else {
            throw DrillError(.environment, file: argv[0], "cannot start", cause: String(cString: strerror(status)))
        }
        return pid
    }

    /// Waits for `pid`; its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7F != 0 { return 128 + (status & 0x7F) }
        return (status >> 8) & 0xFF
    }

    /// Runs to its end with the output in `log`; throws naming `tool` with the log's tail when it fails.
    static func run(_ argv: [String], environment: [String: String], log: String, tool: String, what: String) throws {
        let pid = try start(argv, environment: environment, log: log)
        let status = wait(pid)
        guard status == 0 else {
            let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(4).joined(separator: " | ")
            throw DrillError(.environment, file: tool, "\(what) exited \(status)", cause: tail)
        }
    }

    /// Runs `argv` with exactly `environment` (through `env -i`, its words passed as arguments, never spliced),
    /// with a deadline and bounded output.
    static func capture(_ argv: [String], environment: [String: String], timeout: Double, limit: Int = 64 << 20) throws -> SubprocessResult {
        let assignments = environment.map { "\($0.key)=\($0.value)" }
        return try Subprocess.run(shell: "exec env -i \"$@\"", arguments: assignments + argv, timeout: timeout, limit: limit)
    }
}

/// A throwaway database server the dump is loaded into: the local binaries' cluster, or the deployment's own
/// database image through docker.
package protocol ScratchDatabase: AnyObject {
    /// psql's argv for `database` with `extra` arguments.
    func psql(_ database: String, _ extra: [String]) -> [String]
    /// The environment psql's argv runs in.
    var environment: [String: String] { get }
    /// Runs `sql` in `database` and returns its rows.
    func query(_ database: String, _ sql: String, timeout: Double) throws -> [[String]]
    /// The superuser the dump is loaded as.
    var superuser: String { get }
    /// `PostgreSQL 15.18 (/usr/lib/postgresql/15/bin, as user postgres)`.
    var label: String { get }
    /// `15.18`, or the image.
    var versionText: String { get }
    /// `local` or `docker`.
    var engine: String { get }
    func stop()
}

extension ScratchDatabase {
    package func query(_ database: String, _ sql: String) throws -> [[String]] { try query(database, sql, timeout: 600) }
}

/// The drill's own PostgreSQL cluster.
package final class ScratchPostgres: ScratchDatabase, @unchecked Sendable {
    package let install: PostgresInstall
    package let user: ServerUser
    /// The folder holding `data/`, the socket and the logs.
    package let directory: String
    /// The superuser the dump is loaded as (DB_USERNAME, as in Immich's database container).
    package let superuser: String
    /// The postmaster's pid while it runs.
    package private(set) var pid: pid_t?
    /// True when `directory` is a folder of its own outside scratch (the server user cannot enter scratch).
    let ownDirectory: Bool
    /// Where the Unix socket is: `directory`, or a short folder of its own when that path is too long for a socket
    /// (108 bytes on Linux).
    package let socketDirectory: String

    /// The environment of every client: the socket, the superuser, nothing of the caller's PG* variables.
    package var environment: [String: String] {
        [
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": directory, "PGHOST": socketDirectory,
            "PGPORT": "5432", "PGUSER": superuser, "PGOPTIONS": "-c client_min_messages=warning",
            "PGSERVICEFILE": "/dev/null", "PGSYSCONFDIR": directory, "PGPASSFILE": "/dev/null", "PGCONNECT_TIMEOUT": "30",
        ]
    }

    /// Initialises and starts a cluster in `parent/database` (or, when the server user cannot enter `parent`, in a
    /// folder of its own under the system's temporary folder), preloading `preload` (vchord, vectors).
    package init(install: PostgresInstall, user: ServerUser, parent: String, superuser: String, preload: [String]) throws {
        self.install = install
        self.user = user
        self.superuser = superuser
        var dir = parent + "/database"
        var own = false
        if user.runuser != nil {
            // Scratch folders are 0700: let the server user pass through the run folder (not list it).
            chmod(parent, 0o711)
            if !user.canReach(parent) {
                dir = try ScratchPostgres.privateFolder("db", near: parent, why: "user \(user.name) cannot enter the scratch folder")
                own = true
            }
        }
        if !own, !ScratchPostgres.shellSafe(parent) {
            // pg_ctl starts the server through /bin/sh with the data folder's path in the command line.
            dir = try ScratchPostgres.privateFolder("db", near: parent, why: "the scratch path holds characters pg_ctl's shell would read")
            own = true
        }
        if !own, mkdir(dir, 0o700) != 0 {
            throw DrillError(.environment, file: dir, "cannot create the database folder", cause: DrillError.errnoText(errno))
        }
        if user.runuser != nil, chown(dir, user.uid, user.gid) != 0 {
            throw DrillError(.environment, file: dir, "cannot give the database folder to user \(user.name)", cause: DrillError.errnoText(errno))
        }
        directory = dir
        ownDirectory = own
        if (dir + "/.s.PGSQL.5432").utf8.count < 100 {
            socketDirectory = dir
        } else {
            socketDirectory = try ScratchPostgres.privateFolder("sock", near: dir, why: "the database folder's path is too long for a socket")
            if user.runuser != nil, chown(socketDirectory, user.uid, user.gid) != 0 {
                rmdir(socketDirectory)
                throw DrillError(.environment, file: socketDirectory, "cannot give the socket folder to user \(user.name)", cause: DrillError.errnoText(errno))
            }
        }
        let env = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": dir]
        do {
            try Spawn.run(user.wrap([install.bin + "/initdb", "-D", dir + "/data", "-A", "trust", "-U", superuser,
                                     "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]),
                          environment: env, log: dir + "/initdb.log", tool: install.bin + "/initdb", what: "initdb")
            // The settings go in the cluster's own configuration file, not pg_ctl's -o (which a shell reads).
            var settings = [
                "unix_socket_directories = '\(socketDirectory.replacingOccurrences(of: "'", with: "''"))'",
                "listen_addresses = ''", "fsync = off", "full_page_writes = off", "synchronous_commit = off",
                "max_connections = 20", "logging_collector = off",
            ]
            if !preload.isEmpty { settings.append("shared_preload_libraries = '\(preload.joined(separator: ","))'") }
            let conf = dir + "/data/postgresql.conf"
            guard let handle = FileHandle(forWritingAtPath: conf) else {
                throw DrillError(.environment, file: conf, "cannot write the scratch cluster's settings")
            }
            handle.seekToEndOfFile()
            handle.write(Data(("\n# immich-drill\n" + settings.joined(separator: "\n") + "\n").utf8))
            handle.closeFile()
            try Spawn.run(user.wrap([install.bin + "/pg_ctl", "-D", dir + "/data", "-l", dir + "/server.log", "-w", "-t", "120",
                                     "start"]),
                          environment: env, log: dir + "/pg_ctl.log", tool: install.bin + "/pg_ctl", what: "pg_ctl start")
            let pidText = try String(contentsOfFile: dir + "/data/postmaster.pid", encoding: .utf8)
            pid = pidText.split(separator: "\n").first.flatMap { Int32($0) }
        } catch let error as DrillError {
            stop()
            let log = ((try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? "")
                .split(separator: "\n").suffix(3).joined(separator: " | ")
            throw log.isEmpty ? error : DrillError(error.kind, file: error.file, error.message, cause: log)
        }
    }

    deinit { stop() }

    /// A new 0700 folder `/tmp/immich-drill-<kind>-XXXXXX`, for when `near` cannot serve (`why`).
    static func privateFolder(_ kind: String, near: String, why: String) throws -> String {
        var template = Array("/tmp/immich-drill-\(kind)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw DrillError(.environment, file: near, "\(why), and no folder of its own could be made in /tmp", cause: DrillError.errnoText(errno))
        }
        return String(cString: made)
    }

    /// Paths pg_ctl can put in its shell command line as they are.
    static func shellSafe(_ path: String) -> Bool {
        path.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || "/._-+@:,=".utf8.contains(c)
        }
    }

    /// Stops the server by its pid: fast shutdown, then immediate after 15 s, then SIGKILL; removes its own folder.
    package func stop() {
        if let pid {
            for (signal, tries) in [(SIGINT, 150), (SIGQUIT, 50), (SIGKILL, 50)] {
                guard kill(pid, 0) == 0 else { break }
                kill(pid, signal)
                var waited = 0
                while kill(pid, 0) == 0, waited < tries {
                    usleep(100_000)
                    waited += 1
                }
            }
            self.pid = nil
        }
        if ownDirectory { Scratch.removeTree(directory) }
        if socketDirectory != directory { Scratch.removeTree(socketDirectory) }
    }

    package var label: String {
        "PostgreSQL \(install.version) (\(install.bin)\(user.runuser != nil ? ", as user \(user.name)" : ""))"
    }
    package var versionText: String { install.version }
    package var engine: String { "local" }

    /// True while the postmaster runs.
    package var isRunning: Bool { pid.map { kill($0, 0) == 0 } ?? false }

    /// psql's argv for `database`, as the server user.
    package func psql(_ database: String, _ extra: [String]) -> [String] {
        user.wrap([install.bin + "/psql", "-X", "--no-password", "-h", socketDirectory, "-U", superuser, "-d", database] + extra)
    }

    /// Runs `sql` in `database` and returns its rows (tab-separated fields); throws with psql's error.
    package func query(_ database: String, _ sql: String, timeout: Double) throws -> [[String]] {
        try ScratchQuery.run(psql(database, ["-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql]), environment: environment,
                             timeout: timeout, what: install.bin + "/psql")
    }
}

/// One query through a psql argv, in exactly the given environment, with a deadline.
enum ScratchQuery {
    static func run(_ argv: [String], environment: [String: String], timeout: Double, what: String) throws -> [[String]] {
        let result = try Spawn.capture(argv, environment: environment, timeout: timeout)
        guard result.status == 0, !result.timedOut else {
            throw DrillError(.environment, file: what,
                             result.timedOut ? "a query timed out after \(Int(timeout)) s" : "a query failed", cause: result.tail)
        }
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
