// Plain text and Markdown tables, the two shapes every report renders into.

/// A table of strings rendered as aligned text or as Markdown.
package struct TextTable: Sendable {
    public var headers: [String]
    package var rows: [[String]]

    package init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// Columns padded to their widest cell, two spaces apart, indented by `indent`.
    public func text(indent: String = "  ") -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                parts.append(i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0))
            }
            return indent + parts.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// A GitHub-flavoured Markdown table; `|` in cells is escaped.
    public func markdown() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var out = ["| " + headers.map(esc).joined(separator: " | ") + " |",
                   "|" + headers.map { _ in "---" }.joined(separator: "|") + "|"]
        out += rows.map { "| " + $0.map(esc).joined(separator: " | ") + " |" }
        return out.joined(separator: "\n")
    }
}

import DrillPlanning
import DrillVerify
import Foundation
