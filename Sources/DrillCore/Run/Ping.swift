// Dead-man's-switch pings for scheduled drills, in the two conventions self-hosters use:
// - healthchecks.io (and its self-hosted twin): `<url>/start` before the drill, `<url>/<exit code>` after, the
//   report as the POST body (healthchecks keeps the first 100 kB), both with the same `rid` so the two pair up.
// - Uptime Kuma's push monitors: one GET after the drill, `?status=up|down&msg=…&ping=<ms>`, the push URL's own
//   query (Kuma's UI shows it with `status=up&msg=OK&ping=`) replaced item by item.
// A ping that fails is reported and otherwise ignored: monitoring must never turn a good drill into a bad one.

import DrillReport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The monitoring service a ping URL speaks to: healthchecks.io (and its self-hosted twins) or an Uptime Kuma push monitor.
public enum PingStyle: String, Sendable, CaseIterable {
    case healthchecks
    case uptimeKuma = "uptime-kuma"
}

/// Tells a monitoring service that a scheduled drill started and how it ended.
public struct Pinger: Sendable {
    public var url: URL
    public var style: PingStyle
    /// Seconds per attempt.
    public var timeout: Double = 10
    /// Attempts per ping (healthchecks' own examples retry: a nightly ping lost to a blip pages someone).
    package var attempts = 3
    /// Pairs healthchecks' start and finish pings.
    public let runId = UUID().uuidString.lowercased()

    /// A pinger for an http(s) URL; anything else is a usage error naming it.
    public init(url: String, style: PingStyle) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", parsed.host != nil else {
            throw DrillError(.usage, "--ping needs an http(s) URL, got \"\(url)\"")
        }
        self.url = parsed
        self.style = style
    }

    /// Before the drill (healthchecks only: Uptime Kuma has no start signal). Returns a warning text on failure.
    public func start() -> String? {
        guard style == .healthchecks else { return nil }
        return send(method: "GET", url: healthchecksURL("start"), body: nil)
    }

    /// After the drill. `summary` is one line (Uptime Kuma's message), `body` the whole report (healthchecks).
    package func finish(exitCode: Int32, seconds: Double, summary: String, body: String) -> String? {
        switch style {
        case .healthchecks:
            var data = Data(body.utf8)
            if data.count > 100_000 { data = data.prefix(100_000) }
            return send(method: "POST", url: healthchecksURL(String(exitCode)), body: data)
        case .uptimeKuma:
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
            var items = (components.queryItems ?? []).filter { !["status", "msg", "ping"].contains($0.name) }
            // Kuma knows up and down; warnings stay up (they are in the message), critical and unknown go down.
            items.append(URLQueryItem(name: "status", value: exitCode <= 1 ? "up" : "down"))
            items.append(URLQueryItem(name: "msg", value: String(summary.prefix(250))))
            items.append(URLQueryItem(name: "ping", value: String(Int((seconds * 1000).rounded()))))
            components.queryItems = items
            // `+` in a message would read as a space on the server side.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            return send(method: "GET", url: components.url!, body: nil)
        }
    }

    func healthchecksURL(_ suffix: String) -> URL {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path + "/" + suffix
        var items = (components.queryItems ?? []).filter { $0.name != "rid" }
        items.append(URLQueryItem(name: "rid", value: runId))
        components.queryItems = items
        return components.url!
    }

    /// Sends one request with retries; nil on a 2xx answer, else what went wrong.
    func send(method: String, url: URL, body: Data?) -> String? {
        var failure = ""
        for attempt in 1...max(1, attempts) {
            if attempt > 1 { Thread.sleep(forTimeInterval: Double(attempt - 1)) }
            var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
            request.httpMethod = method
            request.setValue("immich-drill", forHTTPHeaderField: "User-Agent")
            if let body {
                request.httpBody = body
                request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
            }
            let result = Pinger.perform(request, timeout: timeout)
            switch result {
            case .success(let status) where (200..<300).contains(status): return nil
            case .success(let status): failure = "HTTP \(status)"
            case .failure(let text): failure = text
            }
        }
        return "ping \(Pinger.redacted(url)) failed after \(max(1, attempts)) attempts: \(failure)"
    }

    enum Outcome: Sendable {
        case success(Int)
        case failure(String)
    }

    private final class Box: @unchecked Sendable {
        var outcome = Outcome.failure("timed out")
    }

    static func perform(_ request: URLRequest, timeout: Double) -> Outcome {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        let task = session.dataTask(with: request) { _, response, error in
            if let error {
                box.outcome = .failure(error.localizedDescription)
            } else if let http = response as? HTTPURLResponse {
                box.outcome = .success(http.statusCode)
            } else {
                box.outcome = .failure("no HTTP response")
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 2) == .timedOut {
            task.cancel()
            return .failure("no answer in \(Int(timeout)) s")
        }
        return box.outcome
    }

    /// The URL without secrets: no query, and path parts of 8 or more characters (a healthchecks UUID or ping
    /// key, an Uptime Kuma push token) shown as `…`.
    static func redacted(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.query = nil
        components.path = components.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.count >= 8 ? "…" : String($0) }.joined(separator: "/")
        return components.string ?? url.host ?? "?"
    }
}
