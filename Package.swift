// swift-tools-version: 6.0
// immich-drill: backup drills for self-hosted Immich. See README.md and ../shared/DESIGN.md.
// Linux only: it uses Glibc, fts(3) and glibc's posix_spawn_file_actions_addclosefrom_np, as Immich's hosts run.
import PackageDescription

let package = Package(
    name: "immich-drill",
    products: [
        .executable(name: "immich-drill", targets: ["immich-drill"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // System libraries: libarchive (through pkg-config) and fts.h, which Glibc's module lacks.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(name: "CPosix"),
        // libexif: a relink reads the capture time, camera and dimensions of JPEG and TIFF candidates.
        .systemLibrary(
            name: "CExif",
            pkgConfig: "libexif",
            providers: [.apt(["libexif-dev"])]
        ),

        // The only code that touches libarchive and raw pointers.
        .target(name: "DrillArchive", dependencies: ["CArchive"]),

        // The domain, one target per box of DESIGN.md's data flow. Each depends only on the targets before it, so a
        // back edge (a box reaching up the chain) is a build error. Release builds drop the dynamic exclusivity
        // check: the dump and archive readers mutate builder state once per row, millions of times, and the check on
        // each class-property access cost a tenth of the catalog's time. Debug builds (and so the tests) keep it.

        // Shared value types and the small machinery every box uses: errors, findings and their catalogue, phases,
        // digests, paths, byte and duration text, the file walker and globs, subprocesses, hashing, the write guard.
        domain("DrillModel", ["DrillArchive", "CPosix", .product(name: "Yams", package: "Yams"),
                              .product(name: "Crypto", package: "swift-crypto"),
                              .product(name: "SystemPackage", package: "swift-system")]),
        // What is protected: compose, .env, the mount map, the sources, and the drill plan that names their backups.
        domain("DrillDeployment", ["DrillModel"]),
        // What the dump says exists: the streaming dump reader and the catalog it builds.
        domain("DrillCatalog", ["DrillDeployment"]),
        // What exists now: database paths translated to this machine, and the live library walked against them.
        domain("DrillInventory", ["DrillCatalog"]),
        // The backups: snapshots of each source, their times, their listings, restore points.
        domain("DrillSnapshots", ["DrillCatalog"]),
        // Restoring one snapshot into scratch, timed and hashed as written.
        domain("DrillRestore", ["DrillSnapshots"]),
        // Every database reference checked against what came back.
        domain("DrillVerify", ["DrillInventory", "DrillRestore", "CExif"]),
        // Coverage of every source and the pairing of snapshots into restore points: the plan's analysis (listing each
        // snapshot through its kind, which lives with its restore).
        domain("DrillPlanning", ["DrillInventory", "DrillRestore"]),
        // Findings and timings rendered: text, JSON, Markdown, HTML, metrics.
        domain("DrillReport", ["DrillPlanning", "DrillVerify"]),
        // The orchestrators above the boxes: the drill runner, the scheduled drill, preflight, the runbook, `init`'s
        // plan writer, the history view. The CLI imports this one target.
        domain("DrillCore", ["DrillReport"]),
        // The synthetic install for `demo` (its pg_dump templates, generated, in Generated/). Nothing in the drill
        // path uses it.
        domain("DrillDemo", ["DrillSnapshots"]),

        // The only code that uses GRDB: the run history store.
        .target(
            name: "DrillHistory",
            dependencies: ["DrillCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),

        // The CLI: argument parsing, terminal output, exit codes.
        .executableTarget(
            name: "immich-drill",
            dependencies: [
                "DrillCore", "DrillDemo", "DrillHistory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers the test targets share: Immich's own files found in place, demo fixtures, a throwaway PostgreSQL,
        // a loopback HTTP server for the monitoring pings.
        .target(name: "DrillTestSupport", dependencies: ["DrillCore", "DrillDemo"], path: "Tests/DrillTestSupport"),
        .testTarget(name: "DrillArchiveTests", dependencies: ["DrillArchive"]),
        // One test target per domain target, in the flow's order.
        domainTests("DrillModelTests"),
        domainTests("DrillDeploymentTests"),
        domainTests("DrillCatalogTests"),
        domainTests("DrillInventoryTests"),
        domainTests("DrillSnapshotsTests"),
        domainTests("DrillRestoreTests"),
        domainTests("DrillPlanningTests"),
        domainTests("DrillReportTests", exclude: ["Snapshots"]),
        domainTests("DrillCoreTests"),
        domainTests("DrillDemoTests"),
        .testTarget(name: "DrillHistoryTests", dependencies: ["DrillHistory", "DrillCore"]),
        .testTarget(name: "ImmichDrillCLITests", dependencies: ["DrillArchive", "DrillCore", "DrillDemo", "DrillHistory", "DrillTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

/// A domain target: its sources in Sources/<name>, release builds without the dynamic exclusivity check.
func domain(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies,
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))])
}

/// The tests of a domain target: they build their fixtures with the demo and the shared helpers, and reach the
/// libraries below through DrillCore.
func domainTests(_ name: String, exclude: [String] = []) -> Target {
    .testTarget(name: name,
                dependencies: ["DrillCore", "DrillDemo", "DrillTestSupport",
                               .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")],
                exclude: exclude)
}
