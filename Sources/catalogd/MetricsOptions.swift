import ArgumentParser
import Telemetry

/// `--metrics-listen`: the operator's HTTP listener for `/metrics`, `/healthz` and `/readyz`.
struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            EnvironmentSettings.metricsListen.help(
                "Address of the HTTP listener for Prometheus' /metrics and the /healthz and /readyz probes, HOST:PORT, or off. Plain HTTP: keep it on loopback or an internal network."
            ),
            valueName: "address"
        )
    )
    var metricsListen: String?

    /// The listener's configuration, or `nil` when it is off.
    func configuration() throws -> MetricsHTTPServer.Configuration? {
        let setting = try EnvironmentSettings.metricsListen.value(
            text: self.metricsListen,
            expected: "HOST:PORT or off",
            parse: { ListenSetting.parse($0) }
        )
        guard case .address(let address) = setting else { return nil }
        var configuration = MetricsHTTPServer.Configuration()
        configuration.host = address.host
        configuration.port = address.port
        return configuration
    }
}
