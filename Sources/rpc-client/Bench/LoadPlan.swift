import Foundation

/// What every connection of a load run does, and when. Times are `DispatchTime` uptime
/// nanoseconds, the monotonic clock every connection reads.
struct LoadPlan: Sendable {
    enum Shape: Sendable {
        /// Each connection keeps `inFlight` calls outstanding, sending one as each answer arrives.
        case closedLoop(inFlight: Int)
        /// Calls leave on a fixed schedule of `callsPerSecond` over all connections, whatever the
        /// answers do; a call's latency counts from its scheduled time, so a stalled server shows
        /// in the numbers instead of slowing the schedule (no coordinated omission). At most
        /// `maxInFlight` per connection are outstanding; the rest wait, their clocks running.
        case openLoop(callsPerSecond: Double, maxInFlight: Int)
    }

    var shape: Shape
    var connections: Int
    /// The `Request` of each call without its `call_id`, one per product; calls cycle through them.
    var requestTails: [[UInt8]]
    var start: UInt64
    /// Calls scheduled before this are warm-up: sent, but not measured.
    var measureFrom: UInt64
    /// No call is scheduled from here on.
    var end: UInt64
    /// How long after `end` answers are still awaited.
    var drainLimit: UInt64 = 5_000_000_000

    var measuredSeconds: Double { Double(self.end - self.measureFrom) / 1e9 }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
