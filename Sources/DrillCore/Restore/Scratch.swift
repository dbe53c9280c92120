// The scratch folder a drill restores into: a fresh folder per run below the plan's `scratch` root, refused when it
// overlaps any source or backup (a restore must never write where the library or its backups live), checked for
// free space before anything is written, and removed afterwards (and on SIGINT/SIGTERM) unless kept.

import Foundation
import Synchronization

/// Set by SIGINT and SIGTERM; long loops check it and stop.
public enum Cancellation {
    static let flag = Atomic<Int32>(0)

    public static var isCancelled: Bool { flag.load(ordering: .relaxed) != 0 }

    /// The signal that asked to stop (0 when none).
    public static var signal: Int32 { flag.load(ordering: .relaxed) }

    /// Installs the handlers: the first signal sets the flag, the work then stops at its next check.
    public static func install() {
        // A parent may have started us with the signals blocked or ignored (both are inherited); a drill must stop.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM] {
            sigaddset(&set, sig)
            _ = Glibc.signal(sig) { received in Cancellation.flag.store(received, ordering: .relaxed) }
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// For tests.
    public static func reset() { flag.store(0, ordering: .relaxed) }
}

public struct Scratch: Sendable {
    /// The run's own folder.
    public let path: String

    /// Creates `<root>/run-<stamp>-<pid>`. `protected` are the sources' and backups' paths; `bytesNeeded` what the
    /// restore will write.
    public static func prepare(root: String, protected: [String], bytesNeeded: Int64) throws -> Scratch {
        let rootPath = Paths.normalize(root)
        for path in protected.map(Paths.normalize) where Paths.isWithin(rootPath, path) || Paths.isWithin(path, rootPath) {
            throw DrillError(.usage, file: root,
                             "the scratch folder overlaps \(path), a source or backup; choose a 'scratch' folder outside every source and backup")
        }
        do {
            try FileManager.default.createDirectory(atPath: rootPath, withIntermediateDirectories: true)
        } catch {
            throw DrillError(.environment, file: root, "cannot create the scratch folder", cause: error.localizedDescription)
        }
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
            try scratch.ensureSpace(bytesNeeded)
        } catch {
            scratch.remove()
            throw error
        }
        return scratch
    }

    /// Throws when fewer than `bytes` (plus a margin) are free below the scratch folder.
    public func ensureSpace(_ bytes: Int64) throws {
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
    public func remove() {
        _ = try? FileManager.default.removeItem(atPath: path)
    }
}
