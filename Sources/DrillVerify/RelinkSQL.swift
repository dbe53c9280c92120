// The relink plan as SQL: one file, applied in one transaction with the printed command, in the table and column
// names of the dump's era. The plan's rows go into a temporary table as plain literals (never inside a dollar-quoted
// body, so no path can end one); a guard then counts the assets that are where the plan found them and refuses the
// whole file when that is not every one (another database, or one that changed since), or when a new path already
// belongs to an asset (a scan imported the moved file already). Then one UPDATE moves the paths, names, path
// checksums, sidecars and offline state; a moved import path is moved in its library too.

import Foundation

package enum RelinkSQL {
    /// The era's names, read from the catalog.
    package struct Names {
        package var asset: String
        var assetFile: String?
        var library: String
        var sidecarColumn: Bool
        var statusColumn: Bool
        var offlineColumn: Bool

        package init(_ catalog: Catalog) {
            let tables = Set(catalog.schema.tables)
            asset = tables.contains("assets") ? "assets" : "asset"
            library = tables.contains("libraries") ? "libraries" : "library"
            assetFile = tables.contains("asset_files") ? "asset_files" : tables.contains("asset_file") ? "asset_file" : nil
            sidecarColumn = catalog.schema.sidecars.hasPrefix("asset.sidecarPath")
            statusColumn = catalog.schema.statusColumn
            offlineColumn = catalog.schema.offlineColumn
        }
    }

    /// A SQL string literal (standard_conforming_strings on: only the quote is doubled). A path holding a character
    /// a terminal acts on (ESC, CR, a line feed: `TerminalText`) is an escape string instead, that character spelled
    /// `\uXXXX`, so the file shows no terminal command when a person reads it and still sets the same text.
    static func literal(_ s: String) -> String {
        guard TerminalText.needsEscape(s) else { return "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        return "E'" + TerminalText.spell(s, keepLines: false, run: {
            $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
        }, character: { u in
            let hex = String(u.value, radix: 16, uppercase: true)
            return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }) + "'"
    }

    /// The command that applies the file to the deployment's database, as printed for a person.
    package static func applyCommand(container: String, user: String, database: String, file: String) -> String {
        "docker exec -i \(Subprocess.shellQuote(container)) psql --username=\(Subprocess.shellQuote(user)) --dbname=\(Subprocess.shellQuote(database)) --single-transaction --set ON_ERROR_STOP=on < \(Subprocess.shellQuote(file))"
    }

    /// The SQL of `plan`; `sidecars` maps a match's asset to its (old, new) sidecar path.
    package static func render(_ plan: RelinkPlan, catalog: Catalog, sidecars: [Int32: (old: String, new: String)],
                               apply: String) -> String {
        let n = Names(catalog)
        var out: [String] = []
        func comment(_ text: String) {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                // A path with a newline in it cannot end the comment early, nor act on a terminal showing it.
                out.append("-- " + TerminalText.inline(String(line)))
            }
        }
        comment("immich-drill relink plan: \(plan.matches.count) original(s) found again in \(plan.scope)")
        comment("dump: \(plan.dump)")
        comment("keeps: \(plan.keeps.sentence)")
        if !plan.ambiguous.isEmpty || !plan.unmatched.isEmpty {
            comment("cannot keep: \(plan.ambiguous.count) ambiguous and \(plan.unmatched.count) unmatched original(s), with \(plan.loses.sentence)")
        }
        comment("")
        comment("Apply it before the next library scan, with periodic scanning paused (Administration → External")
        comment("Libraries), in one transaction:")
        comment("  \(apply)")
        comment("It changes nothing unless every asset is still where this plan found it.")
        out.append("")
        out.append("SET standard_conforming_strings = on;")
        out.append("SET client_min_messages = warning;")
        out.append("CREATE TEMPORARY TABLE immich_drill_relink (id uuid PRIMARY KEY, old text NOT NULL, new text NOT NULL, name text, checksum bytea, offline boolean NOT NULL, old_sidecar text, new_sidecar text);")
        for chunk in stride(from: 0, to: plan.matches.count, by: 500) {
            let rows = plan.matches[chunk..<min(chunk + 500, plan.matches.count)].map { m -> String in
                let sidecar = sidecars[m.asset]
                var values: [String] = [literal(m.id), literal(m.from), literal(m.to)]
                values.append(m.newFileName.map(literal) ?? "NULL")
                values.append(m.pathChecksum.map { "'\\x" + $0 + "'::bytea" } ?? "NULL")
                values.append(m.wasOffline ? "true" : "false")
                values.append(sidecar.map { literal($0.old) } ?? "NULL")
                values.append(sidecar.map { literal($0.new) } ?? "NULL")
                return "(" + values.joined(separator: ", ") + ")"
            }
            out.append("INSERT INTO immich_drill_relink VALUES\n" + rows.joined(separator: ",\n") + ";")
        }
        out.append("""
            DO $guard$
            DECLARE
                wanted integer;
                found integer;
                taken integer;
            BEGIN
                SELECT count(*) INTO wanted FROM immich_drill_relink;
                SELECT count(*) INTO found FROM public.\(n.asset) a JOIN immich_drill_relink r ON a.id = r.id AND a."originalPath" = r.old;
                IF found <> wanted THEN
                    RAISE EXCEPTION 'immich-drill relink: % of % assets are where this plan found them: this is not the database the plan was made from, or it changed since; nothing was changed', found, wanted;
                END IF;
                SELECT count(*) INTO taken FROM public.\(n.asset) a JOIN immich_drill_relink r ON a."originalPath" = r.new;
                IF taken > 0 THEN
                    RAISE EXCEPTION 'immich-drill relink: % new path(s) already belong to an asset (a library scan imported the moved files): nothing was changed; make the plan again before the next scan', taken;
                END IF;
            END
            $guard$;
            """)
        var sets = ["\"originalPath\" = r.new", "\"originalFileName\" = COALESCE(r.name, a.\"originalFileName\")",
                    "checksum = COALESCE(r.checksum, a.checksum)"]
        if n.offlineColumn {
            // What Immich does when an offline file is back: online, out of the trash it put it in.
            sets.append("\"isOffline\" = CASE WHEN r.offline THEN false ELSE a.\"isOffline\" END")
            sets.append("\"deletedAt\" = CASE WHEN r.offline THEN NULL ELSE a.\"deletedAt\" END")
            if n.statusColumn {
                sets.append("status = CASE WHEN r.offline AND a.status = 'trashed' THEN 'active' ELSE a.status END")
            }
        }
        if n.sidecarColumn {
            sets.append("\"sidecarPath\" = CASE WHEN r.new_sidecar IS NOT NULL AND a.\"sidecarPath\" = r.old_sidecar THEN r.new_sidecar ELSE a.\"sidecarPath\" END")
        }
        out.append("UPDATE public.\(n.asset) a SET\n    " + sets.joined(separator: ",\n    ")
            + "\nFROM immich_drill_relink r WHERE a.id = r.id AND a.\"originalPath\" = r.old;")
        if !n.sidecarColumn, let files = n.assetFile {
            out.append("UPDATE public.\(files) f SET path = r.new_sidecar FROM immich_drill_relink r WHERE f.\"assetId\" = r.id AND f.type = 'sidecar' AND f.path = r.old_sidecar AND r.new_sidecar IS NOT NULL;")
        }
        for prefix in plan.prefixes {
            out.append("UPDATE public.\(n.library) SET \"importPaths\" = array_replace(\"importPaths\", \(literal(prefix.from)), \(literal(prefix.to))) WHERE id = \(literal(prefix.library));")
        }
        out.append("DROP TABLE immich_drill_relink;")
        return out.joined(separator: "\n") + "\n"
    }
}
