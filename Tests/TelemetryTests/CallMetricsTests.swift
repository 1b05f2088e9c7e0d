import Testing

@testable import Telemetry

@Suite struct CallMetricsTests {
    private let getProduct = CallMethod(service: "catalog.v1.ProductService", method: "GetProduct")
    private let watch = CallMethod(service: "grpc.health.v1.Health", method: "Watch", type: "server_stream")

    @Test func callsAreCountedByMethodAndCodeWithTheirLatencyBucket() async {
        let calls = CallMetrics(transport: "framing", methods: [self.getProduct])
        let index = calls.index(of: "catalog.v1.ProductService/GetProduct")
        calls.started(index)
        calls.handled(index, code: 0, nanoseconds: 50_000)  // 50 µs: the first bucket
        calls.started(index)
        calls.handled(index, code: 5, nanoseconds: 3_000_000)  // 3 ms: le 0.005
        calls.started(index)
        #expect(calls.inFlight == 1)

        let text = await Self.render([calls])
        let labels =
            #"grpc_service="catalog.v1.ProductService",grpc_method="GetProduct",grpc_type="unary",transport="framing""#
        #expect(text.contains("grpc_server_started_total{\(labels)} 3\n"))
        #expect(text.contains("grpc_server_handled_total{\(labels),grpc_code=\"OK\"} 1\n"))
        #expect(text.contains("grpc_server_handled_total{\(labels),grpc_code=\"NotFound\"} 1\n"))
        #expect(text.contains("grpc_server_handling_seconds_bucket{\(labels),le=\"0.0001\"} 1\n"))
        #expect(text.contains("grpc_server_handling_seconds_bucket{\(labels),le=\"0.0025\"} 1\n"))
        #expect(text.contains("grpc_server_handling_seconds_bucket{\(labels),le=\"0.005\"} 2\n"))
        #expect(text.contains("grpc_server_handling_seconds_bucket{\(labels),le=\"+Inf\"} 2\n"))
        #expect(text.contains("grpc_server_handling_seconds_sum{\(labels)} 0.00305\n"))
        #expect(text.contains("grpc_server_handling_seconds_count{\(labels)} 2\n"))
        #expect(text.contains("catalog_calls_in_flight{transport=\"framing\"} 1\n"))
    }

    @Test func aMethodNotServedIsCountedAsUnknownAndUncalledMethodsAreLeftOut() async {
        let calls = CallMetrics(transport: "grpc", methods: [self.getProduct, self.watch])
        let index = calls.index(of: "evil.Service/\u{1F600}made-up")
        #expect(index == calls.unknownIndex)
        calls.started(index)
        calls.handled(index, code: 12, nanoseconds: 1)
        let text = await Self.render([calls])
        #expect(text.contains(#"grpc_service="unknown",grpc_method="unknown""#))
        #expect(text.contains(#"grpc_code="Unimplemented""#))
        #expect(!text.contains("GetProduct"), "no call, no series")
        #expect(!text.contains("made-up"))
    }

    @Test func twoTransportsShareEachFamily() async {
        let framing = CallMetrics(transport: "framing", methods: [self.getProduct])
        let grpc = CallMetrics(transport: "grpc", methods: [self.getProduct])
        for calls in [framing, grpc] {
            calls.started(0)
            calls.handled(0, code: 0, nanoseconds: 10)
        }
        let lines = await Self.render([framing, grpc]).split(separator: "\n")
        // Each family's TYPE once, and its samples of both transports right after it.
        let types = lines.filter { $0.hasPrefix("# TYPE") }
        #expect(types.count == Set(types).count)
        let handled = lines.indices.filter { lines[$0].hasPrefix("grpc_server_handled_total{") }
        #expect(handled.count == 2)
        #expect(handled.last! - handled.first! == 1)
    }

    private static func render(_ calls: [CallMetrics]) async -> String {
        var text = PrometheusText()
        await CallMetricsCollector(calls).collect(into: &text)
        return String(decoding: text.bytes, as: UTF8.self)
    }
}
