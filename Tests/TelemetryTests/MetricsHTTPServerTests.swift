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
        configuration.probeConnections = 0
        configuration.requestTimeout = .milliseconds(200)
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

    @Test func sixtyFourTricklersFromOneAddressDoNotStopAProbeFromAnother() async throws {
        var configuration = MetricsHTTPServer.Configuration()
        // Long enough that no trickler is closed for its slowness during the test.
        configuration.requestTimeout = .seconds(600)
        try await withServer(configuration: configuration) { base in
            let port = Int(base.split(separator: ":").last!)!
            var tricklers: [any Channel] = []
            let closed = EventCounter()
            for _ in 0..<64 {
                let channel = try await Self.connect(port: port)
                channel.closeFuture.whenComplete { _ in closed.increment() }
                // Those past the cap may be closed before this is written.
                try? await channel.writeAndFlush(ByteBuffer(string: "GET /metr")).get()
                tricklers.append(channel)
            }
            // Past the per-address cap, closed at once: 60 of the 64 (whichever the server took last).
            let cap = configuration.maxConnectionsPerAddress
            try await closed.wait(forAtLeast: 64 - cap, limit: .seconds(60))
            let answer = try await Self.request(
                "GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n",
                from: "127.0.0.2",
                port: port
            )
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            // Within its cap, a slow client keeps its connections until their deadline.
            #expect(tricklers.filter(\.isActive).count == cap)
            for channel in tricklers {
                try? await channel.close()
            }
        }
    }

    @Test func slotsKeptForProbesAnswerProbesAndNotMetricsWhenScrapersHoldTheRest() async throws {
        var configuration = MetricsHTTPServer.Configuration()
        configuration.maxConnections = 2
        // Two: the first's slot may not be free yet when the second comes (closes are noticed late).
        configuration.probeConnections = 2
        configuration.maxConnectionsPerAddress = 1
        configuration.requestTimeout = .seconds(600)
        try await withServer(configuration: configuration) { base in
            let port = Int(base.split(separator: ":").last!)!
            // Two scrapers from two addresses hold both full slots: each answered once (so surely
            // admitted), and kept alive.
            var held: [any Channel] = []
            for source in ["127.0.0.3", "127.0.0.4"] {
                let (channel, answer) = try await Self.exchange(
                    "GET /healthz HTTP/1.1\r\nHost: s\r\n\r\n",
                    from: source,
                    port: port
                )
                #expect(answer.hasPrefix("HTTP/1.1 200"))
                held.append(channel)
            }
            let refused = try await Self.request(
                "GET /metrics HTTP/1.1\r\nHost: s\r\n\r\n",
                from: "127.0.0.5",
                port: port
            )
            #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused)")
            let probe = try await Self.request("GET /readyz HTTP/1.1\r\nHost: p\r\n\r\n", from: "127.0.0.6", port: port)
            #expect(probe.hasPrefix("HTTP/1.1 200"), "\(probe)")
            for channel in held {
                try? await channel.close()
            }
        }
    }

    @Test func aTricklingRequestIsClosedAtItsDeadline() async throws {
        var configuration = MetricsHTTPServer.Configuration()
        configuration.requestTimeout = .milliseconds(300)
        try await withServer(configuration: configuration) { base in
            let port = Int(base.split(separator: ":").last!)!
            let channel = try await Self.connect(port: port)
            // On a busy machine the deadline may pass before this is written.
            try? await channel.writeAndFlush(ByteBuffer(string: "GET /metrics HTTP/1.1\r\n")).get()
            try await withTimeout(.seconds(60), "the trickling connection to be closed") {
                try await channel.closeFuture.get()
            }
        }
    }

    /// Sends `request` from the address `source` (any of 127.0.0.0/8 on loopback) and returns
    /// the head of the server's answer; the connection is closed.
    private static func request(_ request: String, from source: String, port: Int) async throws -> String {
        let (channel, answer) = try await Self.exchange(request, from: source, port: port)
        try? await channel.close()
        return answer
    }

    /// Sends `request` from `source` and returns the open connection and the head of its answer.
    private static func exchange(
        _ request: String,
        from source: String,
        port: Int
    ) async throws -> (any Channel, String) {
        let collected = Condition("")
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(collected: collected))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        try await withTimeout(.seconds(60), "an answer from the metrics listener") {
            await collected.wait { $0.contains("\r\n\r\n") }
        }
        return (channel, collected.value)
    }

    private static func connect(port: Int, from source: String) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .connect(host: "127.0.0.1", port: port)
            .get()
    }
}

/// Appends what a connection reads to `collected`, as text.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let collected: Condition<String>

    init(collected: Condition<String>) {
        self.collected = collected
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data)
        self.collected.update { $0 += String(buffer: bytes) }
    }
}
