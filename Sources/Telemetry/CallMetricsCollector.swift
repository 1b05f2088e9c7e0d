/// Renders the call metrics of every transport together, as go-grpc-prometheus names them:
/// each family's samples must be contiguous, whatever their transport. Only methods called at
/// least once appear.
public struct CallMetricsCollector: ScrapeCollector {
    private let transports: [CallMetrics]

    public init(_ transports: [CallMetrics]) {
        self.transports = transports
    }

    public func collect(into text: inout PrometheusText) async {
        let snapshots = self.transports.map { $0.snapshot() }
        let called = snapshots.map { snapshot in
            (
                transport: snapshot.transport,
                methods: snapshot.methods.filter { $0.started > 0 || $0.handled.contains { $0 > 0 } }
            )
        }
        func labels(_ transport: String, _ method: CallMethod) -> [(String, String)] {
            [
                ("grpc_service", method.service), ("grpc_method", method.method), ("grpc_type", method.type),
                ("transport", transport),
            ]
        }

        text.family("grpc_server_started_total", type: .counter, help: "Calls started, by method.")
        for transport in called {
            for method in transport.methods {
                text.sample(
                    "grpc_server_started_total",
                    labels: labels(transport.transport, method.method),
                    method.started
                )
            }
        }

        text.family("grpc_server_handled_total", type: .counter, help: "Calls ended, by method and status code.")
        for transport in called {
            for method in transport.methods {
                for (code, count) in method.handled.enumerated() where count > 0 {
                    text.sample(
                        "grpc_server_handled_total",
                        labels: labels(transport.transport, method.method) + [
                            ("grpc_code", CallMetrics.codeNames[code])
                        ],
                        count
                    )
                }
            }
        }

        text.family(
            "grpc_server_handling_seconds",
            type: .histogram,
            help: "Time from a call's start to its answer, by method."
        )
        for transport in called {
            for method in transport.methods {
                let base = labels(transport.transport, method.method)
                var cumulative = 0
                for (index, count) in method.buckets.enumerated() {
                    cumulative += count
                    let bound =
                        index < LatencyBuckets.seconds.count
                        ? PrometheusText.format(LatencyBuckets.seconds[index]) : "+Inf"
                    text.sample("grpc_server_handling_seconds_bucket", labels: base + [("le", bound)], cumulative)
                }
                text.sample("grpc_server_handling_seconds_sum", labels: base, Double(method.sumNanoseconds) / 1e9)
                text.sample("grpc_server_handling_seconds_count", labels: base, cumulative)
            }
        }

        text.family("catalog_calls_in_flight", type: .gauge, help: "Calls started and not yet answered.")
        for metrics in self.transports {
            text.sample("catalog_calls_in_flight", labels: [("transport", metrics.transport)], metrics.inFlight)
        }
    }
}
