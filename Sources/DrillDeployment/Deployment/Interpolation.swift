// Compose's variable interpolation (compose-go's `template` package): `$VAR`, `${VAR}`, `${VAR:-default}`,
// `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alternative}`, `${VAR+alternative}` and `$$` for
// a literal `$`. Defaults and alternatives may themselves hold interpolations (`${A:-${B}}`). A `$` followed by
// anything else stays literal, as in Compose; a malformed `${…}` is an error.

import DrillModel

/// Substitutes Compose variables in strings.
package struct Interpolator: Sendable {
    /// Looks a variable up; nil means unset (empty is set).
    package typealias Lookup = @Sendable (String) -> String?

    /// A variable that was used but is not set (Compose warns and uses an empty string).
    package struct UnsetVariable: Hashable, Sendable {
        public var name: String

        package init(name: String) {
            self.name = name
        }
    }

    /// Why a template could not be substituted.
    package enum Failure: Error, Equatable, Sendable {
        /// `${VAR:?msg}` or `${VAR?msg}` with VAR unset (or empty for `:?`).
        case required(name: String, message: String)
        /// `${` that does not form a valid substitution.
        case invalid(template: String)
    }

    private let lookup: Lookup

    package init(lookup: @escaping Lookup) { self.lookup = lookup }

    /// Substitutes every variable in `text`. Variables used but unset are added to `unset`.
    package func substitute(_ text: String, unset: inout Set<UnsetVariable>) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        let chars = Array(text.unicodeScalars)
        var index = 0
        return try substitute(chars, &index, stopAtBrace: false, unset: &unset)
    }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z")
    }

    private static func isNameChar(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || (c >= "0" && c <= "9")
    }

    /// Reads text until the end (or an unmatched `}` when `stopAtBrace`), substituting as it goes.
    private func substitute(_ s: [Unicode.Scalar], _ i: inout Int, stopAtBrace: Bool,
                            unset: inout Set<UnsetVariable>) throws(Failure) -> String {
        var out = String.UnicodeScalarView()
        while i < s.count {
            let c = s[i]
            if stopAtBrace && c == "}" { return String(out) }
            guard c == "$", i + 1 < s.count else {
                out.append(c)
                i += 1
                continue
            }
            let next = s[i + 1]
            if next == "$" {
                out.append("$")
                i += 2
            } else if Interpolator.isNameStart(next) {
                var j = i + 1
                while j < s.count, Interpolator.isNameChar(s[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
                if let value = lookup(name) {
                    out.append(contentsOf: value.unicodeScalars)
                } else {
                    unset.insert(UnsetVariable(name: name))
                }
                i = j
            } else if next == "{" {
                let start = i
                i += 2
                let value = try braced(s, &i, start: start, unset: &unset)
                out.append(contentsOf: value.unicodeScalars)
            } else {
                out.append(c)
                i += 1
            }
        }
        if stopAtBrace {
            // An unclosed `${` reached the end.
            throw .invalid(template: "")
        }
        return String(out)
    }

    /// Parses the inside of `${…}` starting after the brace; leaves `i` after the closing brace.
    private func braced(_ s: [Unicode.Scalar], _ i: inout Int, start: Int,
                        unset: inout Set<UnsetVariable>) throws(Failure) -> String {
        func invalid() -> Failure {
            var end = i
            var depth = 1
            var k = start + 2
            while k < s.count {
                if s[k] == "{" { depth += 1 }
                if s[k] == "}" { depth -= 1; if depth == 0 { end = k + 1; break } }
                k += 1
                end = k
            }
            return .invalid(template: String(String.UnicodeScalarView(s[start..<min(end, s.count)])))
        }
        guard i < s.count, Interpolator.isNameStart(s[i]) else { throw invalid() }
        var j = i
        while j < s.count, Interpolator.isNameChar(s[j]) { j += 1 }
        let name = String(String.UnicodeScalarView(s[i..<j]))
        i = j
        guard i < s.count else { throw invalid() }
        if s[i] == "}" {
            i += 1
            if let value = lookup(name) { return value }
            unset.insert(UnsetVariable(name: name))
            return ""
        }
        var colon = false
        if s[i] == ":" {
            colon = true
            i += 1
            guard i < s.count else { throw invalid() }
        }
        let op = s[i]
        guard op == "-" || op == "?" || op == "+" else { throw invalid() }
        i += 1
        let value = lookup(name)
        let isSet = value != nil
        let isUsable = colon ? !(value ?? "").isEmpty : isSet
        // The operand is substituted only when it is used, as in Compose; parse it either way to find the brace.
        var scratchUnset = Set<UnsetVariable>()
        let operandStart = i
        let operand: String
        do {
            operand = try substitute(s, &i, stopAtBrace: true, unset: &scratchUnset)
        } catch .invalid(let t) where t.isEmpty {
            i = operandStart
            throw invalid()
        }
        i += 1 // the closing brace
        switch op {
        case "-":
            if isUsable { return value ?? "" }
            unset.formUnion(scratchUnset)
            return operand
        case "?":
            if isUsable { return value ?? "" }
            throw .required(name: name, message: operand)
        default: // "+"
            if isUsable {
                unset.formUnion(scratchUnset)
                return operand
            }
            return ""
        }
    }
}
