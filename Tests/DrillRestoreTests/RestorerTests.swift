@testable import DrillRestore
import DrillSnapshots
import DrillTestSupport
import Foundation
import Testing

/// A sampled folder restore copies and hashes exactly the sample (and the markers), recording every file.
struct RestorerTests {
    @Test func theSampleFilterAnswersAsTheSetDoes() {
        let sample: Set<String> = ["/data/upload/u/ab/cd/a.jpg", "/data/library/admin/2026/é.heic", "/data/x"]
        let restorer = Restorer(sample: sample, inPlace: false, planDirectory: "/")
        let filter = Restorer.SampleFilter(sample)
        let probes = Array(sample) + [
            "/data/upload/u/ab/cd/b.jpg", "/data/library/.immich", "/data/.immich", ".immich", "/data/x/", "/data/",
            "", "/data/upload/u/ab/cd/a.jpg.xmp", "/data/y.immich",
        ]
        for path in probes {
            let bytes = Array(path.utf8)
            #expect(bytes.withUnsafeBytes { filter.wants($0) } == restorer.wanted(path), "\(path)")
        }
        // A name in another Unicode normal form is another file to Immich and the file system (bytes differ): a Set
        // of Strings would call it equal; archives and folders alike compare bytes.
        let decomposed = "/data/library/admin/2026/e\u{301}.heic"
        #expect(sample.contains(decomposed), "Swift's String equality is canonical equivalence")
        #expect(!restorer.wanted(decomposed) && !Array(decomposed.utf8).withUnsafeBytes { filter.wants($0) })
        // Changing the sample changes what is wanted.
        var everyFile = restorer
        everyFile.sample = nil
        #expect(everyFile.wanted(decomposed) && everyFile.wanted("/data/upload/u/ab/cd/b.jpg"))
        var one = everyFile
        one.sample = ["/data/x"]
        #expect(one.wanted("/data/x") && !one.wanted("/data/upload/u/ab/cd/a.jpg") && one.wanted("/data/thumbs/.immich"))
        let everything = Restorer.SampleFilter(nil)
        #expect(Array("/any".utf8).withUnsafeBytes { everything.wants($0) })
        // Bytes that are not UTF-8 are in no sample of text paths.
        #expect(![UInt8(0x2F), 0xFF, 0xFE].withUnsafeBytes { filter.wants($0) })
    }

    @Test func aSampledFolderRestoreCopiesTheSampleAndRecordsEveryFile() throws {
        let dir = Fixtures.tempDir("restorer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snapshot = dir + "/snap"
        var files: [String: String] = ["library/.immich": "", "thumbs/.immich": ""]
        for k in 0..<300 { files["library/admin/2026/\(k).jpg"] = "photo \(k)" }
        for k in 0..<300 { files["thumbs/u/\(k)-thumbnail.webp"] = "thumb \(k)" }
        _ = Fixtures.write(files, in: snapshot)
        let sample: Set<String> = ["/data/library/admin/2026/7.jpg", "/data/library/admin/2026/250.jpg",
                                   "/data/thumbs/u/9-thumbnail.webp", "/data/library/admin/2026/missing.jpg"]
        let index = RestoreIndex()
        index.presenceOnly = ["/data/thumbs"]
        let restorer = Restorer(sample: sample, inPlace: false, planDirectory: dir)
        let job = RestoreJob(snapshot: Snapshot(source: .upload(folder: nil), kind: .directory, location: snapshot,
                                                time: 0, timeSource: "test"),
                             source: .upload(folder: nil), inside: "", containerRoot: "/data", restoreCommand: nil)
        let target = dir + "/target"
        let result = try restorer.restoreFolder(job, from: snapshot, into: target, index: index, started: Date())
        #expect(result.totalFiles == 602 && result.restoredFiles == 5, "three sampled files and two markers")
        #expect(index.count == 602 && index.pathCount == 301)
        let copied = Set(FileManager.default.subpaths(atPath: target)!.filter { path in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: target + "/" + path, isDirectory: &folder) && !folder.boolValue
        })
        #expect(copied == ["library/.immich", "thumbs/.immich", "library/admin/2026/7.jpg", "library/admin/2026/250.jpg",
                           "thumbs/u/9-thumbnail.webp"])
        #expect(index["/data/library/admin/2026/7.jpg"]?.sha1 != nil, "a sampled original is hashed")
        #expect(index["/data/library/admin/2026/8.jpg"]?.sha1 == nil && index["/data/library/admin/2026/8.jpg"]?.size == 7)
    }

    /// The walk saw a regular file; a FIFO in its place by the time it is copied must not block the drill forever.
    @Test func aFIFOInPlaceOfAFileIsRefusedWithoutWaiting() throws {
        let dir = Fixtures.tempDir("restorer-fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/IMG_0001.jpg"
        #expect(mkfifo(fifo, 0o644) == 0)
        let restorer = Restorer(sample: nil, inPlace: false, planDirectory: dir)
        let hasher = PipelinedHasher()
        defer { hasher.finish { _, _ in } }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var folders = Set<[UInt8]>()
        for target in [Array((dir + "/out/IMG_0001.jpg").utf8), nil] {
            hasher.begin(0)
            #expect { try restorer.copy(Array(fifo.utf8), to: target, buffer: &buffer, hasher: hasher, folders: &folders) } throws: {
                ($0 as? DrillError)?.message.contains("not a regular file") == true
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/IMG_0001.jpg"), "nothing is created for it")
    }
}
