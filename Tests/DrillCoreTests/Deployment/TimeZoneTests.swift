@testable import DrillCore
import Foundation
import Testing

/// The zone Immich names its dumps in, when the Compose file sets no TZ but mounts the host's /etc/localtime.
@Suite struct TimeZoneTests {
    func deployment(localtimeTarget: String, aliases: [MountAlias] = []) throws -> Deployment {
        let dir = Fixtures.tempDir("tz")
        try FileManager.default.createSymbolicLink(atPath: dir + "/localtime", withDestinationPath: localtimeTarget)
        Fixtures.write(["docker-compose.yml": """
            services:
              immich-server:
                image: ghcr.io/immich-app/immich-server:v2.7.5
                volumes:
                  - ./library:/data
                  - ./localtime:/etc/localtime:ro
            """], in: dir)
        return try DeploymentReader(environment: [:]).read(composeFiles: [dir + "/docker-compose.yml"], aliases: aliases)
    }

    @Test func aMountedLocaltimeOnThisMachineGivesItsZone() throws {
        let d = try deployment(localtimeTarget: "/usr/share/zoneinfo/Europe/Berlin")
        #expect(d.timeZone == "Europe/Berlin", "\(d.timeZoneSource)")
        #expect(d.timeZoneSource.contains("this machine is that host"))
    }

    @Test func onAnotherDrillMachineTheZoneStaysUnknown() throws {
        let d = try deployment(localtimeTarget: "/usr/share/zoneinfo/Europe/Berlin",
                               aliases: [MountAlias(host: "/volume1", drill: "/mnt/nas")])
        #expect(d.timeZone == nil && d.timeZoneSource.contains("not known"))
    }
}

/// A missing original's cause is decided by mtime and ctime together, and says which decided.
extension DrillRunnerTests {
    @Test func aChownedLiveFileIsNotCalledNewer() throws {
        let m = try demo()
        let c = try catalog(m)
        let plan = try DrillPlan.load(m.plan)
        let index = RestoreIndex()
        index.roots = [("/data", "upload", 1_000)]
        func cause(mtime: Double, ctime: Double) -> String {
            let verifier = Verifier(catalog: c, deployment: try! plan.readDeployment(), index: index, sample: nil,
                                    absentSources: [], liveStat: { _ in (mtime, ctime) })
            let asset = c.assets[0]
            return verifier.cause(of: "/data/upload/x.jpg", asset: asset)
        }
        #expect(cause(mtime: 2_000, ctime: 2_000) == "newer than the file snapshot (by its mtime)")
        #expect(cause(mtime: 500, ctime: 2_000).hasPrefix("not in the snapshot; only its ctime is after it"))
        #expect(cause(mtime: 500, ctime: 600) == "not in the snapshot, still on the live disk")
    }

    @Test func trashedCountsEveryAssetInTheTrashAsCatalogDoes() throws {
        let m = try demo()
        let report = try drill(m)
        let c = try catalog(m)
        let trashed = report.findings.first { $0.code == "trashed-assets" }?.count ?? 0
        #expect(trashed == c.counts.trashed && trashed > 0)
    }
}
