// A snapshot is one backup of one source at one time (DESIGN.md): a dump file, an archive, a snapshot folder, or a
// backup tool's snapshot that a command restores. Discovery finds them from the plan's `sources:` section without
// reading their contents: folder entries, file names, sizes and mtimes, and the `list` command's output.

import DrillCatalog
import Foundation

/// One backup of one planned source.
public struct Snapshot: Sendable, Codable, Equatable {
    /// What kind of backup it is.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case dump, archive, directory, command
    }

    /// The planned source id it backs up (`database`, `upload`, `upload/library`, `external:/mnt/media/photos`).
    package var source: SourceID
    public var kind: Kind
    /// A path, or the backup tool's snapshot id for `command`.
    public var location: String
    /// When it was taken, seconds since 1970 (nil only when nothing says).
    public var time: Double?
    /// How `time` was found: `name (local time in Europe/Berlin)`, `name (epoch seconds)`, `mtime (…)`, `list output (…)`.
    public var timeSource: String
    /// The file's size for dumps and archives.
    public var bytes: Int64?
    /// A dump's `.tmp` leftover: the backup failed or was still running.
    package var failed: Bool = false
    /// What a dump's name says (dumps only).
    package var dump: DumpIdentity?

    package init(source: SourceID, kind: Kind, location: String, time: Double?, timeSource: String, bytes: Int64? = nil,
                failed: Bool = false, dump: DumpIdentity? = nil) {
        self.source = source
        self.kind = kind
        self.location = location
        self.time = time
        self.timeSource = timeSource
        self.bytes = bytes
        self.failed = failed
        self.dump = dump
    }

    /// A short name for tables.
    public var name: String {
        kind == .command ? location : (location as NSString).lastPathComponent
    }

    /// A stable id: `<source>@<UTC time>` plus the name.
    public var id: String { "\(source)@\(name)" }
}

/// What discovery found for one planned source.
package struct DiscoveredSource: Sendable {
    package var planned: PlannedSource
    /// Newest first; failed dumps included.
    public var snapshots: [Snapshot]
    /// Why nothing (or less than expected) was found: a missing folder, an unparseable name.
    package var notes: [String]

    /// The usable snapshots (not failed, with a time), newest first.
    package var usable: [Snapshot] { snapshots.filter { !$0.failed && $0.time != nil } }

    package init(planned: PlannedSource, snapshots: [Snapshot], notes: [String]) {
        self.planned = planned
        self.snapshots = snapshots
        self.notes = notes
    }
}

/// Finds the snapshots of every planned source.
package struct SnapshotDiscovery: Sendable {
    /// The zone for times in file snapshot names (the plan's, else the deployment's).
    package var fileZone: TimeZone?
    /// The zone Immich names its dumps in (the deployment's TZ, else the plan's).
    package var dumpZone: String?
    /// How long a `list` command may run.
    package var commandTimeout: Double = 600
    /// The plan file, for error messages about its commands.
    public var planFile: String

    package init(planFile: String, fileZone: TimeZone?, dumpZone: String?) {
        self.planFile = planFile
        self.fileZone = fileZone
        self.dumpZone = dumpZone
    }

    /// The names Immich's dump list accepts, plus the compressions operators' own jobs use.
    static func isDumpName(_ name: String) -> Bool {
        var core = name
        if core.hasSuffix(".tmp") { core.removeLast(4) }
        for suffix in [".sql", ".sql.gz", ".sql.zst", ".sql.xz", ".sql.bz2"] where core.hasSuffix(suffix) {
            return core.count > suffix.count
        }
        return false
    }

    /// The dumps in a database source's folders (Immich's names, plus the compressions operators' own jobs use).
    public func dumps(in folders: [String], source: SourceID) -> (snapshots: [Snapshot], notes: [String]) {
        var snapshots: [Snapshot] = []
        var notes: [String] = []
        for folder in folders {
            guard FileProbe.kind(folder) == .directory else {
                notes.append("dump folder \(folder) \(FileProbe.exists(folder) ? "is not a folder" : "not found")")
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where SnapshotDiscovery.isDumpName(name) {
                let path = Paths.append(name, to: folder)
                guard FileProbe.kind(path) == .file else { continue }
                let identity = DumpIdentity.of(path: path, timeZone: dumpZone)
                snapshots.append(Snapshot(
                    source: source, kind: .dump, location: path, time: identity.time,
                    timeSource: identity.timeSource, bytes: identity.sizeBytes, failed: identity.failed,
                    dump: identity))
            }
        }
        return (snapshots, notes)
    }

    /// The archives (or, with `directories`, the snapshot folders) a pattern matches, each with its time: from the
    /// `{time}` in its name when there is one that reads, else its mtime (and a note saying which names did not read).
    package func matches(of pattern: String, directories: Bool, kind: Snapshot.Kind,
                        source: SourceID) throws -> (snapshots: [Snapshot], notes: [String]) {
        var snapshots: [Snapshot] = []
        var notes: [String] = []
        let compiled = try SnapshotPattern(pattern)
        let (matches, problem) = compiled.expand(directories: directories)
        if let problem { notes.append(problem) }
        var unparsed: [String] = []
        for match in matches {
            var st = stat()
            let statOK = stat(match.path, &st) == 0
            let mtime = statOK ? Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9 : nil
            var snapshot = Snapshot(source: source, kind: kind,
                                    location: match.path, time: mtime, timeSource: "mtime (the pattern has no {time})",
                                    bytes: directories || !statOK ? nil : Int64(st.st_size))
            if let text = match.timeText {
                if let named = SnapshotTime.parse(text, zone: fileZone) {
                    snapshot.time = named.time
                    snapshot.timeSource = "name (\(named.reading))"
                } else {
                    snapshot.timeSource = "mtime ('\(text)' is not a time this reads)"
                    unparsed.append((match.path as NSString).lastPathComponent)
                }
            }
            snapshots.append(snapshot)
        }
        if !unparsed.isEmpty {
            notes.append("\(unparsed.count) name(s) with no readable time in {time}, mtime used: "
                         + unparsed.prefix(3).joined(separator: ", "))
        }
        return (snapshots, notes)
    }

    /// Runs a backup tool's `list` command: `<id> <ISO-8601 time>` a line; blank lines and `#` comments skipped.
    package func listCommand(_ command: String, source: SourceID) throws -> [Snapshot] {
        let what = "sources.\(source).command.list"
        let result = try Subprocess.run(shell: command, timeout: commandTimeout,
                                        directory: Paths.directory(of: planFile),
                                        isCancelled: { Cancellation.isCancelled })
        if Cancellation.isCancelled {
            throw DrillError(.environment, file: planFile, "stopped by signal \(Cancellation.signal) while '\(what)' ran")
        }
        if result.timedOut {
            throw DrillError(.environment, file: planFile,
                             "'\(what)' did not finish within \(Int(commandTimeout)) s and was stopped: \(command)")
        }
        guard result.status == 0 else {
            throw DrillError(.environment, file: planFile,
                             "'\(what)' failed with exit status \(result.status): \(command)", cause: result.tail)
        }
        var snapshots: [Snapshot] = []
        let text = String(decoding: result.stdout, as: UTF8.self)
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            let expected = "expected `<snapshot id> <ISO-8601 time>`, got '\(line.prefix(120))'"
            guard parts.count == 2 else {
                throw DrillError(.input, file: "\(what) output", line: index + 1, expected)
            }
            guard !ShellTemplate.hasControlCharacters(String(parts[0])) else {
                throw DrillError(.input, file: "\(what) output", line: index + 1,
                                 "a snapshot id must not hold control characters, got '\(TerminalText.inline(String(parts[0].prefix(120))))'")
            }
            let timeText = parts[1].trimmingCharacters(in: .whitespaces)
            guard let named = SnapshotTime.parse(timeText, zone: fileZone) else {
                throw DrillError(.input, file: "\(what) output", line: index + 1, expected)
            }
            snapshots.append(Snapshot(source: source, kind: .command, location: String(parts[0]), time: named.time,
                                      timeSource: "list output (\(named.reading))"))
        }
        return snapshots
    }
}

extension Snapshot {
    /// A listing is of one snapshot for one source: the same archive can hold UPLOAD_LOCATION and a share, each with
    /// its own root inside it.
    package var listingKey: String { source.description + "\u{1F}" + location }
}
