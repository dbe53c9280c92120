// Immich release numbers (`v1.118.2`, `2.7.5`) and what an image tag says about them.

import DrillModel

/// An Immich release number.
public struct ImmichVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    package var major: Int
    package var minor: Int
    package var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `v1.118.2`, `1.118.2` or `v2.0.0-rc.1` (the suffix is ignored). Nil for anything else.
    public init?(_ text: String) {
        var t = Substring(text)
        if t.hasPrefix("v") || t.hasPrefix("V") { t = t.dropFirst() }
        if let dash = t.firstIndex(where: { $0 == "-" || $0 == "+" }) { t = t[..<dash] }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return nil }
        self.init(a, b, c)
    }

    public static func < (a: ImmichVersion, b: ImmichVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "v\(major).\(minor).\(patch)" }

    /// The first release that mounts the media location at `/data` (commit 58521c9).
    package static let dataMediaLocation = ImmichVersion(1, 137, 0)
    /// The last release with a separate microservices container in the official compose file.
    package static let lastSeparateMicroservices = ImmichVersion(1, 105, 1)
}

/// What a container image reference says: repository, tag, digest.
package struct ImageReference: Sendable, Equatable, Codable {
    /// Registry host and path, e.g. `ghcr.io/immich-app/immich-server`.
    package var repository: String
    package var tag: String?
    package var digest: String?

    /// Parses `registry/path:tag@sha256:…`; the tag is after the last `:` that follows the last `/`.
    package init(_ reference: String) {
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/") ?? rest.startIndex
        if let colon = rest[lastSlash...].lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        repository = String(rest)
    }

    /// The last path component of the repository (`immich-server`).
    public var name: String { String(repository.split(separator: "/").last ?? "") }

    /// The Immich version the tag names, when it names one exactly.
    public var version: ImmichVersion? { tag.flatMap { ImmichVersion($0) } }

    /// True when a `pull` cannot silently move to another release: an exact version tag or a digest.
    package var isPinned: Bool { version != nil || digest != nil }
}
