/// Prometheus' text exposition format (0.0.4), written by hand for what the registry does not
/// hold: the call metrics summed from their shards and the values read at each scrape.
/// Each family is written whole, its HELP and TYPE first, as the format requires.
public struct PrometheusText: Sendable {
    public enum MetricType: String, Sendable {
        case counter
        case gauge
        case histogram
    }

    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Starts a family: its HELP and TYPE lines.
    public mutating func family(_ name: String, type: MetricType, help: String) {
        self.append("# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type.rawValue)\n")
    }

    /// One sample of the current family.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Int) {
        self.sample(name, labels, value: String(value))
    }

    public mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        self.sample(name, labels, value: Self.format(value))
    }

    /// A gauge of one unlabelled sample, the commonest family read at a scrape.
    public mutating func gauge(_ name: String, help: String, _ value: Double) {
        self.family(name, type: .gauge, help: help)
        self.sample(name, value)
    }

    public mutating func append(_ other: [UInt8]) {
        self.bytes += other
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], value: String) {
        var line = name
        if !labels.isEmpty {
            line += "{"
            line += labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",")
            line += "}"
        }
        self.append("\(line) \(value)\n")
    }

    private mutating func append(_ text: String) {
        self.bytes += text.utf8
    }

    /// Go's float syntax, which Prometheus parses: `+Inf`, `NaN`, or a decimal.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private static func escapeLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func escapeHelp(_ help: String) -> String {
        help.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}
