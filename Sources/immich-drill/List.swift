import ArgumentParser
import DrillArchive
import DrillCore
import Foundation

extension ImmichDrill {
    struct List: DrillCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show what a snapshot holds (an archive or a folder), without extracting anything.",
            discussion: """
                Archives (tar, tar.gz, tar.zst, tar.xz, zip…) are read header by header with the data skipped; \
                folders are walked with fts. When the contents look like UPLOAD_LOCATION, each of its six folders \
                is shown with its .immich marker. --files prints every file as `size mtime path` instead.
                """
        )

        @Argument(help: "An archive or a folder.")
        var path: String

        @Option(name: .long, help: "Where the source is inside (default: recognised).")
        var inside: String?

        @Flag(name: .long, help: "Print every file as `size mtime path` (mtime in seconds since 1970).")
        var files = false

        @OptionGroup var output: FormatOptions

        func execute() throws -> Outcome {
            let kind: Snapshot.Kind
            switch FileProbe.kind(path) {
            case .directory: kind = .directory
            case .file: kind = .archive
            case .missing: throw DrillError(.input, file: path, "not found")
            case .other: throw DrillError(.input, file: path, "neither an archive nor a folder")
            }
            if files {
                try printFiles(kind)
                return .ok
            }
            let started = Date()
            let snapshot = Snapshot(source: .upload(folder: nil), kind: kind, location: path, time: nil, timeSource: "")
            // UPLOAD_LOCATION when its folders are recognised, else a plain folder.
            var request = ListingRequest(layout: .uploadLocation, path: inside, hostPath: nil, containerPath: nil)
            var listing = try SnapshotLister.list(snapshot, request)
            if listing.folders.values.filter(\.present).count < 2 {
                request.layout = .folder
                listing = try SnapshotLister.list(snapshot, request)
            }
            let report = ListingReport(path: path, kind: kind, layout: request.layout, listing: listing,
                                       seconds: Date().timeIntervalSince(started))
            Output.print(report.render(output.format))
            return .ok
        }

        func printFiles(_ kind: Snapshot.Kind) throws {
            let out = LineWriter()
            if kind == .directory {
                try FileWalker.walk(path) { file in
                    out.number(file.size)
                    out.byte(UInt8(ascii: " "))
                    out.number(Int64(file.mtime))
                    out.byte(UInt8(ascii: " "))
                    out.shownText(file.path)
                    try out.endLine()
                }
                return try out.flush()
            }
            do {
                try ArchiveLister(path: path).forEachEntry { entry in
                    if entry.type == .file || entry.type == .hardlink {
                        out.number(entry.size)
                        out.byte(UInt8(ascii: " "))
                        out.number(entry.mtime)
                        out.byte(UInt8(ascii: " "))
                        out.shownText(entry.path)
                        try out.endLine()
                    }
                    return true
                }
            } catch let error as ArchiveError {
                throw DrillError(.input, file: path, "cannot list this archive", cause: error.message)
            }
            try out.flush()
        }
    }
}
