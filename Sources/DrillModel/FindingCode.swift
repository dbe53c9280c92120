// Every finding the drill can report, in one catalogue: its stable kebab-case code (what JSON, metrics and the
// history store), the severities it is reported with, and one line of meaning. README.md's findings table is checked
// against this list by a test, and a finding can only be made from an entry of it, so a code cannot be mistyped in
// one place and a new one cannot go undocumented.

/// A finding code from the catalogue.
package struct FindingCode: Hashable, Sendable, CustomStringConvertible {
    /// The code as JSON, metrics and the history store it (`missing-original`).
    public let rawValue: String
    /// The severities it is reported with, the usual one first.
    package let severities: [Severity]
    /// One line of meaning, as README.md's findings table has it.
    package let meaning: String

    private init(_ rawValue: String, _ severities: [Severity], _ meaning: String) {
        self.rawValue = rawValue
        self.severities = severities
        self.meaning = meaning
    }

    public var description: String { rawValue }

    /// No volume of the server covers the media location: uploads live inside the container.
    package static let mediaNotMounted = FindingCode("media-not-mounted", [.critical], "No volume of the server covers the media location: uploads live inside the container.")
    /// A library folder is mounted on the server but not on a worker that reads the same library (or the reverse).
    package static let mountMissingInWorker = FindingCode("mount-missing-in-worker", [.critical], "A library folder is mounted on the server but not on a worker that reads the same library (or the reverse).")
    /// An external-library mount without `:ro`.
    package static let mountWritable = FindingCode("mount-writable", [.warning], "An external-library mount without `:ro`.")
    /// A bind source does not exist where the drill runs (map it with `mounts:`).
    package static let hostPathMissing = FindingCode("host-path-missing", [.warning], "A bind source does not exist where the drill runs (map it with `mounts:`).")
    /// `UPLOAD_LOCATION` is a Docker named volume under Docker's data root.
    package static let uploadNamedVolume = FindingCode("upload-named-volume", [.warning], "`UPLOAD_LOCATION` is a Docker named volume under Docker's data root.")
    /// The server's `DB_USERNAME`/`DB_DATABASE_NAME` differ from the database container's `POSTGRES_USER`/`POSTGRES_DB`.
    package static let databaseSettingsMismatch = FindingCode("database-settings-mismatch", [.warning], "The server's `DB_USERNAME`/`DB_DATABASE_NAME` differ from the database container's `POSTGRES_USER`/`POSTGRES_DB`.")
    /// A required `env_file` does not exist.
    package static let envFileMissing = FindingCode("env-file-missing", [.warning], "A required `env_file` does not exist.")
    /// A dump is cut short (a decompression error at the cut, no trailer, or a cut inside table data).
    package static let dumpIncomplete = FindingCode("dump-incomplete", [.critical], "A dump is cut short (a decompression error at the cut, no trailer, or a cut inside table data).")
    /// A `.tmp` leftover of a failed Immich backup.
    package static let dumpFailed = FindingCode("dump-failed", [.warning], "A `.tmp` leftover of a failed Immich backup.")
    /// Compose would warn (an unset variable defaulted to blank, an `extends` file not found).
    package static let composeWarning = FindingCode("compose-warning", [.warning], "Compose would warn (an unset variable defaulted to blank, an `extends` file not found).")
    /// The dumps are backed up, but a source the newest dump has assets in has no file snapshot.
    package static let databaseOnlyBackup = FindingCode("database-only-backup", [.critical], "The dumps are backed up, but a source the newest dump has assets in has no file snapshot.")
    /// File snapshots exist but no usable database dump.
    package static let filesOnlyBackup = FindingCode("files-only-backup", [.critical], "File snapshots exist but no usable database dump.")
    /// A required source (or a regenerable folder, warning) has no snapshot location or none was found.
    package static let uncoveredSource = FindingCode("uncovered-source", [.critical, .warning], "A required source (or a regenerable folder, warning) has no snapshot location or none was found.")
    /// A source's newest snapshot is older than the `rpo` target.
    package static let staleSnapshot = FindingCode("stale-snapshot", [.critical], "A source's newest snapshot is older than the `rpo` target.")
    /// The selected restore point's members spread beyond `max-skew`.
    package static let snapshotSkew = FindingCode("snapshot-skew", [.warning], "The selected restore point's members spread beyond `max-skew`.")
    /// The newest UPLOAD_LOCATION snapshot lacks a folder's `.immich` marker: Immich will not start after restoring it.
    package static let missingMarkerInSnapshot = FindingCode("missing-marker-in-snapshot", [.critical], "The newest UPLOAD_LOCATION snapshot lacks a folder's `.immich` marker: Immich will not start after restoring it.")
    /// A dump that cannot be read at all (not Immich's plain-SQL format).
    package static let dumpUnreadable = FindingCode("dump-unreadable", [.critical], "A dump that cannot be read at all (not Immich's plain-SQL format).")
    /// An archive that cannot be listed (cut short or damaged).
    package static let snapshotUnreadable = FindingCode("snapshot-unreadable", [.critical], "An archive that cannot be listed (cut short or damaged).")
    /// The Compose file or .env is inside no snapshot.
    package static let composeNotBackedUp = FindingCode("compose-not-backed-up", [.warning], "The Compose file or .env is inside no snapshot.")
    /// A library import path in the dump that no volume of the server covers: Immich offlines and trashes its assets at the next nightly scan and purges them 30 days later.
    package static let importPathNotMounted = FindingCode("import-path-not-mounted", [.critical], "A library import path in the dump that no volume of the server covers: Immich offlines and trashes its assets at the next nightly scan and purges them 30 days later.")
    /// A `sources:` entry matches no folder, mount or import path.
    package static let plannedSourceUnknown = FindingCode("planned-source-unknown", [.warning], "A `sources:` entry matches no folder, mount or import path.")
    /// Originals the newest dump references are not on disk now (offline assets excepted).
    package static let missingOriginalLive = FindingCode("missing-original-live", [.warning], "Originals the newest dump references are not on disk now (offline assets excepted).")
    /// Files in `upload/`, `library/` and import paths no asset references; info when all were written after the dump (by ctime: Immich sets an upload's mtime to the photo's date).
    package static let untrackedFileLive = FindingCode("untracked-file-live", [.info, .warning], "Files in `upload/`, `library/` and import paths no asset references; info when all were written after the dump (by ctime: Immich sets an upload's mtime to the photo's date).")
    /// (run) Assets under a container path no volume of the server covers.
    package static let pathMismatch = FindingCode("path-mismatch", [.critical], "(run) Assets under a container path no volume of the server covers.")
    /// (run) Originals the database references that the restore point does not bring back, with the cause (no snapshot of the source, excluded by a pattern, newer than the snapshot, gone).
    package static let missingOriginal = FindingCode("missing-original", [.critical], "(run) Originals the database references that the restore point does not bring back, with the cause (no snapshot of the source, excluded by a pattern, newer than the snapshot, gone).")
    /// (run) A missing external original with a same-name, same-size unreferenced file elsewhere in its library: Immich will import that as a new asset and drop the old one's metadata.
    package static let movedOriginal = FindingCode("moved-original", [.critical], "(run) A missing external original with a same-name, same-size unreferenced file elsewhere in its library: Immich will import that as a new asset and drop the old one's metadata.")
    /// (run) A restored original whose SHA-1 (or path hash) differs from the database's checksum.
    package static let checksumMismatch = FindingCode("checksum-mismatch", [.critical], "(run) A restored original whose SHA-1 (or path hash) differs from the database's checksum.")
    /// (run) Restored files no asset references (untracked in upload/library; new assets in import paths).
    package static let orphanOriginal = FindingCode("orphan-original", [.warning], "(run) Restored files no asset references (untracked in upload/library; new assets in import paths).")
    /// (run) Referenced XMP sidecars not restored.
    package static let missingSidecar = FindingCode("missing-sidecar", [.warning], "(run) Referenced XMP sidecars not restored.")
    /// (run) Referenced thumbnails, previews, encoded videos or face crops not restored (regenerable, at a cost in time).
    package static let missingDerivative = FindingCode("missing-derivative", [.warning], "(run) Referenced thumbnails, previews, encoded videos or face crops not restored (regenerable, at a cost in time).")
    /// (run) A folder's `.immich` marker not restored: critical when the database says Immich checked it before (it will not start), else info.
    package static let missingMarker = FindingCode("missing-marker", [.critical, .info], "(run) A folder's `.immich` marker not restored: critical when the database says Immich checked it before (it will not start), else info.")
    /// (run) Archive entries refused because they would write outside the restore folder (through a symlink, `..`, an absolute path, a hard link to a file the extraction did not write), and symlinks pointing outside (restored as links, never followed).
    package static let unsafeArchiveEntry = FindingCode("unsafe-archive-entry", [.critical], "(run) Archive entries refused because they would write outside the restore folder (through a symlink, `..`, an absolute path, a hard link to a file the extraction did not write), and symlinks pointing outside (restored as links, never followed).")
    /// (run) A restore failed part-way (a backup tool's exit status, an archive damaged half-way, an unreadable snapshot folder); what came back was verified.
    package static let restoreFailed = FindingCode("restore-failed", [.critical], "(run) A restore failed part-way (a backup tool's exit status, an archive damaged half-way, an unreadable snapshot folder); what came back was verified.")
    /// (plan, run) A snapshot holds none of UPLOAD_LOCATION's six folders under any prefix: set the source's `path:`.
    package static let sourceRootNotFound = FindingCode("source-root-not-found", [.critical], "(plan, run) A snapshot holds none of UPLOAD_LOCATION's six folders under any prefix: set the source's `path:`.")
    /// (run) File names in a snapshot that are not UTF-8 (shown with `\xNN`): restored as stored; Immich never refers to them.
    package static let nameNotUtf8 = FindingCode("name-not-utf8", [.info], "(run) File names in a snapshot that are not UTF-8 (shown with `\\xNN`): restored as stored; Immich never refers to them.")
    /// (run) Album memberships, favorites, descriptions, faces, tags and shared links on the assets behind the findings above.
    package static let metadataAtRisk = FindingCode("metadata-at-risk", [.warning], "(run) Album memberships, favorites, descriptions, faces, tags and shared links on the assets behind the findings above.")
    /// (run) Assets already offline or trashed in the dump.
    package static let offlineAssets = FindingCode("offline-assets", [.info], "(run) Assets already offline or trashed in the dump.")
    /// (run) Assets already offline or trashed in the dump.
    package static let trashedAssets = FindingCode("trashed-assets", [.info], "(run) Assets already offline or trashed in the dump.")
    /// (run) The restore time (measured, projected and estimated) or the restore point's age beyond the target.
    package static let rtoMissed = FindingCode("rto-missed", [.critical], "(run) The restore time (measured, projected and estimated) or the restore point's age beyond the target.")
    /// (run) The restore time (measured, projected and estimated) or the restore point's age beyond the target.
    package static let rpoMissed = FindingCode("rpo-missed", [.critical], "(run) The restore time (measured, projected and estimated) or the restore point's age beyond the target.")
    /// (run) No usable dump: nothing to drill.
    package static let noRestorePoint = FindingCode("no-restore-point", [.critical], "(run) No usable dump: nothing to drill.")
    /// `IMMICH_VERSION` is `release` or `v2`: a pull can cross versions unnoticed.
    package static let versionUnpinned = FindingCode("version-unpinned", [.info], "`IMMICH_VERSION` is `release` or `v2`: a pull can cross versions unnoticed.")
    /// More than one service runs the server API.
    package static let severalServers = FindingCode("several-servers", [.info], "More than one service runs the server API.")

    /// The dump did not load into the drill's PostgreSQL (psql's first real error, its line and table).
    package static let databaseRestoreFailed = FindingCode("database-restore-failed", [.critical], "(run) The dump did not load into the drill's own PostgreSQL with Immich's documented command: psql's first real error, its line and table.")
    /// The catalog and the loaded database count a table differently.
    package static let catalogMismatch = FindingCode("catalog-mismatch", [.critical], "(run) The dump's stream reading and the loaded PostgreSQL count a table differently: one of them is wrong, so the drill's verdict cannot be trusted.")
    /// The dump holds a psql command or SQL that reaches outside the database; it was not loaded.
    package static let unsafeDumpCommand = FindingCode("unsafe-dump-command", [.critical], "(run) The dump holds a psql meta-command or SQL that reaches outside the database (a shell, a file, another server); the load stopped before it.")
    /// Extensions the dump creates that this machine's PostgreSQL lacks, stood in for in the load.
    package static let extensionShimmed = FindingCode("extension-shimmed", [.info], "(run) Vector extensions the dump creates that this machine's PostgreSQL lacks: not created, their indexes skipped, embeddings loaded as text.")
    /// The deployment's database image lacks an extension the dump needs, or has a version the Immich release refuses.
    package static let databaseImageExtensions = FindingCode("database-image-extensions", [.critical, .warning], "(run) The database image in the Compose file lacks an extension the dump creates, or its version is outside what the Immich release accepts.")
    /// What Immich checks at startup, answered by the loaded database: an admin, the media location, the version.
    package static let restoredDatabaseCheck = FindingCode("restored-database-check", [.critical, .warning], "(run) The loaded database fails a check Immich makes at startup: no admin user (critical), a saved media location or newest version that differs from the deployment or the dump's name (warning).")
    /// `run --relink`: the relink plan did not apply to the loaded database, or did not do what it says.
    package static let relinkFailed = FindingCode("relink-failed", [.critical], "(run --relink) The relink plan's SQL did not apply to the drill's loaded database in one transaction, or left an asset elsewhere or its metadata changed.")

    /// Every code, in README's order.
    public static let all: [FindingCode] = [
        .mediaNotMounted,
        .mountMissingInWorker,
        .mountWritable,
        .hostPathMissing,
        .uploadNamedVolume,
        .databaseSettingsMismatch,
        .envFileMissing,
        .dumpIncomplete,
        .dumpFailed,
        .composeWarning,
        .databaseOnlyBackup,
        .filesOnlyBackup,
        .uncoveredSource,
        .staleSnapshot,
        .snapshotSkew,
        .missingMarkerInSnapshot,
        .dumpUnreadable,
        .snapshotUnreadable,
        .composeNotBackedUp,
        .importPathNotMounted,
        .plannedSourceUnknown,
        .missingOriginalLive,
        .untrackedFileLive,
        .pathMismatch,
        .missingOriginal,
        .movedOriginal,
        .checksumMismatch,
        .orphanOriginal,
        .missingSidecar,
        .missingDerivative,
        .missingMarker,
        .unsafeArchiveEntry,
        .restoreFailed,
        .databaseRestoreFailed,
        .catalogMismatch,
        .unsafeDumpCommand,
        .extensionShimmed,
        .databaseImageExtensions,
        .restoredDatabaseCheck,
        .relinkFailed,
        .sourceRootNotFound,
        .nameNotUtf8,
        .metadataAtRisk,
        .offlineAssets,
        .trashedAssets,
        .rtoMissed,
        .rpoMissed,
        .noRestorePoint,
        .versionUnpinned,
        .severalServers,
    ]

    /// The catalogue entry for a stored code, nil for one this version does not know.
    public static func named(_ rawValue: String) -> FindingCode? { all.first { $0.rawValue == rawValue } }
}

/// `finding.code == .missingOriginal`: stored codes compared with catalogue entries, never with string literals.
package func == (lhs: String, rhs: FindingCode) -> Bool { lhs == rhs.rawValue }
package func != (lhs: String, rhs: FindingCode) -> Bool { lhs != rhs.rawValue }
