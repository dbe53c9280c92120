@testable import DrillRestore
import Foundation
import Testing

/// The screen alone: what it lets through, rewrites and refuses, line by line (no PostgreSQL).
@Suite struct DumpLoadScreenTests {
    /// Feeds `sql` line by line (COPY data as data); the lines psql would get, or nil from the refused line on.
    func feed(_ sql: String, cluster: Bool = false, available: Set<String> = ["cube", "earthdistance", "pg_trgm", "unaccent", "uuid-ossp", "plpgsql"])
        -> (out: [String], screen: DumpLoadScreen, stopped: Bool) {
        var screen = DumpLoadScreen(cluster: cluster, available: available)
        var out: [String] = []
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if screen.inCopy {
                _ = screen.copyLine(isTerminator: line == "\\.")
                out.append(line)
                continue
            }
            guard let fed = screen.sqlLine(Array(line.utf8)) else { return (out, screen, true) }
            out.append(String(decoding: fed, as: UTF8.self))
        }
        return (out, screen, false)
    }

    @Test func pgDumpOutputPassesWithTheDocumentedRewrite() {
        let sql = """
            SET statement_timeout = 0;
            SET client_encoding = 'UTF8';
            SET standard_conforming_strings = on;
            SELECT pg_catalog.set_config('search_path', '', false);
            CREATE FUNCTION public.f() RETURNS trigger
                LANGUAGE plpgsql
                AS $$ BEGIN RAISE NOTICE 'a \\! b ; c'; RETURN NEW; END $$;
            COMMENT ON TABLE public.x IS 'it''s \\o fine';
            COPY public."user" (id, name) FROM stdin;
            1\t\\! not a command here
            \\.
            """
        let (out, screen, stopped) = feed(sql)
        #expect(!stopped, "\(String(describing: screen.refusal))")
        #expect(out[3] == "SELECT pg_catalog.set_config('search_path', 'public, pg_catalog', true);")
        #expect(screen.copyBlocks == [DumpLoadScreen.CopyBlock(table: "user", startLine: 9, endLine: 11, rows: 1)])
        #expect(screen.rows == 1)
    }

    @Test(arguments: [
        ("\\! touch /tmp/x", "meta-command"),
        ("\\o /tmp/x", "meta-command"),
        ("\\copy public.asset to '/tmp/x'", "meta-command"),
        ("\\i /etc/passwd", "meta-command"),
        ("SELECT 1; \\! id", "meta-command"),
        ("\\connect host=/var/run/postgresql dbname=prod", "connect"),
        ("\\connect -reuse-previous=on \"dbname='x' host=/tmp\"", "connect"),
        ("COPY public.asset TO PROGRAM 'id';", "COPY"),
        ("COPY public.asset FROM '/etc/passwd';", "COPY"),
        ("COPY public.asset (id) FROM stdin; SELECT 1;", "text after"),
        ("CREATE FUNCTION public.f() RETURNS int LANGUAGE c AS '/tmp/x.so', 'f';", "language c"),
        ("CREATE EXTENSION IF NOT EXISTS plpython3u;", "plpython3u"),
        ("CREATE EXTENSION adminpack;", "adminpack"),
        ("SELECT pg_read_file('/etc/shadow');", "pg_read_file"),
        ("SELECT lo_export(1, '/tmp/x');", "lo_export"),
        ("DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''id'''; END $$;", "PROGRAM"),
        ("ALTER SYSTEM SET shared_preload_libraries = 'x';", "preload"),
        ("LOAD '/tmp/evil.so';", "LOAD"),
        ("SET standard_conforming_strings = off;", "standard_conforming_strings"),
        ("SET client_encoding = 'SJIS';", "client encoding"),
        ("SET NAMES 'BIG5';", "client encoding"),
        ("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw;", "SERVER"),
    ])
    func whatReachesOutsideIsRefused(line: String, why: String) {
        let (out, screen, stopped) = feed("SET lock_timeout = 0;\n" + line + "\nSELECT 2;")
        #expect(stopped, "\(line) passed")
        #expect(out == ["SET lock_timeout = 0;"], "nothing of it reaches psql")
        #expect(screen.refusal?.line == 2)
        #expect(screen.refusal?.reason.lowercased().contains(why.lowercased()) == true, "\(screen.refusal?.reason ?? "")")
    }

    @Test func aClusterPreambleHoldsNoCopyAndTheFirstConnectStopsOnErrors() {
        let early = feed("CREATE ROLE postgres;\nCOPY public.t (a) FROM stdin;\n\\! id\n\\.", cluster: true)
        #expect(early.stopped && early.screen.refusal?.reason.contains("before the cluster dump's first") == true)

        let dump = feed("DROP ROLE IF EXISTS postgres;\n\\unrestrict abc\n\\connect template1\n\\restrict def\nSELECT 1;\n\\connect immich", cluster: true)
        #expect(!dump.stopped)
        #expect(dump.out[2] == "\\set ON_ERROR_STOP on \\connect template1")
        #expect(dump.out[5] == "\\connect immich")
        #expect(dump.screen.connectLine == 3 && dump.screen.database == "immich")
    }

    @Test func missingVectorExtensionsAreStoodInFor() {
        let sql = """
            CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;
            COMMENT ON EXTENSION vector IS 'vector data type';
            CREATE EXTENSION IF NOT EXISTS vchord WITH SCHEMA public;
            CREATE TABLE public.smart_search (
                "assetId" uuid NOT NULL,
                embedding public.vector(512) NOT NULL
            );
            CREATE TABLE public.old (
                embedding vectors.vector(512) NOT NULL
            );
            CREATE INDEX clip_index ON public.smart_search USING vchordrq (embedding public.vector_cosine_ops) WITH (options='[build.internal]');
            CREATE INDEX face_index ON public.face_search USING hnsw (embedding public.vector_cosine_ops) WITH (ef_construction='300', m='16');
            CREATE INDEX old_index ON public.old USING vectors (embedding vectors.vector_cos_ops);
            CREATE DATABASE immich WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'en_US.utf8';
            """
        let (out, screen, stopped) = feed(sql)
        #expect(!stopped, "\(String(describing: screen.refusal))")
        #expect(out[0].hasPrefix("-- ") && out[1].hasPrefix("-- ") && out[2].hasPrefix("-- "))
        #expect(out[5] == "    embedding text NOT NULL")
        #expect(out[8] == "    embedding text NOT NULL")
        #expect(out[10].hasPrefix("-- ") && out[11].hasPrefix("-- ") && out[12].hasPrefix("-- "))
        #expect(out[13].contains("LOCALE = 'C'"))
        #expect(screen.extensions == ["vector", "vchord"])
        #expect(screen.shims.count == 8, "\(screen.shims)")

        // Installed: left alone.
        let real = feed(sql, available: ["vector", "vchord", "vectors"])
        #expect(real.out[0] == "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;" && real.out[5].contains("public.vector(512)"))
    }

    /// pg_dump writes a vchordrq index's options as a multi-line literal (IMMICH.md §10): the whole statement is
    /// left out, up to its `;` outside quotes, and nothing after it is.
    @Test func aMultiLineVectorIndexIsLeftOutWhole() {
        let sql = """
            CREATE INDEX clip_index ON public.smart_search USING vchordrq (embedding public.vector_cosine_ops) WITH (options='
                    residual_quantization = false
                    [build.internal]
                    lists = [1]; -- not the end: inside the literal
                    it''s = "quoted"
                    ');
            CREATE INDEX keep_me ON public.asset USING btree ("ownerId");
            """
        let (out, screen, stopped) = feed(sql)
        #expect(!stopped)
        #expect(out.count == 7)
        #expect(out.prefix(6).allSatisfy { $0.hasPrefix("-- immich-drill:") }, "\(out)")
        #expect(out[6] == #"CREATE INDEX keep_me ON public.asset USING btree ("ownerId");"#)
        #expect(screen.shims.map(\.what) == ["index clip_index (vchord) not created"])
        // Installed: the statement goes through as it is.
        let real = feed(sql, available: ["vector", "vchord"])
        #expect(real.out == sql.split(separator: "\n").map(String.init))
    }

    @Test func aContribExtensionThisMachineLacksStopsTheLoad() {
        let (_, screen, stopped) = feed("CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;", available: [])
        #expect(stopped && screen.unavailable == ["cube"] && screen.refusal == nil)
    }

    @Test func quotingIsReadAsPsqlReadsIt() {
        // A backslash inside a string, an identifier, a dollar quote or a comment is no command; outside it is.
        for ok in ["SELECT 'a\\b';", "SELECT \"we\\ird\";", "SELECT $tag$ \\! id $tag$;", "SELECT 1; -- \\! id",
                   "/* \\! id /* nested */ still */ SELECT 1;", "SELECT E'it\\'s';"] {
            let (_, screen, stopped) = feed(ok)
            #expect(!stopped, "\(ok): \(String(describing: screen.refusal))")
        }
        for bad in ["SELECT E'it\\'s' \\! id", "SELECT $a$ x $a$ \\! id", "SELECT 'x''' \\! id", "/* a */ \\! id"] {
            #expect(feed(bad).stopped, "\(bad) passed")
        }
        // A string spanning lines keeps its state: the backslash on the next line is inside it.
        #expect(!feed("SELECT 'a\n\\! not a command';").stopped)
    }
}
