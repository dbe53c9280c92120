import ArgumentParser
import DrillArchive
import DrillCore
import Foundation

extension ImmichDrill {
    struct Extract: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "extract",
            abstract: "Extract an archive safely into an empty folder (restore day), refusing entries that would leave it.",
            discussion: """
                The same extraction `run` uses: every entry is reached from DIR one folder at a time without \
                following any symlink, so nothing can be written outside DIR. Absolute paths, '..' components, \
                writing through a symlink and hard links to anything this extraction did not write are refused and \
                listed; symlinks are restored as links (those pointing outside are listed); mtimes are kept. \
                --inside extracts only one folder of the archive (its contents land at the top of DIR). \
                --sha1 hashes every file as it is written and prints `sha1  path` lines, as sha1sum does.
                """
        )

        @Argument(help: "The archive (tar, tar.gz, tar.zst, tar.xz, zip…).")
        var archive: String

        @Argument(help: "An empty (or new) folder to extract into.")
        var folder: String

        @Option(name: .long, help: "Only this folder of the archive, e.g. library or volume1/photos.")
        var inside: String?

        @Flag(name: .long, help: "Print the SHA-1 of every extracted file, computed while writing it.")
        var sha1 = false

        func execute() throws -> Outcome {
            try FileManager.default.createDirectory(atPath: Paths.absolute(folder), withIntermediateDirectories: true)
            // The folder the operator named, resolved once (it may be a symlink they chose); below it, nothing is
            // ever followed.
            let root = WriteGuard.realPath(folder)
            if let contents = try? FileManager.default.contentsOfDirectory(atPath: root), !contents.isEmpty {
                throw DrillError(.usage, file: folder, "the folder is not empty; extract into a new or empty folder")
            }
            let observer = HashingExtraction(inside: inside.map(SnapshotLister.clean) ?? "", hash: sha1)
            let started = Date()
            let result: ExtractionResult
            do {
                let extractor = try ArchiveExtractor(path: archive, root: root)
                Cancellation.install()
                extractor.isCancelled = { Cancellation.isCancelled }
                result = try extractor.extract(observer)
            } catch let error as ArchiveError {
                throw DrillError(.input, file: archive, "cannot extract this archive", cause: error.message)
            }
            try Extract.printDigests(observer)
            let seconds = Date().timeIntervalSince(started)
            var summary = "immich-drill: extracted \(result.files) files (\(ByteText.format(result.bytes))) into \(folder) in \(String(format: "%.2f", seconds)) s"
            if !result.refused.isEmpty {
                summary += "; REFUSED \(result.refused.count) unsafe entr\(result.refused.count == 1 ? "y" : "ies"):"
                for entry in result.refused.prefix(20) { summary += "\n  \(TerminalText.inline(entry.path)): \(entry.reason)" }
            }
            if !result.linksOutside.isEmpty {
                summary += "\n\(result.linksOutside.count) symlink(s) point outside the folder (restored as links, never followed):"
                for link in result.linksOutside.prefix(20) { summary += "\n  \(TerminalText.inline(link.path)) -> \(TerminalText.inline(link.target))" }
            }
            if !result.notUTF8.isEmpty {
                summary += "\n\(result.notUTF8.count) name(s) are not UTF-8 (written as stored; shown with \\xNN):"
                for name in result.notUTF8.prefix(20) { summary += "\n  \(TerminalText.inline(name))" }
            }
            Output.error(summary + "\n")
            // A refused entry is a critical finding about the archive.
            return .judged(worst: result.refused.isEmpty ? nil : .critical)
        }

        /// Prints `sha1  path` lines, in the archive's order.
        static func printDigests(_ observer: HashingExtraction) throws {
            let out = LineWriter()
            for (path, sha1) in observer.digests() {
                out.text(sha1.hex)
                out.text("  ")
                out.shownText(path)
                try out.endLine()
            }
            try out.flush()
        }
    }
}
