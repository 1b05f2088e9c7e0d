import Domain
import Foundation
import Logging
import Notifications
import ServiceLifecycle
import Storage
import TestSupport
import Testing

/// The worker when the outbox cannot be read (here: a closed SQLite store, so every read
/// fails): it backs off, logs a line for many failures, and ends at once when cancelled or
/// shut down. Before, cancellation turned it into a busy loop logging ~10,000 lines a second.
@Suite struct OutboxOutageTests {
    private func withClosedStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.path + "/catalog.sqlite")
        try store.close()
        try await body(store)
    }

    private func worker(
        store: SQLiteStore,
        logs: CapturedLogs,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) -> NotificationWorker {
        var configuration = NotificationWorker.Configuration()
        // The poll never fires within a test: every wait here is the outage's backoff.
        configuration.pollInterval = .seconds(3600)
        configuration.outageBackoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(30))
        configuration.sleep = sleep
        return NotificationWorker(
            store: store,
            transport: LogMailTransport(logger: Logger(label: "unused")),
            configuration: configuration,
            logger: logs.logger(label: "worker")
        )
    }

    private static let outageLine = "could not read the notification outbox"

    @Test func anUnreadableOutboxIsRetriedWithBackoffAndLoggedOnceNotInALoop() async throws {
        try await withClosedStore { store in
            let logs = CapturedLogs()
            let waits = Condition<[Duration]>([])
            let worker = self.worker(store: store, logs: logs) { duration in
                guard duration < .seconds(3600) else { return try await Task.sleep(for: duration) }
                waits.update { $0.append(duration) }
                // Seven rounds on virtual time; then the backoff waits as a real one would.
                if waits.value.count >= 7 {
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            let running = Task { try await worker.run() }
            try await withTimeout(.seconds(60), "seven failed rounds") {
                await waits.wait { $0.count >= 7 }
            }
            #expect(waits.value == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
            let outageLines = logs.all.filter { $0.contains(Self.outageLine) }
            // Two formats of each line (text and JSON): one line in all, counting the first failure.
            #expect(outageLines.count == 2, "\(outageLines)")
            running.cancel()
            try await withTimeout(.seconds(60), "the cancelled worker to end") {
                try await running.value
            }
            #expect(logs.all.filter { $0.contains(Self.outageLine) }.count == 2, "no line for the cancellation")
        }
    }

    @Test func cancellationEndsTheWorkerAtOnceWithoutALineAboutTheOutbox() async throws {
        try await withClosedStore { store in
            let logs = CapturedLogs()
            let worker = self.worker(store: store, logs: logs) { try await Task.sleep(for: $0) }
            let running = Task { try await worker.run() }
            try await eventually("the first failed read", limit: .seconds(60)) {
                logs.all.contains { $0.contains(Self.outageLine) }
            }
            running.cancel()
            try await withTimeout(.seconds(60), "the cancelled worker to end") {
                try await running.value
            }
            let lines = logs.all.count
            #expect(lines < 10, "\(logs.all)")
        }
    }

    @Test func gracefulShutdownEndsTheBackoffWait() async throws {
        try await withClosedStore { store in
            let logs = CapturedLogs()
            let backingOff = Gate()
            let worker = self.worker(store: store, logs: logs) { duration in
                if duration < .seconds(3600) { backingOff.open() }
                try await Task.sleep(for: .seconds(3600))
            }
            let group = ServiceGroup(services: [worker], logger: Logger(label: "test"))
            let running = Task { try await group.run() }
            try await withTimeout(.seconds(60), "the worker to back off") { await backingOff.wait() }
            await group.triggerGracefulShutdown()
            try await withTimeout(.seconds(60), "the worker to end at graceful shutdown") {
                try await running.value
            }
        }
    }
}
