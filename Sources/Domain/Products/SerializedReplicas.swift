import Foundation
import Synchronization

/// Each thread's own copies of the serialized products it served, for GetProduct's hot path.
///
/// The cache's entries are shared by every event loop: reading one takes its stripe's lock and
/// retains its bytes, and both write to memory the other loop's core then has to fetch back
/// (the lock word, the array's reference count). A thread's replica is touched by that thread
/// alone (and by no flush), so a read from it stays in the core's cache. A replica is valid for
/// one `generation` of the cache, which every change to it advances: the first read after a
/// change finds its replica stale, empties it and reads the shared entry again.
final class SerializedReplicas: Sendable {
    private struct Replica {
        var generation: UInt64 = .max
        var serialized: [UUID: [UInt8]] = [:]
    }

    private final class Slot: Sendable {
        let replica = Mutex(Replica())
    }

    /// Threads beyond this many share replicas (index modulo the count); a daemon has far fewer.
    private static let slotCount = 64
    private let slots: [Slot] = (0..<SerializedReplicas.slotCount).map { _ in Slot() }
    private let changes = Atomic<UInt64>(0)
    /// Products one replica keeps: the hot ones; past it, reads go to the shared entries.
    let capacityPerThread: Int

    init(capacityPerThread: Int = 4096) {
        self.capacityPerThread = capacityPerThread
    }

    /// The cache changed: every replica is stale from now on. Call after the change is made.
    func invalidate() {
        self.changes.wrappingAdd(1, ordering: .releasing)
    }

    /// The generation a read starts in: pass it to `bytes` and `keep`.
    var generation: UInt64 { self.changes.load(ordering: .acquiring) }

    /// This thread's copy of `sku`'s serialized form, if it has one for `generation`.
    @inline(__always)
    func bytes(_ sku: UUID, generation: UInt64) -> [UInt8]? {
        self.slot.replica.withLock { replica in
            guard replica.generation == generation else {
                replica.generation = generation
                replica.serialized.removeAll(keepingCapacity: true)
                return nil
            }
            return replica.serialized[sku]
        }
    }

    /// Keeps a copy of `bytes` (read from the shared entry in `generation`) for this thread,
    /// and returns it; the copy is this thread's alone, the shared array is not retained.
    func keep(_ bytes: [UInt8], for sku: UUID, generation: UInt64) -> [UInt8] {
        let copy = bytes.withUnsafeBufferPointer { Array($0) }
        self.slot.replica.withLock { replica in
            if replica.generation == generation, replica.serialized.count < self.capacityPerThread {
                replica.serialized[sku] = copy
            }
        }
        return copy
    }

    private var slot: Slot {
        @inline(__always) get { self.slots[ThreadIndex.current & (Self.slotCount - 1)] }
    }
}
