// An append-only array in fixed chunks of 65,536 elements: it never copies what it holds to grow, so a catalog of
// millions of records costs its size plus at most one chunk, not the twice-the-size spike of an Array's doubling.

import DrillDeployment

/// A random-access collection stored in chunks.
package struct ChunkedArray<Element>: RandomAccessCollection, MutableCollection {
    static var shift: Int { 16 }
    static var chunkSize: Int { 1 << shift }
    private var chunks: [[Element]] = []
    public private(set) var count = 0

    package init() {}

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    public mutating func append(_ element: Element) {
        if count & (Self.chunkSize - 1) == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    package subscript(position: Int) -> Element {
        get { chunks[position >> Self.shift][position & (Self.chunkSize - 1)] }
        _modify { yield &chunks[position >> Self.shift][position & (Self.chunkSize - 1)] }
        set { chunks[position >> Self.shift][position & (Self.chunkSize - 1)] = newValue }
    }

    /// Trims the last chunk's spare capacity.
    package mutating func shrink() {
        guard let last = chunks.popLast() else { return }
        chunks.append(Array(last))
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
