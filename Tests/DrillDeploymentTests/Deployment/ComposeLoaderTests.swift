@testable import DrillCore
import Testing
import Yams
import DrillTestSupport

@Suite struct ComposeLoaderTests {
    let loader = ComposeLoader(environment: ["HOME": "/home/op"])

    @Test func overrideFileIsMergedByTargetAndKey() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            name: photos
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-release}
                volumes:
                  - ${UPLOAD_LOCATION}:/data
                  - /etc/localtime:/etc/localtime:ro
                environment:
                  A: base
                  B: base
                env_file: [.env]
            """,
            "docker-compose.override.yml": """
            services:
              immich-server:
                volumes:
                  - /mnt/nas/photos:/mnt/media/photos:ro
                  - /srv/other:/data
                environment:
                  - B=override
                  - C=new
                env_file: extra.env
            """,
            ".env": "UPLOAD_LOCATION=./library\nIMMICH_VERSION=v1.140.0\n",
        ], in: Fixtures.tempDir("override"))
        let project = try loader.load(files: [dir + "/docker-compose.yml"])
        #expect(project.name == "photos")
        #expect(project.files.count == 2)
        let server = try #require(project.service("immich-server"))
        #expect(server.image == "ghcr.io/immich-app/immich-server:v1.140.0")
        #expect(server.volumes.map(\.target) == ["/data", "/etc/localtime", "/mnt/media/photos"])
        #expect(server.volumes[0].source == "/srv/other", "the override replaces the volume with the same target")
        #expect(server.volumes[2].readOnly)
        #expect(server.environment.map(\.key) == ["A", "B", "C"])
        #expect(server.environment.map(\.value) == ["base", "override", "new"])
        #expect(server.envFiles.map(\.path) == [dir + "/.env", dir + "/extra.env"])
    }

    @Test func explicitFilesDoNotAddTheOverride() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": "services:\n  s:\n    image: x\n",
            "docker-compose.override.yml": "services:\n  t:\n    image: y\n",
            "extra.yml": "services:\n  s:\n    image: z\n",
        ], in: Fixtures.tempDir("explicit"))
        let project = try loader.load(files: [dir + "/docker-compose.yml", dir + "/extra.yml"])
        #expect(project.services.map(\.name) == ["s"])
        #expect(project.service("s")?.image == "z")
    }

    @Test func longSyntaxAndNamedVolumes() throws {
        let dir = Fixtures.write([
            "compose.yaml": """
            services:
              server:
                image: ghcr.io/immich-app/immich-server:v2.7.5
                volumes:
                  - type: bind
                    source: ./library
                    target: /data
                  - type: bind
                    source: ~/pictures
                    target: /mnt/pictures
                    read_only: true
                  - type: volume
                    source: nas
                    target: /mnt/nas
                    read_only: "true"
                  - type: tmpfs
                    target: /tmp/cache
                  - model-cache:/cache:rw,nocopy
                  - /anonymous
            volumes:
              nas:
                driver: local
                driver_opts:
                  type: nfs
                  o: addr=192.168.1.10,nolock,soft,ro
                  device: ":/volume1/photos"
              model-cache:
            """,
        ], in: Fixtures.tempDir("long"))
        let project = try loader.load(files: [dir])
        let v = try #require(project.service("server")).volumes
        #expect(v[0] == ComposeVolume(type: .bind, source: dir + "/library", target: "/data", readOnly: false,
                                      declaredAt: v[0].declaredAt))
        #expect(v[1].source == "/home/op/pictures")
        #expect(v[1].readOnly)
        #expect(v[2].type == .volume && v[2].source == "nas" && v[2].readOnly)
        #expect(v[3].type == .tmpfs)
        #expect(v[4].source == "model-cache" && v[4].options == ["nocopy"] && !v[4].readOnly)
        #expect(v[5].type == .volume && v[5].source == nil && v[5].target == "/anonymous")
        #expect(project.volumes["nas"]?.driverOptions["device"] == ":/volume1/photos")
        #expect(v[0].declaredAt.hasSuffix("compose.yaml:5"))
    }

    @Test func anchorsAndMergeKeys() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            x-immich: &immich
              image: ghcr.io/immich-app/immich-server:v1.105.1
              volumes: &vols
                - ${UPLOAD_LOCATION}:/usr/src/app/upload
                - /mnt/photos:/mnt/photos:ro
              env_file: [.env]
            x-env: &env
              TZ: Europe/Berlin
              A: from-anchor
            services:
              immich-server:
                <<: *immich
                command: ['start.sh', 'immich']
                environment:
                  <<: *env
                  A: explicit
              immich-microservices:
                <<: *immich
                command: start.sh microservices
                volumes: *vols
            """,
            ".env": "UPLOAD_LOCATION=/srv/immich\n",
        ], in: Fixtures.tempDir("anchors"))
        let project = try loader.load(files: [dir])
        let server = try #require(project.service("immich-server"))
        let worker = try #require(project.service("immich-microservices"))
        #expect(server.image == "ghcr.io/immich-app/immich-server:v1.105.1")
        #expect(server.volumes.map(\.source) == ["/srv/immich", "/mnt/photos"])
        #expect(worker.volumes.map(\.target) == ["/usr/src/app/upload", "/mnt/photos"])
        #expect(worker.command == ["start.sh", "microservices"])
        #expect(Dictionary(uniqueKeysWithValues: server.environment.map { ($0.key, $0.value) }) ==
            ["TZ": "Europe/Berlin", "A": "explicit"])
    }

    @Test func extendsInTheSameFileAndAnother() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            services:
              base:
                image: ghcr.io/immich-app/immich-server:v1.118.2
                volumes:
                  - ./library:/usr/src/app/upload
              immich-server:
                extends: base
                volumes:
                  - /mnt/a:/mnt/a:ro
              transcoder:
                image: ghcr.io/immich-app/immich-server:v1.118.2
                extends:
                  file: hw/hwaccel.transcoding.yml
                  service: vaapi-wsl
            """,
            "hw/hwaccel.transcoding.yml": """
            services:
              cpu: {}
              vaapi:
                devices:
                  - /dev/dri:/dev/dri
              vaapi-wsl:
                devices:
                  - /dev/dri:/dev/dri
                volumes:
                  - /usr/lib/wsl:/usr/lib/wsl
                  - ./relative:/rel
                environment:
                  - LIBVA_DRIVER_NAME=d3d12
            """,
        ], in: Fixtures.tempDir("extends"))
        let project = try loader.load(files: [dir])
        let server = try #require(project.service("immich-server"))
        #expect(server.image == "ghcr.io/immich-app/immich-server:v1.118.2")
        #expect(server.volumes.map(\.target) == ["/usr/src/app/upload", "/mnt/a"])
        let transcoder = try #require(project.service("transcoder"))
        #expect(transcoder.volumes.map(\.source) == ["/usr/lib/wsl", dir + "/hw/relative"],
                "paths in an extended file resolve against that file's folder")
        #expect(transcoder.environment.first?.value == "d3d12")
    }

    @Test func extendsOfAMissingFileIsAWarningNotACrash() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:v2.0.0
                extends:
                  file: hwaccel.transcoding.yml
                  service: cpu
                volumes: ['./library:/data']
            """,
        ], in: Fixtures.tempDir("extends-missing"))
        let project = try loader.load(files: [dir])
        #expect(project.service("immich-server")?.volumes.count == 1)
        #expect(project.warnings.contains { $0.contains("hwaccel.transcoding.yml") && $0.contains("not read") })
    }

    @Test func extendsCycleIsAnError() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
        ], in: Fixtures.tempDir("cycle"))
        #expect(throws: DrillError.self) { try loader.load(files: [dir]) }
    }

    @Test func aServiceExtendingItselfIsAnError() throws {
        let dir = Fixtures.write(["docker-compose.yml": "services:\n  a:\n    image: x\n    extends: a\n"],
                                 in: Fixtures.tempDir("self"))
        #expect(throws: DrillError.self) { try loader.load(files: [dir]) }
    }

    /// 9 levels of 9 aliases: 9^10 values if expanded. Refused at once, with the line, whatever the memory limit.
    @Test func anAliasBombIsRefusedWithItsLine() throws {
        var lines = ["x-a0: &a0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]"]
        for i in 1...9 { lines.append("x-a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ",") + "]") }
        lines.append("services:\n  immich-server:\n    image: ghcr.io/immich-app/immich-server:v2.7.5\n")
        let dir = Fixtures.write(["docker-compose.yml": lines.joined(separator: "\n")], in: Fixtures.tempDir("bomb"))
        #expect { try loader.load(files: [dir]) } throws: { error in
            let e = error as? DrillError
            return e?.message.contains("alias bomb") == true && e?.line != nil
        }
    }

    /// A merge key of a 40,000-key anchor: linear, and every key arrives.
    @Test func aLargeMergeKeyIsLinear() throws {
        let keys = (0..<40_000).map { "  k\($0): v\($0)" }.joined(separator: "\n")
        let text = "x-base: &b\n\(keys)\n  image: ghcr.io/immich-app/immich-server:v2.7.5\nservices:\n  immich-server:\n    <<: *b\n    container_name: immich_server\n"
        let dir = Fixtures.write(["docker-compose.yml": text], in: Fixtures.tempDir("merge"))
        let merged = YAMLValues.applyMergeKeys(try #require(try Yams.compose(yaml: text)))
        let server = try #require(merged.mapping?["services"]?.mapping?["immich-server"]?.mapping)
        #expect(server.count == 40_002)
        let project = try loader.load(files: [dir])
        #expect(project.services.first?.image == "ghcr.io/immich-app/immich-server:v2.7.5")
    }

    @Test func composeFileVariableSelectsTheFiles() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": "services:\n  s:\n    image: base\n",
            "docker-compose.override.yml": "services:\n  s:\n    image: override\n",
            "hw.yml": "services:\n  s:\n    volumes: ['/dev/dri:/dev/dri']\n",
            ".env": "COMPOSE_FILE=docker-compose.yml:hw.yml\n",
        ], in: Fixtures.tempDir("composefile"))
        let project = try loader.load(files: [dir])
        #expect(project.files == [dir + "/docker-compose.yml", dir + "/hw.yml"])
        #expect(project.service("s")?.image == "base", "COMPOSE_FILE replaces the automatic override file")
        #expect(project.service("s")?.volumes.count == 1)
    }

    @Test func includeSections() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            include:
              - db/compose.yml
              - path: [ml/compose.yml]
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:v2.7.5
                volumes: ['./library:/data']
            """,
            "db/compose.yml": "services:\n  database:\n    image: postgres:14\n    volumes: ['./pgdata:/var/lib/postgresql/data']\n",
            "ml/compose.yml": "services:\n  ml:\n    image: ghcr.io/immich-app/immich-machine-learning:v2.7.5\n",
        ], in: Fixtures.tempDir("include"))
        let project = try loader.load(files: [dir])
        #expect(project.services.map(\.name).sorted() == ["database", "immich-server", "ml"])
        #expect(project.service("database")?.volumes.first?.source == dir + "/db/pgdata",
                "an included file's paths are relative to its own folder")
        #expect(project.files.count == 3)
    }

    @Test func resetAndOverrideTags() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            services:
              s:
                image: x
                volumes: ['/a:/a', '/b:/b']
                environment: {A: 1, B: 2}
            """,
            "docker-compose.override.yml": """
            services:
              s:
                volumes: !override ['/c:/c']
                environment: !reset {}
            """,
        ], in: Fixtures.tempDir("reset"))
        let s = try #require(try loader.load(files: [dir]).service("s"))
        #expect(s.volumes.map(\.target) == ["/c"])
        #expect(s.environment.isEmpty)
    }

    @Test func unsetVariablesAreWarnings() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": "services:\n  s:\n    image: x:${TAG}\n",
        ], in: Fixtures.tempDir("unset"))
        let project = try loader.load(files: [dir])
        #expect(project.service("s")?.image == "x:")
        #expect(project.warnings == ["the \"TAG\" variable is not set; Compose defaults it to a blank string"])
    }

    @Test func processEnvironmentWinsOverDotEnv() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": "services:\n  s:\n    image: x\n    volumes: ['${UPLOAD_LOCATION}:/data']\n",
            ".env": "UPLOAD_LOCATION=./library\n",
            "other.env": "UPLOAD_LOCATION=/from/other\n",
        ], in: Fixtures.tempDir("envwins"))
        let fromShell = try ComposeLoader(environment: ["UPLOAD_LOCATION": "/from/shell"]).load(files: [dir])
        #expect(fromShell.service("s")?.volumes.first?.source == "/from/shell")
        let fromOther = try loader.load(files: [dir], envFile: dir + "/other.env")
        #expect(fromOther.service("s")?.volumes.first?.source == "/from/other")
    }

    // MARK: bad input

    func expectError(_ files: [String: String], envFile: String? = nil, line: Int? = nil,
                     _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let dir = Fixtures.write(files, in: Fixtures.tempDir("bad"))
        do {
            _ = try loader.load(files: [dir + "/docker-compose.yml"], envFile: envFile)
            Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
        } catch let error as DrillError {
            #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
            if let line { #expect(error.line == line, "\(error.description)", sourceLocation: sourceLocation) }
            #expect(error.exitCode == 3, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func malformedYAMLNamesTheLine() {
        expectError(["docker-compose.yml": "services:\n  s:\n    image: x\n   volumes: [\n"], line: 4, "malformed YAML")
        expectError(["docker-compose.yml": "services:\n  s:\n    image: [unclosed\n"], "malformed YAML")
    }

    @Test func requiredVariableUnset() {
        expectError(["docker-compose.yml": "services:\n  s:\n    image: x\n    volumes:\n      - ${UPLOAD_LOCATION:?set UPLOAD_LOCATION in .env}:/data\n"],
                    line: 5, "required variable UPLOAD_LOCATION is missing a value: set UPLOAD_LOCATION in .env")
    }

    @Test func missingFileAndWrongShapes() throws {
        #expect(throws: DrillError.self) { try loader.load(files: ["/nonexistent/docker-compose.yml"]) }
        expectError(["docker-compose.yml": "- a\n- b\n"], "expected a mapping at the top")
        expectError(["docker-compose.yml": "services:\n  s:\n    image: x\n    volumes: [':/data']\n"], line: 4,
                    "empty section between colons")
        expectError(["docker-compose.yml": "services:\n  s:\n    image: x\n    volumes: ['/a:/b:bogus']\n"],
                    "unknown option 'bogus'")
        expectError(["docker-compose.yml": "services:\n  s:\n    image: x\n    volumes:\n      - type: bind\n        target: /x\n"],
                    "needs a 'source'")
        expectError(["docker-compose.yml": "services:\n  s:\n    image: x\n    volumes: {a: b}\n"], line: 4,
                    "service 's' at 'volumes'")
        expectError(["docker-compose.yml": "services:\n  s:\n    image: ${BROKEN\n"], line: 3, "invalid interpolation")
    }

    @Test func shellWords() {
        #expect(ShellWords.split("start.sh microservices") == ["start.sh", "microservices"])
        #expect(ShellWords.split("postgres -c 'search_path=\"$user\", public'") ==
            ["postgres", "-c", "search_path=\"$user\", public"])
        #expect(ShellWords.split(" a\\ b \"c d\" ''") == ["a b", "c d", ""])
    }
}
