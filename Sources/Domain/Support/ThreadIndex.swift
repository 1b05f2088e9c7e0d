import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small number for each thread, given at its first use and kept in thread-local storage:
/// what the hot path's per-thread shards (view counts, serialized products) are picked by, so
/// that each event loop takes locks and touches memory no other loop does.
enum ThreadIndex {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-local key left")
        return key
    }()
    private static let nextIndex = Atomic<Int>(0)

    static var current: Int {
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
