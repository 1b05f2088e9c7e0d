import Codec
import Foundation
import Histogram

/// What a bench run reports, as text for people and JSON for scripts (`rpc-client bench`; the
/// benchmark scripts read the JSON).
public struct BenchSummary: Encodable, Sendable {
    struct Latency: Encodable, Sendable {
        public var p50: Double
        var p90: Double
        public var p99: Double
        var p99_9: Double
        public var max: Double
        public var mean: Double
    }

    public var method = "GetProduct"
    public var mode: String
    public var connections: Int
    public var inFlight: Int
    public var rate: Double?
    /// Open loop: microseconds between sends of the calls that came due.
    var tickMicroseconds: Int?
    var warmupSeconds: Double
    var durationSeconds: Double
    public var products: Int
    public var caller: String
    public var calls: Int
    public var callsPerSecond: Double
    /// Milliseconds.
    var latencyMs: Latency
    /// Measured calls that failed, by status code name.
    public var errors: [String: Int]
    public var unanswered: Int
    /// CPU microseconds per measured call: this generator's, and the server's when its pid was given.
    var cpuUsPerCall: CPU

    public struct CPU: Encodable, Sendable {
        public var generator: Double?
        public var server: Double?
    }

    public init(_ report: LoadRunner.Report, caller: String, products: Int) {
        let plan = report.plan
        switch plan.shape {
        case .closedLoop(let inFlight):
            (self.mode, self.inFlight) = ("closed", inFlight)
        case .openLoop(let callsPerSecond, let maxInFlight, let tick):
            (self.mode, self.inFlight, self.rate) = ("open", maxInFlight, callsPerSecond)
            self.tickMicroseconds = Int(tick.nanoseconds / 1000)
        }
        self.connections = plan.connections
        self.warmupSeconds = report.window.warmupSeconds
        self.durationSeconds = report.window.measuredSeconds
        self.products = products
        self.caller = caller
        self.calls = report.measuredCalls
        self.callsPerSecond = report.callsPerSecond
        let histogram = report.latencies
        func ms(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }
        self.latencyMs = Latency(
            p50: ms(histogram.valueAtPercentile(50)),
            p90: ms(histogram.valueAtPercentile(90)),
            p99: ms(histogram.valueAtPercentile(99)),
            p99_9: ms(histogram.valueAtPercentile(99.9)),
            max: ms(histogram.max),
            mean: histogram.totalCount == 0 ? 0 : histogram.mean / 1e6
        )
        self.errors = Dictionary(
            uniqueKeysWithValues: report.errors.map { code, count in
                (StatusCode(rawValue: code).map { $0.name } ?? "CODE_\(code)", count)
            }
        )
        self.unanswered = report.unanswered
        self.cpuUsPerCall = CPU(
            generator: report.microsecondsPerCall(report.generatorCPUSeconds),
            server: report.microsecondsPerCall(report.serverCPUSeconds)
        )
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public var text: String {
        let load =
            self.mode == "open"
            ? String(
                format: "open loop at %.0f calls/s (at most %d in flight per connection, sent every %d µs)",
                self.rate ?? 0,
                self.inFlight,
                self.tickMicroseconds ?? 0
            )
            : "closed loop, \(self.inFlight) in flight per connection"
        let errors =
            self.errors.isEmpty
            ? "none" : self.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return """
            \(self.method): \(self.connections) connections, \(load); \(self.products) products, \(self.caller)
            measured   \(String(format: "%.1f", self.durationSeconds)) s after \(String(format: "%.1f", self.warmupSeconds)) s of warm-up
            calls      \(self.calls)  (\(String(format: "%.0f", self.callsPerSecond)) calls/s)
            latency    p50 \(Self.ms(self.latencyMs.p50))  p90 \(Self.ms(self.latencyMs.p90))  p99 \(Self.ms(self.latencyMs.p99))  p99.9 \(Self.ms(self.latencyMs.p99_9))  max \(Self.ms(self.latencyMs.max))
            errors     \(errors)
            unanswered \(self.unanswered)
            cpu/call   generator \(Self.us(self.cpuUsPerCall.generator))  server \(Self.us(self.cpuUsPerCall.server))
            """
    }

    private static func ms(_ value: Double) -> String { String(format: "%.3f ms", value) }

    private static func us(_ value: Double?) -> String {
        value.map { String(format: "%.2f µs", $0) } ?? "-"
    }
}
