import Foundation
import Synchronization
import Testing

@testable import Domain

/// A product's create and update times come from the catalog's clock (a given one in tests), to
/// the microsecond the stores keep.
@Suite struct ProductCatalogClockTests {
    @Test func createAndUpdateTimesAreTheGivenClocksToTheMicrosecond() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000.123_456_789))
        var configuration = ProductCatalog.Configuration()
        configuration.now = { clock.withLock { $0 } }
        let catalog = ProductCatalog(store: InMemoryProductStore(), configuration: configuration)
        let admin = AdminIdentity(id: UUID(), username: "alice")

        let created = try await catalog.createProduct(NewProduct(name: "Lamp", brand: "Acme", priceCents: 1), by: admin)
        #expect(created.createTime == Date(timeIntervalSince1970: 1_800_000_000.123_456))
        #expect(created.updateTime == created.createTime)

        clock.withLock { $0 = Date(timeIntervalSince1970: 1_800_000_060.5) }
        let updated = try await catalog.updateProduct(
            sku: created.sku,
            changes: ProductChanges(priceCents: 2, expectedVersion: 1),
            by: admin
        )
        #expect(updated.createTime == created.createTime)
        #expect(updated.updateTime == Date(timeIntervalSince1970: 1_800_000_060.5))
    }
}
