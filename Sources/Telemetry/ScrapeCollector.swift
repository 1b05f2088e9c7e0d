/// A source of samples read at each scrape: state that is cheaper to read than to track
/// (connections open, views pending, the outbox's depth), and the call metrics' shards.
public protocol ScrapeCollector: Sendable {
    /// Writes whole families; their names must not be another collector's or the registry's.
    func collect(into text: inout PrometheusText) async
}

/// A collector from a closure, for state the daemon's wiring reads.
public struct ScrapeClosure: ScrapeCollector {
    private let body: @Sendable (inout PrometheusText) async -> Void

    public init(_ body: @escaping @Sendable (inout PrometheusText) async -> Void) {
        self.body = body
    }

    public func collect(into text: inout PrometheusText) async {
        await self.body(&text)
    }
}
