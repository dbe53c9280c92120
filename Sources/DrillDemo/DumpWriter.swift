// Writes a database dump from a template and rows: the template's text as it is, its COPY blocks filled with the
// rows given for each table (in the template's column order, COPY-escaped), and every column the rows leave out
// given a value its declaration allows (NULL when nullable, else its default, else a value of its type).

import DrillSnapshots
import DrillArchive
import Foundation

/// A value for one COPY field.
package enum CopyValue: Sendable, Equatable {
    case null
    case text(String)
    case bool(Bool)
    case int(Int64)
    case uuid(UUID16)
    /// Seconds since 1970, written in UTC.
    case timestamp(Double)
    case bytea([UInt8])
    case textArray([String?])
    /// JSON text for `jsonb` columns.
    case json(String)

    /// The field as the text COPY format writes it.
    package var copyText: String {
        switch self {
        case .null: return "\\N"
        case .text(let s), .json(let s): return CopyValue.escape(s)
        case .bool(let b): return b ? "t" : "f"
        case .int(let i): return String(i)
        case .uuid(let u): return u.description
        case .timestamp(let t): return CopyValue.timestampText(t)
        case .bytea(let bytes): return "\\\\x" + CopyValue.hex(bytes)
        case .textArray(let items):
            let inner = items.map { item -> String in
                guard let item else { return "NULL" }
                let needsQuotes = item.isEmpty || item.uppercased() == "NULL" ||
                    item.contains { "{},\" \\\t\n".contains($0) }
                guard needsQuotes else { return item }
                return "\"" + item.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            return CopyValue.escape("{" + inner.joined(separator: ",") + "}")
        }
    }

    /// Appends the field as the text COPY format writes it (what `copyText` is, without a String per field).
    func appendCopyText(to out: inout [UInt8]) {
        switch self {
        case .null: out += [0x5C, 0x4E]
        case .text(let s), .json(let s): out += CopyValue.escape(s).utf8  // s itself when nothing needs escaping
        case .bool(let b): out.append(b ? 0x74 : 0x66)
        case .int(let i): out += String(i).utf8
        case .uuid(let u): u.appendText(to: &out)
        case .bytea(let bytes):
            out += [0x5C, 0x5C, 0x78]
            for byte in bytes {
                out.append(CopyValue.hexDigits[Int(byte >> 4)])
                out.append(CopyValue.hexDigits[Int(byte & 0xF)])
            }
        case .timestamp(let t): CopyValue.appendTimestamp(t, to: &out)
        case .textArray: out += copyText.utf8
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of bytes.
    static func hex(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            for (i, byte) in bytes.enumerated() {
                buffer[2 * i] = hexDigits[Int(byte >> 4)]
                buffer[2 * i + 1] = hexDigits[Int(byte & 0xF)]
            }
            return bytes.count * 2
        }
    }

    /// COPY's escapes for text: backslash, tab, newline, carriage return.
    static func escape(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// `2024-07-01 12:00:00.123456+00`, as PostgreSQL prints a timestamptz in UTC.
    static func timestampText(_ seconds: Double) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        appendTimestamp(seconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `timestampText(seconds)`.
    static func appendTimestamp(_ seconds: Double, to bytes: inout [UInt8]) {
        let whole = Int(seconds.rounded(.down))
        var micros = Int(((seconds - Double(whole)) * 1_000_000).rounded())
        var s = whole
        if micros >= 1_000_000 { s += 1; micros -= 1_000_000 }
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let rest = s - days * 86_400
        let (y, m, d) = civil(days)
        func put(_ value: Int, _ width: Int) {
            let start = bytes.count
            var v = value
            for _ in 0..<width {
                bytes.append(UInt8(0x30 + v % 10))
                v /= 10
            }
            bytes[start...].reverse()
        }
        put(y, 4); bytes.append(0x2D); put(m, 2); bytes.append(0x2D); put(d, 2); bytes.append(0x20)
        put(rest / 3600, 2); bytes.append(0x3A); put(rest % 3600 / 60, 2); bytes.append(0x3A); put(rest % 60, 2)
        if micros > 0 {
            bytes.append(0x2E)
            var fraction = micros
            var width = 6
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            put(fraction, width)
        }
        bytes += [0x2B, 0x30, 0x30]
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// One row: column name → value; columns not named get a value their declaration allows.
package typealias DumpRow = [String: CopyValue]

/// Produces a table's rows one at a time, so a dump of millions of rows is never held in memory.
package typealias RowSource = (_ emit: (DumpRow) throws -> Void) throws -> Void

/// Writes dumps from a template.
package struct DumpWriter {
    /// What a column a row leaves out is written as.
    enum Filler {
        case constant([UInt8])
        case now
        case freshUUID
        /// No value the declaration allows: an error if a row leaves the column out.
        case unavailable(DrillError)
    }

    package var template: DumpTemplate
    /// The PostgreSQL server the dump claims to come from, e.g. `14.17 (Debian 14.17-1.pgdg120+1)`.
    package var serverVersion: String
    /// Whether the `\restrict` lines of recent PostgreSQL minors are written (and with which key).
    package var restrictKey: String?

    package init(template: DumpTemplate, serverVersion: String, restrictKey: String?) {
        self.template = template
        self.serverVersion = serverVersion
        self.restrictKey = restrictKey
    }

    /// Writes the dump; `rows` maps table names (as the era names them) to rows, `now` is the time written in
    /// columns that default to now(), `uuid` makes ids for columns that default to a new UUID.
    public func write(to path: String, compression: CompressedFileWriter.Compression, rows: [String: [DumpRow]],
                      now: Double, uuid: () -> UUID16) throws {
        try write(to: path, compression: compression,
                  sources: rows.mapValues { list in { emit in for row in list { try emit(row) } } }, now: now, uuid: uuid)
    }

    /// Writes the dump, each table's rows produced by its source as they are written.
    public func write(to path: String, compression: CompressedFileWriter.Compression, sources rows: [String: RowSource],
                      now: Double, uuid: () -> UUID16) throws {
        let out: CompressedFileWriter
        do {
            out = try CompressedFileWriter(path: path, compression: compression)
        } catch let error as ArchiveError {
            throw DrillError(.environment, file: path, "cannot write the dump", cause: error.message)
        }
        for table in rows.keys where template.tables[table] == nil {
            throw DrillError(.input, file: path, "the \(template.era) template has no table \(table)")
        }
        do {
            for segment in template.segments {
                switch segment {
                case .text(let text):
                    try out.write(rewrite(text))
                case .copy(let header, let table, let columns, let templateRows):
                    try out.write(header + "\n")
                    if let source = rows[table] {
                        // What each column gets when a row leaves it out, worked out once per table.
                        let declared = Dictionary(uniqueKeysWithValues: (template.tables[table] ?? []).map { ($0.name, $0) })
                        let fillers = columns.map { name -> Filler in
                            do {
                                switch try DumpWriter.filler(declared[name], table: table, now: now, uuid: { .zero }) {
                                case .uuid: return .freshUUID
                                case .timestamp: return .now
                                case let value: return .constant(Array(value.copyText.utf8))
                                }
                            } catch let error as DrillError {
                                return .unavailable(error)
                            } catch {
                                return .unavailable(DrillError(.input, "\(error)"))
                            }
                        }
                        let nowText = Array(CopyValue.timestamp(now).copyText.utf8)
                        var line: [UInt8] = []
                        line.reserveCapacity(1024)
                        try source { row in
                            line.removeAll(keepingCapacity: true)
                            for (i, name) in columns.enumerated() {
                                if i > 0 { line.append(0x09) }
                                if let value = row[name] {
                                    value.appendCopyText(to: &line)
                                } else {
                                    switch fillers[i] {
                                    case .constant(let text): line += text
                                    case .now: line += nowText
                                    case .freshUUID: uuid().appendText(to: &line)
                                    case .unavailable(let error): throw error
                                    }
                                }
                            }
                            line.append(0x0A)
                            try out.write(bytes: line)
                        }
                    } else {
                        for row in templateRows { try out.write(row + "\n") }
                    }
                    try out.write("\\.\n")
                }
            }
            try out.close()
        } catch let error as ArchiveError {
            throw DrillError(.environment, file: path, "cannot write the dump", cause: error.message)
        }
    }

    /// Applies the server version and the `\restrict` choice to template text.
    func rewrite(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines = lines.compactMap { line in
            if line.hasPrefix("\\restrict ") { return restrictKey.map { "\\restrict " + $0 } }
            if line.hasPrefix("\\unrestrict ") { return restrictKey.map { "\\unrestrict " + $0 } }
            if line.hasPrefix("-- Dumped from database version ") { return "-- Dumped from database version " + serverVersion }
            if line.hasPrefix("-- Dumped by pg_dump version ") { return "-- Dumped by pg_dump version " + serverVersion }
            if line.hasPrefix("-- Dumped by pg_dumpall version ") { return "-- Dumped by pg_dumpall version " + serverVersion }
            return line
        }
        return lines.joined(separator: "\n")
    }

    /// A value a column's declaration allows, for columns the rows leave out.
    static func filler(_ column: TemplateColumn?, table: String, now: Double, uuid: () -> UUID16) throws -> CopyValue {
        guard let column, column.notNull else { return .null }
        if let expression = column.defaultExpression {
            if expression == "true" { return .bool(true) }
            if expression == "false" { return .bool(false) }
            if let number = Int64(expression) { return .int(number) }
            if expression.contains("uuid") { return .uuid(uuid()) }
            if expression.contains("now()") || expression.contains("clock_timestamp") ||
                expression.contains("CURRENT_TIMESTAMP") {
                return .timestamp(now)
            }
            if expression.hasPrefix("'"), let close = expression.dropFirst().firstIndex(of: "'") {
                let literal = String(expression[expression.index(after: expression.startIndex)..<close])
                return column.type.hasSuffix("[]") ? .textArray([]) : .text(literal)
            }
        }
        switch column.type {
        case "uuid": return .uuid(uuid())
        case "timestamp with time zone", "timestamp without time zone", "date": return .timestamp(now)
        case "boolean": return .bool(false)
        case "integer", "bigint", "smallint", "double precision", "real", "numeric": return .int(0)
        case "character varying", "text": return .text("")
        case "jsonb", "json": return .json("{}")
        case "bytea": return .bytea([])
        default:
            if column.type.hasSuffix("[]") { return .textArray([]) }
            throw DrillError(.input, "the demo has no value for \(table).\(column.name) (\(column.type), NOT NULL, no default)")
        }
    }
}
