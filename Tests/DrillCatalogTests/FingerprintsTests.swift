@testable import DrillCatalog
import Testing

/// The fingerprint tables under the live check's snapshot table and referenced originals.
@Suite struct FingerprintsTests {
    @Test func aStatTableMatchesWithinASecondAndTellsChanges() {
        var table = FileStatTable()
        table.set("upload/a.jpg", size: 1000, mtime: 1_700_000_000)
        table.set("upload/old.jpg", size: 5, mtime: -86_400)          // before 1970
        table.set("upload/huge.mov", size: 3 << 40, mtime: 10)        // over 1 TiB: capped
        table.set("upload/b.jpg", size: 1, mtime: 1)
        table.set("upload/b.jpg", size: 2, mtime: 2)                  // a later entry of the name replaces it
        #expect(table.count == 4)
        #expect(table.matches("upload/a.jpg", size: 1000, mtime: 1_700_000_000) == true)
        #expect(table.matches("upload/a.jpg", size: 1000, mtime: 1_699_999_999) == true)
        #expect(table.matches("upload/a.jpg", size: 1000, mtime: 1_700_000_001) == true)
        #expect(table.matches("upload/a.jpg", size: 1000, mtime: 1_700_000_002) == false)
        #expect(table.matches("upload/a.jpg", size: 1000, mtime: 1_699_999_998) == false)
        #expect(table.matches("upload/a.jpg", size: 1001, mtime: 1_700_000_000) == false)
        #expect(table.matches("upload/a.jpg", size: 1000, mtime: 1_700_000_000 + 86_400 * 30) == false)
        #expect(table.matches("upload/old.jpg", size: 5, mtime: -86_399) == true)
        #expect(table.matches("upload/huge.mov", size: 3 << 40, mtime: 10) == true)
        #expect(table.matches("upload/b.jpg", size: 2, mtime: 2) == true && table.size("upload/b.jpg") == 2)
        #expect(table.matches("upload/c.jpg", size: 1000, mtime: 1_700_000_000) == nil && table.size("upload/c.jpg") == nil)
        #expect(table.size("upload/a.jpg") == 1000)
    }

    @Test func aMapKeepsValuesThatShareAFingerprintApart() {
        // Two values under one fingerprint (as two paths that collide would be): the test picks the right one.
        var map = FingerprintMap<Int32>(filler: -1)
        #expect(map.insert(42, 1) { $0 == 1 })
        #expect(map.insert(42, 2) { $0 == 2 })
        #expect(!map.insert(42, 3) { $0 == 1 }, "replaces 1, adds no slot")
        #expect(map.count == 2)
        #expect(map.first(42) { $0 == 2 } == 2 && map.first(42) { $0 == 1 } == nil && map.first(42) { $0 == 3 } == 3)
        #expect(map.first(43) { _ in true } == nil && map.first(0) { _ in true } == nil)
        for k in 0..<100_000 { map.insert(PathFingerprint.of("/p/\(k)"), Int32(k)) { _ in true } }
        #expect(map.count == 100_002)
        #expect((0..<100_000).allSatisfy { k in map.first(PathFingerprint.of("/p/\(k)")) { _ in true } == Int32(k) })
        var sum = 0
        map.forEach { sum += Int($0) }
        #expect(sum == (0..<100_000).reduce(0, +) + 2 + 3)
    }
}
