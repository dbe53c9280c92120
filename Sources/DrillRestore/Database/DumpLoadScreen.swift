// The dump's SQL on its way into psql: screened, because a backup is hostile input and psql runs what it is fed, and
// rewritten the one documented way. Line for line, so psql's `<stdin>:N` is the dump's line N.
//
// Screened (the load stops before the line reaches psql, `unsafe-dump-command`):
//   - psql meta-commands. pg_dump and pg_dumpall write only `\connect <db>`, `\restrict <key>`, `\unrestrict <key>`
//     (at the start of a line) and the `\.` that ends COPY data; any other backslash command outside quotes and
//     comments (`\!` runs a shell, `\o`, `\w`, `\copy` write files, `\i` reads them) is refused, and so is a
//     `\connect` to anything but a plain database name (`\connect host=…` would reach another server).
//   - SQL that reaches outside the database: COPY other than `FROM stdin` (`TO PROGRAM`, server files), functions in
//     languages other than sql/plpgsql, extensions Immich never creates, ALTER SYSTEM, LOAD, foreign servers,
//     subscriptions, *_preload_libraries, and the server's file and large-object functions — also inside function
//     bodies and other literals.
//   - A COPY that psql could read differently: a `COPY … FROM stdin;` must end its line, and a cluster dump's
//     preamble (loaded without ON_ERROR_STOP, as Immich documents) holds no COPY at all. From the first `\connect`
//     on, ON_ERROR_STOP is set, so the rows of a COPY that failed are never read as SQL.
// Rewritten:
//   - the documented `search_path` line (the `sed` of Immich's restore instructions);
//   - extensions this PostgreSQL lacks among vector, vchord and vectors (pgvecto.rs): `CREATE EXTENSION` and
//     `COMMENT ON EXTENSION` become comments, their indexes (vchordrq, hnsw/ivfflat on vector operators, vectors'
//     own) become comments, and `vector(N)` columns become `text`, so the embedding rows load as text, unsearchable.

import Foundation

/// Screens and rewrites the SQL of one dump, line by line.
package struct DumpLoadScreen {
    /// The extensions the stream may stand in for when this PostgreSQL lacks them: Immich's vector extensions.
    package static let shimmable: Set<String> = ["vector", "vchord", "vectors"]
    /// The extensions Immich's releases create.
    package static let immichExtensions: Set<String> = ["cube", "earthdistance", "pg_trgm", "unaccent", "uuid-ossp",
                                                          "vector", "vchord", "vectors", "plpgsql"]

    /// Why a line was not fed to psql.
    package struct Refusal: Sendable, Equatable, Codable {
        package var line: Int64
        package var reason: String
        /// The start of the statement or command, shown with escapes.
        package var excerpt: String
    }

    /// A rewrite the stream made.
    package struct Shim: Sendable, Equatable, Codable {
        package var line: Int64
        package var what: String
    }

    /// A COPY block: the table and the lines of its statement and its `\.`.
    package struct CopyBlock: Sendable, Equatable {
        package var table: String
        package var startLine: Int64
        package var endLine: Int64
        package var rows: Int64
    }

    /// A cluster dump (pg_dumpall): `\connect` is expected and the preamble loads without ON_ERROR_STOP.
    let cluster: Bool
    /// The extensions installed on the PostgreSQL the dump loads into.
    let available: Set<String>

    /// The locales this machine has (`locale -a`), lower-cased without dashes (`en_us.utf8`).
    let locales: Set<String>

    package init(cluster: Bool, available: Set<String>, locales: Set<String> = ["c", "posix", "c.utf8"]) {
        self.cluster = cluster
        self.available = available
        self.locales = locales
    }

    /// `en_US.UTF-8` → `en_us.utf8`, as `locale -a` lists it.
    package static func localeKey(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "-", with: "") }

    // Results.
    package private(set) var line: Int64 = 0
    package private(set) var extensions: [String] = []
    package private(set) var shims: [Shim] = []
    /// Extensions the dump creates that neither this PostgreSQL has nor the stream can stand in for.
    package private(set) var unavailable: [String] = []
    package private(set) var refusal: Refusal?
    package private(set) var copyBlocks: [CopyBlock] = []
    package private(set) var rows: Int64 = 0
    /// True once a cluster dump's first `\connect` set ON_ERROR_STOP.
    package var connected: Bool { connectLine != nil }
    /// The database the last `\connect` named.
    package private(set) var database: String?

    /// True while COPY data is being fed.
    package private(set) var inCopy = false

    // Lexer state, kept across lines.
    enum Lex: Equatable {
        case normal
        case single(backslashes: Bool)
        case double
        case dollar([UInt8])
        case block(Int)
    }
    var lex = Lex.normal
    /// Inside a statement a shim leaves out, past its first line: the quote it is in (0 for none).
    var skipping: UInt8?
    /// The current statement's code (outside literals and comments; quoted identifiers with their quotes), bounded.
    var code: [UInt8] = []
    /// The current statement's literal text, bounded, for the function and setting names that reach outside.
    var literals: [UInt8] = []
    var copyStart: (table: String, line: Int64)?
    var rowsAtCopyStart: Int64 = 0

    /// The longest statement screened in whole; pg_dump's statements for Immich are a few KiB.
    package static let maxStatement = 4 << 20

    // MARK: COPY data

    /// One line of COPY data (without its newline) has been fed. Returns true when it was the `\.` that ends it.
    package mutating func copyLine(isTerminator: Bool) -> Bool {
        line += 1
        if isTerminator {
            inCopy = false
            if let start = copyStart, copyBlocks.count < 100_000 {
                copyBlocks.append(CopyBlock(table: start.table, startLine: start.line, endLine: line, rows: rows - rowsAtCopyStart))
            }
            copyStart = nil
            return true
        }
        rows += 1
        return false
    }

    // MARK: SQL lines

    /// One line of SQL (without its newline): what to feed psql instead (the same line, or its rewrite), or nil when
    /// the load must stop here (`refusal` or `unavailable` says why).
    package mutating func sqlLine(_ bytes: [UInt8]) -> [UInt8]? {
        line += 1
        if let quote = skipping {
            // The rest of a statement a shim left out (a vchordrq index's options span lines): psql gets comments.
            skipping = DumpLoadScreen.skip(bytes, quote: quote)
            return Array("-- immich-drill: (continued) skipped".utf8)
        }
        var text = bytes
        if lex == .normal {
            if code.allSatisfy(DumpLoadScreen.isSpace) {
                if let rewritten = rewrite(bytes) { text = rewritten }
                if !unavailable.isEmpty { return nil }
            } else if let rewritten = vectorColumn(String(decoding: bytes, as: UTF8.self)) {
                // A column line inside CREATE TABLE.
                text = Array(rewritten.utf8)
            }
        }
        if !screen(text) { return nil }
        if stopFromHere {
            // The cluster dump's first `\connect`: from here on psql stops at the first error.
            stopFromHere = false
            return Array("\\set ON_ERROR_STOP on ".utf8) + text
        }
        return text
    }

    /// The documented rewrite and the extension shims, for a line that starts a statement.
    mutating func rewrite(_ bytes: [UInt8]) -> [UInt8]? {
        guard let first = bytes.first(where: { !DumpLoadScreen.isSpace($0) }) else { return nil }
        // Only lines starting with a letter are rewritten (SELECT, CREATE, COMMENT).
        guard (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A else { return nil }
        let s = String(decoding: bytes, as: UTF8.self)
        if s == "SELECT pg_catalog.set_config('search_path', '', false);" {
            addShim(Shim(line: line, what: "search_path set to 'public, pg_catalog' (Immich's documented restore)"))
            return Array("SELECT pg_catalog.set_config('search_path', 'public, pg_catalog', true);".utf8)
        }
        let words = s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        func upper(_ i: Int) -> String { i < words.count ? words[i].uppercased() : "" }
        if upper(0) == "CREATE", upper(1) == "DATABASE" {
            // pg_dumpall names the source's locale (en_US.utf8 in Immich's image); one this machine lacks is C here.
            var out = s
            var replaced: [String] = []
            for key in ["LOCALE", "LC_COLLATE", "LC_CTYPE"] {
                guard let r = out.range(of: " \(key) = '") else { continue }
                guard let end = out[r.upperBound...].firstIndex(of: "'") else { continue }
                let value = String(out[r.upperBound..<end])
                if !locales.contains(DumpLoadScreen.localeKey(value)) {
                    out.replaceSubrange(r.upperBound..<end, with: "C")
                    if !replaced.contains(value) { replaced.append(value) }
                }
            }
            guard !replaced.isEmpty else { return nil }
            addShim(Shim(line: line, what: "locale \(replaced.joined(separator: ", ")) not installed here: database created with locale C (text may sort differently)"))
            return Array(out.utf8)
        }
        if upper(0) == "CREATE", upper(1) == "EXTENSION" {
            var i = 2
            if upper(2) == "IF", upper(3) == "NOT", upper(4) == "EXISTS" { i = 5 }
            let name = DumpLoadScreen.unquote(i < words.count ? words[i] : "")
            if !extensions.contains(name) { extensions.append(name) }
            guard !available.contains(name) else { return nil }
            guard DumpLoadScreen.shimmable.contains(name) else {
                // Screening refuses names Immich never uses; a known one this machine lacks stops the load here.
                if DumpLoadScreen.immichExtensions.contains(name) { unavailable.append(name) }
                return nil
            }
            addShim(Shim(line: line, what: "extension \(name) not installed here: not created"))
            return Array("-- immich-drill: CREATE EXTENSION \(name) skipped (not installed on this PostgreSQL)".utf8)
        }
        if upper(0) == "COMMENT", upper(1) == "ON", upper(2) == "EXTENSION" {
            let name = DumpLoadScreen.unquote(words.count > 3 ? words[3] : "")
            if DumpLoadScreen.shimmable.contains(name), !available.contains(name) {
                return Array("-- immich-drill: COMMENT ON EXTENSION \(name) skipped".utf8)
            }
            return nil
        }
        if upper(0) == "CREATE", upper(1) == "INDEX" || (upper(1) == "UNIQUE" && upper(2) == "INDEX") {
            if let owner = vectorIndexOwner(s), !available.contains(owner) {
                let name = words.first { !["CREATE", "UNIQUE", "INDEX", "IF", "NOT", "EXISTS", "CONCURRENTLY"].contains($0.uppercased()) } ?? "?"
                addShim(Shim(line: line, what: "index \(DumpLoadScreen.unquote(name)) (\(owner)) not created"))
                skipping = DumpLoadScreen.skip(bytes, quote: 0)
                return Array("-- immich-drill: CREATE INDEX \(DumpLoadScreen.unquote(name).filter { $0.isLetter || $0.isNumber || $0 == "_" }) skipped (needs \(owner))".utf8)
            }
            return nil
        }
        // A column of a vector type whose extension is missing: `embedding public.vector(512) NOT NULL`.
        if let rewritten = vectorColumn(s) { return Array(rewritten.utf8) }
        return nil
    }

    /// Where a statement that is being left out stands after `bytes`: nil when it ended on this line, else the
    /// quote it is inside (`'` or `"`), or 0 outside quotes. Only quotes, `--` comments and `;` matter here: the
    /// statement is never run, so its end is all that must be found.
    static func skip(_ bytes: [UInt8], quote start: UInt8) -> UInt8? {
        var quote = start
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if quote != 0 {
                if c == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote { i += 1 } else { quote = 0 }
                }
            } else if c == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "-") {
                return 0
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                quote = c
            } else if c == UInt8(ascii: ";") {
                return nil
            }
            i += 1
        }
        return quote
    }

    /// The extension an index's access method or operator class belongs to.
    func vectorIndexOwner(_ s: String) -> String? {
        let lower = s.lowercased()
        if ["using vchordrq", "using vchordg"].contains(where: lower.contains) { return "vchord" }
        if ["vectors.vector_", "using vectors", "vector_cos_ops", "vector_dot_ops"].contains(where: lower.contains) {
            return "vectors"
        }
        if ["vector_cosine_ops", "vector_l2_ops", "vector_ip_ops", "vector_l1_ops", "using hnsw", "using ivfflat"]
            .contains(where: lower.contains) {
            return "vector"
        }
        return nil
    }

    /// `name vectors.vector(512)` or `name public.vector(512)` as `name text`, when the type's extension is missing.
    mutating func vectorColumn(_ s: String) -> String? {
        guard s.hasPrefix("    "), s.contains("vector(") else { return nil }
        var out = s
        var changed: [String] = []
        for (prefix, owner) in [("vectors.vector(", "vectors"), ("public.vector(", "vector")] where !available.contains(owner) {
            while let r = out.range(of: prefix) {
                var end = r.upperBound
                while end < out.endIndex, out[end].isNumber { end = out.index(after: end) }
                guard end < out.endIndex, out[end] == ")" else { break }
                out.replaceSubrange(r.lowerBound...end, with: "text")
                changed.append(owner)
            }
        }
        guard !changed.isEmpty else { return nil }
        let column = s.split(separator: " ").first.map(String.init) ?? "?"
        addShim(Shim(line: line, what: "column \(column): vector as text (\(changed[0]) not installed)"))
        return out
    }

    /// Lexes a line; false (with `refusal`) when it holds something psql must not run.
    mutating func screen(_ bytes: [UInt8]) -> Bool {
        let lineStartsClean = lex == .normal && code.allSatisfy(DumpLoadScreen.isSpace)
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            switch lex {
            case .normal:
                if c == UInt8(ascii: "-"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "-") {
                    i = n
                    continue
                }
                if c == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                    lex = .block(1)
                    i += 2
                    continue
                }
                if c == UInt8(ascii: "'") {
                    let prev = i > 0 ? bytes[i - 1] : 0
                    let prevPrev = i > 1 ? bytes[i - 2] : 0
                    let escaped = (prev | 0x20) == UInt8(ascii: "e") && !DumpLoadScreen.isIdent(prevPrev)
                    lex = .single(backslashes: escaped)
                    appendCode(UInt8(ascii: "'"))
                    i += 1
                    continue
                }
                if c == UInt8(ascii: "\"") {
                    lex = .double
                    appendCode(c)
                    i += 1
                    continue
                }
                if c == UInt8(ascii: "$"), i == 0 || !DumpLoadScreen.isIdent(bytes[i - 1]) {
                    var j = i + 1
                    while j < n, DumpLoadScreen.isIdent(bytes[j]) { j += 1 }
                    if j < n, bytes[j] == UInt8(ascii: "$"), j == i + 1 || !DumpLoadScreen.isDigit(bytes[i + 1]) {
                        lex = .dollar(Array(bytes[i...j]))
                        appendCode(UInt8(ascii: "'"))
                        i = j + 1
                        continue
                    }
                }
                if c == UInt8(ascii: "\\") {
                    return metaCommand(bytes, at: i, lineStartsClean: lineStartsClean)
                }
                if c == UInt8(ascii: ";") {
                    if !statementEnds(bytes, at: i) { return false }
                    i += 1
                    continue
                }
                appendCode(c)
                i += 1
            case .single(let backslashes):
                if backslashes, c == UInt8(ascii: "\\") {
                    appendLiteral(c)
                    if i + 1 < n { appendLiteral(bytes[i + 1]) }
                    i += 2
                    continue
                }
                if c == UInt8(ascii: "'") {
                    if i + 1 < n, bytes[i + 1] == UInt8(ascii: "'") {
                        appendLiteral(c)
                        i += 2
                        continue
                    }
                    lex = .normal
                    appendCode(c)
                    appendLiteral(UInt8(ascii: " "))
                    i += 1
                    continue
                }
                appendLiteral(c)
                i += 1
            case .double:
                appendCode(c)
                if c == UInt8(ascii: "\"") {
                    if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\"") {
                        appendCode(c)
                        i += 2
                        continue
                    }
                    lex = .normal
                }
                i += 1
            case .dollar(let tag):
                if c == UInt8(ascii: "$"), i + tag.count <= n, Array(bytes[i..<(i + tag.count)]) == tag {
                    lex = .normal
                    appendCode(UInt8(ascii: "'"))
                    appendLiteral(UInt8(ascii: " "))
                    i += tag.count
                    continue
                }
                appendLiteral(c)
                i += 1
            case .block(let depth):
                if c == UInt8(ascii: "*"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "/") {
                    lex = depth == 1 ? .normal : .block(depth - 1)
                    i += 2
                    continue
                }
                if c == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                    lex = .block(depth + 1)
                    i += 2
                    continue
                }
                i += 1
            }
        }
        switch lex {
        case .normal, .block: appendCode(UInt8(ascii: " "))
        default: appendLiteral(UInt8(ascii: "\n"))
        }
        if code.count + literals.count > DumpLoadScreen.maxStatement {
            return refuse("a statement longer than \(DumpLoadScreen.maxStatement >> 20) MiB (pg_dump writes none this long for Immich)")
        }
        return true
    }

    /// Records a rewrite; a dump that asks for more than a thousand keeps counting in `line`, not in memory.
    mutating func addShim(_ shim: Shim) { if shims.count < 1000 { shims.append(shim) } }

    mutating func appendCode(_ c: UInt8) { if code.count <= DumpLoadScreen.maxStatement { code.append(c) } }
    mutating func appendLiteral(_ c: UInt8) { if literals.count <= DumpLoadScreen.maxStatement { literals.append(c) } }

    /// A backslash outside quotes: allowed only as the few commands pg_dump writes, alone on their line.
    mutating func metaCommand(_ bytes: [UInt8], at i: Int, lineStartsClean: Bool) -> Bool {
        let rest = String(decoding: bytes[(i + 1)...], as: UTF8.self)
        let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let command = words.first ?? ""
        guard lineStartsClean, i == 0 || bytes[..<i].allSatisfy(DumpLoadScreen.isSpace), !rest.dropFirst().contains("\\") else {
            return refuse("a psql meta-command (\\\(command.prefix(12))) inside a statement or after other text; pg_dump writes them alone on their line")
        }
        func plain(_ s: String) -> Bool {
            !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        }
        switch command {
        case "restrict", "unrestrict":
            guard words.count == 2, words[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                return refuse("\\\(command) with an argument that is not a plain key")
            }
            return true
        case "connect", "c":
            // `\connect immich`, or `\connect -reuse-previous=on "dbname='we''ird'"` for names that need quoting.
            var name: String?
            if words.count == 2, plain(words[1]), !words[1].hasPrefix("-") {
                name = words[1]
            } else if words.count == 3, words[1] == "-reuse-previous=on", words[2].hasPrefix("\"dbname='"),
                      words[2].hasSuffix("'\""), words[2].count > 11 {
                let inner = String(words[2].dropFirst(9).dropLast(2))
                if !inner.contains("\""), !inner.contains("="), inner.replacingOccurrences(of: "''", with: "").allSatisfy({ $0 != "'" }) {
                    name = inner.replacingOccurrences(of: "''", with: "'")
                }
            }
            guard let name else {
                return refuse("\\connect to something other than a database of this dump (a host or a connection string)")
            }
            database = name
            if cluster, !connected {
                connectLine = line
                stopFromHere = true
            }
            code.removeAll(keepingCapacity: true)
            literals.removeAll(keepingCapacity: true)
            return true
        default:
            return refuse("the psql meta-command \\\(command.prefix(20)), which pg_dump never writes (\\! runs a shell, \\o and \\w write files, \\i reads them)")
        }
    }

    /// The line of a cluster dump's first `\connect`: from there on the load stops at the first error.
    package private(set) var connectLine: Int64?
    var stopFromHere = false

    /// A statement ends at `;`: screen it, and enter COPY data after a `COPY … FROM stdin;`.
    mutating func statementEnds(_ bytes: [UInt8], at i: Int) -> Bool {
        defer {
            code.removeAll(keepingCapacity: true)
            literals.removeAll(keepingCapacity: true)
        }
        let codeText = String(decoding: code, as: UTF8.self)
        let literalText = String(decoding: literals, as: UTF8.self).lowercased()
        let words = DumpLoadScreen.words(codeText)
        let upper = words.map { $0.uppercased() }
        guard let head = upper.first else { return true }

        let outside = ["pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import", "lo_export",
                       "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_logdir_ls", "dblink", "dblink_exec",
                       "dblink_connect", "pg_reload_conf", "pg_execute_server_program"]
        let lowerWords = Set(words.map { $0.lowercased() })
        let literalWords = Set(DumpLoadScreen.words(literalText))
        for name in outside where lowerWords.contains(name) || literalWords.contains(name) {
            return refuse("it calls \(name), which reads or writes outside the database")
        }
        for name in ["session_preload_libraries", "local_preload_libraries", "shared_preload_libraries",
                     "dynamic_library_path", "archive_command", "restore_command"]
            where lowerWords.contains(name) || literalWords.contains(name) {
            return refuse("it sets \(name), which makes the server load or run code")
        }
        if literalWords.contains("copy") && literalWords.contains("program") {
            return refuse("COPY … PROGRAM (in a function body or string) runs a shell command on the server")
        }
        // psql splits statements by its own reading of quotes: a dump that changes how strings or bytes are read
        // could make psql see a command where this screen sees a string.
        if lowerWords.contains("standard_conforming_strings") || literalWords.contains("standard_conforming_strings") {
            guard head == "SET", upper.last == "ON", !literalWords.contains("standard_conforming_strings") else {
                return refuse("it turns standard_conforming_strings off (pg_dump writes SET standard_conforming_strings = on)")
            }
        }
        if lowerWords.contains("client_encoding") || literalWords.contains("client_encoding")
            || (head == "SET" && upper.dropFirst().first == "NAMES") {
            guard head == "SET", lowerWords.contains("client_encoding"), literalText.trimmingCharacters(in: .whitespaces) == "utf8" else {
                return refuse("it sets a client encoding other than UTF8 (pg_dump writes SET client_encoding = 'UTF8' for Immich)")
            }
        }
        if head == "LOAD" { return refuse("LOAD loads a shared library into the server") }
        if head == "ALTER", upper.count > 1, upper[1] == "SYSTEM" { return refuse("ALTER SYSTEM changes the server's configuration") }
        if head == "CREATE" || head == "ALTER" {
            let second = upper.dropFirst().first { !["OR", "REPLACE", "UNLOGGED", "TEMP", "TEMPORARY"].contains($0) } ?? ""
            if ["SERVER", "FOREIGN", "SUBSCRIPTION"].contains(second) {
                return refuse("CREATE \(second) reaches outside this database")
            }
            if second == "USER", upper.dropFirst(2).first == "MAPPING" { return refuse("CREATE USER MAPPING is for foreign servers") }
            if second == "EXTENSION", head == "CREATE" {
                var k = 2
                if upper.count > 4, upper[2] == "IF", upper[3] == "NOT", upper[4] == "EXISTS" { k = 5 }
                let name = k < words.count ? DumpLoadScreen.unquote(words[k]) : ""
                if !DumpLoadScreen.immichExtensions.contains(name) {
                    return refuse("the extension \(name), which Immich never creates")
                }
            }
        }
        let routine = head == "DO" || ((head == "CREATE" || head == "ALTER")
            && upper.prefix(5).contains { $0 == "FUNCTION" || $0 == "PROCEDURE" })
        if routine, let language = upper.firstIndex(of: "LANGUAGE"), language + 1 < words.count {
            let lang = DumpLoadScreen.unquote(words[language + 1]).lowercased()
            if !["sql", "plpgsql"].contains(lang) {
                return refuse("a function in language \(lang) (Immich's are sql and plpgsql)")
            }
        }
        if head == "COPY" {
            // Exactly `COPY name [(columns)] FROM stdin`: no file, no PROGRAM, no options.
            let trimmed = codeText.trimmingCharacters(in: .whitespaces)
            let suffix = trimmed.range(of: "FROM STDIN", options: [.caseInsensitive, .backwards, .anchored])
                ?? trimmed.range(of: "FROM stdin", options: [.backwards])
            let body = suffix.map { trimmed[..<$0.lowerBound].trimmingCharacters(in: .whitespaces) } ?? ""
            let shapeOK = suffix.map { $0.upperBound == trimmed.endIndex } == true
                && (body.hasSuffix(")") || body.split(separator: " ").count == 2)
                && !body.contains("'")
            guard shapeOK, lowerWords.isDisjoint(with: ["program", "to"]) || body.hasSuffix(")") else {
                return refuse("COPY to or from a file or a program on the server (pg_dump writes COPY … FROM stdin)")
            }
            guard bytes[(i + 1)...].allSatisfy(DumpLoadScreen.isSpace) else {
                return refuse("text after COPY … FROM stdin; on the same line")
            }
            if cluster, !connected {
                return refuse("COPY data before the cluster dump's first \\connect")
            }
            let table = codeText.drop { DumpLoadScreen.isSpaceChar($0) }.dropFirst(4)
                .prefix { $0 != "(" }.trimmingCharacters(in: .whitespaces)
            let cut = table.range(of: " FROM", options: .caseInsensitive).map { String(table[..<$0.lowerBound]) } ?? table
            copyStart = (DumpLoadScreen.tableName(cut), line)
            rowsAtCopyStart = rows
            inCopy = true
        }
        return true
    }

    mutating func refuse(_ reason: String) -> Bool {
        let excerpt = String(decoding: code.prefix(120), as: UTF8.self)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        refusal = Refusal(line: line, reason: reason, excerpt: excerpt.isEmpty ? "" : excerpt)
        return false
    }

    // MARK: Small helpers

    /// `public.asset` → `asset`; `public."user"` → `user`.
    static func tableName(_ qualified: String) -> String {
        var quoted = false
        var lastDot: String.Index?
        for i in qualified.indices {
            if qualified[i] == "\"" { quoted.toggle() }
            if qualified[i] == ".", !quoted { lastDot = i }
        }
        let tail = lastDot.map { String(qualified[qualified.index(after: $0)...]) } ?? qualified
        return unquote(tail.trimmingCharacters(in: .whitespaces))
    }

    static func unquote(_ s: String) -> String {
        var t = s
        if t.hasSuffix(";") { t.removeLast() }
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") }
        return t
    }

    static func words(_ s: String) -> [String] {
        s.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "\"" || $0 == "-") && $0 != "." })
            .flatMap { $0.split(separator: ".") }.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            .filter { !$0.isEmpty }
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    static func isSpaceChar(_ c: Character) -> Bool { c == " " || c == "\t" }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isIdent(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c >= 0x80
    }
}
