// .env files with Compose's rules (compose-go's dotenv parser): `#` comment lines, an optional `export ` prefix,
// `KEY=value` or `KEY: value`, unquoted values trimmed with ` #…` inline comments removed, single-quoted values
// taken literally, double-quoted values with backslash escapes, both quoted kinds allowed to span lines, and
// interpolation of `${VAR}` forms in unquoted and double-quoted values (the process environment first, then the
// keys defined earlier in the file). A bare `KEY` takes its value from the process environment, if set there.

/// One parsed .env file.
package struct DotEnv: Sendable, Equatable {
    /// The values, in file order of first definition.
    package private(set) var keys: [String] = []
    /// Key to value.
    public private(set) var values: [String: String] = [:]

    package init() {}

    package subscript(key: String) -> String? { values[key] }

    mutating func set(_ key: String, _ value: String) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String, environment: [String: String]) throws -> DotEnv {
        let text = try FileProbe.readText(path, what: "env file")
        return try parse(text, file: path, environment: environment)
    }

    /// Parses .env text; `file` only names it in errors.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws -> DotEnv {
        var env = DotEnv()
        let s = Array(text.unicodeScalars)
        var i = 0
        var line = 1

        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" }
        func error(_ message: String, at l: Int? = nil) -> DrillError {
            DrillError(.input, file: file, line: l ?? line, message)
        }
        func skipToLineEnd() {
            while i < s.count, s[i] != "\n" { i += 1 }
        }

        while i < s.count {
            // Start of a statement: skip blank space, blank lines and comment lines.
            if s[i] == "\n" { line += 1; i += 1; continue }
            if isSpace(s[i]) { i += 1; continue }
            if s[i] == "#" { skipToLineEnd(); continue }

            let statementLine = line
            // The key, with an optional `export ` prefix.
            var keyStart = i
            if s.count - i > 7, String(String.UnicodeScalarView(s[i..<(i + 7)])) == "export ", true {
                i += 7
                while i < s.count, isSpace(s[i]) { i += 1 }
                keyStart = i
            }
            while i < s.count, s[i] != "=", s[i] != ":", s[i] != "\n", !isSpace(s[i]) { i += 1 }
            let key = String(String.UnicodeScalarView(s[keyStart..<i]))
            guard !key.isEmpty else {
                throw error("expected KEY=value, found '\(String(s[i]))'")
            }
            if let bad = key.unicodeScalars.first(where: { !DotEnv.isKeyChar($0) }) {
                throw error("unexpected character '\(bad)' in variable name '\(key)'; expected letters, digits, '_', '.' or '-'")
            }
            while i < s.count, isSpace(s[i]) { i += 1 }
            if i >= s.count || s[i] == "\n" || s[i] == "#" {
                // A bare KEY: inherited from the environment when set there.
                if let value = environment[key] { env.set(key, value) }
                skipToLineEnd()
                continue
            }
            guard s[i] == "=" || s[i] == ":" else {
                throw error("expected '=' after '\(key)'")
            }
            i += 1
            while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }

            var value: String
            if i < s.count, s[i] == "'" || s[i] == "\"" {
                let quote = s[i]
                i += 1
                var raw = String.UnicodeScalarView()
                var closed = false
                while i < s.count {
                    let c = s[i]
                    if c == "\\", quote == "\"", i + 1 < s.count {
                        raw.append(c)
                        raw.append(s[i + 1])
                        if s[i + 1] == "\n" { line += 1 }
                        i += 2
                        continue
                    }
                    if c == quote { closed = true; i += 1; break }
                    if c == "\n" { line += 1 }
                    raw.append(c)
                    i += 1
                }
                guard closed else {
                    throw error("unterminated quoted value for '\(key)': expected a closing \(quote)", at: statementLine)
                }
                if quote == "'" {
                    value = String(raw)
                } else {
                    value = try expand(DotEnv.unescape(String(raw)), key: key, env: env, environment: environment,
                                       file: file, line: statementLine)
                }
                skipToLineEnd() // anything after the closing quote is a comment
            } else {
                var raw = String.UnicodeScalarView()
                while i < s.count, s[i] != "\n" {
                    if s[i] == "#", let last = raw.last, last == " " || last == "\t" { break }
                    raw.append(s[i])
                    i += 1
                }
                skipToLineEnd()
                let trimmed = String(raw).trimmingCharacters(in: .whitespaces)
                value = try expand(trimmed, key: key, env: env, environment: environment, file: file,
                                   line: statementLine)
            }
            env.set(key, value)
        }
        return env
    }

    private static func isKeyChar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c == "." || c == "-" || c == "[" || c == "]" ||
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
    }

    /// Backslash escapes of double-quoted values.
    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var out = String.UnicodeScalarView()
        var it = text.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "\\" else { out.append(c); continue }
            guard let n = it.next() else { out.append(c); break }
            switch n {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "\\": out.append("\\")
            case "\"": out.append("\"")
            case "$": out.append(contentsOf: "$$".unicodeScalars) // stays a literal `$` through interpolation
            case "\n": break // a line continuation
            default:
                out.append(c)
                out.append(n)
            }
        }
        return String(out)
    }

    private static func expand(_ value: String, key: String, env: DotEnv, environment: [String: String],
                               file: String, line: Int) throws -> String {
        guard value.contains("$") else { return value }
        let earlier = env.values
        let interpolator = Interpolator { name in environment[name] ?? earlier[name] }
        var unset = Set<Interpolator.UnsetVariable>()
        do {
            return try interpolator.substitute(value, unset: &unset)
        } catch .required(let name, let message) {
            throw DrillError(.input, file: file, line: line,
                             "required variable \(name) is missing a value\(message.isEmpty ? "" : ": \(message)")")
        } catch .invalid(let template) {
            throw DrillError(.input, file: file, line: line,
                             "invalid interpolation format in the value of \(key): \"\(template)\"; expected ${NAME}, ${NAME:-default} or $$ for a literal $")
        }
    }
}

import DrillModel
import Foundation
