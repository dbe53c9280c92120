// Text from backups on its way to a person's terminal. A file name, an archive entry, an import path, a user's,
// album's or library's name in a dump can hold any character but `/` and NUL, ESC, CR and backspace among them.
// Printed as they are they are terminal commands: `\r` and `ESC [2K` erase a line already printed (a CRITICAL one),
// `ESC [8m` hides what follows, `ESC ]52;…` sets the clipboard, `ESC ]0;…` the window title, a C1 byte does the same
// on 8-bit terminals, and a bidirectional override shows text in an order it does not have. Everything the tool
// prints goes through `screen` on its way out: such characters become visible `\u001B`-style escapes (valid inside
// JSON strings too, and meaning the same character there), line feeds and tabs stay, and the tool's own colours pass
// only when colour is on. A value that must stay on one line (an example path under a finding, a progress label)
// goes through `inline` as well, which shows `\n`, `\r` and `\t` too, so a name cannot forge a line of the report.
// Commands printed for a person spell such characters with bash's `$'…'` (Subprocess.shellQuote), so they still
// run exactly as printed.

/// The colours the reports paint with: the only escape sequences `TerminalText.screen` lets through.
package enum Paint: String, CaseIterable, Sendable {
    case reset = "0"
    case critical = "31;1"
    case warning = "33;1"
    case info = "36"
    case pass = "32"
    case caution = "33"
    case failure = "31"

    /// The escape sequence that sets this colour.
    package var sequence: String { "\u{1B}[\(rawValue)m" }

    /// `text` in this colour, reset after it.
    package func paint(_ text: String) -> String { sequence + text + Paint.reset.sequence }
}

/// Text made safe to show on a terminal.
package enum TerminalText {
    /// `text` with every character a terminal would act on shown as an escape, but line feeds and tabs (and, with
    /// `colour`, the `Paint` sequences). Text without such characters is returned as it is, at the cost of one scan.
    package static func screen(_ text: String, colour: Bool = false) -> String {
        rewrite(text, keepLines: true, colour: colour)
    }

    /// `text` for one line: as `screen` without colour, and line feeds, carriage returns and tabs shown as `\n`,
    /// `\r`, `\t`.
    package static func inline(_ text: String) -> String {
        rewrite(text, keepLines: false, colour: false)
    }

    /// True when `text` holds a character `inline` would escape (with `keepLines`, one `screen` would).
    package static func needsEscape(_ text: String, keepLines: Bool = false) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                if unsafeLength(bytes, i, keepLines: keepLines) > 0 { return true }
                i += 1
            }
            return false
        }
    }

    /// `text` with its runs of ordinary characters given to `run` and each character a terminal acts on (line feeds
    /// and tabs count as ordinary with `keepLines`) to `character`, the results joined: how a quoting scheme (shell,
    /// SQL) spells such characters without holding them.
    package static func spell(_ text: String, keepLines: Bool, run: (String) -> String,
                              character: (Unicode.Scalar) -> String) -> String {
        var out = ""
        var text = text
        text.withUTF8 { b in
            var start = 0
            var i = 0
            while i < b.count {
                let n = unsafeLength(b, i, keepLines: keepLines)
                if n == 0 { i += 1; continue }
                out += run(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                out += character(Unicode.Scalar(scalar(b, i, n))!)
                i += n
                start = i
            }
            out += run(String(decoding: UnsafeBufferPointer(rebasing: b[start..<b.count]), as: UTF8.self))
        }
        return out
    }

    /// The Unicode scalar value of the character that starts at `i` and is `length` bytes long.
    static func scalar(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ length: Int) -> UInt32 {
        switch length {
        case 1: return UInt32(b[i])
        case 2: return UInt32(b[i] & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F)
        default: return UInt32(b[i] & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F)
        }
    }

    /// The length in bytes of the character at `i` when a terminal would act on it, else 0: a C0 control (but a
    /// line feed or tab with `keepLines`), DEL, a C1 control (U+0080–U+009F), a line or paragraph separator or a
    /// bidirectional embedding, override or isolate (U+2028–U+202E, U+2066–U+2069).
    @inline(__always)
    static func unsafeLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, keepLines: Bool) -> Int {
        let c = b[i]
        if c < 0x20 { return keepLines && (c == 0x0A || c == 0x09) ? 0 : 1 }
        if c < 0x7F { return 0 }
        if c == 0x7F { return 1 }
        if c == 0xC2, i + 1 < b.count, b[i + 1] >= 0x80, b[i + 1] <= 0x9F { return 2 }
        if c == 0xE2, i + 2 < b.count {
            let c1 = b[i + 1], c2 = b[i + 2]
            if c1 == 0x80, c2 >= 0xA8, c2 <= 0xAE { return 3 }
            if c1 == 0x81, c2 >= 0xA6, c2 <= 0xA9 { return 3 }
        }
        return 0
    }

    /// The `Paint` sequences as bytes, for the colour check at an ESC.
    private static let paints: [[UInt8]] = Paint.allCases.map { Array($0.sequence.utf8) }

    /// The length of the `Paint` sequence at `i`, else 0.
    private static func paintLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        for p in paints where i + p.count <= b.count {
            var k = 0
            while k < p.count, b[i + k] == p[k] { k += 1 }
            if k == p.count { return k }
        }
        return 0
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    private static func rewrite(_ text: String, keepLines: Bool, colour: Bool) -> String {
        var text = text
        let rewritten: String? = text.withUTF8 { b in
            // The common case, nothing to change, costs one pass and no copy.
            var i = 0
            while i < b.count, unsafeLength(b, i, keepLines: keepLines) == 0 { i += 1 }
            guard i < b.count else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 32)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<i]))
            while i < b.count {
                let n = unsafeLength(b, i, keepLines: keepLines)
                if n == 0 {
                    out.append(b[i])
                    i += 1
                    continue
                }
                if colour, b[i] == 0x1B {
                    let p = paintLength(b, i)
                    if p > 0 {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<(i + p)]))
                        i += p
                        continue
                    }
                }
                let value = scalar(b, i, n)
                switch value {
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                default:
                    out += [UInt8(ascii: "\\"), UInt8(ascii: "u")]
                    for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int(value >> UInt32(shift)) & 0xF]) }
                }
                i += n
            }
            return String(decoding: out, as: UTF8.self)
        }
        return rewritten ?? text
    }
}
