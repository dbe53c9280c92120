// Runs independent jobs on a few threads (the demo's dumps, snapshot trees and archives keep both cores busy:
// compression is CPU, linking is kernel time). The first error wins; the other jobs still finish or fail alone.

import Foundation

package enum Parallel {
    package typealias Job = @Sendable () throws -> Void

    package static func run(_ jobs: [Job], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var error: Error?
        }
        let shared = Shared()
        let workers = max(1, min(threads, jobs.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    let index: Int? = shared.lock.withLock {
                        guard shared.next < jobs.count else { return nil }
                        shared.next += 1
                        return shared.next - 1
                    }
                    guard let index else { return }
                    do {
                        try jobs[index]()
                    } catch {
                        shared.lock.withLock { if shared.error == nil { shared.error = error } }
                    }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = shared.error { throw error }
    }
}

extension Parallel {
    /// Calls `body` for every index below `count`, spread over up to four threads (index k on lane k mod lanes).
    package static func forEachIndex(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
        try run((0..<lanes).map { lane in
            { for k in stride(from: lane, to: count, by: lanes) { try body(k) } }
        }, threads: lanes)
    }

    /// Jobs started on their own threads while the caller goes on; `wait()` joins them and throws the first error.
    package final class Started: @unchecked Sendable {
        private let group = DispatchGroup()
        private let lock = NSLock()
        private var error: Error?

        fileprivate init(_ jobs: [Job], threads: Int) {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                do { try Parallel.run(jobs, threads: threads) } catch { lock.withLock { self.error = error } }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        /// Waits for every job; throws the first error one of them threw.
        package func wait() throws {
            group.wait()
            if let error = lock.withLock({ error }) { throw error }
        }
    }

    /// Starts `jobs` on `threads` threads of their own and returns at once.
    package static func start(_ jobs: [Job], threads: Int = 1) -> Started { Started(jobs, threads: threads) }
}
