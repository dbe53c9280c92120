@testable import DrillCore
@testable import DrillDemo
import DrillTestSupport
import Foundation
import Testing

/// The database half of `run` on whole demos: loaded with the era's documented command into the drill's own
/// PostgreSQL, timed, and counted against the catalog; a dump PostgreSQL rejects, a dump whose SQL and catalog
/// disagree, and a machine without PostgreSQL.
@Suite(.enabled(if: PostgresCluster.available, "needs Debian's postgresql (scripts/bootstrap)"))
struct DatabaseDrillTests {
    static let now = 1_780_000_000.0

    func drill(_ m: DemoManifest, _ configure: (inout RunOptions) -> Void = { _ in }) throws -> RunReport {
        let plan = try DrillPlan.load(m.plan)
        var options = RunOptions()
        options.now = Self.now
        configure(&options)
        return try DrillRunner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
    }

    @Test(arguments: [DumpTemplate.Era.v1, .v2, .v3])
    func theDemoLoadsMeasuredAndItsCountsAgree(era: DumpTemplate.Era) throws {
        let m = try Fixtures.demo("db-\(era)", era: era, assets: 40, now: Self.now)
        let report = try drill(m)
        let load = try #require(report.phases.first { $0.kind == .loadDatabase })
        #expect(load.measured, "\(load)")
        #expect(report.phases.filter { $0.kind == .loadDatabase }.count == 1, "the estimate is gone where a load ran")
        let database = try #require(report.database)
        #expect(database.load.loaded, "\(database.load.errors)")
        #expect(database.load.rows > 0 && database.load.sqlBytes > 0)
        #expect(database.checks.count >= 12 && database.checks.allSatisfy(\.agrees), "\(database.checks.filter { !$0.agrees })")
        #expect(database.checks.first { $0.what == "assets" }?.database == m.counts.assets)
        #expect(database.facts?.admins ?? 0 >= 1)
        #expect(database.load.expectedNoise.count == (era == .v1 ? 2 : 0))
        #expect(report.verdict == .ok, "\(report.findings.map(\.code))")
        #expect(report.render(.text).contains("the \(database.checks.count) counts agree with the catalog"))
        if era == .v3 {
            // A v3 dump creates vector and vchord; stock PostgreSQL has neither: stood in for, said as info.
            #expect(database.load.extensions.contains("vector") && database.load.extensions.contains("vchord"))
            #expect(report.findings.contains { $0.code == "extension-shimmed" && $0.severity == .info })
            #expect(database.load.shims.contains { $0.contains("index clip_index (vchord) not created") })
        }
    }

    @Test func aRowPostgreSQLRejectsFailsTheLoadAndTheDrillGoesOn() throws {
        let m = try Fixtures.demo("db-reject", assets: 40, now: Self.now)
        let dump = Fixtures.newestDump(m)
        var rejectedLine = 0
        try Fixtures.editDump(dump) { text in
            // The first asset_exif row gets text in its integer fileSizeInByte column (the catalog reads it as unknown).
            var lines = text.components(separatedBy: "\n")
            let copy = lines.firstIndex { $0.hasPrefix("COPY public.asset_exif ") }!
            let columns = lines[copy].components(separatedBy: "(")[1].components(separatedBy: ")")[0].components(separatedBy: ", ")
            let size = columns.firstIndex(of: "\"fileSizeInByte\"")!
            var fields = lines[copy + 1].components(separatedBy: "\t")
            fields[size] = "twelve"
            lines[copy + 1] = fields.joined(separator: "\t")
            rejectedLine = copy + 2
            return lines.joined(separator: "\n")
        }
        let report = try drill(m)
        let finding = try #require(report.findings.first { $0.code == .databaseRestoreFailed })
        #expect(finding.severity == .critical)
        #expect(finding.message.contains("at line \(rejectedLine)") && finding.message.contains("asset_exif"), "\(finding.message)")
        #expect(finding.immichWill?.contains("single transaction") == true)
        #expect(report.phases.contains { $0.kind == .verify }, "the file checks still ran")
        #expect(report.verdict == .critical)
        #expect(report.database?.checks.isEmpty == true, "nothing to count after a rolled-back load")
    }

    @Test func aDumpWhoseSQLAndCatalogDisagreeIsACatalogMismatch() throws {
        let m = try Fixtures.demo("db-mismatch", assets: 40, now: Self.now)
        try Fixtures.editDump(Fixtures.newestDump(m)) { text in
            // SQL the stream parser does not read (it reads COPY blocks): the faces go, the catalog still counts them.
            text.replacingOccurrences(of: "--\n-- PostgreSQL database dump complete",
                                      with: "DELETE FROM public.asset_face;\n\n--\n-- PostgreSQL database dump complete")
        }
        let report = try drill(m)
        let finding = try #require(report.findings.first { $0.code == .catalogMismatch })
        #expect(finding.examples.contains { $0.hasPrefix("faces (asset_face): catalog \(m.counts.faces), PostgreSQL 0") }, "\(finding.examples)")
        #expect(report.verdict == .critical)
    }

    @Test func withoutPostgreSQLTheLoadIsEstimatedAndSaysWhy() throws {
        let m = try Fixtures.demo("db-none", assets: 30, now: Self.now)
        let report = try drill(m) {
            $0.postgresRoots = ["/nonexistent"]
            $0.postgresPath = "/nonexistent"
        }
        let load = try #require(report.phases.first { $0.kind == .loadDatabase })
        #expect(!load.measured)
        #expect(report.notices?.contains { $0.contains("apt-get install postgresql") } == true, "\(report.notices ?? [])")
        #expect(report.verdict == .ok, "a restore that cannot start is a notice, never a failed drill")

        let skipped = try drill(m) { $0.databaseRestore = .skip }
        #expect(skipped.phases.first { $0.kind == .loadDatabase }?.measured == false)
        #expect(skipped.notices?.contains { $0.contains("database-restore: skip") } == true)
    }

    @Test func aCutDumpIsLoadedOnlyWhenAsked() throws {
        let m = try Fixtures.demo("db-cut", assets: 30, now: Self.now)
        let dump = Fixtures.newestDump(m)
        try Fixtures.editDump(dump) { text in
            String(text[..<text.range(of: "COPY public.asset_exif ")!.lowerBound])
        }
        // The drill itself falls back to the newest whole dump; the load of the cut one is asked for here.
        let catalog = try CatalogReader.read(path: dump, timeZone: "Europe/Berlin")
        #expect(!catalog.content.complete)
        let plan = try DrillPlan.load(m.plan)
        var restore = DatabaseRestore(mode: .auto, catalog: catalog, deployment: try plan.readDeployment(), scratch: Fixtures.tempDir("cut"))
        let refused = try restore.run()
        #expect(refused.phase == nil && refused.notices.contains { $0.contains("--load-incomplete") }, "\(refused.notices)")

        restore.loadIncomplete = true
        let loaded = try restore.run()
        let summary = try #require(loaded.summary)
        #expect(summary.load.incomplete && !summary.load.loaded)
        #expect(summary.load.rows > 0, "it got as far as the cut")
        #expect(loaded.phase?.measured == true)
        #expect(!loaded.findings.contains { $0.code == .catalogMismatch }, "a cut dump's counts are not compared as a mismatch")
    }

    /// `database-restore: docker`, against a stand-in docker that records its arguments and plays the engine with
    /// the local PostgreSQL: the Compose file's own image, no network, a unique name, --rm, loaded through
    /// `docker exec -i … psql`, removed at the end.
    @Test func theDockerEngineRunsTheDeploymentsImage() throws {
        let m = try Fixtures.demo("db-docker", assets: 30, now: Self.now)
        let bin = Fixtures.tempDir("docker")
        try DockerStandIn.install(in: bin, postgresBin: try #require(PostgresCluster.findBinaries()))
        try DemoPlanText.replace("name: demo-v3", with: "name: demo-v3\ndatabase-restore: docker", in: m.plan)
        let report = try drill(m) { $0.postgresPath = bin + ":/usr/bin:/bin" }
        let notices = report.notices ?? []
        let database = try #require(report.database, "\(notices)")
        #expect(database.load.engine == "docker" && database.load.loaded, "\(database.load.errors)")
        #expect(database.checks.allSatisfy { $0.agrees })
        #expect(report.phases.first { $0.kind == .loadDatabase }?.measured == true)
        let log = try String(contentsOfFile: bin + "/docker.log", encoding: .utf8).split(separator: "\n").map(String.init)
        let run = try #require(log.first { $0.hasPrefix("run ") })
        let image = try #require(try plan(m).readDeployment().services.first { $0.role == .database }?.image)
        #expect(run.hasPrefix("run -d --rm --name immich-drill-") && run.contains("--network none") && run.hasSuffix(image), "\(run)")
        #expect(!run.contains(" -p ") && !run.contains("--publish"), "no published port")
        #expect(run.contains("type=bind,source=") && run.contains("/database-docker,target=/var/lib/postgresql/data"))
        let name = run.components(separatedBy: "--name ")[1].components(separatedBy: " ")[0]
        #expect(log.contains { $0.hasPrefix("exec -i -e PGOPTIONS=-c client_min_messages=warning \(name) psql -X --no-password -U postgres -d immich") })
        #expect(log.last == "rm -f \(name)", "removed at the end")
        let left = try FileManager.default.contentsOfDirectory(atPath: bin + "/state")
        #expect(left.isEmpty)
    }

    func plan(_ m: DemoManifest) throws -> DrillPlan { try DrillPlan.load(m.plan) }

    @Test func aDumpFromANewerPostgreSQLThanAnyHereIsTriedAndSaysSo() throws {
        let m = try Fixtures.demo("db-newer", assets: 30, now: Self.now)
        try Fixtures.editDump(Fixtures.newestDump(m)) { text in
            text.replacingOccurrences(of: "-- Dumped from database version 14.20", with: "-- Dumped from database version 99.1")
        }
        let report = try drill(m)
        let database = try #require(report.database)
        #expect(database.load.versionNote?.contains("newer than any here") == true, "\(database.load)")
        #expect(database.load.loaded, "the same SQL loads; the note says why a failure might come")
        #expect(report.render(.text).contains("PostgreSQL 99.1, newer than any here"))
    }

    @Test func aScratchWhereTheClusterCannotBeMadeIsANotice() throws {
        let m = try Fixtures.demo("db-blocked", assets: 30, now: Self.now)
        let catalog = try CatalogReader.read(path: Fixtures.newestDump(m), timeZone: "Europe/Berlin")
        let plan = try DrillPlan.load(m.plan)
        let scratch = Fixtures.tempDir("blocked")
        // A file where the cluster's folder would go.
        FileManager.default.createFile(atPath: scratch + "/database", contents: Data())
        let outcome = try DatabaseRestore(mode: .auto, catalog: catalog, deployment: try plan.readDeployment(), scratch: scratch).run()
        #expect(outcome.phase == nil && outcome.findings.isEmpty)
        #expect(outcome.notices.contains { $0.contains("database not loaded") }, "\(outcome.notices)")
    }
}
