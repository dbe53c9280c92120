@testable import DrillCore
import DrillTestSupport
import Testing

@Suite struct DeploymentTests {
    let reader = DeploymentReader(environment: ["HOME": "/home/op"])

    func fixture(_ version: String, extra: [String: String] = [:], env: [String: String] = [:]) throws -> Deployment {
        var files = [Fixtures.compose(version)]
        if !extra.isEmpty {
            let dir = Fixtures.write(extra, in: Fixtures.tempDir("fx"))
            files += extra.keys.sorted().map { dir + "/" + $0 }
        }
        var environment = env
        environment["HOME"] = "/home/op"
        return try DeploymentReader(environment: environment)
            .read(composeFiles: files, envFile: Fixtures.exampleEnv(version))
    }

    func codes(_ d: Deployment) -> [String] { d.findings.map(\.code) }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing)), arguments: Fixtures.composeVersions)
    func everyFixtureRelease(version: String) throws {
        let d = try fixture(version)
        let dir = Paths.directory(of: Fixtures.compose(version))
        let roles = Dictionary(uniqueKeysWithValues: d.services.map { ($0.name, $0.role) })
        #expect(roles["immich-server"] == .server)
        #expect(roles["immich-machine-learning"] == .machineLearning)
        #expect(roles["redis"] == .redis)
        #expect(roles["database"] == .database)
        #expect(roles["immich-microservices"] == (version == "v1.105.1" ? .microservices : nil))
        #expect(d.mediaLocation.hostPath == dir + "/library")
        #expect(d.mediaLocation.containerPath == (version == "v2.7.5" ? "/data" : "/usr/src/app/upload"))
        #expect(d.database == DatabaseSettings(user: "postgres", name: "immich", hostname: "database",
                                               service: "database", container: "immich_postgres",
                                               dataPath: dir + "/postgres", fromURL: false))
        #expect(d.immichVersion == (version == "v2.7.5" ? "v2" : "release"))
        #expect(!d.versionPinned)
        #expect(codes(d).contains("version-unpinned"))
        #expect(!codes(d).contains("mount-missing-in-worker"))
        #expect(d.externalMounts.isEmpty)
        #expect(d.mounts.first { $0.containerPath == "/etc/localtime" }?.kind == .system)
        #expect(d.mounts.first { $0.service == "database" }?.kind == .database)
        #expect(d.mounts.first { $0.service == "immich-machine-learning" }?.hostPath ==
            "/var/lib/docker/volumes/immich_model-cache/_data")
        #expect(d.project == "immich")
        #expect(d.sources.map(\.id) == ["database", "upload/library", "upload/upload", "upload/profile",
                                        "upload/backups", "upload/thumbs", "upload/encoded-video"])
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing)), arguments: Fixtures.composeVersions)
    func externalMountTheWayTheDocsShow(version: String) throws {
        let d = try fixture(version, extra: ["docker-compose.override.yml": """
        services:
          immich-server:
            volumes:
              - /mnt/nas/photos:/mnt/media/photos:ro
        """], env: ["IMMICH_VERSION": version])
        let external = try #require(d.externalMounts.first)
        #expect(d.externalMounts.count == 1)
        #expect(external.hostPath == "/mnt/nas/photos")
        #expect(external.containerPath == "/mnt/media/photos")
        #expect(external.readOnly)
        #expect(d.versionPinned && d.immichVersion == version)
        #expect(!codes(d).contains("media-not-mounted"))
        #expect(!codes(d).contains("version-unpinned"))
        #expect(!codes(d).contains("mount-writable"))
        #expect(codes(d).contains("host-path-missing"))
        #expect(d.sources.last?.id == "external:/mnt/media/photos")
        // v1.105.1 runs a separate microservices container, which this override forgot.
        let missing = d.findings.first { $0.code == "mount-missing-in-worker" }
        if version == "v1.105.1" {
            #expect(missing?.severity == .critical)
            #expect(missing?.examples == ["/mnt/media/photos is mounted on 'immich-server' but not on 'immich-microservices' (/mnt/nas/photos)"])
        } else {
            #expect(missing == nil)
        }
    }

    @Test func renamedServerSplitWorkersAndWritableMount() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            services:
              photos-api:
                image: ghcr.io/immich-app/immich-server:v1.140.1
                environment:
                  IMMICH_WORKERS_EXCLUDE: microservices
                volumes:
                  - ./upload:/data
                  - /volume1/photos:/photos
              photos-jobs:
                image: ghcr.io/immich-app/immich-server:v1.140.1
                environment:
                  IMMICH_WORKERS_INCLUDE: microservices
                volumes:
                  - ./upload:/data
              pg:
                image: ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0
                container_name: photo_db
                environment:
                  POSTGRES_USER: immich
                  POSTGRES_DB: photos
                volumes: [./pg:/var/lib/postgresql/data]
              kv:
                image: docker.io/valkey/valkey:8-bookworm
            """,
            ".env": "DB_HOSTNAME=pg\n",
        ], in: Fixtures.tempDir("renamed"))
        Fixtures.mkdir(dir + "/upload")
        Fixtures.mkdir(dir + "/pg")
        let d = try reader.read(composeFiles: [dir])
        let roles = Dictionary(uniqueKeysWithValues: d.services.map { ($0.name, $0.role) })
        #expect(roles == ["photos-api": .server, "photos-jobs": .microservices, "pg": .database, "kv": .redis])
        #expect(d.mediaLocation.containerPath == "/data")
        #expect(d.database.container == "photo_db")
        #expect(d.database.dataPath == dir + "/pg")
        let worker = try #require(d.findings.first { $0.code == "mount-missing-in-worker" })
        #expect(worker.count == 1)
        #expect(worker.examples[0].contains("/photos is mounted on 'photos-api' but not on 'photos-jobs'"))
        let writable = try #require(d.findings.first { $0.code == "mount-writable" })
        #expect(writable.examples == ["photos-api: /volume1/photos → /photos"])
        let mismatch = try #require(d.findings.first { $0.code == "database-settings-mismatch" })
        #expect(mismatch.count == 2)
        #expect(Outcome.from(findings: d.findings).exitStatus == .critical)
        #expect(d.services.first { $0.name == "kv" }?.containerName == ProjectName.of(dir) + "-kv-1")
    }

    @Test func namedVolumeUploadNFSExternalAndDatabaseURL() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            name: Home_Photos
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:v2.7.5@sha256:abc
                environment:
                  DB_URL: postgres://photo%20user:secret@db.lan:5433/library?sslmode=disable
                  TZ: Europe/Berlin
                volumes:
                  - media:/data
                  - nas:/mnt/nas:ro
                  - bound:/mnt/bound:ro
            volumes:
              media:
              nas:
                driver_opts: {type: nfs, o: "addr=192.168.1.10,ro", device: ":/volume1/photos"}
              bound:
                driver: local
                driver_opts: {type: none, o: bind, device: /srv/bound}
            """,
        ], in: Fixtures.tempDir("named"))
        let d = try reader.read(composeFiles: [dir])
        #expect(d.project == "home_photos")
        #expect(d.mediaLocation.volume == "home_photos_media")
        #expect(d.mediaLocation.hostPath == "/var/lib/docker/volumes/home_photos_media/_data")
        #expect(d.findings.contains { $0.code == "upload-named-volume" && $0.severity == .warning })
        let nas = try #require(d.externalMounts.first { $0.containerPath == "/mnt/nas" })
        #expect(nas.hostPath == nil)
        #expect(nas.remote == "nfs 192.168.1.10::/volume1/photos")
        #expect(d.externalMounts.first { $0.containerPath == "/mnt/bound" }?.hostPath == "/srv/bound")
        #expect(d.database.user == "photo user" && d.database.name == "library" && d.database.hostname == "db.lan")
        #expect(d.database.fromURL && d.database.container == nil)
        #expect(d.timeZone == "Europe/Berlin")
        #expect(d.versionPinned && d.immichVersion == "v2.7.5")
    }

    @Test func mediaLocationFollowsTheRelease() throws {
        func deploy(_ tag: String, _ mounts: [String], env: String = "") throws -> Deployment {
            let dir = Fixtures.write([
                "docker-compose.yml": """
                services:
                  immich-server:
                    image: ghcr.io/immich-app/immich-server:\(tag)
                    \(env)
                    volumes: [\(mounts.map { "'\($0)'" }.joined(separator: ", "))]
                """,
            ], in: Fixtures.tempDir("media"))
            return try reader.read(composeFiles: [dir])
        }
        // A release before v1.137 keeps media in /usr/src/app/upload whatever is mounted.
        let old = try deploy("v1.136.0", ["./lib:/data"])
        #expect(old.mediaLocation.containerPath == "/usr/src/app/upload")
        #expect(old.findings.first?.code == "media-not-mounted")
        #expect(old.findings.first?.severity == .critical)
        // v1.137+ with the old mount left in place still works.
        #expect(try deploy("v2.1.0", ["./lib:/usr/src/app/upload"]).mediaLocation.containerPath == "/usr/src/app/upload")
        #expect(try deploy("v2.1.0", ["./lib:/usr/src/app/upload", "./x:/data"]).mediaLocation.containerPath == "/usr/src/app/upload")
        #expect(try deploy("release", ["./lib:/data"]).mediaLocation.containerPath == "/data")
        let custom = try deploy("v2.1.0", ["./lib:/photos"], env: "environment: [IMMICH_MEDIA_LOCATION=/photos/]")
        #expect(custom.mediaLocation.containerPath == "/photos")
        #expect(!custom.findings.contains { $0.code == "media-not-mounted" })
        // A folder of UPLOAD_LOCATION mounted on its own (thumbnails on an SSD) is media too.
        let split = try deploy("v2.1.0", ["./lib:/data", "/ssd/thumbs:/data/thumbs"])
        #expect(split.mounts.allSatisfy { $0.kind == .media })
        #expect(split.sources.first { $0.id == "upload/thumbs" }?.hostPath == "/ssd/thumbs")
        #expect(split.sources.first { $0.id == "upload/upload" }?.hostPath == split.directory + "/lib/upload")
    }

    /// A v3 Compose file in the shape IMMICH.md §10 describes (Immich's own was not at hand): valkey 9, the
    /// VectorChord database image pinned by digest, IMMICH_VERSION=v3, /data.
    @Test(arguments: ["14-vectorchord0.4.3-pgvectors0.2.0", "14-vectorchord1.1.1-pgvector0.8.5"])
    func aV3ComposeFile(tag: String) throws {
        let dir = Fixtures.write([
            "docker-compose.yml": """
            name: immich
            services:
              immich-server:
                container_name: immich_server
                image: ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-v3}
                volumes:
                  - ${UPLOAD_LOCATION}:/data
                  - /etc/localtime:/etc/localtime:ro
                env_file: [.env]
                depends_on: [redis, database]
              immich-machine-learning:
                container_name: immich_machine_learning
                image: ghcr.io/immich-app/immich-machine-learning:${IMMICH_VERSION:-v3}
                volumes: [model-cache:/cache]
                env_file: [.env]
              redis:
                container_name: immich_redis
                image: docker.io/valkey/valkey:9@sha256:3b55fbaa0cd93cf0d9d961f405e4dfcc70efe325e2d84da207a0a8e6d8fde4f9
              database:
                container_name: immich_postgres
                image: ghcr.io/immich-app/postgres:\(tag)@sha256:bcf63357191b76a916ae5eb93464d65c07511da41e3bf7a8416db519b40b1c23
                environment:
                  POSTGRES_PASSWORD: ${DB_PASSWORD}
                  POSTGRES_USER: ${DB_USERNAME}
                  POSTGRES_DB: ${DB_DATABASE_NAME}
                  POSTGRES_INITDB_ARGS: '--data-checksums'
                volumes:
                  - ${DB_DATA_LOCATION}:/var/lib/postgresql/data
                shm_size: 128mb
            volumes:
              model-cache:
            """,
            ".env": "UPLOAD_LOCATION=./library\nDB_DATA_LOCATION=./postgres\nIMMICH_VERSION=v3\nDB_PASSWORD=postgres\nDB_USERNAME=postgres\nDB_DATABASE_NAME=immich\n",
        ], in: Fixtures.tempDir("v3"))
        let d = try reader.read(composeFiles: [dir + "/docker-compose.yml"])
        let roles = Dictionary(uniqueKeysWithValues: d.services.map { ($0.name, $0.role) })
        #expect(roles == ["immich-server": .server, "immich-machine-learning": .machineLearning, "redis": .redis, "database": .database])
        #expect(d.mediaLocation.containerPath == "/data" && d.mediaLocation.hostPath == dir + "/library")
        #expect(d.immichVersion == "v3" && !d.versionPinned && codes(d).contains("version-unpinned"))
        #expect(d.database.container == "immich_postgres" && d.database.dataPath == dir + "/postgres")
        let image = try #require(d.services.first { $0.role == .database }?.image.flatMap(DatabaseImage.init))
        #expect(image.postgresMajor == 14)
        if tag.contains("pgvectors") {
            #expect(image.extensions["vchord"] == "0.4.3" && image.extensions["vectors"] == "0.2.0" && image.extensions["vector"] != nil)
        } else {
            #expect(image.extensions == ["vchord": "1.1.1", "vector": "0.8.5"])
        }
        #expect(image.outsideV3.isEmpty)
    }

    @Test func olderReleaseWithTypesenseAndWorker() throws {
        // The shape of the v1.8x–v1.9x files: typesense, a microservices worker extending nothing, an old redis.
        let dir = Fixtures.write([
            "docker-compose.yml": """
            version: "3.8"
            name: immich
            services:
              immich-server:
                container_name: immich_server
                image: ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-release}
                command: [ "start.sh", "immich" ]
                volumes:
                  - ${UPLOAD_LOCATION}:/usr/src/app/upload
                  - /etc/localtime:/etc/localtime:ro
                  - ${EXTERNAL_PATH}:/usr/src/app/external:ro
                env_file:
                  - .env
                ports:
                  - ${EXPOSE_PORT-:2283:3001}
                depends_on: [redis, database, typesense]
              immich-microservices:
                container_name: immich_microservices
                image: ghcr.io/immich-app/immich-server:${IMMICH_VERSION:-release}
                command: [ "start.sh", "microservices" ]
                volumes:
                  - ${UPLOAD_LOCATION}:/usr/src/app/upload
                  - /etc/localtime:/etc/localtime:ro
                  - ${EXTERNAL_PATH}:/usr/src/app/external:ro
                env_file:
                  - .env
              immich-machine-learning:
                image: ghcr.io/immich-app/immich-machine-learning:${IMMICH_VERSION:-release}
                volumes:
                  - model-cache:/cache
              typesense:
                container_name: immich_typesense
                image: typesense/typesense:0.24.1@sha256:9bcff2b829f12074426ca044b56160ca9d777a0c488303469143dd9f8259d4dd
                environment:
                  - TYPESENSE_API_KEY=${TYPESENSE_API_KEY}
                  - TYPESENSE_DATA_DIR=/data
                volumes:
                  - tsdata:/data
              redis:
                container_name: immich_redis
                image: redis:6.2-alpine@sha256:70a7a5b641117670beae0d80658430853896b5ef269ccf00d1827427e3263fa3
              database:
                container_name: immich_postgres
                image: tensorchord/pgvecto-rs:pg14-v0.1.11@sha256:0335a1a22f8c5dd1b697f14f079934f5152eaaa216c09b61e293be285491f8ee
                env_file: [.env]
                environment:
                  POSTGRES_PASSWORD: ${DB_PASSWORD}
                  POSTGRES_USER: ${DB_USERNAME}
                  POSTGRES_DB: ${DB_DATABASE_NAME}
                volumes:
                  - pgdata:/var/lib/postgresql/data
            volumes:
              pgdata:
              model-cache:
              tsdata:
            """,
            ".env": """
            UPLOAD_LOCATION=./library
            EXTERNAL_PATH=/mnt/photos
            IMMICH_VERSION=v1.91.4
            TYPESENSE_API_KEY=some-random-text
            DB_PASSWORD=postgres
            DB_HOSTNAME=immich_postgres
            DB_USERNAME=postgres
            DB_DATABASE_NAME=immich
            REDIS_HOSTNAME=immich_redis
            """,
        ], in: Fixtures.tempDir("v191"))
        let d = try reader.read(composeFiles: [dir])
        let roles = Dictionary(uniqueKeysWithValues: d.services.map { ($0.name, $0.role) })
        #expect(roles["immich-microservices"] == .microservices)
        #expect(roles["typesense"] == .other)
        #expect(d.mediaLocation.containerPath == "/usr/src/app/upload")
        #expect(d.externalMounts.map(\.containerPath) == ["/usr/src/app/external"])
        #expect(d.database.service == "database", "DB_HOSTNAME names the container")
        #expect(d.database.dataPath == "/var/lib/docker/volumes/immich_pgdata/_data")
        #expect(!d.findings.contains { $0.code == "mount-missing-in-worker" })
        #expect(d.versionPinned)
    }

    @Test func noServerIsAClearError() throws {
        let dir = Fixtures.write([
            "docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16\n",
        ], in: Fixtures.tempDir("noserver"))
        do {
            _ = try reader.read(composeFiles: [dir])
            Issue.record("expected an error")
        } catch let error as DrillError {
            #expect(error.message.contains("no Immich server"))
            #expect(error.message.contains("web (nginx:1.27)"))
            #expect(error.exitCode == 3)
        }
        // …unless the plan names it.
        let named = try reader.read(composeFiles: [dir], serverService: "web")
        #expect(named.services.first { $0.name == "web" }?.role == .server)
    }

    @Test(.enabled(if: SharedFixtures.available, Comment(rawValue: SharedFixtures.missing))) func drillHostSeesTheNASElsewhere() throws {
        let nas = Fixtures.tempDir("nas")
        Fixtures.mkdir(nas + "/photos/2024")
        let d = try fixture("v2.7.5", extra: ["docker-compose.override.yml": """
        services:
          immich-server:
            volumes:
              - /volume1/photos:/mnt/media/photos:ro
        """], env: ["IMMICH_VERSION": "v2.7.5"])
        let aliased = try DeploymentReader(environment: ["HOME": "/home/op"]).read(
            composeFiles: d.composeFiles, envFile: Fixtures.exampleEnv("v2.7.5"),
            aliases: [MountAlias(host: "/volume1/photos", drill: nas + "/photos")])
        let mount = try #require(aliased.externalMounts.first)
        #expect(mount.drillPath == nas + "/photos")
        #expect(mount.existsHere)
        #expect(aliased.mountMap.resolve(containerPath: "/mnt/media/photos/2024/a.jpg").drillPath ==
            nas + "/photos/2024/a.jpg")
        let missing = aliased.findings.first { $0.code == "host-path-missing" }
        #expect(missing?.examples.contains { $0.contains("/volume1/photos") } != true)
    }
}

enum ProjectName {
    static func of(_ dir: String) -> String {
        ComposeLoader.normalizeProjectName((dir as NSString).lastPathComponent)
    }
}

import Foundation
