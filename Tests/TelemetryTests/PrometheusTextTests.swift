import Testing

@testable import Telemetry

@Suite struct PrometheusTextTests {
    @Test func labelValuesAndHelpAreEscapedAndNumbersWrittenAsPrometheusReadsThem() {
        var text = PrometheusText()
        text.family("x_total", type: .counter, help: "a \\ and\na line")
        text.sample("x_total", labels: [("name", "say \"hi\"\\\n")], 3)
        text.gauge("y", help: "h", 0.25)
        text.gauge("z", help: "h", .infinity)
        text.gauge("w", help: "h", 2)
        #expect(
            String(decoding: text.bytes, as: UTF8.self) == """
                # HELP x_total a \\\\ and\\na line
                # TYPE x_total counter
                x_total{name="say \\"hi\\"\\\\\\n"} 3
                # HELP y h
                # TYPE y gauge
                y 0.25
                # HELP z h
                # TYPE z gauge
                z +Inf
                # HELP w h
                # TYPE w gauge
                w 2

                """
        )
    }
}
