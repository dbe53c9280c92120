// Where a path stored in the database is on this machine. Database paths are container paths: relative
// `upload/…` before v1.136, `/usr/src/app/upload/…` or `/data/…` after, absolute import paths for external
// libraries (IMMICH.md §7). The media prefix the dump uses maps to UPLOAD_LOCATION as this machine sees it (live,
// or restored into scratch); each external folder maps to where it is seen. Longest prefix wins, component-wise.

import DrillCatalog
import Foundation

/// Container paths (as the database stores them) to paths on this machine, longest prefix first, by component.
package struct PathTranslator: Sendable {
    /// Container prefix → local folder, longest first.
    package private(set) var roots: [(container: String, local: String)] = []

    package init() {}

    /// Maps the container folder `container` (or a relative `upload`) to `local`.
    package mutating func add(container: String, local: String) {
        let key = container.hasPrefix("/") ? Paths.normalize(container) : container
        roots.removeAll { $0.container == key }
        roots.append((key, Paths.normalize(local)))
        roots.sort { $0.container.utf8.count > $1.container.utf8.count }
    }

    /// The local path of a database path, nil when no mapped folder holds it.
    public func local(_ path: String) -> String? {
        for root in roots {
            let c = root.container
            guard path.hasPrefix(c) else { continue }
            let rest = path.utf8.dropFirst(c.utf8.count)
            if rest.isEmpty { return root.local }
            guard rest.first == UInt8(ascii: "/") || c == "/" else { continue }
            let tail = String(decoding: rest.first == UInt8(ascii: "/") ? rest.dropFirst() : rest, as: UTF8.self)
            return root.local == "/" ? "/" + tail : root.local + "/" + tail
        }
        return nil
    }

    /// The translator for a catalog's paths: its media prefix (and the deployment's media location, which Immich
    /// migrates to at startup) to `uploadRoot`, and each external container folder to its local folder.
    package static func forCatalog(_ catalog: Catalog?, mediaContainerPath: String, uploadRoot: String?,
                                  externals: [(container: String, local: String)]) -> PathTranslator {
        var translator = PathTranslator()
        for (container, local) in externals { translator.add(container: container, local: local) }
        if let uploadRoot {
            translator.add(container: mediaContainerPath, local: uploadRoot)
            if let prefix = catalog?.mediaPrefix { translator.add(container: prefix, local: uploadRoot) }
        }
        return translator
    }
}

/// The files a catalog references, by local path: each original with its asset's index, and every other file
/// (sidecars, thumbnails, previews, encoded video, face crops, profile pictures) as referenced.
package struct ReferenceIndex: Sendable {
    /// Original path → index in `catalog.assets`.
    public var originals: OriginalPaths
    /// Other referenced files.
    package var others = PathSet()
    /// Assets whose original maps to no local folder (container path not mounted).
    package var unmapped: [Int32] = []

    /// `skipping`: local folders whose referenced files (not originals) are left out of `others` (the live check
    /// never asks about them).
    package init(catalog: Catalog, translator: PathTranslator, skipping: [String] = []) {
        func kept(_ local: String) -> Bool { !skipping.contains { Paths.isWithin(local, $0) } }
        originals = OriginalPaths(catalog: catalog, translator: translator)
        for index in 0..<catalog.assets.count {
            let asset = catalog.assets[index]
            if let local = translator.local(catalog.originalPath(asset)) {
                originals.insert(local, Int32(index))
            } else {
                unmapped.append(Int32(index))
            }
        }
        for index in 0..<catalog.files.count {
            if let local = translator.local(catalog.path(catalog.files[index])), kept(local) { others.insert(local) }
        }
        for person in catalog.people where !person.thumbnail.isNone {
            if let local = translator.local(catalog.thumbnailPath(person)), kept(local) { others.insert(local) }
        }
        for user in catalog.users {
            if let path = user.profileImagePath, !path.isEmpty, let local = translator.local(path), kept(local) { others.insert(local) }
        }
    }

    /// True when `path` is a sidecar Immich would find for a referenced original (`IMG.jpg.xmp`, `IMG.xmp`).
    package func isSidecarOfOriginal(_ path: String) -> Bool {
        guard path.hasSuffix(".xmp") || path.hasSuffix(".XMP") else { return false }
        let stem = String(path.dropLast(4))
        if originals[stem] != nil { return true }
        // `IMG_123.xmp` next to `IMG_123.<ext>`.
        for ext in MediaTypes.commonExtensions where originals[stem + "." + ext] != nil { return true }
        return false
    }
}

/// Assets by the local path of their original, held as fingerprints of the paths (a million originals in about
/// twenty megabytes, not forty): a fingerprint that matches is confirmed by rebuilding the asset's path from the
/// catalog, so every answer is exact.
package struct OriginalPaths: Sendable {
    private var map = FingerprintMap<Int32>(filler: -1)
    private let catalog: Catalog
    private let translator: PathTranslator

    package init(catalog: Catalog, translator: PathTranslator) {
        self.catalog = catalog
        self.translator = translator
    }

    package var count: Int { map.count }

    /// The local path of asset `index`'s original.
    private static func path(_ index: Int32, _ catalog: Catalog, _ translator: PathTranslator) -> String? {
        translator.local(catalog.originalPath(catalog.assets[Int(index)]))
    }

    private func path(_ index: Int32) -> String? { OriginalPaths.path(index, catalog, translator) }

    /// Records `asset` at `path` (the local path of its original); a later asset at the same path replaces it.
    package mutating func insert(_ path: String, _ asset: Int32) {
        let catalog = catalog, translator = translator
        map.insert(PathFingerprint.of(path), asset) { OriginalPaths.path($0, catalog, translator) == path }
    }

    /// The asset whose original is at `path`.
    package subscript(_ path: String) -> Int32? {
        map.first(PathFingerprint.of(path)) { self.path($0) == path }
    }

    /// Every path with its asset, by asset index.
    package func forEach(_ body: (String, Int32) throws -> Void) rethrows {
        var assets: [Int32] = []
        assets.reserveCapacity(map.count)
        map.forEach { assets.append($0) }
        assets.sort()
        for asset in assets { if let path = path(asset) { try body(path, asset) } }
    }
}
