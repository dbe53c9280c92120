// The dump templates: the exact text real pg_dump / pg_dumpall write for an empty Immich database of each era
// (DumpTemplate+V1/V2/V3.swift, made by scripts/make-demo-templates from Immich's own schemas). A template is split
// into its text and its COPY blocks; the demo writes the text as it is and fills the blocks with its rows, so a
// demo dump is byte-for-byte what the real tools would write for that data. The CREATE TABLE statements give each
// column's type, NOT NULL and default, so columns the demo does not care about still get valid values.

import DrillSnapshots
import Foundation

/// A column of a table, as the template's DDL declares it.
package struct TemplateColumn: Sendable, Equatable {
    public var name: String
    /// The SQL type (`uuid`, `character varying`, `public.assets_status_enum`, `text[]`…).
    public var type: String
    public var notNull: Bool
    /// The DEFAULT expression, if any (`false`, `now()`, `'active'::public.assets_status_enum`…).
    package var defaultExpression: String?
}

/// One era's dump template.
public struct DumpTemplate: Sendable {
    /// The Immich release whose dump format and layout the demo writes.
    public enum Era: String, Sendable, CaseIterable, Codable {
        /// v1.135.3 names, relative paths, pg_dumpall cluster dumps (Immich up to v2.4).
        case v1
        /// v2.7.5 names, absolute /data paths, pg_dump single-database dumps (v2.5+).
        case v2
        /// v3.1.0: album owners in `album_user`, `duration` in milliseconds, edits and their `_edited` renditions,
        /// Immich's integrity report, and a dump that creates `vector` and `vchord`.
        case v3

        /// The Immich release the era's demo is.
        public var release: String {
            switch self {
            case .v1: "1.135.3"
            case .v2: "2.7.5"
            case .v3: "3.1.0"
            }
        }
    }

    enum Segment: Sendable {
        case text(String)
        /// A COPY block: its header line, the table, its columns, and the rows the template already holds.
        case copy(header: String, table: String, columns: [String], rows: [String])
    }

    public let era: Era
    let segments: [Segment]
    /// Tables of Immich's database by name, with their columns in COPY order.
    package let tables: [String: [TemplateColumn]]

    /// The template of `era`.
    public static func of(_ era: Era) -> DumpTemplate {
        switch era {
        case .v1: v1
        case .v2: v2
        case .v3: v3
        }
    }

    static let v1 = DumpTemplate(era: .v1, text: textV1)
    static let v2 = DumpTemplate(era: .v2, text: textV2)
    static let v3 = DumpTemplate(era: .v3, text: textV3)

    init(era: Era, text: String) {
        self.era = era
        var segments: [Segment] = []
        var tables: [String: [TemplateColumn]] = [:]
        var buffer: [Substring] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        if lines.last == "" { lines = lines.dropLast() }
        var inImmich = era != .v1
        var createTable: (name: String, columns: [TemplateColumn])?
        while let line = lines.popFirst() {
            if line.hasPrefix("\\connect ") { inImmich = DumpReader.connectTarget(String(line)) == "immich" }
            if let table = createTable {
                if line == ");" {
                    tables[table.name] = table.columns
                    createTable = nil
                } else if let column = DumpTemplate.parseColumn(line) {
                    createTable?.columns.append(column)
                }
            } else if inImmich, line.hasPrefix("CREATE TABLE public."), line.hasSuffix(" (") {
                let name = line.dropFirst("CREATE TABLE public.".count).dropLast(2)
                createTable = (DumpTemplate.unquote(String(name)), [])
            }
            if inImmich, line.hasPrefix("COPY "), let header = DumpReader.parseCopyHeader(String(line)) {
                segments.append(.text(buffer.joined(separator: "\n") + "\n"))
                buffer = []
                var rows: [String] = []
                while let row = lines.popFirst(), row != "\\." { rows.append(String(row)) }
                segments.append(.copy(header: String(line), table: header.table, columns: header.columns, rows: rows))
                continue
            }
            buffer.append(line)
        }
        segments.append(.text(buffer.joined(separator: "\n") + "\n"))
        self.segments = segments
        self.tables = tables
    }

    static func unquote(_ name: String) -> String {
        name.hasPrefix("\"") && name.hasSuffix("\"") ? String(name.dropFirst().dropLast()) : name
    }

    /// `    "deviceAssetId" character varying DEFAULT ''::character varying NOT NULL,`
    static func parseColumn(_ line: Substring) -> TemplateColumn? {
        var text = line.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix(",") { text.removeLast() }
        guard let identifier = DumpReader.identifier(Substring(text)) else { return nil }
        var rest = identifier.rest.trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("CONSTRAINT") { return nil }
        var notNull = false
        if rest.hasSuffix(" NOT NULL") {
            notNull = true
            rest = String(rest.dropLast(" NOT NULL".count))
        }
        var defaultExpression: String?
        if let range = rest.range(of: " DEFAULT ") {
            defaultExpression = String(rest[range.upperBound...])
            rest = String(rest[..<range.lowerBound])
        }
        return TemplateColumn(name: identifier.name, type: rest, notNull: notNull, defaultExpression: defaultExpression)
    }
}
