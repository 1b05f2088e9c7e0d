import Logging
import ServiceLifecycle
import TestSupport
import Testing

@testable import Daemon

/// The order the daemon's services stop in, which the final view flush depends on.
@Suite struct ServiceOrderTests {
    @Test func servicesStopInReverseTheGRPCListenerFirstAndTheViewFlushLast() async throws {
        let log = Condition<[String]>([])
        let order = ServiceOrder(
            viewFlush: RecordingService(name: "view flush", log: log),
            storeSync: RecordingService(name: "store sync", log: log),
            metricsListener: RecordingService(name: "metrics", log: log),
            notifications: RecordingService(name: "notifications", log: log),
            server: RecordingService(name: "server", log: log),
            grpc: RecordingService(name: "grpc", log: log)
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: order.ordered.map { .init(service: $0) },
                logger: Logger(label: "test")
            )
        )
        try await withTimeout(.seconds(60), "the services to start and stop") {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                await log.wait { $0.count == 6 }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        let stops = log.value.filter { $0.hasPrefix("stopped") }
        #expect(
            stops == [
                "stopped grpc", "stopped server", "stopped notifications", "stopped metrics", "stopped store sync",
                "stopped view flush",
            ]
        )
    }

    @Test func withoutTheOptionalListenersTheRestKeepTheirOrder() {
        let log = Condition<[String]>([])
        let order = ServiceOrder(
            viewFlush: RecordingService(name: "view flush", log: log),
            storeSync: RecordingService(name: "store sync", log: log),
            metricsListener: nil,
            notifications: RecordingService(name: "notifications", log: log),
            server: RecordingService(name: "server", log: log),
            grpc: nil
        )
        #expect(
            order.ordered.compactMap { ($0 as? RecordingService)?.name } == [
                "view flush", "store sync", "notifications", "server",
            ]
        )
    }
}

/// Records when it starts and when it has stopped, at graceful shutdown.
private struct RecordingService: Service {
    let name: String
    let log: Condition<[String]>

    func run() async throws {
        self.log.update { $0.append("started \(self.name)") }
        try? await gracefulShutdown()
        self.log.update { $0.append("stopped \(self.name)") }
    }
}
