// Tar archives written header by header, for hostile-input tests: names as raw bytes (not UTF-8, `..`, absolute),
// links anywhere, entries in any order, nothing normalised by a writer library on the way.

import Foundation

struct RawTar {
    private(set) var bytes: [UInt8] = []

    /// Adds a regular file; returns its name as the extractor reports it.
    @discardableResult
    mutating func file(_ name: String, _ content: String, mtime: Int = 1_700_000_000) -> String {
        entry(Array(name.utf8), type: "0", link: [], data: Array(content.utf8), mtime: mtime)
        return name
    }

    @discardableResult
    mutating func file(_ name: [UInt8], _ content: String) -> String {
        entry(name, type: "0", link: [], data: Array(content.utf8), mtime: 1_700_000_000)
        return String(decoding: name, as: UTF8.self)
    }

    @discardableResult
    mutating func directory(_ name: String) -> String {
        entry(Array(name.utf8), type: "5", link: [], data: [], mtime: 1_700_000_000)
        return name
    }

    @discardableResult
    mutating func symlink(_ name: String, _ target: String) -> String {
        entry(Array(name.utf8), type: "2", link: Array(target.utf8), data: [], mtime: 1_700_000_000)
        return name
    }

    @discardableResult
    mutating func hardlink(_ name: String, _ target: String) -> String {
        entry(Array(name.utf8), type: "1", link: Array(target.utf8), data: [], mtime: 1_700_000_000)
        return name
    }

    /// A FIFO (type 6).
    @discardableResult
    mutating func fifo(_ name: String) -> String {
        entry(Array(name.utf8), type: "6", link: [], data: [], mtime: 1_700_000_000)
        return name
    }

    private mutating func entry(_ name: [UInt8], type: Character, link: [UInt8], data: [UInt8], mtime: Int) {
        precondition(name.count <= 100 && link.count <= 100, "RawTar keeps names within the ustar name field")
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int) { for (i, b) in field.enumerated() { header[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(type == "5" ? 0o755 : 0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(data.count, width: 12), at: 124)
        put(octal(mtime, width: 12), at: 136)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)
        header[156] = type.asciiValue!
        put(link, at: 157)
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8)).utf8) + [0, 32], at: 148)
        bytes += header
        bytes += data
        bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    func write(_ path: String) throws {
        try Data(bytes + [UInt8](repeating: 0, count: 1024)).write(to: URL(fileURLWithPath: path))
    }
}
