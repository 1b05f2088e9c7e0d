import Foundation

/// What every connection of a load run does.
struct LoadPlan: Sendable {
    enum Shape: Sendable {
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

    var shape: Shape
    var connections: Int
    /// The `Request` of each call without its `call_id`, one per product; calls cycle through them.
    var requestTails: [[UInt8]]
    /// Load before measuring: calls are sent, not measured.
    var warmup: Duration
    var duration: Duration
    /// How long after the end answers are still awaited, in nanoseconds.
    var drainLimit: UInt64 = 5_000_000_000

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// When a run's calls are scheduled, fixed once every connection is up. Times are
/// `DispatchTime` uptime nanoseconds, the monotonic clock every connection reads.
struct LoadWindow: Sendable {
    var start: UInt64
    /// Calls scheduled before this are warm-up.
    var measureFrom: UInt64
    /// No call is scheduled from here on.
    var end: UInt64

    /// The window of `plan` starting now.
    init(startingNowFor plan: LoadPlan) {
        self.start = LoadPlan.now()
        self.measureFrom = self.start + UInt64(plan.warmup.nanoseconds)
        self.end = self.measureFrom + UInt64(plan.duration.nanoseconds)
    }

    var warmupSeconds: Double { Double(self.measureFrom - self.start) / 1e9 }
    var measuredSeconds: Double { Double(self.end - self.measureFrom) / 1e9 }
}
