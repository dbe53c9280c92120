// A progress bar a person can read on the long phases (each restore, the verification): one line on stderr, redrawn
// at most five times a second, with files, bytes, rate and the time left when the total is known. The CLI makes one
// only when stderr is a terminal and `--quiet` is not given; everything else gets nil and pays nothing.

import Foundation

/// One redrawn line on a terminal. Used from one thread at a time (the phase's own).
package final class ProgressBar: @unchecked Sendable {
    private let write: (String) -> Void
    private let width: () -> Int
    private let clock: () -> Double
    private var label = ""
    private var unit = "files"
    private var started = 0.0
    private var lastDraw = 0.0
    private var drawn = false
    private var totalFiles: Int?
    private var totalBytes: Int64?
    private var files = 0
    private var bytes: Int64 = 0
    private var fraction: Double?

    /// `write` takes the terminal text; `width` the terminal's columns now; `clock` seconds (monotonic).
    package init(write: @escaping (String) -> Void, width: @escaping () -> Int, clock: @escaping () -> Double = ProgressBar.now) {
        self.write = write
        self.width = width
        self.clock = clock
    }

    /// A bar on stderr when it is a terminal, else nil.
    package static func onTerminal() -> ProgressBar? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return ProgressBar(write: { FileHandle.standardError.write(Data($0.utf8)) }, width: ProgressBar.columns)
    }

    package static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The terminal's width (COLUMNS, else the tty's, else 80).
    package static func columns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(text), n > 0 { return n }
        return 80
    }

    /// A phase begins; the totals are what its files and bytes will reach, when known.
    package func begin(_ label: String, unit: String = "files", totalFiles: Int? = nil, totalBytes: Int64? = nil) {
        if drawn { clear() }
        self.label = TerminalText.inline(label)  // a source's name can come from a dump
        self.unit = unit
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
        files = 0
        bytes = 0
        fraction = nil
        started = clock()
        lastDraw = 0
    }

    /// Where the phase is: files and bytes done, and (when the bytes total is not the measure) the fraction done.
    package func update(files: Int, bytes: Int64, fraction: Double? = nil) {
        self.files = files
        self.bytes = bytes
        if let fraction { self.fraction = fraction }
        let t = clock()
        guard t - lastDraw >= 0.2 else { return }
        lastDraw = t
        draw(t)
    }

    /// Adds to the files and bytes done.
    package func add(files: Int = 1, bytes: Int64) {
        update(files: self.files + files, bytes: self.bytes + bytes)
    }

    /// The phase is over: the line is cleared (the report says what it came to).
    package func end() {
        if drawn { clear() }
        label = ""
    }

    private func clear() {
        write("\r\u{1B}[K")
        drawn = false
    }

    private func draw(_ t: Double) {
        guard !label.isEmpty else { return }
        let line = ProgressBar.line(label: label, unit: unit, files: files, totalFiles: totalFiles, bytes: bytes, totalBytes: totalBytes,
                                    fraction: fraction, elapsed: t - started, width: width())
        write("\r" + line + "\u{1B}[K")
        drawn = true
    }

    /// The line for a state (a pure function, so its text is tested as it is).
    package static func line(label: String, unit: String = "files", files: Int, totalFiles: Int?, bytes: Int64, totalBytes: Int64?,
                             fraction: Double?, elapsed: Double, width: Int) -> String {
        var done: Double?
        if let fraction { done = fraction } else if let totalBytes, totalBytes > 0 {
            done = Double(bytes) / Double(totalBytes)
        } else if let totalFiles, totalFiles > 0 {
            done = Double(files) / Double(totalFiles)
        }
        done = done.map { min(max($0, 0), 1) }
        var parts: [String] = []
        parts.append(totalFiles.map { "\(count(files))/\(count($0)) \(unit)" } ?? "\(count(files)) \(unit)")
        if bytes > 0 || totalBytes != nil {
            parts.append(totalBytes.map { "\(ByteText.format(bytes))/\(ByteText.format($0))" } ?? ByteText.format(bytes))
        }
        if elapsed >= 0.5 {
            parts.append(bytes > 0 ? "\(ByteText.format(Int64(Double(bytes) / elapsed)))/s" : "\(count(Int(Double(files) / elapsed))) \(unit)/s")
        }
        if let done, done > 0.01, elapsed >= 1 {
            parts.append("ETA " + DurationText.format(seconds: Int((elapsed / done - elapsed).rounded())))
        } else {
            parts.append(DurationText.format(seconds: Int(elapsed)))
        }
        let tail = parts.joined(separator: "  ")
        var head = label
        if let done {
            let percent = String(format: "%3d%%", Int(done * 100))
            let room = width - head.count - tail.count - percent.count - 7
            let barWidth = min(30, room)
            if barWidth >= 10 {
                let full = Int(Double(barWidth) * done)
                head += "  [" + String(repeating: "=", count: full) + String(repeating: " ", count: barWidth - full) + "] " + percent
            } else {
                head += "  " + percent
            }
        }
        let text = head + "  " + tail
        // Never wider than the terminal: a wrapped line cannot be redrawn in place.
        return text.count < width ? text : String(text.prefix(max(width - 1, 0)))
    }

    private static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0, (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
