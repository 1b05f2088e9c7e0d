import Codec
import NIOCore

/// One connection's calls: those in flight and when each was scheduled, what the answered
/// ones measured, and the id and product of the next. The handler changes this value once per
/// read burst, so a burst of answers costs one exclusivity check on the handler, not several
/// per call.
struct ConnectionCalls {
    private var results = LoadConnectionHandler.Results()
    /// Scheduled send time of each call in flight, by call id.
    private var inFlight: InFlightCalls
    private var nextCallID: UInt64 = 1
    /// The `Request` of each call without its call id, one per product; calls cycle through them.
    private let requestTails: [[UInt8]]
    private var nextRequest: Int

    /// - Parameter index: the connection's; connections start at different products, so the
    ///   calls spread over all of them.
    init(plan: LoadPlan, index: Int) {
        self.requestTails = plan.requestTails
        self.nextRequest = index % plan.requestTails.count
        self.inFlight = InFlightCalls(capacity: plan.maxInFlightPerConnection)
    }

    var inFlightCount: Int { self.inFlight.count }

    /// Records the answers of one read burst, walked through one pointer (no buffer per frame):
    /// how many bytes its whole frames took, and how many of them answered a call in flight.
    mutating func answerFrames(
        in burst: UnsafeRawBufferPointer,
        splitBy frames: FrameDecoder,
        at now: UInt64,
        in window: LoadWindow
    ) throws(FrameTooLargeError) -> (consumed: Int, answers: Int) {
        var consumed = 0
        var answers = 0
        while let body = try frames.body(in: burst, at: consumed) {
            consumed = body.upperBound
            if self.answer(ResponseHeader(body: UnsafeRawBufferPointer(rebasing: burst[body])), at: now, in: window) {
                answers += 1
            }
        }
        return (consumed, answers)
    }

    /// Records one answer; false when it answers no call in flight (or is not a message).
    private mutating func answer(_ header: ResponseHeader?, at now: UInt64, in window: LoadWindow) -> Bool {
        guard let header, let scheduled = self.inFlight.remove(header.callID) else {
            return false
        }
        if scheduled >= window.measureFrom && scheduled < window.end {
            self.results.measuredCalls += 1
            _ = self.results.latencies.record(now &- scheduled)
            if header.code != 0 {
                self.results.errors[header.code, default: 0] += 1
            }
        }
        return true
    }

    /// Appends `count` calls scheduled at `time` to `buffer`, each with the next id and product.
    mutating func write(_ count: Int, scheduledAt time: UInt64, into buffer: inout ByteBuffer) {
        for _ in 0..<count {
            let callID = self.nextCallID
            self.nextCallID &+= 1
            self.inFlight.insert(callID, at: time)
            buffer.writeRequestFrame(callID: callID, tail: self.requestTails[self.nextRequest])
            self.nextRequest = self.nextRequest + 1 == self.requestTails.count ? 0 : self.nextRequest + 1
        }
    }

    /// What the connection measured, with the calls still in flight counted as unanswered.
    func finalResults() -> LoadConnectionHandler.Results {
        var results = self.results
        results.unanswered = self.inFlight.count
        return results
    }
}
