@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct SnapshotTimeTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!
    let utc = TimeZone(identifier: "UTC")!

    func iso(_ text: String) -> Double { ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970 }

    @Test(arguments: [
        // text, expected UTC, reading
        ("20261126T030000", "2026-11-26T02:00:00Z", "local time in Europe/Berlin"),
        ("20261126T030000Z", "2026-11-26T03:00:00Z", "UTC"),
        ("20261126T030000+0100", "2026-11-26T02:00:00Z", "offset +01:00"),
        ("2026-11-26T03:00:00", "2026-11-26T02:00:00Z", "local time in Europe/Berlin"),
        ("2026-11-26T03:00:00.123456789+01:00", "2026-11-26T02:00:00Z", "offset +01:00"),
        ("2026-11-26T03:00:00-05:00", "2026-11-26T08:00:00Z", "offset -05:00"),
        ("2026-11-26 03:00:00", "2026-11-26T02:00:00Z", "local time in Europe/Berlin"),
        ("2026-11-26_03-30", "2026-11-26T02:30:00Z", "local time in Europe/Berlin"),
        ("2026-11-26_03-30-15", "2026-11-26T02:30:15Z", "local time in Europe/Berlin"),
        ("2026-11-26-0330", "2026-11-26T02:30:00Z", "local time in Europe/Berlin"),
        ("20261126033000", "2026-11-26T02:30:00Z", "local time in Europe/Berlin"),
        ("20261126_0330", "2026-11-26T02:30:00Z", "local time in Europe/Berlin"),
        ("2026-11-26", "2026-11-25T23:00:00Z", "local time in Europe/Berlin"),
        ("20261126", "2026-11-25T23:00:00Z", "local time in Europe/Berlin"),
        ("1795660200", "2026-11-26T02:30:00Z", "epoch seconds"),
        ("1795660200000", "2026-11-26T02:30:00Z", "epoch milliseconds"),
        // Summer time: +02:00.
        ("2026-07-01T03:00:00", "2026-07-01T01:00:00Z", "local time in Europe/Berlin"),
    ])
    func readsTheFormatsBackupToolsWrite(text: String, expected: String, reading: String) throws {
        let parsed = try #require(SnapshotTime.parse(text, zone: berlin), "\(text)")
        #expect(abs(parsed.time - iso(expected)) < 1, "\(text)")
        #expect(parsed.reading == reading)
    }

    @Test(arguments: ["", "latest", "photos", "2026-13-01", "2026-02-30", "20261126T250000", "12345", "2026-11-26Tfoo",
                      "abc2026-11-26", "2026-11-26T03:00:00+25:00", "99999999999999999"])
    func rejectsWhatIsNoTime(text: String) {
        #expect(SnapshotTime.parse(text, zone: berlin) == nil, "\(text)")
    }

    @Test func zonesEitherSideOfMidnight() throws {
        // 00:30 in Berlin is the previous day in UTC; 23:30 in New York is the next day in UTC.
        let early = try #require(SnapshotTime.parse("20261126T003000", zone: berlin))
        #expect(early.time == iso("2026-11-25T23:30:00Z"))
        let late = try #require(SnapshotTime.parse("2026-11-25_23-30", zone: TimeZone(identifier: "America/New_York")))
        #expect(late.time == iso("2026-11-26T04:30:00Z"))
        // Without a zone, local times are read as UTC and said so.
        let bare = try #require(SnapshotTime.parse("20261126T003000", zone: nil))
        #expect(bare.time == iso("2026-11-26T00:30:00Z") && bare.reading == "local time; no zone known, read as UTC")
        #expect(SnapshotTime.display(early.time, zone: berlin) == "2026-11-26 00:30")
        #expect(SnapshotTime.display(early.time, zone: utc) == "2026-11-25 23:30")
    }
}
