// Paths held as 64-bit fingerprints where only presence matters: the two million thumbnails, previews and encoded
// videos a million-asset restore brings back are checked against the database by "is it there", never listed by
// name. A set of fingerprints takes about 14 bytes a path where an interned path takes about 48. Two different paths
// share a fingerprint with a chance of about n/2^64 per lookup (one in ten trillion at two million paths); the
// owners say where a fingerprint stands for a path.

import DrillDeployment

/// A 64-bit fingerprint of bytes (64-bit words multiplied and rotated, then avalanched; the length is mixed in).
package enum PathFingerprint {
    package static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return finish(h) }
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            h = step(h, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            for k in 0..<(n - i) { tail |= UInt64(base.load(fromByteOffset: i + k, as: UInt8.self)) << UInt64(8 * k) }
            h = step(h, tail)
        }
        return finish(h)
    }

    package static func of(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always) private static func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
        var k = w &* 0x87C3_7B91_1142_53D5
        k = (k << 31) | (k >> 33)
        k = k &* 0x4CF5_AD43_2745_937F
        let x = h ^ k
        return ((x << 27) | (x >> 37)) &* 5 &+ 0x52DC_E729
    }

    /// MurmurHash3's final mix.
    @inline(__always) private static func finish(_ h: UInt64) -> UInt64 {
        var x = h
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x = x &* 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }
}

/// A set of fingerprints: a `FingerprintMap` with no values (8 bytes a slot: 11 to 21 a path with the slack).
package struct FingerprintSet: Sendable {
    private var map = FingerprintMap<Void>(filler: ())

    package init() {}

    package var count: Int { map.count }

    /// Adds `fingerprint`; false when it was there.
    @discardableResult
    package mutating func insert(_ fingerprint: UInt64) -> Bool {
        map.insert(fingerprint, ()) { _ in true }
    }

    package func contains(_ fingerprint: UInt64) -> Bool {
        map.first(fingerprint) { _ in true } != nil
    }
}

/// Values by fingerprint, in 256 open-addressing shards (by the top byte), each doubling on its own: growing never
/// holds two copies of the whole map. One fingerprint may hold several values (two paths that share it, or an
/// owner's duplicates): `insert` and `first` take a test that says whether a value stored under the fingerprint is
/// the one meant, so an owner that can tell (by rebuilding the path from the value) gets exact answers, and one that
/// cannot passes `{ _ in true }`.
package struct FingerprintMap<Value: Sendable>: Sendable {
    private var keys: [[UInt64]] = Array(repeating: [], count: 256)
    private var values: [[Value]] = Array(repeating: [], count: 256)
    private var counts = [Int](repeating: 0, count: 256)
    package private(set) var count = 0
    private let filler: Value

    /// `filler` fills empty slots (never returned), and stands for every value of a type of no size: a set
    /// (`Value` is `Void`) keeps no column of values, 8 bytes a slot.
    package init(filler: Value) { self.filler = filler }

    @inline(__always) private static var keepsValues: Bool { MemoryLayout<Value>.size > 0 }

    @inline(__always) private func value(_ shard: Int, _ s: Int) -> Value {
        FingerprintMap.keepsValues ? values[shard][s] : filler
    }

    /// 0 marks an empty slot: a fingerprint of 0 is stored as 1.
    @inline(__always) private static func key(_ fingerprint: UInt64) -> UInt64 { fingerprint == 0 ? 1 : fingerprint }

    /// Stores `value` under `fingerprint`, replacing the first value there that `same` accepts; true when it added
    /// a slot, false when it replaced.
    @discardableResult
    package mutating func insert(_ fingerprint: UInt64, _ value: Value, same: (Value) -> Bool) -> Bool {
        let key = FingerprintMap.key(fingerprint)
        let shard = Int(key >> 56)
        if (counts[shard] + 1) * 4 > keys[shard].count * 3 { grow(shard) }
        let mask = keys[shard].count - 1
        var s = Int(truncatingIfNeeded: key) & mask
        while keys[shard][s] != 0 {
            if keys[shard][s] == key, same(self.value(shard, s)) {
                if FingerprintMap.keepsValues { values[shard][s] = value }
                return false
            }
            s = (s + 1) & mask
        }
        keys[shard][s] = key
        if FingerprintMap.keepsValues { values[shard][s] = value }
        counts[shard] += 1
        count += 1
        return true
    }

    /// The first value under `fingerprint` that `accept` takes.
    package func first(_ fingerprint: UInt64, where accept: (Value) -> Bool) -> Value? {
        let key = FingerprintMap.key(fingerprint)
        let shard = Int(key >> 56)
        let table = keys[shard]
        guard !table.isEmpty else { return nil }
        let mask = table.count - 1
        var s = Int(truncatingIfNeeded: key) & mask
        while table[s] != 0 {
            if table[s] == key, accept(value(shard, s)) { return value(shard, s) }
            s = (s + 1) & mask
        }
        return nil
    }

    /// Every value, in no particular order.
    package func forEach(_ body: (Value) throws -> Void) rethrows {
        for shard in 0..<256 {
            for (s, key) in keys[shard].enumerated() where key != 0 { try body(value(shard, s)) }
        }
    }

    private mutating func grow(_ shard: Int) {
        let oldKeys = keys[shard]
        let oldValues = values[shard]
        let size = max(64, oldKeys.count * 2)
        var newKeys = [UInt64](repeating: 0, count: size)
        var newValues = [Value](repeating: filler, count: FingerprintMap.keepsValues ? size : 0)
        let mask = size - 1
        for (s, key) in oldKeys.enumerated() where key != 0 {
            var t = Int(truncatingIfNeeded: key) & mask
            while newKeys[t] != 0 { t = (t + 1) & mask }
            newKeys[t] = key
            if FingerprintMap.keepsValues { newValues[t] = oldValues[s] }
        }
        keys[shard] = newKeys
        values[shard] = newValues
    }
}

/// A snapshot's files by path, for the live check's "changed since the snapshot": a fingerprint of the path and one
/// word holding the size (exact up to 1 TiB) and the mtime's low 24 bits — 16 bytes and the table's slack, not an
/// interned path and 16. A file matches when its size is the same and its mtime within a second of the snapshot's,
/// modulo 2^24 seconds (194 days): a file rewritten at the same size exactly 194 days (± 1 s) after the snapshot
/// would count as unchanged.
package struct FileStatTable: Sendable {
    private var map = FingerprintMap<UInt64>(filler: 0)
    private static let sizeBits: UInt64 = 40
    private static let maxSize: Int64 = (1 << 40) - 1
    private static let mtimeMask: Int64 = (1 << 24) - 1

    package init() {}

    package var count: Int { map.count }

    private static func pack(size: Int64, mtime: Int64) -> UInt64 {
        let s = UInt64(max(0, min(size, maxSize)))
        return s | UInt64(mtime & mtimeMask) << sizeBits
    }

    /// Records a file (a later record of the same path replaces it).
    package mutating func set(_ path: String, size: Int64, mtime: Int64) {
        map.insert(PathFingerprint.of(path), FileStatTable.pack(size: size, mtime: mtime)) { _ in true }
    }

    /// The size recorded for `path` (capped at 1 TiB - 1), nil when it is not in the table.
    package func size(_ path: String) -> Int64? {
        map.first(PathFingerprint.of(path)) { _ in true }.map { Int64($0 & ((1 << FileStatTable.sizeBits) - 1)) }
    }

    /// Whether `path` is in the table with this size and an mtime within a second; nil when it is not there.
    package func matches(_ path: String, size: Int64, mtime: Int64) -> Bool? {
        guard let word = map.first(PathFingerprint.of(path), where: { _ in true }) else { return nil }
        let sizeMask: UInt64 = (1 << FileStatTable.sizeBits) - 1
        guard word & sizeMask == UInt64(max(0, min(size, FileStatTable.maxSize))) else { return false }
        let stored = Int64(word >> FileStatTable.sizeBits)
        let difference = (mtime - stored) & FileStatTable.mtimeMask
        return difference <= 1 || difference == FileStatTable.mtimeMask
    }
}
