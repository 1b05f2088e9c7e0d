/// The calls of one transport, by method and status code, with their latency: kept in
/// `ShardedCounters`, so that counting a call writes only the calling thread's shard, and
/// summed at each scrape. Rendered with go-grpc-prometheus's names, plus a `transport` label
/// (`framing` or `grpc`): dashboards made for grpc-go servers work unchanged.
public final class CallMetrics: Sendable {
    /// The codes are gRPC's (0...16), named as grpc-go names them.
    static let codeNames = [
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
        "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
        "Internal", "Unavailable", "DataLoss", "Unauthenticated",
    ]

    /// Per method: started, handled by code, the histogram's buckets (the last is +Inf), the
    /// sum of the latencies in nanoseconds.
    private enum Layout {
        static let started = 0
        static let handled = 1
        static let buckets = handled + CallMetrics.codeNames.count
        static let sum = buckets + LatencyBuckets.nanoseconds.count + 1
        static let stride = sum + 1
    }

    public let transport: String
    /// The methods counted, by their index; the last is `CallMethod.unknown`.
    public let methods: [CallMethod]
    private let indexes: [String: Int]
    private let counters: ShardedCounters

    public init(transport: String, methods: [CallMethod]) {
        self.transport = transport
        self.methods = methods.filter { $0 != .unknown } + [.unknown]
        self.indexes = Dictionary(
            self.methods.enumerated().map { ($0.element.fullName, $0.offset) },
            uniquingKeysWith: { first, _ in first }
        )
        self.counters = ShardedCounters(count: self.methods.count * Layout.stride)
    }

    /// The index of the method `service/method`, or the unknown method's.
    public func index(of fullName: String) -> Int {
        self.indexes[fullName] ?? self.unknownIndex
    }

    public var unknownIndex: Int { self.methods.count - 1 }

    /// A call of method `index` began.
    @inline(__always)
    public func started(_ index: Int) {
        self.counters.add(at: index * Layout.stride + Layout.started)
    }

    /// A call of method `index` ended with `code`, `nanoseconds` after it began.
    @inline(__always)
    public func handled(_ index: Int, code: Int, nanoseconds: Int) {
        let base = index * Layout.stride
        let code = code >= 0 && code < Self.codeNames.count ? code : 2  // UNKNOWN
        self.counters.add(at: base + Layout.handled + code)
        var bucket = 0
        let bounds = LatencyBuckets.nanoseconds
        while bucket < bounds.count, nanoseconds > bounds[bucket] {
            bucket += 1
        }
        self.counters.add(at: base + Layout.buckets + bucket)
        self.counters.add(max(nanoseconds, 0), at: base + Layout.sum)
    }

    /// Calls begun and not yet ended, over every method.
    public var inFlight: Int {
        var total = 0
        for index in self.methods.indices {
            let base = index * Layout.stride
            total += self.counters.total(at: base + Layout.started)
            for code in Self.codeNames.indices {
                total -= self.counters.total(at: base + Layout.handled + code)
            }
        }
        // Shards are read one after another while calls go on: never report less than none.
        return max(total, 0)
    }

    /// One transport's totals, read once for a scrape.
    struct Snapshot {
        var transport: String
        var methods: [(method: CallMethod, started: Int, handled: [Int], buckets: [Int], sumNanoseconds: Int)]
    }

    func snapshot() -> Snapshot {
        let bucketCount = LatencyBuckets.nanoseconds.count + 1
        return Snapshot(
            transport: self.transport,
            methods: self.methods.enumerated().map { index, method in
                let base = index * Layout.stride
                return (
                    method: method,
                    started: self.counters.total(at: base + Layout.started),
                    handled: Self.codeNames.indices.map { self.counters.total(at: base + Layout.handled + $0) },
                    buckets: (0..<bucketCount).map { self.counters.total(at: base + Layout.buckets + $0) },
                    sumNanoseconds: self.counters.total(at: base + Layout.sum)
                )
            }
        )
    }
}
