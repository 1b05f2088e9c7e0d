import Foundation
import TestSupport

/// A daemon's `/metrics` as Prometheus' own parser (`prometheus_client`, from
/// `Tests/Interop/scrape_metrics.py`) read it: a scrape that does not parse fails.
struct PrometheusScrape: Sendable {
    struct Sample: Decodable, Sendable {
        var family: String
        var type: String
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/scrape_metrics.py").path

    let samples: [Sample]

    /// Scrapes `http://<address>/metrics`, asking for OpenMetrics as Prometheus does when
    /// `openMetrics`, and parsed by the strict OpenMetrics parser then.
    init(address: String, openMetrics: Bool = false) async throws {
        guard let python = PythonGRPCClient.python else {
            throw ProcessFailure("CATALOG_TEST_PYTHON is not set: run the tests with make test")
        }
        let run = try await runProcess(
            URL(fileURLWithPath: python),
            [Self.script] + (openMetrics ? ["--openmetrics"] : []) + ["http://\(address)/metrics"],
            limit: .seconds(120)
        )
        guard run.status == 0 else {
            throw ProcessFailure("scrape_metrics.py exited \(run.status):\n\(run.stderr)\(run.stdout)")
        }
        self.samples = try JSONDecoder().decode([Sample].self, from: Data(run.stdout.utf8))
    }

    /// The value of the one sample named `name` whose labels include `labels`; `nil` when there
    /// is none (a counter never incremented with those labels is not written).
    func value(_ name: String, _ labels: [String: String] = [:]) throws -> Double? {
        let matching = self.samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        guard matching.count <= 1 else {
            throw ProcessFailure("\(matching.count) samples of \(name) with \(labels)")
        }
        return matching.first?.value
    }

    /// The sum of every sample named `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        self.samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    /// A counter's value, 0 when it was never written.
    func count(_ name: String, _ labels: [String: String] = [:]) throws -> Int {
        Int(try self.value(name, labels) ?? 0)
    }
}
