// A name from a backup or a library is hostile input on its way to the operator's terminal: the binary's output, in
// every format, holds no character a terminal acts on, and still names the file exactly.

import DrillCore
import Foundation
import Testing

@Suite struct TerminalSafetyTests {
    /// A file dropped into the NAS library whose name erases the line it is on, writes the clipboard (OSC 52),
    /// forges a line of its own and reverses what follows.
    static let name = "IMG_9999\r\u{1B}[2K\u{1B}]52;c;cm0gLXJmIH4=\u{07}\nverdict: OK \u{202E}gpj.jpg"

    /// True when `text` holds a character a terminal acts on (line feeds and tabs are the output's own).
    static func actsOnTerminal(_ text: String) -> Bool {
        text.unicodeScalars.contains { u in
            let v = u.value
            return (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v) || (0x2028...0x202E).contains(v)
                || (0x2066...0x2069).contains(v)
        }
    }

    @Test func craftedNamesAreShownNotObeyed() throws {
        let dir = CLI.tempDir() + "/demo"
        let built = try CLI.run(["demo", "--dir", dir, "--assets", "40", "--no-run"])
        #expect(built.status == 0, "\(built.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
        let share = try #require((manifest["nasShares"] as? [String: String])?.values.sorted().first)
        let crafted = share + "/" + Self.name
        #expect(FileManager.default.createFile(atPath: crafted, contents: Data("not a photo".utf8)))

        for format in ["text", "markdown"] {
            let r = try CLI.run(["plan", dir + "/drill.yml", "--format", format])
            #expect(r.status < 3, "\(r.stderr)")
            #expect(r.stdout.contains("untracked-file-live"))
            #expect(!Self.actsOnTerminal(r.stdout), "\(format)")
            #expect(!Self.actsOnTerminal(r.stderr), "\(format)")
            // The name is there, escaped, on the one line of its example.
            #expect(r.stdout.contains("IMG_9999\\r\\u001B[2K\\u001B]52;c;cm0gLXJmIH4=\\u0007\\nverdict: OK \\u202Egpj.jpg"), "\(format)")
            #expect(!r.stdout.split(separator: "\n").contains { $0.hasPrefix("verdict: OK") }, "\(format)")
        }

        // JSON keeps the exact name (its escapes are JSON's own), so a script reads the real path.
        let json = try CLI.run(["plan", dir + "/drill.yml", "--format", "json"])
        #expect(!Self.actsOnTerminal(json.stdout))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        let untracked = try #require(findings.first { $0["code"] as? String == "untracked-file-live" })
        #expect((untracked["examples"] as? [String])?.contains { $0.hasSuffix("/" + Self.name) } == true)

        // A listing prints one line per file, the crafted one escaped.
        let list = try CLI.run(["list", share, "--files"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(!Self.actsOnTerminal(list.stdout))
        var files = 0
        _ = try FileWalker.walk(share) { _ in files += 1 }
        #expect(list.stdout.split(separator: "\n").count == files)
        #expect(list.stdout.contains("IMG_9999\\r\\u001B[2K"))

        // An error that names the file shows it the same way.
        let missing = try CLI.run(["catalog", share + "/\u{1B}]0;pwned\u{07}.sql.gz"])
        #expect(missing.status != 0)
        #expect(!Self.actsOnTerminal(missing.stderr), "\(missing.stderr.debugDescription)")
        #expect(missing.stderr.contains("\\u001B]0;pwned\\u0007.sql.gz"))
    }
}
