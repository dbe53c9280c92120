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
    ],
    targets: [
        // System libraries: libarchive (through pkg-config) and fts.h, which Glibc's module lacks.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(name: "CPosix"),

        // The only code that touches libarchive and raw pointers.
        .target(name: "DrillArchive", dependencies: ["CArchive"]),

        // The domain: deployment, plan, snapshots, catalog, restore, verify, report.
        .target(
            name: "DrillCore",
            dependencies: [
                "DrillArchive", "CPosix",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [
                // The dump and archive readers mutate builder state once per row, millions of times; the dynamic
                // exclusivity check on each class-property access cost a tenth of the catalog's time. Debug builds
                // (and so the tests) keep it.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),

        // The only code that uses GRDB: the run history store.
        .target(
            name: "DrillHistory",
            dependencies: ["DrillCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),

        // The CLI: argument parsing, terminal output, exit codes.
        .executableTarget(
            name: "immich-drill",
            dependencies: [
                "DrillCore", "DrillHistory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers the test targets share (a loopback HTTP server for the monitoring pings).
        .target(name: "DrillTestSupport", path: "Tests/DrillTestSupport"),
        .testTarget(name: "DrillArchiveTests", dependencies: ["DrillArchive"]),
        .testTarget(name: "DrillCoreTests", dependencies: ["DrillCore", "DrillTestSupport", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "DrillHistoryTests", dependencies: ["DrillHistory", "DrillCore"]),
        .testTarget(name: "ImmichDrillCLITests", dependencies: ["DrillArchive", "DrillCore", "DrillHistory", "DrillTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
