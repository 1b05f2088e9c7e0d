import Foundation
import Histogram
import Testing

@testable import LoadGenerator

/// What `rpc-client bench` prints and the benchmark scripts read: the JSON's names are a contract.
@Suite struct BenchSummaryTests {
    @Test func aClosedLoopReportReadsAsJSONAndText() throws {
        var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for microseconds in 1...1000 {
            latencies.record(UInt64(microseconds) * 1000)
        }
        let plan = LoadPlan(
            shape: .closedLoop(inFlight: 32),
            connections: 16,
            requestTails: [[]],
            warmup: .seconds(2),
            duration: .seconds(8)
        )
        var window = LoadWindow(startingNowFor: plan)
        window.measureFrom = window.start + 2_000_000_000
        window.end = window.measureFrom + 8_000_000_000
        let report = LoadRunner.Report(
            plan: plan,
            window: window,
            latencies: latencies,
            measuredCalls: 8000,
            errors: [14: 3, 99: 1],
            unanswered: 2,
            generatorCPUSeconds: 0.004,
            serverCPUSeconds: nil
        )
        let summary = BenchSummary(report, caller: "anonymous", products: 1)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(try summary.json().utf8)) as? [String: Any]
        )
        #expect(json["calls_per_second"] as? Double == 1000)
        #expect(json["mode"] as? String == "closed")
        #expect(json["in_flight"] as? Int == 32)
        #expect(json["errors"] as? [String: Int] == ["UNAVAILABLE": 3, "CODE_99": 1])
        let cpu = try #require(json["cpu_us_per_call"] as? [String: Any])
        #expect(cpu["generator"] as? Double == 0.5)
        #expect(cpu["server"] == nil, "no server pid, no figure")
        let latency = try #require(json["latency_ms"] as? [String: Double])
        #expect(abs((latency["p50"] ?? 0) - 0.5) < 0.01)
        #expect(summary.text.contains("closed loop, 32 in flight per connection"))
        #expect(summary.text.contains("errors     CODE_99 1, UNAVAILABLE 3"))
        #expect(summary.text.contains("cpu/call   generator 0.50 µs  server -"))
    }
}
