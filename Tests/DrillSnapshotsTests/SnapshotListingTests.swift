@testable import DrillCore
import DrillArchive
import Foundation
import Testing
import DrillTestSupport

@Suite struct SnapshotListingTests {
    /// A whole-host tar.zst: /volume1/docker/immich/{docker-compose.yml,.env,library/<six folders>} plus other things.
    func wholeHostArchive(markers: [String] = Deployment.uploadFolders) throws -> String {
        let path = Fixtures.tempDir("host-tar") + "/host-20261126T030000.tar.zst"
        let w = try ArchiveWriter(path: path, format: .tarZstd)
        try w.addFile("etc/hostname", data: Data("nas\n".utf8), mtime: 1)
        let base = "volume1/docker/immich/"
        try w.addFile(base + "docker-compose.yml", data: Data("services: {}\n".utf8), mtime: 2)
        try w.addFile(base + ".env", data: Data("UPLOAD_LOCATION=./library\n".utf8), mtime: 2)
        for folder in Deployment.uploadFolders {
            try w.addDirectory(base + "library/" + folder, mtime: 3)
            if markers.contains(folder) { try w.addFile(base + "library/\(folder)/.immich", data: Data("1".utf8), mtime: 3) }
        }
        try w.addFile(base + "library/upload/u1/ab/cd/abcd.jpg", data: Data(repeating: 7, count: 1000), mtime: 100)
        try w.addHardlink(base + "library/library/admin/2026/abcd.jpg", target: base + "library/upload/u1/ab/cd/abcd.jpg", mtime: 100)
        try w.addFile(base + "library/thumbs/u1/ab/cd/x-thumbnail.webp", data: Data(repeating: 1, count: 10), mtime: 101)
        try w.addSymlink(base + "library/profile/link", target: "../upload", mtime: 5)
        try w.close()
        return path
    }

    func snapshot(_ path: String, _ kind: Snapshot.Kind) -> Snapshot {
        Snapshot(source: "upload", kind: kind, location: path, time: 0, timeSource: "test")
    }

    @Test func oneArchiveHoldingAllOfUploadLocation() throws {
        let archive = try wholeHostArchive(markers: ["library", "upload", "profile", "backups"])
        var request = ListingRequest(layout: .uploadLocation, path: nil, hostPath: "/volume1/docker/immich/library",
                                     containerPath: "/data")
        request.probes = ["/volume1/docker/immich/docker-compose.yml", "/volume1/docker/immich/.env", "/srv/other.yml"]
        request.keepTable = true
        let l = try SnapshotLister.list(snapshot(archive, .archive), request)
        #expect(l.root == "volume1/docker/immich/library" && l.rootSource == "recognised")
        #expect(l.topLevel == ["etc", "volume1"])
        // Three files and four markers; the hard link counts with its target's size.
        #expect(l.files == 7 && l.bytes == 2014)
        #expect(l.folders["upload"] == FolderStats(present: true, marker: true, files: 2, bytes: 1001))
        #expect(l.folders["library"]?.files == 2 && l.folders["library"]?.marker == true)
        #expect(l.folders["thumbs"]?.present == true && l.folders["thumbs"]?.marker == false)
        #expect(l.folders["encoded-video"]?.marker == false)
        #expect(l.probesFound == ["/volume1/docker/immich/docker-compose.yml", "/volume1/docker/immich/.env"])
        #expect(l.table?.matches("upload/u1/ab/cd/abcd.jpg", size: 1000, mtime: 100) == true)
        #expect(l.table?.matches("library/admin/2026/abcd.jpg", size: 1000, mtime: 101) == true)
        #expect(l.table?.matches("library/admin/2026/abcd.jpg", size: 1000, mtime: 102) == false)
        #expect(l.table?.matches("library/admin/2026/abcd.jpg", size: 999, mtime: 100) == false)
        // What Immich generates is counted, not held: the live check compares it by mtime.
        #expect(l.table?.matches("thumbs/u1/ab/cd/x-thumbnail.webp", size: 10, mtime: 101) == nil && l.table?.count == 4)
        #expect(l.folders["thumbs"]?.files == 1 && l.folders["thumbs"]?.bytes == 10)
        #expect(l.outsideRoot == 3 && l.symlinks == 1)
        // The plan's `path` wins over recognition.
        request.path = "volume1/docker/immich/library/upload"
        request.layout = .folder
        let folder = try SnapshotLister.list(snapshot(archive, .archive), request)
        #expect(folder.rootSource == "plan" && folder.files == 2 && folder.folders[""]?.marker == true)
        #expect(folder.table?.count == 2, "a folder that may hold originals is tabled")
        // A source that is one generated folder alone is counted, with no table.
        request.path = "volume1/docker/immich/library/thumbs"
        request.uploadFolder = "thumbs"
        let thumbs = try SnapshotLister.list(snapshot(archive, .archive), request)
        #expect(thumbs.files == 1 && thumbs.table == nil)
        #expect(request.tables(folder: "upload") && !request.tables(folder: "backups") && !request.tables())
        request.uploadFolder = "library"
        #expect(request.tables())
        request.keepTable = false
        #expect(!request.tables(folder: "upload") && !request.tables())
    }

    @Test func externalFolderUnderItsOwnName() throws {
        let path = Fixtures.tempDir("share-tar") + "/photos.tar.gz"
        let w = try ArchiveWriter(path: path, format: .tarGzip)
        try w.addFile("./photos/2026/a.jpg", data: Data(repeating: 1, count: 5), mtime: 10)
        try w.addFile("./photos/2026/b.jpg", data: Data(repeating: 1, count: 6), mtime: 20)
        try w.close()
        let request = ListingRequest(layout: .folder, path: nil, hostPath: "/volume1/photos", containerPath: "/mnt/media/photos")
        let l = try SnapshotLister.list(snapshot(path, .archive), request)
        #expect(l.root == "photos" && l.files == 2 && l.bytes == 11 && l.newestMtime == 20)
        // Nothing recognisable: the top is the folder.
        let other = ListingRequest(layout: .folder, path: nil, hostPath: "/volume1/pictures", containerPath: "/mnt/pictures")
        #expect(try SnapshotLister.list(snapshot(path, .archive), other).root == "")
    }

    @Test func snapshotFolderOfUploadLocation() throws {
        let snap = Fixtures.tempDir("rsync") + "/20261126T030000"
        for folder in Deployment.uploadFolders {
            Fixtures.write(["library/\(folder)/.immich": "1"], in: snap)
        }
        Fixtures.write(["library/upload/u/a.jpg": "abc", "docker-compose.yml": "services: {}\n"], in: snap)
        var request = ListingRequest(layout: .uploadLocation, path: nil, hostPath: "/opt/immich/library", containerPath: "/data")
        request.probes = ["/opt/immich/docker-compose.yml", "/opt/immich/.env"]
        let l = try SnapshotLister.list(snapshot(snap, .directory), request)
        #expect(l.root == "library" && l.rootSource == "recognised")
        #expect(Deployment.uploadFolders.allSatisfy { l.folders[$0]?.marker == true })
        #expect(l.folders["upload"]?.files == 2 && l.files == 7)
        #expect(l.probesFound == ["/opt/immich/docker-compose.yml"])
    }

    @Test func aCutArchiveIsAClearError() throws {
        let archive = try wholeHostArchive()
        let data = try Data(contentsOf: URL(fileURLWithPath: archive))
        let cut = archive.replacingOccurrences(of: ".tar.zst", with: "-cut.tar.zst")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let request = ListingRequest(layout: .uploadLocation, path: nil, hostPath: nil, containerPath: nil)
        do {
            _ = try SnapshotLister.list(snapshot(cut, .archive), request)
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.file == cut && error.message == "cannot list this archive")
        }
    }
}
