@testable import DrillCore
import Foundation
import Testing
import DrillTestSupport

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
