@testable import DrillCatalog
import Testing

/// The library evidence a relink compares with, stored compactly and read back as it was set.
@Suite struct EvidenceTableTests {
    @Test func readsBackWhatWasSetAndNothingElse() {
        var table = EvidenceTable()
        #expect(table[0] == nil && table[-1] == nil && table.count == 0)
        var a = LibraryEvidence()
        a.localTime = 1_700_000_000.5
        a.make = "Canon"
        a.model = "EOS R6"
        a.width = 6000
        a.height = 4000
        table[5] = a
        var b = LibraryEvidence()
        b.original = -86_400   // before 1970
        b.make = "Canon"
        table[2] = b
        #expect(table[5] == a && table[2] == b)
        #expect(table[0] == nil && table[3] == nil && table[6] == nil && table[1_000_000] == nil)
        // Setting again replaces; nil clears nothing (a builder only ever adds).
        a.width = nil
        a.model = nil
        table[5] = a
        table[2] = nil
        #expect(table[5] == a && table[2] == b && table.count == 2)
        // A width out of Int32's range is clamped, not a crash.
        var c = LibraryEvidence()
        c.width = Int.max
        table[7] = c
        #expect(table[7]?.width == Int(Int32.max))
    }
}
