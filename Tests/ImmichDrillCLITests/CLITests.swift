// End-to-end tests of the built `immich-drill` binary: exit codes, output formats, errors on bad input.

import DrillCore
import DrillDemo
import DrillTestSupport
import Foundation
import Testing

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// One scratch folder per test process, removed when the process exits.
enum TestScratch {
    static let root: String = {
        let path = NSTemporaryDirectory() + "immich-drill-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "immich-drill-tests-\(getpid())") }
        return path
    }()
}

enum Shell {
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

enum CLI {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The binary built next to the test bundle (`swift build` builds it before `swift test`).
    static let binary: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/immich-drill",
            repoRoot + "/.build/debug/immich-drill",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    /// Immich's own files (SharedFixtures: ../shared/fixtures or IMMICH_FIXTURES).
    static var shared: String { String(SharedFixtures.path("").dropLast()) }

    /// Runs the binary with `arguments`, or (with `shell`) `/bin/sh -c shell` instead.
    static func run(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil,
                    shell: String? = nil) throws -> RunResult {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw DrillError(.environment, file: binary, "immich-drill is not built; run `swift build` before `swift test`")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell == nil ? binary : "/bin/sh")
        process.arguments = shell.map { ["-c", $0] } ?? arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the binary with `input` on its stdin.
    static func runWithInput(_ arguments: [String], input: String) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        process.environment = env
        let inPipe = Pipe()
        let out = Pipe()
        let err = Pipe()
        process.standardInput = inPipe
        process.standardOutput = out
        process.standardError = err
        try process.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    static func tempDir() -> String {
        let path = TestScratch.root + "/cli-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

@Suite struct CLITests {
    /// libcurl (for monitoring pings) is opened only when a ping is sent: linked, it and the thirty libraries behind
    /// it are loaded at every start of every command, which was most of a short command's time.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ldd"), "needs ldd (Debian's libc-bin)"))
    func theBinaryDoesNotLoadLibcurlAtStart() throws {
        let r = try CLI.run([], shell: "/usr/bin/ldd '\(CLI.binary)'")
        #expect(r.status == 0)
        #expect(r.stdout.contains("libarchive"))
        #expect(!r.stdout.contains("libcurl"))
        #expect(!r.stdout.contains("FoundationNetworking"))
    }

    @Test func examplePlanShowsItsDeploymentAndItsMissingBackups() throws {
        // The example ships without its backups: the deployment is clean, the coverage is not.
        let r = try CLI.run(["plan", CLI.repoRoot + "/examples/home-nas/drill.yml", "--format", "json"])
        #expect(r.status == 2, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let codes = (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes == ["uncovered-source"])
        let coverage = try #require(json["coverage"] as? [[String: Any]])
        #expect(coverage.contains { $0["source"] as? String == "external:/mnt/media/photos" && $0["plannedAs"] as? String == "external:/mnt/media/photos" })
        let text = try CLI.run(["plan", CLI.repoRoot + "/examples/home-nas/drill.yml", "--no-live"])
        #expect(text.stdout.contains("Coverage") && !text.stdout.contains("Live files"))
    }

    @Test func planOnTheDemo() throws {
        let dir = CLI.tempDir() + "/demo"
        let built = try CLI.run(["demo", "--dir", dir, "--assets", "40", "--fault", "no-thumbs", "--no-run"])
        #expect(built.status == 0, "\(built.stderr)")
        let r = try CLI.run(["plan", dir + "/drill.yml", "--format", "json"])
        #expect(r.status == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let points = try #require(json["restorePoints"] as? [[String: Any]])
        #expect(points.count == 5)
        let older = try #require(points[2]["id"] as? String)
        let picked = try CLI.run(["plan", dir + "/drill.yml", "--no-live", "--restore-point", older, "--format", "json"])
        #expect(picked.stdout.contains("\"selectedRestorePoint\" : \"\(older)\""))
        let bad = try CLI.run(["plan", dir + "/drill.yml", "--restore-point", "someday"])
        #expect(bad.status == 64 && bad.stderr.contains("--restore-point 'someday'"))
        let md = try CLI.run(["plan", dir + "/drill.yml", "--format", "markdown"])
        #expect(md.stdout.contains("## Restore points") && md.stdout.contains("missing-marker-in-snapshot"))
    }

    @Test func planJSONHasTheDocumentedShape() throws {
        let r = try CLI.run(["plan", CLI.repoRoot + "/examples/legacy-v1.105/drill.yml", "--format", "json"])
        #expect(r.status == 2, "mount-missing-in-worker is critical")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "immich-drill/plan/v1")
        #expect(json["exitCode"] as? Int == 2)
        let deployment = try #require(json["deployment"] as? [String: Any])
        let media = try #require(deployment["mediaLocation"] as? [String: Any])
        #expect(media["containerPath"] as? String == "/usr/src/app/upload")
        #expect((media["hostPath"] as? String)?.hasSuffix("examples/legacy-v1.105/library") == true)
        let database = try #require(deployment["database"] as? [String: Any])
        #expect(database["user"] as? String == "postgres")
        #expect(database["name"] as? String == "immich")
        #expect(database["container"] as? String == "immich_postgres")
        #expect((database["dataPath"] as? String)?.hasSuffix("/postgres") == true)
        #expect(deployment["immichVersion"] as? String == "release")
        let mounts = try #require(deployment["mounts"] as? [[String: Any]])
        let external = try #require(mounts.first { $0["kind"] as? String == "external" })
        #expect(external["service"] as? String == "immich-server")
        #expect(external["role"] as? String == "server")
        #expect(external["hostPath"] as? String == "/srv/photos")
        #expect(external["containerPath"] as? String == "/mnt/media/photos")
        #expect(external["readOnly"] as? Bool == false)
        let findings = try #require(json["findings"] as? [[String: Any]])
        let codes = findings.compactMap { $0["code"] as? String }
        #expect(codes.contains("mount-missing-in-worker"))
        #expect(codes.contains("mount-writable"))
        #expect(codes.contains("version-unpinned"))
        #expect(findings.allSatisfy { $0["severity"] != nil && $0["count"] != nil && $0["message"] != nil })
    }

    @Test func markdownOutput() throws {
        let r = try CLI.run(["plan", CLI.repoRoot + "/examples/home-nas/drill.yml", "--format", "markdown"])
        #expect(r.status == 2)
        #expect(r.stdout.hasPrefix("# Deployment `immich`"))
        #expect(r.stdout.contains("| Service | Role | Host path | Container path | Mode | Kind | Exists here |"))
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing))) func initWritesAPlanThatPlanReads() throws {
        let dir = CLI.tempDir()
        let fixture = CLI.shared + "/immich-compose/v2.7.5"
        let r = try CLI.run(["init", "--compose", fixture + "/docker-compose.yml", "--env-file",
                             fixture + "/example.env", "--output", dir + "/drills/home.yml"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: dir + "/drills/home.yml", encoding: .utf8)
        #expect(text.contains("compose: \(fixture)/docker-compose.yml"))
        #expect(text.contains("env-file: \(fixture)/example.env"))
        let plan = try CLI.run(["plan", dir + "/drills/home.yml", "--format", "json"])
        #expect([0, 1, 2].contains(plan.status), "\(plan.stderr)")
        #expect(plan.stdout.contains("\"containerPath\" : \"/data\""))
        // Never overwrites without --force.
        let again = try CLI.run(["init", "--compose", fixture + "/docker-compose.yml", "--env-file",
                                 fixture + "/example.env", "--output", dir + "/drills/home.yml"])
        #expect(again.status == 64)
        #expect(again.stderr.contains("already exists"))
        let forced = try CLI.run(["init", "--compose", fixture, "--env-file", fixture + "/example.env",
                                  "--output", dir + "/drills/home.yml", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing))) func initPrintsWithoutOutput() throws {
        let fixture = CLI.shared + "/immich-compose/v1.105.1"
        let r = try CLI.run(["init", "--compose", fixture, "--env-file", fixture + "/example.env"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("#   microservices: immich-microservices"))
        #expect(r.stdout.contains("version: 1"))
    }

    @Test func badInputExitCodes() throws {
        let dir = CLI.tempDir()
        try "deployment:\n  compose: docker-compose.yml\ntargets:\n  rpp: 26h\n".write(
            toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
        let unknownKey = try CLI.run(["plan", dir + "/bad.yml"])
        #expect(unknownKey.status == 3)
        #expect(unknownKey.stderr.contains("bad.yml:4:3: unknown key 'rpp' in 'targets'; allowed: rpo, rto, max-skew"))

        let missingPlan = try CLI.run(["plan", dir + "/nope.yml"])
        #expect(missingPlan.status == 3)
        #expect(missingPlan.stderr.contains("nope.yml: cannot read drill plan (no such file)"))

        try "deployment:\n  compose: missing/docker-compose.yml\n".write(toFile: dir + "/p.yml", atomically: true,
                                                                           encoding: .utf8)
        let missingCompose = try CLI.run(["plan", dir + "/p.yml"])
        #expect(missingCompose.status == 3)
        #expect(missingCompose.stderr.contains("Compose file not found"))

        try FileManager.default.createDirectory(atPath: dir + "/c", withIntermediateDirectories: true)
        try "services:\n  web:\n    image: nginx\n    ports: [80:80\n".write(toFile: dir + "/c/docker-compose.yml",
                                                                         atomically: true, encoding: .utf8)
        let malformed = try CLI.run(["init", "--compose", dir + "/c"])
        #expect(malformed.status == 3)
        #expect(malformed.stderr.contains("docker-compose.yml:"))
        #expect(malformed.stderr.contains("malformed YAML"))

        try "services:\n  web:\n    image: nginx\n".write(toFile: dir + "/c/docker-compose.yml", atomically: true,
                                                            encoding: .utf8)
        let noServer = try CLI.run(["init", "--compose", dir + "/c"])
        #expect(noServer.status == 3)
        #expect(noServer.stderr.contains("no Immich server"))

        try "services:\n  s:\n    image: ghcr.io/immich-app/immich-server:v2.7.5\n    volumes: ['${UPLOAD_LOCATION:?UPLOAD_LOCATION must be set}:/data']\n"
            .write(toFile: dir + "/c/docker-compose.yml", atomically: true, encoding: .utf8)
        let required = try CLI.run(["init", "--compose", dir + "/c"])
        #expect(required.status == 3)
        #expect(required.stderr.contains("docker-compose.yml:4:"))
        #expect(required.stderr.contains("required variable UPLOAD_LOCATION is missing a value: UPLOAD_LOCATION must be set"))
    }

    static let dump = """
    --
    -- PostgreSQL database dump
    --

    -- Dumped from database version 14.17
    -- Dumped by pg_dump version 14.17

    COPY public."user" (id, email, "storageLabel") FROM stdin;
    10000000-0000-4000-8000-000000000001\tadmin@example.com\tadmin
    \\.
    COPY public.library (id, name, "ownerId", "importPaths", "exclusionPatterns") FROM stdin;
    20000000-0000-4000-8000-000000000001\tNAS\t10000000-0000-4000-8000-000000000001\t{/mnt/media/photos}\t{**/@eaDir/**}
    \\.
    COPY public.asset (id, "ownerId", "libraryId", "isExternal", "originalPath", checksum, "isFavorite") FROM stdin;
    a1a1a1a1-0000-4000-8000-000000000001\t10000000-0000-4000-8000-000000000001\t\\N\tf\t/data/upload/10000000-0000-4000-8000-000000000001/ab/cd/x.jpg\t\\\\x00112233445566778899aabbccddeeff00112233\tt
    a1a1a1a1-0000-4000-8000-000000000002\t10000000-0000-4000-8000-000000000001\t20000000-0000-4000-8000-000000000001\tt\t/mnt/media/photos/2024/a.jpg\t\\\\x00112233445566778899aabbccddeeff00112234\tf
    \\.

    --
    -- PostgreSQL database dump complete
    --

    """

    @Test func catalogCommand() throws {
        let dir = CLI.tempDir()
        let path = dir + "/immich-db-backup-20260501T020000-v2.5.0-pg14.17.sql"
        try Self.dump.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try Shell.run("/bin/sh", ["-c", "gzip -k '\(path)'"])

        let r = try CLI.run(["catalog", path + ".gz", "--format", "json", "--time-zone", "Europe/Berlin"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "immich-drill/catalog/v1")
        let dump = try #require(json["dump"] as? [String: Any])
        #expect(dump["format"] as? String == "database")
        #expect(dump["complete"] as? Bool == true)
        #expect(dump["immichVersion"] as? String == "v2.5.0")
        #expect(dump["postgresVersion"] as? String == "14.17")
        #expect(dump["time"] as? String == "2026-05-01T00:00:00Z")
        let counts = try #require(json["counts"] as? [String: Any])
        for key in ["assets", "uploaded", "external", "offline", "trashed", "users", "albums", "albumMemberships",
                    "favorites", "descriptions", "faces", "people", "tags", "taggedAssets", "sharedLinkAssets", "sidecars"] {
            #expect(counts[key] != nil, "counts.\(key)")
        }
        #expect(counts["assets"] as? Int == 2 && counts["external"] as? Int == 1 && counts["uploaded"] as? Int == 1)
        #expect(counts["favorites"] as? Int == 1)
        let libraries = try #require(json["libraries"] as? [[String: Any]])
        #expect(libraries.first?["importPaths"] as? [String] == ["/mnt/media/photos"])
        #expect(libraries.first?["exclusionPatterns"] as? [String] == ["**/@eaDir/**"])
        #expect(json["mediaLocation"] as? String == "/data")
        #expect((json["findings"] as? [Any])?.isEmpty == true)

        let text = try CLI.run(["catalog", path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("database dump (pg_dump), none"))
        #expect(try CLI.run(["catalog", path, "--format", "markdown"]).stdout.hasPrefix("# Dump `"))

        // Cut short: CRITICAL. Damaged: UNKNOWN with a clear error. Not a dump: UNKNOWN.
        let full = try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
        try full.prefix(full.count - 20).write(to: URL(fileURLWithPath: dir + "/cut.sql.gz"))
        let cut = try CLI.run(["catalog", dir + "/cut.sql.gz"])
        #expect(cut.status == 2)
        #expect(cut.stdout.contains("CRITICAL dump-incomplete"))
        var damaged = full
        for i in (full.count - 8)..<(full.count - 4) { damaged[i] ^= 0xFF } // the CRC-32 in the gzip trailer
        try damaged.write(to: URL(fileURLWithPath: dir + "/bad.sql.gz"))
        let bad = try CLI.run(["catalog", dir + "/bad.sql.gz"])
        #expect(bad.status == 3)
        #expect(bad.stderr.contains("bad.sql.gz: the dump is damaged"))
        let notDump = try CLI.run(["catalog", CLI.repoRoot + "/README.md"])
        #expect(notDump.status == 3)
        #expect(notDump.stderr.contains("not a PostgreSQL dump"))
        #expect(try CLI.run(["catalog", dir + "/missing.sql.gz"]).status == 3)
        #expect(try CLI.run(["catalog", path, "--time-zone", "Mars/Base"]).status == 64)
    }

    /// The run's `report` command, as the text report prints it, shows that run again from any folder: it names the
    /// plan, whose history is not the default one.
    @Test func theReportCommandARunPrintsRunsAsPrinted() throws {
        let dir = CLI.tempDir() + "/demo with space"
        let drilled = try CLI.run(["demo", "--dir", dir, "--assets", "30"])
        #expect(drilled.status == 0, "\(drilled.stderr)")
        let line = try #require(drilled.stdout.split(separator: "\n").first { $0.contains("in the history (immich-drill report ") })
        var command = String(line[line.range(of: "(immich-drill ")!.upperBound...])
        command.removeLast()  // the closing parenthesis
        let elsewhere = CLI.tempDir()
        let shown = try CLI.run([], environment: ["XDG_STATE_HOME": elsewhere + "/state"], cwd: "/",
                                shell: Subprocess.shellQuote(CLI.binary) + " " + command)
        #expect(shown.status == 0, "\(command): \(shown.stderr)")
        #expect(shown.stdout.contains("verdict       OK (exit 0)"))
    }

    @Test func demoCommand() throws {
        let dir = CLI.tempDir() + "/demo"
        let clean = try CLI.run(["demo", "--dir", dir, "--assets", "40", "--format", "json"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stderr.contains("immich-drill demo (v3, 40 assets, seed 1) in \(dir)"), "v3 is the default era")
        #expect(clean.stdout.contains("\"schema\" : \"immich-drill/run/v1\""))
        #expect(clean.stdout.contains("\"verdict\" : \"ok\""))
        #expect(FileManager.default.fileExists(atPath: dir + "/history.sqlite"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir + "/scratch"))?.isEmpty == true)
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
        #expect(manifest["era"] as? String == "v3")
        #expect((manifest["dumps"] as? [Any])?.count == 5)
        // The same again refuses the folder; faults change the verdict; bad options are usage errors.
        #expect(try CLI.run(["demo", "--dir", dir, "--no-run"]).status == 64)
        let faulty = try CLI.run(["demo", "--dir", CLI.tempDir() + "/d", "--era", "v1", "--assets", "30",
                                  "--fault", "writable-mount", "--fault", "moved=1"])
        #expect(faulty.status == 2, "a moved original is critical")
        #expect(faulty.stdout.contains("WARNING mount-writable") && faulty.stdout.contains("CRITICAL moved-original (1)"))
        #expect(try CLI.run(["demo", "--fault", "nonsense", "--no-run"]).status == 64)
        #expect(try CLI.run(["demo", "--fault", "moved=0", "--no-run"]).status == 64)
        #expect(try CLI.run(["demo", "--era", "v4", "--no-run"]).status == 64)
        #expect(try CLI.run(["demo", "--nights", "1", "--no-run"]).status == 64)
        let two = CLI.tempDir() + "/two"
        #expect(try CLI.run(["demo", "--dir", two, "--assets", "20", "--nights", "2", "--no-run"]).status == 0)
        let twoManifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: two + "/manifest.json"))) as? [String: Any])
        #expect((twoManifest["dumps"] as? [Any])?.count == 2 && (twoManifest["snapshots"] as? [Any])?.count == 6)
    }

    /// On a terminal the long phases draw a bar (files, bytes, rate; redrawn in place and cleared); off a terminal
    /// and under --quiet there is none. `script` gives the drill a terminal, as a person's shell would.
    @Test func aProgressBarOnATerminalOnly() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "60", "--no-run"]).status == 0)
        let q = Subprocess.shellQuote
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            Issue.record("util-linux `script` is needed to give the drill a terminal (scripts/bootstrap installs it)")
            return
        }
        let onTTY = try CLI.run([], shell: "COLUMNS=120 script -qec \(q(CLI.binary + " run " + q(dir + "/drill.yml") + " --no-history --database-restore skip")) /dev/null")
        #expect(onTTY.status == 0, "\(onTTY.stdout)")
        #expect(onTTY.stdout.contains("\r\u{1B}[K"), "the bar is cleared before the report")
        #expect(onTTY.stdout.contains("restoring upload") && onTTY.stdout.contains(" files"))
        #expect(onTTY.stdout.contains("references"), "the verification has its bar")
        let quiet = try CLI.run([], shell: "script -qec \(q(CLI.binary + " run " + q(dir + "/drill.yml") + " --no-history --database-restore skip --quiet")) /dev/null")
        #expect(quiet.status == 0 && !quiet.stdout.contains("\u{1B}[K") && !quiet.stdout.contains("files"))
        let piped = try CLI.run(["run", dir + "/drill.yml", "--no-history", "--database-restore", "skip"])
        #expect(piped.status == 0 && !piped.stderr.contains("\u{1B}") && !piped.stderr.contains("\r"))
    }

    @Test func usageErrors() throws {
        #expect(try CLI.run(["plan"]).status == 64)
        #expect(try CLI.run(["init"]).status == 64)
        #expect(try CLI.run(["plan", "x.yml", "--format", "yaml"]).status == 64)
        #expect(try CLI.run(["no-such-command"]).status == 64)
    }

    @Test func everyShippedPlanParses() throws {
        let fm = FileManager.default
        var plans: [String] = []
        for dir in ["drills", "examples"] {
            let root = CLI.repoRoot + "/" + dir
            for case let file as String in fm.enumerator(atPath: root) ?? NSEnumerator()
                where file.hasSuffix(".yml") && !file.contains("docker-compose") {
                plans.append(root + "/" + file)
            }
        }
        #expect(plans.count >= 3)
        for plan in plans {
            #expect(throws: Never.self, "\(plan)") { _ = try DrillPlan.load(plan) }
        }
    }

    @Test func runHistoryAndReport() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "40", "--fault", "corrupt=2", "--no-run"]).status == 0)
        let run = try CLI.run(["run", dir + "/drill.yml", "--verify", "50%", "--seed", "3", "--format", "json"])
        #expect([0, 2].contains(run.status), "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "immich-drill/run/v1")
        #expect(Set(json.keys).isSuperset(of: ["verdict", "exitCode", "restorePoint", "phases", "rto", "rpo", "findings", "runId"]))
        let phases = try #require(json["phases"] as? [[String: Any]])
        #expect(phases.allSatisfy { $0["seconds"] != nil && $0["measured"] != nil })
        #expect(try CLI.run(["run", dir + "/drill.yml", "--no-history"]).status == 2, "full verification finds both")
        // The history has the one recorded run; `report` renders it exactly as `run` printed it.
        let history = try CLI.run(["history", "--plan-file", dir + "/drill.yml", "--format", "json"])
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        #expect(runs.count == 1 && runs[0]["id"] as? Int == json["runId"] as? Int)
        let again = try CLI.run(["report", "\(runs[0]["id"]!)", "--history", dir + "/history.sqlite", "--format", "json"])
        #expect(again.stdout == run.stdout)
        #expect(try CLI.run(["report", "999", "--history", dir + "/history.sqlite"]).status == 64)
        // The HTML page: one file, written where -o says.
        let page = dir + "/report.html"
        let html = try CLI.run(["report", "\(runs[0]["id"]!)", "--history", dir + "/history.sqlite", "--format", "html", "-o", page])
        #expect(html.status == 0 && html.stdout.isEmpty)
        let written = try String(contentsOfFile: page, encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>") && written.contains("<svg class=\"timeline\""))
        #expect(try CLI.run(["report", "\(runs[0]["id"]!)", "--history", dir + "/history.sqlite", "--format", "html",
                             "-o", dir + "/no/such/folder/r.html"]).status == 3)
        #expect(try CLI.run(["run", dir + "/drill.yml", "--verify", "0%"]).status == 64)
    }

    @Test func scheduledRunsMetricsPingsQuietAndTheLock() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let metrics = dir + "/metrics/immich-drill.prom"
        try FileManager.default.createDirectory(atPath: dir + "/metrics", withIntermediateDirectories: true)
        let check = server.url + "/ping/0f0e0d0c-1111-4222-8333-444455556666"

        // A passing drill under --quiet prints nothing, pings start and 0, and writes the textfile.
        let ok = try CLI.run(["run", dir + "/drill.yml", "--quiet", "--metrics-file", metrics, "--ping", check])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.isEmpty && ok.stderr.isEmpty)
        #expect(server.requests.map(\.method) == ["GET", "POST"])
        #expect(server.requests[0].target.hasPrefix("/ping/0f0e0d0c-1111-4222-8333-444455556666/start?rid="))
        #expect(server.requests[1].target.hasPrefix("/ping/0f0e0d0c-1111-4222-8333-444455556666/0?rid="))
        #expect(server.requests[1].body.contains("verdict       OK (exit 0)"))
        let first = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(first.contains("immich_drill_exit_code{plan=\"demo-v3\"} 0"))
        let success = try #require(first.split(separator: "\n").first { $0.hasPrefix("immich_drill_last_success_timestamp_seconds") })

        // While another drill of the plan holds the lock, a second one exits 3 naming it, and pings nothing.
        let plan = try DrillPlan.load(dir + "/drill.yml")
        let held = try RunLock(path: RunLock.path(for: plan), what: "test")
        let blocked = try CLI.run(["run", dir + "/drill.yml", "--quiet", "--metrics-file", metrics, "--ping", check])
        held.release()
        #expect(blocked.status == 3)
        #expect(blocked.stderr.contains("already running (pid \(getpid()) holds the lock)"))
        #expect(server.requests.count == 2)
        #expect(try String(contentsOfFile: metrics, encoding: .utf8) == first)

        // A plan that cannot be read: exit 3 is pinged and exported, the last success is kept.
        Thread.sleep(forTimeInterval: 1.1)
        let broken = try CLI.run(["run", dir + "/nope.yml", "--quiet", "--metrics-file", metrics, "--ping", check])
        #expect(broken.status == 3 && broken.stderr.contains("nope.yml"))
        #expect(server.requests.last!.target.hasPrefix("/ping/0f0e0d0c-1111-4222-8333-444455556666/3?rid="))
        let after = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(after.contains("immich_drill_exit_code{plan=\"nope\"} 3"))
        #expect(after.contains(String(success.split(separator: "}")[1])), "the last success is carried over")

        // A ping nobody answers is a warning in the report and the history, never a failed drill.
        server.respond(with: 503)
        let unanswered = try CLI.run(["run", dir + "/drill.yml", "--ping", check, "--format", "json"])
        #expect(unanswered.status == 0)
        #expect(unanswered.stdout.contains("HTTP 503"))
        #expect(!unanswered.stdout.contains("0f0e0d0c-1111"), "the check's UUID is a secret")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(unanswered.stdout.utf8)) as? [String: Any])?["runId"] as? Int)
        let stored = try CLI.run(["report", "\(id)", "--history", dir + "/history.sqlite", "--format", "json"])
        #expect(stored.stdout == unanswered.stdout)

        // Records that cannot be written are said even under --quiet; the drill's verdict stands.
        let unwritable = try CLI.run(["run", dir + "/drill.yml", "--quiet", "--metrics-file", dir + "/no/such/folder/m.prom"])
        #expect(unwritable.status == 0 && unwritable.stdout.isEmpty)
        #expect(unwritable.stderr.contains("cannot write the metrics file"))

        // --quiet still speaks when the drill is not OK.
        let faulty = CLI.tempDir() + "/faulty"
        #expect(try CLI.run(["demo", "--dir", faulty, "--assets", "30", "--fault", "missing=1", "--no-run"]).status == 0)
        let loud = try CLI.run(["run", faulty + "/drill.yml", "--quiet"])
        #expect(loud.status == 2 && loud.stdout.contains("CRITICAL missing-original"))
    }

    @Test func preflightPassesACleanDemoAndFailsAFaultyOne() throws {
        let clean = CLI.tempDir() + "/clean"
        #expect(try CLI.run(["demo", "--dir", clean, "--assets", "30"]).status == 0)  // drills once: history has a pass
        // The demo's newest night is the last whose file snapshots (03:30 in Berlin) are past by a quarter of an
        // hour: from 02:00 to 03:45 Berlin time its newest dump is just over a day old, beyond the default 24h limit.
        let ok = try CLI.run(["preflight", clean + "/drill.yml", "--to", "v3.1.0", "--max-dump-age", "26h"])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("[PASS]") && ok.stdout.contains("vector"), "the v3 vector gate passes a clean v3 demo")
        #expect(ok.stdout.contains("[PASS] The last drill passed, recently"))
        let json = try CLI.run(["preflight", clean + "/drill.yml", "--format", "json"])
        #expect(json.stdout.contains("\"schema\" : \"immich-drill/preflight/v1\""))
        let faulty = CLI.tempDir() + "/faulty"
        #expect(try CLI.run(["demo", "--dir", faulty, "--assets", "30", "--fault", "no-thumbs", "--no-run"]).status == 0)
        let bad = try CLI.run(["preflight", faulty + "/drill.yml"])
        #expect(bad.status == 2)
        #expect(bad.stdout.contains("[FAIL] Every UPLOAD_LOCATION folder is backed up with its .immich marker"))
        #expect(bad.stdout.contains("[WARN] The last drill passed, recently"))
        #expect(!FileManager.default.fileExists(atPath: faulty + "/history.sqlite"), "preflight only reads")
        #expect(try CLI.run(["preflight", faulty + "/drill.yml", "--to", "two"]).status == 64)
        #expect(try CLI.run(["preflight", faulty + "/missing.yml"]).status == 3)
    }

    /// `relink` on a restore point and on the live library, every format; `run --relink`; the walkthrough's relink
    /// step after a drill that found moved files, its commands run as printed (the first one; the second needs docker).
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"))
    func relinkFindsMovedAndReorganisedFilesAndSaysHowToApply() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "150", "--fault", "moved=2", "--fault", "reorganised=2", "--no-run"]).status == 0)
        let text = try CLI.run(["relink", dir + "/drill.yml"], cwd: "/")
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("found again  4 of 4 missing original(s) (2 by metadata, 2 by name+size)"))
        #expect(text.stdout.contains("proof        applied to the drill's own database"))
        #expect(text.stdout.contains("apply        docker exec -i 'immich_postgres' psql --username='postgres' --dbname='immich' --single-transaction --set ON_ERROR_STOP=on < '\(dir)/relink.sql'"))
        #expect(FileManager.default.fileExists(atPath: dir + "/relink.sql"))
        let json = try CLI.run(["relink", dir + "/drill.yml", "--live", "-o", dir + "/live.sql", "--format", "json"])
        #expect(json.status == 0 && json.stdout.contains("\"schema\" : \"immich-drill/relink/v1\""))
        let sql = try CLI.run(["relink", dir + "/drill.yml", "--live", "--format", "sql"])
        #expect(sql.status == 0 && sql.stdout.hasPrefix("-- immich-drill relink plan: 4 original(s) found again in the live library"))
        #expect(sql.stdout.contains("< relink.sql   # saved from this output") && sql.stdout.contains("DO $guard$"))
        #expect(try CLI.run(["relink", dir + "/drill.yml", "--format", "markdown"]).stdout.contains("## Found again"))
        // Refuses to write into a source.
        let refused = try CLI.run(["relink", dir + "/drill.yml", "--live", "-o", dir + "/nas/photos/relink.sql"])
        #expect(refused.status == 64 && refused.stderr.contains("never writes into a source or a backup"), "\(refused.status) \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/nas/photos/relink.sql"))
        // run --relink, recorded; the walkthrough then has the relink step, its first command runs as printed.
        let run = try CLI.run(["run", dir + "/drill.yml", "--relink"])
        #expect(run.status == 2 && run.stdout.contains("relink        4 original(s) found again"))
        let walk = try CLI.run(["walkthrough", dir + "/drill.yml", "--format", "json"])
        let steps = try #require((try JSONSerialization.jsonObject(with: Data(walk.stdout.utf8)) as? [String: Any])?["steps"] as? [[String: Any]])
        let step = try #require(steps.first { $0["id"] as? String == "relink" })
        let commands = try #require(step["commands"] as? [String])
        #expect(commands[0].hasPrefix("immich-drill relink '\(dir)/drill.yml' --restore-point "))
        try FileManager.default.removeItem(atPath: dir + "/relink.sql")
        let printed = try CLI.run([], cwd: "/", shell: Subprocess.shellQuote(CLI.binary) + String(commands[0].dropFirst("immich-drill".count)))
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/relink.sql"))
        #expect(commands[1].hasSuffix("< '\(dir)/relink.sql'"))
        // No readable dump: a clear error naming the plan, nothing written.
        try FileManager.default.removeItem(atPath: dir + "/relink.sql")
        for dump in try FileManager.default.contentsOfDirectory(atPath: dir + "/immich/library/backups") {
            try "not a dump".write(toFile: dir + "/immich/library/backups/" + dump, atomically: true, encoding: .utf8)
        }
        for args in [["relink", dir + "/drill.yml"], ["relink", dir + "/drill.yml", "--live"]] {
            let bad = try CLI.run(args)
            #expect(bad.status == 3 && (bad.stderr.contains("the dump is damaged") || bad.stderr.contains("no readable dump")),
                    "\(args): \(bad.status) \(bad.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/relink.sql"))
    }

    @Test(arguments: ["v1", "v2", "v3"])
    func walkthroughGivesTheErasRestoreCommand(era: String) throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--era", era, "--assets", "30"]).status == 0)
        let text = try CLI.run(["walkthrough", dir + "/drill.yml"])
        #expect(text.status == 0)
        if era == "v1" {
            #expect(text.stdout.contains("| docker exec -i immich_postgres psql --dbname=postgres --username=postgres\n"))
        } else {
            #expect(text.stdout.contains("| docker exec -i immich_postgres psql --dbname=immich --username=postgres --single-transaction --set ON_ERROR_STOP=on\n"))
        }
        // v3: the image's vector extensions are checked before the load.
        #expect(text.stdout.contains("$ docker exec immich_postgres psql --username=postgres --dbname=postgres --command='SHOW shared_preload_libraries'") == (era == "v3"))
        #expect(text.stdout.contains("from drill #1"))
        let markdown = try CLI.run(["walkthrough", dir + "/drill.yml", "--format", "markdown"])
        #expect(markdown.stdout.contains("## 9. Restore the dump"))
        // An older restore point: its own dump, read for its own counts.
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
        let dumps = try #require(manifest["dumps"] as? [[String: Any]])
        let oldest = try #require(dumps.first?["path"] as? String)
        let plan = try CLI.run(["plan", dir + "/drill.yml", "--no-live", "--format", "json"])
        let points = try #require((try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["restorePoints"] as? [[String: Any]])
        let id = try #require(points.last?["id"] as? String)
        let chosen = try CLI.run(["walkthrough", dir + "/drill.yml", "--restore-point", id, "--format", "json"]).stdout
        #expect(chosen.contains((oldest as NSString).lastPathComponent))
    }

    @Test func interactiveWalkthroughChecksTimesAndRecords() throws {
        let dir = CLI.tempDir() + "/demo"
        #expect(try CLI.run(["demo", "--dir", dir, "--assets", "30", "--no-run"]).status == 0)
        // A marker is missing: step 5's file count and step 6's marker check fail, the operator goes on anyway.
        try FileManager.default.removeItem(atPath: dir + "/immich/library/profile/.immich")
        // Step 1 as printed moves UPLOAD_LOCATION aside; the dump step reads the dump from there.
        _ = try Shell.run("/bin/cp", ["-a", dir + "/immich/library", dir + "/immich/library.before-restore"])
        let answers = ["", "", "", "", "c", "", "c", "", "", "", "", "", ""].joined(separator: "\n") + "\n"
        let walked = try CLI.runWithInput(["walkthrough", dir + "/drill.yml", "--interactive"], input: answers)
        #expect(walked.status == 1, "\(walked.stdout)")
        #expect(walked.stdout.contains("✗ no .immich in \(dir)/immich/library/profile"))
        #expect(walked.stdout.contains("(1 missing)"))
        #expect(walked.stdout.contains("Not there yet."))
        #expect(walked.stdout.contains("Real RTO: "))
        #expect(walked.stdout.contains("Recorded as walkthrough #1"))
        // Quitting at step 2 is not a finished restore.
        let quit = try CLI.runWithInput(["walkthrough", dir + "/drill.yml", "--interactive"], input: "s\nq\n")
        #expect(quit.status == 3)
        #expect(quit.stdout.contains("skipped") && quit.stdout.contains("Stopped at step 2."))
        #expect(quit.stdout.contains("Recorded as walkthrough #2"))
        let history = try CLI.run(["history", "--plan-file", dir + "/drill.yml"])
        #expect(history.stdout.contains("Walkthroughs (walkthrough --interactive)"))
        #expect(history.stdout.contains("12 of 12 steps, with skipped or failed checks"))
        #expect(history.stdout.contains("0 of 2 steps, stopped at step 2"))
        let json = try CLI.run(["history", "--plan-file", dir + "/drill.yml", "--format", "json"])
        #expect(json.stdout.contains("\"outcome\" : \"done-with-failed-checks\""))
        // End of input is a stop too, never a hang.
        let eof = try CLI.runWithInput(["walkthrough", dir + "/drill.yml", "--interactive", "--no-history"], input: "")
        #expect(eof.status == 3 && !eof.stdout.contains("Recorded"))
    }
}
