import Domain
import Foundation
import TestSupport
import Testing

/// While the cache holds the whole catalog, ListProducts is answered from memory: the pages
/// must be exactly the ones each store would give (order of skus, brand matching, every write).
@Suite struct CachedListingConformanceTests {
    /// Skus at the edges of byte order, where a signed or text comparison would differ from it.
    private static let edgeSkus = [
        "00000000-0000-0000-0000-000000000000", "7fffffff-ffff-ffff-ffff-ffffffffffff",
        "80000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "0000000a-0000-0000-0000-000000000000", "00000009-0000-0000-0000-000000000000",
        "00000000-0000-0000-8000-000000000000", "00000000-0000-0000-7fff-ffffffffffff",
    ]
    /// Two spellings of "Café" that Swift's `==` finds equal and the stores do not, and a brand
    /// that differs from another only in case.
    private static let brands = ["Acme", "acme", "Caf\u{e9}", "Cafe\u{301}"]

    @Test(arguments: StoreKind.enabled)
    func listingsFromMemoryAreTheStoresListings(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let catalog = ProductCatalog(store: store)
            try await catalog.warmUp()
            let actor = AdminIdentity(id: UUID(), username: "setup")
            var skus: [UUID] = []
            for index in 0..<150 {
                let sku = index < Self.edgeSkus.count ? Self.edgeSkus[index] : ""
                let input = NewProduct(name: "P\(index)", brand: Self.brands[index % 4], priceCents: 1, sku: sku)
                skus.append(try await catalog.createProduct(input, by: actor).sku)
            }
            for sku in skus.shuffled().prefix(30) {
                _ = try await catalog.updateProduct(
                    sku: sku,
                    changes: ProductChanges(brand: Self.brands.randomElement()!),
                    by: actor
                )
            }
            for sku in skus.shuffled().prefix(20) {
                try await catalog.deleteProduct(sku: sku, expectedVersion: 0, by: actor)
            }

            for brand in [""] + Self.brands {
                var fromMemory: [Product] = []
                var token = ""
                repeat {
                    let page = try await catalog.listProducts(pageSize: 7, pageToken: token, brand: brand)
                    fromMemory += page.items
                    token = page.nextPageToken
                } while !token.isEmpty
                let fromStore = try await store.listProducts(
                    after: nil,
                    brand: brand.isEmpty ? nil : brand,
                    limit: 1000
                )
                #expect(fromMemory.map(\.sku) == fromStore.map(\.sku), "brand \(Array(brand.unicodeScalars))")
                #expect(fromMemory == fromStore)
            }
        }
    }
}
