import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import Testing

@testable import Telemetry

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The metrics listener over real sockets, asked by a client that is not ours (URLSession).
@Suite struct MetricsHTTPServerTests {
    @Test func servesTheExpositionAndProbesThatFollowTheServingState() async throws {
        let state = Mutex((serving: true, ready: true))
        let exposition = MetricsExposition()
        exposition.add(ScrapeClosure { text in text.gauge("test_answer", help: "The answer.", 42) })
        try await withServer(
            exposition: exposition,
            probes: ProbeState(
                isServing: { state.withLock { $0.serving } },
                isReady: { state.withLock { $0.ready } }
            )
        ) { base in
            let (metrics, metricsResponse) = try await Self.get(base, "/metrics")
            #expect(metricsResponse.statusCode == 200)
            #expect(
                metricsResponse.value(forHTTPHeaderField: "Content-Type") == ExpositionFormat.prometheusText.contentType
            )
            #expect(metrics.contains("# TYPE test_answer gauge\ntest_answer 42\n"))
            #expect(!metrics.contains("# EOF"))
            // Prometheus' own Accept header gets OpenMetrics.
            var openMetricsRequest = URLRequest(url: URL(string: base + "/metrics")!)
            openMetricsRequest.setValue(ExpositionFormatTests.prometheusAccept, forHTTPHeaderField: "Accept")
            let (openMetrics, openMetricsResponse) = try await URLSession.shared.data(for: openMetricsRequest)
            let openMetricsHTTP = try #require(openMetricsResponse as? HTTPURLResponse)
            #expect(
                openMetricsHTTP.value(forHTTPHeaderField: "Content-Type") == ExpositionFormat.openMetrics.contentType
            )
            #expect(String(decoding: openMetrics, as: UTF8.self).hasSuffix("test_answer 42\n# EOF\n"))

            #expect(try await Self.get(base, "/healthz").1.statusCode == 200)
            #expect(try await Self.get(base, "/readyz").1.statusCode == 200)
            state.withLock { $0.serving = false }
            let (health, notServing) = try await Self.get(base, "/healthz")
            #expect(notServing.statusCode == 503)
            #expect(health == "NOT_SERVING\n")
            #expect(try await Self.get(base, "/readyz").1.statusCode == 200, "the store down is not a drain")
            state.withLock { $0.ready = false }
            #expect(try await Self.get(base, "/readyz").1.statusCode == 503)

            #expect(try await Self.get(base, "/nothing").1.statusCode == 404)
            var post = URLRequest(url: URL(string: base + "/metrics")!)
            post.httpMethod = "POST"
            post.httpBody = Data(repeating: 0x61, count: 100_000)
            let (_, refused) = try await URLSession.shared.data(for: post)
            let http = try #require(refused as? HTTPURLResponse)
            #expect(http.statusCode == 405)
            #expect(http.value(forHTTPHeaderField: "Allow") == "GET, HEAD")
        }
    }

    @Test func aConnectionPastTheCapIsClosedAndAnIdleOneTimesOut() async throws {
        var configuration = MetricsHTTPServer.Configuration()
        configuration.maxConnections = 1
        configuration.idleTimeout = .milliseconds(200)
        try await withServer(configuration: configuration) { base in
            let port = Int(base.split(separator: ":").last!)!
            // The one connection allowed, idle: closed by the server after its idle timeout.
            let held = try await Self.connect(port: port)
            // Past the cap: closed at once, with no answer.
            let refused = try await Self.connect(port: port)
            try await withTimeout(.seconds(60), "the connection past the cap to be closed") {
                try await refused.closeFuture.get()
            }
            try await withTimeout(.seconds(60), "the idle connection to be closed") {
                try await held.closeFuture.get()
            }
        }
    }

    private func withServer(
        configuration: MetricsHTTPServer.Configuration = .init(),
        exposition: MetricsExposition = MetricsExposition(),
        probes: ProbeState = ProbeState(isServing: { true }, isReady: { true }),
        _ body: (String) async throws -> Void
    ) async throws {
        var configuration = configuration
        configuration.port = 0
        let server = MetricsHTTPServer(
            configuration: configuration,
            exposition: exposition,
            probes: probes,
            logger: Logger(label: "test")
        )
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let address = try #require(await server.listeningAddress())
        try await body("http://127.0.0.1:\(address.port!)")
        running.cancel()
        try await running.value
    }

    private static func get(_ base: String, _ path: String) async throws -> (String, HTTPURLResponse) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: base + path)!)
        return (String(decoding: data, as: UTF8.self), try #require(response as? HTTPURLResponse))
    }

    private static func connect(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
    }
}
