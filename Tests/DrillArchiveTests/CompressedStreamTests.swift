@testable import DrillArchive
import Foundation
import Testing

/// Runs a shell command line; the tests build their compressed fixtures with the real tools.
@discardableResult
func sh(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ArchiveError(.write, path: command, "exit \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// One scratch folder per test process, removed when the process exits.
enum TestScratch {
    static let root: String = {
        let path = NSTemporaryDirectory() + "immich-drill-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "immich-drill-tests-\(getpid())") }
        return path
    }()
}

func tempDir() -> String {
    let path = TestScratch.root + "/archive-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func lines(of path: String) throws -> [String] {
    var out: [String] = []
    try CompressedStream(path: path).forEachLine { line in
        out.append(String(decoding: line, as: UTF8.self))
        return true
    }
    return out
}

@Suite struct CompressedStreamTests {
    let text: String = (0..<20_000).map { "line \($0)\twith tab ✓" }.joined(separator: "\n") + "\n"

    @Test(arguments: [("none", "cat"), ("gzip", "gzip -c"), ("gzip", "gzip --rsyncable -c"),
                      ("zstd", "zstd -q -c"), ("xz", "xz -c")])
    func everyCompression(expected: String, tool: String) throws {
        let dir = tempDir()
        try text.write(toFile: dir + "/plain.sql", atomically: true, encoding: .utf8)
        try sh("\(tool) '\(dir)/plain.sql' > '\(dir)/dump'")
        let stream = try CompressedStream(path: dir + "/dump")
        #expect(stream.compression == expected)
        var count = 0
        var last = ""
        try stream.forEachLine { line in
            count += 1
            last = String(decoding: line, as: UTF8.self)
            return true
        }
        #expect(count == 20_000)
        #expect(last == "line 19999\twith tab ✓")
        #expect(stream.reachedEnd)
        #expect(stream.bytesRead == Int64(text.utf8.count))
    }

    @Test func concatenatedGzipMembers() throws {
        let dir = tempDir()
        try "a\nb\n".write(toFile: dir + "/1", atomically: true, encoding: .utf8)
        try "c\nd".write(toFile: dir + "/2", atomically: true, encoding: .utf8)
        try sh("gzip -c '\(dir)/1' > '\(dir)/x.gz' && gzip -c '\(dir)/2' >> '\(dir)/x.gz'")
        #expect(try lines(of: dir + "/x.gz") == ["a", "b", "c", "d"])
    }

    @Test func emptyFiles() throws {
        let dir = tempDir()
        _ = FileManager.default.createFile(atPath: dir + "/empty.sql", contents: Data())
        #expect(try lines(of: dir + "/empty.sql") == [])
        try sh("printf '' | gzip -c > '\(dir)/empty.sql.gz'")
        #expect(try lines(of: dir + "/empty.sql.gz") == [])
    }

    @Test func missingFile() {
        #expect(throws: ArchiveError.self) { try CompressedStream(path: "/nonexistent/dump.sql.gz") }
    }

    @Test func earlyStop() throws {
        let dir = tempDir()
        try text.write(toFile: dir + "/p.sql", atomically: true, encoding: .utf8)
        var seen = 0
        try CompressedStream(path: dir + "/p.sql").forEachLine { _ in
            seen += 1
            return seen < 10
        }
        #expect(seen == 10)
    }

    @Test(arguments: [("gzip -c", "gz"), ("zstd -q -c", "zst"), ("xz -c", "xz")])
    func everyCutIsReportedNeverACrash(tool: String, ext: String) throws {
        let dir = tempDir()
        try text.write(toFile: dir + "/p.sql", atomically: true, encoding: .utf8)
        try sh("\(tool) '\(dir)/p.sql' > '\(dir)/full'")
        let full = try Data(contentsOf: URL(fileURLWithPath: dir + "/full"))
        let step = max(1, full.count / 37)
        for cut in stride(from: 1, to: full.count, by: step) {
            try full.prefix(cut).write(to: URL(fileURLWithPath: dir + "/cut.sql.\(ext)"))
            do {
                _ = try lines(of: dir + "/cut.sql.\(ext)")
                Issue.record("a cut at \(cut) of \(full.count) read as whole (\(tool))")
            } catch let error as ArchiveError {
                #expect(error.kind == .truncated, "cut at \(cut) of \(full.count): \(error)")
            }
        }
    }

    @Test(arguments: ["gzip -c", "zstd -q -c", "xz -c"])
    func flippedBytesAreAClearError(tool: String) throws {
        let dir = tempDir()
        try text.write(toFile: dir + "/p.sql", atomically: true, encoding: .utf8)
        try sh("\(tool) '\(dir)/p.sql' > '\(dir)/full'")
        var data = try Data(contentsOf: URL(fileURLWithPath: dir + "/full"))
        let middle = data.count / 2
        for i in middle..<(middle + 8) { data[i] ^= 0x5A }
        try data.write(to: URL(fileURLWithPath: dir + "/bad"))
        #expect(throws: ArchiveError.self) { _ = try lines(of: dir + "/bad") }
    }

    @Test func lineSplitterAcrossBlocks() throws {
        var splitter = LineSplitter()
        var out: [String] = []
        let collect: (UnsafeRawBufferPointer) -> Bool = { out.append(String(decoding: $0, as: UTF8.self)); return true }
        for chunk in ["ab", "c\nde", "f\n\ng", "h"] {
            _ = try Array(chunk.utf8).withUnsafeBytes { try splitter.feed($0, collect) }
        }
        splitter.finish(collect)
        #expect(out == ["abc", "def", "", "gh"])
        #expect(splitter.lineCount == 4)
    }

    @Test func lineSplitterHoldsAtMostMaxLine() throws {
        // A line that may not be dropped: an error naming it, never more than the limit held.
        var strict = LineSplitter(maxLine: 8)
        var seen: [String] = []
        let collect: (UnsafeRawBufferPointer) -> Bool = { seen.append(String(decoding: $0, as: UTF8.self)); return true }
        _ = try Array("ok\nabcdef".utf8).withUnsafeBytes { try strict.feed($0, collect) }
        #expect(throws: LineSplitter.LineTooLong.self) {
            _ = try Array("ghijkl".utf8).withUnsafeBytes { try strict.feed($0, collect) }
        }
        var small = LineSplitter(maxLine: 4)
        do {
            _ = try Array("abcdefghij".utf8).withUnsafeBytes { try small.feed($0, collect) }
            Issue.record("no error")
        } catch let error as LineSplitter.LineTooLong {
            #expect(error.line == 1 && error.limit == 4)
        }
        // A line that may be dropped streams by: counted, `dropped` called, the next line delivered whole.
        var lenient = LineSplitter(maxLine: 8)
        var dropped = 0
        seen = []
        for chunk in ["a\n0123", "456789", "0123456789", "xyz\nb\n"] {
            _ = try Array(chunk.utf8).withUnsafeBytes { try lenient.feed($0, mayDrop: { true }, dropped: { dropped += 1 }, collect) }
        }
        #expect(seen == ["a", "b"] && dropped == 1 && lenient.lineCount == 3)
    }
}
