// SHA-1 as Immich computes an upload's checksum (IMMICH.md §4), fed in chunks as bytes stream past.

import Crypto

/// SHA-1 of a byte stream, as Immich computes its checksums.
package struct SHA1Hasher {
    private var hasher = Insecure.SHA1()

    package init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    package func finalize() -> Digest20 { Digest20(Array(hasher.finalize()))! }
}
