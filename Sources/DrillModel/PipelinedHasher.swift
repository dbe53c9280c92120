// SHA-1 of files as they stream past, on a second core: the producer (the thread extracting or copying) hands
// bytes over through a small ring of 1 MiB buffers, each holding pieces of one or more files, and goes on writing;
// a hashing thread digests them. Restoring and hashing then take about as long as the slower of the two, not the
// sum (the one-pass target: restore plus SHA-1 within 1.2x of the restore alone).

import Foundation

/// SHA-1 of files while they are written, on a second thread fed chunk by chunk.
package final class PipelinedHasher: @unchecked Sendable {
    private struct Segment {
        var id: Int
        var start: Int
        var end: Int
        var finished: Bool
    }

    private final class Item {
        let buffer: UnsafeMutableRawBufferPointer
        var used = 0
        var segments: [Segment] = []
        init(size: Int) { buffer = .allocate(byteCount: size, alignment: 16) }
        deinit { buffer.deallocate() }
    }

    private let condition = NSCondition()
    private var free: [Item] = []
    private var full: [Item] = []
    private var stopping = false
    private var done = false
    /// Digests done and not yet taken by `drain` (handed over per buffer, so a million files never pile up here).
    private var results: [(id: Int, digest: Digest20)] = []
    private var current: Item?
    private var currentID = -1
    private let size: Int

    package init(buffers: Int = 8, size: Int = 1 << 20) {
        self.size = size
        for _ in 0..<buffers { free.append(Item(size: size)) }
        let thread = Thread { [unowned self] in self.consume() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    // MARK: Producer

    /// A new file begins; its digest will be under `id`.
    package func begin(_ id: Int) { currentID = id }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let item = current ?? take()
            current = item
            let n = min(bytes.count - offset, size - item.used)
            (item.buffer.baseAddress! + item.used).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            if let last = item.segments.last, last.id == currentID, !last.finished, last.end == item.used {
                item.segments[item.segments.count - 1].end += n
            } else {
                item.segments.append(Segment(id: currentID, start: item.used, end: item.used + n, finished: false))
            }
            item.used += n
            offset += n
            if item.used == size { submit() }
        }
    }

    /// The current file is complete.
    public func end() {
        let item = current ?? take()
        current = item
        item.segments.append(Segment(id: currentID, start: item.used, end: item.used, finished: true))
        if item.segments.count > 4096 { submit() }
    }

    /// Hands over the digests finished so far (on the producer's thread, in the order the files were hashed).
    package func drain(_ each: (Int, Digest20) -> Void) {
        condition.lock()
        let ready = results
        results.removeAll(keepingCapacity: true)
        condition.unlock()
        for r in ready { each(r.id, r.digest) }
    }

    /// Waits for every digest and hands over those not drained yet.
    package func finish(_ each: (Int, Digest20) -> Void) {
        if current != nil { submit() }
        condition.lock()
        stopping = true
        condition.broadcast()
        while !done { condition.wait() }
        condition.unlock()
        drain(each)
    }

    private func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty { condition.wait() }
        return free.removeLast()
    }

    private func submit() {
        guard let item = current else { return }
        current = nil
        condition.lock()
        full.append(item)
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Consumer

    private func consume() {
        var hasher = SHA1Hasher()
        var hashing = -1
        var local: [(id: Int, digest: Digest20)] = []
        while true {
            condition.lock()
            while full.isEmpty && !stopping { condition.wait() }
            if full.isEmpty && stopping {
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let item = full.removeFirst()
            condition.unlock()
            for segment in item.segments {
                if segment.id != hashing {
                    hasher = SHA1Hasher()
                    hashing = segment.id
                }
                if segment.end > segment.start {
                    hasher.update(UnsafeRawBufferPointer(rebasing: item.buffer[segment.start..<segment.end]))
                }
                if segment.finished {
                    local.append((segment.id, hasher.finalize()))
                    hashing = -1
                }
            }
            item.used = 0
            item.segments.removeAll(keepingCapacity: true)
            condition.lock()
            free.append(item)
            results.append(contentsOf: local)
            local.removeAll(keepingCapacity: true)
            condition.broadcast()
            condition.unlock()
        }
    }
}
