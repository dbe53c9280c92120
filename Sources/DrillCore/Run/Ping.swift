// Dead-man's-switch pings for scheduled drills, in the two conventions self-hosters use:
// - healthchecks.io (and its self-hosted twin): `<url>/start` before the drill, `<url>/<exit code>` after, the
//   report as the POST body (healthchecks keeps the first 100 kB), both with the same `rid` so the two pair up.
// - Uptime Kuma's push monitors: one GET after the drill, `?status=up|down&msg=…&ping=<ms>`, the push URL's own
//   query (Kuma's UI shows it with `status=up&msg=OK&ping=`) replaced item by item.
// A ping that fails is reported and otherwise ignored: monitoring must never turn a good drill into a bad one.
// The request is made by libcurl (`Curl` below), opened only when a ping is sent: linking Foundation's URLSession
// would load libcurl and some thirty libraries behind it at every start of every command.

import CPosix
import DrillReport
import Foundation
#if canImport(Glibc)
import Glibc
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
        return send(url: healthchecksURL("start"), body: nil)
    }

    /// After the drill. `summary` is one line (Uptime Kuma's message), `body` the whole report (healthchecks).
    package func finish(exitCode: Int32, seconds: Double, summary: String, body: String) -> String? {
        switch style {
        case .healthchecks:
            var data = Data(body.utf8)
            if data.count > 100_000 { data = data.prefix(100_000) }
            return send(url: healthchecksURL(String(exitCode)), body: data)
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
            return send(url: components.url!, body: nil)
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

    /// Sends one request with retries (a POST of `body`, or a GET without one); nil on a 2xx answer, else what went wrong.
    func send(url: URL, body: Data?) -> String? {
        var failure = ""
        for attempt in 1...max(1, attempts) {
            if attempt > 1 { Thread.sleep(forTimeInterval: Double(attempt - 1)) }
            let result = Curl.perform(url: url.absoluteString, body: body, timeout: timeout)
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

/// libcurl's easy interface, looked up with dlopen(3) the first time a ping is sent (Debian's `libcurl4`, or the
/// GnuTLS build's `libcurl-gnutls.so.4`). One request at a time: a blocking `curl_easy_perform` bounded by the timeout.
enum Curl {
    /// The functions a request needs, or why libcurl could not be opened.
    private struct Functions {
        let easyInit: @convention(c) () -> UnsafeMutableRawPointer?
        let perform: @convention(c) (UnsafeMutableRawPointer?) -> Int32
        let cleanup: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let strerror: @convention(c) (Int32) -> UnsafePointer<CChar>?
        let slistAppend: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> UnsafeMutableRawPointer?
        let slistFree: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let setopt: UnsafeMutableRawPointer
        let getinfo: UnsafeMutableRawPointer
    }

    // curl.h's numbers (stable since libcurl 7.x; CURLOPTTYPE_LONG 0, _OBJECTPOINT 10000, _FUNCTIONPOINT 20000).
    private static let optURL: Int32 = 10002, optUserAgent: Int32 = 10018, optHTTPHeader: Int32 = 10023
    private static let optPostFields: Int32 = 10015, optPostFieldSize: Int32 = 60
    private static let optWriteFunction: Int32 = 20011, optNoSignal: Int32 = 99, optTimeoutMS: Int32 = 155
    private static let optConnectTimeoutMS: Int32 = 156, optFollowLocation: Int32 = 52, optMaxRedirs: Int32 = 68
    private static let optProtocols: Int32 = 181, optRedirProtocols: Int32 = 182, optHTTPGet: Int32 = 80
    private static let infoResponseCode: Int32 = 0x200000 + 2
    /// CURLPROTO_HTTP | CURLPROTO_HTTPS: a redirect to file://, ftp:// or anything else is refused.
    private static let httpProtocols = 1 | 2
    /// The names Debian ships libcurl under (OpenSSL build, GnuTLS build), then the development symlink.
    static let libraryNames = ["libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"]

    nonisolated(unsafe) private static let loaded: Result<Functions, CurlUnavailable> = load()

    private struct CurlUnavailable: Error { let text: String }

    private static func load() -> Result<Functions, CurlUnavailable> {
        guard let (name, handle) = libraryNames.lazy.compactMap({ name in dlopen(name, RTLD_NOW | RTLD_LOCAL).map { (name, $0) } }).first else {
            return .failure(CurlUnavailable(text: "libcurl is not installed (tried \(libraryNames.joined(separator: ", ")); on Debian: apt-get install libcurl4)"))
        }
        func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }
        guard let easyInit = symbol("curl_easy_init"), let perform = symbol("curl_easy_perform"),
              let cleanup = symbol("curl_easy_cleanup"), let strerror = symbol("curl_easy_strerror"),
              let slistAppend = symbol("curl_slist_append"), let slistFree = symbol("curl_slist_free_all"),
              let setopt = symbol("curl_easy_setopt"), let getinfo = symbol("curl_easy_getinfo"),
              let globalInit = symbol("curl_global_init") else {
            return .failure(CurlUnavailable(text: "\(name) lacks libcurl's easy interface (curl_easy_init, curl_easy_setopt, …)"))
        }
        // CURL_GLOBAL_DEFAULT (SSL | WIN32), once, before any handle (curl_easy_init would do it, unsafely if threaded).
        _ = unsafeBitCast(globalInit, to: (@convention(c) (Int) -> Int32).self)(3)
        return .success(Functions(
            easyInit: unsafeBitCast(easyInit, to: (@convention(c) () -> UnsafeMutableRawPointer?).self),
            perform: unsafeBitCast(perform, to: (@convention(c) (UnsafeMutableRawPointer?) -> Int32).self),
            cleanup: unsafeBitCast(cleanup, to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
            strerror: unsafeBitCast(strerror, to: (@convention(c) (Int32) -> UnsafePointer<CChar>?).self),
            slistAppend: unsafeBitCast(slistAppend, to: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> UnsafeMutableRawPointer?).self),
            slistFree: unsafeBitCast(slistFree, to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
            setopt: setopt, getinfo: getinfo))
    }

    /// One request, a POST of `body` or else a GET: the HTTP status of its answer (redirects followed, at most 5, http and https only), or what
    /// went wrong. The body of the answer is dropped as it arrives; the whole request ends within `timeout` seconds.
    static func perform(url: String, body: Data?, timeout: Double) -> Pinger.Outcome {
        let curl: Functions
        switch loaded {
        case .success(let functions): curl = functions
        case .failure(let unavailable): return .failure(unavailable.text)
        }
        guard let easy = curl.easyInit() else { return .failure("libcurl could not make a request handle") }
        defer { curl.cleanup(easy) }
        var headers: UnsafeMutableRawPointer? = nil
        defer { curl.slistFree(headers) }
        let milliseconds = max(1, Int((timeout * 1000).rounded()))
        var failed: Int32 = 0
        func long(_ option: Int32, _ value: Int) {
            if failed == 0 { failed = drill_curl_setopt_long(curl.setopt, easy, option, value) }
        }
        func text(_ option: Int32, _ value: String) {
            // libcurl copies string options (since 7.17), so the C string need only live through the call.
            if failed == 0 { failed = value.withCString { drill_curl_setopt_pointer(curl.setopt, easy, option, $0) } }
        }
        text(optURL, url)
        long(optProtocols, httpProtocols)
        long(optRedirProtocols, httpProtocols)
        long(optFollowLocation, 1)
        long(optMaxRedirs, 5)
        long(optNoSignal, 1)
        long(optTimeoutMS, milliseconds)
        long(optConnectTimeoutMS, milliseconds)
        text(optUserAgent, "immich-drill")
        if failed == 0 { failed = drill_curl_setopt_discard(curl.setopt, easy, optWriteFunction) }
        // A NUL after the body, so even an empty one has an address (a null POSTFIELDS makes libcurl read stdin).
        let bodyBytes = [UInt8](body ?? Data()) + [0]
        if body != nil {
            headers = curl.slistAppend(headers, "Content-Type: text/plain; charset=utf-8")
            // Sent as it is, without libcurl's `Expect: 100-continue` wait for bodies over 1 MiB.
            headers = curl.slistAppend(headers, "Expect:")
            if failed == 0 { failed = drill_curl_setopt_pointer(curl.setopt, easy, optHTTPHeader, headers) }
            long(optPostFieldSize, bodyBytes.count - 1)
        } else {
            long(optHTTPGet, 1)
        }
        if failed != 0 { return .failure("libcurl refused an option: \(message(curl, failed))") }
        // POSTFIELDS is not copied: the bytes must stay put until the request is done.
        let code: Int32 = bodyBytes.withUnsafeBytes { raw in
            if body != nil {
                let refused = drill_curl_setopt_pointer(curl.setopt, easy, optPostFields, raw.baseAddress)
                if refused != 0 { return refused }
            }
            return curl.perform(easy)
        }
        if code != 0 { return .failure(message(curl, code)) }
        var status = 0
        _ = drill_curl_getinfo_long(curl.getinfo, easy, infoResponseCode, &status)
        return status == 0 ? .failure("no HTTP response") : .success(status)
    }

    private static func message(_ curl: Functions, _ code: Int32) -> String {
        curl.strerror(code).map { String(cString: $0) } ?? "libcurl error \(code)"
    }
}
