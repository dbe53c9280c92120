@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct CopyTextTests {
    func with<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func escapes() {
        #expect(with("a\\tb\\nc\\\\d\\re\\bf\\fg\\vh") { CopyText.text($0) } == "a\tb\nc\\d\re\u{8}f\u{c}g\u{b}h")
        #expect(with("\\101\\60\\7x") { CopyText.text($0) } == "A0\u{7}x", "octal, 1 to 3 digits")
        #expect(with("\\x41\\x4g") { CopyText.text($0) } == "A\u{4}g", "hex, 1 or 2 digits")
        #expect(with("\\q\\\"") { CopyText.text($0) } == "q\"", "any other escaped character is itself")
        #expect(with("\\N") { CopyText.text($0) } == nil)
        #expect(with("") { CopyText.text($0) } == "")
        #expect(with("😀 ünï") { CopyText.text($0) } == "😀 ünï")
    }

    @Test func scalars() {
        #expect(with("t") { CopyText.bool($0) } == true)
        #expect(with("f") { CopyText.bool($0) } == false)
        #expect(with("\\N") { CopyText.bool($0) } == nil)
        #expect(with("-42") { CopyText.int($0) } == -42)
        #expect(with("9223372036854775807") { CopyText.int($0) } == .max)
        #expect(with("99999999999999999999") { CopyText.int($0) } == nil)
        #expect(with("12a") { CopyText.int($0) } == nil)
        #expect(with("a1a1a1a1-0000-4000-8000-00000000000F") { CopyText.uuid($0) }?.description ==
            "a1a1a1a1-0000-4000-8000-00000000000f")
        #expect(with("a1a1a1a1-0000-4000-8000-00000000000g") { CopyText.uuid($0) } == nil)
        #expect(with("short") { CopyText.uuid($0) } == nil)
    }

    /// v3's integer milliseconds and the text Immich kept before; anything else is not a length.
    @Test func durations() {
        #expect(with("12345") { CopyText.duration($0) }! == (12_345, false))
        #expect(with("0:00:12.345000") { CopyText.duration($0) }! == (12_345, true))
        #expect(with("1:02:03.456000") { CopyText.duration($0) }! == (3_723_456, true))
        #expect(with("123:00:00.000000") { CopyText.duration($0) }! == (442_800_000, true), "hours are not capped at 24")
        #expect(with("0:00:00.00000") { CopyText.duration($0) }! == (0, true))
        for bad in ["\\N", "", "-5", "0:61:00", "0:00:60.5", "1:2", "a:b:c", "0:00:1e9", "99999999999999999999",
                    String(repeating: "9", count: 50) + ":00:00", "nan:00:00", "0:00:nan"] {
            #expect(with(bad) { CopyText.duration($0) } == nil, "\(bad)")
        }
    }

    @Test func bytea() {
        #expect(with("\\\\x00ff10") { CopyText.bytea($0) } == [0, 255, 16])
        #expect(with("\\\\x") { CopyText.bytea($0) } == [])
        #expect(with("\\\\x0") { CopyText.bytea($0) } == nil)
        #expect(with("ab\\\\\\\\c\\\\001") { CopyText.bytea($0) } == [97, 98, 92, 99, 1], "the old escape format")
        #expect(with("\\N") { CopyText.bytea($0) } == nil)
    }

    @Test func arrays() {
        #expect(with("{a,\"b,c\",NULL,\"q\\\\\"t\",\" sp \",\"NULL\"}") { CopyText.textArray($0) } ==
            ["a", "b,c", nil, "q\"t", " sp ", "NULL"])
        #expect(with("{}") { CopyText.textArray($0) } == [])
        #expect(with("{\"{braces}\",\"back\\\\\\\\slash\"}") { CopyText.textArray($0) } == ["{braces}", "back\\slash"])
        #expect(with("not an array") { CopyText.textArray($0) } == nil)
        #expect(with("{\"unterminated}") { CopyText.textArray($0) } == nil)
    }

    @Test func timestamps() {
        #expect(with("1970-01-01 00:00:00+00") { CopyText.timestamp($0) } == 0)
        #expect(with("2024-07-01 12:00:00+02") { CopyText.timestamp($0) } == 1_719_828_000)
        #expect(with("2024-07-01 06:30:00.5-05:30") { CopyText.timestamp($0) } == 1_719_835_200.5)
        #expect(with("2000-02-29 00:00:00+00") { CopyText.timestamp($0) } == 951_782_400)
        #expect(with("1969-12-31 23:59:59+00") { CopyText.timestamp($0) } == -1)
        #expect(with("2024-07-01") { CopyText.timestamp($0) } == 1_719_792_000)
        #expect(with("infinity") { CopyText.timestamp($0) } == .infinity)
        #expect(with("garbage") { CopyText.timestamp($0) } == nil)
        #expect(with("\\N") { CopyText.timestamp($0) } == nil)
    }

    @Test func rows() {
        let row = CopyRow()
        Array("a\t\\N\t\tlast".utf8).withUnsafeBytes { bytes in
            row.split(bytes)
            #expect(row.count == 4)
            #expect(String(decoding: row.field(0), as: UTF8.self) == "a")
            #expect(CopyText.isNull(row.field(1)))
            #expect(row.field(2).isEmpty)
            #expect(String(decoding: row.field(3), as: UTF8.self) == "last")
            #expect(row.field(9).isEmpty)
        }
    }

    @Test func uuidParsingAgreesWithFoundation() {
        for _ in 0..<2000 {
            let reference = UUID()
            let upper = reference.uuidString
            #expect(UUID16(upper)?.description == upper.lowercased())
            #expect(UUID16(upper.lowercased())?.description == upper.lowercased())
        }
        // Any non-hex character anywhere makes it invalid; so does a misplaced dash.
        let good = Array("a1a1a1a1-0000-4000-8000-00000000000f".utf8)
        for position in good.indices where ![8, 13, 18, 23].contains(position) {
            for bad in ["g", "G", "/", ":", "@", "`", " ", "\u{0}", "é"] {
                var bytes = good
                bytes.replaceSubrange(position...position, with: Array(bad.utf8).prefix(1))
                #expect(bytes.withUnsafeBytes { UUID16($0) } == nil, "\(bad) at \(position)")
            }
        }
        #expect(UUID16("a1a1a1a1000040008000000000000000") != nil, "dashes are optional")
    }

    @Test func digests() {
        let hex = "00112233445566778899aabbccddeeff0011ABCD"
        let field = "\\\\x" + hex
        #expect(with(field) { CopyText.digest20($0) }?.hex == hex.lowercased())
        #expect(with("\\\\x00112233445566778899aabbccddeeff0011abcg") { CopyText.digest20($0) } == nil)
        #expect(with("\\\\x0011") { CopyText.digest20($0) } == nil)
    }

    @Test func interning() {
        var interner = ByteInterner()
        var indexes: [UInt32] = []
        for i in 0..<5000 {
            let text = "/data/upload/\(i % 1500)"
            indexes.append(Array(text.utf8).withUnsafeBytes { interner.intern($0.baseAddress!, $0.count) })
        }
        #expect(interner.count == 1500)
        #expect(indexes[0] == indexes[1500] && indexes[1] != indexes[0])
        #expect(interner.string(indexes[1499]) == "/data/upload/1499")
        var store = PathStore()
        let id = "a1a1a1a1-0000-4000-8000-000000000001"
        let ref = store.add("/data/thumbs/u/a1/a1/\(id)_thumbnail.webp", stem: id)
        #expect(store.string(ref, stem: id) == "/data/thumbs/u/a1/a1/\(id)_thumbnail.webp")
        #expect(store.name(ref, stem: id) == "\(id)_thumbnail.webp")
        let plain = store.add("relative-name.jpg")
        #expect(store.string(plain) == "relative-name.jpg" && store.directory(plain) == nil)
        #expect(store.add("").isNone)
        var chunked = ChunkedArray<Int>()
        for i in 0..<200_000 { chunked.append(i) }
        chunked[70_000] += 1
        #expect(chunked.count == 200_000 && chunked[70_000] == 70_001 && chunked.last == 199_999)
    }

    @Test func uuid16() {
        let id = UUID16("A1A1A1A1-0000-4000-8000-000000000001")!
        #expect(id.description == "a1a1a1a1-0000-4000-8000-000000000001")
        #expect(UUID16(id.description) == id)
        #expect(UUID16.zero.isZero && !id.isZero)
        #expect(Digest20(Array(repeating: UInt8(7), count: 20))?.hex == String(repeating: "07", count: 20))
        #expect(Digest20([1, 2, 3]) == nil)
    }
}
