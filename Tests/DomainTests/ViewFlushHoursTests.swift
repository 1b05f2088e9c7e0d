import Domain
import Foundation
import Synchronization
import Testing

/// A wall clock that moves only when a test moves it.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { self.current = Mutex(start) }

    func now() -> Date { self.current.withLock { $0 } }

    func advance(by seconds: Double) {
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Views land in the UTC hour they were counted in, whatever the flushes' timing and failures.
@Suite struct ViewFlushHoursTests {
    /// 10:00:00 UTC of some day.
    static let tenOClock: Int64 = 1_790_330_400
    let clock = TestClock(Date(timeIntervalSince1970: Double(tenOClock) + 1800))
    let store = InMemoryProductStore()
    let admin = AdminIdentity(id: UUID(), username: "alice")

    private func catalog(sleep: @escaping @Sendable (Duration) async throws -> Void = { _ in }) -> ProductCatalog {
        var configuration = ProductCatalog.Configuration()
        configuration.now = { [clock] in clock.now() }
        configuration.sleep = sleep
        return ProductCatalog(store: self.store, configuration: configuration)
    }

    private func createLamp(in catalog: ProductCatalog) async throws -> UUID {
        try await catalog.createProduct(NewProduct(name: "Lamp", brand: "Acme", priceCents: 1), by: self.admin).sku
    }

    private func read(_ catalog: ProductCatalog, _ sku: UUID, times: Int) {
        for _ in 0..<times {
            _ = catalog.cachedProduct(sku: sku, caller: .anonymous)
        }
    }

    @Test func viewsLandInTheHourTheirCountingPeriodBegan() async throws {
        let catalog = self.catalog()
        let sku = try await self.createLamp(in: catalog)
        self.read(catalog, sku, times: 3)
        self.clock.advance(by: 1800.2)  // 11:00:00.2, the flush at the hour
        try await catalog.flushViews()
        self.read(catalog, sku, times: 5)
        self.clock.advance(by: 1)
        try await catalog.flushViews()
        #expect(self.store.viewsByHour == [Self.tenOClock: [sku: 3], Self.tenOClock + 3600: [sku: 5]])
    }

    @Test func failedFlushesKeepTheirHoursUntilTheStoreIsBack() async throws {
        let catalog = self.catalog()
        let sku = try await self.createLamp(in: catalog)
        self.store.setFailing(true)
        self.read(catalog, sku, times: 2)
        self.clock.advance(by: 1800)  // 11:00
        await #expect(throws: DomainError.self) { try await catalog.flushViews() }
        self.read(catalog, sku, times: 4)
        self.clock.advance(by: 3600)  // 12:00
        await #expect(throws: DomainError.self) { try await catalog.flushViews() }
        self.read(catalog, sku, times: 1)
        self.store.setFailing(false)
        self.clock.advance(by: 10)
        try await catalog.flushViews()
        #expect(
            self.store.viewsByHour == [
                Self.tenOClock: [sku: 2], Self.tenOClock + 3600: [sku: 4], Self.tenOClock + 7200: [sku: 1],
            ]
        )
        #expect(try await self.store.product(sku: sku)?.views == 7)
    }

    @Test func thePeriodicFlushWakesAtEachHourAndSaysSo() async throws {
        let sleeps = Mutex<[Duration]>([])
        let hours = Mutex<Int>(0)
        self.clock.advance(by: 1799.5)  // 10:59:59.5
        let catalog = self.catalog { [clock] duration in
            let count = sleeps.withLock { sleeps in
                sleeps.append(duration)
                return sleeps.count
            }
            if count > 3 { throw CancellationError() }
            let (seconds, attoseconds) = duration.components
            clock.advance(by: Double(seconds) + Double(attoseconds) / 1e18)
        }
        await catalog.flushViewsPeriodically(
            every: .seconds(1),
            hourBegan: { hours.withLock { $0 += 1 } },
            flushed: { _, _ in }
        )
        #expect(sleeps.withLock { $0 }.prefix(3) == [.milliseconds(500), .seconds(1), .seconds(1)])
        #expect(hours.withLock { $0 } == 1, "11:00 began once")
    }

    @Test func pendingHoursAreBoundedWithoutLosingAView() async throws {
        let catalog = self.catalog()
        let sku = try await self.createLamp(in: catalog)
        self.store.setFailing(true)
        for _ in 0..<60 {
            self.read(catalog, sku, times: 1)
            self.clock.advance(by: 3600)
            await #expect(throws: DomainError.self) { try await catalog.flushViews() }
        }
        self.store.setFailing(false)
        try await catalog.flushViews()
        let hours = self.store.viewsByHour
        #expect(hours.count == 48)
        #expect(hours.values.map { $0[sku] ?? 0 }.reduce(0, +) == 60)
        #expect(hours[Self.tenOClock + 59 * 3600] == [sku: 1], "the newest hours keep their own counts")
    }
}
