import Domain
import Foundation
import Logging
import ServiceLifecycleTestKit
import Synchronization
import Telemetry
import TestSupport
import Testing

@testable import Daemon

/// What the change feed's service does with a change it cannot apply: reload everything
/// instead, until that works, with later changes waiting in order.
@Suite struct ChangeFeedServiceTests {
    @Test func aChangeThatFailsBecomesAResyncRetriedUntilItWorksAndLaterChangesWait() async throws {
        let sku = UUID()
        let applied = Mutex<[StoreChange]>([])
        let failuresLeft = Mutex(3)
        let waits = Mutex<[Duration]>([])
        let service = ChangeFeedService(
            feed: FakeFeed(changes: [HeardChange(.product(sku)), HeardChange(.admins)]),
            apply: { change in
                applied.withLock { $0.append(change) }
                try failuresLeft.withLock { left in
                    guard left > 0 else { return }
                    left -= 1
                    throw StoreUnavailable()
                }
            },
            retryBackoff: RetryBackoff(initial: .seconds(3), maximum: .seconds(10)),
            sleep: { duration in waits.withLock { $0.append(duration) } },
            logger: Logger(label: "test")
        )
        try await withTimeout(.seconds(60), "the feed's changes to be applied") {
            try await service.run()
        }
        #expect(applied.withLock { $0 } == [.product(sku), .resync, .resync, .resync, .admins])
        #expect(
            waits.withLock { $0 } == [.seconds(3), .seconds(6), .seconds(10)],
            "one wait after each failure, doubled up to the maximum"
        )
    }

    @Test func theLagOfEachAnnouncedChangeIsTimedFromItsAnnouncementToItsApplication() async throws {
        let announced = Date(timeIntervalSince1970: 1_800_000_000)
        let exposition = MetricsExposition()
        let service = ChangeFeedService(
            feed: FakeFeed(changes: [
                HeardChange(.product(UUID()), announcedAt: announced),
                HeardChange(.resync),  // announced by no one: no lag
                HeardChange(.admins, announcedAt: announced + 10),
                HeardChange(.admins, announcedAt: announced + 20),  // this clock behind the database's
            ]),
            apply: { _ in },
            now: { announced + 12.5 },
            metrics: exposition.factory,
            logger: Logger(label: "test")
        )
        try await withTimeout(.seconds(60), "the feed's changes to be applied") {
            try await service.run()
        }
        let text = String(decoding: await exposition.render(), as: UTF8.self)
        #expect(Self.sample("catalog_change_feed_lag_seconds_count", in: text) == 3)
        #expect(Self.sample("catalog_change_feed_lag_seconds_sum", in: text) == 15)
        #expect(Self.sample("catalog_change_feed_lag_seconds_bucket{le=\"2.5\"}", in: text) == 2, "2.5 s and 0")
        #expect(Self.sample("catalog_change_feed_lag_seconds_bucket{le=\"10.0\"}", in: text) == 2, "not 12.5 s")
        #expect(Self.sample("catalog_change_feed_changes_total{kind=\"admins\"}", in: text) == 2)
    }

    /// The value of the sample named `name` (with its labels, as written) in Prometheus text.
    private static func sample(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").lazy
            .compactMap { line in line.hasPrefix(name + " ") ? Double(line.dropFirst(name.count + 1)) : nil }
            .first
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
    let changes: [HeardChange]
    var staysOpen = false

    func listen(_ handle: @escaping @Sendable (HeardChange) async -> Void) async {
        for change in self.changes {
            await handle(change)
        }
        if self.staysOpen {
            await Gate().wait()
        }
    }
}
