// Durations in plans are written the way operators write them: `26h`, `90m`, `1d12h`, `45s`, `2w`.

/// A duration parsed from text such as `26h`, `90m` or `1d12h`.
public struct DurationText: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The length in seconds.
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    /// Parses `<number><unit>` groups, units `s`, `m`, `h`, `d`, `w`. Returns nil for anything else.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        var total = 0
        var number = ""
        var sawUnit = false
        for ch in trimmed {
            if ch.isASCII, ch.isNumber {
                number.append(ch)
                continue
            }
            let unit: Int
            switch ch {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: return nil
            }
            guard let value = Int(number) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            total += product
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        seconds = total
    }

    /// Exact text in the units operators use: `26h`, `1h30m`, `14d` (days only for whole days of a week or more).
    public var description: String { DurationText.format(seconds: seconds) }

    /// A measured time: tenths of a second under a minute (`4.2s`), else as `format` (`1h3m`).
    package static func short(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : format(seconds: Int(seconds.rounded()))
    }

    /// Formats a number of seconds as `1d2h3m4s`, leaving out zero parts.
    public static func format(seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var rest = abs(seconds)
        var text = seconds < 0 ? "-" : ""
        var units = [("h", 3600), ("m", 60), ("s", 1)]
        if rest >= 604_800 { units.insert(("d", 86_400), at: 0) }
        for (unit, size) in units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        seconds = try container.decode(Int.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}

import Foundation
