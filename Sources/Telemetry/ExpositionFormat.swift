import Foundation

/// The two text formats `/metrics` speaks, chosen by the scraper's `Accept` header as
/// Prometheus sends it: OpenMetrics 1.0.0 when asked for at least as much as Prometheus'
/// text format (0.0.4), which is the default for every other scraper.
public enum ExpositionFormat: Equatable, Sendable {
    case prometheusText
    case openMetrics

    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// - Parameter accept: the request's `Accept` header (empty when it sent none).
    public init(accept: String) {
        var openMetrics = 0.0
        var prometheusText = 0.0
        for range in accept.split(separator: ",") {
            let parameters = range.split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            guard let mediaType = parameters.first else { continue }
            let quality =
                parameters.dropFirst().lazy.compactMap { parameter -> Double? in
                    guard parameter.hasPrefix("q=") else { return nil }
                    return Double(parameter.dropFirst(2))
                }.first ?? 1
            switch mediaType {
            case "application/openmetrics-text": openMetrics = max(openMetrics, quality)
            case "text/plain": prometheusText = max(prometheusText, quality)
            default: continue
            }
        }
        self = openMetrics > 0 && openMetrics >= prometheusText ? .openMetrics : .prometheusText
    }
}
