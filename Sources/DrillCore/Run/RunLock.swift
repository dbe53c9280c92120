// One drill of a plan at a time: a scheduled run that overlaps a slow one would fight it for disk and scratch.
// The lock is an flock(2) on a file that also holds the holder's pid, so a second run can name it. flock is
// released by the kernel when its holder dies, so a lock file left by a killed run is simply taken over (and said
// so). The descriptor is close-on-exec: restore commands (restic, borg) never inherit the lock.

import DrillReport
import DrillArchive
import Foundation

/// The flock that keeps two drills of one plan from running at once; released by the kernel when its holder dies.
package final class RunLock: @unchecked Sendable {
    /// The lock file.
    public let path: String
    /// The pid a previous holder left in the file when it died without releasing it.
    package private(set) var tookOverFrom: Int32?
    private var fd: Int32

    /// The lock file for a plan: beside the history, named after the plan file's absolute path.
    public static func path(for plan: DrillPlan) -> String {
        let folder = (plan.history as NSString).deletingLastPathComponent
        let name = (WriteGuard.realPath(plan.file) as NSString).lastPathComponent
            .replacingOccurrences(of: ".yml", with: "").replacingOccurrences(of: ".yaml", with: "")
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        // The plan file itself decides identity (its device and inode, else its real path): two plans named alike in
        // different folders get different locks, and `alias.yml -> drill.yml` gets the lock of drill.yml.
        let key = FileIdentity.of(plan.file).map { "\($0.device):\($0.inode)" } ?? WriteGuard.realPath(plan.file)
        var hash: UInt32 = 2166136261
        for byte in key.utf8 { hash = (hash ^ UInt32(byte)) &* 16777619 }
        return folder + "/" + safe + "-" + String(hash, radix: 16) + ".lock"
    }

    /// Takes the lock or throws naming the pid that holds it.
    package init(path: String, what: String) throws {
        self.path = path
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DrillError(.environment, file: path, "cannot open the lock file for \(what)",
                             cause: String(cString: strerror(errno)))
        }
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        let previous = RunLock.readPid(fd)
        if result != 0 {
            let error = errno
            // Closed here and forgotten: a throwing class init still runs deinit (all properties are set), which
            // must not close the same number again (by then it may be another thread's file).
            close(fd)
            fd = -1
            if error == EWOULDBLOCK {
                let holder = previous.map { "pid \($0)" } ?? "another process"
                throw DrillError(.environment, file: path, "\(what) is already running (\(holder) holds the lock)",
                                 cause: "the second run exits 3; wait for the first or stop it")
            }
            throw DrillError(.environment, file: path, "cannot lock \(what)", cause: String(cString: strerror(error)))
        }
        if let previous, previous != getpid(), kill(previous, 0) != 0, errno == ESRCH {
            tookOverFrom = previous
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, text.count, 0) }
    }

    /// Releases the lock and empties the file (it is kept: removing it would race a third run's open).
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    deinit { release() }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
