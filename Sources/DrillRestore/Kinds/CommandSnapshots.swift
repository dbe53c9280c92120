// A backup tool's snapshots (restic, borg, kopia, anything with a command line): `list` names them with their times,
// the optional `files` lists what one holds without restoring it, and `restore` puts one into scratch. {id} and
// {target} reach the shell as its arguments, never as text it parses; the commands run in the plan's folder. On
// restore day the same command, with the values quoted for the shell, into a staging folder when the source is
// inside what the tool restores.

import Foundation

/// `command:` sources.
package struct CommandSnapshots: FileSnapshotKind {
    package init() {}

    public var kind: Snapshot.Kind { .command }
    /// A snapshot's location is the tool's id, not a path.
    package var locationsArePaths: Bool { false }

    package func accepts(_ location: SnapshotLocation) -> Bool {
        if case .command = location { return true }
        return false
    }

    package func restoreTemplate(_ location: SnapshotLocation) -> String? {
        if case .command(_, let restore, _, _) = location { return restore }
        return nil
    }

    package func discover(_ planned: PlannedSource, with discovery: SnapshotDiscovery) throws -> (snapshots: [Snapshot], notes: [String]) {
        guard case .command(let list, _, _, _) = planned.location else { return ([], []) }
        return (try discovery.listCommand(list, source: planned.id), [])
    }

    /// Lists a snapshot with the plan's `files:` command ({id} passed as the shell's `$1`); without one, a tool's
    /// snapshot is only known once it is restored.
    public func list(_ items: [ListingItem], context: ListingContext) -> [Result<SnapshotListing, DrillError>?] {
        items.map { item in
            guard case .command(_, _, _, let files?) = item.location else { return nil }
            do {
                return .success(try listFiles(files, snapshot: item.snapshot, request: item.request, planFile: context.planFile))
            } catch let error as DrillError {
                return .failure(error)
            } catch {
                return .failure(DrillError(.input, file: context.planFile, "cannot list \(item.snapshot.location)", cause: "\(error)"))
            }
        }
    }

    func listFiles(_ template: String, snapshot: Snapshot, request: ListingRequest, planFile: String) throws -> SnapshotListing {
        let what = "sources.\(snapshot.source).command.files"
        let command = ShellTemplate.render(template, values: [("id", snapshot.location)], mode: .positional)
        let result = try Subprocess.run(shell: command, arguments: [snapshot.location], timeout: 3600,
                                        directory: Paths.directory(of: planFile), isCancelled: { Cancellation.isCancelled })
        if Cancellation.isCancelled { throw DrillError(.environment, file: planFile, "stopped by signal \(Cancellation.signal) while '\(what)' ran") }
        guard result.status == 0, !result.timedOut else {
            throw DrillError(.environment, file: planFile, "'\(what)' failed with exit status \(result.status)\(result.timedOut ? " (stopped after an hour)" : ""): \(template)", cause: result.tail)
        }
        let entries = try SnapshotLister.entries(fromFileList: result.stdout, what: what)
        return try SnapshotLister.listEntries([request]) { body in
            for entry in entries where try !body(entry) { return }
        }[0]
    }

    /// Run exactly as the drill runs it, from any folder: in the plan's folder (its relative paths), into a folder
    /// that exists; a staging folder is removed once its contents are in place.
    package func restoreCommand(location: String, inside: String, target: String, restore: String?, planFolder: String) -> String {
        let q = Subprocess.shellQuote
        let slug = String(target.map { $0.isLetter || $0.isNumber ? $0 : "-" })
        let staging = inside.isEmpty ? target : "/var/tmp/immich-restore/" + slug
        guard let restore else { return "# the plan has no restore command" }
        let command = ShellTemplate.render(restore, values: [("id", location), ("target", staging)], mode: .literal)
        var prefix = "cd \(q(planFolder)) && "
        if command.contains("IMMICH_DRILL_DIR") { prefix = "export IMMICH_DRILL_DIR=\(q(planFolder)) && " + prefix }
        let run = "(\(prefix)mkdir -p \(q(staging)) && \(command))"
        return inside.isEmpty ? run
            : run + " && mkdir -p \(q(target)) && rsync -aHAX \(q(staging + "/" + inside + "/")) \(q(target + "/")) && rm -rf \(q(staging))"
    }

    package func planLines(_ location: SnapshotLocation, relative: (String) -> String, quote: (String) -> String) -> [String] {
        guard case .command(let list, let restore, let path, let files) = location else { return [] }
        var lines = ["    command:", "      list: \(quote(list))", "      restore: \(quote(restore))"]
        if let files { lines.append("      files: \(quote(files))") }
        if let path { lines.append("    path: \(quote(path))") }
        return lines
    }

    /// A tool's repository is named inside its commands, not as a path the drill can read.
    package func fixedPaths(_ location: SnapshotLocation) -> [String] { [] }

    public func restore(_ job: RestoreJob, into target: String, index: RestoreIndex, with restorer: Restorer) throws -> SourceRestore {
        guard let template = job.restoreCommand else {
            throw DrillError(.input, "the source \(job.source) has no restore command")
        }
        // {id} and {target} reach the shell as its arguments $1 and $2, never as text it parses.
        let command = ShellTemplate.render(template, values: [("id", job.snapshot.location), ("target", target)],
                                           mode: .positional)
        let started = Date()
        let result = try Subprocess.run(shell: command, arguments: [job.snapshot.location, target],
                                        timeout: restorer.commandTimeout, directory: restorer.planDirectory,
                                        isCancelled: { Cancellation.isCancelled })
        if Cancellation.isCancelled { throw DrillError(.environment, "the drill was stopped by a signal") }
        guard result.status == 0, !result.timedOut else {
            throw DrillError(.environment, "the restore command for \(job.source) failed with exit status \(result.status)\(result.timedOut ? " (stopped after \(Int(restorer.commandTimeout)) s)" : ""): \(command)",
                             cause: result.tail)
        }
        // Everything was restored by the tool; where the source is in what came back is recognised as for any
        // listing (unless the plan says `path:`), then the wanted files are read back from scratch and hashed.
        var inside = job.inside
        if let detect = job.detect {
            let root = SnapshotLister.detectDirectoryRoot(target, detect)
            if root.1 == SnapshotLister.notFound {
                // Not where the source was looked for: nothing of it is indexed (or verified), and the root goes.
                index.roots.removeAll { $0.source == job.source }
                return SourceRestore(
                    source: job.source.description, kind: "command", location: job.snapshot.location, totalFiles: 0, totalBytes: 0,
                    restoredFiles: 0, restoredBytes: 0, seconds: Date().timeIntervalSince(started), projectedSeconds: nil,
                    projection: nil, inPlace: false, refused: [], output: result.tail,
                    rootNotFound: ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).sorted())
            }
            inside = root.0
        }
        var restore = try restorer.restoreFolder(job, from: Paths.append(inside, to: target), into: nil, index: index,
                                        started: started, kind: "command", output: result.tail)
        restore.inPlace = false
        restore.restoredFiles = restore.totalFiles
        restore.restoredBytes = restore.totalBytes
        return restore
    }
}
