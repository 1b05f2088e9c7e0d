public import Telemetry

/// What the listeners count for `/metrics`: the calls of each transport, with
/// go-grpc-prometheus's names, and the connections.
public final class ServerMetrics: Sendable {
    let framingCalls: CallMetrics
    let grpcCalls: CallMetrics
    let framingConnections = ConnectionMetrics()
    let grpcConnections = ConnectionMetrics()

    /// For the methods of `registry` on the framing and of `grpcRegistry` (the same and the gRPC
    /// listener's own Health and reflection: `MethodRegistry.servingGRPC`) on gRPC.
    public init(registry: MethodRegistry, grpcRegistry: MethodRegistry) {
        self.framingCalls = CallMetrics(transport: "framing", methods: registry.callMethods)
        self.grpcCalls = CallMetrics(
            transport: "grpc",
            methods: grpcRegistry.callMethods
        )
    }

    /// The collector of these metrics and of the state of `connections` and `streamingCalls`,
    /// read at each scrape.
    public func collector(
        connections open: OpenConnections,
        streamingCalls: StreamingCallSlots? = nil
    ) -> some ScrapeCollector {
        let calls = CallMetricsCollector([self.framingCalls, self.grpcCalls])
        let transports = [("framing", self.framingConnections), ("grpc", self.grpcConnections)]
        return ScrapeClosure { text in
            await calls.collect(into: &text)
            let snapshot = open.snapshot()
            text.gauge("catalog_connections_open", help: "Connections open, both listeners.", Double(snapshot.open))
            if let streamingCalls {
                text.gauge(
                    "catalog_streaming_calls_running",
                    help: "Streaming calls (Health.Watch, reflection) whose work is still running.",
                    Double(streamingCalls.count)
                )
            }
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
            let counted: [(String, ConnectionMetrics.Event, String)] = [
                (
                    "catalog_connection_received_bytes_total", .bytesReceived,
                    "Bytes read, after TLS (framing: frames; gRPC: HTTP/2)."
                ),
                (
                    "catalog_connection_sent_bytes_total", .bytesSent,
                    "Bytes written, before TLS (framing: frames; gRPC: HTTP/2)."
                ),
                (
                    "catalog_connection_tls_failures_total", .tlsFailed,
                    "TLS handshakes that failed or did not finish in time."
                ),
            ]
            for (name, event, help) in counted {
                text.family(name, type: .counter, help: help)
                for (transport, metrics) in transports {
                    text.sample(name, labels: [("transport", transport)], metrics.total(event))
                }
            }
            // The framing's own backpressure; HTTP/2's is flow control.
            text.family(
                "catalog_connection_reads_held_total",
                type: .counter,
                help: "Reads a connection skipped because its calls in flight or unwritten answers were at their bound."
            )
            text.sample(
                "catalog_connection_reads_held_total",
                labels: [("transport", "framing")],
                self.framingConnections.total(.readHeld)
            )
        }
    }
}
