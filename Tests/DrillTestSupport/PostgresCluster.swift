// A throwaway PostgreSQL cluster from Debian's packages for the tests: initdb into a temp dir, a Unix socket in
// that dir and no TCP listener, stopped by its pid (`stop()`, also from deinit, so a failing test leaves no server).
// As root, initdb and the server run as the `postgres` user (they refuse root); the clients run as the caller.

import DrillCore
import DrillDemo
import Foundation

package final class PostgresCluster: @unchecked Sendable {
    package let directory: String
    package let binDirectory: String
    private(set) var pid: Int32?

    /// The newest installed server (`/usr/lib/postgresql/<major>/bin`).
    package static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for major in majors.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(major)/bin/initdb") {
            return "\(root)/\(major)/bin"
        }
        return nil
    }

    package static var available: Bool { findBinaries() != nil }

    package init() throws {
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
    package func stop() {
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

    package var connection: [String] { ["-h", directory, "-U", "postgres"] }

    /// Runs SQL (stops at the first error).
    package func psql(_ database: String, _ sql: String) throws {
        let file = directory + "/input-\(UUID().uuidString.prefix(6)).sql"
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        try Shell.run(binDirectory + "/psql", connection + ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-f", file])
    }

    /// Loads a schema file.
    package func load(_ database: String, file: String) throws {
        try Shell.run(binDirectory + "/psql", connection + ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-f", file])
    }

    /// Runs a client tool with its output written to `output`.
    package func dump(_ tool: String, _ arguments: [String], to output: String) throws {
        try Shell.run(binDirectory + "/" + tool, connection + arguments, stdout: output)
    }
}

package enum Shell {
    /// Runs a program; throws with its stderr when it fails.
    @discardableResult
    package static func run(_ program: String, _ arguments: [String], stdout: String? = nil, stderr: String? = nil,
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
    package static func spawnAndWait(_ program: String, _ arguments: [String], log: String) throws {
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
    package static func sh(_ command: String) throws -> String { try run("/bin/sh", ["-c", command]) }
}

/// A dump restored the way Immich documents it, into a throwaway cluster.
package enum ImmichRestore {
    /// Restores `dump` and returns the errors psql printed beyond the ones Immich's docs call expected.
    package static func restore(_ dump: String, era: DumpTemplate.Era, into cluster: PostgresCluster) throws -> [String] {
        let dir = Fixtures.tempDir("restore")
        let sql = dir + "/restore.sql"
        try Shell.sh("gunzip --stdout '\(dump)' | sed \"s/SELECT pg_catalog.set_config('search_path', '', false);/SELECT pg_catalog.set_config('search_path', 'public, pg_catalog', true);/g\" > '\(sql)'")
        let psql = cluster.binDirectory + "/psql"
        if era == .v1 {
            // Up to v2.4: psql --dbname=postgres, no single transaction; two errors are expected noise.
            let log = dir + "/restore.log"
            _ = try? Shell.run(psql, cluster.connection + ["-X", "--dbname=postgres", "-f", sql], stdout: dir + "/out", stderr: log)
            let errors = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("ERROR") }
            let expected = ["current user cannot be dropped", "role \"postgres\" already exists"]
            let unexpected = errors.map(String.init).filter { e in !expected.contains { e.contains($0) } }
            // Exactly the two documented errors, or the difference is itself an error.
            return errors.count == 2 || !unexpected.isEmpty ? unexpected : ["expected the two documented errors, got \(errors)"]
        }
        try vectorShim(sql)
        try cluster.psql("postgres", "CREATE DATABASE immich;")
        do {
            try Shell.run(psql, cluster.connection + ["-X", "-q", "--dbname=immich", "--single-transaction",
                                                      "--set", "ON_ERROR_STOP=on", "-f", sql])
        } catch let error as DrillError {
            return [error.message]
        }
        return []
    }

    /// The documented vector shim of the schema fixtures (IMMICH.md §10), for a dump that creates `vector` and
    /// `vchord` (v3) when stock PostgreSQL has neither: the two extensions and their comments skipped, `vector(N)`
    /// as `real[]`, the vchordrq indexes skipped whole (their options span lines). Everything else as it is.
    package static func vectorShim(_ sql: String) throws {
        let text = try String(contentsOfFile: sql, encoding: .utf8)
        guard text.contains("CREATE EXTENSION IF NOT EXISTS vector ") || text.contains("CREATE EXTENSION IF NOT EXISTS vchord ") else { return }
        var out: [Substring] = []
        var skipping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if skipping || line.hasPrefix("CREATE INDEX ") && line.contains(" USING vchordrq ") {
                skipping = !line.hasSuffix(";")
                out.append("-- [vector-shim] skipped: " + line)
            } else if ["CREATE EXTENSION IF NOT EXISTS vector ", "CREATE EXTENSION IF NOT EXISTS vchord ",
                        "COMMENT ON EXTENSION vector ", "COMMENT ON EXTENSION vchord "].contains(where: line.hasPrefix) {
                out.append("-- [vector-shim] skipped: " + line)
            } else if line.contains("public.vector(") {
                out.append(Substring(line.replacingOccurrences(of: #"public\.vector\(\d+\)"#, with: "real[]", options: .regularExpression)))
            } else {
                out.append(line)
            }
        }
        try out.joined(separator: "\n").write(toFile: sql, atomically: true, encoding: .utf8)
    }

    package static func count(_ table: String, in cluster: PostgresCluster, where condition: String = "true") throws -> Int {
        let out = try Shell.run(cluster.binDirectory + "/psql", cluster.connection + ["-X", "-At", "--dbname=immich", "-c",
                                                                                       "SELECT count(*) FROM \(table) WHERE \(condition)"])
        return Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
