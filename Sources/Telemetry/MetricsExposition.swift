public import CoreMetrics
import Prometheus
import Synchronization

/// Everything `/metrics` shows: what the daemon's parts record through swift-metrics (into a
/// registry of this exposition's own, so that servers in one test process do not mix their
/// counts), then what the collectors read at the scrape.
public final class MetricsExposition: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let collectors = Mutex<[any ScrapeCollector]>([])

    public init() {}

    /// The swift-metrics factory the daemon's parts record through; timers become histograms
    /// with `LatencyBuckets`.
    public var factory: any MetricsFactory {
        var factory = PrometheusMetricsFactory(registry: self.registry)
        factory.defaultDurationHistogramBuckets = LatencyBuckets.durations
        return factory
    }

    public func add(_ collector: any ScrapeCollector) {
        self.collectors.withLock { $0.append(collector) }
    }

    /// The exposition in `format`.
    public func render(_ format: ExpositionFormat = .prometheusText) async -> [UInt8] {
        let text = await self.renderPrometheusText()
        switch format {
        case .prometheusText: return text
        case .openMetrics: return OpenMetricsText.convert(text)
        }
    }

    private func renderPrometheusText() async -> [UInt8] {
        var text = PrometheusText()
        text.append(self.registry.emitToBuffer())
        for collector in self.collectors.withLock({ $0 }) {
            await collector.collect(into: &text)
        }
        return text.bytes
    }
}
