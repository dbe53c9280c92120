@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

/// Discovery of snapshots: patterns, dump folders, backup-tool commands.
@Suite struct SnapshotTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    func touch(_ path: String, mtime: Double? = nil, directory: Bool = false) {
        Fixtures.mkdir((path as NSString).deletingLastPathComponent)
        if directory {
            Fixtures.mkdir(path)
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        }
        if let mtime { try? DemoWriter.setMtime(path, mtime) }
    }

    func discover(_ id: SourceID, _ location: SnapshotLocation, plan: String = "/tmp/plan.yml") throws -> DiscoveredSource {
        try SnapshotDiscovery(planFile: plan, fileZone: berlin, dumpZone: "Europe/Berlin")
            .discover(PlannedSource(id: id, location: location))
    }

    @Test func archivePatternsReadTimesFromNames() throws {
        let dir = Fixtures.tempDir("pattern")
        for name in ["upload-20261124T030000.tar.zst", "upload-20261126T030000.tar.zst", "upload-20261125T030000.tar.zst",
                     "upload-latest.tar.zst", "other-20261126T030000.tar.zst", ".upload-20261127T030000.tar.zst"] {
            touch(dir + "/" + name, mtime: 1_700_000_000)
        }
        touch(dir + "/upload-20261123T030000.tar.zst", directory: true) // a folder, not an archive
        let found = try discover("upload", .archive(pattern: dir + "/upload-{time}.tar.zst", path: nil))
        #expect(found.snapshots.map(\.name) == ["upload-20261126T030000.tar.zst", "upload-20261125T030000.tar.zst",
                                                 "upload-20261124T030000.tar.zst", "upload-latest.tar.zst"])
        #expect(found.snapshots[0].time == 1_795_658_400) // 2026-11-26T02:00:00Z
        #expect(found.snapshots[0].timeSource == "name (local time in Europe/Berlin)")
        // The unparseable name is kept, with its mtime, and said so.
        #expect(found.snapshots[3].time == 1_700_000_000)
        #expect(found.snapshots[3].timeSource.hasPrefix("mtime ('latest' is not a time"))
        #expect(found.notes.contains { $0.contains("upload-latest.tar.zst") })
        #expect(found.snapshots.allSatisfy { $0.bytes == 1 && $0.kind == .archive })
        // A glob has no {time}: mtimes.
        let glob = try discover("upload", .archive(pattern: dir + "/other-*.tar.zst", path: nil))
        #expect(glob.snapshots.count == 1 && glob.snapshots[0].timeSource == "mtime (the pattern has no {time})")
    }

    @Test func snapshotFolderTreesWithTheTimeInTheMiddle() throws {
        // Synology / btrfs: /volume1/@snapshots/<time>/photos; one night has no photos folder.
        let root = Fixtures.tempDir("tree")
        for stamp in ["2026-11-24_03-30", "2026-11-25_03-30", "2026-11-26_03-30"] {
            touch(root + "/@snapshots/\(stamp)/photos/2026/a.jpg")
        }
        touch(root + "/@snapshots/2026-11-23_03-30/music/a.mp3")
        let found = try discover("external:/mnt/media/photos", .directory(pattern: root + "/@snapshots/{time}/photos", path: nil))
        #expect(found.snapshots.map { ($0.location as NSString).deletingLastPathComponent.split(separator: "/").last! }
            == ["2026-11-26_03-30", "2026-11-25_03-30", "2026-11-24_03-30"])
        #expect(found.snapshots.allSatisfy { $0.kind == .directory && $0.timeSource.hasPrefix("name") })
        // ZFS: .zfs/snapshot/{name}, times from mtimes; hidden segments are literal.
        touch(root + "/tank/.zfs/snapshot/autosnap_a", mtime: 1_790_000_000, directory: true)
        touch(root + "/tank/.zfs/snapshot/autosnap_b", mtime: 1_790_086_400, directory: true)
        let zfs = try discover("external:/mnt/media/photos", .directory(pattern: root + "/tank/.zfs/snapshot/{name}", path: nil))
        #expect(zfs.snapshots.map(\.name) == ["autosnap_b", "autosnap_a"])
        #expect(zfs.snapshots[0].time == 1_790_086_400)
        // A pattern whose fixed part is missing finds nothing and says why.
        let missing = try discover("upload", .directory(pattern: root + "/nowhere/{time}", path: nil))
        #expect(missing.snapshots.isEmpty && missing.notes == ["\(root)/nowhere not found"])
        #expect(throws: DrillError.self) { try SnapshotPattern(root + "/{time}/{time}") }
    }

    @Test func dumpFoldersWithImmichNamesFailedRunsAndNone() throws {
        let dir = Fixtures.tempDir("dumps")
        touch(dir + "/immich-db-backup-20261126T020000-v2.7.5-pg14.20.sql.gz")
        touch(dir + "/immich-db-backup-1795573800000.sql.gz")
        touch(dir + "/immich-db-backup-20261127T020000-v2.7.5-pg14.20.sql.gz.tmp")
        touch(dir + "/immich-database.sql", mtime: 1_795_000_000)
        touch(dir + "/notes.txt")
        let found = try discover("database", .dumps([dir]))
        #expect(found.snapshots.count == 4)
        #expect(found.usable.map(\.name) == ["immich-db-backup-20261126T020000-v2.7.5-pg14.20.sql.gz",
                                              "immich-db-backup-1795573800000.sql.gz", "immich-database.sql"])
        #expect(found.snapshots.filter(\.failed).map(\.name) == ["immich-db-backup-20261127T020000-v2.7.5-pg14.20.sql.gz.tmp"])
        #expect(found.usable[1].timeSource == "name (epoch milliseconds, UTC)")
        #expect(found.usable[2].timeSource.hasPrefix("mtime"))

        let tmpOnly = Fixtures.tempDir("tmp-only")
        touch(tmpOnly + "/immich-db-backup-20261126T020000-v2.7.5-pg14.20.sql.gz.tmp")
        let failed = try discover("database", .dumps([tmpOnly]))
        #expect(failed.snapshots.count == 1 && failed.usable.isEmpty)
        let none = try discover("database", .dumps([tmpOnly + "/missing"]))
        #expect(none.snapshots.isEmpty && none.notes == ["dump folder \(tmpOnly)/missing not found"])
    }

    @Test func commandSourcesListThroughTheirTool() throws {
        let dir = Fixtures.tempDir("command")
        let script = dir + "/fake-restic"
        try """
        #!/bin/sh
        # a backup tool's snapshot list: <id> <time>
        echo "# id time"
        echo "4f2a9c1e 2026-11-26T03:10:00.123456789+01:00"
        echo ""
        echo "9b1c0d2e 2026-11-25T03:10:00Z"
        echo "77aa0011   2026-11-24 03:10:00"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let plan = dir + "/plan.yml"
        // Relative commands run in the plan's folder.
        let found = try discover("external:/mnt/media/photos", .command(list: "./fake-restic", restore: "x {id} {target}", path: nil),
                                 plan: plan)
        #expect(found.snapshots.map(\.location) == ["4f2a9c1e", "9b1c0d2e", "77aa0011"])
        #expect(abs(found.snapshots[0].time! - 1_795_659_000.123) < 0.001)
        #expect(found.snapshots[0].timeSource == "list output (offset +01:00)")
        #expect(found.snapshots[2].timeSource == "list output (local time in Europe/Berlin)")

        // A line that is not `<id> <time>`: the output, its line and what was expected.
        try "#!/bin/sh\necho 'abc 2026-11-26T03:00:00Z'\necho 'garbage'\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        do {
            _ = try discover("upload", .command(list: script, restore: "x {id} {target}", path: nil), plan: plan)
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.file == "sources.upload.command.list output" && error.line == 2)
            #expect(error.message.contains("expected `<snapshot id> <ISO-8601 time>`, got 'garbage'"))
        }
        // A failing tool: its exit status and stderr.
        do {
            _ = try discover("upload", .command(list: "echo 'repository not found' >&2; exit 3", restore: "x {id} {target}", path: nil), plan: plan)
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.message.contains("exit status 3") && error.cause == "repository not found")
        }
        // A hanging tool is stopped at the deadline.
        var discovery = SnapshotDiscovery(planFile: plan, fileZone: berlin, dumpZone: nil)
        discovery.commandTimeout = 1
        let started = Date()
        #expect(throws: DrillError.self) {
            _ = try discovery.discover(PlannedSource(id: "upload", location: .command(list: "sleep 30; echo x", restore: "{id}{target}", path: nil)))
        }
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func initFindsFileSystemSnapshotsAboveASource() throws {
        // ZFS: the dataset /tank/photos has .zfs/snapshot; the source is a folder inside it.
        let root = Fixtures.tempDir("suggest")
        touch(root + "/tank/photos/.zfs/snapshot/daily-2026-11-26/family/a.jpg")
        touch(root + "/tank/photos/family/a.jpg")
        let zfs = try #require(SnapshotSuggestions.fileSystemSnapshots(of: root + "/tank/photos/family"))
        #expect(zfs.0 == .directory(pattern: root + "/tank/photos/.zfs/snapshot/{name}/family", path: nil))
        // The suggested pattern finds the snapshot.
        let found = try discover("external:/mnt/family", zfs.0)
        #expect(found.snapshots.map(\.location) == [root + "/tank/photos/.zfs/snapshot/daily-2026-11-26/family"])
        // snapper: <subvolume>/.snapshots/<n>/snapshot/…
        touch(root + "/srv/.snapshots/12/snapshot/immich/library/x", directory: true)
        Fixtures.mkdir(root + "/srv/immich/library")
        let snapper = try #require(SnapshotSuggestions.fileSystemSnapshots(of: root + "/srv/immich/library"))
        #expect(snapper.0 == .directory(pattern: root + "/srv/.snapshots/{name}/snapshot/immich/library", path: nil))
        #expect(SnapshotSuggestions.fileSystemSnapshots(of: root + "/plain/folder") == nil)
    }
}
