// Immich's own files (compose files and example.env of several releases, database schemas), read in place from
// ../shared/fixtures beside the checkout, or from IMMICH_FIXTURES. A clone without them still runs the suite: the
// tests that need them are skipped with the reason below, and the rest (the demo's own compose files and dumps, the
// drill) covers compose, dumps and the drill with fixtures the tests build themselves.

import Foundation

public enum SharedFixtures {
    /// The fixtures folder, or nil when it is not there.
    public static let root: String? = {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let path = env["IMMICH_FIXTURES"], !path.isEmpty { candidates.append(path) }
        if let shared = env["IMMICH_DRILL_SHARED"], !shared.isEmpty { candidates.append(shared + "/fixtures") }
        if candidates.isEmpty {
            var url = URL(fileURLWithPath: #filePath)
            for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/DrillTestSupport/<file> → the repository
            candidates.append(url.deletingLastPathComponent().path + "/shared/fixtures")
        }
        return candidates.first { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/immich-compose", isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }()

    /// True when Immich's own files are at hand.
    public static var available: Bool { root != nil }

    /// Why a test that needs them was skipped.
    public static let missing = "Immich's own compose files and schemas are not here (../shared/fixtures beside the checkout, or IMMICH_FIXTURES): skipped"

    /// `root/<relative>`, or a path that does not exist when the fixtures are absent.
    public static func path(_ relative: String) -> String {
        (root ?? "/nonexistent/immich-fixtures") + "/" + relative
    }
}
