import Foundation
import TestSupport
import Testing

/// `rpc-client bench get-product` against a real daemon.
@Suite struct BenchCommandTests {
    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func closedAndOpenLoopsReportCallsLatenciesAndCountViewsOnlyWhenAnonymous() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--view-flush-interval", "0.1"]
            )
            let environment = ["HOME": directory + "/home"]
            let server = ["--server", "127.0.0.1:\(daemon.port)"]
            let login = try await runClient(
                ["login", "--username", "admin"] + server,
                in: directory,
                environment: environment.merging(["CATALOG_PASSWORD": try daemon.initialPassword]) { $1 }
            )
            #expect(login.status == 0, "\(login.stderr)")
            // No warm-up: every call is then measured, so the views must add up to the calls exactly.
            let short = ["--warmup", "0", "--duration", "1", "--connections", "2", "--json"]

            let closed = try await runClient(
                ["bench", "get-product", "--create", "5", "--in-flight", "4"] + short + server,
                in: directory,
                environment: environment
            )
            #expect(closed.status == 0, "\(closed.stderr)")
            let closedSummary = try self.json(closed.stdout)
            #expect(closedSummary["mode"] as? String == "closed")
            #expect(closedSummary["products"] as? Int == 5)
            #expect((closedSummary["calls"] as? Int ?? 0) > 0)
            #expect((closedSummary["errors"] as? [String: Int])?.isEmpty == true)
            #expect(closedSummary["unanswered"] as? Int == 0)
            let latency = try #require(closedSummary["latency_ms"] as? [String: Double])
            #expect((latency["p50"] ?? 0) > 0 && (latency["p50"] ?? 0) <= (latency["p99"] ?? 0))
            #expect((latency["p99"] ?? 0) <= (latency["max"] ?? 0))

            // Open loop: exactly the scheduled calls of the measured second, however coarse the ticks.
            let open = try await runClient(
                ["bench", "get-product", "--rate", "400", "--tick", "20000"] + short + server,
                in: directory,
                environment: environment
            )
            #expect(open.status == 0, "\(open.stderr)")
            let openSummary = try self.json(open.stdout)
            #expect(openSummary["mode"] as? String == "open")
            #expect(openSummary["tick_microseconds"] as? Int == 20000)
            #expect((395...405).contains(openSummary["calls"] as? Int ?? 0), "\(openSummary)")

            // Every anonymous call counts one view; admin reads count none, so the total stays put.
            let anonymousCalls = (closedSummary["calls"] as? Int ?? 0) + (openSummary["calls"] as? Int ?? 0)
            try await eventually("every anonymous call's view to be flushed") {
                try await Self.totalViews(server: server, directory: directory) == anonymousCalls
            }
            let before = anonymousCalls
            let admin = try await runClient(
                ["bench", "get-product", "--admin"] + short + server,
                in: directory,
                environment: environment
            )
            #expect(admin.status == 0, "\(admin.stderr)")
            #expect((try self.json(admin.stdout)["calls"] as? Int ?? 0) > 0)
            // Absence of views, shown by an event instead of a wait: one anonymous read after the
            // admin bench. A flush takes every count made before it, so once that read's view is
            // flushed, any view an admin read had counted is flushed too.
            let sku = try #require(try await Self.skus(server: server, directory: directory).first)
            let read = try await runClient(["products", "get", sku, "--anonymous"] + server, in: directory)
            #expect(read.status == 0, "\(read.stderr)")
            try await eventually("the anonymous read's view to be flushed", limit: .seconds(60)) {
                try await Self.totalViews(server: server, directory: directory) > before
            }
            #expect(try await Self.totalViews(server: server, directory: directory) == before + 1)
            #expect(try await daemon.terminate() == 0)
        }
    }

    /// The views of every product, summed (at most one page of them).
    private static func totalViews(server: [String], directory: String) async throws -> Int {
        try await Self.products(server: server, directory: directory).compactMap { Int($0["views"] as? String ?? "") }
            .reduce(0, +)
    }

    private static func skus(server: [String], directory: String) async throws -> [String] {
        try await Self.products(server: server, directory: directory).compactMap { $0["sku"] as? String }
    }

    /// One page of products, as `products list --json` prints them.
    private static func products(server: [String], directory: String) async throws -> [[String: Any]] {
        let list = try await runClient(["products", "list", "--json", "--page-size", "1000"] + server, in: directory)
        let page = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        return page?["products"] as? [[String: Any]] ?? []
    }

    @Test func withoutProductsTheBenchSaysWhatToPass() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let run = try await runClient(
                ["bench", "get-product", "--server", "127.0.0.1:\(daemon.port)", "--duration", "1"],
                in: directory
            )
            #expect(run.status != 0)
            #expect(run.stderr.contains("no products to read"))
            #expect(try await daemon.terminate() == 0)
        }
    }
}
