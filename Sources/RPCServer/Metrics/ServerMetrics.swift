import Telemetry

/// What the listeners count for `/metrics`: the calls of each transport, with
/// go-grpc-prometheus's names, and the connections.
public final class ServerMetrics: Sendable {
    public let framingCalls: CallMetrics
    public let grpcCalls: CallMetrics
    let connections = ConnectionMetrics()

    /// For the methods of `registry`; the gRPC listener's own services (Health, reflection) too.
    public init(registry: MethodRegistry) {
        self.framingCalls = CallMetrics(transport: "framing", methods: registry.callMethods)
        self.grpcCalls = CallMetrics(
            transport: "grpc",
            methods: registry.callMethods + GRPCHealthService.callMethods + GRPCReflectionService.callMethods
        )
    }

    /// The collector of these metrics and of the state of `connections`, read at each scrape.
    public func collector(connections open: OpenConnections) -> some ScrapeCollector {
        let calls = CallMetricsCollector([self.framingCalls, self.grpcCalls])
        return ScrapeClosure { [connections = self.connections] text in
            await calls.collect(into: &text)
            let snapshot = open.snapshot()
            text.gauge("catalog_connections_open", help: "Connections open, both listeners.", Double(snapshot.open))
            text.family(
                "catalog_connections_accepted_total",
                type: .counter,
                help: "Connections accepted, by listener and what became of them."
            )
            let accepted = snapshot.accepted.sorted {
                ($0.key.transport, $0.key.outcome) < ($1.key.transport, $1.key.outcome)
            }
            for (key, count) in accepted {
                text.sample(
                    "catalog_connections_accepted_total",
                    labels: [("transport", key.transport), ("outcome", key.outcome)],
                    count
                )
            }
            let framing: [(String, ConnectionMetrics.Event, String)] = [
                ("catalog_connection_received_bytes_total", .bytesReceived, "Bytes of frames read (after TLS)."),
                ("catalog_connection_sent_bytes_total", .bytesSent, "Bytes of frames written (before TLS)."),
                (
                    "catalog_connection_reads_held_total", .readHeld,
                    "Reads a connection skipped because its calls in flight or unwritten answers were at their bound."
                ),
                (
                    "catalog_connection_tls_failures_total", .tlsFailed,
                    "TLS handshakes that failed or did not finish in time."
                ),
            ]
            for (name, event, help) in framing {
                text.family(name, type: .counter, help: help)
                text.sample(name, labels: [("transport", "framing")], connections.total(event))
            }
        }
    }
}
