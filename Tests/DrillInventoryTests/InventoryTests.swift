@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct GlobTests {
    @Test func immichDefaultExclusions() {
        let set = ExclusionSet(ExclusionSet.immichDefaults)
        #expect(set.excluding("/mnt/media/photos/2024/@eaDir/IMG_1.jpg/SYNOPHOTO_THUMB_XL.jpg")?.pattern == "**/@eaDir/**")
        #expect(set.excluding("/mnt/media/photos/2024/._IMG_1.jpg")?.pattern == "**/._*")
        #expect(set.excluding("/mnt/media/#recycle/x.jpg")?.pattern == "**/#recycle/**")
        #expect(set.excluding("/mnt/media/photos/2024/IMG_1.jpg") == nil)
        #expect(set.excluding("/mnt/media/photos/2024/my._file.jpg") == nil)
        #expect(set.excludingFolder("/mnt/media/photos/2024/@eaDir")?.pattern == "**/@eaDir/**")
        #expect(set.excludingFolder("/mnt/media/photos/2024") == nil)
    }

    @Test func dialect() {
        #expect(Glob("**/*.{tif,jpg}").matches("/a/b/c.tif"))
        #expect(Glob("**/*.{tif,jpg}").matches("/a/b/c.jpg"))
        #expect(!Glob("**/*.{tif,jpg}").matches("/a/b/c.png"))
        #expect(Glob("**/Raw/**").matches("/photos/2024/Raw/x.cr2"))
        #expect(!Glob("**/Raw/**").matches("/photos/2024/Rawfile.cr2"))
        #expect(Glob("/mnt/*/x.jpg").matches("/mnt/a/x.jpg"))
        #expect(!Glob("/mnt/*/x.jpg").matches("/mnt/a/b/x.jpg"), "* stays within a segment")
        #expect(Glob("/mnt/**/x.jpg").matches("/mnt/x.jpg"), "** matches zero segments")
        #expect(Glob("/mnt/**/x.jpg").matches("/mnt/a/b/x.jpg"))
        #expect(Glob("**/IMG_????.jpg").matches("/a/IMG_0001.jpg"))
        #expect(!Glob("**/IMG_????.jpg").matches("/a/IMG_001.jpg"))
        #expect(Glob("**/[a-c]*.jpg").matches("/x/banana.jpg"))
        #expect(!Glob("**/[!a-c]*.jpg").matches("/x/banana.jpg"))
        #expect(Glob("**/{a,b{c,d}}.jpg").matches("/x/bd.jpg"))
        #expect(Glob("**/\\*.jpg").matches("/x/*.jpg") && !Glob("**/\\*.jpg").matches("/x/a.jpg"))
        #expect(Glob("**/{unbalanced.jpg").matches("/x/{unbalanced.jpg"))
        #expect(Glob("**").matches("/anything/at/all"))
    }
}

@Suite struct FileWalkerTests {
    @Test func walksFilesPrunesAndReports() throws {
        let root = Fixtures.tempDir("walk")
        Fixtures.write(["2024/07/IMG_1.jpg": "12345", "2024/07/IMG_1.jpg.xmp": "x", "2024/@eaDir/t.jpg": "thumb",
                        "2024/.hidden.jpg": "h", ".stfolder/x": "y", "2023/a b ünï 😀.jpg": "abc"], in: root)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "/etc")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_800_000_000)],
                                              ofItemAtPath: root + "/2023/a b ünï 😀.jpg")
        let exclusions = ExclusionSet(ExclusionSet.immichDefaults)
        var found: [String: Int64] = [:]
        let summary = try FileWalker.walk(root, decide: { path, isFolder in
            if FileWalker.isHidden(path) { return .skip }
            let excluded = isFolder ? exclusions.excludingFolder(path) : exclusions.excluding(path)
            return excluded == nil ? .include : .skip
        }) { file in
            found[String(file.path.dropFirst(root.count + 1))] = file.size
        }
        #expect(found == ["2024/07/IMG_1.jpg": 5, "2024/07/IMG_1.jpg.xmp": 1, "2023/a b ünï 😀.jpg": 3])
        #expect(summary.files == 3 && summary.bytes == 9)
        #expect(summary.prunedDirectories == 2, "@eaDir and the hidden .stfolder")
        #expect(summary.skippedFiles == 1, "the hidden file")
        #expect(summary.symlinks == 1, "symlinks are not followed")
        #expect(summary.newestMtime == 1_800_000_000)
        #expect(throws: DrillError.self) { try FileWalker.walk(root + "/missing") { _ in } }
    }

    @Test func unreadableFoldersAreReportedNotFatal() throws {
        guard getuid() != 0 else { return } // root reads everything; the permission case needs a normal user
        let root = Fixtures.tempDir("walk-denied")
        Fixtures.write(["ok/a.jpg": "a", "denied/b.jpg": "b"], in: root)
        chmod(root + "/denied", 0)
        defer { chmod(root + "/denied", 0o755) }
        let summary = try FileWalker.walk(root) { _ in }
        #expect(summary.files == 1 && summary.errors.count == 1)
    }
}
