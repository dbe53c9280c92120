// A throwaway PostgreSQL cluster from Debian's packages for the tests: initdb into a temp dir, a Unix socket in
// that dir and no TCP listener, stopped by its pid (`stop()`, also from deinit, so a failing test leaves no server).
// As root, initdb and the server run as the `postgres` user (they refuse root); the clients run as the caller.

import DrillCore
import Foundation

final class PostgresCluster: @unchecked Sendable {
    let directory: String
    let binDirectory: String
    private(set) var pid: Int32?

    /// The newest installed server (`/usr/lib/postgresql/<major>/bin`).
    static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for major in majors.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(major)/bin/initdb") {
            return "\(root)/\(major)/bin"
        }
        return nil
    }

    static var available: Bool { findBinaries() != nil }

    init() throws {
        guard let bin = PostgresCluster.findBinaries() else {
            throw DrillError(.environment, "PostgreSQL server binaries not found under /usr/lib/postgresql; run scripts/bootstrap")
        }
        binDirectory = bin
        directory = "/tmp/immich-drill-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            try Shell.run("/bin/chown", ["postgres:postgres", directory])
        }
        try asServerUser(bin + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres",
                                          "--encoding=UTF8", "--locale=C", "--no-sync"])
        // pg_ctl's server inherits its output: send that to a file, or reading a pipe would wait for the server.
        try asServerUser(bin + "/pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60",
                                          "-o", "-k \(directory) -c listen_addresses= -c fsync=off", "start"],
                         log: directory + "/pg_ctl.log")
        let pidText = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        pid = pidText.split(separator: "\n").first.flatMap { Int32($0) }
    }

    deinit { stop() }

    /// Stops the server by its pid (fast shutdown, then SIGKILL after 20 s) and removes the directory.
    func stop() {
        if let pid {
            kill(pid, SIGINT)
            var waited = 0
            while kill(pid, 0) == 0 && waited < 200 {
                usleep(100_000)
                waited += 1
            }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
            self.pid = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asServerUser(_ tool: String, _ arguments: [String], log: String? = nil) throws {
        let logFile = log ?? directory + "/tools.log"
        if getuid() == 0 {
            try Shell.spawnAndWait("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments, log: logFile)
        } else {
            try Shell.spawnAndWait(tool, arguments, log: logFile)
        }
    }

    var connection: [String] { ["-h", directory, "-U", "postgres"] }

    /// Runs SQL (stops at the first error).
    func psql(_ database: String, _ sql: String) throws {
        let file = directory + "/input-\(UUID().uuidString.prefix(6)).sql"
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        try Shell.run(binDirectory + "/psql", connection + ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-f", file])
    }

    /// Loads a schema file.
    func load(_ database: String, file: String) throws {
        try Shell.run(binDirectory + "/psql", connection + ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-f", file])
    }

    /// Runs a client tool with its output written to `output`.
    func dump(_ tool: String, _ arguments: [String], to output: String) throws {
        try Shell.run(binDirectory + "/" + tool, connection + arguments, stdout: output)
    }
}

enum Shell {
    /// Runs a program; throws with its stderr when it fails.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], stdout: String? = nil, stderr: String? = nil,
                    stdin: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var errPipe: Pipe?
        if let stderr {
            if !FileManager.default.fileExists(atPath: stderr) { _ = FileManager.default.createFile(atPath: stderr, contents: nil) }
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        } else {
            errPipe = Pipe()
            process.standardError = errPipe
        }
        var outPipe: Pipe?
        if let stdout {
            if !FileManager.default.fileExists(atPath: stdout) { _ = FileManager.default.createFile(atPath: stdout, contents: nil) }
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        } else {
            outPipe = Pipe()
            process.standardOutput = outPipe
        }
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin)) }
        try process.run()
        let outData = outPipe?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let errData = errPipe?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            var detail = String(decoding: errData, as: UTF8.self)
            if let stderr { detail += (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
            throw DrillError(.environment, file: program,
                             "exited \(process.terminationStatus): \(detail.prefix(2000))")
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// Runs a program with posix_spawn and waitpid, its output appended to `log` and stdin from /dev/null. Used for
    /// pg_ctl, whose daemonized server inherits the output: Foundation's Process can wait on such a child forever.
    static func spawnAndWait(_ program: String, _ arguments: [String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard status == 0 else {
            throw DrillError(.environment, file: program, "cannot start", cause: String(cString: strerror(status)))
        }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
        let code = (exitStatus >> 8) & 0xFF
        guard exitStatus & 0x7F == 0, code == 0 else {
            let detail = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw DrillError(.environment, file: program, "exited \(code): \(detail.suffix(2000))")
        }
    }

    /// Runs a shell command line.
    @discardableResult
    static func sh(_ command: String) throws -> String { try run("/bin/sh", ["-c", command]) }
}
