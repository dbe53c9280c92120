// The dump loaded the way Immich documents it, into the drill's own PostgreSQL, timed. v2.5+ pg_dump dumps: the
// database created first, then `psql --dbname=<DB> --single-transaction --set ON_ERROR_STOP=on`; up to v2.4
// pg_dumpall cluster dumps: `psql --dbname=postgres` without a transaction, the two errors Immich's docs expect
// ("current user cannot be dropped", "role … already exists") counted as expected noise. The tool decompresses
// (gzip with its CRC checked, zstd, xz) and feeds psql's stdin through `DumpLoadScreen`: no sed, no temporary file.

import DrillArchive
import Foundation
import Synchronization

/// What a load did.
package struct DatabaseLoadResult: Sendable, Codable, Equatable {
    /// An error psql reported.
    package struct LoadError: Sendable, Codable, Equatable {
        /// The line of the dump psql was at (the `\.` of a COPY block; its row is `dataLine`).
        package var line: Int64?
        /// The dump line of the row a COPY rejected.
        package var dataLine: Int64?
        package var table: String?
        package var message: String
        /// DETAIL / CONTEXT / LINE lines.
        package var context: [String]
    }

    package var engine: String
    /// `PostgreSQL 15.18 (/usr/lib/postgresql/15/bin, as user postgres)`.
    package var postgres: String
    package var versionNote: String?
    package var seconds: Double
    /// Uncompressed SQL fed to psql.
    package var sqlBytes: Int64
    package var rows: Int64
    package var tables: Int
    package var extensions: [String]
    /// What the stream rewrote, one line each (search_path, shimmed extensions, indexes, columns, locales).
    package var shims: [String]
    /// Extensions the dump creates that this PostgreSQL lacks (all shimmed, or the load did not run).
    package var missingExtensions: [String]
    package var expectedNoise: [String]
    package var errors: [LoadError]
    package var refusal: DumpLoadScreen.Refusal?
    /// psql's exit status.
    package var status: Int32
    /// Loaded to the end with no error beyond the expected ones.
    package var loaded: Bool
    /// A dump cut short, loaded on request (`--load-incomplete`).
    package var incomplete: Bool
    /// Rows by table (for the smart_search / face_search note).
    package var rowsByTable: [String: Int64]
}

/// Loads one dump into a scratch cluster.
package struct DatabaseLoader {
    package var dump: String
    package var format: DumpFormat
    /// DB_DATABASE_NAME: the database a pg_dump dump is loaded into (and the section of a cluster dump to check).
    package var database: String
    package var versionNote: String?
    package var isCancelled: () -> Bool = { Cancellation.isCancelled }
    /// The longest the load may take before psql is stopped (a statement that never ends must not hang the drill):
    /// 30 minutes plus a second per MiB of SQL, set by the caller from the dump's size.
    package var deadline: Double = 1800
    /// Create the database first (a pg_dump dump); false loads into the one that is there (`run --relink`'s SQL).
    package var createDatabase = true

    package init(dump: String, format: DumpFormat, database: String, versionNote: String? = nil) {
        self.dump = dump
        self.format = format
        self.database = database
        self.versionNote = versionNote
    }

    /// The locales this machine has.
    static func locales() -> Set<String> {
        var set: Set<String> = ["c", "posix", "c.utf8"]
        if let result = try? Subprocess.run(shell: "locale -a", timeout: 20, limit: 1 << 20), result.status == 0 {
            for line in String(decoding: result.stdout, as: UTF8.self).split(separator: "\n") {
                set.insert(DumpLoadScreen.localeKey(String(line)))
            }
        }
        return set
    }

    /// Feeds the dump to psql in `cluster` and waits for it. Throws only when psql cannot be started or the dump
    /// cannot be opened; what psql says is in the result.
    package func load(into cluster: some ScratchDatabase) throws -> DatabaseLoadResult {
        let available = Set(try cluster.query("postgres", "SELECT name FROM pg_available_extensions").compactMap(\.first))
        let cluster_ = format == .cluster
        if !cluster_, createDatabase {
            _ = try cluster.query("postgres", "CREATE DATABASE \(DatabaseLoader.quoteIdent(database))")
        }
        var screen = DumpLoadScreen(cluster: cluster_, available: available, locales: DatabaseLoader.locales())
        let stream: CompressedStream
        do {
            stream = try CompressedStream(path: dump)
        } catch let error as ArchiveError {
            throw DrillError(.input, file: dump, "cannot open the dump for the load", cause: error.message)
        }

        var inPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&errPipe) == 0 else {
            throw DrillError(.environment, "cannot create a pipe for psql", cause: DrillError.errnoText(errno))
        }
        // Immich's documented commands (IMMICH.md §2), with the input on stdin so errors name `<stdin>:LINE`.
        var extra = ["-q", "-f", "-"]
        if cluster_ {
            // ON_ERROR_STOP is set at the first \connect by the stream (see DumpLoadScreen).
        } else {
            extra += ["--single-transaction", "--set", "ON_ERROR_STOP=on"]
        }
        let argv = cluster.psql(cluster_ ? "postgres" : database, extra)
        let started = Date()
        let pid: pid_t
        do {
            pid = try Spawn.start(argv, environment: cluster.environment, stdin: inPipe[0], stderr: errPipe[1])
        } catch {
            [inPipe[0], inPipe[1], errPipe[0], errPipe[1]].forEach { close($0) }
            throw error
        }
        close(inPipe[0])
        close(errPipe[1])
        // Its stderr, bounded, read on a thread of its own so psql never blocks on it.
        let collector = StderrCollector(fd: errPipe[0], limit: 1 << 20)
        collector.start()
        // A signal stops psql even while it is busy (an index build) and the stream waits on a full pipe.
        let watchdog = Watchdog(pid: pid, isCancelled: isCancelled, deadline: Date().addingTimeInterval(deadline))
        watchdog.start()
        defer { watchdog.stop() }

        // A psql that stopped (ON_ERROR_STOP) closes its end: writes fail with EPIPE instead of killing the drill.
        signal(SIGPIPE, SIG_IGN)
        var feeder = LoadFeeder(fd: inPipe[1])
        var streamError: ArchiveError?
        var cancelled = false
        do {
            try stream.forEachBlock { block in
                if isCancelled() {
                    cancelled = true
                    return false
                }
                return feeder.feed(block, &screen)
            }
            if feeder.open { feeder.finish(&screen) }
        } catch let error as ArchiveError {
            streamError = error
        } catch {
            streamError = ArchiveError(.corrupt, path: dump, "\(error)")
        }
        close(inPipe[1])
        if cancelled || screen.refusal != nil || !screen.unavailable.isEmpty {
            // Nothing more reaches psql; a single transaction rolls back.
            kill(-pid, SIGTERM)
        }
        let status = Spawn.wait(pid)
        let seconds = Date().timeIntervalSince(started)
        watchdog.stop()
        collector.join()
        if cancelled {
            throw DrillError(.environment, file: dump, "stopped by signal \(Cancellation.signal) during the database load")
        }

        var result = DatabaseLoadResult(
            engine: cluster.engine, postgres: cluster.label,
            versionNote: versionNote, seconds: seconds, sqlBytes: stream.bytesRead, rows: screen.rows,
            tables: Set(screen.copyBlocks.map(\.table)).count, extensions: screen.extensions,
            shims: DatabaseLoader.distinct(screen.shims.map(\.what)),
            missingExtensions: screen.extensions.filter { !available.contains($0) },
            expectedNoise: [], errors: [], refusal: screen.refusal, status: status, loaded: false,
            incomplete: streamError != nil, rowsByTable: [:])
        for block in screen.copyBlocks { result.rowsByTable[block.table, default: 0] += block.rows }
        let (noise, errors) = DatabaseLoader.classify(collector.text, cluster: cluster_, connectLine: screen.connectLine,
                                                      blocks: screen.copyBlocks)
        result.expectedNoise = noise
        result.errors = errors
        if watchdog.expired {
            result.errors.insert(.init(line: screen.line, dataLine: nil, table: screen.copyBlocks.last?.table,
                                       message: "the load did not finish within \(DurationText.format(seconds: Int(deadline))) and was stopped (a statement that never ends, or a server far slower than the dump's size needs)",
                                       context: []), at: 0)
        }
        if let streamError, feeder.writeFailed == false, errors.isEmpty {
            result.errors.append(.init(line: screen.line, dataLine: nil, table: nil,
                                       message: "the dump ends here: \(streamError.message)", context: []))
        }
        result.loaded = status == 0 && result.errors.isEmpty && screen.refusal == nil && screen.unavailable.isEmpty && streamError == nil
        return result
    }

    /// Splits psql's stderr into the noise Immich's docs expect of a cluster dump and real errors, each with its
    /// line, its COPY table and row, and its context lines.
    static func classify(_ text: String, cluster: Bool, connectLine: Int64?, blocks: [DumpLoadScreen.CopyBlock])
        -> (noise: [String], errors: [DatabaseLoadResult.LoadError]) {
        var noise: [String] = []
        var errors: [DatabaseLoadResult.LoadError] = []
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            let isError = line.contains("ERROR:") || line.contains("FATAL:") || line.contains(": error:")
            if !isError {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if !errors.isEmpty, ["DETAIL:", "CONTEXT:", "HINT:", "LINE ", "^"].contains(where: trimmed.hasPrefix),
                   errors[errors.count - 1].context.count < 6 {
                    errors[errors.count - 1].context.append(trimmed)
                    if trimmed.hasPrefix("CONTEXT:  COPY "), let comma = trimmed.range(of: ", line ") {
                        let digits = trimmed[comma.upperBound...].prefix { $0.isNumber }
                        if let n = Int64(digits), let at = errors[errors.count - 1].line,
                           let block = blocks.first(where: { $0.endLine == at || $0.startLine == at }) {
                            errors[errors.count - 1].dataLine = block.startLine + n
                            errors[errors.count - 1].table = block.table
                        }
                    }
                }
                continue
            }
            // psql:<stdin>:93: ERROR:  current user cannot be dropped
            var number: Int64?
            var message = line
            if line.hasPrefix("psql:<stdin>:") {
                let rest = line.dropFirst("psql:<stdin>:".count)
                let digits = rest.prefix { $0.isNumber }
                number = Int64(digits)
                message = String(rest.dropFirst(digits.count + 1)).trimmingCharacters(in: .whitespaces)
            }
            for prefix in ["ERROR:", "FATAL:", "error:"] where message.hasPrefix(prefix) {
                message = message.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            }
            let inPreamble = cluster && (connectLine == nil || (number ?? .max) < connectLine!)
            if inPreamble, message == "current user cannot be dropped" || (message.hasPrefix("role \"") && message.hasSuffix("\" already exists")) {
                noise.append(message)
                continue
            }
            let table = number.flatMap { n in blocks.first { $0.endLine == n || $0.startLine == n }?.table }
            if errors.count < 50 {
                errors.append(.init(line: number, dataLine: nil, table: table, message: message, context: []))
            }
        }
        return (noise, errors)
    }

    static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    static func quoteIdent(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

/// Moves the dump's bytes into psql's stdin: COPY data passed through in spans (only each line's start is looked
/// at, for the `\.` that ends it), SQL lines one by one through the screen.
struct LoadFeeder {
    let fd: Int32
    var open = true
    var writeFailed = false
    /// The SQL line being gathered.
    var carry: [UInt8] = []
    /// COPY data: the first bytes of the current line, and its length so far.
    var head: [UInt8] = []
    var lineLength = 0

    init(fd: Int32) { self.fd = fd }

    /// Feeds one block; false stops the stream (a refusal, a missing extension, psql gone).
    mutating func feed(_ block: UnsafeRawBufferPointer, _ screen: inout DumpLoadScreen) -> Bool {
        guard let base = block.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
        let n = block.count
        var p = 0
        while p < n {
            if screen.inCopy {
                let spanStart = p
                while p < n, screen.inCopy {
                    let found = memchr(base + p, 0x0A, n - p)
                    let end = found.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - UnsafePointer(base) } ?? n
                    let take = min(3 - head.count, end - p)
                    if take > 0 { head += UnsafeBufferPointer(start: base + p, count: take) }
                    lineLength += end - p
                    guard found != nil else {
                        p = n
                        break
                    }
                    let terminator = (lineLength == 2 && head == [0x5C, 0x2E]) || (lineLength == 3 && head == [0x5C, 0x2E, 0x0D])
                    _ = screen.copyLine(isTerminator: terminator)
                    head.removeAll(keepingCapacity: true)
                    lineLength = 0
                    p = end + 1
                }
                if !write(UnsafeRawBufferPointer(start: base + spanStart, count: p - spanStart)) { return false }
                continue
            }
            let found = memchr(base + p, 0x0A, n - p)
            let end = found.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - UnsafePointer(base) } ?? n
            if carry.count + (end - p) > DumpLoadScreen.maxStatement {
                _ = screen.sqlLine(Array("-- a line longer than \(DumpLoadScreen.maxStatement >> 20) MiB".utf8))
                _ = screen.refuse("a line of SQL longer than \(DumpLoadScreen.maxStatement >> 20) MiB")
                return false
            }
            carry += UnsafeBufferPointer(start: base + p, count: end - p)
            guard found != nil else { return true }
            p = end + 1
            if !sqlLine(&screen) { return false }
        }
        return true
    }

    /// The last line, when the dump does not end with a newline.
    mutating func finish(_ screen: inout DumpLoadScreen) {
        if !carry.isEmpty, !screen.inCopy { _ = sqlLine(&screen) }
    }

    mutating func sqlLine(_ screen: inout DumpLoadScreen) -> Bool {
        var line = carry
        carry.removeAll(keepingCapacity: true)
        let cr = line.last == 0x0D
        if cr { line.removeLast() }
        guard var out = screen.sqlLine(line) else { return false }
        if cr { out.append(0x0D) }
        out.append(0x0A)
        return out.withUnsafeBytes { write($0) }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard open, var p = bytes.baseAddress else { return open }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                open = false
                writeFailed = true
                return false
            }
            p += n
            left -= n
        }
        return true
    }
}

/// Ends a process group when the drill is asked to stop.
final class Watchdog: @unchecked Sendable {
    let pid: pid_t
    let isCancelled: () -> Bool
    let deadline: Date
    private let stopped = Atomic<Bool>(false)
    private let expiredFlag = Atomic<Bool>(false)
    /// True when the deadline ended the process.
    var expired: Bool { expiredFlag.load(ordering: .relaxed) }

    init(pid: pid_t, isCancelled: @escaping () -> Bool, deadline: Date) {
        self.pid = pid
        self.isCancelled = isCancelled
        self.deadline = deadline
    }

    func start() {
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let late = Date() > deadline
                if isCancelled() || late {
                    if late { expiredFlag.store(true, ordering: .relaxed) }
                    kill(-pid, SIGTERM)
                    usleep(3_000_000)
                    if !stopped.load(ordering: .relaxed) { kill(-pid, SIGKILL) }
                    return
                }
                usleep(100_000)
            }
        }.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}

/// Reads a descriptor to its end on a thread, keeping at most `limit` bytes.
final class StderrCollector: @unchecked Sendable {
    let fd: Int32
    let limit: Int
    private var data = Data()
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32, limit: Int) {
        self.fd = fd
        self.limit = limit
    }

    func start() {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                if data.count < limit { data.append(contentsOf: buffer[0..<min(n, limit - data.count)]) }
            }
            close(fd)
            done.signal()
        }
        self.thread = thread
        thread.start()
    }

    func join() { done.wait() }

    var text: String { String(decoding: data, as: UTF8.self) }
}
