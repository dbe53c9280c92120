@testable import DrillArchive
import Foundation
import Testing

@Suite struct ArchivesTests {
    func build(_ format: ArchiveWriter.Format, in dir: String) throws -> String {
        let path = dir + "/snapshot." + format.fileExtension
        try "from disk\n".write(toFile: dir + "/source.txt", atomically: true, encoding: .utf8)
        let writer = try ArchiveWriter(path: path, format: format)
        try writer.addDirectory("library/", mtime: 1_700_000_000)
        try writer.addDirectory("library/upload/", mtime: 1_700_000_000)
        try writer.addFile("library/upload/.immich", data: Data("1700000000000".utf8), mtime: 1_700_000_001)
        try writer.addFile("library/upload/ab/cd/😀 tab\there.jpg", size: 200_000, mtime: 1_700_000_002) { write in
            let chunk = [UInt8](repeating: 0xAB, count: 50_000)
            for _ in 0..<4 { try chunk.withUnsafeBytes { try write($0) } }
        }
        try writer.addFile("library/profile/source.txt", from: dir + "/source.txt", mtime: 1_700_000_003)
        if format != .zip {
            try writer.addSymlink("library/link", target: "../outside", mtime: 1_700_000_004)
            try writer.addHardlink("library/hard", target: "library/upload/.immich", mtime: 1_700_000_004)
        }
        try writer.close()
        return path
    }

    @Test(arguments: ArchiveWriter.Format.allCases)
    func writeThenList(format: ArchiveWriter.Format) throws {
        let dir = tempDir()
        let path = try build(format, in: dir)
        let lister = try ArchiveLister(path: path)
        var entries: [ArchiveEntry] = []
        try lister.forEachEntry { entries.append($0); return true }
        let byPath = Dictionary(entries.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["library/upload/ab/cd/😀 tab\there.jpg"]?.size == 200_000)
        #expect(byPath["library/upload/ab/cd/😀 tab\there.jpg"]?.mtime == 1_700_000_002)
        #expect(byPath["library/upload/.immich"]?.type == .file)
        #expect(byPath["library/profile/source.txt"]?.size == 10)
        #expect(byPath["library/upload/"]?.type == .directory || byPath["library/upload"]?.type == .directory)
        if format != .zip {
            #expect(byPath["library/link"] == ArchiveEntry(path: "library/link", type: .symlink, size: 0,
                                                           mtime: 1_700_000_004, linkTarget: "../outside"))
            #expect(byPath["library/hard"]?.type == .hardlink)
            #expect(byPath["library/hard"]?.linkTarget == "library/upload/.immich")
        }
        let expected = ["tar": "none", "tar.gz": "gzip", "tar.zst": "zstd", "tar.xz": "xz", "zip": "none"]
        #expect(lister.compression == expected[format.rawValue])
        // The real bsdtar agrees.
        let listing = try sh("bsdtar -tf '\(path)'")
        #expect(listing.contains("library/upload/.immich"))
    }

    @Test func cutArchiveIsAnError() throws {
        let dir = tempDir()
        let path = try build(.tarZstd, in: dir)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.tar.zst"))
        #expect(throws: ArchiveError.self) {
            try ArchiveLister(path: dir + "/cut.tar.zst").forEachEntry { _ in true }
        }
        #expect(throws: ArchiveError.self) { try ArchiveLister(path: dir + "/missing.tar") }
    }
}
