// The report of `immich-drill plan`: one model (`DeploymentReport`), rendered as text, JSON or Markdown so the
// three never disagree. The JSON shape is documented in README.md (schema `immich-drill/plan/v1`).

import DrillPlanning
import DrillVerify
import Foundation

/// The deployment part of a report, as JSON shows it (no secrets: passwords and the environment are left out).
package struct DeploymentView: Sendable, Encodable {
    /// Where the media is: in the container, on the host, on this machine.
    package struct Media: Encodable, Sendable {
        public var hostPath: String?
        public var containerPath: String
        package var drillPath: String?
        public var reason: String
        package var namedVolume: String?

        enum CodingKeys: String, CodingKey { case hostPath, containerPath, drillPath, reason, namedVolume }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hostPath, forKey: .hostPath)
            try c.encode(containerPath, forKey: .containerPath)
            try c.encode(drillPath, forKey: .drillPath)
            try c.encode(reason, forKey: .reason)
            try c.encode(namedVolume, forKey: .namedVolume)
        }
    }

    /// The database service as compose describes it.
    public struct Database: Encodable, Sendable {
        public var user: String
        public var name: String
        package var hostname: String
        package var service: String?
        package var container: String?
        package var dataPath: String?

        enum CodingKeys: String, CodingKey { case user, name, hostname, service, container, dataPath }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(user, forKey: .user)
            try c.encode(name, forKey: .name)
            try c.encode(hostname, forKey: .hostname)
            try c.encode(service, forKey: .service)
            try c.encode(container, forKey: .container)
            try c.encode(dataPath, forKey: .dataPath)
        }
    }

    public var project: String
    public var directory: String
    public var composeFiles: [String]
    public var envFile: String?
    package var services: [DeploymentService]
    package var mediaLocation: Media
    public var mounts: [DeploymentMount]
    public var database: Database
    package var immichVersion: String?
    package var versionPinned: Bool
    public var timeZone: String?
    package var timeZoneSource: String

    enum CodingKeys: String, CodingKey {
        case project, directory, composeFiles, envFile, services, mediaLocation, mounts, database, immichVersion,
             versionPinned, timeZone, timeZoneSource
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(project, forKey: .project)
        try c.encode(directory, forKey: .directory)
        try c.encode(composeFiles, forKey: .composeFiles)
        try c.encode(envFile, forKey: .envFile)
        try c.encode(services, forKey: .services)
        try c.encode(mediaLocation, forKey: .mediaLocation)
        try c.encode(mounts, forKey: .mounts)
        try c.encode(database, forKey: .database)
        try c.encode(immichVersion, forKey: .immichVersion)
        try c.encode(versionPinned, forKey: .versionPinned)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(timeZoneSource, forKey: .timeZoneSource)
    }

    package init(_ d: Deployment) {
        project = d.project
        directory = d.directory
        composeFiles = d.composeFiles
        envFile = d.envFile
        services = d.services
        mediaLocation = Media(hostPath: d.mediaLocation.hostPath, containerPath: d.mediaLocation.containerPath,
                              drillPath: d.mediaLocation.drillPath, reason: d.mediaLocation.reason,
                              namedVolume: d.mediaLocation.volume)
        mounts = d.mounts
        database = Database(user: d.database.user, name: d.database.name, hostname: d.database.hostname,
                            service: d.database.service, container: d.database.container,
                            dataPath: d.database.dataPath)
        immichVersion = d.immichVersion
        versionPinned = d.versionPinned
        timeZone = d.timeZone
        timeZoneSource = d.timeZoneSource
    }
}

/// What `plan` prints.
package struct DeploymentReport: Sendable, Encodable {
    package var schema = "immich-drill/plan/v1"
    public var plan: String?
    public var deployment: DeploymentView
    package var sources: [SourceDescriptor]
    public var findings: [Finding]
    public var exitCode: Int32

    package init(plan: String?, deployment: Deployment, sources: [SourceDescriptor]? = nil) {
        self.plan = plan
        self.deployment = DeploymentView(deployment)
        self.sources = sources ?? deployment.sources
        findings = deployment.findings
        exitCode = Outcome.from(findings: deployment.findings).exitStatus.rawValue
    }

    /// The report in `format`.
    public func render(_ format: OutputFormat, color: Bool = false) -> String {
        switch format {
        case .json: ReportJSON.encode(self)
        case .text: text(color: color)
        case .markdown: markdown()
        }
    }

    private func mountRows(markdown: Bool) -> [[String]] {
        deployment.mounts.map { m in
            let source = m.hostPath ?? m.remote ?? m.volume.map { "volume \($0)" } ?? "(\(m.type.rawValue))"
            var here = m.existsHere ? "yes" : (m.drillPath == nil ? "?" : "no")
            if let drill = m.drillPath, drill != m.hostPath { here += " (\(drill))" }
            return [m.service, m.role.rawValue, markdown ? "`\(source)`" : source,
                    markdown ? "`\(m.containerPath)`" : m.containerPath, m.readOnly ? "ro" : "rw", m.kind.rawValue,
                    here]
        }
    }

    private var sourceRows: [[String]] {
        sources.map { s in
            [s.id.description, s.hostPath ?? "?", s.drillPath.map { $0 == s.hostPath ? "same" : $0 } ?? "?",
             s.required ? "required" : "regenerable", s.note]
        }
    }

    private func text(color: Bool) -> String {
        sectionsText() + "\n" + FindingsRenderer.text(findings, color: color)
    }

    /// Deployment, services, mounts and sources, as text (everything but the findings).
    func sectionsText() -> String {
        let d = deployment
        var out: [String] = []
        out.append("Deployment \(d.project)")
        out.append("  compose     \(d.composeFiles.joined(separator: ", "))")
        out.append("  env file    \(d.envFile ?? "none")")
        out.append("  version     \(d.immichVersion ?? "unknown")\(d.versionPinned ? "" : " (not pinned)")")
        out.append("  media       \(d.mediaLocation.hostPath ?? "?") → \(d.mediaLocation.containerPath)  (\(d.mediaLocation.reason))")
        out.append("  database    user \(d.database.user), database \(d.database.name), container \(d.database.container ?? "not in this project"), data \(d.database.dataPath ?? "?")")
        out.append("  time zone   \(d.timeZone ?? "unknown") (\(d.timeZoneSource))")
        out.append("")
        out.append("Services")
        out.append(TextTable(headers: ["SERVICE", "ROLE", "CONTAINER", "IMAGE"],
                             rows: d.services.map { [$0.name, $0.role.rawValue, $0.containerName, $0.image ?? "-"] }).text())
        out.append("")
        out.append("Mounts")
        out.append(TextTable(headers: ["SERVICE", "ROLE", "HOST PATH", "CONTAINER PATH", "MODE", "KIND", "EXISTS HERE"],
                             rows: mountRows(markdown: false)).text())
        out.append("")
        out.append("Sources")
        out.append(TextTable(headers: ["SOURCE", "HOST PATH", "DRILL PATH", "NEED", "NOTE"], rows: sourceRows).text())
        return out.joined(separator: "\n") + "\n"
    }

    private func markdown() -> String {
        sectionsMarkdown() + "\n" + FindingsRenderer.markdown(findings)
    }

    /// Deployment, services, mounts and sources, as Markdown.
    func sectionsMarkdown() -> String {
        let d = deployment
        var out: [String] = []
        out.append("# Deployment `\(d.project)`")
        out.append("")
        out.append("- **Compose files:** \(d.composeFiles.map { "`\($0)`" }.joined(separator: ", "))")
        out.append("- **Env file:** \(d.envFile.map { "`\($0)`" } ?? "none")")
        out.append("- **Immich version:** \(d.immichVersion ?? "unknown")\(d.versionPinned ? "" : " (not pinned)")")
        out.append("- **Media location:** `\(d.mediaLocation.hostPath ?? "?")` → `\(d.mediaLocation.containerPath)` (\(d.mediaLocation.reason))")
        out.append("- **Database:** user `\(d.database.user)`, database `\(d.database.name)`, container `\(d.database.container ?? "-")`, data `\(d.database.dataPath ?? "?")`")
        out.append("- **Time zone:** \(d.timeZone ?? "unknown") (\(d.timeZoneSource))")
        out.append("")
        out.append("## Services")
        out.append("")
        out.append(TextTable(headers: ["Service", "Role", "Container", "Image"],
                             rows: d.services.map { [$0.name, $0.role.rawValue, $0.containerName, $0.image ?? "-"] }).markdown())
        out.append("")
        out.append("## Mounts")
        out.append("")
        out.append(TextTable(headers: ["Service", "Role", "Host path", "Container path", "Mode", "Kind", "Exists here"],
                             rows: mountRows(markdown: true)).markdown())
        out.append("")
        out.append("## Sources")
        out.append("")
        out.append(TextTable(headers: ["Source", "Host path", "Drill path", "Need", "Note"], rows: sourceRows).markdown())
        return out.joined(separator: "\n") + "\n"
    }
}

/// Findings as text and Markdown, shared by every report.
package enum FindingsRenderer {
    public static func text(_ findings: [Finding], color: Bool) -> String {
        guard !findings.isEmpty else { return "Findings\n  none\n" }
        var out = ["Findings"]
        for f in findings {
            let label = f.severity.rawValue.uppercased()
            let painted = color ? (f.severity == .critical ? Paint.critical : f.severity == .warning ? .warning : .info).paint(label) : label
            // Each on its own lines, whatever a name from a backup in it holds (TerminalText.inline): an example is
            // often a file name, a message or remedy may quote an import path.
            let line = TerminalText.inline
            out.append("  \(painted) \(f.code) (\(f.count)): \(line(f.message))")
            for example in f.examples { out.append("      - \(line(example))") }
            if !f.examples.isEmpty, f.count > f.examples.count { out.append("      … and \(f.count - f.examples.count) more") }
            if let will = f.immichWill { out.append("    Immich will: \(line(will))") }
            if let remedy = f.remedy { out.append("    Fix: \(line(remedy))") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public static func markdown(_ findings: [Finding]) -> String {
        var out = ["## Findings", ""]
        guard !findings.isEmpty else { return (out + ["None."]).joined(separator: "\n") + "\n" }
        for f in findings {
            out.append("### \(f.severity.rawValue.uppercased()): `\(f.code)` (\(f.count))")
            out.append("")
            let line = TerminalText.inline
            out.append(line(f.message))
            out.append("")
            for example in f.examples { out.append("- `\(line(example))`") }
            if !f.examples.isEmpty, f.count > f.examples.count { out.append("- … and \(f.count - f.examples.count) more") }
            if !f.examples.isEmpty { out.append("") }
            if let will = f.immichWill { out.append("**Immich will:** \(line(will))"); out.append("") }
            if let remedy = f.remedy { out.append("**Fix:** \(line(remedy))"); out.append("") }
        }
        return out.joined(separator: "\n")
    }
}
