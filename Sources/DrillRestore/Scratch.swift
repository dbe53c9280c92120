// The scratch folder a drill restores into: a fresh folder per run below the plan's `scratch` root, refused when it
// overlaps any source or backup (a restore must never write where the library or its backups live), checked for
// free space before anything is written, and removed afterwards (and on SIGINT/SIGTERM) unless kept.

import DrillSnapshots
import Foundation

/// The run's own folder under the plan's scratch, checked against every source and backup, sized, and removed after.
package struct Scratch: Sendable {
    /// The run's own folder.
    public let path: String

    /// Creates `<root>/run-<stamp>-<pid>`. `protected` are the sources' and backups' paths; `bytesNeeded` what the
    /// restore will write.
    package static func prepare(root: String, protected: [String], bytesNeeded: Int64) throws -> Scratch {
        // Judged by real paths and device/inode (WriteGuard), before the folder is made and again on the made folder.
        let guarded = WriteGuard.protect(protected)
        try WriteGuard.refuse(root, what: "scratch folder", key: "scratch", protected: guarded)
        do {
            try FileManager.default.createDirectory(atPath: Paths.normalize(root), withIntermediateDirectories: true)
        } catch {
            throw DrillError(.environment, file: root, "cannot create the scratch folder", cause: error.localizedDescription)
        }
        let rootPath = WriteGuard.realPath(root)
        try WriteGuard.refuse(rootPath, what: "scratch folder", key: "scratch", protected: guarded)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let path = rootPath + "/run-\(formatter.string(from: Date()))-\(getpid())"
        guard mkdir(path, 0o700) == 0 else {
            throw DrillError(.environment, file: path, "cannot create the run's scratch folder", cause: DrillError.errnoText(errno))
        }
        let scratch = Scratch(path: path)
        do {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                throw DrillError(.environment, file: path, "cannot open the run's scratch folder", cause: DrillError.errnoText(errno))
            }
            defer { close(fd) }
            try WriteGuard.refuse(openedFolder: fd, path: path, key: "scratch", protected: guarded)
            try scratch.ensureSpace(bytesNeeded)
        } catch {
            scratch.remove()
            throw error
        }
        return scratch
    }

    /// Throws when fewer than `bytes` (plus a margin) are free below the scratch folder.
    package func ensureSpace(_ bytes: Int64) throws {
        guard let free = FileProbe.freeBytes(at: path) else { return }
        let margin = max(Int64(64 << 20), bytes / 20)
        if free < bytes + margin {
            throw DrillError(.environment, file: path,
                             "not enough free space for the restore: \(ByteText.format(bytes)) needed (plus \(ByteText.format(margin)) margin), \(ByteText.format(free)) free; free space, choose another 'scratch', or sample with --verify N% or verify folders --in-place")
        }
    }

    /// A new folder for one source's restore.
    public func folder(_ name: String) throws -> String {
        let safe = name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
        let path = self.path + "/" + String(safe)
        guard mkdir(path, 0o700) == 0 else {
            throw DrillError(.environment, file: path, "cannot create a restore folder", cause: DrillError.errnoText(errno))
        }
        return path
    }

    /// Removes the run's folder and everything in it (never following symlinks out of it).
    package func remove() {
        Scratch.removeTree(path)
    }

    /// Removes a folder and everything below it without following any symlink (fts, physical walk, no chdir), eight
    /// subtrees at a time: removing a restore of millions of files waits on the disk, not the CPU (FileWalker).
    package static func removeTree(_ path: String) {
        _ = try? FileWalker.removeTree(path, threads: 8)
    }

    /// Removes the run folders under `root` left by drills whose process is gone (killed with SIGKILL, a power cut):
    /// `run-<time>-<pid>` with a pid that no longer runs. Returns what it removed.
    package static func removeStale(root: String) -> [String] {
        let rootPath = WriteGuard.realPath(root)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: rootPath) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix("run-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[1].count == 15, let pid = Int32(parts[2]), pid > 0, pid != getpid() else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            var st = stat()
            guard lstat(rootPath + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == geteuid() else { continue }
            removeTree(rootPath + "/" + name)
            removed.append(rootPath + "/" + name)
        }
        return removed
    }
}
