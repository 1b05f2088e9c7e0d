public import Logging
import ServiceLifecycle
import UnixSignals

extension Daemon {
    /// Runs every service until a shutdown signal, or until one of them fails.
    ///
    /// A service that throws (a listener that cannot bind, at start or later) shuts the others
    /// down gracefully, in reverse order as at SIGTERM (the final view flush included), and its
    /// error is thrown here: the daemon never goes on with a service missing. A graceful shutdown
    /// that outlasts `shutdownBound` becomes cancellation, which every loop honours; one that
    /// still does not end within `cancellationBound` is a bug, and service-lifecycle ends the
    /// process rather than leave it running unseen.
    ///
    /// Logs "ready", with every listener's address, once all are bound: what a supervisor (or a
    /// test) waits for, and the ports picked for port 0. No ready line if one fails to bind.
    public func run(logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: self.services.map {
                .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = self.shutdownBound
        configuration.maximumCancellationDuration = Self.cancellationBound
        let group = ServiceGroup(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await self.announceReady(logger: logger) }
            defer { tasks.cancelAll() }
            try await group.run()
        }
    }

    /// How long the services have to end once cancelled before the process is ended.
    static let cancellationBound: Duration = .seconds(10)

    private func announceReady(logger: Logger) async {
        guard let addresses = await self.listeningAddresses() else { return }
        var metadata: Logger.Metadata = ["listen": "\(addresses.framing)"]
        metadata["grpc_port"] = addresses.grpcPort.map { "\($0)" }
        metadata["metrics_listen"] = addresses.metrics.map { "\($0)" }
        logger.info("ready", metadata: metadata)
    }
}
