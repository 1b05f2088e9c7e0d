import Codec
import Foundation
import NIOCore
import Synchronization
import TestSupport
import Testing

/// Issue 12: a burst of 40,000 tiny frames on a connection whose in-flight slots are full
/// does not slow other connections (the duplicate check no longer scans the waiting calls),
/// and every one of them is answered once the slots free.
@Suite struct TinyFrameFloodTests {
    @Test func fortyThousandTinyFramesWhileTheSlotsAreFullLeaveHealthFast() async throws {
        let held = ControlledMethod()
        try await withTestServer(maxInFlight: 128, controlledMethod: held) { server in
            let flooder = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await flooder.send(try (1...128).map { try ControlledMethod.request(UInt64($0), timeoutMs: 600_000) })
            try await held.started.wait(forAtLeast: 128)
            // Each frame a Request of a call id alone: 4 + 4 bytes.
            var frames = ByteBuffer()
            for callID in UInt64(1_000)..<41_000 {
                var request = Catalog_V1_Request()
                request.callID = callID
                try frames.writeFrame(request)
            }

            let prober = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            let slowest = Mutex<Duration>(.zero)
            let probe: @Sendable (UInt64) async throws -> Void = { callID in
                let started = ContinuousClock.now
                try await prober.send(try .call(callID, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest()))
                let answer = try #require(try await prober.next())
                #expect(answer.callID == callID)
                let elapsed = ContinuousClock.now - started
                slowest.withLock { $0 = max($0, elapsed) }
            }
            // What Health costs on this machine now, without the flood, over as many probes as
            // below: the bound is 100 ms on an idle machine and grows only with what a busy one
            // (six CPU hogs, or every suite in parallel on a fresh clone) costs anyway.
            for callID in UInt64(1)...50 {
                try await probe(callID)
            }
            let baseline = slowest.withLock { $0 }
            slowest.withLock { $0 = .zero }
            try await flooder.send(bytes: frames)
            for callID in UInt64(21)...70 {
                try await probe(callID)
            }
            let flooded = slowest.withLock { $0 }
            #expect(
                flooded < .milliseconds(100) + baseline * 3,
                "slowest Health \(flooded), \(baseline) without the flood"
            )

            // Then the slots free and every call is answered: the waiting ones start in a loop,
            // not by recursion, however many one burst queued.
            held.gate.open()
            var answered = 0
            while answered < 40_128, try await flooder.next(limit: .seconds(60)) != nil {
                answered += 1
            }
            #expect(answered == 40_128)
            await flooder.close()
            await prober.close()
        }
    }
}
