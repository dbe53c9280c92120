// Runs independent jobs on a few threads (the demo's dumps, snapshot trees and archives keep both cores busy:
// compression is CPU, linking is kernel time). The first error wins; the other jobs still finish or fail alone.

import Foundation

enum Parallel {
    typealias Job = @Sendable () throws -> Void

    static func run(_ jobs: [Job], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
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
