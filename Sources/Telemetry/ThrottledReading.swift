/// A value read from somewhere costly (a query of the store) at most once per `interval`, however
/// often it is asked for: askers within the interval get the last reading, and askers at once
/// share one read. A scrape collector holds one, so that a client scraping `/metrics` in a loop
/// costs the store one query a second, not one per scrape.
public actor ThrottledReading<Value: Sendable> {
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let read: @Sendable () async throws -> Value
    private var last: (value: Value?, at: ContinuousClock.Instant)?
    private var reading: Task<Value?, Never>?

    /// - Parameters:
    ///   - now: the clock the interval is measured on (a test's, in tests).
    ///   - read: the costly read; a failure is remembered as no value for the interval.
    public init(
        interval: Duration = .seconds(1),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        read: @escaping @Sendable () async throws -> Value
    ) {
        self.interval = interval
        self.now = now
        self.read = read
    }

    /// The last reading if it is fresh, else a new one; `nil` when the read failed.
    public func value() async -> Value? {
        if let last = self.last, self.now() - last.at < self.interval {
            return last.value
        }
        if let reading = self.reading {
            return await reading.value
        }
        // A task of its own, so that askers meanwhile await the same read; it ends with the read,
        // which the store bounds by its own timeout.
        let reading = Task { [read] in try? await read() }
        self.reading = reading
        let value = await reading.value
        self.last = (value, self.now())
        self.reading = nil
        return value
    }
}
