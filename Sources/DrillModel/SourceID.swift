// The name of one source, as the plan, the reports, the metrics and the history write it: `database`, `upload` (all
// of UPLOAD_LOCATION), `upload/<folder>` for one of its six folders, `external:<container path>` for an
// external-library import path, and `config` (the Compose folder). One type parses and prints them, so no caller
// takes a name apart by its prefix; JSON and the history keep the same words.

/// One source's identity.
package enum SourceID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The database, restored from a dump.
    case database
    /// UPLOAD_LOCATION: all of it (`folder` nil) or one of its folders (`library`, `upload`, `thumbs`…).
    case upload(folder: String?)
    /// An external-library import path, as the container sees it.
    case external(path: String)
    /// The Compose folder (docker-compose.yml, .env).
    case config

    /// The six folders of UPLOAD_LOCATION (IMMICH.md §4).
    package static let uploadFolders = ["library", "upload", "profile", "backups", "thumbs", "encoded-video"]

    /// Parses a source name; nil when it is none of the forms above (an unknown upload folder, a relative external
    /// path, an empty one).
    package init?(_ text: String) {
        switch text {
        case "database": self = .database
        case "upload": self = .upload(folder: nil)
        case "config": self = .config
        default:
            if text.hasPrefix("upload/") {
                let folder = String(text.dropFirst("upload/".count))
                guard SourceID.uploadFolders.contains(folder) else { return nil }
                self = .upload(folder: folder)
            } else if text.hasPrefix("external:") {
                let path = String(text.dropFirst("external:".count))
                guard path.hasPrefix("/"), path.count > 1 else { return nil }
                self = .external(path: path)
            } else {
                return nil
            }
        }
    }

    /// The name as the plan writes it.
    public var description: String {
        switch self {
        case .database: "database"
        case .upload(let folder?): "upload/" + folder
        case .upload(nil): "upload"
        case .external(let path): "external:" + path
        case .config: "config"
        }
    }

    /// The UPLOAD_LOCATION folder of an `upload/<folder>` source.
    package var uploadFolder: String? {
        if case .upload(let folder?) = self { return folder }
        return nil
    }

    /// The container path of an `external:<path>` source.
    package var externalPath: String? {
        if case .external(let path) = self { return path }
        return nil
    }

    /// `upload` or `upload/<folder>`.
    package var isUpload: Bool {
        if case .upload = self { return true }
        return false
    }

    public static func < (a: SourceID, b: SourceID) -> Bool { a.description < b.description }

    package init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = SourceID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a source name"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    /// The source this text names, nil when it names none (a phase or a row without a source).
    package var sourceID: SourceID? { SourceID(self) }
}
