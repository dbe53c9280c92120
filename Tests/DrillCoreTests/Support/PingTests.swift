@testable import DrillCore
import DrillTestSupport
import Foundation
import Testing

/// Monitoring pings against a real HTTP server on loopback.
@Suite struct PingTests {
    @Test func healthchecksGetsStartThenTheExitCodeWithTheReport() throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let pinger = try Pinger(url: server.url + "/ping/5b1f3a2c-0000-4000-8000-000000000001/", style: .healthchecks)
        #expect(pinger.start() == nil)
        #expect(pinger.finish(exitCode: 2, seconds: 12.5, summary: "p: CRITICAL", body: "Drill\n  verdict CRITICAL\n") == nil)
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests[0].method == "GET")
        #expect(requests[0].target == "/ping/5b1f3a2c-0000-4000-8000-000000000001/start?rid=\(pinger.runId)")
        #expect(requests[1].method == "POST")
        #expect(requests[1].target == "/ping/5b1f3a2c-0000-4000-8000-000000000001/2?rid=\(pinger.runId)")
        #expect(requests[1].body == "Drill\n  verdict CRITICAL\n")
    }

    @Test func uptimeKumaGetsStatusMessageAndDuration() throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        // The push URL as Kuma's UI shows it: its own status/msg/ping are replaced.
        let pinger = try Pinger(url: server.url + "/api/push/AbCdEf1234?status=up&msg=OK&ping=", style: .uptimeKuma)
        #expect(pinger.start() == nil)
        #expect(server.requests.isEmpty)  // Kuma has no start signal
        #expect(pinger.finish(exitCode: 0, seconds: 1.2344, summary: "nas: OK; RTO 2h met+", body: "") == nil)
        #expect(pinger.finish(exitCode: 1, seconds: 1, summary: "w", body: "") == nil)
        #expect(pinger.finish(exitCode: 2, seconds: 1, summary: "c", body: "") == nil)
        let targets = server.requests.map(\.target)
        #expect(targets[0] == "/api/push/AbCdEf1234?status=up&msg=nas:%20OK;%20RTO%202h%20met%2B&ping=1234")
        #expect(targets[1].contains("status=up"))
        #expect(targets[2].contains("status=down"))
        #expect(targets.allSatisfy { $0.components(separatedBy: "status=").count == 2 })
    }

    @Test func aFailedPingIsAWarningWithoutItsSecret() throws {
        let server = try LoopbackHTTPServer()
        server.respond(with: 500)
        var pinger = try Pinger(url: server.url + "/ping/5b1f3a2c-0000-4000-8000-000000000001", style: .healthchecks)
        pinger.attempts = 2
        let warning = try #require(pinger.start())
        #expect(warning.contains("HTTP 500"))
        #expect(warning.contains("2 attempts"))
        #expect(!warning.contains("5b1f3a2c"))
        #expect(server.requests.count == 2)
        server.stop()
        // Nobody listening any more: refused, still only a warning.
        pinger.attempts = 1
        pinger.timeout = 2
        #expect(pinger.finish(exitCode: 0, seconds: 1, summary: "", body: "") != nil)
    }

    @Test func redirectsAreFollowedOnlyToHTTP() throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        var pinger = try Pinger(url: server.url + "/ping/5b1f3a2c-0000-4000-8000-000000000001", style: .healthchecks)
        pinger.attempts = 1
        server.queue(302, headers: ["Location: \(server.url)/moved/start"])
        #expect(pinger.start() == nil)
        #expect(server.requests.map(\.target).last == "/moved/start")
        // A redirect to a file (or any scheme but http and https) is refused, not read.
        server.queue(302, headers: ["Location: file:///etc/passwd"])
        let warning = try #require(pinger.start())
        #expect(warning.contains("failed after 1 attempts: Unsupported protocol"), "\(warning)")
        #expect(server.requests.count == 3)
    }

    @Test func aMonitorThatNeverAnswersCostsOnlyTheTimeout() throws {
        let server = try LoopbackHTTPServer()
        server.neverAnswer()
        var pinger = try Pinger(url: server.url + "/ping/5b1f3a2c-0000-4000-8000-000000000001", style: .healthchecks)
        pinger.attempts = 1
        pinger.timeout = 1
        let started = Date()
        let warning = try #require(pinger.start())
        // Bounded by the timeout (1 s), with room for a loaded machine; without one it would wait for ever.
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(warning.contains("failed after 1 attempts"))
        server.stop()
    }

    @Test func onlyHTTPURLsAreAccepted() {
        #expect(throws: DrillError.self) { try Pinger(url: "hc-ping.com/uuid", style: .healthchecks) }
        #expect(throws: DrillError.self) { try Pinger(url: "ftp://example.org/x", style: .healthchecks) }
    }
}
