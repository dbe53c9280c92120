@testable import DrillRestore
import Foundation
import Testing

/// The compact restore index answers exactly as a dictionary of paths would, for every shape of name.
struct RestoreIndexTests {
    /// A reproducible generator (the tests must fail the same way twice).
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var x = state
            x ^= x >> 33
            return x
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func uuid(_ rng: inout Rng) -> String {
        let hex = Array("0123456789abcdef")
        var s = ""
        for k in 0..<32 {
            s.append(hex[rng.below(16)])
            if k == 7 || k == 11 || k == 15 || k == 19 { s.append("-") }
        }
        return s
    }

    /// Names of every kind the index encodes differently, and some that only look like them.
    static func name(_ rng: inout Rng) -> String {
        switch rng.below(10) {
        case 0: return uuid(&rng) + ".jpg"
        case 1: return uuid(&rng) + ["_thumbnail.webp", "_preview.jpeg", "-fullsize.jpeg", ".mp4", ""][rng.below(5)]
        case 2: return uuid(&rng).uppercased() + ".JPG"                  // not canonical: stored as it is
        case 3: var u = Array(uuid(&rng)); u[8] = "_"; return String(u)  // a dash missing
        case 4: var u = Array(uuid(&rng)); u[3] = "g"; return String(u) + ".png"
        case 5: return "IMG_\(rng.below(100_000)).HEIC"
        case 6: return String(repeating: "x", count: 100 + rng.below(300))  // past the short length byte
        case 7: return "é 写真 \(rng.below(1000)).jpg"
        case 8: return ".immich"
        default: return uuid(&rng)  // exactly a UUID
        }
    }

    @Test func answersAsADictionaryWouldForAHundredThousandPaths() {
        var rng = Rng(state: 7)
        let index = RestoreIndex()
        var model: [String: (id: Int, size: Int64)] = [:]
        var order: [String] = []
        for k in 0..<100_000 {
            let dirs = ["/data/upload/\(rng.below(3))/\(rng.below(16))", "/data/thumbs/a/\(rng.below(256))", "/mnt/media/photos", ""]
            let dir = dirs[rng.below(dirs.count)]
            let path = (dir.isEmpty ? "" : dir + "/") + RestoreIndexTests.name(&rng)
            let size = Int64(rng.below(1 << 30)) * Int64(1 + rng.below(16))
            let replace = k % 2 == 0
            let id = index.record(path, size: size, replace: replace)
            if let known = model[path] {
                #expect(id == known.id)
                if replace { model[path] = (known.id, size) }
            } else {
                #expect(id == order.count)
                model[path] = (id, size)
                order.append(path)
            }
        }
        #expect(index.count == model.count)
        for (path, entry) in model {
            #expect(index.id(path) == entry.id)
            #expect(index[path]?.size == entry.size)
            #expect(index.path(entry.id) == path)
        }
        // Near misses are absent.
        for path in order.prefix(2_000) {
            #expect(index[path + "#"] == nil)
            #expect(index[String(path.dropLast())] == nil || model[String(path.dropLast())] != nil)
            #expect(index["/other" + path] == nil)
        }
        var seen: [String] = []
        index.forEach { path, _ in seen.append(path) }
        #expect(seen == order, "in the order recorded")
    }

    @Test func marksDigestsAndReplacement() {
        let index = RestoreIndex()
        let a = "/data/upload/u/ab/cd/0f8fad5b-d9cb-469f-a165-70867728950e.jpg"
        let b = "/data/thumbs/u/ab/cd/0f8fad5b-d9cb-469f-a165-70867728950e_thumbnail.webp"
        index.record(a, size: 10)
        index.record(b, size: 20)
        let digest = Digest20(Array(repeating: 7, count: 20))!
        index.setSHA1(index.id(a)!, digest)
        #expect(index[a]?.sha1 == digest && index[b]?.sha1 == nil)
        #expect(index.record(a, size: 11, replace: false) == 0 && index[a]?.size == 10 && index[a]?.sha1 == digest,
                "an archive's second entry of a name keeps the first")
        index.record(a, size: 12)
        #expect(index[a]?.size == 12 && index[a]?.sha1 == nil, "a replaced file is not the hashed one")
        #expect(index.reference(b)?.size == 20 && index[b]?.referenced == true)
        var unreferenced: [String] = []
        index.forEachUnreferenced { path, _ in unreferenced.append(path) }
        #expect(unreferenced == [a])
        index.clearReferences()
        #expect(index[b]?.referenced == false)
        index.setSHA1(99, digest)  // no such file: nothing happens
        #expect(index.count == 2)
    }

    @Test func generatedFilesAreKeptForPresenceOnly() {
        let index = RestoreIndex()
        index.presenceOnly = ["/data/thumbs", "/data/encoded-video"]
        let digest = Digest20(Array(repeating: 9, count: 20))!
        for path in ["/data/thumbs/u/a_thumbnail.webp", "/data/upload/u/a.jpg", "/data/thumbsx/b.jpg", "/data/encoded-video/u/c.mp4",
                     "/data/thumbs/.immich"] {
            index.setSHA1(index.record(path, size: 1), digest)
        }
        #expect(index["/data/thumbs/u/a_thumbnail.webp"] == RestoredFile(size: -1, sha1: nil))
        #expect(index.contains("/data/encoded-video/u/c.mp4") && index.contains("/data/thumbs/.immich"))
        #expect(index.reference("/data/thumbs/u/a_thumbnail.webp") != nil && index.id("/data/thumbs/u/a_thumbnail.webp") == nil)
        #expect(index["/data/upload/u/a.jpg"]?.sha1 == digest && index["/data/thumbsx/b.jpg"]?.sha1 == digest,
                "only files inside those folders")
        // Near misses are absent; the folder itself is not a file in it.
        for miss in ["/data/thumbs/u/a_thumbnail.webq", "/data/thumbs/u/a_thumbnail.web", "/data/thumbs/", "/data/thumbs",
                     "/data/encoded-video/u/C.mp4", "/data/thumbs/u/a_thumbnail.webp/"] {
            #expect(!index.contains(miss), "\(miss)")
        }
        #expect(index.count == 5 && index.pathCount == 2)
        var kept: [String] = []
        index.forEach { path, _ in kept.append(path) }
        var unreferenced: [String] = []
        index.forEachUnreferenced { path, _ in unreferenced.append(path) }
        #expect(kept == ["/data/upload/u/a.jpg", "/data/thumbsx/b.jpg"] && unreferenced == kept,
                "generated files are never orphans: the verifier looks for those in upload/, library/ and import paths")
    }

    @Test func fingerprintsAnswerAsASetWould() {
        var set = FingerprintSet()
        var rng = Rng(state: 11)
        var inserted: [String] = []
        for k in 0..<200_000 {
            let path = "/data/thumbs/\(RestoreIndexTests.uuid(&rng))/\(k)_preview.jpeg"
            let added = set.insert(PathFingerprint.of(path))
            #expect(added)
            inserted.append(path)
        }
        for path in inserted.prefix(1000) {
            let added = set.insert(PathFingerprint.of(path))
            #expect(!added, "a second insert adds nothing")
        }
        #expect(set.count == 200_000)
        #expect(inserted.allSatisfy { set.contains(PathFingerprint.of($0)) })
        var misses = 0
        for path in inserted.prefix(50_000) where set.contains(PathFingerprint.of(path + "x")) { misses += 1 }
        #expect(misses == 0)
        // Bytes and text give one fingerprint; every length's tail counts.
        for n in 0..<20 {
            let text = String(repeating: "a", count: n)
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBytes { PathFingerprint.of($0) } == PathFingerprint.of(text))
            #expect(PathFingerprint.of(text) != PathFingerprint.of(text + "\u{0}"))
        }
        #expect(set.contains(0) == false)
        set.insert(0)
        #expect(set.contains(0))
    }

    @Test func namesAsBytesRoundTripAndEmptyNames() {
        let index = RestoreIndex()
        for path in ["/data/upload/", "/", "plain", "", "/data/upload/a//b.jpg", "/x/" + String(repeating: "n", count: 70_000)] {
            let id = index.record(path, size: 1)
            #expect(index.path(id) == path)
            #expect(index.id(path) == id)
        }
    }

    @Test func moreSuffixesThanTheTableHoldsAreStillFound() {
        var rng = Rng(state: 3)
        let index = RestoreIndex()
        var paths: [String] = []
        for k in 0..<70_000 {
            let path = "/data/encoded-video/" + RestoreIndexTests.uuid(&rng) + ".\(k)"
            paths.append(path)
            #expect(index.record(path, size: Int64(k)) == k)
        }
        for (k, path) in paths.enumerated() {
            #expect(index[path]?.size == Int64(k))
            #expect(index.path(k) == path)
        }
    }
}

/// The folders a restore makes are remembered only a few thousand at a time; one forgotten is made again.
struct FolderMakingTests {
    @Test func moreFoldersThanItRemembersAreAllMade() throws {
        let root = NSTemporaryDirectory() + "immich-drill-folders-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var made = Set<[UInt8]>()
        for round in 0..<2 {
            for k in 0..<5_000 {
                try Restorer.makeFolders(ofBytes: Array("\(root)/\(k % 50)/\(k)/file.jpg".utf8), made: &made)
                #expect(made.count <= 4_096 + 8, "round \(round)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: "\(root)/49/4999"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/7").count == 100)
    }
}
