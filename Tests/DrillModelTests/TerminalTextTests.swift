@testable import DrillModel
import Foundation
import Testing

/// Names from a backup on their way to a terminal: nothing in them acts on it, and nothing else changes.
@Suite struct TerminalTextTests {
    /// What a crafted file, album or library name can hold: erase the line, hide text, set the clipboard and the
    /// window title, move the cursor, a C1 CSI, a bidirectional override, a line of its own.
    static let hostile: [String] = [
        "IMG_1.jpg\r\u{1B}[2K  OK",
        "\u{1B}[8mhidden",
        "\u{1B}]52;c;cm0gLXJmIH4=\u{07}",
        "\u{1B}]0;title\u{1B}\\",
        "a\u{08}\u{08}b\u{7F}",
        "x\u{9B}31mred",
        "photo\u{202E}gpj.exe",
        "iso\u{2066}late\u{2069}",
        "one\nverdict: OK\u{2028}",
        "tab\there",
    ]

    /// The characters a terminal acts on (line feed and tab are kept by `screen`, shown by `inline`).
    static func actsOnTerminal(_ s: String, keepLines: Bool) -> Bool {
        s.unicodeScalars.contains { u in
            let v = u.value
            if keepLines, v == 0x0A || v == 0x09 { return false }
            return v < 0x20 || (0x7F...0x9F).contains(v) || (0x2028...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        }
    }

    @Test func ordinaryTextIsLeftAsItIs() {
        for text in ["", "plain", "Fotos – März 2024/IMG_0001.HEIC", "…and → ≤ ✓ ✗ 日本語 🙂", "line one\nline two\n\tindented",
                     "C2 without C1: \u{A0}é ¿", "E2 but no override: \u{2026}\u{2030}\u{2060}\u{206A}"] {
            #expect(TerminalText.screen(text) == text)
            #expect(TerminalText.screen(text, colour: true) == text)
        }
        #expect(TerminalText.inline("plain → text") == "plain → text")
        #expect(!TerminalText.needsEscape("Fotos – März/IMG.jpg"))
    }

    @Test(arguments: hostile)
    func nothingInANameActsOnTheTerminal(name: String) {
        let screened = TerminalText.screen("  - " + name + "\n")
        #expect(!Self.actsOnTerminal(screened, keepLines: true), "\(screened.debugDescription)")
        let inline = TerminalText.inline(name)
        #expect(!Self.actsOnTerminal(inline, keepLines: false), "\(inline.debugDescription)")
        #expect(!inline.contains("\n") && !inline.contains("\t"))
        #expect(TerminalText.needsEscape(name))
        // Colour on lets only the reports' own colours through.
        #expect(!Self.actsOnTerminal(TerminalText.screen(name, colour: true), keepLines: true))
    }

    @Test func escapesAreVisibleAndExact() {
        #expect(TerminalText.screen("a\u{1B}[2Kb") == "a\\u001B[2Kb")
        #expect(TerminalText.screen("a\rb\nc\td") == "a\\rb\nc\td")
        #expect(TerminalText.inline("a\rb\nc\td") == "a\\rb\\nc\\td")
        #expect(TerminalText.screen("x\u{85}y\u{9B}z") == "x\\u0085y\\u009Bz")
        #expect(TerminalText.screen("\u{202E}gpj") == "\\u202Egpj")
        #expect(TerminalText.screen("\u{7F}") == "\\u007F")
        // At the very end, and next to characters that share its first byte.
        #expect(TerminalText.screen("end\u{85}") == "end\\u0085")
        #expect(TerminalText.screen("\u{C2}\u{A0}\u{80}") == "\u{C2}\u{A0}\\u0080")
    }

    @Test func onlyTheReportsOwnColoursPassAndOnlyWithColourOn() {
        let painted = Paint.critical.paint("CRITICAL") + " " + Paint.pass.paint("PASS")
        #expect(TerminalText.screen(painted, colour: true) == painted)
        #expect(!TerminalText.screen(painted).contains("\u{1B}"))
        // Another SGR (conceal), a cursor move and an OSC are escaped even with colour on.
        for sequence in ["\u{1B}[8m", "\u{1B}[1A", "\u{1B}]0;t\u{07}", "\u{1B}[31;1", "\u{1B}[3"] {
            #expect(!TerminalText.screen(painted + sequence, colour: true).hasSuffix(sequence))
            #expect(TerminalText.screen(painted + sequence, colour: true).hasPrefix(painted))
        }
    }

    /// JSON output is screened too: what it escapes is still valid JSON and decodes to the same name.
    @Test(arguments: hostile)
    func screenedJSONDecodesToTheSameName(name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = String(decoding: try encoder.encode(["examples": [name]]), as: UTF8.self)
        let screened = TerminalText.screen(json)
        #expect(!Self.actsOnTerminal(screened, keepLines: true))
        let decoded = try JSONDecoder().decode([String: [String]].self, from: Data(screened.utf8))
        #expect(decoded["examples"] == [name])
    }

    /// A command printed for a person shows no terminal command and still runs as the same bytes, in bash and in a
    /// plain POSIX sh (Debian's is dash), also inside "…" and '…' of a plan's template.
    @Test(arguments: hostile + ["it's a \\ back$(slash)`x`", "plain", "", "\u{1B}", "'\u{1B}'"])
    func shellQuotedNamesRunAsTheSameBytes(name: String) throws {
        let quoted = Subprocess.shellQuote(name)
        #expect(!TerminalText.needsEscape(quoted, keepLines: true), "\(quoted.debugDescription)")
        let templates = ["printf '%s' {id}", "printf '%s' \"{id}\"", "printf '%s' '{id}'"]
        for template in templates {
            let printed = ShellTemplate.render(template, values: [("id", name)], mode: .literal)
            #expect(!TerminalText.needsEscape(printed, keepLines: true), "\(printed.debugDescription)")
            for shell in ["/bin/sh", "/bin/bash"] where FileManager.default.isExecutableFile(atPath: shell) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: shell)
                process.arguments = ["-c", printed]
                let out = Pipe()
                process.standardOutput = out
                try process.run()
                let bytes = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0 && bytes == Data(name.utf8), "\(shell): \(printed)")
            }
        }
    }

    @Test func listingLinesStayOneLineEach() throws {
        let path = NSTemporaryDirectory() + "terminal-text-\(getpid())-\(UUID().uuidString.prefix(8))"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_WRONLY)
        #expect(fd >= 0)
        do {
            let out = LineWriter(fd: fd)
            for name in Self.hostile + ["ordinary/IMG_0001.jpg"] {
                out.shownText(name)
                try out.endLine()
            }
            try out.flush()
        }
        close(fd)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        let lines = written.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == Self.hostile.count + 1)
        #expect(lines.last == "ordinary/IMG_0001.jpg")
        #expect(!Self.actsOnTerminal(written, keepLines: true))
    }
}
