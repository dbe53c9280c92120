// Two small hash tables that keep the catalog fast on millions of rows: byte strings interned without building a
// Swift String per lookup, and a UUID → index map that uses the UUID's own random bits as its hash.

import DrillDeployment
import Foundation

/// A 64-bit hash of bytes (FNV-1a over 8-byte words with a final mix): fast and good enough for path texts.
@inline(__always)
func hashBytes(_ base: UnsafeRawPointer, _ count: Int) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(count)
    var i = 0
    while i + 8 <= count {
        h = (h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
        h ^= h >> 29
        i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < count {
        tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
        shift += 8
        i += 1
    }
    h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
    return h ^ (h >> 32)
}

/// Interns byte strings: each distinct one is stored once in an arena and gets a dense index.
package struct ByteInterner {
    private(set) var arena: [UInt8] = []
    private(set) var starts: [UInt32] = []
    private(set) var lengths: [UInt32] = []
    private var table: [Int32] = Array(repeating: -1, count: 1024)
    private var hashes: [UInt64] = []

    package var count: Int { starts.count }

    /// The index of `bytes`, adding it when new.
    package mutating func intern(_ base: UnsafeRawPointer, _ length: Int) -> UInt32 {
        let hash = hashBytes(base, length)
        var mask = table.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { break }
            let e = Int(entry)
            if hashes[e] == hash, Int(lengths[e]) == length,
               arena.withUnsafeBytes({ memcmp($0.baseAddress! + Int(starts[e]), base, length) == 0 }) {
                return UInt32(e)
            }
            slot = (slot + 1) & mask
        }
        let index = starts.count
        starts.append(UInt32(arena.count))
        lengths.append(UInt32(length))
        hashes.append(hash)
        arena.append(contentsOf: UnsafeRawBufferPointer(start: base, count: length))
        table[slot] = Int32(index)
        if starts.count * 2 > table.count {
            table = Array(repeating: -1, count: table.count * 2)
            mask = table.count - 1
            for (i, h) in hashes.enumerated() {
                var s = Int(truncatingIfNeeded: h) & mask
                while table[s] >= 0 { s = (s + 1) & mask }
                table[s] = Int32(i)
            }
        }
        return UInt32(index)
    }

    /// The index of `bytes` when they were interned (and the table not frozen), nil otherwise.
    package func find(_ base: UnsafeRawPointer, _ length: Int) -> UInt32? {
        guard !table.isEmpty else { return nil }
        let hash = hashBytes(base, length)
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while table[slot] >= 0 {
            let e = Int(table[slot])
            if hashes[e] == hash, Int(lengths[e]) == length,
               arena.withUnsafeBytes({ memcmp($0.baseAddress! + Int(starts[e]), base, length) == 0 }) {
                return UInt32(e)
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The bytes of entry `index` as text.
    package func string(_ index: UInt32) -> String {
        let start = Int(starts[Int(index)])
        return String(decoding: arena[start..<(start + Int(lengths[Int(index)]))], as: UTF8.self)
    }

    /// Frees the lookup table; `string` keeps working.
    mutating func freeze() {
        table = []
        hashes = []
    }

    package init() {}
}

/// Asset id → index in the asset records, open addressing on the UUID's own bits (v4 and v7 UUIDs are random in
/// the low word). A slot holds only the index (4 bytes); the key is compared in the record itself, so a million
/// assets cost 8 MiB here.
struct AssetIDTable {
    private var slots: [Int32] = Array(repeating: -1, count: 1024)
    private(set) var count = 0

    @inline(__always)
    private static func slot(_ key: UUID16, _ mask: Int) -> Int {
        let mixed = (key.low ^ (key.high &* 0x9E37_79B9_7F4A_7C15))
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 29)) & mask
    }

    func find(_ key: UUID16, in records: ChunkedArray<AssetRecord>) -> Int32? {
        slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var s = AssetIDTable.slot(key, mask)
            while table[s] >= 0 {
                if records[Int(table[s])].id == key { return table[s] }
                s = (s + 1) & mask
            }
            return nil
        }
    }

    /// Records that `records[index]` has id `key` (a repeated id keeps its first index).
    mutating func insert(_ key: UUID16, index: Int32, in records: ChunkedArray<AssetRecord>) {
        if (count + 1) * 2 > slots.count { grow(records) }
        let mask = slots.count - 1
        var s = AssetIDTable.slot(key, mask)
        while slots[s] >= 0 {
            if records[Int(slots[s])].id == key { return }
            s = (s + 1) & mask
        }
        slots[s] = index
        count += 1
    }

    private mutating func grow(_ records: ChunkedArray<AssetRecord>) {
        let old = slots
        slots = Array(repeating: -1, count: old.count * 2)
        let mask = slots.count - 1
        for index in old where index >= 0 {
            var s = AssetIDTable.slot(records[Int(index)].id, mask)
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = index
        }
    }
}

/// Interns a few distinct UUIDs (owners, libraries, stacks, people) into dense indexes.
struct SmallUUIDInterner {
    private(set) var ids: [UUID16] = []
    private var lookup: [UUID16: UInt32] = [:]
    private var lastID = UUID16.zero
    private var lastIndex: UInt32 = .max

    mutating func intern(_ id: UUID16) -> UInt32 {
        if lastIndex != .max, id == lastID { return lastIndex }
        let index: UInt32
        if let known = lookup[id] {
            index = known
        } else {
            index = UInt32(ids.count)
            ids.append(id)
            lookup[id] = index
        }
        lastID = id
        lastIndex = index
        return index
    }

    func index(of id: UUID16) -> UInt32? { lookup[id] }
}
