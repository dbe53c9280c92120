// What a database image provides, read from its tag the way Immich's images and the common third-party ones name
// themselves (IMMICH.md §1, §10):
//   ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0   PostgreSQL 14, vchord 0.4.3 (+ pgvector), pgvecto.rs 0.2.0
//   ghcr.io/immich-app/postgres:14-vectorchord1.1.1-pgvector0.8.5    PostgreSQL 14, vchord 1.1.1, pgvector 0.8.5
//   tensorchord/pgvecto-rs:pg14-v0.2.0                                PostgreSQL 14, pgvecto.rs 0.2.0
//   tensorchord/vchord-postgres:pg17-v0.4.3                           PostgreSQL 17, vchord 0.4.3 (+ pgvector)
//   pgvector/pgvector:0.8.0-pg16, pgvector/pgvector:pg16              PostgreSQL 16, pgvector
//   postgres:16, postgres:16-alpine                                   PostgreSQL 16, no vector extension
// Anything else is unknown: no finding is made from it.

import Foundation

/// The PostgreSQL major and vector extensions a database image's tag promises.
package struct DatabaseImage: Sendable, Equatable {
    package var image: String
    package var postgresMajor: Int?
    /// Extension name (`vector`, `vchord`, `vectors`) → version when the tag says it ("" when only present).
    package var extensions: [String: String]

    /// Reads `image`; nil when its name says nothing the drill knows.
    package init?(_ image: String) {
        let reference = ImageReference(image)
        let repo = reference.repository.lowercased()
        let tag = (reference.tag ?? "").lowercased()
        self.image = image
        extensions = [:]
        func number(after prefix: String, in text: String) -> String? {
            guard let r = text.range(of: prefix) else { return nil }
            let digits = text[r.upperBound...].prefix { $0.isNumber || $0 == "." }
            return digits.isEmpty ? nil : String(digits).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        func major(_ text: String) -> Int? {
            let value: Int?
            if let pg = number(after: "pg", in: text) {
                value = Int(pg.split(separator: ".").first ?? "")
            } else {
                value = Int(text.prefix { $0.isNumber })
            }
            // PostgreSQL majors Immich has run on; anything else is not a major (a tag like `0.8.0`).
            return value.flatMap { (9...40).contains($0) ? $0 : nil }
        }
        if repo.hasSuffix("immich-app/postgres") {
            postgresMajor = major(tag)
            if let v = number(after: "vectorchord", in: tag) {
                extensions["vchord"] = v
                extensions["vector"] = number(after: "pgvector", in: tag.replacingOccurrences(of: "pgvectors", with: "")) ?? ""
            }
            if let v = number(after: "pgvectors", in: tag) { extensions["vectors"] = v }
            if extensions["vector"] == nil, let v = number(after: "pgvector", in: tag.replacingOccurrences(of: "pgvectors", with: "")) {
                extensions["vector"] = v
            }
        } else if repo.hasSuffix("pgvecto-rs") {
            postgresMajor = major(tag)
            extensions["vectors"] = number(after: "-v", in: tag) ?? ""
        } else if repo.hasSuffix("vchord-postgres") || repo.hasSuffix("vectorchord") {
            postgresMajor = major(tag)
            extensions["vchord"] = number(after: "-v", in: tag) ?? ""
            extensions["vector"] = ""
        } else if repo.hasSuffix("pgvector/pgvector") {
            postgresMajor = tag.contains("pg") ? major(String(tag[tag.range(of: "pg")!.lowerBound...])) : nil
            extensions["vector"] = tag.first?.isNumber == true ? String(tag.prefix { $0.isNumber || $0 == "." }) : ""
        } else if repo == "postgres" || repo.hasSuffix("/postgres") || repo.hasSuffix("library/postgres") {
            postgresMajor = major(tag)
        } else {
            return nil
        }
    }

    /// The vector extensions Immich v3 needs and the versions it accepts (IMMICH.md §10): `≥ low`, `< high`.
    package static let v3Accepted: [(name: String, low: String, high: String)] = [("vchord", "0.3", "2.0"), ("vector", "0.7", "0.9")]

    /// The extensions whose version the tag names outside what Immich v3 accepts: `vchord 2.1.0 is outside 0.3–<2.0`.
    package var outsideV3: [String] {
        DatabaseImage.v3Accepted.compactMap { name, low, high in
            guard let version = extensions[name], !version.isEmpty,
                  !DatabaseImage.version(version, isAtLeast: low) || DatabaseImage.version(version, isAtLeast: high) else { return nil }
            return "\(name) \(version) is outside \(low)–<\(high)"
        }
    }

    /// `a.b.c` compared numerically with `x.y`.
    package static func version(_ a: String, isAtLeast b: String) -> Bool {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }
        let y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0
            let r = i < y.count ? y[i] : 0
            if l != r { return l > r }
        }
        return true
    }
}
