import Foundation
import Testing
@testable import DrillCore
import DrillTestSupport

struct FileSnapshotKindTests {
    @Test func everyFileSnapshotKindIsRegisteredOnce() {
        for kind in Snapshot.Kind.allCases where kind != .dump {
            #expect(FileSnapshotKinds.all.filter { $0.kind == kind }.count == 1, "\(kind) is registered once")
        }
        #expect(FileSnapshotKinds.of(kind: .dump) == nil)
        let locations: [SnapshotLocation] = [
            .archive(pattern: "/b/upload-{time}.tar.zst", path: nil),
            .directory(pattern: "/b/@snapshots/{time}/photos", path: "photos"),
            .command(list: "restic snapshots", restore: "restic restore {id} --target {target}", path: nil),
        ]
        for location in locations {
            #expect(FileSnapshotKinds.all.filter { $0.accepts(location) }.count == 1, "\(location)")
            #expect(FileSnapshotKinds.of(location)?.kind.rawValue == location.kindName)
        }
        #expect(FileSnapshotKinds.of(.dumps(["/b/db"])) == nil)
        #expect(SnapshotLocation.dumps(["/b/db"]).kindName == "dumps")
    }

    @Test func fixedPathsAreWhatEveryMatchIsInside() {
        #expect(FileSnapshotKinds.fixedPaths(.dumps(["/b/db", "/c"])) == ["/b/db", "/c"])
        #expect(FileSnapshotKinds.fixedPaths(.archive(pattern: "/backups/immich/{time}/up-*.tar", path: nil)) == ["/backups/immich"])
        #expect(FileSnapshotKinds.fixedPaths(.directory(pattern: "/volume1/@snap[0-9]/photos", path: nil)) == ["/volume1"])
        #expect(FileSnapshotKinds.fixedPaths(.command(list: "l", restore: "r {id} {target}", path: nil)).isEmpty)
        #expect(FileSnapshotKinds.of(kind: .archive)?.locationsArePaths == true)
        #expect(FileSnapshotKinds.of(kind: .command)?.locationsArePaths == false)
    }

    @Test func restoreCommandsQuoteEveryValue() {
        let archive = ArchiveSnapshots().restoreCommand(location: "/b/it's.tar", inside: "a b", target: "/t/x", restore: nil, planFolder: "/p")
        #expect(archive == "immich-drill extract '/b/it'\\''s.tar' '/t/x' --inside 'a b'")
        let folder = DirectorySnapshots().restoreCommand(location: "/s/$HOME", inside: "", target: "/t", restore: nil, planFolder: "/p")
        #expect(folder == "rsync -aHAX --numeric-ids '/s/$HOME/' '/t/'")
        let tool = CommandSnapshots().restoreCommand(location: "ab;rm", inside: "", target: "/t", restore: "restic restore {id} --target {target}", planFolder: "/p q")
        #expect(tool.hasPrefix("(cd '/p q' && mkdir -p '/t' && restic restore "))
        #expect(tool.contains("'ab;rm'"))
    }
}
