// Lexical path handling. Paths from compose files, the database and plans are compared as normalized strings,
// component by component, so `/mnt/photos2` is never taken to be inside `/mnt/photos`.

import Foundation

/// Lexical operations on POSIX paths; nothing here touches the file system.
public enum Paths {
    /// Collapses `//`, `.` and `..` (never above the root for absolute paths) and drops a trailing slash.
    package static func normalize(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Joins `path` onto `base` unless `path` is absolute, then normalizes.
    package static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return normalize(base + "/" + path)
    }

    /// Expands a leading `~` or `~/` with `home`.
    package static func expandTilde(_ path: String, home: String?) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    /// True when `path` equals `prefix` or lies below it (both normalized).
    package static func isWithin(_ path: String, _ prefix: String) -> Bool {
        let p = normalize(path)
        let q = normalize(prefix)
        if q == "/" { return p.hasPrefix("/") }
        return p == q || p.hasPrefix(q + "/")
    }

    /// The part of `path` below `prefix` ("" when equal), or nil when it is not within it.
    package static func remainder(of path: String, under prefix: String) -> String? {
        let p = normalize(path)
        let q = normalize(prefix)
        guard isWithin(p, q) else { return nil }
        if p == q { return "" }
        return q == "/" ? String(p.dropFirst()) : String(p.dropFirst(q.count + 1))
    }

    /// `remainder` appended to `base`.
    public static func append(_ remainder: String, to base: String) -> String {
        remainder.isEmpty ? normalize(base) : normalize(base + "/" + remainder)
    }

    /// `path` written relative to `directory` when it lies inside it, else unchanged.
    package static func relative(_ path: String, to directory: String) -> String {
        guard let rest = remainder(of: path, under: directory) else { return path }
        return rest.isEmpty ? "." : rest
    }

    /// The directory part of a path.
    public static func directory(of path: String) -> String {
        (normalize(path) as NSString).deletingLastPathComponent.isEmpty
            ? "." : (normalize(path) as NSString).deletingLastPathComponent
    }

    /// The current working directory.
    public static var currentDirectory: String { FileManager.default.currentDirectoryPath }

    /// `path` made absolute against the current directory.
    public static func absolute(_ path: String) -> String {
        resolve(path, against: currentDirectory)
    }
}

/// File-system questions answered with one system call each.
public enum FileProbe {
    /// Bytes free to an unprivileged writer on the file system holding `path` (or its nearest existing parent).
    package static func freeBytes(at path: String) -> Int64? {
        var path = path
        var st = statvfs()
        while statvfs(path, &st) != 0 {
            guard path != "/" && !path.isEmpty else { return nil }
            path = (path as NSString).deletingLastPathComponent
        }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }

    /// What is at a path, without following a final symlink's absence into an error.
    public enum Kind: String, Sendable, Codable {
        case directory, file, other, missing
    }

    /// The kind of thing at `path` (following symlinks).
    public static func kind(_ path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    /// True when something exists at `path`.
    public static func exists(_ path: String) -> Bool { kind(path) != .missing }

    /// Why `path` is not a regular file that can be read, in words (nil when it is one): no such file, a symlink
    /// loop, permission denied, a folder, a FIFO, a device.
    public static func problem(readingFile path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            switch errno {
            case ENOENT: return lstat(path, &st) == 0 ? "a symlink to nothing (no such file)" : "no such file"
            case ELOOP: return "a symlink loop (too many levels of symbolic links)"
            case EACCES: return "permission denied (on the file or a folder above it)"
            case ENOTDIR: return "a part of the path is not a folder"
            default: return DrillError.errnoText(errno)
            }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            return access(path, R_OK) == 0 ? nil : "permission denied"
        case S_IFDIR: return "a folder, not a file"
        case S_IFIFO: return "a FIFO (named pipe), not a file"
        case S_IFCHR, S_IFBLK: return "a device, not a file"
        case S_IFSOCK: return "a socket, not a file"
        default: return "not a regular file"
        }
    }

    /// The largest text file (a plan, a Compose file, an env file) read whole.
    package static let maxTextFile = 64 << 20

    /// Reads a whole small text file, or throws a `DrillError` naming it and the real cause.
    package static func readText(_ path: String, what: String) throws -> String {
        if let reason = problem(readingFile: path) {
            throw DrillError(.input, file: path, "cannot read \(what)", cause: reason)
        }
        var st = stat()
        if stat(path, &st) == 0, st.st_size > maxTextFile {
            throw DrillError(.input, file: path, "cannot read \(what)",
                             cause: "it is \(ByteText.format(Int64(st.st_size))); \(what) of more than \(ByteText.format(Int64(maxTextFile))) is not one")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DrillError(.input, file: path, "cannot read \(what)", cause: DrillError.errnoText(errno))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DrillError(.input, file: path, "\(what) is not UTF-8 text")
        }
        return text
    }
}
