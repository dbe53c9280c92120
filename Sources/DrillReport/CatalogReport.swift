// The report of `immich-drill catalog`: one model rendered as text, JSON (schema `immich-drill/catalog/v1`) or
// Markdown.

import DrillPlanning
import DrillVerify
import Foundation

/// What `catalog` prints.
public struct CatalogReport: Sendable, Encodable {
    /// The dump the catalog was read from.
    package struct Dump: Sendable, Encodable {
        public var file: String
        public var format: DumpFormat
        package var compression: String
        public var complete: Bool
        package var incompleteReason: String?
        package var origin: DumpOrigin
        package var failed: Bool
        public var time: String?
        public var timeSource: String
        public var timeZone: String?
        package var immichVersion: String?
        package var immichVersionSource: String?
        package var postgresVersion: String?
        package var dumpToolVersion: String?
        public var database: String
        package var databases: [String]
        package var sizeBytes: Int64?
        package var uncompressedBytes: Int64
        public var lines: Int64
    }

    /// One user and what they own.
    package struct Owner: Sendable, Encodable {
        public var id: String
        package var email: String?
        package var storageLabel: String?
        public var counts: AssetCounts
    }

    /// One library with its import paths and exclusions.
    package struct Library: Sendable, Encodable {
        public var id: String
        public var name: String
        public var owner: String
        package var importPaths: [String]
        package var exclusionPatterns: [String]
        package var deleted: Bool
        public var assets: Int
    }

    /// Immich's own integrity check as the dump records it (v3).
    package struct ImmichIntegrity: Sendable, Encodable {
        /// False for dumps before v3 (no integrity_report table).
        package var present: Bool
        /// Rows by type: untracked_file, missing_file, checksum_mismatch.
        package var counts: [String: Int]
        /// A few paths of each type.
        package var examples: [String: [String]]

        package init(_ report: IntegrityReport) {
            present = report.present
            counts = report.counts
            examples = report.paths.mapValues { Array($0.sorted().prefix(Finding.maxExamples)) }
        }

        /// One line: what the check found, or that it found nothing, or that the dump has no report.
        package var summary: String {
            guard present else { return "not in this dump (Immich keeps it from v3)" }
            let total = counts.values.reduce(0, +)
            guard total > 0 else { return "empty: nothing untracked, missing or mismatched at its last check" }
            var all = counts
            for type in IntegrityReport.types where all[type] == nil { all[type] = 0 }
            return IntegrityReport.describe(all)
        }
    }

    package var schema = "immich-drill/catalog/v1"
    package var dump: Dump
    package var schemaEra: SchemaReport
    package var counts: CatalogCounts
    package var byOwner: [Owner]
    package var libraries: [Library]
    package var mediaLocation: String?
    package var savedMediaLocation: String?
    package var mountChecks: [String: Bool]
    package var newestMigration: String?
    package var immichIntegrity: ImmichIntegrity
    package var findings: [Finding]
    public var exitCode: Int32

    public init(_ catalog: Catalog) {
        let c = catalog
        dump = Dump(
            file: c.identity.file, format: c.content.format, compression: c.content.compression,
            complete: c.content.complete, incompleteReason: c.content.incompleteReason, origin: c.identity.origin,
            failed: c.identity.failed, time: c.identity.time.map(CatalogReport.iso8601),
            timeSource: c.identity.timeSource, timeZone: c.identity.timeZone,
            immichVersion: c.immichVersion, immichVersionSource: c.immichVersionSource,
            postgresVersion: c.content.postgresVersion ?? c.identity.postgresVersion,
            dumpToolVersion: c.content.dumpToolVersion, database: c.content.database,
            databases: c.content.databases, sizeBytes: c.identity.sizeBytes,
            uncompressedBytes: c.content.uncompressedBytes, lines: c.content.lines)
        schemaEra = c.schema
        counts = c.counts
        byOwner = c.countsByOwner.sorted { $0.value.assets > $1.value.assets }.map { id, counts in
            let user = c.user(id)
            return Owner(id: id.description, email: user?.email, storageLabel: user?.storageLabel, counts: counts)
        }
        var perLibrary: [UUID16: Int] = [:]
        for asset in c.assets { if let library = c.library(of: asset) { perLibrary[library, default: 0] += 1 } }
        libraries = c.libraries.filter(\.isExternal).map {
            Library(id: $0.id.description, name: $0.name, owner: $0.owner.description, importPaths: $0.importPaths,
                    exclusionPatterns: $0.exclusionPatterns, deleted: $0.deleted, assets: perLibrary[$0.id] ?? 0)
        }
        mediaLocation = c.mediaPrefix
        savedMediaLocation = c.savedMediaLocation
        mountChecks = c.mountChecks
        newestMigration = c.newestMigration
        immichIntegrity = ImmichIntegrity(c.integrity)
        findings = c.findings.sortedForReport()
        exitCode = Outcome.from(findings: c.findings).exitStatus.rawValue
    }

    static func iso8601(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    public func render(_ format: OutputFormat, color: Bool = false) -> String {
        switch format {
        case .json: ReportJSON.encode(self)
        case .text: text(color: color)
        case .markdown: markdown()
        }
    }

    private var summaryRows: [(String, String)] {
        let d = dump
        return [
            ("file", d.file),
            ("format", "\(d.format == .cluster ? "cluster dump (pg_dumpall)" : "database dump (pg_dump)"), \(d.compression)"),
            ("complete", d.complete ? "yes" : "NO: \(d.incompleteReason ?? "")"),
            ("origin", d.origin.rawValue + (d.failed ? " (failed .tmp leftover)" : "")),
            ("time", "\(d.time ?? "unknown") (\(d.timeSource))"),
            ("Immich", "\(d.immichVersion ?? "unknown")\(d.immichVersionSource.map { " (\($0))" } ?? "")"),
            ("PostgreSQL", "\(d.postgresVersion ?? "unknown")\(d.dumpToolVersion.map { ", dumped by \($0)" } ?? "")"),
            ("database", d.database + (d.databases.count > 1 ? " (the cluster holds \(d.databases.joined(separator: ", ")))" : "")),
            ("size", "\(d.sizeBytes.map(ByteText.format) ?? "?") on disk, \(ByteText.format(d.uncompressedBytes)) of SQL, \(d.lines) lines"),
            ("media location", "\(mediaLocation ?? "unknown")\(savedMediaLocation != nil ? " (saved in system_metadata)" : " (from the stored paths)")"),
            ("schema", "\(schemaEra.tableNames); join columns \(schemaEra.joinColumns)"),
            ("", "sidecars in \(schemaEra.sidecars); encoded video in \(schemaEra.encodedVideo)"),
            ("", "checksum algorithm: \(schemaEra.checksumAlgorithm); visibility: \(schemaEra.visibility)"),
            ("", "album owners in \(schemaEra.albumOwners); duration as \(schemaEra.duration)"),
        ]
    }

    private var countRows: [(String, Int)] {
        [("assets", counts.assets), ("uploaded (upload/)", counts.uploaded),
         ("storage template (library/)", counts.libraryFiles), ("external", counts.external),
         ("offline", counts.offline), ("trashed", counts.trashed), ("users", counts.users),
         ("external libraries", counts.libraries), ("albums", counts.albums),
         ("albums shared with others", counts.sharedAlbums), ("album shares (editors, viewers)", counts.albumShares)]
            + (counts.albumsWithoutOwner > 0 ? [("albums without an owner", counts.albumsWithoutOwner)] : [])
            + [("album memberships", counts.albumMemberships), ("favorites", counts.favorites),
         ("descriptions", counts.descriptions), ("faces", counts.faces), ("faces of named people", counts.namedFaces),
         ("people", counts.people), ("named people", counts.namedPeople), ("tags", counts.tags),
         ("tagged assets", counts.taggedAssets), ("shared links", counts.sharedLinks),
         ("assets in shared links", counts.sharedLinkAssets), ("stacks", counts.stacks),
         ("live photos", counts.livePhotos), ("sidecars", counts.sidecars), ("encoded videos", counts.encodedVideos),
         ("thumbnails", counts.thumbnails), ("previews", counts.previews),
         ("edits (asset_edit)", counts.edits), ("edited assets", counts.editedAssets),
         ("edited renditions (_edited)", counts.editedFiles)]
    }

    /// The videos' total length, `3 h 02 min 05 s`.
    private var videoLength: String {
        let seconds = counts.videoMilliseconds / 1000
        let h = seconds / 3600, m = seconds / 60 % 60, sec = seconds % 60
        return h > 0 ? String(format: "%d h %02d min %02d s", h, m, sec) : String(format: "%d min %02d s", m, sec)
    }

    private var integrityLines: [String] {
        var lines = [immichIntegrity.summary]
        for type in immichIntegrity.examples.keys.sorted() {
            for path in immichIntegrity.examples[type] ?? [] { lines.append("- \(type): \(TerminalText.inline(path))") }
        }
        return lines
    }

    private var ownerRows: [[String]] {
        byOwner.map { o in
            [o.email ?? o.id, o.storageLabel ?? "-", "\(o.counts.assets)", "\(o.counts.uploaded)",
             "\(o.counts.libraryFiles)", "\(o.counts.external)", "\(o.counts.offline)", "\(o.counts.trashed)",
             ByteText.format(o.counts.bytes)]
        }
    }

    private static let ownerHeaders = ["OWNER", "LABEL", "ASSETS", "UPLOADED", "LIBRARY", "EXTERNAL", "OFFLINE",
                                       "TRASHED", "BYTES"]

    private func text(color: Bool) -> String {
        var out = ["Dump"]
        for (k, v) in summaryRows { out.append("  " + k.padding(toLength: 15, withPad: " ", startingAt: 0) + v) }
        out.append("")
        out.append("Counts")
        for (k, v) in countRows { out.append("  " + k.padding(toLength: 32, withPad: " ", startingAt: 0) + "\(v)") }
        out.append("  " + "video length".padding(toLength: 32, withPad: " ", startingAt: 0) + videoLength)
        out.append("")
        out.append("Immich's own integrity check (integrity_report)")
        out.append(contentsOf: integrityLines.map { "  " + $0 })
        out.append("")
        out.append("Assets by owner")
        out.append(TextTable(headers: CatalogReport.ownerHeaders, rows: ownerRows).text())
        out.append("")
        out.append("External libraries")
        if libraries.isEmpty {
            out.append("  none")
        } else {
            out.append(TextTable(headers: ["LIBRARY", "ASSETS", "IMPORT PATHS", "EXCLUSIONS"], rows: libraries.map {
                [$0.name + ($0.deleted ? " (deleted)" : ""), "\($0.assets)", $0.importPaths.joined(separator: ", "),
                 $0.exclusionPatterns.joined(separator: " ")]
            }).text())
        }
        if !mountChecks.isEmpty {
            out.append("")
            out.append("Mount checks Immich will demand (.immich markers): " +
                mountChecks.filter(\.value).keys.sorted().joined(separator: ", "))
        }
        out.append("")
        out.append(FindingsRenderer.text(findings, color: color))
        return out.joined(separator: "\n") + "\n"
    }

    private func markdown() -> String {
        var out = ["# Dump `\((dump.file as NSString).lastPathComponent)`", ""]
        out.append(TextTable(headers: ["", ""], rows: summaryRows.map { [$0.0, $0.1] }).markdown())
        out.append("")
        out.append("## Counts")
        out.append("")
        out.append(TextTable(headers: ["what", "count"], rows: countRows.map { [$0.0, "\($0.1)"] }
            + [["video length", videoLength]]).markdown())
        out.append("")
        out.append("## Immich's own integrity check")
        out.append("")
        out.append(contentsOf: integrityLines)
        out.append("")
        out.append("## Assets by owner")
        out.append("")
        out.append(TextTable(headers: CatalogReport.ownerHeaders.map { $0.capitalized }, rows: ownerRows).markdown())
        out.append("")
        out.append("## External libraries")
        out.append("")
        if libraries.isEmpty {
            out.append("None.")
        } else {
            out.append(TextTable(headers: ["Library", "Assets", "Import paths", "Exclusions"], rows: libraries.map {
                [$0.name, "\($0.assets)", $0.importPaths.map { "`\($0)`" }.joined(separator: ", "),
                 $0.exclusionPatterns.map { "`\($0)`" }.joined(separator: " ")]
            }).markdown())
        }
        out.append("")
        out.append(FindingsRenderer.markdown(findings))
        return out.joined(separator: "\n") + "\n"
    }
}

