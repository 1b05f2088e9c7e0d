/// The upper bounds of every latency histogram, in seconds: from 100 µs (GetProduct from the
/// cache takes a few) to 10 s (the slowest store call within a deadline).
enum LatencyBuckets {
    public static let seconds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// The same bounds in nanoseconds, for the hot path's integer comparisons.
    static let nanoseconds: [Int] = Self.seconds.map { Int(($0 * 1e9).rounded()) }

    public static var durations: [Duration] {
        Self.nanoseconds.map { .nanoseconds($0) }
    }
}
