@testable import DrillArchive
import Foundation
import Testing

@Suite struct ExtractorTests {
    /// Extracts everything (or what `want` picks) and records each file's bytes.
    final class Collect: ExtractionObserver {
        var prefix = ""
        var want: (String) -> Bool = { _ in true }
        var contents: [String: Data] = [:]
        var current: String?

        func place(_ archivePath: String) -> String? {
            guard archivePath.hasPrefix(prefix) else { return nil }
            return String(archivePath.dropFirst(prefix.count))
        }
        func wants(_ entry: ArchiveEntry, at relative: String) -> Bool { want(relative) }
        func begin(_ relative: String, _ entry: ArchiveEntry) {
            current = relative
            contents[relative] = Data()
        }
        func data(_ bytes: UnsafeRawBufferPointer) { contents[current!]!.append(contentsOf: bytes) }
        func end() { current = nil }
    }

    func allPaths(_ dir: String) -> Set<String> {
        Set((FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? [])
    }

    @Test(arguments: [ArchiveWriter.Format.tar, .tarZstd, .tarGzip, .zip])
    func extractsWithMtimesLinksAndTheBytesSeen(format: ArchiveWriter.Format) throws {
        let dir = tempDir()
        let archive = dir + "/a." + format.fileExtension
        let w = try ArchiveWriter(path: archive, format: format)
        try w.addDirectory("photos/2026", mtime: 1_700_000_000)
        try w.addFile("photos/2026/a.jpg", data: Data(repeating: 7, count: 300_000), mtime: 1_700_000_100)
        try w.addFile("photos/2026/.immich", data: Data("1".utf8), mtime: 1_700_000_200)
        try w.addFile("other/skip.txt", data: Data("x".utf8), mtime: 1)
        if format != .zip {
            try w.addSymlink("photos/latest", target: "2026/a.jpg", mtime: 1_700_000_300)
            try w.addHardlink("photos/copy.jpg", target: "photos/2026/a.jpg", mtime: 1_700_000_100)
        }
        try w.close()
        let root = dir + "/out"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let observer = Collect()
        observer.prefix = "photos/"
        let result = try ArchiveExtractor(path: archive, root: root).extract(observer)
        #expect(result.refused.isEmpty)
        #expect(result.files == (format == .zip ? 2 : 3))
        #expect(observer.contents["2026/a.jpg"] == Data(repeating: 7, count: 300_000))
        var st = stat()
        #expect(stat(root + "/2026/a.jpg", &st) == 0 && st.st_mtim.tv_sec == 1_700_000_100 && st.st_size == 300_000)
        #expect(stat(root + "/2026", &st) == 0 && st.st_mtim.tv_sec == 1_700_000_000)
        #expect(!FileManager.default.fileExists(atPath: root + "/other"))
        if format != .zip {
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/latest") == "2026/a.jpg")
            #expect(observer.contents["copy.jpg"]?.count == 300_000)
            #expect(stat(root + "/copy.jpg", &st) == 0 && st.st_nlink == 2)
        }
        // A sample extracts only what it wants; the rest is skipped.
        let sampled = dir + "/sampled"
        try FileManager.default.createDirectory(atPath: sampled, withIntermediateDirectories: true)
        let picky = Collect()
        picky.prefix = "photos/"
        picky.want = { $0.hasSuffix(".immich") }
        let some = try ArchiveExtractor(path: archive, root: sampled).extract(picky)
        #expect(some.files == 1 && allPaths(sampled) == ["2026", "2026/.immich"])
    }

    @Test func maliciousEntriesWriteNothingOutside() throws {
        let dir = tempDir()
        let outsideName = "pwned-\(UUID().uuidString.prefix(6))"
        let archive = dir + "/evil.tar"
        let w = try ArchiveWriter(path: archive, format: .tar)
        try w.addFile("../\(outsideName)-dotdot", data: Data("x".utf8), mtime: 1)
        try w.addFile("ok/../../\(outsideName)-nested", data: Data("x".utf8), mtime: 1)
        try w.addFile(dir + "/\(outsideName)-absolute", data: Data("x".utf8), mtime: 1)
        try w.addSymlink("root", target: "/", mtime: 1)
        try w.addFile("root" + dir + "/\(outsideName)-through-link", data: Data("x".utf8), mtime: 1)
        try w.addSymlink("up", target: "../..", mtime: 1)
        try w.addSymlink("fine", target: "ok", mtime: 1)
        try w.addFile("fine/through-inside-link", data: Data("x".utf8), mtime: 1)
        try w.addHardlink("passwd", target: "/etc/passwd", mtime: 1)
        try w.addHardlink("parent", target: "../\(outsideName)-dotdot", mtime: 1)
        try w.addFile("ok/good.txt", data: Data("good".utf8), mtime: 1)
        try w.close()
        let root = dir + "/scratch/restore"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let result = try ArchiveExtractor(path: archive, root: root).extract(Collect())
        let reasons = Dictionary(result.refused.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons["../\(outsideName)-dotdot"] == "a '..' component")
        #expect(reasons["ok/../../\(outsideName)-nested"] == "a '..' component")
        #expect(reasons[dir + "/\(outsideName)-absolute"] == "an absolute path")
        #expect(reasons["root"] == "a symlink to /, outside the restore")
        #expect(reasons["up"] == "a symlink to ../.., outside the restore")
        #expect(reasons["passwd"]?.contains("/etc/passwd") == true)
        #expect(reasons["parent"]?.contains("outside the restore") == true)
        // A file under a symlink is refused even when the link stays inside.
        #expect(reasons["fine/through-inside-link"] == "written through the symlink fine")
        #expect(result.refused.count == 8)
        // Nothing anywhere outside the restore folder. The file meant to go through the refused `root` symlink lands
        // in a real folder of that name inside the restore, harmlessly.
        let everything = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        #expect(everything.filter { $0.contains(outsideName) && !$0.hasPrefix("scratch/restore/") } == [])
        #expect(!FileManager.default.fileExists(atPath: "/" + outsideName + "-dotdot"))
        #expect(try String(contentsOfFile: root + "/ok/good.txt", encoding: .utf8) == "good")
        var st = stat()
        #expect(lstat(root + "/root", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR)
        #expect(allPaths(root).filter { !$0.hasPrefix("root") } == Set(["ok", "ok/good.txt", "fine"]))
    }

    @Test func safeRelativePaths() {
        #expect(ArchiveExtractor.safeRelative("./a/./b/") == "a/b")
        #expect(ArchiveExtractor.safeRelative("/a") == nil)
        #expect(ArchiveExtractor.safeRelative("a/../b") == nil)
        #expect(ArchiveExtractor.safeRelative(".") == nil)
        #expect(ArchiveExtractor.symlinkStaysInside("a/b/link", target: "../c"))
        #expect(!ArchiveExtractor.symlinkStaysInside("a/link", target: "../../c"))
        #expect(!ArchiveExtractor.symlinkStaysInside("link", target: "/etc"))
    }
}
