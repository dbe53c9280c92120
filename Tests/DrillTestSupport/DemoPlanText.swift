// The demo plan's source entries as `immich-drill demo` writes them, and one way to swap one for another (a backup
// tool, a whole-install archive), so the tests that drill other kinds of backup share the text they replace.

import Foundation

public enum DemoPlanText {
    /// The demo's UPLOAD_LOCATION source: nightly snapshot folders.
    public static let upload = """
      upload:
        directory: backups/upload/{time}
        path: library
    """
    /// The demo's photos share source: nightly tar.zst archives.
    public static let photos = """
      external:/mnt/media/photos:
        archive: backups/nas/photos-{time}.tar.zst
        path: photos
    """

    /// `plan` with the source entry `old` (one of the above) replaced by `new`, written to `output` (default: in place).
    public static func replace(_ old: String, with new: String, in plan: String, writingTo output: String? = nil) throws {
        let text = try String(contentsOfFile: plan, encoding: .utf8)
        guard text.contains(old) else {
            throw NSError(domain: "DemoPlanText", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(plan) has no entry\n\(old)"])
        }
        try text.replacingOccurrences(of: old, with: new).write(toFile: output ?? plan, atomically: true, encoding: .utf8)
    }

    /// A `command:` source for `id` with its list, restore and optional files commands (and optional path).
    public static func command(_ id: String, list: String, restore: String, files: String? = nil, path: String? = nil) -> String {
        var text = "  \(id):\n    command:\n      list: \(list)\n      restore: \(restore)"
        if let files { text += "\n      files: \(files)" }
        if let path { text += "\n    path: \(path)" }
        return text
    }
}
