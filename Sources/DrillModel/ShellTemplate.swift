// A plan's command templates (`restore: restic restore {id} --target {target}`) filled in without ever splicing a
// value into shell text that the shell would read again. The template is read once, left to right, tracking the
// shell's quoting (none, '…', "…", backslash escapes); each `{name}` is replaced where it stands, and the text
// substituted is never scanned again, so a value holding `{target}`, quotes, `$()`, backticks or newlines stays one
// word of data.
//
// - To run, a placeholder becomes a reference to a positional parameter (`"${1}"`), quoted once for where it stands
//   (outside quotes `"${1}"`, inside "…" `${1}`, inside '…' `'"${1}"'`); the values are passed as arguments to the
//   shell, so they are never parsed as shell text at all.
// - To print for a person (the runbook), each value is quoted for where it stands, so the command runs exactly as
//   printed.

import Foundation

/// A plan's command template rendered for bash: values as positional arguments (to run) or quoted literals (to print).
package enum ShellTemplate {
    /// How the placeholders are filled.
    package enum Mode: Sendable {
        /// `"${N}"` for the N-th value, passed to the shell as positional arguments.
        case positional
        /// The value itself, quoted for its context.
        case literal
    }

    /// `template` with each `{name}` of `values` replaced (in one pass).
    public static func render(_ template: String, values: [(name: String, value: String)], mode: Mode) -> String {
        enum Quote { case none, single, double }
        var quote = Quote.none
        var out = ""
        let chars = Array(template)
        var i = 0
        outer: while i < chars.count {
            let c = chars[i]
            if c == "{" {
                for (n, (name, value)) in values.enumerated() {
                    let token = Array("{" + name + "}")
                    guard i + token.count <= chars.count, Array(chars[i..<(i + token.count)]) == token else { continue }
                    switch (mode, quote) {
                    case (.positional, .none): out += "\"${\(n + 1)}\""
                    case (.positional, .double): out += "${\(n + 1)}"
                    case (.positional, .single): out += "'\"${\(n + 1)}\"'"
                    case (.literal, .none): out += Subprocess.shellQuote(value)
                    case (.literal, .double): out += doubleQuoted(value)
                    case (.literal, .single): out += "'" + Subprocess.shellQuote(value) + "'"
                    }
                    i += token.count
                    continue outer
                }
            }
            out.append(c)
            switch (quote, c) {
            case (.none, "'"): quote = .single
            case (.single, "'"): quote = .none
            case (.none, "\""): quote = .double
            case (.double, "\""): quote = .none
            case (.none, "\\"), (.double, "\\"):
                if i + 1 < chars.count {
                    out.append(chars[i + 1])
                    i += 1
                }
            default: break
            }
            i += 1
        }
        return out
    }

    /// The body of a "…" string holding `value` as plain text; a character a terminal would act on is made by
    /// `$(printf '\ooo')` where it stands (`Subprocess.shellQuote`), so the printed text holds none.
    static func doubleQuoted(_ value: String) -> String {
        TerminalText.spell(value, keepLines: true, run: { run in
            var out = ""
            for c in run {
                if c == "\\" || c == "\"" || c == "$" || c == "`" { out.append("\\") }
                out.append(c)
            }
            return out
        }, character: { Subprocess.printfSpelling(String($0).utf8) })
    }

    /// True when `text` holds a control character or another character a terminal acts on (`TerminalText`): a
    /// snapshot id must not, as it is printed and passed to tools.
    package static func hasControlCharacters(_ text: String) -> Bool { TerminalText.needsEscape(text) }
}
