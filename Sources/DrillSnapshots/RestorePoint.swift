// Restore points: one dump plus, for each file source, the snapshot that fits it best. For each dump (newest
// first) and each file source, the best snapshot is the first one taken at or after the dump within the allowed
// skew (Immich's guidance is "the database first, and the filesystem second"), else the newest one before the dump,
// else the first one after it. A point's skew is the spread of its members' times; its RPO is the drill time minus
// its oldest member's time. A point that lacks a snapshot of some planned file source is incomplete.

import DrillCatalog
import Foundation

/// One member of a restore point.
package struct RestorePointMember: Sendable, Codable, Equatable {
    /// The planned source (`database`, `upload`, `external:/mnt/media/photos`…).
    public var source: SourceID
    public var kind: Snapshot.Kind
    public var location: String
    public var time: Double
    public var timeSource: String
    /// Seconds from the dump to this snapshot (negative: taken before the dump).
    package var offsetSeconds: Int
}

/// A dump and the file snapshots that go with it.
package struct RestorePoint: Sendable, Codable, Equatable {
    /// `yyyyMMdd'T'HHmmss'Z'` of the dump's time (UTC), with `-2`, `-3` when two dumps share a second.
    public var id: String
    package var dumpTime: Double
    package var members: [RestorePointMember]
    /// Planned file sources with no snapshot in this point.
    public var missing: [String]
    package var skewSeconds: Int
    public var rpoSeconds: Int
    /// Every planned source has a member and the dump is not known to be broken.
    public var complete: Bool
    /// False when the dump was read and found cut short or unreadable; nil when it was not read.
    package var dumpReadable: Bool?
    /// Skew beyond the plan's `max-skew`.
    package var skewExceeded: Bool

    public var dump: RestorePointMember { members[0] }
}

/// Pairs each dump with the file snapshots nearest it in time into restore points, and selects one.
package enum RestorePlanner {
    /// Pairs every usable dump with the file sources' snapshots. `fileSources` are the discovered planned file
    /// sources; `now` is the drill time.
    public static func points(dumps: [Snapshot], fileSources: [DiscoveredSource], maxSkew: Int, now: Double,
                              unreadableDumps: Set<String> = [], readDumps: Set<String> = []) -> [RestorePoint] {
        var points: [RestorePoint] = []
        var ids: [String: Int] = [:]
        let sorted = dumps.filter { !$0.failed && $0.time != nil }.sorted { $0.time! > $1.time! }
        for dump in sorted {
            let t = dump.time!
            var members = [RestorePointMember(source: dump.source, kind: .dump, location: dump.location, time: t,
                                              timeSource: dump.timeSource, offsetSeconds: 0)]
            var missing: [String] = []
            for source in fileSources {
                guard let best = bestSnapshot(for: t, among: source.usable, maxSkew: maxSkew) else {
                    missing.append(source.planned.id.description)
                    continue
                }
                members.append(RestorePointMember(source: source.planned.id, kind: best.kind, location: best.location,
                                                  time: best.time!, timeSource: best.timeSource,
                                                  offsetSeconds: Int((best.time! - t).rounded())))
            }
            let times = members.map(\.time)
            let skew = Int((times.max()! - times.min()!).rounded())
            let rpo = Int((now - times.min()!).rounded())
            var id = compactUTC(t)
            let n = (ids[id] ?? 0) + 1
            ids[id] = n
            if n > 1 { id += "-\(n)" }
            let readable: Bool? = unreadableDumps.contains(dump.location) ? false
                : readDumps.contains(dump.location) ? true : nil
            points.append(RestorePoint(id: id, dumpTime: t, members: members, missing: missing, skewSeconds: skew,
                                       rpoSeconds: rpo, complete: missing.isEmpty && readable != false,
                                       dumpReadable: readable, skewExceeded: skew > maxSkew))
        }
        return points
    }

    /// The snapshot that fits a dump taken at `time` best.
    package static func bestSnapshot(for time: Double, among snapshots: [Snapshot], maxSkew: Int) -> Snapshot? {
        let timed = snapshots.filter { $0.time != nil }.sorted { $0.time! < $1.time! }
        if let after = timed.first(where: { $0.time! >= time }), after.time! - time <= Double(maxSkew) { return after }
        if let before = timed.last(where: { $0.time! < time }) { return before }
        return timed.first
    }

    /// `20261126T010000Z`.
    package static func compactUTC(_ time: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    /// Picks a point by `latest` (the newest complete one, else the newest), an id, or a time (the newest point
    /// whose dump is at or before it).
    package static func select(_ selector: String, from points: [RestorePoint], zone: TimeZone?) throws -> RestorePoint {
        guard !points.isEmpty else {
            throw DrillError(.input, "there is no restore point: no usable database dump was found")
        }
        if selector == "latest" {
            return points.first(where: \.complete) ?? points[0]
        }
        if let point = points.first(where: { $0.id == selector }) { return point }
        if let time = SnapshotTime.parse(selector, zone: zone) {
            if let point = points.first(where: { $0.dumpTime <= time.time + 0.5 }) { return point }
            throw DrillError(.usage, "no restore point at or before \(selector); the oldest is \(points.last!.id)")
        }
        throw DrillError(.usage, "--restore-point '\(selector)' is not latest, a restore point id (\(points.prefix(3).map(\.id).joined(separator: ", "))…) or a time")
    }
}
