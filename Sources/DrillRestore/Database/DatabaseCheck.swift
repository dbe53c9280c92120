// Two independent readings of one dump must agree: what the stream parser counted (the catalog) and what PostgreSQL
// holds after the load, table by table, in whatever names the dump's era used. Plus the startup facts Immich checks
// that SQL can answer: an admin exists, the saved media location, the newest version_history row.

import Foundation

/// One count read both ways.
package struct CountCheck: Sendable, Codable, Equatable {
    package var what: String
    package var table: String
    package var catalog: Int
    package var database: Int
    package var agrees: Bool { catalog == database }
}

/// What the loaded database says about Immich's startup checks.
package struct StartupFacts: Sendable, Codable, Equatable {
    package var admins: Int?
    package var mediaLocation: String?
    package var newestVersion: String?
}

/// Queries the loaded database for what the catalog counted.
package struct DatabaseCheck {
    let cluster: any ScratchDatabase
    let database: String
    let catalog: Catalog

    package init(cluster: any ScratchDatabase, database: String, catalog: Catalog) {
        self.cluster = cluster
        self.database = database
        self.catalog = catalog
    }

    /// The tables (every name each has had) and their columns.
    func schema() throws -> [String: Set<String>] {
        var tables: [String: Set<String>] = [:]
        for row in try cluster.query(database, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")
            where row.count == 2 {
            tables[row[0], default: []].insert(row[1])
        }
        return tables
    }

    static func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
    static func ident(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func like(_ s: String) -> String {
        literal(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%")
    }

    /// Every count the catalog has that this era's tables can answer.
    package func counts() throws -> (checks: [CountCheck], facts: StartupFacts) {
        let tables = try schema()
        func table(_ names: String...) -> String? { names.first { tables[$0] != nil } }
        func has(_ t: String, _ c: String) -> Bool { tables[t]?.contains(c) == true }
        func q(_ s: String) -> String { DatabaseCheck.ident(s) }
        let c = catalog.counts
        var queries: [(what: String, table: String, catalog: Int, sql: String)] = []

        if let assets = table("asset", "assets") {
            let t = q(assets)
            queries.append(("assets", assets, c.assets, "SELECT count(*) FROM \(t)"))
            let external = has(assets, "isExternal") ? "\"isExternal\"" : "\"libraryId\" IS NOT NULL"
            queries.append(("external assets", assets, c.external, "SELECT count(*) FROM \(t) WHERE \(external)"))
            let prefix = catalog.mediaPrefix
            let library = prefix.map { DatabaseCheck.like($0 + "/library/") } ?? DatabaseCheck.like("library/")
            let upload = prefix.map { DatabaseCheck.like($0 + "/upload/") } ?? DatabaseCheck.like("upload/")
            queries.append(("storage-template files", assets, c.libraryFiles,
                            "SELECT count(*) FROM \(t) WHERE NOT (\(external)) AND (\"originalPath\" LIKE \(library) OR (\"originalPath\" NOT LIKE \(upload) AND strpos(\"originalPath\", '/library/') > 0))"))
            queries.append(("uploaded originals", assets, c.uploaded,
                            "SELECT count(*) FROM \(t) WHERE NOT (\(external)) AND NOT (\"originalPath\" LIKE \(library)) AND (\"originalPath\" LIKE \(upload) OR strpos(\"originalPath\", '/library/') = 0)"))
            if has(assets, "isOffline") {
                queries.append(("offline assets", assets, c.offline, "SELECT count(*) FROM \(t) WHERE \"isOffline\""))
            }
            if has(assets, "deletedAt") {
                queries.append(("trashed assets", assets, c.trashed, "SELECT count(*) FROM \(t) WHERE \"deletedAt\" IS NOT NULL"))
            }
            var sidecars: [String] = []
            var encoded: [String] = []
            if has(assets, "sidecarPath") { sidecars.append("(SELECT count(*) FROM \(t) WHERE \"sidecarPath\" IS NOT NULL AND \"sidecarPath\" <> '')") }
            if has(assets, "encodedVideoPath") { encoded.append("(SELECT count(*) FROM \(t) WHERE \"encodedVideoPath\" IS NOT NULL AND \"encodedVideoPath\" <> '')") }
            if let files = table("asset_file", "asset_files") {
                let f = q(files)
                sidecars.append("(SELECT count(*) FROM \(f) f JOIN \(t) a ON a.id = f.\"assetId\" WHERE f.type::text = 'sidecar' AND f.path IS NOT NULL)")
                encoded.append("(SELECT count(*) FROM \(f) f JOIN \(t) a ON a.id = f.\"assetId\" WHERE f.type::text = 'encoded_video' AND f.path IS NOT NULL)")
            }
            if !sidecars.isEmpty { queries.append(("sidecars", "asset_file", c.sidecars, "SELECT " + sidecars.joined(separator: " + "))) }
            if !encoded.isEmpty { queries.append(("encoded videos", "asset_file", c.encodedVideos, "SELECT " + encoded.joined(separator: " + "))) }

            if let join = table("album_asset", "albums_assets_assets"), let albums = table("album", "albums") {
                let albumColumn = has(join, "albumId") ? "albumId" : "albumsId"
                let deleted = has(albums, "deletedAt") ? "AND al.\"deletedAt\" IS NOT NULL" : "AND false"
                queries.append(("album memberships", join, c.albumMemberships,
                                "SELECT count(*) FROM \(q(join)) j WHERE NOT EXISTS (SELECT 1 FROM \(q(albums)) al WHERE al.id = j.\(q(albumColumn)) \(deleted))"))
            }
            if let tagAssets = table("tag_asset") {
                let assetColumn = has(tagAssets, "assetId") ? "assetId" : "assetsId"
                queries.append(("tagged assets", tagAssets, c.taggedAssets,
                                "SELECT count(DISTINCT j.\(q(assetColumn))) FROM \(q(tagAssets)) j JOIN \(t) a ON a.id = j.\(q(assetColumn))"))
            }
        }
        if let faces = table("asset_face", "asset_faces") {
            let deleted = has(faces, "deletedAt") ? " WHERE \"deletedAt\" IS NULL" : ""
            queries.append(("faces", faces, c.faces, "SELECT count(*) FROM \(q(faces))\(deleted)"))
        }
        if let people = table("person") { queries.append(("people", people, c.people, "SELECT count(*) FROM \(q(people))")) }
        if let tags = table("tag", "tags") { queries.append(("tags", tags, c.tags, "SELECT count(*) FROM \(q(tags))")) }
        if let libraries = table("library", "libraries") {
            let filter = has(libraries, "type") ? " WHERE type IS NULL OR type::text <> 'UPLOAD'" : ""
            queries.append(("libraries", libraries, c.libraries, "SELECT count(*) FROM \(q(libraries))\(filter)"))
            if has(libraries, "importPaths") {
                let paths = catalog.libraries.filter(\.isExternal).reduce(0) { $0 + $1.importPaths.count }
                queries.append(("library import paths", libraries, paths,
                                "SELECT coalesce(sum(cardinality(array_remove(\"importPaths\", NULL))), 0) FROM \(q(libraries))\(filter)"))
            }
        }
        var facts = StartupFacts()
        if let users = table("user", "users") {
            queries.append(("users", users, c.users, "SELECT count(*) FROM \(q(users))"))
            if has(users, "isAdmin") {
                let live = has(users, "deletedAt") ? " AND \"deletedAt\" IS NULL" : ""
                facts.admins = Int(try cluster.query(database, "SELECT count(*) FROM \(q(users)) WHERE \"isAdmin\"\(live)").first?.first ?? "")
            }
        }
        if let metadata = table("system_metadata") {
            facts.mediaLocation = try cluster.query(database, "SELECT value->>'location' FROM \(q(metadata)) WHERE key = 'MediaLocation'")
                .first?.first.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let versions = table("version_history") {
            let order = has(versions, "createdAt") ? "\"createdAt\" DESC" : "1 DESC"
            facts.newestVersion = try cluster.query(database, "SELECT version FROM \(q(versions)) ORDER BY \(order) LIMIT 1").first?.first
        }

        // One round trip: every count in one SELECT.
        guard !queries.isEmpty else { return ([], facts) }
        let sql = "SELECT " + queries.map { "(\($0.sql))" }.joined(separator: ", ")
        let row = try cluster.query(database, sql).first ?? []
        var checks: [CountCheck] = []
        for (i, query) in queries.enumerated() {
            let value = i < row.count ? Int(row[i]) ?? -1 : -1
            checks.append(CountCheck(what: query.what, table: query.table, catalog: query.catalog, database: value))
        }
        return (checks, facts)
    }
}
