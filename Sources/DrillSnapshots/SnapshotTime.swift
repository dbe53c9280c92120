// Times in snapshot names, the way backup tools write them: ISO 8601 basic (`20261126T030000`, with `Z` or an
// offset) and extended (`2026-11-26T03:00:00.123+01:00`), `yyyyMMdd'T'HHmmss`, `yyyy-MM-dd_HH-mm` (Synology),
// `yyyy-MM-dd-HHmm` (zfs-auto-snapshot), `yyyyMMddHHmmss`, plain dates, and epoch seconds or milliseconds.
// A time without a zone is local time in the plan's zone; an epoch or a `Z`/offset time is absolute.

import DrillCatalog
import Foundation

/// A time read from a name, with how it was read.
package struct NamedTime: Sendable, Equatable {
    /// Seconds since 1970.
    public var time: Double
    /// `epoch seconds`, `epoch milliseconds`, `UTC`, `offset +01:00`, or `local time in Europe/Berlin`.
    package var reading: String
}

/// Times in snapshot names, in the forms backup tools write them.
package enum SnapshotTime {
    /// Reads `text` as a time, local times in `zone` (UTC when nil). Nil when `text` is not a time this knows.
    public static func parse(_ text: String, zone: TimeZone?) -> NamedTime? {
        let s = Array(text.utf8)
        guard !s.isEmpty, s.count <= 64 else { return nil }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        // Epochs: all digits.
        if s.allSatisfy(isDigit) {
            if s.count == 13, let ms = Double(text) { return NamedTime(time: ms / 1000, reading: "epoch milliseconds") }
            if s.count == 10, let sec = Double(text) { return NamedTime(time: sec, reading: "epoch seconds") }
        }
        // Split off a zone designator at the end: `Z`, `+hh:mm`, `+hhmm`, `+hh`, `-…`.
        var body = s[...]
        var offset: Int?
        var offsetText = ""
        if body.last == UInt8(ascii: "Z") || body.last == UInt8(ascii: "z") {
            body = body.dropLast()
            offset = 0
        } else if let sign = body.lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) {
            let tail = body[(sign + 1)...]
            let digits = tail.filter { $0 != UInt8(ascii: ":") }
            let colonOK = tail.count == digits.count || (tail.count == 5 && tail[tail.startIndex + 2] == UInt8(ascii: ":"))
            // Only after a complete time (at least hours and minutes), so date separators are never offsets.
            // A `-` is an offset only when the time part does not use `-` itself (`…_03-00-00`).
            let head = body[..<sign]
            let timeStart = head.firstIndex(where: {
                $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "_")
            })
            if colonOK, digits.count == 4 || digits.count == 2, digits.allSatisfy(isDigit), let timeStart,
               head.endIndex - timeStart >= 5,
               s[sign] == UInt8(ascii: "+") || !head[timeStart...].contains(UInt8(ascii: "-")) {
                let d = Array(digits)
                let hours = Int(d[0] - 0x30) * 10 + Int(d[1] - 0x30)
                let minutes = d.count == 4 ? Int(d[2] - 0x30) * 10 + Int(d[3] - 0x30) : 0
                guard hours <= 14, minutes < 60 else { return nil }
                let value = (hours * 60 + minutes) * 60
                offset = s[sign] == UInt8(ascii: "-") ? -value : value
                offsetText = (s[sign] == UInt8(ascii: "-") ? "-" : "+")
                    + String(format: "%02d:%02d", hours, minutes)
                body = body[..<sign]
            }
        }
        // Digit groups, with the separators between them; a fraction follows seconds after `.` or `,`.
        var groups: [ArraySlice<UInt8>] = []
        var fraction: ArraySlice<UInt8>?
        var i = body.startIndex
        var sawTimeSeparator = false
        while i < body.endIndex {
            let c = body[i]
            if isDigit(c) {
                var j = i
                while j < body.endIndex, isDigit(body[j]) { j += 1 }
                if i > body.startIndex, body[i - 1] == UInt8(ascii: ".") || body[i - 1] == UInt8(ascii: ","),
                   groups.count >= 6 || (groups.count == 2 && groups[1].count == 6) || (groups.count == 1 && groups[0].count == 14) {
                    guard fraction == nil, j == body.endIndex else { return nil }
                    fraction = body[i..<j]
                } else {
                    groups.append(body[i..<j])
                }
                i = j
                continue
            }
            switch c {
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: ","):
                break
            case UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " "):
                guard !sawTimeSeparator else { return nil }
                sawTimeSeparator = true
            default:
                return nil
            }
            i += 1
        }
        func n(_ g: ArraySlice<UInt8>, _ from: Int = 0, _ count: Int? = nil) -> Int {
            let start = g.startIndex + from
            let end = count.map { start + $0 } ?? g.endIndex
            return g[start..<end].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        var c = DateComponents()
        let lengths = groups.map(\.count)
        switch lengths {
        case [4, 2, 2, 2, 2, 2], [4, 2, 2, 2, 2]:
            (c.year, c.month, c.day, c.hour, c.minute) = (n(groups[0]), n(groups[1]), n(groups[2]), n(groups[3]), n(groups[4]))
            c.second = lengths.count == 6 ? n(groups[5]) : 0
        case [4, 2, 2, 4], [4, 2, 2, 6]:
            (c.year, c.month, c.day) = (n(groups[0]), n(groups[1]), n(groups[2]))
            (c.hour, c.minute) = (n(groups[3], 0, 2), n(groups[3], 2, 2))
            c.second = lengths[3] == 6 ? n(groups[3], 4, 2) : 0
        case [4, 2, 2]:
            (c.year, c.month, c.day, c.hour, c.minute, c.second) = (n(groups[0]), n(groups[1]), n(groups[2]), 0, 0, 0)
        case [8, 6], [8, 4], [8], [14], [12]:
            let g = groups[0]
            (c.year, c.month, c.day) = (n(g, 0, 4), n(g, 4, 2), n(g, 6, 2))
            if lengths.count == 2 {
                (c.hour, c.minute) = (n(groups[1], 0, 2), n(groups[1], 2, 2))
                c.second = lengths[1] == 6 ? n(groups[1], 4, 2) : 0
            } else if lengths[0] >= 12 {
                (c.hour, c.minute) = (n(g, 8, 2), n(g, 10, 2))
                c.second = lengths[0] == 14 ? n(g, 12, 2) : 0
            } else {
                (c.hour, c.minute, c.second) = (0, 0, 0)
            }
        default:
            return nil
        }
        guard let year = c.year, (1970...2200).contains(year), let month = c.month, (1...12).contains(month),
              let day = c.day, (1...31).contains(day), let hour = c.hour, hour < 24, let minute = c.minute, minute < 60,
              let second = c.second, second < 61 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        let reading: String
        if let offset {
            calendar.timeZone = TimeZone(secondsFromGMT: offset)!
            reading = offset == 0 && offsetText.isEmpty ? "UTC" : "offset \(offsetText.isEmpty ? "+00:00" : offsetText)"
        } else {
            calendar.timeZone = zone ?? TimeZone(identifier: "UTC")!
            reading = zone.map { "local time in \($0.identifier)" } ?? "local time; no zone known, read as UTC"
        }
        guard let date = calendar.date(from: c), calendar.component(.day, from: date) == day else { return nil }
        var time = date.timeIntervalSince1970
        if let fraction, !fraction.isEmpty {
            time += Double(n(fraction.prefix(9))) / pow(10, Double(min(fraction.count, 9)))
        }
        return NamedTime(time: time, reading: reading)
    }

    /// `2026-11-26 03:00:00 +01:00`-style text for a time in `zone`, for reports.
    package static func display(_ time: Double, zone: TimeZone?) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone ?? TimeZone(identifier: "UTC")!
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    /// ISO 8601 in UTC (`2026-11-26T02:00:00Z`), for JSON.
    package static func iso(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: time.rounded(.down)))
    }
}
