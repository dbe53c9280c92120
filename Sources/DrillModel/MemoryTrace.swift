// What the memory measures read (scripts/bench, README): the resident set after each step of a drill, and the heap
// a step freed handed back before the next one grows.

import CPosix
import Foundation

/// The process's resident set now and at its peak, from /proc/self/status (for IMMICH_DRILL_TRACE_MEMORY).
package enum MemoryTrace {
    /// Returns freed heap pages to the system (glibc keeps them otherwise).
    package static func release() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }

    package static func now() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "unknown" }
        let wanted = status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }
        return wanted.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }.joined(separator: ", ")
    }
}
