// What a file says about the photo in it: capture time, camera, dimensions. A relink compares it with what the
// database holds about a missing library file, whose checksum (of its path) says nothing about its content: an
// Elodie-style move renames the file and rewrites its EXIF, so name and size change, but the capture time, camera
// and dimensions do not. JPEG and TIFF are read with libexif (the APP1 segment only: libexif's loader stops once
// it has it); other formats (HEIC, MP4/MOV, PNG, RAW) with one exiftool process per batch when it is installed.

import CExif
import Foundation

/// A photo's or video's own metadata.
package struct MediaEvidence: Sendable, Equatable, Codable {
    /// The capture time as its wall clock, in seconds since 1970 read as UTC (EXIF DateTimeOriginal has no zone).
    package var captured: Double?
    package var make: String?
    package var model: String?
    package var width: Int?
    package var height: Int?

    package init(captured: Double? = nil, make: String? = nil, model: String? = nil, width: Int? = nil, height: Int? = nil) {
        self.captured = captured
        self.make = make
        self.model = model
        self.width = width
        self.height = height
    }

    package var isEmpty: Bool { captured == nil && make == nil && model == nil && width == nil && height == nil }

    /// `2024-07-01 12:00:00, Demo Camera, 4000×3000`.
    package var description: String {
        var parts: [String] = []
        if let captured { parts.append(MediaEvidence.format(captured)) }
        let camera = [make, model].compactMap { $0 }.joined(separator: " ")
        if !camera.isEmpty { parts.append(camera) }
        if let width, let height { parts.append("\(width)×\(height)") }
        return parts.joined(separator: ", ")
    }

    static func format(_ seconds: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// `2024:07:01 12:00:00` (EXIF) or `2024-07-01T12:00:00` as UTC seconds; a zone suffix is ignored (wall clock).
    package static func parseTime(_ text: String) -> Double? {
        let digits = text.unicodeScalars.filter { CharacterSet.decimalDigits.contains($0) }.map { Int($0.value) - 48 }
        guard digits.count >= 14 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int { digits[from..<from + count].reduce(0) { $0 * 10 + $1 } }
        var parts = DateComponents()
        parts.year = number(0, 4)
        parts.month = number(4, 2)
        parts.day = number(6, 2)
        parts.hour = number(8, 2)
        parts.minute = number(10, 2)
        parts.second = number(12, 2)
        guard (1...12).contains(parts.month!), (1...31).contains(parts.day!), parts.hour! < 24, parts.minute! < 60,
              parts.second! < 61, parts.year! > 1800 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: parts)?.timeIntervalSince1970
    }

    /// True when `self` (a candidate file) is the photo the database describes as `db`: the same capture time to the
    /// second, and the camera and the dimensions (either way round) wherever both sides have them, with at least one
    /// of the two to go on beside the time.
    package func matches(_ db: MediaEvidence) -> Bool {
        guard let a = captured, let b = db.captured, abs(a - b) < 1 else { return false }
        var corroborated = false
        if let m = db.make, let n = make {
            guard m.caseInsensitiveCompare(n) == .orderedSame else { return false }
            corroborated = true
        }
        if let m = db.model, let n = model {
            guard m.caseInsensitiveCompare(n) == .orderedSame else { return false }
            corroborated = true
        }
        if let w = db.width, let h = db.height, let x = width, let y = height {
            guard (w == x && h == y) || (w == y && h == x) else { return false }
            corroborated = true
        }
        return corroborated
    }
}

/// Reads media evidence from files.
package enum MediaEvidenceReader {
    /// JPEG (FF D8) and TIFF (II*\0, MM\0*) are libexif's.
    static func isExifContainer(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4), head.count == 4 else { return false }
        let b = [UInt8](head)
        return (b[0] == 0xFF && b[1] == 0xD8) || (b[0] == 0x49 && b[1] == 0x49 && b[2] == 0x2A && b[3] == 0)
            || (b[0] == 0x4D && b[1] == 0x4D && b[2] == 0 && b[3] == 0x2A)
    }

    /// libexif's reading of one JPEG or TIFF; nil when it holds no EXIF.
    package static func exif(_ path: String) -> MediaEvidence? {
        guard let data = exif_data_new_from_file(path) else { return nil }
        defer { exif_data_unref(data) }
        func value(_ tag: ExifTag) -> String? {
            var buffer = [CChar](repeating: 0, count: 256)
            guard cexif_value(data, tag, &buffer, UInt32(buffer.count)) == 1 else { return nil }
            let text = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
        var evidence = MediaEvidence()
        evidence.captured = (value(EXIF_TAG_DATE_TIME_ORIGINAL) ?? value(EXIF_TAG_DATE_TIME_DIGITIZED)).flatMap(MediaEvidence.parseTime)
        evidence.make = value(EXIF_TAG_MAKE)
        evidence.model = value(EXIF_TAG_MODEL)
        evidence.width = (value(EXIF_TAG_PIXEL_X_DIMENSION) ?? value(EXIF_TAG_IMAGE_WIDTH)).flatMap { Int($0.prefix { $0.isNumber }) }
        evidence.height = (value(EXIF_TAG_PIXEL_Y_DIMENSION) ?? value(EXIF_TAG_IMAGE_LENGTH)).flatMap { Int($0.prefix { $0.isNumber }) }
        return evidence.isEmpty ? nil : evidence
    }

    /// exiftool, when installed: its path.
    package static var exiftool: String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/exiftool") {
            return dir + "/exiftool"
        }
        return nil
    }

    /// Evidence for `paths` (local files): libexif for JPEG and TIFF, one exiftool run for the rest (when there is
    /// one). Returns the evidence by path, and how many files no reader could read.
    package static func read(_ paths: [String]) -> (evidence: [String: MediaEvidence], unread: Int, exiftoolMissing: Bool) {
        var evidence: [String: MediaEvidence] = [:]
        var others: [String] = []
        for path in paths {
            if isExifContainer(path) {
                if let e = exif(path) { evidence[path] = e }
            } else {
                others.append(path)
            }
        }
        guard !others.isEmpty else { return (evidence, 0, false) }
        guard let tool = exiftool else { return (evidence, others.count, true) }
        for chunk in stride(from: 0, to: others.count, by: 500) {
            let batch = Array(others[chunk..<min(chunk + 500, others.count)])
            for (path, e) in exiftoolBatch(tool, batch) { evidence[path] = e }
        }
        return (evidence, others.filter { evidence[$0] == nil }.count, false)
    }

    /// One exiftool process for a batch: the paths through an argument file (never the shell), JSON out.
    package static func exiftoolBatch(_ tool: String, _ paths: [String]) -> [String: MediaEvidence] {
        let dir = FileManager.default.temporaryDirectory.path + "/immich-drill-exiftool-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)) != nil else { return [:] }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // exiftool reads one argument per line; a path with a newline cannot be passed, and is left unread.
        let usable = paths.filter { !$0.contains("\n") && !$0.contains("\r") }
        let arguments = ["-json", "-n", "-DateTimeOriginal", "-CreateDate", "-Make", "-Model", "-ImageWidth", "-ImageHeight", "-ExifImageWidth", "-ExifImageHeight", "--"] + usable
        guard (try? arguments.joined(separator: "\n").write(toFile: dir + "/args", atomically: true, encoding: .utf8)) != nil,
              let result = try? Subprocess.run(shell: "exec \"$1\" -charset filename=utf8 -@ \"$2\"", arguments: [tool, dir + "/args"],
                                               timeout: 600, limit: 64 << 20),
              let rows = try? JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]] else { return [:] }
        var out: [String: MediaEvidence] = [:]
        for row in rows {
            guard let path = row["SourceFile"] as? String else { continue }
            var e = MediaEvidence()
            e.captured = ((row["DateTimeOriginal"] as? String) ?? (row["CreateDate"] as? String)).flatMap(MediaEvidence.parseTime)
            e.make = (row["Make"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            e.model = (row["Model"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            e.width = (row["ImageWidth"] as? Int) ?? (row["ExifImageWidth"] as? Int)
            e.height = (row["ImageHeight"] as? Int) ?? (row["ExifImageHeight"] as? Int)
            if !e.isEmpty { out[path] = e }
        }
        return out
    }
}
