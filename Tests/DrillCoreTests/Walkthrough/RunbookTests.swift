@testable import DrillCore
@testable import DrillDemo
import Foundation
import Testing
import DrillTestSupport

/// The restore-day runbook on v1- and v2-era demos: the right dump command per era, this deployment's facts, the
/// durations of the last drill, and checks that see what is really on disk.
@Suite struct RunbookTests {
    static let now = 1_780_000_000.0

    func demo(_ era: DumpTemplate.Era, faults: [DemoFault: Int] = [:]) throws -> DemoManifest {
        try Fixtures.demo("runbook", era: era, assets: 40, seed: 8, faults: faults, now: Self.now)
    }

    func runbook(_ m: DemoManifest, drilled: Bool = true, restorePoint: String = "latest") throws -> Runbook {
        let plan = try DrillPlan.load(m.plan)
        let deployment = try plan.readDeployment()
        var last: DrillTimings?
        if drilled {
            var run = RunOptions()
            run.now = Self.now
            let report = try DrillRunner(plan: plan, deployment: deployment, options: run).run()
            last = DrillTimings(runId: 12, phases: report.phases)
        }
        var options = PlanOptions()
        options.live = false
        options.now = Self.now
        options.restorePoint = restorePoint
        let analysis = try BackupPlanner(plan: plan, deployment: deployment, options: options).run()
        return RunbookBuilder(plan: plan, analysis: analysis, catalog: analysis.catalog, last: last).build()
    }

    func step(_ r: Runbook, _ id: String) throws -> RunbookStep { try #require(r.steps.first { $0.id == id }, "\(id)") }

    @Test func aV2DumpIsRestoredWithPgDumpsCommand() throws {
        let m = try demo(.v2)
        let r = try runbook(m)
        #expect(r.dumpFormat == "database")
        #expect(r.steps.map(\.id) == ["prepare", "compose", "mounts", "restore-external", "restore-upload", "markers",
                                      "fresh-database", "start-database", "restore-database", "start-immich",
                                      "check-mounts", "sample-checks"])
        let restore = try step(r, "restore-database")
        // Step 1 moved UPLOAD_LOCATION aside: the dump is read from there.
        let dump = try #require(m.dumps.last?.path).replacingOccurrences(of: "/immich/library/", with: "/immich/library.before-restore/")
        #expect(restore.commands[0] == "gunzip --stdout '\(dump)' \\")
        #expect(restore.checks == [.filePresent(path: dump, what: "dump")])
        #expect(restore.commands[1].contains("'public, pg_catalog', true"))
        #expect(restore.commands[2] == "| docker exec -i immich_postgres psql --dbname=immich --username=postgres --single-transaction --set ON_ERROR_STOP=on")
        #expect(restore.notes.contains { $0.contains("no expected noise") })
        // The last drill loaded the dump when PostgreSQL is here: its time is measured, else estimated.
        #expect(restore.expectedFrom?.hasPrefix(PostgresCluster.available ? "measured in drill #12" : "projected in drill #12") == true,
                "\(restore.expectedFrom ?? "")")
        #expect(try step(r, "compose").notes[0].contains("IMMICH_VERSION=v2.7.5"))
    }

    @Test func aV1DumpIsRestoredWithTheClusterCommandAndItsNoise() throws {
        let r = try runbook(try demo(.v1))
        #expect(r.dumpFormat == "cluster")
        let restore = try step(r, "restore-database")
        #expect(restore.commands[2] == "| docker exec -i immich_postgres psql --dbname=postgres --username=postgres")
        #expect(!restore.commands.joined().contains("single-transaction"))
        #expect(restore.notes[0].contains("current user cannot be dropped") && restore.notes[0].contains("role \"postgres\" already exists"))
        #expect(r.era.contains("v1.135.3"))
        #expect(try step(r, "start-immich").commands.contains("docker logs -f immich_server"))
    }

    @Test func theDeploymentsFactsAndTheLastDrillsTimes() throws {
        let m = try demo(.v2)
        let r = try runbook(m)
        let mounts = try step(r, "mounts")
        #expect(mounts.table?.first == ["HOST", "CONTAINER", "MODE", "SERVICE"])
        #expect(mounts.table?.dropFirst().map { $0[1] }.sorted() == ["/mnt/media/family", "/mnt/media/photos"])
        let external = try step(r, "restore-external")
        #expect(external.commands.contains { $0.hasPrefix("immich-drill extract ") && $0.contains("--inside 'photos'") })
        #expect(external.expectedFrom?.hasPrefix("measured in drill #12") == true)
        let upload = try step(r, "restore-upload")
        #expect(upload.commands.contains { $0.hasPrefix("rsync -aHAX --numeric-ids ") && $0.hasSuffix("'\(m.directory)/immich/library/'") })
        #expect(r.expectedSeconds > 0 && r.basedOnRun == 12)
        let checks = try step(r, "check-mounts")
        #expect(checks.commands.contains("docker exec immich_server ls '/mnt/media/photos' | head"))
        let looks = try step(r, "sample-checks").notes
        #expect(looks.contains { $0.hasPrefix("Albums: ") })
        // No drill in the history: no invented durations.
        let blind = try runbook(m, drilled: false)
        #expect(blind.steps.allSatisfy { $0.expectedSeconds == nil } && blind.expectedSeconds == 0)
        #expect(blind.notes.contains { $0.contains("No drill in the history") })
    }

    @Test func regenerationIsAStepWhenThumbnailsAreNotInThePoint() throws {
        let r = try runbook(try demo(.v2, faults: [.noThumbs: 1]))
        let regenerate = try step(r, "regenerate")
        #expect(regenerate.expectedSeconds! > 0)
        #expect(try step(r, "restore-upload").notes.contains { $0.contains("thumbs") })
    }

    /// v3 (IMMICH.md §10): the image must give vector and vchord (checked before the load), pgvecto.rs cannot come
    /// back, a search may need a REINDEX, and thumbnails that did not come back need the jobs run with "All".
    @Test func aV3DumpGetsV3sCommandsAndNotes() throws {
        let r = try runbook(try demo(.v3, faults: [.noThumbs: 1]))
        #expect(r.era.contains("v3.1.0"))
        #expect(try step(r, "compose").notes[0].contains("IMMICH_VERSION=v3.1.0"))
        let restore = try step(r, "restore-database")
        #expect(restore.commands[0] == "docker exec immich_postgres psql --username=postgres --dbname=postgres --command='SHOW shared_preload_libraries'   # must list vchord")
        #expect(restore.commands[1].contains("pg_available_extensions WHERE name IN ('vector', 'vchord')"))
        #expect(restore.commands[2].hasPrefix("gunzip --stdout "))
        #expect(restore.commands[4] == "| docker exec -i immich_postgres psql --dbname=immich --username=postgres --single-transaction --set ON_ERROR_STOP=on")
        #expect(restore.notes.contains { $0.contains("vchord in shared_preload_libraries") && $0.contains("start again from step 7") })
        #expect(try step(r, "fresh-database").number == 7)
        #expect(restore.notes.contains { $0.contains("$libdir/vectors") && $0.contains("preflight --to v3.x") })
        let start = try step(r, "start-immich").notes
        #expect(start.contains { $0.contains("180 s") })
        #expect(start.contains { $0.contains("`docker exec immich_postgres psql --username=postgres --dbname=immich --command='REINDEX INDEX clip_index' --command='REINDEX INDEX face_index'`") })
        let regenerate = try step(r, "regenerate")
        #expect(regenerate.commands == ["# Administration → Jobs: Generate Thumbnails → All; Transcode Videos → All"])
        #expect(regenerate.notes.contains { $0.contains("\"Missing\" jobs do nothing") })
        // The v2 runbook keeps v2's advice.
        let v2 = try runbook(try demo(.v2, faults: [.noThumbs: 1]))
        #expect(try step(v2, "regenerate").commands == ["# Administration → Jobs: Generate Thumbnails → Missing; Transcode Videos → Missing"])
        #expect(!(try step(v2, "restore-database")).commands[0].contains("shared_preload_libraries"))
    }

    @Test func theChecksSeeWhatIsOnDisk() throws {
        let m = try demo(.v2)
        let r = try runbook(m)
        let external = try step(r, "restore-external")
        #expect(external.checks.allSatisfy { $0.evaluate().ok })
        // One file of the photos share gone: its count no longer matches the snapshot.
        let photos = m.directory + "/nas/photos"
        var victim: String?
        _ = try FileWalker.walk(photos) { if victim == nil { victim = $0.path } }
        try FileManager.default.removeItem(atPath: try #require(victim))
        let failed = external.checks.map { $0.evaluate() }.filter { !$0.ok }
        #expect(failed.count == 1 && failed[0].text.contains("1 missing"))
        // A marker gone.
        try FileManager.default.removeItem(atPath: m.directory + "/immich/library/thumbs/.immich")
        let markers = try step(r, "markers").checks[0].evaluate()
        #expect(!markers.ok && markers.text.contains("thumbs"))
        #expect(RunbookCheck.folderAbsentOrEmpty(path: m.directory + "/immich/library", what: "x").evaluate().ok == false)
        #expect(RunbookCheck.folderPresent(path: m.directory + "/nope", what: "x").evaluate().ok == false)
    }

    @Test func snapshotKindsGetTheirCommands() throws {
        let m = try demo(.v2)
        let plan = try DrillPlan.load(m.plan)
        var options = PlanOptions()
        options.live = false
        let analysis = try BackupPlanner(plan: plan, deployment: try plan.readDeployment(), options: options).run()
        let builder = RunbookBuilder(plan: plan, analysis: analysis, catalog: nil, last: nil)
        // Run from the plan's folder (its relative paths), into a folder that exists; staging removed afterwards.
        let folder = Subprocess.shellQuote(Paths.directory(of: Paths.absolute(plan.file)))
        #expect(builder.restoreCommand(kind: .command, location: "ab12cd", inside: "", target: "/srv/photos",
                                       restore: "restic -r /repo restore {id} --target {target}")
                == "(cd \(folder) && mkdir -p '/srv/photos' && restic -r /repo restore 'ab12cd' --target '/srv/photos')")
        #expect(builder.restoreCommand(kind: .command, location: "ab12", inside: "volume1/photos", target: "/srv/p",
                                       restore: "restic restore {id} --target {target}")
                == "(cd \(folder) && mkdir -p '/var/tmp/immich-restore/-srv-p' && restic restore 'ab12' --target '/var/tmp/immich-restore/-srv-p') && mkdir -p '/srv/p' && rsync -aHAX '/var/tmp/immich-restore/-srv-p/volume1/photos/' '/srv/p/' && rm -rf '/var/tmp/immich-restore/-srv-p'")
        #expect(builder.restoreCommand(kind: .command, location: "a'b", inside: "", target: "/srv/x",
                                       restore: "cd {target} && borg extract \"$IMMICH_DRILL_DIR/repo::{id}\"")
                == "(export IMMICH_DRILL_DIR=\(folder) && cd \(folder) && mkdir -p '/srv/x' && cd '/srv/x' && borg extract \"$IMMICH_DRILL_DIR/repo::a'b\")")
        #expect(builder.restoreCommand(kind: .archive, location: "/b/u.tar.zst", inside: "", target: "/srv/u", restore: nil)
                == "immich-drill extract '/b/u.tar.zst' '/srv/u'")
        #expect(builder.restoreCommand(kind: .directory, location: "/snap/1", inside: "photos", target: "/srv/p", restore: nil)
                == "rsync -aHAX --numeric-ids '/snap/1/photos/' '/srv/p/'")
        let r = builder.build()
        #expect(r.render(.markdown).contains("```sh"))
        #expect(r.render(.text).contains("Step 9/12  Restore the dump"))
    }

    /// The printed restore command, run as printed against a real PostgreSQL (only `docker exec -i immich_postgres`
    /// is swapped for the test cluster's socket): it loads each era's dump with no error beyond the expected noise.
    /// A v3 dump creates vector and vchord, which stock PostgreSQL lacks: for v3 the pipeline gets one more stage
    /// before psql, the documented vector shim of the schema fixtures (IMMICH.md §10); the rest runs as printed.
    @Test(.enabled(if: PostgresCluster.available, "needs Debian's postgresql"), arguments: [DumpTemplate.Era.v1, .v2, .v3])
    func thePrintedDumpCommandRestores(era: DumpTemplate.Era) throws {
        let m = try demo(era)
        let restore = try step(try runbook(m, drilled: false), "restore-database")
        // Step 1, as printed: UPLOAD_LOCATION moved aside (the dump is read from there).
        _ = try Shell.run("/bin/cp", ["-a", m.directory + "/immich/library", m.directory + "/immich/library.before-restore"])
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        // What the database container does at its first start: POSTGRES_DB=immich.
        try cluster.psql("postgres", "CREATE DATABASE immich;")
        let psql = ([cluster.binDirectory + "/psql"] + cluster.connection + ["-X"]).map(Subprocess.shellQuote).joined(separator: " ")
        var commands = restore.commands
        if era == .v3, let load = commands.firstIndex(where: { $0.hasPrefix("| docker exec -i ") }) {
            commands.insert(#"| sed -E -e 's/^(CREATE EXTENSION IF NOT EXISTS (vector|vchord) |COMMENT ON EXTENSION (vector|vchord) )/-- \1/' -e 's/public\.vector\([0-9]+\)/real[]/g' -e '/USING vchordrq/,/;$/s/^/-- /' \"#, at: load)
        }
        let pipeline = commands.joined(separator: "\n")
            .replacingOccurrences(of: "docker exec -i immich_postgres psql", with: psql)
            .replacingOccurrences(of: "docker exec immich_postgres psql", with: psql)
        #expect(!pipeline.contains("docker"))
        let log = Fixtures.tempDir("restore-log") + "/psql.log"
        let result = try Subprocess.run(shell: "{ \(pipeline); } >/dev/null 2>\(Subprocess.shellQuote(log))", timeout: 300)
        let errors = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("ERROR") }
        if era == .v1 {
            // Exactly the noise the step's note names.
            let note = restore.notes[0]
            #expect(errors.count == 2, "\(errors)")
            #expect(errors.allSatisfy { e in ["current user cannot be dropped", "role \"postgres\" already exists"].contains { e.contains($0) && note.contains($0) } })
        } else {
            #expect(result.status == 0 && errors.isEmpty, "\(errors)")
        }
        let assets = try ImmichRestore.count(era == .v1 ? "assets" : "asset", in: cluster)
        #expect(assets == 40)
    }
}
