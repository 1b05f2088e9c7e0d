import ArgumentParser
import Telemetry

/// `--metrics-listen`: the operator's HTTP listener for `/metrics`, `/healthz` and `/readyz`.
struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Address of the HTTP listener for Prometheus' /metrics and the /healthz and /readyz probes, HOST:PORT, or off. Plain HTTP: keep it on loopback or an internal network. [env: CATALOG_METRICS_LISTEN] (default: off)",
            valueName: "address"
        )
    )
    var metricsListen: String?

    /// The listener's configuration, or `nil` when it is off.
    func configuration() throws -> MetricsHTTPServer.Configuration? {
        let (text, source): (String?, String) =
            self.metricsListen.map { ($0, "--metrics-listen") }
            ?? (Environment.value("CATALOG_METRICS_LISTEN"), "CATALOG_METRICS_LISTEN")
        guard let text, text != "off" else { return nil }
        guard let address = ListenAddress(argument: text) else {
            throw ValidationError("\(source) must be HOST:PORT or off, not \(text)")
        }
        var configuration = MetricsHTTPServer.Configuration()
        configuration.host = address.host
        configuration.port = address.port
        return configuration
    }
}
