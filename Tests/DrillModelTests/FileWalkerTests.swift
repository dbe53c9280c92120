@testable import DrillModel
import DrillTestSupport
import Foundation
import Testing

/// Removing a restore: everything below the folder goes, on any number of threads, and nothing a link names outside.
@Suite struct FileWalkerTests {
    /// Writes `path` (made of bytes, so a name need not be UTF-8) holding one byte.
    private func file(_ path: [UInt8]) {
        let fd = (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
        #expect(fd >= 0)
        _ = write(fd, [0x61], 1)
        close(fd)
    }

    /// A restore-shaped tree below `root`: a fan of folders (user/ab/cd), a name that is not UTF-8, folders a restore
    /// left read-only or without any permission, a FIFO, and links to a folder and a file outside the tree.
    private func restoreTree(_ root: String, outside: String) throws -> Int {
        let fm = FileManager.default
        var files = 0
        for user in 0..<3 {
            for ab in 0..<12 {
                for cd in 0..<6 {
                    let folder = "\(root)/library/upload/user\(user)/\(String(format: "%02x", ab))/\(String(format: "%02x", cd))"
                    try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    for n in 0..<3 { file(Array("\(folder)/IMG_\(n).jpg".utf8)); files += 1 }
                }
            }
        }
        file(Array("\(root)/library/upload/user0/M".utf8) + [0xFC] + Array("nchen.jpg".utf8))
        try fm.createDirectory(atPath: root + "/nas/locked/deeper", withIntermediateDirectories: true)
        file(Array("\(root)/nas/locked/deeper/a.jpg".utf8))
        chmod(root + "/nas/locked/deeper", 0o500)
        chmod(root + "/nas/locked", 0)
        #expect(mkfifo(root + "/library/pipe", 0o600) == 0)
        try fm.createSymbolicLink(atPath: root + "/library/outside-folder", withDestinationPath: outside)
        try fm.createSymbolicLink(atPath: root + "/nas/outside-file", withDestinationPath: outside + "/keep.jpg")
        return files
    }

    @Test(arguments: [1, 2, 8]) func removesEverythingAndNothingALinkNames(threads: Int) throws {
        let base = Fixtures.tempDir("remove")
        let outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: true)
        file(Array("\(outside)/keep.jpg".utf8))
        file(Array("\(outside)/sub/keep.jpg".utf8))
        let root = base + "/scratch/run"
        #expect(try restoreTree(root, outside: outside) == 648)
        try FileWalker.removeTree(root, threads: threads)
        var st = stat()
        #expect(lstat(root, &st) != 0 && errno == ENOENT)
        #expect(FileManager.default.fileExists(atPath: base + "/scratch"))
        #expect(FileManager.default.fileExists(atPath: outside + "/keep.jpg"))
        #expect(FileManager.default.fileExists(atPath: outside + "/sub/keep.jpg"))
        try FileWalker.removeTree(base, threads: threads)
    }

    /// A folder wider than the parallel split lists (4,096 subfolders) is removed whole: the rest is the walk's.
    @Test func aWideFolderIsRemovedWhole() throws {
        let root = Fixtures.tempDir("wide")
        #expect(mkdir(root + "/albums", 0o700) == 0)
        for n in 0..<5000 {
            let folder = "\(root)/albums/\(n)"
            #expect(mkdir(folder, 0o700) == 0)
            if n % 7 == 0 { file(Array("\(folder)/a.jpg".utf8)) }
        }
        for n in 0..<5000 { file(Array("\(root)/albums/loose-\(n).jpg".utf8)) }
        try FileWalker.removeTree(root, threads: 8)
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    /// A root that is a link is removed as a link; a root that is a file as a file; a missing root is no error.
    @Test func aLinkedRootIsRemovedAsALink() throws {
        let base = Fixtures.tempDir("link-root")
        try FileManager.default.createDirectory(atPath: base + "/target/sub", withIntermediateDirectories: true)
        file(Array("\(base)/target/sub/keep.jpg".utf8))
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: base + "/target")
        try FileWalker.removeTree(base + "/link", threads: 8)
        var st = stat()
        #expect(lstat(base + "/link", &st) != 0)
        #expect(FileManager.default.fileExists(atPath: base + "/target/sub/keep.jpg"))
        file(Array("\(base)/plain.jpg".utf8))
        try FileWalker.removeTree(base + "/plain.jpg", threads: 8)
        #expect(!FileManager.default.fileExists(atPath: base + "/plain.jpg"))
        try FileWalker.removeTree(base + "/never-was", threads: 8)
        try FileWalker.removeTree(base, threads: 8)
        #expect(!FileManager.default.fileExists(atPath: base))
    }
}
