@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct RestorePointTests {
    let day = 86_400.0
    let t0 = 1_795_651_200.0 // 2026-11-26T00:00:00Z

    func snap(_ source: SourceID, _ time: Double, kind: Snapshot.Kind = .archive) -> Snapshot {
        Snapshot(source: source, kind: kind, location: "/b/\(source)-\(Int(time))", time: time, timeSource: "test")
    }

    func discovered(_ id: SourceID, _ times: [Double]) -> DiscoveredSource {
        DiscoveredSource(planned: PlannedSource(id: id, location: .archive(pattern: "/b/{time}", path: nil)),
                         snapshots: times.map { snap(id, $0) }.sorted { $0.time! > $1.time! }, notes: [])
    }

    @Test func pairsEachDumpWithTheSnapshotsThatFitIt() throws {
        let dumps = [0.0, 1, 2].map { snap("database", t0 - $0 * day + 7200, kind: .dump) }
            + [Snapshot(source: "database", kind: .dump, location: "/b/x.sql.gz.tmp", time: t0 + 7200, timeSource: "t", failed: true)]
        // Uploads an hour after each dump; photos 30 minutes before the newest and 8 hours after the older ones.
        let upload = discovered("upload", [0.0, 1, 2].map { t0 - $0 * day + 10_800 })
        let photos = discovered("external:/p", [t0 + 5400, t0 - day + 7200 + 8 * 3600, t0 - 2 * day + 7200 + 8 * 3600])
        let points = RestorePlanner.points(dumps: dumps, fileSources: [upload, photos], maxSkew: 6 * 3600, now: t0 + day)
        #expect(points.count == 3) // the failed dump is no restore point
        let newest = points[0]
        #expect(newest.id == "20261126T020000Z")
        #expect(newest.members.map(\.offsetSeconds) == [0, 3600, -1800])
        #expect(newest.skewSeconds == 5400 && !newest.skewExceeded && newest.complete)
        #expect(newest.rpoSeconds == Int(day) - 5400) // from the oldest member, the photos snapshot
        // The day before: photos 8 h after the dump is beyond max-skew, so the newest before it is taken:
        // that is the day before's +8 h snapshot, 16 h earlier.
        let second = points[1]
        #expect(second.members[2].offsetSeconds == -16 * 3600)
        #expect(second.skewExceeded && second.skewSeconds == 17 * 3600)
        // The oldest: nothing before it, so the first after it, however late.
        #expect(points[2].members[2].offsetSeconds == 8 * 3600 && points[2].skewExceeded)
    }

    @Test func incompletePointsAndSelection() throws {
        let dumps = [snap("database", t0, kind: .dump), snap("database", t0 - day, kind: .dump),
                     snap("database", t0 - day, kind: .dump)]
        let upload = discovered("upload", [t0 - day + 3600])
        let empty = discovered("external:/family", [])
        let points = RestorePlanner.points(dumps: dumps, fileSources: [upload, empty], maxSkew: 3600, now: t0,
                                           unreadableDumps: [dumps[0].location])
        #expect(points.map(\.id) == ["20261126T000000Z", "20261125T000000Z", "20261125T000000Z-2"])
        #expect(points.allSatisfy { $0.missing == ["external:/family"] && !$0.complete })
        #expect(points[0].dumpReadable == false)
        // latest: the newest complete point, else the newest.
        #expect(try RestorePlanner.select("latest", from: points, zone: nil).id == "20261126T000000Z")
        #expect(try RestorePlanner.select("20261125T000000Z-2", from: points, zone: nil) == points[2])
        // A time picks the newest point at or before it, in the zone given.
        let berlin = TimeZone(identifier: "Europe/Berlin")
        #expect(try RestorePlanner.select("2026-11-26T00:30:00", from: points, zone: berlin).id == "20261125T000000Z")
        #expect(try RestorePlanner.select("2026-11-26T01:30:00", from: points, zone: berlin).id == "20261126T000000Z")
        #expect(throws: DrillError.self) { try RestorePlanner.select("2020-01-01", from: points, zone: nil) }
        #expect(throws: DrillError.self) { try RestorePlanner.select("yesterday", from: points, zone: nil) }
        #expect(throws: DrillError.self) { try RestorePlanner.select("latest", from: [], zone: nil) }
    }
}
