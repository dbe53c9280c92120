// The SHA-1 digest every layer passes around: the dump's checksums, the hashes of restored files, the demo's
// content. Inlinable, since the dump reader builds one per asset row in another module.

/// A SHA-1 digest in 20 bytes.
package struct Digest20: Sendable, Hashable {
    @usableFromInline var a: UInt64
    @usableFromInline var b: UInt64
    @usableFromInline var c: UInt32
    package static let zero = Digest20(a: 0, b: 0, c: 0)

    @inlinable
    package init(a: UInt64, b: UInt64, c: UInt32) {
        self.a = a
        self.b = b
        self.c = c
    }

    /// The digest of 20 bytes; nil for any other length.
    @inlinable
    package init?<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard bytes.count == 20 else { return nil }
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt32 = 0
        for (i, byte) in bytes.enumerated() {
            switch i {
            case 0..<8: a = a << 8 | UInt64(byte)
            case 8..<16: b = b << 8 | UInt64(byte)
            default: c = c << 8 | UInt32(byte)
            }
        }
        self.init(a: a, b: b, c: c)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: a >> (56 - 8 * $0)) } +
            (0..<8).map { UInt8(truncatingIfNeeded: b >> (56 - 8 * $0)) } +
            (0..<4).map { UInt8(truncatingIfNeeded: c >> (24 - 8 * $0)) }
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(40)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
