import Foundation

/// docs/grafana-dashboard.json and docs/prometheus-alerts.yml, as the tests that check them
/// against real scrapes read them.
struct ObservabilityDocs {
    /// What only a daemon on PostgreSQL exposes: checked by `ScaleOutTests`, not by the
    /// end-to-end metrics test on SQLite.
    static let postgresOnlyPrefix = "catalog_change_feed_"

    let dashboard: Data
    let alerts: String

    init() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs")
        self.dashboard = try Data(contentsOf: docs.appendingPathComponent("grafana-dashboard.json"))
        self.alerts = try String(contentsOf: docs.appendingPathComponent("prometheus-alerts.yml"), encoding: .utf8)
    }

    /// Every metric name the dashboard's queries and the alerts' expressions mention.
    var metricNames: Set<String> {
        let text = String(decoding: self.dashboard, as: UTF8.self) + self.alerts
        return Set(text.matches(of: /\b(?:grpc_server|catalog)_[a-z_]+\b/).map { String($0.output) })
    }

    /// The names in `metricNames` that `scrape` does not expose: a renamed metric would leave a
    /// panel empty and an alert silent.
    func namesMissing(from scrape: PrometheusScrape) -> [String] {
        let exposed = Set(scrape.samples.map(\.name) + scrape.samples.map(\.family))
        return self.metricNames.subtracting(exposed).sorted()
    }
}
