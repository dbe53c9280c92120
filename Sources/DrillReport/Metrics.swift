// A drill's result as a Prometheus textfile (node_exporter's textfile collector reads `*.prom` files from one
// folder). The file is written whole to a temporary file beside it and renamed over the old one, so the collector
// never reads half a file; `immich_drill_last_success_timestamp_seconds` is carried over from the previous file when
// this run did not pass, so "last verified" survives failed nights.

import DrillPlanning
import DrillVerify
import Foundation
import SystemPackage

/// The node_exporter textfile a scheduled drill writes.
package enum PrometheusMetrics {
    /// What a run that produced no report (a bad plan, an unreadable input) still tells monitoring.
    public struct Outcome: Sendable {
        public var plan: String
        public var finishedAt: Double
        public var exitCode: Int32
        public var report: RunReport?

        public init(plan: String, finishedAt: Double, exitCode: Int32, report: RunReport? = nil) {
            self.plan = plan
            self.finishedAt = finishedAt
            self.exitCode = exitCode
            self.report = report
        }
    }

    static let lastSuccess = "immich_drill_last_success_timestamp_seconds"

    /// The textfile for one outcome. `previousSuccess` is the last success carried over from the old file.
    public static func render(_ outcome: Outcome, previousSuccess: Double?) -> String {
        let plan = "plan=\"\(escape(outcome.plan))\""
        var out: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out.append("# HELP \(name) \(help)")
            out.append("# TYPE \(name) \(type)")
            for (labels, value) in samples {
                out.append("\(name){\(plan)\(labels.isEmpty ? "" : "," + labels)} \(number(value))")
            }
        }
        metric("immich_drill_last_run_timestamp_seconds", "gauge", "When the last drill finished (Unix time).",
               [("", outcome.finishedAt.rounded())])
        let success = outcome.exitCode == 0 ? outcome.finishedAt.rounded() : previousSuccess
        if let success {
            metric(lastSuccess, "gauge", "When a drill last passed with exit code 0 (Unix time).", [("", success)])
        }
        metric("immich_drill_exit_code", "gauge",
               "The last drill's exit code: 0 ok, 1 warning, 2 critical, 3 unknown (the drill could not run).",
               [("", Double(outcome.exitCode))])
        guard let report = outcome.report else { return out.joined(separator: "\n") + "\n" }
        if let rpo = report.rpo {
            metric("immich_drill_rpo_seconds", "gauge", "The drilled restore point's age: the data a restore would lose.",
                   [("", Double(rpo.seconds))])
        }
        if let rto = report.rto {
            metric("immich_drill_rto_seconds", "gauge",
                   "Time to restore: measured is what this drill timed, projected the whole restore including estimates.",
                   [("kind=\"measured\"", rto.measuredSeconds), ("kind=\"projected\"", rto.totalSeconds)])
        }
        // Every code/severity pair seen, summed; a clean run still exports the family (empty), so absence is news.
        var findings: [String: Int] = [:]
        for f in report.findings { findings["code=\"\(escape(f.code))\",severity=\"\(f.severity.rawValue)\"", default: 0] += f.count }
        metric("immich_drill_findings", "gauge", "Things the last drill found, by finding code and severity.",
               findings.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) })
        var bytes: [String: Int64] = [:]
        for r in report.restores { bytes[r.source, default: 0] += r.restoredBytes }
        metric("immich_drill_restore_bytes", "gauge", "Bytes the last drill restored (or read in place), by source.",
               bytes.sorted { $0.key < $1.key }.map { ("source=\"\(escape($0.key))\"", Double($0.value)) })
        return out.joined(separator: "\n") + "\n"
    }

    /// The last success recorded in an existing textfile, for any plan label (one file per plan is the rule).
    package static func previousSuccess(in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(lastSuccess) {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }

    /// Writes the textfile atomically: a temporary file in the same folder, fsynced, then renamed over `path`.
    public static func write(_ outcome: Outcome, to path: String) throws {
        let previous = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(previousSuccess(in:))
        let text = render(outcome, previousSuccess: previous)
        let folder = (path as NSString).deletingLastPathComponent
        let temp = (folder.isEmpty ? "." : folder) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        // Written by hand, not with Data.write(.atomic): node_exporter reads it as another user, so it must be 0644.
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DrillError(.environment, file: path, "cannot write the metrics file",
                             cause: "\(temp): \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = 0
        do {
            _ = try FileDescriptor(rawValue: fd).writeAll(Array(text.utf8))
        } catch let error as Errno {
            failure = error.rawValue
        } catch {
            failure = EIO
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, rename(temp, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temp)
            throw DrillError(.environment, file: path, "cannot write the metrics file",
                             cause: String(cString: strerror(failure)))
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3f", v)
    }
}
