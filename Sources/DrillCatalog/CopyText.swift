// PostgreSQL's text COPY format, decoded from raw bytes without building a String per field:
// tab-separated fields, `\N` for NULL, backslash escapes (`\b \f \n \r \t \v \\`, octal `\NNN`, hex `\xHH`, any
// other `\c` is `c`), bytea as `\\x<hex>` (or the old escape format), arrays as `{a,"b,c",NULL}`, booleans `t`/`f`,
// `timestamptz` as `2026-11-26 13:22:27.119389+00`, UUIDs as 36 hex-and-dash characters.

import DrillDeployment
import Foundation

/// A UUID as two 64-bit halves: cheap to hash and compare, 16 bytes.
package struct UUID16: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    package var high: UInt64
    package var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The all-zero UUID, used as "none" in compact records.
    package static let zero = UUID16(high: 0, low: 0)
    package var isZero: Bool { high == 0 && low == 0 }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (dashes optional, either case).
    package init?(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count == 36, bytes[8] == 0x2D, bytes[13] == 0x2D, bytes[18] == 0x2D, bytes[23] == 0x2D {
            // The canonical form, as PostgreSQL writes it: the 32 hex digits gathered into four words and decoded
            // eight at a time (SWAR), with one validity check per word.
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { out in
                let src = bytes.baseAddress!
                let dst = out.baseAddress!
                dst.copyMemory(from: src, byteCount: 8)
                dst.advanced(by: 8).copyMemory(from: src + 9, byteCount: 4)
                dst.advanced(by: 12).copyMemory(from: src + 14, byteCount: 4)
                dst.advanced(by: 16).copyMemory(from: src + 19, byteCount: 4)
                dst.advanced(by: 20).copyMemory(from: src + 24, byteCount: 12)
            }
            guard let w0 = UUID16.hex8(words.0), let w1 = UUID16.hex8(words.1), let w2 = UUID16.hex8(words.2),
                  let w3 = UUID16.hex8(words.3) else { return nil }
            high = w0 << 32 | w1
            low = w2 << 32 | w3
            return
        }
        var value: (UInt64, UInt64) = (0, 0)
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: "-") { continue }
            guard let nibble = CopyText.hexValue(byte) else { return nil }
            if digits < 16 {
                value.0 = value.0 << 4 | UInt64(nibble)
            } else {
                value.1 = value.1 << 4 | UInt64(nibble)
            }
            digits += 1
            if digits > 32 { return nil }
        }
        guard digits == 32 else { return nil }
        high = value.0
        low = value.1
    }

    /// Eight ASCII hex digits (the first in the lowest byte, as loaded from memory) as a 32-bit value; nil when any
    /// byte is not a hex digit.
    @inline(__always)
    static func hex8(_ word: UInt64) -> UInt64? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        guard word & high == 0 else { return nil }
        // Per byte: in 0-9, or (case folded) in a-f.
        func between(_ x: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
            (x &+ (0x80 - lo) &* ones) & ~(x &+ (0x7F - hi) &* ones) & high
        }
        let digits = between(word, 0x30, 0x39)
        let letters = between(word | 0x2020_2020_2020_2020, 0x61, 0x66)
        guard digits | letters == high else { return nil }
        let nibbles = (word & 0x0F0F_0F0F_0F0F_0F0F) &+ 9 &* ((word >> 6) & ones)
        let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = ((pairs << 8) | (pairs >> 16)) & 0x0000_FFFF_0000_FFFF
        return ((quads << 16) | (quads >> 32)) & 0xFFFF_FFFF
    }

    package init?(_ text: String) {
        var copy = text
        guard let parsed = copy.withUTF8({ UUID16(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    public static func < (a: UUID16, b: UUID16) -> Bool { (a.high, a.low) < (b.high, b.low) }

    public static func == (a: UUID16, b: UUID16) -> Bool { a.high == b.high && a.low == b.low }

    /// One 64-bit word to the hasher: UUIDs are already uniformly random, so mixing the halves is enough.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(high &+ low &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Hands out the 36 bytes of the canonical text, in order.
    @inline(__always)
    private func forEachTextByte(_ body: (UInt8) -> Void) {
        let digits: StaticString = "0123456789abcdef"
        func put(_ value: UInt64, _ nibbles: ClosedRange<Int>) {
            for i in nibbles { body(digits.utf8Start[Int((value >> UInt64(60 - 4 * i)) & 0xF)]) }
        }
        put(high, 0...7); body(0x2D)
        put(high, 8...11); body(0x2D)
        put(high, 12...15); body(0x2D)
        put(low, 0...3); body(0x2D)
        put(low, 4...15)
    }

    /// Appends the 36 characters of the text form (for writers that build lines as bytes).
    package func appendText(to out: inout [UInt8]) {
        forEachTextByte { out.append($0) }
    }

    /// Lower-case canonical text, as PostgreSQL prints it.
    public var description: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            forEachTextByte {
                buffer[out] = $0
                out += 1
            }
            return 36
        }
    }

    package init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = UUID16(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a UUID"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Decoders for fields of the text COPY format.
package enum CopyText {
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x61...0x66: b - 0x61 + 10
        case 0x41...0x46: b - 0x41 + 10
        default: nil
        }
    }

    /// True for the NULL marker `\N`.
    @inline(__always)
    package static func isNull(_ field: UnsafeRawBufferPointer) -> Bool {
        field.count == 2 && field[0] == 0x5C && field[1] == 0x4E
    }

    /// The field's bytes with COPY escapes decoded (`\t`, `\n`, `\\`, octal, hex…).
    package static func unescape(_ field: UnsafeRawBufferPointer) -> [UInt8] {
        guard let base = field.baseAddress, memchr(base, 0x5C, field.count) != nil else { return Array(field) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var i = 0
        let n = field.count
        while i < n {
            let b = field[i]
            guard b == 0x5C, i + 1 < n else {
                out.append(b)
                i += 1
                continue
            }
            let c = field[i + 1]
            i += 2
            switch c {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(c - 0x30)
                var digits = 1
                while digits < 3, i < n, field[i] >= 0x30, field[i] <= 0x37 {
                    value = value * 8 + UInt32(field[i] - 0x30)
                    i += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, i < n, let h = hexValue(field[i]) {
                    value = value << 4 | h
                    i += 1
                    digits += 1
                }
                if digits == 0 {
                    out.append(c) // `\x` with no hex digit is a plain `x`
                } else {
                    out.append(value)
                }
            default:
                out.append(c)
            }
        }
        return out
    }

    /// The field as text (escapes decoded, invalid UTF-8 repaired), nil for NULL.
    public static func text(_ field: UnsafeRawBufferPointer) -> String? {
        if isNull(field) { return nil }
        if memchr(field.baseAddress!, 0x5C, field.count) == nil {
            return String(decoding: field, as: UTF8.self)
        }
        return String(decoding: unescape(field), as: UTF8.self)
    }

    /// `t` / `f`; nil for NULL or anything else.
    package static func bool(_ field: UnsafeRawBufferPointer) -> Bool? {
        guard field.count == 1 else { return nil }
        switch field[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// A video's length: v3's integer milliseconds, or the text Immich kept before (`0:00:12.345000`, hours
    /// unbounded); nil for NULL, empty or malformed. `text` says which form it was.
    package static func duration(_ field: UnsafeRawBufferPointer) -> (milliseconds: Int64, text: Bool)? {
        guard !field.isEmpty, !isNull(field) else { return nil }
        if let ms = int(field) { return ms >= 0 ? (ms, false) : nil }
        guard field.count <= 40, let s = text(field) else { return nil }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hours = Int64(parts[0]), let minutes = Int64(parts[1]), hours >= 0,
              hours < 1_000_000, (0..<60).contains(minutes), let seconds = Double(parts[2]), seconds >= 0,
              seconds < 60 else { return nil }
        return ((hours * 3600 + minutes * 60) * 1000 + Int64((seconds * 1000).rounded()), true)
    }

    /// A decimal integer; nil for NULL or malformed.
    package static func int(_ field: UnsafeRawBufferPointer) -> Int64? {
        guard !field.isEmpty, !isNull(field) else { return nil }
        var i = 0
        var negative = false
        if field[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        guard i < field.count else { return nil }
        var value: Int64 = 0
        while i < field.count {
            let d = field[i]
            guard d >= 0x30, d <= 0x39 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d - 0x30))
            guard !o1, !o2 else { return nil }
            value = a
            i += 1
        }
        return negative ? -value : value
    }

    /// A UUID; nil for NULL or malformed.
    package static func uuid(_ field: UnsafeRawBufferPointer) -> UUID16? {
        guard field.count == 36 else { return nil }
        return UUID16(field)
    }

    /// A `bytea` value: hex format `\\x0011…` as COPY writes it, or the old escape format.
    /// A 20-byte `bytea` (a SHA-1) read straight from its `\\x` hex form, without building arrays; nil for any
    /// other shape.
    package static func digest20(_ field: UnsafeRawBufferPointer) -> Digest20? {
        guard field.count == 43, field[0] == 0x5C, field[1] == 0x5C, field[2] == UInt8(ascii: "x") else { return nil }
        let base = field.baseAddress! + 3
        @inline(__always) func word(_ k: Int) -> UInt64? {
            UUID16.hex8(base.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))
        }
        guard let p0 = word(0), let p1 = word(1), let p2 = word(2), let p3 = word(3), let p4 = word(4) else { return nil }
        return Digest20(a: p0 << 32 | p1, b: p2 << 32 | p3, c: UInt32(p4))
    }

    /// True when the field is exactly `text` (no escapes involved).
    @inline(__always)
    package static func equals(_ field: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard field.count == text.utf8CodeUnitCount, let base = field.baseAddress else { return false }
        return memcmp(base, text.utf8Start, field.count) == 0
    }

    package static func bytea(_ field: UnsafeRawBufferPointer) -> [UInt8]? {
        if isNull(field) { return nil }
        let text = unescape(field)
        if text.count >= 2, text[0] == 0x5C, text[1] == UInt8(ascii: "x") {
            guard text.count % 2 == 0 else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity((text.count - 2) / 2)
            var i = 2
            while i + 1 < text.count {
                guard let h = hexValue(text[i]), let l = hexValue(text[i + 1]) else { return nil }
                out.append(h << 4 | l)
                i += 2
            }
            return out
        }
        // Escape format: `\\` is a backslash, `\ooo` an octal byte, everything else literal.
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            if text[i] == 0x5C {
                if i + 1 < text.count, text[i + 1] == 0x5C {
                    out.append(0x5C)
                    i += 2
                    continue
                }
                if i + 3 < text.count {
                    let digits = text[(i + 1)...(i + 3)]
                    if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                        let v = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                        out.append(UInt8(truncatingIfNeeded: v))
                        i += 4
                        continue
                    }
                }
                return nil
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

    /// A one-dimensional text array `{a,"b,c",NULL,"q\"t"}`; NULL elements are nil.
    package static func textArray(_ field: UnsafeRawBufferPointer) -> [String?]? {
        if isNull(field) { return nil }
        let s = unescape(field)
        guard s.first == UInt8(ascii: "{"), s.last == UInt8(ascii: "}") else { return nil }
        var result: [String?] = []
        var i = 1
        let end = s.count - 1
        if i == end { return [] }
        while i <= end {
            var element: [UInt8] = []
            var quoted = false
            if i < end, s[i] == UInt8(ascii: "\"") {
                quoted = true
                i += 1
                while i < end, s[i] != UInt8(ascii: "\"") {
                    if s[i] == 0x5C, i + 1 < end {
                        i += 1
                    }
                    element.append(s[i])
                    i += 1
                }
                guard i < end else { return nil }
                i += 1 // closing quote
            } else {
                while i < end, s[i] != UInt8(ascii: ",") {
                    if s[i] == 0x5C, i + 1 < end { i += 1 }
                    element.append(s[i])
                    i += 1
                }
            }
            let text = String(decoding: element, as: UTF8.self)
            result.append(!quoted && text == "NULL" ? nil : (quoted ? text : text.trimmingCharacters(in: .whitespaces)))
            if i < end {
                guard s[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            } else {
                break
            }
        }
        return result
    }

    /// A `timestamp with time zone` as seconds since 1970 (UTC): `2026-11-26 13:22:27.119389+00`, offsets such as
    /// `+05:30` or `-07`, optional fraction, ` BC` not supported. `infinity` and `-infinity` map to ±∞.
    package static func timestamp(_ field: UnsafeRawBufferPointer) -> Double? {
        guard !isNull(field), field.count >= 10 else {
            if field.count == 8, String(decoding: field, as: UTF8.self) == "infinity" { return .infinity }
            return nil
        }
        if field[0] == UInt8(ascii: "-"), String(decoding: field, as: UTF8.self) == "-infinity" { return -.infinity }
        var i = 0
        func number(_ width: Int) -> Int? {
            var v = 0
            for _ in 0..<width {
                guard i < field.count, field[i] >= 0x30, field[i] <= 0x39 else { return nil }
                v = v * 10 + Int(field[i] - 0x30)
                i += 1
            }
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < field.count, field[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        // The year may have more than four digits.
        var year = 0
        var yearDigits = 0
        while i < field.count, field[i] >= 0x30, field[i] <= 0x39 {
            year = year * 10 + Int(field[i] - 0x30)
            i += 1
            yearDigits += 1
        }
        guard yearDigits >= 4, expect("-"), let month = number(2), expect("-"), let day = number(2) else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        guard i < field.count else { return seconds } // a plain date
        guard expect(" ") || expect("T"), let hh = number(2), expect(":"), let mm = number(2), expect(":"),
              let ss = number(2) else { return nil }
        seconds += Double(hh * 3600 + mm * 60 + ss)
        if i < field.count, field[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < field.count, field[i] >= 0x30, field[i] <= 0x39 {
                seconds += Double(field[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        if i < field.count, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") {
            let sign = field[i] == UInt8(ascii: "+") ? 1.0 : -1.0
            i += 1
            guard let oh = number(2) else { return nil }
            var offset = oh * 3600
            if expect(":") {
                guard let om = number(2) else { return nil }
                offset += om * 60
                if expect(":") {
                    guard let os = number(2) else { return nil }
                    offset += os
                }
            }
            seconds -= sign * Double(offset)
        }
        return i == field.count ? seconds : nil
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

/// Splits a COPY row into its fields without copying. One instance is reused for every row of a dump; its field
/// boundaries live in raw buffers so reading a field costs no reference counting.
package final class CopyRow {
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    private var capacity: Int
    /// The number of fields in the current row.
    public private(set) var count = 0
    public private(set) var line = UnsafeRawBufferPointer(start: nil, count: 0)

    package init() {
        capacity = 64
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
    }

    @inline(__always)
    private func append(_ start: Int, _ end: Int) {
        if count == capacity { grow() }
        starts[count] = start
        ends[count] = end
        count += 1
    }

    private func grow() {
        do {
            let newCapacity = capacity * 2
            let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
            let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
            newStarts.update(from: starts, count: count)
            newEnds.update(from: ends, count: count)
            starts.deallocate()
            ends.deallocate()
            starts = newStarts
            ends = newEnds
            capacity = newCapacity
        }
    }

    /// Splits `line` at tabs; returns the number of fields.
    @discardableResult
    public func split(_ line: UnsafeRawBufferPointer) -> Int {
        self.line = line
        count = 0
        guard let base = line.baseAddress else {
            append(0, 0)
            return 1
        }
        var start = 0
        let total = line.count
        while let hit = memchr(base + start, 0x09, total - start) {
            let end = base.distance(to: UnsafeRawPointer(hit))
            append(start, end)
            start = end + 1
        }
        append(start, total)
        return count
    }

    /// Field `i` (0-based); an empty buffer when the row has fewer fields.
    @inline(__always)
    package func field(_ i: Int) -> UnsafeRawBufferPointer {
        guard i >= 0, i < count, let base = line.baseAddress else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + starts[i], count: ends[i] - starts[i])
    }
}
