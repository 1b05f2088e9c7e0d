import Testing

@testable import Telemetry

/// Which format `/metrics` answers in, and OpenMetrics made from the text format.
@Suite struct ExpositionFormatTests {
    /// What Prometheus 2.x and 3.x send by default.
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test func openMetricsOnlyWhenAskedForAtLeastAsMuchAsTheTextFormat() {
        #expect(ExpositionFormat(accept: Self.prometheusAccept) == .openMetrics)
        #expect(ExpositionFormat(accept: "application/OpenMetrics-Text; version=1.0.0") == .openMetrics)
        let textPreferred = "application/openmetrics-text;q=0.3, text/plain;version=0.0.4;q=0.9"
        #expect(ExpositionFormat(accept: textPreferred) == .prometheusText)
        for other in ["", "*/*", "text/plain", "application/openmetrics-text;q=0", "application/json"] {
            #expect(ExpositionFormat(accept: other) == .prometheusText, "\(other)")
        }
    }

    @Test func countersLoseTotalInTheirFamilyNameAndTheExpositionEndsWithEOF() {
        var text = PrometheusText()
        text.family("calls_total", type: .counter, help: "Calls \"made\".")
        text.sample("calls_total", labels: [("code", "OK")], 3)
        text.gauge("open", help: "Open.", 2)
        let registry = Array("\n# TYPE odd counter\nodd 1\n# TYPE seen untyped\nseen 4\n".utf8)
        text.append(registry)
        let converted = String(decoding: OpenMetricsText.convert(text.bytes), as: UTF8.self)
        #expect(
            converted == """
                # HELP calls Calls \\"made\\".
                # TYPE calls counter
                calls_total{code="OK"} 3
                # HELP open Open.
                # TYPE open gauge
                open 2
                # TYPE odd unknown
                odd 1
                # TYPE seen unknown
                seen 4
                # EOF

                """
        )
    }
}
