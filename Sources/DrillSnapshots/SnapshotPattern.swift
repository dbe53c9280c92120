// A snapshot location pattern: an absolute path whose segments may hold `{time}` (where the snapshot's time is
// written), `{name}` (a name part with no time), and the glob characters `*`, `?` and `[…]`. Expanding it lists
// only the folders its wildcard segments need; nothing is read beyond folder entries.
//
//   /backups/immich/upload-{time}.tar.zst      archives, time in the name
//   /volume1/@snapshots/{time}/photos          Synology/btrfs snapshot folders
//   /tank/photos/.zfs/snapshot/{name}          ZFS snapshots, time from the folder's mtime
//   /backups/nas/*.tar.gz                      a glob: times from mtimes

import DrillCatalog
import Foundation

/// One path a pattern matched.
package struct PatternMatch: Sendable, Equatable {
    public var path: String
    /// What `{time}` matched, when the pattern has it.
    package var timeText: String?
}

/// A snapshot location pattern (`/b/upload-{time}.tar.zst`, globs) compiled and matched against the file system.
package struct SnapshotPattern: Sendable {
    package let pattern: String
    /// True when the pattern says where the time is.
    package let hasTime: Bool
    private let segments: [Segment]

    private enum Segment: @unchecked Sendable {
        case literal(String)
        case wildcard(NSRegularExpression, capturesTime: Bool, dotOK: Bool)
    }

    /// Compiles `pattern` (absolute). `{time}` may appear at most once.
    package init(_ pattern: String) throws {
        self.pattern = pattern
        guard pattern.hasPrefix("/") else {
            throw DrillError(.input, "snapshot pattern '\(pattern)' must be an absolute path")
        }
        var segments: [Segment] = []
        var timeCount = 0
        for part in pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            let wild = part.contains("{time}") || part.contains("{name}") || part.contains("*") || part.contains("?")
                || part.contains("[")
            guard wild else {
                segments.append(.literal(part))
                continue
            }
            let captures = part.components(separatedBy: "{time}").count - 1
            timeCount += captures
            var regex = "^"
            var chars = Array(part)
            var i = 0
            while i < chars.count {
                let rest = String(chars[i...])
                if rest.hasPrefix("{time}") {
                    regex += "(.+?)"
                    i += 6
                } else if rest.hasPrefix("{name}") {
                    regex += "[^/]+?"
                    i += 6
                } else if chars[i] == "*" {
                    regex += "[^/]*"
                    i += 1
                } else if chars[i] == "?" {
                    regex += "[^/]"
                    i += 1
                } else if chars[i] == "[", let close = chars[(i + 1)...].firstIndex(of: "]") {
                    var body = String(chars[(i + 1)..<close])
                    if body.hasPrefix("!") { body = "^" + body.dropFirst() }
                    regex += "[" + body.replacingOccurrences(of: "\\", with: "\\\\") + "]"
                    i = close + 1
                } else {
                    regex += NSRegularExpression.escapedPattern(for: String(chars[i]))
                    i += 1
                }
            }
            chars = []
            regex += "$"
            guard let compiled = try? NSRegularExpression(pattern: regex) else {
                throw DrillError(.input, "snapshot pattern '\(pattern)': cannot read the segment '\(part)'")
            }
            segments.append(.wildcard(compiled, capturesTime: captures > 0, dotOK: part.hasPrefix(".")))
        }
        guard timeCount <= 1 else {
            throw DrillError(.input, "snapshot pattern '\(pattern)' has {time} \(timeCount) times; it may appear once")
        }
        hasTime = timeCount == 1
        self.segments = segments
    }

    /// The paths the pattern matches on this machine; the last segment must be a folder (`directories`) or a
    /// regular file. `problem` is set when the fixed part of the pattern does not exist.
    package func expand(directories: Bool) -> (matches: [PatternMatch], problem: String?) {
        var current: [PatternMatch] = [PatternMatch(path: "", timeText: nil)]
        var problem: String?
        for (index, segment) in segments.enumerated() {
            let last = index == segments.count - 1
            var next: [PatternMatch] = []
            switch segment {
            case .literal(let name):
                for match in current {
                    let path = match.path + "/" + name
                    if last || FileProbe.kind(path) == .directory {
                        next.append(PatternMatch(path: path, timeText: match.timeText))
                    } else if current.count == 1, problem == nil {
                        problem = FileProbe.exists(path) ? "\(path) is not a folder" : "\(path) not found"
                    }
                }
            case .wildcard(let regex, let capturesTime, let dotOK):
                for match in current {
                    let folder = match.path.isEmpty ? "/" : match.path
                    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                        if current.count == 1, problem == nil {
                            problem = FileProbe.exists(folder) ? "cannot list \(folder)" : "\(folder) not found"
                        }
                        continue
                    }
                    for name in names.sorted() where dotOK || !name.hasPrefix(".") {
                        let range = NSRange(name.startIndex..., in: name)
                        guard let found = regex.firstMatch(in: name, range: range) else { continue }
                        var time = match.timeText
                        if capturesTime, let r = Range(found.range(at: 1), in: name) { time = String(name[r]) }
                        let path = match.path + "/" + name
                        if !last, FileProbe.kind(path) != .directory { continue }
                        next.append(PatternMatch(path: path, timeText: time))
                    }
                }
            }
            current = next
            if current.isEmpty { break }
        }
        let wanted: FileProbe.Kind = directories ? .directory : .file
        let matches = current.filter { FileProbe.kind($0.path) == wanted }
        if matches.isEmpty, problem == nil, let literalEnd = current.first, current.count == 1,
           FileProbe.kind(literalEnd.path) != wanted {
            problem = FileProbe.exists(literalEnd.path)
                ? "\(literalEnd.path) is not a \(directories ? "folder" : "file")"
                : "\(literalEnd.path) not found"
        }
        return (matches, problem)
    }
}
