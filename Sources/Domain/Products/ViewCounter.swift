public import Foundation
import Synchronization

/// Counts anonymous reads in memory until the next flush.
///
/// Each thread counts into a shard of its own, so the event loops never take a lock another
/// loop takes: a shard's lock is shared only with the flush, once per interval. No database
/// I/O happens per read.
public final class ViewCounter: Sendable {
    private final class Shard: Sendable {
        let counts = Mutex<[UUID: UInt64]>([:])
    }

    /// Threads beyond this many share shards (index modulo the count); a daemon has far fewer.
    private static let shardCount = 64
    private let shards: [Shard] = (0..<ViewCounter.shardCount).map { _ in Shard() }

    public init() {}

    /// Counts one view of `sku`.
    @inline(__always)
    public func count(_ sku: UUID) {
        self.shards[ThreadIndex.current & (Self.shardCount - 1)].counts.withLock { counts in
            counts[sku, default: 0] += 1
        }
    }

    /// The views counted and not yet drained.
    func pendingCount() -> UInt64 {
        self.shards.reduce(0) { total, shard in
            total + shard.counts.withLock { $0.values.reduce(0, +) }
        }
    }

    /// Takes every count gathered so far, leaving the counter empty.
    public func drain() -> [UUID: UInt64] {
        var drained: [UUID: UInt64] = [:]
        for shard in self.shards {
            let counts = shard.counts.withLock { counts in
                defer { counts.removeAll(keepingCapacity: true) }
                return counts
            }
            drained.merge(counts, uniquingKeysWith: +)
        }
        return drained
    }
}
