// Buffered line output for listings of hundreds of thousands of entries: bytes are collected in a 256 KiB buffer
// and written with write(2), numbers formatted without Foundation, so printing never dominates a listing.

import Foundation

public final class LineWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(1 << 18)
    }

    deinit { flush() }

    public func number(_ value: Int64) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            for i in stride(from: count - 1, through: 0, by: -1) { buffer.append(d[i]) }
        }
    }

    public func text(_ value: String) {
        var copy = value
        copy.withUTF8 { buffer.append(contentsOf: $0) }
    }

    public func byte(_ value: UInt8) { buffer.append(value) }

    /// Ends a line, writing the buffer out when it is full.
    public func endLine() {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 18 { flush() }
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
