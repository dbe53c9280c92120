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
        #expect(reasons["passwd"]?.contains("/etc/passwd") == true)
        #expect(reasons["parent"]?.contains("outside the restore") == true)
        // Nothing is ever written through a symlink, wherever it points.
        #expect(reasons["root" + dir + "/\(outsideName)-through-link"] == "written through the symlink root")
        #expect(reasons["fine/through-inside-link"] == "written through the symlink fine")
        #expect(result.refused.count == 7)
        // Links are restored as links (never followed); those pointing outside are reported.
        #expect(Set(result.linksOutside.map(\.path)) == ["root", "up"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/root") == "/")
        let everything = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        #expect(everything.filter { $0.contains(outsideName) && !$0.hasPrefix("scratch/restore/") } == [])
        #expect(!FileManager.default.fileExists(atPath: "/" + outsideName + "-dotdot"))
        #expect(try String(contentsOfFile: root + "/ok/good.txt", encoding: .utf8) == "good")
    }

    /// The folders above the extraction root, each with a canary photo an attacker would like to replace.
    struct Canaries {
        let dir: String
        let root: String
        init() throws {
            dir = tempDir()
            root = dir + "/a/b/c/d/restore"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            var folder = dir + "/a/b/c/d"
            while folder.count >= dir.count {
                try FileManager.default.createDirectory(atPath: folder + "/canary", withIntermediateDirectories: true)
                try Data("live photo in \(folder)".utf8).write(to: URL(fileURLWithPath: folder + "/canary/photo.jpg"))
                folder = (folder as NSString).deletingLastPathComponent
            }
        }

        /// Every path outside the root with its type, size, content and link text: changes show as a difference.
        func snapshot() -> [String: String] {
            var out: [String: String] = [:]
            let walker = FileManager.default.enumerator(atPath: dir)
            while let rel = walker?.nextObject() as? String {
                if rel.hasPrefix("a/b/c/d/restore") || rel.hasSuffix(".tar") { continue }
                let path = dir + "/" + rel
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                var text = "mode \(st.st_mode) size \(st.st_size) links \(st.st_nlink)"
                if (st.st_mode & S_IFMT) == S_IFREG { text += " " + ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "?") }
                if (st.st_mode & S_IFMT) == S_IFLNK { text += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?") }
                out[rel] = text
            }
            return out
        }
    }

    /// A chain of `depth` symlinks, each harmless alone by its text, that together lead `depth - 1` folders above
    /// the root: `l1 = zz/b/s -> ../..` (the root), `l2 = y2/c/t -> ../../zz/b/s/..` (one above), and so on.
    static func chain(_ depth: Int) -> (links: [(String, String)], last: String) {
        var links = [("zz/b/s", "../..")]
        for k in 2...max(2, depth) where k <= depth {
            links.append(("y\(k)/c/t", "../../\(links.last!.0)/.."))
        }
        return (links, links.last!.0)
    }

    @Test(arguments: [2, 3, 4, 5], [false, true])
    func symlinkChainsCannotLeadOutside(depth: Int, inside: Bool) throws {
        let canaries = try Canaries()
        let before = canaries.snapshot()
        let pre = inside ? "library/" : ""
        let (links, last) = ExtractorTests.chain(depth)
        var tar = RawTar()
        tar.file(pre + "ok/good.txt", "good")
        for (name, target) in links { tar.symlink(pre + name, target) }
        let through = [
            tar.file(pre + last + "/canary/photo.jpg", "EVIL"),
            tar.directory(pre + last + "/canary/newdir"),
            tar.symlink(pre + last + "/canary/evil", "/etc"),
            tar.hardlink(pre + last + "/canary/hl", pre + "ok/good.txt"),
            tar.file(pre + last + "/canary/photo.jpg", "EVIL AGAIN"),
            tar.file(pre + last + "/new-file.txt", "EVIL"),
        ]
        // Hard-linking a live file into the restore, through the chain.
        let steal = tar.hardlink(pre + "ok/steal", pre + last + "/canary/photo.jpg")
        tar.file(pre + "ok/after.txt", "after")
        let archive = canaries.dir + "/evil.tar"
        try tar.write(archive)
        let observer = Collect()
        observer.prefix = pre
        let result = try ArchiveExtractor(path: archive, root: canaries.root).extract(observer)
        let refused = Set(result.refused.map(\.path))
        #expect(refused.isSuperset(of: through), "every entry through the chain is refused")
        #expect(refused.contains(steal))
        #expect(canaries.snapshot() == before, "nothing outside the root changed")
        #expect(try String(contentsOfFile: canaries.root + "/ok/after.txt", encoding: .utf8) == "after")
        #expect(!FileManager.default.fileExists(atPath: canaries.root + "/ok/steal"))
        // The links themselves are restored as links, never followed.
        #expect(result.symlinks == links.count)
    }

    @Test func linksReplacedMidArchiveAndFoldersTurnedIntoLinks() throws {
        let canaries = try Canaries()
        let before = canaries.snapshot()
        var tar = RawTar()
        // A folder, then a symlink of the same name (refused: a folder is there), then files into it.
        tar.directory("x")
        let replaced = tar.symlink("x", "../../../..")
        tar.file("x/inside.txt", "fine")
        // A file, then a symlink replacing it, then a file written through the name.
        tar.file("f", "plain")
        tar.symlink("f", "..")
        let through = tar.file("f/escape.txt", "EVIL")
        // A hard link to a symlink the archive made (never a file this extraction wrote).
        tar.symlink("up", "../../../../canary/photo.jpg")
        let viaLink = tar.hardlink("hl", "up")
        let archive = canaries.dir + "/evil.tar"
        try tar.write(archive)
        let result = try ArchiveExtractor(path: archive, root: canaries.root).extract(Collect())
        let refused = Set(result.refused.map(\.path))
        #expect(refused == [replaced, through, viaLink])
        #expect(canaries.snapshot() == before)
        #expect(try String(contentsOfFile: canaries.root + "/x/inside.txt", encoding: .utf8) == "fine")
    }

    @Test func aRootThatIsASymlinkIsRefused() throws {
        let canaries = try Canaries()
        let link = canaries.dir + "/link-root"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: canaries.dir + "/a")
        var tar = RawTar()
        tar.file("x", "y")
        try tar.write(canaries.dir + "/t.tar")
        #expect(throws: ArchiveError.self) { try ArchiveExtractor(path: canaries.dir + "/t.tar", root: link) }
    }

    @Test func namesThatAreNotUTF8AreKeptAsBytes() throws {
        let dir = tempDir()
        var tar = RawTar()
        tar.file(Array("M".utf8) + [0xFC] + Array("nchen.jpg".utf8), "u")
        tar.file(Array("M".utf8) + [0xFD] + Array("nchen.jpg".utf8), "y")
        try tar.write(dir + "/latin1.tar")
        let root = dir + "/out"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let observer = Collect()
        let result = try ArchiveExtractor(path: dir + "/latin1.tar", root: root).extract(observer)
        #expect(result.files == 2 && result.refused.isEmpty)
        #expect(Set(result.notUTF8) == ["M\\xFCnchen.jpg", "M\\xFDnchen.jpg"])
        #expect(observer.contents.count == 2)
        // Both files are on disk under their own bytes.
        let names = try FileManager.default.contentsOfDirectory(atPath: root)
        #expect(names.count == 2)
        var st = stat()
        #expect(lstat(root + "/M\u{FC}nchen.jpg", &st) != 0, "not re-encoded as UTF-8")
        let raw = root.utf8.map { CChar(bitPattern: $0) } + [47, 77, CChar(bitPattern: 0xFC)] + "nchen.jpg".utf8.map { CChar(bitPattern: $0) } + [0]
        #expect(lstat(raw, &st) == 0 && st.st_size == 1)
    }

    @Test func sparseFilesAreSeenAsReadBack() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bsdtar") else { return }
        let dir = tempDir()
        let file = dir + "/src/sparse.bin"
        try FileManager.default.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        let fd = open(file, O_WRONLY | O_CREAT, 0o644)
        _ = pwrite(fd, "middle", 6, 1 << 20)
        _ = ftruncate(fd, 3 << 20)
        close(fd)
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: "/usr/bin/bsdtar")
        tool.arguments = ["-cf", dir + "/sparse.tar", "-C", dir + "/src", "sparse.bin"]
        try tool.run()
        tool.waitUntilExit()
        let root = dir + "/out"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let observer = Collect()
        _ = try ArchiveExtractor(path: dir + "/sparse.tar", root: root).extract(observer)
        let expected = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(observer.contents["sparse.bin"] == expected)
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/sparse.bin")) == expected)
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
