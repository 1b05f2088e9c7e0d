import Foundation
import RPCClient
import TestSupport
import Testing

/// The gRPC listener's bounds, tried as a hostile client would (`grpc_client.py`'s raw HTTP/2
/// client): what a client leaves behind or holds open is let go, within the framing's timeouts.
@Suite(.enabled(if: PythonGRPCClient.isEnabled, "needs the Python h2 client: run with make test"))
struct GRPCBoundsTests {
    private struct Report: Decodable {
        var closed: Bool
        var seconds: Double?
        var answered: Int?
        var ended: Int?
        var statuses: [String: Int]?
        var resets: [String: Int]
    }

    @Test func abandonedHealthWatchesLeaveNoMemoryBehind() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--metrics-listen", "127.0.0.1:0"]
            )
            let metrics = try #require(daemon.metricsAddress)
            let client = try await PythonGRPCClient(daemon: daemon)
            // One round first: what the first connections allocate for good is not a leak.
            _ = try await client.run("abandon-watches", "--rounds", "1", "--streams", "100")
            let before = try daemon.residentBytes()
            let output = try await client.run("abandon-watches", "--rounds", "30", "--streams", "100")
            #expect(output.contains(#"{"abandoned": 3000}"#))
            // Each watch's task ends with its connection (before, each held about 30 KiB for good).
            try await eventually("every watch's work to end", limit: .seconds(30)) {
                try await PrometheusScrape(address: metrics).value("catalog_streaming_calls_running") == 0
            }
            #expect(try daemon.residentBytes() - before < 24 << 20)
            #expect(try await client.run("health") == "SERVING\n")
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func aWatchResetByItsClientEndsItsWorkWhileTheConnectionStays() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--metrics-listen", "127.0.0.1:0"]
            )
            let metrics = try #require(daemon.metricsAddress)
            let client = try await PythonGRPCClient(daemon: daemon)
            // 100 watches, each reset with RST_STREAM CANCEL; the connection is kept open.
            let watches = try client.start("abandon-watches", "--rounds", "1", "--streams", "100", "--reset")
            defer { watches.process.terminate() }
            _ = try await watches.output.wait { $0.contains(#"{"abandoned": 100}"#) }
            try await eventually("every reset watch's work to end", limit: .seconds(30)) {
                try await PrometheusScrape(address: metrics).value("catalog_streaming_calls_running") == 0
            }
            let scrape = try await PrometheusScrape(address: metrics)
            #expect(try scrape.value("catalog_connections_open") ?? 0 >= 1, "the connection stays open")
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func rapidResetEndsTheConnection() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let client = try await PythonGRPCClient(daemon: daemon)
            let output = try await client.run("rapid-reset", "--streams", "1000")
            // swift-nio-http2's bound: 200 resets in 30 s, then GOAWAY.
            #expect(output.contains(#""goaway": {"code": "ENHANCE_YOUR_CALM""#), "\(output)")
            #expect(try await client.run("health") == "SERVING\n")
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func aClientThatTakesNoAnswerIsLetGoWithinTheWriteTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--write-timeout", "2"])
            let sku = try await Self.createProduct(daemon)
            let client = try await PythonGRPCClient(daemon: daemon)
            // A flow-control window of 0: every answer is held, unsent.
            let report = try JSONDecoder().decode(
                Report.self,
                from: Data(try await client.run("zero-window", "--sku", sku, "--calls", "128", "--limit", "60").utf8)
            )
            #expect(report.closed)
            #expect(report.answered == 0)
            // 2 s of --write-timeout, and slack for a busy machine; never the 60 s limit.
            #expect(try #require(report.seconds) < 30, "\(report)")
            #expect(try #require(report.seconds) >= 1.5, "\(report)")
            #expect(try await client.run("health") == "SERVING\n")
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func aMessageLeftUnfinishedIsEndedWithinTheFrameTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--frame-timeout", "2"])
            let client = try await PythonGRPCClient(daemon: daemon)
            // 128 messages that declare 3 MiB and send what one window lets through, then nothing.
            let output = try await client.run(
                "stalled-message",
                "--streams",
                "128",
                "--declared",
                "\(3 << 20)",
                "--sent",
                "\(256 << 10)",
                "--limit",
                "60"
            )
            let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
            // Each answered RESOURCE_EXHAUSTED, and its stream ended; the connection serves on.
            #expect(report.statuses == ["8": 128], "\(output)")
            #expect(report.ended == 128, "\(output)")
            #expect(!report.closed, "\(output)")
            #expect(try #require(report.seconds) < 30, "\(output)")
            #expect(try #require(report.seconds) >= 1.5, "\(output)")
            #expect(try await daemon.terminate() == 0)
        }
    }

    /// One product, made by the first-start admin over the framing; its sku.
    private static func createProduct(_ daemon: DaemonProcess) async throws -> String {
        try await CatalogClient.withClient(daemon.clientConfiguration()) { admin in
            admin.setAccessToken(
                try await admin.login(username: "admin", password: try daemon.initialPassword).accessToken
            )
            return try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 100).sku
        }
    }
}
