import Domain
import Foundation
import Logging
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

@testable import Daemon

/// What the change feed's service does with a change it cannot apply: reload everything
/// instead, until that works, with later changes waiting in order.
@Suite struct ChangeFeedServiceTests {
    @Test func aChangeThatFailsBecomesAResyncRetriedUntilItWorksAndLaterChangesWait() async throws {
        let sku = UUID()
        let applied = Mutex<[StoreChange]>([])
        let failuresLeft = Mutex(2)
        let waits = Mutex<[Duration]>([])
        let service = ChangeFeedService(
            feed: FakeFeed(changes: [.product(sku), .admins]),
            apply: { change in
                applied.withLock { $0.append(change) }
                try failuresLeft.withLock { left in
                    guard left > 0 else { return }
                    left -= 1
                    throw StoreUnavailable()
                }
            },
            retryDelay: .seconds(3),
            sleep: { duration in waits.withLock { $0.append(duration) } },
            logger: Logger(label: "test")
        )
        try await withTimeout(.seconds(60), "the feed's changes to be applied") {
            try await service.run()
        }
        #expect(applied.withLock { $0 } == [.product(sku), .resync, .resync, .admins])
        #expect(waits.withLock { $0 } == [.seconds(3), .seconds(3)], "one wait after each failure")
    }

    @Test func gracefulShutdownEndsTheServiceWhileTheFeedListens() async throws {
        let service = ChangeFeedService(
            feed: FakeFeed(changes: [], staysOpen: true),
            apply: { _ in },
            logger: Logger(label: "test")
        )
        try await withTimeout(.seconds(60), "the service to end at graceful shutdown") {
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await service.run() }
                    trigger.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
            }
        }
    }
}

private struct StoreUnavailable: Error {}

/// Hands its changes in order, then returns, or listens until cancelled when `staysOpen`.
private struct FakeFeed: StoreChangeFeed {
    let changes: [StoreChange]
    var staysOpen = false

    func listen(_ handle: @escaping @Sendable (StoreChange) async -> Void) async {
        for change in self.changes {
            await handle(change)
        }
        if self.staysOpen {
            await Gate().wait()
        }
    }
}
