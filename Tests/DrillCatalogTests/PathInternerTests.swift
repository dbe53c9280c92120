@testable import DrillCatalog
import Foundation
import Testing

/// The path interner under the restore index, the listing's table and the live check's sets.
struct PathInternerTests {
    @Test func idsAreDenseAndPathsComeBack() {
        var interner = PathInterner()
        let paths = ["/data/upload/u/ab/cd/0f8fad5b-d9cb-469f-a165-70867728950e.jpg", "IMG_1.jpg", "/", "", "a/b/",
                     "/mnt/media/photos/2026/03/0F8FAD5B-D9CB-469F-A165-70867728950E.HEIC"]
        for (k, path) in paths.enumerated() {
            #expect(interner.intern(path) == (k, true))
            #expect(interner.intern(path) == (k, false), "a second add is the same id")
        }
        for (k, path) in paths.enumerated() {
            #expect(interner.id(path) == k && interner.path(k) == path)
        }
        #expect(interner.id("/data/upload/u/ab/cd/0f8fad5b-d9cb-469f-a165-70867728950e.png") == nil, "an unseen suffix")
        #expect(interner.id("/data/upload/u/ab/ce/0f8fad5b-d9cb-469f-a165-70867728950e.jpg") == nil, "an unseen folder")
    }

    @Test func namesThatAreNotUTF8AreKeptByTheirBytes() {
        var interner = PathInterner()
        let raw: [UInt8] = Array("/mnt/x/caf".utf8) + [0xE9] + Array(".jpg".utf8)
        let other: [UInt8] = Array("/mnt/x/caf".utf8) + [0xE8] + Array(".jpg".utf8)
        let id = raw.withUnsafeBytes { interner.intern($0).id }
        #expect(raw.withUnsafeBytes { interner.id($0) } == id)
        #expect(other.withUnsafeBytes { interner.id($0) } == nil, "one byte apart is another name")
    }

    @Test func mapsAndSets() {
        var map = PathMap<FileStat>()
        map["/a/b.jpg"] = FileStat(size: 1, mtime: 2)
        map["/a/c.jpg"] = FileStat(size: 3, mtime: 4)
        map["/a/b.jpg"] = FileStat(size: 5, mtime: 6)
        map["/a/d.jpg"] = nil
        #expect(map.count == 2 && map["/a/b.jpg"] == FileStat(size: 5, mtime: 6) && map["/a/d.jpg"] == nil)
        var order: [String] = []
        map.forEach { path, _ in order.append(path) }
        #expect(order == ["/a/b.jpg", "/a/c.jpg"])
        var set = PathSet()
        set.insert("/x/y")
        set.insert("/x/y")
        #expect(set.count == 1 && set.contains("/x/y") && !set.contains("/x/z"))
    }
}
