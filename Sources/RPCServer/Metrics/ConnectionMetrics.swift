import Telemetry

/// What the framing's connections count on their hot path (bytes, reads held back) and at
/// their edges (TLS failures), in per-thread shards: each connection adds to its event loop's.
public final class ConnectionMetrics: Sendable {
    enum Event: Int, CaseIterable {
        case bytesReceived
        case bytesSent
        /// The connection's reading was held: its calls in flight or unwritten answers were at their bound.
        case readHeld
        /// A TLS handshake failed, or did not finish within the handshake timeout.
        case tlsFailed
    }

    private let counters = ShardedCounters(count: Event.allCases.count)

    init() {}

    @inline(__always)
    func add(_ event: Event, _ amount: Int = 1) {
        self.counters.add(amount, at: event.rawValue)
    }

    func total(_ event: Event) -> Int {
        self.counters.total(at: event.rawValue)
    }
}
