@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct SupportTests {
    @Test func normalize() {
        #expect(Paths.normalize("/a//b/./c/../d/") == "/a/b/d")
        #expect(Paths.normalize("/../x") == "/x")
        #expect(Paths.normalize("a/../../b") == "../b")
        #expect(Paths.normalize("") == ".")
        #expect(Paths.normalize("/") == "/")
    }

    @Test func within() {
        #expect(Paths.isWithin("/mnt/photos/a", "/mnt/photos"))
        #expect(Paths.isWithin("/mnt/photos", "/mnt/photos/"))
        #expect(!Paths.isWithin("/mnt/photos2", "/mnt/photos"))
        #expect(Paths.isWithin("/anything", "/"))
        #expect(Paths.remainder(of: "/a/b/c", under: "/a") == "b/c")
        #expect(Paths.remainder(of: "/a", under: "/a") == "")
        #expect(Paths.remainder(of: "/x/y", under: "/") == "x/y")
        #expect(Paths.remainder(of: "/ab", under: "/a") == nil)
        #expect(Paths.resolve("./library", against: "/opt/immich") == "/opt/immich/library")
        #expect(Paths.resolve("../x", against: "/opt/immich") == "/opt/x")
        #expect(Paths.expandTilde("~/p", home: "/home/u") == "/home/u/p")
        #expect(Paths.expandTilde("~user/p", home: "/home/u") == "~user/p")
    }

    @Test func outcomeDecidesTheExitStatus() {
        func f(_ s: Severity) -> Finding { Finding(code: s == .info ? .nameNotUtf8 : .uncoveredSource, severity: s, count: 1, message: "m") }
        #expect(Outcome.from(findings: []).exitStatus == .ok)
        #expect(Outcome.from(findings: [f(.info)]).exitStatus == .ok)
        #expect(Outcome.from(findings: [f(.info), f(.warning)]).exitStatus == .warning)
        #expect(Outcome.from(findings: [f(.warning), f(.critical)]).exitStatus == .critical)
        // The outcomes that are not judgements: stopped, could not run, misused.
        #expect(Outcome.aborted.exitStatus == .unknown && Outcome.aborted.verdict == .aborted)
        #expect(Outcome.couldNotRun.exitStatus == .unknown && Outcome.couldNotRun.verdict == .unknown)
        #expect(Outcome.usage.exitStatus == .usage)
        #expect(Outcome.from(findings: [f(.critical)]).verdict == .critical)
        #expect(DrillError(.input, "x").outcome == .couldNotRun && DrillError(.usage, "x").outcome == .usage)
        for status in [ExitStatus.ok, .warning, .critical, .unknown, .usage] {
            #expect(Outcome.judged(status).exitStatus == status)
        }
        #expect([f(.info), f(.critical), f(.warning)].sortedForReport().map(\.severity) == [.critical, .warning, .info])
        #expect(Finding(code: .nameNotUtf8, severity: .info, count: 9, message: "m", examples: (1...9).map(String.init)).examples.count == 5)
    }

    @Test func errorDescription() {
        #expect(DrillError(.input, file: "a.yml", line: 3, column: 7, "bad", cause: "why").description == "a.yml:3:7: bad (why)")
        #expect(DrillError(.usage, "no args").exitCode == 64)
        #expect(DrillError(.input, file: "x", "y").exitCode == 3)
    }

    @Test func imageReferences() {
        let r = ImageReference("ghcr.io/immich-app/immich-server:v1.118.2@sha256:abc")
        #expect(r.repository == "ghcr.io/immich-app/immich-server" && r.tag == "v1.118.2" && r.digest == "sha256:abc")
        #expect(r.version == ImmichVersion(1, 118, 2) && r.isPinned)
        #expect(!ImageReference("ghcr.io/immich-app/immich-server:release").isPinned)
        #expect(!ImageReference("ghcr.io/immich-app/immich-server:v2").isPinned)
        #expect(ImageReference("localhost:5000/immich-server").tag == nil)
        #expect(ImageReference("localhost:5000/immich-server").repository == "localhost:5000/immich-server")
        #expect(ImmichVersion("v1.136.0")! < ImmichVersion.dataMediaLocation)
        #expect(ImmichVersion("2.0.0-rc.1") == ImmichVersion(2, 0, 0))
        #expect(ImmichVersion("v2") == nil)
    }
}

/// README.md's findings table and the catalogue say the same: every code, with the same severities.
@Suite struct FindingCatalogueTests {
    @Test func readmeFindingsTableMatchesTheCatalogue() throws {
        let readme = try String(contentsOfFile: Fixtures.repoRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "### Findings"))
        let end = try #require(readme.range(of: "### JSON", range: start.upperBound..<readme.endIndex))
        var documented: [String: [String]] = [:]
        for line in readme[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let codes = cells[0].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            let severities = cells[1].split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
            for code in codes { documented[code] = severities }
        }
        let catalogued = Dictionary(uniqueKeysWithValues: FindingCode.all.map { ($0.rawValue, $0.severities.map(\.rawValue)) })
        #expect(documented == catalogued)
        #expect(Set(FindingCode.all.map(\.rawValue)).count == FindingCode.all.count, "codes are unique")
        #expect(FindingCode.all.allSatisfy { FindingCode.named($0.rawValue) == $0 })
    }
}

struct LineWriterTests {
    @Test func everyLineIsWrittenAndAFailedWriteIsAnError() throws {
        let path = NSTemporaryDirectory() + "linewriter-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        let out = LineWriter(fd: fd)
        for i in 0..<100_000 {
            out.number(Int64(i))
            out.text(" é")
            try out.endLine()
        }
        try out.flush()
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 100_000 && lines.first == "0 é" && lines.last == "99999 é")

        // A descriptor that cannot be written (read-only): the flush throws instead of dropping the lines.
        let readOnly = open(path, O_RDONLY)
        defer { close(readOnly) }
        let broken = LineWriter(fd: readOnly)
        broken.text("lost")
        #expect(throws: DrillError.self) { try broken.endLine(); try broken.flush() }
    }
}
