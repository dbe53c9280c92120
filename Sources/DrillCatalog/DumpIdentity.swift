// What a dump's file name says, by Immich's own naming rules (IMMICH.md §2):
//   immich-db-backup-1730000000000.sql.gz                          v1.120–v1.135: epoch milliseconds, UTC
//   immich-db-backup-20250729T114018-v1.136.0-pg14.17.sql.gz       v1.136+: the server's local time, versions
//   restore-point-immich-db-backup-….sql.gz                        v2.5+: written before every restore
//   uploaded-<name>.sql[.gz]                                       v2.5+: uploaded through the UI
//   ….sql.gz.tmp                                                   a backup that failed or is still running
// Any other name is a dump the operator made; its time is the file's mtime.

import DrillDeployment
import Foundation

/// The kind of dump, by name.
package enum DumpOrigin: String, Sendable, Codable {
    /// Immich's nightly automatic backup.
    case automatic
    /// Written by Immich before a restore (v2.5+).
    case restorePoint = "restore-point"
    /// Uploaded through Immich's UI (v2.5+).
    case uploaded
    /// Any other file: a dump the operator's own job wrote.
    case other
}

/// What the file name (and, failing that, the mtime) says about a dump.
package struct DumpIdentity: Sendable, Equatable, Codable {
    public var file: String
    package var origin: DumpOrigin
    /// A `.tmp` leftover: the backup failed (or is still being written).
    package var failed: Bool
    /// When the dump was taken, as seconds since 1970.
    public var time: Double?
    /// How `time` was found: `name (epoch milliseconds, UTC)`, `name (local time in Europe/Berlin)`, `mtime`.
    public var timeSource: String
    /// The zone the name's time was read in, when the name holds a local time.
    public var timeZone: String?
    /// The Immich version in the name (`1.136.0`).
    package var immichVersion: String?
    /// The PostgreSQL version in the name (`14.17`).
    package var postgresVersion: String?
    package var sizeBytes: Int64?

    /// Reads the identity of `path`. `timeZone` is the deployment's TZ (or the plan's); nil means UTC, said so.
    public static func of(path: String, timeZone: String?) -> DumpIdentity {
        var name = (path as NSString).lastPathComponent
        var failed = false
        if name.hasSuffix(".tmp") {
            failed = true
            name.removeLast(4)
        }
        var origin = DumpOrigin.other
        var core = name
        if core.hasPrefix("restore-point-") {
            origin = .restorePoint
            core.removeFirst("restore-point-".count)
        } else if core.hasPrefix("uploaded-") {
            origin = .uploaded
            core.removeFirst("uploaded-".count)
        }
        var st = stat()
        let statOK = stat(path, &st) == 0
        var identity = DumpIdentity(file: path, origin: origin, failed: failed, time: nil, timeSource: "unknown",
                                    timeZone: nil, immichVersion: nil, postgresVersion: nil,
                                    sizeBytes: statOK ? Int64(st.st_size) : nil)

        let prefix = "immich-db-backup-"
        if core.hasPrefix(prefix) {
            if origin == .other { origin = .automatic }
            identity.origin = origin
            var rest = Substring(core.dropFirst(prefix.count))
            // `.sql.gz` from Immich; `.sql`, or `.sql` with another compression, from operators' own jobs.
            if let sql = rest.range(of: ".sql", options: .backwards) { rest = rest[..<sql.lowerBound] }
            if rest.count == 13, rest.allSatisfy(\.isASCII), rest.allSatisfy(\.isNumber), let ms = Double(rest) {
                identity.time = ms / 1000
                identity.timeSource = "name (epoch milliseconds, UTC)"
            } else if rest.count >= 15, let t = localTime(String(rest.prefix(15)), zone: timeZone) {
                identity.time = t.time
                identity.timeZone = t.zone
                identity.timeSource = timeZone == nil
                    ? "name (local time; no time zone known, read as UTC)"
                    : "name (local time in \(t.zone))"
                // `-v1.136.0-pg14.17`
                let tail = rest.dropFirst(15)
                if tail.hasPrefix("-v"), let pg = tail.range(of: "-pg", options: .backwards) {
                    identity.immichVersion = String(tail[tail.index(tail.startIndex, offsetBy: 2)..<pg.lowerBound])
                    identity.postgresVersion = String(tail[pg.upperBound...])
                }
            }
        }
        if identity.time == nil, statOK {
            identity.time = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            identity.timeSource = "mtime (the name holds no time)"
        }
        return identity
    }

    /// `yyyyMMdd'T'HHmmss` in `zone` (UTC when nil or unknown).
    static func localTime(_ text: String, zone: String?) -> (time: Double, zone: String)? {
        let chars = Array(text.utf8)
        guard chars.count == 15, chars[8] == UInt8(ascii: "T"),
              chars.enumerated().allSatisfy({ $0.offset == 8 || ($0.element >= 0x30 && $0.element <= 0x39) })
        else { return nil }
        func n(_ a: Int, _ b: Int) -> Int { chars[a..<b].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        var components = DateComponents()
        components.year = n(0, 4)
        components.month = n(4, 6)
        components.day = n(6, 8)
        components.hour = n(9, 11)
        components.minute = n(11, 13)
        components.second = n(13, 15)
        guard (1...12).contains(components.month!), (1...31).contains(components.day!),
              components.hour! < 24, components.minute! < 60, components.second! < 61 else { return nil }
        let tz = zone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tz
        guard let date = calendar.date(from: components) else { return nil }
        return (date.timeIntervalSince1970, tz.identifier)
    }

    /// True for the names Immich's retention prunes and counts as its nightly backups.
    package var isRoutine: Bool { origin == .automatic }
}
