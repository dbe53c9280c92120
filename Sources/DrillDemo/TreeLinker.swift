// Hard-links many files from one tree into another, the way `rsync --link-dest` fills a nightly snapshot folder,
// fast: the paths come sorted so each folder is opened once on both sides, target folders are made once, and
// every link is a `linkat` of one name between two open folders (no path walk per file, no failed first try).

import DrillSnapshots
import Foundation

final class TreeLinker {
    let sourceRoot: String
    let targetRoot: String
    private var folder: String?
    private var sourceFd: Int32 = -1
    private var targetFd: Int32 = -1
    /// The folders last made or found, root first: paths come sorted, so once the linker leaves a folder it
    /// rarely comes back, and remembering only this chain keeps memory flat however many folders there are (a
    /// folder visited again is simply made again, which mkdir answers with EEXIST).
    private var chain: [String] = [""]

    init(from sourceRoot: String, to targetRoot: String) throws {
        self.sourceRoot = sourceRoot
        self.targetRoot = targetRoot
        try FileManager.default.createDirectory(atPath: targetRoot, withIntermediateDirectories: true)
    }

    deinit { closeFolder() }

    /// Links `relative` (a path below both roots); false when the source is not there. Call in sorted order.
    func link(_ relative: String) throws -> Bool {
        let slash = relative.lastIndex(of: "/")
        let dir = slash.map { String(relative[..<$0]) } ?? ""
        let name = slash.map { String(relative[relative.index(after: $0)...]) } ?? relative
        if dir != folder { try enter(dir) }
        guard sourceFd >= 0 else { return false }
        if linkat(sourceFd, name, targetFd, name, 0) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        if code == EXDEV || code == EMLINK || code == EPERM {
            // Another file system, or too many links: a copy serves the same.
            try FileManager.default.copyItem(atPath: sourceRoot + "/" + relative, toPath: targetRoot + "/" + relative)
            return true
        }
        throw DrillError(.environment, file: targetRoot + "/" + relative, "cannot link a demo snapshot file",
                         cause: String(cString: strerror(code)))
    }

    /// The target folder of `relative`, made if needed (for files written rather than linked).
    func prepare(_ relative: String) throws {
        let slash = relative.lastIndex(of: "/")
        try make(slash.map { String(relative[..<$0]) } ?? "")
    }

    private func enter(_ dir: String) throws {
        closeFolder()
        folder = dir
        sourceFd = open(dir.isEmpty ? sourceRoot : sourceRoot + "/" + dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard sourceFd >= 0 else { return }  // the folder is gone: nothing in it to link
        try make(dir)
        targetFd = open(dir.isEmpty ? targetRoot : targetRoot + "/" + dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard targetFd >= 0 else {
            throw DrillError(.environment, file: targetRoot + "/" + dir, "cannot open a demo snapshot folder",
                             cause: String(cString: strerror(errno)))
        }
    }

    /// mkdir -p below the target root.
    private func make(_ dir: String) throws {
        if chain.last == dir { return }
        if let known = chain.lastIndex(where: { $0.isEmpty || dir.hasPrefix($0 + "/") }) {
            chain.removeSubrange((known + 1)...)
        }
        // The folders between the deepest known one and `dir`, outermost first.
        var missing: [String] = []
        var current = dir
        while current != chain.last! {
            missing.append(current)
            guard let slash = current.lastIndex(of: "/") else { break }
            current = String(current[..<slash])
        }
        for folder in missing.reversed() {
            if mkdir(targetRoot + "/" + folder, 0o755) != 0 && errno != EEXIST {
                throw DrillError(.environment, file: targetRoot + "/" + folder, "cannot make a demo snapshot folder",
                                 cause: String(cString: strerror(errno)))
            }
            chain.append(folder)
        }
    }

    private func closeFolder() {
        if sourceFd >= 0 { close(sourceFd) }
        if targetFd >= 0 { close(targetFd) }
        sourceFd = -1
        targetFd = -1
    }
}
