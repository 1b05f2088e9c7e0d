import Codec
import NIOCore
import Testing

@testable import LoadGenerator

/// A connection's bookkeeping, driven as a value: only calls scheduled inside the measured
/// window count, errors by code, and calls never answered are reported as such.
@Suite struct ConnectionCallsTests {
    @Test func onlyCallsScheduledInTheWindowAreMeasured() throws {
        let plan = LoadPlan(
            shape: .closedLoop(inFlight: 4),
            connections: 1,
            requestTails: [try LoadPlan.getProductRequestTail(sku: "s", accessToken: nil)],
            warmup: .zero,
            duration: .seconds(1)
        )
        var window = LoadWindow(startingNowFor: plan)
        (window.start, window.measureFrom, window.end) = (100, 1_000, 2_000)
        var calls = ConnectionCalls(plan: plan, index: 0)
        var sent = ByteBuffer()
        calls.write(2, scheduledAt: 500, into: &sent)  // ids 1 and 2, in the warm-up
        calls.write(3, scheduledAt: 1_500, into: &sent)  // ids 3 to 5, measured
        #expect(calls.inFlightCount == 5)

        let bytes = try responseFrames([(1, 0), (3, 0), (4, 5), (9, 0)])
        let read = try bytes.withUnsafeBytes { burst in
            try calls.answerFrames(in: burst, splitBy: FrameDecoder(maxFrameSize: 1024), at: 1_800, in: window)
        }
        #expect(read.consumed == bytes.count)
        #expect(read.answers == 3, "call 9 was never sent")
        let results = calls.finalResults()
        #expect(results.measuredCalls == 2)
        #expect(results.latencies.totalCount == 2 && results.latencies.max == 300)
        #expect(results.errors == [5: 1])
        #expect(results.unanswered == 2, "calls 2 and 5")
    }
}
