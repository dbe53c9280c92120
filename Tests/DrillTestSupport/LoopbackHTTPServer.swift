// A tiny HTTP/1.1 server on 127.0.0.1 for tests of the monitoring pings: it records each request (method, target,
// body) and answers with the status the test sets. One connection at a time, `Connection: close`.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Request: Sendable, Equatable {
        public var method: String
        public var target: String
        public var body: String
    }

    public let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var received: [Request] = []
    private var status = 200
    private var thread: Thread?
    private var stopped = false
    /// Signalled when the accept loop has ended.
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening on an ephemeral loopback port.
    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        let thread = Thread { [self] in self.serve() }
        self.thread = thread
        thread.start()
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The requests so far.
    public var requests: [Request] { lock.withLock { received } }

    /// The status later requests are answered with.
    public func respond(with status: Int) { lock.withLock { self.status = status } }

    /// The answers to the next requests, in order (then `respond(with:)`'s status): each a status line's code and
    /// extra header lines such as `Location: …`.
    public func queue(_ status: Int, headers: [String] = []) { lock.withLock { queued.append((status, headers)) } }
    private var queued: [(Int, [String])] = []

    /// From now on every request is read and never answered, until the server is stopped: a monitor that hangs.
    public func neverAnswer() { lock.withLock { silent = true } }
    private var silent = false

    /// Stops once: wakes the accept loop, waits for it to end, and only then closes the socket, so its descriptor
    /// number cannot be reused (by another test's server or file) while this server's thread still uses it, and a
    /// second stop (deinit after the test's own) closes nothing that is not its own.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        _ = finished.wait(timeout: .now() + 10)
        close(listener)
    }

    deinit { stop() }

    private func serve() {
        defer { finished.signal() }
        while !lock.withLock({ stopped }) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, 65536, 0) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if headerEnd == nil, let end = LoopbackHTTPServer.find(data, [13, 10, 13, 10]) {
                headerEnd = end + 4
                let head = String(decoding: data[0..<end], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headerEnd, data.count >= headerEnd + contentLength { break }
        }
        guard let headerEnd else { return }
        let head = String(decoding: data[0..<headerEnd], as: UTF8.self)
        let first = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
        let body = String(decoding: data[headerEnd..<min(data.count, headerEnd + contentLength)], as: UTF8.self)
        let (status, headers, silent) = lock.withLock { () -> (Int, [String], Bool) in
            received.append(Request(method: first.count > 0 ? String(first[0]) : "",
                                    target: first.count > 1 ? String(first[1]) : "", body: body))
            if !queued.isEmpty { let next = queued.removeFirst(); return (next.0, next.1, self.silent) }
            return (self.status, [], self.silent)
        }
        if silent {
            while !lock.withLock({ stopped }) { usleep(20_000) }
            return
        }
        let extra = headers.map { $0 + "\r\n" }.joined()
        let answer = Array("HTTP/1.1 \(status) X\r\n\(extra)Content-Length: 2\r\nConnection: close\r\n\r\nOK".utf8)
        _ = answer.withUnsafeBytes { send(client, $0.baseAddress, answer.count, Int32(MSG_NOSIGNAL)) }
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<i + needle.count]) == needle { return i }
        return nil
    }
}
