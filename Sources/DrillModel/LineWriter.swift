// Buffered line output for listings of hundreds of thousands of entries: bytes are collected in a 256 KiB buffer
// and written whole (swift-system's writeAll, which retries interrupted writes), numbers formatted without
// Foundation, so printing never dominates a listing. A write that fails is an error, never a listing cut short in
// silence.

import Foundation
import SystemPackage

/// Buffered output of many short lines; a failed write throws.
public final class LineWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(1 << 18)
    }

    /// What was still buffered when the writer went away is written if it can be (an error is already reported by
    /// the flush that met it).
    deinit { try? flush() }

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

    /// `value` as text for one line on a terminal (`TerminalText.inline`): a name from a backup that holds a control
    /// character can neither act on the terminal nor forge a line. A name without one is copied as `text` does.
    package func shownText(_ value: String) {
        text(TerminalText.needsEscape(value) ? TerminalText.inline(value) : value)
    }

    public func byte(_ value: UInt8) { buffer.append(value) }

    /// Ends a line, writing the buffer out when it is full.
    public func endLine() throws {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 18 { try flush() }
    }

    /// Writes the buffer out; throws naming the output when it cannot (a full disk, a closed pipe).
    public func flush() throws {
        defer { buffer.removeAll(keepingCapacity: true) }
        do {
            _ = try FileDescriptor(rawValue: fd).writeAll(buffer)
        } catch let error as Errno {
            throw DrillError(.environment, file: fd == STDOUT_FILENO ? "standard output" : "file descriptor \(fd)",
                             "cannot write", cause: error.description)
        }
    }
}
