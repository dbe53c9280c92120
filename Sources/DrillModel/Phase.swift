// The phases of a drill, timed or estimated: what the report's timeline, the RTO, the runbook and the history
// are made of.

/// One timed (or estimated) phase of a restore.
package struct Phase: Sendable, Codable, Equatable {
    /// The phases a drill knows; a new phase is one more case. Stored (and shown) as its words.
    public enum Kind: String, Sendable, CaseIterable {
        case readDump = "read dump"
        case restore = "restore"
        case restoreProjected = "restore (all files, projected)"
        case verify = "verify"
        case loadDatabase = "load database"
        case relink = "relink"
        case libraryScan = "library scan"
        case regenerateThumbnails = "regenerate thumbnails"
        case transcodeVideos = "transcode videos"

        /// A restore, measured or projected.
        package var isRestore: Bool { self == .restore || self == .restoreProjected }
    }

    /// The kind's words, as JSON and the history store them.
    public var name: String
    /// The kind of phase (nil only for a phase a newer version stored).
    public var kind: Kind? { Kind(rawValue: name) }
    public var source: String?
    public var seconds: Double
    public var bytes: Int64?
    public var files: Int?
    /// True when timed by this drill; false when projected from a sample or estimated at an assumed rate.
    package var measured: Bool
    /// What an unmeasured figure assumes.
    package var assumption: String?

    package init(name: String, source: String? = nil, seconds: Double, bytes: Int64? = nil, files: Int? = nil,
                measured: Bool, assumption: String? = nil) {
        self.name = name
        self.source = source
        self.seconds = seconds
        self.bytes = bytes
        self.files = files
        self.measured = measured
        self.assumption = assumption
    }
}

extension Array where Element == Phase {
    /// The measured restores that a projection of the same source replaces (a sampled restore's own timing): the
    /// RTO, the runbook and the timeline count the projection, not both.
    package var supersededMeasurements: (Phase) -> Bool {
        let projected = Set(filter { !$0.measured && $0.kind?.isRestore == true }.compactMap(\.source))
        return { $0.measured && $0.kind == .restore && projected.contains($0.source ?? "") }
    }
}
