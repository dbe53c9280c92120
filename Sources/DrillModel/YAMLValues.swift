// Helpers over Yams' node tree: merge keys, positions for errors, plain-string booleans. Compose files and plans
// are read as node trees (so every value keeps its line and column) and decoded with Codable from there.

import Foundation
import Yams

extension Node.Mapping {
    /// The value for a plain string key.
    package func value(_ key: String) -> Node? {
        for (k, v) in self where k.string == key { return v }
        return nil
    }
}

/// YAML helpers shared by the Compose and plan readers.
package enum YAMLValues {
    /// YAML 1.1 booleans as Compose and Docker accept them.
    package static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "y": true
        case "false", "no", "off", "n": false
        default: nil
        }
    }

    /// Applies `<<` merge keys everywhere in the tree: explicit keys win over merged ones, and earlier merged
    /// mappings win over later ones, as the YAML merge-key spec says.
    /// The most values a plan or Compose file may expand to through its aliases. Compose files of real
    /// deployments hold a few hundred; the limit only stops alias bombs (`&a [*b, *b, …]` nested: 9^10 values).
    static let maxExpandedNodes = 1_000_000

    /// Throws when `node`, with every alias expanded, holds more than `maxExpandedNodes` values. Counting stops at
    /// the limit, so the check costs at most that many steps whatever the document does.
    package static func checkExpansion(_ node: Node, file: String, what: String) throws {
        var budget = maxExpandedNodes
        func visit(_ node: Node) throws {
            budget -= 1
            if budget < 0 {
                throw DrillError(.input, file: file, line: node.mark?.line, column: node.mark?.column,
                                 "the \(what) expands to more than \(maxExpandedNodes) values through its YAML aliases (*name); refused as an alias bomb")
            }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    try visit(key)
                    try visit(value)
                }
            case .sequence(let sequence):
                for item in sequence { try visit(item) }
            default:
                break
            }
        }
        try visit(node)
    }

    package static func applyMergeKeys(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            var explicit: [(Node, Node)] = []
            var merged: [(Node, Node)] = []
            var mergedKeys = Set<String>()
            for (key, value) in mapping {
                if key.tag.rawValue == "tag:yaml.org,2002:merge" || (key.string == "<<" && key.scalar?.style == .plain) {
                    let sources: [Node]
                    switch value {
                    case .sequence(let sequence): sources = Array(sequence)
                    default: sources = [value]
                    }
                    for source in sources {
                        if case .mapping(let m) = applyMergeKeys(source) {
                            // Earlier sources win (YAML's merge rule); a set keeps this linear in the keys.
                            for (k, v) in m where mergedKeys.insert(k.string ?? "").inserted {
                                merged.append((k, v))
                            }
                        }
                    }
                } else {
                    explicit.append((key, applyMergeKeys(value)))
                }
            }
            let explicitKeys = Set(explicit.compactMap { $0.0.string })
            let pairs = explicit + merged.filter { !explicitKeys.contains($0.0.string ?? "") }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(applyMergeKeys), sequence.tag, sequence.style, sequence.mark))
        default:
            return node
        }
    }

    /// A Yams parse error as a `DrillError` naming the file, line and column.
    package static func drillError(_ error: YamlError, file: String, text: String? = nil) -> DrillError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return DrillError(.input, file: file, line: mark.line, column: mark.column,
                              "malformed YAML: \(problem)\(detail)")
        case .reader(let problem, let offset, _, _):
            return DrillError(.input, file: file, "malformed YAML: \(problem)",
                              cause: offset.map { "at byte \($0)" })
        case .duplicatedKeysInMapping(let duplicates, let context):
            // The line of the key's second appearance at the mapping's indentation, when the text is at hand.
            var line = context.mark.line
            var column = context.mark.column
            if let text, let key = duplicates.sorted().first {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                let indent = String(repeating: " ", count: max(0, context.mark.column - 1))
                var seen = 0
                for (i, l) in lines.enumerated() where i + 1 >= context.mark.line {
                    if l.hasPrefix(indent + key + ":") || l.hasPrefix(indent + "\"" + key + "\":") || l.hasPrefix(indent + "'" + key + "':") {
                        seen += 1
                        if seen == 2 {
                            line = i + 1
                            column = indent.count + 1
                            break
                        }
                    }
                }
            }
            return DrillError(.input, file: file, line: line, column: column,
                              "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")); each key may appear once in a mapping")
        default:
            return DrillError(.input, file: file, "malformed YAML: \(error)")
        }
    }

    /// A Codable decoding error as a `DrillError` at the position of the offending node.
    package static func drillError(_ error: DecodingError, in root: Node, file: String, context: String) -> DrillError {
        let path: [CodingKey]
        let reason: String
        switch error {
        case .typeMismatch(let type, let ctx):
            path = ctx.codingPath
            reason = "expected \(describe(type))"
        case .valueNotFound(let type, let ctx):
            path = ctx.codingPath
            reason = "expected \(describe(type)), found nothing"
        case .keyNotFound(let key, let ctx):
            path = ctx.codingPath
            reason = "missing key '\(key.stringValue)'"
        case .dataCorrupted(let ctx):
            path = ctx.codingPath
            reason = ctx.debugDescription
        @unknown default:
            path = []
            reason = "\(error)"
        }
        let node = locate(path, in: root) ?? root
        let keyPath = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return DrillError(.input, file: file, line: node.mark?.line, column: node.mark?.column,
                          "\(context)\(keyPath.isEmpty ? "" : " at '\(keyPath)'"): \(reason)")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type: "a whole number"
        default: "a value of another shape (\(type))"
        }
    }

    /// The node a coding path leads to, as far as it can be followed.
    static func locate(_ path: [CodingKey], in root: Node) -> Node? {
        var node = root
        for key in path {
            if let index = key.intValue, let sequence = node.sequence, index < sequence.count {
                node = sequence[index]
            } else if let mapping = node.mapping, let next = mapping.value(key.stringValue) {
                node = next
            } else {
                return node
            }
        }
        return node
    }
}
