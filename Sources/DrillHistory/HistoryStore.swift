// The run history: one SQLite file (default `$XDG_STATE_HOME/immich-drill/history.sqlite`) holding every drill run,
// so trends (RTO, RPO, findings) and "last verified" can be shown. This is the only code that uses GRDB; the schema
// grows by migrations, never by editing an applied one.

import DrillCore
import Foundation
import GRDB

/// One recorded drill run.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    public var id: Int64?
    /// The plan's name.
    public var plan: String
    /// The plan file it was read from.
    public var planFile: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// `ok`, `warning`, `critical`, `unknown`, or `aborted`.
    public var verdict: String
    public var exitCode: Int32
    /// The restore point drilled, when there was one.
    public var restorePoint: String?
    public var rtoSeconds: Double?
    public var rpoSeconds: Double?
    /// The report exactly as it was first rendered as JSON, so `report RUN-ID` can show it again unchanged.
    public var reportJSON: String

    public init(id: Int64? = nil, plan: String, planFile: String, startedAt: Date, finishedAt: Date?,
                verdict: String, exitCode: Int32, restorePoint: String? = nil, rtoSeconds: Double? = nil,
                rpoSeconds: Double? = nil, reportJSON: String) {
        self.id = id
        self.plan = plan
        self.planFile = planFile
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.verdict = verdict
        self.exitCode = exitCode
        self.restorePoint = restorePoint
        self.rtoSeconds = rtoSeconds
        self.rpoSeconds = rpoSeconds
        self.reportJSON = reportJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One restore walked through with `walkthrough --interactive`: each step's real time, and the restore's real RTO.
public struct WalkthroughRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "walkthrough"

    public var id: Int64?
    public var plan: String
    public var planFile: String
    public var startedAt: Date
    public var finishedAt: Date
    public var restorePoint: String?
    /// True when every step was done (none skipped, not quit).
    public var completed: Bool
    /// From the first step to the last: the real RTO.
    public var rtoSeconds: Double
    /// The steps with their times and check results, as JSON (`[WalkedStep]`).
    public var stepsJSON: String

    public init(id: Int64? = nil, plan: String, planFile: String, startedAt: Date, finishedAt: Date,
                restorePoint: String?, completed: Bool, rtoSeconds: Double, stepsJSON: String) {
        self.id = id
        self.plan = plan
        self.planFile = planFile
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.restorePoint = restorePoint
        self.completed = completed
        self.rtoSeconds = rtoSeconds
        self.stepsJSON = stepsJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// The history database.
public final class HistoryStore: Sendable {
    private let queue: DatabaseQueue
    /// The database file.
    public let path: String

    /// How long a writer waits for another drill's transaction on the same history before it gives up.
    public static let busySeconds: TimeInterval = 60

    /// Opens (creating folders and file as needed) and migrates the history at `path`. Every plan shares the default
    /// history, so drills run side by side: the file is in WAL mode (readers never block the writer) and a writer
    /// waits for another's transaction (a busy timeout, then retries) instead of failing with "database is locked".
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(HistoryStore.busySeconds)
        config.prepareDatabase { db in
            // Persistent once set; asking again is cheap.
            if try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" {
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            queue = try HistoryStore.retrying { try DatabaseQueue(path: path, configuration: config) }
            // Two drills opening a new history at once both start its migrations; the one that loses finds the
            // table made (and the migration recorded) by the other, and sees it applied when it tries again.
            try HistoryStore.retrying(alsoWhen: { $0.message?.contains("already exists") == true }) {
                try HistoryStore.migrator.migrate(queue)
            }
        } catch let error as DatabaseError {
            throw DrillError(.environment, file: path, "cannot open the drill history", cause: error.message)
        } catch {
            throw DrillError(.environment, file: path, "cannot open the drill history",
                             cause: error.localizedDescription)
        }
    }

    /// Runs `body` again (a few times, with a growing pause) while SQLite says another connection holds the lock.
    static func retrying<T>(alsoWhen retryable: (DatabaseError) -> Bool = { _ in false }, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED || retryable(error)) && attempt < 8 {
                attempt += 1
                usleep(useconds_t(50_000 * attempt))
            }
        }
    }

    /// A write, retried while busy; a database error becomes a `DrillError` naming the history.
    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try HistoryStore.retrying { try queue.write(body) }
        } catch let error as DatabaseError {
            throw DrillError(.environment, file: path, "cannot \(what) in the drill history", cause: error.message)
        }
    }

    /// A read; a database error becomes a `DrillError` naming the history.
    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try HistoryStore.retrying { try queue.read(body) }
        } catch let error as DatabaseError {
            throw DrillError(.environment, file: path, "cannot read the drill history", cause: error.message)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs") { db in
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("plan", .text).notNull().indexed()
                t.column("planFile", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("verdict", .text).notNull()
                t.column("exitCode", .integer).notNull()
                t.column("restorePoint", .text)
                t.column("rtoSeconds", .double)
                t.column("rpoSeconds", .double)
                t.column("reportJSON", .text).notNull()
            }
        }
        migrator.registerMigration("v2-walkthroughs") { db in
            try db.create(table: "walkthrough") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("plan", .text).notNull().indexed()
                t.column("planFile", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime).notNull()
                t.column("restorePoint", .text)
                t.column("completed", .boolean).notNull()
                t.column("rtoSeconds", .double).notNull()
                t.column("stepsJSON", .text).notNull()
            }
        }
        return migrator
    }

    /// The migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try read { try HistoryStore.migrator.appliedMigrations($0) }
    }

    /// Stores a run and returns it with its id.
    @discardableResult
    public func record(_ run: RunRecord) throws -> RunRecord { try insert(run) }

    /// Replaces a stored run (by its id).
    public func update(_ run: RunRecord) throws {
        try write("update a run") { db in try run.update(db) }
    }

    /// Runs, newest first, optionally of one plan.
    public func runs(plan: String? = nil, limit: Int = 50) throws -> [RunRecord] {
        try newest(RunRecord.self, plan: plan, limit: limit)
    }

    /// One run by id.
    public func run(id: Int64) throws -> RunRecord? {
        try read { try RunRecord.fetchOne($0, key: id) }
    }

    /// One run's report, as it was first rendered, read back; nil when there is no such run. A stored report that
    /// does not decode is an error naming the run, not a missing one.
    public func report(id: Int64) throws -> (record: RunRecord, report: RunReport)? {
        guard let record = try run(id: id) else { return nil }
        do {
            return (record, try JSONDecoder().decode(RunReport.self, from: Data(record.reportJSON.utf8)))
        } catch {
            throw DrillError(.input, file: path, "run #\(id) has no readable report", cause: "\(error)")
        }
    }

    /// The phases of the newest drill of a plan that has any (an aborted drill's do not count): what the runbook
    /// expects each step to take.
    public func lastTimings(plan: String) throws -> DrillTimings? {
        for record in try runs(plan: plan, limit: 10) where record.verdict != Verdict.aborted.rawValue {
            if let report = try? JSONDecoder().decode(RunReport.self, from: Data(record.reportJSON.utf8)), !report.phases.isEmpty {
                var timings = DrillTimings(runId: record.id, phases: report.phases)
                // What a restore of that point will meet that a relink can fix, by finding code and count.
                timings.movedOriginals = Dictionary(report.findings
                    .filter { [FindingCode.movedOriginal, .missingOriginal, .pathMismatch].map(\.rawValue).contains($0.code) }
                    .map { ($0.code, $0.count) }, uniquingKeysWith: +)
                timings.restorePoint = report.restorePoint?.id
                return timings
            }
        }
        return nil
    }

    /// Stores a walked-through restore and returns it with its id.
    @discardableResult
    public func record(_ walk: WalkthroughRecord) throws -> WalkthroughRecord { try insert(walk) }

    /// Walked-through restores, newest first, optionally of one plan.
    public func walkthroughs(plan: String? = nil, limit: Int = 50) throws -> [WalkthroughRecord] {
        try newest(WalkthroughRecord.self, plan: plan, limit: limit)
    }

    private func insert<Record: MutablePersistableRecord>(_ record: Record) throws -> Record {
        try write("record a run") { db in
            var copy = record
            try copy.insert(db)
            return copy
        }
    }

    /// Rows of a table with `plan` and `startedAt` columns, newest first.
    private func newest<Record: FetchableRecord & TableRecord>(_ type: Record.Type, plan: String?,
                                                               limit: Int) throws -> [Record] {
        try read { db in
            var request = Record.order(Column("startedAt").desc, Column("id").desc)
            if let plan { request = request.filter(Column("plan") == plan) }
            return try request.limit(limit).fetchAll(db)
        }
    }
}

extension HistoryStore: RunHistory {
    public func record(_ report: RunReport, plan: DrillPlan) throws -> Int64 {
        let record = try record(RunRecord(
            plan: plan.name, planFile: plan.file, startedAt: Date(timeIntervalSince1970: report.startedAt),
            finishedAt: report.finishedAt.map { Date(timeIntervalSince1970: $0) }, verdict: report.verdict.rawValue,
            exitCode: report.exitCode, restorePoint: report.restorePoint?.id, rtoSeconds: report.rto?.totalSeconds,
            rpoSeconds: report.rpo.map { Double($0.seconds) }, reportJSON: "{}"))
        guard let id = record.id else { throw DrillError(.environment, file: path, "the history gave the run no id") }
        return id
    }

    public func update(_ report: RunReport, id: Int64) throws {
        guard var record = try run(id: id) else { throw DrillError(.environment, file: path, "run \(id) is not in the history") }
        record.verdict = report.verdict.rawValue
        record.exitCode = report.exitCode
        record.reportJSON = ReportJSON.encode(report)
        try update(record)
    }
}

extension RunRecord {
    /// The run as `history` and the HTML trend show it.
    public var historyRow: HistoryView.Run {
        HistoryView.Run(id: id ?? 0, plan: plan, startedAt: startedAt.timeIntervalSince1970, verdict: verdict,
                        exitCode: exitCode, restorePoint: restorePoint, rtoSeconds: rtoSeconds, rpoSeconds: rpoSeconds)
    }
}

extension WalkthroughRecord {
    /// The walkthrough as `history` shows it, with its steps (none when the stored steps do not decode).
    public var historyRow: HistoryView.Walk {
        HistoryView.Walk(id: id ?? 0, plan: plan, startedAt: startedAt.timeIntervalSince1970, restorePoint: restorePoint,
                         completed: completed, rtoSeconds: rtoSeconds,
                         steps: (try? JSONDecoder().decode([WalkedStep].self, from: Data(stepsJSON.utf8))) ?? [])
    }
}
