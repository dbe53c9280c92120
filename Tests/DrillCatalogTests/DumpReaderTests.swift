@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct DumpReaderTests {
    func write(_ text: String, name: String = "dump.sql") -> String {
        let dir = Fixtures.tempDir("reader")
        Fixtures.write([name: text], in: dir)
        return dir + "/" + name
    }

    static let minimalAssets = """
    COPY public.asset (id, "ownerId", "originalPath", checksum) FROM stdin;
    a1a1a1a1-0000-4000-8000-000000000001\t10000000-0000-4000-8000-000000000001\t/data/upload/x.jpg\t\\\\x0011
    \\.
    """

    func database(_ body: String, trailer: Bool = true) -> String {
        "--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 16.4\n\n" + body +
            (trailer ? "\n--\n-- PostgreSQL database dump complete\n--\n\n" : "\n")
    }

    func expectError(_ path: String, _ fragment: String, line: Int? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try CatalogReader.read(path: path)
            Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
        } catch let error as DrillError {
            #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
            #expect(error.file == path, sourceLocation: sourceLocation)
            if let line { #expect(error.line == line, "\(error.description)", sourceLocation: sourceLocation) }
            #expect(error.exitCode == 3, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aDumpWithWindowsLineEndsIsReadAsPsqlReadsIt() throws {
        let text = database(Self.minimalAssets).replacingOccurrences(of: "\n", with: "\r\n")
        let c = try CatalogReader.read(path: write(text))
        #expect(c.content.complete && c.assets.count == 1)
        #expect(c.originalPath(c.assets[0]) == "/data/upload/x.jpg")
    }

    @Test func aLineLongerThanTheCapIsAnErrorNamingIt() throws {
        // No newline at all after a header line: the reader holds at most DumpReader.maxLine bytes of it.
        let path = write("-- PostgreSQL database dump\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<(DumpReader.maxLine >> 20) + 1 { handle.write(chunk) }
        try handle.close()
        expectError(path, "longer than 64.0 MiB", line: 2)
    }

    @Test func longRowsOfSkippedTablesStreamBy() throws {
        // A skipped table's row longer than the cap (a plugin's WASM bytes, say) is streamed, not held.
        let long = String(repeating: "ab", count: DumpReader.maxLine / 2 + 10)
        let body = "COPY public.plugin (id, wasm) FROM stdin;\n1\t\\\\x\(long)\n\\.\n" + Self.minimalAssets
        let c = try CatalogReader.read(path: write(database(body)))
        #expect(c.content.complete && c.assets.count == 1)
    }

    @Test(arguments: ["/dev/zero", "fifo", "folder"])
    func onlyRegularFilesAreDumps(kind: String) throws {
        let dir = Fixtures.tempDir("special")
        var path = kind
        switch kind {
        case "fifo":
            path = dir + "/dump.sql"
            #expect(mkfifo(path, 0o644) == 0)
        case "folder":
            path = dir + "/dump.sql.gz"
            Fixtures.mkdir(path)
        default: break
        }
        expectError(path, "not a regular file")
    }

    @Test func minimalDump() throws {
        let c = try CatalogReader.read(path: write(database(Self.minimalAssets)))
        #expect(c.content.complete && c.content.format == .database && c.content.postgresVersion == "16.4")
        #expect(c.assets.count == 1)
        #expect(c.originalPath(c.assets[0]) == "/data/upload/x.jpg")
        #expect(c.assets[0].flags.contains(.oddChecksum), "a 2-byte checksum is not SHA-1")
        #expect(c.mediaPrefix == "/data")
    }

    /// v3 tables in hostile shapes: an owner row for an album the dump does not have, a NULL role, a type Immich
    /// never writes, an integrity report far larger than any real one (counted whole, paths kept up to the cap).
    @Test func v3TablesReadDefensively() throws {
        let albums = """
        COPY public.album (id, "albumName", "deletedAt") FROM stdin;
        c1c1c1c1-0000-4000-8000-000000000001	Summer	\\N
        c2c2c2c2-0000-4000-8000-000000000002	No owner	\\N
        \\.
        COPY public.album_user ("albumId", "userId", role) FROM stdin;
        c1c1c1c1-0000-4000-8000-000000000001	10000000-0000-4000-8000-000000000001	owner
        c1c1c1c1-0000-4000-8000-000000000001	10000000-0000-4000-8000-000000000002	\\N
        c9c9c9c9-0000-4000-8000-000000000009	10000000-0000-4000-8000-000000000001	owner
        \\.
        COPY public.asset_edit ("assetId", action, parameters, sequence) FROM stdin;
        a1a1a1a1-0000-4000-8000-000000000001	crop	{}	0
        ffffffff-0000-4000-8000-00000000000f	crop	{}	0
        \\.

        """
        let cap = IntegrityReport.maxPaths
        var integrity = "COPY public.integrity_report (type, path, \"assetId\") FROM stdin;\n"
        for i in 0..<(cap + 10) { integrity += "missing_file\t/data/upload/x/\(i).jpg\t\\N\n" }
        integrity += "made_up_type\t/data/upload/y.jpg\t\\N\n\\.\n"
        let c = try CatalogReader.read(path: write(database(Self.minimalAssets + "\n" + albums + integrity)))
        #expect(c.counts.albums == 2 && c.counts.albumsWithoutOwner == 1)
        #expect(c.counts.albumShares == 1, "a row with no role is a share, not an owner")
        #expect(c.albums.first { $0.id.description.hasPrefix("c1") }?.owner?.description == "10000000-0000-4000-8000-000000000001")
        #expect(c.counts.edits == 2 && c.counts.editedAssets == 1, "an edit of an asset not in the dump counts as a row only")
        #expect(c.integrity.counts == ["missing_file": cap + 10, "made_up_type": 1])
        #expect(c.integrity.paths["missing_file"]?.count == cap, "paths are kept up to the cap")
        #expect(c.integrity.recorded("missing_file", "/data/upload/x/0.jpg"))
        #expect(c.schema.albumOwners == "album_user role 'owner' (v3+)")
    }

    @Test func missingTrailerIsIncomplete() throws {
        let c = try CatalogReader.read(path: write(database(Self.minimalAssets, trailer: false)))
        #expect(!c.content.complete)
        #expect(c.findings.map(\.code) == ["dump-incomplete"])
        #expect(Outcome.from(findings: c.findings).exitStatus == .critical)
    }

    @Test func endsInsideCopy() throws {
        let text = "--\n-- PostgreSQL database dump\n--\nCOPY public.asset (id, \"ownerId\", \"originalPath\", checksum) FROM stdin;\n"
        let c = try CatalogReader.read(path: write(text))
        #expect(c.content.incompleteReason?.contains("inside the data of table asset") == true)
    }

    @Test func failedTmpLeftover() throws {
        let c = try CatalogReader.read(path: write(database(Self.minimalAssets), name: "immich-db-backup-1730000000000.sql.gz.tmp"))
        #expect(c.findings.map(\.code) == ["dump-failed"])
        #expect(c.identity.failed)
    }

    @Test func notADump() {
        expectError(write("hello\nworld\n"), "not a PostgreSQL dump")
        expectError(write(""), "empty")
        expectError(write("PGDMP\u{1}\u{2}binary"), "custom-format")
        expectError(write(String(repeating: "SELECT 1;\n", count: 100)), "not a PostgreSQL dump", line: 65)
        expectError(write(database("COPY public.other (x) FROM stdin;\n1\n\\.\n")), "no Immich asset table")
        expectError(write(database("INSERT INTO public.asset (id) VALUES ('x');\n")), "pg_dump --inserts")
    }

    @Test func missingRequiredColumnNamesTableAndColumn() {
        let body = "COPY public.assets (id, \"ownerId\", checksum) FROM stdin;\n\\.\n"
        expectError(write(database(body)), "table assets has no column \"originalPath\"", line: 7)
    }

    @Test func malformedRows() {
        let wrongWidth = "COPY public.asset (id, \"ownerId\", \"originalPath\", checksum) FROM stdin;\na1a1a1a1-0000-4000-8000-000000000001\tx\n\\.\n"
        expectError(write(database(wrongWidth)), "has 2 fields; its COPY header has 4 columns", line: 8)
        let badUUID = "COPY public.asset (id, \"ownerId\", \"originalPath\", checksum) FROM stdin;\nnot-a-uuid\t10000000-0000-4000-8000-000000000001\t/x\t\\\\x00\n\\.\n"
        expectError(write(database(badUUID)), "column \"id\" holds 'not-a-uuid'; expected a UUID", line: 8)
        expectError(write(database("COPY public.asset id FROM stdin\n\\.\n")), "cannot read this COPY line", line: 7)
    }

    @Test func clusterDumpPicksTheNamedDatabase() throws {
        let text = """
        --
        -- PostgreSQL database cluster dump
        --

        --
        -- Database "photos" dump
        --

        --
        -- PostgreSQL database dump
        --

        \\connect photos
        \(Self.minimalAssets)
        COPY public.asset (id, "ownerId", "originalPath", checksum) FROM stdin;
        a1a1a1a1-0000-4000-8000-000000000002\t10000000-0000-4000-8000-000000000001\t/data/upload/y.jpg\t\\\\x00
        \\.

        --
        -- PostgreSQL database dump complete
        --

        --
        -- Database "postgres" dump
        --

        \\connect -reuse-previous=on "dbname='postgres'"
        COPY public.asset (id, "ownerId", "originalPath", checksum) FROM stdin;
        not read at all
        \\.

        --
        -- PostgreSQL database dump complete
        --

        --
        -- PostgreSQL database cluster dump complete
        --

        """
        let path = write(text)
        let c = try CatalogReader.read(path: path, databaseName: "photos")
        #expect(c.content.format == .cluster && c.content.complete)
        #expect(c.content.databases == ["photos", "postgres"])
        #expect(c.assets.count == 2)
        do {
            _ = try CatalogReader.read(path: path, databaseName: "immich")
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.message.contains("no database 'immich'; it holds photos, postgres"))
        }
    }

    @Test func connectTargets() {
        #expect(DumpReader.connectTarget("\\connect immich") == "immich")
        #expect(DumpReader.connectTarget("\\connect \"My DB\"") == "My DB")
        #expect(DumpReader.connectTarget("\\connect -reuse-previous=on \"dbname='it''s'\"") == "it's")
        #expect(DumpReader.parseCopyHeader("COPY public.\"user\" (id, \"a\"\"b\") FROM stdin;")?.columns == ["id", "a\"b"])
        #expect(DumpReader.parseCopyHeader("COPY public.\"user\" (id) FROM stdin;")?.table == "user")
        #expect(DumpReader.parseCopyHeader("COPY x (a FROM stdin;") == nil)
    }

    @Test func oldLibraryTypesAndLegacyColumns() throws {
        // v1.79–v1.10x: an UPLOAD library per user, and thumbnails in asset columns.
        let body = """
        COPY public.libraries (id, name, "ownerId", type, "importPaths", "exclusionPatterns") FROM stdin;
        20000000-0000-4000-8000-000000000001\tUpload\t10000000-0000-4000-8000-000000000001\tUPLOAD\t{}\t{}
        20000000-0000-4000-8000-000000000002\tNAS\t10000000-0000-4000-8000-000000000001\tEXTERNAL\t{/mnt/photos}\t{}
        \\.
        COPY public.assets (id, "ownerId", "libraryId", "originalPath", checksum, "isExternal", "resizePath", "webpPath", "encodedVideoPath", "isArchived", "isVisible") FROM stdin;
        a1a1a1a1-0000-4000-8000-000000000001\t10000000-0000-4000-8000-000000000001\t20000000-0000-4000-8000-000000000001\tupload/library/admin/a.jpg\t\\\\x00\tf\tupload/thumbs/u/a.jpeg\tupload/thumbs/u/a.webp\t\tt\tf
        \\.
        """
        let c = try CatalogReader.read(path: write(database(body)))
        #expect(c.counts.libraries == 1, "the UPLOAD library is not an external library")
        #expect(c.counts.external == 0 && c.counts.libraryFiles == 1)
        #expect(c.assets[0].algorithm == .sha1, "an upload-library asset's checksum is of its content")
        #expect(c.assets[0].flags.isSuperset(of: [.archived, .hidden]))
        #expect(c.counts.previews == 1 && c.counts.thumbnails == 1 && c.counts.encodedVideos == 0)
        #expect(c.mediaPrefix == "upload")
        #expect(c.schema.visibility.contains("isArchived"))
    }
}
