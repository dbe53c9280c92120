// `run --relink`: the relink plan proven on the drill's own database. The SQL file a person would apply goes into the
// scratch PostgreSQL the drill just loaded, through the same screened loader and in one transaction, as the printed
// command runs it; then PostgreSQL is asked where each relinked asset is now (every one at the path the plan found,
// a library file with its new path checksum) and whether the album memberships, faces, tags, favorites and
// descriptions of those assets are what they were before.

import Foundation

enum RelinkProof {
    /// `ids` as SQL uuid arrays of a few thousand each: each query is one argument to psql, which Linux caps at 128 KiB.
    static func idArrays(_ ids: [String]) -> [String] {
        stride(from: 0, to: ids.count, by: 2000).map { chunk in
            "ARRAY[" + ids[chunk..<min(chunk + 2000, ids.count)].map { "'\($0)'" }.joined(separator: ",") + "]::uuid[]"
        }
    }

    /// The metadata rows of `ids`, by kind, in the era's table names.
    static func metadata(_ cluster: any ScratchDatabase, database: String, catalog: Catalog, ids: [String]) throws -> [String: Int] {
        let tables = Set(catalog.schema.tables)
        let asset = RelinkSQL.Names(catalog).asset
        var queries: [(String, String)] = [("favorites", "SELECT count(*) FROM public.\(asset) WHERE \"isFavorite\" AND id = ANY($IDS)")]
        if let album = ["album_asset", "albums_assets_assets"].first(where: tables.contains) {
            queries.append(("album memberships", "SELECT count(*) FROM public.\(album) WHERE \(album == "album_asset" ? "\"assetId\"" : "\"assetsId\"") = ANY($IDS)"))
        }
        if let face = ["asset_face", "asset_faces"].first(where: tables.contains) {
            queries.append(("faces", "SELECT count(*) FROM public.\(face) WHERE \"assetId\" = ANY($IDS)"))
        }
        if tables.contains("tag_asset") {
            let column = catalog.schema.joinColumns.hasPrefix("v2.3+") ? "\"assetId\"" : "\"assetsId\""
            queries.append(("tags", "SELECT count(*) FROM public.tag_asset WHERE \(column) = ANY($IDS)"))
        }
        if let exif = ["asset_exif", "exif"].first(where: tables.contains) {
            queries.append(("descriptions", "SELECT count(*) FROM public.\(exif) WHERE btrim(coalesce(description, '')) <> '' AND \"assetId\" = ANY($IDS)"))
        }
        if tables.contains("asset_edit") {
            queries.append(("edits", "SELECT count(*) FROM public.asset_edit WHERE \"assetId\" = ANY($IDS)"))
        }
        var counts: [String: Int] = [:]
        for list in idArrays(ids) {
            for (kind, sql) in queries {
                let rows = try cluster.query(database, sql.replacingOccurrences(of: "$IDS", with: list))
                counts[kind, default: 0] += Int(rows.first?.first ?? "") ?? 0
            }
        }
        return counts
    }

    /// Applies `sqlFile` (the plan's SQL) to the loaded database and checks what it did.
    static func prove(_ plan: RelinkPlan, sqlFile: String, cluster: any ScratchDatabase, database: String,
                      catalog: Catalog) -> RelinkProofResult {
        let ids = plan.matches.map(\.id)
        var result = RelinkProofResult(applied: false, seconds: 0, relinked: 0, before: [:], after: [:], errors: [])
        do {
            result.before = try metadata(cluster, database: database, catalog: catalog, ids: ids)
            let started = Date()
            var loader = DatabaseLoader(dump: sqlFile, format: .database, database: database, versionNote: nil)
            loader.createDatabase = false
            let load = try loader.load(into: cluster)
            result.seconds = Date().timeIntervalSince(started)
            result.applied = load.loaded && load.errors.isEmpty
            result.errors = load.errors.map { "line \($0.line.map(String.init) ?? "?"): \($0.message)" }
            if let refusal = load.refusal { result.errors.append("line \(refusal.line): \(refusal.reason)") }
            guard result.applied else { return result }
            let asset = RelinkSQL.Names(catalog).asset
            let wanted = Dictionary(uniqueKeysWithValues: plan.matches.map { ($0.id, $0) })
            for list in idArrays(ids) {
                for row in try cluster.query(database, "SELECT id, \"originalPath\", encode(checksum, 'hex') FROM public.\(asset) WHERE id = ANY(\(list))") where row.count == 3 {
                    guard let m = wanted[row[0]] else { continue }
                    if row[1] != m.to {
                        result.errors.append("\(m.from): still at \(row[1]), not \(m.to)")
                    } else if let checksum = m.pathChecksum, row[2] != checksum {
                        result.errors.append("\(m.to): its checksum is \(row[2]), not the path checksum \(checksum)")
                    } else {
                        result.relinked += 1
                    }
                }
            }
            if result.relinked != plan.matches.count, result.errors.isEmpty {
                result.errors.append("\(plan.matches.count - result.relinked) relinked asset(s) are not in the database")
            }
            result.after = try metadata(cluster, database: database, catalog: catalog, ids: ids)
            if result.before != result.after {
                result.errors.append("the metadata of the relinked assets changed: \(result.before) before, \(result.after) after")
            }
        } catch let error as DrillError {
            result.errors.append(error.description)
        } catch {
            result.errors.append("\(error)")
        }
        return result
    }
}
