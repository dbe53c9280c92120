// Streams a plain-text PostgreSQL dump (pg_dump or pg_dumpall output, compressed or not) line by line and hands the
// rows of the COPY blocks a caller asks for to that caller. Everything else is skipped without being decoded: the
// tables that make a dump large (smart_search, face_search, geodata) cost one memchr per line.
//
// It knows the two layouts Immich has used (IMMICH.md §2, §9): a cluster dump (`-- PostgreSQL database cluster
// dump`, roles, then one section per database after `\connect <db>`) and a single-database dump (`-- PostgreSQL
// database dump`). In a cluster dump only the section of the named database is read. A dump is complete only when
// the stream was read to its end and the trailers are there; a cut stream or a missing trailer is an answer
// (`complete == false` with the reason), damaged data is an error.

import DrillDeployment
import DrillArchive
import Foundation

/// Which tool wrote the dump.
package enum DumpFormat: String, Sendable, Codable {
    /// `pg_dumpall`: the whole cluster (Immich up to v2.4.x).
    case cluster
    /// `pg_dump`: one database (Immich from v2.5.0, and most hand-made dumps).
    case database
}

/// What the stream itself said about the dump.
package struct DumpContent: Sendable, Equatable, Codable {
    public var format: DumpFormat
    package var compression: String
    /// The server version, `-- Dumped from database version 14.17 (…)` → `14.17`.
    package var postgresVersion: String?
    /// The client that wrote it, `-- Dumped by pg_dump version 15.18` → `15.18`.
    package var dumpToolVersion: String?
    /// The databases a cluster dump holds.
    package var databases: [String]
    /// The database whose section was read.
    public var database: String
    public var complete: Bool
    /// Why the dump is not complete.
    package var incompleteReason: String?
    public var lines: Int64
    package var uncompressedBytes: Int64
    package var compressedBytes: Int64
    /// The extensions the Immich database's section creates (`CREATE EXTENSION`), in order; nil in reports written
    /// before it was read.
    package var extensions: [String]? = nil
}

/// Receives the rows of one COPY block.
package protocol CopySink: AnyObject {
    /// One row, split into fields. `line` is the row's line number in the uncompressed dump.
    func row(_ row: CopyRow, line: Int64) throws
}

/// Reads a dump and feeds COPY rows to sinks.
package struct DumpReader {
    public var path: String
    /// The Immich database in a cluster dump (DB_DATABASE_NAME, default `immich`).
    public var databaseName: String

    /// The longest line of SQL held in memory (COPY data of skipped tables is streamed, whatever its length).
    package static let maxLine = 64 << 20

    package init(path: String, databaseName: String = "immich") {
        self.path = path
        self.databaseName = databaseName
    }

    /// Reads the whole dump. `sink` is asked, for each COPY block of the Immich database, for a sink (nil skips the
    /// block); `table` is the unqualified, unquoted name and `columns` the column names in COPY order.
    public func read(sink: (_ table: String, _ columns: [String], _ line: Int64) throws -> CopySink?) throws
        -> DumpContent {
        let stream: CompressedStream
        do {
            stream = try CompressedStream(path: path)
        } catch let error as ArchiveError where error.kind == .truncated {
            throw DrillError(.input, file: path,
                             "the dump is cut short before its first line of SQL could be read (\(error.message)); restore from another backup")
        } catch let error as ArchiveError {
            throw DumpReader.drillError(error, path: path)
        }

        var state = State(databaseName: databaseName)
        var splitter = LineSplitter(maxLine: DumpReader.maxLine)
        var truncation: String?
        var firstBlock = true
        do {
            try stream.forEachBlockConcurrently { block in
                if firstBlock {
                    firstBlock = false
                    if block.starts(with: Array("PGDMP".utf8)) {
                        throw DrillError(.input, file: path,
                                         "this is a pg_dump custom-format archive, not the plain SQL Immich writes; convert it with `pg_restore -f dump.sql \(path)`")
                    }
                }
                // A row of a table the catalog skips may be any length: it streams by, never held.
                return try splitter.feed(block, mayDrop: { state.inCopy && state.copySink == nil },
                                         dropped: { state.lineNumber += 1 }) { line in
                    try state.consume(line, path: path, sink: sink)
                    return true
                }
            }
        } catch let error as LineSplitter.LineTooLong {
            throw DrillError(.input, file: path, line: Int(error.line),
                             "line \(error.line) is longer than \(ByteText.format(Int64(error.limit))) with no end of line; a dump line the catalog reads may be at most that long. This is not a PostgreSQL dump, or it is damaged")
        } catch let error as ArchiveError {
            if error.kind == .truncated {
                truncation = "the \(stream.compression) stream ends early (\(error.message)) after \(error.offset ?? stream.bytesRead) bytes"
            } else {
                throw DumpReader.drillError(error, path: path)
            }
        }
        if truncation == nil, splitter.hasPartialLine {
            // pg_dump ends every line with a newline: a last line without one was cut. It is not read.
            truncation = state.inCopy
                ? "the file ends in the middle of a row of table \(state.copyTable ?? "?")"
                : "the file ends in the middle of line \(state.lineNumber + 1)"
        }
        guard let format = state.format else {
            if state.lineNumber == 0 && truncation == nil {
                throw DrillError(.input, file: path, "the file is empty; expected a PostgreSQL dump")
            }
            throw DrillError(.input, file: path,
                             "not a PostgreSQL dump: expected '-- PostgreSQL database dump' or '-- PostgreSQL database cluster dump' in the first lines\(truncation.map { " (\($0))" } ?? "")")
        }
        if format == .cluster && !state.sawTargetDatabase && truncation == nil && state.clusterTrailer {
            throw DrillError(.input, file: path,
                             "this cluster dump has no database '\(databaseName)'; it holds \(state.databases.isEmpty ? "no database" : state.databases.joined(separator: ", ")). Set DB_DATABASE_NAME (or --database) to Immich's database")
        }

        var reason = truncation
        if reason == nil {
            if state.inCopy {
                reason = "the dump ends inside the data of table \(state.copyTable ?? "?") (no \\. line)"
            } else if format == .cluster && !state.clusterTrailer {
                reason = "the '-- PostgreSQL database cluster dump complete' trailer is missing: pg_dumpall did not finish"
            } else if format == .database && state.bodyTrailers == 0 {
                reason = "the '-- PostgreSQL database dump complete' trailer is missing: pg_dump did not finish"
            } else if format == .cluster && state.sawTargetDatabase && !state.targetTrailer {
                reason = "the section of database '\(databaseName)' has no '-- PostgreSQL database dump complete' trailer"
            }
        }
        if state.sawInserts && state.copyBlocks == 0 {
            throw DrillError(.input, file: path,
                             "the table data is written as INSERT statements (pg_dump --inserts); immich-drill reads the COPY format Immich's own dumps use. Dump again without --inserts")
        }
        return DumpContent(format: format, compression: stream.compression, postgresVersion: state.serverVersion,
                           dumpToolVersion: state.toolVersion, databases: state.databases,
                           database: databaseName, complete: reason == nil, incompleteReason: reason,
                           lines: state.lineNumber, uncompressedBytes: stream.bytesRead,
                           compressedBytes: stream.compressedBytesRead, extensions: state.extensions)
    }

    static func drillError(_ error: ArchiveError, path: String) -> DrillError {
        switch error.kind {
        case .open:
            return DrillError(.input, file: path, "cannot open the dump", cause: error.message)
        default:
            return DrillError(.input, file: path,
                              "the dump is damaged\(error.offset.map { " after \($0) uncompressed bytes" } ?? ""): \(error.message); restore from another backup")
        }
    }

    /// The line-by-line state machine.
    struct State {
        let databaseName: String
        var format: DumpFormat?
        var lineNumber: Int64 = 0
        var serverVersion: String?
        var toolVersion: String?
        var databases: [String] = []
        var currentDatabase: String?
        var sawTargetDatabase = false
        var targetTrailer = false
        var bodyTrailers = 0
        var clusterTrailer = false
        var inCopy = false
        var copyTable: String?
        var copySink: CopySink?
        /// Table data as INSERT statements (`pg_dump --inserts`), which the catalog does not read.
        var sawInserts = false
        var copyBlocks = 0
        var extensions: [String] = []
        let row = CopyRow()

        init(databaseName: String) { self.databaseName = databaseName }

        var inTarget: Bool { format == .database || currentDatabase == databaseName }

        mutating func consume(_ crlfLine: UnsafeRawBufferPointer, path: String,
                              sink: (String, [String], Int64) throws -> CopySink?) throws {
            lineNumber += 1
            // A dump saved with Windows line ends: psql (and COPY) read `\r\n` as a line end, and so does this.
            let line = crlfLine.last == 0x0D ? UnsafeRawBufferPointer(rebasing: crlfLine.dropLast()) : crlfLine
            if inCopy {
                if line.count == 2, line[0] == 0x5C, line[1] == 0x2E { // `\.`
                    inCopy = false
                    copySink = nil
                    copyTable = nil
                    return
                }
                if let copySink {
                    row.split(line)
                    try copySink.row(row, line: lineNumber)
                }
                return
            }
            guard let first = line.first else { return }
            if first == UInt8(ascii: "-") {
                comment(line, path: path)
                return
            }
            if format == nil {
                if lineNumber > 64 { throw DrillError(.input, file: path, line: Int(lineNumber),
                                                      "not a PostgreSQL dump: no '-- PostgreSQL database dump' header in the first 64 lines") }
                return
            }
            if first == UInt8(ascii: "C"), line.starts(with: DumpReader.copyPrefix) {
                try beginCopy(line, path: path, sink: sink)
                return
            }
            if first == UInt8(ascii: "C"), inTarget, extensions.count < 32, line.starts(with: DumpReader.extensionPrefix) {
                // `CREATE EXTENSION IF NOT EXISTS vectors WITH SCHEMA vectors;`, `… "uuid-ossp";`
                var words = String(decoding: line, as: UTF8.self).split(separator: " ").dropFirst(2)
                if words.first?.uppercased() == "IF" { words = words.dropFirst(3) }
                if var name = words.first.map(String.init) {
                    if name.hasSuffix(";") { name.removeLast() }
                    name = name.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if !name.isEmpty, !extensions.contains(name) { extensions.append(name) }
                }
                return
            }
            if first == UInt8(ascii: "I"), !sawInserts, line.starts(with: DumpReader.insertPrefix) {
                sawInserts = true
                return
            }
            if first == 0x5C, line.starts(with: DumpReader.connectPrefix) {
                currentDatabase = DumpReader.connectTarget(String(decoding: line, as: UTF8.self))
                if currentDatabase == databaseName { sawTargetDatabase = true }
                return
            }
        }

        private mutating func comment(_ line: UnsafeRawBufferPointer, path: String) {
            guard line.count > 3, line[1] == UInt8(ascii: "-") else { return }
            let text = String(decoding: line, as: UTF8.self)
            if format == nil {
                if text == "-- PostgreSQL database cluster dump" {
                    format = .cluster
                } else if text == "-- PostgreSQL database dump" {
                    format = .database
                }
                return
            }
            if text == "-- PostgreSQL database dump complete" {
                bodyTrailers += 1
                if inTarget { targetTrailer = true }
            } else if text == "-- PostgreSQL database cluster dump complete" {
                clusterTrailer = true
            } else if text.hasPrefix("-- Dumped from database version ") {
                if serverVersion == nil {
                    serverVersion = DumpReader.firstWord(text.dropFirst("-- Dumped from database version ".count))
                }
            } else if text.hasPrefix("-- Dumped by pg_dump version ") || text.hasPrefix("-- Dumped by pg_dumpall version ") {
                if toolVersion == nil, let range = text.range(of: "version ") {
                    toolVersion = DumpReader.firstWord(text[range.upperBound...])
                }
            } else if text.hasPrefix("-- Database \""), text.hasSuffix("\" dump") {
                let name = String(text.dropFirst("-- Database \"".count).dropLast("\" dump".count))
                if !databases.contains(name) { databases.append(name) }
            }
        }

        private mutating func beginCopy(_ line: UnsafeRawBufferPointer, path: String,
                                        sink: (String, [String], Int64) throws -> CopySink?) throws {
            let text = String(decoding: line, as: UTF8.self)
            guard let header = DumpReader.parseCopyHeader(text) else {
                throw DrillError(.input, file: path, line: Int(lineNumber),
                                 "cannot read this COPY line; expected COPY schema.table (columns) FROM stdin;")
            }
            inCopy = true
            copyBlocks += 1
            copyTable = header.table
            copySink = inTarget ? try sink(header.table, header.columns, lineNumber) : nil
        }
    }

    static let copyPrefix = Array("COPY ".utf8)
    static let extensionPrefix = Array("CREATE EXTENSION ".utf8)
    static let connectPrefix = Array("\\connect ".utf8)
    static let insertPrefix = Array("INSERT INTO ".utf8)

    static func firstWord<S: StringProtocol>(_ text: S) -> String {
        String(text.split(separator: " ").first ?? "")
    }

    /// The database a `\connect` line switches to: `\connect immich`, `\connect "My DB"`,
    /// `\connect -reuse-previous=on "dbname='immich'"`.
    package static func connectTarget(_ line: String) -> String? {
        var rest = Substring(line.dropFirst("\\connect ".count))
        if let range = rest.range(of: "dbname='") {
            let after = rest[range.upperBound...]
            var name = ""
            var i = after.startIndex
            while i < after.endIndex {
                let c = after[i]
                if c == "'" {
                    let next = after.index(after: i)
                    if next < after.endIndex, after[next] == "'" {
                        name.append("'")
                        i = after.index(after: next)
                        continue
                    }
                    break
                }
                if c == "\\", after.index(after: i) < after.endIndex {
                    i = after.index(after: i)
                    name.append(after[i])
                    i = after.index(after: i)
                    continue
                }
                name.append(c)
                i = after.index(after: i)
            }
            return name
        }
        while rest.hasPrefix("-") {
            // Options such as -reuse-previous=on come before the name.
            guard let space = rest.firstIndex(of: " ") else { return nil }
            rest = rest[rest.index(after: space)...]
        }
        if rest.hasPrefix("\"") {
            return identifier(rest).map(\.name)
        }
        return firstWord(rest)
    }

    /// `COPY public."user" (id, "deviceAssetId", …) FROM stdin;` → ("user", ["id", "deviceAssetId", …]).
    package static func parseCopyHeader(_ line: String) -> (table: String, columns: [String])? {
        var rest = Substring(line.dropFirst(5))
        guard let first = identifier(rest) else { return nil }
        var table = first.name
        rest = first.rest
        if rest.hasPrefix(".") {
            guard let second = identifier(rest.dropFirst()) else { return nil }
            table = second.name
            rest = second.rest
        }
        rest = rest.drop { $0 == " " }
        var columns: [String] = []
        if rest.hasPrefix("(") {
            rest = rest.dropFirst()
            while true {
                rest = rest.drop { $0 == " " }
                guard let column = identifier(rest) else { return nil }
                columns.append(column.name)
                rest = column.rest.drop { $0 == " " }
                if rest.hasPrefix(",") {
                    rest = rest.dropFirst()
                } else if rest.hasPrefix(")") {
                    rest = rest.dropFirst()
                    break
                } else {
                    return nil
                }
            }
        }
        guard rest.trimmingCharacters(in: .whitespaces).hasPrefix("FROM stdin") else { return nil }
        return (table, columns)
    }

    /// One SQL identifier, quoted (`"a""b"`) or not, and what follows it.
    package static func identifier(_ text: Substring) -> (name: String, rest: Substring)? {
        if text.hasPrefix("\"") {
            var name = ""
            var i = text.index(after: text.startIndex)
            while i < text.endIndex {
                if text[i] == "\"" {
                    let next = text.index(after: i)
                    if next < text.endIndex, text[next] == "\"" {
                        name.append("\"")
                        i = text.index(after: next)
                        continue
                    }
                    return (name, text[next...])
                }
                name.append(text[i])
                i = text.index(after: i)
            }
            return nil
        }
        let end = text.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") } ?? text.endIndex
        guard end > text.startIndex else { return nil }
        return (String(text[..<end]), text[end...])
    }
}
