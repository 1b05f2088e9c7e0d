import Domain
import Foundation
import Storage
import Synchronization
import TestSupport
import Testing

/// Two daemons' catalogs, each with its own PostgreSQL pool on one database, count one
/// product's anonymous reads on both sides of an hour boundary of a shared test clock.
@Suite struct TwoDaemonViewTests {
    final class SharedClock: Sendable {
        let current = Mutex(Date(timeIntervalSince1970: 1_790_333_940))  // 10:59:00 UTC

        func advance(by seconds: Double) { self.current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    private static let tenOClock: Int64 = 1_790_330_400

    @Test(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
    func tenThousandReadsAcrossTwoDaemonsAndTwoHoursAreExact() async throws {
        let clock = SharedClock()
        var configuration = ProductCatalog.Configuration()
        configuration.now = { clock.current.withLock { $0 } }
        try await PostgresTestDatabase.withDatabase { url in
            let parsed = try PostgresURL(url)
            try await PostgresStore.withStore(url: parsed, options: .forTests, logger: .quiet) { storeA in
                try await PostgresStore.withStore(url: parsed, options: .forTests, logger: .quiet) { storeB in
                    let a = ProductCatalog(store: storeA, configuration: configuration)
                    let b = ProductCatalog(store: storeB, configuration: configuration)
                    let sku = try await a.createProduct(
                        NewProduct(name: "Lamp", brand: "Acme", priceCents: 1),
                        by: AdminIdentity(id: UUID(), username: "alice")
                    ).sku
                    try await b.warmUp()

                    // 2,500 reads on each daemon per hour, with flushes of both racing the reads.
                    for _ in 0..<2 {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for catalog in [a, b] {
                                group.addTask {
                                    for read in 1...2500 {
                                        _ = catalog.cachedProduct(sku: sku, caller: .anonymous)
                                        if read.isMultiple(of: 700) { try await catalog.flushViews() }
                                    }
                                }
                            }
                            try await group.waitForAll()
                        }
                        clock.advance(by: 3600)  // the flush at the next hour ends this hour's period
                        try await a.flushViews()
                        try await b.flushViews()
                    }

                    let history = try #require(try await storeA.viewBuckets(sku: sku, from: 0, to: .max))
                    #expect(history.buckets == [Self.tenOClock: 5000, Self.tenOClock + 3600: 5000])
                    #expect(history.totalViews == 10_000)
                    #expect(try await storeB.product(sku: sku)?.views == 10_000)
                }
            }
        }
    }
}
