// Decoding one service definition with Codable, and Compose's merge rules between two definitions of a service.

import DrillModel
import Foundation
import Yams

/// A service as one file (or one `extends` step) defines it: nil means "not given here".
struct PartialService {
    struct Extends { var service: String; var file: String? }

    var image: String?
    var command: [String]?
    var entrypoint: [String]?
    var containerName: String?
    var hostname: String?
    var volumes: [ComposeVolume]?
    var environment: [(key: String, value: String?)]?
    var envFiles: [ComposeEnvFile]?
    var extends: Extends?
    var declaredIn: [String] = []
    /// Keys tagged `!reset` (remove what earlier files set) and `!override` (replace instead of merging).
    var resetKeys: Set<String> = []
    var overrideKeys: Set<String> = []

    static func decode(_ node: Node, name: String, file: String, baseDirectory: String,
                       home: String?) throws -> PartialService {
        guard var mapping = node.mapping else {
            if node.tag.rawValue == "tag:yaml.org,2002:null" || node.scalar?.string.isEmpty == true {
                return PartialService(declaredIn: [file])
            }
            throw DrillError(.input, file: file, line: node.mark?.line, column: node.mark?.column,
                             "service '\(name)' must be a mapping (image:, volumes:, …)")
        }
        var resetKeys: Set<String> = []
        var overrideKeys: Set<String> = []
        var kept: [(Node, Node)] = []
        for (key, value) in mapping {
            let tag = value.tag.rawValue
            if tag == "!reset", let k = key.string {
                resetKeys.insert(k)
                continue
            }
            if tag == "!override", let k = key.string { overrideKeys.insert(k) }
            kept.append((key, value))
        }
        mapping = Node.Mapping(kept, mapping.tag, mapping.style, mapping.mark)
        let cleaned = Node.mapping(mapping)

        let raw: RawService
        do {
            raw = try YAMLDecoder().decode(RawService.self, from: cleaned)
        } catch let error as DecodingError {
            throw YAMLValues.drillError(error, in: cleaned, file: file, context: "service '\(name)'")
        }

        var service = PartialService()
        service.declaredIn = [file]
        service.resetKeys = resetKeys
        service.overrideKeys = overrideKeys
        service.image = raw.image
        service.command = raw.command?.words
        service.entrypoint = raw.entrypoint?.words
        service.containerName = raw.containerName
        service.hostname = raw.hostname
        if let volumes = raw.volumes {
            let nodes = mapping.value("volumes")?.sequence.map(Array.init) ?? []
            service.volumes = try volumes.enumerated().map { index, volume in
                let mark = index < nodes.count ? nodes[index].mark : nil
                return try volume.resolve(file: file, line: mark?.line, column: mark?.column,
                                          baseDirectory: baseDirectory, service: name, home: home)
            }
        }
        if let environment = raw.environment { service.environment = environment.pairs }
        if let envFiles = raw.envFile {
            service.envFiles = envFiles.entries.map {
                ComposeEnvFile(path: Paths.resolve(Paths.expandTilde($0.path, home: home), against: baseDirectory),
                               required: $0.required)
            }
        }
        if let extends = raw.extends { service.extends = Extends(service: extends.service, file: extends.file) }
        return service
    }

    /// This definition with `other` (a later file, or the extending service) applied on top, as Compose merges.
    func merged(with other: PartialService) -> PartialService {
        var result = self
        func pick<T>(_ key: String, _ mine: T?, _ theirs: T?) -> T? {
            other.resetKeys.contains(key) ? nil : (theirs ?? mine)
        }
        result.image = pick("image", image, other.image)
        result.command = pick("command", command, other.command)
        result.entrypoint = pick("entrypoint", entrypoint, other.entrypoint)
        result.containerName = pick("container_name", containerName, other.containerName)
        result.hostname = pick("hostname", hostname, other.hostname)

        result.volumes = merge("volumes", volumes, other.volumes, other) { $0.target == $1.target }
        result.environment = merge("environment", environment, other.environment, other) { $0.key == $1.key }
        result.envFiles = merge("env_file", envFiles, other.envFiles, other) { $0.path == $1.path }
        result.extends = other.extends
        result.declaredIn = declaredIn + other.declaredIn.filter { !declaredIn.contains($0) }
        result.resetKeys = []
        result.overrideKeys = []
        return result
    }

    /// Compose's rule for list-like keys: a later definition replaces entries with the same identity (a volume's
    /// target, a variable's name, an env_file's path) and appends the rest; `!reset` drops the key, `!override`
    /// replaces it whole.
    private func merge<T>(_ key: String, _ mine: [T]?, _ theirs: [T]?, _ other: PartialService,
                          same: (T, T) -> Bool) -> [T]? {
        if other.resetKeys.contains(key) { return nil }
        guard let theirs else { return mine }
        if other.overrideKeys.contains(key) { return theirs }
        var merged = mine ?? []
        for item in theirs {
            if let index = merged.firstIndex(where: { same($0, item) }) {
                merged[index] = item
            } else {
                merged.append(item)
            }
        }
        return merged
    }

    func finished(name: String) -> ComposeService {
        var service = ComposeService(name: name)
        service.image = image
        service.command = command
        service.entrypoint = entrypoint
        service.containerName = containerName
        service.hostname = hostname
        service.volumes = volumes ?? []
        service.environment = environment ?? []
        service.envFiles = envFiles ?? []
        service.declaredIn = declaredIn
        return service
    }
}

// MARK: - The Codable shape of a service

/// The keys of a service definition the drill reads; every other key is ignored.
struct RawService: Decodable {
    var image: String?
    var command: RawCommand?
    var entrypoint: RawCommand?
    var containerName: String?
    var hostname: String?
    var volumes: [RawVolume]?
    var environment: RawEnvironment?
    var envFile: RawEnvFiles?
    var extends: RawExtends?

    enum CodingKeys: String, CodingKey {
        case image, command, entrypoint, hostname, volumes, environment, extends
        case containerName = "container_name"
        case envFile = "env_file"
    }
}

/// `command:` as a string (split like a shell) or a list.
enum RawCommand: Decodable {
    case string(String)
    case list([String])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([String].self) {
            self = .list(list)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    var words: [String] {
        switch self {
        case .list(let list): list
        case .string(let text): ShellWords.split(text)
        }
    }
}

/// A volume in short (`src:dst[:opts]`) or long (`type:`, `source:`, `target:`) syntax.
enum RawVolume: Decodable {
    case short(String)
    case long(Long)

    struct Long: Decodable {
        var type: String?
        var source: String?
        var target: String?
        var readOnly: FlexibleBool?
        var volume: VolumeOptions?
        var bind: BindOptions?

        enum CodingKeys: String, CodingKey {
            case type, source, target, volume, bind
            case readOnly = "read_only"
        }
    }

    struct VolumeOptions: Decodable {
        var subpath: String?
        var nocopy: FlexibleBool?
    }

    struct BindOptions: Decodable {
        var propagation: String?
        var selinux: String?
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .short(text)
        } else {
            self = .long(try container.decode(Long.self))
        }
    }

    static let shortOptions: Set<String> = [
        "ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated",
        "shared", "rshared", "slave", "rslave", "private", "rprivate",
    ]

    func resolve(file: String, line: Int?, column: Int?, baseDirectory: String, service: String,
                 home: String?) throws -> ComposeVolume {
        let at = "\(file):\(line ?? 0)"
        func fail(_ message: String) -> DrillError {
            DrillError(.input, file: file, line: line, column: column, "service '\(service)': \(message)")
        }
        switch self {
        case .short(let spec):
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            var source: String?
            var target: String
            var options: [String] = []
            switch parts.count {
            case 1:
                target = parts[0]
            case 2:
                source = parts[0]
                target = parts[1]
            case 3:
                source = parts[0]
                target = parts[1]
                options = parts[2].split(separator: ",").map(String.init)
            default:
                throw fail("invalid volume \"\(spec)\": too many ':'; expected SOURCE:TARGET[:OPTIONS]")
            }
            if parts.contains(where: \.isEmpty) {
                throw fail("invalid volume \"\(spec)\": empty section between colons (is a variable such as UPLOAD_LOCATION unset?)")
            }
            guard target.hasPrefix("/") else {
                throw fail("invalid volume \"\(spec)\": the container path '\(target)' must be absolute")
            }
            if let unknown = options.first(where: { !RawVolume.shortOptions.contains($0) }) {
                throw fail("invalid volume \"\(spec)\": unknown option '\(unknown)'; expected ro, rw, z, Z, nocopy or a propagation mode")
            }
            let readOnly = options.contains("ro")
            let extra = options.filter { $0 != "ro" && $0 != "rw" }
            guard let source else {
                return ComposeVolume(type: .volume, source: nil, target: Paths.normalize(target), readOnly: readOnly,
                                     options: extra, declaredAt: at)
            }
            if source.hasPrefix("/") || source.hasPrefix(".") || source.hasPrefix("~") {
                let host = Paths.resolve(Paths.expandTilde(source, home: home), against: baseDirectory)
                return ComposeVolume(type: .bind, source: host, target: Paths.normalize(target), readOnly: readOnly,
                                     options: extra, declaredAt: at)
            }
            return ComposeVolume(type: .volume, source: source, target: Paths.normalize(target), readOnly: readOnly,
                                 options: extra, declaredAt: at)
        case .long(let long):
            guard let typeText = long.type else {
                throw fail("a volume in long syntax needs 'type' (bind, volume or tmpfs)")
            }
            guard let type = ComposeVolume.VolumeType(rawValue: typeText) else {
                throw fail("unknown volume type '\(typeText)'; expected bind, volume, tmpfs, npipe, image or cluster")
            }
            guard let target = long.target, target.hasPrefix("/") else {
                throw fail("a volume in long syntax needs an absolute 'target'")
            }
            var source = long.source
            if type == .bind {
                guard let s = source, !s.isEmpty else { throw fail("a bind volume needs a 'source'") }
                source = Paths.resolve(Paths.expandTilde(s, home: home), against: baseDirectory)
            }
            var options: [String] = []
            if let propagation = long.bind?.propagation { options.append(propagation) }
            if let selinux = long.bind?.selinux { options.append(selinux) }
            if long.volume?.nocopy?.value == true { options.append("nocopy") }
            return ComposeVolume(type: type, source: source?.isEmpty == true ? nil : source,
                                 target: Paths.normalize(target), readOnly: long.readOnly?.value ?? false,
                                 options: options, subpath: long.volume?.subpath, declaredAt: at)
        }
    }
}

/// `environment:` as a map (`KEY: value`, `KEY:` for "from the shell") or a list (`KEY=value`, `KEY`).
struct RawEnvironment: Decodable {
    var pairs: [(key: String, value: String?)]

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([String].self) {
            pairs = list.map { entry in
                if let eq = entry.firstIndex(of: "=") {
                    return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
                }
                return (entry, nil)
            }
            return
        }
        let map = try decoder.container(keyedBy: AnyKey.self)
        pairs = try map.allKeys.map { key in
            (key.stringValue, try map.decodeIfPresent(String.self, forKey: key))
        }
    }
}

/// `env_file:` as a string, or a list of strings and `{path, required}` entries.
struct RawEnvFiles: Decodable {
    struct Entry: Decodable {
        var path: String
        var required: Bool = true

        init(from decoder: Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                path = text
                return
            }
            let map = try decoder.container(keyedBy: AnyKey.self)
            path = try map.decode(String.self, forKey: AnyKey("path"))
            required = try map.decodeIfPresent(FlexibleBool.self, forKey: AnyKey("required"))?.value ?? true
        }
    }

    var entries: [Entry]

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if (try? container.decode(String.self)) != nil {
            entries = [try Entry(from: decoder)]
        } else {
            entries = try container.decode([Entry].self)
        }
    }
}

/// `extends:` as a service name or `{service, file}`.
struct RawExtends: Decodable {
    var service: String
    var file: String?

    init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            service = name
            return
        }
        let map = try decoder.container(keyedBy: AnyKey.self)
        service = try map.decode(String.self, forKey: AnyKey("service"))
        file = try map.decodeIfPresent(String.self, forKey: AnyKey("file"))
    }
}

/// A boolean that Compose also accepts as the strings "true"/"false".
struct FlexibleBool: Decodable {
    var value: Bool

    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = YAMLValues.bool(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "expected true or false, found '\(text)'"))
        }
        self.value = value
    }
}

/// A coding key made from any string.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Splits a command string into words the way a POSIX shell would (quotes and backslashes; no expansion).
package enum ShellWords {
    package static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(ch)
                }
                continue
            }
            switch ch {
            case "'", "\"":
                quote = ch
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(ch)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
