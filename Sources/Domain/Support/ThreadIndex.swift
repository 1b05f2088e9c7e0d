import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small number for each thread, given at its first use and kept in thread-local storage:
/// what every per-thread shard on the hot path is picked by (view counts, serialized products,
/// the call metrics' counters), so that each event loop takes locks and touches memory no other
/// loop does. Numbers are given in order, so a daemon's few event loops never share a shard.
public enum ThreadIndex {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-local key left")
        return key
    }()
    private static let nextIndex = Atomic<Int>(0)

    public static var current: Int {
        @inline(__always) get {
            if let stored = pthread_getspecific(self.key) {
                return Int(bitPattern: stored) - 1
            }
            let index = self.nextIndex.add(1, ordering: .relaxed).oldValue
            pthread_setspecific(self.key, UnsafeRawPointer(bitPattern: index + 1))
            return index
        }
    }
}
