@testable import DrillModel
import Foundation
import Testing

/// The bar's line says files, bytes, rate and time left from the numbers it is given, fits the terminal, and is
/// redrawn in place at most five times a second.
struct ProgressBarTests {
    @Test func aKnownTotalGivesABarPercentRateAndETA() {
        let line = ProgressBar.line(label: "restoring upload", files: 250, totalFiles: 1000, bytes: 256 << 20,
                                    totalBytes: 1 << 30, fraction: nil, elapsed: 10, width: 120)
        let bar = "[" + String(repeating: "=", count: 7) + String(repeating: " ", count: 23) + "]"
        #expect(line.hasPrefix("restoring upload  " + bar + "  25%"), "a quarter of a 30-column bar")
        #expect(line.contains("250/1,000 files"))
        #expect(line.contains("256.0 MiB/1.0 GiB"))
        #expect(line.contains("25.6 MiB/s"))
        #expect(line.contains("ETA 30s"), "a quarter done in 10 s leaves 30 s")
        #expect(line.count < 120)
    }

    @Test func anArchiveReadFractionDrivesTheBarWhenTheTotalsAreUnknown() {
        let line = ProgressBar.line(label: "restoring external:/mnt/media/photos", files: 12_345, totalFiles: nil,
                                    bytes: 3 << 30, totalBytes: nil, fraction: 0.5, elapsed: 60, width: 200)
        #expect(line.contains(" 50%") && line.contains("12,345 files") && line.contains("3.0 GiB") && line.contains("ETA 1m"))
    }

    @Test func withoutAnyTotalItCountsAndTellsTheTimeSpent() {
        let line = ProgressBar.line(label: "listing upload", files: 1_000_000, totalFiles: nil, bytes: 5 << 30,
                                    totalBytes: nil, fraction: nil, elapsed: 75, width: 100)
        #expect(!line.contains("[") && !line.contains("%") && !line.contains("ETA"))
        #expect(line.contains("1,000,000 files") && line.hasSuffix("1m15s"))
    }

    @Test func referencesHaveNoBytes() {
        let line = ProgressBar.line(label: "checking", unit: "references", files: 4096, totalFiles: 8192, bytes: 0,
                                    totalBytes: nil, fraction: nil, elapsed: 2, width: 120)
        #expect(line.contains("4,096/8,192 references") && line.contains("2,048 references/s") && !line.contains(" B"))
    }

    @Test func aNarrowTerminalGetsALineThatDoesNotWrap() {
        for width in [20, 40, 60, 80] {
            let line = ProgressBar.line(label: "restoring upload/library", files: 5, totalFiles: 10, bytes: 5,
                                        totalBytes: 10, fraction: nil, elapsed: 3, width: width)
            #expect(line.count < width, "\(width): \(line)")
        }
    }

    @Test func itRedrawsInPlaceAtMostFiveTimesASecondAndClearsAtTheEnd() {
        var out: [String] = []
        var now = 100.0
        let bar = ProgressBar(write: { out.append($0) }, width: { 100 }, clock: { now })
        bar.begin("restoring upload", totalFiles: 100)
        for k in 1...100 {
            now += 0.01  // a second in all
            bar.add(bytes: Int64(k))
        }
        let draws = out.filter { $0.hasPrefix("\r") && $0.hasSuffix("\u{1B}[K") && $0.count > 4 }
        #expect(draws.count >= 4 && draws.count <= 6, "\(draws.count) redraws in a second")
        #expect(!out.joined().contains("\n"), "one line, redrawn")
        bar.end()
        #expect(out.last == "\r\u{1B}[K")
        let count = out.count
        bar.end()
        #expect(out.count == count, "nothing more to clear")
    }
}
