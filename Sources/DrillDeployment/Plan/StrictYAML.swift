// Strict reading of a YAML mapping for drill plans: an unknown key or a value of the wrong shape is an error that
// names the file, line and column and says what is allowed there.

import DrillModel
import Yams

/// A YAML mapping whose keys are checked against an allowed list.
struct StrictMapping {
    let file: String
    /// The dotted path of this mapping in the document (`targets`), "" for the top.
    let path: String
    let node: Node
    private let pairs: [(key: String, keyNode: Node, value: Node)]

    init(_ node: Node, file: String, path: String, allowed: [String]) throws {
        guard let mapping = node.mapping else {
            throw StrictMapping.error(node, file: file,
                                      "\(path.isEmpty ? "the plan" : "'\(path)'") must be a mapping with the keys \(allowed.joined(separator: ", "))")
        }
        var pairs: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                throw StrictMapping.error(key, file: file, "keys must be strings")
            }
            guard allowed.contains(name) else {
                let place = path.isEmpty ? "at the top of the plan" : "in '\(path)'"
                throw StrictMapping.error(key, file: file,
                                          "unknown key '\(name)' \(place); allowed: \(allowed.joined(separator: ", "))")
            }
            if pairs.contains(where: { $0.0 == name }) {
                throw StrictMapping.error(key, file: file, "duplicate key '\(name)'")
            }
            pairs.append((name, key, value))
        }
        self.file = file
        self.path = path
        self.node = node
        self.pairs = pairs
    }

    static func error(_ node: Node, file: String, _ message: String) -> DrillError {
        DrillError(.input, file: file, line: node.mark?.line, column: node.mark?.column, message)
    }

    private func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    func node(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    private func isNull(_ node: Node) -> Bool { node.tag.rawValue == "tag:yaml.org,2002:null" }

    /// A string value (numbers and booleans are taken as written).
    func string(_ key: String) throws -> String? {
        guard let value = node(key), !isNull(value) else { return nil }
        guard let scalar = value.scalar else {
            throw StrictMapping.error(value, file: file, "'\(qualified(key))' must be a single value, not a list or mapping")
        }
        return scalar.string
    }

    /// A string that must be present and non-empty.
    func requiredString(_ key: String) throws -> String {
        guard let value = try string(key), !value.isEmpty else {
            throw StrictMapping.error(node(key) ?? node, file: file, "'\(qualified(key))' is required")
        }
        return value
    }

    /// One string or a list of strings.
    func strings(_ key: String) throws -> [String]? {
        guard let value = node(key), !isNull(value) else { return nil }
        if let scalar = value.scalar { return [scalar.string] }
        guard let sequence = value.sequence else {
            throw StrictMapping.error(value, file: file, "'\(qualified(key))' must be a string or a list of strings")
        }
        return try sequence.map { item in
            guard let s = item.scalar?.string else {
                throw StrictMapping.error(item, file: file, "'\(qualified(key))' must be a list of strings")
            }
            return s
        }
    }

    /// A duration such as `26h`, `90m`, `1d12h`.
    func duration(_ key: String) throws -> DurationText? {
        guard let text = try string(key) else { return nil }
        guard let duration = DurationText(parsing: text), duration.seconds > 0 else {
            throw StrictMapping.error(node(key)!, file: file,
                                      "'\(qualified(key))' must be a duration like 26h, 90m or 1d12h (units s, m, h, d, w), got '\(text)'")
        }
        return duration
    }

    /// A nested strict mapping.
    func mapping(_ key: String, allowed: [String]) throws -> StrictMapping? {
        guard let value = node(key), !isNull(value) else { return nil }
        return try StrictMapping(value, file: file, path: qualified(key), allowed: allowed)
    }

    /// A list of strict mappings.
    func list(_ key: String, allowed: [String]) throws -> [StrictMapping]? {
        guard let value = node(key), !isNull(value) else { return nil }
        guard let sequence = value.sequence else {
            throw StrictMapping.error(value, file: file, "'\(qualified(key))' must be a list")
        }
        return try sequence.enumerated().map { index, item in
            try StrictMapping(item, file: file, path: "\(qualified(key))[\(index)]", allowed: allowed)
        }
    }
}
