@testable import DrillCore
import CArchive
import Foundation
import Testing
import DrillTestSupport

/// The HTML report: self-contained, escaped, and rendered by a real browser (Debian's headless Chromium) into a
/// screenshot that is not blank, with nothing on the console.
@Suite struct HTMLReportTests {
    static let now = 1_780_000_000.0

    /// Three drills of one faulty demo, the last one as the report, all three as the trend.
    func drills() throws -> (RunReport, [HistoryView.Run]) {
        let manifest = try Fixtures.demo("html-demo", assets: 60, seed: 4, faults: [.missing: 2, .noThumbs: 1], now: Self.now)
        let plan = try DrillPlan.load(manifest.plan)
        var trend: [HistoryView.Run] = []
        var last: RunReport?
        for (i, depth) in ["30%", "60%", "full"].enumerated() {
            var run = RunOptions()
            run.now = Self.now + Double(i) * 86400
            run.verify = VerifyDepth(parsing: depth)!
            var report = try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: run).run()
            report.runId = Int64(i + 1)
            report.startedAt = run.now
            trend.append(HistoryView.Run(id: Int64(i + 1), plan: report.plan, startedAt: run.now, verdict: report.verdict.rawValue,
                                         exitCode: report.exitCode, restorePoint: report.restorePoint?.id,
                                         rtoSeconds: report.rto?.totalSeconds, rpoSeconds: report.rpo.map { Double($0.seconds) }))
            last = report
        }
        return (last!, trend)
    }

    @Test func thePageIsSelfContainedAndEscaped() throws {
        var (report, trend) = try drills()
        report.findings.append(Finding(code: .nameNotUtf8, severity: .info, count: 1, message: "a <script>alert(1)</script> & \"quote\"",
                                       examples: ["/mnt/<b>odd</b>.jpg"]))
        let html = HTMLReport.render(report, trend: trend)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script"), "no script, and injected markup is escaped")
        #expect(html.contains("a &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quote&quot;"))
        #expect(html.contains("/mnt/&lt;b&gt;odd&lt;/b&gt;.jpg"))
        for fetch in ["src=", "href=", "@import", "url(http", "<link", "<img"] { #expect(!html.contains(fetch), "\(fetch)") }
        #expect(html.contains("<svg class=\"timeline\""))
        #expect(html.components(separatedBy: "<figure class=\"chart\">").count == 3, "RTO and RPO trends")
        #expect(html.contains("CRITICAL</span> <code>missing-original</code>"))
        #expect(html.contains("url(#hatch)"), "projected phases are hatched")
        for row in report.coverage { #expect(html.contains("<td>\(HTMLReport.esc(row.source))</td>")) }
        // A single run has no trend to draw.
        #expect(!HTMLReport.render(report, trend: Array(trend.prefix(1))).contains("<figure"))
    }

    @Test func chromiumRendersItWithoutConsoleErrors() throws {
        let (report, trend) = try drills()
        let dir = Fixtures.tempDir("html")
        let page = dir + "/report.html"
        try HTMLReport.render(report, trend: trend).write(toFile: page, atomically: true, encoding: .utf8)
        let shot = try Browser.screenshot(page, in: dir)
        #expect(shot.console.isEmpty, "console: \(shot.console)")
        let image = try PNG.decode(shot.png)
        #expect(image.width == 1100)
        let stats = image.inkStats()
        #expect(stats.inked > 0.05, "not blank: \(stats)")
        #expect(stats.colors >= 8, "the verdict badge, bars and findings are in colour: \(stats)")
        #expect(stats.red > 100, "the CRITICAL badge and findings are red")
        #expect(stats.dark > 5_000, "the text is drawn (a machine without fonts draws boxes and bars only): \(stats)")

        // The checks themselves can fail: a blank page, and a page that logs an error.
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: dir + "/blank.html", atomically: true, encoding: .utf8)
        let blank = try PNG.decode(try Browser.screenshot(dir + "/blank.html", in: dir).png).inkStats()
        #expect(blank.inked < 0.001 && blank.colors <= 2)
        try "<!DOCTYPE html><html><body><p>x</p><script>console.error('broken')</script></body></html>"
            .write(toFile: dir + "/noisy.html", atomically: true, encoding: .utf8)
        #expect(try Browser.screenshot(dir + "/noisy.html", in: dir).console.contains { $0.contains("broken") })
    }
}

/// Debian's headless Chromium: a screenshot and the console messages.
enum Browser {
    static func screenshot(_ page: String, in dir: String) throws -> (png: Data, console: [String]) {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else {
            throw DrillError(.environment, "Chromium is not installed; scripts/bootstrap installs Debian's chromium")
        }
        let png = page + ".png"
        let command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=" + dir + "/chromium-profile", "--window-size=1100,2000",
                       "--enable-logging=stderr", "--v=0", "--screenshot=" + png, "file://" + page]
            .map(Subprocess.shellQuote).joined(separator: " ")
        let result = try Subprocess.run(shell: command, timeout: 90)
        let stderr = String(decoding: result.stderr, as: UTF8.self)
        guard result.status == 0, let data = FileManager.default.contents(atPath: png) else {
            throw DrillError(.environment, "chromium failed (exit \(result.status)): \(stderr.suffix(600))")
        }
        let console = stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }.map(String.init)
        return (data, console)
    }
}

/// Just enough PNG to count pixels: 8-bit RGB or RGBA, not interlaced (what Chromium writes).
struct PNG {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    static func decode(_ data: Data) throws -> PNG {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw DrillError(.input, "not a PNG")
        }
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var i = 8
        var width = 0, height = 0, channels = 0
        var idat: [UInt8] = []
        while i + 8 <= bytes.count {
            let length = u32(i)
            let type = String(decoding: bytes[i + 4..<i + 8], as: UTF8.self)
            let body = i + 8
            if type == "IHDR" {
                width = u32(body)
                height = u32(body + 4)
                guard bytes[body + 8] == 8, bytes[body + 12] == 0 else { throw DrillError(.input, "PNG is not 8-bit, non-interlaced") }
                switch bytes[body + 9] {
                case 2: channels = 3
                case 6: channels = 4
                default: throw DrillError(.input, "PNG colour type \(bytes[body + 9])")
                }
            } else if type == "IDAT" {
                idat += bytes[body..<body + length]
            } else if type == "IEND" {
                break
            }
            i = body + length + 4
        }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var rawLength = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            idat.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &rawLength, input.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK, Int(rawLength) == raw.count else { throw DrillError(.input, "PNG data does not inflate (\(status))") }
        // Undo the per-row filters.
        var pixels = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let v = Int(raw[y * (stride + 1) + 1 + x])
                let a = x >= channels ? Int(pixels[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(pixels[(y - 1) * stride + x - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw DrillError(.input, "PNG filter \(filter)")
                }
                pixels[y * stride + x] = UInt8((v + predicted) & 0xFF)
            }
        }
        return PNG(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The share of pixels that differ from the page's background (the top-left pixel), the distinct colours
    /// (quantised), and how many pixels are clearly red and how many near-black (text).
    func inkStats() -> (inked: Double, colors: Int, red: Int, dark: Int) {
        let background = Array(pixels[0..<3])
        var inked = 0
        var red = 0
        var dark = 0
        var colors = Set<Int>()
        for p in 0..<(width * height) {
            let r = Int(pixels[p * channels]), g = Int(pixels[p * channels + 1]), b = Int(pixels[p * channels + 2])
            if abs(r - Int(background[0])) + abs(g - Int(background[1])) + abs(b - Int(background[2])) > 24 { inked += 1 }
            if r > 150 && g < 90 && b < 90 { red += 1 }
            if r < 80 && g < 80 && b < 80 { dark += 1 }
            colors.insert((r >> 5) << 6 | (g >> 5) << 3 | (b >> 5))
        }
        return (Double(inked) / Double(max(1, width * height)), colors.count, red, dark)
    }
}
