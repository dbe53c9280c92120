@testable import DrillRestore
import DrillTestSupport
import Foundation
import Testing

/// Loads into the drill's own scratch PostgreSQL (Debian's binaries, as the drill finds them): hostile dumps that try
/// to run a shell or write a file get nowhere, rejected rows are found with their line, a cluster dump's documented
/// noise is not an error, missing vector extensions are stood in for, and Immich's own schemas of three eras load.
@Suite(.enabled(if: PostgresCluster.available, "needs Debian's postgresql (scripts/bootstrap)"))
struct DatabaseLoadTests {
    func cluster() throws -> ScratchPostgres {
        let install = try #require(PostgresInstall.discover().first)
        let user = try #require(ServerUser.forServer())
        return try ScratchPostgres(install: install, user: user, parent: Fixtures.tempDir("pg"), superuser: "postgres", preload: [])
    }

    /// Loads `sql` (written as a file, gzip when asked) with the era's command.
    func load(_ sql: String, format: DumpFormat = .database, gzip: Bool = false) throws -> (DatabaseLoadResult, ScratchPostgres) {
        let cluster = try cluster()
        let path = Fixtures.tempDir("dump") + "/dump.sql"
        try sql.write(toFile: path, atomically: true, encoding: .utf8)
        var file = path
        if gzip {
            try Shell.sh("gzip '\(path)'")
            file = path + ".gz"
        }
        return (try DatabaseLoader(dump: file, format: format, database: "immich").load(into: cluster), cluster)
    }

    func tables(_ cluster: ScratchPostgres, _ database: String = "immich") throws -> [String] {
        try cluster.query(database, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1").compactMap(\.first)
    }

    static let header = """
        SET statement_timeout = 0;
        SET client_encoding = 'UTF8';
        SET standard_conforming_strings = on;
        SELECT pg_catalog.set_config('search_path', '', false);
        CREATE TABLE public.t (a integer, b text);

        """

    @Test(arguments: [
        "\\! touch SENTINEL",
        "\\o SENTINEL\nSELECT 1;",
        "COPY (SELECT 1) TO PROGRAM 'touch SENTINEL';",
        "COPY public.t (a) FROM stdin; \\! touch SENTINEL",
        "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch SENTINEL'''; END $$;",
        "COPY (SELECT 1) TO 'SENTINEL';",
        "CREATE FUNCTION public.f() RETURNS void LANGUAGE plpython3u AS $$ open('SENTINEL', 'w') $$;",
        "SET standard_conforming_strings = off;\nSELECT 'x\\' , '\\! touch SENTINEL';",
    ])
    func aHostileDumpRunsNothingOutsideTheDatabase(attack: String) throws {
        let sentinel = "/tmp/immich-drill-pwned-\(UUID().uuidString.prefix(8))"
        let sql = Self.header + attack.replacingOccurrences(of: "SENTINEL", with: sentinel) + "\nCREATE TABLE public.after (a int);\n"
        let (result, cluster) = try load(sql)
        defer { cluster.stop() }
        #expect(result.refusal != nil, "\(attack) was not refused")
        #expect(!result.loaded)
        #expect(!FileManager.default.fileExists(atPath: sentinel), "\(attack) wrote \(sentinel)")
        // One transaction, stopped before the attack: nothing of the dump stays.
        #expect(try tables(cluster) == [])
    }

    @Test func aClusterDumpCannotTurnCopyRowsIntoCommands() throws {
        // Without ON_ERROR_STOP (Immich's ≤v2.4 restore), a COPY into a table that does not exist would leave its
        // rows to be read as SQL; the screen refuses COPY before the first \connect, and sets ON_ERROR_STOP there.
        let sentinel = "/tmp/immich-drill-pwned-\(UUID().uuidString.prefix(8))"
        let preamble = "DROP ROLE IF EXISTS postgres;\nCOPY public.nothing (a) FROM stdin;\n\\! touch \(sentinel)\n\\.\n"
        let (result, cluster) = try load(preamble, format: .cluster)
        defer { cluster.stop() }
        #expect(result.refusal?.reason.contains("before the cluster dump's first") == true)
        #expect(!FileManager.default.fileExists(atPath: sentinel))

        let after = "DROP ROLE IF EXISTS postgres;\n\\connect postgres\nCOPY public.nothing (a) FROM stdin;\n1 \\! touch \(sentinel)\n\\.\nSELECT 1;\n"
        let (second, other) = try load(after, format: .cluster)
        defer { other.stop() }
        #expect(!second.loaded && second.errors.first?.message.contains("does not exist") == true, "\(second.errors)")
        #expect(second.errors.count == 1, "psql stopped at the first error after \\connect: \(second.errors)")
        #expect(!FileManager.default.fileExists(atPath: sentinel))
    }

    @Test func aRowPostgreSQLRejectsIsFoundWithItsLine() throws {
        // asset_exif-like: an integer column holding text, which a stream parser may read as unknown.
        let sql = Self.header + "COPY public.t (a, b) FROM stdin;\n1\tone\n2\ttwo\nthree\tthree\n4\tfour\n\\.\n"
        let (result, cluster) = try load(sql, gzip: true)
        defer { cluster.stop() }
        #expect(!result.loaded)
        let error = try #require(result.errors.first)
        #expect(error.table == "t")
        #expect(error.dataLine == 9, "the row 'three' is line 9 of the dump: \(error)")
        #expect(error.message.contains("invalid input syntax for type integer"))
        #expect(try tables(cluster) == [], "single transaction: nothing stays")
    }

    @Test func aClusterDumpsDocumentedNoiseIsNotAnError() throws {
        let clean = """
            SET default_transaction_read_only = off;
            DROP DATABASE IF EXISTS immich;
            DROP ROLE IF EXISTS postgres;
            CREATE ROLE postgres;
            ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
            CREATE DATABASE immich WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'en_US.utf8';
            \\connect immich
            SET standard_conforming_strings = on;
            CREATE TABLE public.t (a integer);
            COPY public.t (a) FROM stdin;
            1
            \\.

            """
        let (result, cluster) = try load(clean, format: .cluster)
        defer { cluster.stop() }
        #expect(result.loaded, "\(result.errors)")
        #expect(result.expectedNoise == ["current user cannot be dropped", "role \"postgres\" already exists"])
        #expect(try cluster.query("immich", "SELECT count(*) FROM public.t").first?.first == "1")

        let other = clean.replacingOccurrences(of: "CREATE ROLE postgres;", with: "CREATE ROLE postgres;\nSELECT public.no_such_function();")
        let (failed, second) = try load(other, format: .cluster)
        defer { second.stop() }
        #expect(!failed.loaded && failed.errors.count == 1 && failed.errors[0].line == 5, "\(failed.errors)")
        #expect(failed.expectedNoise.count == 2)
    }

    @Test func aMissingVectorExtensionIsStoodInFor() throws {
        let sql = Self.header + """
            CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;
            CREATE TABLE public.smart_search (
                "assetId" uuid NOT NULL,
                embedding public.vector(3) NOT NULL
            );
            COPY public.smart_search ("assetId", embedding) FROM stdin;
            00000000-0000-4000-8000-000000000001\t[0.1,0.2,0.3]
            00000000-0000-4000-8000-000000000002\t[0.4,0.5,0.6]
            \\.
            CREATE INDEX clip_index ON public.smart_search USING hnsw (embedding public.vector_cosine_ops) WITH (ef_construction='300', m='16');

            """
        let (result, cluster) = try load(sql)
        defer { cluster.stop() }
        #expect(result.loaded, "\(result.errors) \(String(describing: result.refusal))")
        #expect(result.missingExtensions == ["vector"])
        #expect(result.rowsByTable["smart_search"] == 2)
        #expect(result.shims.contains { $0.contains("index clip_index") })
        #expect(try cluster.query("immich", "SELECT embedding FROM public.smart_search ORDER BY 1 LIMIT 1").first?.first == "[0.1,0.2,0.3]")
    }

    @Test func aLoadThatNeverEndsIsStoppedAtItsDeadline() throws {
        let path = Fixtures.tempDir("hang") + "/dump.sql"
        try (Self.header + "SELECT pg_sleep(600);\n").write(toFile: path, atomically: true, encoding: .utf8)
        let cluster = try cluster()
        defer { cluster.stop() }
        var loader = DatabaseLoader(dump: path, format: .database, database: "immich")
        loader.deadline = 2
        let started = Date()
        let result = try loader.load(into: cluster)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(!result.loaded && result.errors.first?.message.contains("did not finish within") == true, "\(result.errors)")
    }

    @Test func theNewestServerAtOrAboveTheDumpsMajorIsChosen() {
        let installs = [PostgresInstall(bin: "/a", major: 17, version: "17.6"), PostgresInstall(bin: "/b", major: 15, version: "15.18")]
        #expect(PostgresInstall.choose(forDumpVersion: "14.17", among: installs)?.install.major == 17)
        #expect(PostgresInstall.choose(forDumpVersion: "14.17", among: installs)?.note == nil)
        let newer = PostgresInstall.choose(forDumpVersion: "99.1", among: installs)
        #expect(newer?.install.major == 17 && newer?.note?.contains("newer than any here") == true)
        #expect(PostgresInstall.choose(forDumpVersion: "15.1", among: []) == nil)
    }

    @Test func asRootTheServerRunsAsAnUnprivilegedUser() throws {
        let cluster = try cluster()
        defer { cluster.stop() }
        let owner = try cluster.query("postgres", "SELECT current_setting('data_directory')").first?.first ?? ""
        var st = stat()
        #expect(stat(owner, &st) == 0)
        if getuid() == 0 {
            #expect(st.st_uid != 0, "the data directory belongs to \(cluster.user.name), not root")
            #expect(["postgres", "nobody"].contains(cluster.user.name))
        }
        #expect(FileManager.default.fileExists(atPath: cluster.directory + "/.s.PGSQL.5432"), "a Unix socket in scratch")
        #expect(try cluster.query("postgres", "SELECT current_setting('listen_addresses') = ''").first?.first == "t", "no TCP")
        let pid = try #require(cluster.pid)
        cluster.stop()
        #expect(kill(pid, 0) != 0, "stopped by its pid")
    }

    /// Immich's own schemas of three eras, with rows, dumped as Immich does: each loads through the screen (which
    /// must refuse none of Immich's own statements) with the era's command.
    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing)),
          arguments: ["v1.135.3", "v2.7.5", "v3.1.0"])
    func immichsOwnSchemasLoad(version: String) throws {
        let source = try PostgresCluster()
        defer { source.stop() }
        try source.psql("postgres", "CREATE DATABASE immich;")
        try source.load("immich", file: Fixtures.shared + "/immich-schema/\(version)-schema.sql")
        let dir = Fixtures.tempDir("schema")
        let cluster_ = version.hasPrefix("v1")
        let sql = dir + "/immich-db-backup-20260501T020000-\(version)-pg15.18.sql"
        if cluster_ {
            try source.dump("pg_dumpall", ["--clean", "--if-exists", "--database", "immich"], to: sql)
        } else {
            try source.dump("pg_dump", ["--clean", "--if-exists", "immich"], to: sql)
        }
        try Shell.sh("gzip --rsyncable '\(sql)'")
        let target = try cluster()
        defer { target.stop() }
        let result = try DatabaseLoader(dump: sql + ".gz", format: cluster_ ? .cluster : .database, database: "immich").load(into: target)
        #expect(result.loaded, "\(version): \(result.errors) \(String(describing: result.refusal))")
        #expect(result.refusal == nil)
        let loaded = try tables(target)
        #expect(loaded.contains(version.hasPrefix("v1") ? "assets" : "asset") && loaded.contains(version.hasPrefix("v1") ? "albums" : "album"), "\(loaded)")
        if version == "v3.1.0" { #expect(loaded.contains("integrity_report") && loaded.contains("album_user")) }
    }
}
