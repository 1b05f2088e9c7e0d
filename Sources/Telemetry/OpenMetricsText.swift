/// OpenMetrics 1.0.0 made from Prometheus' text format, as the registry and `PrometheusText`
/// write it (swift-prometheus writes 0.0.4 only). What differs for what the daemon exposes:
/// a counter family is named without its samples' `_total`; HELP escapes quotes too; blank
/// lines are not allowed; the exposition ends with `# EOF`. Samples are the same lines.
enum OpenMetricsText {
    static func convert(_ prometheusText: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(prometheusText.count + 512)
        let text = String(decoding: prometheusText, as: UTF8.self)
        // Families typed `counter` whose name ends in `_total`: their HELP and TYPE lines lose it.
        var counters = Set<Substring>()
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 3)
            if words.count == 4, words[0] == "#", words[1] == "TYPE", words[3] == "counter" {
                counters.insert(words[2])
            }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            output += Self.line(line, counters: counters).utf8
            output.append(UInt8(ascii: "\n"))
        }
        output += "# EOF\n".utf8
        return output
    }

    private static func line(_ line: Substring, counters: Set<Substring>) -> String {
        guard line.hasPrefix("# ") else { return String(line) }
        let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard words.count >= 3, words[1] == "HELP" || words[1] == "TYPE" else { return String(line) }
        let name = words[2]
        var family = String(name)
        if counters.contains(name) {
            // A counter not named `_total` stays as is, typed `unknown`: its samples keep their names.
            guard name.hasSuffix("_total") else {
                return words[1] == "TYPE" ? "# TYPE \(name) unknown" : String(line)
            }
            family = String(name.dropLast("_total".count))
        }
        let rest = words.count == 4 ? words[3] : ""
        switch words[1] {
        case "TYPE":
            return "# TYPE \(family) \(rest == "untyped" ? "unknown" : rest)"
        default:
            return "# HELP \(family) \(rest.replacing("\"", with: "\\\""))"
        }
    }
}
