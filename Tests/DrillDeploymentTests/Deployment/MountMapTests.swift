@testable import DrillCore
import Testing
import DrillTestSupport

@Suite struct MountMapTests {
    let map = MountMap(bindings: [
        .init(containerPath: "/data", hostPath: "/srv/immich/library", readOnly: false),
        .init(containerPath: "/data/thumbs", hostPath: "/ssd/thumbs", readOnly: false),
        .init(containerPath: "/mnt/media/photos", hostPath: "/volume1/photos", readOnly: true),
        .init(containerPath: "/mnt/nfs", hostPath: nil, readOnly: true),
    ], aliases: [
        MountAlias(host: "/volume1", drill: "/mnt/nas"),
        MountAlias(host: "/volume1/photos/special", drill: "/elsewhere"),
        MountAlias(container: "/mnt/nfs", drill: "/mnt/nfs-here"),
    ])

    @Test func longestPrefixWins() {
        #expect(map.resolve(containerPath: "/data/upload/u1/ab/cd/x.jpg").hostPath == "/srv/immich/library/upload/u1/ab/cd/x.jpg")
        #expect(map.resolve(containerPath: "/data/thumbs/u1/a.webp").hostPath == "/ssd/thumbs/u1/a.webp")
        #expect(map.resolve(containerPath: "/data").hostPath == "/srv/immich/library")
    }

    @Test func hostToDrillThroughAliases() {
        #expect(map.resolve(containerPath: "/mnt/media/photos/2024/IMG_1.jpg").drillPath == "/mnt/nas/photos/2024/IMG_1.jpg")
        #expect(map.resolve(containerPath: "/mnt/media/photos/special/a.jpg").drillPath == "/elsewhere/a.jpg")
        #expect(map.resolve(containerPath: "/data/upload/x").drillPath == "/srv/immich/library/upload/x",
                "no alias: the drill runs on the Docker host")
        #expect(map.resolve(containerPath: "/mnt/nfs/a/b.jpg").drillPath == "/mnt/nfs-here/a/b.jpg")
        #expect(map.resolve(containerPath: "/mnt/nfs/a/b.jpg").hostPath == nil)
    }

    @Test func componentPrefixesOnly() {
        #expect(map.resolve(containerPath: "/mnt/media/photos2/a.jpg") == .notMounted)
        #expect(map.resolve(containerPath: "/database/x") == .notMounted)
        #expect(map.drillPath(forHost: "/volume10/x") == "/volume10/x")
    }

    @Test func notMountedIsAnAnswer() {
        #expect(map.resolve(containerPath: "/usr/src/app/upload/upload/a.jpg") == .notMounted)
        #expect(!map.resolve(containerPath: "relative/path").isMounted)
        #expect(MountMap(bindings: []).resolve(containerPath: "/data") == .notMounted)
    }

    @Test func normalizesBeforeComparing() {
        #expect(map.resolve(containerPath: "/data//upload/./a/../b.jpg").hostPath == "/srv/immich/library/upload/b.jpg")
        #expect(map.resolve(containerPath: "/mnt/media/photos/../photos/x").drillPath == "/mnt/nas/photos/x")
    }

    @Test func reverseFromHost() {
        #expect(map.containerPath(forHost: "/volume1/photos/2024/a.jpg") == "/mnt/media/photos/2024/a.jpg")
        #expect(map.containerPath(forHost: "/ssd/thumbs/x") == "/data/thumbs/x")
        #expect(map.containerPath(forHost: "/nowhere") == nil)
    }
}
