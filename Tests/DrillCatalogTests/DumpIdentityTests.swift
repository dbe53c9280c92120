@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct DumpIdentityTests {
    func id(_ name: String, tz: String? = nil) -> DumpIdentity { DumpIdentity.of(path: "/nonexistent/" + name, timeZone: tz) }

    @Test func epochMilliseconds() {
        let d = id("immich-db-backup-1730000000000.sql.gz", tz: "Asia/Tokyo")
        #expect(d.origin == .automatic && !d.failed)
        #expect(d.time == 1_730_000_000)
        #expect(d.timeSource == "name (epoch milliseconds, UTC)", "epoch milliseconds are UTC whatever the zone")
        #expect(d.immichVersion == nil)
    }

    @Test func localTimeWithVersions() {
        let d = id("immich-db-backup-20250729T114018-v1.136.0-pg14.17.sql.gz", tz: "Europe/Berlin")
        #expect(d.time == 1_753_782_018) // 11:40:18 CEST = 09:40:18 UTC
        #expect(d.timeZone == "Europe/Berlin")
        #expect(d.immichVersion == "1.136.0" && d.postgresVersion == "14.17")
        let utc = id("immich-db-backup-20250729T114018-v1.136.0-pg14.17.sql.gz")
        #expect(utc.time == 1_753_789_218)
        #expect(utc.timeSource.contains("read as UTC"))
        // Either side of midnight and of a DST change.
        #expect(id("immich-db-backup-20251026T023000-v2.1.0-pg16.4.sql.gz", tz: "Europe/Berlin").time != nil)
        #expect(id("immich-db-backup-20250101T000500-v2.1.0-pg16.4.sql.gz", tz: "America/New_York").time ==
            1_735_707_900) // 00:05 EST = 05:05 UTC on 1 January
    }

    @Test func otherNames() {
        let restore = id("restore-point-immich-db-backup-20260101T010203-v2.5.0-pg16.9.sql.gz")
        #expect(restore.origin == .restorePoint && restore.immichVersion == "2.5.0")
        let uploaded = id("uploaded-my backup.sql")
        #expect(uploaded.origin == .uploaded && uploaded.time == nil)
        let failed = id("immich-db-backup-1730000000000.sql.gz.tmp")
        #expect(failed.failed && failed.origin == .automatic && failed.time == 1_730_000_000)
        let own = id("immich-database.sql")
        #expect(own.origin == .other && own.time == nil && own.timeSource == "unknown")
        #expect(id("immich-db-backup-2025.sql.gz").time == nil, "an unparseable time is no time")
        #expect(id("immich-db-backup-20251399T999999-v2-pg16.sql.gz").time == nil)
    }

    @Test func mtimeWhenTheNameHasNoTime() throws {
        let dir = Fixtures.tempDir("ident")
        let path = dir + "/nightly.sql.gz"
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)],
                                              ofItemAtPath: path)
        let d = DumpIdentity.of(path: path, timeZone: nil)
        #expect(d.time == 1_700_000_000)
        #expect(d.timeSource.hasPrefix("mtime"))
        #expect(d.sizeBytes == 1)
    }
}
