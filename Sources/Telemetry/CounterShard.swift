import Domain
import Synchronization

/// A fixed array of counters that threads add to without locks. One shard is written mostly by
/// one thread (`ShardedCounters` picks it by thread), so its cache lines stay with that core;
/// a scrape reads every shard. Adds are atomic all the same, so a shard two threads share
/// (more threads than shards) still counts exactly.
///
/// `@unchecked Sendable`: the storage is only ever touched through its atomics, and is freed
/// once no reference is left.
final class CounterShard: @unchecked Sendable {
    /// Keeps the counters of two shards off one cache line, so that two cores never write one.
    private static let padding = 16
    private let storage: UnsafeMutablePointer<Atomic<Int>>
    private let count: Int

    init(count: Int) {
        self.count = count
        let allocated = count + 2 * Self.padding
        self.storage = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: allocated)
        for index in 0..<allocated {
            (self.storage + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        self.storage.deinitialize(count: self.count + 2 * Self.padding)
        self.storage.deallocate()
    }

    @inline(__always)
    func add(_ amount: Int, at index: Int) {
        precondition(index >= 0 && index < self.count, "counter index out of range")
        self.storage[Self.padding + index].wrappingAdd(amount, ordering: .relaxed)
    }

    func value(at index: Int) -> Int {
        precondition(index >= 0 && index < self.count, "counter index out of range")
        return self.storage[Self.padding + index].load(ordering: .relaxed)
    }
}

/// Counters kept per thread and summed when read: the calls on the hot path add to their own
/// thread's shard, so the event loops never write a cache line another core writes. The shard
/// is the thread's `ThreadIndex`, as every per-thread shard is.
public final class ShardedCounters: Sendable {
    private let shards: [CounterShard]
    private let mask: Int
    /// How many counters each shard holds.
    public let count: Int

    /// - Parameter shards: rounded up to a power of two; a daemon runs far fewer threads.
    public init(count: Int, shards: Int = 16) {
        var size = 1
        while size < shards { size <<= 1 }
        self.shards = (0..<size).map { _ in CounterShard(count: count) }
        self.mask = size - 1
        self.count = count
    }

    /// Adds `amount` to counter `index` in the calling thread's shard.
    @inline(__always)
    public func add(_ amount: Int = 1, at index: Int) {
        self.shards[ThreadIndex.current & self.mask].add(amount, at: index)
    }

    /// The sum of counter `index` over every shard.
    public func total(at index: Int) -> Int {
        self.shards.reduce(0) { $0 &+ $1.value(at: index) }
    }
}
