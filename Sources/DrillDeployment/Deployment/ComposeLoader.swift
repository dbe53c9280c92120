// Reads Compose files the way `docker compose config` does, for the parts that matter to a backup drill:
//
// 1. Each file is parsed into a YAML node tree (anchors resolved by the parser); merge keys (`<<`) are applied.
// 2. Every scalar value is interpolated with the variables of the process environment over the .env file.
// 3. Each service is decoded with Codable (volumes as short or long syntax, environment as a map or a list,
//    env_file as a string or a list), relative paths resolved against the project directory (or, for a service
//    reached through `extends: {file: …}`, against that file's directory), and `extends` followed.
// 4. Files are merged in order: scalars replaced, volumes merged by target, environment by key, env_file appended;
//    `!reset` and `!override` tags are honoured. With one file named, COMPOSE_FILE (environment or .env) selects
//    the files, else the override file beside it is added; `include:` sections are followed.

import DrillModel
import Foundation
import Yams

/// Loads and merges Compose files into a `ComposeProject`.
package struct ComposeLoader: Sendable {
    /// The process environment; it wins over the .env file, as in Compose.
    public var environment: [String: String]

    /// The names `docker compose` looks for, in its order of preference.
    package static let defaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
    /// The override files `docker compose` adds automatically.
    package static let overrideFileNames = ["compose.override.yaml", "compose.override.yml",
                                           "docker-compose.override.yml", "docker-compose.override.yaml"]

    package init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Finds the Compose file in a directory, or returns `path` itself when it is a file.
    package static func locate(_ path: String) throws -> String {
        let absolute = Paths.absolute(path)
        switch FileProbe.kind(absolute) {
        case .directory:
            for name in defaultFileNames where FileProbe.kind(absolute + "/" + name) == .file {
                return absolute + "/" + name
            }
            throw DrillError(.input, file: path,
                             "no Compose file in this directory; expected one of \(defaultFileNames.joined(separator: ", "))")
        case .missing:
            throw DrillError(.input, file: path, "Compose file not found")
        default:
            return absolute
        }
    }

    /// Loads `files` (the first decides the project directory). With a single file, its sibling override file is
    /// read too, as `docker compose` does when run in that directory. `envFile` replaces `<project dir>/.env`.
    public func load(files: [String], envFile: String? = nil, autoOverride: Bool = true) throws -> ComposeProject {
        guard !files.isEmpty else { throw DrillError(.usage, "no Compose file given") }
        var paths = try files.map { try ComposeLoader.locate($0) }
        let directory = Paths.directory(of: paths[0])

        // Variables: the .env file, overlaid by the process environment.
        var envPath: String?
        var variables: [String: String] = [:]
        if let envFile {
            envPath = Paths.absolute(envFile)
            if let reason = FileProbe.problem(readingFile: envPath!) {
                throw DrillError(.input, file: envFile, "cannot read the env file", cause: reason)
            }
        } else if FileProbe.exists(directory + "/.env") || (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/.env")) != nil {
            // Compose reads .env beside the Compose file; one that is there but not a readable file is an error
            // here, not silently skipped (UPLOAD_LOCATION would then be empty and the volumes wrong).
            envPath = directory + "/.env"
            if let reason = FileProbe.problem(readingFile: envPath!) {
                throw DrillError(.input, file: envPath!, "cannot read the env file beside the Compose file (Compose reads UPLOAD_LOCATION and the DB_* variables from it)", cause: reason)
            }
        }
        if let envPath {
            variables = try DotEnv.load(path: envPath, environment: environment).values
        }
        for (key, value) in environment { variables[key] = value }

        // With a single file named, Compose's own selection applies: COMPOSE_FILE (from the environment or .env),
        // else the file and its override file beside it.
        if autoOverride, paths.count == 1 {
            if let list = variables["COMPOSE_FILE"], !list.isEmpty {
                let separator = variables["COMPOSE_PATH_SEPARATOR"] ?? ":"
                paths = try list.components(separatedBy: separator).filter { !$0.isEmpty }.map {
                    try ComposeLoader.locate(Paths.resolve($0, against: directory))
                }
            } else {
                for name in ComposeLoader.overrideFileNames where FileProbe.kind(directory + "/" + name) == .file {
                    paths.append(directory + "/" + name)
                    break
                }
            }
        }

        var state = LoadState(variables: variables, projectDirectory: directory, home: environment["HOME"])
        var merged: [String: PartialService] = [:]
        var order: [String] = []
        var volumes: [String: ComposeNamedVolume] = [:]
        var projectName: String?

        var readFiles: [String] = []
        // Each file, with the files its `include:` names first (Compose 2.20+). Included files keep their own
        // folder for relative paths, and may not redefine a service.
        func add(_ path: String, baseDirectory: String, included: Bool, depth: Int) throws {
            guard depth < 16 else {
                throw DrillError(.input, file: path, "include: nests more than 16 levels deep; is there a cycle?")
            }
            let doc = try state.document(path)
            readFiles.append(path)
            for include in try ComposeLoader.includes(doc) {
                let includePath = try ComposeLoader.locate(Paths.resolve(include, against: Paths.directory(of: path)))
                try add(includePath, baseDirectory: Paths.directory(of: includePath), included: true, depth: depth + 1)
            }
            if !included, let name = doc.root["name"]?.scalar?.string, !name.isEmpty { projectName = name }
            for (name, volume) in try ComposeLoader.namedVolumes(doc) { volumes[name] = volume }
            for (name, node) in doc.services {
                let service = try state.resolve(service: name, in: doc, baseDirectory: baseDirectory)
                if let existing = merged[name] {
                    if included {
                        throw DrillError(.input, file: path, line: node.mark?.line,
                                         "service '\(name)' is defined both here and in a file that includes this one; Compose refuses that")
                    }
                    merged[name] = existing.merged(with: service)
                } else {
                    merged[name] = service
                    order.append(name)
                }
            }
        }
        for path in paths {
            try add(path, baseDirectory: directory, included: false, depth: 0)
        }

        let name = ComposeLoader.normalizeProjectName(
            projectName ?? environment["COMPOSE_PROJECT_NAME"] ?? (directory as NSString).lastPathComponent)
        let services = order.compactMap { merged[$0]?.finished(name: $0) }
        var warnings = state.warnings
        for variable in state.unset.sorted(by: { $0.name < $1.name }) {
            warnings.append("the \"\(variable.name)\" variable is not set; Compose defaults it to a blank string")
        }
        return ComposeProject(name: name, directory: directory, files: readFiles, envFile: envPath,
                              variables: variables, services: services, volumes: volumes, warnings: warnings)
    }

    /// Compose's project-name rule: lower case, only `a-z 0-9 _ -`, starting with a letter or digit.
    package static func normalizeProjectName(_ name: String) -> String {
        let lowered = name.lowercased().unicodeScalars.filter {
            ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == "-"
        }
        return String(String.UnicodeScalarView(lowered.drop { $0 == "_" || $0 == "-" }))
    }

    /// The paths an `include:` section names: strings, or mappings with `path` (a string or a list).
    private static func includes(_ doc: ComposeDocument) throws -> [String] {
        guard let node = doc.root["include"] else { return [] }
        guard let sequence = node.sequence else {
            throw DrillError(.input, file: doc.path, line: node.mark?.line, column: node.mark?.column,
                             "'include' must be a list of files")
        }
        var result: [String] = []
        for item in sequence {
            if let path = item.scalar?.string {
                result.append(path)
            } else if let path = item.mapping?.value("path") {
                if let one = path.scalar?.string {
                    result.append(one)
                } else {
                    result += path.sequence?.compactMap { $0.scalar?.string } ?? []
                }
            } else {
                throw DrillError(.input, file: doc.path, line: item.mark?.line, column: item.mark?.column,
                                 "an 'include' entry must be a path or a mapping with 'path'")
            }
        }
        return result
    }

    private static func namedVolumes(_ doc: ComposeDocument) throws -> [(String, ComposeNamedVolume)] {
        guard let node = doc.root["volumes"], let mapping = node.mapping else { return [] }
        var result: [(String, ComposeNamedVolume)] = []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            var volume = ComposeNamedVolume(name: name, driver: nil, driverOptions: [:], external: false,
                                            explicitName: nil)
            if let spec = value.mapping {
                volume.driver = spec.value("driver")?.string
                volume.explicitName = spec.value("name")?.string
                if let external = spec.value("external") {
                    volume.external = external.mapping != nil || YAMLValues.bool(external.string ?? "") == true
                    if let externalName = external.mapping?.value("name")?.string { volume.explicitName = externalName }
                }
                if let options = spec.value("driver_opts")?.mapping {
                    for (k, v) in options {
                        if let k = k.string { volume.driverOptions[k] = v.string ?? "" }
                    }
                }
            }
            result.append((name, volume))
        }
        return result
    }
}

// MARK: - Documents

/// One parsed, merge-key-resolved, interpolated Compose file.
struct ComposeDocument {
    var path: String
    var root: [String: Node]
    var services: [(String, Node)]
}

/// Loading state shared across files: the document cache, the `extends` stack, warnings.
struct LoadState {
    var variables: [String: String]
    var projectDirectory: String
    var documents: [String: ComposeDocument] = [:]
    var unset = Set<Interpolator.UnsetVariable>()
    var warnings: [String] = []
    var extendsStack: [String] = []
    var home: String?

    init(variables: [String: String], projectDirectory: String, home: String?) {
        self.variables = variables
        self.projectDirectory = projectDirectory
        self.home = home
    }

    mutating func document(_ path: String) throws -> ComposeDocument {
        if let doc = documents[path] { return doc }
        let text = try FileProbe.readText(path, what: "Compose file")
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLValues.drillError(error, file: path, text: text)
        }
        guard let parsed else {
            throw DrillError(.input, file: path, "the Compose file is empty; expected a mapping with a 'services' key")
        }
        guard parsed.mapping != nil else {
            throw DrillError(.input, file: path, line: parsed.mark?.line, column: parsed.mark?.column,
                             "expected a mapping at the top of the Compose file (services:, volumes:, …)")
        }
        try YAMLValues.checkExpansion(parsed, file: path, what: "Compose file")
        let lookupVariables = variables
        let interpolator = Interpolator { lookupVariables[$0] }
        let node = try interpolate(YAMLValues.applyMergeKeys(parsed), interpolator, file: path)
        var root: [String: Node] = [:]
        for (key, value) in node.mapping! {
            if let k = key.string { root[k] = value }
        }
        var services: [(String, Node)] = []
        if let servicesNode = root["services"] {
            guard let mapping = servicesNode.mapping else {
                throw DrillError(.input, file: path, line: servicesNode.mark?.line, column: servicesNode.mark?.column,
                                 "'services' must be a mapping of service names to definitions")
            }
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                services.append((name, value))
            }
        }
        let doc = ComposeDocument(path: path, root: root, services: services)
        documents[path] = doc
        return doc
    }

    /// Interpolates every scalar value (not keys) of a node tree.
    private mutating func interpolate(_ node: Node, _ interpolator: Interpolator, file: String) throws -> Node {
        switch node {
        case .scalar(let scalar):
            guard scalar.string.contains("$") else { return node }
            do {
                let value = try interpolator.substitute(scalar.string, unset: &unset)
                return .scalar(Node.Scalar(value, scalar.tag, scalar.style, scalar.mark))
            } catch .required(let name, let message) {
                throw DrillError(.input, file: file, line: scalar.mark?.line, column: scalar.mark?.column,
                                 "required variable \(name) is missing a value\(message.isEmpty ? "" : ": \(message)")")
            } catch .invalid(let template) {
                throw DrillError(.input, file: file, line: scalar.mark?.line, column: scalar.mark?.column,
                                 "invalid interpolation format \"\(template)\"; expected $NAME, ${NAME}, ${NAME:-default}, ${NAME:?message} or $$ for a literal $")
            }
        case .mapping(var mapping):
            for index in mapping.indices {
                let pair = mapping[index]
                mapping[index] = (pair.key, try interpolate(pair.value, interpolator, file: file))
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for index in sequence.indices {
                sequence[index] = try interpolate(sequence[index], interpolator, file: file)
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }

    /// Decodes service `name` of `doc`, follows its `extends`, resolves its relative paths against `baseDirectory`.
    mutating func resolve(service name: String, in doc: ComposeDocument, baseDirectory: String) throws -> PartialService {
        guard let node = doc.services.first(where: { $0.0 == name })?.1 else {
            throw DrillError(.input, file: doc.path, "no service '\(name)' in this file")
        }
        let key = doc.path + "#" + name
        if extendsStack.contains(key) {
            throw DrillError(.input, file: doc.path, line: node.mark?.line,
                             "service '\(name)' extends itself in a cycle: \((extendsStack + [key]).joined(separator: " → "))")
        }
        extendsStack.append(key)
        defer { extendsStack.removeLast() }

        var service = try PartialService.decode(node, name: name, file: doc.path, baseDirectory: baseDirectory,
                                                  home: home)
        guard let extends = service.extends else { return service }

        let base: PartialService
        if let file = extends.file {
            let extendedPath = Paths.resolve(file, against: Paths.directory(of: doc.path))
            guard FileProbe.kind(extendedPath) == .file else {
                warnings.append("\(doc.path): service '\(name)' extends '\(extends.service)' in \(file), which does not exist here (\(extendedPath)); its settings were not read")
                return service
            }
            let other = try document(extendedPath)
            guard other.services.contains(where: { $0.0 == extends.service }) else {
                throw DrillError(.input, file: doc.path, line: node.mark?.line,
                                 "service '\(name)' extends '\(extends.service)', which \(file) does not define")
            }
            base = try resolve(service: extends.service, in: other, baseDirectory: Paths.directory(of: extendedPath))
        } else {
            guard doc.services.contains(where: { $0.0 == extends.service }) else {
                throw DrillError(.input, file: doc.path, line: node.mark?.line,
                                 "service '\(name)' extends '\(extends.service)', which this file does not define")
            }
            base = try resolve(service: extends.service, in: doc, baseDirectory: baseDirectory)
        }
        service.extends = nil
        var result = base
        result.declaredIn = []
        return result.merged(with: service)
    }
}
