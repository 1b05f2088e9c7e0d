import Codec
import Foundation

/// What every connection of a load run does.
public struct LoadPlan: Sendable {
    public enum Shape: Sendable {
        /// Each connection keeps `inFlight` calls outstanding, sending one as each answer arrives.
        case closedLoop(inFlight: Int)
        /// Calls leave on a fixed schedule of `callsPerSecond` over all connections, whatever the
        /// answers do; a call's latency counts from its scheduled time, so a stalled server shows
        /// in the numbers instead of slowing the schedule (no coordinated omission). At most
        /// `maxInFlight` per connection are outstanding; the rest wait, their clocks running.
        /// Every `tick` each generator thread sends the calls that came due since the last, and
        /// only then: batches, not single calls, so the generator leaves the machine idle time.
        case openLoop(callsPerSecond: Double, maxInFlight: Int, tick: Duration)
    }

    public var shape: Shape
    public var connections: Int
    /// The `Request` of each call without its `call_id`, one per product; calls cycle through them.
    public var requestTails: [[UInt8]]
    /// Load before measuring: calls are sent, not measured.
    public var warmup: Duration
    public var duration: Duration
    /// How long after the end answers are still awaited, in nanoseconds.
    var drainLimit: UInt64 = 5_000_000_000

    public init(shape: Shape, connections: Int, requestTails: [[UInt8]], warmup: Duration, duration: Duration) {
        self.shape = shape
        self.connections = connections
        self.requestTails = requestTails
        self.warmup = warmup
        self.duration = duration
    }

    /// The `Request` of a GetProduct of `sku` without its call id, as `requestTails` takes it;
    /// with an access token, as that admin (whose reads count no views).
    public static func getProductRequestTail(sku: String, accessToken: String?) throws -> [UInt8] {
        var get = Catalog_V1_GetProductRequest()
        get.sku = sku
        var request = Catalog_V1_Request()
        request.method = CatalogMethod.getProduct
        request.payload = try get.serializedBytes()
        if let accessToken {
            request.metadata[CatalogMetadata.authorization] = "Bearer \(accessToken)"
        }
        return try request.serializedBytes()
    }

    /// The most calls one connection has in flight at once.
    var maxInFlightPerConnection: Int {
        switch self.shape {
        case .closedLoop(let inFlight): inFlight
        case .openLoop(_, let maxInFlight, _): maxInFlight
        }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// When a run's calls are scheduled, fixed once every connection is up. Times are
/// `DispatchTime` uptime nanoseconds, the monotonic clock every connection reads.
public struct LoadWindow: Sendable {
    public var start: UInt64
    /// Calls scheduled before this are warm-up.
    public var measureFrom: UInt64
    /// No call is scheduled from here on.
    public var end: UInt64

    /// The window of `plan` starting now.
    init(startingNowFor plan: LoadPlan) {
        self.start = LoadPlan.now()
        self.measureFrom = self.start + UInt64(plan.warmup.nanoseconds)
        self.end = self.measureFrom + UInt64(plan.duration.nanoseconds)
    }

    var warmupSeconds: Double { Double(self.measureFrom - self.start) / 1e9 }
    var measuredSeconds: Double { Double(self.end - self.measureFrom) / 1e9 }
}
