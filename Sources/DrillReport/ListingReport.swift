// What `list` prints about one snapshot or folder: entries, files, bytes, the top-level names, where the source is
// inside, and for UPLOAD_LOCATION each of the six folders with its `.immich` marker.

import DrillPlanning
import DrillVerify
import Foundation

/// What `list` prints about one snapshot.
public struct ListingReport: Sendable, Encodable {
    package var schema = "immich-drill/list/v1"
    public var path: String
    public var kind: String
    public var layout: String
    public var entries: Int
    public var files: Int
    public var bytes: Int64
    package var newestMtime: String?
    public var root: String
    package var rootSource: String
    package var topLevel: [String]
    package var folders: [String: FolderStats]
    public var seconds: Double

    package init(path: String, kind: Snapshot.Kind, layout: ListingRequest.Layout, listing: SnapshotListing, seconds: Double) {
        self.path = path
        self.kind = kind.rawValue
        self.layout = layout == .uploadLocation ? "upload-location" : "folder"
        entries = listing.entries
        files = listing.files
        bytes = listing.bytes
        newestMtime = listing.newestMtime.map { SnapshotTime.iso(Double($0)) }
        root = listing.root
        rootSource = listing.rootSource
        topLevel = listing.topLevel
        folders = listing.folders
        self.seconds = (seconds * 1000).rounded() / 1000
    }

    public func render(_ format: OutputFormat) -> String {
        if format == .json { return ReportJSON.encode(self) }
        let md = format == .markdown
        var out: [String] = [md ? "# `\(path)`" : path, ""]
        let facts: [(String, String)] = [
            ("kind", "\(kind), listed in \(String(format: "%.2f", seconds)) s without extracting"),
            ("entries", "\(entries)"),
            ("files", "\(files), \(ByteText.format(bytes))"),
            ("newest", newestMtime ?? "-"),
            ("top level", topLevel.joined(separator: ", ")),
            ("source root", (root.isEmpty ? "(the top)" : root) + " (\(rootSource))"),
        ]
        for (k, v) in facts { out.append(md ? "- **\(k):** \(v)" : "  \(k.padding(toLength: 12, withPad: " ", startingAt: 0)) \(v)") }
        if layout == "upload-location" {
            out.append("")
            let rows = Deployment.uploadFolders.map { f -> [String] in
                let s = folders[f] ?? FolderStats()
                return [f, s.present ? "yes" : "NO", s.marker ? "yes" : "NO", "\(s.files)", ByteText.format(s.bytes)]
            }
            let table = TextTable(headers: md ? ["Folder", "Present", ".immich", "Files", "Bytes"]
                                  : ["FOLDER", "PRESENT", ".IMMICH", "FILES", "BYTES"], rows: rows)
            out.append(md ? table.markdown() : table.text())
        }
        return out.joined(separator: "\n") + "\n"
    }
}
