// The output formats every printing command accepts, and the one JSON encoding all reports share (sorted keys, no
// escaped slashes), so output is stable and a stored report re-renders exactly.

import DrillPlanning
import DrillVerify
import Foundation

/// Output formats every printing command accepts.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    case text, json, markdown
}

/// JSON with sorted keys and no escaped slashes, so output is stable and readable.
public enum ReportJSON {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else {
            return "{}\n"
        }
        return text + "\n"
    }
}
