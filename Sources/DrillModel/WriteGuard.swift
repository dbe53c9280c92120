// Where the drill may write. Scratch, the history, the lock and the metrics file must not lie inside a source or a
// backup, nor hold one, and "inside" is judged by what the paths really are, not by how they are spelled: every path
// is resolved through the file system (the longest existing prefix by realpath(3), so a symlinked `scratch:` or a
// symlinked parent is seen through), and then compared twice — as real paths, component by component, and by the
// device and inode of every existing ancestor, so a bind mount that shows a source at a second path is caught too.
// After the run folder is made, the check is repeated on the opened folder itself (its ancestors reached with
// `openat(fd, "..")`), so a path swapped between the check and the mkdir cannot move the restore into a source.

import DrillArchive
import Foundation

/// A source or backup path the drill must never write into.
package struct ProtectedPath: Sendable {
    /// As the plan or deployment spells it.
    public var shown: String
    /// Resolved through the file system.
    public var real: String
    /// Device and inode, when it exists.
    public var identity: FileIdentity?
}

/// Refuses a path the tool would write when it lies in a source or a backup, judged by real path and by device/inode.
public enum WriteGuard {
    /// `path` made absolute and resolved: the longest prefix that exists through realpath(3), the rest appended.
    public static func realPath(_ path: String) -> String {
        let absolute = Paths.absolute(path)
        var existing = absolute
        var rest: [String] = []
        while true {
            if let resolved = realpath(existing, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                return rest.isEmpty ? base : Paths.normalize(base + "/" + rest.reversed().joined(separator: "/"))
            }
            guard existing != "/", !existing.isEmpty else { return Paths.normalize(absolute) }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
            if existing.isEmpty { existing = "/" }
        }
    }

    /// The protected paths, resolved (`/` itself is never one: everything is below it).
    package static func protect(_ paths: [String]) -> [ProtectedPath] {
        var seen = Set<String>()
        var out: [ProtectedPath] = []
        for path in paths where !path.isEmpty {
            let real = realPath(path)
            guard real != "/", seen.insert(real).inserted else { continue }
            out.append(ProtectedPath(shown: path, real: real, identity: FileIdentity.of(real)))
        }
        return out
    }

    /// The identities of `real` and every existing folder above it.
    static func ancestry(_ real: String) -> [(path: String, identity: FileIdentity)] {
        var out: [(String, FileIdentity)] = []
        var path = real
        while true {
            if let id = FileIdentity.of(path) { out.append((path, id)) }
            guard path != "/" else { break }
            path = Paths.directory(of: path)
        }
        return out
    }

    /// The protected path that `path` overlaps (lies inside, or holds), or nil.
    package static func overlap(_ path: String, _ protected: [ProtectedPath]) -> ProtectedPath? {
        let real = realPath(path)
        for p in protected where Paths.isWithin(real, p.real) || Paths.isWithin(p.real, real) { return p }
        // The same folders seen at other paths (bind mounts): by device and inode.
        let mine = ancestry(real)
        let myIDs = Set(mine.map(\.identity))
        let own = FileIdentity.of(real)
        for p in protected {
            if let id = p.identity, myIDs.contains(id) { return p }
            if let own, ancestry(p.real).contains(where: { $0.identity == own }) { return p }
        }
        return nil
    }

    /// Throws when `path` (what the drill writes, named by `what` and the plan key that sets it) overlaps a protected
    /// path.
    package static func refuse(_ path: String, what: String, key: String, protected: [ProtectedPath], file: String? = nil) throws {
        guard let hit = overlap(path, protected) else { return }
        let real = realPath(path)
        let seen = real == Paths.normalize(Paths.absolute(path)) ? "" : " (really \(real))"
        let other = hit.real == Paths.normalize(Paths.absolute(hit.shown)) ? hit.shown : "\(hit.shown) (really \(hit.real))"
        // A plan key is a bad plan (exit 3); a command-line option a usage error (64).
        throw DrillError(key.hasPrefix("--") ? .usage : .input, file: file ?? path,
                         "the \(what) \(path)\(seen) overlaps \(other), a source or backup; the drill never writes into a source or a backup: set '\(key)' to a folder outside every source and backup")
    }

    /// Throws when the opened folder `fd` lies inside a protected path: its ancestors are reached through the
    /// descriptor itself (`..`), so what was checked is what was made.
    package static func refuse(openedFolder fd: Int32, path: String, key: String, protected: [ProtectedPath]) throws {
        let ids = Dictionary(protected.compactMap { p in p.identity.map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        var current = dup(fd)
        guard current >= 0 else { return }
        defer { close(current) }
        for _ in 0..<4096 {
            var st = stat()
            guard fstat(current, &st) == 0 else { return }
            let id = FileIdentity(st)
            if let hit = ids[id] {
                throw DrillError(.input, file: path,
                                 "the folder made for the run lies inside \(hit.shown), a source or backup; set '\(key)' to a folder outside every source and backup")
            }
            let parent = openat(current, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard parent >= 0 else { return }
            var up = stat()
            fstat(parent, &up)
            close(current)
            current = parent
            if FileIdentity(up) == id { return }  // the root
        }
    }
}
