@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

@Suite struct DrillPlanTests {
    let env = ["HOME": "/home/op", "XDG_STATE_HOME": "/state"]

    @Test func fullPlan() throws {
        let plan = try DrillPlan.parse("""
        version: 1
        name: home
        deployment:
          compose: [../immich/docker-compose.yml, ../immich/override.yml]
          env-file: ../immich/.env
          server-service: immich-server
          time-zone: Europe/Berlin
        mounts:
          - host: /volume1/photos
            drill: /mnt/nas/photos
          - container: /mnt/nfs
            drill: ./nfs
        targets:
          rpo: 26h
          rto: 90m
          max-skew: 1d12h
        scratch: ~/scratch
        history: state/history.sqlite
        """, file: "/etc/drills/home.yml", environment: env)
        #expect(plan.name == "home")
        #expect(plan.compose == ["/etc/immich/docker-compose.yml", "/etc/immich/override.yml"])
        #expect(plan.envFile == "/etc/immich/.env")
        #expect(plan.serverService == "immich-server")
        #expect(plan.timeZone == "Europe/Berlin")
        #expect(plan.mounts == [MountAlias(host: "/volume1/photos", drill: "/mnt/nas/photos"),
                                MountAlias(container: "/mnt/nfs", drill: "/etc/drills/nfs")])
        #expect(plan.targets == DrillTargets(rpo: .init(seconds: 26 * 3600), rto: .init(seconds: 5400),
                                             maxSkew: .init(seconds: 36 * 3600)))
        #expect(plan.scratch == "/home/op/scratch")
        #expect(plan.history == "/etc/drills/state/history.sqlite")
    }

    @Test func defaults() throws {
        let plan = try DrillPlan.parse("deployment:\n  compose: docker-compose.yml\n", file: "/srv/x/nightly.yml",
                                       environment: env)
        #expect(plan.name == "nightly")
        #expect(plan.targets == DrillTargets.defaults)
        #expect(plan.scratch == "/var/tmp/immich-drill")
        #expect(plan.history == "/state/immich-drill/history.sqlite")
        #expect(DrillPlan.defaultHistoryPath(environment: ["HOME": "/home/a"]) == "/home/a/.local/state/immich-drill/history.sqlite")
    }

    func expectError(_ text: String, line: Int?, column: Int? = nil, _ fragment: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try DrillPlan.parse(text, file: "drills/bad.yml", environment: env)
            Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
        } catch let error as DrillError {
            #expect(error.file == "drills/bad.yml", sourceLocation: sourceLocation)
            #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
            if let column { #expect(error.column == column, "\(error)", sourceLocation: sourceLocation) }
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
            #expect(error.exitCode == 3, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func duplicateKeysAndAliasBombsNameTheirLine() {
        expectError("name: a\ndeployment:\n  compose: x.yml\nname: b\n", line: 4, "duplicate key 'name'")
        expectError("name: a\ndeployment:\n  compose: x.yml\n  compose: y.yml\n", line: 4, "duplicate key 'compose'")
        var lines = ["name: pb", "mounts:"]
        for i in 0..<10 {
            lines.append("  - &m\(i) [" + (i == 0 ? "1,1,1,1,1,1,1,1,1" : Array(repeating: "*m\(i - 1)", count: 9).joined(separator: ",")) + "]")
        }
        lines.append("deployment:\n  compose: x.yml")
        do {
            _ = try DrillPlan.parse(lines.joined(separator: "\n"), file: "drills/bad.yml", environment: env)
            Issue.record("no error")
        } catch let error as DrillError {
            #expect(error.message.contains("alias bomb") && error.line != nil && error.exitCode == 3)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func unknownKeysNameLineColumnAndAllowed() {
        expectError("deployment:\n  compose: a.yml\ntargets:\n  rpp: 26h\n", line: 4, column: 3,
                    "unknown key 'rpp' in 'targets'; allowed: rpo, rto, max-skew")
        expectError("deployment:\n  compose: a.yml\nscrach: /tmp\n", line: 3, column: 1,
                    "unknown key 'scrach' at the top of the plan; allowed: version, name, deployment")
        expectError("deployment:\n  compose: a.yml\n  envfile: .env\n", line: 3, "unknown key 'envfile' in 'deployment'")
        expectError("deployment:\n  compose: a.yml\nmounts:\n  - host: /a\n    drill: /b\n    hots: /c\n", line: 6,
                    "unknown key 'hots' in 'mounts[0]'")
    }

    @Test func wrongTypes() {
        expectError("deployment:\n  compose: a.yml\ntargets:\n  rpo: soon\n", line: 4,
                    "'targets.rpo' must be a duration like 26h")
        expectError("deployment:\n  compose: a.yml\ntargets: 26h\n", line: 3, "'targets' must be a mapping")
        expectError("deployment:\n  compose: {a: b}\n", line: 2, "'deployment.compose' must be a string or a list")
        expectError("deployment:\n  compose: a.yml\nmounts: /x\n", line: 3, "'mounts' must be a list")
        expectError("deployment:\n  compose: a.yml\nmounts:\n  - drill: /b\n", line: 4, "exactly one of 'host'")
        expectError("deployment:\n  compose: a.yml\nmounts:\n  - host: relative\n    drill: /b\n", line: 4,
                    "must be an absolute path")
        expectError("deployment:\n  compose: a.yml\n  time-zone: Mars/Olympus\n", line: 3, "zone name")
        expectError("version: 2\ndeployment:\n  compose: a.yml\n", line: 1, "unsupported plan version")
        expectError("name: x\n", line: 1, "needs a 'deployment'")
        expectError("deployment:\n  env-file: .env\n", line: 2, "'deployment.compose' is required")
        expectError("deployment:\n  compose: a.yml\n   bad indent: [\n", line: 3, "malformed YAML")
    }

    @Test func sources() throws {
        let plan = try DrillPlan.parse("""
        deployment:
          compose: docker-compose.yml
        sources:
          database:
            dumps: [library/backups, /srv/dumps]
          upload:
            archive: backups/upload-{time}.tar.zst
            path: library
          upload/thumbs:
            directory: /snap/{time}/thumbs
          external:/mnt/media/photos:
            command:
              list: restic snapshots --json
              restore: restic restore {id} --target {target}
        """, file: "/d/p.yml", environment: env)
        #expect(plan.sources == [
            PlannedSource(id: "database", location: .dumps(["/d/library/backups", "/srv/dumps"])),
            PlannedSource(id: "upload", location: .archive(pattern: "/d/backups/upload-{time}.tar.zst", path: "library")),
            PlannedSource(id: "upload/thumbs", location: .directory(pattern: "/snap/{time}/thumbs", path: nil)),
            PlannedSource(id: "external:/mnt/media/photos",
                          location: .command(list: "restic snapshots --json", restore: "restic restore {id} --target {target}", path: nil)),
        ])
        let head = "deployment:\n  compose: a.yml\nsources:\n"
        expectError(head + "  uploads:\n    archive: x\n", line: 4, "unknown source 'uploads'")
        expectError(head + "  upload:\n    archive: x\n    directory: y\n", line: 5, "exactly one of dumps, archive")
        expectError(head + "  upload:\n    dumps: [x]\n", line: 5, "'dumps' is for the database source only")
        expectError(head + "  database:\n    archive: x\n", line: 5, "the database source takes 'dumps'")
        expectError(head + "  upload:\n    command: {list: a, restore: b}\n", line: 5, "must contain {id} and {target}")
        expectError(head + "  upload:\n    archive: x\n    pth: y\n", line: 6, "unknown key 'pth' in 'sources.upload'")
    }

    @Test func durations() {
        #expect(DurationText(parsing: "26h")?.seconds == 93_600)
        #expect(DurationText(parsing: "90m")?.seconds == 5400)
        #expect(DurationText(parsing: "1d12h")?.seconds == 129_600)
        #expect(DurationText(parsing: "2w")?.seconds == 1_209_600)
        #expect(DurationText(parsing: "45s")?.seconds == 45)
        #expect(DurationText(parsing: "26") == nil)
        #expect(DurationText(parsing: "h") == nil)
        #expect(DurationText(parsing: "1x") == nil)
        #expect(DurationText(parsing: "") == nil)
        #expect(DurationText(seconds: 93_600).description == "26h")
        #expect(DurationText(seconds: 5400).description == "1h30m")
        #expect(DurationText(seconds: 1_209_600).description == "14d")
    }

    @Test func writtenPlanReadsBack() throws {
        let dir = Fixtures.write([
            "immich/docker-compose.yml": """
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:v2.7.5
                volumes:
                  - ${UPLOAD_LOCATION}:/data
                  - /volume1/photos:/mnt/media/photos:ro
                  - 'nfs:/mnt/nfs'
            volumes:
              nfs:
                driver_opts: {type: nfs, o: addr=nas, device: ":/photos"}
            """,
            "immich/.env": "UPLOAD_LOCATION=./library\n",
        ], in: Fixtures.tempDir("writer"))
        let deployment = try DeploymentReader(environment: env).read(composeFiles: [dir + "/immich"])
        let text = PlanWriter.render(deployment: deployment, composeFiles: [dir + "/immich"], envFile: nil,
                                     planDirectory: dir + "/drills", environment: env)
        #expect(text.contains("compose: ../immich/docker-compose.yml"))
        #expect(text.contains("#  - host: /volume1/photos"))
        #expect(text.contains("#  - container: /mnt/nfs"))
        let plan = try DrillPlan.parse(text, file: dir + "/drills/immich.yml", environment: env)
        #expect(plan.compose == [dir + "/immich/docker-compose.yml"])
        #expect(plan.name == ComposeLoader.normalizeProjectName("immich"))
        let again = try plan.readDeployment(environment: env)
        #expect(again.externalMounts.map(\.containerPath) == ["/mnt/media/photos", "/mnt/nfs"])
        // Uncommenting the suggested mounts gives a valid plan.
        let uncommented = text.replacingOccurrences(of: "#  - host: /volume1/photos\n#    drill: /volume1/photos",
                                                    with: "  - host: /volume1/photos\n    drill: /mnt/nas/photos")
        #expect(uncommented != text)
        #expect(try DrillPlan.parse(uncommented, file: dir + "/drills/immich.yml", environment: env).mounts ==
            [MountAlias(host: "/volume1/photos", drill: "/mnt/nas/photos")])
        #expect(PlanWriter.yaml("it's") == "'it''s'")
        #expect(PlanWriter.yaml("yes") == "'yes'")
        #expect(PlanWriter.yaml("/a b") == "'/a b'")
        #expect(PlanWriter.yaml("/a/b-c_d.yml") == "/a/b-c_d.yml")
    }
}
